/* Helpers shared by the ecvrf unit tests: locating ../shared (or
 * $AETHER_SHARED), loading JSON vector files and decoding hex fields. */
#ifndef ECVRF_TESTUTIL_H
#define ECVRF_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

/* The shared data directory, or NULL when it is absent. */
static inline const char *shared_dir(void)
{
    static char dir[4096];
    struct stat st;
    const char *env = getenv("AETHER_SHARED");

    if (env && *env && stat(env, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(dir, sizeof dir, "%s", env);
        return dir;
    }
    if (stat("../shared", &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(dir, sizeof dir, "../shared");
        return dir;
    }
    return NULL;
}

/* Loads shared/<rel>; NULL (after printing why) when the data is absent. */
static inline json_t *load_vectors(const char *rel)
{
    char path[8192];
    json_error_t jerr;
    const char *dir = shared_dir();
    json_t *j;

    if (!dir) {
        print_message("SKIP: shared test data not found (set AETHER_SHARED or provide ../shared)\n");
        return NULL;
    }
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    j = json_load_file(path, 0, &jerr);
    if (!j)
        print_message("SKIP: cannot load %s: %s\n", path, jerr.text);
    return j;
}

static inline int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes a hex string (optional "0x" prefix) into out; returns its length
 * in bytes, failing the test on malformed hex or when it exceeds cap. */
static inline size_t hex_to(const char *s, uint8_t *out, size_t cap)
{
    size_t n;

    assert_non_null(s);
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    n = strlen(s);
    assert_int_equal(n % 2, 0);
    assert_true(n / 2 <= cap);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        assert_true(hi >= 0 && lo >= 0);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return n / 2;
}

/* Field `key` of object o as exactly `len` bytes. */
static inline void field_hex(const json_t *o, const char *key, uint8_t *out, size_t len)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s)
        fail_msg("vector field '%s' missing", key);
    assert_int_equal(hex_to(s, out, len), len);
}

static inline void reverse(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        uint8_t t = p[i];
        p[i] = p[n - 1 - i];
        p[n - 1 - i] = t;
    }
}

#define assert_bytes_equal(a, b, n, what)                                                   \
    do {                                                                                    \
        if (memcmp((a), (b), (n)) != 0) {                                                   \
            char ha_[2 * (n) + 1], hb_[2 * (n) + 1];                                        \
            for (size_t i_ = 0; i_ < (n); i_++) {                                           \
                snprintf(ha_ + 2 * i_, 3, "%02x", ((const uint8_t *)(a))[i_]);              \
                snprintf(hb_ + 2 * i_, 3, "%02x", ((const uint8_t *)(b))[i_]);              \
            }                                                                               \
            fail_msg("%s mismatch:\n got  %s\n want %s", (what), ha_, hb_);                 \
        }                                                                                   \
    } while (0)

#endif
