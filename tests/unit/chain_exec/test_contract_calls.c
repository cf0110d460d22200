/* Tests of the world host functions of the contract runtime
 * (src/chain/exec/contract.c): balance, transfer and synchronous
 * cross-contract calls (call_contract, return data, depth limit, gas
 * forwarding, a failing callee reverting only its own frame, re-entrancy,
 * a missing contract), run on an in-memory world of several contracts
 * (contracts/world.wat, see its header for the operations). The world
 * applies a successful run's effects as the ledger does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exec/exec.h"

#include "contract_world.h"

static chain_contract_t *g_code;
static cw_t *W;
static chain_addr_t A, B, C, X, NOBODY;

static uint64_t u128_lo(chain_u128_t v)
{
    assert_int_equal(v.hi, 0);
    return v.lo;
}

static uint64_t bal(const chain_addr_t *a)
{
    return u128_lo(cw_balance(W, a));
}

static uint64_t stored_u64(const chain_addr_t *c, const char *key)
{
    return cw_get_u64(W, c, key);
}

/* A, B, C hold the world contract and 1,000 each; X is a plain account. */
static void world_reset(void)
{
    cw_free(W);
    W = cw_new();
    assert_non_null(W);
    const chain_addr_t *cs[] = {&A, &B, &C};
    for (size_t i = 0; i < 3; i++) {
        cw_set_code(W, cs[i], g_code);
        cw_set_balance(W, cs[i], chain_u128_from_u64(1000));
    }
}

/* Successful runs are applied by cw_run, as the ledger does. */
static void apply(const chain_contract_result_t *r)
{
    assert_int_equal(r->status, CHAIN_CONTRACT_OK);
}

/* ---- building inputs ---- */

typedef struct in {
    uint8_t b[CHAIN_MAX_INPUT_BYTES];
    uint32_t n;
} in_t;

static void put(in_t *in, const void *p, size_t n)
{
    assert_true(in->n + n <= sizeof in->b);
    memcpy(in->b + in->n, p, n);
    in->n += (uint32_t)n;
}

static void put_u8(in_t *in, uint8_t v)
{
    put(in, &v, 1);
}

static void put_u64(in_t *in, uint64_t v)
{
    uint8_t b[8];
    store_le64(b, v);
    put(in, b, 8);
}

static void put_u128(in_t *in, uint64_t v)
{
    uint8_t b[16];
    chain_u128_put(b, chain_u128_from_u64(v));
    put(in, b, 16);
}

/* The CALL fields: addr, value, gas, then the inner input. */
static void put_call(in_t *in, const chain_addr_t *to, uint64_t value, int64_t gas,
                     const in_t *inner)
{
    put(in, to->b, 20);
    put_u128(in, value);
    put_u64(in, (uint64_t)gas);
    put(in, inner->b, inner->n);
}

static in_t op(uint8_t code)
{
    in_t in = {.n = 0};
    put_u8(&in, code);
    return in;
}

static in_t op_store(uint64_t v)
{
    in_t in = op(0x10);
    put_u64(&in, v);
    return in;
}

static in_t op_call(uint8_t code, const chain_addr_t *to, uint64_t value, int64_t gas,
                    const in_t *inner)
{
    in_t in = op(code);
    put_call(&in, to, value, gas, inner);
    return in;
}

static int run_in(const chain_addr_t *self, const in_t *in, uint64_t gas,
                  chain_contract_result_t *r)
{
    chain_addr_t caller;
    memset(caller.b, 0xee, 20);
    chain_u128_t total = cw_total(W);
    int rc = cw_run(W, &caller, self, "call", (chain_u128_t){0, 0}, in->b, in->n, gas, r);
    /* every callee's code handed back; value is only ever moved */
    assert_int_equal(cw_code_gets(W), cw_code_releases(W));
    assert_int_equal(chain_u128_cmp(total, cw_total(W)), 0);
    return rc;
}

/* Runs and expects status; returns nothing, r is the caller's to free. */
static void run_ok(const chain_addr_t *self, const in_t *in, uint64_t gas,
                   chain_contract_result_t *r, uint8_t status)
{
    assert_int_equal(run_in(self, in, gas, r), 0);
    if (r->status != status)
        fail_msg("status %s (%s), want %s", chain_contract_status_name(r->status), r->reason,
                 chain_contract_status_name(status));
}

static int32_t ret_i32(const chain_contract_result_t *r)
{
    assert_true(r->ret_len >= 4);
    return (int32_t)load_le32(r->ret);
}

/* ---- tests ---- */

static void test_call_writes_callee_storage(void **state)
{
    (void)state;
    world_reset();
    in_t inner = op_store(77);
    in_t in = op_call(0x12, &B, 0, 0, &inner);
    chain_contract_result_t r;
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(ret_i32(&r), 1);
    assert_int_equal(r.ret_len, 4);
    assert_int_equal(r.max_depth, 2);
    /* two writes: B's "k" (made first, by the callee) and A's "r" */
    assert_int_equal(r.n_writes, 2);
    assert_memory_equal(r.writes[0].contract.b, B.b, 20);
    assert_memory_equal(r.writes[1].contract.b, A.b, 20);
    apply(&r);
    chain_contract_result_free(&r);
    assert_int_equal(stored_u64(&B, "k"), 77);
    assert_int_equal(stored_u64(&A, "k"), 0);
    assert_int_equal(stored_u64(&A, "r"), 1);
    /* the return data of a read through another contract */
    in_t get = op(0x11);
    in = op_call(0x12, &B, 0, 0, &get);
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(r.ret_len, 12);
    assert_int_equal(ret_i32(&r), 1);
    assert_int_equal(load_le64(r.ret + 4), 77);
    chain_contract_result_free(&r);
}

static void test_gas_of_callee_charged(void **state)
{
    (void)state;
    world_reset();
    chain_contract_result_t r;
    in_t inner = op_store(5);
    run_ok(&B, &inner, 1000000, &r, CHAIN_CONTRACT_OK);
    uint64_t alone = r.gas_used;
    chain_contract_result_free(&r);
    in_t in = op_call(0x12, &B, 0, 0, &inner);
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    /* the callee's whole run (its base included) plus the call's own costs */
    assert_true(r.gas_used > alone + CHAIN_CONTRACT_GAS_CALL + inner.n);
    uint64_t nested = r.gas_used;
    chain_contract_result_free(&r);
    /* the same again on the same state: the same gas (determinism) */
    world_reset();
    run_ok(&B, &inner, 1000000, &r, CHAIN_CONTRACT_OK);
    chain_contract_result_free(&r);
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(r.gas_used, nested);
    chain_contract_result_free(&r);
    /* a callee given an explicit limit that spins uses exactly that limit */
    in_t spin = op(0x17);
    in = op_call(0x12, &B, 0, 50000, &spin);
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(ret_i32(&r), 0);
    assert_true(r.gas_used > 50000 && r.gas_used < 100000);
    chain_contract_result_free(&r);
    /* with no limit it gets all but 1/64 of what is left; the caller can
     * still finish with the rest */
    in = op_call(0x12, &B, 0, 0, &spin);
    run_ok(&A, &in, 3000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(ret_i32(&r), 0);
    assert_true(r.gas_used > 3000000 - 3000000 / 64 && r.gas_used < 3000000);
    chain_contract_result_free(&r);
    /* with less, the 1/64 kept back is too little for the caller's new
     * storage key (25,000+): the caller itself runs out afterwards */
    world_reset();
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OUT_OF_GAS);
    assert_int_equal(r.gas_used, 1000000);
    chain_contract_result_free(&r);
    /* a limit above what is left is cut to the 63/64 */
    in = op_call(0x12, &B, 0, INT64_MAX, &spin);
    run_ok(&A, &in, 3000000, &r, CHAIN_CONTRACT_OK);
    assert_true(r.gas_used < 3000000);
    chain_contract_result_free(&r);
}

static void test_failing_callee_reverts_own_frame(void **state)
{
    (void)state;
    world_reset();
    /* B writes "k", logs, pays X 10, then reverts: none of it stays; A's
     * own write of "r" (0) does */
    in_t inner = op(0x13);
    put_u64(&inner, 99);
    put(&inner, X.b, 20);
    put_u128(&inner, 10);
    in_t in = op_call(0x12, &B, 0, 0, &inner);
    chain_contract_result_t r;
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(ret_i32(&r), 0);
    assert_int_equal(r.n_logs, 0);
    assert_int_equal(r.n_transfers, 0);
    assert_int_equal(r.n_writes, 1);
    assert_memory_equal(r.writes[0].contract.b, A.b, 20);
    apply(&r);
    chain_contract_result_free(&r);
    assert_int_equal(stored_u64(&B, "k"), 0);
    assert_int_equal(bal(&X), 0);
    assert_int_equal(bal(&B), 1000);
    /* run directly, the same B op reverts the whole run with its reason */
    run_ok(&B, &inner, 1000000, &r, CHAIN_CONTRACT_REVERT);
    assert_string_equal(r.reason, "fail");
    assert_int_equal(r.n_writes + r.n_logs + r.n_transfers, 0);
    chain_contract_result_free(&r);
    /* A succeeds in calling B (which writes), then reverts: B's write goes too */
    inner = op_store(55);
    in = op_call(0x19, &B, 0, 0, &inner);
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_REVERT);
    assert_string_equal(r.reason, "after");
    assert_int_equal(r.n_writes, 0);
    chain_contract_result_free(&r);
    /* a frame in the middle fails: A -> B (reverts after its call to C
     * succeeded) leaves C untouched, A goes on */
    in_t c_store = op_store(3);
    in_t b_in = op_call(0x19, &C, 0, 0, &c_store);
    in = op_call(0x12, &B, 0, 0, &b_in);
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(ret_i32(&r), 0);
    assert_int_equal(r.max_depth, 3);
    assert_int_equal(r.n_writes, 1);   /* A's "r" only */
    chain_contract_result_free(&r);
}

static void test_value_moves(void **state)
{
    (void)state;
    world_reset();
    /* A calls B with 100: B sees its balance raised by it */
    in_t inner = op(0x16);
    put(&inner, B.b, 20);
    in_t in = op_call(0x12, &B, 100, 0, &inner);
    chain_contract_result_t r;
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(ret_i32(&r), 1);
    assert_int_equal(r.ret_len, 20);
    assert_int_equal(chain_u128_get(r.ret + 4).lo, 1100);
    assert_int_equal(r.n_transfers, 1);
    assert_memory_equal(r.transfers[0].from.b, A.b, 20);
    assert_memory_equal(r.transfers[0].to.b, B.b, 20);
    assert_int_equal(u128_lo(r.transfers[0].amount), 100);
    apply(&r);
    chain_contract_result_free(&r);
    assert_int_equal(bal(&A), 900);
    assert_int_equal(bal(&B), 1100);
    /* more than A has: B does not run, nothing moves */
    in = op_call(0x12, &B, 901, 0, &inner);
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(ret_i32(&r), 0);
    assert_int_equal(r.ret_len, 4);
    assert_int_equal(r.n_transfers, 0);
    assert_int_equal(r.max_depth, 1);
    chain_contract_result_free(&r);
    /* a callee that fails gives the value back */
    in_t bad = op(0x17);
    in = op_call(0x12, &B, 50, 20000, &bad);
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(ret_i32(&r), 0);
    assert_int_equal(r.n_transfers, 0);
    chain_contract_result_free(&r);
    /* transfer(): 1 when covered, 0 when not; the balance it sees includes
     * the moves made so far */
    in = op(0x15);
    put(&in, X.b, 20);
    put_u128(&in, 1100);
    run_ok(&B, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(ret_i32(&r), 1);
    apply(&r);
    chain_contract_result_free(&r);
    assert_int_equal(bal(&B), 0);
    assert_int_equal(bal(&X), 1100);
    run_ok(&B, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(ret_i32(&r), 0);
    assert_int_equal(r.n_transfers, 0);
    chain_contract_result_free(&r);
    /* A pays B 30 with the call; B forwards 30 to X from inside: covered
     * only because of the 30 it was just sent */
    in_t fwd = op(0x15);
    put(&fwd, X.b, 20);
    put_u128(&fwd, 30);
    in = op_call(0x12, &B, 30, 0, &fwd);
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(ret_i32(&r), 1);
    assert_int_equal(load_le32(r.ret + 4), 1);
    assert_int_equal(r.n_transfers, 2);
    apply(&r);
    chain_contract_result_free(&r);
    assert_int_equal(bal(&A), 870);
    assert_int_equal(bal(&B), 0);
    assert_int_equal(bal(&X), 1130);
}

static void test_reentrancy(void **state)
{
    (void)state;
    world_reset();
    /* A writes k = 7, then calls itself to read k: the re-entered frame
     * sees the write its caller made */
    in_t get = op(0x11);
    in_t in = op(0x18);
    put_u64(&in, 7);
    put_call(&in, &A, 0, 0, &get);
    chain_contract_result_t r;
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(ret_i32(&r), 1);
    assert_int_equal(load_le64(r.ret + 4), 7);
    chain_contract_result_free(&r);
    /* A -> B -> A: the inner A writes k = 9, which the outer A's later
     * read would see; the outer frame's effects and the inner's merge */
    in_t a_store = op_store(9);
    in_t b_in = op_call(0x12, &A, 0, 0, &a_store);
    in = op_call(0x12, &B, 0, 0, &b_in);
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(r.max_depth, 3);
    apply(&r);
    chain_contract_result_free(&r);
    assert_int_equal(stored_u64(&A, "k"), 9);
    assert_int_equal(stored_u64(&B, "r"), 1);
    assert_int_equal(stored_u64(&A, "r"), 1);
}

static void test_depth_limit(void **state)
{
    (void)state;
    world_reset();
    /* A calls itself until the limit: every frame counts in "d"; the call
     * that would be frame 65 fails and frame 64 goes on */
    in_t in = op(0x14);
    chain_contract_result_t r;
    run_ok(&A, &in, 100000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(r.max_depth, CHAIN_CONTRACT_MAX_DEPTH);
    apply(&r);
    chain_contract_result_free(&r);
    assert_int_equal(stored_u64(&A, "d"), CHAIN_CONTRACT_MAX_DEPTH);
    /* with little gas the 63/64 rule ends it earlier, still cleanly */
    run_ok(&A, &in, 200000, &r, CHAIN_CONTRACT_OK);
    assert_true(r.max_depth > 1 && r.max_depth < CHAIN_CONTRACT_MAX_DEPTH);
    assert_true(r.gas_used <= 200000);
    chain_contract_result_free(&r);
}

static void test_missing_and_bad(void **state)
{
    (void)state;
    world_reset();
    in_t inner = op_store(1);
    chain_contract_result_t r;
    /* no code at the address: 0, empty return data, caller goes on */
    in_t in = op_call(0x12, &NOBODY, 0, 0, &inner);
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(ret_i32(&r), 0);
    assert_int_equal(r.ret_len, 4);
    assert_int_equal(r.max_depth, 1);
    chain_contract_result_free(&r);
    /* an address that is an account without code: the same */
    in = op_call(0x12, &X, 0, 0, &inner);
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(ret_i32(&r), 0);
    chain_contract_result_free(&r);
    /* reading past the end of the return data traps the reader */
    in_t get = op(0x11);
    in = op_call(0x1a, &B, 0, 0, &get);
    run_ok(&A, &in, 1000000, &r, CHAIN_CONTRACT_TRAP);
    assert_non_null(strstr(r.reason, "return_data_copy"));
    assert_int_equal(r.n_writes, 0);
    chain_contract_result_free(&r);
    /* a world callback failing in a nested frame fails the whole run */
    cw_fail_reads(W, CONTRACT_EINVAL);
    in_t rd = op(0x11);
    in = op_call(0x12, &B, 0, 0, &rd);
    assert_int_equal(run_in(&A, &in, 1000000, &r), CONTRACT_EINVAL);
    assert_int_equal(r.n_writes, 0);
    chain_contract_result_free(&r);
    cw_fail_reads(W, 0);
}

static void test_memory_budget(void **state)
{
    (void)state;
    world_reset();
    /* every frame grows its memory to the most it may have, then recurses:
     * four frames of 256 pages fill the 1,024-page budget; the fifth cannot
     * even instantiate (trap) and the fourth goes on */
    in_t in = op(0x1b);
    chain_contract_result_t r;
    run_ok(&A, &in, 100000000, &r, CHAIN_CONTRACT_OK);
    assert_int_equal(r.max_depth, CHAIN_CONTRACT_MAX_TOTAL_PAGES / CHAIN_CONTRACT_MAX_PAGES + 1);
    apply(&r);
    chain_contract_result_free(&r);
    assert_int_equal(stored_u64(&A, "d"), CHAIN_CONTRACT_MAX_TOTAL_PAGES / CHAIN_CONTRACT_MAX_PAGES);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR-WITH-WASM\n", argv[0]);
        return 2;
    }
    if (crypto_init() != 0)
        return 1;
    g_code = cw_load(argv[1], "world");
    if (!g_code)
        return 1;
    memset(A.b, 0xa1, 20);
    memset(B.b, 0xb2, 20);
    memset(C.b, 0xc3, 20);
    memset(X.b, 0x58, 20);
    memset(NOBODY.b, 0x00, 20);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_writes_callee_storage),
        cmocka_unit_test(test_gas_of_callee_charged),
        cmocka_unit_test(test_failing_callee_reverts_own_frame),
        cmocka_unit_test(test_value_moves),
        cmocka_unit_test(test_reentrancy),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_missing_and_bad),
        cmocka_unit_test(test_memory_budget),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cw_free(W);
    chain_contract_free(g_code);
    return rc;
}
