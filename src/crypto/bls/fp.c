/*
 * Fp arithmetic for BLS12-381: 6x64-bit limbs in Montgomery form.
 *
 * Multiplication is CIOS Montgomery with the "no carry" shortcut that applies
 * because p's top limb (0x1a01...) leaves more than one spare bit: the running
 * sum never needs a seventh limb, so each outer step is one fused pass of
 * multiply-accumulate and reduction, followed by a single constant-time
 * conditional subtraction at the end. Products use unsigned __int128, which
 * gcc and clang turn into mul/adc sequences.
 *
 * Every value is kept fully reduced in [0, p). Nothing here branches on or
 * indexes memory by field values except the square roots and is_square (used on
 * public data: decompression and hash-to-curve) and the exponent of fp_pow,
 * which is always a public constant.
 */
#include "internal.h"

#include <string.h>

typedef unsigned __int128 u128;

void fp_set_zero(fp_t *r) { memset(r, 0, sizeof *r); }
void fp_set_one(fp_t *r) { *r = BLS_FP_ONE; }

/* r = a - p when that does not borrow, else a (a < 2p, constant time). */
static inline void reduce_once(uint64_t r[6], const uint64_t a[6])
{
    uint64_t s[6], borrow = 0;
    for (int i = 0; i < 6; i++) {
        u128 d = (u128)a[i] - BLS_P[i] - borrow;
        s[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    uint64_t keep_a = 0 - borrow;  /* all ones when a < p */
    for (int i = 0; i < 6; i++)
        r[i] = (a[i] & keep_a) | (s[i] & ~keep_a);
}

void fp_add(fp_t *r, const fp_t *a, const fp_t *b)
{
    uint64_t t[6], carry = 0;
    for (int i = 0; i < 6; i++) {
        u128 s = (u128)a->l[i] + b->l[i] + carry;
        t[i] = (uint64_t)s;
        carry = (uint64_t)(s >> 64);
    }
    reduce_once(r->l, t);  /* a + b < 2p < 2^384: no carry out */
}

void fp_dbl(fp_t *r, const fp_t *a) { fp_add(r, a, a); }

void fp_sub(fp_t *r, const fp_t *a, const fp_t *b)
{
    uint64_t t[6], borrow = 0;
    for (int i = 0; i < 6; i++) {
        u128 d = (u128)a->l[i] - b->l[i] - borrow;
        t[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    uint64_t mask = 0 - borrow, carry = 0;
    for (int i = 0; i < 6; i++) {
        u128 s = (u128)t[i] + (BLS_P[i] & mask) + carry;
        r->l[i] = (uint64_t)s;
        carry = (uint64_t)(s >> 64);
    }
}

void fp_neg(fp_t *r, const fp_t *a)
{
    fp_t z;
    fp_set_zero(&z);
    fp_sub(r, &z, a);
}

#define MAC(t, a, b, c, carry)                                  \
    do {                                                        \
        u128 _m = (u128)(a) * (b) + (t) + (c);                  \
        (t) = (uint64_t)_m;                                     \
        (carry) = (uint64_t)(_m >> 64);                         \
    } while (0)

void fp_mul(fp_t *r, const fp_t *a, const fp_t *b)
{
    const uint64_t *x = a->l, *y = b->l;
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0;
    for (int i = 0; i < 6; i++) {
        uint64_t yi = y[i], A, C, m, lo;
        /* t += x * y[i], and one reduction step, limb by limb */
        MAC(t0, x[0], yi, 0, A);
        m = t0 * BLS_P_INV;
        lo = t0;
        MAC(lo, m, BLS_P[0], 0, C);
        MAC(t1, x[1], yi, A, A);
        MAC(t1, m, BLS_P[1], C, C);
        t0 = t1;
        MAC(t2, x[2], yi, A, A);
        MAC(t2, m, BLS_P[2], C, C);
        t1 = t2;
        MAC(t3, x[3], yi, A, A);
        MAC(t3, m, BLS_P[3], C, C);
        t2 = t3;
        MAC(t4, x[4], yi, A, A);
        MAC(t4, m, BLS_P[4], C, C);
        t3 = t4;
        MAC(t5, x[5], yi, A, A);
        MAC(t5, m, BLS_P[5], C, C);
        t4 = t5;
        t5 = C + A;
    }
    uint64_t t[6] = {t0, t1, t2, t3, t4, t5};
    reduce_once(r->l, t);
}

void fp_sqr(fp_t *r, const fp_t *a) { fp_mul(r, a, a); }

void fp_cmov(fp_t *r, const fp_t *a, uint64_t flag)
{
    uint64_t mask = 0 - (flag & 1);
    for (int i = 0; i < 6; i++)
        r->l[i] ^= (r->l[i] ^ a->l[i]) & mask;
}

uint64_t fp_is_zero(const fp_t *a)
{
    uint64_t acc = 0;
    for (int i = 0; i < 6; i++)
        acc |= a->l[i];
    return 1 ^ ((acc | (0 - acc)) >> 63);
}

uint64_t fp_eq(const fp_t *a, const fp_t *b)
{
    uint64_t acc = 0;
    for (int i = 0; i < 6; i++)
        acc |= a->l[i] ^ b->l[i];
    return 1 ^ ((acc | (0 - acc)) >> 63);
}

/* Fixed 4-bit windows over a public exponent. */
void fp_pow(fp_t *r, const fp_t *a, const uint64_t *exp, size_t n_limbs)
{
    fp_t table[16], acc;
    fp_set_one(&table[0]);
    table[1] = *a;
    for (int i = 2; i < 16; i++)
        fp_mul(&table[i], &table[i - 1], a);
    fp_set_one(&acc);
    bool started = false;
    for (size_t i = n_limbs; i-- > 0;) {
        for (int shift = 60; shift >= 0; shift -= 4) {
            unsigned w = (unsigned)(exp[i] >> shift) & 15;
            if (started) {
                fp_sqr(&acc, &acc);
                fp_sqr(&acc, &acc);
                fp_sqr(&acc, &acc);
                fp_sqr(&acc, &acc);
            }
            if (w) {
                fp_mul(&acc, &acc, &table[w]);
                started = true;
            }
        }
    }
    *r = acc;
}

void fp_inv(fp_t *r, const fp_t *a) { fp_pow(r, a, BLS_EXP_P_MINUS_2, 6); }

bool fp_sqrt(fp_t *r, const fp_t *a)
{
    fp_t s, chk;
    fp_pow(&s, a, BLS_EXP_P_PLUS_1_DIV_4, 6);  /* p = 3 mod 4 */
    fp_sqr(&chk, &s);
    bool ok = fp_eq(&chk, a);
    *r = s;
    return ok;
}

bool fp_is_square(const fp_t *a)
{
    fp_t l;
    fp_pow(&l, a, BLS_EXP_P_MINUS_1_DIV_2, 6);  /* Legendre symbol */
    return fp_is_zero(a) || fp_eq(&l, &BLS_FP_ONE);
}

void fp_from_raw(fp_t *r, const uint64_t raw[6])
{
    fp_t t;
    memcpy(t.l, raw, sizeof t.l);
    fp_mul(r, &t, &BLS_FP_R2);
}

void fp_to_raw(uint64_t raw[6], const fp_t *a)
{
    fp_t one = {{1, 0, 0, 0, 0, 0}}, t;
    fp_mul(&t, a, &one);
    memcpy(raw, t.l, sizeof t.l);
}

static void load_be(uint64_t raw[6], const uint8_t in[48])
{
    for (int i = 0; i < 6; i++) {
        uint64_t v = 0;
        for (int j = 0; j < 8; j++)
            v = (v << 8) | in[(5 - i) * 8 + j];
        raw[i] = v;
    }
}

bool fp_from_bytes(fp_t *r, const uint8_t in[48])
{
    uint64_t raw[6], borrow = 0;
    load_be(raw, in);
    for (int i = 0; i < 6; i++) {
        u128 d = (u128)raw[i] - BLS_P[i] - borrow;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    if (!borrow)
        return false;  /* raw >= p */
    fp_from_raw(r, raw);
    return true;
}

void fp_to_bytes(uint8_t out[48], const fp_t *a)
{
    uint64_t raw[6];
    fp_to_raw(raw, a);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 8; j++)
            out[(5 - i) * 8 + j] = (uint8_t)(raw[i] >> (56 - 8 * j));
}

void fp_from_bytes_wide(fp_t *r, const uint8_t in[64])
{
    /* in = hi * 2^256 + lo with hi, lo < 2^256 < p:
     * Mont(in) = hi * (2^256 R^2) / R + lo * R^2 / R. */
    uint8_t half[48];
    fp_t hi, lo;
    memset(half, 0, 16);
    memcpy(half + 16, in, 32);
    load_be(hi.l, half);
    memcpy(half + 16, in + 32, 32);
    load_be(lo.l, half);
    fp_mul(&hi, &hi, &BLS_FP_K256);
    fp_mul(&lo, &lo, &BLS_FP_R2);
    fp_add(r, &hi, &lo);
}

int fp_sgn0(const fp_t *a)
{
    uint64_t raw[6];
    fp_to_raw(raw, a);
    return (int)(raw[0] & 1);
}

bool fp_lexi_largest(const fp_t *a)
{
    /* a > (p-1)/2  <=>  (p-1)/2 - a borrows */
    uint64_t raw[6], borrow = 0;
    fp_to_raw(raw, a);
    for (int i = 0; i < 6; i++) {
        u128 d = (u128)BLS_EXP_P_MINUS_1_DIV_2[i] - raw[i] - borrow;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    return borrow != 0;
}
