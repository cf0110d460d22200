/* Fuzz: base58 decoding never crashes; accepted input re-encodes to itself;
 * arbitrary bytes round-trip. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t out[BASE58_MAX_INPUT];
    size_t n;
    err_t e;
    if (base58_decode((const char *)data, size, out, sizeof out, &n, &e) == BASE_OK) {
        char *back = malloc(base58_encoded_max(n) + 1);
        base58_encode(out, n, back);
        if (strlen(back) != size || memcmp(back, data, size) != 0)
            abort();
        free(back);
    }
    if (size <= 256) {
        char *enc = malloc(base58_encoded_max(size) + 1);
        size_t len = base58_encode(data, size, enc);
        if (base58_decode(enc, len, out, sizeof out, &n, &e) != BASE_OK || n != size ||
            memcmp(out, data, size) != 0)
            abort();
        free(enc);
    }
    return 0;
}
