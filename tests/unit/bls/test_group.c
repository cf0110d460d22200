/*
 * G1 and G2 of crypto/bls: the group law (complete formulas against each other
 * and against scalar multiplication), the constant-time ladder against
 * double-and-add, [r]P = O, the endomorphism subgroup checks against the
 * definition (points of the full curve group are rejected until their cofactor
 * is cleared), and the ZCash encodings: round trips and every rejection rule.
 */
#include "bls_test.h"

static void u64_scalar(uint64_t k[4], uint64_t v)
{
    k[0] = v;
    k[1] = k[2] = k[3] = 0;
}

/* A point of E1(Fp) (usually outside G1) from a random x. */
static void random_e1(g1_t *r, uint64_t *s)
{
    fp_t x, y, rhs;
    do {
        bls_rand_fp(&x, s);
        fp_sqr(&rhs, &x);
        fp_mul(&rhs, &rhs, &x);
        fp_add(&rhs, &rhs, &BLS_FP_B);
    } while (!fp_sqrt(&y, &rhs));
    g1_from_affine(r, &x, &y);
}

static void random_e2(g2_t *r, uint64_t *s)
{
    fp2_t x, y, rhs, b = {BLS_FP_B, BLS_FP_B};
    do {
        bls_rand_fp2(&x, s);
        fp2_sqr(&rhs, &x);
        fp2_mul(&rhs, &rhs, &x);
        fp2_add(&rhs, &rhs, &b);
    } while (!fp2_sqrt(&y, &rhs));
    g2_from_affine(r, &x, &y);
}

static void test_g1_law(void **state)
{
    (void)state;
    uint64_t s = 11, k[4];
    g1_t g, a, b, c, t, u, inf;
    g1_generator(&g);
    g1_set_inf(&inf);
    assert_true(g1_on_curve(&g));
    assert_true(g1_in_subgroup(&g));
    assert_true(g1_in_subgroup(&inf));
    memcpy(k, BLS_R_ORDER, sizeof k);
    g1_mul_ct(&t, &g, k);
    assert_true(g1_is_inf(&t));
    for (int r = 0; r < 8; r++) {
        bls_rand_scalar(k, &s);
        g1_mul_ct(&a, &g, k);
        bls_rand_scalar(k, &s);
        g1_mul_ct(&b, &g, k);
        assert_true(g1_on_curve(&a));
        /* P + P = 2P, P + O = P, P - P = O, commutativity */
        g1_add(&t, &a, &a);
        g1_dbl(&u, &a);
        assert_true(g1_eq(&t, &u));
        g1_add(&t, &a, &inf);
        assert_true(g1_eq(&t, &a));
        g1_neg(&t, &a);
        g1_add(&t, &t, &a);
        assert_true(g1_is_inf(&t));
        g1_add(&t, &a, &b);
        g1_add(&u, &b, &a);
        assert_true(g1_eq(&t, &u));
        /* ladder against double-and-add, and [k1 + k2] = [k1] + [k2] */
        uint64_t v = bls_rand64(&s), v2 = bls_rand64(&s) >> 1;
        u64_scalar(k, v);
        g1_mul_ct(&t, &a, k);
        g1_mul_u64_vartime(&u, &a, v);
        assert_true(g1_eq(&t, &u));
        g1_mul_u64_vartime(&c, &a, v2);
        g1_mul_u64_vartime(&u, &a, (v >> 1) + v2);
        g1_mul_u64_vartime(&t, &a, v >> 1);
        g1_add(&t, &t, &c);
        assert_true(g1_eq(&t, &u));
        /* the GLV product agrees with the plain ladder */
        bls_rand_scalar(k, &s);
        g1_mul_ct(&t, &a, k);
        g1_mul_glv(&u, &a, k);
        assert_true(g1_eq(&t, &u));
        memcpy(k, BLS_R_ORDER, sizeof k);
        k[0] -= 1;
        g1_mul_glv(&u, &a, k);
        g1_neg(&t, &a);
        assert_true(g1_eq(&t, &u));
        u64_scalar(k, 1);
        g1_mul_glv(&u, &a, k);
        assert_true(g1_eq(&a, &u));
        /* off-subgroup points */
        random_e1(&c, &s);
        assert_true(g1_on_curve(&c));
        assert_false(g1_in_subgroup(&c));
        g1_clear_cofactor(&c, &c);
        assert_true(g1_in_subgroup(&c));
        memcpy(k, BLS_R_ORDER, sizeof k);
        g1_mul_ct(&t, &c, k);
        assert_true(g1_is_inf(&t));
    }
}

static void test_g2_law(void **state)
{
    (void)state;
    uint64_t s = 12, k[4];
    g2_t g, a, b, c, t, u, inf;
    g2_generator(&g);
    g2_set_inf(&inf);
    assert_true(g2_on_curve(&g));
    assert_true(g2_in_subgroup(&g));
    memcpy(k, BLS_R_ORDER, sizeof k);
    g2_mul_ct(&t, &g, k);
    assert_true(g2_is_inf(&t));
    for (int r = 0; r < 6; r++) {
        bls_rand_scalar(k, &s);
        g2_mul_ct(&a, &g, k);
        bls_rand_scalar(k, &s);
        g2_mul_ct(&b, &g, k);
        g2_add(&t, &a, &a);
        g2_dbl(&u, &a);
        assert_true(g2_eq(&t, &u));
        g2_add(&t, &a, &inf);
        assert_true(g2_eq(&t, &a));
        g2_neg(&t, &a);
        g2_add(&t, &t, &a);
        assert_true(g2_is_inf(&t));
        g2_add(&t, &a, &b);
        g2_add(&u, &b, &a);
        assert_true(g2_eq(&t, &u));
        uint64_t v = bls_rand64(&s);
        u64_scalar(k, v);
        g2_mul_ct(&t, &a, k);
        g2_mul_u64_vartime(&u, &a, v);
        assert_true(g2_eq(&t, &u));
        /* the GLS product agrees with the plain ladder, for any k < r */
        bls_rand_scalar(k, &s);
        g2_mul_ct(&t, &a, k);
        g2_mul_gls(&u, &a, k);
        assert_true(g2_eq(&t, &u));
        memcpy(k, BLS_R_ORDER, sizeof k);
        k[0] -= 1;  /* r - 1: the largest digits */
        g2_mul_gls(&u, &a, k);
        g2_neg(&t, &a);
        assert_true(g2_eq(&t, &u));
        u64_scalar(k, 1);
        g2_mul_gls(&u, &a, k);
        assert_true(g2_eq(&a, &u));
        /* psi is a group homomorphism */
        g2_add(&t, &a, &b);
        g2_psi(&t, &t);
        g2_psi(&u, &a);
        g2_psi(&c, &b);
        g2_add(&u, &u, &c);
        assert_true(g2_eq(&t, &u));
        random_e2(&c, &s);
        assert_true(g2_on_curve(&c));
        assert_false(g2_in_subgroup(&c));
        g2_clear_cofactor(&c, &c);
        assert_true(g2_in_subgroup(&c));
        memcpy(k, BLS_R_ORDER, sizeof k);
        g2_mul_ct(&t, &c, k);
        assert_true(g2_is_inf(&t));
    }
}

static void test_g1_encoding(void **state)
{
    (void)state;
    uint64_t s = 13, k[4];
    uint8_t enc[48], enc2[48];
    const char *why;
    g1_t g, a, b;
    g1_generator(&g);
    /* the generator's well-known encoding */
    static const char gen_hex[] =
        "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";
    uint8_t want[48];
    err_t e;
    assert_int_equal(hex_decode(gen_hex, 96, want, 48, &e), 0);
    g1_compress(enc, &g);
    assert_memory_equal(enc, want, 48);
    for (int r = 0; r < 8; r++) {
        bls_rand_scalar(k, &s);
        g1_mul_ct(&a, &g, k);
        g1_compress(enc, &a);
        assert_true(g1_decompress(&b, enc, &why));
        assert_true(g1_eq(&a, &b));
        /* the other root: flip S */
        enc[0] ^= 0x20;
        assert_true(g1_decompress(&b, enc, &why));
        g1_neg(&b, &b);
        assert_true(g1_eq(&a, &b));
        enc[0] ^= 0x20;
        /* no compression flag */
        memcpy(enc2, enc, 48);
        enc2[0] &= 0x7f;
        assert_false(g1_decompress(&b, enc2, &why));
        assert_string_equal(why, "compression flag not set");
    }
    /* infinity: canonical form, then every broken variant */
    g1_set_inf(&a);
    g1_compress(enc, &a);
    assert_int_equal(enc[0], 0xc0);
    assert_true(g1_decompress(&b, enc, &why));
    assert_true(g1_is_inf(&b));
    enc[0] = 0xe0;
    assert_false(g1_decompress(&b, enc, &why));
    enc[0] = 0xc0;
    enc[47] = 1;
    assert_false(g1_decompress(&b, enc, &why));
    enc[47] = 0;
    enc[0] = 0xc1;
    assert_false(g1_decompress(&b, enc, &why));
    enc[0] = 0x40;
    assert_false(g1_decompress(&b, enc, &why));
    /* x = p */
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 8; j++)
            enc[(5 - i) * 8 + j] = (uint8_t)(BLS_P[i] >> (56 - 8 * j));
    enc[0] |= 0x80;
    assert_false(g1_decompress(&b, enc, &why));
    assert_string_equal(why, "x coordinate not less than p");
    /* x = 0 gives y^2 = 4: on the curve (y = 2) but of order 3, not in G1 */
    memset(enc, 0, 48);
    enc[0] = 0x80;
    assert_false(g1_decompress(&b, enc, &why));
    assert_string_equal(why, "point not in the prime-order subgroup");
    /* an x with no y: search a few */
    int found = 0;
    for (uint8_t x = 1; x < 50 && !found; x++) {
        memset(enc, 0, 48);
        enc[0] = 0x80;
        enc[47] = x;
        if (!g1_decompress(&b, enc, &why) && strcmp(why, "point not on the curve") == 0)
            found = 1;
    }
    assert_true(found);
}

static void test_g2_encoding(void **state)
{
    (void)state;
    uint64_t s = 14, k[4];
    uint8_t enc[96];
    const char *why;
    g2_t g, a, b;
    g2_generator(&g);
    static const char gen_hex[] =
        "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
        "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8";
    uint8_t want[96];
    err_t e;
    assert_int_equal(hex_decode(gen_hex, 192, want, 96, &e), 0);
    g2_compress(enc, &g);
    assert_memory_equal(enc, want, 96);
    for (int r = 0; r < 6; r++) {
        bls_rand_scalar(k, &s);
        g2_mul_ct(&a, &g, k);
        g2_compress(enc, &a);
        assert_true(g2_decompress(&b, enc, &why));
        assert_true(g2_eq(&a, &b));
        enc[0] ^= 0x20;
        assert_true(g2_decompress(&b, enc, &why));
        g2_neg(&b, &b);
        assert_true(g2_eq(&a, &b));
        /* a point of E2 outside G2 */
        random_e2(&a, &s);
        g2_compress(enc, &a);
        assert_false(g2_decompress(&b, enc, &why));
        assert_string_equal(why, "point not in the prime-order subgroup");
    }
    g2_set_inf(&a);
    g2_compress(enc, &a);
    assert_true(g2_decompress(&b, enc, &why));
    assert_true(g2_is_inf(&b));
    enc[60] = 1;
    assert_false(g2_decompress(&b, enc, &why));
    /* x.c0 = p */
    g2_compress(enc, &g);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 8; j++)
            enc[48 + (5 - i) * 8 + j] = (uint8_t)(BLS_P[i] >> (56 - 8 * j));
    assert_false(g2_decompress(&b, enc, &why));
    assert_string_equal(why, "x coordinate not less than p");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_g1_law),
        cmocka_unit_test(test_g2_law),
        cmocka_unit_test(test_g1_encoding),
        cmocka_unit_test(test_g2_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
