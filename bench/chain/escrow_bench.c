/* One job escrow dispute: the cost of chain_escrow_reexecute, the
 * re-execution a challenge tx runs inside block execution (issue 16).
 * Usage: escrow_bench MODULE.wasm [INPUT_FILE] [RUNS]
 * Prints the fuel the job used (the dispute's gas) and the wall time per
 * re-execution (median and min over RUNS, default 20). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain/exec/exec.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: escrow_bench MODULE.wasm [INPUT_FILE] [RUNS]\n");
        return 2;
    }
    if (crypto_init() != 0)
        return 1;
    uint8_t *mod = NULL, *in = NULL;
    size_t mlen = 0, ilen = 0;
    err_t e = {0};
    if (file_read_all(argv[1], 64u << 20, &mod, &mlen, &e) != 0 ||
        (argc > 2 && file_read_all(argv[2], 64u << 20, &in, &ilen, &e) != 0)) {
        fprintf(stderr, "escrow_bench: %s\n", e.msg);
        return 1;
    }
    int runs = argc > 3 ? atoi(argv[3]) : 20;
    if (runs < 1)
        runs = 1;
    buf_t code = {0};
    uint8_t l4[4];
    store_le32(l4, (uint32_t)mlen);
    if (buf_append(&code, l4, 4) != 0 || buf_append(&code, mod, mlen) != 0 ||
        (ilen && buf_append(&code, in, ilen) != 0))
        return 1;
    chain_job_t job;
    memset(&job, 0, sizeof job);
    memset(job.id.b, 0x42, 32);
    job.fuel = 100000000000ull;
    job.memory_max = 256u << 20;
    double *t = calloc((size_t)runs, sizeof *t);
    uint64_t fuel = 0;
    chain_hash_t c0, c;
    for (int i = 0; i < runs; i++) {
        double s = now_ms();
        if (chain_escrow_reexecute(&job, code.data, code.len, &c, &fuel, &e) != 0) {
            fprintf(stderr, "escrow_bench: %s\n", e.msg);
            return 1;
        }
        t[i] = now_ms() - s;
        if (i == 0)
            c0 = c;
        else if (!chain_hash_equal(&c0, &c)) {
            fprintf(stderr, "escrow_bench: run %d gave another commitment\n", i);
            return 1;
        }
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_d);
    char hex[65];
    chain_hash_to_hex(&c0, hex);
    printf("module %zu bytes, input %zu bytes: gas (fuel) %llu, re-execution median %.3f ms, "
           "min %.3f ms over %d runs, commitment %s\n",
           mlen, ilen, (unsigned long long)fuel, t[runs / 2], t[0], runs, hex);
    free(t);
    free(mod);
    free(in);
    buf_free(&code);
    return 0;
}
