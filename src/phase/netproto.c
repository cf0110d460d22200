/*
 * phase/netproto: the wire codecs of the Phase network. Upstream's JobOffer /
 * JobResponse JSON (reference §5.3, serde's externally tagged enums), the
 * job-relay CBOR wrapper (libcbor; serde_bytes fields are CBOR byte strings,
 * enum variants maps of one key), evaluate_offer in upstream's order, and our
 * signed capability records. Every decoder takes a length-capped buffer and
 * names what was wrong; nothing here aborts on bad input.
 */
#include "phase.h"

#include "crypto/crypto.h"
#include "p2p/p2p.h"

#include <cbor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

const char *phase_arch(void)
{
    static char arch[64];
    if (!arch[0]) {
        struct utsname u;
        if (uname(&u) == 0) {
            /* upstream's std::env::consts::ARCH spelling */
            const char *m = u.machine;
            if (strcmp(m, "arm64") == 0)
                m = "aarch64";
            else if (strcmp(m, "i686") == 0 || strcmp(m, "i586") == 0)
                m = "x86";
            size_t l = strlen(m);
            if (l >= sizeof arch)
                l = sizeof arch - 1;
            memcpy(arch, m, l);
            arch[l] = 0;
        } else {
            snprintf(arch, sizeof arch, "unknown");
        }
    }
    return arch;
}

/* ---- JSON field helpers ---- */

static int get_str(const json_t *o, const char *key, char *out, size_t cap, const char *what,
                   err_t *e)
{
    const json_t *j = json_object_get(o, key);
    const char *s = json_string_value(j);
    if (!s)
        return err_set(e, PHASE_EINVAL, "%s: \"%s\" must be a string", what, key);
    size_t l = json_string_length(j);
    if (l >= cap || strlen(s) != l)
        return err_set(e, PHASE_EINVAL, "%s: \"%s\" is too long or holds a NUL (%zu bytes)",
                       what, key, l);
    memcpy(out, s, l + 1);
    return PHASE_OK;
}

static int get_u64(const json_t *o, const char *key, uint64_t *v, const char *what, err_t *e)
{
    if (!cjson_get_u64(json_object_get(o, key), v))
        return err_set(e, PHASE_EINVAL, "%s: \"%s\" must be an unsigned integer", what, key);
    return PHASE_OK;
}

/* ---- JobOffer ---- */

int phase_offer_parse(const uint8_t *p, size_t n, phase_offer_t *o, err_t *e)
{
    memset(o, 0, sizeof *o);
    if (n > PHASE_OFFER_MAX)
        return err_set(e, PHASE_EINVAL, "job offer: %zu bytes exceeds the %u byte cap", n,
                       PHASE_OFFER_MAX);
    err_t je = {0};
    json_t *j = cjson_parse((const char *)p, n, &je);
    if (!j)
        return err_set(e, PHASE_EINVAL, "job offer: %s", je.msg);
    int rc = PHASE_EINVAL;
    uint64_t cpu = 0;
    const json_t *req = json_object_get(j, "requirements");
    if (!json_is_object(j)) {
        err_set(e, PHASE_EINVAL, "job offer: not a JSON object");
        goto out;
    }
    if ((rc = get_str(j, "job_id", o->job_id, sizeof o->job_id, "job offer", e)) ||
        (rc = get_str(j, "nonce", o->nonce, sizeof o->nonce, "job offer", e)) ||
        (rc = get_str(j, "module_hash", o->module_hash, sizeof o->module_hash, "job offer", e)))
        goto out;
    if (!json_is_object(req)) {
        rc = err_set(e, PHASE_EINVAL, "job offer: \"requirements\" must be an object");
        goto out;
    }
    if ((rc = get_u64(req, "cpu_cores", &cpu, "job offer requirements", e)) ||
        (rc = get_u64(req, "memory_mb", &o->memory_mb, "job offer requirements", e)) ||
        (rc = get_u64(req, "timeout_seconds", &o->timeout_seconds, "job offer requirements",
                      e)) ||
        (rc = get_str(req, "arch", o->arch, sizeof o->arch, "job offer requirements", e)) ||
        (rc = get_str(req, "wasm_runtime", o->wasm_runtime, sizeof o->wasm_runtime,
                      "job offer requirements", e)))
        goto out;
    if (cpu > UINT32_MAX) {
        rc = err_set(e, PHASE_EINVAL, "job offer requirements: \"cpu_cores\" exceeds u32");
        goto out;
    }
    o->cpu_cores = (uint32_t)cpu;
    rc = PHASE_OK;
out:
    json_decref(j);
    return rc;
}

json_t *phase_offer_to_json(const phase_offer_t *o)
{
    json_t *req = json_pack("{s:I,s:o,s:o,s:s,s:s}", "cpu_cores", (json_int_t)o->cpu_cores,
                            "memory_mb", cjson_u64(o->memory_mb), "timeout_seconds",
                            cjson_u64(o->timeout_seconds), "arch", o->arch, "wasm_runtime",
                            o->wasm_runtime);
    if (!req)
        return NULL;
    return json_pack("{s:s,s:s,s:s,s:o}", "job_id", o->job_id, "nonce", o->nonce,
                     "module_hash", o->module_hash, "requirements", req);
}

static bool runtime_is_wasm(const char *rt)
{
    size_t l = strcspn(rt, "-");
    return (l == 8 && strncmp(rt, "wasmtime", 8) == 0) || (l == 4 && strncmp(rt, "wasm", 4) == 0) ||
           (l == 5 && strncmp(rt, "wasm3", 5) == 0);
}

static bool runtime_is_inference(const char *rt)
{
    size_t l = strcspn(rt, "-");
    static const char *const names[] = {"llama", "mlx", "ollama", "inference"};
    for (size_t i = 0; i < 4; i++)
        if (strlen(names[i]) == l && strncmp(rt, names[i], l) == 0)
            return true;
    return false;
}

void phase_offer_evaluate(const phase_offer_t *o, const phase_offer_caps_t *c, uint64_t now_s,
                          phase_offer_response_t *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->job_id, sizeof r->job_id, "%s", o->job_id);
    if (strcmp(o->arch, c->arch) != 0) {
        r->verdict = PHASE_REJECT_ARCH;
        snprintf(r->detail, sizeof r->detail, "%s", o->arch);
        snprintf(r->available, sizeof r->available, "%s", c->arch);
        return;
    }
    /* an inference runtime maps to a kind this node does not support: the
     * same answer as an unknown runtime */
    if (!runtime_is_wasm(o->wasm_runtime) || runtime_is_inference(o->wasm_runtime)) {
        r->verdict = PHASE_REJECT_RUNTIME;
        snprintf(r->detail, sizeof r->detail, "%s", o->wasm_runtime);
        return;
    }
    if (o->cpu_cores > c->cpu_count) {
        r->verdict = PHASE_REJECT_INSUFFICIENT;
        snprintf(r->detail, sizeof r->detail, "CPU: need %u, have %u", o->cpu_cores,
                 c->cpu_count);
        return;
    }
    if (o->memory_mb > c->memory_mb) {
        r->verdict = PHASE_REJECT_INSUFFICIENT;
        snprintf(r->detail, sizeof r->detail, "Memory: need %llu MB, have %llu MB",
                 (unsigned long long)o->memory_mb, (unsigned long long)c->memory_mb);
        return;
    }
    if (c->max_timeout_seconds && o->timeout_seconds > c->max_timeout_seconds) {
        r->verdict = PHASE_REJECT_INSUFFICIENT;
        snprintf(r->detail, sizeof r->detail, "Timeout: need %llu s, have %llu s",
                 (unsigned long long)o->timeout_seconds,
                 (unsigned long long)c->max_timeout_seconds);
        return;
    }
    if (c->queue_full) {
        r->verdict = PHASE_REJECT_QUEUE_FULL;
        return;
    }
    r->verdict = PHASE_OFFER_ACCEPTED;
    r->estimated_start = now_s;
    snprintf(r->node_peer_id, sizeof r->node_peer_id, "%s", c->peer_id);
}

json_t *phase_offer_response_to_json(const phase_offer_response_t *r)
{
    if (r->verdict == PHASE_OFFER_ACCEPTED)
        return json_pack("{s:{s:s,s:o,s:s}}", "Accepted", "job_id", r->job_id,
                         "estimated_start", cjson_u64(r->estimated_start), "node_peer_id",
                         r->node_peer_id);
    json_t *reason = NULL;
    switch (r->verdict) {
    case PHASE_REJECT_INSUFFICIENT:
        reason = json_pack("{s:{s:s}}", "InsufficientResources", "missing", r->detail);
        break;
    case PHASE_REJECT_ARCH:
        reason = json_pack("{s:{s:s,s:s}}", "ArchMismatch", "required", r->detail, "available",
                           r->available);
        break;
    case PHASE_REJECT_RUNTIME:
        reason = json_pack("{s:{s:s}}", "RuntimeNotSupported", "required", r->detail);
        break;
    case PHASE_REJECT_QUEUE_FULL:
        reason = json_string("QueueFull");
        break;
    default:
        reason = json_pack("{s:{s:s}}", "InvalidRequest", "details", r->detail);
        break;
    }
    if (!reason)
        return NULL;
    return json_pack("{s:{s:s,s:o}}", "Rejected", "job_id", r->job_id, "reason", reason);
}

int phase_offer_response_parse(const uint8_t *p, size_t n, phase_offer_response_t *r, err_t *e)
{
    memset(r, 0, sizeof *r);
    if (n > PHASE_OFFER_MAX)
        return err_set(e, PHASE_EINVAL, "job response: %zu bytes exceeds the cap", n);
    err_t je = {0};
    json_t *j = cjson_parse((const char *)p, n, &je);
    if (!j)
        return err_set(e, PHASE_EINVAL, "job response: %s", je.msg);
    int rc = PHASE_EINVAL;
    const char *what = "job response";
    json_t *acc = json_object_get(j, "Accepted"), *rej = json_object_get(j, "Rejected");
    if (!json_is_object(j) || json_object_size(j) != 1 || (!json_is_object(acc) && !json_is_object(rej))) {
        err_set(e, PHASE_EINVAL, "job response: expected {\"Accepted\":...} or {\"Rejected\":...}");
        goto out;
    }
    if (acc) {
        r->verdict = PHASE_OFFER_ACCEPTED;
        if ((rc = get_str(acc, "job_id", r->job_id, sizeof r->job_id, what, e)) ||
            (rc = get_u64(acc, "estimated_start", &r->estimated_start, what, e)) ||
            (rc = get_str(acc, "node_peer_id", r->node_peer_id, sizeof r->node_peer_id, what, e)))
            goto out;
        rc = PHASE_OK;
        goto out;
    }
    if ((rc = get_str(rej, "job_id", r->job_id, sizeof r->job_id, what, e)))
        goto out;
    rc = PHASE_EINVAL;
    const json_t *reason = json_object_get(rej, "reason");
    if (json_is_string(reason)) {
        if (strcmp(json_string_value(reason), "QueueFull") != 0) {
            err_set(e, PHASE_EINVAL, "job response: unknown reason \"%s\"",
                    json_string_value(reason));
            goto out;
        }
        r->verdict = PHASE_REJECT_QUEUE_FULL;
        rc = PHASE_OK;
        goto out;
    }
    if (!json_is_object(reason) || json_object_size(reason) != 1) {
        err_set(e, PHASE_EINVAL, "job response: malformed \"reason\"");
        goto out;
    }
    const char *k = json_object_iter_key(json_object_iter((json_t *)reason));
    const json_t *v = json_object_get(reason, k);
    if (!json_is_object(v)) {
        err_set(e, PHASE_EINVAL, "job response: reason %s is not an object", k);
        goto out;
    }
    if (strcmp(k, "InsufficientResources") == 0) {
        r->verdict = PHASE_REJECT_INSUFFICIENT;
        rc = get_str(v, "missing", r->detail, sizeof r->detail, what, e);
    } else if (strcmp(k, "ArchMismatch") == 0) {
        r->verdict = PHASE_REJECT_ARCH;
        if (!(rc = get_str(v, "required", r->detail, sizeof r->detail, what, e)))
            rc = get_str(v, "available", r->available, sizeof r->available, what, e);
    } else if (strcmp(k, "RuntimeNotSupported") == 0) {
        r->verdict = PHASE_REJECT_RUNTIME;
        rc = get_str(v, "required", r->detail, sizeof r->detail, what, e);
    } else if (strcmp(k, "InvalidRequest") == 0) {
        r->verdict = PHASE_REJECT_INVALID;
        rc = get_str(v, "details", r->detail, sizeof r->detail, what, e);
    } else {
        rc = err_set(e, PHASE_EINVAL, "job response: unknown reason %s", k);
    }
out:
    json_decref(j);
    return rc;
}

void phase_offer_reason_text(const phase_offer_response_t *r, char *out, size_t cap)
{
    switch (r->verdict) {
    case PHASE_OFFER_ACCEPTED:
        snprintf(out, cap, "Accepted");
        break;
    case PHASE_REJECT_INSUFFICIENT:
        snprintf(out, cap, "InsufficientResources: %s", r->detail);
        break;
    case PHASE_REJECT_ARCH:
        snprintf(out, cap, "ArchMismatch: required %s, available %s", r->detail, r->available);
        break;
    case PHASE_REJECT_RUNTIME:
        snprintf(out, cap, "RuntimeNotSupported: %s", r->detail);
        break;
    case PHASE_REJECT_QUEUE_FULL:
        snprintf(out, cap, "QueueFull");
        break;
    default:
        snprintf(out, cap, "InvalidRequest: %s", r->detail);
        break;
    }
}

/* ---- job relay (CBOR) ---- */

static int cbor_out(cbor_item_t *item, buf_t *out, err_t *e)
{
    if (!item)
        return err_set(e, BASE_ENOMEM, "job relay: out of memory");
    unsigned char *b = NULL;
    size_t cap = 0;
    size_t len = cbor_serialize_alloc(item, &b, &cap);
    cbor_decref(&item);
    if (!len) {
        free(b);
        return err_set(e, BASE_ENOMEM, "job relay: CBOR encoding failed");
    }
    int rc = buf_append(out, b, len);
    free(b);
    return rc ? err_set(e, BASE_ENOMEM, "job relay: out of memory") : PHASE_OK;
}

static bool map_put(cbor_item_t *map, const char *key, cbor_item_t *val)
{
    if (!val)
        return false;
    cbor_item_t *k = cbor_build_string(key);
    if (!k) {
        cbor_decref(&val);
        return false;
    }
    bool ok = cbor_map_add(map, (struct cbor_pair){.key = cbor_move(k), .value = cbor_move(val)});
    return ok;
}

int phase_relay_request_encode(const uint8_t *payload, size_t n, buf_t *out, err_t *e)
{
    cbor_item_t *m = cbor_new_definite_map(1);
    if (m && !map_put(m, "payload", cbor_build_bytestring(payload, n))) {
        cbor_decref(&m);
        m = NULL;
    }
    return cbor_out(m, out, e);
}

/* cbor_load allocates a definite array or map for the count its header
 * declares before reading the items, so 10 bytes could ask for gigabytes.
 * This walk over the item headers (libcbor's streaming decoder) refuses any
 * count larger than the bytes left: each element takes at least one. */
typedef struct cbor_guard {
    size_t left;
    bool bad;
} cbor_guard_t;

static void guard_array(void *ctx, size_t size)
{
    cbor_guard_t *g = ctx;
    if (size > g->left)
        g->bad = true;
}

static void guard_map(void *ctx, size_t size)
{
    cbor_guard_t *g = ctx;
    if (size > g->left / 2)
        g->bad = true;
}

static bool cbor_sizes_ok(const uint8_t *p, size_t n)
{
    struct cbor_callbacks cb = cbor_empty_callbacks;
    cb.array_start = guard_array;
    cb.map_start = guard_map;
    cbor_guard_t g = {0};
    size_t off = 0;
    while (off < n) {
        g.left = n - off;
        struct cbor_decoder_result r = cbor_stream_decode(p + off, n - off, &cb, &g);
        if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || g.bad)
            return false;
        off += r.read;
    }
    return true;
}

/* Loads exactly one CBOR item covering all of p. */
static cbor_item_t *cbor_whole(const uint8_t *p, size_t n, const char *what, err_t *e)
{
    struct cbor_load_result res;
    if (!cbor_sizes_ok(p, n)) {
        err_set(e, PHASE_EINVAL, "%s: malformed CBOR (a truncated item or a count larger "
                "than the bytes that follow)", what);
        return NULL;
    }
    cbor_item_t *it = cbor_load(p, n, &res);
    if (!it || res.error.code != CBOR_ERR_NONE) {
        if (it)
            cbor_decref(&it);
        err_set(e, PHASE_EINVAL, "%s: malformed CBOR at offset %zu (error %d)", what,
                res.error.position, (int)res.error.code);
        return NULL;
    }
    if (res.read != n) {
        cbor_decref(&it);
        err_set(e, PHASE_EINVAL, "%s: %zu trailing bytes after the CBOR item", what, n - res.read);
        return NULL;
    }
    return it;
}

static bool key_is(const cbor_item_t *k, const char *s)
{
    size_t l = strlen(s);
    return cbor_isa_string(k) && cbor_string_is_definite(k) && cbor_string_length(k) == l &&
           memcmp(cbor_string_handle(k), s, l) == 0;
}

/* The value under key in a map with text keys, or NULL. */
static cbor_item_t *map_get(const cbor_item_t *m, const char *key)
{
    if (!cbor_isa_map(m))
        return NULL;
    struct cbor_pair *pairs = cbor_map_handle(m);
    for (size_t i = 0; i < cbor_map_size(m); i++)
        if (key_is(pairs[i].key, key))
            return pairs[i].value;
    return NULL;
}

/* A definite byte string, or (serde also accepts it) an array of u8. */
static int get_bytes(const cbor_item_t *v, const char *what, const char *field, uint8_t **out,
                     size_t *len, err_t *e)
{
    *out = NULL;
    *len = 0;
    if (v && cbor_isa_bytestring(v) && cbor_bytestring_is_definite(v)) {
        size_t l = cbor_bytestring_length(v);
        *out = malloc(l ? l : 1);
        if (!*out)
            return err_set(e, BASE_ENOMEM, "%s: out of memory", what);
        if (l)
            memcpy(*out, cbor_bytestring_handle(v), l);
        *len = l;
        return PHASE_OK;
    }
    return err_set(e, PHASE_EINVAL, "%s: \"%s\" must be a definite CBOR byte string", what, field);
}

int phase_relay_request_decode(const uint8_t *p, size_t n, uint8_t **payload,
                               size_t *payload_len, err_t *e)
{
    *payload = NULL;
    *payload_len = 0;
    if (n > PHASE_RELAY_REQ_MAX)
        return err_set(e, PHASE_EINVAL, "job relay request: %zu bytes exceeds the %u byte cap",
                       n, PHASE_RELAY_REQ_MAX);
    cbor_item_t *it = cbor_whole(p, n, "job relay request", e);
    if (!it)
        return PHASE_EINVAL;
    int rc;
    if (!cbor_isa_map(it))
        rc = err_set(e, PHASE_EINVAL, "job relay request: expected a map {\"payload\": bytes}");
    else
        rc = get_bytes(map_get(it, "payload"), "job relay request", "payload", payload,
                       payload_len, e);
    cbor_decref(&it);
    return rc;
}

int phase_relay_response_encode(const phase_relay_response_t *r, buf_t *out, err_t *e)
{
    cbor_item_t *outer = cbor_new_definite_map(1);
    cbor_item_t *inner = cbor_new_definite_map(r->ok ? 2 : 1);
    bool ok = outer && inner;
    if (ok && r->ok)
        ok = map_put(inner, "events", cbor_build_bytestring(r->events, r->events_len)) &&
             map_put(inner, "receipt", cbor_build_bytestring(r->receipt, r->receipt_len));
    else if (ok)
        ok = map_put(inner, "reason", cbor_build_string(r->reason ? r->reason : ""));
    if (ok) {
        ok = map_put(outer, r->ok ? "Ok" : "Err", inner);
        inner = NULL;
    }
    if (inner)
        cbor_decref(&inner);
    if (!ok && outer) {
        cbor_decref(&outer);
        outer = NULL;
    }
    return cbor_out(outer, out, e);
}

int phase_relay_response_decode(const uint8_t *p, size_t n, phase_relay_response_t *r, err_t *e)
{
    memset(r, 0, sizeof *r);
    const char *what = "job relay response";
    if (n > PHASE_RELAY_RESP_MAX)
        return err_set(e, PHASE_EINVAL, "%s: %zu bytes exceeds the %u byte cap", what, n,
                       PHASE_RELAY_RESP_MAX);
    cbor_item_t *it = cbor_whole(p, n, what, e);
    if (!it)
        return PHASE_EINVAL;
    int rc = PHASE_EINVAL;
    cbor_item_t *okv = map_get(it, "Ok"), *errv = map_get(it, "Err");
    if (!cbor_isa_map(it) || cbor_map_size(it) != 1 || (!okv && !errv)) {
        err_set(e, PHASE_EINVAL, "%s: expected {\"Ok\":...} or {\"Err\":...}", what);
        goto out;
    }
    if (okv) {
        r->ok = true;
        if ((rc = get_bytes(map_get(okv, "events"), what, "events", &r->events, &r->events_len,
                            e)))
            goto out;
        cbor_item_t *rv = map_get(okv, "receipt");
        if (rv && (rc = get_bytes(rv, what, "receipt", &r->receipt, &r->receipt_len, e)))
            goto out;
        rc = PHASE_OK;
        goto out;
    }
    cbor_item_t *reason = map_get(errv, "reason");
    if (!reason || !cbor_isa_string(reason) || !cbor_string_is_definite(reason)) {
        err_set(e, PHASE_EINVAL, "%s: Err without a \"reason\" string", what);
        goto out;
    }
    size_t l = cbor_string_length(reason);
    r->reason = malloc(l + 1);
    if (!r->reason) {
        rc = err_set(e, BASE_ENOMEM, "%s: out of memory", what);
        goto out;
    }
    memcpy(r->reason, cbor_string_handle(reason), l);
    r->reason[l] = 0;
    for (size_t i = 0; i < l; i++)
        if ((unsigned char)r->reason[i] < 0x20)
            r->reason[i] = '?'; /* never print a peer's control characters */
    rc = PHASE_OK;
out:
    if (rc)
        phase_relay_response_free(r);
    cbor_decref(&it);
    return rc;
}

void phase_relay_response_free(phase_relay_response_t *r)
{
    if (!r)
        return;
    free(r->events);
    free(r->receipt);
    free(r->reason);
    memset(r, 0, sizeof *r);
}

/* ---- capability records ---- */

static json_t *caps_json(const phase_capabilities_t *c)
{
    json_t *addrs = json_array();
    for (size_t i = 0; i < c->n_addrs && addrs; i++)
        json_array_append_new(addrs, json_string(c->addrs[i]));
    json_t *limits = json_pack("{s:o,s:o,s:o}", "max_memory_bytes", cjson_u64(c->max_memory_bytes),
                               "max_timeout_seconds", cjson_u64(c->max_timeout_seconds),
                               "max_fuel", cjson_u64(c->max_fuel));
    return json_pack("{s:s,s:I,s:o,s:[s],s:n,s:n,s:I,s:o,s:I,s:I,s:I,s:o,s:o,s:s,s:o}", "arch",
                     c->arch, "cpu_count", (json_int_t)c->cpu_count, "memory_mb",
                     cjson_u64(c->memory_mb), "supported_kinds", "wasm",
                     "measured_latency_bucket", "measured_bandwidth_bucket",
                     "current_concurrency", (json_int_t)c->current_concurrency,
                     "last_measured_at", cjson_u64((uint64_t)ts_now().sec),
                     "max_concurrent_jobs", (json_int_t)c->max_concurrent_jobs, "queue_depth",
                     (json_int_t)c->queue_depth, "queue_max", (json_int_t)c->queue_max, "limits",
                     limits, "price_per_fuel", cjson_u64(c->price_per_fuel), "engine_version",
                     c->engine_version, "addrs", addrs);
}

static int cap_message(const json_t *unsigned_obj, buf_t *msg, err_t *e)
{
    buf_init(msg, 0);
    buf_append_str(msg, PHASE_CAP_DOMAIN);
    int rc = cjson_encode(unsigned_obj, msg, e);
    if (rc == 0 && !buf_ok(msg))
        rc = err_set(e, BASE_ENOMEM, "capability record: out of memory");
    return rc;
}

int phase_cap_record_sign(const phase_capabilities_t *c, const phase_identity_t *id, buf_t *out,
                          err_t *e)
{
    char exp[TS_STR_MAX], pid[PHASE_PEER_ID_MAX];
    if (ts_format(c->expires_at, exp) < 0)
        return err_set(e, PHASE_EINVAL, "capability record: bad expiry");
    phase_peer_id(id->pk, pid);
    json_t *caps = caps_json(c);
    if (!caps)
        return err_set(e, BASE_ENOMEM, "capability record: out of memory");
    json_t *o = json_pack("{s:o,s:s,s:s}", "capabilities", caps, "expires_at", exp, "peer_id", pid);
    if (!o)
        return err_set(e, BASE_ENOMEM, "capability record: out of memory");
    buf_t msg;
    int rc = cap_message(o, &msg, e);
    if (rc == 0) {
        uint8_t sig[PHASE_SIG_BYTES];
        char hex[2 * PHASE_SIG_BYTES + 1];
        crypto_ed25519_sign(id->sk, msg.data, msg.len, sig);
        hex_encode(sig, sizeof sig, hex);
        json_object_set_new(o, "signature", json_string(hex));
        rc = cjson_encode(o, out, e);
    }
    buf_free(&msg);
    json_decref(o);
    return rc;
}

static int caps_from_json(const json_t *c, phase_capabilities_t *out, err_t *e)
{
    const char *w = "capability record";
    uint64_t v;
    int rc;
    if (!json_is_object(c))
        return err_set(e, PHASE_EINVAL, "%s: \"capabilities\" must be an object", w);
    if ((rc = get_str(c, "arch", out->arch, sizeof out->arch, w, e)) ||
        (rc = get_str(c, "engine_version", out->engine_version, sizeof out->engine_version, w,
                      e)))
        return rc;
#define U32F(name, field)                                                              \
    do {                                                                               \
        if ((rc = get_u64(c, name, &v, w, e)))                                         \
            return rc;                                                                 \
        if (v > UINT32_MAX)                                                            \
            return err_set(e, PHASE_EINVAL, "%s: \"%s\" exceeds u32", w, name);        \
        out->field = (uint32_t)v;                                                      \
    } while (0)
    U32F("cpu_count", cpu_count);
    U32F("current_concurrency", current_concurrency);
    U32F("max_concurrent_jobs", max_concurrent_jobs);
    U32F("queue_depth", queue_depth);
    U32F("queue_max", queue_max);
#undef U32F
    if ((rc = get_u64(c, "memory_mb", &out->memory_mb, w, e)) ||
        (rc = get_u64(c, "price_per_fuel", &out->price_per_fuel, w, e)))
        return rc;
    const json_t *l = json_object_get(c, "limits");
    if (!json_is_object(l))
        return err_set(e, PHASE_EINVAL, "%s: \"limits\" must be an object", w);
    if ((rc = get_u64(l, "max_memory_bytes", &out->max_memory_bytes, w, e)) ||
        (rc = get_u64(l, "max_timeout_seconds", &out->max_timeout_seconds, w, e)) ||
        (rc = get_u64(l, "max_fuel", &out->max_fuel, w, e)))
        return rc;
    const json_t *a = json_object_get(c, "addrs");
    if (!json_is_array(a))
        return err_set(e, PHASE_EINVAL, "%s: \"addrs\" must be an array", w);
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x)
    {
        if (out->n_addrs == 4)
            break;
        const char *s = json_string_value(x);
        if (!s || json_string_length(x) >= sizeof out->addrs[0])
            return err_set(e, PHASE_EINVAL, "%s: bad address %zu", w, i);
        snprintf(out->addrs[out->n_addrs++], sizeof out->addrs[0], "%s", s);
    }
    return PHASE_OK;
}

int phase_cap_record_verify(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
                            ts_t now, phase_capabilities_t *out, err_t *e)
{
    phase_capabilities_t tmp;
    if (!out)
        out = &tmp;
    memset(out, 0, sizeof *out);
    const char *w = "capability record";
    if (vn > 16384)
        return err_set(e, PHASE_EINVAL, "%s: %zu bytes exceeds the 16 KiB cap", w, vn);
    err_t je = {0};
    json_t *j = cjson_parse((const char *)val, vn, &je);
    if (!j)
        return err_set(e, PHASE_EINVAL, "%s: %s", w, je.msg);
    int rc;
    char sighex[2 * PHASE_SIG_BYTES + 2], exp[TS_STR_MAX];
    uint8_t sig[PHASE_SIG_BYTES], pk[PHASE_PK_BYTES];
    ts_t expires;
    buf_t msg;
    buf_init(&msg, 0);
    if (!json_is_object(j) || json_object_size(j) != 4) {
        rc = err_set(e, PHASE_EINVAL, "%s: expected {capabilities, expires_at, peer_id, signature}",
                     w);
        goto out;
    }
    if ((rc = get_str(j, "peer_id", out->peer_id, sizeof out->peer_id, w, e)) ||
        (rc = get_str(j, "signature", sighex, sizeof sighex, w, e)) ||
        (rc = get_str(j, "expires_at", exp, sizeof exp, w, e)))
        goto out;
    if (ts_parse(exp, strlen(exp), &expires, NULL) != 0) {
        rc = err_set(e, PHASE_EINVAL, "%s: bad expires_at \"%s\"", w, exp);
        goto out;
    }
    p2p_peer_id_t pid;
    err_t pe = {0};
    if (p2p_peer_id_parse(out->peer_id, &pid, &pe) || p2p_peer_id_pubkey(&pid, pk, &pe)) {
        rc = err_set(e, PHASE_EBADKEY, "%s: peer_id: %s", w, pe.msg);
        goto out;
    }
    if (key) {
        size_t nl = strlen(PHASE_CAP_NS), pl = strlen(out->peer_id);
        if (kn != nl + pl || memcmp(key, PHASE_CAP_NS, nl) != 0 ||
            memcmp(key + nl, out->peer_id, pl) != 0) {
            rc = err_set(e, PHASE_EMISMATCH, "%s: key does not name the signer %s", w,
                         out->peer_id);
            goto out;
        }
    }
    if (phase_hex_key(sighex, sig, sizeof sig, NULL) != 0) {
        rc = err_set(e, PHASE_EBADSIG, "%s: signature is not 128 hex digits", w);
        goto out;
    }
    json_t *u = json_deep_copy(j);
    json_object_del(u, "signature");
    rc = cap_message(u, &msg, e);
    json_decref(u);
    if (rc)
        goto out;
    if (crypto_ed25519_verify(pk, msg.data, msg.len, sig) != 0) {
        rc = err_set(e, PHASE_EBADSIG, "%s: signature does not verify for %s", w, out->peer_id);
        goto out;
    }
    if (now.sec > expires.sec || (now.sec == expires.sec && now.nsec > expires.nsec)) {
        rc = err_set(e, PHASE_EEXPIRED, "%s: expired at %s", w, exp);
        goto out;
    }
    out->expires_at = expires;
    char pidsave[sizeof out->peer_id];
    memcpy(pidsave, out->peer_id, sizeof pidsave);
    rc = caps_from_json(json_object_get(j, "capabilities"), out, e);
    memcpy(out->peer_id, pidsave, sizeof pidsave);
out:
    buf_free(&msg);
    json_decref(j);
    return rc;
}

int phase_cap_validator(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn, err_t *e)
{
    return phase_cap_record_verify(key, kn, val, vn, ts_now(), NULL, e);
}

/* ---- /phase/job/1.0.0 frames ---- */

int phase_frame_append(buf_t *out, uint8_t type, const void *body, size_t n)
{
    uint8_t hdr[10];
    size_t hl = uvarint_encode((uint64_t)n + 1, hdr);
    if (buf_append(out, hdr, hl) || buf_append_byte(out, type) || (n && buf_append(out, body, n)))
        return BASE_ENOMEM;
    return PHASE_OK;
}

int phase_frame_next(const uint8_t *p, size_t n, uint8_t *type, const uint8_t **body,
                     size_t *body_len, size_t *used, err_t *e)
{
    uint64_t len = 0;
    int k = uvarint_decode(p, n, &len, NULL);
    if (k == BASE_ETRUNC)
        return n >= 10 ? err_set(e, PHASE_EINVAL, "frame: length prefix too long") : 0;
    if (k < 0)
        return err_set(e, PHASE_EINVAL, "frame: bad length prefix");
    if (len == 0 || len > PHASE_FRAME_MAX)
        return err_set(e, PHASE_EINVAL, "frame: length %llu outside 1..%u",
                       (unsigned long long)len, PHASE_FRAME_MAX);
    if (n - (size_t)k < len)
        return 0;
    *type = p[k];
    *body = p + k + 1;
    *body_len = (size_t)len - 1;
    *used = (size_t)k + (size_t)len;
    return 1;
}
