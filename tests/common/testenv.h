/*
 * Test environment helper for C tests: strict mode, the shared test data and
 * skipping that is visible (DESIGN.md §8, issue 11).
 *
 * The convention, for every test of the project:
 *   - a test that cannot do its work because a tool or datum is missing prints
 *     "SKIP: <reason>" and exits 77 (ctest's SKIP_RETURN_CODE), never 0;
 *   - in strict mode (CI=true, as CI runs, or AETHER_STRICT=1, which
 *     `scripts/test.sh --strict` exports) the same test prints
 *     "MISSING (strict mode): <reason>" and FAILS instead.
 *
 * Plain C test (no cmocka):
 *     char p[4096];
 *     if (!testenv_shared_file("testdata/vectors/x.json", p, sizeof p))
 *         return testenv_missing("%s not found (shared test data absent)", p);
 *
 * cmocka test: a case that needs something missing calls TESTENV_SKIP(...)
 * (it skips the case, or fails it in strict mode), and main ends with
 *     return testenv_cmocka_exit(cmocka_run_group_tests(tests, NULL, NULL));
 * so that a binary with a skipped case exits 77, not 0. Cases that need
 * nothing still run. Include <cmocka.h> before using TESTENV_SKIP.
 */
#ifndef AETHER_TESTS_TESTENV_H
#define AETHER_TESTS_TESTENV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TESTENV_SKIP_CODE 77

/* True when a missing tool or datum must fail the test (CI=true or AETHER_STRICT=1). */
static inline bool testenv_strict(void)
{
    const char *ci = getenv("CI"), *st = getenv("AETHER_STRICT");
    return (ci && strcmp(ci, "true") == 0) || (st && *st && strcmp(st, "0") != 0);
}

/* The shared test data folder: $AETHER_SHARED, else ../shared (tests run from
 * the source root). Returned whether or not it exists. */
static inline const char *testenv_shared_dir(void)
{
    const char *env = getenv("AETHER_SHARED");
    return env && *env ? env : "../shared";
}

static inline bool testenv_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Writes <shared>/<rel> to out; true when that file exists. */
static inline bool testenv_shared_file(const char *rel, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", testenv_shared_dir(), rel);
    return testenv_is_file(out);
}

/* True when `name` is an executable on PATH. */
static inline bool testenv_have_tool(const char *name)
{
    const char *path = getenv("PATH");
    char buf[4096];
    if (!path)
        return false;
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, name);
        if (access(buf, X_OK) == 0)
            return true;
        path += n + (path[n] == ':');
    }
    return false;
}

/* Reasons of the cases skipped so far (printed again at exit). */
static int testenv_nskipped_;
static char testenv_reasons_[8][256];

static inline void testenv_vnote_(const char *fmt, va_list ap)
{
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (testenv_strict()) {
        fprintf(stderr, "MISSING (strict mode: CI=true or AETHER_STRICT=1): %s\n", msg);
    } else {
        fprintf(stderr, "SKIP: %s\n", msg);
        if (testenv_nskipped_ < 8)
            snprintf(testenv_reasons_[testenv_nskipped_], sizeof testenv_reasons_[0], "%s", msg);
        testenv_nskipped_++;
    }
}

/* Whole-program skip: prints the reason and returns the exit code for main:
 * 77 (skip), or 1 in strict mode. */
static inline int testenv_missing(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int testenv_missing(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    testenv_vnote_(fmt, ap);
    va_end(ap);
    return testenv_strict() ? 1 : TESTENV_SKIP_CODE;
}

/* Records a skipped part (of a case or of a plain test) without leaving;
 * returns false in strict mode, where the caller must count it a failure. */
static inline bool testenv_skip_part(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline bool testenv_skip_part(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    testenv_vnote_(fmt, ap);
    va_end(ap);
    return !testenv_strict();
}

/* Exit code for a test main whose own result is `failures` (0 = all ran ok):
 * failures win, then any skipped part makes it 77. */
static inline int testenv_exit(int failures)
{
    if (failures != 0)
        return 1;
    if (testenv_nskipped_ > 0) {
        int n = testenv_nskipped_ < 8 ? testenv_nskipped_ : 8;
        fprintf(stderr, "SKIP: %d part(s) of this test did not run:\n", testenv_nskipped_);
        for (int i = 0; i < n; i++)
            fprintf(stderr, "SKIP: %s\n", testenv_reasons_[i]);
        return TESTENV_SKIP_CODE;
    }
    return 0;
}
#define testenv_cmocka_exit(rc) testenv_exit(rc)

/* Inside a cmocka case: skip it (recording why), or fail it in strict mode. */
#define TESTENV_SKIP(...)                                                                      \
    do {                                                                                       \
        if (testenv_skip_part(__VA_ARGS__))                                                    \
            skip();                                                                            \
        else                                                                                   \
            fail_msg("required test datum or tool missing (strict mode)");                     \
    } while (0)

/* Inside a cmocka case that goes on with the parts that need nothing: record
 * the skipped part (the binary then exits 77), or fail the case in strict mode. */
#define TESTENV_SKIP_PART(...)                                                                 \
    do {                                                                                       \
        if (!testenv_skip_part(__VA_ARGS__))                                                   \
            fail_msg("required test datum or tool missing (strict mode)");                     \
    } while (0)

#endif
