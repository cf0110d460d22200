/*
 * Unit tests of crypto/ecvrf (ecvrf.c, point.c): the RFC 9381 Appendix B.3
 * and B.4 examples with every intermediate value (shared/testdata/vectors/
 * ecvrf.json), then negative tests: tampered proofs, messages and keys,
 * non-canonical and invalid encodings, s >= L, small-order keys, keys with a
 * torsion component, and random round trips in both suites.
 */
#include "testutil.h"

#include "crypto/crypto.h"
#include "crypto/ecvrf/ecvrf.h"
#include "crypto/ecvrf/internal.h"

#include <sodium.h>

static const char *suite_keys[2] = {"ECVRF-EDWARDS25519-SHA512-TAI",
                                    "ECVRF-EDWARDS25519-SHA512-ELL2"};

static void check_suite_vectors(ecvrf_suite_t suite, const char *name)
{
    json_t *root = load_vectors("testdata/vectors/ecvrf.json");
    if (!root)
        skip();
    json_t *s = json_object_get(json_object_get(root, "suites"), name);
    assert_non_null(s);
    json_t *vecs = json_object_get(s, "vectors");
    assert_true(json_array_size(vecs) >= 3);

    size_t i;
    json_t *v;
    json_array_foreach(vecs, i, v) {
        uint8_t sk[32], pk[32], alpha[256], want[80], got[80], beta[64], beta2[64];
        ecvrf_trace_t tr;
        err_t e = {0};
        size_t alpha_len;
        int ex = (int)json_integer_value(json_object_get(v, "example"));

        print_message("%s example %d\n", name, ex);
        field_hex(v, "SK", sk, 32);
        alpha_len = hex_to(json_string_value(json_object_get(v, "alpha")), alpha, sizeof alpha);

        ecvrf_sk_to_pk(sk, got);
        field_hex(v, "PK", pk, 32);
        assert_bytes_equal(got, pk, 32, "PK");
        assert_true(ecvrf_pk_valid(pk));

        assert_int_equal(ecvrf_prove_trace(suite, sk, alpha, alpha_len, got, &tr, &e), 0);
        field_hex(v, "x", want, 32);
        assert_bytes_equal(tr.x, want, 32, "x");
        assert_bytes_equal(tr.pk, pk, 32, "Y");
        if (suite == ECVRF_SUITE_TAI) {
            assert_int_equal(tr.tai_ctr,
                             json_integer_value(json_object_get(v, "try_and_increment_ctr")));
        } else {
            field_hex(v, "elligator2_uniform_bytes", want, 48);
            assert_bytes_equal(tr.ell2.uniform_bytes, want, 48, "uniform_bytes");
            field_hex(v, "elligator2_u", want, 32);
            assert_bytes_equal(tr.ell2.u, want, 32, "Elligator2 u");
            field_hex(v, "elligator2_gx1", want, 32);
            assert_bytes_equal(tr.ell2.gx1, want, 32, "Elligator2 gx1");
            assert_int_equal(tr.ell2.gx1_square,
                             json_is_true(json_object_get(v, "elligator2_gx1_is_square")));
        }
        field_hex(v, "H", want, 32);
        assert_bytes_equal(tr.h, want, 32, "H");
        field_hex(v, "k_string", want, 64);
        assert_bytes_equal(tr.k_string, want, 64, "k_string");
        field_hex(v, "k", want, 32);
        assert_bytes_equal(tr.k, want, 32, "k");
        field_hex(v, "U", want, 32);
        assert_bytes_equal(tr.u, want, 32, "U = k*B");
        field_hex(v, "V", want, 32);
        assert_bytes_equal(tr.v, want, 32, "V = k*H");
        field_hex(v, "pi", want, 80);
        assert_bytes_equal(got, want, 80, "pi");

        /* The public prove agrees with the traced one. */
        assert_int_equal(ecvrf_prove(suite, sk, alpha, alpha_len, got, &e), 0);
        assert_bytes_equal(got, want, 80, "pi (ecvrf_prove)");

        field_hex(v, "beta", beta, 64);
        memset(beta2, 0, sizeof beta2);
        assert_int_equal(ecvrf_verify(suite, pk, alpha, alpha_len, want, beta2, &e), 0);
        assert_bytes_equal(beta2, beta, 64, "beta (verify)");
        memset(beta2, 0, sizeof beta2);
        assert_int_equal(ecvrf_proof_to_hash(suite, want, beta2, &e), 0);
        assert_bytes_equal(beta2, beta, 64, "beta (proof_to_hash)");

        /* The same proof is not valid under the other suite. */
        ecvrf_suite_t other = suite == ECVRF_SUITE_TAI ? ECVRF_SUITE_ELL2 : ECVRF_SUITE_TAI;
        assert_int_equal(ecvrf_verify(other, pk, alpha, alpha_len, want, NULL, &e),
                         ECVRF_EVERIFY);
    }
    json_decref(root);
}

static void test_vectors_tai(void **state)
{
    (void)state;
    check_suite_vectors(ECVRF_SUITE_TAI, suite_keys[0]);
}

static void test_vectors_ell2(void **state)
{
    (void)state;
    check_suite_vectors(ECVRF_SUITE_ELL2, suite_keys[1]);
}

/* A fixed key/proof for the negative tests (RFC 9381 example 17 inputs,
 * recomputed here so these tests run without the shared data). */
typedef struct fixture {
    uint8_t sk[32], pk[32], pi[80];
    uint8_t alpha[1];
} fixture_t;

static void make_fixture(fixture_t *f, ecvrf_suite_t suite)
{
    static const uint8_t sk[32] = {
        0x4c, 0xcd, 0x08, 0x9b, 0x28, 0xff, 0x96, 0xda, 0x9d, 0xb6, 0xc3, 0x46, 0xec, 0x11, 0x4e, 0x0f,
        0x5b, 0x8a, 0x31, 0x9f, 0x35, 0xab, 0xa6, 0x24, 0xda, 0x8c, 0xf6, 0xed, 0x4f, 0xb8, 0xa6, 0xfb};
    err_t e = {0};

    memcpy(f->sk, sk, 32);
    f->alpha[0] = 0x72;
    ecvrf_sk_to_pk(f->sk, f->pk);
    assert_int_equal(ecvrf_prove(suite, f->sk, f->alpha, 1, f->pi, &e), 0);
    assert_int_equal(ecvrf_verify(suite, f->pk, f->alpha, 1, f->pi, NULL, &e), 0);
}

static void test_tampered_proof(void **state)
{
    (void)state;
    for (int si = 0; si < 2; si++) {
        ecvrf_suite_t suite = si ? ECVRF_SUITE_ELL2 : ECVRF_SUITE_TAI;
        fixture_t f;
        uint8_t pi[80], beta[64];
        err_t e = {0};

        make_fixture(&f, suite);
        /* Flipping any single bit of pi makes it INVALID (of whichever kind). */
        for (int byte = 0; byte < 80; byte++) {
            for (int bit = 0; bit < 8; bit += 3) {
                memcpy(pi, f.pi, 80);
                pi[byte] ^= (uint8_t)(1u << bit);
                memset(beta, 0xaa, sizeof beta);
                int rc = ecvrf_verify(suite, f.pk, f.alpha, 1, pi, beta, &e);
                if (rc == 0)
                    fail_msg("suite %d: proof with byte %d bit %d flipped verified", si, byte, bit);
                assert_true(rc == ECVRF_EVERIFY || rc == ECVRF_EBADPROOF);
                assert_true(strlen(e.msg) > 0);
                /* beta is untouched on failure */
                for (int i = 0; i < 64; i++)
                    assert_int_equal(beta[i], 0xaa);
            }
        }
    }
}

static void test_tampered_message_and_key(void **state)
{
    (void)state;
    for (int si = 0; si < 2; si++) {
        ecvrf_suite_t suite = si ? ECVRF_SUITE_ELL2 : ECVRF_SUITE_TAI;
        fixture_t f;
        uint8_t other_sk[32], other_pk[32], msg[2] = {0x72, 0x00};
        err_t e = {0};

        make_fixture(&f, suite);
        assert_int_equal(ecvrf_verify(suite, f.pk, msg, 2, f.pi, NULL, &e), ECVRF_EVERIFY);
        assert_int_equal(ecvrf_verify(suite, f.pk, NULL, 0, f.pi, NULL, &e), ECVRF_EVERIFY);
        msg[0] = 0x73;
        assert_int_equal(ecvrf_verify(suite, f.pk, msg, 1, f.pi, NULL, &e), ECVRF_EVERIFY);

        memcpy(other_sk, f.sk, 32);
        other_sk[0] ^= 1;
        ecvrf_sk_to_pk(other_sk, other_pk);
        assert_int_equal(ecvrf_verify(suite, other_pk, f.alpha, 1, f.pi, NULL, &e),
                         ECVRF_EVERIFY);
        assert_non_null(strstr(e.msg, "does not verify"));
    }
}

/* L and p - 1 as used by the encoding tests. */
static const uint8_t order_l[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

static void add256(uint8_t r[32], const uint8_t a[32], const uint8_t b[32])
{
    unsigned c = 0;
    for (int i = 0; i < 32; i++) {
        c += (unsigned)a[i] + b[i];
        r[i] = (uint8_t)c;
        c >>= 8;
    }
}

static void test_noncanonical_s(void **state)
{
    (void)state;
    for (int si = 0; si < 2; si++) {
        ecvrf_suite_t suite = si ? ECVRF_SUITE_ELL2 : ECVRF_SUITE_TAI;
        fixture_t f;
        uint8_t pi[80], beta[64];
        err_t e = {0};

        make_fixture(&f, suite);
        /* s + L is the same scalar mod L, so only the s < L rule rejects it. */
        memcpy(pi, f.pi, 80);
        add256(pi + 48, f.pi + 48, order_l);
        assert_int_equal(ecvrf_verify(suite, f.pk, f.alpha, 1, pi, NULL, &e), ECVRF_EBADPROOF);
        assert_non_null(strstr(e.msg, "s >= L"));
        assert_int_equal(ecvrf_proof_to_hash(suite, pi, beta, &e), ECVRF_EBADPROOF);
        /* s = L, s = L - 1 (valid encoding, wrong proof), s = 2^256 - 1 */
        memcpy(pi + 48, order_l, 32);
        assert_int_equal(ecvrf_verify(suite, f.pk, f.alpha, 1, pi, NULL, &e), ECVRF_EBADPROOF);
        pi[48] = 0xec;
        assert_int_equal(ecvrf_verify(suite, f.pk, f.alpha, 1, pi, NULL, &e), ECVRF_EVERIFY);
        memset(pi + 48, 0xff, 32);
        assert_int_equal(ecvrf_verify(suite, f.pk, f.alpha, 1, pi, NULL, &e), ECVRF_EBADPROOF);
        /* s = 0 and c = 0 are well-formed and simply do not verify */
        memcpy(pi, f.pi, 80);
        memset(pi + 48, 0, 32);
        assert_int_equal(ecvrf_verify(suite, f.pk, f.alpha, 1, pi, NULL, &e), ECVRF_EVERIFY);
        memcpy(pi, f.pi, 80);
        memset(pi + 32, 0, 16);
        assert_int_equal(ecvrf_verify(suite, f.pk, f.alpha, 1, pi, NULL, &e), ECVRF_EVERIFY);
    }
    assert_true(ecvrf_scalar_canonical((const uint8_t[32]){0}));
    assert_false(ecvrf_scalar_canonical(order_l));
}

/* The eight points of small order (canonical encodings). */
static const uint8_t small_order[8][32] = {
    {0x01},                                                                   /* identity */
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0x7f},                                                             /* order 2 */
    {0x00},                                                                   /* order 4 */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x80},                                                             /* order 4 */
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
     0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
     0xfc, 0x05},                                                             /* order 8 */
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
     0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
     0xfc, 0x85},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
     0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
     0x03, 0x7a},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
     0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
     0x03, 0xfa},
};

static void test_small_order_keys(void **state)
{
    (void)state;
    fixture_t f;
    err_t e = {0};

    make_fixture(&f, ECVRF_SUITE_TAI);
    for (int i = 0; i < 8; i++) {
        uint8_t p8[32];
        assert_true(ecvrf_point_valid(small_order[i]));
        ecvrf_point_mul8(p8, small_order[i]);
        assert_true(ecvrf_point_is_identity(p8));
        assert_false(ecvrf_pk_valid(small_order[i]));
        for (int si = 0; si < 2; si++) {
            ecvrf_suite_t suite = si ? ECVRF_SUITE_ELL2 : ECVRF_SUITE_TAI;
            assert_int_equal(ecvrf_verify(suite, small_order[i], f.alpha, 1, f.pi, NULL, &e),
                             ECVRF_EBADKEY);
            assert_non_null(strstr(e.msg, "small order"));
        }
    }
}

/* Encodings RFC 8032 §5.1.3 rejects although libsodium's decoder takes them. */
static void test_invalid_encodings(void **state)
{
    (void)state;
    uint8_t bad[32];
    fixture_t f;
    err_t e = {0};

    make_fixture(&f, ECVRF_SUITE_TAI);
    /* y >= p: the 19 values p .. 2^255-1, with either sign bit */
    for (int v = 0xed; v <= 0xff; v++) {
        for (int sign = 0; sign < 2; sign++) {
            memset(bad, 0xff, 32);
            bad[0] = (uint8_t)v;
            bad[31] = sign ? 0xff : 0x7f;
            assert_false(ecvrf_point_valid(bad));
            assert_false(ecvrf_pk_valid(bad));
            assert_int_equal(ecvrf_verify(ECVRF_SUITE_TAI, bad, f.alpha, 1, f.pi, NULL, &e),
                             ECVRF_EBADKEY);
            uint8_t pi[80];
            memcpy(pi, f.pi, 80);
            memcpy(pi, bad, 32);
            assert_int_equal(ecvrf_verify(ECVRF_SUITE_TAI, f.pk, f.alpha, 1, pi, NULL, &e),
                             ECVRF_EBADPROOF);
            assert_non_null(strstr(e.msg, "Gamma"));
        }
    }
    /* y = 1 and y = -1 have x = 0: a set sign bit is "negative zero" */
    memset(bad, 0, 32);
    bad[0] = 1;
    bad[31] = 0x80;
    assert_false(ecvrf_point_valid(bad));
    memcpy(bad, small_order[1], 32);
    bad[31] |= 0x80;
    assert_false(ecvrf_point_valid(bad));
    /* Non-canonical encodings of small-order points: y = p + 1 (the
     * identity), y = p (y = 0) */
    memset(bad, 0xff, 32);
    bad[0] = 0xee;
    bad[31] = 0x7f;
    assert_false(ecvrf_point_valid(bad));
    assert_int_equal(ecvrf_verify(ECVRF_SUITE_TAI, bad, f.alpha, 1, f.pi, NULL, &e),
                     ECVRF_EBADKEY);
    /* y = 2 is not on the curve (x^2 = 3 / (4d + 1) is not a square) */
    memset(bad, 0, 32);
    bad[0] = 2;
    int n_off = 0;
    for (int y = 2; y < 40; y++) {
        bad[0] = (uint8_t)y;
        uint8_t t[32];
        bool on = crypto_core_ed25519_add(t, bad, ecvrf_identity) == 0;
        assert_int_equal(ecvrf_point_valid(bad), on);
        if (!on) {
            n_off++;
            assert_int_equal(ecvrf_verify(ECVRF_SUITE_TAI, bad, f.alpha, 1, f.pi, NULL, &e),
                             ECVRF_EBADKEY);
            assert_non_null(strstr(e.msg, "not a valid point"));
        }
    }
    assert_true(n_off > 5);
}

/* n*P by plain double-and-add over crypto_core_ed25519_add: an independent
 * check of ecvrf_point_mul, valid for every point. */
static void naive_mul(uint8_t out[32], const uint8_t n[32], const uint8_t p[32])
{
    uint8_t acc[32];
    memcpy(acc, ecvrf_identity, 32);
    for (int bit = 255; bit >= 0; bit--) {
        assert_int_equal(crypto_core_ed25519_add(acc, acc, acc), 0);
        if ((n[bit / 8] >> (bit % 8)) & 1)
            assert_int_equal(crypto_core_ed25519_add(acc, acc, p), 0);
    }
    memcpy(out, acc, 32);
}

static void test_point_mul_torsion(void **state)
{
    (void)state;
    for (int iter = 0; iter < 24; iter++) {
        uint8_t p[32], q[32], n[32], got[32], want[32];
        crypto_core_ed25519_random(p);                /* prime-order subgroup */
        ecvrf_point_add(q, p, small_order[iter % 8]);  /* add a torsion component */
        randombytes_buf(n, 32);
        n[31] &= 0x7f;
        if (iter % 6 == 5)
            memset(n + 16, 0, 16);                     /* a 128-bit scalar like c */
        ecvrf_point_mul(got, n, q);
        naive_mul(want, n, q);
        assert_bytes_equal(got, want, 32, "n*(P+T)");
        /* torsion points alone, and the scalar 0 */
        ecvrf_point_mul(got, n, small_order[iter % 8]);
        naive_mul(want, n, small_order[iter % 8]);
        assert_bytes_equal(got, want, 32, "n*T");
        memset(n, 0, 32);
        ecvrf_point_mul(got, n, q);
        assert_true(ecvrf_point_is_identity(got));
        ecvrf_point_mul_base(got, n);
        assert_true(ecvrf_point_is_identity(got));
    }
}

/* A key Y' = Y + T with T of order 2 is valid (not small order). A proof made
 * against Y' verifies exactly when c*T = 0, i.e. c even: this follows the
 * RFC's arithmetic where libsodium alone would refuse the key. */
static void test_torsion_key(void **state)
{
    (void)state;
    uint8_t sk[32], x[32], prefix[32], y[32], y2[32], h[32], gamma[32], kstr[64], k[32], u[32],
        v[32], c[16], s[32], pi[80], msg[4] = {0};
    int seen_even = 0, seen_odd = 0;
    err_t e = {0};

    memset(sk, 7, sizeof sk);
    ecvrf_expand_sk(sk, x, prefix);
    ecvrf_point_mul_base(y, x);
    ecvrf_point_add(y2, y, small_order[1]);
    assert_true(ecvrf_pk_valid(y2));
    for (int m = 0; m < 64 && (seen_even < 3 || seen_odd < 3); m++) {
        msg[0] = (uint8_t)m;
        assert_int_equal(ecvrf_encode_to_curve(ECVRF_SUITE_TAI, y2, msg, 4, h, NULL, NULL), 0);
        ecvrf_point_mul(gamma, x, h);
        ecvrf_nonce(prefix, h, kstr, k);
        ecvrf_point_mul_base(u, k);
        ecvrf_point_mul(v, k, h);
        ecvrf_challenge(ECVRF_SUITE_TAI, y2, h, gamma, u, v, c);
        /* s = k + c*x mod L */
        uint8_t wide[64] = {0}, xr[32], c32[32] = {0}, cx[32];
        memcpy(wide, x, 32);
        crypto_core_ed25519_scalar_reduce(xr, wide);
        memcpy(c32, c, 16);
        crypto_core_ed25519_scalar_mul(cx, c32, xr);
        crypto_core_ed25519_scalar_add(s, cx, k);
        memcpy(pi, gamma, 32);
        memcpy(pi + 32, c, 16);
        memcpy(pi + 48, s, 32);
        int rc = ecvrf_verify(ECVRF_SUITE_TAI, y2, msg, 4, pi, NULL, &e);
        if (c[0] & 1) {
            assert_int_equal(rc, ECVRF_EVERIFY);
            seen_odd++;
        } else {
            assert_int_equal(rc, 0);
            seen_even++;
        }
    }
    assert_true(seen_even >= 3 && seen_odd >= 3);
}

static void test_round_trip_random(void **state)
{
    (void)state;
    for (int iter = 0; iter < 40; iter++) {
        ecvrf_suite_t suite = (iter & 1) ? ECVRF_SUITE_ELL2 : ECVRF_SUITE_TAI;
        uint8_t sk[32], pk[32], msg[100], pi[80], pi2[80], beta[64], beta2[64];
        size_t n = (size_t)(iter * 7) % sizeof msg;
        err_t e = {0};

        ecvrf_keygen(sk, pk);
        randombytes_buf(msg, sizeof msg);
        assert_int_equal(ecvrf_prove(suite, sk, msg, n, pi, &e), 0);
        assert_int_equal(ecvrf_prove(suite, sk, msg, n, pi2, &e), 0);
        assert_memory_equal(pi, pi2, 80);   /* deterministic */
        assert_int_equal(ecvrf_verify(suite, pk, msg, n, pi, beta, &e), 0);
        assert_int_equal(ecvrf_proof_to_hash(suite, pi, beta2, &e), 0);
        assert_memory_equal(beta, beta2, 64);
        if (n > 0) {
            msg[n - 1] ^= 0x80;
            assert_int_equal(ecvrf_verify(suite, pk, msg, n, pi, NULL, &e), ECVRF_EVERIFY);
        }
    }
}

static void test_arguments(void **state)
{
    (void)state;
    ecvrf_suite_t s;
    fixture_t f;
    uint8_t beta[64];
    err_t e = {0};

    assert_int_equal(ecvrf_suite_parse("tai", &s, &e), 0);
    assert_int_equal(s, ECVRF_SUITE_TAI);
    assert_int_equal(ecvrf_suite_parse("ELL2", &s, &e), 0);
    assert_int_equal(s, ECVRF_SUITE_ELL2);
    assert_int_equal(ecvrf_suite_parse("ECVRF-EDWARDS25519-SHA512-TAI", &s, &e), 0);
    assert_int_equal(s, ECVRF_SUITE_TAI);
    assert_int_equal(ecvrf_suite_parse("sswu", &s, &e), ECVRF_EINVAL);
    assert_non_null(strstr(e.msg, "sswu"));
    assert_null(ecvrf_suite_name((ecvrf_suite_t)0x01));

    make_fixture(&f, ECVRF_SUITE_TAI);
    assert_int_equal(ecvrf_prove((ecvrf_suite_t)1, f.sk, f.alpha, 1, f.pi, &e), ECVRF_EINVAL);
    assert_int_equal(ecvrf_verify((ecvrf_suite_t)2, f.pk, f.alpha, 1, f.pi, beta, &e),
                     ECVRF_EINVAL);
    assert_int_equal(ecvrf_proof_to_hash((ecvrf_suite_t)5, f.pi, beta, &e), ECVRF_EINVAL);
    assert_int_equal(ecvrf_verify(ECVRF_SUITE_TAI, f.pk, NULL, 3, f.pi, beta, &e), ECVRF_EINVAL);
    assert_int_equal(ecvrf_verify(ECVRF_SUITE_TAI, NULL, f.alpha, 1, f.pi, beta, &e),
                     ECVRF_EINVAL);
    assert_false(ecvrf_pk_valid(NULL));
    /* err_t may be NULL */
    assert_int_equal(ecvrf_verify(ECVRF_SUITE_TAI, small_order[0], f.alpha, 1, f.pi, NULL, NULL),
                     ECVRF_EBADKEY);
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_tai),
        cmocka_unit_test(test_vectors_ell2),
        cmocka_unit_test(test_tampered_proof),
        cmocka_unit_test(test_tampered_message_and_key),
        cmocka_unit_test(test_noncanonical_s),
        cmocka_unit_test(test_small_order_keys),
        cmocka_unit_test(test_invalid_encodings),
        cmocka_unit_test(test_point_mul_torsion),
        cmocka_unit_test(test_torsion_key),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_arguments),
    };
    return testenv_cmocka_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
