/*
 * Arithmetic in GF(p), p = 2^255 - 19, for the Elligator 2 map of RFC 9380
 * (libsodium 1.0.18 keeps its field code private).
 *
 * An element is five 51-bit limbs, value = sum v[i] * 2^(51 i). Every
 * operation returns limbs below 2^52 ("loosely reduced"), which keeps the
 * 64x64 -> 128-bit products of fe25519_mul far from overflow (5 products of
 * at most 2^52 * 38 * 2^52 < 2^110 each). Only tobytes reduces fully. All
 * functions run in constant time: no branch or index depends on a value.
 */
#include "internal.h"

#include <string.h>

typedef unsigned __int128 u128;

#define MASK51 ((UINT64_C(1) << 51) - 1)

void fe25519_0(fe25519_t *h)
{
    memset(h, 0, sizeof *h);
}

void fe25519_1(fe25519_t *h)
{
    memset(h, 0, sizeof *h);
    h->v[0] = 1;
}

void fe25519_copy(fe25519_t *h, const fe25519_t *f)
{
    *h = *f;
}

void fe25519_frombytes(fe25519_t *h, const uint8_t s[32])
{
    h->v[0] = load_le64(s) & MASK51;
    h->v[1] = (load_le64(s + 6) >> 3) & MASK51;
    h->v[2] = (load_le64(s + 12) >> 6) & MASK51;
    h->v[3] = (load_le64(s + 19) >> 1) & MASK51;
    h->v[4] = (load_le64(s + 24) >> 12) & MASK51;
}

/* One carry pass: limbs < 2^51 except v[0] < 2^51 + 19 * 2^13. */
static void carry(uint64_t v[5])
{
    uint64_t c;
    c = v[0] >> 51; v[0] &= MASK51; v[1] += c;
    c = v[1] >> 51; v[1] &= MASK51; v[2] += c;
    c = v[2] >> 51; v[2] &= MASK51; v[3] += c;
    c = v[3] >> 51; v[3] &= MASK51; v[4] += c;
    c = v[4] >> 51; v[4] &= MASK51; v[0] += 19 * c;
}

void fe25519_tobytes(uint8_t s[32], const fe25519_t *f)
{
    uint64_t t[5], q;

    memcpy(t, f->v, sizeof t);
    carry(t);
    carry(t);
    /* Now value < 2^255 + 19 < 2p. q = 1 iff value + 19 >= 2^255, i.e.
     * value >= p; then value - p = value + 19 - 2^255. */
    q = (t[0] + 19) >> 51;
    q = (t[1] + q) >> 51;
    q = (t[2] + q) >> 51;
    q = (t[3] + q) >> 51;
    q = (t[4] + q) >> 51;
    t[0] += 19 * q;
    t[1] += t[0] >> 51; t[0] &= MASK51;
    t[2] += t[1] >> 51; t[1] &= MASK51;
    t[3] += t[2] >> 51; t[2] &= MASK51;
    t[4] += t[3] >> 51; t[3] &= MASK51;
    t[4] &= MASK51;

    uint64_t w0 = t[0] | (t[1] << 51);
    uint64_t w1 = (t[1] >> 13) | (t[2] << 38);
    uint64_t w2 = (t[2] >> 26) | (t[3] << 25);
    uint64_t w3 = (t[3] >> 39) | (t[4] << 12);
    const uint64_t w[4] = {w0, w1, w2, w3};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++)
            s[8 * i + j] = (uint8_t)(w[i] >> (8 * j));
}

void fe25519_add(fe25519_t *h, const fe25519_t *f, const fe25519_t *g)
{
    for (int i = 0; i < 5; i++)
        h->v[i] = f->v[i] + g->v[i];
    carry(h->v);
}

void fe25519_sub(fe25519_t *h, const fe25519_t *f, const fe25519_t *g)
{
    /* f + 4p - g: 4p's limbs exceed any loosely reduced limb of g. */
    h->v[0] = f->v[0] + ((UINT64_C(1) << 53) - 76) - g->v[0];
    for (int i = 1; i < 5; i++)
        h->v[i] = f->v[i] + ((UINT64_C(1) << 53) - 4) - g->v[i];
    carry(h->v);
}

void fe25519_neg(fe25519_t *h, const fe25519_t *f)
{
    fe25519_t z;
    fe25519_0(&z);
    fe25519_sub(h, &z, f);
}

/* Column sums r0..r4 (each < 2^112) -> loosely reduced limbs. Carries fit in
 * 64 bits: r4 < 5 * 2^104 gives a final carry below 2^57, so 19 times it
 * stays far below 2^64. */
static inline void reduce128(uint64_t h[5], u128 r0, u128 r1, u128 r2, u128 r3, u128 r4)
{
    uint64_t c;

    c = (uint64_t)(r0 >> 51);
    h[0] = (uint64_t)r0 & MASK51;
    r1 += c;
    c = (uint64_t)(r1 >> 51);
    h[1] = (uint64_t)r1 & MASK51;
    r2 += c;
    c = (uint64_t)(r2 >> 51);
    h[2] = (uint64_t)r2 & MASK51;
    r3 += c;
    c = (uint64_t)(r3 >> 51);
    h[3] = (uint64_t)r3 & MASK51;
    r4 += c;
    c = (uint64_t)(r4 >> 51);
    h[4] = (uint64_t)r4 & MASK51;
    h[0] += c * 19;
    h[1] += h[0] >> 51;
    h[0] &= MASK51;
}

void fe25519_mul(fe25519_t *h, const fe25519_t *f, const fe25519_t *g)
{
    const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
    const uint64_t g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
    const uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;

    const u128 r0 = (u128)f0 * g0 + (u128)f1 * g4_19 + (u128)f2 * g3_19 + (u128)f3 * g2_19 +
                    (u128)f4 * g1_19;
    const u128 r1 = (u128)f0 * g1 + (u128)f1 * g0 + (u128)f2 * g4_19 + (u128)f3 * g3_19 +
                    (u128)f4 * g2_19;
    const u128 r2 = (u128)f0 * g2 + (u128)f1 * g1 + (u128)f2 * g0 + (u128)f3 * g4_19 +
                    (u128)f4 * g3_19;
    const u128 r3 = (u128)f0 * g3 + (u128)f1 * g2 + (u128)f2 * g1 + (u128)f3 * g0 +
                    (u128)f4 * g4_19;
    const u128 r4 = (u128)f0 * g4 + (u128)f1 * g3 + (u128)f2 * g2 + (u128)f3 * g1 +
                    (u128)f4 * g0;
    reduce128(h->v, r0, r1, r2, r3, r4);
}

void fe25519_sq(fe25519_t *h, const fe25519_t *f)
{
    const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
    const uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1, f1_38 = 38 * f1, f2_38 = 38 * f2;
    const uint64_t f3_38 = 38 * f3, f3_19 = 19 * f3, f4_19 = 19 * f4;

    /* (sum f_i X^i)^2 with X^5 = 19 */
    const u128 r0 = (u128)f0 * f0 + (u128)f1_38 * f4 + (u128)f2_38 * f3;
    const u128 r1 = (u128)f0_2 * f1 + (u128)f2_38 * f4 + (u128)f3_19 * f3;
    const u128 r2 = (u128)f0_2 * f2 + (u128)f1 * f1 + (u128)f3_38 * f4;
    const u128 r3 = (u128)f0_2 * f3 + (u128)f1_2 * f2 + (u128)f4_19 * f4;
    const u128 r4 = (u128)f0_2 * f4 + (u128)f1_2 * f3 + (u128)f2 * f2;
    reduce128(h->v, r0, r1, r2, r3, r4);
}

void fe25519_mul_small(fe25519_t *h, const fe25519_t *f, uint32_t n)
{
    reduce128(h->v, (u128)f->v[0] * n, (u128)f->v[1] * n, (u128)f->v[2] * n, (u128)f->v[3] * n,
              (u128)f->v[4] * n);
}

static void sq_times(fe25519_t *h, const fe25519_t *f, int n)
{
    fe25519_sq(h, f);
    for (int i = 1; i < n; i++)
        fe25519_sq(h, h);
}

/* z^(2^250 - 1) and z^11, shared by inversion and the square root. */
static void pow_2_250_1(fe25519_t *z250, fe25519_t *z11, const fe25519_t *z)
{
    fe25519_t z2, z9, t, z5, z10, z20, z40, z50, z100, z200;

    fe25519_sq(&z2, z);              /* 2 */
    sq_times(&t, &z2, 2);            /* 8 */
    fe25519_mul(&z9, &t, z);         /* 9 */
    fe25519_mul(z11, &z9, &z2);      /* 11 */
    fe25519_sq(&t, z11);             /* 22 */
    fe25519_mul(&z5, &t, &z9);       /* 2^5 - 1 */
    sq_times(&t, &z5, 5);
    fe25519_mul(&z10, &t, &z5);      /* 2^10 - 1 */
    sq_times(&t, &z10, 10);
    fe25519_mul(&z20, &t, &z10);     /* 2^20 - 1 */
    sq_times(&t, &z20, 20);
    fe25519_mul(&z40, &t, &z20);     /* 2^40 - 1 */
    sq_times(&t, &z40, 10);
    fe25519_mul(&z50, &t, &z10);     /* 2^50 - 1 */
    sq_times(&t, &z50, 50);
    fe25519_mul(&z100, &t, &z50);    /* 2^100 - 1 */
    sq_times(&t, &z100, 100);
    fe25519_mul(&z200, &t, &z100);   /* 2^200 - 1 */
    sq_times(&t, &z200, 50);
    fe25519_mul(z250, &t, &z50);     /* 2^250 - 1 */
}

void fe25519_invert(fe25519_t *h, const fe25519_t *f)
{
    fe25519_t z250, z11, t;

    /* f^(p-2) = f^(2^255 - 21); 0 stays 0, as inv0 requires. */
    pow_2_250_1(&z250, &z11, f);
    sq_times(&t, &z250, 5);          /* 2^255 - 32 */
    fe25519_mul(h, &t, &z11);        /* 2^255 - 21 */
}

void fe25519_pow22523(fe25519_t *h, const fe25519_t *f)
{
    fe25519_t z250, z11, t;

    pow_2_250_1(&z250, &z11, f);
    sq_times(&t, &z250, 2);          /* 2^252 - 4 */
    fe25519_mul(h, &t, f);           /* 2^252 - 3 */
}

void fe25519_cmov(fe25519_t *h, const fe25519_t *f, unsigned b)
{
    const uint64_t mask = (uint64_t)0 - (uint64_t)(b & 1);
    for (int i = 0; i < 5; i++)
        h->v[i] ^= mask & (h->v[i] ^ f->v[i]);
}

bool fe25519_is_zero(const fe25519_t *f)
{
    uint8_t s[32];
    uint8_t acc = 0;

    fe25519_tobytes(s, f);
    for (int i = 0; i < 32; i++)
        acc |= s[i];
    return ((((unsigned)acc) - 1U) >> 8) & 1;
}

bool fe25519_equal(const fe25519_t *f, const fe25519_t *g)
{
    fe25519_t d;
    fe25519_sub(&d, f, g);
    return fe25519_is_zero(&d);
}

unsigned fe25519_sgn0(const fe25519_t *f)
{
    uint8_t s[32];
    fe25519_tobytes(s, f);
    return s[0] & 1;
}

/* sqrt(-1) = 2^((p-1)/4), little-endian. */
static const uint8_t sqrtm1_bytes[32] = {
    0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f,
    0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b};

void fe25519_sqrtm1(fe25519_t *h)
{
    fe25519_frombytes(h, sqrtm1_bytes);
}

bool fe25519_sqrt(fe25519_t *r, const fe25519_t *f)
{
    fe25519_t t, cand, cand2, sqrtm1, alt, negf;
    bool ok1, ok2;

    /* p = 5 mod 8: cand = f^((p+3)/8) = f * f^(2^252 - 3). cand^2 is f or -f;
     * in the second case cand * sqrt(-1) is the root. */
    fe25519_pow22523(&t, f);
    fe25519_mul(&cand, &t, f);
    fe25519_sq(&cand2, &cand);
    fe25519_neg(&negf, f);
    ok1 = fe25519_equal(&cand2, f);
    ok2 = fe25519_equal(&cand2, &negf);
    fe25519_sqrtm1(&sqrtm1);
    fe25519_mul(&alt, &cand, &sqrtm1);
    fe25519_cmov(&cand, &alt, (unsigned)ok2 & ~(unsigned)ok1);
    fe25519_copy(r, &cand);
    return ok1 | ok2;
}

void fe25519_from_be48(fe25519_t *h, const uint8_t in[48])
{
    uint8_t lo[32], hi[32] = {0};
    fe25519_t fl, fh, top;

    /* in = A * 2^256 + B * 2^255 + C with A < 2^128, B a bit, C < 2^255;
     * mod p, 2^255 = 19 and 2^256 = 38. */
    for (int i = 0; i < 32; i++)
        lo[i] = in[47 - i];
    for (int i = 0; i < 16; i++)
        hi[i] = in[15 - i];
    fe25519_frombytes(&fl, lo);      /* ignores bit 255 (B) */
    fe25519_frombytes(&fh, hi);
    fe25519_mul_small(&fh, &fh, 38);
    fe25519_0(&top);
    top.v[0] = 19 * (uint64_t)(lo[31] >> 7);
    fe25519_add(h, &fl, &fh);
    fe25519_add(h, h, &top);
}
