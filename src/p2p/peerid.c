/*
 * Keys and peer ids (peer-ids/peer-ids.md §Keys, §Peer Ids, §String
 * representation). An Ed25519 PublicKey protobuf is 36 bytes (08 01 12 20 ||
 * pk), so its peer id is the identity multihash 00 24 || protobuf. Text forms:
 * base58btc of the multihash (printed) and CIDv1 with multicodec libp2p-key
 * (0x72) in multibase base32 'b' (parsed and printable). sha2-256 multihash ids
 * (RSA keys, "Qm...") parse and print but carry no key we can use.
 */
#include "p2p/internal.h"

#include <string.h>

#include "crypto/crypto.h"

#define MH_IDENTITY 0x00
#define MH_SHA256 0x12
#define CID_V1 0x01
#define CODEC_LIBP2P_KEY 0x72

void p2p_key_from_seed(p2p_key_t *k, const uint8_t seed[32])
{
    memcpy(k->seed, seed, 32);
    crypto_ed25519_from_seed(seed, k->pk, k->sk);
}

void p2p_key_generate(p2p_key_t *k)
{
    uint8_t seed[32];
    crypto_random(seed, sizeof seed);
    p2p_key_from_seed(k, seed);
    crypto_wipe(seed, sizeof seed);
}

void p2p_key_wipe(p2p_key_t *k)
{
    crypto_wipe(k, sizeof *k);
}

void p2p_pubkey_encode(const uint8_t pk[32], uint8_t out[P2P_ED25519_PUBKEY_PB_LEN])
{
    out[0] = 0x08;
    out[1] = 0x01;
    out[2] = 0x12;
    out[3] = 0x20;
    memcpy(out + 4, pk, 32);
}

int p2p_pubkey_decode(const uint8_t *pb, size_t n, uint8_t pk[32], err_t *e)
{
    /* The encoding is deterministic (peer-ids.md §Keys): field 1 then field 2,
     * minimal varints, so an Ed25519 key has exactly one valid form. */
    if (n >= 2 && pb[0] == 0x08 && pb[1] != 0x01)
        return err_set(e, P2P_EINVAL, "public key: key type %u is not supported (only Ed25519)",
                       pb[1]);
    if (n != P2P_ED25519_PUBKEY_PB_LEN || pb[0] != 0x08 || pb[1] != 0x01 || pb[2] != 0x12 ||
        pb[3] != 0x20)
        return err_set(e, P2P_EINVAL, "public key: not a canonical Ed25519 PublicKey protobuf "
                       "(%zu bytes)", n);
    if (!crypto_ed25519_pk_valid(pb + 4))
        return err_set(e, P2P_EINVAL, "public key: Ed25519 key is not a curve point");
    memcpy(pk, pb + 4, 32);
    return 0;
}

void p2p_privkey_encode(const p2p_key_t *k, uint8_t out[P2P_ED25519_PRIVKEY_PB_LEN])
{
    out[0] = 0x08;
    out[1] = 0x01;
    out[2] = 0x12;
    out[3] = 0x40;
    memcpy(out + 4, k->seed, 32);
    memcpy(out + 36, k->pk, 32);
}

int p2p_privkey_decode(const uint8_t *pb, size_t n, p2p_key_t *k, err_t *e)
{
    if (n >= 2 && pb[0] == 0x08 && pb[1] != 0x01)
        return err_set(e, P2P_EINVAL, "private key: key type %u is not supported (only Ed25519)",
                       pb[1]);
    if (n != P2P_ED25519_PRIVKEY_PB_LEN || pb[0] != 0x08 || pb[1] != 0x01 || pb[2] != 0x12 ||
        pb[3] != 0x40)
        return err_set(e, P2P_EINVAL, "private key: not an Ed25519 PrivateKey protobuf "
                       "(%zu bytes)", n);
    p2p_key_t tmp;
    p2p_key_from_seed(&tmp, pb + 4);
    if (!crypto_equal(tmp.pk, pb + 36, 32)) {
        p2p_key_wipe(&tmp);
        return err_set(e, P2P_EINVAL, "private key: public half does not match the seed");
    }
    *k = tmp;
    p2p_key_wipe(&tmp);
    return 0;
}

void p2p_peer_id_from_pubkey(const uint8_t pk[32], p2p_peer_id_t *id)
{
    id->b[0] = MH_IDENTITY;
    id->b[1] = P2P_ED25519_PUBKEY_PB_LEN;
    p2p_pubkey_encode(pk, id->b + 2);
    id->len = 2 + P2P_ED25519_PUBKEY_PB_LEN;
}

int p2p_peer_id_from_bytes(const uint8_t *b, size_t n, p2p_peer_id_t *id, err_t *e)
{
    if (n < 2)
        return err_set(e, P2P_EINVAL, "peer id: %zu bytes is too short", n);
    if (n > P2P_PEER_ID_MAX)
        return err_set(e, P2P_EINVAL, "peer id: %zu bytes is too long", n);
    if (b[0] == MH_IDENTITY) {
        if (b[1] != n - 2 || b[1] > 42)
            return err_set(e, P2P_EINVAL, "peer id: identity multihash length %u does not "
                           "match %zu bytes", b[1], n - 2);
    } else if (b[0] == MH_SHA256) {
        if (b[1] != 32 || n != 34)
            return err_set(e, P2P_EINVAL, "peer id: sha2-256 multihash must be 34 bytes");
    } else {
        return err_set(e, P2P_EINVAL, "peer id: unsupported multihash code 0x%02x", b[0]);
    }
    memcpy(id->b, b, n);
    id->len = n;
    return 0;
}

int p2p_peer_id_parse(const char *text, p2p_peer_id_t *id, err_t *e)
{
    size_t n = strlen(text);
    if (n == 0)
        return err_set(e, P2P_EINVAL, "peer id: empty");
    if (text[0] == 'b' && n > 8) {
        uint8_t raw[P2P_PEER_ID_MAX + 8];
        size_t len;
        err_t e2;
        if (n - 1 > base32_encoded_len(sizeof raw) ||
            base32_decode(text + 1, n - 1, raw, sizeof raw, &len, &e2) != 0)
            return err_set(e, P2P_EINVAL, "peer id: bad base32 CID '%s'", text);
        if (len < 3 || raw[0] != CID_V1)
            return err_set(e, P2P_EINVAL, "peer id: CID is not version 1");
        if (raw[1] != CODEC_LIBP2P_KEY)
            return err_set(e, P2P_EINVAL, "peer id: CID codec 0x%02x is not libp2p-key", raw[1]);
        return p2p_peer_id_from_bytes(raw + 2, len - 2, id, e);
    }
    if (text[0] == '1' || text[0] == 'Q') {
        uint8_t raw[P2P_PEER_ID_MAX];
        size_t len;
        err_t e2;
        if (base58_decode(text, n, raw, sizeof raw, &len, &e2) != 0)
            return err_set(e, P2P_EINVAL, "peer id: bad base58 '%s': %s", text, e2.msg);
        return p2p_peer_id_from_bytes(raw, len, id, e);
    }
    return err_set(e, P2P_EINVAL, "peer id: '%s' is neither base58btc nor a base32 CID", text);
}

void p2p_peer_id_format(const p2p_peer_id_t *id, char out[P2P_PEER_ID_STR_MAX])
{
    size_t n = base58_encode(id->b, id->len, out);
    out[n] = 0;
}

void p2p_peer_id_format_cid(const p2p_peer_id_t *id, char out[P2P_PEER_ID_STR_MAX])
{
    uint8_t raw[P2P_PEER_ID_MAX + 2];
    raw[0] = CID_V1;
    raw[1] = CODEC_LIBP2P_KEY;
    memcpy(raw + 2, id->b, id->len);
    out[0] = 'b';
    base32_encode(raw, id->len + 2, out + 1);
}

int p2p_peer_id_pubkey(const p2p_peer_id_t *id, uint8_t pk[32], err_t *e)
{
    if (id->len < 2 || id->b[0] != MH_IDENTITY)
        return err_set(e, P2P_EINVAL, "peer id: not an identity multihash, no key inside");
    return p2p_pubkey_decode(id->b + 2, id->len - 2, pk, e);
}

bool p2p_peer_id_equal(const p2p_peer_id_t *a, const p2p_peer_id_t *b)
{
    return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

int p2p_content_key(const char *text, buf_t *out, err_t *e)
{
    size_t n = strlen(text);
    if (n == 0)
        return err_set(e, P2P_EINVAL, "content key: empty");
    if (text[0] == 'b' && n > 8) {
        uint8_t raw[128];
        size_t len;
        if (n - 1 <= base32_encoded_len(sizeof raw) &&
            base32_decode(text + 1, n - 1, raw, sizeof raw, &len, NULL) == 0 && len > 4 &&
            raw[0] == CID_V1) {
            uint64_t codec;
            int k = uvarint_decode(raw + 1, len - 1, &codec, NULL);
            if (k > 0 && (size_t)k + 1 < len)
                return buf_append(out, raw + 1 + k, len - 1 - (size_t)k) ? P2P_ENOMEM : 0;
        }
    }
    if (n == 46 && text[0] == 'Q' && text[1] == 'm') {
        uint8_t raw[40];
        size_t len;
        if (base58_decode(text, n, raw, sizeof raw, &len, NULL) == 0 && len == 34)
            return buf_append(out, raw, len) ? P2P_ENOMEM : 0;
    }
    uint8_t mh[34] = {MH_SHA256, 32};
    crypto_sha256(text, n, mh + 2);
    return buf_append(out, mh, sizeof mh) ? P2P_ENOMEM : 0;
}

const char *p2p_strerror(int code)
{
    switch (code) {
    case P2P_OK: return "ok";
    case P2P_EINVAL: return "invalid input";
    case P2P_ENOMEM: return "out of memory";
    case P2P_EPROTO: return "protocol violation";
    case P2P_EIO: return "I/O error";
    case P2P_ETIMEOUT: return "timeout";
    case P2P_ELIMIT: return "limit reached";
    case P2P_ECLOSED: return "closed";
    case P2P_ENOTSUP: return "protocol not supported";
    case P2P_EAUTH: return "authentication failed";
    case P2P_ENOTFOUND: return "not found";
    default: return "error";
    }
}
