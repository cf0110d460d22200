/* libFuzzer: contract deploy validation (chain_contract_compile) and, for
 * code it accepts, a metered run of "call" (and "init" when exported) with
 * a small gas limit and the fuzz input as call input, against an empty
 * storage. Whatever the bytes, compile refuses with a message or the run
 * ends with a status; gas used never exceeds the limit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exec/exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    err_t e = {0};
    chain_contract_t *c = chain_contract_compile(data, size, &e);
    if (!c) {
        if (e.code != CONTRACT_ECODE || !e.msg[0])
            abort();
        return 0;
    }
    chain_contract_env_t env = {.input = data, .input_len = size > 64 ? 64 : (uint32_t)size,
                                .gas_limit = 200000, .block_number = 1};
    const char *entries[2] = {"init", "call"};
    for (int i = chain_contract_has_init(c) ? 0 : 1; i < 2; i++) {
        chain_contract_result_t r;
        if (chain_contract_run(c, entries[i], &env, &r, &e) != 0)
            abort();
        if (r.gas_used > env.gas_limit || r.status > CHAIN_CONTRACT_TRAP)
            abort();
        if (r.status != CHAIN_CONTRACT_OK && (r.n_writes || r.n_logs))
            abort();
        chain_contract_result_free(&r);
    }
    chain_contract_free(c);
    return 0;
}
