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

#include "testenv.h"

/* Loads shared/<rel> (AETHER_SHARED or ../shared). When the file is absent
 * the calling case is skipped (the binary then exits 77) or, in strict mode,
 * fails; a present file that does not parse fails the case. */
static inline json_t *load_vectors(const char *rel)
{
    char path[4096];
    json_error_t jerr;
    json_t *j;

    if (!testenv_shared_file(rel, path, sizeof path))
        TESTENV_SKIP("%s not found (shared test data absent; set AETHER_SHARED or provide ../shared)",
                     path);
    j = json_load_file(path, 0, &jerr);
    if (!j)
        fail_msg("cannot load %s: %s", path, jerr.text);
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
