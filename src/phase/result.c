/*
 * phase/result: the JobResult payload of a receipt (reference §2.6), the
 * streaming output commitment (§2.7) and the module hash (§2.9).
 *
 * JobResult is encoded field for field as serde derives it: byte arrays as
 * arrays of decimal integers, the Completion enum as a snake_case string,
 * resumption as null or a ConversationToken object, metrics with all four
 * fields (extra a string -> string map).
 */
#include "phase.h"

#include "crypto/crypto.h"

#include <stdlib.h>
#include <string.h>

/* ---- module hash ----------------------------------------------------------- */

void phase_module_hash(const uint8_t *wasm, size_t n, char out[PHASE_MODULE_HASH_LEN + 1])
{
    uint8_t h[CRYPTO_SHA256_BYTES];
    crypto_sha256(wasm, n, h);
    memcpy(out, "sha256:", 7);
    hex_encode(h, sizeof h, out + 7);
}

/* ---- commitment ------------------------------------------------------------ */

void phase_commit_init(phase_commit_t *c)
{
    crypto_sha256(PHASE_COMMIT_DOMAIN, strlen(PHASE_COMMIT_DOMAIN), c->state);
    c->count = 0;
}

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

void phase_commit_add(phase_commit_t *c, uint64_t seq, const char *kind, const void *data,
                      size_t n)
{
    uint8_t hdr[12];
    size_t klen = strlen(kind);
    crypto_sha256_ctx_t h;
    crypto_sha256_init(&h);
    crypto_sha256_update(&h, c->state, sizeof c->state);
    put_be(hdr, seq, 8);
    put_be(hdr + 8, (uint32_t)klen, 4);
    crypto_sha256_update(&h, hdr, 12);
    crypto_sha256_update(&h, kind, klen);
    put_be(hdr, (uint32_t)n, 4);
    crypto_sha256_update(&h, hdr, 4);
    if (n)
        crypto_sha256_update(&h, data, n);
    crypto_sha256_final(&h, c->state);
    c->count++;
}

void phase_commit_output(phase_commit_t *c, const uint8_t *out, size_t out_len,
                         const uint8_t *err, size_t err_len)
{
    phase_commit_init(c);
    uint64_t seq = 0;
    size_t off = 0;
    do {
        size_t n = out_len - off < PHASE_CHUNK_MAX ? out_len - off : PHASE_CHUNK_MAX;
        phase_commit_add(c, seq++, "stdout", out ? out + off : NULL, n);
        off += n;
    } while (off < out_len);
    for (off = 0; off < err_len;) {
        size_t n = err_len - off < PHASE_CHUNK_MAX ? err_len - off : PHASE_CHUNK_MAX;
        phase_commit_add(c, seq++, "stderr", err + off, n);
        off += n;
    }
}

/* ---- JobResult --------------------------------------------------------------- */

static const char *const completion_names[] = {"stop", "length", "cancelled", "error"};

const char *phase_completion_name(phase_completion_t c)
{
    return (unsigned)c < 4 ? completion_names[c] : "error";
}

void phase_job_result_free(phase_job_result_t *r)
{
    if (!r)
        return;
    json_decref(r->resumption);
    json_decref(r->extra);
    r->resumption = NULL;
    r->extra = NULL;
}

json_t *phase_job_result_to_json(const phase_job_result_t *r, err_t *e)
{
    json_t *o = json_object();
    json_t *m = json_object();
    if (!o || !m)
        goto oom;
    if (json_object_set_new(m, "total_duration_ms", cjson_u64(r->total_duration_ms)) ||
        json_object_set_new(m, "prompt_tokens", cjson_u64(r->prompt_tokens)) ||
        json_object_set_new(m, "completion_tokens", cjson_u64(r->completion_tokens)) ||
        json_object_set_new(m, "extra", r->extra ? json_incref(r->extra) : json_object()))
        goto oom;
    if (json_object_set_new(o, "job_spec_hash", cjson_bytes(r->job_spec_hash, 32)) ||
        json_object_set_new(o, "output_commitment", cjson_bytes(r->output_commitment, 32)) ||
        json_object_set_new(o, "output_chunk_count", cjson_u64(r->output_chunk_count)) ||
        json_object_set_new(o, "completion", json_string(phase_completion_name(r->completion))) ||
        json_object_set_new(o, "resumption", r->resumption ? json_incref(r->resumption)
                                                           : json_null()))
        goto oom;
    if (json_object_set_new(o, "metrics", m)) {
        m = NULL; /* set_new consumed it even on failure */
        goto oom;
    }
    return o;
oom:
    json_decref(m);
    json_decref(o);
    err_set(e, BASE_ENOMEM, "job result: out of memory");
    return NULL;
}

static int get_hash32(const json_t *o, const char *key, uint8_t out[32], err_t *e)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return err_set(e, PHASE_EINVAL, "job result: missing field \"%s\"", key);
    uint8_t *p = NULL;
    size_t n = 0;
    err_t be = {0};
    if (cjson_get_bytes(v, 32, &p, &n, &be) != BASE_OK)
        return err_set(e, PHASE_EINVAL, "job result: \"%s\": %s", key, be.msg);
    memcpy(out, p, 32);
    free(p);
    return PHASE_OK;
}

static int get_metric(const json_t *m, const char *key, uint64_t *out, err_t *e)
{
    const json_t *v = json_object_get(m, key);
    *out = 0;
    if (!v)
        return PHASE_OK; /* #[serde(default)] */
    if (!cjson_get_u64(v, out))
        return err_set(e, PHASE_EINVAL, "job result: metrics.%s must be a u64", key);
    return PHASE_OK;
}

int phase_job_result_from_json(const json_t *j, phase_job_result_t *r, err_t *e)
{
    memset(r, 0, sizeof *r);
    if (!json_is_object(j))
        return err_set(e, PHASE_EINVAL, "job result: expected a JSON object");
    int rc;
    if ((rc = get_hash32(j, "job_spec_hash", r->job_spec_hash, e)) != PHASE_OK ||
        (rc = get_hash32(j, "output_commitment", r->output_commitment, e)) != PHASE_OK)
        return rc;
    const json_t *v = json_object_get(j, "output_chunk_count");
    if (!v || !cjson_get_u64(v, &r->output_chunk_count))
        return err_set(e, PHASE_EINVAL, "job result: \"output_chunk_count\" must be a u64");
    v = json_object_get(j, "completion");
    const char *c = json_string_value(v);
    int found = -1;
    for (int i = 0; c && i < 4; i++)
        if (strcmp(c, completion_names[i]) == 0)
            found = i;
    if (found < 0)
        return err_set(e, PHASE_EINVAL,
                       "job result: \"completion\" must be stop, length, cancelled or error");
    r->completion = (phase_completion_t)found;
    v = json_object_get(j, "resumption");
    if (v && !json_is_null(v)) {
        if (!json_is_object(v))
            return err_set(e, PHASE_EINVAL, "job result: \"resumption\" must be null or an object");
        r->resumption = json_incref((json_t *)v);
    }
    const json_t *m = json_object_get(j, "metrics");
    if (m) {
        if (!json_is_object(m)) {
            rc = err_set(e, PHASE_EINVAL, "job result: \"metrics\" must be an object");
            goto fail;
        }
        if ((rc = get_metric(m, "total_duration_ms", &r->total_duration_ms, e)) != PHASE_OK ||
            (rc = get_metric(m, "prompt_tokens", &r->prompt_tokens, e)) != PHASE_OK ||
            (rc = get_metric(m, "completion_tokens", &r->completion_tokens, e)) != PHASE_OK)
            goto fail;
        const json_t *x = json_object_get(m, "extra");
        if (x) {
            const char *k;
            const json_t *xv;
            if (!json_is_object(x)) {
                rc = err_set(e, PHASE_EINVAL, "job result: metrics.extra must be an object");
                goto fail;
            }
            json_object_foreach((json_t *)x, k, xv) {
                if (!json_is_string(xv)) {
                    rc = err_set(e, PHASE_EINVAL, "job result: metrics.extra.%s must be a string",
                                 k);
                    goto fail;
                }
            }
            r->extra = json_incref((json_t *)x);
        }
    }
    return PHASE_OK;
fail:
    phase_job_result_free(r);
    return rc;
}
