/*
 * JSON-RPC 2.0 request processing (https://www.jsonrpc.org/specification).
 *
 * The body is parsed with base's strict parser (RFC 8259, no duplicate keys,
 * depth cap), then:
 *   - not JSON                       -> one -32700 response, id null;
 *   - an empty array                 -> one -32600 response;
 *   - an array (batch)               -> each element answered in order (an
 *     invalid element gets its own -32600), notifications omitted; the
 *     whole batch is refused with -32600 when longer than max_batch;
 *   - an object                      -> one request;
 *   - anything else                  -> -32600.
 * A request must have "jsonrpc": "2.0", a string "method", optional
 * "params" that is an array or an object, and an optional "id" that is a
 * string, an integer or null (no id = a notification: executed, never
 * answered). Unknown members are an invalid request, so typos such as
 * "param" are caught instead of silently ignored.
 */
#include "chain/rpc/rpc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rpc_fail(rpc_error_t *err, int code, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static json_t *error_obj(int code, const char *message, json_t *data)
{
    json_t *e = json_object();
    json_object_set_new(e, "code", json_integer(code));
    json_object_set_new(e, "message", json_string(message));
    if (data)
        json_object_set(e, "data", data);
    return e;
}

static json_t *response(json_t *id, json_t *result, json_t *error)
{
    json_t *r = json_object();
    json_object_set_new(r, "jsonrpc", json_string("2.0"));
    if (error)
        json_object_set_new(r, "error", error);
    else
        json_object_set_new(r, "result", result ? result : json_null());
    json_object_set(r, "id", id ? id : json_null());
    return r;
}

static void append_json(buf_t *out, json_t *j)
{
    size_t mark = out->len;
    if (cjson_encode(j, out, NULL) != BASE_OK) {
        out->len = mark;
        out->failed = false;
        buf_append_str(out, "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32603,"
                            "\"message\":\"internal error: response encoding failed\"},"
                            "\"id\":null}");
    }
}

void rpc_error_response(buf_t *out, int code, const char *message)
{
    json_t *r = response(NULL, NULL, error_obj(code, message, NULL));
    append_json(out, r);
    json_decref(r);
}

static const rpc_method_t *find_method(const rpc_dispatch_cfg_t *cfg, const char *name)
{
    for (const rpc_method_t *m = cfg->methods; m && m->name; m++)
        if (strcmp(m->name, name) == 0)
            return m;
    return NULL;
}

/* Answers one request object; returns the response or NULL for a notification. */
static json_t *handle_one(const rpc_dispatch_cfg_t *cfg, const json_t *req, rpc_dispatch_info_t *info,
                          rpc_call_observer_fn obs, void *obs_ud)
{
    char msg[ERR_MSG_MAX];
    info->n_calls++;
    if (!json_is_object(req)) {
        snprintf(msg, sizeof msg, "invalid request: expected an object, got %s",
                 json_is_array(req) ? "an array" : json_is_string(req) ? "a string"
                 : json_is_null(req) ? "null" : json_is_boolean(req) ? "a boolean" : "a number");
        goto invalid_noid;
    }
    json_t *id = json_object_get(req, "id");
    bool has_id = id != NULL;
    if (id && !json_is_string(id) && !json_is_integer(id) && !json_is_null(id)) {
        snprintf(msg, sizeof msg, "invalid request: \"id\" must be a string, an integer or null");
        goto invalid_noid;
    }
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)req, key, val) {
        if (strcmp(key, "jsonrpc") && strcmp(key, "method") && strcmp(key, "params") &&
            strcmp(key, "id")) {
            snprintf(msg, sizeof msg, "invalid request: unknown member \"%.64s\"", key);
            goto invalid;
        }
    }
    json_t *ver = json_object_get(req, "jsonrpc");
    if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0) {
        snprintf(msg, sizeof msg, "invalid request: \"jsonrpc\" must be the string \"2.0\"");
        goto invalid;
    }
    json_t *method = json_object_get(req, "method");
    if (!json_is_string(method)) {
        snprintf(msg, sizeof msg, "invalid request: \"method\" must be a string");
        goto invalid;
    }
    json_t *params = json_object_get(req, "params");
    if (params && !json_is_array(params) && !json_is_object(params)) {
        snprintf(msg, sizeof msg, "invalid request: \"params\" must be an array or an object");
        goto invalid;
    }

    const char *name = json_string_value(method);
    const rpc_method_t *m = find_method(cfg, name);
    rpc_error_t err = {0};
    json_t *result = NULL;
    if (!m) {
        rpc_fail(&err, RPC_METHOD_NOT_FOUND, "method not found: \"%.80s\"", name);
    } else if (m->fn(cfg->ud, params, &result, &err) != 0 || !result) {
        json_decref(result);
        result = NULL;
        if (err.code == 0)
            rpc_fail(&err, RPC_INTERNAL_ERROR, "internal error in %s", m->name);
    }
    if (obs)
        obs(obs_ud, m ? m->name : NULL, result ? 0 : err.code);
    if (!result) {
        info->n_errors++;
        if (!info->first_error)
            info->first_error = err.code;
    }
    json_t *resp = NULL;
    if (has_id)
        resp = result ? response(id, result, NULL)
                       : response(id, NULL, error_obj(err.code, err.message, err.data));
    else
        json_decref(result);
    json_decref(err.data);
    return resp;

invalid_noid:
    id = NULL;
invalid:
    info->n_errors++;
    if (!info->first_error)
        info->first_error = RPC_INVALID_REQUEST;
    if (obs)
        obs(obs_ud, NULL, RPC_INVALID_REQUEST);
    /* The spec answers an invalid request even without an id (id null). */
    return response(id && (json_is_string(id) || json_is_integer(id)) ? id : NULL, NULL,
                    error_obj(RPC_INVALID_REQUEST, msg, NULL));
}

size_t rpc_dispatch(const rpc_dispatch_cfg_t *cfg, const char *body, size_t len, buf_t *out,
                    rpc_dispatch_info_t *info, rpc_call_observer_fn obs, void *obs_ud)
{
    rpc_dispatch_info_t local;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    size_t start = out->len;
    size_t max_batch = cfg->max_batch ? cfg->max_batch : 10000;
    char msg[ERR_MSG_MAX + 32];

    err_t e = {0};
    json_t *root = cjson_parse(body, len, &e);
    if (!root) {
        info->n_calls = 1;
        info->n_errors = 1;
        info->first_error = RPC_PARSE_ERROR;
        if (obs)
            obs(obs_ud, NULL, RPC_PARSE_ERROR);
        snprintf(msg, sizeof msg, "parse error: %s", e.msg);
        rpc_error_response(out, RPC_PARSE_ERROR, msg);
        return out->len - start;
    }
    if (json_is_array(root)) {
        size_t n = json_array_size(root);
        if (n == 0 || n > max_batch) {
            info->n_calls = 1;
            info->n_errors = 1;
            info->first_error = RPC_INVALID_REQUEST;
            if (obs)
                obs(obs_ud, NULL, RPC_INVALID_REQUEST);
            if (n == 0)
                snprintf(msg, sizeof msg, "invalid request: empty batch");
            else
                snprintf(msg, sizeof msg, "invalid request: batch of %zu requests exceeds the "
                         "limit of %zu", n, max_batch);
            rpc_error_response(out, RPC_INVALID_REQUEST, msg);
        } else {
            bool any = false;
            if (cfg->batch_begin)
                cfg->batch_begin(cfg->ud, root);
            for (size_t i = 0; i < n; i++) {
                json_t *r = handle_one(cfg, json_array_get(root, i), info, obs, obs_ud);
                if (!r)
                    continue;
                buf_append_byte(out, any ? ',' : '[');
                append_json(out, r);
                json_decref(r);
                any = true;
            }
            if (any)
                buf_append_byte(out, ']');
            if (cfg->batch_end)
                cfg->batch_end(cfg->ud);
        }
    } else {
        json_t *r = handle_one(cfg, root, info, obs, obs_ud);
        if (r) {
            append_json(out, r);
            json_decref(r);
        }
    }
    json_decref(root);
    return out->len - start;
}

/* ---- params helpers ---------------------------------------------------------- */

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
