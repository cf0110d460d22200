/*
 * bench_crypto: consensus cryptography timings (µs per operation).
 *
 *   BLS12-381 (crypto/bls): sk->pk, sign, verify from bytes (pk and sig decoded
 *   and validated), verify with decoded inputs, FastAggregateVerify over
 *   4/32/128 decoded keys (signature decoded and subgroup-checked from bytes),
 *   aggregate of 4/32/128 signatures from bytes, one pairing, hash-to-G2,
 *   G1/G2 decompression with subgroup check.
 *   ECVRF (crypto/ecvrf, suite TAI): prove, verify.
 *   Ed25519 (libsodium through crypto.h): sign, verify.
 *
 * Each figure is CPU time per operation, the minimum over 40 batches of about
 * 5 ms (8 with --quick). Output: one "name<TAB>µs" line per operation, so
 * bench.mjs can put the figures beside @chainsafe/blst's in the same run.
 *
 * Usage: bench_crypto [--quick]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/bls/bls.h"
#include "crypto/bls/internal.h"
#include <sodium.h>

#include "crypto/crypto.h"
#include "crypto/ecvrf/ecvrf.h"

/* CPU time of the process: the machine is shared, and CPU time is what an
 * operation costs whatever else runs (bench.mjs measures blst the same way). */
static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int batches = 40;

#define BENCH(name, body)                                                   \
    do {                                                                    \
        double best = 1e30;                                                 \
        for (int batch = 0; batch < batches; batch++) {                     \
            long iters = 0;                                                 \
            double t0 = now_us(), t1;                                       \
            do {                                                            \
                body;                                                       \
                iters++;                                                    \
                t1 = now_us();                                              \
            } while (t1 - t0 < 5000 && iters < 100000);                     \
            double per = (t1 - t0) / iters;                                 \
            if (per < best)                                                 \
                best = per;                                                 \
        }                                                                   \
        printf("%s\t%.2f\n", name, best);                                   \
        fflush(stdout);                                                     \
    } while (0)

#define MAXN 128

static void must(int rc, const char *what, const err_t *e)
{
    if (rc != 0) {
        fprintf(stderr, "bench_crypto: %s failed: %s\n", what, e->msg);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--quick") == 0)
        batches = 8;
    if (crypto_init() != 0)
        return 1;
    static uint8_t sks[MAXN][32], pks[MAXN][48], sigs[MAXN][96];
    static bls_pk_t dpks[MAXN];
    uint8_t sig[96], agg[96], pk[48], ikm[32];
    const uint8_t msg[32] = "aether consensus block hash 0001";
    volatile int sink = 0;
    err_t e;

    for (int i = 0; i < MAXN; i++) {
        crypto_random(ikm, sizeof ikm);
        must(bls_keygen(sks[i], ikm, sizeof ikm, NULL, 0, NULL, 0, &e), "keygen", &e);
        must(bls_sk_to_pk(pks[i], sks[i], &e), "sk_to_pk", &e);
        must(bls_sign(sigs[i], sks[i], msg, sizeof msg, &e), "sign", &e);
        must(bls_pk_decode(&dpks[i], pks[i], &e), "pk_decode", &e);
    }
    bls_pk_t dpk;
    bls_sig_t dsig;
    must(bls_pk_decode(&dpk, pks[0], &e), "pk_decode", &e);
    must(bls_sig_decode(&dsig, sigs[0], &e), "sig_decode", &e);

    BENCH("bls_sk_to_pk", sink += bls_sk_to_pk(pk, sks[0], &e));
    BENCH("bls_sign", sink += bls_sign(sig, sks[0], msg, sizeof msg, &e));
    BENCH("bls_verify", sink += bls_verify(pks[0], msg, sizeof msg, sigs[0], &e));
    BENCH("bls_verify_decoded", sink += bls_verify_decoded(&dpk, msg, sizeof msg, &dsig, &e));
    static const int ns[3] = {4, 32, 128};
    for (int k = 0; k < 3; k++) {
        int n = ns[k];
        uint8_t aggsig[96];
        must(bls_aggregate(aggsig, (const uint8_t(*)[96])sigs, (size_t)n, &e), "aggregate", &e);
        char name[64];
        snprintf(name, sizeof name, "bls_fast_aggregate_verify_%d", n);
        BENCH(name, {
            bls_sig_t s;
            sink += bls_sig_decode(&s, aggsig, &e);
            sink += bls_fast_aggregate_verify_decoded(dpks, (size_t)n, msg, sizeof msg, &s, &e);
        });
        if (bls_fast_aggregate_verify_decoded(dpks, (size_t)n, msg, sizeof msg, &dsig, &e) == 0) {
            fprintf(stderr, "bench_crypto: FastAggregateVerify accepted a wrong signature\n");
            return 1;
        }
        snprintf(name, sizeof name, "bls_aggregate_%d", n);
        BENCH(name, sink += bls_aggregate(agg, (const uint8_t(*)[96])sigs, (size_t)n, &e));
    }
    {
        g1_t p;
        g2_t q;
        fp12_t r;
        g1_generator(&p);
        g2_generator(&q);
        BENCH("bls_pairing", bls_pairing(&r, &p, &q));
        static const uint8_t dst[] = BLS_DST_SIG;
        BENCH("bls_hash_to_g2", bls_hash_to_g2(&q, msg, sizeof msg, dst, sizeof dst - 1));
        BENCH("bls_g1_decompress", sink += bls_g1_check(pks[1], &e));
        BENCH("bls_g2_decompress", sink += bls_g2_check(sigs[1], &e));
    }
    {
        uint8_t vsk[ECVRF_SK_BYTES], vpk[ECVRF_PK_BYTES], pi[ECVRF_PROOF_BYTES];
        uint8_t beta[ECVRF_OUTPUT_BYTES];
        ecvrf_keygen(vsk, vpk);
        must(ecvrf_prove(ECVRF_SUITE_TAI, vsk, msg, sizeof msg, pi, &e), "vrf prove", &e);
        BENCH("vrf_prove", sink += ecvrf_prove(ECVRF_SUITE_TAI, vsk, msg, sizeof msg, pi, &e));
        BENCH("vrf_verify",
              sink += ecvrf_verify(ECVRF_SUITE_TAI, vpk, msg, sizeof msg, pi, beta, &e));
    }
    {
        uint8_t seed[32], epk[32], esk[64], esig[64];
        crypto_random(seed, sizeof seed);
        crypto_ed25519_from_seed(seed, epk, esk);
        BENCH("ed25519_sign", crypto_ed25519_sign(esk, msg, sizeof msg, esig));
        BENCH("ed25519_verify", sink += crypto_ed25519_verify(epk, msg, sizeof msg, esig));
    }
    {
        /* one-shot SHA-256 of 64 bytes (an SMT node): crypto_sha256
         * (OpenSSL, SHA-NI) against libsodium's */
        uint8_t in[64] = {1}, out[32];
        for (int lib = 0; lib < 2; lib++) {
            double best = 1e30;
            for (int batch = 0; batch < batches; batch++) {
                double t0 = now_us();
                for (int i = 0; i < 10000; i++) {
                    if (lib == 0)
                        crypto_sha256(in, sizeof in, out);
                    else
                        crypto_hash_sha256(out, in, sizeof in);
                    in[0] ^= out[0];
                }
                double per = (now_us() - t0) / 10000;
                if (per < best)
                    best = per;
            }
            printf("%s\t%.3f\n", lib == 0 ? "sha256_64B_crypto_sha256" : "sha256_64B_libsodium",
                   best);
        }
    }
    {
        /* Ed25519 batches on crypto/ecvrf's edwards25519 code (the keys
         * repeat, as a chain's senders do: their decoding is cached): time per
         * signature (distinct keys and messages, as in a block) */
        enum { NB = 64 };
        static uint8_t bpk[NB][32], bsk[NB][64], m[NB][32], bsig[NB][64];
        ecvrf_ed25519_item_t it[NB];
        bool ok[NB];
        for (int i = 0; i < NB; i++) {
            uint8_t seed[32];
            crypto_random(seed, sizeof seed);
            crypto_random(m[i], sizeof m[i]);
            crypto_ed25519_from_seed(seed, bpk[i], bsk[i]);
            crypto_ed25519_sign(bsk[i], m[i], 32, bsig[i]);
            it[i] = (ecvrf_ed25519_item_t){bpk[i], m[i], 32, bsig[i]};
        }
        const int sizes[] = {8, 16, 32, 64};
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            char name[64];
            snprintf(name, sizeof name, "ed25519_verify_batch%d_per_sig", sizes[k]);
            double best = 1e30;
            for (int batch = 0; batch < batches; batch++) {
                double t0 = now_us();
                sink += (int)ecvrf_ed25519_verify_batch(it, (size_t)sizes[k], ok);
                double per = (now_us() - t0) / sizes[k];
                if (per < best)
                    best = per;
            }
            printf("%s\t%.2f\n", name, best);
        }
    }
    return sink == 12345 ? 1 : 0;
}
