/* Contracts in the ledger (contract_exec.c) with the AIC token built from
 * sdk/contract/examples/aic_token.c: a deploy and calls in real blocks on a
 * RocksDB store; fees = fee + gas used x gas price on success and on
 * failure (revert, out of gas, missing contract) with the failed call's
 * writes, value and logs undone; storage slots in the state tree with
 * present and absent proofs against the state root; the log index; read-
 * only simulation that commits nothing; and a second store applying the
 * same blocks reaching the same roots and gas figures. */
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

#define CHAIN 91
static const char *g_wasm;
static uint8_t *g_code;
static size_t g_code_len;
static uint8_t sk[4][64], pk[4][32];
static chain_addr_t addr[4];
enum { A, B, C, P };

static chain_u128_t u(uint64_t v)
{
    return chain_u128_from_u64(v);
}

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    for (int i = 0; i < 4; i++)
        ledger_key(0x40, i, pk[i], sk[i], &addr[i]);
    g_code = ledger_read_code(g_wasm, &g_code_len);
    return g_code ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(g_code);
    return 0;
}

typedef ledger_env_t env_t;

static void env_open(env_t *v, bool cache)
{
    chain_genesis_alloc_t al[3] = {{addr[A], u(10000000)}, {addr[B], u(10000000)},
                                   {addr[C], u(50)}};
    ledger_env_open(v, CHAIN, al, 3, pk[P], cache);
    v->cfg.min_fee = u(1);
}

#define env_close ledger_env_close

static chain_account_t acct(chain_state_t *st, const chain_addr_t *a)
{
    chain_account_t x;
    bool ex;
    assert_int_equal(chain_state_get_account(st, a, &x, &ex, NULL), 0);
    return x;
}

/* token call inputs */
static uint32_t in_transfer(uint8_t *in, int to, uint64_t amount)
{
    in[0] = 1;
    memcpy(in + 1, addr[to].b, 20);
    chain_u128_put(in + 21, u(amount));
    return 37;
}

static chain_tx_t *call_tx(env_t *v, int from, uint64_t nonce, const chain_addr_t *to,
                           const uint8_t *in, uint32_t n, uint64_t gas, uint64_t value)
{
    err_t e = {0};
    chain_tx_t *tx = chain_tx_new_call(CHAIN, pk[from], nonce, u(10), to, u(value), gas, u(2), in,
                                       n, &e);
    assert_non_null(tx);
    assert_int_equal(chain_tx_sign(tx, sk[from], &e), 0);
    (void)v;
    return tx;
}

/* Builds and commits one block of txs (all must be included). */
static chain_block_t *block(env_t *v, chain_tx_t **txs, size_t n, uint64_t ts,
                            chain_receipt_t **rs_out)
{
    chain_built_t b;
    err_t e = {0};
    assert_int_equal(chain_exec_build_block(v->st, &v->cfg, txs, n, ts, sk[P], &b, &e), 0);
    if (b.n_skipped)
        fail_msg("skipped: %s", b.skipped[0].reason);
    assert_int_equal(b.block->n_txs, n);
    chain_block_t *copy = NULL;
    buf_t enc;
    buf_init(&enc, 0);
    assert_int_equal(chain_block_encode(b.block, &enc), 0);
    copy = chain_block_decode(enc.data, enc.len, &e);
    assert_non_null(copy);
    buf_free(&enc);
    *rs_out = calloc(n ? n : 1, sizeof **rs_out);
    for (size_t i = 0; i < n; i++) {   /* deep copies via the codec */
        buf_t rb;
        buf_init(&rb, 0);
        assert_int_equal(chain_receipt_encode(&b.receipts[i], &rb), 0);
        assert_int_equal(chain_receipt_decode(rb.data, rb.len, &(*rs_out)[i], &e), 0);
        buf_free(&rb);
    }
    assert_int_equal(chain_exec_commit_built(v->st, &b, &e), 0);
    chain_built_free(&b);
    return copy;
}

static void free_txs(chain_tx_t **t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        chain_tx_free(t[i]);
}

/* The token balance of `who` read through the committed storage slot. */
static uint64_t token_balance(chain_state_t *st, const chain_addr_t *token, int who)
{
    uint8_t key[21] = {2};
    memcpy(key + 1, addr[who].b, 20);
    buf_t v;
    bool found = false;
    buf_init(&v, 0);
    assert_int_equal(chain_exec_storage_get(st, token, key, 21, &v, &found, NULL), 0);
    uint64_t r = 0;
    if (found) {
        assert_int_equal(v.len, 16);
        r = chain_u128_get(v.data).lo;
    }
    buf_free(&v);
    return r;
}

typedef struct logs_seen {
    size_t n;
    uint64_t heights[16];
} logs_seen_t;

static int log_cb(void *arg, uint64_t height, uint32_t tx, uint32_t li, const chain_hash_t *h)
{
    (void)tx, (void)li, (void)h;
    logs_seen_t *s = arg;
    if (s->n < 16)
        s->heights[s->n] = height;
    s->n++;
    return 0;
}

static void test_token_in_blocks(void **state)
{
    (void)state;
    env_t v, w;
    env_open(&v, true);
    env_open(&w, false);   /* the replaying store compiles without a cache */
    err_t e = {0};
    uint8_t init[16];
    chain_u128_put(init, u(1000000));
    chain_tx_t *d = chain_tx_new_deploy(CHAIN, pk[A], 0, u(10), u(0), 4000000, u(2), g_code,
                                        (uint32_t)g_code_len, init, 16, &e);
    assert_non_null(d);
    assert_int_equal(chain_tx_sign(d, sk[A], &e), 0);
    assert_int_equal(chain_exec_check_tx(v.st, &v.cfg, d, NULL, &e), 0);
    chain_addr_t token;
    chain_contract_address(&addr[A], 0, &token);
    chain_receipt_t *rs;
    chain_block_t *b1 = block(&v, &d, 1, 6000, &rs);
    assert_int_equal(rs[0].status, CHAIN_STATUS_OK);
    assert_memory_equal(rs[0].contract.b, token.b, 20);
    uint64_t deploy_gas = rs[0].gas_used;
    assert_true(deploy_gas > CHAIN_CONTRACT_DEPLOY_GAS + CHAIN_CONTRACT_CODE_BYTE_GAS * g_code_len);
    assert_true(rs[0].fee_paid.lo == 10 + 2 * deploy_gas);
    assert_int_equal(rs[0].n_logs, 1);   /* the mint's Transfer event */
    assert_true(rs[0].logs[0].has_topic);
    assert_memory_equal(rs[0].logs[0].address.b, token.b, 20);
    assert_int_equal(acct(v.st, &addr[A]).balance.lo, 10000000 - 10 - 2 * deploy_gas);
    assert_int_equal(acct(v.st, &addr[P]).balance.lo, 10 + 2 * deploy_gas);
    assert_int_equal(token_balance(v.st, &token, A), 1000000);
    uint8_t *code = NULL;
    size_t clen = 0;
    chain_hash_t ch, want;
    assert_int_equal(chain_exec_contract_code(v.st, &token, &code, &clen, &ch, &e), 0);
    assert_true(clen == g_code_len && memcmp(code, g_code, clen) == 0);
    crypto_sha256(g_code, g_code_len, want.b);
    assert_memory_equal(ch.b, want.b, 32);
    free(code);
    chain_receipts_free(rs, 1);

    /* block 2: a transfer A -> B of 300 with value 7 to the contract; a
     * transfer B -> C of more than B holds (revert: fee + gas charged, the
     * value comes back, no write); an out-of-gas call; a missing contract */
    uint8_t in[64];
    uint32_t n = in_transfer(in, B, 300);
    chain_addr_t nowhere;
    memset(nowhere.b, 0x99, 20);
    chain_tx_t *t[4];
    t[0] = call_tx(&v, A, 1, &token, in, n, 1000000, 7);
    t[1] = call_tx(&v, B, 0, &nowhere, in, n, 100000, 0);
    n = in_transfer(in, C, 5000);
    t[2] = call_tx(&v, B, 1, &token, in, n, 1000000, 9);
    n = in_transfer(in, B, 300);
    t[3] = call_tx(&v, A, 2, &token, in, n, 1500, 0);
    chain_tx_t **order = t;
    uint64_t a_before = acct(v.st, &addr[A]).balance.lo;
    uint64_t b_before = acct(v.st, &addr[B]).balance.lo;
    chain_block_t *b2 = block(&v, order, 4, 7000, &rs);
    assert_int_equal(rs[0].status, CHAIN_STATUS_OK);
    assert_int_equal(rs[0].n_logs, 1);
    assert_int_equal(rs[1].status, CHAIN_STATUS_NO_CONTRACT);
    assert_true(rs[1].gas_used == CHAIN_CONTRACT_GAS_BASE);
    assert_non_null(strstr(rs[1].reason, "no contract at 9999"));
    assert_int_equal(rs[2].status, CHAIN_STATUS_REVERT);
    assert_string_equal(rs[2].reason, "insufficient balance");
    assert_int_equal(rs[2].n_logs, 0);
    assert_true(rs[2].gas_used > 0 && rs[2].gas_used < 1000000);
    assert_int_equal(rs[3].status, CHAIN_STATUS_OUT_OF_GAS);
    assert_true(rs[3].gas_used == 1500);
    uint64_t a_paid = rs[0].fee_paid.lo + rs[3].fee_paid.lo, b_paid = rs[1].fee_paid.lo + rs[2].fee_paid.lo;
    for (int i = 0; i < 4; i++)
        assert_true(rs[i].fee_paid.lo == 10 + 2 * rs[i].gas_used);
    assert_int_equal(acct(v.st, &addr[A]).balance.lo, a_before - a_paid - 7);
    assert_int_equal(acct(v.st, &addr[B]).balance.lo, b_before - b_paid);   /* value 9 undone */
    assert_int_equal(acct(v.st, &token).balance.lo, 7);
    assert_int_equal(acct(v.st, &addr[B]).nonce, 2);
    assert_int_equal(token_balance(v.st, &token, A), 1000000 - 300);
    assert_int_equal(token_balance(v.st, &token, B), 300);
    assert_int_equal(token_balance(v.st, &token, C), 0);
    uint64_t gas2[4];
    for (int i = 0; i < 4; i++)
        gas2[i] = rs[i].gas_used;
    chain_receipts_free(rs, 4);

    /* the storage slot of B's balance is proven present, C's absent */
    uint8_t key[21] = {2}, id[32];
    memcpy(key + 1, addr[B].b, 20);
    chain_contract_storage_id(&token, key, 21, id);
    chain_proof_t *p = malloc(sizeof *p);
    buf_t val;
    buf_init(&val, 0);
    chain_hash_t root;
    chain_state_root(v.st, &root);
    assert_int_equal(chain_state_prove_data(v.st, CHAIN_DATA_STORAGE, id, p, &val, &e), 0);
    assert_true(p->exists);
    assert_int_equal(chain_data_proof_verify(CHAIN_DATA_STORAGE, id, val.data, val.len,
                                             p->siblings, p->n_siblings, NULL, NULL, &root, &e),
                     0);
    val.data[val.len - 16] ^= 1;   /* a different balance does not verify */
    assert_int_not_equal(chain_data_proof_verify(CHAIN_DATA_STORAGE, id, val.data, val.len,
                                                 p->siblings, p->n_siblings, NULL, NULL, &root,
                                                 &e),
                         0);
    memcpy(key + 1, addr[C].b, 20);
    chain_contract_storage_id(&token, key, 21, id);
    assert_int_equal(chain_state_prove_data(v.st, CHAIN_DATA_STORAGE, id, p, &val, &e), 0);
    assert_false(p->exists);
    assert_int_equal(chain_data_proof_verify(CHAIN_DATA_STORAGE, id, NULL, 0, p->siblings,
                                             p->n_siblings, p->has_other ? &p->other_key : NULL,
                                             p->has_other ? &p->other_value_hash : NULL, &root,
                                             &e),
                     0);
    free(p);
    buf_free(&val);

    /* the log index: the token's logs (mint in block 1, transfer in 2) */
    logs_seen_t seen = {0};
    assert_int_equal(chain_state_each_log(v.st, &token, NULL, 0, 100, log_cb, &seen, &e), 0);
    assert_true(seen.n == 2 && seen.heights[0] == 1 && seen.heights[1] == 2);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(chain_state_each_log(v.st, &token, NULL, 2, 2, log_cb, &seen, &e), 0);
    assert_true(seen.n == 1);
    chain_hash_t topic;
    crypto_sha256("Transfer", 8, topic.b);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(chain_state_each_log(v.st, NULL, &topic, 0, 1, log_cb, &seen, &e), 0);
    assert_true(seen.n == 1 && seen.heights[0] == 1);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(chain_state_each_log(v.st, &nowhere, NULL, 0, 100, log_cb, &seen, &e), 0);
    assert_true(seen.n == 0);
    assert_int_equal(chain_state_each_log(v.st, NULL, NULL, 0, 100, log_cb, &seen, &e),
                     CHAIN_EINVAL);

    /* read-only: balance_of(B) answers 300 and commits nothing */
    chain_hash_t r_before;
    chain_state_root(v.st, &r_before);
    uint8_t q[21] = {6};
    memcpy(q + 1, addr[B].b, 20);
    chain_contract_msg_t m = {.from = addr[C], .to = token, .input = q, .input_len = 21};
    chain_receipt_t sr;
    assert_int_equal(chain_exec_contract_simulate(v.st, &v.cfg, &m, &sr, &e), 0);
    assert_int_equal(sr.status, CHAIN_STATUS_OK);
    assert_int_equal(sr.ret_len, 16);
    assert_int_equal(chain_u128_get(sr.ret).lo, 300);
    chain_receipt_clear(&sr);
    n = in_transfer(in, C, 100);   /* a simulated transfer by B changes nothing */
    m.from = addr[B];
    m.input = in;
    m.input_len = n;
    assert_int_equal(chain_exec_contract_simulate(v.st, &v.cfg, &m, &sr, &e), 0);
    assert_int_equal(sr.status, CHAIN_STATUS_OK);
    assert_int_equal(sr.n_logs, 1);
    chain_receipt_clear(&sr);
    chain_state_root(v.st, &root);
    assert_memory_equal(root.b, r_before.b, 32);
    assert_int_equal(token_balance(v.st, &token, C), 0);

    /* replay: a second store applies both blocks and reaches the same roots
     * and the same gas figures */
    chain_receipt_t *wr = NULL;
    assert_int_equal(chain_exec_apply_block(w.st, &w.cfg, b1, &wr, &e), 0);
    assert_true(wr[0].gas_used == deploy_gas);
    chain_receipts_free(wr, 1);
    assert_int_equal(chain_exec_apply_block(w.st, &w.cfg, b2, &wr, &e), 0);
    for (int i = 0; i < 4; i++)
        assert_true(wr[i].gas_used == gas2[i]);
    chain_receipts_free(wr, 4);
    chain_hash_t r2;
    chain_state_root(w.st, &r2);
    assert_memory_equal(root.b, r2.b, 32);
    assert_int_equal(chain_state_check(w.st, &e), 0);
    assert_int_equal(chain_state_check(v.st, &e), 0);

    chain_block_free(b1);
    chain_block_free(b2);
    chain_tx_free(d);
    free_txs(t, 4);
    env_close(&v);
    env_close(&w);
}

/* Admission: a sender who cannot cover fee + gas_limit x gas_price + value
 * is refused with the amounts; a block with such a tx is invalid. */
static void test_contract_admission(void **state)
{
    (void)state;
    env_t v;
    env_open(&v, true);
    err_t e = {0};
    chain_addr_t any;
    memset(any.b, 1, 20);
    chain_tx_t *tx = call_tx(&v, C, 0, &any, NULL, 0, 100, 0);   /* 10 + 200 > 50 */
    assert_int_equal(chain_exec_check_tx(v.st, &v.cfg, tx, NULL, &e), CHAIN_ETXINVALID);
    assert_non_null(strstr(e.msg, "balance 50"));
    chain_built_t b;
    assert_int_equal(chain_exec_build_block(v.st, &v.cfg, &tx, 1, 6000, sk[P], &b, &e), 0);
    assert_int_equal(b.block->n_txs, 0);
    assert_int_equal(b.n_skipped, 1);
    assert_non_null(strstr(b.skipped[0].reason, "cannot prepay"));
    chain_built_free(&b);
    chain_tx_free(tx);
    env_close(&v);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s aic_token.wasm\n", argv[0]);
        return 2;
    }
    g_wasm = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_in_blocks),
        cmocka_unit_test(test_contract_admission),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
