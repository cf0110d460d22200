/* libFuzzer target: the JSON-RPC 2.0 request processor (chain/rpc dispatch)
 * with a method table exercising the params helpers. Any input must produce
 * either nothing (only notifications) or a JSON response, never a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "chain/rpc/rpc.h"

static int m_params(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    (void)ud;
    uint8_t b[20];
    uint8_t *raw = NULL;
    size_t n = 0;
    uint64_t v;
    bool flag;
    if (rpc_param_count_check(params, 1, 4, err) || rpc_param_hex_fixed(params, 0, b, sizeof b, err))
        return -1;
    if (rpc_param(params, 1) && rpc_param_u64(params, 1, &v, err))
        return -1;
    if (rpc_param_bool(params, 2, false, &flag, err))
        return -1;
    if (rpc_param(params, 3) && rpc_param_hex_alloc(params, 3, 64, &raw, &n, err))
        return -1;
    free(raw);
    *result = rpc_hex_json(b, sizeof b);
    return 0;
}

static int m_fail(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    (void)ud;
    (void)params;
    (void)result;
    rpc_fail(err, RPC_TX_REJECTED, "rejected");
    err->data = json_pack("{s:s}", "reason", "test");
    return -1;
}

static const rpc_method_t methods[] = {{"p", m_params}, {"f", m_fail}, {NULL, NULL}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rpc_dispatch_cfg_t cfg = {.methods = methods, .max_batch = 64};
    buf_t out;
    buf_init(&out, 1u << 24);
    size_t n = rpc_dispatch(&cfg, (const char *)data, size, &out, NULL, NULL, NULL);
    if (n) {
        json_error_t je;
        json_t *j = json_loadb((const char *)out.data, out.len, 0, &je);
        if (!j)
            abort(); /* the response must always be valid JSON */
        json_decref(j);
    }
    buf_free(&out);
    return 0;
}
