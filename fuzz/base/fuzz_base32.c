/* Fuzz: base32 decoding never crashes; accepted input re-encodes to itself
 * (modulo case); encode/decode of arbitrary bytes round-trips. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *out = malloc(size + 1);
    size_t n;
    err_t e;
    if (base32_decode((const char *)data, size, out, size, &n, &e) == BASE_OK) {
        char *back = malloc(base32_encoded_len(n) + 1);
        base32_encode(out, n, back);
        if (strlen(back) != size || strncasecmp(back, (const char *)data, size) != 0)
            abort();
        free(back);
    }
    char *enc = malloc(base32_encoded_len(size) + 1);
    base32_encode(data, size, enc);
    uint8_t *dec = malloc(size + 1);
    if (base32_decode(enc, strlen(enc), dec, size, &n, &e) != BASE_OK || n != size ||
        memcmp(dec, data, size) != 0)
        abort();
    free(dec);
    free(enc);
    free(out);
    return 0;
}
