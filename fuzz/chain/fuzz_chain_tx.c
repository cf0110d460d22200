/* libFuzzer: chain transaction decoder. Anything accepted must re-encode to
 * exactly the input (the codec is canonical) and pass through JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/types/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    chain_tx_t *tx = chain_tx_decode(data, size, NULL);
    if (!tx)
        return 0;
    buf_t b;
    buf_init(&b, 0);
    if (chain_tx_encode(tx, true, &b) != 0 || b.len != size || memcmp(b.data, data, size) != 0 ||
        tx->size != size)
        abort();
    (void)chain_tx_check_static(tx, NULL);
    json_decref(chain_tx_to_json(tx));
    buf_free(&b);
    chain_tx_free(tx);
    return 0;
}
