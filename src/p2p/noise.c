/*
 * Noise_XX_25519_ChaChaPoly_SHA256 (Noise spec rev 34 §5, §7.5 XX; libp2p
 * noise/README.md). libsodium gives X25519 and ChaCha20-Poly1305 IETF (nonce =
 * 4 zero bytes || 64-bit little-endian counter, §12.3); HKDF is HMAC-SHA256
 * per §4.3. The handshake state is a pure buffer-in/buffer-out machine so the
 * cacophony vectors can drive it without sockets.
 *
 *   XX:  -> e
 *        <- e, ee, s, es
 *        -> s, se
 *
 * The libp2p payload (identity key + signature over "noise-libp2p-static-key:"
 * || static key) rides in messages 2 and 3.
 */
#include "p2p/internal.h"

#include <sodium.h>
#include <string.h>

#include "crypto/crypto.h"
#include "p2p.pb-c.h"

static const char protocol_name[] = "Noise_XX_25519_ChaChaPoly_SHA256";
static const char sig_prefix[] = "noise-libp2p-static-key:";

static void nonce_of(uint64_t n, uint8_t nonce[12])
{
    memset(nonce, 0, 4);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] = (uint8_t)(n >> (8 * i));
}

int noise_encrypt(noise_cipher_t *c, const uint8_t *ad, size_t adn, const uint8_t *p, size_t n,
                  uint8_t *out)
{
    if (c->n == UINT64_MAX)
        return P2P_EPROTO; /* §5.1: nonce 2^64-1 is reserved */
    uint8_t nonce[12];
    nonce_of(c->n, nonce);
    unsigned long long clen;
    crypto_aead_chacha20poly1305_ietf_encrypt(out, &clen, p, n, ad, adn, NULL, nonce, c->k);
    c->n++;
    return 0;
}

int noise_decrypt(noise_cipher_t *c, const uint8_t *ad, size_t adn, const uint8_t *p, size_t n,
                  uint8_t *out)
{
    if (n < NOISE_TAG || c->n == UINT64_MAX)
        return P2P_EPROTO;
    uint8_t nonce[12];
    nonce_of(c->n, nonce);
    unsigned long long plen;
    if (crypto_aead_chacha20poly1305_ietf_decrypt(out, &plen, NULL, p, n, ad, adn, nonce, c->k))
        return P2P_EAUTH;
    c->n++;
    return 0;
}

static void mix_hash(noise_hs_t *hs, const uint8_t *p, size_t n)
{
    crypto_sha256_ctx_t c;
    crypto_sha256_init(&c);
    crypto_sha256_update(&c, hs->h, NOISE_HASH);
    crypto_sha256_update(&c, p, n);
    crypto_sha256_final(&c, hs->h);
}

/* §4.3 HKDF with two outputs. */
static void hkdf2(const uint8_t ck[32], const uint8_t *ikm, size_t n, uint8_t o1[32],
                  uint8_t o2[32])
{
    uint8_t temp[32], in[33];
    crypto_hmac_sha256(ck, 32, ikm, n, temp);
    uint8_t one = 1;
    crypto_hmac_sha256(temp, 32, &one, 1, o1);
    memcpy(in, o1, 32);
    in[32] = 2;
    crypto_hmac_sha256(temp, 32, in, 33, o2);
    crypto_wipe(temp, sizeof temp);
    crypto_wipe(in, sizeof in);
}

static void mix_key(noise_hs_t *hs, const uint8_t *ikm, size_t n)
{
    uint8_t k[32];
    hkdf2(hs->ck, ikm, n, hs->ck, k);
    memcpy(hs->cs.k, k, 32);
    hs->cs.n = 0;
    hs->cs.has_key = true;
    crypto_wipe(k, sizeof k);
}

static int dh_mix(noise_hs_t *hs, const uint8_t priv[32], const uint8_t pub[32], err_t *e)
{
    uint8_t shared[32];
    if (crypto_scalarmult_curve25519(shared, priv, pub) != 0)
        return err_set(e, P2P_EPROTO, "noise: DH with a low-order public key");
    mix_key(hs, shared, 32);
    crypto_wipe(shared, sizeof shared);
    return 0;
}

static int encrypt_and_hash(noise_hs_t *hs, const uint8_t *p, size_t n, buf_t *out)
{
    if (!hs->cs.has_key) {
        buf_append(out, p, n);
        mix_hash(hs, p, n);
        return buf_ok(out) ? 0 : P2P_ENOMEM;
    }
    if (buf_reserve(out, n + NOISE_TAG))
        return P2P_ENOMEM;
    uint8_t *c = out->data + out->len;
    if (noise_encrypt(&hs->cs, hs->h, NOISE_HASH, p, n, c))
        return P2P_EPROTO;
    out->len += n + NOISE_TAG;
    mix_hash(hs, c, n + NOISE_TAG);
    return 0;
}

static int decrypt_and_hash(noise_hs_t *hs, const uint8_t *c, size_t n, uint8_t *out,
                            size_t *out_len, err_t *e)
{
    if (!hs->cs.has_key) {
        memcpy(out, c, n);
        *out_len = n;
        mix_hash(hs, c, n);
        return 0;
    }
    if (n < NOISE_TAG)
        return err_set(e, P2P_EPROTO, "noise: encrypted field shorter than its tag");
    if (noise_decrypt(&hs->cs, hs->h, NOISE_HASH, c, n, out))
        return err_set(e, P2P_EAUTH, "noise: decryption failed in handshake message %d",
                       hs->step + 1);
    *out_len = n - NOISE_TAG;
    mix_hash(hs, c, n);
    return 0;
}

void noise_hs_init(noise_hs_t *hs, bool initiator, const uint8_t s_priv[32],
                   const uint8_t *e_priv, const uint8_t *prologue, size_t prologue_len)
{
    memset(hs, 0, sizeof *hs);
    hs->initiator = initiator;
    /* §5.2 InitializeSymmetric: the name is exactly HASHLEN bytes, so h = name. */
    memcpy(hs->h, protocol_name, NOISE_HASH);
    memcpy(hs->ck, hs->h, NOISE_HASH);
    mix_hash(hs, prologue, prologue_len);
    memcpy(hs->s_priv, s_priv, 32);
    crypto_scalarmult_curve25519_base(hs->s_pub, hs->s_priv);
    if (e_priv)
        memcpy(hs->e_priv, e_priv, 32);
    else
        crypto_random(hs->e_priv, 32);
    crypto_scalarmult_curve25519_base(hs->e_pub, hs->e_priv);
}

int noise_hs_write(noise_hs_t *hs, const uint8_t *payload, size_t n, buf_t *out, err_t *e)
{
    bool mine = (hs->step % 2 == 0) == hs->initiator;
    if (hs->step > 2 || !mine)
        return err_set(e, P2P_EINVAL, "noise: not our turn to write (message %d)", hs->step + 1);
    size_t start = out->len;
    int rc = 0;
    if (hs->step == 0) { /* -> e */
        buf_append(out, hs->e_pub, 32);
        mix_hash(hs, hs->e_pub, 32);
    } else if (hs->step == 1) { /* <- e, ee, s, es */
        buf_append(out, hs->e_pub, 32);
        mix_hash(hs, hs->e_pub, 32);
        if ((rc = dh_mix(hs, hs->e_priv, hs->re, e)))
            goto fail;
        if ((rc = encrypt_and_hash(hs, hs->s_pub, 32, out)))
            goto fail;
        if ((rc = dh_mix(hs, hs->s_priv, hs->re, e)))
            goto fail;
    } else { /* -> s, se */
        if ((rc = encrypt_and_hash(hs, hs->s_pub, 32, out)))
            goto fail;
        if ((rc = dh_mix(hs, hs->s_priv, hs->re, e)))
            goto fail;
    }
    if ((rc = encrypt_and_hash(hs, payload, n, out)))
        goto fail;
    if (out->len - start > NOISE_MAX_MSG) {
        rc = err_set(e, P2P_EINVAL, "noise: handshake message exceeds 65535 bytes");
        goto fail;
    }
    hs->step++;
    return 0;
fail:
    out->len = start;
    if (!e || !e->code)
        err_set(e, rc, "noise: cannot write handshake message %d", hs->step + 1);
    return rc;
}

int noise_hs_read(noise_hs_t *hs, const uint8_t *msg, size_t n, buf_t *payload, err_t *e)
{
    bool theirs = (hs->step % 2 == 0) != hs->initiator;
    if (hs->step > 2 || !theirs)
        return err_set(e, P2P_EINVAL, "noise: not our turn to read (message %d)", hs->step + 1);
    if (n > NOISE_MAX_MSG)
        return err_set(e, P2P_EPROTO, "noise: handshake message exceeds 65535 bytes");
    size_t off = 0, len;
    int rc;
    uint8_t tmp[48];
    if (hs->step == 0 || hs->step == 1) { /* e */
        if (n < 32)
            return err_set(e, P2P_EPROTO, "noise: message %d shorter than an ephemeral key",
                           hs->step + 1);
        memcpy(hs->re, msg, 32);
        hs->has_re = true;
        mix_hash(hs, hs->re, 32);
        off = 32;
    }
    if (hs->step == 1) { /* ee, s, es */
        if ((rc = dh_mix(hs, hs->e_priv, hs->re, e)))
            return rc;
        if (n - off < 48)
            return err_set(e, P2P_EPROTO, "noise: message 2 too short for a static key");
        if ((rc = decrypt_and_hash(hs, msg + off, 48, tmp, &len, e)))
            return rc;
        memcpy(hs->rs, tmp, 32);
        hs->has_rs = true;
        off += 48;
        if ((rc = dh_mix(hs, hs->e_priv, hs->rs, e)))
            return rc;
    } else if (hs->step == 2) { /* s, se */
        if (n < 48)
            return err_set(e, P2P_EPROTO, "noise: message 3 too short for a static key");
        if ((rc = decrypt_and_hash(hs, msg, 48, tmp, &len, e)))
            return rc;
        memcpy(hs->rs, tmp, 32);
        hs->has_rs = true;
        off = 48;
        if ((rc = dh_mix(hs, hs->e_priv, hs->rs, e)))
            return rc;
    }
    size_t rest = n - off;
    if (hs->cs.has_key && rest < NOISE_TAG)
        return err_set(e, P2P_EPROTO, "noise: message %d payload shorter than its tag",
                       hs->step + 1);
    if (buf_reserve(payload, rest))
        return err_set(e, P2P_ENOMEM, "noise: out of memory");
    if ((rc = decrypt_and_hash(hs, msg + off, rest, payload->data + payload->len, &len, e)))
        return rc;
    payload->len += len;
    hs->step++;
    return 0;
}

void noise_hs_split(noise_hs_t *hs, noise_cipher_t *send, noise_cipher_t *recv)
{
    uint8_t k1[32], k2[32];
    hkdf2(hs->ck, NULL, 0, k1, k2);
    noise_cipher_t *c1 = hs->initiator ? send : recv;
    noise_cipher_t *c2 = hs->initiator ? recv : send;
    memcpy(c1->k, k1, 32);
    c1->n = 0;
    c1->has_key = true;
    memcpy(c2->k, k2, 32);
    c2->n = 0;
    c2->has_key = true;
    crypto_wipe(k1, sizeof k1);
    crypto_wipe(k2, sizeof k2);
}

void noise_hs_wipe(noise_hs_t *hs)
{
    crypto_wipe(hs, sizeof *hs);
}

int noise_payload_make(const p2p_key_t *id, const uint8_t s_pub[32], buf_t *out)
{
    uint8_t pkpb[P2P_ED25519_PUBKEY_PB_LEN], msg[sizeof sig_prefix - 1 + 32], sig[64];
    p2p_pubkey_encode(id->pk, pkpb);
    memcpy(msg, sig_prefix, sizeof sig_prefix - 1);
    memcpy(msg + sizeof sig_prefix - 1, s_pub, 32);
    crypto_ed25519_sign(id->sk, msg, sizeof msg, sig);
    NoiseHandshakePayload pl = NOISE_HANDSHAKE_PAYLOAD__INIT;
    pl.has_identity_key = 1;
    pl.identity_key.data = pkpb;
    pl.identity_key.len = sizeof pkpb;
    pl.has_identity_sig = 1;
    pl.identity_sig.data = sig;
    pl.identity_sig.len = sizeof sig;
    size_t n = noise_handshake_payload__get_packed_size(&pl);
    if (buf_reserve(out, n))
        return P2P_ENOMEM;
    out->len += noise_handshake_payload__pack(&pl, out->data + out->len);
    return 0;
}

int noise_payload_check(const uint8_t *p, size_t n, const uint8_t rs[32], p2p_peer_id_t *peer,
                        err_t *e)
{
    NoiseHandshakePayload *pl = noise_handshake_payload__unpack(NULL, n, p);
    if (!pl)
        return err_set(e, P2P_EPROTO, "noise: handshake payload is not a valid protobuf");
    int rc = 0;
    uint8_t pk[32], msg[sizeof sig_prefix - 1 + 32];
    if (!pl->has_identity_key || !pl->has_identity_sig) {
        rc = err_set(e, P2P_EAUTH, "noise: handshake payload lacks identity key or signature");
        goto out;
    }
    if ((rc = p2p_pubkey_decode(pl->identity_key.data, pl->identity_key.len, pk, e))) {
        err_prefix(e, "noise: identity key");
        rc = P2P_EAUTH;
        goto out;
    }
    if (pl->identity_sig.len != 64) {
        rc = err_set(e, P2P_EAUTH, "noise: identity signature is %zu bytes, not 64",
                     pl->identity_sig.len);
        goto out;
    }
    memcpy(msg, sig_prefix, sizeof sig_prefix - 1);
    memcpy(msg + sizeof sig_prefix - 1, rs, 32);
    if (crypto_ed25519_verify(pk, msg, sizeof msg, pl->identity_sig.data) != 0) {
        rc = err_set(e, P2P_EAUTH, "noise: identity signature over the static key is invalid");
        goto out;
    }
    p2p_peer_id_from_pubkey(pk, peer);
out:
    noise_handshake_payload__free_unpacked(pl, NULL);
    return rc;
}
