/*
 * RFC 9381 ECVRF on edwards25519 with SHA-512, suites TAI (0x03) and ELL2
 * (0x04). Section numbers are those of the RFC (= draft-irtf-cfrg-vrf-15).
 *
 * Prove touches secrets in: the key expansion (SHA-512 of SK), Gamma = x*H,
 * the nonce k and k*B, k*H, and s = k + c*x mod L. All of these go through
 * libsodium's constant-time scalar multiplication and scalar arithmetic, on a
 * point H that is always in the prime-order subgroup (cofactor-cleared); the
 * final addition is done here with a byte carry chain. Secret buffers are
 * wiped before returning. Verify handles only public values and may branch.
 */
#include "internal.h"

#include "crypto/crypto.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
static const uint8_t order_l[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

/* RFC 9381 §5.5 / §5.4.1.2: "ECVRF_" || h2c_suite_ID_string || suite_string */
static const char ell2_dst[] = "ECVRF_edwards25519_XMD:SHA-512_ELL2_NU_\x04";

const char *ecvrf_suite_name(ecvrf_suite_t suite)
{
    switch (suite) {
    case ECVRF_SUITE_TAI: return "ECVRF-EDWARDS25519-SHA512-TAI";
    case ECVRF_SUITE_ELL2: return "ECVRF-EDWARDS25519-SHA512-ELL2";
    }
    return NULL;
}

int ecvrf_suite_parse(const char *s, ecvrf_suite_t *out, err_t *e)
{
    if (!s || !out)
        return err_set(e, ECVRF_EINVAL, "ecvrf: no suite given");
    if (!strcasecmp(s, "tai") || !strcmp(s, ecvrf_suite_name(ECVRF_SUITE_TAI)))
        *out = ECVRF_SUITE_TAI;
    else if (!strcasecmp(s, "ell2") || !strcmp(s, ecvrf_suite_name(ECVRF_SUITE_ELL2)))
        *out = ECVRF_SUITE_ELL2;
    else
        return err_set(e, ECVRF_EINVAL, "ecvrf: unknown suite '%s' (expected tai or ell2)", s);
    return 0;
}

static bool suite_ok(ecvrf_suite_t suite)
{
    return suite == ECVRF_SUITE_TAI || suite == ECVRF_SUITE_ELL2;
}

bool ecvrf_scalar_canonical(const uint8_t s[32])
{
    for (int i = 31; i >= 0; i--) {
        if (s[i] < order_l[i])
            return true;
        if (s[i] > order_l[i])
            return false;
    }
    return false;   /* s == L */
}

/* RFC 8032 §5.1.5 steps 1-3. */
void ecvrf_expand_sk(const uint8_t sk[32], uint8_t x[32], uint8_t prefix[32])
{
    uint8_t h[64];

    crypto_hash_sha512(h, sk, 32);
    memcpy(x, h, 32);
    x[0] &= 248;
    x[31] &= 127;
    x[31] |= 64;
    if (prefix)
        memcpy(prefix, h + 32, 32);
    sodium_memzero(h, sizeof h);
}

void ecvrf_sk_to_pk(const uint8_t sk[ECVRF_SK_BYTES], uint8_t pk[ECVRF_PK_BYTES])
{
    uint8_t x[32];

    ecvrf_expand_sk(sk, x, NULL);
    ecvrf_point_mul_base(pk, x);
    sodium_memzero(x, sizeof x);
}

void ecvrf_keygen(uint8_t sk[ECVRF_SK_BYTES], uint8_t pk[ECVRF_PK_BYTES])
{
    crypto_random(sk, ECVRF_SK_BYTES);
    ecvrf_sk_to_pk(sk, pk);
}

bool ecvrf_pk_valid(const uint8_t pk[ECVRF_PK_BYTES])
{
    ge25519_t y;

    if (!pk || !ge25519_frombytes(&y, pk))
        return false;
    ge25519_mul8(&y, &y);
    return !ge25519_is_identity(&y);
}

/* §5.4.1.1 try-and-increment with interpret_hash_value_as_a_point =
 * string_to_point(hash[0..32)); H must not be the identity after x8. */
static int encode_tai(const uint8_t pk[32], const uint8_t *alpha, size_t alpha_len, uint8_t h[32],
                      int *ctr_out)
{
    static const uint8_t front[2] = {ECVRF_SUITE_TAI, 0x01};
    crypto_hash_sha512_state prefix, st;
    uint8_t hash[64];
    ge25519_t p;

    /* The hashed string differs only in its last two bytes, so the prefix
     * suite || 0x01 || PK || alpha is absorbed once. */
    crypto_hash_sha512_init(&prefix);
    crypto_hash_sha512_update(&prefix, front, sizeof front);
    crypto_hash_sha512_update(&prefix, pk, 32);
    if (alpha_len)
        crypto_hash_sha512_update(&prefix, alpha, alpha_len);
    for (int ctr = 0; ctr < 256; ctr++) {
        const uint8_t back[2] = {(uint8_t)ctr, 0x00};
        st = prefix;
        crypto_hash_sha512_update(&st, back, sizeof back);
        crypto_hash_sha512_final(&st, hash);
        if (!ge25519_frombytes(&p, hash))
            continue;
        ge25519_mul8(&p, &p);
        if (ge25519_is_identity(&p))
            continue;
        ge25519_tobytes(h, &p);
        if (ctr_out)
            *ctr_out = ctr;
        return 0;
    }
    return ECVRF_EHASH;
}

int ecvrf_encode_to_curve(ecvrf_suite_t suite, const uint8_t pk[32], const uint8_t *alpha,
                          size_t alpha_len, uint8_t h[32], int *ctr, h2c_trace_t *ell2)
{
    if (ctr)
        *ctr = -1;
    if (suite == ECVRF_SUITE_TAI)
        return encode_tai(pk, alpha, alpha_len, h, ctr);
    if (suite == ECVRF_SUITE_ELL2)
        return h2c_encode_to_curve_ell2(pk, 32, alpha, alpha_len, (const uint8_t *)ell2_dst,
                                        sizeof ell2_dst - 1, h, ell2);
    return ECVRF_EINVAL;
}

void ecvrf_nonce(const uint8_t prefix[32], const uint8_t h[32], uint8_t k_string[64],
                 uint8_t k[32])
{
    crypto_hash_sha512_state st;

    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, prefix, 32);
    crypto_hash_sha512_update(&st, h, 32);
    crypto_hash_sha512_final(&st, k_string);
    crypto_core_ed25519_scalar_reduce(k, k_string);
    sodium_memzero(&st, sizeof st);
}

void ecvrf_challenge(ecvrf_suite_t suite, const uint8_t y[32], const uint8_t h[32],
                     const uint8_t gamma[32], const uint8_t u[32], const uint8_t v[32],
                     uint8_t c[16])
{
    const uint8_t front[2] = {(uint8_t)suite, 0x02};
    const uint8_t back = 0x00;
    crypto_hash_sha512_state st;
    uint8_t out[64];

    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, front, sizeof front);
    crypto_hash_sha512_update(&st, y, 32);
    crypto_hash_sha512_update(&st, h, 32);
    crypto_hash_sha512_update(&st, gamma, 32);
    crypto_hash_sha512_update(&st, u, 32);
    crypto_hash_sha512_update(&st, v, 32);
    crypto_hash_sha512_update(&st, &back, 1);
    crypto_hash_sha512_final(&st, out);
    memcpy(c, out, 16);
}

/* §5.2 step 6: beta = Hash(suite || 0x03 || point_to_string(8 Gamma) || 0x00) */
static void gamma_to_hash(ecvrf_suite_t suite, const ge25519_t *gamma, uint8_t beta[64])
{
    const uint8_t front[2] = {(uint8_t)suite, 0x03};
    const uint8_t back = 0x00;
    crypto_hash_sha512_state st;
    ge25519_t t;
    uint8_t g8[32];

    ge25519_mul8(&t, gamma);
    ge25519_tobytes(g8, &t);
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, front, sizeof front);
    crypto_hash_sha512_update(&st, g8, 32);
    crypto_hash_sha512_update(&st, &back, 1);
    crypto_hash_sha512_final(&st, beta);
}

/* s = (k + c*x) mod L in constant time. libsodium's scalar_add leaves its
 * operands on the stack, so the addition is done here. */
static void compute_s(uint8_t s[32], const uint8_t k[32], const uint8_t c[16], const uint8_t x[32])
{
    uint8_t wide[64] = {0}, xr[32], c32[32] = {0}, cx[32];
    unsigned carry = 0;

    memcpy(wide, x, 32);
    crypto_core_ed25519_scalar_reduce(xr, wide);
    memcpy(c32, c, 16);
    crypto_core_ed25519_scalar_mul(cx, c32, xr);
    for (int i = 0; i < 32; i++) {
        carry += (unsigned)cx[i] + k[i];
        wide[i] = (uint8_t)carry;
        carry >>= 8;
    }
    wide[32] = (uint8_t)carry;
    memset(wide + 33, 0, 31);
    crypto_core_ed25519_scalar_reduce(s, wide);
    sodium_memzero(wide, sizeof wide);
    sodium_memzero(xr, sizeof xr);
    sodium_memzero(cx, sizeof cx);
}

int ecvrf_prove_trace(ecvrf_suite_t suite, const uint8_t sk[32], const uint8_t *alpha,
                      size_t alpha_len, uint8_t pi[ECVRF_PROOF_BYTES], ecvrf_trace_t *trace,
                      err_t *e)
{
    uint8_t x[32], prefix[32], y[32], h[32], gamma[32], k_string[64], k[32], u[32], v[32];
    uint8_t c[16], s[32];
    h2c_trace_t ell2;
    int ctr = -1, rc;

    if (!suite_ok(suite))
        return err_set(e, ECVRF_EINVAL, "ecvrf: unknown suite 0x%02x", (unsigned)suite);
    if (!sk || !pi || (!alpha && alpha_len))
        return err_set(e, ECVRF_EINVAL, "ecvrf: prove: NULL argument");

    /* §5.1 step 1: x and Y = x*B */
    ecvrf_expand_sk(sk, x, prefix);
    ecvrf_point_mul_base(y, x);
    ECVRF_DECLASSIFY(y, sizeof y);
    /* step 2: H = encode_to_curve(PK, alpha) */
    rc = ecvrf_encode_to_curve(suite, y, alpha, alpha_len, h, &ctr, &ell2);
    if (rc) {
        err_set(e, rc, "ecvrf: encode_to_curve found no point for this input");
        goto out;
    }
    /* step 4: Gamma = x*H; step 5: k; step 6: c = challenge(Y, H, Gamma, kB, kH) */
    ecvrf_point_mul(gamma, x, h);
    ECVRF_DECLASSIFY(gamma, sizeof gamma);
    ecvrf_nonce(prefix, h, k_string, k);
    ecvrf_point_mul_base(u, k);
    ecvrf_point_mul(v, k, h);
    ecvrf_challenge(suite, y, h, gamma, u, v, c);
    ECVRF_DECLASSIFY(c, sizeof c);
    /* step 7: s = (k + c*x) mod q; step 8: pi = Gamma || c || s */
    compute_s(s, k, c, x);
    memcpy(pi, gamma, 32);
    memcpy(pi + 32, c, 16);
    memcpy(pi + 48, s, 32);

    if (trace) {
        memcpy(trace->x, x, 32);
        memcpy(trace->pk, y, 32);
        trace->tai_ctr = ctr;
        if (suite == ECVRF_SUITE_ELL2)
            trace->ell2 = ell2;
        else
            memset(&trace->ell2, 0, sizeof trace->ell2);
        memcpy(trace->h, h, 32);
        memcpy(trace->gamma, gamma, 32);
        memcpy(trace->k_string, k_string, 64);
        memcpy(trace->k, k, 32);
        memcpy(trace->u, u, 32);
        memcpy(trace->v, v, 32);
        memcpy(trace->c, c, 16);
        memcpy(trace->s, s, 32);
    }
out:
    sodium_memzero(x, sizeof x);
    sodium_memzero(prefix, sizeof prefix);
    sodium_memzero(k_string, sizeof k_string);
    sodium_memzero(k, sizeof k);
    sodium_memzero(u, sizeof u);
    sodium_memzero(v, sizeof v);
    return rc;
}

int ecvrf_prove(ecvrf_suite_t suite, const uint8_t sk[ECVRF_SK_BYTES], const uint8_t *alpha,
                size_t alpha_len, uint8_t pi[ECVRF_PROOF_BYTES], err_t *e)
{
    return ecvrf_prove_trace(suite, sk, alpha, alpha_len, pi, NULL, e);
}

/* §5.4.4 decode_proof: Gamma = string_to_point, s < L. */
static int decode_proof(const uint8_t pi[ECVRF_PROOF_BYTES], ge25519_t *gamma, err_t *e)
{
    if (!ge25519_frombytes(gamma, pi))
        return err_set(e, ECVRF_EBADPROOF,
                       "ecvrf: proof bytes 0..31 (Gamma) are not a valid point encoding");
    if (!ecvrf_scalar_canonical(pi + 48))
        return err_set(e, ECVRF_EBADPROOF,
                       "ecvrf: proof bytes 48..79 (s) are not a canonical scalar (s >= L)");
    return 0;
}

int ecvrf_proof_to_hash(ecvrf_suite_t suite, const uint8_t pi[ECVRF_PROOF_BYTES],
                        uint8_t beta[ECVRF_OUTPUT_BYTES], err_t *e)
{
    ge25519_t gamma;
    int rc;

    if (!suite_ok(suite))
        return err_set(e, ECVRF_EINVAL, "ecvrf: unknown suite 0x%02x", (unsigned)suite);
    if (!pi || !beta)
        return err_set(e, ECVRF_EINVAL, "ecvrf: proof_to_hash: NULL argument");
    if ((rc = decode_proof(pi, &gamma, e)) != 0)
        return rc;
    gamma_to_hash(suite, &gamma, beta);
    return 0;
}

int ecvrf_verify(ecvrf_suite_t suite, const uint8_t pk[ECVRF_PK_BYTES], const uint8_t *alpha,
                 size_t alpha_len, const uint8_t pi[ECVRF_PROOF_BYTES],
                 uint8_t beta[ECVRF_OUTPUT_BYTES], err_t *e)
{
    uint8_t h[32], c32[32] = {0}, u[32], v[32], c[16];
    const uint8_t *gamma = pi, *s = pi + 48;
    ge25519_t y, g, hp, b, t;
    int rc;

    if (!suite_ok(suite))
        return err_set(e, ECVRF_EINVAL, "ecvrf: unknown suite 0x%02x", (unsigned)suite);
    if (!pk || !pi || (!alpha && alpha_len))
        return err_set(e, ECVRF_EINVAL, "ecvrf: verify: NULL argument");

    /* §5.3 steps 1-3: Y = string_to_point(PK), validate_key (§5.4.5) */
    if (!ge25519_frombytes(&y, pk))
        return err_set(e, ECVRF_EBADKEY, "ecvrf: public key is not a valid point encoding");
    ge25519_mul8(&t, &y);
    if (ge25519_is_identity(&t))
        return err_set(e, ECVRF_EBADKEY, "ecvrf: public key has small order");
    /* steps 4-6: decode_proof (§5.4.4) */
    if ((rc = decode_proof(pi, &g, e)) != 0)
        return rc;
    /* step 7 */
    rc = ecvrf_encode_to_curve(suite, pk, alpha, alpha_len, h, NULL, NULL);
    if (rc)
        return err_set(e, rc, "ecvrf: encode_to_curve found no point for this input");
    if (!ge25519_frombytes(&hp, h))
        return err_set(e, ECVRF_EHASH, "ecvrf: encode_to_curve gave an invalid point");
    /* steps 8-9: U = s*B - c*Y, V = s*H - c*Gamma */
    memcpy(c32, pi + 32, 16);
    ge25519_base(&b);
    ge25519_neg(&y, &y);
    ge25519_double_scalarmult_vartime(&t, s, &b, c32, &y);
    ge25519_tobytes(u, &t);
    ge25519_neg(&t, &g);
    ge25519_double_scalarmult_vartime(&t, s, &hp, c32, &t);
    ge25519_tobytes(v, &t);
    /* steps 10-11 */
    ecvrf_challenge(suite, pk, h, gamma, u, v, c);
    if (sodium_memcmp(c, pi + 32, 16) != 0)
        return err_set(e, ECVRF_EVERIFY, "ecvrf: proof does not verify (challenge mismatch)");
    if (beta)
        gamma_to_hash(suite, &g, beta);
    return 0;
}
