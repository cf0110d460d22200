/* libFuzzer target for the Phase network decoders: the first byte picks the
 * decoder, the rest is its input: job-offer JSON (and its answer), the
 * job-relay CBOR request and answer, /phase/job/1.0.0 frames, capability
 * records. What decodes is re-encoded and must decode to the same thing.
 * Nothing may crash, leak or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "phase/phase.h"

static void offer(const uint8_t *p, size_t n)
{
    phase_offer_t o;
    if (phase_offer_parse(p, n, &o, NULL) != PHASE_OK)
        return;
    json_t *j = phase_offer_to_json(&o);
    char *s = j ? cjson_encode_str(j, NULL) : NULL;
    phase_offer_t o2;
    if (!s || phase_offer_parse((const uint8_t *)s, strlen(s), &o2, NULL) != PHASE_OK ||
        memcmp(&o, &o2, sizeof o) != 0)
        abort();
    phase_offer_caps_t c = {.arch = "x86_64", .peer_id = "p", .cpu_count = 1, .memory_mb = 128};
    phase_offer_response_t r;
    phase_offer_evaluate(&o, &c, 0, &r);
    free(s);
    json_decref(j);
}

static void offer_response(const uint8_t *p, size_t n)
{
    phase_offer_response_t r, r2;
    if (phase_offer_response_parse(p, n, &r, NULL) != PHASE_OK)
        return;
    json_t *j = phase_offer_response_to_json(&r);
    char *s = j ? cjson_encode_str(j, NULL) : NULL;
    if (!s || phase_offer_response_parse((const uint8_t *)s, strlen(s), &r2, NULL) != PHASE_OK ||
        r.verdict != r2.verdict)
        abort();
    char text[400];
    phase_offer_reason_text(&r, text, sizeof text);
    free(s);
    json_decref(j);
}

static void relay(const uint8_t *p, size_t n)
{
    uint8_t *payload = NULL;
    size_t pl = 0;
    if (phase_relay_request_decode(p, n, &payload, &pl, NULL) == PHASE_OK) {
        buf_t b;
        buf_init(&b, 0);
        uint8_t *again = NULL;
        size_t al = 0;
        if (phase_relay_request_encode(payload, pl, &b, NULL) != PHASE_OK ||
            phase_relay_request_decode(b.data, b.len, &again, &al, NULL) != PHASE_OK ||
            al != pl || (pl && memcmp(again, payload, pl) != 0))
            abort();
        free(again);
        buf_free(&b);
        free(payload);
    }
    phase_relay_response_t r;
    if (phase_relay_response_decode(p, n, &r, NULL) == PHASE_OK) {
        buf_t b;
        buf_init(&b, 0);
        phase_relay_response_t r2;
        if (phase_relay_response_encode(&r, &b, NULL) != PHASE_OK ||
            phase_relay_response_decode(b.data, b.len, &r2, NULL) != PHASE_OK || r2.ok != r.ok ||
            r2.events_len != r.events_len)
            abort();
        phase_relay_response_free(&r2);
        buf_free(&b);
        phase_relay_response_free(&r);
    }
}

static void frames(const uint8_t *p, size_t n)
{
    size_t off = 0;
    for (;;) {
        uint8_t type;
        const uint8_t *body;
        size_t bl, used;
        int r = phase_frame_next(p + off, n - off, &type, &body, &bl, &used, NULL);
        if (r != 1)
            break;
        if (used > n - off || body + bl > p + n)
            abort();
        buf_t b;
        buf_init(&b, 0);
        if (phase_frame_append(&b, type, body, bl) != PHASE_OK || b.len != used ||
            memcmp(b.data, p + off, used) != 0)
            abort(); /* only minimal encodings are accepted */
        buf_free(&b);
        off += used;
    }
}

static void caps(const uint8_t *p, size_t n)
{
    phase_capabilities_t c;
    ts_t now = {1779883200, 0};
    (void)phase_cap_record_verify(NULL, 0, p, n, now, &c, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        if (crypto_init() != 0)
            abort();
        init = 1;
    }
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0: offer(p, n); break;
    case 1: offer_response(p, n); break;
    case 2: relay(p, n); break;
    case 3: frames(p, n); break;
    default: caps(p, n); break;
    }
    return 0;
}
