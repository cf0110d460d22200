/* libFuzzer: state proofs — the binary decoder (first byte even) and the
 * JSON parser (first byte odd), each followed by the verifier. A decoded
 * binary proof must re-encode byte-identically; a parsed JSON proof must
 * survive a JSON round trip unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/types/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static chain_proof_t p, q;
    if ((data[0] & 1) == 0) {
        if (chain_proof_decode(data + 1, size - 1, &p, NULL) != 0)
            return 0;
        buf_t b;
        buf_init(&b, 0);
        if (chain_proof_encode(&p, &b) != 0 || b.len != size - 1 ||
            memcmp(b.data, data + 1, size - 1) != 0)
            abort();
        buf_free(&b);
        (void)chain_proof_verify(&p, NULL, NULL);
        return 0;
    }
    json_t *j = cjson_parse((const char *)data + 1, size - 1, NULL);
    if (!j)
        return 0;
    if (chain_proof_from_json(j, &p, NULL) == 0) {
        int v1 = chain_proof_verify(&p, NULL, NULL);
        json_t *k = chain_proof_to_json(&p);
        if (!k || chain_proof_from_json(k, &q, NULL) != 0 ||
            chain_proof_verify(&q, NULL, NULL) != v1)
            abort();
        json_decref(k);
    }
    json_decref(j);
    return 0;
}
