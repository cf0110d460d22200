/* The constant-product AMM contract (sdk/contract/examples/amm.c) with two
 * AIC token contracts, all three built with the SDK and run on the contract
 * runtime in an in-memory world (contract_world.c), against a model: a
 * seeded random sequence of add_liquidity, remove_liquidity and swaps (some
 * with impossible minimums, too many shares or no approval) by four
 * traders. After every step the contract's answer (ok / revert, amounts)
 * matches the model's, and: each token's supply is conserved (sum of
 * balances = total supply), the AMM holds exactly its reserves, LP shares
 * add up to the pool's supply, and k = rA·rB never decreases on a swap. */
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

static const char *g_dir;
static chain_contract_t *g_token, *g_amm;
static cw_t *W;
static chain_addr_t TA, TB, AMM, DEPLOYER, USERS[4];

#define FEE 30
#define GAS 20000000




/* Runs entry of self as caller; the result's status, its return data in
 * ret (when not NULL, up to 64 bytes) and *ret_len. Traps and out of gas
 * are test failures: every refusal must be a revert with a reason. */
/* A call that must not trap or run out of gas: every refusal is a revert
 * with a reason. */
static uint8_t run(const chain_addr_t *caller, const chain_addr_t *self, const char *entry,
                   const cw_msg_t *m, uint8_t *ret, uint32_t *ret_len, char *reason)
{
    char why[ERR_MSG_MAX];
    chain_u128_t total = cw_total(W);
    uint8_t st = cw_call(W, caller, self, entry, m, GAS, ret, ret_len, why);
    if (st == CHAIN_CONTRACT_TRAP || st == CHAIN_CONTRACT_OUT_OF_GAS)
        fail_msg("%s: %s (%s)", entry, chain_contract_status_name(st), why);
    assert_int_equal(chain_u128_cmp(total, cw_total(W)), 0);
    if (reason)
        snprintf(reason, ERR_MSG_MAX, "%s", why);
    return st;
}

static void must(const chain_addr_t *caller, const chain_addr_t *self, const char *entry,
                 const cw_msg_t *m)
{
    char why[ERR_MSG_MAX];
    if (run(caller, self, entry, m, NULL, NULL, why) != CHAIN_CONTRACT_OK)
        fail_msg("%s failed: %s", entry, why);
}

static u128 query(const chain_addr_t *self, const cw_msg_t *m, uint32_t want_len, uint8_t *out)
{
    uint8_t buf[CW_RET_MAX];
    uint32_t n;
    assert_int_equal(run(&DEPLOYER, self, "call", m, buf, &n, NULL), CHAIN_CONTRACT_OK);
    assert_int_equal(n, want_len);
    if (out)
        memcpy(out, buf, n);
    return cw_u128_at(buf);
}

static u128 token_balance(const chain_addr_t *token, const chain_addr_t *who)
{
    cw_msg_t m = {.n = 0};
    cw_msg_u8(&m, 6);
    cw_msg_addr(&m, who);
    return query(token, &m, 16, NULL);
}

static u128 token_supply(const chain_addr_t *token)
{
    cw_msg_t m = {.n = 0};
    cw_msg_u8(&m, 7);
    return query(token, &m, 16, NULL);
}

/* ---- the model ---- */

typedef struct model {
    u128 ra, rb, supply, lp[4], bal_a[4], bal_b[4];
    bool approved[4];
} model_t;

static u128 isqrt(u128 n)
{
    u128 r = 0;
    for (int i = 63; i >= 0; i--) {
        u128 c = r | ((u128)1 << i);
        if (c * c <= n)
            r = c;
    }
    return r;
}

static u128 min_u(u128 a, u128 b)
{
    return a < b ? a : b;
}

static u128 swap_out(u128 in, u128 r_in, u128 r_out)
{
    u128 in_fee = in * (10000 - FEE);
    return in_fee * r_out / (r_in * 10000 + in_fee);
}

static uint64_t g_rng = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static void deploy(void)
{
    cw_free(W);
    W = cw_new();
    assert_non_null(W);
    cw_set_code(W, &TA, g_token);
    cw_set_code(W, &TB, g_token);
    cw_set_code(W, &AMM, g_amm);
    cw_msg_t m = {.n = 0};
    cw_msg_u128(&m, 10000000000ull);   /* initial supply to the deployer */
    must(&DEPLOYER, &TA, "init", &m);
    must(&DEPLOYER, &TB, "init", &m);
    m.n = 0;
    cw_msg_u128(&m, FEE);
    must(&DEPLOYER, &AMM, "init", &m);
}

static void check_invariants(const model_t *md)
{
    cw_msg_t m = {.n = 0};
    cw_msg_u8(&m, 5);
    cw_msg_addr(&m, &TA);
    cw_msg_addr(&m, &TB);
    uint8_t pool[48];
    query(&AMM, &m, 48, pool);
    assert_true(cw_u128_at(pool) == md->ra);
    assert_true(cw_u128_at(pool + 16) == md->rb);
    assert_true(cw_u128_at(pool + 32) == md->supply);
    /* the same pool named the other way round */
    m.n = 0;
    cw_msg_u8(&m, 5);
    cw_msg_addr(&m, &TB);
    cw_msg_addr(&m, &TA);
    query(&AMM, &m, 48, pool);
    assert_true(cw_u128_at(pool) == md->rb && cw_u128_at(pool + 16) == md->ra);
    /* the AMM holds exactly its reserves */
    assert_true(token_balance(&TA, &AMM) == md->ra);
    assert_true(token_balance(&TB, &AMM) == md->rb);
    u128 lp_sum = 0, sa = token_balance(&TA, &AMM) + token_balance(&TA, &DEPLOYER),
         sb = token_balance(&TB, &AMM) + token_balance(&TB, &DEPLOYER);
    for (int i = 0; i < 4; i++) {
        assert_true(token_balance(&TA, &USERS[i]) == md->bal_a[i]);
        assert_true(token_balance(&TB, &USERS[i]) == md->bal_b[i]);
        sa += md->bal_a[i];
        sb += md->bal_b[i];
        m.n = 0;
        cw_msg_u8(&m, 6);
        cw_msg_addr(&m, &TA);
        cw_msg_addr(&m, &TB);
        cw_msg_addr(&m, &USERS[i]);
        assert_true(query(&AMM, &m, 16, NULL) == md->lp[i]);
        lp_sum += md->lp[i];
    }
    /* supply conserved: every token is held by someone we know */
    assert_true(sa == token_supply(&TA) && sb == token_supply(&TB));
    assert_true(lp_sum == md->supply);
}

static void test_amm_model(void **state)
{
    (void)state;
    deploy();
    model_t md;
    memset(&md, 0, sizeof md);
    cw_msg_t m = {.n = 0};
    /* a pool of TA/TB; creating it again or with one token twice reverts */
    cw_msg_u8(&m, 1);
    cw_msg_addr(&m, &TA);
    cw_msg_addr(&m, &TB);
    must(&USERS[0], &AMM, "call", &m);
    assert_int_equal(run(&USERS[0], &AMM, "call", &m, NULL, NULL, NULL), CHAIN_CONTRACT_REVERT);
    cw_msg_t same = {.n = 0};
    cw_msg_u8(&same, 1);
    cw_msg_addr(&same, &TA);
    cw_msg_addr(&same, &TA);
    assert_int_equal(run(&USERS[0], &AMM, "call", &same, NULL, NULL, NULL), CHAIN_CONTRACT_REVERT);
    /* the traders get tokens; three of them approve the AMM */
    for (int i = 0; i < 4; i++) {
        md.bal_a[i] = md.bal_b[i] = 100000000;
        const chain_addr_t *toks[2] = {&TA, &TB};
        for (int t = 0; t < 2; t++) {
            m.n = 0;
            cw_msg_u8(&m, 1);
            cw_msg_addr(&m, &USERS[i]);
            cw_msg_u128(&m, 100000000);
            must(&DEPLOYER, toks[t], "call", &m);
            if (i == 3)
                continue;
            m.n = 0;
            cw_msg_u8(&m, 2);
            cw_msg_addr(&m, &AMM);
            cw_msg_u128(&m, (u128)1 << 100);
            must(&USERS[i], toks[t], "call", &m);
        }
        md.approved[i] = i != 3;
    }
    u128 k_prev = 0;
    int swaps = 0, adds = 0, removes = 0, refused = 0;
    for (int step = 0; step < 300; step++) {
        int u = (int)(rnd() % 4), op = (int)(rnd() % 3);
        if (md.supply == 0)
            op = 0;
        bool ok;
        u128 e0 = 0, e1 = 0, e2 = 0;
        m.n = 0;
        if (op == 0) {   /* add liquidity */
            u128 a = 1000 + rnd() % 2000000, b = 1000 + rnd() % 2000000, min_lp = 0;
            if (rnd() % 8 == 0)
                min_lp = (u128)1 << 80;   /* impossible */
            cw_msg_u8(&m, 2);
            cw_msg_addr(&m, &TA);
            cw_msg_addr(&m, &TB);
            cw_msg_u128(&m, a);
            cw_msg_u128(&m, b);
            cw_msg_u128(&m, min_lp);
            u128 lp;
            if (md.supply == 0) {
                lp = isqrt(a * b);
            } else {
                u128 b_opt = a * md.rb / md.ra;
                if (b_opt <= b)
                    b = b_opt;
                else
                    a = b * md.ra / md.rb;
                lp = min_u(a * md.supply / md.ra, b * md.supply / md.rb);
            }
            ok = lp > 0 && lp >= min_lp && (md.supply > 0 || lp >= 1000) && md.approved[u] &&
                 md.bal_a[u] >= a && md.bal_b[u] >= b;
            if (ok) {
                md.ra += a, md.rb += b, md.supply += lp, md.lp[u] += lp;
                md.bal_a[u] -= a, md.bal_b[u] -= b;
                e0 = a, e1 = b, e2 = lp;
            }
        } else if (op == 1) {   /* remove liquidity */
            u128 lp = md.lp[u] ? 1 + rnd() % md.lp[u] : 1 + rnd() % 1000;
            if (rnd() % 10 == 0)
                lp = md.lp[u] + 1;   /* more than held */
            cw_msg_u8(&m, 3);
            cw_msg_addr(&m, &TA);
            cw_msg_addr(&m, &TB);
            cw_msg_u128(&m, lp);
            cw_msg_u128(&m, 0);
            cw_msg_u128(&m, 0);
            ok = lp <= md.lp[u];
            if (ok) {
                u128 a = lp * md.ra / md.supply, b = lp * md.rb / md.supply;
                md.lp[u] -= lp, md.supply -= lp, md.ra -= a, md.rb -= b;
                md.bal_a[u] += a, md.bal_b[u] += b;
                e0 = a, e1 = b;
            }
        } else {   /* swap, either way */
            bool a_in = rnd() % 2;
            u128 in = 1 + rnd() % 3000000, r_in = a_in ? md.ra : md.rb, r_out = a_in ? md.rb : md.ra;
            u128 out = swap_out(in, r_in, r_out), min_out = rnd() % 6 == 0 ? out + 1 : out / 2;
            cw_msg_u8(&m, 4);
            cw_msg_addr(&m, a_in ? &TA : &TB);
            cw_msg_addr(&m, a_in ? &TB : &TA);
            cw_msg_u128(&m, in);
            cw_msg_u128(&m, min_out);
            u128 *bin = a_in ? &md.bal_a[u] : &md.bal_b[u], *bout = a_in ? &md.bal_b[u] : &md.bal_a[u];
            ok = out > 0 && out >= min_out && md.approved[u] && *bin >= in;
            if (ok) {
                *bin -= in, *bout += out;
                if (a_in)
                    md.ra += in, md.rb -= out;
                else
                    md.rb += in, md.ra -= out;
                e0 = out;
            }
        }
        uint8_t ret[CW_RET_MAX];
        uint32_t n;
        char why[ERR_MSG_MAX];
        uint8_t st = run(&USERS[u], &AMM, "call", &m, ret, &n, why);
        if ((st == CHAIN_CONTRACT_OK) != ok)
            fail_msg("step %d op %d by %d: contract %s (%s), model %s", step, op, u,
                     chain_contract_status_name(st), why, ok ? "ok" : "revert");
        if (!ok) {
            refused++;
        } else if (op == 0) {
            adds++;
            assert_int_equal(n, 48);
            assert_true(cw_u128_at(ret) == e0 && cw_u128_at(ret + 16) == e1 && cw_u128_at(ret + 32) == e2);
        } else if (op == 1) {
            removes++;
            assert_int_equal(n, 32);
            assert_true(cw_u128_at(ret) == e0 && cw_u128_at(ret + 16) == e1);
        } else {
            swaps++;
            assert_int_equal(n, 16);
            assert_true(cw_u128_at(ret) == e0);
            /* k never decreases on a swap */
            assert_true(md.ra * md.rb >= k_prev);
        }
        k_prev = md.ra * md.rb;
        if (step % 25 == 24)
            check_invariants(&md);
    }
    check_invariants(&md);
    printf("# %d adds, %d removes, %d swaps, %d refused\n", adds, removes, swaps, refused);
    assert_true(adds > 10 && removes > 10 && swaps > 30 && refused > 10);
}

/* A swap moves balances exactly as the formula says, and quote agrees. */
static void test_swap_formula(void **state)
{
    (void)state;
    deploy();
    cw_msg_t m = {.n = 0};
    cw_msg_u8(&m, 1);
    cw_msg_addr(&m, &TA);
    cw_msg_addr(&m, &TB);
    must(&DEPLOYER, &AMM, "call", &m);
    const chain_addr_t *toks[2] = {&TA, &TB};
    for (int t = 0; t < 2; t++) {
        m.n = 0;
        cw_msg_u8(&m, 2);
        cw_msg_addr(&m, &AMM);
        cw_msg_u128(&m, (u128)1 << 100);
        must(&DEPLOYER, toks[t], "call", &m);
    }
    m.n = 0;
    cw_msg_u8(&m, 2);
    cw_msg_addr(&m, &TA);
    cw_msg_addr(&m, &TB);
    cw_msg_u128(&m, 1000000);
    cw_msg_u128(&m, 4000000);
    cw_msg_u128(&m, 0);
    must(&DEPLOYER, &AMM, "call", &m);
    u128 a0 = token_balance(&TA, &DEPLOYER), b0 = token_balance(&TB, &DEPLOYER);
    m.n = 0;
    cw_msg_u8(&m, 7);
    cw_msg_addr(&m, &TA);
    cw_msg_addr(&m, &TB);
    cw_msg_u128(&m, 10000);
    u128 quoted = query(&AMM, &m, 16, NULL);
    u128 want = (u128)10000 * 9970 * 4000000 / ((u128)1000000 * 10000 + (u128)10000 * 9970);
    assert_true(quoted == want);   /* 39,482 */
    m.n = 0;
    cw_msg_u8(&m, 4);
    cw_msg_addr(&m, &TA);
    cw_msg_addr(&m, &TB);
    cw_msg_u128(&m, 10000);
    cw_msg_u128(&m, want);
    must(&DEPLOYER, &AMM, "call", &m);
    assert_true(token_balance(&TA, &DEPLOYER) == a0 - 10000);
    assert_true(token_balance(&TB, &DEPLOYER) == b0 + want);
    /* the same swap asking for one more than it gives reverts, nothing moves */
    m.n = 0;
    cw_msg_u8(&m, 4);
    cw_msg_addr(&m, &TA);
    cw_msg_addr(&m, &TB);
    cw_msg_u128(&m, 10000);
    cw_msg_u128(&m, (u128)1 << 64);
    char why[ERR_MSG_MAX];
    assert_int_equal(run(&DEPLOYER, &AMM, "call", &m, NULL, NULL, why), CHAIN_CONTRACT_REVERT);
    assert_non_null(strstr(why, "min_out"));
    assert_true(token_balance(&TA, &DEPLOYER) == a0 - 10000);
    /* a first deposit below 1,000 shares is refused */
    m.n = 0;
    cw_msg_u8(&m, 1);
    cw_msg_addr(&m, &TB);
    cw_msg_addr(&m, &AMM);
    must(&DEPLOYER, &AMM, "call", &m);
    m.n = 0;
    cw_msg_u8(&m, 2);
    cw_msg_addr(&m, &TB);
    cw_msg_addr(&m, &AMM);
    cw_msg_u128(&m, 10);
    cw_msg_u128(&m, 10);
    cw_msg_u128(&m, 0);
    assert_int_equal(run(&DEPLOYER, &AMM, "call", &m, NULL, NULL, why), CHAIN_CONTRACT_REVERT);
    assert_non_null(strstr(why, "1000 shares"));
    /* big amounts: products past 2^128 go through the 256-bit helpers */
    deploy();
    m.n = 0;
    cw_msg_u8(&m, 4);
    cw_msg_addr(&m, &USERS[0]);
    cw_msg_u128(&m, (u128)1 << 100);
    must(&DEPLOYER, &TA, "call", &m);   /* the deployer owns TA: mint 2^100 */
    must(&DEPLOYER, &TB, "call", &m);
    m.n = 0;
    cw_msg_u8(&m, 1);
    cw_msg_addr(&m, &TA);
    cw_msg_addr(&m, &TB);
    must(&DEPLOYER, &AMM, "call", &m);
    for (int t = 0; t < 2; t++) {
        m.n = 0;
        cw_msg_u8(&m, 2);
        cw_msg_addr(&m, &AMM);
        cw_msg_u128(&m, (u128)1 << 101);
        must(&USERS[0], toks[t], "call", &m);
    }
    m.n = 0;
    cw_msg_u8(&m, 2);
    cw_msg_addr(&m, &TA);
    cw_msg_addr(&m, &TB);
    cw_msg_u128(&m, (u128)1 << 90);
    cw_msg_u128(&m, (u128)1 << 90);
    cw_msg_u128(&m, 0);
    uint8_t ret[CW_RET_MAX];
    uint32_t n;
    assert_int_equal(run(&USERS[0], &AMM, "call", &m, ret, &n, why), CHAIN_CONTRACT_OK);
    assert_true(cw_u128_at(ret + 32) == (u128)1 << 90);   /* isqrt(2^180) */
    m.n = 0;
    cw_msg_u8(&m, 4);
    cw_msg_addr(&m, &TA);
    cw_msg_addr(&m, &TB);
    cw_msg_u128(&m, (u128)1 << 89);
    cw_msg_u128(&m, 0);
    assert_int_equal(run(&USERS[0], &AMM, "call", &m, ret, &n, why), CHAIN_CONTRACT_OK);
    /* out = 2^89·9970·2^90 / (2^90·10000 + 2^89·9970) = 2^90·9970/29970 */
    u128 want_big = ((u128)1 << 90) * 9970 / 29970;
    assert_true(cw_u128_at(ret) == want_big);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR-WITH-CONTRACTS\n", argv[0]);
        return 2;
    }
    g_dir = argv[1];
    if (crypto_init() != 0)
        return 1;
    g_token = cw_load(g_dir, "aic_token");
    g_amm = cw_load(g_dir, "amm");
    if (!g_token || !g_amm)
        return 1;
    memset(TA.b, 0xa0, 20);
    memset(TB.b, 0xb0, 20);
    TB.b[0] = 0x05;   /* TB sorts first: the pool stores the pair swapped */
    memset(AMM.b, 0xaa, 20);
    memset(DEPLOYER.b, 0xde, 20);
    for (int i = 0; i < 4; i++)
        memset(USERS[i].b, 0x10 * (i + 1), 20);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amm_model),
        cmocka_unit_test(test_swap_formula),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cw_free(W);
    chain_contract_free(g_token);
    chain_contract_free(g_amm);
    return rc;
}
