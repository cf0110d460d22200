/*
 * A TEST-ONLY signature and VRF scheme for the consensus simulator. It is NOT
 * secure (anyone who knows a public key can "sign"): it exists so that the
 * simulator can run thousands of seeds, where real BLS (~0.35 ms per
 * signature, ~1 ms per verification) would take hours. It has the shape of
 * the real scheme so the core runs the same code paths:
 *   pk      = SHA-256("test-pk" ‖ sk) ‖ 16 zero bytes
 *   sig     = SHA-256("test-sig" ‖ pk ‖ msg) ‖ 64 zero bytes
 *   aggregate = XOR of the signatures; aggregate_verify recomputes the XOR
 *             over the signers of every group (a wrong signer set, message or
 *             missing signature fails, as with BLS)
 *   vrf pk  = SHA-256("test-vrf-pk" ‖ sk); proof = SHA-256("test-vrf" ‖ pk ‖
 *             alpha) ‖ zeros; beta = SHA-512(proof)
 * The simulator also runs seeds with cons_crypto_bls to keep the real path
 * covered.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

struct cons_keys {
    uint32_t n;
    uint8_t pk[][CONS_PK_BYTES];
};

static void h2(const char *dom, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
               uint8_t out[32])
{
    crypto_sha256_ctx_t c;
    crypto_sha256_init(&c);
    crypto_sha256_update(&c, dom, strlen(dom));
    crypto_sha256_update(&c, a, an);
    if (bn)
        crypto_sha256_update(&c, b, bn);
    crypto_sha256_final(&c, out);
}

static int t_keys_new(const uint8_t (*pks)[CONS_PK_BYTES], uint32_t n, cons_keys_t **out,
                      err_t *e)
{
    cons_keys_t *k = malloc(sizeof *k + (size_t)n * CONS_PK_BYTES);
    if (!k)
        return err_set(e, CONS_ENOMEM, "test keys: out of memory");
    k->n = n;
    memcpy(k->pk, pks, (size_t)n * CONS_PK_BYTES);
    *out = k;
    return 0;
}

static void t_keys_free(cons_keys_t *k)
{
    free(k);
}

static int t_sk_to_pk(const uint8_t sk[32], uint8_t pk[48], err_t *e)
{
    (void)e;
    memset(pk, 0, 48);
    h2("test-pk", sk, 32, NULL, 0, pk);
    return 0;
}

static void sig_of(const uint8_t pk[48], const uint8_t *msg, size_t len, uint8_t sig[96])
{
    memset(sig, 0, 96);
    h2("test-sig", pk, 48, msg, len, sig);
}

static int t_sign(const uint8_t sk[32], const uint8_t *msg, size_t len, uint8_t sig[96],
                  err_t *e)
{
    uint8_t pk[48];
    t_sk_to_pk(sk, pk, e);
    sig_of(pk, msg, len, sig);
    return 0;
}

static int t_verify(const cons_keys_t *k, uint32_t signer, const uint8_t *msg, size_t len,
                    const uint8_t sig[96], err_t *e)
{
    uint8_t want[96];
    if (signer >= k->n)
        return err_set(e, CONS_EBADSIG, "test sig: signer %u out of range", signer);
    sig_of(k->pk[signer], msg, len, want);
    return memcmp(want, sig, 96) == 0 ? 0 : err_set(e, CONS_EBADSIG, "test sig: invalid");
}

static int t_aggregate(const uint8_t (*sigs)[96], size_t n, uint8_t out[96], err_t *e)
{
    if (n == 0)
        return err_set(e, CONS_EINVAL, "test sig: empty aggregate");
    memset(out, 0, 96);
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < 96; j++)
            out[j] ^= sigs[i][j];
    return 0;
}

static int t_aggregate_verify(const cons_keys_t *k, size_t n_groups,
                              const uint8_t (*bitmaps)[CONS_BITMAP_BYTES],
                              const uint8_t *const *msgs, const size_t *lens,
                              const uint8_t sig[96], err_t *e)
{
    uint8_t acc[96] = {0}, s[96];
    size_t signers = 0;
    for (size_t g = 0; g < n_groups; g++)
        for (uint32_t i = 0; i < k->n; i++)
            if ((bitmaps[g][i / 8] >> (i % 8)) & 1) {
                sig_of(k->pk[i], msgs[g], lens[g], s);
                for (int j = 0; j < 96; j++)
                    acc[j] ^= s[j];
                signers++;
            }
    if (signers == 0 || memcmp(acc, sig, 96) != 0)
        return err_set(e, CONS_EBADSIG, "test sig: aggregate invalid");
    return 0;
}

static int t_vrf_sk_to_pk(const uint8_t sk[32], uint8_t pk[32], err_t *e)
{
    (void)e;
    h2("test-vrf-pk", sk, 32, NULL, 0, pk);
    return 0;
}

static int t_vrf_prove(const uint8_t sk[32], const uint8_t *alpha, size_t len, uint8_t pi[80],
                       err_t *e)
{
    uint8_t pk[32];
    t_vrf_sk_to_pk(sk, pk, e);
    memset(pi, 0, 80);
    h2("test-vrf", pk, 32, alpha, len, pi);
    return 0;
}

static int t_vrf_verify(const uint8_t pk[32], const uint8_t *alpha, size_t len,
                        const uint8_t pi[80], uint8_t beta[64], err_t *e)
{
    uint8_t want[80] = {0};
    h2("test-vrf", pk, 32, alpha, len, want);
    if (memcmp(want, pi, 80) != 0)
        return err_set(e, CONS_EBADSIG, "test vrf: invalid proof");
    crypto_sha512(pi, 80, beta);
    return 0;
}

const cons_crypto_t sim_crypto_test = {
    .name = "TEST-ONLY-insecure",
    .keys_new = t_keys_new,
    .keys_free = t_keys_free,
    .sk_to_pk = t_sk_to_pk,
    .sign = t_sign,
    .verify = t_verify,
    .aggregate = t_aggregate,
    .aggregate_verify = t_aggregate_verify,
    .vrf_sk_to_pk = t_vrf_sk_to_pk,
    .vrf_prove = t_vrf_prove,
    .vrf_verify = t_vrf_verify,
};
