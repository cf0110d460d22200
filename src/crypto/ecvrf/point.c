/*
 * edwards25519 points for ECVRF, held as 32-byte RFC 8032 encodings and
 * operated on through libsodium's public API only.
 *
 * libsodium 1.0.18 has two gaps that RFC 9381 cares about (see
 * shared/reference/protocol-notes.md §2.2):
 *   - its point decoder accepts y >= p and "negative zero", which RFC 8032
 *     §5.1.3 rejects, so ecvrf_point_valid() checks both by hand;
 *   - crypto_scalarmult_ed25519_noclamp() refuses points outside the
 *     prime-order subgroup, yet a public key or Gamma may carry a torsion
 *     component and the RFC's arithmetic is still defined on it. For those
 *     points ecvrf_point_mul() splits P = P0 + T (P0 = (8^-1 mod L)*(8P) of
 *     order L, T = P - P0 of order dividing 8) and computes n*P0 + (n mod 8)*T.
 * It also reports the identity as an error (scalar 0, or a result at
 * infinity); the wrappers here return the identity instead.
 */
#include "internal.h"

#include <sodium.h>
#include <string.h>

const uint8_t ecvrf_identity[32] = {1};

/* p - 1 = 2^255 - 20, the y of the point of order 2 (x = 0). */
static const uint8_t y_minus_one[32] = {
    0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};

/* True when the 255-bit y of an encoding is >= p = 2^255 - 19. */
static bool y_non_canonical(const uint8_t s[32])
{
    if ((s[31] & 0x7f) != 0x7f)
        return false;
    for (int i = 30; i > 0; i--)
        if (s[i] != 0xff)
            return false;
    return s[0] >= 0xed;
}

static bool y_equals(const uint8_t s[32], const uint8_t y[32])
{
    return memcmp(s, y, 31) == 0 && (s[31] & 0x7f) == y[31];
}

bool ecvrf_point_valid(const uint8_t p[32])
{
    uint8_t t[32];

    if (y_non_canonical(p))
        return false;
    /* x = 0 exactly when y = 1 or y = -1; its sign bit must then be 0. */
    if ((p[31] & 0x80) && (y_equals(p, ecvrf_identity) || y_equals(p, y_minus_one)))
        return false;
    /* crypto_core_ed25519_add() fails iff an input does not decode to a
     * point on the curve (no square root for x). */
    return crypto_core_ed25519_add(t, p, ecvrf_identity) == 0;
}

bool ecvrf_point_is_identity(const uint8_t p[32])
{
    return memcmp(p, ecvrf_identity, 32) == 0;
}

void ecvrf_point_add(uint8_t out[32], const uint8_t p[32], const uint8_t q[32])
{
    if (crypto_core_ed25519_add(out, p, q) != 0)
        memcpy(out, ecvrf_identity, 32);   /* unreachable for valid points */
}

void ecvrf_point_sub(uint8_t out[32], const uint8_t p[32], const uint8_t q[32])
{
    if (crypto_core_ed25519_sub(out, p, q) != 0)
        memcpy(out, ecvrf_identity, 32);   /* unreachable for valid points */
}

void ecvrf_point_mul8(uint8_t out[32], const uint8_t p[32])
{
    uint8_t t[32];

    ecvrf_point_add(t, p, p);
    ecvrf_point_add(t, t, t);
    ecvrf_point_add(out, t, t);
}

void ecvrf_point_mul_base(uint8_t out[32], const uint8_t n[32])
{
    /* libsodium writes n*B (the identity for n = 0 mod L) before returning
     * -1 for an identity result, so the output is right either way. */
    int rc = crypto_scalarmult_ed25519_base_noclamp(out, n);
    (void)rc;
}

/* 8^-1 mod L, little-endian. */
static const uint8_t inv8[32] = {
    0x79, 0x2f, 0xdc, 0xe2, 0x29, 0xe5, 0x06, 0x61, 0xd0, 0xda, 0x1c, 0x7d, 0xb3, 0x9d, 0xd3, 0x07,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06};

void ecvrf_point_mul(uint8_t out[32], const uint8_t n[32], const uint8_t p[32])
{
    uint8_t p8[32], p0[32], t[32], q0[32], qt[32];
    int rc;

    /* Fast path: p of order L. Fails (without writing) for p outside the
     * prime-order subgroup or of small order, and (after writing the
     * identity) when n*p is the identity. */
    if (crypto_scalarmult_ed25519_noclamp(out, n, p) == 0)
        return;

    ecvrf_point_mul8(p8, p);
    if (ecvrf_point_is_identity(p8)) {
        memcpy(p0, ecvrf_identity, 32);        /* p is a torsion point */
        memcpy(t, p, 32);
    } else {
        rc = crypto_scalarmult_ed25519_noclamp(p0, inv8, p8);
        (void)rc;                               /* p8 has order L: succeeds */
        ecvrf_point_sub(t, p, p0);
    }
    if (ecvrf_point_is_identity(p0)) {
        memcpy(q0, ecvrf_identity, 32);
    } else {
        memcpy(q0, ecvrf_identity, 32);
        rc = crypto_scalarmult_ed25519_noclamp(q0, n, p0);  /* identity when n = 0 mod L */
        (void)rc;
    }
    /* T has order dividing 8, so n*T = (n mod 8)*T. */
    memcpy(qt, ecvrf_identity, 32);
    for (unsigned i = 0; i < (unsigned)(n[0] & 7); i++)
        ecvrf_point_add(qt, qt, t);
    ecvrf_point_add(out, q0, qt);
    sodium_memzero(q0, sizeof q0);
}
