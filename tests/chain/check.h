/* The chain tests' CHECK: on a false condition print where and why, count it
 * in the test's `failures` and jump to its `out:` label (cleanup). */
#ifndef AETHER_TESTS_CHAIN_CHECK_H
#define AETHER_TESTS_CHAIN_CHECK_H

#include <stdio.h>

#define CHECK(cond, ...)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                          \
            fprintf(stderr, __VA_ARGS__);                                                 \
            fputc('\n', stderr);                                                          \
            failures++;                                                                   \
            goto out;                                                                     \
        }                                                                                 \
    } while (0)

#endif
