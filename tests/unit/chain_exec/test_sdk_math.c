/* The contract SDK's 128-bit arithmetic (sdk/contract/aether_contract.h):
 * the compiler-rt builtins it supplies for wasm32 (multiply, divide,
 * remainder, shifts) and the 256-bit helpers (mul_full, mul_div, isqrt256,
 * cmp), run inside a contract (contracts/sdk_math.c) on the runtime and
 * compared with the host's own unsigned __int128 arithmetic (and exact
 * 256-bit references built from it) on edge values and random operands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract_world.h"

typedef cw_u128 u128;
static chain_contract_t *g_math;
static cw_t *W;
static chain_addr_t M, USER;

static uint8_t calc(uint8_t op, u128 a, u128 b, u128 c, uint8_t *ret, uint32_t *n)
{
    cw_msg_t m = {.n = 0};
    cw_msg_u8(&m, op);
    cw_msg_u128(&m, a);
    cw_msg_u128(&m, b);
    cw_msg_u128(&m, c);
    return cw_call(W, &USER, &M, "call", &m, 10000000, ret, n, NULL);
}

/* 256-bit reference: a*b as (hi, lo) from 64-bit limbs on the host. */
static void ref_mul(u128 a, u128 b, u128 *hi, u128 *lo)
{
    u128 a0 = (uint64_t)a, a1 = a >> 64, b0 = (uint64_t)b, b1 = b >> 64;
    u128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
    *lo = (mid << 64) | (uint64_t)p00;
    *hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
}

static int cmp256(u128 ah, u128 al, u128 bh, u128 bl)
{
    if (ah != bh)
        return ah < bh ? -1 : 1;
    return al < bl ? -1 : al > bl;
}

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd64(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

/* Random operands of random widths, with edge values mixed in. */
static u128 operand(void)
{
    static const u128 edges[] = {0, 1, 2, 3, 0xffffffffffffffffull, (u128)1 << 64,
                                 ((u128)1 << 64) + 1, (u128)1 << 127, ~(u128)0, ~(u128)0 - 1};
    if (rnd64() % 5 == 0)
        return edges[rnd64() % (sizeof edges / sizeof *edges)];
    u128 v = ((u128)rnd64() << 64) | rnd64();
    return v >> (rnd64() % 128);
}

static void test_builtins(void **state)
{
    (void)state;
    uint8_t r[CW_RET_MAX];
    uint32_t n;
    for (int i = 0; i < 2000; i++) {
        u128 a = operand(), b = operand(), c = rnd64();
        if (b == 0) {
            assert_int_equal(calc(1, a, b, c, r, &n), CHAIN_CONTRACT_REVERT);
            continue;
        }
        assert_int_equal(calc(1, a, b, c, r, &n), CHAIN_CONTRACT_OK);
        assert_int_equal(n, 48);
        if (cw_u128_at(r) != a * b || cw_u128_at(r + 16) != a / b || cw_u128_at(r + 32) != a % b)
            fail_msg("case %d: mul/div/mod wrong", i);
        assert_int_equal(calc(2, a, b, c, r, &n), CHAIN_CONTRACT_OK);
        int s = (int)(c & 127);
        if (cw_u128_at(r) != a << s || cw_u128_at(r + 16) != a >> s)
            fail_msg("case %d: shifts by %d wrong", i, s);
        u128 hi, lo;
        ref_mul(a, b, &hi, &lo);
        assert_int_equal(calc(3, a, b, c, r, &n), CHAIN_CONTRACT_OK);
        if (cw_u128_at(r) != hi || cw_u128_at(r + 16) != lo)
            fail_msg("case %d: mul_full wrong", i);
    }
}

static void test_mul_div_isqrt(void **state)
{
    (void)state;
    uint8_t r[CW_RET_MAX];
    uint32_t n;
    for (int i = 0; i < 1000; i++) {
        u128 a = operand(), b = operand(), c = operand();
        u128 hi, lo;
        ref_mul(a, b, &hi, &lo);
        uint8_t st = calc(4, a, b, c, r, &n);
        if (c == 0 || hi >= c) {   /* division by zero or a quotient past 128 bits */
            assert_int_equal(st, CHAIN_CONTRACT_REVERT);
            continue;
        }
        assert_int_equal(st, CHAIN_CONTRACT_OK);
        u128 q = cw_u128_at(r);
        /* q = floor(a*b/c)  <=>  q*c <= a*b < (q+1)*c */
        u128 qh, ql, nh, nl;
        ref_mul(q, c, &qh, &ql);
        assert_true(cmp256(qh, ql, hi, lo) <= 0);
        nl = ql + c;
        nh = qh + (nl < ql);
        if (cmp256(nh, nl, hi, lo) <= 0)
            fail_msg("case %d: mul_div quotient too small", i);
    }
    for (int i = 0; i < 300; i++) {
        u128 h = operand(), l = operand();
        assert_int_equal(calc(5, h, l, 0, r, &n), CHAIN_CONTRACT_OK);
        u128 s = cw_u128_at(r), sh, sl, th, tl;
        /* s*s <= n < (s+1)*(s+1) */
        ref_mul(s, s, &sh, &sl);
        assert_true(cmp256(sh, sl, h, l) <= 0);
        if (s != ~(u128)0) {
            ref_mul(s + 1, s + 1, &th, &tl);
            if (cmp256(th, tl, h, l) <= 0)
                fail_msg("case %d: isqrt too small", i);
        }
        u128 c = operand();
        assert_int_equal(calc(6, h, l, c, r, &n), CHAIN_CONTRACT_OK);
        assert_int_equal((int8_t)r[0], cmp256(h, l, 0, c));
    }
    /* exact values */
    assert_int_equal(calc(5, 0, (u128)1 << 100, 0, r, &n), CHAIN_CONTRACT_OK);
    assert_true(cw_u128_at(r) == (u128)1 << 50);
    assert_int_equal(calc(5, ~(u128)0, ~(u128)0, 0, r, &n), CHAIN_CONTRACT_OK);
    assert_true(cw_u128_at(r) == ~(u128)0);
    assert_int_equal(calc(4, ~(u128)0, ~(u128)0, ~(u128)0, r, &n), CHAIN_CONTRACT_OK);
    assert_true(cw_u128_at(r) == ~(u128)0);
    assert_int_equal(calc(6, 1, 0, ~(u128)0, r, &n), CHAIN_CONTRACT_OK);
    assert_int_equal(r[0], 1);
    assert_int_equal(calc(6, 0, 5, 5, r, &n), CHAIN_CONTRACT_OK);
    assert_int_equal(r[0], 0);
    assert_int_equal(calc(6, 0, 4, 5, r, &n), CHAIN_CONTRACT_OK);
    assert_int_equal(r[0], 0xff);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR-WITH-CONTRACTS\n", argv[0]);
        return 2;
    }
    if (crypto_init() != 0)
        return 1;
    g_math = cw_load(argv[1], "sdk_math");
    W = cw_new();
    if (!g_math || !W)
        return 1;
    memset(M.b, 0x4d, 20);
    memset(USER.b, 0x55, 20);
    cw_set_code(W, &M, g_math);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtins),
        cmocka_unit_test(test_mul_div_isqrt),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cw_free(W);
    chain_contract_free(g_math);
    return rc;
}
