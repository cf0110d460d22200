/* Loading of the shared JSON vectors for the p2p unit tests. */
#ifndef P2P_TEST_VECTORS_H
#define P2P_TEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testenv.h"

/* Why the vectors are absent (for TESTENV_SKIP in the cases that need them). */
static char vectors_missing[1200];

/* Returns the parsed file, or NULL when shared/ is absent (the cases needing
 * it then skip, or fail in strict mode). A file that is present but does not
 * parse is an error: exits 1. */
static inline json_t *load_vectors(const char *name)
{
    char rel[256], path[1024];
    snprintf(rel, sizeof rel, "testdata/vectors/%s", name);
    if (!testenv_shared_file(rel, path, sizeof path)) {
        snprintf(vectors_missing, sizeof vectors_missing, "%s not found (shared test data absent)", path);
        return NULL;
    }
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        fprintf(stderr, "FAIL: %s does not parse: %s\n", path, je.text);
        exit(1);
    }
    return j;
}
#define NEED_VECTORS()                                                                         \
    do {                                                                                       \
        if (!V)                                                                                \
            TESTENV_SKIP("%s", vectors_missing);                                               \
    } while (0)

static inline size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = strlen(s) / 2;
    if (n > cap)
        abort();
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

#endif
