/*
 * phase/envelope: the two signed v1 envelopes of upstream Phase,
 * SignedManifest<T> (reference §2.3) and SignedReceipt<T> (§2.4).
 *
 * Both sign DOMAIN || canonical_json(envelope minus key and signature). The
 * payload or result is kept as a parsed JSON value, exactly as serde_json's
 * Value would be, so envelopes of any payload type verify. Timestamps are
 * held as ts_t and re-formatted the way chrono prints them whenever the
 * signing message is rebuilt (§2.5 rule 4).
 *
 * Parsing is as lenient as serde's derive is (unknown fields ignored), and as
 * strict (every required field present with its type). Verification errors
 * follow upstream's order: schema -> public key -> signature -> expiry.
 */
#include "phase.h"

#include "crypto/crypto.h"

#include <stdlib.h>
#include <string.h>

int phase_hex_key(const char *hex, uint8_t *out, size_t n, err_t *e)
{
    return hex_decode(hex, strlen(hex), out, n, e);
}

/* ---- field helpers ------------------------------------------------------- */

static int get_u32(const json_t *obj, const char *what, const char *key, uint32_t *out, err_t *e)
{
    const json_t *v = json_object_get(obj, key);
    uint64_t u;
    if (!v)
        return err_set(e, PHASE_EINVAL, "%s: missing field \"%s\"", what, key);
    if (!cjson_get_u64(v, &u) || u > UINT32_MAX)
        return err_set(e, PHASE_EINVAL, "%s: \"%s\" must be an integer 0..4294967295", what, key);
    *out = (uint32_t)u;
    return PHASE_OK;
}

static int get_str(const json_t *obj, const char *what, const char *key, char **out, err_t *e)
{
    const json_t *v = json_object_get(obj, key);
    if (!v)
        return err_set(e, PHASE_EINVAL, "%s: missing field \"%s\"", what, key);
    if (!json_is_string(v))
        return err_set(e, PHASE_EINVAL, "%s: \"%s\" must be a string", what, key);
    *out = strdup(json_string_value(v));
    if (!*out)
        return err_set(e, BASE_ENOMEM, "%s: out of memory", what);
    return PHASE_OK;
}

static int get_ts(const json_t *obj, const char *what, const char *key, ts_t *out, err_t *e)
{
    const json_t *v = json_object_get(obj, key);
    if (!v)
        return err_set(e, PHASE_EINVAL, "%s: missing field \"%s\"", what, key);
    if (!json_is_string(v))
        return err_set(e, PHASE_EINVAL, "%s: \"%s\" must be an RFC 3339 string", what, key);
    err_t te = {0};
    if (ts_parse(json_string_value(v), json_string_length(v), out, &te) != BASE_OK)
        return err_set(e, PHASE_EINVAL, "%s: \"%s\": %s", what, key, te.msg);
    char tmp[TS_STR_MAX];
    if (ts_format(*out, tmp) < 0)
        return err_set(e, PHASE_EINVAL, "%s: \"%s\" is outside years 0..9999", what, key);
    return PHASE_OK;
}

static int set_ts(json_t *obj, const char *key, ts_t t, err_t *e)
{
    char s[TS_STR_MAX];
    if (ts_format(t, s) < 0)
        return err_set(e, PHASE_EINVAL, "timestamp outside years 0..9999");
    if (json_object_set_new(obj, key, json_string(s)) != 0)
        return err_set(e, BASE_ENOMEM, "out of memory");
    return PHASE_OK;
}

static json_t *parse_object(const char *json, size_t n, const char *what, err_t *e)
{
    err_t pe = {0};
    json_t *j = cjson_parse(json, n, &pe);
    if (!j) {
        err_set(e, PHASE_EINVAL, "%s: %s", what, pe.msg);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        err_set(e, PHASE_EINVAL, "%s: expected a JSON object", what);
        return NULL;
    }
    return j;
}

/* Appends DOMAIN || canonical JSON of obj to out. */
static int encode_message(const char *domain, const json_t *obj, buf_t *out, err_t *e)
{
    if (buf_append_str(out, domain) != BASE_OK)
        return err_set(e, BASE_ENOMEM, "out of memory");
    err_t ce = {0};
    if (cjson_encode(obj, out, &ce) != BASE_OK)
        return err_set(e, PHASE_EINVAL, "canonical JSON: %s", ce.msg);
    return PHASE_OK;
}

/* Steps 2-4 of upstream verify: key, signature hex, Ed25519. */
static int check_sig(const char *what, const char *pk_hex, const char *sig_hex,
                     const uint8_t *pinned, const buf_t *msg, err_t *e)
{
    uint8_t pk[PHASE_PK_BYTES], sig[PHASE_SIG_BYTES];
    err_t he = {0};
    if (phase_hex_key(pk_hex, pk, sizeof pk, &he) != BASE_OK)
        return err_set(e, PHASE_EBADKEY, "%s: bad public key: %s", what, he.msg);
    if (!crypto_ed25519_pk_valid(pk))
        return err_set(e, PHASE_EBADKEY, "%s: bad public key: not a valid Ed25519 point", what);
    if (pinned && !crypto_equal(pk, pinned, PHASE_PK_BYTES)) {
        char want[2 * PHASE_PK_BYTES + 1];
        hex_encode(pinned, PHASE_PK_BYTES, want);
        return err_set(e, PHASE_EMISMATCH, "%s: signed by %s, not by the pinned key %s", what,
                       pk_hex, want);
    }
    if (phase_hex_key(sig_hex, sig, sizeof sig, &he) != BASE_OK)
        return err_set(e, PHASE_EBADSIG, "%s: bad signature: %s", what, he.msg);
    if (crypto_ed25519_verify(pk, msg->data, msg->len, sig) != CRYPTO_OK)
        return err_set(e, PHASE_EBADSIG, "%s: bad signature: does not verify", what);
    return PHASE_OK;
}

static int check_schema(const char *what, uint32_t v, err_t *e)
{
    if (v > PHASE_SCHEMA_VERSION)
        return err_set(e, PHASE_ESCHEMA, "%s: unsupported schema version %u (supported: %d)", what,
                       v, PHASE_SCHEMA_VERSION);
    return PHASE_OK;
}

static char *hex_dup(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (s)
        hex_encode(p, n, s);
    return s;
}

static char *encode_wire(json_t *obj, err_t *e)
{
    if (!obj) {
        err_set(e, BASE_ENOMEM, "out of memory");
        return NULL;
    }
    err_t ce = {0};
    char *s = cjson_encode_str(obj, &ce);
    json_decref(obj);
    if (!s)
        err_set(e, PHASE_EINVAL, "canonical JSON: %s", ce.msg);
    return s;
}

/* ---- SignedManifest ------------------------------------------------------ */

void phase_manifest_free(phase_manifest_t *m)
{
    if (!m)
        return;
    json_decref(m->payload);
    free(m->signer_pubkey);
    free(m->signature);
    memset(m, 0, sizeof *m);
}

static json_t *manifest_signed_fields(const phase_manifest_t *m, err_t *e)
{
    json_t *o = json_object();
    if (!o) {
        err_set(e, BASE_ENOMEM, "manifest: out of memory");
        return NULL;
    }
    if (set_ts(o, "created_at", m->created_at, e) != PHASE_OK ||
        (m->has_expires && set_ts(o, "expires_at", m->expires_at, e) != PHASE_OK))
        goto fail;
    if (json_object_set(o, "payload", m->payload) != 0 ||
        json_object_set_new(o, "schema_version", json_integer(m->schema_version)) != 0) {
        err_set(e, BASE_ENOMEM, "manifest: out of memory");
        goto fail;
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

int phase_manifest_signing_message(const phase_manifest_t *m, buf_t *out, err_t *e)
{
    json_t *o = manifest_signed_fields(m, e);
    if (!o)
        return e ? e->code : PHASE_EINVAL;
    int rc = encode_message(PHASE_MANIFEST_DOMAIN, o, out, e);
    json_decref(o);
    return rc;
}

int phase_manifest_sign(const json_t *payload, const phase_identity_t *id, ts_t created_at,
                        const ts_t *expires_at, phase_manifest_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    out->schema_version = PHASE_SCHEMA_VERSION;
    out->payload = json_incref((json_t *)payload);
    out->created_at = created_at;
    if (expires_at) {
        out->has_expires = true;
        out->expires_at = *expires_at;
    }
    buf_t msg;
    buf_init(&msg, 0);
    int rc = phase_manifest_signing_message(out, &msg, e);
    if (rc == PHASE_OK) {
        uint8_t sig[PHASE_SIG_BYTES];
        crypto_ed25519_sign(id->sk, msg.data, msg.len, sig);
        out->signer_pubkey = hex_dup(id->pk, PHASE_PK_BYTES);
        out->signature = hex_dup(sig, sizeof sig);
        if (!out->signer_pubkey || !out->signature)
            rc = err_set(e, BASE_ENOMEM, "manifest: out of memory");
    }
    buf_free(&msg);
    if (rc != PHASE_OK)
        phase_manifest_free(out);
    return rc;
}

int phase_manifest_parse(const char *json, size_t n, phase_manifest_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    json_t *j = parse_object(json, n, "manifest", e);
    if (!j)
        return e ? e->code : PHASE_EINVAL;
    int rc;
    const json_t *payload = json_object_get(j, "payload");
    if (!payload) {
        rc = err_set(e, PHASE_EINVAL, "manifest: missing field \"payload\"");
        goto fail;
    }
    out->payload = json_incref((json_t *)payload);
    if ((rc = get_u32(j, "manifest", "schema_version", &out->schema_version, e)) != PHASE_OK ||
        (rc = get_str(j, "manifest", "signer_pubkey", &out->signer_pubkey, e)) != PHASE_OK ||
        (rc = get_str(j, "manifest", "signature", &out->signature, e)) != PHASE_OK ||
        (rc = get_ts(j, "manifest", "created_at", &out->created_at, e)) != PHASE_OK)
        goto fail;
    const json_t *exp = json_object_get(j, "expires_at");
    if (exp && !json_is_null(exp)) {
        if ((rc = get_ts(j, "manifest", "expires_at", &out->expires_at, e)) != PHASE_OK)
            goto fail;
        out->has_expires = true;
    }
    json_decref(j);
    return PHASE_OK;
fail:
    json_decref(j);
    phase_manifest_free(out);
    return rc;
}

int phase_manifest_verify(const phase_manifest_t *m, ts_t now, err_t *e)
{
    int rc = check_schema("manifest", m->schema_version, e);
    if (rc != PHASE_OK)
        return rc;
    buf_t msg;
    buf_init(&msg, 0);
    rc = phase_manifest_signing_message(m, &msg, e);
    if (rc == PHASE_OK)
        rc = check_sig("manifest", m->signer_pubkey, m->signature, NULL, &msg, e);
    buf_free(&msg);
    if (rc != PHASE_OK)
        return rc;
    if (m->has_expires && (now.sec > m->expires_at.sec ||
                           (now.sec == m->expires_at.sec && now.nsec > m->expires_at.nsec))) {
        char s[TS_STR_MAX];
        ts_format(m->expires_at, s);
        return err_set(e, PHASE_EEXPIRED, "manifest: expired at %s", s);
    }
    return PHASE_OK;
}

int phase_manifest_hash(const phase_manifest_t *m, uint8_t out[PHASE_HASH_BYTES], err_t *e)
{
    buf_t msg;
    buf_init(&msg, 0);
    int rc = phase_manifest_signing_message(m, &msg, e);
    if (rc == PHASE_OK)
        crypto_sha256(msg.data, msg.len, out);
    buf_free(&msg);
    return rc;
}

char *phase_manifest_to_json(const phase_manifest_t *m, err_t *e)
{
    json_t *o = manifest_signed_fields(m, e);
    if (!o)
        return NULL;
    if (json_object_set_new(o, "signer_pubkey", json_string(m->signer_pubkey)) != 0 ||
        json_object_set_new(o, "signature", json_string(m->signature)) != 0) {
        json_decref(o);
        err_set(e, BASE_ENOMEM, "manifest: out of memory");
        return NULL;
    }
    return encode_wire(o, e);
}

/* ---- SignedReceipt --------------------------------------------------------- */

void phase_receipt_free(phase_receipt_t *r)
{
    if (!r)
        return;
    json_decref(r->result);
    free(r->job_id);
    free(r->worker_pubkey);
    free(r->signature);
    memset(r, 0, sizeof *r);
}

bool phase_json_is_v1_receipt(const json_t *j)
{
    return json_is_object(j) && json_object_get(j, "schema_version") &&
           json_object_get(j, "result");
}

static json_t *receipt_signed_fields(const phase_receipt_t *r, err_t *e)
{
    json_t *o = json_object();
    if (!o) {
        err_set(e, BASE_ENOMEM, "receipt: out of memory");
        return NULL;
    }
    if (set_ts(o, "completed_at", r->completed_at, e) != PHASE_OK)
        goto fail;
    if (json_object_set_new(o, "job_id", json_string(r->job_id)) != 0 ||
        json_object_set(o, "result", r->result) != 0 ||
        json_object_set_new(o, "schema_version", json_integer(r->schema_version)) != 0) {
        err_set(e, BASE_ENOMEM, "receipt: out of memory");
        goto fail;
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

int phase_receipt_signing_message(const phase_receipt_t *r, buf_t *out, err_t *e)
{
    json_t *o = receipt_signed_fields(r, e);
    if (!o)
        return e ? e->code : PHASE_EINVAL;
    int rc = encode_message(PHASE_RECEIPT_DOMAIN, o, out, e);
    json_decref(o);
    return rc;
}

int phase_receipt_sign(const json_t *result, const uint8_t job_id[PHASE_HASH_BYTES],
                       const phase_identity_t *id, ts_t completed_at, phase_receipt_t *out,
                       err_t *e)
{
    memset(out, 0, sizeof *out);
    out->schema_version = PHASE_SCHEMA_VERSION;
    out->result = json_incref((json_t *)result);
    out->completed_at = completed_at;
    out->job_id = hex_dup(job_id, PHASE_HASH_BYTES);
    if (!out->job_id) {
        phase_receipt_free(out);
        return err_set(e, BASE_ENOMEM, "receipt: out of memory");
    }
    buf_t msg;
    buf_init(&msg, 0);
    int rc = phase_receipt_signing_message(out, &msg, e);
    if (rc == PHASE_OK) {
        uint8_t sig[PHASE_SIG_BYTES];
        crypto_ed25519_sign(id->sk, msg.data, msg.len, sig);
        out->worker_pubkey = hex_dup(id->pk, PHASE_PK_BYTES);
        out->signature = hex_dup(sig, sizeof sig);
        if (!out->worker_pubkey || !out->signature)
            rc = err_set(e, BASE_ENOMEM, "receipt: out of memory");
    }
    buf_free(&msg);
    if (rc != PHASE_OK)
        phase_receipt_free(out);
    return rc;
}

int phase_receipt_parse(const char *json, size_t n, phase_receipt_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    json_t *j = parse_object(json, n, "receipt", e);
    if (!j)
        return e ? e->code : PHASE_EINVAL;
    int rc;
    const json_t *result = json_object_get(j, "result");
    if (!result) {
        rc = err_set(e, PHASE_EINVAL, "receipt: missing field \"result\"");
        goto fail;
    }
    out->result = json_incref((json_t *)result);
    if ((rc = get_u32(j, "receipt", "schema_version", &out->schema_version, e)) != PHASE_OK ||
        (rc = get_str(j, "receipt", "job_id", &out->job_id, e)) != PHASE_OK ||
        (rc = get_str(j, "receipt", "worker_pubkey", &out->worker_pubkey, e)) != PHASE_OK ||
        (rc = get_str(j, "receipt", "signature", &out->signature, e)) != PHASE_OK ||
        (rc = get_ts(j, "receipt", "completed_at", &out->completed_at, e)) != PHASE_OK)
        goto fail;
    json_decref(j);
    return PHASE_OK;
fail:
    json_decref(j);
    phase_receipt_free(out);
    return rc;
}

int phase_receipt_verify(const phase_receipt_t *r, const uint8_t *pinned, err_t *e)
{
    int rc = check_schema("receipt", r->schema_version, e);
    if (rc != PHASE_OK)
        return rc;
    buf_t msg;
    buf_init(&msg, 0);
    rc = phase_receipt_signing_message(r, &msg, e);
    if (rc == PHASE_OK)
        rc = check_sig("receipt", r->worker_pubkey, r->signature, pinned, &msg, e);
    buf_free(&msg);
    return rc;
}

int phase_receipt_job_id_bytes(const phase_receipt_t *r, uint8_t out[PHASE_HASH_BYTES], err_t *e)
{
    err_t he = {0};
    if (phase_hex_key(r->job_id, out, PHASE_HASH_BYTES, &he) != BASE_OK)
        return err_set(e, PHASE_EINVAL, "receipt: job_id: %s", he.msg);
    return PHASE_OK;
}

char *phase_receipt_to_json(const phase_receipt_t *r, err_t *e)
{
    json_t *o = receipt_signed_fields(r, e);
    if (!o)
        return NULL;
    if (json_object_set_new(o, "worker_pubkey", json_string(r->worker_pubkey)) != 0 ||
        json_object_set_new(o, "signature", json_string(r->signature)) != 0) {
        json_decref(o);
        err_set(e, BASE_ENOMEM, "receipt: out of memory");
        return NULL;
    }
    return encode_wire(o, e);
}
