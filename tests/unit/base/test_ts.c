/* Tests of base/ts: chrono-compatible RFC 3339 timestamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/base.h"

static void fmt_is(int64_t sec, uint32_t nsec, const char *want)
{
    char out[TS_STR_MAX];
    ts_t t = {sec, nsec};
    int n = ts_format(t, out);
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(out, want);
}

static void test_format_digits(void **state)
{
    (void)state;
    /* 2026-05-27T12:00:00Z = 1779883200 */
    fmt_is(1779883200, 0, "2026-05-27T12:00:00Z");
    fmt_is(1779883200, 123000000, "2026-05-27T12:00:00.123Z");
    fmt_is(1779883200, 100000000, "2026-05-27T12:00:00.100Z");
    fmt_is(1779883200, 123456000, "2026-05-27T12:00:00.123456Z");
    fmt_is(1779883200, 1000, "2026-05-27T12:00:00.000001Z");
    fmt_is(1779883200, 123456789, "2026-05-27T12:00:00.123456789Z");
    fmt_is(1779883200, 1, "2026-05-27T12:00:00.000000001Z");
    fmt_is(0, 0, "1970-01-01T00:00:00Z");
    fmt_is(-1, 0, "1969-12-31T23:59:59Z");
    fmt_is(951782400, 0, "2000-02-29T00:00:00Z");
    fmt_is(253402300799LL, 999999999, "9999-12-31T23:59:59.999999999Z");
    char out[TS_STR_MAX];
    ts_t big = {253402300800LL, 0};
    assert_int_equal(ts_format(big, out), BASE_ERANGE);
    ts_t badns = {0, 1000000000u};
    assert_int_equal(ts_format(badns, out), BASE_ERANGE);
}

static void parse_is(const char *in, int64_t sec, uint32_t nsec)
{
    ts_t t;
    err_t e;
    if (ts_parse(in, strlen(in), &t, &e) != BASE_OK)
        fail_msg("%s: %s", in, e.msg);
    assert_true(t.sec == sec);
    assert_int_equal(t.nsec, nsec);
}

static void test_parse(void **state)
{
    (void)state;
    parse_is("2026-05-27T12:00:00Z", 1779883200, 0);
    parse_is("2026-05-27T12:00:00.5Z", 1779883200, 500000000);
    parse_is("2026-05-27t12:00:00.123456789z", 1779883200, 123456789);
    parse_is("2026-05-27T14:00:00+02:00", 1779883200, 0);
    parse_is("2026-05-27T11:30:00-00:30", 1779883200, 0);
    parse_is("2026-05-27 12:00:00.1234567891Z", 1779883200, 123456789);
    /* normalisation: parse then format gives chrono's form */
    ts_t t;
    char out[TS_STR_MAX];
    assert_int_equal(ts_parse("2026-05-27T14:00:00.120+02:00", 29, &t, NULL), BASE_OK);
    ts_format(t, out);
    assert_string_equal(out, "2026-05-27T12:00:00.120Z");
}

static void test_parse_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"", "2026-05-27", "2026-05-27T12:00:00", "2026-13-01T00:00:00Z",
                         "2026-02-29T00:00:00Z", "2026-05-27T24:00:00Z", "2026-05-27T12:60:00Z",
                         "2026-05-27T23:59:60Z", "2026-05-27T12:00:00.Z", "2026-05-27T12:00:00Zx",
                         "2026-05-27T12:00:00+2:00", "26-05-27T12:00:00Z", "2026-05-27X12:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ts_t t;
        err_t e = {0};
        if (ts_parse(bad[i], strlen(bad[i]), &t, &e) == BASE_OK)
            fail_msg("'%s' was accepted", bad[i]);
        assert_true(strlen(e.msg) > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_digits),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
