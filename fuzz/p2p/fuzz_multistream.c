/* multistream-select framing: read lines until the input runs out. */
#include "p2p/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char line[MSS_MAX_LINE];
    size_t off = 0, used;
    while (off < size) {
        int r = mss_read(data + off, size - off, line, &used, NULL);
        if (r <= 0)
            break;
        if (used == 0 || used > size - off)
            __builtin_trap();
        off += used;
    }
    return 0;
}
