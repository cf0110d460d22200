/* The Noise XX core against the cacophony vectors
 * (shared/testdata/vectors/noise-xx-25519-chachapoly-sha256.json), plus the
 * libp2p handshake payload: a valid one verifies, a tampered one does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "crypto/crypto.h"
#include "p2p/internal.h"
#include "vectors.h"

static json_t *V;

static void run_vector(json_t *v)
{
    uint8_t is[32], ie[32], rs[32], re[32], pro[64], hh[32];
    unhex(json_string_value(json_object_get(v, "init_static")), is, 32);
    unhex(json_string_value(json_object_get(v, "init_ephemeral")), ie, 32);
    unhex(json_string_value(json_object_get(v, "resp_static")), rs, 32);
    unhex(json_string_value(json_object_get(v, "resp_ephemeral")), re, 32);
    size_t pn = unhex(json_string_value(json_object_get(v, "init_prologue")), pro, sizeof pro);
    unhex(json_string_value(json_object_get(v, "handshake_hash")), hh, 32);
    noise_hs_t a, b;
    noise_hs_init(&a, true, is, ie, pro, pn);
    noise_hs_init(&b, false, rs, re, pro, pn);
    noise_cipher_t a_tx, a_rx, b_tx, b_rx;
    json_t *msgs = json_object_get(v, "messages");
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m) {
        uint8_t pl[256], ct[512];
        size_t pln = unhex(json_string_value(json_object_get(m, "payload")), pl, sizeof pl);
        size_t ctn = unhex(json_string_value(json_object_get(m, "ciphertext")), ct, sizeof ct);
        bool from_init = i % 2 == 0;
        noise_hs_t *w = from_init ? &a : &b, *r = from_init ? &b : &a;
        if (i < 3) {
            buf_t out, got;
            buf_init(&out, 0);
            buf_init(&got, 0);
            err_t e;
            assert_int_equal(noise_hs_write(w, pl, pln, &out, &e), 0);
            assert_int_equal(out.len, ctn);
            assert_memory_equal(out.data, ct, ctn);
            assert_int_equal(noise_hs_read(r, out.data, out.len, &got, &e), 0);
            assert_int_equal(got.len, pln);
            assert_memory_equal(got.data, pl, pln);
            buf_free(&out);
            buf_free(&got);
            if (i == 2) {
                assert_memory_equal(a.h, hh, 32);
                assert_memory_equal(b.h, hh, 32);
                noise_hs_split(&a, &a_tx, &a_rx);
                noise_hs_split(&b, &b_tx, &b_rx);
            }
        } else {
            uint8_t out[512], back[256];
            noise_cipher_t *tx = from_init ? &a_tx : &b_tx, *rx = from_init ? &b_rx : &a_rx;
            assert_int_equal(noise_encrypt(tx, NULL, 0, pl, pln, out), 0);
            assert_int_equal(pln + NOISE_TAG, ctn);
            assert_memory_equal(out, ct, ctn);
            assert_int_equal(noise_decrypt(rx, NULL, 0, out, ctn, back), 0);
            assert_memory_equal(back, pl, pln);
        }
    }
}

static void test_cacophony(void **st)
{
    NEED_VECTORS();
    json_t *arr = json_object_get(V, "vectors");
    assert_true(json_array_size(arr) > 0);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
        run_vector(v);
}

static void test_tamper(void **st)
{
    uint8_t s1[32], s2[32];
    crypto_random(s1, 32);
    crypto_random(s2, 32);
    noise_hs_t a, b;
    noise_hs_init(&a, true, s1, NULL, NULL, 0);
    noise_hs_init(&b, false, s2, NULL, NULL, 0);
    buf_t m1, m2, pl;
    buf_init(&m1, 0);
    buf_init(&m2, 0);
    buf_init(&pl, 0);
    err_t e;
    assert_int_equal(noise_hs_write(&a, NULL, 0, &m1, &e), 0);
    assert_int_equal(noise_hs_read(&b, m1.data, m1.len, &pl, &e), 0);
    assert_int_equal(noise_hs_write(&b, (const uint8_t *)"x", 1, &m2, &e), 0);
    m2.data[40] ^= 1; /* inside the encrypted static key */
    assert_int_not_equal(noise_hs_read(&a, m2.data, m2.len, &pl, &e), 0);
    /* Short messages are errors, not reads past the end. */
    noise_hs_t c;
    noise_hs_init(&c, false, s2, NULL, NULL, 0);
    assert_int_not_equal(noise_hs_read(&c, m1.data, 10, &pl, &e), 0);
    buf_free(&m1);
    buf_free(&m2);
    buf_free(&pl);
}

static void test_libp2p_payload(void **st)
{
    p2p_key_t id;
    p2p_key_generate(&id);
    uint8_t spub[32], other[32];
    crypto_random(spub, 32);
    crypto_random(other, 32);
    buf_t pl;
    buf_init(&pl, 0);
    assert_int_equal(noise_payload_make(&id, spub, &pl), 0);
    p2p_peer_id_t peer, want;
    err_t e;
    assert_int_equal(noise_payload_check(pl.data, pl.len, spub, &peer, &e), 0);
    p2p_peer_id_from_pubkey(id.pk, &want);
    assert_true(p2p_peer_id_equal(&peer, &want));
    /* Signature over another static key: rejected. */
    assert_int_equal(noise_payload_check(pl.data, pl.len, other, &peer, &e), P2P_EAUTH);
    /* Garbage protobuf: rejected. */
    uint8_t junk[5] = {0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_not_equal(noise_payload_check(junk, sizeof junk, spub, &peer, &e), 0);
    buf_free(&pl);
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    V = load_vectors("noise-xx-25519-chachapoly-sha256.json");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cacophony),
        cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_libp2p_payload),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    json_decref(V);
    return testenv_cmocka_exit(rc);
}
