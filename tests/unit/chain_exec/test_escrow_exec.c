/* Job escrow through real block execution (chain/exec + chain/state, issue
 * 16): job txs admitted or refused with a reason by chain_exec_check_tx,
 * built into blocks, committed; balances checked to the unit, total supply
 * conserved except the documented burn, the job record and the provider's
 * reputation in the state tree (chain_state_check recomputes the root over
 * them), and a second node replaying the same blocks reaching the same
 * state roots. */
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
#include "phase/phase.h"

#define CHAIN 78
enum { R, PV, O, P, N_KEYS };   /* requester, provider, other, proposer */
static uint8_t sk[N_KEYS][64], pk[N_KEYS][32];
static chain_addr_t addr[N_KEYS];
static phase_identity_t pid, wrong_pid;
static const uint64_t START = 1000000, FEE = 10;

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    for (int i = 0; i < N_KEYS; i++) {
        uint8_t seed[32];
        memset(seed, 0x40 + i, 32);
        crypto_ed25519_from_seed(seed, pk[i], sk[i]);
        chain_addr_from_pk(pk[i], &addr[i]);
    }
    uint8_t seed[32];
    memset(seed, 0x71, 32);
    phase_identity_from_seed(seed, &pid);
    memset(seed, 0x72, 32);
    phase_identity_from_seed(seed, &wrong_pid);
    return 0;
}

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

typedef struct node {
    char dir[64];
    chain_state_t *st;
} node_t;

static const chain_exec_cfg_t cfg = {.chain_id = CHAIN, .min_fee = {1, 0}, .verify_threads = 1};

static void node_open(node_t *v)
{
    strcpy(v->dir, "/tmp/chain_escrow_test.XXXXXX");
    assert_non_null(mkdtemp(v->dir));
    err_t e = {0};
    v->st = chain_state_open(v->dir, false, &e);
    assert_non_null(v->st);
    chain_genesis_alloc_t al[3] = {{addr[R], {START, 0}}, {addr[PV], {START, 0}},
                                   {addr[O], {START, 0}}};
    chain_genesis_t g = {.chain_id = CHAIN, .timestamp_ms = 5000, .accounts = al,
                         .n_accounts = 3};
    memcpy(g.proposer_pk, pk[P], 32);
    assert_int_equal(chain_state_init_genesis(v->st, &g, &e), 0);
}

static void node_close(node_t *v)
{
    chain_state_close(v->st);
    nftw(v->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static uint64_t bal(node_t *v, int who)
{
    chain_account_t a;
    bool ex;
    assert_int_equal(chain_state_get_account(v->st, &addr[who], &a, &ex, NULL), 0);
    assert_int_equal(a.balance.hi, 0);
    return a.balance.lo;
}

static uint64_t nonce_of(node_t *v, int who)
{
    chain_account_t a;
    bool ex;
    assert_int_equal(chain_state_get_account(v->st, &addr[who], &a, &ex, NULL), 0);
    return a.nonce;
}

static uint64_t supply(node_t *v)
{
    uint64_t s = 0;
    for (int i = 0; i < N_KEYS; i++)
        s += bal(v, i);
    return s;
}

static chain_tx_t *job_tx(node_t *v, int who, const chain_job_body_t *b)
{
    err_t e = {0};
    chain_tx_t *tx = chain_tx_new_job(CHAIN, pk[who], nonce_of(v, who), chain_u128_from_u64(FEE),
                                      b, &e);
    if (!tx)
        fail_msg("job tx: %s", e.msg);
    assert_int_equal(chain_tx_sign(tx, sk[who], &e), 0);
    return tx;
}

/* An accept naming Phase identity id, its link signed for account who. */
static void accept_link(chain_job_body_t *b, const phase_identity_t *id, int who)
{
    memcpy(b->phase_pk, id->pk, 32);
    chain_job_link_sign(CHAIN, &addr[who], id->sk, b->link_sig);
}

/* Admission must accept tx; then it goes alone into a block that is
 * committed on a and replayed on b (from its encoding). */
static void block_with(node_t *a, node_t *b, chain_tx_t *tx, uint8_t want_status)
{
    err_t e = {0};
    chain_built_t built;
    size_t n = 0;
    if (tx) {
        if (want_status == CHAIN_STATUS_OK && chain_exec_check_tx(a->st, &cfg, tx, NULL, &e) != 0)
            fail_msg("admission refused %s: %s", chain_tx_kind_name(tx->kind), e.msg);
        n = 1;
    }
    static uint64_t ts = 6000;
    ts += 1000;
    if (chain_exec_build_block(a->st, &cfg, &tx, n, ts, sk[P], &built, &e) != 0)
        fail_msg("build: %s", e.msg);
    assert_int_equal(built.n_skipped, 0);
    if (tx)
        assert_int_equal(built.receipts[0].status, want_status);
    buf_t enc = {0};
    assert_int_equal(chain_block_encode(built.block, &enc), 0);
    if (chain_exec_commit_built(a->st, &built, &e) != 0)
        fail_msg("commit: %s", e.msg);
    chain_built_free(&built);
    chain_block_t *copy = chain_block_decode(enc.data, enc.len, &e);
    assert_non_null(copy);
    if (chain_exec_apply_block(b->st, &cfg, copy, NULL, &e) != 0)
        fail_msg("replay on the second node: %s", e.msg);
    chain_hash_t ra, rb;
    chain_state_root(a->st, &ra);
    chain_state_root(b->st, &rb);
    assert_memory_equal(ra.b, rb.b, 32);
    chain_block_free(copy);
    buf_free(&enc);
    chain_tx_free(tx);
}

static void refused(node_t *v, chain_tx_t *tx, const char *needle)
{
    err_t e = {0};
    int rc = chain_exec_check_tx(v->st, &cfg, tx, NULL, &e);
    if (rc == 0)
        fail_msg("admission accepted %s, expected '%s'", chain_tx_kind_name(tx->kind), needle);
    assert_int_equal(rc, CHAIN_ETXINVALID);
    if (!strstr(e.msg, needle))
        fail_msg("reason '%s' does not mention '%s'", e.msg, needle);
    chain_tx_free(tx);
}

static chain_job_body_t body(uint8_t kind, uint8_t id)
{
    chain_job_body_t b;
    memset(&b, 0, sizeof b);
    b.kind = kind;
    memset(b.job_id.b, id, 32);
    return b;
}

static chain_job_body_t post(uint8_t id, uint64_t deadline)
{
    chain_job_body_t b = body(CHAIN_TX_JOB_POST, id);
    memset(b.module_hash.b, 1, 32);
    memset(b.input_commitment.b, 2, 32);
    b.fuel = 1000000;
    b.memory_max = 1 << 20;
    b.deadline = deadline;
    b.payment = chain_u128_from_u64(5000);
    b.provider_bond = chain_u128_from_u64(2000);
    b.window = 2;
    return b;
}

static char *receipt(uint8_t id, const phase_identity_t *who)
{
    uint8_t job_id[32];
    memset(job_id, id, 32);
    phase_job_result_t r;
    memset(&r, 0, sizeof r);
    memcpy(r.job_spec_hash, job_id, 32);
    memset(r.output_commitment, 0x5a, 32);
    r.output_chunk_count = 1;
    err_t e = {0};
    json_t *j = phase_job_result_to_json(&r, &e);
    phase_receipt_t rc;
    assert_int_equal(phase_receipt_sign(j, job_id, who, ts_now(), &rc, &e), 0);
    json_decref(j);
    char *s = phase_receipt_to_json(&rc, &e);
    phase_receipt_free(&rc);
    assert_non_null(s);
    return s;
}

static chain_job_body_t claim(uint8_t id, const char *r)
{
    chain_job_body_t b = body(CHAIN_TX_JOB_CLAIM, id);
    b.receipt = (const uint8_t *)r;
    b.receipt_len = (uint32_t)strlen(r);
    return b;
}

static void test_paid_job(void **state)
{
    (void)state;
    node_t a, b;
    node_open(&a);
    node_open(&b);
    chain_job_body_t pb = post(0x11, 8);
    block_with(&a, &b, job_tx(&a, R, &pb), CHAIN_STATUS_OK);   /* height 1 */
    assert_int_equal(bal(&a, R), START - 5000 - FEE);
    refused(&a, job_tx(&a, R, &pb), "already posted");
    chain_job_body_t early = claim(0x11, "{}");
    refused(&a, job_tx(&a, PV, &early), "the job is posted (not accepted)");

    chain_job_body_t ab = body(CHAIN_TX_JOB_ACCEPT, 0x11);
    /* the Phase key linked to another account: refused, naming link_sig */
    accept_link(&ab, &pid, O);
    refused(&a, job_tx(&a, PV, &ab), "link_sig is not Phase key");
    accept_link(&ab, &pid, PV);
    block_with(&a, &b, job_tx(&a, PV, &ab), CHAIN_STATUS_OK);   /* height 2 */
    assert_int_equal(bal(&a, PV), START - 2000 - FEE);

    /* malformed claims are refused at admission with a reason */
    char *wrong_sig = receipt(0x11, &wrong_pid);
    chain_job_body_t cb = claim(0x11, wrong_sig);
    refused(&a, job_tx(&a, PV, &cb), "does not verify against the provider's Phase key");
    char *other_job = receipt(0x99, &pid);
    cb = claim(0x11, other_job);
    refused(&a, job_tx(&a, PV, &cb), "receipt is for job 9999999999999999..., not 1111");
    char *good = receipt(0x11, &pid);
    cb = claim(0x11, good);
    refused(&a, job_tx(&a, O, &cb), "only the provider");
    block_with(&a, &b, job_tx(&a, PV, &cb), CHAIN_STATUS_OK);   /* height 3, window to 5 */
    refused(&a, job_tx(&a, PV, &cb), "already claimed");      /* replay */

    chain_job_body_t fb = body(CHAIN_TX_JOB_FINALIZE, 0x11);
    refused(&a, job_tx(&a, O, &fb), "window is open until height 5");
    /* included anyway (another node's mempool): a failed receipt, fee only */
    uint64_t o_before = bal(&a, O);
    block_with(&a, &b, job_tx(&a, O, &fb), CHAIN_STATUS_JOB_REFUSED);   /* height 4 */
    assert_int_equal(bal(&a, O), o_before - FEE);
    block_with(&a, &b, job_tx(&a, O, &fb), CHAIN_STATUS_OK);   /* height 5 */

    assert_int_equal(bal(&a, R), START - 5000 - FEE);
    assert_int_equal(bal(&a, PV), START + 5000 - 2 * FEE);
    assert_int_equal(bal(&a, O), START - 2 * FEE);
    assert_int_equal(bal(&a, P), 5 * FEE);   /* five txs */
    assert_int_equal(supply(&a), 3 * START);   /* nothing burned, nothing left in escrow */
    chain_job_t j;
    bool ex;
    err_t e = {0};
    chain_hash_t id;
    memset(id.b, 0x11, 32);
    assert_int_equal(chain_escrow_get_job(a.st, &id, &j, &ex, &e), 0);
    assert_true(ex);
    assert_int_equal(j.status, CHAIN_JOB_FINALIZED);
    assert_int_equal(j.output_commitment.b[0], 0x5a);
    assert_int_equal(chain_escrow_reputation(a.st, &addr[PV]), 1);
    assert_int_equal(chain_escrow_reputation(b.st, &addr[PV]), 1);
    /* the job record is provable against the state root */
    static chain_proof_t pr;
    buf_t val = {0};
    assert_int_equal(chain_state_prove_data(a.st, CHAIN_DATA_JOB, id.b, &pr, &val, &e), 0);
    assert_true(pr.exists);
    chain_hash_t root;
    chain_state_root(a.st, &root);
    assert_memory_equal(pr.root.b, root.b, 32);
    if (chain_data_proof_verify(CHAIN_DATA_JOB, id.b, val.data, val.len, pr.siblings,
                                pr.n_siblings, NULL, NULL, &root, &e) != 0)
        fail_msg("job proof: %s", e.msg);
    chain_job_t pj;
    assert_int_equal(chain_job_decode(val.data, val.len, &pj, &e), 0);
    assert_int_equal(pj.status, CHAIN_JOB_FINALIZED);
    val.data[40] ^= 1;   /* a tampered record does not verify */
    assert_int_equal(chain_data_proof_verify(CHAIN_DATA_JOB, id.b, val.data, val.len, pr.siblings,
                                             pr.n_siblings, NULL, NULL, &root, &e),
                     CHAIN_EPROOF);
    /* absence of a job that was never posted */
    chain_hash_t none;
    memset(none.b, 0x77, 32);
    assert_int_equal(chain_state_prove_data(a.st, CHAIN_DATA_JOB, none.b, &pr, &val, &e), 0);
    assert_false(pr.exists);
    if (chain_data_proof_verify(CHAIN_DATA_JOB, none.b, NULL, 0, pr.siblings, pr.n_siblings,
                                pr.has_other ? &pr.other_key : NULL,
                                pr.has_other ? &pr.other_value_hash : NULL, &root, &e) != 0)
        fail_msg("absence proof: %s", e.msg);
    buf_free(&val);
    /* the stored records hash to the committed root */
    assert_int_equal(chain_state_check(a.st, &e), 0);
    assert_int_equal(chain_state_check(b.st, &e), 0);
    free(wrong_sig);
    free(other_job);
    free(good);
    node_close(&a);
    node_close(&b);
}

static void test_vanished_provider(void **state)
{
    (void)state;
    node_t a, b;
    node_open(&a);
    node_open(&b);
    chain_job_body_t pb = post(0x22, 3);
    block_with(&a, &b, job_tx(&a, R, &pb), CHAIN_STATUS_OK);   /* height 1 */
    chain_job_body_t ab = body(CHAIN_TX_JOB_ACCEPT, 0x22);
    accept_link(&ab, &pid, PV);
    block_with(&a, &b, job_tx(&a, PV, &ab), CHAIN_STATUS_OK);   /* height 2 */
    chain_job_body_t xb = body(CHAIN_TX_JOB_EXPIRE, 0x22);
    refused(&a, job_tx(&a, O, &xb), "has not passed");
    chain_job_body_t cb = body(CHAIN_TX_JOB_CANCEL, 0x22);
    refused(&a, job_tx(&a, R, &cb), "cannot cancel: the job is accepted");
    block_with(&a, &b, NULL, 0);                                /* height 3 */
    block_with(&a, &b, job_tx(&a, O, &xb), CHAIN_STATUS_OK);   /* height 4 > deadline 3 */
    /* refund 5000 + half the bond (1000); the other 1000 burned */
    assert_int_equal(bal(&a, R), START - FEE + 1000);
    assert_int_equal(bal(&a, PV), START - FEE - 2000);
    assert_int_equal(supply(&a), 3 * START - 1000);
    err_t e = {0};
    assert_int_equal(chain_state_check(a.st, &e), 0);
    /* an expired job cannot be challenged */
    chain_job_body_t ch = body(CHAIN_TX_JOB_CHALLENGE, 0x22);
    ch.challenger_bond = chain_u128_from_u64(5);
    refused(&a, job_tx(&a, O, &ch), "cannot challenge: the job is expired");
    node_close(&a);
    node_close(&b);
}

static void test_cancel_and_funds(void **state)
{
    (void)state;
    node_t a, b;
    node_open(&a);
    node_open(&b);
    chain_job_body_t big = post(0x33, 9);
    big.payment = chain_u128_from_u64(START);
    refused(&a, job_tx(&a, R, &big), "insufficient funds");
    chain_job_body_t pb = post(0x33, 9);
    block_with(&a, &b, job_tx(&a, R, &pb), CHAIN_STATUS_OK);
    chain_job_body_t cb = body(CHAIN_TX_JOB_CANCEL, 0x33);
    refused(&a, job_tx(&a, O, &cb), "only the requester");
    block_with(&a, &b, job_tx(&a, R, &cb), CHAIN_STATUS_OK);
    assert_int_equal(bal(&a, R), START - 2 * FEE);
    assert_int_equal(supply(&a), 3 * START);
    chain_job_body_t ab = body(CHAIN_TX_JOB_ACCEPT, 0x33);
    accept_link(&ab, &pid, PV);
    refused(&a, job_tx(&a, PV, &ab), "cannot accept: the job is cancelled");
    node_close(&a);
    node_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paid_job),
        cmocka_unit_test(test_vanished_provider),
        cmocka_unit_test(test_cancel_and_funds),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
