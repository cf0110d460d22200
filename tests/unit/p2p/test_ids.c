/* Peer ids, keys and multiaddrs against shared/testdata/vectors/libp2p-ids.json
 * (official peer-ids.md and multiaddr.feature vectors plus js-libp2p output). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "crypto/crypto.h"
#include "p2p/p2p.h"
#include "vectors.h"

static json_t *V;

static void test_seed_vectors(void **st)
{
    NEED_VECTORS();
    json_t *arr = json_object_get(V, "ed25519");
    assert_true(json_array_size(arr) > 0);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        uint8_t seed[32], pk[32], pb[64], mh[64];
        unhex(json_string_value(json_object_get(v, "seed")), seed, 32);
        unhex(json_string_value(json_object_get(v, "public_key")), pk, 32);
        size_t pbn = unhex(json_string_value(json_object_get(v, "public_key_protobuf")), pb, 64);
        size_t mhn = unhex(json_string_value(json_object_get(v, "peer_id_multihash")), mh, 64);
        p2p_key_t k;
        p2p_key_from_seed(&k, seed);
        assert_memory_equal(k.pk, pk, 32);
        uint8_t enc[P2P_ED25519_PUBKEY_PB_LEN];
        p2p_pubkey_encode(k.pk, enc);
        assert_int_equal(pbn, sizeof enc);
        assert_memory_equal(enc, pb, pbn);
        uint8_t priv[80], penc[P2P_ED25519_PRIVKEY_PB_LEN];
        size_t privn = unhex(json_string_value(json_object_get(v, "private_key_protobuf")), priv,
                             sizeof priv);
        p2p_privkey_encode(&k, penc);
        assert_int_equal(privn, sizeof penc);
        assert_memory_equal(penc, priv, privn);
        p2p_key_t k2;
        assert_int_equal(p2p_privkey_decode(priv, privn, &k2, NULL), 0);
        assert_memory_equal(k2.pk, pk, 32);
        priv[40] ^= 1; /* public half no longer matches */
        assert_int_not_equal(p2p_privkey_decode(priv, privn, &k2, NULL), 0);
        uint8_t back[32];
        assert_int_equal(p2p_pubkey_decode(pb, pbn, back, NULL), 0);
        assert_memory_equal(back, pk, 32);
        p2p_peer_id_t id, parsed, parsed_cid;
        p2p_peer_id_from_pubkey(k.pk, &id);
        assert_int_equal(id.len, mhn);
        assert_memory_equal(id.b, mh, mhn);
        char s[P2P_PEER_ID_STR_MAX];
        p2p_peer_id_format(&id, s);
        assert_string_equal(s, json_string_value(json_object_get(v, "peer_id_b58")));
        p2p_peer_id_format_cid(&id, s);
        assert_string_equal(s, json_string_value(json_object_get(v, "peer_id_cidv1_base32")));
        assert_int_equal(p2p_peer_id_parse(json_string_value(json_object_get(v, "peer_id_b58")),
                                           &parsed, NULL), 0);
        assert_true(p2p_peer_id_equal(&parsed, &id));
        assert_int_equal(p2p_peer_id_parse(json_string_value(json_object_get(v,
                                           "peer_id_cidv1_base32")), &parsed_cid, NULL), 0);
        assert_true(p2p_peer_id_equal(&parsed_cid, &id));
        assert_int_equal(p2p_peer_id_pubkey(&parsed, back, NULL), 0);
        assert_memory_equal(back, pk, 32);
    }
}

static void test_official_ids(void **st)
{
    NEED_VECTORS();
    json_t *o = json_object_get(json_object_get(V, "official_peer_ids_md"), "example_ids");
    p2p_peer_id_t a, b, c;
    err_t e;
    assert_int_equal(p2p_peer_id_parse(json_string_value(json_object_get(o,
                     "ed25519_identity_b58")), &a, &e), 0);
    assert_int_equal(p2p_peer_id_parse(json_string_value(json_object_get(o, "sha256_b58")), &b,
                                       &e), 0);
    assert_int_equal(b.len, 34);
    assert_int_equal(p2p_peer_id_parse(json_string_value(json_object_get(o, "sha256_cid")), &c,
                                       &e), 0);
    assert_true(p2p_peer_id_equal(&b, &c));
    uint8_t mh[64];
    size_t n = unhex(json_string_value(json_object_get(o, "ed25519_identity_multihash_hex")), mh,
                     64);
    p2p_peer_id_t d, f;
    assert_int_equal(p2p_peer_id_from_bytes(mh, n, &d, &e), 0);
    assert_int_equal(p2p_peer_id_parse(json_string_value(json_object_get(o,
                     "ed25519_cidv1_base32")), &f, &e), 0);
    assert_true(p2p_peer_id_equal(&d, &f));
    /* Bad input is an error naming the problem, never a crash. */
    assert_int_not_equal(p2p_peer_id_parse("12D3KooW0OIl", &a, &e), 0);
    assert_int_not_equal(p2p_peer_id_parse("bafzzz", &a, &e), 0);
    assert_int_not_equal(p2p_peer_id_parse("", &a, &e), 0);
    uint8_t bad[3] = {0x00, 0x05, 0x01};
    assert_int_not_equal(p2p_peer_id_from_bytes(bad, 3, &a, &e), 0);
    /* the official private key protobuf of peer-ids.md decodes to its public key */
    json_t *off = json_object_get(V, "official_peer_ids_md");
    uint8_t opriv[80], opub[40];
    size_t on = unhex(json_string_value(json_object_get(off, "ed25519_private_key_protobuf")),
                      opriv, sizeof opriv);
    size_t pn = unhex(json_string_value(json_object_get(off, "ed25519_public_key_protobuf")),
                      opub, sizeof opub);
    p2p_key_t ok;
    uint8_t penc[P2P_ED25519_PUBKEY_PB_LEN];
    assert_int_equal(p2p_privkey_decode(opriv, on, &ok, &e), 0);
    p2p_pubkey_encode(ok.pk, penc);
    assert_int_equal(pn, sizeof penc);
    assert_memory_equal(penc, opub, pn);
    uint8_t rsa[6] = {0x08, 0x00, 0x12, 0x02, 0x01, 0x02};
    uint8_t pk[32];
    assert_int_equal(p2p_pubkey_decode(rsa, sizeof rsa, pk, &e), P2P_EINVAL);
    assert_non_null(strstr(e.msg, "only Ed25519"));
}

static void roundtrip(const char *text, const char *hex)
{
    buf_t b, t;
    buf_init(&b, 0);
    buf_init(&t, 0);
    err_t e;
    assert_int_equal(p2p_maddr_parse(text, &b, &e), 0);
    if (hex) {
        uint8_t want[256];
        size_t n = unhex(hex, want, sizeof want);
        assert_int_equal(b.len, n);
        assert_memory_equal(b.data, want, n);
    }
    assert_int_equal(p2p_maddr_format(b.data, b.len, &t, &e), 0);
    assert_string_equal((char *)t.data, text);
    buf_free(&b);
    buf_free(&t);
}

static void test_multiaddr(void **st)
{
    json_t *arr = json_object_get(V, "official_multiaddr_feature");
    size_t i;
    json_t *v;
    if (!V)
        TESTENV_SKIP_PART("multiaddr vectors: %s", vectors_missing);
    json_array_foreach(arr, i, v)
        roundtrip(json_string_value(json_object_get(v, "string")),
                  json_string_value(json_object_get(v, "bytes")));
    roundtrip("/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5",
              "047f000001060fa1a503260024080112208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d9412"
              "1bf3748801b40f6f5c");
    roundtrip("/ip6/::1/tcp/0", NULL);
    roundtrip("/ip6/2001:db8::1/udp/53", NULL);
    roundtrip("/dns4/example.com/tcp/443", NULL);
    roundtrip("/dns/localhost/tcp/1", NULL);
    roundtrip("/dns6/a.b/tcp/1", NULL);
    roundtrip("/dnsaddr/bootstrap.libp2p.io", NULL);
    buf_t b;
    buf_init(&b, 0);
    err_t e;
    const char *bad[] = {"", "ip4/1.2.3.4", "/ip4/1.2.3", "/ip4/1.2.3.4/tcp/65536", "/tcp/-1",
                         "/foo/1", "/ip4", "/p2p/nope", "/tcp/080", "/ip4/1.2.3.4/"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_not_equal(p2p_maddr_parse(bad[k], &b, &e), 0);
        assert_int_equal(b.len, 0);
    }
    /* Binary: truncated and unknown codes are errors. */
    const uint8_t trunc[] = {0x04, 0x7f, 0x00};
    assert_int_not_equal(p2p_maddr_validate(trunc, sizeof trunc, &e), 0);
    const uint8_t unknown[] = {0x7f, 0x01};
    assert_int_not_equal(p2p_maddr_validate(unknown, sizeof unknown, &e), 0);
    const uint8_t biglen[] = {0x35, 0xff, 0x01, 'a'};
    assert_int_not_equal(p2p_maddr_validate(biglen, sizeof biglen, &e), 0);
    /* fuzz regression: a bad /p2p value without an err_t used to loop for ever */
    const uint8_t empty_p2p[] = {0xa5, 0x03, 0x00, 0x00};
    assert_int_not_equal(p2p_maddr_validate(empty_p2p, sizeof empty_p2p, NULL), 0);
    const uint8_t *pv;
    size_t pvl;
    assert_false(p2p_maddr_find(empty_p2p, sizeof empty_p2p, P2P_PROTO_P2P, &pv, &pvl));
    /* sockaddr */
    struct sockaddr_storage sa;
    assert_int_equal(p2p_maddr_parse("/ip4/127.0.0.1/tcp/4001", &b, &e), 0);
    assert_int_equal(p2p_maddr_to_sockaddr(b.data, b.len, &sa, &e), 0);
    buf_t back;
    buf_init(&back, 0);
    assert_int_equal(p2p_maddr_from_sockaddr((struct sockaddr *)&sa, &back), 0);
    assert_int_equal(back.len, b.len);
    assert_memory_equal(back.data, b.data, b.len);
    buf_free(&back);
    buf_reset(&b);
    assert_int_equal(p2p_maddr_parse("/dns4/x/tcp/1", &b, &e), 0);
    assert_int_not_equal(p2p_maddr_to_sockaddr(b.data, b.len, &sa, &e), 0);
    /* one /p2p may follow tcp; a transport we do not speak or a second peer
     * id must not be dialed as plain TCP to the first */
    static const char pid[] = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
    char txt[256];
    snprintf(txt, sizeof txt, "/ip4/127.0.0.1/tcp/1/p2p/%s", pid);
    buf_reset(&b);
    assert_int_equal(p2p_maddr_parse(txt, &b, &e), 0);
    assert_int_equal(p2p_maddr_to_sockaddr(b.data, b.len, &sa, &e), 0);
    snprintf(txt, sizeof txt, "/ip4/127.0.0.1/tcp/1/p2p/%s/p2p/%s", pid, pid);
    buf_reset(&b);
    assert_int_equal(p2p_maddr_parse(txt, &b, &e), 0);
    assert_int_not_equal(p2p_maddr_to_sockaddr(b.data, b.len, &sa, &e), 0);
    assert_non_null(strstr(e.msg, "twice"));
    buf_reset(&b);
    assert_int_equal(p2p_maddr_parse("/ip4/127.0.0.1/tcp/1/tcp/2", &b, &e), 0);
    assert_int_not_equal(p2p_maddr_to_sockaddr(b.data, b.len, &sa, &e), 0);
    buf_free(&b);
}

static void test_content_key(void **st)
{
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(p2p_content_key("hello", &b, NULL), 0);
    assert_int_equal(b.len, 34);
    assert_int_equal(b.data[0], 0x12);
    uint8_t h[32];
    crypto_sha256("hello", 5, h);
    assert_memory_equal(b.data + 2, h, 32);
    buf_reset(&b);
    /* CIDv1 raw of sha256("hello") keeps its multihash. */
    assert_int_equal(p2p_content_key("bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq",
                                     &b, NULL), 0);
    assert_int_equal(b.len, 34);
    assert_memory_equal(b.data + 2, h, 32);
    buf_free(&b);
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    V = load_vectors("libp2p-ids.json");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_vectors),
        cmocka_unit_test(test_official_ids),
        cmocka_unit_test(test_multiaddr),
        cmocka_unit_test(test_content_key),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    json_decref(V);
    return testenv_cmocka_exit(rc);
}
