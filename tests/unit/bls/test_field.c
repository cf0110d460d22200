/*
 * Algebraic laws of the crypto/bls field tower, each checked against an
 * independent route to the same value: Montgomery products against repeated
 * additions, inverses and square roots by multiplying back, Karatsuba Fp6/Fp12
 * products against schoolbook-free identities (distributivity, inverse), the
 * Frobenius maps against the p-power law (frob is multiplicative, frob^12 = 1,
 * frob2 = frob1 o frob1), and the cyclotomic squaring against plain squaring
 * on elements of the cyclotomic subgroup.
 */
#include "bls_test.h"

#define ROUNDS 40

static void test_fp_basics(void **state)
{
    (void)state;
    uint64_t s = 1;
    fp_t a, b, c, t, u, one, zero;
    fp_set_one(&one);
    fp_set_zero(&zero);
    /* p - 1 round-trips through bytes; p itself is rejected */
    uint8_t pb[48], back[48];
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 8; j++)
            pb[(5 - i) * 8 + j] = (uint8_t)(BLS_P[i] >> (56 - 8 * j));
    assert_false(fp_from_bytes(&a, pb));
    pb[47] -= 1;
    assert_true(fp_from_bytes(&a, pb));
    fp_to_bytes(back, &a);
    assert_memory_equal(pb, back, 48);
    fp_add(&t, &a, &one);
    assert_true(fp_is_zero(&t));  /* (p - 1) + 1 = 0 */
    for (int r = 0; r < ROUNDS; r++) {
        bls_rand_fp(&a, &s);
        bls_rand_fp(&b, &s);
        bls_rand_fp(&c, &s);
        /* commutative, associative, distributive */
        fp_mul(&t, &a, &b);
        fp_mul(&u, &b, &a);
        assert_true(fp_eq(&t, &u));
        fp_mul(&t, &t, &c);
        fp_mul(&u, &b, &c);
        fp_mul(&u, &a, &u);
        assert_true(fp_eq(&t, &u));
        fp_add(&t, &b, &c);
        fp_mul(&t, &a, &t);
        fp_mul(&u, &a, &b);
        fp_mul(&c, &a, &c);
        fp_add(&u, &u, &c);
        assert_true(fp_eq(&t, &u));
        /* a * 5 = a + a + a + a + a */
        fp_t five;
        uint64_t raw5[6] = {5, 0, 0, 0, 0, 0};
        fp_from_raw(&five, raw5);
        fp_mul(&t, &a, &five);
        fp_add(&u, &a, &a);
        fp_add(&u, &u, &u);
        fp_add(&u, &u, &a);
        assert_true(fp_eq(&t, &u));
        /* a - b + b = a, -a + a = 0 */
        fp_sub(&t, &a, &b);
        fp_add(&t, &t, &b);
        assert_true(fp_eq(&t, &a));
        fp_neg(&t, &a);
        fp_add(&t, &t, &a);
        assert_true(fp_is_zero(&t));
        /* inverse */
        fp_inv(&t, &a);
        fp_mul(&t, &t, &a);
        assert_true(fp_eq(&t, &one));
        /* squares have roots, and is_square agrees with sqrt */
        fp_sqr(&t, &a);
        assert_true(fp_sqrt(&u, &t));
        fp_sqr(&u, &u);
        assert_true(fp_eq(&u, &t));
        assert_int_equal(fp_is_square(&b), fp_sqrt(&u, &b));
        /* -1 is not a square (p = 3 mod 4) so exactly one of a, -a is */
        fp_neg(&t, &b);
        if (!fp_is_zero(&b))
            assert_true(fp_is_square(&b) != fp_is_square(&t));
        /* constant-time helpers */
        t = a;
        fp_cmov(&t, &b, 0);
        assert_true(fp_eq(&t, &a));
        fp_cmov(&t, &b, 1);
        assert_true(fp_eq(&t, &b));
    }
    fp_inv(&t, &zero);
    assert_true(fp_is_zero(&t));
}

/* The assembly product (when the CPU has it) against the portable C one, on
 * random and extreme inputs (0, 1, p - 1). */
static void test_fp_mul_paths(void **state)
{
    (void)state;
    uint64_t s = 77;
    fp_t v[3 + 200], x, y;
    fp_set_zero(&v[0]);
    fp_set_one(&v[1]);
    fp_neg(&v[2], &v[1]);
    for (int i = 3; i < 203; i++)
        bls_rand_fp(&v[i], &s);
    for (int i = 0; i < 203; i++) {
        for (int j = 0; j < 203; j += 7) {
            fp_mul(&x, &v[i], &v[j]);
            fp_mul_portable(&y, &v[i], &v[j]);
            assert_memory_equal(x.l, y.l, sizeof x.l);
            fp_add(&x, &v[i], &v[j]);
            fp_sub(&y, &x, &v[j]);
            assert_true(fp_eq(&y, &v[i]));
        }
    }
    /* Fp2 products (lazy reduction when available) against a schoolbook
     * product on the portable path, with extreme coefficients included */
    for (int i = 0; i < 203; i += 3) {
        for (int j = 0; j < 203; j += 11) {
            fp2_t a = {v[i], v[(i * 7 + 1) % 203]}, b = {v[j], v[(j * 5 + 2) % 203]}, got;
            fp_t t0, t1, w0, w1;
            fp2_mul(&got, &a, &b);
            fp_mul_portable(&t0, &a.c0, &b.c0);
            fp_mul_portable(&t1, &a.c1, &b.c1);
            fp_sub(&w0, &t0, &t1);
            fp_mul_portable(&t0, &a.c0, &b.c1);
            fp_mul_portable(&t1, &a.c1, &b.c0);
            fp_add(&w1, &t0, &t1);
            assert_memory_equal(got.c0.l, w0.l, sizeof w0.l);
            assert_memory_equal(got.c1.l, w1.l, sizeof w1.l);
        }
    }
    fp2_t m = {v[2], v[2]}, got;  /* (p-1)(1+u) squared = -2u... check via mul */
    fp2_mul(&got, &m, &m);
    assert_true(fp_is_zero(&got.c0));
    fp_t two;
    fp_add(&two, &v[1], &v[1]);
    assert_true(fp_eq(&got.c1, &two));  /* (-1 - u)^2 = 1 + 2u - 1 = 2u */
    /* (p - 1)^2 = 1 */
    fp_mul(&x, &v[2], &v[2]);
    assert_true(fp_eq(&x, &v[1]));
}

static void test_fp2(void **state)
{
    (void)state;
    uint64_t s = 2;
    fp2_t a, b, c, t, u, one;
    fp2_set_one(&one);
    for (int r = 0; r < ROUNDS; r++) {
        bls_rand_fp2(&a, &s);
        bls_rand_fp2(&b, &s);
        bls_rand_fp2(&c, &s);
        fp2_mul(&t, &a, &b);
        fp2_mul(&u, &b, &a);
        assert_true(fp2_eq(&t, &u));
        fp2_add(&t, &b, &c);
        fp2_mul(&t, &a, &t);
        fp2_mul(&u, &a, &b);
        fp2_mul(&c, &a, &c);
        fp2_add(&u, &u, &c);
        assert_true(fp2_eq(&t, &u));
        fp2_sqr(&t, &a);
        fp2_mul(&u, &a, &a);
        assert_true(fp2_eq(&t, &u));
        fp2_inv(&t, &a);
        fp2_mul(&t, &t, &a);
        assert_true(fp2_eq(&t, &one));
        /* u^2 = -1 */
        fp2_t i2 = {{{0}}, BLS_FP_ONE};
        fp2_sqr(&t, &i2);
        fp2_neg(&u, &one);
        assert_true(fp2_eq(&t, &u));
        /* xi multiplication */
        fp2_t xi = {BLS_FP_ONE, BLS_FP_ONE};
        fp2_mul(&t, &a, &xi);
        fp2_mul_xi(&u, &a);
        assert_true(fp2_eq(&t, &u));
        /* square roots */
        fp2_sqr(&t, &a);
        assert_true(fp2_sqrt(&u, &t));
        fp2_sqr(&u, &u);
        assert_true(fp2_eq(&u, &t));
        /* a non-square: xi is not a square in Fp2 (the tower relies on it) */
        assert_false(fp2_sqrt(&u, &xi));
        /* elements of Fp and u*Fp */
        fp2_t re = {a.c0, {{0}}};
        assert_true(fp2_sqrt(&u, &re));
        fp2_sqr(&u, &u);
        assert_true(fp2_eq(&u, &re));
        /* conj(a) a is in Fp */
        fp2_conj(&t, &a);
        fp2_mul(&t, &t, &a);
        assert_true(fp_is_zero(&t.c1));
    }
}

static void test_fp6_fp12(void **state)
{
    (void)state;
    uint64_t s = 3;
    fp12_t a, b, c, t, u, one;
    fp12_set_one(&one);
    for (int r = 0; r < ROUNDS / 4; r++) {
        bls_rand_fp12(&a, &s);
        bls_rand_fp12(&b, &s);
        bls_rand_fp12(&c, &s);
        fp12_mul(&t, &a, &b);
        fp12_mul(&u, &b, &a);
        assert_true(fp12_eq(&t, &u));
        fp12_mul(&t, &t, &c);
        fp12_mul(&u, &b, &c);
        fp12_mul(&u, &a, &u);
        assert_true(fp12_eq(&t, &u));
        fp12_sqr(&t, &a);
        fp12_mul(&u, &a, &a);
        assert_true(fp12_eq(&t, &u));
        fp6_t x, y;
        fp6_sqr(&x, &a.c0);
        fp6_mul(&y, &a.c0, &a.c0);
        assert_true(fp12_eq(&(fp12_t){x, x}, &(fp12_t){y, y}));
        fp12_inv(&t, &a);
        fp12_mul(&t, &t, &a);
        assert_true(fp12_is_one(&t));
        /* Frobenius: multiplicative, frob^12 = id, frob2 = frob1^2, frob3 = frob1^3 */
        fp12_mul(&t, &a, &b);
        fp12_frob(&t, &t, 1);
        fp12_frob(&u, &a, 1);
        fp12_frob(&c, &b, 1);
        fp12_mul(&u, &u, &c);
        assert_true(fp12_eq(&t, &u));
        fp12_frob(&t, &a, 1);
        fp12_frob(&t, &t, 1);
        fp12_frob(&u, &a, 2);
        assert_true(fp12_eq(&t, &u));
        fp12_frob(&t, &t, 1);
        fp12_frob(&u, &a, 3);
        assert_true(fp12_eq(&t, &u));
        t = a;
        for (int k = 0; k < 4; k++)
            fp12_frob(&t, &t, 3);
        assert_true(fp12_eq(&t, &a));
        assert_false(fp12_eq(&u, &a));
        /* sparse product equals the dense one */
        fp2_t c0, c1, c4;
        bls_rand_fp2(&c0, &s);
        bls_rand_fp2(&c1, &s);
        bls_rand_fp2(&c4, &s);
        fp12_t line;
        memset(&line, 0, sizeof line);
        line.c0.c0 = c0;
        line.c0.c1 = c1;
        line.c1.c1 = c4;
        fp12_mul(&t, &a, &line);
        fp12_mul_by_014(&u, &a, &c0, &c1, &c4);
        assert_true(fp12_eq(&t, &u));
        /* cyclotomic squaring on m = a^((p^6 - 1)(p^2 + 1)) */
        fp12_t m;
        fp12_conj(&m, &a);
        fp12_inv(&t, &a);
        fp12_mul(&m, &m, &t);
        fp12_frob(&t, &m, 2);
        fp12_mul(&m, &m, &t);
        fp12_sqr(&t, &m);
        fp12_cyclotomic_sqr(&u, &m);
        assert_true(fp12_eq(&t, &u));
        /* in the cyclotomic subgroup the inverse is the conjugate */
        fp12_conj(&t, &m);
        fp12_mul(&t, &t, &m);
        assert_true(fp12_eq(&t, &one));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fp_basics),
        cmocka_unit_test(test_fp_mul_paths),
        cmocka_unit_test(test_fp2),
        cmocka_unit_test(test_fp6_fp12),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
