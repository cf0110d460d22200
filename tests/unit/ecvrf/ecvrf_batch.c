/*
 * Test helper for the differential test (noble/diff.mjs): runs crypto/ecvrf
 * on commands read from stdin, one per line, and prints one answer per line.
 *
 *   P SUITE SK ALPHA         -> PI                 (prove)
 *   V SUITE PK ALPHA PI      -> OK BETA | ERR CODE (verify)
 *   H SUITE PI               -> OK BETA | ERR CODE (proof_to_hash)
 *   K PK                     -> 1 | 0              (ecvrf_pk_valid)
 *   D POINT                  -> 1 | 0              (RFC 8032 strict decoding)
 *
 * SUITE is 3 or 4; byte strings are hex, ALPHA "-" when empty.
 */
#include "crypto/crypto.h"
#include "crypto/ecvrf/ecvrf.h"
#include "crypto/ecvrf/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    if (strcmp(s, "-") == 0)
        return 0;
    size_t n = strlen(s) / 2;
    if (n > cap || strlen(s) % 2) {
        fprintf(stderr, "ecvrf_batch: bad hex '%s'\n", s);
        exit(2);
    }
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            exit(2);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void put_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
}

int main(void)
{
    static char line[70000];
    static uint8_t alpha[30000];
    char op[4], suite_s[8], a[70000 / 4], b[70000 / 2], c[200];

    if (crypto_init() != 0)
        return 1;
    while (fgets(line, sizeof line, stdin)) {
        uint8_t key[32], pi[80], beta[64];
        size_t alen;
        int rc;
        if (sscanf(line, "%3s", op) != 1)
            continue;
        if (op[0] == 'P' && sscanf(line, "%*s %7s %16383s %34999s", suite_s, a, b) == 3) {
            unhex(a, key, 32);
            alen = unhex(b, alpha, sizeof alpha);
            rc = ecvrf_prove((ecvrf_suite_t)atoi(suite_s), key, alpha, alen, pi, NULL);
            if (rc)
                printf("ERR %d", rc);
            else
                put_hex(pi, 80);
        } else if (op[0] == 'V' &&
                   sscanf(line, "%*s %7s %16383s %34999s %199s", suite_s, a, b, c) == 4) {
            unhex(a, key, 32);
            alen = unhex(b, alpha, sizeof alpha);
            unhex(c, pi, 80);
            rc = ecvrf_verify((ecvrf_suite_t)atoi(suite_s), key, alpha, alen, pi, beta, NULL);
            if (rc) {
                printf("ERR %d", rc);
            } else {
                printf("OK ");
                put_hex(beta, 64);
            }
        } else if (op[0] == 'H' && sscanf(line, "%*s %7s %199s", suite_s, c) == 2) {
            unhex(c, pi, 80);
            rc = ecvrf_proof_to_hash((ecvrf_suite_t)atoi(suite_s), pi, beta, NULL);
            if (rc) {
                printf("ERR %d", rc);
            } else {
                printf("OK ");
                put_hex(beta, 64);
            }
        } else if (op[0] == 'K' && sscanf(line, "%*s %199s", c) == 1) {
            unhex(c, key, 32);
            printf("%d", ecvrf_pk_valid(key) ? 1 : 0);
        } else if (op[0] == 'D' && sscanf(line, "%*s %199s", c) == 1) {
            unhex(c, key, 32);
            printf("%d", ecvrf_point_valid(key) ? 1 : 0);
        } else {
            fprintf(stderr, "ecvrf_batch: bad command: %s", line);
            return 2;
        }
        putchar('\n');
    }
    return 0;
}
