/* Fuzz: hex decoding must never crash, and decode(encode(x)) == x. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *out;
    size_t n;
    err_t e;
    if (hex_decode_alloc((const char *)data, size, &out, &n, &e) == BASE_OK) {
        char *back = malloc(2 * n + 1);
        hex_encode(out, n, back);
        if (strncasecmp(back, (const char *)data, size) != 0)
            abort();
        free(back);
        free(out);
    } else if (e.msg[0] == '\0') {
        abort();
    }
    uint8_t fixed[8];
    (void)hex_decode((const char *)data, size, fixed, sizeof fixed, NULL);
    return 0;
}
