/* libFuzzer target: G2 decompression (ZCash rules + subgroup check) of
 * crypto/bls, and signature verification on the fuzzed signature. A decoded
 * point must be in G2 and re-encode to the input bytes; rejections carry a
 * reason; nothing may crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/bls/bls.h"
#include "crypto/bls/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t in[96] = {0}, out[96];
    const char *why = NULL;
    g2_t p;
    memcpy(in, data, size < 96 ? size : 96);
    if (g2_decompress(&p, in, &why)) {
        if (!g2_in_subgroup(&p))
            abort();
        g2_compress(out, &p);
        if (memcmp(in, out, 96) != 0)
            abort();
        /* a decodable signature must never verify under the generator's key
         * for a message it was not made for (it was not made at all) */
        static const uint8_t gen_pk[48] = {
            0x97, 0xf1, 0xd3, 0xa7, 0x31, 0x97, 0xd7, 0x94, 0x26, 0x95, 0x63, 0x8c,
            0x4f, 0xa9, 0xac, 0x0f, 0xc3, 0x68, 0x8c, 0x4f, 0x97, 0x74, 0xb9, 0x05,
            0xa1, 0x4e, 0x3a, 0x3f, 0x17, 0x1b, 0xac, 0x58, 0x6c, 0x55, 0xe8, 0x3f,
            0xf9, 0x7a, 0x1a, 0xef, 0xfb, 0x3a, 0xf0, 0x0a, 0xdb, 0x22, 0xc6, 0xbb};
        err_t e;
        if (bls_verify(gen_pk, data, size, in, &e) == 0)
            abort();
    } else if (!why) {
        abort();
    }
    return 0;
}
