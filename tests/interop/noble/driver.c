/*
 * Differential test driver: checks crypto/bls against the case file written by
 * gen_cases.mjs (expected values from @noble/curves, KeyGen from blst). Reads
 * every line, runs the same operation in C and compares bytes and verdicts.
 * Prints per-kind counts and the first mismatches; exits 1 on any mismatch or
 * when fewer than MIN_CASES cases were checked.
 *
 * Usage: bls_noble_driver CASE_FILE [MIN_CASES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "crypto/bls/bls.h"
#include "crypto/bls/internal.h"
#include "crypto/crypto.h"

#define MAX_TOK 8
#define MAX_LIST 64

typedef struct {
    uint8_t *p;
    size_t n;
} bytes_t;

static int n_fail;
static size_t lineno;

static void fail(const char *kind, const char *what)
{
    if (n_fail < 20)
        fprintf(stderr, "MISMATCH line %zu (%s): %s\n", lineno, kind, what);
    n_fail++;
}

/* "x<hex>" -> bytes (malloc'd; caller frees) */
static int parse_hex(const char *tok, bytes_t *out)
{
    err_t e;
    if (tok[0] != 'x')
        return -1;
    out->p = NULL;
    out->n = 0;
    if (!tok[1]) {
        out->p = malloc(1);
        return out->p ? 0 : -1;
    }
    return hex_decode_alloc(tok + 1, strlen(tok + 1), &out->p, &out->n, &e);
}

/* comma-separated list or "[]" */
static int parse_list(char *tok, bytes_t *items, size_t *n)
{
    *n = 0;
    if (strcmp(tok, "[]") == 0)
        return 0;
    for (char *save = NULL, *it = strtok_r(tok, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
        if (*n == MAX_LIST || parse_hex(it, &items[*n]) != 0)
            return -1;
        (*n)++;
    }
    return 0;
}

static void free_list(bytes_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i].p);
}

static int expect_bytes(const char *tok, const uint8_t *got, size_t n)
{
    bytes_t want;
    if (parse_hex(tok, &want) != 0)
        return -1;
    int same = want.n == n && memcmp(want.p, got, n) == 0;
    free(want.p);
    return same;
}

/* Checks that each element has the given size; copies into a flat array. */
static uint8_t *flatten(const bytes_t *items, size_t n, size_t size)
{
    uint8_t *flat = malloc(n * size + 1);
    if (!flat)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (items[i].n != size) {
            free(flat);
            return NULL;
        }
        memcpy(flat + i * size, items[i].p, size);
    }
    return flat;
}

enum { K_SIGN, K_VERIFY, K_PK, K_G1, K_G2, K_AGG, K_AGGV, K_FAST, K_POPP, K_POPV, K_HASH,
       K_KEYGEN, K_BATCH, K_COUNT };
static const char *kinds[K_COUNT] = {"sign", "verify", "pk", "g1", "g2", "aggregate",
                                     "aggverify", "fastagg", "popprove", "popverify", "hash",
                                     "keygen", "batch"};
static size_t counts[K_COUNT];

static void run_case(int kind, char **t, int nt)
{
    static const uint8_t dst[] = BLS_DST_SIG;
    bytes_t a = {0}, b = {0}, c = {0};
    bytes_t la[MAX_LIST], lb[MAX_LIST], lc[MAX_LIST];
    size_t na = 0, nb = 0, nc = 0;
    uint8_t out[96];
    err_t e;
    int rc;
    const char *k = kinds[kind];
    static const int want_tok[K_COUNT] = {5, 5, 3, 3, 3, 3, 5, 5, 3, 4, 3, 3, 5};
    if (nt != want_tok[kind]) {
        fail(k, "wrong number of fields");
        return;
    }
    switch (kind) {
    case K_SIGN:  /* sign sk msg pk sig */
        if (parse_hex(t[1], &a) || parse_hex(t[2], &b) || a.n != 32) {
            fail(k, "bad fields");
            break;
        }
        if (bls_sk_to_pk(out, a.p, &e) != 0 || expect_bytes(t[3], out, 48) != 1)
            fail(k, "public key differs");
        if (bls_sign(out, a.p, b.p, b.n, &e) != 0 || expect_bytes(t[4], out, 96) != 1)
            fail(k, "signature differs");
        free(c.p);
        if (parse_hex(t[3], &c) || c.n != 48 || bls_verify(c.p, b.p, b.n, out, &e) != 0)
            fail(k, "own signature does not verify");
        break;
    case K_VERIFY:  /* verify pk msg sig v */
        if (parse_hex(t[1], &a) || parse_hex(t[2], &b) || parse_hex(t[3], &c) || a.n != 48 ||
            c.n != 96) {
            fail(k, "bad fields");
            break;
        }
        rc = bls_verify(a.p, b.p, b.n, c.p, &e);
        if ((rc == 0) != (t[4][0] == '1'))
            fail(k, rc == 0 ? "accepted, noble rejects" : e.msg);
        break;
    case K_PK:  /* pk sk out|ERR */
        if (parse_hex(t[1], &a) || a.n != 32) {
            fail(k, "bad fields");
            break;
        }
        rc = bls_sk_to_pk(out, a.p, &e);
        if (strcmp(t[2], "ERR") == 0 ? rc == 0 : (rc != 0 || expect_bytes(t[2], out, 48) != 1))
            fail(k, rc == 0 ? "public key differs or accepted a bad key" : e.msg);
        break;
    case K_G1:
    case K_G2: {  /* gN enc out|ERR: decode, re-encode */
        size_t n = kind == K_G1 ? 48 : 96;
        if (parse_hex(t[1], &a) || a.n != n) {
            fail(k, "bad fields");
            break;
        }
        const char *why = NULL;
        bool ok;
        if (kind == K_G1) {
            g1_t p;
            ok = g1_decompress(&p, a.p, &why);
            if (ok)
                g1_compress(out, &p);
            if ((bls_g1_check(a.p, &e) == 0) != ok)
                fail(k, "bls_g1_check disagrees with g1_decompress");
        } else {
            g2_t p;
            ok = g2_decompress(&p, a.p, &why);
            if (ok)
                g2_compress(out, &p);
            if ((bls_g2_check(a.p, &e) == 0) != ok)
                fail(k, "bls_g2_check disagrees with g2_decompress");
        }
        if (strcmp(t[2], "ERR") == 0) {
            if (ok)
                fail(k, "accepted an encoding noble/ZCash rules reject");
        } else if (!ok) {
            fail(k, why);
        } else if (expect_bytes(t[2], out, n) != 1) {
            fail(k, "re-encoding differs");
        }
        break;
    }
    case K_AGG: {  /* aggregate sigs out|ERR */
        if (parse_list(t[1], la, &na)) {
            fail(k, "bad fields");
            break;
        }
        uint8_t *flat = flatten(la, na, 96);
        rc = flat ? bls_aggregate(out, (const uint8_t(*)[96])flat, na, &e) : -1;
        if (strcmp(t[2], "ERR") == 0 ? rc == 0 : (rc != 0 || expect_bytes(t[2], out, 96) != 1))
            fail(k, rc == 0 ? "aggregate differs or accepted bad input" : e.msg);
        free(flat);
        break;
    }
    case K_AGGV:   /* aggverify pks msgs sig v */
    case K_BATCH: { /* batch pks msgs sigs v */
        if (parse_list(t[1], la, &na) || parse_list(t[2], lb, &nb) || na != nb ||
            (kind == K_AGGV ? parse_hex(t[3], &c) : parse_list(t[3], lc, &nc))) {
            fail(k, "bad fields");
            break;
        }
        uint8_t *pks = flatten(la, na, 48);
        const uint8_t *msgs[MAX_LIST];
        size_t lens[MAX_LIST];
        for (size_t i = 0; i < nb; i++) {
            msgs[i] = lb[i].p;
            lens[i] = lb[i].n;
        }
        if (kind == K_AGGV) {
            rc = pks && c.n == 96
                     ? bls_aggregate_verify((const uint8_t(*)[48])pks, msgs, lens, na, c.p, &e)
                     : -1;
        } else {
            uint8_t *sigs = flatten(lc, nc, 96);
            rc = pks && sigs && nc == na
                     ? bls_batch_verify((const uint8_t(*)[48])pks, msgs, lens,
                                        (const uint8_t(*)[96])sigs, na, &e)
                     : -1;
            free(sigs);
        }
        if ((rc == 0) != (t[4][0] == '1'))
            fail(k, rc == 0 ? "accepted, noble rejects" : e.msg);
        free(pks);
        break;
    }
    case K_FAST: {  /* fastagg pks msg sig v */
        if (parse_list(t[1], la, &na) || parse_hex(t[2], &b) || parse_hex(t[3], &c) ||
            c.n != 96) {
            fail(k, "bad fields");
            break;
        }
        uint8_t *pks = flatten(la, na, 48);
        rc = pks ? bls_fast_aggregate_verify((const uint8_t(*)[48])pks, na, b.p, b.n, c.p, &e)
                 : -1;
        if ((rc == 0) != (t[4][0] == '1'))
            fail(k, rc == 0 ? "accepted, noble rejects" : e.msg);
        free(pks);
        break;
    }
    case K_POPP:  /* popprove sk proof */
        if (parse_hex(t[1], &a) || a.n != 32) {
            fail(k, "bad fields");
            break;
        }
        if (bls_pop_prove(out, a.p, &e) != 0 || expect_bytes(t[2], out, 96) != 1)
            fail(k, "proof differs");
        break;
    case K_POPV:  /* popverify pk proof v */
        if (parse_hex(t[1], &a) || parse_hex(t[2], &b) || a.n != 48 || b.n != 96) {
            fail(k, "bad fields");
            break;
        }
        rc = bls_pop_verify(a.p, b.p, &e);
        if ((rc == 0) != (t[3][0] == '1'))
            fail(k, rc == 0 ? "accepted, noble rejects" : e.msg);
        break;
    case K_HASH:  /* hash msg point */
        if (parse_hex(t[1], &a)) {
            fail(k, "bad fields");
            break;
        }
        if (bls_hash_to_g2_bytes(out, a.p, a.n, dst, sizeof dst - 1, &e) != 0 ||
            expect_bytes(t[2], out, 96) != 1)
            fail(k, "hash_to_G2 differs");
        break;
    case K_KEYGEN:  /* keygen ikm sk */
        if (parse_hex(t[1], &a)) {
            fail(k, "bad fields");
            break;
        }
        if (bls_keygen(out, a.p, a.n, NULL, 0, NULL, 0, &e) != 0 ||
            expect_bytes(t[2], out, 32) != 1)
            fail(k, "secret key differs from blst's KeyGen");
        break;
    }
    free(a.p);
    free(b.p);
    free(c.p);
    free_list(la, na);
    free_list(lb, nb);
    free_list(lc, nc);
    counts[kind]++;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CASE_FILE [MIN_CASES]\n", argv[0]);
        return 2;
    }
    size_t min_cases = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
    if (crypto_init() != 0)
        return 2;
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0, total = 0;
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        char *t[MAX_TOK], *save = NULL;
        int nt = 0;
        for (char *tok = strtok_r(line, " \n", &save); tok && nt < MAX_TOK;
             tok = strtok_r(NULL, " \n", &save))
            t[nt++] = tok;
        if (nt == 0)
            continue;
        int kind = -1;
        for (int i = 0; i < K_COUNT; i++)
            if (strcmp(t[0], kinds[i]) == 0)
                kind = i;
        if (kind < 0) {
            fail(t[0], "unknown case kind");
            continue;
        }
        run_case(kind, t, nt);
        total++;
    }
    free(line);
    fclose(f);
    for (int i = 0; i < K_COUNT; i++)
        printf("%-10s %zu\n", kinds[i], counts[i]);
    printf("total      %zu cases, %d mismatches\n", total, n_fail);
    if (total < min_cases) {
        fprintf(stderr, "only %zu cases, %zu required\n", total, min_cases);
        return 1;
    }
    return n_fail ? 1 : 0;
}
