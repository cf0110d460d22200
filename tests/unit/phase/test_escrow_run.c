/* phase_escrow_run (src/phase/exec.c): the one definition of an escrow
 * job's run that the chain's dispute re-execution, the provider and the
 * watchtower share. Arguments refused, the signed receipt verifying against
 * the identity with the job's id and the commitment of the real output, the
 * run repeatable, and the job's fuel being the bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "phase/phase.h"

/* (module (memory 1) (func (export "_start"))) */
static const uint8_t empty_mod[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x0a, 0x01, 0x06, 0x5f,
    0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};
/* the same with _start = (loop (br 0)): only fuel stops it */
static const uint8_t loop_mod[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x0a, 0x01, 0x06, 0x5f,
    0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40,
    0x0c, 0x00, 0x0b, 0x0b};

static phase_identity_t id;

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    uint8_t seed[32];
    memset(seed, 0x5a, sizeof seed);
    phase_identity_from_seed(seed, &id);
    return 0;
}

static phase_escrow_job_t job(const uint8_t *m, size_t n, uint64_t fuel)
{
    phase_escrow_job_t j = {.module = m, .module_len = n, .input = (const uint8_t *)"in",
                            .input_len = 2, .fuel = fuel, .memory_max = 1u << 20};
    memset(j.job_id, 0xab, sizeof j.job_id);
    return j;
}

static void test_refused(void **state)
{
    (void)state;
    phase_job_outcome_t out;
    phase_receipt_t r;
    err_t e = {0};
    phase_escrow_job_t j = job(empty_mod, sizeof empty_mod, 1000);
    j.fuel = 0;
    assert_int_equal(phase_escrow_run(&j, NULL, &out, NULL, NULL, &e), PHASE_EINVAL);
    assert_non_null(strstr(e.msg, "fuel"));
    j = job(NULL, 0, 1000);
    assert_int_equal(phase_escrow_run(&j, NULL, &out, NULL, NULL, &e), PHASE_EINVAL);
    j = job(empty_mod, sizeof empty_mod, 1000);
    j.memory_max = 0;
    assert_int_equal(phase_escrow_run(&j, NULL, &out, NULL, NULL, &e), PHASE_EINVAL);
    /* an identity but nowhere to put the receipt */
    j = job(empty_mod, sizeof empty_mod, 1000);
    assert_int_equal(phase_escrow_run(&j, &id, &out, NULL, NULL, &e), PHASE_EINVAL);
    assert_int_equal(phase_escrow_run(NULL, NULL, &out, NULL, &r, &e), PHASE_EINVAL);
}

static void test_receipt(void **state)
{
    (void)state;
    phase_escrow_job_t j = job(empty_mod, sizeof empty_mod, 1000);
    phase_job_outcome_t out;
    phase_job_result_t res;
    phase_receipt_t r;
    err_t e = {0};
    assert_int_equal(phase_escrow_run(&j, &id, &out, &res, &r, &e), 0);
    assert_int_equal(out.status, PHASE_JOB_EXITED);
    assert_int_equal(out.exit_code, 0);
    assert_true(out.fuel_used <= 1000);
    /* the commitment is the one of the real (empty) output */
    phase_commit_t c;
    phase_commit_output(&c, out.out, out.out_len, out.err, out.err_len);
    assert_memory_equal(res.output_commitment, c.state, 32);
    assert_memory_equal(res.job_spec_hash, j.job_id, 32);
    /* signed by the identity, for this job */
    assert_int_equal(phase_receipt_verify(&r, id.pk, &e), 0);
    uint8_t rid[32];
    assert_int_equal(phase_receipt_job_id_bytes(&r, rid, &e), 0);
    assert_memory_equal(rid, j.job_id, 32);
    phase_job_result_t again;
    phase_job_outcome_t out2;
    assert_int_equal(phase_escrow_run(&j, NULL, &out2, &again, NULL, &e), 0);
    assert_memory_equal(again.output_commitment, res.output_commitment, 32);
    assert_int_equal(out2.fuel_used, out.fuel_used);
    phase_job_result_free(&again);
    phase_job_outcome_free(&out2);
    phase_job_result_free(&res);
    phase_job_outcome_free(&out);
    phase_receipt_free(&r);
}

static void test_fuel_bound(void **state)
{
    (void)state;
    phase_escrow_job_t j = job(loop_mod, sizeof loop_mod, 100000);
    phase_job_outcome_t out;
    err_t e = {0};
    assert_int_equal(phase_escrow_run(&j, NULL, &out, NULL, NULL, &e), 0);
    assert_int_equal(out.status, PHASE_JOB_OUT_OF_FUEL);
    assert_true(out.fuel_used <= 100000 && out.fuel_used > 99000);
    phase_job_outcome_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_receipt),
        cmocka_unit_test(test_fuel_bound),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
