/*
 * The signature scheme of draft-irtf-cfrg-bls-signature-06 with the
 * proof-of-possession ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_
 * (min-pk): KeyGen §2.3, SkToPk §2.4, KeyValidate §2.5, CoreSign/CoreVerify
 * §2.6-2.7 (as Sign/Verify §3.1), Aggregate §2.8, CoreAggregateVerify §2.9 (as
 * AggregateVerify §3.3), PopProve/PopVerify §3.3.2-3, FastAggregateVerify
 * §3.3.4, and randomized batch verification.
 *
 * Verification equation: e(pk, H(m)) = e(g1, sig), evaluated as one
 * multi-pairing e(pk, H(m)) e(-g1, sig) == 1 sharing the final exponentiation.
 */
#include "bls.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

_Static_assert(sizeof(bls_pk_t) >= sizeof(g1_t), "bls_pk_t too small");
_Static_assert(sizeof(bls_sig_t) >= sizeof(g2_t), "bls_sig_t too small");

#define DST_SIG ((const uint8_t *)BLS_DST_SIG)
#define DST_SIG_LEN (sizeof BLS_DST_SIG - 1)
#define DST_POP ((const uint8_t *)BLS_DST_POP)
#define DST_POP_LEN (sizeof BLS_DST_POP - 1)

/* ---- secret keys ---- */

/* sk (big-endian) to 4 little-endian limbs; requires 0 < sk < r. */
static int sk_load(uint64_t k[4], const uint8_t sk[32], err_t *e)
{
    uint64_t borrow = 0, nz = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t v = 0;
        for (int j = 0; j < 8; j++)
            v = (v << 8) | sk[(3 - i) * 8 + j];
        k[i] = v;
        nz |= v;
    }
    for (int i = 0; i < 4; i++) {
        unsigned __int128 d = (unsigned __int128)k[i] - BLS_R_ORDER[i] - borrow;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    if (!nz || !borrow) {
        crypto_wipe(k, 4 * sizeof *k);
        return err_set(e, BLS_EARG, "bls: secret key is %s", nz ? "not less than r" : "zero");
    }
    return BLS_OK;
}

/* OS2IP(48 bytes) mod r, constant time (bit-serial shift and subtract). */
static void reduce_mod_r(uint64_t out[4], const uint8_t in[48])
{
    uint64_t acc[5] = {0};
    for (int bit = 0; bit < 384; bit++) {
        unsigned b = (in[bit / 8] >> (7 - bit % 8)) & 1;
        /* acc = 2 acc + b (acc < r < 2^255, so it fits 256 bits) */
        for (int i = 4; i > 0; i--)
            acc[i] = (acc[i] << 1) | (acc[i - 1] >> 63);
        acc[0] = (acc[0] << 1) | b;
        uint64_t t[5], borrow = 0;
        for (int i = 0; i < 5; i++) {
            uint64_t ri = i < 4 ? BLS_R_ORDER[i] : 0;
            unsigned __int128 d = (unsigned __int128)acc[i] - ri - borrow;
            t[i] = (uint64_t)d;
            borrow = (uint64_t)(d >> 64) & 1;
        }
        uint64_t keep = 0 - borrow;  /* acc < r: keep acc */
        for (int i = 0; i < 5; i++)
            acc[i] = (acc[i] & keep) | (t[i] & ~keep);
    }
    memcpy(out, acc, 4 * sizeof *out);
    crypto_wipe(acc, sizeof acc);
}

int bls_keygen(uint8_t sk[BLS_SK_BYTES], const uint8_t *ikm, size_t ikm_len,
               const uint8_t *key_info, size_t info_len, const uint8_t *salt_in,
               size_t salt_len, err_t *e)
{
    static const char default_salt[] = "BLS-SIG-KEYGEN-SALT-";
    uint8_t salt_buf[32], prk[32], okm[64], t1[32];
    uint64_t k[4];
    const uint8_t *salt = salt_in;
    int rc = BLS_OK;

    if (!sk || (!ikm && ikm_len) || (!key_info && info_len) || (!salt_in && salt_len))
        return err_set(e, BLS_EARG, "bls: keygen: NULL argument");
    if (ikm_len < BLS_IKM_MIN_BYTES)
        return err_set(e, BLS_EARG, "bls: keygen: IKM is %zu bytes, at least %d required",
                       ikm_len, BLS_IKM_MIN_BYTES);
    if (ikm_len > SIZE_MAX / 2 || info_len > SIZE_MAX / 2)
        return err_set(e, BLS_EARG, "bls: keygen: IKM or key_info too long");
    if (!salt) {
        crypto_sha256(default_salt, sizeof default_salt - 1, salt_buf);
        salt = salt_buf;
        salt_len = 32;
    }
    uint8_t *ikm0 = malloc(ikm_len + 1);
    uint8_t *info = malloc(32 + info_len + 3);
    if (!ikm0 || !info) {
        rc = err_set(e, BLS_ENOMEM, "bls: keygen: out of memory");
        goto out;
    }
    memcpy(ikm0, ikm, ikm_len);
    ikm0[ikm_len] = 0;
    for (;;) {
        /* PRK = HKDF-Extract(salt, IKM || I2OSP(0, 1)) */
        crypto_hmac_sha256(salt, salt_len, ikm0, ikm_len + 1, prk);
        /* OKM = HKDF-Expand(PRK, key_info || I2OSP(48, 2), 48): T(1) || T(2)[0..16] */
        if (info_len)
            memcpy(info, key_info, info_len);
        info[info_len] = 0;
        info[info_len + 1] = 48;
        info[info_len + 2] = 1;
        crypto_hmac_sha256(prk, 32, info, info_len + 3, t1);
        memcpy(okm, t1, 32);
        memcpy(info, t1, 32);
        if (info_len)
            memcpy(info + 32, key_info, info_len);
        info[32 + info_len] = 0;
        info[32 + info_len + 1] = 48;
        info[32 + info_len + 2] = 2;
        crypto_hmac_sha256(prk, 32, info, 32 + info_len + 3, okm + 32);
        reduce_mod_r(k, okm);
        if (k[0] | k[1] | k[2] | k[3])
            break;
        /* salt = H(salt) */
        crypto_sha256(salt, salt_len, salt_buf);
        salt = salt_buf;
        salt_len = 32;
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++)
            sk[(3 - i) * 8 + j] = (uint8_t)(k[i] >> (56 - 8 * j));
out:
    if (ikm0) {
        crypto_wipe(ikm0, ikm_len + 1);
        free(ikm0);
    }
    if (info) {
        crypto_wipe(info, 32 + info_len + 3);
        free(info);
    }
    crypto_wipe(prk, sizeof prk);
    crypto_wipe(okm, sizeof okm);
    crypto_wipe(t1, sizeof t1);
    crypto_wipe(k, sizeof k);
    return rc;
}

int bls_sk_to_pk(uint8_t pk[BLS_PK_BYTES], const uint8_t sk[BLS_SK_BYTES], err_t *e)
{
    uint64_t k[4];
    g1_t g, p;
    int rc = sk_load(k, sk, e);
    if (rc)
        return rc;
    g1_generator(&g);
    g1_mul_glv(&p, &g, k);
    g1_compress(pk, &p);
    crypto_wipe(k, sizeof k);
    return BLS_OK;
}

/* ---- decoding ---- */

static int decode_pk(g1_t *p, const uint8_t in[48], const char *what, err_t *e)
{
    const char *why = NULL;
    if (!g1_decompress(p, in, &why))
        return err_set(e, BLS_EDECODE, "bls: %s: %s", what, why);
    if (g1_is_inf(p))
        return err_set(e, BLS_EINVALID, "bls: %s: public key is the identity", what);
    return BLS_OK;
}

static int decode_sig(g2_t *s, const uint8_t in[96], const char *what, err_t *e)
{
    const char *why = NULL;
    if (!g2_decompress(s, in, &why))
        return err_set(e, BLS_EDECODE, "bls: %s: %s", what, why);
    return BLS_OK;
}

int bls_key_validate(const uint8_t pk[BLS_PK_BYTES], err_t *e)
{
    g1_t p;
    return decode_pk(&p, pk, "public key", e);
}

int bls_pk_decode(bls_pk_t *pk, const uint8_t in[BLS_PK_BYTES], err_t *e)
{
    g1_t p;
    int rc = decode_pk(&p, in, "public key", e);
    if (rc)
        return rc;
    memset(pk, 0, sizeof *pk);
    memcpy(pk->opaque, &p, sizeof p);
    return BLS_OK;
}

void bls_pk_encode(uint8_t out[BLS_PK_BYTES], const bls_pk_t *pk)
{
    g1_t p;
    memcpy(&p, pk->opaque, sizeof p);
    g1_compress(out, &p);
}

int bls_sig_decode(bls_sig_t *sig, const uint8_t in[BLS_SIG_BYTES], err_t *e)
{
    g2_t s;
    int rc = decode_sig(&s, in, "signature", e);
    if (rc)
        return rc;
    memset(sig, 0, sizeof *sig);
    memcpy(sig->opaque, &s, sizeof s);
    return BLS_OK;
}

void bls_sig_encode(uint8_t out[BLS_SIG_BYTES], const bls_sig_t *sig)
{
    g2_t s;
    memcpy(&s, sig->opaque, sizeof s);
    g2_compress(out, &s);
}

int bls_g1_check(const uint8_t in[48], err_t *e)
{
    g1_t p;
    const char *why = NULL;
    if (!g1_decompress(&p, in, &why))
        return err_set(e, BLS_EDECODE, "bls: G1 point: %s", why);
    return BLS_OK;
}

int bls_g2_check(const uint8_t in[96], err_t *e)
{
    g2_t p;
    const char *why = NULL;
    if (!g2_decompress(&p, in, &why))
        return err_set(e, BLS_EDECODE, "bls: G2 point: %s", why);
    return BLS_OK;
}

int bls_hash_to_g2_bytes(uint8_t out[96], const void *msg, size_t msg_len, const uint8_t *dst,
                         size_t dst_len, err_t *e)
{
    g2_t q;
    if ((!msg && msg_len) || (!dst && dst_len))
        return err_set(e, BLS_EARG, "bls: hash_to_g2: NULL argument");
    bls_hash_to_g2(&q, msg, msg_len, dst, dst_len);
    g2_compress(out, &q);
    return BLS_OK;
}

/* ---- signing ---- */

static int core_sign(uint8_t sig[96], const uint8_t sk[32], const uint8_t *msg, size_t msg_len,
                     const uint8_t *dst, size_t dst_len, err_t *e)
{
    uint64_t k[4];
    g2_t q;
    if (!msg && msg_len)
        return err_set(e, BLS_EARG, "bls: sign: NULL message");
    int rc = sk_load(k, sk, e);
    if (rc)
        return rc;
    bls_hash_to_g2(&q, msg, msg_len, dst, dst_len);
    g2_mul_gls(&q, &q, k);
    g2_compress(sig, &q);
    crypto_wipe(k, sizeof k);
    return BLS_OK;
}

int bls_sign(uint8_t sig[BLS_SIG_BYTES], const uint8_t sk[BLS_SK_BYTES], const void *msg,
             size_t msg_len, err_t *e)
{
    return core_sign(sig, sk, msg, msg_len, DST_SIG, DST_SIG_LEN, e);
}

int bls_pop_prove(uint8_t proof[BLS_SIG_BYTES], const uint8_t sk[BLS_SK_BYTES], err_t *e)
{
    uint8_t pk[48];
    int rc = bls_sk_to_pk(pk, sk, e);
    if (rc)
        return rc;
    return core_sign(proof, sk, pk, sizeof pk, DST_POP, DST_POP_LEN, e);
}

/* ---- verification ---- */

/* e(pk, H(msg)) == e(g1, sig) */
static int core_verify(const g1_t *pk, const uint8_t *msg, size_t msg_len, const g2_t *sig,
                       const uint8_t *dst, size_t dst_len, err_t *e)
{
    g1_t p[2];
    g2_t q[2];
    if (!msg && msg_len)
        return err_set(e, BLS_EARG, "bls: verify: NULL message");
    p[0] = *pk;
    bls_hash_to_g2(&q[0], msg, msg_len, dst, dst_len);
    g1_generator(&p[1]);
    g1_neg(&p[1], &p[1]);
    q[1] = *sig;
    if (!bls_pairing_check(p, q, 2))
        return err_set(e, BLS_EINVALID, "bls: signature does not verify");
    return BLS_OK;
}

int bls_verify(const uint8_t pk[BLS_PK_BYTES], const void *msg, size_t msg_len,
               const uint8_t sig[BLS_SIG_BYTES], err_t *e)
{
    g1_t p;
    g2_t s;
    int rc = decode_pk(&p, pk, "public key", e);
    if (rc)
        return rc;
    if ((rc = decode_sig(&s, sig, "signature", e)))
        return rc;
    return core_verify(&p, msg, msg_len, &s, DST_SIG, DST_SIG_LEN, e);
}

void bls_pk_add(bls_pk_t *out, const bls_pk_t *a, const bls_pk_t *b)
{
    g1_t x, y;
    memcpy(&x, a->opaque, sizeof x);
    memcpy(&y, b->opaque, sizeof y);
    g1_add(&x, &x, &y);
    memset(out, 0, sizeof *out);
    memcpy(out->opaque, &x, sizeof x);
}

void bls_sig_add(bls_sig_t *out, const bls_sig_t *a, const bls_sig_t *b)
{
    g2_t x, y;
    memcpy(&x, a->opaque, sizeof x);
    memcpy(&y, b->opaque, sizeof y);
    g2_add(&x, &x, &y);
    memset(out, 0, sizeof *out);
    memcpy(out->opaque, &x, sizeof x);
}

void bls_pk_aggregate_decoded(bls_pk_t *out, const bls_pk_t *pks, size_t n)
{
    g1_t acc, p;
    g1_set_inf(&acc);
    for (size_t i = 0; i < n; i++) {
        memcpy(&p, pks[i].opaque, sizeof p);
        g1_add(&acc, &acc, &p);
    }
    memset(out, 0, sizeof *out);
    memcpy(out->opaque, &acc, sizeof acc);
}

void bls_sig_aggregate_decoded(bls_sig_t *out, const bls_sig_t *sigs, size_t n)
{
    g2_t acc, s;
    g2_set_inf(&acc);
    for (size_t i = 0; i < n; i++) {
        memcpy(&s, sigs[i].opaque, sizeof s);
        g2_add(&acc, &acc, &s);
    }
    memset(out, 0, sizeof *out);
    memcpy(out->opaque, &acc, sizeof acc);
}

int bls_verify_decoded(const bls_pk_t *pk, const void *msg, size_t msg_len,
                       const bls_sig_t *sig, err_t *e)
{
    g1_t p;
    g2_t s;
    memcpy(&p, pk->opaque, sizeof p);
    if (g1_is_inf(&p))
        return err_set(e, BLS_EINVALID, "bls: public key is the identity");
    memcpy(&s, sig->opaque, sizeof s);
    return core_verify(&p, msg, msg_len, &s, DST_SIG, DST_SIG_LEN, e);
}

int bls_pop_verify(const uint8_t pk[BLS_PK_BYTES], const uint8_t proof[BLS_SIG_BYTES], err_t *e)
{
    g1_t p;
    g2_t s;
    int rc = decode_pk(&p, pk, "public key", e);
    if (rc)
        return rc;
    if ((rc = decode_sig(&s, proof, "proof", e)))
        return rc;
    rc = core_verify(&p, pk, 48, &s, DST_POP, DST_POP_LEN, e);
    if (rc == BLS_EINVALID)
        return err_set(e, BLS_EINVALID, "bls: proof of possession does not verify");
    return rc;
}

int bls_aggregate(uint8_t out[BLS_SIG_BYTES], const uint8_t (*sigs)[BLS_SIG_BYTES], size_t n,
                  err_t *e)
{
    g2_t acc, s;
    if (n == 0)
        return err_set(e, BLS_EARG, "bls: aggregate: no signatures");
    if (!sigs)
        return err_set(e, BLS_EARG, "bls: aggregate: NULL list");
    g2_set_inf(&acc);
    for (size_t i = 0; i < n; i++) {
        const char *why = NULL;
        if (!g2_decompress(&s, sigs[i], &why))
            return err_set(e, BLS_EDECODE, "bls: signature %zu: %s", i, why);
        g2_add(&acc, &acc, &s);
    }
    g2_compress(out, &acc);
    return BLS_OK;
}

int bls_aggregate_verify(const uint8_t (*pks)[BLS_PK_BYTES], const uint8_t *const *msgs,
                         const size_t *msg_lens, size_t n, const uint8_t sig[BLS_SIG_BYTES],
                         err_t *e)
{
    g1_t *p = NULL;
    g2_t *q = NULL;
    int rc;
    if (n == 0)
        return err_set(e, BLS_EINVALID, "bls: aggregate verify: empty list");
    if (!pks || !msgs || !msg_lens)
        return err_set(e, BLS_EARG, "bls: aggregate verify: NULL list");
    if (n > SIZE_MAX / sizeof(g2_t) - 1)
        return err_set(e, BLS_ENOMEM, "bls: aggregate verify: list too long");
    p = malloc((n + 1) * sizeof *p);
    q = malloc((n + 1) * sizeof *q);
    if (!p || !q) {
        rc = err_set(e, BLS_ENOMEM, "bls: aggregate verify: out of memory");
        goto out;
    }
    if ((rc = decode_sig(&q[n], sig, "signature", e)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        char what[40];
        snprintf(what, sizeof what, "public key %zu", i);
        if ((rc = decode_pk(&p[i], pks[i], what, e)))
            goto out;
        if (!msgs[i] && msg_lens[i]) {
            rc = err_set(e, BLS_EARG, "bls: aggregate verify: message %zu is NULL", i);
            goto out;
        }
        bls_hash_to_g2(&q[i], msgs[i], msg_lens[i], DST_SIG, DST_SIG_LEN);
    }
    g1_generator(&p[n]);
    g1_neg(&p[n], &p[n]);
    rc = bls_pairing_check(p, q, n + 1)
             ? BLS_OK
             : err_set(e, BLS_EINVALID, "bls: aggregate signature does not verify");
out:
    free(p);
    free(q);
    return rc;
}

static int fast_aggregate(const g1_t *agg, const uint8_t *msg, size_t msg_len, const g2_t *sig,
                          err_t *e)
{
    int rc = core_verify(agg, msg, msg_len, sig, DST_SIG, DST_SIG_LEN, e);
    if (rc == BLS_EINVALID)
        return err_set(e, BLS_EINVALID, "bls: aggregate signature does not verify");
    return rc;
}

int bls_fast_aggregate_verify(const uint8_t (*pks)[BLS_PK_BYTES], size_t n, const void *msg,
                              size_t msg_len, const uint8_t sig[BLS_SIG_BYTES], err_t *e)
{
    g1_t agg, p;
    g2_t s;
    int rc;
    if (n == 0)
        return err_set(e, BLS_EINVALID, "bls: fast aggregate verify: no public keys");
    if (!pks)
        return err_set(e, BLS_EARG, "bls: fast aggregate verify: NULL list");
    if ((rc = decode_sig(&s, sig, "signature", e)))
        return rc;
    g1_set_inf(&agg);
    for (size_t i = 0; i < n; i++) {
        char what[40];
        snprintf(what, sizeof what, "public key %zu", i);
        if ((rc = decode_pk(&p, pks[i], what, e)))
            return rc;
        g1_add(&agg, &agg, &p);
    }
    return fast_aggregate(&agg, msg, msg_len, &s, e);
}

int bls_fast_aggregate_verify_decoded(const bls_pk_t *pks, size_t n, const void *msg,
                                      size_t msg_len, const bls_sig_t *sig, err_t *e)
{
    g1_t agg, p;
    g2_t s;
    if (n == 0)
        return err_set(e, BLS_EINVALID, "bls: fast aggregate verify: no public keys");
    g1_set_inf(&agg);
    for (size_t i = 0; i < n; i++) {
        memcpy(&p, pks[i].opaque, sizeof p);
        g1_add(&agg, &agg, &p);
    }
    memcpy(&s, sig->opaque, sizeof s);
    return fast_aggregate(&agg, msg, msg_len, &s, e);
}

int bls_batch_verify(const uint8_t (*pks)[BLS_PK_BYTES], const uint8_t *const *msgs,
                     const size_t *msg_lens, const uint8_t (*sigs)[BLS_SIG_BYTES], size_t n,
                     err_t *e)
{
    g1_t *p = NULL;
    g2_t *q = NULL, s, acc;
    int rc;
    if (n == 0)
        return err_set(e, BLS_EINVALID, "bls: batch verify: empty batch");
    if (!pks || !msgs || !msg_lens || !sigs)
        return err_set(e, BLS_EARG, "bls: batch verify: NULL list");
    if (n > SIZE_MAX / sizeof(g2_t) - 1)
        return err_set(e, BLS_ENOMEM, "bls: batch verify: batch too large");
    p = malloc((n + 1) * sizeof *p);
    q = malloc((n + 1) * sizeof *q);
    if (!p || !q) {
        rc = err_set(e, BLS_ENOMEM, "bls: batch verify: out of memory");
        goto out;
    }
    g2_set_inf(&acc);
    for (size_t i = 0; i < n; i++) {
        char what[40];
        uint64_t w = 0;
        snprintf(what, sizeof what, "public key %zu", i);
        if ((rc = decode_pk(&p[i], pks[i], what, e)))
            goto out;
        snprintf(what, sizeof what, "signature %zu", i);
        if ((rc = decode_sig(&s, sigs[i], what, e)))
            goto out;
        if (!msgs[i] && msg_lens[i]) {
            rc = err_set(e, BLS_EARG, "bls: batch verify: message %zu is NULL", i);
            goto out;
        }
        while (w == 0)
            crypto_random(&w, sizeof w);
        /* e(w pk_i, H(m_i)) ... = e(g1, sum w sig_i) */
        g1_mul_u64_vartime(&p[i], &p[i], w);
        g2_mul_u64_vartime(&s, &s, w);
        g2_add(&acc, &acc, &s);
        bls_hash_to_g2(&q[i], msgs[i], msg_lens[i], DST_SIG, DST_SIG_LEN);
    }
    g1_generator(&p[n]);
    g1_neg(&p[n], &p[n]);
    q[n] = acc;
    rc = bls_pairing_check(p, q, n + 1) ? BLS_OK
                                        : err_set(e, BLS_EINVALID, "bls: batch does not verify");
out:
    free(p);
    free(q);
    return rc;
}
