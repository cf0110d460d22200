/* The re-execution of a disputed escrow job (issue 16 acceptance: the same
 * commitment on nodes built with different compilers). Built two ways:
 *   - in the project build, linked with chain/exec: runs
 *     chain_escrow_reexecute, the function a challenge tx calls inside block
 *     execution, over the bytes the chain keeps (u32 module_len, module,
 *     input) and a job record with the given fuel and memory;
 *   - by reexec_compilers.sh with gcc and with clang (-DREEXEC_STANDALONE)
 *     from the engine, WASI, phase and base sources alone: runs
 *     phase_escrow_run, which chain_escrow_reexecute wraps.
 * Usage: reexec_driver MODULE.wasm INPUT_FILE FUEL MEMORY_BYTES
 * Prints "commitment=<hex> gas=<fuel used>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef REEXEC_STANDALONE
#include "phase/phase.h"
#else
#include "chain/exec/exec.h"
#endif

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: reexec_driver MODULE.wasm INPUT_FILE FUEL MEMORY_BYTES\n");
        return 2;
    }
    if (crypto_init() != 0)
        return 1;
    uint8_t *mod = NULL, *in = NULL;
    size_t mlen = 0, ilen = 0;
    err_t e = {0};
    if (file_read_all(argv[1], 1u << 20, &mod, &mlen, &e) != 0 ||
        file_read_all(argv[2], 1u << 20, &in, &ilen, &e) != 0) {
        fprintf(stderr, "reexec_driver: %s\n", e.msg);
        return 1;
    }
    uint64_t fuel = strtoull(argv[3], NULL, 10), mem = strtoull(argv[4], NULL, 10);
    uint8_t commitment[32];
    uint64_t used = 0;
    int rc;
#ifdef REEXEC_STANDALONE
    phase_escrow_job_t j = {.module = mod, .module_len = mlen, .input = in, .input_len = ilen,
                            .fuel = fuel, .memory_max = mem};
    memset(j.job_id, 0x42, sizeof j.job_id);
    phase_job_outcome_t out;
    phase_job_result_t r;
    rc = phase_escrow_run(&j, NULL, &out, &r, NULL, &e);
    if (rc == 0) {
        memcpy(commitment, r.output_commitment, 32);
        used = out.fuel_used;
        phase_job_result_free(&r);
        phase_job_outcome_free(&out);
    }
#else
    buf_t code = {0};
    uint8_t l4[4];
    store_le32(l4, (uint32_t)mlen);
    if (buf_append(&code, l4, 4) != 0 || buf_append(&code, mod, mlen) != 0 ||
        buf_append(&code, in, ilen) != 0)
        return 1;
    chain_job_t job;
    memset(&job, 0, sizeof job);
    memset(job.id.b, 0x42, 32);
    job.fuel = fuel;
    job.memory_max = mem;
    chain_hash_t c;
    rc = chain_escrow_reexecute(&job, code.data, code.len, &c, &used, &e);
    memcpy(commitment, c.b, 32);
    buf_free(&code);
#endif
    free(mod);
    free(in);
    if (rc != 0) {
        fprintf(stderr, "reexec_driver: %s\n", e.msg);
        return 1;
    }
    char hex[65];
    hex_encode(commitment, 32, hex);
    printf("commitment=%s gas=%llu\n", hex, (unsigned long long)used);
    return 0;
}
