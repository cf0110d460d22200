/* Helpers shared by the crypto/bls unit tests: cmocka, locating the shared
 * test data (AETHER_SHARED or ../shared), JSON vector files, hex parsing, and
 * a deterministic generator of test scalars. */
#ifndef AETHER_TEST_BLS_H
#define AETHER_TEST_BLS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/base.h"
#include "crypto/bls/internal.h"
#include "crypto/crypto.h"
#include "testenv.h"

/* Loads a file under the shared folder. When it is absent the calling case is
 * skipped (the binary then exits 77) or, in strict mode, fails; a present
 * file that does not parse fails the case. */
static inline json_t *bls_load_json(const char *rel)
{
    char path[1024];
    if (!testenv_shared_file(rel, path, sizeof path))
        TESTENV_SKIP("%s not found (shared test data absent)", path);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        fail_msg("%s does not parse: %s", path, je.text);
    return j;
}

/* "0x..." (any length up to 96 digits) to 48 big-endian bytes. */
static inline void bls_hex48(const char *s, uint8_t out[48])
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    size_t n = strlen(s);
    assert_true(n <= 96);
    char buf[97];
    memset(buf, '0', 96 - n);
    memcpy(buf + 96 - n, s, n);
    buf[96] = 0;
    err_t e;
    assert_int_equal(hex_decode(buf, 96, out, 48, &e), 0);
}

static inline void bls_fp_hex(fp_t *r, const char *s)
{
    uint8_t b[48];
    bls_hex48(s, b);
    assert_true(fp_from_bytes(r, b));
}

/* "0x<c0>,0x<c1>" */
static inline void bls_fp2_hex(fp2_t *r, const char *s)
{
    const char *comma = strchr(s, ',');
    assert_non_null(comma);
    char first[128];
    size_t n = (size_t)(comma - s);
    assert_true(n < sizeof first);
    memcpy(first, s, n);
    first[n] = 0;
    bls_fp_hex(&r->c0, first);
    bls_fp_hex(&r->c1, comma + 1);
}

/* xorshift64*: reproducible test inputs */
static inline uint64_t bls_rand64(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static inline void bls_rand_fp(fp_t *r, uint64_t *s)
{
    uint8_t b[64];
    for (int i = 0; i < 64; i += 8) {
        uint64_t v = bls_rand64(s);
        memcpy(b + i, &v, 8);
    }
    fp_from_bytes_wide(r, b);
}

static inline void bls_rand_fp2(fp2_t *r, uint64_t *s)
{
    bls_rand_fp(&r->c0, s);
    bls_rand_fp(&r->c1, s);
}

static inline void bls_rand_fp12(fp12_t *r, uint64_t *s)
{
    fp2_t *c = &r->c0.c0;
    for (int i = 0; i < 6; i++)
        bls_rand_fp2(&c[i], s);
}

/* A scalar below r (top limb masked) */
static inline void bls_rand_scalar(uint64_t k[4], uint64_t *s)
{
    for (int i = 0; i < 4; i++)
        k[i] = bls_rand64(s);
    k[3] &= 0x3fffffffffffffffULL;
}

#endif
