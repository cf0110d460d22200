/*
 * G1: the order-r subgroup of E1: y^2 = x^3 + 4 over Fp, in homogeneous
 * projective coordinates with the complete a = 0 formulas of Renes, Costello
 * and Batina ("Complete addition formulas for prime order elliptic curves",
 * 2015, Algorithms 7 and 9). E1(Fp) has odd order, so the formulas have no
 * exceptional case on the whole curve, which is what lets the secret-scalar
 * multiplication run without branches or secret-dependent indexing.
 *
 * Secret scalars (SkToPk) go through g1_mul_glv: k = d0 + d1 x^2 and
 * k P = d0 P + d1 (-phi(P)), two 128-bit digits read two bits at a time from
 * a joint table with masked lookups. Public scalars (subgroup checks, cofactor
 * clearing) use Jacobian double-and-add with ordinary branches.
 *
 * Subgroup check (Scott 2021, "A note on group membership tests for G1, G2
 * and GT on BLS pairing-friendly curves"): P is in G1 iff phi(P) = [-x^2] P,
 * with phi(x, y) = (beta x, y); beta is chosen in gen_consts.py so that the
 * eigenvalue on G1 is -x^2. Cofactor clearing multiplies by h_eff = 1 - x
 * (RFC 9380 §8.8.1).
 */
#include "internal.h"

void g1_set_inf(g1_t *r)
{
    fp_set_zero(&r->x);
    fp_set_one(&r->y);
    fp_set_zero(&r->z);
}

void g1_generator(g1_t *r) { g1_from_affine(r, &BLS_G1_X, &BLS_G1_Y); }

bool g1_is_inf(const g1_t *a) { return fp_is_zero(&a->z) != 0; }

void g1_from_affine(g1_t *r, const fp_t *x, const fp_t *y)
{
    r->x = *x;
    r->y = *y;
    fp_set_one(&r->z);
}

void g1_to_affine(g1_affine_t *r, const g1_t *a)
{
    fp_t zi;
    r->inf = g1_is_inf(a);
    if (fp_eq(&a->z, &BLS_FP_ONE)) {  /* already affine (decoded points) */
        r->x = a->x;
        r->y = a->y;
        return;
    }
    fp_inv(&zi, &a->z);
    fp_mul(&r->x, &a->x, &zi);
    fp_mul(&r->y, &a->y, &zi);
}

static void mul_b3(fp_t *r, const fp_t *a) { fp_mul(r, a, &BLS_FP_B3); }

void g1_add(g1_t *r, const g1_t *p, const g1_t *q)
{
    fp_t t0, t1, t2, t3, t4, x3, y3, z3;
    fp_mul(&t0, &p->x, &q->x);
    fp_mul(&t1, &p->y, &q->y);
    fp_mul(&t2, &p->z, &q->z);
    fp_add(&t3, &p->x, &p->y);
    fp_add(&t4, &q->x, &q->y);
    fp_mul(&t3, &t3, &t4);
    fp_add(&t4, &t0, &t1);
    fp_sub(&t3, &t3, &t4);
    fp_add(&t4, &p->y, &p->z);
    fp_add(&x3, &q->y, &q->z);
    fp_mul(&t4, &t4, &x3);
    fp_add(&x3, &t1, &t2);
    fp_sub(&t4, &t4, &x3);
    fp_add(&x3, &p->x, &p->z);
    fp_add(&y3, &q->x, &q->z);
    fp_mul(&x3, &x3, &y3);
    fp_add(&y3, &t0, &t2);
    fp_sub(&y3, &x3, &y3);
    fp_add(&x3, &t0, &t0);
    fp_add(&t0, &x3, &t0);
    mul_b3(&t2, &t2);
    fp_add(&z3, &t1, &t2);
    fp_sub(&t1, &t1, &t2);
    mul_b3(&y3, &y3);
    fp_mul(&x3, &t4, &y3);
    fp_mul(&t2, &t3, &t1);
    fp_sub(&x3, &t2, &x3);
    fp_mul(&y3, &y3, &t0);
    fp_mul(&t1, &t1, &z3);
    fp_add(&y3, &t1, &y3);
    fp_mul(&t0, &t0, &t3);
    fp_mul(&z3, &z3, &t4);
    fp_add(&z3, &z3, &t0);
    r->x = x3;
    r->y = y3;
    r->z = z3;
}

void g1_dbl(g1_t *r, const g1_t *p)
{
    fp_t t0, t1, t2, x3, y3, z3;
    fp_sqr(&t0, &p->y);
    fp_add(&z3, &t0, &t0);
    fp_add(&z3, &z3, &z3);
    fp_add(&z3, &z3, &z3);
    fp_mul(&t1, &p->y, &p->z);
    fp_sqr(&t2, &p->z);
    mul_b3(&t2, &t2);
    fp_mul(&x3, &t2, &z3);
    fp_add(&y3, &t0, &t2);
    fp_mul(&z3, &t1, &z3);
    fp_add(&t1, &t2, &t2);
    fp_add(&t2, &t1, &t2);
    fp_sub(&t0, &t0, &t2);
    fp_mul(&y3, &t0, &y3);
    fp_add(&y3, &x3, &y3);
    fp_mul(&t1, &p->x, &p->y);
    fp_mul(&x3, &t0, &t1);
    fp_add(&x3, &x3, &x3);
    r->x = x3;
    r->y = y3;
    r->z = z3;
}

void g1_neg(g1_t *r, const g1_t *a)
{
    r->x = a->x;
    fp_neg(&r->y, &a->y);
    r->z = a->z;
}

bool g1_eq(const g1_t *a, const g1_t *b)
{
    fp_t l, r;
    uint64_t ok;
    fp_mul(&l, &a->x, &b->z);
    fp_mul(&r, &b->x, &a->z);
    ok = fp_eq(&l, &r);
    fp_mul(&l, &a->y, &b->z);
    fp_mul(&r, &b->y, &a->z);
    ok &= fp_eq(&l, &r);
    return ok != 0;
}

bool g1_on_curve(const g1_t *a)
{
    /* Y^2 Z = X^3 + 4 Z^3 */
    fp_t l, r, t;
    fp_sqr(&l, &a->y);
    fp_mul(&l, &l, &a->z);
    fp_sqr(&r, &a->x);
    fp_mul(&r, &r, &a->x);
    fp_sqr(&t, &a->z);
    fp_mul(&t, &t, &a->z);
    fp_mul(&t, &t, &BLS_FP_B);
    fp_add(&r, &r, &t);
    return fp_eq(&l, &r) != 0;
}

void g1_mul_ct(g1_t *r, const g1_t *a, const uint64_t k[4])
{
    g1_t table[16], acc, sel;
    g1_set_inf(&table[0]);
    table[1] = *a;
    for (int i = 2; i < 16; i++)
        g1_add(&table[i], &table[i - 1], a);
    g1_set_inf(&acc);
    for (int nib = 63; nib >= 0; nib--) {
        unsigned w = (unsigned)(k[nib / 16] >> ((nib % 16) * 4)) & 15;
        for (int d = 0; d < 4; d++)
            g1_dbl(&acc, &acc);
        g1_set_inf(&sel);
        for (unsigned j = 1; j < 16; j++) {
            uint64_t hit = (uint64_t)((((j ^ w) - 1u) >> 8) & 1u);  /* j == w */
            fp_cmov(&sel.x, &table[j].x, hit);
            fp_cmov(&sel.y, &table[j].y, hit);
            fp_cmov(&sel.z, &table[j].z, hit);
        }
        g1_add(&acc, &acc, &sel);
    }
    *r = acc;
}

/* ---- Jacobian double-and-add for public scalars (subgroup checks, cofactor
 * clearing, batch weights): (X, Y, Z) means (X/Z^2, Y/Z^3). Doubling is
 * dbl-2009-l (2M + 5S), addition add-2007-bl with its exceptional cases
 * (equal or opposite inputs) handled by branches: the data is public. ---- */
typedef struct { fp_t x, y, z; } g1_jac_t;

static void jac_dbl(g1_jac_t *r, const g1_jac_t *p)
{
    fp_t a, b, c, d, e, f, t;
    fp_sqr(&a, &p->x);
    fp_sqr(&b, &p->y);
    fp_sqr(&c, &b);
    fp_add(&d, &p->x, &b);
    fp_sqr(&d, &d);
    fp_sub(&d, &d, &a);
    fp_sub(&d, &d, &c);
    fp_dbl(&d, &d);
    fp_dbl(&e, &a);
    fp_add(&e, &e, &a);
    fp_sqr(&f, &e);
    fp_mul(&t, &p->y, &p->z);
    fp_dbl(&r->z, &t);
    fp_dbl(&t, &d);
    fp_sub(&r->x, &f, &t);
    fp_sub(&t, &d, &r->x);
    fp_mul(&t, &e, &t);
    fp_dbl(&c, &c);
    fp_dbl(&c, &c);
    fp_dbl(&c, &c);
    fp_sub(&r->y, &t, &c);
}

static void jac_add(g1_jac_t *r, const g1_jac_t *p, const g1_jac_t *q)
{
    fp_t z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
    if (fp_is_zero(&p->z)) {
        *r = *q;
        return;
    }
    if (fp_is_zero(&q->z)) {
        *r = *p;
        return;
    }
    fp_sqr(&z1z1, &p->z);
    fp_sqr(&z2z2, &q->z);
    fp_mul(&u1, &p->x, &z2z2);
    fp_mul(&u2, &q->x, &z1z1);
    fp_mul(&s1, &p->y, &q->z);
    fp_mul(&s1, &s1, &z2z2);
    fp_mul(&s2, &q->y, &p->z);
    fp_mul(&s2, &s2, &z1z1);
    fp_sub(&h, &u2, &u1);
    fp_sub(&rr, &s2, &s1);
    if (fp_is_zero(&h)) {
        if (fp_is_zero(&rr)) {
            jac_dbl(r, p);
        } else {
            fp_set_one(&r->x);
            fp_set_one(&r->y);
            fp_set_zero(&r->z);
        }
        return;
    }
    fp_dbl(&rr, &rr);
    fp_dbl(&i, &h);
    fp_sqr(&i, &i);
    fp_mul(&j, &h, &i);
    fp_mul(&v, &u1, &i);
    fp_add(&t, &p->z, &q->z);
    fp_sqr(&t, &t);
    fp_sub(&t, &t, &z1z1);
    fp_sub(&t, &t, &z2z2);
    fp_mul(&r->z, &t, &h);
    fp_sqr(&t, &rr);
    fp_sub(&t, &t, &j);
    fp_sub(&t, &t, &v);
    fp_sub(&r->x, &t, &v);
    fp_sub(&t, &v, &r->x);
    fp_mul(&t, &rr, &t);
    fp_mul(&s1, &s1, &j);
    fp_dbl(&s1, &s1);
    fp_sub(&r->y, &t, &s1);
}

void g1_mul_u64_vartime(g1_t *r, const g1_t *a, uint64_t k)
{
    /* projective (X:Y:Z) -> Jacobian (XZ, YZ^2, Z) and back: (XZ, Y, Z^3) */
    g1_jac_t base, acc;
    fp_t zz;
    fp_mul(&base.x, &a->x, &a->z);
    fp_sqr(&zz, &a->z);
    fp_mul(&base.y, &a->y, &zz);
    base.z = a->z;
    fp_set_one(&acc.x);
    fp_set_one(&acc.y);
    fp_set_zero(&acc.z);
    for (int i = 63; i >= 0; i--) {
        if (!fp_is_zero(&acc.z))
            jac_dbl(&acc, &acc);
        if ((k >> i) & 1)
            jac_add(&acc, &acc, &base);
    }
    if (fp_is_zero(&acc.z)) {
        g1_set_inf(r);
        return;
    }
    fp_mul(&r->x, &acc.x, &acc.z);
    r->y = acc.y;
    fp_sqr(&zz, &acc.z);
    fp_mul(&r->z, &zz, &acc.z);
}

void g1_mul_glv(g1_t *r, const g1_t *a, const uint64_t k[4])
{
    /* k = d0 + d1 B^2 with B = |x| (d0 < B^2, d1 < 2^127), and on G1
     * phi = [-x^2] = [-B^2], so k P = d0 P + d1 (-phi(P)). Two 128-bit
     * digits, consumed two bits each per step against a joint 16-entry table
     * T[a + 4b] = a P + b (-phi(P)). */
    uint64_t q1[4], q2[4], r0, r1, d0[2], d1[2];
    bls_scalar_divmod_x(q1, &r0, k);
    bls_scalar_divmod_x(q2, &r1, q1);
    unsigned __int128 lo = (unsigned __int128)r1 * BLS_X_ABS + r0;  /* < B^2 */
    d0[0] = (uint64_t)lo;
    d0[1] = (uint64_t)(lo >> 64);
    d1[0] = q2[0];
    d1[1] = q2[1];
    g1_t b[2], table[16], acc, sel;
    b[0] = *a;
    fp_mul(&b[1].x, &a->x, &BLS_FP_BETA);
    fp_neg(&b[1].y, &a->y);
    b[1].z = a->z;
    g1_set_inf(&table[0]);
    for (unsigned j = 1; j < 16; j++) {
        /* j = a + 4 b: add P to entry j - 1 when a > 0, else -phi(P) to j - 4 */
        if (j & 3)
            g1_add(&table[j], &table[j - 1], &b[0]);
        else
            g1_add(&table[j], &table[j - 4], &b[1]);
    }
    g1_set_inf(&acc);
    for (int w = 63; w >= 0; w--) {
        g1_dbl(&acc, &acc);
        g1_dbl(&acc, &acc);
        unsigned ia = (unsigned)(d0[w / 32] >> ((w % 32) * 2)) & 3;
        unsigned ib = (unsigned)(d1[w / 32] >> ((w % 32) * 2)) & 3;
        unsigned idx = ia | (ib << 2);
        g1_set_inf(&sel);
        for (unsigned j = 1; j < 16; j++) {
            uint64_t hit = (uint64_t)((((j ^ idx) - 1u) >> 8) & 1u);
            fp_cmov(&sel.x, &table[j].x, hit);
            fp_cmov(&sel.y, &table[j].y, hit);
            fp_cmov(&sel.z, &table[j].z, hit);
        }
        g1_add(&acc, &acc, &sel);
    }
    *r = acc;
    lo = 0;
    r0 = r1 = 0;
    for (int i = 0; i < 4; i++)
        q1[i] = q2[i] = 0;
    d0[0] = d0[1] = d1[0] = d1[1] = 0;
    __asm__ volatile("" : : "r"(q1), "r"(q2), "r"(d0), "r"(d1), "r"(&lo), "r"(&r0), "r"(&r1)
                     : "memory");
}

bool g1_in_subgroup(const g1_t *a)
{
    g1_t t, phi;
    if (!g1_on_curve(a))
        return false;
    g1_mul_u64_vartime(&t, a, BLS_X_ABS);
    g1_mul_u64_vartime(&t, &t, BLS_X_ABS);  /* [x^2] P */
    fp_mul(&phi.x, &a->x, &BLS_FP_BETA);
    phi.y = a->y;
    phi.z = a->z;
    g1_add(&t, &t, &phi);
    return g1_is_inf(&t);
}

void g1_clear_cofactor(g1_t *r, const g1_t *a)
{
    g1_t t;
    g1_mul_u64_vartime(&t, a, BLS_X_ABS);
    g1_add(r, &t, a);
}
