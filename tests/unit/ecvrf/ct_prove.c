/*
 * Constant-time check of ECVRF prove (the "ctgrind" method): the secret key
 * is marked undefined for valgrind's memcheck, so every conditional branch
 * or memory index that depends on it, anywhere in prove (our code and the
 * libsodium code it calls), is reported as a use of uninitialised data. The
 * module is built with -DECVRF_CTGRIND so that values which are public by
 * design (the public key, Gamma, c) are declassified where they are made.
 * ct.supp lists the one accepted report: libsodium's scalar multiplication
 * checks whether its result is the identity (true only for a scalar = 0 mod
 * L, which x and k never are). Run by ctest under valgrind --error-exitcode.
 */
#include "crypto/crypto.h"
#include "crypto/ecvrf/ecvrf.h"

#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

int main(void)
{
    uint8_t sk[32], pk[32], pi[80], beta[64], msg[40];
    int failures = 0;

    if (crypto_init() != 0)
        return 1;
    for (int i = 0; i < 4; i++) {
        const ecvrf_suite_t suite = (i & 1) ? ECVRF_SUITE_ELL2 : ECVRF_SUITE_TAI;
        ecvrf_keygen(sk, pk);
        memset(msg, i, sizeof msg);

        VALGRIND_MAKE_MEM_UNDEFINED(sk, sizeof sk);
        int rc = ecvrf_prove(suite, sk, msg, (size_t)i * 10, pi, NULL);
        VALGRIND_MAKE_MEM_DEFINED(&rc, sizeof rc);
        VALGRIND_MAKE_MEM_DEFINED(sk, sizeof sk);
        /* the proof is the public output */
        VALGRIND_MAKE_MEM_DEFINED(pi, sizeof pi);
        if (rc != 0 || ecvrf_verify(suite, pk, msg, (size_t)i * 10, pi, beta, NULL) != 0) {
            fprintf(stderr, "ct_prove: proof %d does not verify\n", i);
            failures++;
        }
    }
    printf("%d passed, %d failed\n", 4 - failures, failures);
    return failures ? 1 : 0;
}
