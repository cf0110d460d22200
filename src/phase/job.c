/*
 * phase/job: what surrounds a run of the worker and needs no engine: the
 * upstream wasm JobSpec payload, the exit status a process reports for an
 * outcome, and the JobResult of an outcome (reference §4.2 step 8: completion
 * stop on exit 0 else error, total_duration_ms, metrics.extra {module_hash,
 * exit_code}; when the job did not exit we add extra.error with the reason
 * and extra.status: timeout, out_of_fuel, trap or load_error).
 */
#include "phase.h"

#include "crypto/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void phase_job_outcome_free(phase_job_outcome_t *out)
{
    if (!out)
        return;
    free(out->out);
    free(out->err);
    out->out = out->err = NULL;
    out->out_len = out->err_len = 0;
}

int phase_job_exit_status(const phase_job_outcome_t *o)
{
    switch (o->status) {
    case PHASE_JOB_EXITED:
        return o->exit_code >= 0 && o->exit_code <= 255 ? o->exit_code : 1;
    case PHASE_JOB_OUT_OF_FUEL: return PHASE_EXIT_OUT_OF_FUEL;
    case PHASE_JOB_TIMEOUT: return PHASE_EXIT_TIMEOUT;
    case PHASE_JOB_LOAD_ERROR: return o->over_limit ? PHASE_EXIT_TRAP : PHASE_EXIT_LOAD;
    case PHASE_JOB_TRAP:
    default: return PHASE_EXIT_TRAP;
    }
}

const char *phase_job_status_name(phase_job_status_t s)
{
    switch (s) {
    case PHASE_JOB_EXITED: return "exited";
    case PHASE_JOB_OUT_OF_FUEL: return "out_of_fuel";
    case PHASE_JOB_TIMEOUT: return "timeout";
    case PHASE_JOB_TRAP: return "trap";
    case PHASE_JOB_LOAD_ERROR: return "load_error";
    case PHASE_JOB_CANCELLED: return "cancelled";
    }
    return "trap";
}

json_t *phase_wasm_job_spec(const uint8_t *module, size_t n, uint64_t max_duration_ms,
                            uint64_t max_memory_bytes)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o}", "kind", "wasm", "module_cid", "inline", "input",
                     cjson_bytes(module, n), "max_duration_ms",
                     max_duration_ms ? cjson_u64(max_duration_ms) : json_null(),
                     "max_memory_bytes",
                     max_memory_bytes ? cjson_u64(max_memory_bytes) : json_null());
}

int phase_job_result_for(const phase_job_outcome_t *o, const uint8_t job_id[PHASE_HASH_BYTES],
                         phase_job_result_t *r, err_t *e)
{
    memset(r, 0, sizeof *r);
    memcpy(r->job_spec_hash, job_id, PHASE_HASH_BYTES);
    phase_commit_t c;
    phase_commit_output(&c, o->out, o->out_len, o->err, o->err_len);
    memcpy(r->output_commitment, c.state, PHASE_HASH_BYTES);
    r->output_chunk_count = c.count;
    int status = phase_job_exit_status(o);
    r->completion = status == 0 && o->status == PHASE_JOB_EXITED ? PHASE_COMPLETION_STOP
                    : o->status == PHASE_JOB_CANCELLED                 ? PHASE_COMPLETION_CANCELLED
                                                                       : PHASE_COMPLETION_ERROR;
    r->total_duration_ms = o->wall_ms;
    char code[16];
    snprintf(code, sizeof code, "%d",
             o->status == PHASE_JOB_EXITED ? (int)o->exit_code : status);
    r->extra = json_pack("{s:s, s:s}", "module_hash", o->module_hash, "exit_code", code);
    if (!r->extra)
        return err_set(e, BASE_ENOMEM, "job result: out of memory");
    /* Upstream's Completion has no variant for these, so a job that did not
     * exit says how it ended in extra.status ("timeout", ...). */
    if (o->status != PHASE_JOB_EXITED &&
        json_object_set_new(r->extra, "status", json_string(phase_job_status_name(o->status)))) {
        phase_job_result_free(r);
        return err_set(e, BASE_ENOMEM, "job result: out of memory");
    }
    char msg[ERR_MSG_MAX];
    size_t k = 0;
    for (; o->message[k] && k + 1 < sizeof msg; k++) /* ASCII only: always valid UTF-8 */
        msg[k] = (unsigned char)o->message[k] < 0x80 ? o->message[k] : '?';
    msg[k] = '\0';
    if (msg[0] && json_object_set_new(r->extra, "error", json_string(msg)) != 0) {
        phase_job_result_free(r);
        return err_set(e, BASE_ENOMEM, "job result: out of memory");
    }
    return PHASE_OK;
}

/* Streams bytes into a SHA-256 through a small buffer. */
typedef struct hstream {
    crypto_sha256_ctx_t h;
    char buf[4096];
    size_t n;
} hstream_t;

static void hs_put(hstream_t *s, const char *p, size_t n)
{
    if (s->n + n > sizeof s->buf) {
        crypto_sha256_update(&s->h, s->buf, s->n);
        s->n = 0;
    }
    if (n > sizeof s->buf) {
        crypto_sha256_update(&s->h, p, n);
        return;
    }
    memcpy(s->buf + s->n, p, n);
    s->n += n;
}

static void hs_str(hstream_t *s, const char *p)
{
    hs_put(s, p, strlen(p));
}

static void hs_u64_or_null(hstream_t *s, uint64_t v)
{
    char d[24];
    if (v == 0) {
        hs_str(s, "null");
        return;
    }
    int n = snprintf(d, sizeof d, "%llu", (unsigned long long)v);
    hs_put(s, d, (size_t)n);
}

int phase_wasm_job_id(const uint8_t *module, size_t n, uint64_t max_duration_ms,
                      uint64_t max_memory_bytes, ts_t created_at,
                      uint8_t out[PHASE_HASH_BYTES], err_t *e)
{
    char ts[TS_STR_MAX];
    if (ts_format(created_at, ts) < 0)
        return err_set(e, PHASE_EINVAL, "job id: timestamp outside years 0..9999");
    hstream_t s;
    crypto_sha256_init(&s.h);
    s.n = 0;
    /* The canonical key orders: created_at < payload < schema_version, and
     * input < kind < max_duration_ms < max_memory_bytes < module_cid. */
    hs_str(&s, PHASE_MANIFEST_DOMAIN "{\"created_at\":\"");
    hs_str(&s, ts);
    hs_str(&s, "\",\"payload\":{\"input\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            hs_put(&s, ",", 1);
        char d[3];
        unsigned v = module[i];
        size_t k = 0;
        if (v >= 100)
            d[k++] = (char)('0' + v / 100);
        if (v >= 10)
            d[k++] = (char)('0' + v / 10 % 10);
        d[k++] = (char)('0' + v % 10);
        hs_put(&s, d, k);
    }
    hs_str(&s, "],\"kind\":\"wasm\",\"max_duration_ms\":");
    hs_u64_or_null(&s, max_duration_ms);
    hs_str(&s, ",\"max_memory_bytes\":");
    hs_u64_or_null(&s, max_memory_bytes);
    hs_str(&s, ",\"module_cid\":\"inline\"},\"schema_version\":1}");
    crypto_sha256_update(&s.h, s.buf, s.n);
    crypto_sha256_final(&s.h, out);
    return PHASE_OK;
}
