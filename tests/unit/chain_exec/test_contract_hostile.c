/* The hostile-contract suite of the contract runtime: a contract that
 * spins, recurses, bombs memory, floods storage, hands every host function
 * a bad pointer, tries re-entrancy through another contract, calls itself
 * without end or calls nobody (contracts/hostile.wat). Each attack ends
 * with a defined status and charged gas, takes back its effects, and the
 * next run works (the process goes on; ASan checks that nothing leaks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract_world.h"

static chain_contract_t *g_hostile, *g_world;
static cw_t *W;
static chain_addr_t H, WC, USER, NOBODY;

static void reset(void)
{
    cw_free(W);
    W = cw_new();
    assert_non_null(W);
    cw_set_code(W, &H, g_hostile);
    cw_set_code(W, &WC, g_world);
    cw_set_balance(W, &H, chain_u128_from_u64(500));
    cw_set_balance(W, &USER, chain_u128_from_u64(1000));
}

/* Runs H with input (op, variant, rest...) and checks the common rules:
 * the status wanted, gas charged and bounded, no effects unless OK. */
static void attack(const uint8_t *in, uint32_t n, uint64_t gas, uint8_t status,
                   const char *needle, chain_contract_result_t *r)
{
    chain_u128_t total = cw_total(W);
    assert_int_equal(cw_run(W, &USER, &H, "call", (chain_u128_t){0, 0}, in, n, gas, r), 0);
    if (r->status != status)
        fail_msg("attack %02x/%u: status %s (%s), want %s", in[0], n > 1 ? in[1] : 0,
                 chain_contract_status_name(r->status), r->reason,
                 chain_contract_status_name(status));
    if (needle && !strstr(r->reason, needle))
        fail_msg("attack %02x/%u: reason \"%s\" lacks \"%s\"", in[0], n > 1 ? in[1] : 0,
                 r->reason, needle);
    assert_true(r->gas_used > CHAIN_CONTRACT_GAS_BASE && r->gas_used <= gas);
    if (status != CHAIN_CONTRACT_OK)
        assert_int_equal(r->n_writes + r->n_logs + r->n_transfers, 0);
    assert_int_equal(cw_code_gets(W), cw_code_releases(W));
    assert_int_equal(chain_u128_cmp(total, cw_total(W)), 0);
}

static int32_t ret_i32(const chain_contract_result_t *r)
{
    assert_int_equal(r->ret_len, 4);
    return (int32_t)load_le32(r->ret);
}

/* After every attack an ordinary call still works. */
static void still_works(void)
{
    static const uint8_t in[] = {0x09, 0};
    chain_contract_result_t r;
    attack(in, sizeof in, 100000, CHAIN_CONTRACT_OK, NULL, &r);
    assert_int_equal(ret_i32(&r), -1);   /* a 257-byte key is refused, not fatal */
    chain_contract_result_free(&r);
}

static void test_cpu_and_stack(void **state)
{
    (void)state;
    reset();
    chain_contract_result_t r;
    static const uint8_t spin[] = {0x01, 0};
    attack(spin, 2, 5000000, CHAIN_CONTRACT_OUT_OF_GAS, "out of gas", &r);
    assert_int_equal(r.gas_used, 5000000);   /* all of it */
    chain_contract_result_free(&r);
    static const uint8_t rec[] = {0x02, 0};
    attack(rec, 2, 50000000, CHAIN_CONTRACT_TRAP, "call stack exhausted", &r);
    assert_true(r.gas_used < 50000000);
    chain_contract_result_free(&r);
    /* the same recursion with little gas runs out of gas first */
    attack(rec, 2, 5000, CHAIN_CONTRACT_OUT_OF_GAS, "out of gas", &r);
    chain_contract_result_free(&r);
    still_works();
}

static void test_memory_bomb(void **state)
{
    (void)state;
    reset();
    chain_contract_result_t r;
    static const uint8_t bomb[] = {0x03, 0};
    /* grows 16 pages at a time to 241 (the next step would pass the cap of
     * 256 pages, 16 MiB), fills them, traps */
    attack(bomb, 2, 10000000, CHAIN_CONTRACT_TRAP, "unreachable", &r);
    /* the fill alone costs its bytes / 64 */
    assert_true(r.gas_used > (241 * 65536ull) / 64);
    chain_contract_result_free(&r);
    /* too little gas for the fill: out of gas */
    attack(bomb, 2, 100000, CHAIN_CONTRACT_OUT_OF_GAS, "out of gas", &r);
    chain_contract_result_free(&r);
    for (int i = 0; i < 5; i++)   /* and again: memory is given back each time */
        still_works();
}

static void test_storage_flood(void **state)
{
    (void)state;
    reset();
    chain_contract_result_t r;
    static const uint8_t flood[] = {0x04, 0};
    /* enough gas: the transaction's key limit stops it, the run succeeds */
    attack(flood, 2, 40000000, CHAIN_CONTRACT_OK, NULL, &r);
    assert_int_equal(ret_i32(&r), CHAIN_CONTRACT_MAX_WRITES);
    assert_int_equal(r.n_writes, CHAIN_CONTRACT_MAX_WRITES);
    /* each new key paid 5,000 + 20/byte + 20,000 */
    assert_true(r.gas_used > CHAIN_CONTRACT_MAX_WRITES * 25080ull);
    chain_contract_result_free(&r);
    uint8_t key[4];
    store_le32(key, CHAIN_CONTRACT_MAX_WRITES - 1);
    assert_true(cw_get(W, &H, key, 4, NULL, NULL));
    store_le32(key, CHAIN_CONTRACT_MAX_WRITES);
    assert_false(cw_get(W, &H, key, 4, NULL, NULL));
    /* not enough gas: out of gas, not one key written */
    reset();
    attack(flood, 2, 1000000, CHAIN_CONTRACT_OUT_OF_GAS, "out of gas", &r);
    chain_contract_result_free(&r);
    store_le32(key, 0);
    assert_false(cw_get(W, &H, key, 4, NULL, NULL));
    /* 4 KiB values rewritten 50 times: one entry; 4097 bytes refused */
    static const uint8_t big[] = {0x05, 0};
    attack(big, 2, 10000000, CHAIN_CONTRACT_OK, NULL, &r);
    assert_int_equal(ret_i32(&r), -1);
    assert_int_equal(r.n_writes, 1);
    assert_int_equal(r.writes[0].vlen, CHAIN_CONTRACT_MAX_VALUE);
    assert_int_equal(r.writes[0].val[0], 49);
    assert_true(r.gas_used > 50 * (5000 + 20 * 4096ull));
    chain_contract_result_free(&r);
    still_works();
}

static void test_bad_pointers(void **state)
{
    (void)state;
    reset();
    static const char *const needle[] = {
        "storage_write value", "emit_event topic", "sha256 output", "balance output",
        "transfer amount", "call_contract: input of", "call_contract address",
        "return_data_copy", "input:", "caller:", "revert reason", "sha256: negative length",
    };
    for (uint8_t v = 0; v < sizeof needle / sizeof *needle; v++) {
        uint8_t in[2] = {0x06, v};
        chain_contract_result_t r;
        attack(in, 2, 1000000, CHAIN_CONTRACT_TRAP, needle[v], &r);
        chain_contract_result_free(&r);
    }
    still_works();
}

static void test_reentrancy_guard(void **state)
{
    (void)state;
    reset();
    /* H (guarded) -> world contract -> H (guarded) again: the inner H
     * reverts "reentered", the world contract sees 0 and goes on, the outer
     * H finishes and clears its lock */
    uint8_t inner_h[1 + 20 + 1] = {0x07};
    memcpy(inner_h + 1, WC.b, 20);
    inner_h[21] = 0x11;
    uint8_t w_in[1 + 20 + 16 + 8 + sizeof inner_h] = {0x12};
    memcpy(w_in + 1, H.b, 20);
    memcpy(w_in + 45, inner_h, sizeof inner_h);
    uint8_t in[1 + 20 + sizeof w_in] = {0x07};
    memcpy(in + 1, WC.b, 20);
    memcpy(in + 21, w_in, sizeof w_in);
    chain_contract_result_t r;
    attack(in, sizeof in, 2000000, CHAIN_CONTRACT_OK, NULL, &r);
    assert_int_equal(ret_i32(&r), 1);
    assert_int_equal(r.max_depth, 3);
    chain_contract_result_free(&r);
    assert_int_equal(cw_get_u64(W, &WC, "r"), 0);          /* its call into H failed */
    assert_false(cw_get(W, &H, "L", 1, NULL, NULL));        /* the lock is gone */
    /* calling nobody through the guard: 0, and the run goes on */
    memcpy(in + 1, NOBODY.b, 20);
    attack(in, 21, 1000000, CHAIN_CONTRACT_OK, NULL, &r);
    assert_int_equal(ret_i32(&r), 0);
    chain_contract_result_free(&r);
    /* calling itself without end: the depth limit stops it */
    static const uint8_t self[] = {0x08, 0};
    attack(self, 2, 100000000, CHAIN_CONTRACT_OK, NULL, &r);
    assert_int_equal(r.max_depth, CHAIN_CONTRACT_MAX_DEPTH);
    chain_contract_result_free(&r);
    still_works();
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR-WITH-WASM\n", argv[0]);
        return 2;
    }
    if (crypto_init() != 0)
        return 1;
    g_hostile = cw_load(argv[1], "hostile");
    g_world = cw_load(argv[1], "world");
    if (!g_hostile || !g_world)
        return 1;
    memset(H.b, 0x48, 20);
    memset(WC.b, 0x57, 20);
    memset(USER.b, 0x55, 20);
    memset(NOBODY.b, 0x4e, 20);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_and_stack),
        cmocka_unit_test(test_memory_bomb),
        cmocka_unit_test(test_storage_flood),
        cmocka_unit_test(test_bad_pointers),
        cmocka_unit_test(test_reentrancy_guard),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cw_free(W);
    chain_contract_free(g_hostile);
    chain_contract_free(g_world);
    return rc;
}
