/*
 * RFC 9380 vectors for crypto/bls hashing (shared/testdata/vectors/
 * rfc9380-hash-to-curve): expand_message_xmd with SHA-256 (both files,
 * including the oversize-DST one), and the BLS12381G1/G2_XMD:SHA-256_SSWU_RO_
 * suites checked at every step: u = hash_to_field, Q0/Q1 = map_to_curve
 * (SSWU + isogeny), P = clear_cofactor(Q0 + Q1).
 */
#include "bls_test.h"

#define DIR "testdata/vectors/rfc9380-hash-to-curve/"

static void check_xmd_file(const char *file)
{
    json_t *root = bls_load_json(file);
    if (!root)
        skip();
    const char *dst = json_string_value(json_object_get(root, "DST"));
    assert_non_null(dst);
    json_t *tests = json_object_get(root, "tests"), *t;
    size_t i;
    assert_true(json_array_size(tests) >= 5);
    json_array_foreach(tests, i, t) {
        const char *msg = json_string_value(json_object_get(t, "msg"));
        size_t len = strtoul(json_string_value(json_object_get(t, "len_in_bytes")), NULL, 16);
        const char *want_hex = json_string_value(json_object_get(t, "uniform_bytes"));
        uint8_t want[512], got[512];
        err_t e;
        assert_true(len <= sizeof want);
        assert_int_equal(hex_decode(want_hex, strlen(want_hex), want, len, &e), 0);
        assert_int_equal(bls_expand_message_xmd(got, len, (const uint8_t *)msg, strlen(msg),
                                                (const uint8_t *)dst, strlen(dst)),
                         0);
        assert_memory_equal(got, want, len);
    }
    json_decref(root);
}

static void test_xmd_38(void **state)
{
    (void)state;
    check_xmd_file(DIR "expand_message_xmd_SHA256_38.json");
}

static void test_xmd_256(void **state)
{
    (void)state;
    check_xmd_file(DIR "expand_message_xmd_SHA256_256.json");
}

static void test_xmd_limits(void **state)
{
    (void)state;
    static uint8_t out[BLS_XMD_MAX_LEN + 1];
    const uint8_t dst[] = "D";
    assert_int_equal(bls_expand_message_xmd(out, 0, NULL, 0, dst, 1), -1);
    assert_int_equal(bls_expand_message_xmd(out, BLS_XMD_MAX_LEN + 1, NULL, 0, dst, 1), -1);
    assert_int_equal(bls_expand_message_xmd(out, BLS_XMD_MAX_LEN, NULL, 0, dst, 1), 0);
}

static void point_g1(g1_t *r, json_t *pt)
{
    fp_t x, y;
    bls_fp_hex(&x, json_string_value(json_object_get(pt, "x")));
    bls_fp_hex(&y, json_string_value(json_object_get(pt, "y")));
    g1_from_affine(r, &x, &y);
    assert_true(g1_on_curve(r));
}

static void point_g2(g2_t *r, json_t *pt)
{
    fp2_t x, y;
    bls_fp2_hex(&x, json_string_value(json_object_get(pt, "x")));
    bls_fp2_hex(&y, json_string_value(json_object_get(pt, "y")));
    g2_from_affine(r, &x, &y);
    assert_true(g2_on_curve(r));
}

static void test_g1_suite(void **state)
{
    (void)state;
    json_t *root = bls_load_json(DIR "BLS12381G1_XMD_SHA-256_SSWU_RO_.json");
    if (!root)
        skip();
    const char *dst = json_string_value(json_object_get(root, "dst"));
    json_t *vecs = json_object_get(root, "vectors"), *v;
    size_t i;
    assert_true(json_array_size(vecs) >= 5);
    json_array_foreach(vecs, i, v) {
        const char *msg = json_string_value(json_object_get(v, "msg"));
        fp_t u[2], want_u;
        g1_t q0, q1, p, want;
        bls_hash_to_field_fp(u, 2, (const uint8_t *)msg, strlen(msg), (const uint8_t *)dst,
                             strlen(dst));
        for (int k = 0; k < 2; k++) {
            bls_fp_hex(&want_u, json_string_value(json_array_get(json_object_get(v, "u"), k)));
            assert_true(fp_eq(&u[k], &want_u));
        }
        bls_map_to_g1(&q0, &u[0]);
        bls_map_to_g1(&q1, &u[1]);
        point_g1(&want, json_object_get(v, "Q0"));
        assert_true(g1_eq(&q0, &want));
        point_g1(&want, json_object_get(v, "Q1"));
        assert_true(g1_eq(&q1, &want));
        bls_hash_to_g1(&p, (const uint8_t *)msg, strlen(msg), (const uint8_t *)dst, strlen(dst));
        point_g1(&want, json_object_get(v, "P"));
        assert_true(g1_eq(&p, &want));
        assert_true(g1_in_subgroup(&p));
    }
    json_decref(root);
}

static void test_g2_suite(void **state)
{
    (void)state;
    json_t *root = bls_load_json(DIR "BLS12381G2_XMD_SHA-256_SSWU_RO_.json");
    if (!root)
        skip();
    const char *dst = json_string_value(json_object_get(root, "dst"));
    json_t *vecs = json_object_get(root, "vectors"), *v;
    size_t i;
    assert_true(json_array_size(vecs) >= 5);
    json_array_foreach(vecs, i, v) {
        const char *msg = json_string_value(json_object_get(v, "msg"));
        fp2_t u[2], want_u;
        g2_t q0, q1, p, want;
        bls_hash_to_field_fp2(u, 2, (const uint8_t *)msg, strlen(msg), (const uint8_t *)dst,
                              strlen(dst));
        for (int k = 0; k < 2; k++) {
            bls_fp2_hex(&want_u, json_string_value(json_array_get(json_object_get(v, "u"), k)));
            assert_true(fp2_eq(&u[k], &want_u));
        }
        bls_map_to_g2(&q0, &u[0]);
        bls_map_to_g2(&q1, &u[1]);
        point_g2(&want, json_object_get(v, "Q0"));
        assert_true(g2_eq(&q0, &want));
        point_g2(&want, json_object_get(v, "Q1"));
        assert_true(g2_eq(&q1, &want));
        bls_hash_to_g2(&p, (const uint8_t *)msg, strlen(msg), (const uint8_t *)dst, strlen(dst));
        point_g2(&want, json_object_get(v, "P"));
        assert_true(g2_eq(&p, &want));
        assert_true(g2_in_subgroup(&p));
    }
    json_decref(root);
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xmd_38),
        cmocka_unit_test(test_xmd_256),
        cmocka_unit_test(test_xmd_limits),
        cmocka_unit_test(test_g1_suite),
        cmocka_unit_test(test_g2_suite),
    };
    return testenv_cmocka_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
