/* libFuzzer: block header and receipt decoders (a header is fixed-size; a
 * receipt carries contract return data, logs and a reason: every length is
 * bounded and checked). A decoded value must re-encode to the same bytes.
 * The first byte picks the decoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/types/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    buf_t b;
    buf_init(&b, 0);
    if (data[0] & 1) {
        chain_header_t h;
        if (chain_header_decode(data + 1, size - 1, &h, NULL) == 0) {
            if (chain_header_encode(&h, &b) != 0 || b.len != size - 1 ||
                memcmp(b.data, data + 1, size - 1) != 0)
                abort();
            json_decref(chain_header_to_json(&h));
        }
    } else {
        chain_receipt_t r;
        if (chain_receipt_decode(data + 1, size - 1, &r, NULL) == 0) {
            if (chain_receipt_encode(&r, &b) != 0 || b.len != size - 1 ||
                memcmp(b.data, data + 1, size - 1) != 0)
                abort();
            json_decref(chain_receipt_to_json(&r));
            chain_receipt_clear(&r);
        }
    }
    buf_free(&b);
    return 0;
}
