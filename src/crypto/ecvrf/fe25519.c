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
    h->v[0] = load_le64(s) & FE25519_MASK51;
    h->v[1] = (load_le64(s + 6) >> 3) & FE25519_MASK51;
    h->v[2] = (load_le64(s + 12) >> 6) & FE25519_MASK51;
    h->v[3] = (load_le64(s + 19) >> 1) & FE25519_MASK51;
    h->v[4] = (load_le64(s + 24) >> 12) & FE25519_MASK51;
}


void fe25519_tobytes(uint8_t s[32], const fe25519_t *f)
{
    uint64_t t[5], q;

    memcpy(t, f->v, sizeof t);
    fe25519_carry(t);
    fe25519_carry(t);
    /* Now value < 2^255 + 19 < 2p. q = 1 iff value + 19 >= 2^255, i.e.
     * value >= p; then value - p = value + 19 - 2^255. */
    q = (t[0] + 19) >> 51;
    q = (t[1] + q) >> 51;
    q = (t[2] + q) >> 51;
    q = (t[3] + q) >> 51;
    q = (t[4] + q) >> 51;
    t[0] += 19 * q;
    t[1] += t[0] >> 51; t[0] &= FE25519_MASK51;
    t[2] += t[1] >> 51; t[1] &= FE25519_MASK51;
    t[3] += t[2] >> 51; t[2] &= FE25519_MASK51;
    t[4] += t[3] >> 51; t[3] &= FE25519_MASK51;
    t[4] &= FE25519_MASK51;

    uint64_t w0 = t[0] | (t[1] << 51);
    uint64_t w1 = (t[1] >> 13) | (t[2] << 38);
    uint64_t w2 = (t[2] >> 26) | (t[3] << 25);
    uint64_t w3 = (t[3] >> 39) | (t[4] << 12);
    const uint64_t w[4] = {w0, w1, w2, w3};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++)
            s[8 * i + j] = (uint8_t)(w[i] >> (8 * j));
}



void fe25519_neg(fe25519_t *h, const fe25519_t *f)
{
    fe25519_t z;
    fe25519_0(&z);
    fe25519_sub(h, &z, f);
}




void fe25519_mul_small(fe25519_t *h, const fe25519_t *f, uint32_t n)
{
    fe25519_reduce128(h->v, (fe25519_u128)f->v[0] * n, (fe25519_u128)f->v[1] * n, (fe25519_u128)f->v[2] * n, (fe25519_u128)f->v[3] * n,
              (fe25519_u128)f->v[4] * n);
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
