/*
 * Unit tests of crypto/ecvrf's field arithmetic (fe25519.c) and RFC 9380
 * hashing (h2c.c): expand_message_xmd(SHA-512) and the edwards25519
 * ELL2 NU and RO suites against the RFC's vectors (shared/testdata/vectors/
 * rfc9380-hash-to-curve), plus algebraic checks of the field code against
 * independent computations.
 */
#include "testutil.h"

#include "crypto/crypto.h"
#include "crypto/ecvrf/internal.h"

#include <sodium.h>

#define H2C_DIR "testdata/vectors/rfc9380-hash-to-curve/"

static void test_expand_message_xmd(void **state)
{
    (void)state;
    json_t *root = load_vectors(H2C_DIR "expand_message_xmd_SHA512_38.json");
    if (!root)
        skip();
    const char *dst = json_string_value(json_object_get(root, "DST"));
    assert_non_null(dst);
    json_t *tests = json_object_get(root, "tests");
    assert_true(json_array_size(tests) >= 5);
    size_t i;
    json_t *t;
    json_array_foreach(tests, i, t) {
        const char *msg = json_string_value(json_object_get(t, "msg"));
        const char *lenhex = json_string_value(json_object_get(t, "len_in_bytes"));
        size_t len = strtoul(lenhex, NULL, 16);
        uint8_t want[512], got[512];
        assert_true(len <= sizeof want);
        field_hex(t, "uniform_bytes", want, len);
        /* msg split in two parts at every position gives the same output */
        size_t n = strlen(msg);
        for (size_t cut = 0; cut <= n; cut += (n > 8 ? n / 4 : 1)) {
            memset(got, 0, sizeof got);
            assert_int_equal(h2c_expand_message_xmd_sha512((const uint8_t *)msg, cut,
                                                           (const uint8_t *)msg + cut, n - cut,
                                                           (const uint8_t *)dst, strlen(dst),
                                                           got, len),
                             0);
            assert_bytes_equal(got, want, len, "uniform_bytes");
        }
    }
    json_decref(root);
}

static void test_expand_message_limits(void **state)
{
    (void)state;
    uint8_t dst[256] = {0}, out[64];
    static uint8_t big[255 * 64 + 1];
    assert_int_equal(h2c_expand_message_xmd_sha512(NULL, 0, NULL, 0, dst, 256, out, 32),
                     ECVRF_EINVAL);
    assert_int_equal(h2c_expand_message_xmd_sha512(NULL, 0, NULL, 0, dst, 255, out, 32), 0);
    assert_int_equal(h2c_expand_message_xmd_sha512(NULL, 0, NULL, 0, dst, 8, big, sizeof big),
                     ECVRF_EINVAL);
    assert_int_equal(
        h2c_expand_message_xmd_sha512(NULL, 0, NULL, 0, dst, 8, big, sizeof big - 1), 0);
}

/* RFC 9380 prints field elements and coordinates big-endian as "0x..". */
static void fe_hex_le(const char *s, uint8_t out[32])
{
    assert_int_equal(hex_to(s, out, 32), 32);
    reverse(out, 32);
}

/* Edwards (x, y) from the JSON to an RFC 8032 encoding. */
static void point_hex(const json_t *pt, uint8_t out[32])
{
    uint8_t x[32];
    fe_hex_le(json_string_value(json_object_get(pt, "x")), x);
    fe_hex_le(json_string_value(json_object_get(pt, "y")), out);
    out[31] |= (uint8_t)((x[0] & 1) << 7);
}

static void test_ell2_nu(void **state)
{
    (void)state;
    json_t *root = load_vectors(H2C_DIR "edwards25519_XMD_SHA-512_ELL2_NU_.json");
    if (!root)
        skip();
    const char *dst = json_string_value(json_object_get(root, "dst"));
    json_t *vecs = json_object_get(root, "vectors");
    assert_true(json_array_size(vecs) >= 5);
    size_t i;
    json_t *v;
    json_array_foreach(vecs, i, v) {
        const char *msg = json_string_value(json_object_get(v, "msg"));
        uint8_t want_u[32], want_q[32], want_p[32], p[32];
        h2c_trace_t tr;

        fe_hex_le(json_string_value(json_array_get(json_object_get(v, "u"), 0)), want_u);
        point_hex(json_object_get(v, "Q"), want_q);
        point_hex(json_object_get(v, "P"), want_p);
        assert_int_equal(h2c_encode_to_curve_ell2((const uint8_t *)msg, strlen(msg), NULL, 0,
                                                  (const uint8_t *)dst, strlen(dst), p, &tr),
                         0);
        assert_bytes_equal(tr.u, want_u, 32, "u");
        assert_bytes_equal(tr.q, want_q, 32, "Q = map_to_curve(u)");
        assert_bytes_equal(p, want_p, 32, "P = clear_cofactor(Q)");
        assert_true(ecvrf_point_valid(p));
    }
    json_decref(root);
}

static void test_ell2_ro(void **state)
{
    (void)state;
    json_t *root = load_vectors(H2C_DIR "edwards25519_XMD_SHA-512_ELL2_RO_.json");
    if (!root)
        skip();
    const char *dst = json_string_value(json_object_get(root, "dst"));
    json_t *vecs = json_object_get(root, "vectors");
    assert_true(json_array_size(vecs) >= 5);
    size_t i;
    json_t *v;
    json_array_foreach(vecs, i, v) {
        const char *msg = json_string_value(json_object_get(v, "msg"));
        uint8_t wu0[32], wu1[32], wq0[32], wq1[32], wp[32], u0[32], u1[32], q0[32], q1[32],
            p[32];

        fe_hex_le(json_string_value(json_array_get(json_object_get(v, "u"), 0)), wu0);
        fe_hex_le(json_string_value(json_array_get(json_object_get(v, "u"), 1)), wu1);
        point_hex(json_object_get(v, "Q0"), wq0);
        point_hex(json_object_get(v, "Q1"), wq1);
        point_hex(json_object_get(v, "P"), wp);
        assert_int_equal(h2c_hash_to_curve_ell2((const uint8_t *)msg, strlen(msg),
                                                (const uint8_t *)dst, strlen(dst), p, u0, u1,
                                                q0, q1),
                         0);
        assert_bytes_equal(u0, wu0, 32, "u0");
        assert_bytes_equal(u1, wu1, 32, "u1");
        assert_bytes_equal(q0, wq0, 32, "Q0");
        assert_bytes_equal(q1, wq1, 32, "Q1");
        assert_bytes_equal(p, wp, 32, "P");
    }
    json_decref(root);
}

/* ---- field arithmetic ------------------------------------------------ */

static void fe_from_u64(fe25519_t *f, uint64_t v)
{
    uint8_t b[32] = {0};
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    fe25519_frombytes(f, b);
}

static void random_fe(fe25519_t *f)
{
    uint8_t b[32];
    randombytes_buf(b, sizeof b);
    fe25519_frombytes(f, b);
}

static void test_fe_canonical(void **state)
{
    (void)state;
    /* p, p + 1, ..., 2^255 - 1 encode as 0, 1, ..., 18 */
    for (int k = 0; k < 19; k++) {
        uint8_t b[32], out[32], want[32] = {0};
        fe25519_t f;
        memset(b, 0xff, 32);
        b[31] = 0x7f;
        b[0] = (uint8_t)(0xed + k);
        fe25519_frombytes(&f, b);
        fe25519_tobytes(out, &f);
        want[0] = (uint8_t)k;
        assert_memory_equal(out, want, 32);
        assert_int_equal(fe25519_is_zero(&f), k == 0);
    }
    /* p - 1 stays; -1 encodes as p - 1; bit 255 is ignored */
    uint8_t pm1[32], out[32];
    fe25519_t f, one;
    memset(pm1, 0xff, 32);
    pm1[0] = 0xec;
    pm1[31] = 0x7f;
    fe25519_1(&one);
    fe25519_neg(&f, &one);
    fe25519_tobytes(out, &f);
    assert_memory_equal(out, pm1, 32);
    pm1[31] |= 0x80;
    fe25519_frombytes(&f, pm1);
    fe25519_tobytes(out, &f);
    pm1[31] &= 0x7f;
    assert_memory_equal(out, pm1, 32);
    assert_int_equal(fe25519_sgn0(&f), 0);
    assert_int_equal(fe25519_sgn0(&one), 1);
}

static void test_fe_algebra(void **state)
{
    (void)state;
    fe25519_t a, b, c, t, u, one, zero;
    fe25519_1(&one);
    fe25519_0(&zero);

    /* 0 has inverse 0 (inv0) and is a square */
    fe25519_invert(&t, &zero);
    assert_true(fe25519_is_zero(&t));
    assert_true(fe25519_sqrt(&t, &zero));
    assert_true(fe25519_is_zero(&t));
    /* sqrt(-1)^2 = -1; 2 is a non-square (Z of the suite) */
    fe25519_neg(&a, &one);
    assert_true(fe25519_sqrt(&t, &a));
    fe25519_sq(&u, &t);
    assert_true(fe25519_equal(&u, &a));
    fe_from_u64(&a, 2);
    assert_false(fe25519_sqrt(&t, &a));
    fe_from_u64(&a, 4);
    assert_true(fe25519_sqrt(&t, &a));
    fe25519_sq(&u, &t);
    assert_true(fe25519_equal(&u, &a));

    int squares = 0;
    for (int i = 0; i < 200; i++) {
        random_fe(&a);
        random_fe(&b);
        random_fe(&c);
        /* a * a^-1 = 1 */
        fe25519_invert(&t, &a);
        fe25519_mul(&u, &t, &a);
        assert_true(fe25519_equal(&u, &one) || fe25519_is_zero(&a));
        /* distributivity and (a - b) + b = a */
        fe25519_add(&t, &b, &c);
        fe25519_mul(&t, &a, &t);
        fe25519_mul(&u, &a, &b);
        fe25519_t v;
        fe25519_mul(&v, &a, &c);
        fe25519_add(&u, &u, &v);
        assert_true(fe25519_equal(&t, &u));
        fe25519_sub(&t, &a, &b);
        fe25519_add(&t, &t, &b);
        assert_true(fe25519_equal(&t, &a));
        /* mul_small agrees with mul */
        fe_from_u64(&v, 486662);
        fe25519_mul(&t, &a, &v);
        fe25519_mul_small(&u, &a, 486662);
        assert_true(fe25519_equal(&t, &u));
        /* a^2 is a square with root +-a; a square times 2 is not */
        fe25519_sq(&t, &a);
        assert_true(fe25519_sqrt(&u, &t));
        fe25519_neg(&v, &a);
        assert_true(fe25519_equal(&u, &a) || fe25519_equal(&u, &v));
        fe25519_mul_small(&t, &t, 2);
        assert_false(fe25519_sqrt(&u, &t) && !fe25519_is_zero(&a));
        /* about half of random elements are squares */
        if (fe25519_sqrt(&u, &b)) {
            squares++;
            fe25519_sq(&t, &u);
            assert_true(fe25519_equal(&t, &b));
        }
        /* cmov */
        fe25519_copy(&t, &a);
        fe25519_cmov(&t, &b, 0);
        assert_true(fe25519_equal(&t, &a));
        fe25519_cmov(&t, &b, 1);
        assert_true(fe25519_equal(&t, &b));
    }
    assert_true(squares > 60 && squares < 140);
}

/* OS2IP mod p for 48 bytes, checked against Horner's rule over bytes. */
static void test_fe_from_be48(void **state)
{
    (void)state;
    for (int i = 0; i < 100; i++) {
        uint8_t in[48], a[32], b[32];
        fe25519_t got, acc, byte;
        randombytes_buf(in, sizeof in);
        if (i == 0)
            memset(in, 0xff, sizeof in);
        if (i == 1)
            memset(in, 0, sizeof in);
        fe25519_from_be48(&got, in);
        fe25519_0(&acc);
        for (int j = 0; j < 48; j++) {
            fe25519_mul_small(&acc, &acc, 256);
            fe_from_u64(&byte, in[j]);
            fe25519_add(&acc, &acc, &byte);
        }
        fe25519_tobytes(a, &got);
        fe25519_tobytes(b, &acc);
        assert_memory_equal(a, b, 32);
    }
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expand_message_xmd),
        cmocka_unit_test(test_expand_message_limits),
        cmocka_unit_test(test_ell2_nu),
        cmocka_unit_test(test_ell2_ro),
        cmocka_unit_test(test_fe_canonical),
        cmocka_unit_test(test_fe_algebra),
        cmocka_unit_test(test_fe_from_be48),
    };
    return testenv_cmocka_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
