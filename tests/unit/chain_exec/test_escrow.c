/* Tests of the job escrow state machine (chain/exec/escrow.c, issue 16):
 * every step and its refusals with reasons, claims checked against real
 * Phase SignedReceipts (good, wrongly signed, for another job, replayed),
 * challenge resolution both ways, expiry of a vanished provider, and value
 * conservation: a small ledger applies each step's effects and checks that
 * balances + escrow + burned never change and that a closed job leaves
 * nothing in escrow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exec/exec.h"
#include "phase/phase.h"

/* ---- a ledger of four accounts, the escrow and the burned total ---- */
enum { REQ, PROV, CHAL, OTHER, N_ACCT };
static chain_addr_t addr[N_ACCT];
static uint64_t bal[N_ACCT], escrow, burned;
static const uint64_t START = 1000000;
static phase_identity_t pid, bad_pid;

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    uint8_t seed[32];
    memset(seed, 0x61, 32);
    phase_identity_from_seed(seed, &pid);
    memset(seed, 0x62, 32);
    phase_identity_from_seed(seed, &bad_pid);
    return 0;
}

static void reset(void)
{
    for (int i = 0; i < N_ACCT; i++) {
        memset(addr[i].b, 0x10 * (i + 1), 20);
        bal[i] = START;
    }
    escrow = burned = 0;
}

static int who(const chain_addr_t *a)
{
    for (int i = 0; i < N_ACCT; i++)
        if (memcmp(a->b, addr[i].b, 20) == 0)
            return i;
    fail_msg("credit to an unknown address");
    return -1;
}

static void apply_fx(int sender, const chain_escrow_fx_t *fx)
{
    assert_int_equal(fx->locked.hi, 0);
    assert_true(bal[sender] >= fx->locked.lo);
    bal[sender] -= fx->locked.lo;
    escrow += fx->locked.lo;
    for (uint32_t i = 0; i < fx->n_credits; i++) {
        assert_true(escrow >= fx->credits[i].amount.lo);
        escrow -= fx->credits[i].amount.lo;
        bal[who(&fx->credits[i].to)] += fx->credits[i].amount.lo;
    }
    assert_true(escrow >= fx->burned.lo);
    escrow -= fx->burned.lo;
    burned += fx->burned.lo;
    uint64_t total = escrow + burned;
    for (int i = 0; i < N_ACCT; i++)
        total += bal[i];
    assert_int_equal(total, START * N_ACCT);   /* conservation, to the unit */
}

/* ---- jobs and steps ---- */
static chain_job_t job;
static bool exists;

static chain_job_body_t body(uint8_t kind)
{
    chain_job_body_t b;
    memset(&b, 0, sizeof b);
    b.kind = kind;
    memset(b.job_id.b, 0xab, 32);
    return b;
}

static chain_job_body_t post_body(uint64_t payment, uint64_t bond, uint64_t deadline)
{
    chain_job_body_t b = body(CHAIN_TX_JOB_POST);
    memset(b.module_hash.b, 1, 32);
    memset(b.input_commitment.b, 2, 32);
    b.fuel = 1000000;
    b.memory_max = 1 << 20;
    b.deadline = deadline;
    b.payment = chain_u128_from_u64(payment);
    b.provider_bond = chain_u128_from_u64(bond);
    b.window = 5;
    return b;
}

static void ok(int sender, const chain_job_body_t *b, uint64_t height, chain_escrow_fx_t *fx_out)
{
    chain_escrow_fx_t fx;
    err_t e = {0};
    if (chain_escrow_step(&job, &exists, b, &addr[sender], height, &fx, &e) != 0)
        fail_msg("step %s refused: %s", chain_tx_kind_name(b->kind), e.msg);
    apply_fx(sender, &fx);
    if (fx_out)
        *fx_out = fx;
}

static void refused(int sender, const chain_job_body_t *b, uint64_t height, const char *needle)
{
    chain_escrow_fx_t fx;
    err_t e = {0};
    chain_job_t before = job;
    int rc = chain_escrow_step(&job, &exists, b, &addr[sender], height, &fx, &e);
    if (rc == 0)
        fail_msg("step %s accepted, expected '%s'", chain_tx_kind_name(b->kind), needle);
    assert_int_equal(rc, CHAIN_ETXINVALID);
    if (!strstr(e.msg, needle))
        fail_msg("reason '%s' does not mention '%s'", e.msg, needle);
    assert_memory_equal(&before, &job, sizeof job);   /* nothing changed */
}

/* A SignedReceipt v1 for job_id with the given output commitment, signed by
 * id, as plasmd writes it. Returns malloc'd JSON. */
static char *make_receipt(const uint8_t job_id[32], uint8_t commit_byte,
                          const phase_identity_t *id)
{
    phase_job_result_t r;
    memset(&r, 0, sizeof r);
    memcpy(r.job_spec_hash, job_id, 32);
    memset(r.output_commitment, commit_byte, 32);
    r.output_chunk_count = 1;
    r.completion = PHASE_COMPLETION_STOP;
    err_t e = {0};
    json_t *j = phase_job_result_to_json(&r, &e);
    assert_non_null(j);
    ts_t now = ts_now();
    phase_receipt_t rc;
    assert_int_equal(phase_receipt_sign(j, job_id, id, now, &rc, &e), 0);
    json_decref(j);
    char *s = phase_receipt_to_json(&rc, &e);
    assert_non_null(s);
    phase_receipt_free(&rc);
    return s;
}

static chain_job_body_t claim_body(const char *receipt)
{
    chain_job_body_t b = body(CHAIN_TX_JOB_CLAIM);
    b.receipt = (const uint8_t *)receipt;
    b.receipt_len = (uint32_t)strlen(receipt);
    return b;
}

static chain_job_body_t accept_body(const phase_identity_t *id)
{
    chain_job_body_t b = body(CHAIN_TX_JOB_ACCEPT);
    memcpy(b.phase_pk, id->pk, 32);
    return b;
}

/* post (payment 500, bond 200, deadline 20) and accept at height 2 */
static void posted_and_accepted(void)
{
    reset();
    exists = false;
    memset(&job, 0, sizeof job);
    chain_job_body_t p = post_body(500, 200, 20);
    ok(REQ, &p, 1, NULL);
    chain_job_body_t a = accept_body(&pid);
    ok(PROV, &a, 2, NULL);
    assert_int_equal(job.status, CHAIN_JOB_ACCEPTED);
    assert_int_equal(escrow, 700);
}

static void test_paid_job(void **state)
{
    (void)state;
    posted_and_accepted();
    char *r = make_receipt(job.id.b, 0x77, &pid);
    chain_job_body_t c = claim_body(r);
    ok(PROV, &c, 4, NULL);
    assert_int_equal(job.status, CHAIN_JOB_CLAIMED);
    assert_int_equal(job.closes_at, 9);
    assert_int_equal(job.output_commitment.b[0], 0x77);
    /* replay of the same receipt: refused, the job is already claimed */
    refused(PROV, &c, 5, "already claimed");
    chain_job_body_t f = body(CHAIN_TX_JOB_FINALIZE);
    refused(OTHER, &f, 8, "window is open until height 9");
    chain_escrow_fx_t fx;
    ok(OTHER, &f, 9, &fx);   /* anyone may finalize */
    assert_true(fx.reputation_up);
    assert_int_equal(job.status, CHAIN_JOB_FINALIZED);
    assert_int_equal(bal[REQ], START - 500);
    assert_int_equal(bal[PROV], START + 500);
    assert_int_equal(escrow, 0);
    assert_int_equal(burned, 0);
    refused(OTHER, &f, 10, "cannot finalize: the job is finalized");
    /* the record round-trips through its encoding */
    buf_t b = {0};
    assert_int_equal(chain_job_encode(&job, &b), 0);
    chain_job_t d;
    err_t e = {0};
    assert_int_equal(chain_job_decode(b.data, b.len, &d, &e), 0);
    assert_memory_equal(&d, &job, sizeof d);
    assert_int_not_equal(chain_job_decode(b.data, b.len - 1, &d, &e), 0);
    json_t *j = chain_job_to_json(&job);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "finalized");
    json_decref(j);
    buf_free(&b);
    free(r);
}

static void test_bad_claims(void **state)
{
    (void)state;
    posted_and_accepted();
    /* signed by another Phase identity than the one named at accept */
    char *bad_sig = make_receipt(job.id.b, 0x77, &bad_pid);
    chain_job_body_t c = claim_body(bad_sig);
    refused(PROV, &c, 3, "does not verify");
    /* a receipt for another job */
    uint8_t other[32];
    memset(other, 0xcd, 32);
    char *other_job = make_receipt(other, 0x77, &pid);
    c = claim_body(other_job);
    refused(PROV, &c, 3, "receipt is for job cdcdcdcd");
    /* a tampered receipt (the signed commitment changed) */
    char *good = make_receipt(job.id.b, 0x77, &pid);
    char *tampered = strdup(good);
    char *at = strstr(tampered, "119,119");   /* the commitment, as serde bytes */
    assert_non_null(at);
    at[2] = '8';
    c = claim_body(tampered);
    refused(PROV, &c, 3, "does not verify");
    /* not JSON */
    c = claim_body("not a receipt");
    refused(PROV, &c, 3, "does not parse");
    /* claimed by someone other than the provider */
    c = claim_body(good);
    refused(OTHER, &c, 3, "only the provider");
    /* after the deadline */
    refused(PROV, &c, 21, "deadline 20 has passed");
    ok(PROV, &c, 3, NULL);
    free(bad_sig);
    free(other_job);
    free(good);
    free(tampered);
}

static void test_cancel_and_allow_list(void **state)
{
    (void)state;
    reset();
    exists = false;
    chain_job_body_t p = post_body(300, 100, 10);
    memset(p.allow[0].b, 0x20, 20);   /* only PROV */
    p.n_allow = 1;
    refused(REQ, &p, 10, "deadline 10 is not after");
    ok(REQ, &p, 1, NULL);
    refused(REQ, &p, 2, "already posted");
    chain_job_body_t a = accept_body(&pid);
    refused(OTHER, &a, 2, "allow-list");
    chain_job_body_t x = body(CHAIN_TX_JOB_CANCEL);
    refused(OTHER, &x, 2, "only the requester");
    ok(REQ, &x, 2, NULL);
    assert_int_equal(bal[REQ], START);
    assert_int_equal(escrow, 0);
    refused(PROV, &a, 3, "cannot accept: the job is cancelled");
    chain_job_body_t unknown = body(CHAIN_TX_JOB_FINALIZE);
    exists = false;
    refused(OTHER, &unknown, 3, "no such job");
}

static void test_vanished_provider(void **state)
{
    (void)state;
    posted_and_accepted();
    chain_job_body_t x = body(CHAIN_TX_JOB_EXPIRE);
    refused(OTHER, &x, 20, "has not passed");
    chain_job_body_t cancel = body(CHAIN_TX_JOB_CANCEL);
    refused(REQ, &cancel, 5, "cannot cancel: the job is accepted");
    chain_escrow_fx_t fx;
    ok(OTHER, &x, 21, &fx);
    assert_int_equal(job.status, CHAIN_JOB_EXPIRED);
    /* refund 500, half the bond (100) to the requester, 100 burned */
    assert_int_equal(bal[REQ], START + 100);
    assert_int_equal(bal[PROV], START - 200);
    assert_int_equal(burned, 100);
    assert_int_equal(escrow, 0);
    /* an unaccepted job simply refunds */
    reset();
    exists = false;
    chain_job_body_t p = post_body(500, 200, 20);
    ok(REQ, &p, 1, NULL);
    ok(OTHER, &x, 21, NULL);
    assert_int_equal(bal[REQ], START);
    assert_int_equal(burned, 0);
}

static void challenged(uint8_t claimed, uint64_t chal_bond)
{
    posted_and_accepted();
    char *r = make_receipt(job.id.b, claimed, &pid);
    chain_job_body_t c = claim_body(r);
    ok(PROV, &c, 4, NULL);
    free(r);
    chain_job_body_t ch = body(CHAIN_TX_JOB_CHALLENGE);
    ch.challenger_bond = chain_u128_from_u64(chal_bond);
    chain_escrow_fx_t fx;
    ok(CHAL, &ch, 8, &fx);
    assert_true(fx.needs_resolution);
    assert_int_equal(job.status, CHAIN_JOB_CHALLENGED);
}

static void resolve(uint8_t recomputed_byte)
{
    chain_hash_t h;
    memset(h.b, recomputed_byte, 32);
    chain_escrow_fx_t fx;
    err_t e = {0};
    assert_int_equal(chain_escrow_resolve(&job, &h, &fx, &e), 0);
    apply_fx(CHAL, &fx);
    assert_int_equal(escrow, 0);
    assert_int_not_equal(chain_escrow_resolve(&job, &h, &fx, &e), 0);   /* only once */
}

static void test_challenges(void **state)
{
    (void)state;
    /* bond too small, window closed */
    posted_and_accepted();
    char *r = make_receipt(job.id.b, 0x77, &pid);
    chain_job_body_t c = claim_body(r);
    ok(PROV, &c, 4, NULL);
    free(r);
    chain_job_body_t ch = body(CHAIN_TX_JOB_CHALLENGE);
    ch.challenger_bond = chain_u128_from_u64(199);
    refused(CHAL, &ch, 5, "at least 200");
    ch.challenger_bond = chain_u128_from_u64(200);
    refused(CHAL, &ch, 9, "window closed at height 9");

    /* a wrong output: the provider is slashed, the requester refunded */
    challenged(0x66, 300);
    resolve(0x77);
    assert_int_equal(job.status, CHAIN_JOB_SLASHED);
    assert_int_equal(bal[REQ], START);
    assert_int_equal(bal[PROV], START - 200);
    assert_int_equal(bal[CHAL], START + 100);
    assert_int_equal(burned, 100);

    /* an honest claim: the challenger pays */
    challenged(0x77, 300);
    resolve(0x77);
    assert_int_equal(job.status, CHAIN_JOB_FINALIZED);
    assert_int_equal(bal[REQ], START - 500);
    assert_int_equal(bal[PROV], START + 500 + 150);
    assert_int_equal(bal[CHAL], START - 300);
    assert_int_equal(burned, 150);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paid_job),
        cmocka_unit_test(test_bad_claims),
        cmocka_unit_test(test_cancel_and_allow_list),
        cmocka_unit_test(test_vanished_provider),
        cmocka_unit_test(test_challenges),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
