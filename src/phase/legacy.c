/*
 * phase/legacy: the v0.1 receipt of upstream's `plasmd execute-job`
 * (reference §2.2). Ed25519 over the 32-byte SHA-256 of
 * "version|module_hash|exit_code|wall_time_ms|timestamp". Read and verify
 * only, plus signing for execute-job's output; nothing trusts it by default
 * (SEC-03), so `plasmd verify` labels it as legacy.
 */
#include "phase.h"

#include "crypto/crypto.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool valid_version(const char *v)
{
    /* ^\d+\.\d+$ */
    size_t i = 0, a = 0, b = 0;
    while (v[i] >= '0' && v[i] <= '9')
        i++, a++;
    if (a == 0 || v[i] != '.')
        return false;
    i++;
    while (v[i] >= '0' && v[i] <= '9')
        i++, b++;
    return b > 0 && v[i] == '\0';
}

static bool valid_module_hash(const char *h)
{
    if (strncmp(h, "sha256:", 7) != 0 || strlen(h) != PHASE_MODULE_HASH_LEN)
        return false;
    for (const char *p = h + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

static int digest(const phase_legacy_receipt_t *r, uint8_t out[32], err_t *e)
{
    char msg[256];
    int n = snprintf(msg, sizeof msg, "%s|%s|%u|%llu|%llu", r->version, r->module_hash,
                     r->exit_code, (unsigned long long)r->wall_time_ms,
                     (unsigned long long)r->timestamp);
    if (n < 0 || (size_t)n >= sizeof msg)
        return err_set(e, PHASE_EINVAL, "legacy receipt: fields too long");
    crypto_sha256(msg, (size_t)n, out);
    return PHASE_OK;
}

int phase_legacy_sign(phase_legacy_receipt_t *r, const phase_identity_t *id, err_t *e)
{
    if (!valid_version(r->version) || !valid_module_hash(r->module_hash))
        return err_set(e, PHASE_EINVAL, "legacy receipt: bad version or module_hash");
    uint8_t d[32], sig[PHASE_SIG_BYTES];
    int rc = digest(r, d, e);
    if (rc != PHASE_OK)
        return rc;
    crypto_ed25519_sign(id->sk, d, sizeof d, sig);
    hex_encode(id->pk, PHASE_PK_BYTES, r->node_pubkey);
    hex_encode(sig, sizeof sig, r->signature);
    return PHASE_OK;
}

static int copy_str(const json_t *o, const char *key, char *out, size_t cap, err_t *e)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return err_set(e, PHASE_EINVAL, "legacy receipt: missing field \"%s\"", key);
    if (!json_is_string(v))
        return err_set(e, PHASE_EINVAL, "legacy receipt: \"%s\" must be a string", key);
    if (json_string_length(v) >= cap)
        return err_set(e, PHASE_EINVAL, "legacy receipt: \"%s\" is too long", key);
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return PHASE_OK;
}

static int get_u64(const json_t *o, const char *key, uint64_t max, uint64_t *out, err_t *e)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return err_set(e, PHASE_EINVAL, "legacy receipt: missing field \"%s\"", key);
    if (!cjson_get_u64(v, out) || *out > max)
        return err_set(e, PHASE_EINVAL, "legacy receipt: \"%s\" must be an integer 0..%llu", key,
                       (unsigned long long)max);
    return PHASE_OK;
}

int phase_legacy_from_json(const json_t *j, phase_legacy_receipt_t *r, err_t *e)
{
    memset(r, 0, sizeof *r);
    if (!json_is_object(j))
        return err_set(e, PHASE_EINVAL, "legacy receipt: expected a JSON object");
    uint64_t code = 0;
    int rc;
    if ((rc = copy_str(j, "version", r->version, sizeof r->version, e)) != PHASE_OK ||
        (rc = copy_str(j, "module_hash", r->module_hash, sizeof r->module_hash, e)) != PHASE_OK ||
        (rc = get_u64(j, "exit_code", UINT32_MAX, &code, e)) != PHASE_OK ||
        (rc = get_u64(j, "wall_time_ms", UINT64_MAX, &r->wall_time_ms, e)) != PHASE_OK ||
        (rc = get_u64(j, "timestamp", UINT64_MAX, &r->timestamp, e)) != PHASE_OK ||
        (rc = copy_str(j, "node_pubkey", r->node_pubkey, sizeof r->node_pubkey, e)) != PHASE_OK ||
        (rc = copy_str(j, "signature", r->signature, sizeof r->signature, e)) != PHASE_OK)
        return rc;
    r->exit_code = (uint32_t)code;
    if (!valid_version(r->version))
        return err_set(e, PHASE_EINVAL, "legacy receipt: \"version\" must look like \"0.1\"");
    if (!valid_module_hash(r->module_hash))
        return err_set(e, PHASE_EINVAL,
                       "legacy receipt: \"module_hash\" must be sha256: and 64 lowercase hex");
    return PHASE_OK;
}

int phase_legacy_parse(const char *json, size_t n, phase_legacy_receipt_t *r, err_t *e)
{
    err_t pe = {0};
    json_t *j = cjson_parse(json, n, &pe);
    if (!j)
        return err_set(e, PHASE_EINVAL, "legacy receipt: %s", pe.msg);
    int rc = phase_legacy_from_json(j, r, e);
    json_decref(j);
    return rc;
}

int phase_legacy_verify(const phase_legacy_receipt_t *r, const uint8_t *pinned, err_t *e)
{
    uint8_t pk[PHASE_PK_BYTES], sig[PHASE_SIG_BYTES], d[32];
    err_t he = {0};
    if (phase_hex_key(r->node_pubkey, pk, sizeof pk, &he) != BASE_OK)
        return err_set(e, PHASE_EBADKEY, "legacy receipt: bad public key: %s", he.msg);
    if (!crypto_ed25519_pk_valid(pk))
        return err_set(e, PHASE_EBADKEY, "legacy receipt: bad public key: not a valid point");
    if (pinned && !crypto_equal(pk, pinned, PHASE_PK_BYTES))
        return err_set(e, PHASE_EMISMATCH, "legacy receipt: signed by %s, not by the pinned key",
                       r->node_pubkey);
    if (phase_hex_key(r->signature, sig, sizeof sig, &he) != BASE_OK)
        return err_set(e, PHASE_EBADSIG, "legacy receipt: bad signature: %s", he.msg);
    int rc = digest(r, d, e);
    if (rc != PHASE_OK)
        return rc;
    if (crypto_ed25519_verify(pk, d, sizeof d, sig) != CRYPTO_OK)
        return err_set(e, PHASE_EBADSIG, "legacy receipt: bad signature: does not verify");
    return PHASE_OK;
}

json_t *phase_legacy_to_json(const phase_legacy_receipt_t *r)
{
    return json_pack("{s:s, s:s, s:I, s:o, s:o, s:s, s:s}", "version", r->version,
                     "module_hash", r->module_hash, "exit_code", (json_int_t)r->exit_code,
                     "wall_time_ms", cjson_u64(r->wall_time_ms), "timestamp",
                     cjson_u64(r->timestamp), "node_pubkey", r->node_pubkey, "signature",
                     r->signature);
}

/* Job output as a JSON string: invalid UTF-8 becomes U+FFFD, as upstream's
 * String::from_utf8_lossy does. */
static json_t *lossy_string(const uint8_t *p, size_t n)
{
    buf_t b;
    buf_init(&b, 0);
    size_t i = 0;
    while (i < n) {
        size_t k = 1;
        uint8_t c = p[i];
        if (c >= 0xC2 && c <= 0xF4)
            k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        bool ok = c < 0x80 || (k > 1 && i + k <= n);
        for (size_t x = 1; ok && x < k; x++)
            ok = (p[i + x] & 0xC0) == 0x80;
        if (ok && k == 3) {
            uint8_t d = p[i + 1];
            ok = !(c == 0xE0 && d < 0xA0) && !(c == 0xED && d >= 0xA0);
        } else if (ok && k == 4) {
            uint8_t d = p[i + 1];
            ok = !(c == 0xF0 && d < 0x90) && !(c == 0xF4 && d >= 0x90);
        }
        if (ok) {
            buf_append(&b, p + i, k);
            i += k;
        } else {
            buf_append(&b, "\xEF\xBF\xBD", 3);
            i += 1;
        }
    }
    json_t *s = !buf_ok(&b) ? NULL : b.len ? json_stringn((const char *)b.data, b.len) : json_string("");
    buf_free(&b);
    return s;
}

json_t *phase_execute_job_doc(const phase_job_outcome_t *out, int exit_status,
                              const phase_identity_t *id, err_t *e)
{
    phase_legacy_receipt_t lr = {.version = "0.1"};
    memcpy(lr.module_hash, out->module_hash, sizeof lr.module_hash);
    lr.exit_code = (uint32_t)exit_status;
    lr.wall_time_ms = out->wall_ms;
    lr.timestamp = (uint64_t)ts_now().sec;
    if (phase_legacy_sign(&lr, id, e) != PHASE_OK)
        return NULL;
    /* upstream's job id: "job-" + a random (v4) UUID */
    uint8_t uuid[16];
    crypto_random(uuid, sizeof uuid);
    uuid[6] = (uint8_t)((uuid[6] & 0x0F) | 0x40);
    uuid[8] = (uint8_t)((uuid[8] & 0x3F) | 0x80);
    char hex[33], job_id[48];
    hex_encode(uuid, sizeof uuid, hex);
    snprintf(job_id, sizeof job_id, "job-%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
             hex + 16, hex + 20);
    json_t *doc = json_object();
    if (doc && !json_object_set_new(doc, "job_id", json_string(job_id)) &&
        !json_object_set_new(doc, "exit_code", json_integer(exit_status)) &&
        !json_object_set_new(doc, "stdout", lossy_string(out->out, out->out_len)) &&
        !json_object_set_new(doc, "stderr", lossy_string(out->err, out->err_len)) &&
        !json_object_set_new(doc, "receipt", phase_legacy_to_json(&lr)))
        return doc;
    json_decref(doc);
    err_set(e, PHASE_EINVAL, "execute-job: out of memory building the result");
    return NULL;
}
