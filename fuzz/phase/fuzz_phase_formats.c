/* libFuzzer target for the Phase formats: any bytes go through the v1
 * manifest and receipt parsers, the JobResult reader and the legacy v0.1
 * receipt parser and the JobEvent replay; whatever parses is verified, re-encoded and re-parsed.
 * Nothing may crash, leak or read out of bounds; a re-encoded envelope must
 * parse again and keep its signing message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "phase/phase.h"

static void check_manifest(const char *s, size_t n)
{
    phase_manifest_t m;
    if (phase_manifest_parse(s, n, &m, NULL) != PHASE_OK)
        return;
    ts_t now = {1779883200, 0};
    uint8_t h[32];
    (void)phase_manifest_verify(&m, now, NULL);
    if (phase_manifest_hash(&m, h, NULL) == PHASE_OK) {
        char *again = phase_manifest_to_json(&m, NULL);
        if (again) {
            phase_manifest_t m2;
            uint8_t h2[32];
            if (phase_manifest_parse(again, strlen(again), &m2, NULL) != PHASE_OK ||
                phase_manifest_hash(&m2, h2, NULL) != PHASE_OK || memcmp(h, h2, 32) != 0)
                abort(); /* re-encoding changed the signed content */
            phase_manifest_free(&m2);
            free(again);
        }
    }
    phase_manifest_free(&m);
}

static void check_receipt(const char *s, size_t n)
{
    phase_receipt_t r;
    if (phase_receipt_parse(s, n, &r, NULL) != PHASE_OK)
        return;
    uint8_t pk[32] = {0}, id[32];
    (void)phase_receipt_verify(&r, NULL, NULL);
    (void)phase_receipt_verify(&r, pk, NULL);
    (void)phase_receipt_job_id_bytes(&r, id, NULL);
    phase_job_result_t res;
    if (phase_job_result_from_json(r.result, &res, NULL) == PHASE_OK) {
        json_t *j = phase_job_result_to_json(&res, NULL);
        json_decref(j);
        phase_job_result_free(&res);
    }
    char *again = phase_receipt_to_json(&r, NULL);
    if (again) {
        phase_receipt_t r2;
        if (phase_receipt_parse(again, strlen(again), &r2, NULL) != PHASE_OK)
            abort();
        phase_receipt_free(&r2);
        free(again);
    }
    phase_receipt_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (crypto_init() != CRYPTO_OK)
            abort();
        ready = 1;
    }
    const char *s = (const char *)data;
    check_manifest(s, size);
    check_receipt(s, size);
    json_t *j = cjson_parse(s, size, NULL);
    if (json_is_array(j)) {
        phase_commit_t c;
        const json_t *fin;
        (void)phase_events_replay(j, &c, &fin, NULL);
    }
    json_decref(j);
    phase_legacy_receipt_t lr;
    if (phase_legacy_parse(s, size, &lr, NULL) == PHASE_OK)
        (void)phase_legacy_verify(&lr, NULL, NULL);
    return 0;
}
