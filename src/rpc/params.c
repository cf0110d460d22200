/*
 * Helpers for method handlers: positional parameters read with messages that
 * name the parameter ("params[1]: expected true or false"), hex in both
 * directions, u64 from a number or a decimal / 0x-hex string.
 */
#include "rpc/rpc.h"

#include <stdlib.h>
#include <string.h>

const json_t *rpc_param(const json_t *params, size_t i)
{
    return json_is_array(params) ? json_array_get(params, i) : NULL;
}

int rpc_param_count_check(const json_t *params, size_t min, size_t max, rpc_error_t *err)
{
    if (params && !json_is_array(params))
        return rpc_fail(err, RPC_INVALID_PARAMS, "params must be an array");
    size_t n = params ? json_array_size(params) : 0;
    if (n < min || n > max) {
        if (min == max)
            return rpc_fail(err, RPC_INVALID_PARAMS, "expected %zu parameter%s, got %zu", min,
                            min == 1 ? "" : "s", n);
        return rpc_fail(err, RPC_INVALID_PARAMS, "expected %zu to %zu parameters, got %zu", min,
                        max, n);
    }
    return 0;
}

static int hex_body(const json_t *params, size_t i, const char **s, size_t *n, rpc_error_t *err)
{
    const json_t *p = rpc_param(params, i);
    if (!json_is_string(p))
        return rpc_fail(err, RPC_INVALID_PARAMS, "params[%zu]: expected a hex string",
                        i);
    *s = json_string_value(p);
    *n = json_string_length(p);
    if (*n >= 2 && (*s)[0] == '0' && ((*s)[1] == 'x' || (*s)[1] == 'X')) {
        *s += 2;
        *n -= 2;
    }
    return 0;
}

int rpc_param_hex_fixed(const json_t *params, size_t i, uint8_t *out, size_t n, rpc_error_t *err)
{
    const char *s;
    size_t len;
    if (hex_body(params, i, &s, &len, err))
        return -1;
    if (len != 2 * n)
        return rpc_fail(err, RPC_INVALID_PARAMS, "params[%zu]: expected %zu hex digits, got %zu",
                        i, 2 * n, len);
    err_t e = {0};
    if (hex_decode(s, len, out, n, &e) != 0)
        return rpc_fail(err, RPC_INVALID_PARAMS, "params[%zu]: %s", i, e.msg);
    return 0;
}

int rpc_param_hex_alloc(const json_t *params, size_t i, size_t max, uint8_t **out, size_t *n,
                        rpc_error_t *err)
{
    const char *s;
    size_t len;
    *out = NULL;
    *n = 0;
    if (hex_body(params, i, &s, &len, err))
        return -1;
    if (len / 2 > max)
        return rpc_fail(err, RPC_INVALID_PARAMS, "params[%zu]: %zu bytes exceed the limit of %zu",
                        i, len / 2, max);
    if (len == 0)
        return rpc_fail(err, RPC_INVALID_PARAMS, "params[%zu]: empty hex string", i);
    err_t e = {0};
    if (hex_decode_alloc(s, len, out, n, &e) != 0)
        return rpc_fail(err, RPC_INVALID_PARAMS, "params[%zu]: %s", i, e.msg);
    return 0;
}

int rpc_param_u64(const json_t *params, size_t i, uint64_t *out, rpc_error_t *err)
{
    const json_t *p = rpc_param(params, i);
    if (p && cjson_get_u64(p, out))
        return 0;
    if (json_is_string(p)) {
        const char *s = json_string_value(p);
        size_t n = json_string_length(p);
        int base = 10;
        if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
            base = 16;
            s += 2;
            n -= 2;
        }
        if (n > 0 && n <= (base == 16 ? 16 : 20)) {
            uint64_t v = 0;
            bool ok = true;
            for (size_t k = 0; k < n && ok; k++) {
                int d;
                char c = s[k];
                if (c >= '0' && c <= '9')
                    d = c - '0';
                else if (base == 16 && c >= 'a' && c <= 'f')
                    d = c - 'a' + 10;
                else if (base == 16 && c >= 'A' && c <= 'F')
                    d = c - 'A' + 10;
                else {
                    ok = false;
                    break;
                }
                if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
                    ok = false;
                else
                    v = v * (uint64_t)base + (uint64_t)d;
            }
            if (ok) {
                *out = v;
                return 0;
            }
        }
    }
    return rpc_fail(err, RPC_INVALID_PARAMS,
                    "params[%zu]: expected a non-negative integer (number, decimal or 0x-hex "
                    "string) below 2^64",
                    i);
}

int rpc_param_bool(const json_t *params, size_t i, bool dflt, bool *out, rpc_error_t *err)
{
    const json_t *p = rpc_param(params, i);
    if (!p) {
        *out = dflt;
        return 0;
    }
    if (!json_is_boolean(p))
        return rpc_fail(err, RPC_INVALID_PARAMS, "params[%zu]: expected true or false", i);
    *out = json_is_true(p);
    return 0;
}

json_t *rpc_hex_json(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (!s)
        return NULL;
    hex_encode(p, n, s);
    json_t *j = json_stringn(s, 2 * n);
    free(s);
    return j;
}
