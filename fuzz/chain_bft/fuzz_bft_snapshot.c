/* libFuzzer: the snapshot sync input a peer controls (chain/bft snap.c): the
 * snapshot proof section and the SNAP_GET / SNAP_DATA frames. The first byte
 * picks the decoder; what decodes must satisfy the bounds the callers rely
 * on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/bft/bft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 3) {
    case 0: {
        bft_snap_proof_t pr;
        if (bft_snap_proof_decode(p, n, &pr, NULL) == 0) {
            if (!pr.fin.block || !pr.cert.block || pr.n_hdrs > BFT_SNAP_HDRS_MAX ||
                pr.rec < p || pr.rec + pr.rec_len > p + n || pr.cert_rec < p ||
                pr.cert_rec + pr.cert_rec_len > p + n)
                abort();
            bft_snap_proof_free(&pr);
        }
        break;
    }
    case 1: {
        bft_snap_get_t g;
        if (bft_snap_get_decode(p, n, &g, NULL) == 0 && (g.len == 0 || g.len > BFT_SNAP_CHUNK))
            abort();
        break;
    }
    default: {
        bft_snap_data_t d;
        if (bft_snap_data_decode(p, n, &d, NULL) == 0 && d.height != 0 &&
            (d.len == 0 || d.len > BFT_SNAP_CHUNK || d.offset + d.len > d.size ||
             d.size > BFT_SNAP_FILE_MAX || d.data + d.len != p + n))
            abort();
        break;
    }
    }
    return 0;
}
