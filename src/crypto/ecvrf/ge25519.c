/*
 * edwards25519 group arithmetic for the public half of ECVRF: decoding,
 * encoding, addition, doubling, cofactor clearing and a variable-time
 * double-scalar multiplication a*A + b*B for verification.
 *
 * Why not libsodium: its public API works on 32-byte encodings only, so every
 * operation pays a decode (a square root) and an encode (an inversion), and
 * crypto_scalarmult_ed25519_noclamp adds a full prime-order-subgroup check
 * and refuses points with a torsion component, which RFC 9381 verification
 * must handle. Here a verification costs two interleaved wNAF
 * multiplications in extended coordinates.
 *
 * Secret scalars never come here: prove multiplies with libsodium's
 * constant-time code (point.c).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* d = -121665/121666 and 2d, little-endian. */
static const uint8_t d_bytes[32] = {
    0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
    0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52};
static const uint8_t d2_bytes[32] = {
    0x59, 0xf1, 0xb2, 0x26, 0x94, 0x9b, 0xd6, 0xeb, 0x56, 0xb1, 0x83, 0x82, 0x9a, 0x14, 0xe0, 0x00,
    0x30, 0xd1, 0xf3, 0xee, 0xf2, 0x80, 0x8e, 0x19, 0xe7, 0xfc, 0xdf, 0x56, 0xdc, 0xd9, 0x06, 0x24};
/* B = (x, 4/5) with x even. */
static const uint8_t base_bytes[32] = {
    0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};

/* True when the 255-bit y of an encoding is >= p = 2^255 - 19. */
static bool y_non_canonical(const uint8_t s[32])
{
    if ((s[31] & 0x7f) != 0x7f)
        return false;
    for (int i = 30; i > 0; i--)
        if (s[i] != 0xff)
            return false;
    return s[0] >= 0xed;
}

bool ge25519_frombytes(ge25519_t *p, const uint8_t s[32])
{
    fe25519_t y, y2, u, v, v3, x, t, vx2, negu, d, one;
    const unsigned sign = s[31] >> 7;

    /* 1. y < p */
    if (y_non_canonical(s))
        return false;
    fe25519_frombytes(&y, s);
    /* 2. x^2 = u / v with u = y^2 - 1, v = d y^2 + 1; candidate
     *    x = u v^3 (u v^7)^((p-5)/8) */
    fe25519_1(&one);
    fe25519_frombytes(&d, d_bytes);
    fe25519_sq(&y2, &y);
    fe25519_sub(&u, &y2, &one);
    fe25519_mul(&v, &y2, &d);
    fe25519_add(&v, &v, &one);
    fe25519_sq(&v3, &v);
    fe25519_mul(&v3, &v3, &v);                 /* v^3 */
    fe25519_sq(&t, &v3);
    fe25519_mul(&t, &t, &v);                   /* v^7 */
    fe25519_mul(&t, &t, &u);                   /* u v^7 */
    fe25519_pow22523(&t, &t);
    fe25519_mul(&x, &t, &v3);
    fe25519_mul(&x, &x, &u);
    /* 3. v x^2 = u: root; = -u: x * sqrt(-1); else no square root */
    fe25519_sq(&vx2, &x);
    fe25519_mul(&vx2, &vx2, &v);
    fe25519_neg(&negu, &u);
    if (!fe25519_equal(&vx2, &u)) {
        if (!fe25519_equal(&vx2, &negu))
            return false;
        fe25519_sqrtm1(&t);
        fe25519_mul(&x, &x, &t);
    }
    /* 4. x = 0 with sign bit 1 is invalid; pick the root of the right parity */
    if (fe25519_is_zero(&x) && sign)
        return false;
    if (fe25519_sgn0(&x) != sign)
        fe25519_neg(&x, &x);
    p->x = x;
    p->y = y;
    fe25519_1(&p->z);
    fe25519_mul(&p->t, &x, &y);
    return true;
}

void ge25519_tobytes(uint8_t s[32], const ge25519_t *p)
{
    fe25519_t zi, x, y;

    fe25519_invert(&zi, &p->z);
    fe25519_mul(&x, &p->x, &zi);
    fe25519_mul(&y, &p->y, &zi);
    fe25519_tobytes(s, &y);
    s[31] |= (uint8_t)(fe25519_sgn0(&x) << 7);
}

void ge25519_identity(ge25519_t *p)
{
    fe25519_0(&p->x);
    fe25519_1(&p->y);
    fe25519_1(&p->z);
    fe25519_0(&p->t);
}

bool ge25519_is_identity(const ge25519_t *p)
{
    return fe25519_is_zero(&p->x) && fe25519_equal(&p->y, &p->z);
}

void ge25519_base(ge25519_t *p)
{
    bool ok = ge25519_frombytes(p, base_bytes);
    (void)ok;
}

/* A point prepared for addition: (Y+X, Y-X, 2Z, 2dT). */
typedef struct ge25519_cached {
    fe25519_t ypx, ymx, z2, t2d;
} ge25519_cached_t;

static void to_cached(ge25519_cached_t *c, const ge25519_t *p)
{
    fe25519_t d2;

    fe25519_frombytes(&d2, d2_bytes);
    fe25519_add(&c->ypx, &p->y, &p->x);
    fe25519_sub(&c->ymx, &p->y, &p->x);
    fe25519_add(&c->z2, &p->z, &p->z);
    fe25519_mul(&c->t2d, &p->t, &d2);
}

/* add-2008-hwcd-3 (complete for a = -1); neg adds -q instead of q. */
static void add_cached(ge25519_t *r, const ge25519_t *p, const ge25519_cached_t *q, bool neg)
{
    fe25519_t a, b, c, d, e, f, g, h;

    fe25519_sub(&a, &p->y, &p->x);
    fe25519_mul(&a, &a, neg ? &q->ypx : &q->ymx);
    fe25519_add(&b, &p->y, &p->x);
    fe25519_mul(&b, &b, neg ? &q->ymx : &q->ypx);
    fe25519_mul(&c, &p->t, &q->t2d);
    if (neg)
        fe25519_neg(&c, &c);
    fe25519_mul(&d, &p->z, &q->z2);
    fe25519_sub(&e, &b, &a);
    fe25519_sub(&f, &d, &c);
    fe25519_add(&g, &d, &c);
    fe25519_add(&h, &b, &a);
    fe25519_mul(&r->x, &e, &f);
    fe25519_mul(&r->y, &g, &h);
    fe25519_mul(&r->t, &e, &h);
    fe25519_mul(&r->z, &f, &g);
}

void ge25519_add(ge25519_t *r, const ge25519_t *p, const ge25519_t *q)
{
    ge25519_cached_t c;
    to_cached(&c, q);
    add_cached(r, p, &c, false);
}

void ge25519_sub(ge25519_t *r, const ge25519_t *p, const ge25519_t *q)
{
    ge25519_cached_t c;
    to_cached(&c, q);
    add_cached(r, p, &c, true);
}

/* dbl-2008-hwcd with a = -1. */
void ge25519_dbl(ge25519_t *r, const ge25519_t *p)
{
    fe25519_t a, b, c, e, g, f, h, xy;

    fe25519_sq(&a, &p->x);
    fe25519_sq(&b, &p->y);
    fe25519_sq(&c, &p->z);
    fe25519_add(&c, &c, &c);
    fe25519_add(&xy, &p->x, &p->y);
    fe25519_sq(&e, &xy);
    fe25519_sub(&e, &e, &a);
    fe25519_sub(&e, &e, &b);                   /* E = 2XY */
    fe25519_sub(&g, &b, &a);                   /* G = -A + B */
    fe25519_sub(&f, &g, &c);                   /* F = G - C */
    fe25519_add(&h, &a, &b);
    fe25519_neg(&h, &h);                       /* H = -A - B */
    fe25519_mul(&r->x, &e, &f);
    fe25519_mul(&r->y, &g, &h);
    fe25519_mul(&r->t, &e, &h);
    fe25519_mul(&r->z, &f, &g);
}

void ge25519_neg(ge25519_t *r, const ge25519_t *p)
{
    fe25519_neg(&r->x, &p->x);
    r->y = p->y;
    r->z = p->z;
    fe25519_neg(&r->t, &p->t);
}

void ge25519_mul8(ge25519_t *r, const ge25519_t *p)
{
    ge25519_dbl(r, p);
    ge25519_dbl(r, r);
    ge25519_dbl(r, r);
}

/* Width-5 non-adjacent form of a 256-bit scalar: digits in {0, +-1, ..., +-15},
 * odd, any two non-zero digits at least 5 apart. Walks the bits once: at a
 * position where the (carry-adjusted) bit is set, the next 5 bits form the
 * digit m (m - 32 when m >= 16, which carries one into the next window). */
static void wnaf5(int8_t naf[257], const uint8_t s[32])
{
    uint64_t k[5] = {0};
    unsigned carry = 0;

    for (int i = 0; i < 32; i++)
        k[i / 8] |= (uint64_t)s[i] << (8 * (i % 8));
    memset(naf, 0, 257);
    for (int pos = 0; pos < 257;) {
        int w = pos / 64, b = pos % 64;
        uint64_t bits = k[w] >> b;
        if (b > 59 && w < 4)
            bits |= k[w + 1] << (64 - b);
        unsigned window = carry + (unsigned)(bits & 31);
        if ((window & 1) == 0) {
            pos++;
            continue;
        }
        if (window < 16) {
            naf[pos] = (int8_t)window;
            carry = 0;
        } else {
            naf[pos] = (int8_t)((int)window - 32);
            carry = 1;
        }
        pos += 5;
    }
}

/* Odd multiples P, 3P, ..., 15P. */
static void odd_multiples(ge25519_cached_t tab[8], const ge25519_t *p)
{
    ge25519_t p2, cur;

    ge25519_dbl(&p2, p);
    cur = *p;
    to_cached(&tab[0], &cur);
    for (int i = 1; i < 8; i++) {
        ge25519_add(&cur, &cur, &p2);
        to_cached(&tab[i], &cur);
    }
}

void ge25519_double_scalarmult_vartime(ge25519_t *r, const uint8_t a[32], const ge25519_t *pa,
                                       const uint8_t b[32], const ge25519_t *pb)
{
    int8_t na[257], nb[257];
    ge25519_cached_t ta[8], tb[8];
    ge25519_t acc;
    int i;

    wnaf5(na, a);
    wnaf5(nb, b);
    odd_multiples(ta, pa);
    odd_multiples(tb, pb);
    ge25519_identity(&acc);
    for (i = 256; i >= 0 && na[i] == 0 && nb[i] == 0; i--)
        ;
    for (; i >= 0; i--) {
        ge25519_dbl(&acc, &acc);
        if (na[i] > 0)
            add_cached(&acc, &acc, &ta[na[i] / 2], false);
        else if (na[i] < 0)
            add_cached(&acc, &acc, &ta[-na[i] / 2], true);
        if (nb[i] > 0)
            add_cached(&acc, &acc, &tb[nb[i] / 2], false);
        else if (nb[i] < 0)
            add_cached(&acc, &acc, &tb[-nb[i] / 2], true);
    }
    *r = acc;
}

/* Straus' interleaving: one shared chain of doublings for all n points, each
 * point adding its own width-5 wNAF digits from a table of its odd multiples.
 * A point costs 1 doubling + 7 additions for its table and about 256/6
 * additions; the 256 doublings are shared, which is what makes a batch of
 * signatures cheaper than the same number of double-scalar multiplications. */
bool ge25519_multi_scalarmult_vartime(ge25519_t *r, const uint8_t (*s)[32], const ge25519_t *p,
                                      size_t n)
{
    int8_t *naf = malloc((n ? n : 1) * 257);
    ge25519_cached_t *tab = malloc((n ? n : 1) * 8 * sizeof *tab);
    ge25519_t acc;
    int top = -1;

    if (!naf || !tab) {
        free(naf);
        free(tab);
        return false;
    }
    for (size_t j = 0; j < n; j++) {
        int8_t *d = naf + j * 257;
        wnaf5(d, s[j]);
        int t = 256;
        while (t >= 0 && d[t] == 0)
            t--;
        if (t > top)
            top = t;
        if (t >= 0)
            odd_multiples(tab + 8 * j, &p[j]);
    }
    ge25519_identity(&acc);
    for (int i = top; i >= 0; i--) {
        ge25519_dbl(&acc, &acc);
        for (size_t j = 0; j < n; j++) {
            int8_t d = naf[j * 257 + (size_t)i];
            if (d > 0)
                add_cached(&acc, &acc, &tab[8 * j + (size_t)(d / 2)], false);
            else if (d < 0)
                add_cached(&acc, &acc, &tab[8 * j + (size_t)(-d / 2)], true);
        }
    }
    *r = acc;
    free(naf);
    free(tab);
    return true;
}
