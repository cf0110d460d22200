/* Each libp2p protobuf: the first byte picks PublicKey, NoiseHandshakePayload,
 * Identify or the Kademlia Message; the rest is the encoding. Also the
 * length-prefix helper every protocol uses. */
#include <stdlib.h>

#include "p2p.pb-c.h"
#include "p2p/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0: {
        uint8_t pk[32];
        (void)p2p_pubkey_decode(p, n, pk, NULL);
        PublicKey *m = public_key__unpack(NULL, n, p);
        if (m)
            public_key__free_unpacked(m, NULL);
        break;
    }
    case 1: {
        NoiseHandshakePayload *m = noise_handshake_payload__unpack(NULL, n, p);
        if (m)
            noise_handshake_payload__free_unpacked(m, NULL);
        break;
    }
    case 2: {
        Identify *m = identify__unpack(NULL, n, p);
        if (m)
            identify__free_unpacked(m, NULL);
        break;
    }
    case 3: {
        DhtMessage *m = dht_message__unpack(NULL, n, p);
        if (m) {
            size_t len = dht_message__get_packed_size(m);
            uint8_t *b = malloc(len ? len : 1);
            dht_message__pack(m, b);
            free(b);
            dht_message__free_unpacked(m, NULL);
        }
        break;
    }
    default: {
        const uint8_t *msg;
        size_t len, used;
        (void)p2p_lp_next(p, n, 1 << 20, &msg, &len, &used);
        break;
    }
    }
    return 0;
}
