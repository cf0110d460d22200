/*
 * RFC 9380 hashing to edwards25519 with suite edwards25519_XMD:SHA-512_ELL2
 * (NU for ECVRF-EDWARDS25519-SHA512-ELL2, RO for the RFC's own vectors):
 * expand_message_xmd (§5.3.1), hash_to_field with L = 48 (§5.2), Elligator 2
 * onto curve25519 (§6.7.1) and the rational map to edwards25519 (§6.8.2 and
 * Appendix D.1), cofactor clearing by 8 (§7).
 *
 * The map runs in constant time (both candidate roots are always computed
 * and selected with cmov); the inputs are public in ECVRF, but the map costs
 * little next to the scalar multiplications.
 */
#include "internal.h"

#include <sodium.h>
#include <string.h>

#define SHA512_BYTES 64
#define SHA512_BLOCK 128

int h2c_expand_message_xmd_sha512(const uint8_t *m1, size_t n1, const uint8_t *m2, size_t n2,
                                  const uint8_t *dst, size_t dst_len, uint8_t *out,
                                  size_t out_len)
{
    static const uint8_t z_pad[SHA512_BLOCK];
    crypto_hash_sha512_state st;
    uint8_t b0[SHA512_BYTES], bi[SHA512_BYTES], tmp[SHA512_BYTES];
    const size_t ell = (out_len + SHA512_BYTES - 1) / SHA512_BYTES;
    const uint8_t lib[3] = {(uint8_t)(out_len >> 8), (uint8_t)out_len, 0};
    const uint8_t dst_len_byte = (uint8_t)dst_len;

    if (ell > 255 || out_len > 65535 || dst_len > H2C_DST_MAX)
        return ECVRF_EINVAL;

    /* b_0 = H(Z_pad || msg || I2OSP(len, 2) || I2OSP(0, 1) || DST_prime) */
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, z_pad, sizeof z_pad);
    if (n1)
        crypto_hash_sha512_update(&st, m1, n1);
    if (n2)
        crypto_hash_sha512_update(&st, m2, n2);
    crypto_hash_sha512_update(&st, lib, sizeof lib);
    crypto_hash_sha512_update(&st, dst, dst_len);
    crypto_hash_sha512_update(&st, &dst_len_byte, 1);
    crypto_hash_sha512_final(&st, b0);

    /* b_i = H(strxor(b_0, b_(i-1)) || I2OSP(i, 1) || DST_prime), b_1 from b_0 */
    for (size_t i = 1; i <= ell; i++) {
        const uint8_t ib = (uint8_t)i;
        for (size_t j = 0; j < SHA512_BYTES; j++)
            tmp[j] = (uint8_t)(b0[j] ^ (i == 1 ? 0 : bi[j]));
        crypto_hash_sha512_init(&st);
        crypto_hash_sha512_update(&st, tmp, sizeof tmp);
        crypto_hash_sha512_update(&st, &ib, 1);
        crypto_hash_sha512_update(&st, dst, dst_len);
        crypto_hash_sha512_update(&st, &dst_len_byte, 1);
        crypto_hash_sha512_final(&st, bi);
        const size_t off = (i - 1) * SHA512_BYTES;
        const size_t n = out_len - off < SHA512_BYTES ? out_len - off : SHA512_BYTES;
        memcpy(out + off, bi, n);
    }
    return 0;
}

/* sqrt(-486664) with sgn0 = 0 (RFC 9380 Appendix D.1 c1), little-endian. */
static const uint8_t c1_bytes[32] = {
    0x06, 0x7e, 0x45, 0xff, 0xaa, 0x04, 0x6e, 0xcc, 0x82, 0x1a, 0x7d, 0x4b, 0xd1, 0xd3, 0xa1, 0xc5,
    0x7e, 0x4f, 0xfc, 0x03, 0xdc, 0x08, 0x7b, 0xd2, 0xbb, 0x06, 0xa0, 0x60, 0xf4, 0xed, 0x26, 0x0f};

#define ELL2_J 486662

void h2c_map_to_curve_ell2(uint8_t q[32], const fe25519_t *u, fe25519_t *gx1_out,
                           bool *gx1_square)
{
    fe25519_t one, j, tv, x1, x2, gx1, gx2, y1, y2, x, y, negy, negj;
    fe25519_t sp1, sm1, den, inv, ex, ey, c1;
    bool sq1, sq2;
    unsigned bad;

    fe25519_1(&one);
    fe25519_0(&j);
    j.v[0] = ELL2_J;
    fe25519_neg(&negj, &j);

    /* §6.7.1 steps 1-2: x1 = -J / (1 + Z u^2), or -J when the denominator is 0 */
    fe25519_sq(&tv, u);
    fe25519_mul_small(&tv, &tv, 2);
    fe25519_add(&tv, &tv, &one);
    fe25519_invert(&tv, &tv);                  /* inv0 */
    fe25519_mul(&x1, &negj, &tv);
    fe25519_cmov(&x1, &negj, fe25519_is_zero(&x1));
    /* step 3: gx1 = x1^3 + J x1^2 + x1 = x1 (x1 (x1 + J) + 1) (K = 1) */
    fe25519_add(&tv, &x1, &j);
    fe25519_mul(&tv, &tv, &x1);
    fe25519_add(&tv, &tv, &one);
    fe25519_mul(&gx1, &tv, &x1);
    /* steps 4-5: x2 = -x1 - J, gx2 likewise */
    fe25519_sub(&x2, &negj, &x1);
    fe25519_add(&tv, &x2, &j);
    fe25519_mul(&tv, &tv, &x2);
    fe25519_add(&tv, &tv, &one);
    fe25519_mul(&gx2, &tv, &x2);
    /* steps 6-7: (x1, sqrt(gx1)) with sgn0(y) = 1 when gx1 is square,
     * else (x2, sqrt(gx2)) with sgn0(y) = 0 */
    sq1 = fe25519_sqrt(&y1, &gx1);
    sq2 = fe25519_sqrt(&y2, &gx2);
    (void)sq2;   /* one of gx1, gx2 is always square (Z is a non-square) */
    fe25519_copy(&x, &x2);
    fe25519_cmov(&x, &x1, sq1);
    fe25519_copy(&y, &y2);
    fe25519_cmov(&y, &y1, sq1);
    fe25519_neg(&negy, &y);
    fe25519_cmov(&y, &negy, fe25519_sgn0(&y) ^ (unsigned)sq1);

    if (gx1_out)
        fe25519_copy(gx1_out, &gx1);
    if (gx1_square)
        *gx1_square = sq1;

    /* Appendix D.1: (s, t) = (x, y) on curve25519 ->
     * (v, w) = (c1 * s / t, (s - 1) / (s + 1)); (0, 1) when t = 0 or s = -1.
     * One inversion: 1 / (t (s + 1)). */
    fe25519_add(&sp1, &x, &one);
    fe25519_sub(&sm1, &x, &one);
    fe25519_mul(&den, &y, &sp1);
    bad = fe25519_is_zero(&den);
    fe25519_invert(&inv, &den);
    fe25519_frombytes(&c1, c1_bytes);
    fe25519_mul(&ex, &c1, &x);
    fe25519_mul(&ex, &ex, &sp1);
    fe25519_mul(&ex, &ex, &inv);
    fe25519_mul(&ey, &sm1, &y);
    fe25519_mul(&ey, &ey, &inv);
    fe25519_cmov(&ey, &one, bad);              /* ex is already 0 then */

    /* RFC 8032 §5.1.2 encoding: y, with the sign (parity) of x in bit 255 */
    fe25519_tobytes(q, &ey);
    q[31] |= (uint8_t)(fe25519_sgn0(&ex) << 7);
}

int h2c_encode_to_curve_ell2(const uint8_t *m1, size_t n1, const uint8_t *m2, size_t n2,
                             const uint8_t *dst, size_t dst_len, uint8_t p[32],
                             h2c_trace_t *trace)
{
    uint8_t uniform[H2C_ELL2_L], q[32];
    fe25519_t u, gx1;
    bool square;

    if (h2c_expand_message_xmd_sha512(m1, n1, m2, n2, dst, dst_len, uniform, sizeof uniform))
        return ECVRF_EINVAL;
    fe25519_from_be48(&u, uniform);
    h2c_map_to_curve_ell2(q, &u, &gx1, &square);
    ecvrf_point_mul8(p, q);
    if (trace) {
        memcpy(trace->uniform_bytes, uniform, sizeof uniform);
        fe25519_tobytes(trace->u, &u);
        fe25519_tobytes(trace->gx1, &gx1);
        trace->gx1_square = square;
        memcpy(trace->q, q, 32);
    }
    return 0;
}

int h2c_hash_to_curve_ell2(const uint8_t *msg, size_t msg_len, const uint8_t *dst,
                           size_t dst_len, uint8_t p[32], uint8_t u0[32], uint8_t u1[32],
                           uint8_t q0[32], uint8_t q1[32])
{
    uint8_t uniform[2 * H2C_ELL2_L], a[32], b[32], r[32];
    fe25519_t f0, f1;

    if (h2c_expand_message_xmd_sha512(msg, msg_len, NULL, 0, dst, dst_len, uniform,
                                      sizeof uniform))
        return ECVRF_EINVAL;
    fe25519_from_be48(&f0, uniform);
    fe25519_from_be48(&f1, uniform + H2C_ELL2_L);
    h2c_map_to_curve_ell2(a, &f0, NULL, NULL);
    h2c_map_to_curve_ell2(b, &f1, NULL, NULL);
    ecvrf_point_add(r, a, b);
    ecvrf_point_mul8(p, r);
    if (u0)
        fe25519_tobytes(u0, &f0);
    if (u1)
        fe25519_tobytes(u1, &f1);
    if (q0)
        memcpy(q0, a, 32);
    if (q1)
        memcpy(q1, b, 32);
    return 0;
}
