/* Tests of the staking transactions in chain/types (issue 15): golden bytes
 * of every kind (golden_stake.h, built by golden_stake_gen.py from the
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

#include "golden_stake.h"

#define CHAIN_ID 0x0102030405060708ull

static uint8_t gsk[64], gpk[32];

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    crypto_ed25519_from_seed(gs_seed, gpk, gsk);
    return 0;
}

static void fill(chain_addr_t *a, uint8_t first)
{
    for (int i = 0; i < 20; i++)
        a->b[i] = (uint8_t)(first + i);
}

/* The bodies golden_stake_gen.py writes, built through the API. */
static chain_stake_body_t body_of(uint8_t kind)
{
    chain_stake_body_t b;
    memset(&b, 0, sizeof b);
    b.kind = kind;
    fill(&b.validator, 0x60);
    switch (kind) {
    case CHAIN_TX_STAKE_REGISTER:
        memset(b.bls_pk, 0xb1, sizeof b.bls_pk);
        memset(b.bls_pop, 0xb2, sizeof b.bls_pop);
        memset(b.vrf_pk, 0xc1, sizeof b.vrf_pk);
        b.commission_bps = 750;
        b.min_self_stake = chain_u128_from_u64(1000);
        b.amount.lo = 5000;
        b.amount.hi = 1u << 16;   /* 5000 + 2^80 */
        break;
    case CHAIN_TX_STAKE_ADD: b.amount = chain_u128_from_u64(123456); break;
    case CHAIN_TX_STAKE_DELEGATE: b.amount = chain_u128_from_u64(777); break;
    case CHAIN_TX_STAKE_UNDELEGATE: b.amount = chain_u128_from_u64(55); break;
    case CHAIN_TX_STAKE_REDELEGATE:
        fill(&b.to, 0x80);
        b.amount = chain_u128_from_u64(66);
        break;
    case CHAIN_TX_STAKE_COMMISSION: b.commission_bps = 800; break;
    case CHAIN_TX_STAKE_EVIDENCE:
        b.epoch = 3;
        b.evidence = gs_evidence;
        b.evidence_len = sizeof gs_evidence;
        break;
    default: break;
    }
    return b;
}

static void check_golden(uint8_t kind, const uint8_t *want, size_t n, const uint8_t *want_hash)
{
    err_t e = {0};
    chain_stake_body_t b = body_of(kind);
    uint64_t nonce = 20 + (uint64_t)(kind - CHAIN_TX_STAKE_REGISTER);
    chain_tx_t *tx = chain_tx_new_stake(CHAIN_ID, gpk, nonce, chain_u128_from_u64(99), &b, &e);
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
    assert_int_equal(chain_tx_encoded_size(tx), n);
    chain_tx_t *d = chain_tx_decode(want, n, &e);
    if (!d)
        fail_msg("kind 0x%02x decode: %s", kind, e.msg);
    assert_int_equal(d->kind, kind);
    assert_int_equal(chain_tx_verify(d, &e), 0);
    assert_int_equal(chain_tx_check_static(d, &e), 0);
    chain_stake_body_t db;
    assert_int_equal(chain_stake_body_parse(d->kind, d->job, d->job_len, &db, &e), 0);
    assert_memory_equal(&db.amount, &b.amount, sizeof b.amount);
    assert_int_equal(db.commission_bps, b.commission_bps);
    chain_tx_t *c = chain_tx_dup(d);
    buf_t again = {0};
    assert_int_equal(chain_tx_encode(c, true, &again), 0);
    assert_int_equal(again.len, n);
    assert_memory_equal(again.data, want, n);
    json_t *j = chain_tx_to_json(c);
    assert_non_null(json_object_get(j, "stake"));
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
    check_golden(CHAIN_TX_STAKE_REGISTER, gs_register, sizeof gs_register, gs_register_hash);
    check_golden(CHAIN_TX_STAKE_ADD, gs_add, sizeof gs_add, gs_add_hash);
    check_golden(CHAIN_TX_STAKE_DELEGATE, gs_delegate, sizeof gs_delegate, gs_delegate_hash);
    check_golden(CHAIN_TX_STAKE_UNDELEGATE, gs_undelegate, sizeof gs_undelegate,
                 gs_undelegate_hash);
    check_golden(CHAIN_TX_STAKE_REDELEGATE, gs_redelegate, sizeof gs_redelegate,
                 gs_redelegate_hash);
    check_golden(CHAIN_TX_STAKE_WITHDRAW, gs_withdraw, sizeof gs_withdraw, gs_withdraw_hash);
    check_golden(CHAIN_TX_STAKE_COMMISSION, gs_commission, sizeof gs_commission,
                 gs_commission_hash);
    check_golden(CHAIN_TX_STAKE_UNJAIL, gs_unjail, sizeof gs_unjail, gs_unjail_hash);
    check_golden(CHAIN_TX_STAKE_EVIDENCE, gs_evidence_tx, sizeof gs_evidence_tx,
                 gs_evidence_tx_hash);
    check_golden(CHAIN_TX_STAKE_CLAIM, gs_claim, sizeof gs_claim, gs_claim_hash);
}

static void expect_bad(const uint8_t *bytes, size_t n, const char *needle)
{
    err_t e = {0};
    chain_tx_t *tx = chain_tx_decode(bytes, n, &e);
    if (tx)
        fail_msg("decoded a malformed staking tx (expected '%s')", needle);
    if (!strstr(e.msg, needle))
        fail_msg("error '%s' does not mention '%s'", e.msg, needle);
}

static void test_strict(void **state)
{
    (void)state;
    const size_t body = 1 + 8 + 32 + 8 + 16 + 4;
    uint8_t r[sizeof gs_register];
    memcpy(r, gs_register, sizeof r);
    store_le16(r + body + 48 + 96 + 32, 10001);
    expect_bad(r, sizeof r, "commission_bps 10001");
    memcpy(r, gs_register, sizeof r);
    memset(r + body + 48 + 96 + 32 + 2 + 16, 0, 16);
    expect_bad(r, sizeof r, "amount is zero");
    uint8_t d[sizeof gs_delegate];
    memcpy(d, gs_delegate, sizeof d);
    memset(d + body + 20, 0, 16);
    expect_bad(d, sizeof d, "amount is zero");
    expect_bad(gs_delegate, sizeof gs_delegate - 1, "signature");
    uint8_t rd[sizeof gs_redelegate];
    memcpy(rd, gs_redelegate, sizeof rd);
    memcpy(rd + body + 20, rd + body, 20);
    expect_bad(rd, sizeof rd, "same validator");
    uint8_t ev[sizeof gs_evidence_tx];
    memcpy(ev, gs_evidence_tx, sizeof ev);
    store_le32(ev + body + 8, 0);
    expect_bad(ev, sizeof ev, "evidence of 0 bytes");
    memcpy(ev, gs_evidence_tx, sizeof ev);
    store_le32(ev + body - 4, CHAIN_STAKE_MAX_BODY + 1);
    expect_bad(ev, sizeof ev, "at most");
    /* a body with a byte too many for its kind */
    uint8_t w[sizeof gs_withdraw + 1];
    memcpy(w, gs_withdraw, body + 20);
    store_le32(w + body - 4, 21);
    w[body + 20] = 0;
    memcpy(w + body + 21, gs_withdraw + body + 20, 64);
    expect_bad(w, sizeof w, "trailing");
    /* the unused kinds of the range are unknown */
    uint8_t u[sizeof gs_unjail];
    memcpy(u, gs_unjail, sizeof u);
    u[0] = 0x1a;
    expect_bad(u, sizeof u, "unknown kind");
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(chain_tx_kind_name(CHAIN_TX_STAKE_REGISTER), "validator_register");
    assert_string_equal(chain_tx_kind_name(CHAIN_TX_STAKE_CLAIM), "claim_rewards");
    assert_true(chain_tx_has_body(CHAIN_TX_STAKE_UNJAIL));
    assert_false(chain_tx_is_stake(CHAIN_TX_JOB_POST));
    assert_string_equal(chain_status_name(CHAIN_STATUS_STAKE_REFUSED), "stake_refused");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_strict),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
