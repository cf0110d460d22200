/* Tests of base/file: capped reads, atomic and exclusive writes, mkdirs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/aether-file-test-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_write_read(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/a.bin", dir);
    err_t e;
    assert_int_equal(file_write_atomic(path, "hello", 5, 0600, false, &e), BASE_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    uint8_t *data;
    size_t n;
    assert_int_equal(file_read_all(path, 100, &data, &n, &e), BASE_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(data, "hello", 5);
    assert_int_equal(data[5], 0);
    free(data);
    /* overwrite replaces */
    assert_int_equal(file_write_atomic(path, "bye", 3, 0644, false, &e), BASE_OK);
    assert_int_equal(file_read_all(path, 100, &data, &n, &e), BASE_OK);
    assert_int_equal(n, 3);
    free(data);
    /* the cap */
    assert_int_equal(file_read_all(path, 2, &data, &n, &e), BASE_ENOMEM);
    assert_null(data);
    assert_int_equal(file_read_all(path, 3, &data, &n, &e), BASE_OK);
    free(data);
    /* empty file */
    assert_int_equal(file_write_atomic(path, "", 0, 0600, false, &e), BASE_OK);
    assert_int_equal(file_read_all(path, 10, &data, &n, &e), BASE_OK);
    assert_int_equal(n, 0);
    free(data);
}

static void test_exclusive(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/key", dir);
    err_t e;
    assert_int_equal(file_write_atomic(path, "one", 3, 0600, true, &e), BASE_OK);
    assert_int_equal(file_write_atomic(path, "two", 3, 0600, true, &e), BASE_EINVAL);
    assert_non_null(strstr(e.msg, "already exists"));
    uint8_t *data;
    size_t n;
    assert_int_equal(file_read_all(path, 100, &data, &n, &e), BASE_OK);
    assert_memory_equal(data, "one", 3);
    free(data);
    /* no temp files left behind */
    char cmd[160];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", dir);
    assert_int_not_equal(system(cmd), 0);
}

static void test_errors(void **state)
{
    (void)state;
    uint8_t *data;
    size_t n;
    err_t e;
    assert_int_equal(file_read_all("/nonexistent/x", 10, &data, &n, &e), BASE_ENOENT);
    assert_non_null(strstr(e.msg, "/nonexistent/x"));
    assert_int_equal(file_read_all(dir, 10, &data, &n, &e), BASE_EINVAL);
    assert_int_equal(file_write_atomic("/nonexistent/dir/x", "a", 1, 0600, false, &e), BASE_EIO);
}

static void test_mkdirs(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    err_t e;
    assert_int_equal(file_mkdirs(path, 0700, &e), BASE_OK);
    assert_int_equal(file_mkdirs(path, 0700, &e), BASE_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    snprintf(path, sizeof path, "%s/file", dir);
    assert_int_equal(file_write_atomic(path, "x", 1, 0600, false, &e), BASE_OK);
    char sub[160];
    snprintf(sub, sizeof sub, "%s/under", path);
    assert_int_not_equal(file_mkdirs(sub, 0700, &e), BASE_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_read),
        cmocka_unit_test(test_exclusive),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_mkdirs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
