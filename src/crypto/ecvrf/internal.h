/*
 * crypto/ecvrf internals, shared by the module's files and its unit tests
 * (which check every intermediate value of the RFC 9381 examples):
 *
 *   point.c   edwards25519 points as 32-byte RFC 8032 encodings: strict
 *             decoding, cofactor clearing, and scalar multiplication through
 *             libsodium's constant-time code (secret scalars) with a fallback
 *             for points outside the prime-order subgroup (public values)
 *   ge25519.c group arithmetic in extended coordinates for public values:
 *             decoding, encoding, the variable-time double-scalar
 *             multiplication of verification
 *   fe25519.c arithmetic modulo p = 2^255 - 19 (5 x 51-bit limbs), for the
 *             above and RFC 9380's Elligator 2 map (libsodium 1.0.18 exports
 *             none of its field code)
 *   h2c.c     RFC 9380 expand_message_xmd (SHA-512), hash_to_field, the
 *             Elligator 2 map to curve25519 and the rational map to
 *             edwards25519 (suites edwards25519_XMD:SHA-512_ELL2_{NU,RO}_)
 *   ecvrf.c   RFC 9381: keys, encode_to_curve, nonce, challenge, prove,
 *             verify, proof_to_hash
 *   ed25519.c Ed25519 verification, single and batched (one multi-scalar
 *             multiplication per batch, ge25519.c), under one rule
 */
#ifndef AETHER_CRYPTO_ECVRF_INTERNAL_H
#define AETHER_CRYPTO_ECVRF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ecvrf.h"

/* Marks bytes derived from secrets as public from here on (the public key,
 * Gamma, c). A no-op, except in the constant-time test build
 * (tests/unit/ecvrf/ct_prove.c, -DECVRF_CTGRIND), where valgrind's memcheck
 * treats secret bytes as undefined and reports every branch or memory index
 * that depends on them. */
#ifdef ECVRF_CTGRIND
#include <valgrind/memcheck.h>
#define ECVRF_DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define ECVRF_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

/* ---- points (point.c) ---------------------------------------------------- */

extern const uint8_t ecvrf_identity[32];

/* RFC 8032 §5.1.3 decoding as a predicate: y < p, on the curve, and no
 * "negative zero" (x = 0 with the sign bit set). */
bool ecvrf_point_valid(const uint8_t p[32]);
bool ecvrf_point_is_identity(const uint8_t p[32]);
/* out = 8*p for a valid point p (three doublings). */
void ecvrf_point_mul8(uint8_t out[32], const uint8_t p[32]);
/* out = p + q and out = p - q for valid points. */
void ecvrf_point_add(uint8_t out[32], const uint8_t p[32], const uint8_t q[32]);
void ecvrf_point_sub(uint8_t out[32], const uint8_t p[32], const uint8_t q[32]);
/* out = n*B, n < 2^255 (any value; n = 0 gives the identity). Constant time. */
void ecvrf_point_mul_base(uint8_t out[32], const uint8_t n[32]);
/* out = n*p for any valid point p and n < 2^255. Constant time in n when p is
 * in the prime-order subgroup and n mod L != 0 (the case of every secret
 * scalar multiplication); the other cases involve only public values. */
void ecvrf_point_mul(uint8_t out[32], const uint8_t n[32], const uint8_t p[32]);

/* ---- scalars mod L (ecvrf.c) ------------------------------------------- */

/* True when the 32-byte little-endian s is < L. */
bool ecvrf_scalar_canonical(const uint8_t s[32]);

/* ---- field elements mod 2^255-19 (fe25519.c) ----------------------------- */

typedef struct fe25519 {
    uint64_t v[5];   /* radix 2^51, limbs < 2^52 between operations */
} fe25519_t;

void fe25519_0(fe25519_t *h);
void fe25519_1(fe25519_t *h);
/* Little-endian 32 bytes; bit 255 is ignored; values >= p are reduced. */
void fe25519_frombytes(fe25519_t *h, const uint8_t s[32]);
/* Canonical little-endian encoding (fully reduced). */
void fe25519_tobytes(uint8_t s[32], const fe25519_t *f);
void fe25519_copy(fe25519_t *h, const fe25519_t *f);
void fe25519_neg(fe25519_t *h, const fe25519_t *f);
/* The hot operations, inline (every point operation is a handful of them). */
typedef unsigned __int128 fe25519_u128;
#define FE25519_MASK51 ((UINT64_C(1) << 51) - 1)

/* One carry pass: limbs < 2^51 except v[0] < 2^51 + 19 * 2^13. */
static inline void fe25519_carry(uint64_t v[5])
{
    uint64_t c;
    c = v[0] >> 51; v[0] &= FE25519_MASK51; v[1] += c;
    c = v[1] >> 51; v[1] &= FE25519_MASK51; v[2] += c;
    c = v[2] >> 51; v[2] &= FE25519_MASK51; v[3] += c;
    c = v[3] >> 51; v[3] &= FE25519_MASK51; v[4] += c;
    c = v[4] >> 51; v[4] &= FE25519_MASK51; v[0] += 19 * c;
}

static inline void fe25519_add(fe25519_t *h, const fe25519_t *f, const fe25519_t *g)
{
    for (int i = 0; i < 5; i++)
        h->v[i] = f->v[i] + g->v[i];
    fe25519_carry(h->v);
}

static inline void fe25519_sub(fe25519_t *h, const fe25519_t *f, const fe25519_t *g)
{
    /* f + 4p - g: 4p's limbs exceed any loosely reduced limb of g. */
    h->v[0] = f->v[0] + ((UINT64_C(1) << 53) - 76) - g->v[0];
    for (int i = 1; i < 5; i++)
        h->v[i] = f->v[i] + ((UINT64_C(1) << 53) - 4) - g->v[i];
    fe25519_carry(h->v);
}

/* Column sums r0..r4 (each < 2^112) -> loosely reduced limbs. Carries fit in
 * 64 bits: r4 < 5 * 2^104 gives a final carry below 2^57, so 19 times it
 * stays far below 2^64. */
static inline void fe25519_reduce128(uint64_t h[5], fe25519_u128 r0, fe25519_u128 r1,
                                     fe25519_u128 r2, fe25519_u128 r3, fe25519_u128 r4)
{
    uint64_t c;

    c = (uint64_t)(r0 >> 51);
    h[0] = (uint64_t)r0 & FE25519_MASK51;
    r1 += c;
    c = (uint64_t)(r1 >> 51);
    h[1] = (uint64_t)r1 & FE25519_MASK51;
    r2 += c;
    c = (uint64_t)(r2 >> 51);
    h[2] = (uint64_t)r2 & FE25519_MASK51;
    r3 += c;
    c = (uint64_t)(r3 >> 51);
    h[3] = (uint64_t)r3 & FE25519_MASK51;
    r4 += c;
    c = (uint64_t)(r4 >> 51);
    h[4] = (uint64_t)r4 & FE25519_MASK51;
    h[0] += c * 19;
    h[1] += h[0] >> 51;
    h[0] &= FE25519_MASK51;
}

static inline void fe25519_mul(fe25519_t *h, const fe25519_t *f, const fe25519_t *g)
{
    const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
    const uint64_t g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
    const uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;

    const fe25519_u128 r0 = (fe25519_u128)f0 * g0 + (fe25519_u128)f1 * g4_19 + (fe25519_u128)f2 * g3_19 + (fe25519_u128)f3 * g2_19 +
                    (fe25519_u128)f4 * g1_19;
    const fe25519_u128 r1 = (fe25519_u128)f0 * g1 + (fe25519_u128)f1 * g0 + (fe25519_u128)f2 * g4_19 + (fe25519_u128)f3 * g3_19 +
                    (fe25519_u128)f4 * g2_19;
    const fe25519_u128 r2 = (fe25519_u128)f0 * g2 + (fe25519_u128)f1 * g1 + (fe25519_u128)f2 * g0 + (fe25519_u128)f3 * g4_19 +
                    (fe25519_u128)f4 * g3_19;
    const fe25519_u128 r3 = (fe25519_u128)f0 * g3 + (fe25519_u128)f1 * g2 + (fe25519_u128)f2 * g1 + (fe25519_u128)f3 * g0 +
                    (fe25519_u128)f4 * g4_19;
    const fe25519_u128 r4 = (fe25519_u128)f0 * g4 + (fe25519_u128)f1 * g3 + (fe25519_u128)f2 * g2 + (fe25519_u128)f3 * g1 +
                    (fe25519_u128)f4 * g0;
    fe25519_reduce128(h->v, r0, r1, r2, r3, r4);
}

static inline void fe25519_sq(fe25519_t *h, const fe25519_t *f)
{
    const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
    const uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1, f1_38 = 38 * f1, f2_38 = 38 * f2;
    const uint64_t f3_38 = 38 * f3, f3_19 = 19 * f3, f4_19 = 19 * f4;

    /* (sum f_i X^i)^2 with X^5 = 19 */
    const fe25519_u128 r0 = (fe25519_u128)f0 * f0 + (fe25519_u128)f1_38 * f4 + (fe25519_u128)f2_38 * f3;
    const fe25519_u128 r1 = (fe25519_u128)f0_2 * f1 + (fe25519_u128)f2_38 * f4 + (fe25519_u128)f3_19 * f3;
    const fe25519_u128 r2 = (fe25519_u128)f0_2 * f2 + (fe25519_u128)f1 * f1 + (fe25519_u128)f3_38 * f4;
    const fe25519_u128 r3 = (fe25519_u128)f0_2 * f3 + (fe25519_u128)f1_2 * f2 + (fe25519_u128)f4_19 * f4;
    const fe25519_u128 r4 = (fe25519_u128)f0_2 * f4 + (fe25519_u128)f1_2 * f3 + (fe25519_u128)f2 * f2;
    fe25519_reduce128(h->v, r0, r1, r2, r3, r4);
}

void fe25519_mul_small(fe25519_t *h, const fe25519_t *f, uint32_t n);
/* h = 1/f, and 0 for f = 0 (RFC 9380 inv0). */
void fe25519_invert(fe25519_t *h, const fe25519_t *f);
/* h = f^((p-5)/8) = f^(2^252 - 3). */
void fe25519_pow22523(fe25519_t *h, const fe25519_t *f);
/* h = sqrt(-1) = 2^((p-1)/4). */
void fe25519_sqrtm1(fe25519_t *h);
/* h = f if b else h; b is 0 or 1; constant time. */
void fe25519_cmov(fe25519_t *h, const fe25519_t *f, unsigned b);
bool fe25519_is_zero(const fe25519_t *f);
bool fe25519_equal(const fe25519_t *f, const fe25519_t *g);
/* RFC 9380 §4.1 sgn0 for m = 1: the parity of the canonical value. */
unsigned fe25519_sgn0(const fe25519_t *f);
/* When f is a square, sets r to one of its square roots and returns true;
 * otherwise r is unspecified and the result is false. Constant time. */
bool fe25519_sqrt(fe25519_t *r, const fe25519_t *f);
/* h = the 48-byte (or shorter) big-endian integer in mod p, RFC 9380 §5.2
 * OS2IP(tv) mod p for L = 48. */
void fe25519_from_be48(fe25519_t *h, const uint8_t in[48]);

/* ---- edwards25519 group arithmetic (ge25519.c) ------------------------------
 * Extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z, with the
 * complete formulas of Hisil-Wong-Carter-Dawson 2008 for a = -1. Used on
 * public values only (verification, encode_to_curve, cofactor clearing):
 * these functions are NOT constant time. */

typedef struct ge25519 {
    fe25519_t x, y, z, t;
} ge25519_t;

/* RFC 8032 §5.1.3 strict decoding; false for INVALID. */
bool ge25519_frombytes(ge25519_t *p, const uint8_t s[32]);
/* RFC 8032 §5.1.2 encoding. */
void ge25519_tobytes(uint8_t s[32], const ge25519_t *p);
void ge25519_identity(ge25519_t *p);
bool ge25519_is_identity(const ge25519_t *p);
void ge25519_add(ge25519_t *r, const ge25519_t *p, const ge25519_t *q);
void ge25519_sub(ge25519_t *r, const ge25519_t *p, const ge25519_t *q);
void ge25519_dbl(ge25519_t *r, const ge25519_t *p);
void ge25519_neg(ge25519_t *r, const ge25519_t *p);
void ge25519_mul8(ge25519_t *r, const ge25519_t *p);
/* The base point B of RFC 8032. */
void ge25519_base(ge25519_t *p);
/* r = a*A + b*B for any points and scalars a, b < 2^255 (width-5 wNAF,
 * interleaved). Variable time. */
void ge25519_double_scalarmult_vartime(ge25519_t *r, const uint8_t a[32], const ge25519_t *pa,
                                       const uint8_t b[32], const ge25519_t *pb);
/* r = s[0]*p[0] + ... + s[n-1]*p[n-1] for any points and scalars < 2^255
 * (Straus, width-5 wNAF). Variable time. False only when out of memory. */
bool ge25519_multi_scalarmult_vartime(ge25519_t *r, const uint8_t (*s)[32], const ge25519_t *p,
                                      size_t n);

/* ---- Ed25519 (ed25519.c) ------------------------------------------------- */

/* Decoded public keys kept by the batch verifier: direct-mapped on the key's
 * first four bytes (little-endian) mod this, ~200 bytes each. */
#define ED25519_KEY_CACHE 16384

/* The batch equation alone, for tests: true when items[0..n) (1 <= n <= 64)
 * all pass the decoding rules and the random-combination equation holds;
 * no fallback to single checks. */
bool ed25519_batch_equation(const ecvrf_ed25519_item_t *items, size_t n);

/* ---- RFC 9380 hash to curve (h2c.c) ------------------------------------- */

#define H2C_ELL2_L 48   /* bytes per field element (k = 128) */
#define H2C_DST_MAX 255

/* expand_message_xmd with SHA-512 (RFC 9380 §5.3.1) of msg = m1 || m2 (either
 * part may be empty). Returns 0, or ECVRF_EINVAL when out_len > 255*64 or
 * dst_len > 255. */
int h2c_expand_message_xmd_sha512(const uint8_t *m1, size_t n1, const uint8_t *m2, size_t n2,
                                  const uint8_t *dst, size_t dst_len, uint8_t *out,
                                  size_t out_len);

/* Elligator 2 onto curve25519 (RFC 9380 §6.7.1, J = 486662, K = 1, Z = 2)
 * followed by the rational map to edwards25519 (§6.8.2, Appendix D.1).
 * Writes the edwards25519 point Q = map_to_curve(u) (not cofactor-cleared)
 * and, when not NULL, gx1 and whether it is a square. */
void h2c_map_to_curve_ell2(uint8_t q[32], const fe25519_t *u, fe25519_t *gx1, bool *gx1_square);

/* Intermediates of edwards25519_XMD:SHA-512_ELL2_NU_ encode_to_curve. */
typedef struct h2c_trace {
    uint8_t uniform_bytes[H2C_ELL2_L];
    uint8_t u[32];       /* canonical little-endian */
    uint8_t gx1[32];
    bool gx1_square;
    uint8_t q[32];       /* map_to_curve(u), before clear_cofactor */
} h2c_trace_t;

/* encode_to_curve (NU) of msg = m1 || m2: P = 8 * map_to_curve(hash_to_field
 * (msg, 1)). trace may be NULL. Returns 0 or ECVRF_EINVAL (dst too long). */
int h2c_encode_to_curve_ell2(const uint8_t *m1, size_t n1, const uint8_t *m2, size_t n2,
                             const uint8_t *dst, size_t dst_len, uint8_t p[32],
                             h2c_trace_t *trace);
/* hash_to_curve (RO): P = 8 * (map(u0) + map(u1)); u0, u1 (little-endian),
 * q0 and q1 are optional outputs. */
int h2c_hash_to_curve_ell2(const uint8_t *msg, size_t msg_len, const uint8_t *dst,
                           size_t dst_len, uint8_t p[32], uint8_t u0[32], uint8_t u1[32],
                           uint8_t q0[32], uint8_t q1[32]);

/* ---- RFC 9381 steps (ecvrf.c) --------------------------------------------- */

/* Intermediate values of one ECVRF_prove, as printed in RFC 9381 App. B. */
typedef struct ecvrf_trace {
    uint8_t x[32];          /* secret scalar (clamped) */
    uint8_t pk[32];
    int tai_ctr;            /* TAI: the ctr that succeeded */
    h2c_trace_t ell2;       /* ELL2: hash-to-curve intermediates */
    uint8_t h[32];          /* H = encode_to_curve(PK, alpha) */
    uint8_t gamma[32];
    uint8_t k_string[64];
    uint8_t k[32];
    uint8_t u[32];          /* U = k*B */
    uint8_t v[32];          /* V = k*H */
    uint8_t c[16];
    uint8_t s[32];
} ecvrf_trace_t;

/* x (clamped scalar) and the nonce prefix SHA-512(SK)[32..64). */
void ecvrf_expand_sk(const uint8_t sk[32], uint8_t x[32], uint8_t prefix[32]);
/* RFC 9381 §5.4.1 for the suite; salt = PK. ctr is set for TAI (else -1). */
int ecvrf_encode_to_curve(ecvrf_suite_t suite, const uint8_t pk[32], const uint8_t *alpha,
                          size_t alpha_len, uint8_t h[32], int *ctr, h2c_trace_t *ell2);
/* §5.4.2.2: k_string = SHA-512(prefix || h), k = k_string mod L. */
void ecvrf_nonce(const uint8_t prefix[32], const uint8_t h[32], uint8_t k_string[64],
                 uint8_t k[32]);
/* §5.4.3 over (Y, H, Gamma, U, V). */
void ecvrf_challenge(ecvrf_suite_t suite, const uint8_t y[32], const uint8_t h[32],
                     const uint8_t gamma[32], const uint8_t u[32], const uint8_t v[32],
                     uint8_t c[16]);
/* ecvrf_prove that also fills *trace (secret values included: tests only). */
int ecvrf_prove_trace(ecvrf_suite_t suite, const uint8_t sk[32], const uint8_t *alpha,
                      size_t alpha_len, uint8_t pi[ECVRF_PROOF_BYTES], ecvrf_trace_t *trace,
                      err_t *e);

#endif /* AETHER_CRYPTO_ECVRF_INTERNAL_H */
