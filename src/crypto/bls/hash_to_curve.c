/*
 * RFC 9380 hashing to BLS12-381 G1 and G2 (suites BLS12381G1_XMD:SHA-256_SSWU_RO_
 * and BLS12381G2_XMD:SHA-256_SSWU_RO_):
 *
 *   expand_message_xmd (§5.3.1) with SHA-256 -> hash_to_field (§5.2, L = 64)
 *   -> simplified SWU on the isogenous curve E' (§6.6.2) -> the 11-isogeny
 *   (G1) or 3-isogeny (G2) of Appendix E -> add the two points -> clear the
 *   cofactor (§8.8).
 *
 * The isogeny is evaluated with Horner's rule straight into projective
 * coordinates (X = xnum yden, Y = y' ynum xden, Z = xden yden), so it needs
 * no inversion. The messages being hashed are public, so the SSWU step uses
 * the plain (not straight-line) form of the map with square-root attempts.
 */
#include "internal.h"

#include <string.h>

#include "crypto/crypto.h"

int bls_expand_message_xmd(uint8_t *out, size_t len, const uint8_t *msg, size_t msg_len,
                           const uint8_t *dst, size_t dst_len)
{
    uint8_t b0[32], bi[32], tmp[32], dst_hash[32];
    static const uint8_t zpad[64] = {0};
    static const char oversize[] = "H2C-OVERSIZE-DST-";
    crypto_sha256_ctx_t c;

    if (len == 0 || len > BLS_XMD_MAX_LEN)
        return -1;
    if (dst_len > 255) {  /* §5.3.3 */
        crypto_sha256_init(&c);
        crypto_sha256_update(&c, oversize, sizeof oversize - 1);
        crypto_sha256_update(&c, dst, dst_len);
        crypto_sha256_final(&c, dst_hash);
        dst = dst_hash;
        dst_len = 32;
    }
    uint8_t dst_len_byte = (uint8_t)dst_len;
    uint8_t lib[3] = {(uint8_t)(len >> 8), (uint8_t)len, 0};
    size_t ell = (len + 31) / 32;

    crypto_sha256_init(&c);
    crypto_sha256_update(&c, zpad, sizeof zpad);
    crypto_sha256_update(&c, msg, msg_len);
    crypto_sha256_update(&c, lib, 3);
    crypto_sha256_update(&c, dst, dst_len);
    crypto_sha256_update(&c, &dst_len_byte, 1);
    crypto_sha256_final(&c, b0);

    memset(bi, 0, sizeof bi);
    for (size_t i = 1; i <= ell; i++) {
        uint8_t idx = (uint8_t)i;
        for (int j = 0; j < 32; j++)
            tmp[j] = (uint8_t)(b0[j] ^ bi[j]);  /* b1 uses b0 xor 0 = b0 */
        crypto_sha256_init(&c);
        crypto_sha256_update(&c, tmp, 32);
        crypto_sha256_update(&c, &idx, 1);
        crypto_sha256_update(&c, dst, dst_len);
        crypto_sha256_update(&c, &dst_len_byte, 1);
        crypto_sha256_final(&c, bi);
        size_t off = (i - 1) * 32, n = len - off < 32 ? len - off : 32;
        memcpy(out + off, bi, n);
    }
    return 0;
}

void bls_hash_to_field_fp(fp_t *u, size_t count, const uint8_t *msg, size_t msg_len,
                          const uint8_t *dst, size_t dst_len)
{
    uint8_t buf[2 * 64];
    if (count > 2)
        count = 2;  /* the suites need at most two elements */
    (void)bls_expand_message_xmd(buf, count * 64, msg, msg_len, dst, dst_len);
    for (size_t i = 0; i < count; i++)
        fp_from_bytes_wide(&u[i], buf + 64 * i);
}

void bls_hash_to_field_fp2(fp2_t *u, size_t count, const uint8_t *msg, size_t msg_len,
                           const uint8_t *dst, size_t dst_len)
{
    uint8_t buf[2 * 128];
    if (count > 2)
        count = 2;
    (void)bls_expand_message_xmd(buf, count * 128, msg, msg_len, dst, dst_len);
    for (size_t i = 0; i < count; i++) {
        fp_from_bytes_wide(&u[i].c0, buf + 128 * i);
        fp_from_bytes_wide(&u[i].c1, buf + 128 * i + 64);
    }
}

/* ---- G1 ---- */

static void horner_fp(fp_t *r, const fp_t *k, size_t n, bool monic, const fp_t *x)
{
    fp_t acc;
    size_t i = n;
    if (monic) {
        fp_set_one(&acc);
    } else {
        acc = k[--i];
    }
    while (i-- > 0) {
        fp_mul(&acc, &acc, x);
        fp_add(&acc, &acc, &k[i]);
    }
    *r = acc;
}

static void sswu_fp(fp_t *x, fp_t *y, const fp_t *u)
{
    fp_t u2, tv1, t, x1, gx, x2;
    fp_sqr(&u2, u);
    fp_mul(&u2, &u2, &BLS_ISO1_Z);          /* Z u^2 */
    fp_sqr(&tv1, &u2);
    fp_add(&tv1, &tv1, &u2);                /* Z^2 u^4 + Z u^2 */
    if (fp_is_zero(&tv1)) {
        x1 = BLS_ISO1_B_DIV_ZA;
    } else {
        fp_inv(&tv1, &tv1);
        fp_set_one(&t);
        fp_add(&tv1, &tv1, &t);
        fp_mul(&x1, &tv1, &BLS_ISO1_MB_DIV_A);
    }
    /* gx1 = x1^3 + A x1 + B */
    fp_sqr(&gx, &x1);
    fp_add(&gx, &gx, &BLS_ISO1_A);
    fp_mul(&gx, &gx, &x1);
    fp_add(&gx, &gx, &BLS_ISO1_B);
    if (fp_sqrt(y, &gx)) {
        *x = x1;
    } else {
        fp_mul(&x2, &u2, &x1);
        fp_sqr(&gx, &x2);
        fp_add(&gx, &gx, &BLS_ISO1_A);
        fp_mul(&gx, &gx, &x2);
        fp_add(&gx, &gx, &BLS_ISO1_B);
        (void)fp_sqrt(y, &gx);  /* gx1 * gx2 is Z^3 u^6 gx1^2 ..., so gx2 is a square */
        *x = x2;
    }
    if (fp_sgn0(u) != fp_sgn0(y))
        fp_neg(y, y);
}

void bls_map_to_g1(g1_t *r, const fp_t *u)
{
    fp_t x, y, xn, xd, yn, yd;
    sswu_fp(&x, &y, u);
    horner_fp(&xn, BLS_ISO1_XNUM, 12, false, &x);
    horner_fp(&xd, BLS_ISO1_XDEN, 10, true, &x);
    horner_fp(&yn, BLS_ISO1_YNUM, 16, false, &x);
    horner_fp(&yd, BLS_ISO1_YDEN, 15, true, &x);
    fp_mul(&r->x, &xn, &yd);
    fp_mul(&r->y, &y, &yn);
    fp_mul(&r->y, &r->y, &xd);
    fp_mul(&r->z, &xd, &yd);
    if (fp_is_zero(&r->z))
        g1_set_inf(r);
}

void bls_hash_to_g1(g1_t *r, const uint8_t *msg, size_t msg_len, const uint8_t *dst,
                    size_t dst_len)
{
    fp_t u[2];
    g1_t q0, q1;
    bls_hash_to_field_fp(u, 2, msg, msg_len, dst, dst_len);
    bls_map_to_g1(&q0, &u[0]);
    bls_map_to_g1(&q1, &u[1]);
    g1_add(&q0, &q0, &q1);
    g1_clear_cofactor(r, &q0);
}

/* ---- G2 ---- */

static void horner_fp2(fp2_t *r, const fp2_t *k, size_t n, bool monic, const fp2_t *x)
{
    fp2_t acc;
    size_t i = n;
    if (monic) {
        fp2_set_one(&acc);
    } else {
        acc = k[--i];
    }
    while (i-- > 0) {
        fp2_mul(&acc, &acc, x);
        fp2_add(&acc, &acc, &k[i]);
    }
    *r = acc;
}

static void sswu_fp2(fp2_t *x, fp2_t *y, const fp2_t *u)
{
    fp2_t u2, tv1, t, x1, gx, x2;
    fp2_sqr(&u2, u);
    fp2_mul(&u2, &u2, &BLS_ISO2_Z);
    fp2_sqr(&tv1, &u2);
    fp2_add(&tv1, &tv1, &u2);
    if (fp2_is_zero(&tv1)) {
        x1 = BLS_ISO2_B_DIV_ZA;
    } else {
        fp2_inv(&tv1, &tv1);
        fp2_set_one(&t);
        fp2_add(&tv1, &tv1, &t);
        fp2_mul(&x1, &tv1, &BLS_ISO2_MB_DIV_A);
    }
    fp2_sqr(&gx, &x1);
    fp2_add(&gx, &gx, &BLS_ISO2_A);
    fp2_mul(&gx, &gx, &x1);
    fp2_add(&gx, &gx, &BLS_ISO2_B);
    if (fp2_sqrt(y, &gx)) {
        *x = x1;
    } else {
        fp2_mul(&x2, &u2, &x1);
        fp2_sqr(&gx, &x2);
        fp2_add(&gx, &gx, &BLS_ISO2_A);
        fp2_mul(&gx, &gx, &x2);
        fp2_add(&gx, &gx, &BLS_ISO2_B);
        (void)fp2_sqrt(y, &gx);
        *x = x2;
    }
    if (fp2_sgn0(u) != fp2_sgn0(y))
        fp2_neg(y, y);
}

void bls_map_to_g2(g2_t *r, const fp2_t *u)
{
    fp2_t x, y, xn, xd, yn, yd;
    sswu_fp2(&x, &y, u);
    horner_fp2(&xn, BLS_ISO2_XNUM, 4, false, &x);
    horner_fp2(&xd, BLS_ISO2_XDEN, 2, true, &x);
    horner_fp2(&yn, BLS_ISO2_YNUM, 4, false, &x);
    horner_fp2(&yd, BLS_ISO2_YDEN, 3, true, &x);
    fp2_mul(&r->x, &xn, &yd);
    fp2_mul(&r->y, &y, &yn);
    fp2_mul(&r->y, &r->y, &xd);
    fp2_mul(&r->z, &xd, &yd);
    if (fp2_is_zero(&r->z))
        g2_set_inf(r);
}

void bls_hash_to_g2(g2_t *r, const uint8_t *msg, size_t msg_len, const uint8_t *dst,
                    size_t dst_len)
{
    fp2_t u[2];
    g2_t q0, q1;
    bls_hash_to_field_fp2(u, 2, msg, msg_len, dst, dst_len);
    bls_map_to_g2(&q0, &u[0]);
    bls_map_to_g2(&q1, &u[1]);
    g2_add(&q0, &q0, &q1);
    g2_clear_cofactor(r, &q0);
}
