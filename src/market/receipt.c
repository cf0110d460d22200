/* market: a requester's view of a claimed job (market.h): the receipt that
 * claimed it, read from the claim tx in the block the claim executed in
 * (the job record keeps only its hash) and trusted only when it matches the
 * chain's record and the Phase key the provider linked on chain. */
#include "market.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

static int bad(err_t *e, const char *job, const char *what)
{
    return err_set(e, MARKET_EVERIFY, "market: job %.16s...: %s", job, what);
}

/* The receipt string of job `hex`'s claim tx in block `height`. */
static int claim_in_block(chain_client_t *c, const char *hex, uint64_t height, char **out,
                          err_t *e)
{
    json_t *b = NULL;
    err_t ce = {0};
    if (chain_client_call(c, "aeth_getBlockByNumber", json_pack("[I,b]", (json_int_t)height, 1),
                          &b, &ce) != 0)
        return err_set(e, MARKET_ERPC, "market: aeth_getBlockByNumber %llu: %s",
                       (unsigned long long)height, ce.msg);
    const json_t *txs = json_object_get(b, "transactions");
    for (size_t i = 0; i < json_array_size(txs); i++) {
        const json_t *tx = json_array_get(txs, i);
        const json_t *job = json_object_get(tx, "job");
        const char *kind = json_string_value(json_object_get(tx, "kind"));
        const char *id = json_string_value(json_object_get(job, "job_id"));
        const char *r = json_string_value(json_object_get(job, "receipt"));
        if (kind && id && r && strcmp(kind, "job_claim") == 0 && strcmp(id, hex) == 0) {
            *out = strdup(r);
            json_decref(b);
            return *out ? 0 : err_set(e, MARKET_ENOMEM, "market: out of memory");
        }
    }
    json_decref(b);
    return err_set(e, MARKET_ERPC, "market: no claim of job %.16s... in block %llu", hex,
                   (unsigned long long)height);
}

static bool hex_is(const json_t *job, const char *field, const uint8_t *bytes, size_t n)
{
    const char *s = json_string_value(json_object_get(job, field));
    char h[65];
    if (!s || n > 32)
        return false;
    hex_encode(bytes, n, h);
    return strcmp(s, h) == 0;
}

int market_job_receipt(chain_client_t *c, const chain_hash_t *id, json_t **job_out,
                       char **receipt_out, err_t *e)
{
    *job_out = NULL;
    *receipt_out = NULL;
    char hex[2 * CHAIN_HASH_BYTES + 1];
    chain_hash_to_hex(id, hex);
    json_t *job = NULL;
    err_t ce = {0};
    if (chain_client_get_job(c, id, &job, &ce) != 0)
        return err_set(e, MARKET_ERPC, "market: aeth_getJob: %s", ce.msg);
    if (!json_is_object(job)) {
        json_decref(job);
        return err_set(e, MARKET_ENOTFOUND, "market: no job %s on this chain", hex);
    }
    uint64_t at = 0;
    if (!cjson_get_u64(json_object_get(job, "claimed_at"), &at)) {
        const char *st = json_string_value(json_object_get(job, "status"));
        err_set(e, MARKET_ENOTFOUND, "market: job %.16s... is %s: nobody has claimed it", hex,
                st ? st : "?");
        json_decref(job);
        return MARKET_ENOTFOUND;
    }
    char *text = NULL;
    int rc = claim_in_block(c, hex, at, &text, e);
    phase_receipt_t r;
    memset(&r, 0, sizeof r);
    phase_job_result_t res;
    memset(&res, 0, sizeof res);
    uint8_t h[32], pk[32], rid[32];
    if (rc)
        goto out;
    crypto_sha256(text, strlen(text), h);
    if (!hex_is(job, "receipt_hash", h, 32)) {
        rc = bad(e, hex, "the claim's receipt does not hash to the recorded receipt_hash");
        goto out;
    }
    const char *pkhex = json_string_value(json_object_get(job, "phase_pk"));
    if (!pkhex || phase_hex_key(pkhex, pk, 32, NULL) != 0) {
        rc = bad(e, hex, "no Phase key linked to the provider");
        goto out;
    }
    err_t pe = {0};
    if (phase_receipt_parse(text, strlen(text), &r, &pe) != 0 ||
        phase_receipt_verify(&r, pk, &pe) != 0) {
        char why[ERR_MSG_MAX + 64];
        snprintf(why, sizeof why, "the receipt does not verify against the linked Phase key: %s",
                 pe.msg);
        rc = bad(e, hex, why);
        goto out;
    }
    if (phase_receipt_job_id_bytes(&r, rid, &pe) != 0 || memcmp(rid, id->b, 32) != 0) {
        rc = bad(e, hex, "the receipt is for another job");
        goto out;
    }
    if (phase_job_result_from_json(r.result, &res, &pe) != 0 ||
        !hex_is(job, "output_commitment", res.output_commitment, 32)) {
        rc = bad(e, hex, "the receipt commits to another output than the chain recorded");
        goto out;
    }
    *receipt_out = text;
    *job_out = job;
    text = NULL;
    job = NULL;
out:
    phase_job_result_free(&res);
    phase_receipt_free(&r);
    free(text);
    json_decref(job);
    return rc;
}
