/*
 * Unit tests of crypto/ecvrf's own edwards25519 arithmetic (ge25519.c),
 * checked against libsodium's public API on random points and scalars:
 * decoding and encoding, addition, subtraction, doubling, cofactor clearing
 * and the double-scalar multiplication used by verification.
 */
#include "testutil.h"

#include "crypto/crypto.h"
#include "crypto/ecvrf/internal.h"

#include <sodium.h>

static void random_scalar(uint8_t n[32])
{
    crypto_core_ed25519_scalar_random(n);   /* uniform in [0, L) */
}

static void dec(ge25519_t *p, const uint8_t s[32])
{
    assert_true(ge25519_frombytes(p, s));
}

static void test_roundtrip_and_group_law(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++) {
        uint8_t a[32], b[32], got[32], want[32];
        ge25519_t pa, pb, r;

        crypto_core_ed25519_random(a);
        crypto_core_ed25519_random(b);
        dec(&pa, a);
        dec(&pb, b);
        ge25519_tobytes(got, &pa);
        assert_memory_equal(got, a, 32);

        ge25519_add(&r, &pa, &pb);
        ge25519_tobytes(got, &r);
        assert_int_equal(crypto_core_ed25519_add(want, a, b), 0);
        assert_bytes_equal(got, want, 32, "P + Q");

        ge25519_sub(&r, &pa, &pb);
        ge25519_tobytes(got, &r);
        assert_int_equal(crypto_core_ed25519_sub(want, a, b), 0);
        assert_bytes_equal(got, want, 32, "P - Q");

        ge25519_dbl(&r, &pa);
        ge25519_tobytes(got, &r);
        assert_int_equal(crypto_core_ed25519_add(want, a, a), 0);
        assert_bytes_equal(got, want, 32, "2P");

        /* P + (-P) = identity; P + identity = P */
        ge25519_neg(&r, &pa);
        ge25519_add(&r, &r, &pa);
        assert_true(ge25519_is_identity(&r));
        ge25519_identity(&r);
        ge25519_add(&r, &r, &pa);
        ge25519_tobytes(got, &r);
        assert_memory_equal(got, a, 32);
    }
}

static void test_double_scalarmult(void **state)
{
    (void)state;
    ge25519_t base, pa, r;
    uint8_t got[32], want[32], t1[32], t2[32], a[32], n1[32], n2[32];

    ge25519_base(&base);
    ge25519_tobytes(got, &base);
    assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(want, (const uint8_t[32]){1}), 0);
    assert_bytes_equal(got, want, 32, "B");

    for (int i = 0; i < 60; i++) {
        crypto_core_ed25519_random(a);
        dec(&pa, a);
        random_scalar(n1);
        random_scalar(n2);
        if (i % 5 == 0)
            memset(n2 + 16, 0, 16);       /* 128-bit challenge-sized scalar */
        if (i == 7)
            memset(n1, 0, 32);
        ge25519_double_scalarmult_vartime(&r, n1, &base, n2, &pa);
        ge25519_tobytes(got, &r);
        int rc1 = crypto_scalarmult_ed25519_base_noclamp(t1, n1);
        int rc2 = crypto_scalarmult_ed25519_noclamp(t2, n2, a);
        (void)rc1;
        (void)rc2;
        assert_int_equal(crypto_core_ed25519_add(want, t1, t2), 0);
        assert_bytes_equal(got, want, 32, "n1*B + n2*P");
    }
    /* all-ones scalars (longest wNAF, carries into bit 256) */
    memset(n1, 0xff, 32);
    n1[31] = 0x7f;
    crypto_core_ed25519_random(a);
    dec(&pa, a);
    ge25519_identity(&r);
    ge25519_double_scalarmult_vartime(&r, n1, &pa, n1, &pa);
    ge25519_tobytes(got, &r);
    /* (2^255 - 1) * 2 * P computed by libsodium after reducing mod L */
    uint8_t wide[64] = {0}, red[32];
    memcpy(wide, n1, 32);
    crypto_core_ed25519_scalar_reduce(red, wide);
    crypto_core_ed25519_scalar_add(red, red, red);
    assert_int_equal(crypto_scalarmult_ed25519_noclamp(want, red, a), 0);
    assert_bytes_equal(got, want, 32, "(2^255-1)*P twice");
}

static void test_decoding_matches_libsodium(void **state)
{
    (void)state;
    int valid = 0;
    for (int i = 0; i < 2000; i++) {
        uint8_t s[32], t[32], got[32];
        ge25519_t p;
        randombytes_buf(s, sizeof s);
        s[31] &= 0x7f;            /* canonical range except the 19 top values */
        s[31] |= (uint8_t)((i & 1) << 7);
        bool ours = ge25519_frombytes(&p, s);
        bool theirs = crypto_core_ed25519_add(t, s, s) == 0;
        /* libsodium accepts exactly the same random encodings (y < p, no
         * negative zero at this density) */
        assert_int_equal(ours, theirs);
        if (ours) {
            valid++;
            ge25519_tobytes(got, &p);
            assert_memory_equal(got, s, 32);
            ge25519_mul8(&p, &p);
            ge25519_tobytes(got, &p);
            uint8_t want[32];
            crypto_core_ed25519_add(want, s, s);
            crypto_core_ed25519_add(want, want, want);
            crypto_core_ed25519_add(want, want, want);
            assert_memory_equal(got, want, 32);
        }
    }
    assert_true(valid > 800 && valid < 1200);
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_and_group_law),
        cmocka_unit_test(test_double_scalarmult),
        cmocka_unit_test(test_decoding_matches_libsodium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
