/* Cross-contract calls through the ledger (contract_exec.c applying the
 * runtime's journal) with contracts/world.wat: two contracts from the same
 * code (stored once by hash), a callee that writes, logs, transfers and then
 * reverts inside a succeeding caller (only the callee's frame is undone),
 * a callee's value transfer applied to the accounts, re-entrancy to the
 * depth limit, an infinite loop charged its whole gas limit; committed in
 * blocks, and a second store replaying the blocks reaches the same root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exec/exec.h"
#include "ledger_env.h"

#define CHAIN 92
static char g_path[512];
static uint8_t *g_code;
static size_t g_len;
static uint8_t sk[3][64], pk[3][32];
static chain_addr_t addr[3];
enum { A, C, P };

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    for (int i = 0; i < 3; i++)
        ledger_key(0x60, i, pk[i], sk[i], &addr[i]);
    g_code = ledger_read_code(g_path, &g_len);
    return g_code ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(g_code);
    return 0;
}

typedef ledger_env_t env_t;

static void env_open(env_t *v)
{
    chain_genesis_alloc_t al[1] = {{addr[A], chain_u128_from_u64(100000000)}};
    ledger_env_open(v, CHAIN, al, 1, pk[P], true);
}

#define env_close ledger_env_close

static uint64_t balance(chain_state_t *st, const chain_addr_t *a)
{
    chain_account_t x;
    bool ex;
    assert_int_equal(chain_state_get_account(st, a, &x, &ex, NULL), 0);
    return x.balance.lo;
}

/* storage "k" or "r" of contract a (0 when absent) */
static uint64_t slot(chain_state_t *st, const chain_addr_t *a, char name)
{
    buf_t v;
    bool found = false;
    buf_init(&v, 0);
    assert_int_equal(chain_exec_storage_get(st, a, (const uint8_t *)&name, 1, &v, &found, NULL), 0);
    uint64_t r = 0;
    if (found)
        memcpy(&r, v.data, v.len < 8 ? v.len : 8);
    buf_free(&v);
    return r;
}

static chain_tx_t *signed_tx(chain_tx_t *tx)
{
    assert_non_null(tx);
    assert_int_equal(chain_tx_sign(tx, sk[A], NULL), 0);
    return tx;
}

static chain_tx_t *call(uint64_t nonce, const chain_addr_t *to, const uint8_t *in, uint32_t n,
                        uint64_t value, uint64_t gas)
{
    return signed_tx(chain_tx_new_call(CHAIN, pk[A], nonce, chain_u128_from_u64(1), to,
                                       chain_u128_from_u64(value), gas, chain_u128_from_u64(1), in,
                                       n, NULL));
}

/* CALL fields: addr[20] value[16] gas[8] inner... */
static uint32_t put_call(uint8_t *p, const chain_addr_t *to, uint64_t value, const uint8_t *inner,
                         uint32_t n)
{
    memcpy(p, to->b, 20);
    memset(p + 20, 0, 24);
    chain_u128_put(p + 20, chain_u128_from_u64(value));
    memcpy(p + 44, inner, n);
    return 44 + n;
}

static chain_block_t *commit(env_t *v, chain_tx_t **txs, size_t n, chain_receipt_t *rs)
{
    chain_built_t b;
    err_t e = {0};
    assert_int_equal(chain_exec_build_block(v->st, &v->cfg, txs, n, 10000, sk[P], &b, &e), 0);
    if (b.n_skipped)
        fail_msg("skipped: %s", b.skipped[0].reason);
    for (size_t i = 0; i < n; i++) {
        rs[i] = b.receipts[i];
        memset(&b.receipts[i], 0, sizeof b.receipts[i]);   /* taken */
    }
    buf_t enc;
    buf_init(&enc, 0);
    assert_int_equal(chain_block_encode(b.block, &enc), 0);
    chain_block_t *copy = chain_block_decode(enc.data, enc.len, &e);
    buf_free(&enc);
    assert_int_equal(chain_exec_commit_built(v->st, &b, &e), 0);
    chain_built_free(&b);
    return copy;
}

static void test_world_through_ledger(void **state)
{
    (void)state;
    env_t v, w;
    env_open(&v);
    env_open(&w);
    err_t e = {0};
    chain_addr_t w1, w2;
    chain_contract_address(&addr[A], 0, &w1);
    chain_contract_address(&addr[A], 1, &w2);
    uint8_t in[256], inner[128];
    uint32_t n;

    /* block 1: two deploys of the same code; W2 gets 1000 with a store */
    chain_tx_t *b1[3];
    for (int i = 0; i < 2; i++)
        b1[i] = signed_tx(chain_tx_new_deploy(CHAIN, pk[A], (uint64_t)i, chain_u128_from_u64(1),
                                              chain_u128_from_u64(0), 5000000,
                                              chain_u128_from_u64(1), g_code, (uint32_t)g_len,
                                              NULL, 0, NULL));
    in[0] = 0x10;
    memset(in + 1, 0, 8);
    in[1] = 5;
    b1[2] = call(2, &w2, in, 9, 1000, 200000);
    chain_receipt_t r1[3];
    chain_block_t *k1 = commit(&v, b1, 3, r1);
    for (int i = 0; i < 3; i++)
        assert_int_equal(r1[i].status, CHAIN_STATUS_OK);
    uint8_t *code = NULL;
    size_t cl;
    chain_hash_t h1, h2;
    assert_int_equal(chain_exec_contract_code(v.st, &w1, &code, &cl, &h1, &e), 0);
    free(code);
    assert_int_equal(chain_exec_contract_code(v.st, &w2, &code, &cl, &h2, &e), 0);
    free(code);
    assert_memory_equal(h1.b, h2.b, 32);   /* one code, stored once by its hash */
    assert_int_equal(balance(v.st, &w2), 1000);
    assert_int_equal(slot(v.st, &w2, 'k'), 5);

    /* block 2:
     *  t0: W1 stores 7, then calls W2, which stores 9, logs, transfers 100
     *      to C and reverts: W1's frame stands, W2's is undone;
     *  t1: W1 calls W2, which transfers 250 to C: applied to the accounts;
     *  t2: W1 re-enters itself until the depth limit;
     *  t3: an infinite loop: out of gas, the whole limit charged. */
    chain_tx_t *b2[4];
    inner[0] = 0x13;
    memset(inner + 1, 0, 8);
    inner[1] = 9;
    memcpy(inner + 9, addr[C].b, 20);
    chain_u128_put(inner + 29, chain_u128_from_u64(100));
    in[0] = 0x18;
    memset(in + 1, 0, 8);
    in[1] = 7;
    n = 9 + put_call(in + 9, &w2, 0, inner, 45);
    b2[0] = call(3, &w1, in, n, 0, 2000000);
    inner[0] = 0x15;
    memcpy(inner + 1, addr[C].b, 20);
    chain_u128_put(inner + 21, chain_u128_from_u64(250));
    in[0] = 0x12;
    n = 1 + put_call(in + 1, &w2, 0, inner, 37);
    b2[1] = call(4, &w1, in, n, 0, 2000000);
    in[0] = 0x14;
    b2[2] = call(5, &w1, in, 1, 0, 5000000);
    in[0] = 0x17;
    b2[3] = call(6, &w1, in, 1, 0, 300000);
    uint64_t a0 = balance(v.st, &addr[A]);
    chain_receipt_t r2[4];
    chain_block_t *k2 = commit(&v, b2, 4, r2);
    assert_int_equal(r2[0].status, CHAIN_STATUS_OK);
    assert_int_equal(r2[0].n_logs, 0);          /* the callee's log went with its frame */
    assert_int_equal(slot(v.st, &w1, 'k'), 7);
    assert_true(r2[0].ret_len >= 4 && load_le32(r2[0].ret) == 0);   /* call_contract said 0 */
    assert_int_equal(slot(v.st, &w2, 'k'), 5);  /* the callee's write undone */
    assert_int_equal(r2[1].status, CHAIN_STATUS_OK);
    assert_true(r2[1].ret_len >= 4 && load_le32(r2[1].ret) == 1);
    assert_int_equal(slot(v.st, &w1, 'r'), 1);
    assert_int_equal(balance(v.st, &addr[C]), 250);
    assert_int_equal(balance(v.st, &w2), 750);
    assert_int_equal(r2[2].status, CHAIN_STATUS_OK);   /* the deepest frame failed alone */
    assert_true(slot(v.st, &w1, 'd') >= CHAIN_CONTRACT_MAX_DEPTH - 1);
    assert_int_equal(r2[3].status, CHAIN_STATUS_OUT_OF_GAS);
    assert_true(r2[3].gas_used == 300000);
    uint64_t paid = 0;
    for (int i = 0; i < 4; i++)
        paid += r2[i].fee_paid.lo;
    assert_int_equal(balance(v.st, &addr[A]), a0 - paid);

    /* a second store replaying both blocks: same root, same gas */
    chain_receipt_t *rs = NULL;
    assert_int_equal(chain_exec_apply_block(w.st, &w.cfg, k1, &rs, &e), 0);
    chain_receipts_free(rs, 3);
    assert_int_equal(chain_exec_apply_block(w.st, &w.cfg, k2, &rs, &e), 0);
    for (int i = 0; i < 4; i++)
        assert_true(rs[i].gas_used == r2[i].gas_used && rs[i].status == r2[i].status);
    chain_receipts_free(rs, 4);
    chain_hash_t ra, rb;
    chain_state_root(v.st, &ra);
    chain_state_root(w.st, &rb);
    assert_memory_equal(ra.b, rb.b, 32);

    for (int i = 0; i < 3; i++)
        chain_receipt_clear(&r1[i]), chain_tx_free(b1[i]);
    for (int i = 0; i < 4; i++)
        chain_receipt_clear(&r2[i]), chain_tx_free(b2[i]);
    chain_block_free(k1);
    chain_block_free(k2);
    env_close(&v);
    env_close(&w);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CONTRACTS_DIR\n", argv[0]);
        return 2;
    }
    snprintf(g_path, sizeof g_path, "%s/world.wasm", argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_world_through_ledger),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
