/*
 * The optimal ate pairing of crypto/bls: non-degeneracy, bilinearity in both
 * arguments, the order of the result (e^r = 1), the multi-pairing against the
 * product of single pairings, and pairings with the identity.
 */
#include "bls_test.h"

static void fp12_pow_r(fp12_t *out, const fp12_t *a)
{
    fp12_t acc;
    fp12_set_one(&acc);
    for (int i = 255; i >= 0; i--) {
        fp12_sqr(&acc, &acc);
        if ((BLS_R_ORDER[i / 64] >> (i % 64)) & 1)
            fp12_mul(&acc, &acc, a);
    }
    *out = acc;
}

static void test_bilinear(void **state)
{
    (void)state;
    uint64_t s = 21, k[4];
    g1_t p, ap, p2;
    g2_t q, aq, bq;
    fp12_t e1, e2, e3, t;
    g1_generator(&p);
    g2_generator(&q);
    bls_pairing(&e1, &p, &q);
    assert_false(fp12_is_one(&e1));
    fp12_pow_r(&t, &e1);
    assert_true(fp12_is_one(&t));
    for (int r = 0; r < 3; r++) {
        uint64_t a = bls_rand64(&s), b = bls_rand64(&s);
        g1_mul_u64_vartime(&ap, &p, a);
        g2_mul_u64_vartime(&aq, &q, a);
        /* e(aP, Q) = e(P, aQ) */
        bls_pairing(&e2, &ap, &q);
        bls_pairing(&e3, &p, &aq);
        assert_true(fp12_eq(&e2, &e3));
        /* e(aP, bQ) = e(abP, Q) = e(bP, aQ) */
        g2_mul_u64_vartime(&bq, &q, b);
        bls_pairing(&e2, &ap, &bq);
        g1_mul_u64_vartime(&p2, &p, b);
        bls_pairing(&e3, &p2, &aq);
        assert_true(fp12_eq(&e2, &e3));
        /* e(P1 + P2, Q) = e(P1, Q) e(P2, Q) */
        bls_rand_scalar(k, &s);
        g1_mul_ct(&p2, &p, k);
        g1_t sum;
        g1_add(&sum, &ap, &p2);
        bls_pairing(&e1, &sum, &bq);
        bls_pairing(&e2, &ap, &bq);
        bls_pairing(&e3, &p2, &bq);
        fp12_mul(&e2, &e2, &e3);
        assert_true(fp12_eq(&e1, &e2));
        /* multi-pairing check: e(aP, Q) e(-P, aQ) = 1, but not e(aP, Q) e(P, aQ) */
        g1_t ps[3];
        g2_t qs[3];
        ps[0] = ap;
        qs[0] = q;
        g1_neg(&ps[1], &p);
        qs[1] = aq;
        g1_set_inf(&ps[2]);
        qs[2] = bq;
        assert_true(bls_pairing_check(ps, qs, 2));
        assert_true(bls_pairing_check(ps, qs, 3));  /* identity pair contributes 1 */
        ps[1] = p;
        assert_false(bls_pairing_check(ps, qs, 2));
    }
    /* many pairs (heap path): sum of a_i = 0 */
    enum { N = 12 };
    g1_t ps[N];
    g2_t qs[N];
    uint64_t total = 0;
    for (int i = 0; i < N - 1; i++) {
        uint64_t a = bls_rand64(&s) >> 8;
        total += a;
        g1_mul_u64_vartime(&ps[i], &p, a);
        qs[i] = q;
    }
    g1_mul_u64_vartime(&ps[N - 1], &p, total);
    g1_neg(&ps[N - 1], &ps[N - 1]);
    qs[N - 1] = q;
    assert_true(bls_pairing_check(ps, qs, N));
    g1_dbl(&ps[0], &ps[0]);
    assert_false(bls_pairing_check(ps, qs, N));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bilinear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
