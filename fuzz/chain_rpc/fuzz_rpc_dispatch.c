/* libFuzzer target: the JSON-RPC 2.0 request processor (rpc dispatch) with a
 * method table exercising the params helpers, a batch handler and the
 * response size limit. Any input must produce either nothing (only
 * notifications) or a JSON response, never a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "rpc/rpc.h"

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
    rpc_fail(err, -32001, "rejected");
    err->data = json_pack("{s:s}", "reason", "test");
    return -1;
}

static void b_params(void *ud, size_t n, const json_t *const *params, json_t **results,
                     rpc_error_t *errs)
{
    for (size_t i = 0; i < n; i++)
        if (i % 3 != 2)   /* leaves every third slot empty: an internal error */
            m_params(ud, params[i], &results[i], &errs[i]);
}

static const rpc_method_t methods[] = {
    {"p", m_params, NULL}, {"b", m_params, b_params}, {"f", m_fail, NULL}, {NULL, NULL, NULL}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rpc_dispatch_cfg_t cfg = {.methods = methods, .max_batch = 64,
                              .max_response = size & 1 ? 2048 : 0};
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
