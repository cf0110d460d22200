/* Noise: the input is a handshake message for a responder (message 1) and
 * for an initiator that sent message 1 (message 2), and a libp2p handshake
 * payload, and a transport message. Fixed keys keep runs reproducible. */
#include <string.h>

#include "crypto/crypto.h"
#include "p2p/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        if (crypto_init() != 0)
            return 0;
        init = 1;
    }
    uint8_t s[32], e[32];
    memset(s, 7, 32);
    memset(e, 9, 32);
    buf_t out;
    buf_init(&out, 0);
    noise_hs_t r;
    noise_hs_init(&r, false, s, e, NULL, 0);
    (void)noise_hs_read(&r, data, size, &out, NULL);
    buf_reset(&out);
    noise_hs_t i;
    noise_hs_init(&i, true, s, e, NULL, 0);
    buf_t m1;
    buf_init(&m1, 0);
    if (noise_hs_write(&i, NULL, 0, &m1, NULL) == 0)
        (void)noise_hs_read(&i, data, size, &out, NULL);
    p2p_peer_id_t peer;
    (void)noise_payload_check(data, size, s, &peer, NULL);
    noise_cipher_t c = {{0}, 0, true};
    uint8_t plain[NOISE_MAX_MSG];
    if (size <= NOISE_MAX_MSG)
        (void)noise_decrypt(&c, NULL, 0, data, size, plain);
    buf_free(&out);
    buf_free(&m1);
    return 0;
}
