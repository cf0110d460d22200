/*
 * G2: the order-r subgroup of E2: y^2 = x^3 + 4(1 + u) over Fp2 (the M-type
 * sextic twist), with the same complete projective formulas as G1 (E2(Fp2)
 * has odd order too), b3 = 12(1 + u).
 *
 * psi = untwist o Frobenius o twist: psi(x, y) = (conj(x) cx, conj(y) cy).
 * Subgroup check (Scott 2021): P is in G2 iff psi(P) = [x] P. Cofactor
 * clearing: the Budroni-Pintore form of RFC 9380 Appendix G.3,
 * h_eff P = [x^2 - x - 1] P + [x - 1] psi(P) + psi^2(2P).
 */
#include "internal.h"

void g2_set_inf(g2_t *r)
{
    fp2_set_zero(&r->x);
    fp2_set_one(&r->y);
    fp2_set_zero(&r->z);
}

void g2_generator(g2_t *r) { g2_from_affine(r, &BLS_G2_X, &BLS_G2_Y); }

bool g2_is_inf(const g2_t *a) { return fp2_is_zero(&a->z) != 0; }

void g2_from_affine(g2_t *r, const fp2_t *x, const fp2_t *y)
{
    r->x = *x;
    r->y = *y;
    fp2_set_one(&r->z);
}

void g2_to_affine(g2_affine_t *r, const g2_t *a)
{
    fp2_t zi, one;
    r->inf = g2_is_inf(a);
    fp2_set_one(&one);
    if (fp2_eq(&a->z, &one)) {  /* already affine (decoded points) */
        r->x = a->x;
        r->y = a->y;
        return;
    }
    fp2_inv(&zi, &a->z);
    fp2_mul(&r->x, &a->x, &zi);
    fp2_mul(&r->y, &a->y, &zi);
}

static void mul_b3(fp2_t *r, const fp2_t *a)
{
    fp2_t t;
    fp2_add(&t, a, a);
    fp2_add(&t, &t, a);
    fp2_dbl(&t, &t);
    fp2_dbl(&t, &t);
    fp2_mul_xi(r, &t);
}

void g2_add(g2_t *r, const g2_t *p, const g2_t *q)
{
    fp2_t t0, t1, t2, t3, t4, x3, y3, z3;
    fp2_mul(&t0, &p->x, &q->x);
    fp2_mul(&t1, &p->y, &q->y);
    fp2_mul(&t2, &p->z, &q->z);
    fp2_add(&t3, &p->x, &p->y);
    fp2_add(&t4, &q->x, &q->y);
    fp2_mul(&t3, &t3, &t4);
    fp2_add(&t4, &t0, &t1);
    fp2_sub(&t3, &t3, &t4);
    fp2_add(&t4, &p->y, &p->z);
    fp2_add(&x3, &q->y, &q->z);
    fp2_mul(&t4, &t4, &x3);
    fp2_add(&x3, &t1, &t2);
    fp2_sub(&t4, &t4, &x3);
    fp2_add(&x3, &p->x, &p->z);
    fp2_add(&y3, &q->x, &q->z);
    fp2_mul(&x3, &x3, &y3);
    fp2_add(&y3, &t0, &t2);
    fp2_sub(&y3, &x3, &y3);
    fp2_add(&x3, &t0, &t0);
    fp2_add(&t0, &x3, &t0);
    mul_b3(&t2, &t2);
    fp2_add(&z3, &t1, &t2);
    fp2_sub(&t1, &t1, &t2);
    mul_b3(&y3, &y3);
    fp2_mul(&x3, &t4, &y3);
    fp2_mul(&t2, &t3, &t1);
    fp2_sub(&x3, &t2, &x3);
    fp2_mul(&y3, &y3, &t0);
    fp2_mul(&t1, &t1, &z3);
    fp2_add(&y3, &t1, &y3);
    fp2_mul(&t0, &t0, &t3);
    fp2_mul(&z3, &z3, &t4);
    fp2_add(&z3, &z3, &t0);
    r->x = x3;
    r->y = y3;
    r->z = z3;
}

void g2_dbl(g2_t *r, const g2_t *p)
{
    fp2_t t0, t1, t2, x3, y3, z3;
    fp2_sqr(&t0, &p->y);
    fp2_add(&z3, &t0, &t0);
    fp2_add(&z3, &z3, &z3);
    fp2_add(&z3, &z3, &z3);
    fp2_mul(&t1, &p->y, &p->z);
    fp2_sqr(&t2, &p->z);
    mul_b3(&t2, &t2);
    fp2_mul(&x3, &t2, &z3);
    fp2_add(&y3, &t0, &t2);
    fp2_mul(&z3, &t1, &z3);
    fp2_add(&t1, &t2, &t2);
    fp2_add(&t2, &t1, &t2);
    fp2_sub(&t0, &t0, &t2);
    fp2_mul(&y3, &t0, &y3);
    fp2_add(&y3, &x3, &y3);
    fp2_mul(&t1, &p->x, &p->y);
    fp2_mul(&x3, &t0, &t1);
    fp2_add(&x3, &x3, &x3);
    r->x = x3;
    r->y = y3;
    r->z = z3;
}

void g2_neg(g2_t *r, const g2_t *a)
{
    r->x = a->x;
    fp2_neg(&r->y, &a->y);
    r->z = a->z;
}

bool g2_eq(const g2_t *a, const g2_t *b)
{
    fp2_t l, r;
    uint64_t ok;
    fp2_mul(&l, &a->x, &b->z);
    fp2_mul(&r, &b->x, &a->z);
    ok = fp2_eq(&l, &r);
    fp2_mul(&l, &a->y, &b->z);
    fp2_mul(&r, &b->y, &a->z);
    ok &= fp2_eq(&l, &r);
    return ok != 0;
}

bool g2_on_curve(const g2_t *a)
{
    /* Y^2 Z = X^3 + 4(1 + u) Z^3 */
    fp2_t l, r, t;
    fp2_sqr(&l, &a->y);
    fp2_mul(&l, &l, &a->z);
    fp2_sqr(&r, &a->x);
    fp2_mul(&r, &r, &a->x);
    fp2_sqr(&t, &a->z);
    fp2_mul(&t, &t, &a->z);
    fp2_mul_xi(&t, &t);
    fp2_dbl(&t, &t);
    fp2_dbl(&t, &t);
    fp2_add(&r, &r, &t);
    return fp2_eq(&l, &r) != 0;
}

void g2_mul_ct(g2_t *r, const g2_t *a, const uint64_t k[4])
{
    g2_t table[16], acc, sel;
    g2_set_inf(&table[0]);
    table[1] = *a;
    for (int i = 2; i < 16; i++)
        g2_add(&table[i], &table[i - 1], a);
    g2_set_inf(&acc);
    for (int nib = 63; nib >= 0; nib--) {
        unsigned w = (unsigned)(k[nib / 16] >> ((nib % 16) * 4)) & 15;
        for (int d = 0; d < 4; d++)
            g2_dbl(&acc, &acc);
        g2_set_inf(&sel);
        for (unsigned j = 1; j < 16; j++) {
            uint64_t hit = (uint64_t)((((j ^ w) - 1u) >> 8) & 1u);  /* j == w */
            fp2_cmov(&sel.x, &table[j].x, hit);
            fp2_cmov(&sel.y, &table[j].y, hit);
            fp2_cmov(&sel.z, &table[j].z, hit);
        }
        g2_add(&acc, &acc, &sel);
    }
    *r = acc;
}

void g2_mul_u64_vartime(g2_t *r, const g2_t *a, uint64_t k)
{
    g2_t acc, base = *a;
    g2_set_inf(&acc);
    for (int i = 63; i >= 0; i--) {
        g2_dbl(&acc, &acc);
        if ((k >> i) & 1)
            g2_add(&acc, &acc, &base);
    }
    *r = acc;
}

void g2_psi(g2_t *r, const g2_t *a)
{
    fp2_conj(&r->x, &a->x);
    fp2_mul(&r->x, &r->x, &BLS_PSI_X);
    fp2_conj(&r->y, &a->y);
    fp2_mul(&r->y, &r->y, &BLS_PSI_Y);
    fp2_conj(&r->z, &a->z);
}

bool g2_in_subgroup(const g2_t *a)
{
    g2_t t, psi;
    if (!g2_on_curve(a))
        return false;
    g2_mul_u64_vartime(&t, a, BLS_X_ABS);  /* [-x] P */
    g2_psi(&psi, a);
    g2_add(&t, &t, &psi);
    return g2_is_inf(&t);
}

void g2_clear_cofactor(g2_t *r, const g2_t *p)
{
    g2_t t1, t2, t3;
    g2_mul_u64_vartime(&t1, p, BLS_X_ABS);
    g2_neg(&t1, &t1);            /* t1 = [x] P */
    g2_psi(&t2, p);              /* t2 = psi(P) */
    g2_dbl(&t3, p);
    g2_psi(&t3, &t3);
    g2_psi(&t3, &t3);            /* t3 = psi^2(2P) */
    g2_neg(&t2, &t2);
    g2_add(&t3, &t3, &t2);       /* t3 = psi^2(2P) - psi(P) */
    g2_neg(&t2, &t2);
    g2_add(&t2, &t1, &t2);       /* t2 = [x] P + psi(P) */
    g2_mul_u64_vartime(&t2, &t2, BLS_X_ABS);
    g2_neg(&t2, &t2);            /* t2 = [x]([x] P + psi(P)) */
    g2_add(&t3, &t3, &t2);
    g2_neg(&t1, &t1);
    g2_add(&t3, &t3, &t1);       /* - [x] P */
    g2_neg(&t2, p);
    g2_add(r, &t3, &t2);         /* - P */
}
