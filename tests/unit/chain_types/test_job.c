/* Tests of the job escrow transactions in chain/types (issue 16): golden
 * bytes of every kind (golden_job.h, built by golden_job_gen.py from the
 * documented layout), round trips, strict rejection of malformed bodies with
 * the field named, and the JSON view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "chain/types/types.h"

#include "golden_job.h"

#define CHAIN_ID 0x0102030405060708ull

static uint8_t gsk[64], gpk[32];

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    crypto_ed25519_from_seed(gj_seed, gpk, gsk);
    return 0;
}

static void job_id(chain_hash_t *h)
{
    for (int i = 0; i < 32; i++)
        h->b[i] = (uint8_t)(0x40 + i);
}

static const char receipt_text[] = "{\"schema_version\":1}";

/* The bodies golden_job_gen.py writes, built through the API. */
static chain_job_body_t body_of(uint8_t kind)
{
    chain_job_body_t b;
    memset(&b, 0, sizeof b);
    b.kind = kind;
    job_id(&b.job_id);
    switch (kind) {
    case CHAIN_TX_JOB_POST:
        memset(b.module_hash.b, 0x51, 32);
        memset(b.input_commitment.b, 0x52, 32);
        b.fuel = 1000000;
        b.memory_max = 1u << 24;
        b.deadline = 50;
        b.payment.lo = 5000;
        b.payment.hi = 1u << 6;   /* 5000 + 2^70 */
        b.provider_bond = chain_u128_from_u64(700);
        b.window = 3;
        b.n_allow = 2;
        memset(b.allow[0].b, 0xa1, 20);
        memset(b.allow[1].b, 0xb2, 20);
        break;
    case CHAIN_TX_JOB_ACCEPT: {
        /* the link signature made here must be the generator's */
        uint8_t ppk[32], psk[64], seed[32];
        chain_addr_t a;
        memset(seed, 0x33, sizeof seed);
        crypto_ed25519_from_seed(seed, ppk, psk);
        assert_memory_equal(ppk, gj_phase_pk, 32);
        chain_addr_from_pk(gpk, &a);
        memcpy(b.phase_pk, ppk, 32);
        chain_job_link_sign(CHAIN_ID, &a, psk, b.link_sig);
        assert_memory_equal(b.link_sig, gj_link_sig, 64);
        break;
    }
    case CHAIN_TX_JOB_CLAIM:
        b.receipt = (const uint8_t *)receipt_text;
        b.receipt_len = (uint32_t)strlen(receipt_text);
        break;
    case CHAIN_TX_JOB_CHALLENGE:
        b.challenger_bond = chain_u128_from_u64(900);
        break;
    default:
        break;
    }
    return b;
}

static void check_golden(uint8_t kind, uint64_t nonce, const uint8_t *want, size_t n,
                         const uint8_t *want_hash)
{
    err_t e = {0};
    chain_job_body_t b = body_of(kind);
    chain_tx_t *tx = chain_tx_new_job(CHAIN_ID, gpk, nonce, chain_u128_from_u64(77), &b, &e);
    if (!tx)
        fail_msg("kind 0x%02x: %s", kind, e.msg);
    assert_int_equal(chain_tx_sign(tx, gsk, &e), 0);
    buf_t out = {0};
    assert_int_equal(chain_tx_encode(tx, true, &out), 0);
    if (out.len != n)
        fail_msg("kind 0x%02x: encoded %zu bytes, golden %zu", kind, out.len, n);
    for (size_t i = 0; i < n; i++)
        if (out.data[i] != want[i])
            fail_msg("kind 0x%02x: byte %zu is 0x%02x, golden 0x%02x", kind, i, out.data[i],
                     want[i]);
    assert_memory_equal(tx->hash.b, want_hash, 32);
    assert_int_equal(tx->size, n);
    assert_int_equal(chain_tx_encoded_size(tx), n);
    /* decode the golden bytes back, verify and re-encode */
    chain_tx_t *d = chain_tx_decode(want, n, &e);
    if (!d)
        fail_msg("kind 0x%02x decode: %s", kind, e.msg);
    assert_int_equal(d->kind, kind);
    assert_memory_equal(d->hash.b, want_hash, 32);
    assert_int_equal(chain_tx_verify(d, &e), 0);
    assert_int_equal(chain_tx_check_static(d, &e), 0);
    chain_job_body_t db;
    assert_int_equal(chain_job_body_parse(d->kind, d->job, d->job_len, &db, &e), 0);
    assert_memory_equal(db.job_id.b, b.job_id.b, 32);
    chain_tx_t *c = chain_tx_dup(d);
    assert_non_null(c);
    buf_t again = {0};
    assert_int_equal(chain_tx_encode(c, true, &again), 0);
    assert_int_equal(again.len, n);
    assert_memory_equal(again.data, want, n);
    json_t *j = chain_tx_to_json(c);
    assert_non_null(json_object_get(j, "job"));
    assert_string_equal(json_string_value(json_object_get(j, "kind")), chain_tx_kind_name(kind));
    json_decref(j);
    buf_free(&again);
    buf_free(&out);
    chain_tx_free(c);
    chain_tx_free(d);
    chain_tx_free(tx);
}

static void test_golden(void **state)
{
    (void)state;
    check_golden(CHAIN_TX_JOB_POST, 10, gj_post, sizeof gj_post, gj_post_hash);
    check_golden(CHAIN_TX_JOB_ACCEPT, 11, gj_accept, sizeof gj_accept, gj_accept_hash);
    check_golden(CHAIN_TX_JOB_CLAIM, 12, gj_claim, sizeof gj_claim, gj_claim_hash);
    check_golden(CHAIN_TX_JOB_FINALIZE, 13, gj_finalize, sizeof gj_finalize, gj_finalize_hash);
    check_golden(CHAIN_TX_JOB_CHALLENGE, 14, gj_challenge, sizeof gj_challenge,
                 gj_challenge_hash);
    check_golden(CHAIN_TX_JOB_CANCEL, 15, gj_cancel, sizeof gj_cancel, gj_cancel_hash);
    check_golden(CHAIN_TX_JOB_EXPIRE, 16, gj_expire, sizeof gj_expire, gj_expire_hash);
}

/* An accept whose link signature does not name the sender's account (another
 * chain, another account, a flipped bit) is refused by the static check. */
static void test_link(void **state)
{
    (void)state;
    err_t e = {0};
    chain_tx_t *d = chain_tx_decode(gj_accept, sizeof gj_accept, &e);
    assert_non_null(d);
    chain_job_body_t b;
    assert_int_equal(chain_job_body_parse(d->kind, d->job, d->job_len, &b, &e), 0);
    assert_int_equal(chain_job_link_verify(CHAIN_ID, &d->sender, b.phase_pk, b.link_sig, &e), 0);
    assert_int_not_equal(chain_job_link_verify(CHAIN_ID + 1, &d->sender, b.phase_pk, b.link_sig,
                                               &e), 0);
    assert_non_null(strstr(e.msg, "link_sig"));
    chain_addr_t other = d->sender;
    other.b[0] ^= 1;
    assert_int_not_equal(chain_job_link_verify(CHAIN_ID, &other, b.phase_pk, b.link_sig, &e), 0);
    /* a flipped bit in link_sig: the tx itself re-signed, so only the link fails */
    chain_job_body_t bad = b;
    bad.link_sig[10] ^= 0x40;
    chain_tx_t *tx = chain_tx_new_job(CHAIN_ID, gpk, 11, chain_u128_from_u64(77), &bad, &e);
    assert_non_null(tx);
    assert_int_equal(chain_tx_sign(tx, gsk, &e), 0);
    assert_int_equal(chain_tx_verify(tx, &e), 0);
    assert_int_equal(chain_tx_check_static(tx, &e), CHAIN_ETXINVALID);
    if (!strstr(e.msg, "link_sig is not Phase key"))
        fail_msg("wrong reason: %s", e.msg);
    chain_tx_free(tx);
    chain_tx_free(d);
}

/* Decoding a copy of the golden post with one change must fail naming it. */
static void expect_bad(const uint8_t *bytes, size_t n, const char *needle)
{
    err_t e = {0};
    chain_tx_t *tx = chain_tx_decode(bytes, n, &e);
    if (tx)
        fail_msg("decoded a malformed job tx (expected '%s')", needle);
    if (!strstr(e.msg, needle))
        fail_msg("error '%s' does not mention '%s'", e.msg, needle);
}

static void test_strict(void **state)
{
    (void)state;
    const size_t head = 1 + 8 + 32 + 8 + 16, body = head + 4;
    uint8_t m[sizeof gj_post];
    /* truncated and trailing */
    expect_bad(gj_post, sizeof gj_post - 1, "signature");
    uint8_t longer[sizeof gj_post + 1];
    memcpy(longer, gj_post, sizeof gj_post);
    longer[sizeof gj_post] = 0;
    expect_bad(longer, sizeof longer, "trailing");
    /* zero fuel */
    memcpy(m, gj_post, sizeof m);
    memset(m + body + 96, 0, 8);
    expect_bad(m, sizeof m, "fuel is zero");
    /* fuel over the dispute gas bound */
    memcpy(m, gj_post, sizeof m);
    store_le64(m + body + 96, CHAIN_JOB_MAX_FUEL + 1);
    expect_bad(m, sizeof m, "over the limit");
    /* zero payment */
    memcpy(m, gj_post, sizeof m);
    memset(m + body + 96 + 24, 0, 16);
    expect_bad(m, sizeof m, "payment is zero");
    /* window 0 */
    memcpy(m, gj_post, sizeof m);
    memset(m + body + 96 + 24 + 32, 0, 4);
    expect_bad(m, sizeof m, "challenge window");
    /* allow-list out of order */
    memcpy(m, gj_post, sizeof m);
    memset(m + body + 96 + 24 + 32 + 8, 0xff, 20);
    expect_bad(m, sizeof m, "ascending");
    /* body length larger than the bytes */
    memcpy(m, gj_post, sizeof m);
    store_le32(m + head, 3000);
    expect_bad(m, sizeof m, "truncated");
    /* body length over the bound */
    memcpy(m, gj_post, sizeof m);
    store_le32(m + head, CHAIN_JOB_MAX_BODY + 1);
    expect_bad(m, sizeof m, "at most");
    /* accept with a phase key that is not a curve point */
    uint8_t a[sizeof gj_accept];
    memcpy(a, gj_accept, sizeof a);
    memset(a + body + 32, 0, 32);
    a[body + 32] = 2;
    expect_bad(a, sizeof a, "phase_pk");
    /* claim with an empty receipt */
    uint8_t cl[sizeof gj_claim];
    memcpy(cl, gj_claim, sizeof cl);
    store_le32(cl + body + 32, 0);
    expect_bad(cl, sizeof cl, "receipt of 0 bytes");
    /* an unknown kind next to ours */
    memcpy(m, gj_post, sizeof m);
    m[0] = 0x27;
    expect_bad(m, sizeof m, "unknown kind");
    /* construction refuses out-of-bound lists */
    chain_job_body_t b = body_of(CHAIN_TX_JOB_POST);
    b.n_allow = CHAIN_JOB_MAX_ALLOW + 1;
    err_t e = {0};
    assert_null(chain_tx_new_job(CHAIN_ID, gpk, 0, chain_u128_from_u64(1), &b, &e));
    b = body_of(CHAIN_TX_JOB_POST);
    b.payment = chain_u128_from_u64(0);
    assert_null(chain_tx_new_job(CHAIN_ID, gpk, 0, chain_u128_from_u64(1), &b, &e));
    assert_non_null(strstr(e.msg, "payment"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_link),
        cmocka_unit_test(test_strict),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
