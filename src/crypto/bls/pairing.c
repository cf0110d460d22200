/*
 * The optimal ate pairing on BLS12-381: e(P, Q) = FinalExp(f_{|x|,Q}(P))
 * conjugated for the negative x, with P in G1 and Q in G2.
 *
 * Miller loop: Q's multiple T stays in homogeneous projective coordinates on
 * the twist and every doubling/addition step also produces the tangent/chord
 * line (Costello-Lange-Naehrig 2010 formulas for the M-type twist, as in
 * arkworks' bls12 module) as three Fp2 coefficients; evaluated at the affine
 * P it is a sparse Fp12 element with non-zero slots 0, 1 and 4, multiplied in
 * with fp12_mul_by_014. No inversion happens inside the loop. Several pairs
 * share one accumulator, so a product of n pairings costs n line evaluations
 * per step but a single squaring of f and a single final exponentiation.
 *
 * Final exponentiation: the easy part f^((p^6 - 1)(p^2 + 1)) by conjugation,
 * one inversion and a Frobenius; the hard part with the x-chain below (the
 * same sequence as @noble/curves and zkcrypto), using Granger-Scott
 * cyclotomic squarings. The result may be a fixed power of the "textbook"
 * pairing, which is irrelevant for equality and bilinearity.
 */
#include "internal.h"

#include <stdlib.h>

/* 12 xi a = b3 of the twist times a */
static void mul_by_b3(fp2_t *r, const fp2_t *a)
{
    fp2_t t;
    fp2_add(&t, a, a);
    fp2_add(&t, &t, a);
    fp2_dbl(&t, &t);
    fp2_dbl(&t, &t);
    fp2_mul_xi(r, &t);
}

/* T = 2T; line coefficients (c0, c1, c4) before scaling by P. The textbook
 * step (with a = XY/2, g = (b + f)/2) is scaled by 4 here: X, Y, Z all by 4,
 * which is the same projective point, and no halving is needed. */
static void dbl_step(g2_t *t, fp2_t *c0, fp2_t *c1, fp2_t *c4)
{
    fp2_t a, b, c, e, f, g, h, j, e2, s;
    fp2_mul(&a, &t->x, &t->y);
    fp2_dbl(&a, &a);              /* 2 XY = 4a */
    fp2_sqr(&b, &t->y);
    fp2_sqr(&c, &t->z);
    mul_by_b3(&e, &c);
    fp2_add(&f, &e, &e);
    fp2_add(&f, &f, &e);
    fp2_add(&g, &b, &f);          /* 2g */
    fp2_add(&h, &t->y, &t->z);
    fp2_sqr(&h, &h);
    fp2_add(&s, &b, &c);
    fp2_sub(&h, &h, &s);
    fp2_sub(c0, &e, &b);          /* i = e - b */
    fp2_sqr(&j, &t->x);
    fp2_add(c1, &j, &j);
    fp2_add(c1, c1, &j);          /* 3 x^2 */
    fp2_neg(c4, &h);
    fp2_sqr(&e2, &e);
    fp2_sub(&s, &b, &f);
    fp2_mul(&t->x, &a, &s);       /* 4 X3 */
    fp2_sqr(&g, &g);              /* 4 g^2 */
    fp2_add(&s, &e2, &e2);
    fp2_add(&s, &s, &e2);
    fp2_dbl(&s, &s);
    fp2_dbl(&s, &s);              /* 12 e^2 */
    fp2_sub(&t->y, &g, &s);       /* 4 Y3 */
    fp2_mul(&t->z, &b, &h);
    fp2_dbl(&t->z, &t->z);
    fp2_dbl(&t->z, &t->z);        /* 4 Z3 */
}

/* T = T + Q (Q affine); line coefficients before scaling by P */
static void add_step(g2_t *t, const g2_affine_t *q, fp2_t *c0, fp2_t *c1, fp2_t *c4)
{
    fp2_t theta, lambda, c, d, e, f, g, h, s;
    fp2_mul(&s, &q->y, &t->z);
    fp2_sub(&theta, &t->y, &s);
    fp2_mul(&s, &q->x, &t->z);
    fp2_sub(&lambda, &t->x, &s);
    fp2_sqr(&c, &theta);
    fp2_sqr(&d, &lambda);
    fp2_mul(&e, &lambda, &d);
    fp2_mul(&f, &t->z, &c);
    fp2_mul(&g, &t->x, &d);
    fp2_add(&h, &e, &f);
    fp2_sub(&h, &h, &g);
    fp2_sub(&h, &h, &g);
    fp2_mul(&t->x, &lambda, &h);
    fp2_sub(&s, &g, &h);
    fp2_mul(&s, &s, &theta);
    fp2_mul(&f, &e, &t->y);
    fp2_sub(&t->y, &s, &f);
    fp2_mul(&t->z, &t->z, &e);
    fp2_mul(&s, &theta, &q->x);
    fp2_mul(&f, &lambda, &q->y);
    fp2_sub(c0, &s, &f);          /* j = theta qx - lambda qy */
    fp2_neg(c1, &theta);
    *c4 = lambda;
}

static void ell(fp12_t *f, fp2_t *c0, fp2_t *c1, fp2_t *c4, const g1_affine_t *p)
{
    fp2_mul_fp(c1, c1, &p->x);
    fp2_mul_fp(c4, c4, &p->y);
    fp12_mul_by_014(f, f, c0, c1, c4);
}

#define MAX_STACK_PAIRS 8

void bls_miller_loop(fp12_t *f, const g1_affine_t *p, const g2_affine_t *q, size_t n)
{
    g2_t stack_t[MAX_STACK_PAIRS], *t = stack_t;
    fp2_t c0, c1, c4;
    fp12_set_one(f);
    if (n > MAX_STACK_PAIRS) {
        t = malloc(n * sizeof *t);
        if (!t) {
            /* Fall back to one pair at a time; products of Miller loops multiply. */
            fp12_t g;
            for (size_t i = 0; i < n; i++) {
                bls_miller_loop(&g, &p[i], &q[i], 1);
                fp12_mul(f, f, &g);
            }
            return;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!p[i].inf && !q[i].inf)
            g2_from_affine(&t[i], &q[i].x, &q[i].y);
    bool first = true;
    for (int bit = 62; bit >= 0; bit--) {
        if (!first)
            fp12_sqr(f, f);
        first = false;
        for (size_t i = 0; i < n; i++) {
            if (p[i].inf || q[i].inf)
                continue;
            dbl_step(&t[i], &c0, &c1, &c4);
            ell(f, &c0, &c1, &c4, &p[i]);
        }
        if ((BLS_X_ABS >> bit) & 1) {
            for (size_t i = 0; i < n; i++) {
                if (p[i].inf || q[i].inf)
                    continue;
                add_step(&t[i], &q[i], &c0, &c1, &c4);
                ell(f, &c0, &c1, &c4, &p[i]);
            }
        }
    }
    fp12_conj(f, f);  /* x < 0 */
    if (t != stack_t)
        free(t);
}

/* a^|x| for a in the cyclotomic subgroup */
static void cyclotomic_exp(fp12_t *r, const fp12_t *a)
{
    fp12_t acc;
    fp12_set_one(&acc);
    bool started = false;
    for (int i = 63; i >= 0; i--) {
        if (started)
            fp12_cyclotomic_sqr(&acc, &acc);
        if ((BLS_X_ABS >> i) & 1) {
            fp12_mul(&acc, &acc, a);
            started = true;
        }
    }
    *r = acc;
}

/* a^x (x negative) */
static void exp_by_x(fp12_t *r, const fp12_t *a)
{
    cyclotomic_exp(r, a);
    fp12_conj(r, r);
}

void bls_final_exp(fp12_t *r, const fp12_t *f)
{
    fp12_t t0, t1, t2, t3, t4, t5, t6, t7, s, u;
    /* easy part: f^((p^6 - 1)(p^2 + 1)) */
    fp12_inv(&t1, f);
    fp12_conj(&t0, f);
    fp12_mul(&t0, &t0, &t1);
    fp12_frob(&t1, &t0, 2);
    fp12_mul(&t1, &t1, &t0);
    /* hard part */
    exp_by_x(&t2, &t1);
    fp12_cyclotomic_sqr(&t3, &t1);
    fp12_conj(&t3, &t3);
    fp12_mul(&t3, &t3, &t2);
    exp_by_x(&t4, &t3);
    exp_by_x(&t5, &t4);
    exp_by_x(&t6, &t5);
    fp12_cyclotomic_sqr(&s, &t2);
    fp12_mul(&t6, &t6, &s);
    exp_by_x(&t7, &t6);
    fp12_mul(&s, &t2, &t5);
    fp12_frob(&s, &s, 2);
    fp12_mul(&u, &t4, &t1);
    fp12_frob(&u, &u, 3);
    fp12_mul(&s, &s, &u);
    fp12_conj(&u, &t1);
    fp12_mul(&u, &u, &t6);
    fp12_frob(&u, &u, 1);
    fp12_mul(&s, &s, &u);
    fp12_mul(&s, &s, &t7);
    fp12_conj(&u, &t3);
    fp12_mul(&s, &s, &u);
    fp12_mul(r, &s, &t1);
}

void bls_pairing(fp12_t *r, const g1_t *p, const g2_t *q)
{
    g1_affine_t pa;
    g2_affine_t qa;
    fp12_t f;
    g1_to_affine(&pa, p);
    g2_to_affine(&qa, q);
    bls_miller_loop(&f, &pa, &qa, 1);
    bls_final_exp(r, &f);
}

bool bls_pairing_check(const g1_t *p, const g2_t *q, size_t n)
{
    g1_affine_t pa_stack[MAX_STACK_PAIRS] = {0}, *pa = pa_stack;
    g2_affine_t qa_stack[MAX_STACK_PAIRS] = {0}, *qa = qa_stack;
    fp12_t f;
    bool ok = false;
    if (n > MAX_STACK_PAIRS) {
        pa = malloc(n * sizeof *pa);
        qa = malloc(n * sizeof *qa);
        if (!pa || !qa)
            goto out;
    }
    for (size_t i = 0; i < n; i++) {
        g1_to_affine(&pa[i], &p[i]);
        g2_to_affine(&qa[i], &q[i]);
    }
    bls_miller_loop(&f, pa, qa, n);
    bls_final_exp(&f, &f);
    ok = fp12_is_one(&f);
out:
    if (pa != pa_stack)
        free(pa);
    if (qa != qa_stack)
        free(qa);
    return ok;
}
