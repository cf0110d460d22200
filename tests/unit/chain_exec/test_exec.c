/* Tests of chain/exec: every rule of exec.h on a hand-built block (success,
 * failed receipts that only charge the fee and bump the nonce, invalid txs
 * skipped with reasons), UTxO spends, proposer fees, the mempool-facing
 * check, determinism (a second node applying the block reaches the same
 * roots), rejection of tampered blocks, and random transfers against a
 * balance model with conservation of supply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exec/exec.h"

#define CHAIN 77
static uint8_t sk[5][64], pk[5][32];
static chain_addr_t addr[5];
enum { A, B, C, D, P };   /* P = proposer */

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    for (int i = 0; i < 5; i++) {
        uint8_t seed[32];
        memset(seed, 0x20 + i, 32);
        crypto_ed25519_from_seed(seed, pk[i], sk[i]);
        chain_addr_from_pk(pk[i], &addr[i]);
    }
    return 0;
}

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

static chain_u128_t u(uint64_t v)
{
    return chain_u128_from_u64(v);
}

typedef struct env {
    char dir[64];
    chain_state_t *st;
} env_t;

static const chain_exec_cfg_t cfg = {.chain_id = CHAIN, .min_fee = {1, 0}, .verify_threads = 2};

static void env_open(env_t *v, uint64_t bal_a, uint64_t bal_b)
{
    strcpy(v->dir, "/tmp/chain_exec_test.XXXXXX");
    assert_non_null(mkdtemp(v->dir));
    err_t e = {0};
    v->st = chain_state_open(v->dir, false, &e);
    assert_non_null(v->st);
    chain_genesis_alloc_t al[2] = {{addr[A], u(bal_a)}, {addr[B], u(bal_b)}};
    chain_utxo_t us[4] = {{addr[A], u(100)}, {addr[A], u(200)}, {addr[A], u(300)},
                          {addr[B], u(50)}};
    chain_genesis_t g = {.chain_id = CHAIN, .timestamp_ms = 5000, .accounts = al, .n_accounts = 2,
                         .utxos = us, .n_utxos = 4};
    memcpy(g.proposer_pk, pk[P], 32);
    assert_int_equal(chain_state_init_genesis(v->st, &g, &e), 0);
}

static void env_close(env_t *v)
{
    chain_state_close(v->st);
    nftw(v->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static chain_tx_t *xfer(int from, int to, uint64_t nonce, uint64_t amount, uint64_t fee)
{
    chain_tx_t *tx = chain_tx_new_transfer(CHAIN, pk[from], nonce, u(fee), &addr[to], u(amount));
    assert_int_equal(chain_tx_sign(tx, sk[from], NULL), 0);
    return tx;
}

static chain_tx_t *spend(int from, uint64_t nonce, uint64_t fee, uint64_t from_bal,
                         const uint32_t *gen_inputs, uint32_t n_in, const chain_utxo_t *outs,
                         uint32_t n_out)
{
    chain_utxo_id_t ins[8];
    for (uint32_t i = 0; i < n_in; i++)
        ins[i] = (chain_utxo_id_t){{{0}}, gen_inputs[i]};
    chain_tx_t *tx = chain_tx_new_utxo(CHAIN, pk[from], nonce, u(fee), u(from_bal), ins, n_in,
                                       outs, n_out, NULL);
    assert_non_null(tx);
    assert_int_equal(chain_tx_sign(tx, sk[from], NULL), 0);
    return tx;
}

static uint64_t bal(chain_state_t *st, int who, uint64_t *nonce)
{
    chain_account_t a;
    bool ex;
    assert_int_equal(chain_state_get_account(st, &addr[who], &a, &ex, NULL), 0);
    assert_int_equal(a.balance.hi, 0);
    if (nonce)
        *nonce = a.nonce;
    return a.balance.lo;
}

static void test_block_rules(void **state)
{
    (void)state;
    env_t v;
    env_open(&v, 1000000, 500);
    chain_utxo_t o1[2] = {{addr[C], u(150)}, {addr[B], u(100)}};
    chain_utxo_t o2[1] = {{addr[C], u(1)}};
    chain_utxo_t o3[1] = {{addr[D], u(200)}};
    uint32_t in12[2] = {1, 2}, in1[1] = {1}, in0[1] = {0};
    chain_tx_t *c[13];
    c[0] = xfer(A, B, 0, 1000, 10);                   /* ok */
    c[1] = xfer(A, B, 0, 1, 10);                      /* nonce reused: invalid */
    c[2] = xfer(B, C, 0, 1000, 5);                    /* ok: B got 1000 from c[0] */
    c[3] = xfer(D, A, 0, 1, 1);                       /* D has nothing: invalid */
    c[4] = chain_tx_new_transfer(CHAIN + 1, pk[A], 1, u(5), &addr[B], u(1));
    assert_int_equal(chain_tx_sign(c[4], sk[A], NULL), 0);   /* wrong chain: invalid */
    c[5] = xfer(A, B, 1, 7, 5);
    c[5]->sig[0] ^= 1;                                /* bad signature: invalid */
    c[6] = chain_tx_new_transfer(CHAIN, pk[A], 1, u(0), &addr[B], u(1));
    assert_int_equal(chain_tx_sign(c[6], sk[A], NULL), 0);   /* fee below floor: invalid */
    c[7] = spend(A, 1, 20, 0, in12, 2, o1, 2);        /* ok: 500 in, 250 out, 230 back */
    c[8] = spend(A, 2, 20, 0, in1, 1, o2, 1);         /* failed: input spent above */
    c[9] = spend(B, 1, 4, 0, in0, 1, o2, 1);          /* failed: input is A's */
    c[10] = spend(A, 3, 1, 50, in0, 1, o3, 1);        /* failed: 150 < 201 */
    c[11] = xfer(A, A, 4, 10, 3);                     /* ok: self transfer pays the fee */
    c[12] = xfer(B, C, 2, 1000, 1);                   /* failed: B has 491 left */
    err_t e = {0};
    chain_built_t b;
    assert_int_equal(chain_exec_build_block(v.st, &cfg, c, 13, 9000, sk[P], &b, &e), 0);
    /* B got 1000 from c[0] before c[2]: B = 1500, so c[2] (1005) succeeds */
    assert_int_equal(b.block->n_txs, 8);
    assert_int_equal(b.n_skipped, 5);
    size_t want_skip[5] = {1, 3, 4, 5, 6};
    const char *why[5] = {"nonce 0", "cannot pay the fee", "chain id", "signature",
                          "below the minimum"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(b.skipped[i].index, want_skip[i]);
        if (!strstr(b.skipped[i].reason, why[i]))
            fail_msg("skip %d: \"%s\" lacks \"%s\"", i, b.skipped[i].reason, why[i]);
    }
    assert_int_equal(b.skipped[3].code, CHAIN_EBADSIG);
    uint8_t want_status[8] = {CHAIN_STATUS_OK,
                              CHAIN_STATUS_OK,
                              CHAIN_STATUS_OK,
                              CHAIN_STATUS_UTXO_MISSING,
                              CHAIN_STATUS_UTXO_NOT_OWNED,
                              CHAIN_STATUS_UTXO_UNDERFUNDED,
                              CHAIN_STATUS_OK,
                              CHAIN_STATUS_INSUFFICIENT_BALANCE};
    for (int i = 0; i < 8; i++)
        assert_int_equal(b.receipts[i].status, want_status[i]);
    assert_int_equal(b.block->header.height, 1);
    assert_int_equal(b.block->header.timestamp_ms, 9000);
    assert_int_equal(chain_block_check(b.block, &e), 0);
    chain_block_t *copy;
    {
        buf_t enc;
        buf_init(&enc, 0);
        assert_int_equal(chain_block_encode(b.block, &enc), 0);
        copy = chain_block_decode(enc.data, enc.len, &e);
        assert_non_null(copy);
        buf_free(&enc);
    }
    assert_int_equal(chain_exec_commit_built(v.st, &b, &e), 0);
    chain_built_free(&b);
    /* balances: A = 1e6 - 1010 (c0) + 230 (c7: 500 - 250 - 20) - 20 (c8) - 1 (c10) - 3 (c11) */
    uint64_t n;
    assert_int_equal(bal(v.st, A, &n), 1000000 - 1010 + 230 - 20 - 1 - 3);
    assert_int_equal(n, 5);
    assert_int_equal(bal(v.st, B, &n), 500 + 1000 - 1005 - 4 - 1);
    assert_int_equal(n, 3);
    assert_int_equal(bal(v.st, C, &n), 1000);
    assert_int_equal(n, 0);
    assert_int_equal(bal(v.st, P, &n), 10 + 5 + 20 + 20 + 4 + 1 + 3 + 1);
    /* UTxOs: genesis 1, 2 spent; outputs of c[7] exist; 0 and 3 untouched */
    chain_utxo_t ut;
    bool ex;
    chain_utxo_id_t g1 = {{{0}}, 1}, g0 = {{{0}}, 0}, o = {c[7]->hash, 0};
    assert_int_equal(chain_state_get_utxo(v.st, &g1, &ut, &ex, &e), 0);
    assert_false(ex);
    assert_int_equal(chain_state_get_utxo(v.st, &g0, &ut, &ex, &e), 0);
    assert_true(ex);
    assert_int_equal(chain_state_get_utxo(v.st, &o, &ut, &ex, &e), 0);
    assert_true(ex);
    assert_memory_equal(ut.owner.b, addr[C].b, 20);
    assert_int_equal(ut.amount.lo, 150);
    chain_utxo_entry_t *list;
    size_t ln;
    assert_int_equal(chain_state_list_utxos(v.st, &addr[B], 10, &list, &ln, &e), 0);
    assert_int_equal(ln, 2);   /* genesis 3 and c[7] output 1 */
    free(list);
    /* the tx index */
    uint64_t h;
    uint32_t ix;
    chain_tx_t *got;
    chain_receipt_t r;
    assert_int_equal(chain_state_get_tx(v.st, &c[9]->hash, &h, &ix, &got, &r, &e), 0);
    assert_int_equal(h, 1);
    assert_int_equal(ix, 4);
    assert_int_equal(r.status, CHAIN_STATUS_UTXO_NOT_OWNED);
    assert_memory_equal(got->hash.b, c[9]->hash.b, 32);
    chain_tx_free(got);
    assert_int_equal(chain_state_get_tx(v.st, &c[1]->hash, &h, &ix, NULL, NULL, &e),
                     CHAIN_ENOTFOUND);
    /* every included tx reads back from its slice of the block */
    const int included[8] = {0, 2, 7, 8, 9, 10, 11, 12};
    for (int i = 0; i < 8; i++) {
        assert_int_equal(chain_state_get_tx(v.st, &c[included[i]]->hash, &h, &ix, &got, &r, &e), 0);
        assert_int_equal(ix, (uint32_t)i);
        assert_memory_equal(got->hash.b, c[included[i]]->hash.b, 32);
        assert_int_equal(got->size, c[included[i]]->size);
        chain_tx_free(got);
    }

    /* determinism: a second node applies the block and reaches the same roots */
    env_t w;
    env_open(&w, 1000000, 500);
    chain_receipt_t *rs = NULL;
    assert_int_equal(chain_exec_apply_block(w.st, &cfg, copy, &rs, &e), 0);
    chain_hash_t r1, r2;
    chain_state_root(v.st, &r1);
    chain_state_root(w.st, &r2);
    assert_memory_equal(r1.b, r2.b, 32);
    assert_int_equal(rs[4].status, CHAIN_STATUS_UTXO_NOT_OWNED);
    chain_receipts_free(rs, copy->n_txs);
    /* the same block again does not extend the new tip */
    assert_int_equal(chain_exec_apply_block(w.st, &cfg, copy, NULL, &e), CHAIN_EBLOCK);
    chain_block_free(copy);
    env_close(&w);
    for (int i = 0; i < 13; i++)
        chain_tx_free(c[i]);
    env_close(&v);
}

static void test_apply_rejects(void **state)
{
    (void)state;
    env_t v, w;
    env_open(&v, 100000, 100000);
    env_open(&w, 100000, 100000);
    chain_tx_t *c[3] = {xfer(A, B, 0, 10, 2), xfer(B, A, 0, 10, 2), xfer(A, C, 1, 10, 2)};
    err_t e = {0};
    chain_built_t b;
    assert_int_equal(chain_exec_build_block(v.st, &cfg, c, 3, 1, sk[P], &b, &e), 0);
    assert_int_equal(b.block->n_txs, 3);
    /* the timestamp was raised to the parent's */
    assert_int_equal(b.block->header.timestamp_ms, 5000);
    chain_block_t *blk = b.block;
    /* a wrong state root, re-signed by the proposer */
    blk->header.state_root.b[0] ^= 1;
    chain_block_seal(blk, sk[P]);
    assert_int_equal(chain_exec_apply_block(w.st, &cfg, blk, NULL, &e), CHAIN_EBLOCK);
    assert_non_null(strstr(e.msg, "state_root"));
    blk->header.state_root.b[0] ^= 1;
    /* a wrong receipts root */
    blk->header.receipts_root.b[3] ^= 1;
    chain_block_seal(blk, sk[P]);
    assert_int_equal(chain_exec_apply_block(w.st, &cfg, blk, NULL, &e), CHAIN_EBLOCK);
    assert_non_null(strstr(e.msg, "receipts_root"));
    blk->header.receipts_root.b[3] ^= 1;
    chain_block_seal(blk, sk[P]);
    /* a tx signature broken (the tx hash and txs_root do not cover it) */
    blk->txs[1]->sig[7] ^= 1;
    assert_int_equal(chain_exec_apply_block(w.st, &cfg, blk, NULL, &e), CHAIN_EBLOCK);
    assert_non_null(strstr(e.msg, "bad signature"));
    blk->txs[1]->sig[7] ^= 1;
    /* txs reordered: A's nonce 1 before nonce 0 is an invalid tx */
    chain_tx_t *t = blk->txs[0];
    blk->txs[0] = blk->txs[2];
    blk->txs[2] = t;
    chain_block_seal(blk, sk[P]);
    assert_int_equal(chain_exec_apply_block(w.st, &cfg, blk, NULL, &e), CHAIN_EBLOCK);
    assert_non_null(strstr(e.msg, "nonce"));
    blk->txs[2] = blk->txs[0];
    blk->txs[0] = t;
    chain_block_seal(blk, sk[P]);
    /* signed by someone else than the header's proposer */
    uint8_t sig[64];
    memcpy(sig, blk->sig, 64);
    crypto_ed25519_sign(sk[A], blk->hash.b, 32, blk->sig);
    assert_int_equal(chain_exec_apply_block(w.st, &cfg, blk, NULL, &e), CHAIN_EBLOCK);
    memcpy(blk->sig, sig, 64);
    /* wrong chain id config */
    chain_exec_cfg_t other = cfg;
    other.chain_id = 1;
    assert_int_equal(chain_exec_apply_block(w.st, &other, blk, NULL, &e), CHAIN_EBLOCK);
    /* nothing was written by any failure */
    chain_header_t tip;
    assert_int_equal(chain_state_tip(w.st, &tip, NULL, &e), 0);
    assert_int_equal(tip.height, 0);
    /* the untouched block applies */
    assert_int_equal(chain_exec_apply_block(w.st, &cfg, blk, NULL, &e), 0);
    assert_int_equal(chain_exec_commit_built(v.st, &b, &e), 0);
    chain_hash_t r1, r2;
    chain_state_root(v.st, &r1);
    chain_state_root(w.st, &r2);
    assert_memory_equal(r1.b, r2.b, 32);
    chain_built_free(&b);
    for (int i = 0; i < 3; i++)
        chain_tx_free(c[i]);
    env_close(&v);
    env_close(&w);
}

/* chain_exec_tx_cost: what the mempool may expect a tx to take at most. */
static void test_tx_cost(void **state)
{
    (void)state;
    chain_tx_t *t = xfer(A, B, 0, 500, 30);
    chain_u128_t c = chain_exec_tx_cost(t);
    assert_true(c.lo == 530 && c.hi == 0);
    /* fee + amount above 2^128 - 1 saturates instead of wrapping */
    t->amount = (chain_u128_t){UINT64_MAX, UINT64_MAX};
    c = chain_exec_tx_cost(t);
    assert_true(c.lo == UINT64_MAX && c.hi == UINT64_MAX);
    chain_tx_free(t);
    chain_utxo_id_t in = {{{0}}, 0};
    chain_utxo_t out = {addr[B], u(10)};
    err_t e = {0};
    t = chain_tx_new_utxo(CHAIN, pk[A], 0, u(40), u(25), &in, 1, &out, 1, &e);
    assert_non_null(t);
    c = chain_exec_tx_cost(t);   /* a failed spend still charges the fee */
    assert_true(c.lo == 40 && c.hi == 0);
    t->from_balance = u(900);
    c = chain_exec_tx_cost(t);
    assert_true(c.lo == 900 && c.hi == 0);
    chain_tx_free(t);
}

static void test_check_tx(void **state)
{
    (void)state;
    env_t v;
    env_open(&v, 1000, 0);
    err_t e = {0};
    chain_account_t acct;
    chain_tx_t *t = xfer(A, B, 0, 10, 5);
    assert_int_equal(chain_exec_check_tx(v.st, &cfg, t, &acct, &e), 0);
    assert_true(t->sig_ok);
    assert_int_equal(acct.balance.lo, 1000);
    chain_tx_free(t);
    t = xfer(A, B, 3, 10, 5);   /* future nonce: acceptable to a mempool */
    assert_int_equal(chain_exec_check_tx(v.st, &cfg, t, NULL, &e), 0);
    chain_tx_free(t);
    t = xfer(A, B, 0, 996, 5);
    assert_int_equal(chain_exec_check_tx(v.st, &cfg, t, NULL, &e), CHAIN_ETXINVALID);
    assert_non_null(strstr(e.msg, "insufficient funds"));
    chain_tx_free(t);
    t = xfer(B, A, 0, 1, 1);
    assert_int_equal(chain_exec_check_tx(v.st, &cfg, t, NULL, &e), CHAIN_ETXINVALID);
    assert_non_null(strstr(e.msg, "fee"));
    chain_tx_free(t);
    t = xfer(A, B, 0, 1, 1);
    t->sig[1] ^= 1;
    assert_int_equal(chain_exec_check_tx(v.st, &cfg, t, NULL, &e), CHAIN_EBADSIG);
    chain_tx_free(t);
    /* B has no balance but owns genesis UTxO 3 (50): a spend paying its fee
     * from the input is acceptable, one that cannot cover it is not */
    {
        uint32_t in3[1] = {3}, in0[1] = {0};
        chain_utxo_t o[1] = {{addr[C], u(40)}};
        chain_tx_t *s1 = spend(B, 0, 10, 0, in3, 1, o, 1);
        assert_int_equal(chain_exec_check_tx(v.st, &cfg, s1, NULL, &e), 0);
        chain_tx_free(s1);
        s1 = spend(B, 0, 11, 0, in3, 1, o, 1);
        assert_int_equal(chain_exec_check_tx(v.st, &cfg, s1, NULL, &e), CHAIN_ETXINVALID);
        assert_non_null(strstr(e.msg, "cover"));
        chain_tx_free(s1);
        s1 = spend(B, 0, 1, 0, in0, 1, o, 1);
        assert_int_equal(chain_exec_check_tx(v.st, &cfg, s1, NULL, &e), CHAIN_ETXINVALID);
        assert_non_null(strstr(e.msg, "another address"));
        chain_tx_free(s1);
        /* and it executes: B's account ends with nothing, C gets the output */
        chain_tx_t *cs[1] = {spend(B, 0, 10, 0, in3, 1, o, 1)};
        chain_built_t bb;
        assert_int_equal(chain_exec_build_block(v.st, &cfg, cs, 1, 5500, sk[P], &bb, &e), 0);
        assert_int_equal(bb.block->n_txs, 1);
        assert_int_equal(bb.receipts[0].status, CHAIN_STATUS_OK);
        assert_int_equal(chain_exec_commit_built(v.st, &bb, &e), 0);
        chain_built_free(&bb);
        chain_tx_free(cs[0]);
        uint64_t nb;
        assert_int_equal(bal(v.st, B, &nb), 0);
        assert_int_equal(nb, 1);
    }
    /* A can pay the fee from its balance, but a spend of an input that does
     * not exist (or is not A's) would only burn it: refused at admission */
    {
        uint32_t in0[1] = {0}, in3[1] = {3};
        chain_utxo_t o[1] = {{addr[C], u(1)}};
        chain_tx_t *s2 = spend(A, 0, 5, 0, in3, 1, o, 1);   /* UTxO 3 was spent above */
        assert_int_equal(chain_exec_check_tx(v.st, &cfg, s2, NULL, &e), CHAIN_ETXINVALID);
        assert_non_null(strstr(e.msg, "does not exist"));
        chain_tx_free(s2);
        s2 = spend(A, 0, 5, 0, in0, 1, o, 1);               /* A's own genesis UTxO */
        assert_int_equal(chain_exec_check_tx(v.st, &cfg, s2, NULL, &e), 0);
        chain_tx_free(s2);
    }
    /* commit one tx, then nonce 0 is stale */
    chain_tx_t *c[1] = {xfer(A, B, 0, 1, 1)};
    chain_built_t b;
    assert_int_equal(chain_exec_build_block(v.st, &cfg, c, 1, 6000, sk[P], &b, &e), 0);
    assert_int_equal(chain_exec_commit_built(v.st, &b, &e), 0);
    chain_built_free(&b);
    assert_int_equal(chain_exec_check_tx(v.st, &cfg, c[0], NULL, &e), CHAIN_ETXINVALID);
    assert_non_null(strstr(e.msg, "below the account nonce"));
    chain_tx_free(c[0]);
    env_close(&v);
}

/* Random transfers among 4 senders vs a model of the rules. */
static void test_random_vs_model(void **state)
{
    (void)state;
    env_t v;
    env_open(&v, 50000, 30000);
    uint64_t mb[5] = {50000, 30000, 0, 0, 0}, mn[5] = {0};
    uint64_t supply = 80000 + 600;   /* accounts + genesis UTxOs */
    uint64_t seed = 12345;
    err_t e = {0};
    for (int blk = 0; blk < 12; blk++) {
        chain_tx_t *c[60];
        int n = 0;
        uint64_t tn[5];
        memcpy(tn, mn, sizeof tn);
        for (int k = 0; k < 60; k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            int from = (int)((seed >> 33) % 4), to = (int)((seed >> 40) % 5);
            uint64_t amount = 1 + (seed >> 20) % 4000, fee = 1 + (seed >> 50) % 30;
            /* mostly the right nonce, sometimes a gap or a repeat */
            uint64_t nonce = tn[from] + ((seed >> 12) % 13 == 0 ? 1 : 0);
            if ((seed >> 8) % 17 == 0 && tn[from] > 0)
                nonce = tn[from] - 1;
            c[n++] = xfer(from, to, nonce, amount, fee);
            if (nonce == tn[from])
                tn[from]++;
        }
        chain_built_t b;
        assert_int_equal(chain_exec_build_block(v.st, &cfg, c, (size_t)n, 7000 + (uint64_t)blk,
                                                sk[P], &b, &e), 0);
        /* model: replay candidates in order */
        int included = 0;
        for (int k = 0; k < n; k++) {
            chain_tx_t *t = c[k];
            int from = -1, to = -1;
            for (int i = 0; i < 5; i++) {
                if (!memcmp(t->sender.b, addr[i].b, 20))
                    from = i;
                if (!memcmp(t->to.b, addr[i].b, 20))
                    to = i;
            }
            uint64_t amount = t->amount.lo, fee = t->fee.lo;
            if (t->nonce != mn[from] || mb[from] < fee)
                continue;   /* invalid: skipped */
            uint8_t want = CHAIN_STATUS_OK;
            if (mb[from] >= fee + amount) {
                mb[from] -= fee + amount;
                mb[to] += amount;
            } else {
                mb[from] -= fee;
                want = CHAIN_STATUS_INSUFFICIENT_BALANCE;
            }
            mb[P] += fee;
            mn[from]++;
            assert_memory_equal(b.block->txs[included]->hash.b, t->hash.b, 32);
            assert_int_equal(b.receipts[included].status, want);
            included++;
        }
        assert_int_equal(b.block->n_txs, (uint32_t)included);
        assert_int_equal(b.n_skipped, (size_t)(n - included));
        assert_int_equal(chain_exec_commit_built(v.st, &b, &e), 0);
        chain_built_free(&b);
        uint64_t total = 600 - 0;
        for (int i = 0; i < 5; i++) {
            uint64_t nonce;
            assert_int_equal(bal(v.st, i, &nonce), mb[i]);
            assert_int_equal(nonce, mn[i]);
            total += mb[i];
        }
        assert_int_equal(total, supply);   /* fees move to P, nothing is minted or lost */
        for (int k = 0; k < n; k++)
            chain_tx_free(c[k]);
    }
    env_close(&v);
}

/* A deploy of code the runtime refuses is refused at admission with the
 * reason; a block that includes one anyway charges fee + gas used (out of
 * gas here: the limit is below the deploy cost) and bumps the nonce. */
static void test_contract_bad_deploy(void **state)
{
    (void)state;
    env_t v;
    env_open(&v, 1000, 0);
    err_t e = {0};
    static const uint8_t code[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    chain_tx_t *d = chain_tx_new_deploy(CHAIN, pk[A], 0, u(5), u(0), 100, u(1), code, 8, NULL,
                                        0, &e);
    assert_non_null(d);
    assert_int_equal(chain_tx_sign(d, sk[A], NULL), 0);
    chain_u128_t c = chain_exec_tx_cost(d);   /* fee + gas_limit x gas_price + value */
    assert_true(c.lo == 105 && c.hi == 0);
    assert_int_equal(chain_exec_check_tx(v.st, &cfg, d, NULL, &e), CHAIN_ETXINVALID);
    assert_non_null(strstr(e.msg, "contract code refused"));
    chain_built_t built;
    assert_int_equal(chain_exec_build_block(v.st, &cfg, &d, 1, 6000, sk[P], &built, &e), 0);
    assert_int_equal(built.block->n_txs, 1);
    assert_int_equal(built.receipts[0].status, CHAIN_STATUS_OUT_OF_GAS);
    assert_true(built.receipts[0].gas_used == 100 && built.receipts[0].fee_paid.lo == 105);
    assert_non_null(strstr(built.receipts[0].reason, "deploying 8 bytes costs"));
    assert_int_equal(chain_exec_commit_built(v.st, &built, &e), 0);
    chain_built_free(&built);
    uint64_t nonce = 0;
    assert_int_equal(bal(v.st, A, &nonce), 1000 - 105);
    assert_true(nonce == 1);
    assert_int_equal(bal(v.st, P, NULL), 105);
    chain_tx_free(d);
    env_close(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_rules),
        cmocka_unit_test(test_apply_rejects),
        cmocka_unit_test(test_tx_cost),
        cmocka_unit_test(test_check_tx),
        cmocka_unit_test(test_random_vs_model),
        cmocka_unit_test(test_contract_bad_deploy),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
