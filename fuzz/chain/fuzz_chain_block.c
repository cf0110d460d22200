/* libFuzzer: chain block decoder (and, through it, the header and tx
 * decoders). Accepted blocks must re-encode byte-identically. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/types/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    chain_block_t *blk = chain_block_decode(data, size, NULL);
    if (!blk)
        return 0;
    buf_t b;
    buf_init(&b, 0);
    if (chain_block_encode(blk, &b) != 0 || b.len != size || memcmp(b.data, data, size) != 0)
        abort();
    (void)chain_block_check(blk, NULL);
    json_decref(chain_block_to_json(blk, true));
    buf_free(&b);
    chain_block_free(blk);
    return 0;
}
