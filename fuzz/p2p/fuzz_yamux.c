/* Yamux frame headers: every 12-byte window of the input. */
#include "p2p/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (size_t off = 0; off + YAMUX_HDR <= size; off += YAMUX_HDR) {
        yamux_hdr_t h;
        if (yamux_hdr_decode(data + off, &h, NULL) == 0) {
            uint8_t back[YAMUX_HDR];
            yamux_hdr_encode(&h, back);
            for (int k = 0; k < YAMUX_HDR; k++)
                if (back[k] != data[off + k])
                    __builtin_trap();
        }
    }
    return 0;
}
