/* libFuzzer: the chain/bft decoders of peer input: a block payload (its
 * transactions decoded too) and a finality record, which must re-encode to
 * the same bytes. The first byte picks the decoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/bft/bft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1) {
        bft_payload_t p;
        if (bft_payload_decode(data + 1, size - 1, &p, NULL) == 0) {
            size_t off = 0;
            for (uint32_t i = 0; i < p.n_txs; i++) {
                uint32_t len = load_le32(p.txs + off);
                if (off + 4 + len > p.txs_len)
                    abort();   /* the decoder checked every length */
                chain_tx_free(chain_tx_decode(p.txs + off + 4, len, NULL));
                off += 4 + len;
            }
            if (off != p.txs_len)
                abort();
        }
    } else {
        bft_finality_t f;
        if (bft_finality_decode(data + 1, size - 1, &f, NULL) == 0) {
            if (!f.block || f.n_chain == 0 || f.n_chain > BFT_CHAIN_MAX)
                abort();
            bft_finality_free(&f);
        }
    }
    return 0;
}
