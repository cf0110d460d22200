/*
 * G2: the order-r subgroup of E2: y^2 = x^3 + 4(1 + u) over Fp2 (the M-type
 * sextic twist), with the same complete projective formulas as G1 (E2(Fp2)
 * has odd order too), b3 = 12(1 + u).
 *
 * psi = untwist o Frobenius o twist: psi(x, y) = (conj(x) cx, conj(y) cy).
 * Subgroup check (Scott 2021): P is in G2 iff psi(P) = [x] P. Cofactor
 * clearing: the Budroni-Pintore form of RFC 9380 Appendix G.3,
 * h_eff P = [x^2 - x - 1] P + [x - 1] psi(P) + psi^2(2P).
 *
 * Signing multiplies by the secret key with g2_mul_gls: k is written in base
 * |x| (four 64-bit digits) and k P = sum d_i (-1)^i psi^i(P), one doubling and
 * one masked lookup-and-add per bit.
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

/* ---- Jacobian double-and-add for public scalars (subgroup checks, cofactor
 * clearing, batch weights): (X, Y, Z) means (X/Z^2, Y/Z^3). Doubling is
 * dbl-2009-l (2M + 5S), addition add-2007-bl with its exceptional cases
 * (equal or opposite inputs) handled by branches: the data is public. ---- */
typedef struct { fp2_t x, y, z; } g2_jac_t;

static void jac_dbl(g2_jac_t *r, const g2_jac_t *p)
{
    fp2_t a, b, c, d, e, f, t;
    fp2_sqr(&a, &p->x);
    fp2_sqr(&b, &p->y);
    fp2_sqr(&c, &b);
    fp2_add(&d, &p->x, &b);
    fp2_sqr(&d, &d);
    fp2_sub(&d, &d, &a);
    fp2_sub(&d, &d, &c);
    fp2_dbl(&d, &d);
    fp2_dbl(&e, &a);
    fp2_add(&e, &e, &a);
    fp2_sqr(&f, &e);
    fp2_mul(&t, &p->y, &p->z);
    fp2_dbl(&r->z, &t);
    fp2_dbl(&t, &d);
    fp2_sub(&r->x, &f, &t);
    fp2_sub(&t, &d, &r->x);
    fp2_mul(&t, &e, &t);
    fp2_dbl(&c, &c);
    fp2_dbl(&c, &c);
    fp2_dbl(&c, &c);
    fp2_sub(&r->y, &t, &c);
}

static void jac_add(g2_jac_t *r, const g2_jac_t *p, const g2_jac_t *q)
{
    fp2_t z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
    if (fp2_is_zero(&p->z)) {
        *r = *q;
        return;
    }
    if (fp2_is_zero(&q->z)) {
        *r = *p;
        return;
    }
    fp2_sqr(&z1z1, &p->z);
    fp2_sqr(&z2z2, &q->z);
    fp2_mul(&u1, &p->x, &z2z2);
    fp2_mul(&u2, &q->x, &z1z1);
    fp2_mul(&s1, &p->y, &q->z);
    fp2_mul(&s1, &s1, &z2z2);
    fp2_mul(&s2, &q->y, &p->z);
    fp2_mul(&s2, &s2, &z1z1);
    fp2_sub(&h, &u2, &u1);
    fp2_sub(&rr, &s2, &s1);
    if (fp2_is_zero(&h)) {
        if (fp2_is_zero(&rr)) {
            jac_dbl(r, p);
        } else {
            fp2_set_one(&r->x);
            fp2_set_one(&r->y);
            fp2_set_zero(&r->z);
        }
        return;
    }
    fp2_dbl(&rr, &rr);
    fp2_dbl(&i, &h);
    fp2_sqr(&i, &i);
    fp2_mul(&j, &h, &i);
    fp2_mul(&v, &u1, &i);
    fp2_add(&t, &p->z, &q->z);
    fp2_sqr(&t, &t);
    fp2_sub(&t, &t, &z1z1);
    fp2_sub(&t, &t, &z2z2);
    fp2_mul(&r->z, &t, &h);
    fp2_sqr(&t, &rr);
    fp2_sub(&t, &t, &j);
    fp2_sub(&t, &t, &v);
    fp2_sub(&r->x, &t, &v);
    fp2_sub(&t, &v, &r->x);
    fp2_mul(&t, &rr, &t);
    fp2_mul(&s1, &s1, &j);
    fp2_dbl(&s1, &s1);
    fp2_sub(&r->y, &t, &s1);
}

void g2_mul_u64_vartime(g2_t *r, const g2_t *a, uint64_t k)
{
    /* projective (X:Y:Z) -> Jacobian (XZ, YZ^2, Z) and back: (XZ, Y, Z^3) */
    g2_jac_t base, acc;
    fp2_t zz;
    fp2_mul(&base.x, &a->x, &a->z);
    fp2_sqr(&zz, &a->z);
    fp2_mul(&base.y, &a->y, &zz);
    base.z = a->z;
    fp2_set_one(&acc.x);
    fp2_set_one(&acc.y);
    fp2_set_zero(&acc.z);
    for (int i = 63; i >= 0; i--) {
        if (!fp2_is_zero(&acc.z))
            jac_dbl(&acc, &acc);
        if ((k >> i) & 1)
            jac_add(&acc, &acc, &base);
    }
    if (fp2_is_zero(&acc.z)) {
        g2_set_inf(r);
        return;
    }
    fp2_mul(&r->x, &acc.x, &acc.z);
    r->y = acc.y;
    fp2_sqr(&zz, &acc.z);
    fp2_mul(&r->z, &zz, &acc.z);
}

/* k = q B + rem for B = |x| (64 bits), constant time: bit-serial restoring
 * division, no hardware divide (whose timing depends on the operands). */
void bls_scalar_divmod_x(uint64_t q[4], uint64_t *rem, const uint64_t k[4])
{
    unsigned __int128 r = 0;
    for (int i = 0; i < 4; i++)
        q[i] = 0;
    for (int bit = 255; bit >= 0; bit--) {
        r = (r << 1) | ((k[bit / 64] >> (bit % 64)) & 1);
        unsigned __int128 t = r - BLS_X_ABS;
        uint64_t ge = 1 ^ (uint64_t)(t >> 127);  /* r < 2B < 2^65: no wrap otherwise */
        uint64_t m = 0 - ge;
        r = (t & (((unsigned __int128)m << 64) | m)) | (r & ~(((unsigned __int128)m << 64) | m));
        q[bit / 64] |= ge << (bit % 64);
    }
    *rem = (uint64_t)r;
}

void g2_mul_gls(g2_t *r, const g2_t *a, const uint64_t k[4])
{
    /* k = d0 + d1 B + d2 B^2 + d3 B^3 with B = |x| = -x (k < r < B^4), and on
     * G2 psi = [x], so [B^i] P = (-1)^i psi^i(P): a 4-dimensional product
     * with 64-bit digits and a joint 16-entry table. */
    uint64_t d[4], t1[4], t2[4];
    bls_scalar_divmod_x(t1, &d[0], k);
    bls_scalar_divmod_x(t2, &d[1], t1);
    bls_scalar_divmod_x(t1, &d[2], t2);
    d[3] = t1[0];  /* t1 < B */
    g2_t base[4], table[16], acc, sel;
    base[0] = *a;
    g2_psi(&base[1], a);
    g2_psi(&base[2], &base[1]);
    g2_psi(&base[3], &base[2]);
    g2_neg(&base[1], &base[1]);
    g2_neg(&base[3], &base[3]);
    g2_set_inf(&table[0]);
    for (unsigned j = 1; j < 16; j++) {
        unsigned low = j & (0u - j);  /* lowest set bit */
        unsigned i = (unsigned)__builtin_ctz(j);
        g2_add(&table[j], &table[j ^ low], &base[i]);
    }
    g2_set_inf(&acc);
    for (int b = 63; b >= 0; b--) {
        g2_dbl(&acc, &acc);
        unsigned idx = (unsigned)(((d[0] >> b) & 1) | (((d[1] >> b) & 1) << 1) |
                                  (((d[2] >> b) & 1) << 2) | (((d[3] >> b) & 1) << 3));
        g2_set_inf(&sel);
        for (unsigned j = 1; j < 16; j++) {
            uint64_t hit = (uint64_t)((((j ^ idx) - 1u) >> 8) & 1u);
            fp2_cmov(&sel.x, &table[j].x, hit);
            fp2_cmov(&sel.y, &table[j].y, hit);
            fp2_cmov(&sel.z, &table[j].z, hit);
        }
        g2_add(&acc, &acc, &sel);
    }
    *r = acc;
    for (int i = 0; i < 4; i++)
        d[i] = t1[i] = t2[i] = 0;
    __asm__ volatile("" : : "r"(d), "r"(t1), "r"(t2) : "memory");
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
