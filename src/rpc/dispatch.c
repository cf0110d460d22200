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
 *
 * A batch is first checked element by element, then run in order; a run of
 * consecutive valid requests to a method with a batch handler goes to that
 * handler in one call. Responses are encoded one by one into the output, each
 * into a buffer capped at what is left of max_response, so an answer that
 * would pass the limit is never built in full: it becomes a -32007 error, and
 * the requests after it are not run.
 */
#include "rpc/rpc.h"

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

/* By the whole JSON string: "aeth_chainId\u0000x" is not aeth_chainId. */
static const rpc_method_t *find_method(const rpc_dispatch_cfg_t *cfg, const char *name,
                                       size_t len)
{
    for (const rpc_method_t *m = cfg->methods; m && m->name; m++)
        if (strlen(m->name) == len && memcmp(m->name, name, len) == 0)
            return m;
    return NULL;
}

/* One request of a body, from checking to its response. */
typedef struct call {
    const json_t *id;          /* echoed id (NULL = null) */
    bool has_id;               /* false: a notification, never answered */
    bool invalid;              /* -32600: err holds the message */
    const rpc_method_t *m;     /* NULL when invalid or unknown (err set) */
    const json_t *params;
    json_t *result;
    rpc_error_t err;
} call_t;

/* Checks the shape of one request; leaves c->m set when it can run. */
static void check_one(const rpc_dispatch_cfg_t *cfg, const json_t *req, call_t *c)
{
    char *msg = c->err.message;
    size_t cap = sizeof c->err.message;
    if (!json_is_object(req)) {
        snprintf(msg, cap, "invalid request: expected an object, got %s",
                 json_is_array(req) ? "an array" : json_is_string(req) ? "a string"
                 : json_is_null(req) ? "null" : json_is_boolean(req) ? "a boolean" : "a number");
        goto invalid;
    }
    json_t *id = json_object_get(req, "id");
    c->has_id = id != NULL;
    if (id && !json_is_string(id) && !json_is_integer(id) && !json_is_null(id)) {
        snprintf(msg, cap, "invalid request: \"id\" must be a string, an integer or null");
        goto invalid;
    }
    c->id = id;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)req, key, val) {
        if (strcmp(key, "jsonrpc") && strcmp(key, "method") && strcmp(key, "params") &&
            strcmp(key, "id")) {
            snprintf(msg, cap, "invalid request: unknown member \"%.64s\"", key);
            goto invalid;
        }
    }
    json_t *ver = json_object_get(req, "jsonrpc");
    if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0) {
        snprintf(msg, cap, "invalid request: \"jsonrpc\" must be the string \"2.0\"");
        goto invalid;
    }
    json_t *method = json_object_get(req, "method");
    if (!json_is_string(method)) {
        snprintf(msg, cap, "invalid request: \"method\" must be a string");
        goto invalid;
    }
    json_t *params = json_object_get(req, "params");
    if (params && !json_is_array(params) && !json_is_object(params)) {
        snprintf(msg, cap, "invalid request: \"params\" must be an array or an object");
        goto invalid;
    }
    const char *name = json_string_value(method);
    size_t name_len = json_string_length(method);
    c->m = find_method(cfg, name, name_len);
    c->params = params;
    if (!c->m) {
        char safe[100];
        rpc_text_sanitize(name, name_len < 80 ? name_len : 80, safe, sizeof safe);
        rpc_fail(&c->err, RPC_METHOD_NOT_FOUND, "method not found: \"%s\"", safe);
    }
    return;

invalid:
    c->invalid = true;
    c->err.code = RPC_INVALID_REQUEST;
    c->m = NULL;
    /* The spec answers an invalid request even without an id (id null). */
    c->has_id = true;
    if (c->id && !json_is_string(c->id) && !json_is_integer(c->id))
        c->id = NULL;
}

static void run_one(const rpc_dispatch_cfg_t *cfg, call_t *c)
{
    if (c->m->fn(cfg->ud, c->params, &c->result, &c->err) != 0 || !c->result) {
        json_decref(c->result);
        c->result = NULL;
    }
}

/* Runs calls[0..n), all valid requests of one method with a batch handler. */
static void run_batch(const rpc_dispatch_cfg_t *cfg, call_t *calls, size_t n)
{
    const json_t **params = calloc(n, sizeof *params);
    json_t **results = calloc(n, sizeof *results);
    rpc_error_t *errs = calloc(n, sizeof *errs);
    if (!params || !results || !errs) {
        free(params);
        free(results);
        free(errs);
        for (size_t i = 0; i < n; i++)
            run_one(cfg, &calls[i]);   /* no memory for the batch: one by one */
        return;
    }
    for (size_t i = 0; i < n; i++)
        params[i] = calls[i].params;
    calls[0].m->batch(cfg->ud, n, params, results, errs);
    for (size_t i = 0; i < n; i++) {
        if (errs[i].code) {
            json_decref(results[i]);
            calls[i].err = errs[i];
        } else {
            calls[i].result = results[i];
            json_decref(errs[i].data);
        }
    }
    free(params);
    free(results);
    free(errs);
}

/* What is left of max_response for the next response (0 = unlimited). */
static size_t response_room(const rpc_dispatch_cfg_t *cfg, const buf_t *out, size_t start)
{
    if (!cfg->max_response)
        return 0;
    size_t used = out->len - start;
    return used < cfg->max_response ? cfg->max_response - used : 1;
}

/* Accounts for c, appends its response (when it has an id) and releases it.
 * Returns false when the response did not fit in what is left of
 * max_response (an error was appended instead). */
static bool finish_one(const rpc_dispatch_cfg_t *cfg, call_t *c, buf_t *out, size_t start,
                       bool *any, bool in_batch, rpc_dispatch_info_t *info,
                       rpc_call_observer_fn obs, void *obs_ud)
{
    bool fits = true;
    info->n_calls++;
    if (!c->result && c->m && c->err.code == 0)
        rpc_fail(&c->err, RPC_INTERNAL_ERROR, "internal error in %s", c->m->name);
    if (obs)
        obs(obs_ud, c->m ? c->m->name : NULL, c->result ? 0 : c->err.code);
    if (c->has_id) {
        json_t *r = c->result ? response((json_t *)c->id, c->result, NULL)
                              : response((json_t *)c->id, NULL,
                                         error_obj(c->err.code, c->err.message, c->err.data));
        c->result = NULL;   /* now owned by r */
        size_t room = response_room(cfg, out, start);
        buf_t one;
        buf_init(&one, room);
        if (cjson_encode(r, &one, NULL) != BASE_OK) {
            buf_reset(&one);
            one.failed = false;
            one.max = 0;
            if (room && c->err.code == 0) {
                char msg[ERR_MSG_MAX];
                snprintf(msg, sizeof msg, "response too large: the answer to this request "
                         "would pass the limit of %zu bytes per response; ask for less "
                         "(e.g. full=false) or split the batch", cfg->max_response);
                json_decref(r);
                r = response((json_t *)c->id, NULL,
                             error_obj(RPC_RESPONSE_TOO_LARGE, msg, NULL));
                c->err.code = RPC_RESPONSE_TOO_LARGE;
                fits = false;
            }
            append_json(&one, r);
        }
        json_decref(r);
        if (in_batch)
            buf_append_byte(out, *any ? ',' : '[');
        buf_append(out, one.data, one.len);
        buf_free(&one);
        *any = true;
    }
    json_decref(c->result);
    c->result = NULL;
    if (c->err.code) {
        info->n_errors++;
        if (!info->first_error)
            info->first_error = c->err.code;
    }
    json_decref(c->err.data);
    c->err.data = NULL;
    return fits;
}

static void refuse_all(buf_t *out, rpc_dispatch_info_t *info, rpc_call_observer_fn obs, void *obs_ud,
                       int code, const char *msg)
{
    info->n_calls = 1;
    info->n_errors = 1;
    info->first_error = code;
    if (obs)
        obs(obs_ud, NULL, code);
    rpc_error_response(out, code, msg);
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
    bool any = false;

    err_t e = {0};
    json_t *root = cjson_parse(body, len, &e);
    if (!root) {
        snprintf(msg, sizeof msg, "parse error: %s", e.msg);
        refuse_all(out, info, obs, obs_ud, RPC_PARSE_ERROR, msg);
        return out->len - start;
    }
    if (!json_is_array(root)) {
        call_t c = {0};
        check_one(cfg, root, &c);
        if (c.m)
            run_one(cfg, &c);
        finish_one(cfg, &c, out, start, &any, false, info, obs, obs_ud);
        json_decref(root);
        return out->len - start;
    }
    size_t n = json_array_size(root);
    if (n == 0 || n > max_batch) {
        if (n == 0)
            snprintf(msg, sizeof msg, "invalid request: empty batch");
        else
            snprintf(msg, sizeof msg, "invalid request: batch of %zu requests exceeds the "
                     "limit of %zu", n, max_batch);
        refuse_all(out, info, obs, obs_ud, RPC_INVALID_REQUEST, msg);
        json_decref(root);
        return out->len - start;
    }
    call_t *calls = calloc(n, sizeof *calls);
    if (!calls) {
        refuse_all(out, info, obs, obs_ud, RPC_INTERNAL_ERROR,
                   "internal error: out of memory for the batch");
        json_decref(root);
        return out->len - start;
    }
    for (size_t i = 0; i < n; i++)
        check_one(cfg, json_array_get(root, i), &calls[i]);
    bool full = false;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        if (full) {
            /* past the response limit: nothing more runs */
            if (calls[i].m)
                rpc_fail(&calls[i].err, RPC_RESPONSE_TOO_LARGE,
                         "not run: the batch's response reached the limit of %zu bytes; "
                         "split the batch", cfg->max_response);
        } else if (calls[i].m && calls[i].m->batch) {
            /* the run of this method's requests goes to its batch handler */
            while (j < n && calls[j].m == calls[i].m)
                j++;
            run_batch(cfg, &calls[i], j - i);
        } else if (calls[i].m) {
            run_one(cfg, &calls[i]);
        }
        for (size_t k = i; k < j; k++)
            if (!finish_one(cfg, &calls[k], out, start, &any, true, info, obs, obs_ud))
                full = true;
        i = j;
    }
    if (any)
        buf_append_byte(out, ']');
    free(calls);
    json_decref(root);
    return out->len - start;
}
