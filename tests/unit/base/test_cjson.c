/* Tests of base/cjson: canonical JSON as serde_json prints it (phase §2.5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* Parses in, encodes canonically, compares with want. */
static void roundtrip(const char *in, const char *want)
{
    err_t e = {0};
    json_t *j = cjson_parse(in, strlen(in), &e);
    if (!j)
        fail_msg("parse of %s failed: %s", in, e.msg);
    char *out = cjson_encode_str(j, &e);
    assert_non_null(out);
    if (strcmp(out, want) != 0)
        fail_msg("input %s\n  got  %s\n  want %s", in, out, want);
    free(out);
    json_decref(j);
}

static void rejects(const char *in, const char *why)
{
    err_t e = {0};
    json_t *j = cjson_parse(in, strlen(in), &e);
    if (j)
        fail_msg("%s was accepted", in);
    if (!strstr(e.msg, why))
        fail_msg("%s: message '%s' does not mention '%s'", in, e.msg, why);
}

static void test_issue_example(void **state)
{
    (void)state;
    roundtrip("{\"b\":1,\"a\":{\"d\":[3,\"x\\u0001\"],\"c\":null}}",
              "{\"a\":{\"c\":null,\"d\":[3,\"x\\u0001\"]},\"b\":1}");
}

static void test_sorting_bytewise(void **state)
{
    (void)state;
    /* byte-wise: upper case before lower case, shorter prefix first, UTF-8 last */
    roundtrip("{\"b\":0,\"B\":0,\"a\":0,\"aa\":0,\"\xc3\xa9\":0,\"_\":0,\"\":0,\"10\":0,\"9\":0}",
              "{\"\":0,\"10\":0,\"9\":0,\"B\":0,\"_\":0,\"a\":0,\"aa\":0,\"b\":0,\"\xc3\xa9\":0}");
    /* keys with NUL compare by bytes too */
    roundtrip("{\"a\\u0000b\":1,\"a\":2}", "{\"a\":2,\"a\\u0000b\":1}");
}

static void test_strings(void **state)
{
    (void)state;
    /* non-ASCII and '/' raw; only quote, backslash and controls escaped */
    roundtrip("\"h\\u00e9llo / \xe2\x82\xac \\ud83d\\ude00\"", "\"h\xc3\xa9llo / \xe2\x82\xac \xf0\x9f\x98\x80\"");
    roundtrip("\"\\/\"", "\"/\"");
    roundtrip("\"\\\"\\\\\\b\\f\\n\\r\\t\"", "\"\\\"\\\\\\b\\f\\n\\r\\t\"");
    roundtrip("\"\\u0000\\u001F\\u007f\"", "\"\\u0000\\u001f\x7f\"");
    roundtrip("\"\"", "\"\"");
}

static void test_nesting_and_whitespace(void **state)
{
    (void)state;
    roundtrip(" { \"z\" : { } , \"y\" : [ ] , \"x\" : [ { } , [ [ ] ] ] } ",
              "{\"x\":[{},[[]]],\"y\":[],\"z\":{}}");
    roundtrip("[true,false,null]", "[true,false,null]");
}

static void test_numbers(void **state)
{
    (void)state;
    roundtrip("18446744073709551615", "18446744073709551615");
    roundtrip("9223372036854775807", "9223372036854775807");
    roundtrip("9223372036854775808", "9223372036854775808");
    roundtrip("-9223372036854775808", "-9223372036854775808");
    roundtrip("-42", "-42");
    roundtrip("0", "0");
    roundtrip("-0", "-0.0");            /* serde_json: -0 is the float -0.0 */
    roundtrip("18446744073709551616", "1.8446744073709552e19");
    roundtrip("1.0", "1.0");
    roundtrip("1.5", "1.5");
    roundtrip("-2.5", "-2.5");
    roundtrip("0.1", "0.1");
    roundtrip("100.0", "100.0");
    roundtrip("1e15", "1000000000000000.0");
    roundtrip("1e16", "1e16");
    roundtrip("1e21", "1e21");
    roundtrip("1.5e-7", "1.5e-7");
    roundtrip("0.00001", "0.00001");
    roundtrip("0.000001", "1e-6");
    roundtrip("123456789012345680000", "1.2345678901234568e20");
    roundtrip("1.7976931348623157e308", "1.7976931348623157e308");
    roundtrip("5e-324", "5e-324");
    roundtrip("3.14159", "3.14159");
    roundtrip("[1E2,2e+2,0.5E1]", "[100.0,200.0,5.0]");
}

static void test_u64_helpers(void **state)
{
    (void)state;
    json_t *o = json_object();
    json_object_set_new(o, "max", cjson_u64(UINT64_MAX));
    json_object_set_new(o, "small", cjson_u64(7));
    char *s = cjson_encode_str(o, NULL);
    assert_string_equal(s, "{\"max\":18446744073709551615,\"small\":7}");
    free(s);
    uint64_t v = 0;
    assert_true(cjson_get_u64(json_object_get(o, "max"), &v));
    assert_true(v == UINT64_MAX);
    assert_true(cjson_is_integer(json_object_get(o, "max")));
    assert_true(cjson_get_u64(json_object_get(o, "small"), &v));
    assert_true(v == 7);
    json_t *neg = json_integer(-1);
    assert_false(cjson_get_u64(neg, &v));
    json_t *str = json_string("18446744073709551615");
    assert_false(cjson_get_u64(str, &v)); /* a real string is never a number */
    json_decref(neg);
    json_decref(str);
    json_decref(o);
}

static void test_pretty(void **state)
{
    (void)state;
    const char *in = "{\"b\":[1,{}],\"a\":{\"c\":18446744073709551615},\"e\":[]}";
    json_t *j = cjson_parse(in, strlen(in), NULL);
    assert_non_null(j);
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(cjson_encode_pretty(j, &b, NULL), BASE_OK);
    buf_terminate(&b);
    assert_string_equal((char *)b.data, "{\n"
                                        "  \"a\": {\n"
                                        "    \"c\": 18446744073709551615\n"
                                        "  },\n"
                                        "  \"b\": [\n"
                                        "    1,\n"
                                        "    {}\n"
                                        "  ],\n"
                                        "  \"e\": []\n"
                                        "}");
    buf_free(&b);
    json_decref(j);
}

static void test_bytes(void **state)
{
    (void)state;
    const uint8_t in[] = {0, 97, 115, 109, 255};
    json_t *a = cjson_bytes(in, sizeof in);
    char *s = cjson_encode_str(a, NULL);
    assert_string_equal(s, "[0,97,115,109,255]");
    free(s);
    uint8_t *out;
    size_t n;
    assert_int_equal(cjson_get_bytes(a, SIZE_MAX, &out, &n, NULL), BASE_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(out, in, 5);
    free(out);
    err_t e;
    assert_int_equal(cjson_get_bytes(a, 32, &out, &n, &e), BASE_EINVAL);
    json_array_append_new(a, json_integer(256));
    assert_int_equal(cjson_get_bytes(a, SIZE_MAX, &out, &n, &e), BASE_EINVAL);
    assert_non_null(strstr(e.msg, "byte 5"));
    json_decref(a);
}

static void test_rejects(void **state)
{
    (void)state;
    rejects("", "unexpected end");
    rejects("{", "expected a string key");
    rejects("{\"a\":1,\"a\":2}", "duplicate key");
    rejects("[1,]", "unexpected character");
    rejects("[1 2]", "expected ','");
    rejects("01", "leading zero");
    rejects("1.", "digit expected");
    rejects("1e", "digit expected");
    rejects("-", "invalid number");
    rejects("+1", "unexpected character");
    rejects("1e400", "out of range");
    rejects("\"abc", "unterminated string");
    rejects("\"\\x\"", "invalid escape");
    rejects("\"\\ud800\"", "lone leading surrogate");
    rejects("\"\\udc00\"", "lone trailing surrogate");
    rejects("\"\\ud800\\u0041\"", "invalid surrogate");
    rejects("\"\xff\"", "invalid UTF-8");
    rejects("\"\xc0\xaf\"", "invalid UTF-8");          /* overlong '/' */
    rejects("\"\xed\xa0\x80\"", "invalid UTF-8");      /* encoded surrogate */
    rejects("\"\xf4\x90\x80\x80\"", "invalid UTF-8");  /* > U+10FFFF */
    rejects("\"a\nb\"", "control character");
    rejects("{} x", "trailing");
    rejects("nul", "invalid literal");
    rejects("NaN", "unexpected character");
    char deep[300];
    memset(deep, '[', 200);
    deep[200] = 0;
    rejects(deep, "nesting");
    err_t e;
    assert_null(cjson_parse(NULL, 0, &e));
}

static void test_phase_manifest_message(void **state)
{
    (void)state;
    /* reference/phase-original.md §2.8: the manifest signing input */
    const char *in = "{\"schema_version\":1,\"payload\":{\"kind\":\"wasm\",\"module_cid\":\"inline\","
                     "\"input\":[0,97,115,109,1,0,0,0],\"max_duration_ms\":5000,"
                     "\"max_memory_bytes\":67108864},\"created_at\":\"2026-05-27T12:00:00.123456789Z\"}";
    roundtrip(in, "{\"created_at\":\"2026-05-27T12:00:00.123456789Z\",\"payload\":{\"input\":[0,97,"
                  "115,109,1,0,0,0],\"kind\":\"wasm\",\"max_duration_ms\":5000,\"max_memory_bytes\":"
                  "67108864,\"module_cid\":\"inline\"},\"schema_version\":1}");
}

static void test_field_helpers(void **state)
{
    (void)state;
    err_t e;
    json_t *j = cjson_parse("{\"k\":\"0xA0b1\",\"short\":\"a0\",\"n\":5}", 33, &e);
    assert_non_null(j);
    uint8_t b[2];
    assert_int_equal(cjson_get_hex(j, "k", b, 2, "key", &e), 0);
    assert_int_equal(b[0], 0xa0);
    assert_int_equal(b[1], 0xb1);
    assert_int_equal(cjson_get_hex(j, "short", b, 2, "key", &e), BASE_EINVAL);
    assert_non_null(strstr(e.msg, "key: \"short\""));
    assert_int_equal(cjson_get_hex(j, "n", b, 2, "key", &e), BASE_EINVAL);
    assert_non_null(strstr(e.msg, "missing or not a string"));
    static const char *const ok[] = {"k", "short", "n", NULL}, *const fewer[] = {"k", NULL};
    assert_int_equal(cjson_check_keys(j, ok, "doc", &e), 0);
    assert_int_equal(cjson_check_keys(j, fewer, "doc", &e), BASE_EINVAL);
    assert_non_null(strstr(e.msg, "doc: unknown field"));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_example),
        cmocka_unit_test(test_sorting_bytewise),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_nesting_and_whitespace),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_u64_helpers),
        cmocka_unit_test(test_pretty),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_phase_manifest_message),
        cmocka_unit_test(test_field_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
