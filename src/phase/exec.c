/*
 * phase/exec: the worker path of upstream's WasmtimeWorker (reference §4.2)
 * for a SignedManifest<JobSpec>: verify, authorise (SEC-01: the signer must
 * be on the allowlist unless allow_unauthenticated), require a wasm JobSpec,
 * clamp its duration and memory to the node's ceilings, run it, and sign a
 * receipt whose job_id and job_spec_hash are the manifest's JobId. Unlike
 * upstream, the committed output is the job's real stdout and stderr. A
 * plain run (no manifest, phase_worker_run) signs its receipt through the
 * same code, over the JobId of the manifest that would have asked for it.
 */
#include "phase.h"

#include "crypto/crypto.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_DURATION_MS 300000u
#define DEFAULT_MAX_MEMORY (128u << 20)

void phase_wasm_spec_free(phase_wasm_spec_t *s)
{
    if (!s)
        return;
    free(s->module);
    free(s->module_cid);
    memset(s, 0, sizeof *s);
}

static int opt_u64(const json_t *p, const char *key, bool *has, uint64_t *v, err_t *e)
{
    const json_t *j = json_object_get(p, key);
    *has = false;
    *v = 0;
    if (!j || json_is_null(j))
        return PHASE_OK;
    if (!cjson_get_u64(j, v))
        return err_set(e, PHASE_EINVAL, "job spec: \"%s\" must be a u64 or null", key);
    *has = true;
    return PHASE_OK;
}

int phase_wasm_spec_parse(const json_t *payload, phase_wasm_spec_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(payload))
        return err_set(e, PHASE_EINVAL, "job spec: the payload must be an object");
    const char *kind = json_string_value(json_object_get(payload, "kind"));
    if (!kind)
        return err_set(e, PHASE_EINVAL, "job spec: missing \"kind\"");
    if (strcmp(kind, "wasm") != 0)
        return err_set(e, PHASE_EUNSUPPORTED, "job spec: kind \"%s\" is not supported here",
                       kind);
    const char *cid = json_string_value(json_object_get(payload, "module_cid"));
    if (!cid)
        return err_set(e, PHASE_EINVAL, "job spec: \"module_cid\" must be a string");
    const json_t *input = json_object_get(payload, "input");
    err_t be = {0};
    int rc;
    if (!input) {
        rc = err_set(e, PHASE_EINVAL, "job spec: missing \"input\"");
        goto fail;
    }
    if (cjson_get_bytes(input, SIZE_MAX, &out->module, &out->module_len, &be) != BASE_OK) {
        rc = err_set(e, PHASE_EINVAL, "job spec: \"input\": %s", be.msg);
        goto fail;
    }
    if ((rc = opt_u64(payload, "max_duration_ms", &out->has_duration, &out->max_duration_ms,
                      e)) != PHASE_OK ||
        (rc = opt_u64(payload, "max_memory_bytes", &out->has_memory, &out->max_memory_bytes,
                      e)) != PHASE_OK)
        goto fail;
    out->module_cid = strdup(cid);
    if (!out->module_cid) {
        rc = err_set(e, BASE_ENOMEM, "job spec: out of memory");
        goto fail;
    }
    return PHASE_OK;
fail:
    phase_wasm_spec_free(out);
    return rc;
}

static bool authorised(const phase_worker_policy_t *p, const uint8_t pk[PHASE_PK_BYTES])
{
    if (p->allow_unauthenticated)
        return true;
    for (size_t i = 0; i < p->n_allowed; i++)
        if (crypto_equal(p->allowed[i], pk, PHASE_PK_BYTES))
            return true;
    return false;
}

/* The one place a receipt is made for a run: JobResult of the outcome with
 * job_spec_hash = job_id, signed by id now. On failure the outcome is freed. */
static int sign_outcome(phase_job_outcome_t *out, const uint8_t job_id[PHASE_HASH_BYTES],
                        const phase_identity_t *id, phase_receipt_t *receipt, err_t *e)
{
    phase_job_result_t res;
    json_t *rj = NULL;
    int rc = phase_job_result_for(out, job_id, &res, e);
    if (rc != PHASE_OK)
        goto fail;
    rj = phase_job_result_to_json(&res, e);
    phase_job_result_free(&res);
    if (!rj) {
        rc = e ? e->code : BASE_ENOMEM;
        goto fail;
    }
    rc = phase_receipt_sign(rj, job_id, id, ts_now(), receipt, e);
    json_decref(rj);
    if (rc == PHASE_OK)
        return PHASE_OK;
fail:
    phase_job_outcome_free(out);
    return rc;
}

int phase_worker_execute(const phase_manifest_t *m, const phase_worker_policy_t *policy,
                         const phase_identity_t *id, const phase_job_opts_t *tmpl, ts_t now,
                         phase_job_outcome_t *out, phase_receipt_t *receipt, err_t *e)
{
    memset(out, 0, sizeof *out);
    memset(receipt, 0, sizeof *receipt);
    int rc = phase_manifest_verify(m, now, e);
    if (rc != PHASE_OK)
        return rc;
    uint8_t signer[PHASE_PK_BYTES], job_id[PHASE_HASH_BYTES];
    if (phase_hex_key(m->signer_pubkey, signer, sizeof signer, NULL) != BASE_OK)
        return err_set(e, PHASE_EBADKEY, "manifest: bad public key");
    if (!authorised(policy, signer))
        return err_set(e, PHASE_EDENIED, "submitter not authorized: %s", m->signer_pubkey);
    if ((rc = phase_manifest_hash(m, job_id, e)) != PHASE_OK)
        return rc;
    phase_wasm_spec_t spec;
    if ((rc = phase_wasm_spec_parse(m->payload, &spec, e)) != PHASE_OK)
        return rc;
    uint64_t dur_cap = policy->max_duration_ms ? policy->max_duration_ms : DEFAULT_MAX_DURATION_MS;
    uint64_t mem_cap = policy->max_memory_bytes ? policy->max_memory_bytes : DEFAULT_MAX_MEMORY;
    phase_job_opts_t o = *tmpl;
    o.module = spec.module;
    o.module_len = spec.module_len;
    if (spec.module_len == 0 && tmpl->module) {
        /* a module by reference (input [], module_cid "sha256:<hex>"): the
         * caller supplies the bytes, which must be the ones signed for */
        char h[PHASE_MODULE_HASH_LEN + 1];
        phase_module_hash(tmpl->module, tmpl->module_len, h);
        if (strcmp(h, spec.module_cid) != 0) {
            phase_wasm_spec_free(&spec);
            return err_set(e, PHASE_EMISMATCH, "module %s is not the module_cid the manifest "
                           "names", h);
        }
        o.module = tmpl->module;
        o.module_len = tmpl->module_len;
    }
    o.timeout_ms = spec.has_duration && spec.max_duration_ms < dur_cap ? spec.max_duration_ms
                                                                        : dur_cap;
    o.memory_max = spec.has_memory && spec.max_memory_bytes < mem_cap ? spec.max_memory_bytes
                                                                       : mem_cap;
    if (o.timeout_ms == 0)
        o.timeout_ms = 1; /* a zero budget stops the job at once, never disables the cap */
    if (o.memory_max == 0)
        o.memory_max = 1; /* zero bytes: no memory at all (0 pages), never "no cap" */
    static const char *const argv0[] = {"job.wasm"};
    if (!o.argc) {
        o.argc = 1;
        o.argv = argv0;
    }
    rc = phase_job_run(&o, out, e);
    phase_wasm_spec_free(&spec);
    if (rc != PHASE_OK)
        return rc;
    return sign_outcome(out, job_id, id, receipt, e);
}

int phase_worker_run(const phase_job_opts_t *o, const phase_identity_t *id, ts_t created_at,
                     phase_job_outcome_t *out, phase_receipt_t *receipt, err_t *e)
{
    memset(out, 0, sizeof *out);
    memset(receipt, 0, sizeof *receipt);
    uint8_t job_id[PHASE_HASH_BYTES];
    int rc;
    /* the JobId first: a bad timestamp refuses the run before it starts */
    if (id && (rc = phase_wasm_job_id(o->module, o->module_len, o->timeout_ms, o->memory_max,
                                      created_at, job_id, e)) != PHASE_OK)
        return rc;
    if ((rc = phase_job_run(o, out, e)) != PHASE_OK)
        return rc;
    return id ? sign_outcome(out, job_id, id, receipt, e) : PHASE_OK;
}

/* The one definition of an escrow job's run (docs/escrow.md): the chain's
 * dispute re-execution, the provider that claims and the watchtower that
 * checks all come here, so their commitments cannot drift apart. */
int phase_escrow_run(const phase_escrow_job_t *j, const phase_identity_t *id,
                     phase_job_outcome_t *out, phase_job_result_t *result,
                     phase_receipt_t *receipt, err_t *e)
{
    memset(out, 0, sizeof *out);
    if (result)
        memset(result, 0, sizeof *result);
    if (receipt)
        memset(receipt, 0, sizeof *receipt);
    if (!j || !j->module || !j->module_len || !j->fuel || !j->memory_max || (id && !receipt))
        return err_set(e, PHASE_EINVAL, "escrow run: module, fuel and memory are required");
    static const char *const argv0[] = {"job.wasm"};
    phase_job_opts_t o;
    memset(&o, 0, sizeof o);
    o.module = j->module;
    o.module_len = j->module_len;
    o.argc = 1;
    o.argv = argv0;
    o.fuel = j->fuel;
    o.memory_max = j->memory_max;
    o.stdin_fd = -1;
    o.stdin_data = j->input;
    o.stdin_len = j->input_len;
    o.stdout_fd = -1;
    o.stderr_fd = -1;
    o.deterministic = true;
    int rc = phase_job_run(&o, out, e);
    if (rc != PHASE_OK)
        return rc;
    if (result && (rc = phase_job_result_for(out, j->job_id, result, e)) != PHASE_OK) {
        phase_job_outcome_free(out);
        return rc;
    }
    if (id && (rc = sign_outcome(out, j->job_id, id, receipt, e)) != PHASE_OK && result)
        phase_job_result_free(result);
    return rc;
}
