/* Fuzz: uvarint and all four LEB128 decoders never read past the input and
 * re-encode what they accept (uvarint: byte-exact, since it must be minimal). */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t u;
    int n = uvarint_decode(data, size, &u, NULL);
    if (n > 0) {
        uint8_t enc[UVARINT_MAX_BYTES];
        if (uvarint_encode(u, enc) != (size_t)n || memcmp(enc, data, (size_t)n) != 0)
            abort();
    }
    uint32_t u32;
    int32_t s32;
    int64_t s64;
    n = leb128_u32_decode(data, size, &u32, NULL);
    if (n > (int)size || n > 5)
        abort();
    n = leb128_u64_decode(data, size, &u, NULL);
    if (n > (int)size || n > 10)
        abort();
    n = leb128_s32_decode(data, size, &s32, NULL);
    if (n > (int)size || n > 5)
        abort();
    n = leb128_s64_decode(data, size, &s64, NULL);
    if (n > 0) {
        uint8_t enc[10];
        size_t m = leb128_s64_encode(s64, enc);
        int64_t back;
        if (leb128_s64_decode(enc, m, &back, NULL) != (int)m || back != s64)
            abort();
    }
    return 0;
}
