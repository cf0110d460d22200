/*
 * ZCash compressed encodings of G1 (48 bytes) and G2 (96 bytes), as used by
 * the IETF BLS draft (Appendix A), Ethereum and blst:
 *
 *   byte 0 bit 7  C: compressed form (must be 1: we only accept compressed)
 *          bit 6  I: point at infinity; then S = 0 and every other bit is 0
 *          bit 5  S: y is the lexicographically larger root
 *   G1: x big-endian; G2: x.c1 || x.c0 (imaginary part first).
 *
 * Decoding rejects every non-canonical form: C unset, I set with S set or any
 * non-zero bit, a coordinate >= p, an x with no y on the curve, and a point
 * outside the prime-order subgroup.
 */
#include "internal.h"

#include <string.h>

#define FLAG_C 0x80
#define FLAG_I 0x40
#define FLAG_S 0x20

void g1_compress(uint8_t out[48], const g1_t *a)
{
    g1_affine_t p;
    g1_to_affine(&p, a);
    if (p.inf) {
        memset(out, 0, 48);
        out[0] = FLAG_C | FLAG_I;
        return;
    }
    fp_to_bytes(out, &p.x);
    out[0] |= FLAG_C;
    if (fp_lexi_largest(&p.y))
        out[0] |= FLAG_S;
}

void g2_compress(uint8_t out[96], const g2_t *a)
{
    g2_affine_t p;
    g2_to_affine(&p, a);
    if (p.inf) {
        memset(out, 0, 96);
        out[0] = FLAG_C | FLAG_I;
        return;
    }
    fp_to_bytes(out, &p.x.c1);
    fp_to_bytes(out + 48, &p.x.c0);
    out[0] |= FLAG_C;
    if (fp2_lexi_largest(&p.y))
        out[0] |= FLAG_S;
}

/* Checks the flag byte; returns 1 for infinity, 0 for a finite point to
 * decode, -1 (with *why) for a malformed encoding. */
static int check_flags(const uint8_t *in, size_t n, const char **why)
{
    uint8_t f = in[0];
    if (!(f & FLAG_C)) {
        *why = "compression flag not set";
        return -1;
    }
    if (f & FLAG_I) {
        if (f & FLAG_S) {
            *why = "infinity with the sort flag set";
            return -1;
        }
        if (f & 0x1f) {
            *why = "infinity with non-zero coordinate bits";
            return -1;
        }
        for (size_t i = 1; i < n; i++) {
            if (in[i]) {
                *why = "infinity with non-zero coordinate bits";
                return -1;
            }
        }
        return 1;
    }
    return 0;
}

bool g1_decompress(g1_t *r, const uint8_t in[48], const char **why)
{
    const char *dummy;
    uint8_t buf[48];
    fp_t x, y, rhs;
    if (!why)
        why = &dummy;
    int inf = check_flags(in, 48, why);
    if (inf < 0)
        return false;
    if (inf) {
        g1_set_inf(r);
        return true;
    }
    memcpy(buf, in, 48);
    buf[0] &= 0x1f;
    if (!fp_from_bytes(&x, buf)) {
        *why = "x coordinate not less than p";
        return false;
    }
    fp_sqr(&rhs, &x);
    fp_mul(&rhs, &rhs, &x);
    fp_add(&rhs, &rhs, &BLS_FP_B);
    if (!fp_sqrt(&y, &rhs)) {
        *why = "point not on the curve";
        return false;
    }
    if (fp_lexi_largest(&y) != ((in[0] & FLAG_S) != 0))
        fp_neg(&y, &y);
    g1_from_affine(r, &x, &y);
    if (!g1_in_subgroup(r)) {
        *why = "point not in the prime-order subgroup";
        return false;
    }
    return true;
}

bool g2_decompress(g2_t *r, const uint8_t in[96], const char **why)
{
    const char *dummy;
    uint8_t buf[48];
    fp2_t x, y, rhs, b;
    if (!why)
        why = &dummy;
    int inf = check_flags(in, 96, why);
    if (inf < 0)
        return false;
    if (inf) {
        g2_set_inf(r);
        return true;
    }
    memcpy(buf, in, 48);
    buf[0] &= 0x1f;
    if (!fp_from_bytes(&x.c1, buf) || !fp_from_bytes(&x.c0, in + 48)) {
        *why = "x coordinate not less than p";
        return false;
    }
    fp2_sqr(&rhs, &x);
    fp2_mul(&rhs, &rhs, &x);
    fp_set_zero(&b.c0);  /* 4(1 + u) */
    fp_add(&b.c0, &BLS_FP_B, &b.c0);
    b.c1 = BLS_FP_B;
    fp2_add(&rhs, &rhs, &b);
    if (!fp2_sqrt(&y, &rhs)) {
        *why = "point not on the curve";
        return false;
    }
    if (fp2_lexi_largest(&y) != ((in[0] & FLAG_S) != 0))
        fp2_neg(&y, &y);
    g2_from_affine(r, &x, &y);
    if (!g2_in_subgroup(r)) {
        *why = "point not in the prime-order subgroup";
        return false;
    }
    return true;
}
