/*
 * libFuzzer target for crypto/ecvrf: the proof decoder, verify and
 * proof_to_hash on arbitrary bytes, plus two oracles:
 *   - a genuine proof with fuzzer-chosen bit flips verifies only when no bit
 *     was flipped (RFC 9381 proofs are unique), and its beta then matches;
 *   - the Elligator 2 map sends every field element to a valid point, and
 *     encode_to_curve lands in the prime-order subgroup (8*L*P = identity is
 *     implied by libsodium accepting it for scalar multiplication);
 *   - the module's strict point decoder agrees with libsodium's decoder plus
 *     the two RFC 8032 rules libsodium skips (y < p, no negative zero), and
 *     its addition and doubling agree with crypto_core_ed25519_add.
 *
 * Input: byte 0 = mode (bits 0-1) and suite (bit 2), then mode-specific data.
 */
#include "crypto/crypto.h"
#include "crypto/ecvrf/ecvrf.h"
#include "crypto/ecvrf/internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void check(int cond)
{
    if (!cond)
        abort();   /* an oracle failed: report it as a crash */
}

/* pk (32) || pi (80) || alpha */
static void raw_verify(ecvrf_suite_t suite, const uint8_t *d, size_t n)
{
    uint8_t pk[32] = {0}, pi[80] = {0}, beta[64], beta2[64];
    err_t e = {0};

    memcpy(pk, d, n < 32 ? n : 32);
    if (n > 32)
        memcpy(pi, d + 32, n - 32 < 80 ? n - 32 : 80);
    const uint8_t *alpha = n > 112 ? d + 112 : NULL;
    size_t alpha_len = n > 112 ? n - 112 : 0;

    int rc = ecvrf_verify(suite, pk, alpha, alpha_len, pi, beta, &e);
    check(rc == 0 || rc == ECVRF_EBADKEY || rc == ECVRF_EBADPROOF || rc == ECVRF_EVERIFY);
    check(rc == 0 || e.msg[0] != 0);
    int rc2 = ecvrf_proof_to_hash(suite, pi, beta2, &e);
    check(rc2 == 0 || rc2 == ECVRF_EBADPROOF);
    if (rc == 0)
        check(rc2 == 0 && memcmp(beta, beta2, 64) == 0);
    if (rc == ECVRF_EBADKEY)
        check(!ecvrf_pk_valid(pk));
    else
        check(ecvrf_pk_valid(pk));
}

/* sk (32) || flip mask for pi (up to 80) || alpha */
static void mutated_proof(ecvrf_suite_t suite, const uint8_t *d, size_t n)
{
    uint8_t sk[32] = {0}, pk[32], pi[80], bad[80], beta[64], beta2[64];
    err_t e = {0};

    memcpy(sk, d, n < 32 ? n : 32);
    size_t mask_len = n > 32 ? (n - 32 < 80 ? n - 32 : 80) : 0;
    const uint8_t *alpha = n > 112 ? d + 112 : NULL;
    size_t alpha_len = n > 112 ? n - 112 : 0;

    ecvrf_sk_to_pk(sk, pk);
    check(ecvrf_prove(suite, sk, alpha, alpha_len, pi, &e) == 0);
    check(ecvrf_verify(suite, pk, alpha, alpha_len, pi, beta, &e) == 0);
    check(ecvrf_proof_to_hash(suite, pi, beta2, &e) == 0 && memcmp(beta, beta2, 64) == 0);
    memcpy(bad, pi, 80);
    for (size_t i = 0; i < mask_len; i++)
        bad[i] ^= d[32 + i];
    int rc = ecvrf_verify(suite, pk, alpha, alpha_len, bad, NULL, &e);
    check((rc == 0) == (memcmp(bad, pi, 80) == 0));
}

/* u as 48 big-endian bytes, or a message for encode_to_curve */
static void map_points(const uint8_t *d, size_t n)
{
    uint8_t wide[48] = {0}, q[32], p[32], t[32];
    fe25519_t u;
    static const uint8_t one[32] = {1};

    memcpy(wide, d, n < 48 ? n : 48);
    fe25519_from_be48(&u, wide);
    h2c_map_to_curve_ell2(q, &u, NULL, NULL);
    check(ecvrf_point_valid(q));
    check(h2c_encode_to_curve_ell2(d, n, NULL, 0, (const uint8_t *)"fuzz", 4, p, NULL) == 0);
    check(ecvrf_point_valid(p));
    /* p is 8 * (a point): in the prime-order subgroup unless the identity */
    check(ecvrf_point_is_identity(p) || crypto_scalarmult_ed25519_noclamp(t, one, p) == 0);
}

static bool y_non_canonical(const uint8_t s[32])
{
    if ((s[31] & 0x7f) != 0x7f)
        return false;
    for (int i = 30; i > 0; i--)
        if (s[i] != 0xff)
            return false;
    return s[0] >= 0xed;
}

/* two encodings a (32) || b (32) */
static void decode_differential(const uint8_t *d, size_t n)
{
    uint8_t a[32] = {0}, b[32] = {0}, t[32], ours[32], theirs[32];
    ge25519_t pa, pb, r;

    memcpy(a, d, n < 32 ? n : 32);
    if (n > 32)
        memcpy(b, d + 32, n - 32 < 32 ? n - 32 : 32);
    bool sodium_ok = crypto_core_ed25519_add(t, a, a) == 0;
    bool y_is_pm1 = false;
    {
        /* x = 0 exactly for y = 1 and y = p - 1 */
        uint8_t y[32];
        memcpy(y, a, 32);
        y[31] &= 0x7f;
        static const uint8_t one[32] = {1};
        static const uint8_t pm1[32] = {
            0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
        y_is_pm1 = memcmp(y, one, 32) == 0 || memcmp(y, pm1, 32) == 0;
    }
    bool want = sodium_ok && !y_non_canonical(a) && !(y_is_pm1 && (a[31] & 0x80));
    bool got = ge25519_frombytes(&pa, a);
    check(got == want);
    check(ecvrf_point_valid(a) == want);
    if (!got)
        return;
    ge25519_tobytes(ours, &pa);
    check(memcmp(ours, a, 32) == 0);
    ge25519_dbl(&r, &pa);
    ge25519_tobytes(ours, &r);
    check(crypto_core_ed25519_add(theirs, a, a) == 0 && memcmp(ours, theirs, 32) == 0);
    if (ge25519_frombytes(&pb, b)) {
        ge25519_add(&r, &pa, &pb);
        ge25519_tobytes(ours, &r);
        check(crypto_core_ed25519_add(theirs, a, b) == 0 && memcmp(ours, theirs, 32) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;

    if (!ready) {
        if (crypto_init() != 0)
            abort();
        ready = 1;
    }
    if (size < 1)
        return 0;
    const ecvrf_suite_t suite = (data[0] & 4) ? ECVRF_SUITE_ELL2 : ECVRF_SUITE_TAI;
    switch (data[0] & 3) {
    case 0:
        raw_verify(suite, data + 1, size - 1);
        break;
    case 3:
        decode_differential(data + 1, size - 1);
        break;
    case 1:
        mutated_proof(suite, data + 1, size - 1);
        break;
    case 2:
        map_points(data + 1, size - 1);
        break;
    }
    return 0;
}
