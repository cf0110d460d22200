/* Loading of the shared JSON vectors for the p2p unit tests. */
#ifndef P2P_TEST_VECTORS_H
#define P2P_TEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Returns the parsed file or NULL (with a SKIP message) when shared/ is absent. */
static inline json_t *load_vectors(const char *name)
{
    const char *dir = getenv("AETHER_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/testdata/vectors/%s", dir ? dir : "../shared", name);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        fprintf(stderr, "SKIP: %s not found (%s)\n", path, je.text);
    return j;
}

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
