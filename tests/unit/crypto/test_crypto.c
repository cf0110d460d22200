/* Tests of crypto: SHA-2 (FIPS 180-4 examples), HMAC-SHA-256 (RFC 4231),
 * Ed25519 (RFC 8032 §7.1), streaming equals one-shot (one-shot SHA-256 is
 * OpenSSL's, streaming libsodium's: every length 0..300, on several threads
 * at once, each with its own OpenSSL context). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "crypto/crypto.h"

static void unhex(const char *h, uint8_t *out, size_t n)
{
    assert_int_equal(hex_decode(h, strlen(h), out, n, NULL), BASE_OK);
}

static int setup(void **state)
{
    (void)state;
    return crypto_init();
}

static void test_sha(void **state)
{
    (void)state;
    uint8_t d[64], want[64];
    crypto_sha256("abc", 3, d);
    unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want, 32);
    assert_memory_equal(d, want, 32);
    crypto_sha256("", 0, d);
    unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, 32);
    assert_memory_equal(d, want, 32);
    crypto_sha512("abc", 3, d);
    unhex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
          "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
          want, 64);
    assert_memory_equal(d, want, 64);
}

static void test_streaming(void **state)
{
    (void)state;
    const char *msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    uint8_t one[32], two[32], want[32];
    crypto_sha256(msg, strlen(msg), one);
    crypto_sha256_ctx_t c;
    crypto_sha256_init(&c);
    for (const char *p = msg; *p; p++)
        crypto_sha256_update(&c, p, 1);
    crypto_sha256_final(&c, two);
    unhex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", want, 32);
    assert_memory_equal(one, want, 32);
    assert_memory_equal(two, want, 32);
    uint8_t s1[64], s2[64];
    crypto_sha512(msg, strlen(msg), s1);
    crypto_sha512_ctx_t c5;
    crypto_sha512_init(&c5);
    crypto_sha512_update(&c5, msg, 10);
    crypto_sha512_update(&c5, msg + 10, strlen(msg) - 10);
    crypto_sha512_final(&c5, s2);
    assert_memory_equal(s1, s2, 64);
}

/* 0 when one-shot and streaming SHA-256 agree on every length 0..300. */
static void *sha_lengths(void *arg)
{
    uint8_t buf[300], one[32], two[32];
    uintptr_t bad = 0;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 31 + (uintptr_t)arg);
    for (int round = 0; round < 20; round++)
        for (size_t n = 0; n <= sizeof buf; n++) {
            crypto_sha256(buf, n, one);
            crypto_sha256_ctx_t c;
            crypto_sha256_init(&c);
            crypto_sha256_update(&c, buf, n / 2);
            crypto_sha256_update(&c, buf + n / 2, n - n / 2);
            crypto_sha256_final(&c, two);
            bad += memcmp(one, two, 32) != 0;
        }
    return (void *)bad;
}

static void test_sha256_oneshot_threads(void **state)
{
    (void)state;
    assert_null(sha_lengths((void *)7));
    pthread_t th[4];
    for (uintptr_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, sha_lengths, (void *)i), 0);
    for (int i = 0; i < 4; i++) {
        void *bad = (void *)1;
        assert_int_equal(pthread_join(th[i], &bad), 0);
        assert_null(bad);
    }
}

static void test_hmac(void **state)
{
    (void)state;
    /* RFC 4231 test case 2 */
    uint8_t mac[32], want[32];
    crypto_hmac_sha256((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, mac);
    unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", want, 32);
    assert_memory_equal(mac, want, 32);
}

static void test_ed25519_rfc8032(void **state)
{
    (void)state;
    /* RFC 8032 §7.1 TEST 2 (one-byte message 0x72) */
    uint8_t seed[32], pk[32], sk[64], sig[64], want_pk[32], want_sig[64];
    unhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", seed, 32);
    unhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", want_pk, 32);
    unhex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
          "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
          want_sig, 64);
    crypto_ed25519_from_seed(seed, pk, sk);
    assert_memory_equal(pk, want_pk, 32);
    const uint8_t msg = 0x72;
    crypto_ed25519_sign(sk, &msg, 1, sig);
    assert_memory_equal(sig, want_sig, 64);
    assert_int_equal(crypto_ed25519_verify(pk, &msg, 1, sig), CRYPTO_OK);
    uint8_t other = 0x73;
    assert_int_equal(crypto_ed25519_verify(pk, &other, 1, sig), CRYPTO_EBADSIG);
    sig[10] ^= 1;
    assert_int_equal(crypto_ed25519_verify(pk, &msg, 1, sig), CRYPTO_EBADSIG);
    assert_true(crypto_ed25519_pk_valid(pk));
    uint8_t bad[32];
    memset(bad, 0xff, 32); /* y >= p: not a canonical point */
    assert_false(crypto_ed25519_pk_valid(bad));
}

static void test_equal_wipe_random(void **state)
{
    (void)state;
    uint8_t a[16] = {1, 2, 3}, b[16] = {1, 2, 3};
    assert_true(crypto_equal(a, b, 16));
    b[15] = 9;
    assert_false(crypto_equal(a, b, 16));
    crypto_wipe(a, sizeof a);
    uint8_t zero[16] = {0};
    assert_memory_equal(a, zero, 16);
    uint8_t r1[32], r2[32];
    crypto_random(r1, 32);
    crypto_random(r2, 32);
    assert_memory_not_equal(r1, r2, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha),
        cmocka_unit_test(test_streaming),
        cmocka_unit_test(test_hmac),
        cmocka_unit_test(test_ed25519_rfc8032),
        cmocka_unit_test(test_sha256_oneshot_threads),
        cmocka_unit_test(test_equal_wipe_random),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
