/*
 * Fp2 = Fp[u]/(u^2 + 1). Multiplication is Karatsuba (3 Fp products),
 * squaring uses (a0 + a1)(a0 - a1) (2 products). The square root is the
 * "complex method" over the norm, which also decides whether the input is a
 * square; it runs on public data only (decompression and hash-to-curve).
 */
#include "internal.h"

void fp2_set_zero(fp2_t *r)
{
    fp_set_zero(&r->c0);
    fp_set_zero(&r->c1);
}

void fp2_set_one(fp2_t *r)
{
    fp_set_one(&r->c0);
    fp_set_zero(&r->c1);
}

void fp2_neg(fp2_t *r, const fp2_t *a)
{
    fp_neg(&r->c0, &a->c0);
    fp_neg(&r->c1, &a->c1);
}

void fp2_conj(fp2_t *r, const fp2_t *a)
{
    r->c0 = a->c0;
    fp_neg(&r->c1, &a->c1);
}

void fp2_mul(fp2_t *r, const fp2_t *a, const fp2_t *b)
{
    fp_t v0, v1, s, t;
    if (fp2_mul_lazy(&v0, &v1, &a->c0, &a->c1, &b->c0, &b->c1)) {
        r->c0 = v0;
        r->c1 = v1;
        return;
    }
    fp_mul(&v0, &a->c0, &b->c0);
    fp_mul(&v1, &a->c1, &b->c1);
    fp_add(&s, &a->c0, &a->c1);
    fp_add(&t, &b->c0, &b->c1);
    fp_mul(&s, &s, &t);
    fp_sub(&s, &s, &v0);
    fp_sub(&r->c1, &s, &v1);
    fp_sub(&r->c0, &v0, &v1);
}

void fp2_sqr(fp2_t *r, const fp2_t *a)
{
    fp_t s, d, m;
    fp_add(&s, &a->c0, &a->c1);
    fp_sub(&d, &a->c0, &a->c1);
    fp_mul(&m, &a->c0, &a->c1);
    fp_mul(&r->c0, &s, &d);
    fp_dbl(&r->c1, &m);
}

void fp2_mul_fp(fp2_t *r, const fp2_t *a, const fp_t *b)
{
    fp_mul(&r->c0, &a->c0, b);
    fp_mul(&r->c1, &a->c1, b);
}

void fp2_mul_xi(fp2_t *r, const fp2_t *a)
{
    fp_t t;
    fp_sub(&t, &a->c0, &a->c1);
    fp_add(&r->c1, &a->c0, &a->c1);
    r->c0 = t;
}

void fp2_inv(fp2_t *r, const fp2_t *a)
{
    fp_t n, t;
    fp_sqr(&n, &a->c0);
    fp_sqr(&t, &a->c1);
    fp_add(&n, &n, &t);
    fp_inv(&n, &n);
    fp_mul(&r->c0, &a->c0, &n);
    fp_mul(&t, &a->c1, &n);
    fp_neg(&r->c1, &t);
}

void fp2_cmov(fp2_t *r, const fp2_t *a, uint64_t flag)
{
    fp_cmov(&r->c0, &a->c0, flag);
    fp_cmov(&r->c1, &a->c1, flag);
}

uint64_t fp2_is_zero(const fp2_t *a) { return fp_is_zero(&a->c0) & fp_is_zero(&a->c1); }

uint64_t fp2_eq(const fp2_t *a, const fp2_t *b)
{
    return fp_eq(&a->c0, &b->c0) & fp_eq(&a->c1, &b->c1);
}

bool fp2_sqrt(fp2_t *r, const fp2_t *a)
{
    fp2_t out, chk;
    if (fp_is_zero(&a->c1)) {
        /* a in Fp: either sqrt(a0) or u * sqrt(-a0) */
        fp_t s, m;
        if (fp_sqrt(&s, &a->c0)) {
            out.c0 = s;
            fp_set_zero(&out.c1);
        } else {
            fp_neg(&m, &a->c0);
            if (!fp_sqrt(&s, &m))
                return false;  /* impossible: -1 is a non-square in Fp */
            fp_set_zero(&out.c0);
            out.c1 = s;
        }
    } else {
        fp_t n, t, alpha, delta, x0, x1, chk1;
        fp_sqr(&n, &a->c0);
        fp_sqr(&t, &a->c1);
        fp_add(&n, &n, &t);
        if (!fp_sqrt(&alpha, &n))
            return false;  /* the norm is not a square: neither is a */
        /* x0 = sqrt(delta), delta = (a0 + alpha)/2, from t = delta^((p-3)/4):
         * x0 = t delta and, when delta is a square, t = 1/x0, so the root is
         * (x0, a1 t / 2). When it is not, x0^2 = -delta and t x0 = -1, and
         * the other half (a0 - alpha)/2 = -a1^2 / (4 delta) has the root
         * -a1 t / 2, so the root is (-a1 t / 2, x0): one exponentiation and
         * no inversion either way. */
        fp_add(&delta, &a->c0, &alpha);
        fp_mul(&delta, &delta, &BLS_FP_TWO_INV);
        fp_pow(&t, &delta, BLS_EXP_P_MINUS_3_DIV_4, 6);
        fp_mul(&x0, &t, &delta);
        fp_sqr(&chk1, &x0);
        fp_mul(&x1, &a->c1, &t);
        fp_mul(&x1, &x1, &BLS_FP_TWO_INV);
        if (fp_eq(&chk1, &delta)) {
            out.c0 = x0;
            out.c1 = x1;
        } else {
            fp_neg(&out.c0, &x1);
            out.c1 = x0;
        }
    }
    fp2_sqr(&chk, &out);
    if (!fp2_eq(&chk, a))
        return false;
    *r = out;
    return true;
}

int fp2_sgn0(const fp2_t *a)
{
    int sign0 = fp_sgn0(&a->c0);
    int zero0 = (int)fp_is_zero(&a->c0);
    int sign1 = fp_sgn0(&a->c1);
    return sign0 | (zero0 & sign1);
}

bool fp2_lexi_largest(const fp2_t *a)
{
    if (!fp_is_zero(&a->c1))
        return fp_lexi_largest(&a->c1);
    return fp_lexi_largest(&a->c0);
}
