/* Unit tests of rpc: JSON-RPC 2.0 dispatch (single, batch, batch handlers,
 * notifications, every error class, params helpers) and the HTTP server and
 * client together on loopback with a fake method table (limits, routes,
 * /health, /metrics, keep-alive reuse, unreachable endpoint). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rpc/rpc.h"

#define APP_ERROR -32001   /* an application's own code, as chain/rpc's */

static int calls;

static int m_echo(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    (void)ud;
    (void)err;
    calls++;
    *result = params ? json_deep_copy(params) : json_null();
    return 0;
}

static int m_fail(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    (void)ud;
    (void)params;
    (void)result;
    calls++;
    rpc_fail(err, APP_ERROR, "nope: %d", 42);
    err->data = json_pack("{s:s}", "reason", "pool_full");
    return -1;
}

/* A handler that forgets to fill the error: the dispatcher must still answer. */
static int m_broken(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    (void)ud;
    (void)params;
    (void)result;
    (void)err;
    return -1;
}

static int m_hexsum(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    (void)ud;
    uint8_t b[4];
    uint64_t n;
    bool flag;
    if (rpc_param_count_check(params, 2, 3, err) || rpc_param_hex_fixed(params, 0, b, 4, err) ||
        rpc_param_u64(params, 1, &n, err) || rpc_param_bool(params, 2, true, &flag, err))
        return -1;
    *result = json_integer((json_int_t)(b[0] + b[1] + b[2] + b[3] + n + flag));
    return 0;
}

/* Answers u64::MAX, which jansson's own integers cannot hold. */
static int m_u64max(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    (void)ud;
    (void)params;
    (void)err;
    *result = cjson_u64(UINT64_MAX);
    return 0;
}

/* "seq" answers its call number; in a batch, runs of it go to b_seq, which
 * records the length of each run. */
static int seq_calls, n_runs, runs[16];

static int m_seq(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    (void)ud;
    (void)params;
    (void)err;
    *result = json_integer(++seq_calls);
    return 0;
}

static void b_seq(void *ud, size_t n, const json_t *const *params, json_t **results,
                  rpc_error_t *errs)
{
    (void)ud;
    if (n_runs < 16)
        runs[n_runs++] = (int)n;
    for (size_t i = 0; i < n; i++) {
        if (json_is_array(params[i]) && json_array_size(params[i]) > 0) {
            rpc_fail(&errs[i], RPC_INVALID_PARAMS, "seq takes no params");
            continue;
        }
        /* errs[] arrive zeroed and a slot may be left empty: internal error */
        if (i == 3)
            continue;
        results[i] = json_integer(++seq_calls);
    }
}

/* "big" [n]: a string of n bytes (the response amplification of issue 19). */
static int big_calls;

static int m_big(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    (void)ud;
    uint64_t n;
    if (rpc_param_count_check(params, 1, 1, err) || rpc_param_u64(params, 0, &n, err))
        return -1;
    if (n > (64u << 20))
        return rpc_fail(err, RPC_INVALID_PARAMS, "too big");
    big_calls++;
    char *s = malloc(n + 1);
    memset(s, 'a', n);
    s[n] = 0;
    *result = json_stringn(s, n);
    free(s);
    return 0;
}

static const rpc_method_t methods[] = {
    {"big", m_big, NULL},
    {"u64max", m_u64max, NULL},
    {"echo", m_echo, NULL},
    {"fail", m_fail, NULL},
    {"broken", m_broken, NULL},
    {"hexsum", m_hexsum, NULL},
    {"seq", m_seq, b_seq},
    {NULL, NULL, NULL},
};

static json_t *dispatch(const char *body, size_t max_batch, rpc_dispatch_info_t *info)
{
    rpc_dispatch_cfg_t cfg = {.methods = methods, .max_batch = max_batch};
    buf_t out;
    buf_init(&out, 0);
    size_t n = rpc_dispatch(&cfg, body, strlen(body), &out, info, NULL, NULL);
    assert_int_equal(n, out.len);
    json_t *j = NULL;
    if (n) {
        j = cjson_parse((const char *)out.data, out.len, NULL);
        assert_non_null(j);
    }
    buf_free(&out);
    return j;
}

static int code_of(const json_t *r)
{
    return (int)json_integer_value(json_object_get(json_object_get(r, "error"), "code"));
}

static const char *msg_of(const json_t *r)
{
    return json_string_value(json_object_get(json_object_get(r, "error"), "message"));
}

static void expect_error(const char *body, int code, const char *needle)
{
    json_t *r = dispatch(body, 0, NULL);
    assert_non_null(r);
    if (code_of(r) != code || !strstr(msg_of(r), needle))
        fail_msg("%s -> %d '%s', want %d containing '%s'", body, code_of(r), msg_of(r), code,
                 needle);
    assert_true(json_is_null(json_object_get(r, "id")) ||
                json_is_integer(json_object_get(r, "id")));
    json_decref(r);
}

static void test_single(void **state)
{
    (void)state;
    json_t *r = dispatch("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1,\"a\"],\"id\":\"x\"}",
                         0, NULL);
    assert_string_equal(json_string_value(json_object_get(r, "jsonrpc")), "2.0");
    assert_string_equal(json_string_value(json_object_get(r, "id")), "x");
    assert_int_equal(json_array_size(json_object_get(r, "result")), 2);
    assert_null(json_object_get(r, "error"));
    json_decref(r);
    /* named params are passed through */
    r = dispatch("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"k\":1},\"id\":5}", 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "result"), "k")), 1);
    assert_int_equal(json_integer_value(json_object_get(r, "id")), 5);
    json_decref(r);
    /* server error with data */
    r = dispatch("{\"jsonrpc\":\"2.0\",\"method\":\"fail\",\"id\":null}", 0, NULL);
    assert_int_equal(code_of(r), APP_ERROR);
    assert_string_equal(msg_of(r), "nope: 42");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(r, "error"), "data"), "reason")),
                        "pool_full");
    assert_true(json_is_null(json_object_get(r, "id")));
    json_decref(r);
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"broken\",\"id\":1}", RPC_INTERNAL_ERROR,
                 "internal error in broken");
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("{\"jsonrpc\":\"2.0\",", RPC_PARSE_ERROR, "parse error");
    expect_error("\xff\xfe", RPC_PARSE_ERROR, "parse error");
    expect_error("{\"a\":1,\"a\":2}", RPC_PARSE_ERROR, "parse error");
    expect_error("", RPC_PARSE_ERROR, "parse error");
    expect_error("42", RPC_INVALID_REQUEST, "expected an object");
    expect_error("[]", RPC_INVALID_REQUEST, "empty batch");
    expect_error("{\"method\":\"echo\",\"id\":1}", RPC_INVALID_REQUEST, "\"jsonrpc\"");
    expect_error("{\"jsonrpc\":2.0,\"method\":\"echo\",\"id\":1}", RPC_INVALID_REQUEST, "\"jsonrpc\"");
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":1}", RPC_INVALID_REQUEST, "\"method\"");
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":7,\"id\":1}", RPC_INVALID_REQUEST, "\"method\"");
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":3,\"id\":1}",
                 RPC_INVALID_REQUEST, "\"params\"");
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":[1]}", RPC_INVALID_REQUEST,
                 "\"id\"");
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1.5}", RPC_INVALID_REQUEST,
                 "\"id\"");
    /* ids above INT64_MAX are valid and echoed exactly: see test_u64_exact */
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":99999999999999999999}",
                 RPC_INVALID_REQUEST, "\"id\" must be");
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"param\":[],\"id\":1}",
                 RPC_INVALID_REQUEST, "unknown member \"param\"");
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":1}", RPC_METHOD_NOT_FOUND,
                 "\"nope\"");
    /* a method name is the whole string: an embedded NUL does not cut it */
    calls = 0;
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"echo\\u0000x\",\"id\":1}",
                 RPC_METHOD_NOT_FOUND, "method not found: \"echo\\x00x\"");
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"echo\\u0000\",\"id\":1}",
                 RPC_METHOD_NOT_FOUND, "\"echo\\x00\"");
    assert_int_equal(calls, 0);
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"hexsum\",\"params\":[],\"id\":1}",
                 RPC_INVALID_PARAMS, "expected 2 to 3 parameters, got 0");
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"hexsum\",\"params\":{},\"id\":1}",
                 RPC_INVALID_PARAMS, "must be an array");
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"hexsum\",\"params\":[\"0x0102\",1],\"id\":1}",
                 RPC_INVALID_PARAMS, "params[0]: expected 8 hex digits, got 4");
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"hexsum\",\"params\":[\"0x010203zz\",1],\"id\":1}",
                 RPC_INVALID_PARAMS, "params[0]");
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"hexsum\",\"params\":[7,1],\"id\":1}",
                 RPC_INVALID_PARAMS, "params[0]: expected a hex string");
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"hexsum\",\"params\":[\"01020304\",-1],\"id\":1}",
                 RPC_INVALID_PARAMS, "params[1]");
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"hexsum\",\"params\":[\"01020304\",\"0x1g\"],"
                 "\"id\":1}", RPC_INVALID_PARAMS, "params[1]");
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"hexsum\",\"params\":[\"01020304\",1,\"yes\"],"
                 "\"id\":1}", RPC_INVALID_PARAMS, "params[2]: expected true or false");
    json_t *r = dispatch("{\"jsonrpc\":\"2.0\",\"method\":\"hexsum\",\"params\":[\"0x01020304\","
                         "\"0x10\",false],\"id\":1}", 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(r, "result")), 10 + 16);
    json_decref(r);
    r = dispatch("{\"jsonrpc\":\"2.0\",\"method\":\"hexsum\",\"params\":[\"01020304\","
                 "\"18446744073709551615\"],\"id\":1}", 0, NULL);
    assert_non_null(json_object_get(r, "result"));
    json_decref(r);
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"hexsum\",\"params\":[\"01020304\","
                 "\"18446744073709551616\"],\"id\":1}", RPC_INVALID_PARAMS, "params[1]");
}

static void test_u64_exact(void **state)
{
    (void)state;
    rpc_dispatch_cfg_t cfg = {.methods = methods, .max_batch = 10};
    const char *body = "{\"jsonrpc\":\"2.0\",\"method\":\"u64max\",\"id\":18446744073709551615}";
    buf_t out;
    buf_init(&out, 0);
    rpc_dispatch(&cfg, body, strlen(body), &out, NULL, NULL, NULL);
    buf_terminate(&out);
    assert_string_equal((char *)out.data, "{\"id\":18446744073709551615,\"jsonrpc\":\"2.0\","
                                          "\"result\":18446744073709551615}");
    buf_free(&out);
}

static void test_batch(void **state)
{
    (void)state;
    calls = 0;
    rpc_dispatch_info_t info;
    json_t *r = dispatch("[{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1],\"id\":1},"
                         "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[2]},"
                         "7,"
                         "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":3},"
                         "{\"jsonrpc\":\"2.0\",\"method\":\"fail\",\"id\":4}]",
                         0, &info);
    assert_true(json_is_array(r));
    /* the notification (no id) gets no answer; the invalid element does */
    assert_int_equal(json_array_size(r), 4);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 0), "id")), 1);
    assert_int_equal(code_of(json_array_get(r, 1)), RPC_INVALID_REQUEST);
    assert_int_equal(code_of(json_array_get(r, 2)), RPC_METHOD_NOT_FOUND);
    assert_int_equal(code_of(json_array_get(r, 3)), APP_ERROR);
    assert_int_equal(calls, 3);
    assert_int_equal(info.n_calls, 5);
    assert_int_equal(info.n_errors, 3);
    assert_int_equal(info.first_error, RPC_INVALID_REQUEST);
    json_decref(r);
    /* all notifications: nothing at all */
    r = dispatch("[{\"jsonrpc\":\"2.0\",\"method\":\"echo\"},{\"jsonrpc\":\"2.0\",\"method\":\"echo\"}]",
                 0, NULL);
    assert_null(r);
    r = dispatch("{\"jsonrpc\":\"2.0\",\"method\":\"echo\"}", 0, NULL);
    assert_null(r);
    /* batch limit */
    r = dispatch("[{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1},"
                 "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":2},"
                 "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":3}]", 2, NULL);
    assert_int_equal(code_of(r), RPC_INVALID_REQUEST);
    assert_non_null(strstr(msg_of(r), "batch of 3 requests exceeds the limit of 2"));
    json_decref(r);
    /* deep nesting is refused by the parser, not by a crash */
    char deep[1200];
    memset(deep, '[', 600);
    memset(deep + 600, ']', 600);
    deep[1199] = 0;
    deep[1198] = ']';
    r = dispatch(deep, 0, NULL);
    assert_int_equal(code_of(r), RPC_PARSE_ERROR);
    json_decref(r);
}

/* Runs of a method with a batch handler go to it in one call, in order with
 * the requests around them; a single request uses the plain handler. */
static void test_batch_handler(void **state)
{
    (void)state;
    seq_calls = n_runs = 0;
    json_t *r = dispatch("[{\"jsonrpc\":\"2.0\",\"method\":\"seq\",\"id\":1},"
                         "{\"jsonrpc\":\"2.0\",\"method\":\"seq\",\"id\":2},"
                         "{\"jsonrpc\":\"2.0\",\"method\":\"seq\",\"params\":[1],\"id\":3},"
                         "{\"jsonrpc\":\"2.0\",\"method\":\"seq\",\"id\":4},"
                         "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":5},"
                         "{\"jsonrpc\":\"2.0\",\"method\":\"seq\"},"
                         "{\"jsonrpc\":\"2.0\",\"method\":\"seq\",\"id\":7}]",
                         0, NULL);
    assert_int_equal(json_array_size(r), 6);   /* the notification is not answered */
    assert_int_equal(n_runs, 2);
    assert_int_equal(runs[0], 4);
    assert_int_equal(runs[1], 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 0), "result")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 1), "result")), 2);
    assert_int_equal(code_of(json_array_get(r, 2)), RPC_INVALID_PARAMS);
    assert_int_equal(code_of(json_array_get(r, 3)), RPC_INTERNAL_ERROR);
    assert_non_null(strstr(msg_of(json_array_get(r, 3)), "internal error in seq"));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 4), "id")), 5);
    /* the notification ran (call 3) before request 7 (call 4) */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 5), "result")), 4);
    json_decref(r);
    r = dispatch("{\"jsonrpc\":\"2.0\",\"method\":\"seq\",\"id\":1}", 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(r, "result")), 5);
    assert_int_equal(n_runs, 2);
    json_decref(r);
}

/* Response amplification (issue 19 finding 6): a batch whose answers would
 * pass max_response is cut there: the request that would pass it gets
 * -32007, the ones after it are not run; the body stays bounded. */
static void test_response_limit(void **state)
{
    (void)state;
    rpc_dispatch_cfg_t cfg = {.methods = methods, .max_response = 64 * 1024};
    buf_t body, out;
    buf_init(&body, 0);
    buf_init(&out, 0);
    buf_append_str(&body, "[");
    for (int i = 0; i < 200; i++)
        buf_printf(&body, "%s{\"jsonrpc\":\"2.0\",\"method\":\"big\",\"params\":[16384],"
                          "\"id\":%d}", i ? "," : "", i);
    buf_append_str(&body, "]");
    big_calls = 0;
    rpc_dispatch_info_t info;
    rpc_dispatch(&cfg, (const char *)body.data, body.len, &out, &info, NULL, NULL);
    /* 3 answers of 16 KiB fit, the 4th would pass 64 KiB; 196 small errors */
    assert_true(out.len < 64 * 1024 + 200 * 300);
    assert_int_equal(big_calls, 4);
    assert_int_equal(info.n_calls, 200);
    assert_int_equal(info.n_errors, 197);
    assert_int_equal(info.first_error, RPC_RESPONSE_TOO_LARGE);
    json_t *r = cjson_parse((const char *)out.data, out.len, NULL);
    assert_int_equal(json_array_size(r), 200);
    assert_true(json_is_string(json_object_get(json_array_get(r, 2), "result")));
    assert_int_equal(code_of(json_array_get(r, 3)), RPC_RESPONSE_TOO_LARGE);
    assert_non_null(strstr(msg_of(json_array_get(r, 3)), "limit of 65536 bytes"));
    assert_int_equal(code_of(json_array_get(r, 199)), RPC_RESPONSE_TOO_LARGE);
    assert_non_null(strstr(msg_of(json_array_get(r, 199)), "not run"));
    json_decref(r);
    /* a single answer over the limit */
    const char *one = "{\"jsonrpc\":\"2.0\",\"method\":\"big\",\"params\":[70000],\"id\":1}";
    buf_reset(&out);
    rpc_dispatch(&cfg, one, strlen(one), &out, NULL, NULL, NULL);
    assert_true(out.len < 400);
    r = cjson_parse((const char *)out.data, out.len, NULL);
    assert_int_equal(code_of(r), RPC_RESPONSE_TOO_LARGE);
    json_decref(r);
    buf_free(&body);
    buf_free(&out);
}

/* ---- server + client -------------------------------------------------------- */

static int health(void *ud, json_t **body)
{
    (void)ud;
    *body = json_pack("{s:s}", "status", "ok");
    return 200;
}

static void metrics(void *ud, buf_t *out)
{
    (void)ud;
    buf_append_str(out, "test_metric 7\n");
}

static const int app_codes[] = {APP_ERROR, 0};

static rpc_server_t *start(double rate, size_t max_body)
{
    rpc_server_cfg_t cfg;
    rpc_server_cfg_default(&cfg);
    cfg.port = 0;
    cfg.rate = rate;
    cfg.burst = rate;
    if (max_body)
        cfg.max_body = max_body;
    cfg.dispatch.methods = methods;
    cfg.app_codes = app_codes;
    cfg.health = health;
    cfg.metrics = metrics;
    err_t e = {0};
    rpc_server_t *s = rpc_server_start(&cfg, &e);
    if (!s)
        fail_msg("server: %s", e.msg);
    return s;
}

static rpc_client_t *client_for(rpc_server_t *s)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", rpc_server_port(s));
    err_t e = {0};
    rpc_client_t *c = rpc_client_new(url, 5000, &e);
    assert_non_null(c);
    return c;
}

static void test_http(void **state)
{
    (void)state;
    rpc_server_t *s = start(0, 4096);
    rpc_client_t *c = client_for(s);
    err_t e = {0};
    json_t *res = NULL;
    int code = 0;
    for (int i = 0; i < 50; i++) { /* keep-alive reuse */
        json_t *p = json_pack("[i]", i);
        assert_int_equal(rpc_client_call(c, "echo", p, &res, &code, &e), 0);
        assert_int_equal(json_integer_value(json_array_get(res, 0)), i);
        json_decref(res);
        json_decref(p);
    }
    assert_int_equal(rpc_client_call(c, "fail", NULL, &res, &code, &e), RPC_EREMOTE);
    assert_int_equal(code, APP_ERROR);
    assert_string_equal(e.msg, "nope: 42");
    assert_null(res);

    int status = 0;
    char *body = NULL;
    size_t len = 0;
    assert_int_equal(rpc_client_get(c, "/health", &status, &body, &len, &e), 0);
    assert_int_equal(status, 200);
    assert_string_equal(body, "{\"status\":\"ok\"}");
    free(body);
    assert_int_equal(rpc_client_get(c, "/metrics", &status, &body, &len, &e), 0);
    assert_int_equal(status, 200);
    assert_non_null(strstr(body, "test_metric 7\n"));
    assert_non_null(strstr(body, "aether_rpc_calls_total{method=\"echo\"} 50"));
    assert_non_null(strstr(body, "aether_rpc_errors_total{code=\"-32001\"} 1"));
    free(body);
    assert_int_equal(rpc_client_get(c, "/other", &status, &body, &len, &e), 0);
    assert_int_equal(status, 404);
    free(body);

    /* body limit: 413 with a JSON-RPC error, and the server still works */
    char *big = malloc(5000);
    memset(big, ' ', 5000);
    assert_int_equal(rpc_client_post(c, big, 5000, &status, &body, &len, &e), 0);
    free(big);
    assert_int_equal(status, 413);
    assert_non_null(strstr(body, "-32006"));
    free(body);
    rpc_client_free(c);
    c = client_for(s);
    const char *note = "{\"jsonrpc\":\"2.0\",\"method\":\"echo\"}";
    assert_int_equal(rpc_client_post(c, note, strlen(note), &status, &body, &len, &e), 0);
    assert_int_equal(status, 204);
    assert_int_equal(len, 0);
    free(body);
    assert_int_equal(rpc_client_post(c, "{", 1, &status, &body, &len, &e), 0);
    assert_int_equal(status, 200);
    assert_non_null(strstr(body, "-32700"));
    free(body);
    rpc_client_free(c);
    rpc_server_stop(s);
}

/* Sends a raw request and returns what the server answered (until close). */
static char *raw_http(uint16_t port, const char *req)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
    shutdown(fd, SHUT_WR);
    buf_t b;
    buf_init(&b, 0);
    char tmp[4096];
    ssize_t r;
    while ((r = recv(fd, tmp, sizeof tmp, 0)) > 0)
        buf_append(&b, tmp, (size_t)r);
    close(fd);
    buf_terminate(&b);
    return (char *)buf_steal(&b, NULL);
}

/* POST is served for application/json only: 415 with a message otherwise. */
static void test_content_type(void **state)
{
    (void)state;
    rpc_server_t *s = start(0, 0);
    static const char body[] = "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1],\"id\":1}";
    static const char *const types[] = {"text/plain", "application/x-www-form-urlencoded",
                                        "application/jsonx", NULL};
    char req[512];
    calls = 0;
    for (int i = 0; i < 4; i++) {
        if (types[i])
            snprintf(req, sizeof req, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", types[i],
                     sizeof body - 1, body);
        else
            snprintf(req, sizeof req, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s", sizeof body - 1, body);
        char *resp = raw_http(rpc_server_port(s), req);
        if (strncmp(resp, "HTTP/1.1 415", 12) != 0 || !strstr(resp, "application/json\\\""))
            fail_msg("type %s: %s", types[i] ? types[i] : "(none)", resp);
        free(resp);
    }
    assert_int_equal(calls, 0);
    snprintf(req, sizeof req, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: Application/JSON; "
             "charset=utf-8\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
             sizeof body - 1, body);
    char *resp = raw_http(rpc_server_port(s), req);
    assert_int_equal(strncmp(resp, "HTTP/1.1 200", 12), 0);
    free(resp);
    assert_int_equal(calls, 1);
    rpc_server_stop(s);
}

static int connect_raw(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Connection limits (issue 19 finding 5): over the limit a client gets 503
 * with Retry-After and a -32008 error instead of a silent close, /health is
 * still answered, the client retries a 503 within its timeout, and a
 * request that trickles in is cut at the whole-request deadline however
 * often its bytes come. */
static void test_busy_and_deadline(void **state)
{
    (void)state;
    rpc_server_cfg_t cfg;
    rpc_server_cfg_default(&cfg);
    cfg.port = 0;
    cfg.rate = 0;
    cfg.max_conns = 2;
    cfg.max_conns_per_ip = 2;
    cfg.request_timeout_ms = 600;
    cfg.dispatch.methods = methods;
    cfg.health = health;
    err_t e = {0};
    rpc_server_t *s = rpc_server_start(&cfg, &e);
    assert_non_null(s);
    uint16_t port = rpc_server_port(s);
    /* two idle connections fill the server */
    int idle[2] = {connect_raw(port), connect_raw(port)};
    usleep(200 * 1000);
    const char *post = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: 47\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1}";
    char *resp = raw_http(port, post);
    if (strncmp(resp, "HTTP/1.1 503", 12) != 0 || !strstr(resp, "Retry-After: 1\r\n") ||
        !strstr(resp, "-32008") || !strstr(resp, "server busy"))
        fail_msg("full server answered: %s", resp);
    free(resp);
    resp = raw_http(port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    if (strncmp(resp, "HTTP/1.1 200", 12) != 0 || !strstr(resp, "{\"status\":\"ok\"}"))
        fail_msg("/health on a full server: %s", resp);
    free(resp);
    /* the client is refused, waits Retry-After and retries; meanwhile the
     * idle connections are cut at the deadline (600 ms), so it gets served */
    rpc_client_t *c = client_for(s);
    json_t *res = NULL;
    int code = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(rpc_client_call(c, "echo", NULL, &res, &code, &e), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    json_decref(res);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(waited > 0.5 && waited < 3.5);
    for (int i = 0; i < 2; i++) {
        char b[16];
        assert_int_equal(recv(idle[i], b, sizeof b, 0), 0);
        close(idle[i]);
    }
    rpc_client_free(c);
    /* a request trickling one byte every 100 ms is cut at ~600 ms, not served */
    int fd = connect_raw(port);
    const char *req = "GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    size_t sent = 0;
    bool closed = false;
    for (int i = 0; i < 30 && !closed; i++) {
        if (sent < strlen(req) && send(fd, req + sent, 1, MSG_NOSIGNAL) == 1)
            sent++;
        usleep(100 * 1000);
        char b[64];
        ssize_t r = recv(fd, b, sizeof b, MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            closed = true;
        assert_true(r <= 0);   /* never answered */
    }
    assert_true(closed);
    assert_true(sent < 15);
    close(fd);
    rpc_server_stop(s);
}

/* A full server makes room for a client with fewer connections: the
 * heaviest address's connection that has waited longest without a request
 * is shut, and the newcomer is served at once (no 503, no retry). */
static void test_evict(void **state)
{
    (void)state;
    rpc_server_cfg_t cfg;
    rpc_server_cfg_default(&cfg);
    cfg.port = 0;
    cfg.rate = 0;
    cfg.max_conns = 2;
    cfg.max_conns_per_ip = 2;
    cfg.request_timeout_ms = 20000;
    cfg.dispatch.methods = methods;
    err_t e = {0};
    rpc_server_t *s = rpc_server_start(&cfg, &e);
    assert_non_null(s);
    int idle[2];
    for (int i = 0; i < 2; i++) {
        idle[i] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in src = {.sin_family = AF_INET};
        inet_pton(AF_INET, "127.0.0.2", &src.sin_addr);
        struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(rpc_server_port(s))};
        dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(bind(idle[i], (struct sockaddr *)&src, sizeof src), 0);
        assert_int_equal(connect(idle[i], (struct sockaddr *)&dst, sizeof dst), 0);
        struct timeval tv = {3, 0};
        setsockopt(idle[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    usleep(1300 * 1000);   /* both have waited past the 1 s grace */
    rpc_client_t *c = client_for(s);
    json_t *res = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(rpc_client_call(c, "echo", NULL, &res, NULL, &e), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    json_decref(res);
    assert_true(t1.tv_sec - t0.tv_sec < 1);   /* not refused and retried */
    char b[8];
    int closed = (recv(idle[0], b, sizeof b, MSG_DONTWAIT) == 0) +
                 (recv(idle[1], b, sizeof b, MSG_DONTWAIT) == 0);
    if (closed == 0) {   /* the shutdown may take a moment to show */
        usleep(200 * 1000);
        closed = (recv(idle[0], b, sizeof b, MSG_DONTWAIT) == 0) +
                 (recv(idle[1], b, sizeof b, MSG_DONTWAIT) == 0);
    }
    assert_int_equal(closed, 1);
    close(idle[0]);
    close(idle[1]);
    rpc_client_free(c);
    rpc_server_stop(s);
}

static void test_rate_limit(void **state)
{
    (void)state;
    rpc_server_t *s = start(1, 0);
    rpc_client_t *c = client_for(s);
    int limited = 0, ok = 0;
    for (int i = 0; i < 12; i++) {
        json_t *res = NULL;
        int code = 0;
        err_t e = {0};
        int rc = rpc_client_call(c, "echo", NULL, &res, &code, &e);
        if (rc == 0)
            ok++;
        else if (rc == RPC_EREMOTE && code == RPC_RATE_LIMITED)
            limited++;
        json_decref(res);
    }
    /* burst 1, refill 1/s: a dozen quick calls get a few through at most */
    assert_true(ok >= 1);
    assert_true(limited >= 6);
    assert_int_equal(ok + limited, 12);
    rpc_client_free(c);
    rpc_server_stop(s);
}

/* A kept-alive connection the server dropped is replaced transparently. */
static void test_reconnect(void **state)
{
    (void)state;
    rpc_server_cfg_t cfg;
    rpc_server_cfg_default(&cfg);
    cfg.port = 0;
    cfg.rate = 0;
    cfg.dispatch.methods = methods;
    err_t e = {0};
    rpc_server_t *s = rpc_server_start(&cfg, &e);
    assert_non_null(s);
    rpc_client_t *c = client_for(s);
    json_t *res = NULL;
    assert_int_equal(rpc_client_call(c, "echo", NULL, &res, NULL, &e), 0);
    json_decref(res);
    cfg.port = rpc_server_port(s);
    rpc_server_stop(s);
    /* Rebind the same port; another process may hold it for a moment
     * (TIME_WAIT is covered by SO_REUSEADDR), so retry, bounded. */
    s = rpc_server_start(&cfg, &e);
    for (int i = 0; !s && i < 50; i++) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        s = rpc_server_start(&cfg, &e);
    }
    if (!s)
        fail_msg("cannot rebind port %u for the reconnect test: %s", cfg.port, e.msg);
    assert_int_equal(rpc_client_call(c, "echo", NULL, &res, NULL, &e), 0);
    json_decref(res);
    rpc_client_free(c);
    rpc_server_stop(s);
}

static void test_client_errors(void **state)
{
    (void)state;
    err_t e = {0};
    assert_null(rpc_client_new("https://x", 100, &e));
    assert_non_null(strstr(e.msg, "http://"));
    assert_null(rpc_client_new("http://:80", 100, &e));
    assert_null(rpc_client_new("http://host:99999", 100, &e));
    assert_null(rpc_client_new("http://host:8x", 100, &e));
    /* a closed port: a clear "cannot connect" */
    rpc_server_t *s = start(0, 0);
    uint16_t port = rpc_server_port(s);
    rpc_server_stop(s);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
    rpc_client_t *c = rpc_client_new(url, 2000, &e);
    assert_non_null(c);
    json_t *res = NULL;
    int rc = rpc_client_call(c, "echo", NULL, &res, NULL, &e);
    assert_int_equal(rc, RPC_EIO);
    assert_non_null(strstr(e.msg, "cannot connect"));
    rpc_client_free(c);

    char host[64];
    uint16_t p;
    assert_int_equal(rpc_parse_listen("127.0.0.1:8545", host, &p, &e), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(p, 8545);
    assert_int_equal(rpc_parse_listen("localhost:0", host, &p, &e), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_not_equal(rpc_parse_listen("127.0.0.1", host, &p, &e), 0);
    assert_int_not_equal(rpc_parse_listen("127.0.0.1:65536", host, &p, &e), 0);
    assert_int_not_equal(rpc_parse_listen("example.com:80", host, &p, &e), 0);
    assert_int_not_equal(rpc_parse_listen(":80", host, &p, &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single),     cmocka_unit_test(test_errors),
        cmocka_unit_test(test_batch),      cmocka_unit_test(test_http),
        cmocka_unit_test(test_rate_limit), cmocka_unit_test(test_client_errors),
        cmocka_unit_test(test_reconnect),  cmocka_unit_test(test_u64_exact),
        cmocka_unit_test(test_batch_handler), cmocka_unit_test(test_response_limit),
        cmocka_unit_test(test_content_type), cmocka_unit_test(test_busy_and_deadline),
        cmocka_unit_test(test_evict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
