/* Tests of base/log: level parsing and the logfmt line written to stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"

static void test_levels(void **state)
{
    (void)state;
    log_level_t l;
    assert_int_equal(log_level_parse("debug", &l), BASE_OK);
    assert_int_equal(l, LOG_DEBUG);
    assert_int_equal(log_level_parse("off", &l), BASE_OK);
    assert_int_equal(l, LOG_OFF);
    assert_int_equal(log_level_parse("verbose", &l), BASE_EINVAL);
    assert_int_equal(log_level_parse(NULL, &l), BASE_EINVAL);
    log_set_level(LOG_WARN);
    assert_int_equal(log_get_level(), LOG_WARN);
}

static void capture(log_level_t lvl, const char *msg, char *out, size_t cap)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    log_msg(lvl, "test", msg, "k=%d s=%s", 42, "v");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, cap - 1, tmp);
    out[n] = 0;
    fclose(tmp);
}

static void test_line_format(void **state)
{
    (void)state;
    char out[512];
    log_set_level(LOG_INFO);
    capture(LOG_INFO, "said \"hi\"\nthere", out, sizeof out);
    assert_non_null(strstr(out, "level=info mod=test msg=\"said \\\"hi\\\"\\nthere\" k=42 s=v\n"));
    assert_memory_equal(out, "ts=", 3);
    assert_non_null(strstr(out, "Z level="));
    capture(LOG_DEBUG, "hidden", out, sizeof out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_line_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
