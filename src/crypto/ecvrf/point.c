/*
 * edwards25519 points for ECVRF as 32-byte RFC 8032 encodings.
 *
 * Two kinds of operation meet here:
 *   - on public values (decoding, cofactor clearing, additions) the module's
 *     own arithmetic (ge25519.c) is used: strict RFC 8032 decoding, which
 *     libsodium 1.0.18's decoder does not do (it accepts y >= p and "negative
 *     zero", see shared/reference/protocol-notes.md §2.2), and no
 *     decode/encode round trip per operation;
 *   - multiplications by secret scalars (x, k) go through libsodium's
 *     constant-time crypto_scalarmult_ed25519_{base_,}noclamp. Those refuse
 *     points outside the prime-order subgroup and report the identity as an
 *     error, so ecvrf_point_mul() falls back to the (variable-time) wNAF code
 *     for such points, which only ever carry public data: every secret
 *     multiplication in prove is by a cofactor-cleared H.
 */
#include "internal.h"

#include <sodium.h>
#include <string.h>

const uint8_t ecvrf_identity[32] = {1};

bool ecvrf_point_valid(const uint8_t p[32])
{
    ge25519_t t;
    return ge25519_frombytes(&t, p);
}

bool ecvrf_point_is_identity(const uint8_t p[32])
{
    return memcmp(p, ecvrf_identity, 32) == 0;
}

static void decode_or_identity(ge25519_t *r, const uint8_t p[32])
{
    if (!ge25519_frombytes(r, p))
        ge25519_identity(r);   /* callers pass valid points only */
}

void ecvrf_point_add(uint8_t out[32], const uint8_t p[32], const uint8_t q[32])
{
    ge25519_t a, b;
    decode_or_identity(&a, p);
    decode_or_identity(&b, q);
    ge25519_add(&a, &a, &b);
    ge25519_tobytes(out, &a);
}

void ecvrf_point_sub(uint8_t out[32], const uint8_t p[32], const uint8_t q[32])
{
    ge25519_t a, b;
    decode_or_identity(&a, p);
    decode_or_identity(&b, q);
    ge25519_sub(&a, &a, &b);
    ge25519_tobytes(out, &a);
}

void ecvrf_point_mul8(uint8_t out[32], const uint8_t p[32])
{
    ge25519_t a;
    decode_or_identity(&a, p);
    ge25519_mul8(&a, &a);
    ge25519_tobytes(out, &a);
}

void ecvrf_point_mul_base(uint8_t out[32], const uint8_t n[32])
{
    /* libsodium writes n*B (the identity for n = 0 mod L) before returning
     * -1 for an identity result, so the output is right either way. */
    int rc = crypto_scalarmult_ed25519_base_noclamp(out, n);
    ECVRF_DECLASSIFY(&rc, sizeof rc);   /* also keeps this frame for ct.supp */
    (void)rc;
}

void ecvrf_point_mul(uint8_t out[32], const uint8_t n[32], const uint8_t p[32])
{
    static const uint8_t zero[32];
    uint8_t t[32];
    ge25519_t a, id, r;

    /* Constant-time path: p of order L and n*p not the identity. It fails
     * without writing for p outside the prime-order subgroup or of small
     * order, and after writing the identity when n = 0 mod L. */
    int rc = crypto_scalarmult_ed25519_noclamp(t, n, p);
    /* rc tells only whether p is outside the prime-order subgroup (public)
     * or n = 0 mod L (never, for a secret scalar in prove) */
    ECVRF_DECLASSIFY(&rc, sizeof rc);
    if (rc == 0) {
        memcpy(out, t, 32);
        sodium_memzero(t, sizeof t);
        return;
    }
    sodium_memzero(t, sizeof t);
    decode_or_identity(&a, p);
    if (ge25519_is_identity(&a)) {
        /* n * identity, without running the variable-time code on n (an
         * encode_to_curve output could in theory be the identity) */
        memcpy(out, ecvrf_identity, 32);
        return;
    }
    ge25519_identity(&id);
    ge25519_double_scalarmult_vartime(&r, n, &a, zero, &id);
    ge25519_tobytes(out, &r);
}
