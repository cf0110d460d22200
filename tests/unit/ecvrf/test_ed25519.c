/*
 * Unit tests of crypto/ecvrf's Ed25519 verification (ed25519.c): the RFC 8032
 * §7.1 vectors (tests/unit/ecvrf/rfc8032_ed25519.json) alone and in a batch,
 * batches with one and with several bad signatures found among valid ones,
 * the decoding rules (S >= L, small-order R and A, non-canonical A), and the
 * point of the cofactored rule: a signature whose [S]B - [k]A - R is a point
 * of order 8 is refused by libsodium but accepted here, alone and by the
 * batch equation, every time (a cofactorless batch would accept it 1 time in
 * 8 and refuse it otherwise).
 */
#include "testutil.h"

#include "crypto/crypto.h"
#include "crypto/ecvrf/ecvrf.h"
#include "crypto/ecvrf/internal.h"

#include <sodium.h>

/* A point of order 8 (in libsodium's list of small-order encodings). */
static const char *order8_hex = "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05";

typedef struct sigd {
    uint8_t pk[32], sk[64], msg[40], sig[64];
    size_t msg_len;
} sigd_t;

static void make_sig(sigd_t *s, unsigned i)
{
    uint8_t seed[32];
    memset(seed, 0, sizeof seed);
    seed[0] = (uint8_t)i;
    seed[1] = (uint8_t)(i >> 8);
    seed[2] = 0x5a;
    crypto_ed25519_from_seed(seed, s->pk, s->sk);
    s->msg_len = 1 + i % sizeof s->msg;
    for (size_t k = 0; k < s->msg_len; k++)
        s->msg[k] = (uint8_t)(i * 7 + k);
    crypto_ed25519_sign(s->sk, s->msg, s->msg_len, s->sig);
}

static ecvrf_ed25519_item_t item(const sigd_t *s)
{
    ecvrf_ed25519_item_t it = {s->pk, s->msg, s->msg_len, s->sig};
    return it;
}

static void test_rfc8032(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *root = json_load_file("tests/unit/ecvrf/rfc8032_ed25519.json", 0, &jerr);
    if (!root)
        fail_msg("cannot load tests/unit/ecvrf/rfc8032_ed25519.json: %s", jerr.text);
    json_t *vecs = json_object_get(root, "vectors");
    size_t n = json_array_size(vecs);
    assert_int_equal(n, 3);
    uint8_t pk[3][32], sk[3][32], msg[3][8], sig[3][64], pk2[32], skx[64], sig2[64];
    size_t mlen[3];
    ecvrf_ed25519_item_t items[3];
    bool ok[3];
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(vecs, i);
        field_hex(v, "secret_key", sk[i], 32);
        field_hex(v, "public_key", pk[i], 32);
        field_hex(v, "signature", sig[i], 64);
        mlen[i] = hex_to(json_string_value(json_object_get(v, "message")), msg[i], sizeof msg[i]);
        /* the vector is what libsodium produces, so the data file is right */
        crypto_ed25519_from_seed(sk[i], pk2, skx);
        assert_memory_equal(pk2, pk[i], 32);
        crypto_ed25519_sign(skx, msg[i], mlen[i], sig2);
        assert_memory_equal(sig2, sig[i], 64);
        assert_int_equal(ecvrf_ed25519_verify(pk[i], msg[i], mlen[i], sig[i]), 0);
        items[i] = (ecvrf_ed25519_item_t){pk[i], msg[i], mlen[i], sig[i]};
        /* another message, another key */
        uint8_t other = 0x55;
        assert_int_equal(ecvrf_ed25519_verify(pk[i], &other, 1, sig[i]), ECVRF_EVERIFY);
        assert_int_equal(ecvrf_ed25519_verify(pk[(i + 1) % 3], msg[i], mlen[i], sig[i]),
                         ECVRF_EVERIFY);
    }
    assert_int_equal(ecvrf_ed25519_verify_batch(items, 3, ok), 0);
    assert_true(ok[0] && ok[1] && ok[2]);
    assert_true(ed25519_batch_equation(items, 3));
    /* TEST 2's signature under TEST 3's message: the batch finds it */
    items[1].msg = msg[2];
    items[1].msg_len = mlen[2];
    assert_false(ed25519_batch_equation(items, 3));
    assert_int_equal(ecvrf_ed25519_verify_batch(items, 3, ok), 1);
    assert_true(ok[0] && !ok[1] && ok[2]);
    json_decref(root);
}

static void test_batch_finds_bad(void **state)
{
    (void)state;
    enum { N = 150 };
    sigd_t *s = calloc(N, sizeof *s);
    ecvrf_ed25519_item_t it[N];
    bool ok[N];
    assert_non_null(s);
    for (unsigned i = 0; i < N; i++) {
        make_sig(&s[i], i);
        it[i] = item(&s[i]);
    }
    /* all valid: sizes around the 64-signature chunk */
    const size_t sizes[] = {0, 1, 2, 63, 64, 65, 128, N};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        memset(ok, 0, sizeof ok);
        assert_int_equal(ecvrf_ed25519_verify_batch(it, sizes[k], ok), 0);
        for (size_t i = 0; i < sizes[k]; i++)
            assert_true(ok[i]);
    }
    assert_true(ed25519_batch_equation(it, 64));
    /* one bad signature (a flipped bit of S) among 150 */
    s[77].sig[40] ^= 0x04;
    assert_false(ed25519_batch_equation(it + 64, 64));
    assert_int_equal(ecvrf_ed25519_verify_batch(it, N, ok), 1);
    for (size_t i = 0; i < N; i++)
        assert_true(ok[i] == (i != 77));
    /* and three more: R changed, message changed, wrong key */
    s[3].sig[0] ^= 0x01;
    s[100].msg[0] ^= 0x80;
    it[149].pk = s[148].pk;
    assert_int_equal(ecvrf_ed25519_verify_batch(it, N, ok), 4);
    for (size_t i = 0; i < N; i++)
        assert_true(ok[i] == (i != 3 && i != 77 && i != 100 && i != 149));
    /* NULL buffers are invalid items, not crashes */
    it[5].sig = NULL;
    assert_int_equal(ecvrf_ed25519_verify_batch(it, 10, ok), 2);
    assert_false(ok[5]);
    assert_int_equal(ecvrf_ed25519_verify(NULL, s[0].msg, 1, s[0].sig), ECVRF_EINVAL);
    free(s);
}

static void test_decoding_rules(void **state)
{
    (void)state;
    sigd_t s[4];
    ecvrf_ed25519_item_t it[4];
    bool ok[4];
    for (unsigned i = 0; i < 4; i++) {
        make_sig(&s[i], 1000 + i);
        it[i] = item(&s[i]);
    }
    /* S + L: the same point equation, but S is not canonical */
    sigd_t t = s[1];
    static const uint8_t l[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                  0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                  0, 0, 0, 0, 0x10};
    unsigned c = 0;
    for (int k = 0; k < 32; k++) {
        c += t.sig[32 + k] + l[k];
        t.sig[32 + k] = (uint8_t)c;
        c >>= 8;
    }
    assert_int_equal(c, 0);
    assert_int_equal(ecvrf_ed25519_verify(t.pk, t.msg, t.msg_len, t.sig), ECVRF_EVERIFY);
    it[1] = item(&t);
    assert_int_equal(ecvrf_ed25519_verify_batch(it, 4, ok), 1);
    assert_false(ok[1]);
    /* R of small order (the identity) with S = k*a would satisfy the
     * equation: refused by rule 2 */
    sigd_t u = s[2];
    memset(u.sig, 0, 32);
    u.sig[0] = 1;
    assert_int_equal(ecvrf_ed25519_verify(u.pk, u.msg, u.msg_len, u.sig), ECVRF_EVERIFY);
    /* A of small order, A non-canonical (y >= p) */
    uint8_t small[32];
    hex_to(order8_hex, small, 32);
    assert_int_equal(ecvrf_ed25519_verify(small, s[3].msg, s[3].msg_len, s[3].sig),
                     ECVRF_EVERIFY);
    uint8_t noncanon[32];
    memset(noncanon, 0xff, 32);
    noncanon[31] = 0x7f;
    assert_int_equal(ecvrf_ed25519_verify(noncanon, s[3].msg, s[3].msg_len, s[3].sig),
                     ECVRF_EVERIFY);
    it[2] = item(&u);
    it[3].pk = small;
    assert_int_equal(ecvrf_ed25519_verify_batch(it, 4, ok), 3);
    assert_true(ok[0] && !ok[1] && !ok[2] && !ok[3]);
}

/* A signature made with R = [r]B + T, T of order 8: [S]B - [k]A - R = -T. */
static void make_torsion_sig(sigd_t *s, unsigned i)
{
    uint8_t seed[32] = {0x77, (uint8_t)i}, h[64], a[32], r[32], k[32], t[32];
    ge25519_t rp, tp;
    crypto_ed25519_from_seed(seed, s->pk, s->sk);
    crypto_hash_sha512(h, seed, 32);
    h[0] &= 248;
    h[31] &= 127;
    h[31] |= 64;
    uint8_t wide[64] = {0};
    memcpy(wide, h, 32);
    crypto_core_ed25519_scalar_reduce(a, wide);   /* the secret scalar mod L */
    crypto_core_ed25519_scalar_random(r);
    assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(t, r), 0);
    assert_true(ge25519_frombytes(&rp, t));
    hex_to(order8_hex, t, 32);
    assert_true(ge25519_frombytes(&tp, t));
    ge25519_add(&rp, &rp, &tp);
    ge25519_tobytes(s->sig, &rp);
    s->msg_len = 5;
    memcpy(s->msg, "hello", 5);
    crypto_hash_sha512_state hs;
    crypto_hash_sha512_init(&hs);
    crypto_hash_sha512_update(&hs, s->sig, 32);
    crypto_hash_sha512_update(&hs, s->pk, 32);
    crypto_hash_sha512_update(&hs, s->msg, s->msg_len);
    crypto_hash_sha512_final(&hs, h);
    crypto_core_ed25519_scalar_reduce(k, h);
    crypto_core_ed25519_scalar_mul(t, k, a);
    crypto_core_ed25519_scalar_add(s->sig + 32, r, t);
}

static void test_cofactored_rule(void **state)
{
    (void)state;
    /* T really has order 8 */
    uint8_t tb[32];
    ge25519_t tp, q;
    hex_to(order8_hex, tb, 32);
    assert_true(ge25519_frombytes(&tp, tb));
    ge25519_dbl(&q, &tp);
    ge25519_dbl(&q, &q);
    assert_false(ge25519_is_identity(&q));
    ge25519_dbl(&q, &q);
    assert_true(ge25519_is_identity(&q));

    enum { N = 8 };
    sigd_t s[N];
    ecvrf_ed25519_item_t it[N];
    bool ok[N];
    for (unsigned i = 0; i < N; i++) {
        make_sig(&s[i], 2000 + i);
        it[i] = item(&s[i]);
    }
    make_torsion_sig(&s[4], 1);
    /* libsodium refuses it (cofactorless), this module accepts it */
    assert_int_not_equal(crypto_sign_ed25519_verify_detached(s[4].sig, s[4].msg, s[4].msg_len,
                                                             s[4].pk),
                         0);
    assert_int_equal(ecvrf_ed25519_verify(s[4].pk, s[4].msg, s[4].msg_len, s[4].sig), 0);
    /* the batch equation accepts it every time, whatever the random z_i */
    for (int k = 0; k < 64; k++)
        assert_true(ed25519_batch_equation(it, N));
    assert_int_equal(ecvrf_ed25519_verify_batch(it, N, ok), 0);
    for (int i = 0; i < N; i++)
        assert_true(ok[i]);
    /* and changing its message still breaks it */
    s[4].msg[0] ^= 1;
    assert_false(ed25519_batch_equation(it, N));
    assert_int_equal(ecvrf_ed25519_verify(s[4].pk, s[4].msg, s[4].msg_len, s[4].sig),
                     ECVRF_EVERIFY);
}

/* Two valid keys that share a slot of the decoded-key cache (the slot is
 * the first four bytes mod ED25519_KEY_CACHE): each signature is still
 * checked against its own key, in any order. */
static void test_key_cache_collision(void **state)
{
    (void)state;
    sigd_t x, y;
    unsigned i = 5000;
    make_sig(&x, i);
    do {
        make_sig(&y, ++i);
    } while (load_le32(y.pk) % ED25519_KEY_CACHE != load_le32(x.pk) % ED25519_KEY_CACHE &&
             i < 5000 + 2000000);
    assert_true(load_le32(y.pk) % ED25519_KEY_CACHE == load_le32(x.pk) % ED25519_KEY_CACHE);
    ecvrf_ed25519_item_t it[4] = {item(&x), item(&y), item(&x), item(&y)};
    bool ok[4];
    for (int round = 0; round < 3; round++) {
        assert_int_equal(ecvrf_ed25519_verify_batch(it, 4, ok), 0);
        assert_true(ed25519_batch_equation(it, 2));
        assert_true(ed25519_batch_equation(it + 1, 2));
    }
    /* x's signature under y's key (cached in that slot now) is refused */
    it[2].pk = y.pk;
    assert_int_equal(ecvrf_ed25519_verify_batch(it, 4, ok), 1);
    assert_false(ok[2]);
    assert_false(ed25519_batch_equation(it + 2, 2));
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032),
        cmocka_unit_test(test_batch_finds_bad),
        cmocka_unit_test(test_decoding_rules),
        cmocka_unit_test(test_cofactored_rule),
        cmocka_unit_test(test_key_cache_collision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
