/* The provider node's local job API, the one an HTTP API uses, in process:
 * submit, phase_node_job_state, phase_node_cancel of a queued and of a
 * running job (the running one still gets a signed receipt for its partial
 * output, completion "cancelled"), and PHASE_EBUSY at capacity.
 * usage: test_phase_node SPIN.wasm (skips, 77, when it is missing) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "crypto/crypto.h"
#include "phase/phase.h"

static const char *spin_path;
static uint8_t *spin;
static size_t spin_len;

typedef struct done_rec {
    int calls;
    int status;
    phase_job_status_t job_status;
    char completion[32];
    bool receipt_ok;
} done_rec_t;

static void on_done(phase_node_t *n, uint64_t job, int status, const char *msg,
                    const phase_job_outcome_t *out, const json_t *events,
                    const phase_receipt_t *receipt, void *ud)
{
    done_rec_t *d = ud;
    d->calls++;
    d->status = status;
    if (status == PHASE_OK) {
        d->job_status = out->status;
        snprintf(d->completion, sizeof d->completion, "%s",
                 json_string_value(json_object_get(receipt->result, "completion")));
        d->receipt_ok = phase_receipt_verify(receipt, NULL, NULL) == PHASE_OK;
    }
}

static phase_manifest_t manifest(const phase_identity_t *id)
{
    json_t *p = phase_wasm_job_spec(spin, spin_len, 0, 0);
    phase_manifest_t m;
    assert_int_equal(phase_manifest_sign(p, id, ts_now(), NULL, &m, NULL), 0);
    json_decref(p);
    return m;
}

static void close_walk(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void cancel_and_state(void **state)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    uint8_t seed[32] = {3};
    phase_identity_t id;
    phase_identity_from_seed(seed, &id);
    phase_node_config_t cfg;
    phase_config_init(&cfg);
    cfg.max_concurrent_jobs = 1;
    cfg.queue_depth = 1;
    err_t e = {0};
    phase_node_t *n = phase_node_new(&loop, &cfg, &id, &e);
    assert_non_null(n);
    done_rec_t d1 = {0}, d2 = {0}, d3 = {0};
    phase_node_job_cbs_t c1 = {.on_done = on_done, .ud = &d1};
    phase_node_job_cbs_t c2 = {.on_done = on_done, .ud = &d2};
    phase_node_job_cbs_t c3 = {.on_done = on_done, .ud = &d3};
    uint64_t j1, j2, j3;
    phase_manifest_t m = manifest(&id);
    assert_int_equal(phase_node_submit(n, &m, &c1, &j1, &e), 0);
    m = manifest(&id);
    assert_int_equal(phase_node_submit(n, &m, &c2, &j2, &e), 0);
    m = manifest(&id);
    assert_int_equal(phase_node_submit(n, &m, &c3, &j3, &e), PHASE_EBUSY); /* 1 + 1 full */
    assert_non_null(strstr(e.msg, "busy"));
    phase_manifest_free(&m);
    assert_int_equal(phase_node_job_state(n, j1), PHASE_NODE_JOB_RUNNING);
    assert_int_equal(phase_node_job_state(n, j2), PHASE_NODE_JOB_QUEUED);
    /* the queued one never runs */
    assert_int_equal(phase_node_cancel(n, j2), 0);
    assert_int_equal(d2.calls, 1);
    assert_int_equal(d2.status, PHASE_ECANCELLED);
    assert_int_equal(phase_node_job_state(n, j2), PHASE_NODE_JOB_UNKNOWN);
    /* the running one stops and is signed for */
    assert_int_equal(phase_node_cancel(n, j1), 0);
    while (d1.calls == 0)
        uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(d1.status, PHASE_OK);
    assert_int_equal(d1.job_status, PHASE_JOB_CANCELLED);
    assert_string_equal(d1.completion, "cancelled");
    assert_true(d1.receipt_ok);
    assert_int_equal(phase_node_job_state(n, j1), PHASE_NODE_JOB_UNKNOWN);
    assert_int_equal(phase_node_cancel(n, j1), PHASE_ENOENT);
    json_t *st = phase_node_status(n);
    assert_int_equal(json_integer_value(json_object_get(st, "jobs_done")), 1);
    json_decref(st);
    phase_node_free(n);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_walk(&loop, close_walk, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    phase_config_free(&cfg);
}

int main(int argc, char **argv)
{
    spin_path = argc > 1 ? argv[1] : NULL;
    if (crypto_init() != 0)
        return 1;
    log_set_level(LOG_WARN);
    if (!spin_path || file_read_all(spin_path, 1u << 20, &spin, &spin_len, NULL) != 0) {
        const char *ci = getenv("CI"), *st = getenv("AETHER_STRICT");
        bool strict = (ci && strcmp(ci, "true") == 0) || (st && strcmp(st, "1") == 0);
        printf("%s: %s not built (wat2wasm missing)\n", strict ? "missing" : "SKIP",
               spin_path ? spin_path : "spin.wasm");
        return strict ? 1 : 77;
    }
    const struct CMUnitTest tests[] = {cmocka_unit_test(cancel_and_state)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(spin);
    return rc;
}
