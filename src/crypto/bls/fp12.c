/*
 * The tower above Fp2: Fp6 = Fp2[v]/(v^3 - xi) and Fp12 = Fp6[w]/(w^2 - v),
 * xi = 1 + u. Holds what the pairing needs: Karatsuba products, the sparse
 * product by a line value (Fp2 coefficients at w-positions 0, 1 and 3, i.e.
 * c0.c0, c0.c1 and c1.c1: "014"), Frobenius maps with precomputed
 * coefficients xi^(i (p^k - 1) / 6), and the Granger-Scott squaring for
 * elements of the cyclotomic subgroup (after the easy part of the final
 * exponentiation), which costs 9 Fp2 squarings instead of a full Fp12 square.
 */
#include "internal.h"

#include <string.h>

void fp6_set_zero(fp6_t *r) { memset(r, 0, sizeof *r); }

void fp6_set_one(fp6_t *r)
{
    fp6_set_zero(r);
    fp2_set_one(&r->c0);
}

void fp6_add(fp6_t *r, const fp6_t *a, const fp6_t *b)
{
    fp2_add(&r->c0, &a->c0, &b->c0);
    fp2_add(&r->c1, &a->c1, &b->c1);
    fp2_add(&r->c2, &a->c2, &b->c2);
}

void fp6_sub(fp6_t *r, const fp6_t *a, const fp6_t *b)
{
    fp2_sub(&r->c0, &a->c0, &b->c0);
    fp2_sub(&r->c1, &a->c1, &b->c1);
    fp2_sub(&r->c2, &a->c2, &b->c2);
}

void fp6_neg(fp6_t *r, const fp6_t *a)
{
    fp2_neg(&r->c0, &a->c0);
    fp2_neg(&r->c1, &a->c1);
    fp2_neg(&r->c2, &a->c2);
}

void fp6_mul(fp6_t *r, const fp6_t *a, const fp6_t *b)
{
    fp2_t t0, t1, t2, s, t, c0, c1, c2;
    fp2_mul(&t0, &a->c0, &b->c0);
    fp2_mul(&t1, &a->c1, &b->c1);
    fp2_mul(&t2, &a->c2, &b->c2);
    /* c0 = ((a1 + a2)(b1 + b2) - t1 - t2) xi + t0 */
    fp2_add(&s, &a->c1, &a->c2);
    fp2_add(&t, &b->c1, &b->c2);
    fp2_mul(&s, &s, &t);
    fp2_sub(&s, &s, &t1);
    fp2_sub(&s, &s, &t2);
    fp2_mul_xi(&s, &s);
    fp2_add(&c0, &s, &t0);
    /* c1 = (a0 + a1)(b0 + b1) - t0 - t1 + xi t2 */
    fp2_add(&s, &a->c0, &a->c1);
    fp2_add(&t, &b->c0, &b->c1);
    fp2_mul(&s, &s, &t);
    fp2_sub(&s, &s, &t0);
    fp2_sub(&s, &s, &t1);
    fp2_mul_xi(&t, &t2);
    fp2_add(&c1, &s, &t);
    /* c2 = (a0 + a2)(b0 + b2) - t0 - t2 + t1 */
    fp2_add(&s, &a->c0, &a->c2);
    fp2_add(&t, &b->c0, &b->c2);
    fp2_mul(&s, &s, &t);
    fp2_sub(&s, &s, &t0);
    fp2_sub(&s, &s, &t2);
    fp2_add(&c2, &s, &t1);
    r->c0 = c0;
    r->c1 = c1;
    r->c2 = c2;
}

void fp6_sqr(fp6_t *r, const fp6_t *a)
{
    /* Chung-Hasan SQR2 */
    fp2_t s0, s1, s2, s3, s4, t;
    fp2_sqr(&s0, &a->c0);
    fp2_mul(&s1, &a->c0, &a->c1);
    fp2_dbl(&s1, &s1);
    fp2_sub(&t, &a->c0, &a->c1);
    fp2_add(&t, &t, &a->c2);
    fp2_sqr(&s2, &t);
    fp2_mul(&s3, &a->c1, &a->c2);
    fp2_dbl(&s3, &s3);
    fp2_sqr(&s4, &a->c2);
    /* c2 = s1 + s2 + s3 - s0 - s4 */
    fp2_add(&t, &s1, &s2);
    fp2_add(&t, &t, &s3);
    fp2_sub(&t, &t, &s0);
    fp2_sub(&r->c2, &t, &s4);
    fp2_mul_xi(&t, &s3);
    fp2_add(&r->c0, &t, &s0);
    fp2_mul_xi(&t, &s4);
    fp2_add(&r->c1, &t, &s1);
}

void fp6_mul_v(fp6_t *r, const fp6_t *a)
{
    fp2_t t;
    fp2_mul_xi(&t, &a->c2);
    r->c2 = a->c1;
    r->c1 = a->c0;
    r->c0 = t;
}

void fp6_inv(fp6_t *r, const fp6_t *a)
{
    fp2_t c0, c1, c2, t, s;
    fp2_sqr(&c0, &a->c0);
    fp2_mul(&t, &a->c1, &a->c2);
    fp2_mul_xi(&t, &t);
    fp2_sub(&c0, &c0, &t);          /* a0^2 - xi a1 a2 */
    fp2_sqr(&c1, &a->c2);
    fp2_mul_xi(&c1, &c1);
    fp2_mul(&t, &a->c0, &a->c1);
    fp2_sub(&c1, &c1, &t);          /* xi a2^2 - a0 a1 */
    fp2_sqr(&c2, &a->c1);
    fp2_mul(&t, &a->c0, &a->c2);
    fp2_sub(&c2, &c2, &t);          /* a1^2 - a0 a2 */
    fp2_mul(&t, &a->c2, &c1);
    fp2_mul(&s, &a->c1, &c2);
    fp2_add(&t, &t, &s);
    fp2_mul_xi(&t, &t);
    fp2_mul(&s, &a->c0, &c0);
    fp2_add(&t, &t, &s);
    fp2_inv(&t, &t);
    fp2_mul(&r->c0, &c0, &t);
    fp2_mul(&r->c1, &c1, &t);
    fp2_mul(&r->c2, &c2, &t);
}

/* a * (b0 + b1 v) */
static void fp6_mul_by_01(fp6_t *r, const fp6_t *a, const fp2_t *b0, const fp2_t *b1)
{
    fp2_t aa, bb, t, s, c0, c1, c2;
    fp2_mul(&aa, &a->c0, b0);
    fp2_mul(&bb, &a->c1, b1);
    fp2_mul(&t, &a->c2, b1);
    fp2_mul_xi(&t, &t);
    fp2_add(&c0, &t, &aa);
    fp2_add(&t, b0, b1);
    fp2_add(&s, &a->c0, &a->c1);
    fp2_mul(&t, &t, &s);
    fp2_sub(&t, &t, &aa);
    fp2_sub(&c1, &t, &bb);
    fp2_mul(&t, &a->c2, b0);
    fp2_add(&c2, &t, &bb);
    r->c0 = c0;
    r->c1 = c1;
    r->c2 = c2;
}

/* a * (b1 v) */
static void fp6_mul_by_1(fp6_t *r, const fp6_t *a, const fp2_t *b1)
{
    fp2_t c0, c1, c2;
    fp2_mul(&c0, &a->c2, b1);
    fp2_mul_xi(&c0, &c0);
    fp2_mul(&c1, &a->c0, b1);
    fp2_mul(&c2, &a->c1, b1);
    r->c0 = c0;
    r->c1 = c1;
    r->c2 = c2;
}

void fp12_set_one(fp12_t *r)
{
    fp6_set_one(&r->c0);
    fp6_set_zero(&r->c1);
}

bool fp12_eq(const fp12_t *a, const fp12_t *b)
{
    const fp2_t *x = &a->c0.c0, *y = &b->c0.c0;
    uint64_t ok = 1;
    for (int i = 0; i < 6; i++)
        ok &= fp2_eq(&x[i], &y[i]);
    return ok != 0;
}

bool fp12_is_one(const fp12_t *a)
{
    fp12_t one;
    fp12_set_one(&one);
    return fp12_eq(a, &one);
}

void fp12_mul(fp12_t *r, const fp12_t *a, const fp12_t *b)
{
    fp6_t t0, t1, s, t;
    fp6_mul(&t0, &a->c0, &b->c0);
    fp6_mul(&t1, &a->c1, &b->c1);
    fp6_add(&s, &a->c0, &a->c1);
    fp6_add(&t, &b->c0, &b->c1);
    fp6_mul(&s, &s, &t);
    fp6_sub(&s, &s, &t0);
    fp6_sub(&r->c1, &s, &t1);
    fp6_mul_v(&t1, &t1);
    fp6_add(&r->c0, &t0, &t1);
}

void fp12_sqr(fp12_t *r, const fp12_t *a)
{
    /* complex squaring: (a0 + a1 w)^2 = a0^2 + v a1^2 + 2 a0 a1 w */
    fp6_t ab, s, t;
    fp6_mul(&ab, &a->c0, &a->c1);
    fp6_add(&s, &a->c0, &a->c1);
    fp6_mul_v(&t, &a->c1);
    fp6_add(&t, &t, &a->c0);
    fp6_mul(&s, &s, &t);
    fp6_sub(&s, &s, &ab);
    fp6_mul_v(&t, &ab);
    fp6_sub(&r->c0, &s, &t);
    fp6_add(&r->c1, &ab, &ab);
}

void fp12_conj(fp12_t *r, const fp12_t *a)
{
    r->c0 = a->c0;
    fp6_neg(&r->c1, &a->c1);
}

void fp12_inv(fp12_t *r, const fp12_t *a)
{
    fp6_t t0, t1;
    fp6_sqr(&t0, &a->c0);
    fp6_sqr(&t1, &a->c1);
    fp6_mul_v(&t1, &t1);
    fp6_sub(&t0, &t0, &t1);
    fp6_inv(&t0, &t0);
    fp6_mul(&r->c0, &a->c0, &t0);
    fp6_mul(&t1, &a->c1, &t0);
    fp6_neg(&r->c1, &t1);
}

void fp12_frob(fp12_t *r, const fp12_t *a, int k)
{
    const fp2_t *g = BLS_FROB[k - 1];
    const fp2_t *src = &a->c0.c0;
    fp2_t *dst = &r->c0.c0;
    /* coefficient index j of (c0.c0, c0.c1, c0.c2, c1.c0, c1.c1, c1.c2) sits at
     * w-power e = 2 (j mod 3) + j / 3 */
    static const int wpow[6] = {0, 2, 4, 1, 3, 5};
    for (int j = 0; j < 6; j++) {
        fp2_t t = src[j];
        if (k & 1)
            fp2_conj(&t, &t);
        if (wpow[j])
            fp2_mul(&t, &t, &g[wpow[j] - 1]);
        dst[j] = t;
    }
}

void fp12_mul_by_014(fp12_t *r, const fp12_t *a, const fp2_t *c0, const fp2_t *c1,
                     const fp2_t *c4)
{
    fp6_t aa, bb, t;
    fp2_t o;
    fp6_mul_by_01(&aa, &a->c0, c0, c1);
    fp6_mul_by_1(&bb, &a->c1, c4);
    fp2_add(&o, c1, c4);
    fp6_add(&t, &a->c1, &a->c0);
    fp6_mul_by_01(&t, &t, c0, &o);
    fp6_sub(&t, &t, &aa);
    fp6_sub(&r->c1, &t, &bb);
    fp6_mul_v(&bb, &bb);
    fp6_add(&r->c0, &bb, &aa);
}

/* (a + b s)^2 in Fp4 = Fp2[s]/(s^2 - xi) */
static void fp4_sqr(fp2_t *c0, fp2_t *c1, const fp2_t *a, const fp2_t *b)
{
    fp2_t t0, t1, t2;
    fp2_sqr(&t0, a);
    fp2_sqr(&t1, b);
    fp2_mul_xi(&t2, &t1);
    fp2_add(c0, &t2, &t0);
    fp2_add(&t2, a, b);
    fp2_sqr(&t2, &t2);
    fp2_sub(&t2, &t2, &t0);
    fp2_sub(c1, &t2, &t1);
}

void fp12_cyclotomic_sqr(fp12_t *r, const fp12_t *a)
{
    fp2_t z0 = a->c0.c0, z4 = a->c0.c1, z3 = a->c0.c2;
    fp2_t z2 = a->c1.c0, z1 = a->c1.c1, z5 = a->c1.c2;
    fp2_t t0, t1, t2, t3;

    fp4_sqr(&t0, &t1, &z0, &z1);
    /* A: z0 = 3 t0 - 2 z0, z1 = 3 t1 + 2 z1 */
    fp2_sub(&z0, &t0, &z0);
    fp2_dbl(&z0, &z0);
    fp2_add(&z0, &z0, &t0);
    fp2_add(&z1, &t1, &z1);
    fp2_dbl(&z1, &z1);
    fp2_add(&z1, &z1, &t1);

    fp4_sqr(&t0, &t1, &z2, &z3);
    fp4_sqr(&t2, &t3, &z4, &z5);
    /* C */
    fp2_sub(&z4, &t0, &z4);
    fp2_dbl(&z4, &z4);
    fp2_add(&z4, &z4, &t0);
    fp2_add(&z5, &t1, &z5);
    fp2_dbl(&z5, &z5);
    fp2_add(&z5, &z5, &t1);
    /* B */
    fp2_mul_xi(&t0, &t3);
    fp2_add(&z2, &t0, &z2);
    fp2_dbl(&z2, &z2);
    fp2_add(&z2, &z2, &t0);
    fp2_sub(&z3, &t2, &z3);
    fp2_dbl(&z3, &z3);
    fp2_add(&z3, &z3, &t2);

    r->c0.c0 = z0;
    r->c0.c1 = z4;
    r->c0.c2 = z3;
    r->c1.c0 = z2;
    r->c1.c1 = z1;
    r->c1.c2 = z5;
}
