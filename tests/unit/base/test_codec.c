/* Tests of base/codec: hex, base32, base58btc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static void test_hex(void **state)
{
    (void)state;
    char out[64];
    hex_encode((const uint8_t *)"", 0, out);
    assert_string_equal(out, "");
    const uint8_t in[] = {0x00, 0x01, 0xab, 0xff};
    hex_encode(in, 4, out);
    assert_string_equal(out, "0001abff");
    uint8_t back[4];
    err_t e;
    assert_int_equal(hex_decode("0001ABff", 8, back, 4, &e), BASE_OK);
    assert_memory_equal(back, in, 4);
    assert_int_equal(hex_decode("000", 3, back, 2, &e), BASE_EINVAL);
    assert_non_null(strstr(e.msg, "odd length"));
    assert_int_equal(hex_decode("00zz", 4, back, 2, &e), BASE_EINVAL);
    assert_non_null(strstr(e.msg, "offset 2"));
    assert_int_equal(hex_decode("0001", 4, back, 3, &e), BASE_EINVAL);
    assert_int_equal(hex_decode("", 0, back, 0, &e), BASE_OK);
    uint8_t *p;
    size_t n;
    assert_int_equal(hex_decode_alloc("deadbeef", 8, &p, &n, &e), BASE_OK);
    assert_int_equal(n, 4);
    assert_int_equal(p[0], 0xde);
    free(p);
    assert_int_equal(hex_decode_alloc("de ad", 5, &p, &n, &e), BASE_EINVAL);
    assert_null(p);
    assert_int_equal(hex_decode_alloc("g0", 2, &p, &n, &e), BASE_EINVAL);
    assert_non_null(strstr(e.msg, "offset 0"));
}

/* RFC 4648 §10 vectors, lower case and without padding. */
static void test_base32_rfc4648(void **state)
{
    (void)state;
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *want[] = {"", "my", "mzxq", "mzxw6", "mzxw6yq", "mzxw6ytb", "mzxw6ytboi"};
    for (int i = 0; i < 7; i++) {
        char out[32];
        size_t n = strlen(in[i]);
        base32_encode((const uint8_t *)in[i], n, out);
        assert_string_equal(out, want[i]);
        assert_int_equal(base32_encoded_len(n), strlen(want[i]));
        uint8_t back[16];
        size_t blen;
        assert_int_equal(base32_decode(want[i], strlen(want[i]), back, sizeof back, &blen, NULL),
                         BASE_OK);
        assert_int_equal(blen, n);
        assert_memory_equal(back, in[i], n);
    }
    uint8_t back[16];
    size_t blen;
    assert_int_equal(base32_decode("MZXW6YTBOI", 10, back, sizeof back, &blen, NULL), BASE_OK);
    assert_memory_equal(back, "foobar", 6);
}

static void test_base32_rejects(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t n;
    err_t e;
    assert_int_equal(base32_decode("m", 1, out, sizeof out, &n, &e), BASE_EINVAL);
    assert_non_null(strstr(e.msg, "length"));
    assert_int_equal(base32_decode("mzx", 3, out, sizeof out, &n, &e), BASE_EINVAL);
    assert_int_equal(base32_decode("mz=q", 4, out, sizeof out, &n, &e), BASE_EINVAL);
    assert_non_null(strstr(e.msg, "offset 2"));
    assert_int_equal(base32_decode("mz", 2, out, sizeof out, &n, &e), BASE_EINVAL); /* trailing bits */
    assert_non_null(strstr(e.msg, "trailing"));
    assert_int_equal(base32_decode("mzxw6ytboi", 10, out, 5, &n, &e), BASE_ERANGE);
}

static void test_base58(void **state)
{
    (void)state;
    struct {
        const char *hex, *b58;
    } v[] = {
        {"", ""},
        {"61", "2g"},
        {"626262", "a3gV"},
        {"636363", "aPEr"},
        {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
        {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
        {"516b6fcd0f", "ABnLTmg"},
        {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
        {"572e4794", "3EFU7m"},
        {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
        {"10c8511e", "Rt5zm"},
        {"00000000000000000000", "1111111111"},
        {"0000", "11"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t raw[64];
        size_t rlen = strlen(v[i].hex) / 2;
        assert_int_equal(hex_decode(v[i].hex, strlen(v[i].hex), raw, rlen, NULL), BASE_OK);
        char out[128];
        size_t n = base58_encode(raw, rlen, out);
        assert_string_equal(out, v[i].b58);
        assert_int_equal(n, strlen(v[i].b58));
        uint8_t back[64];
        size_t blen;
        assert_int_equal(base58_decode(v[i].b58, strlen(v[i].b58), back, sizeof back, &blen, NULL),
                         BASE_OK);
        assert_int_equal(blen, rlen);
        assert_memory_equal(back, raw, rlen);
    }
}

static void test_base58_rejects(void **state)
{
    (void)state;
    uint8_t out[64];
    size_t n;
    err_t e;
    assert_int_equal(base58_decode("0abc", 4, out, sizeof out, &n, &e), BASE_EINVAL); /* '0' */
    assert_non_null(strstr(e.msg, "offset 0"));
    assert_int_equal(base58_decode("abIl", 4, out, sizeof out, &n, &e), BASE_EINVAL);
    assert_int_equal(base58_decode("ab\0c", 4, out, sizeof out, &n, &e), BASE_EINVAL);
    assert_int_equal(base58_decode("2cFupjhnEsSn59qHXstmK2ffpLv2", 28, out, 4, &n, &e), BASE_ERANGE);
    char big[BASE58_MAX_INPUT + 2];
    memset(big, 'z', sizeof big);
    assert_int_equal(base58_decode(big, sizeof big, out, sizeof out, &n, &e), BASE_EINVAL);
}

static void test_base58_peer_id(void **state)
{
    (void)state;
    /* A 38-byte identity multihash (Ed25519 key protobuf) encodes to 12D3KooW... */
    uint8_t mh[38] = {0x00, 0x24, 0x08, 0x01, 0x12, 0x20};
    char out[128];
    base58_encode(mh, sizeof mh, out);
    assert_memory_equal(out, "12D3KooW", 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_base32_rfc4648),
        cmocka_unit_test(test_base32_rejects),
        cmocka_unit_test(test_base58),
        cmocka_unit_test(test_base58_rejects),
        cmocka_unit_test(test_base58_peer_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
