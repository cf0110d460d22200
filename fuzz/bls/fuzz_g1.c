/* libFuzzer target: G1 decompression (ZCash rules + subgroup check) of
 * crypto/bls. Any 48-byte input must either decode to a point of G1 whose
 * re-encoding is the input itself (the encoding is canonical), or be rejected
 * with a reason; never crash. Public-key validation is exercised too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/bls/bls.h"
#include "crypto/bls/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t in[48] = {0}, out[48];
    const char *why = NULL;
    g1_t p;
    memcpy(in, data, size < 48 ? size : 48);
    if (g1_decompress(&p, in, &why)) {
        if (!g1_in_subgroup(&p))
            abort();
        g1_compress(out, &p);
        if (memcmp(in, out, 48) != 0)
            abort();  /* two encodings of one point */
    } else if (!why) {
        abort();
    }
    err_t e;
    (void)bls_key_validate(in, &e);
    return 0;
}
