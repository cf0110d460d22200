/*
 * rpc: JSON-RPC 2.0 over HTTP/1.1, the transport that the chain's aeth_*
 * methods (chain/rpc) and Phase's HTTP API share. Knows nothing of either:
 * an application hands it a table of methods.
 *
 * Layers:
 *   rpc_dispatch   pure JSON-RPC 2.0 processing of one request body (single
 *                  or batch) against a table of methods: no I/O, so it is unit
 *                  tested and fuzzed directly (dispatch.c);
 *   rpc_param_*    helpers for methods: positional params with messages that
 *                  name the parameter (params.c);
 *   rpc_server     libmicrohttpd, one thread per connection (so concurrent
 *                  clients verify their transactions on separate cores; a
 *                  thread pool let MHD accept every connection on one worker):
 *                  POST / carries JSON-RPC, GET /health and GET /metrics
 *                  (Prometheus text); body, batch and response size limits,
 *                  per-client rate limits, request counters (server.c);
 *   rpc_client     blocking HTTP/1.1 over a keep-alive TCP socket with
 *                  timeouts (no libcurl), and its response parser (client.c).
 *
 * Batches: a method may also give a batch handler, called once for each run
 * of consecutive requests of that method in a batch (in order, between the
 * requests before and after the run), so it can do work for all of them at
 * once: chain/rpc verifies all the signatures of a batch of
 * aeth_sendRawTransaction on every core before admitting them one by one.
 *
 * Error codes: the JSON-RPC 2.0 standard ones, the transport's (-32005..
 * -32008, below) and each application's own (chain/rpc: -32000..-32002).
 * Every message says what was wrong ("params[0]: expected a 0x-prefixed hex
 * string"). A method handler sets *result (a new reference; JSON null is a
 * valid result, e.g. for an unknown block) or fills the rpc_error_t.
 * Functions of this module return 0 or a negative RPC_E* code (base.h).
 *
 * HTTP mapping: a body over the size limit gets 413, a client over its rate
 * 429, a POST that is not Content-Type application/json 415, a connection
 * over the connection limits (total or per client address) 503 with
 * Retry-After, all with a JSON-RPC error body; everything else JSON-RPC
 * answers with 200 (errors inside the body, as the spec intends), and a body
 * of only notifications with 204. A request that does not arrive in full
 * within request_timeout_ms is cut off (slowloris); GET /health answers even
 * when the server is full.
 */
#ifndef AETHER_RPC_H
#define AETHER_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/base.h"

/* Standard JSON-RPC 2.0 codes. */
#define RPC_PARSE_ERROR -32700
#define RPC_INVALID_REQUEST -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS -32602
#define RPC_INTERNAL_ERROR -32603
/* Transport codes (the server's own; applications use -32000..-32004). */
#define RPC_RATE_LIMITED -32005       /* HTTP 429 */
#define RPC_BODY_TOO_LARGE -32006     /* HTTP 413 */
#define RPC_RESPONSE_TOO_LARGE -32007 /* answer over the response size limit */
#define RPC_SERVER_BUSY -32008        /* HTTP 503 + Retry-After: connection limits */

/* Error codes RPC_E* (RPC_EINVAL, RPC_EIO, RPC_EREMOTE, RPC_ENOMEM) are
 * defined in base/base.h (AETHER_ERRORS), the one error space of the
 * project; this module's range is -600..-699. */

typedef struct rpc_error {
    int code;
    char message[ERR_MSG_MAX];
    json_t *data;   /* optional, owned (the dispatcher frees it) */
} rpc_error_t;

/* Convenience for handlers: fills err and returns -1. */
int rpc_fail(rpc_error_t *err, int code, const char *fmt, ...) BASE_PRINTF(3, 4);

/* params is the request's "params" (an array or object) or NULL when absent. */
typedef int (*rpc_method_fn)(void *ud, const json_t *params, json_t **result, rpc_error_t *err);

/* Batch handler: params[0..n) of n consecutive requests of one method (in a
 * batch only). Sets each results[i] (a new reference) or fills errs[i]
 * (zeroed on entry); an entry with neither is answered as an internal error. */
typedef void (*rpc_batch_fn)(void *ud, size_t n, const json_t *const *params, json_t **results,
                             rpc_error_t *errs);

typedef struct rpc_method {
    const char *name;
    rpc_method_fn fn;
    rpc_batch_fn batch;   /* optional */
} rpc_method_t;

typedef struct rpc_dispatch_cfg {
    const rpc_method_t *methods;   /* terminated by a NULL name */
    void *ud;                      /* passed to every method */
    size_t max_batch;              /* 0 = 10,000 */
    /* Bytes of JSON one body may be answered with (a single response or a
     * whole batch); 0 = unlimited. A response that would pass it is replaced
     * by a -32007 error naming the limit, and the requests of a batch after
     * that point are not run, each answered with -32007. */
    size_t max_response;
} rpc_dispatch_cfg_t;

/* Per-call accounting, for metrics. */
typedef struct rpc_dispatch_info {
    size_t n_calls;          /* requests in the body (1 for a single request) */
    size_t n_errors;         /* of which answered with an error */
    int first_error;         /* code of the first error, 0 if none */
} rpc_dispatch_info_t;

/* Optional observer of each call (method name or NULL when invalid, error code
 * or 0) for per-method metrics. */
typedef void (*rpc_call_observer_fn)(void *ud, const char *method, int code);

/* Processes one HTTP body. Appends the JSON response to out (nothing when
 * every request was a notification) and returns the number of bytes
 * appended. Never fails on bad input: bad input gets a JSON-RPC error. */
size_t rpc_dispatch(const rpc_dispatch_cfg_t *cfg, const char *body, size_t len, buf_t *out,
                    rpc_dispatch_info_t *info, rpc_call_observer_fn obs, void *obs_ud);

/* Appends a complete error response {"jsonrpc":"2.0","error":{..},"id":null}. */
void rpc_error_response(buf_t *out, int code, const char *message);

/* ---- params helpers (messages name the parameter: "params[1]: ...") ---- */

/* Positional parameter i of an array (NULL when absent or params not an array). */
const json_t *rpc_param(const json_t *params, size_t i);
int rpc_param_count_check(const json_t *params, size_t min, size_t max, rpc_error_t *err);
/* A "0x"-prefixed (or bare) hex string of exactly n bytes. */
int rpc_param_hex_fixed(const json_t *params, size_t i, uint8_t *out, size_t n, rpc_error_t *err);
/* A hex string of any even length up to max bytes; *out malloc'd. */
int rpc_param_hex_alloc(const json_t *params, size_t i, size_t max, uint8_t **out, size_t *n,
                        rpc_error_t *err);
/* A non-negative integer or a decimal / 0x-hex string that fits u64. */
int rpc_param_u64(const json_t *params, size_t i, uint64_t *out, rpc_error_t *err);
/* Optional boolean (default when absent). */
int rpc_param_bool(const json_t *params, size_t i, bool dflt, bool *out, rpc_error_t *err);
/* Lower-case hex (no prefix, like every chain JSON form) as a new JSON string. */
json_t *rpc_hex_json(const uint8_t *p, size_t n);

/* ---- server ----------------------------------------------------------------- */

typedef struct rpc_server rpc_server_t;

/* A request for an application's own routes (rpc_server_cfg_t.route): every
 * request that is not POST / (JSON-RPC), GET /health or GET /metrics. The
 * body (POST, PUT, PATCH) is read under max_body whatever its Content-Type
 * (the route checks it); too_large is set instead when it was over. */
typedef struct rpc_http_req {
    const char *method;          /* "GET", "POST", "DELETE", ... */
    const char *path;            /* without the query string */
    const char *content_type;    /* header value or NULL */
    const char *authorization;   /* header value or NULL */
    const uint8_t *body;
    size_t body_len;
    bool too_large;
    void *conn_;                 /* private: for rpc_http_query */
} rpc_http_req_t;

/* A query-string argument of the request (decoded), or NULL. */
const char *rpc_http_query(const rpc_http_req_t *r, const char *name);

typedef struct rpc_server_cfg {
    const char *host;          /* listen address, default "127.0.0.1" */
    uint16_t port;             /* 0 = any free port (see rpc_server_port) */
    size_t max_body;           /* bytes, default 8 MiB */
    size_t max_batch;          /* requests per batch, default 10,000 */
    size_t max_response;       /* bytes per answer (request or batch), default 64 MiB */
    double rate;               /* calls per second per client IP; 0 = unlimited */
    double burst;              /* bucket size (calls); default 2 * rate */
    unsigned max_conns;        /* concurrent connections (one thread each), default 64 */
    unsigned max_conns_per_ip; /* of which from one client address, default max_conns / 2 */
    unsigned request_timeout_ms; /* a whole request, however slow its bytes; default 10 s */
    rpc_dispatch_cfg_t dispatch;
    /* Application error codes counted under their own label in /metrics
     * (the others count as "other"); terminated by 0, may be NULL. */
    const int *app_codes;
    /* GET /health: JSON body and HTTP status (200 healthy, 503 not). */
    int (*health)(void *ud, json_t **body);
    /* GET /metrics: appends Prometheus text (the server adds its own). */
    void (*metrics)(void *ud, buf_t *out);
    /* Optional: the application's other routes (rpc_http_req_t above). Returns
     * the HTTP status and sets *body (a new reference, sent as JSON; NULL =
     * empty). Runs on the connection's thread, like methods. Without it such
     * requests get 404/405. */
    int (*route)(void *ud, const rpc_http_req_t *req, json_t **body);
} rpc_server_cfg_t;

void rpc_server_cfg_default(rpc_server_cfg_t *cfg);
/* Parses "HOST:PORT" (IPv4 dotted quad or "localhost"). host_out holds 64. */
int rpc_parse_listen(const char *s, char host_out[64], uint16_t *port, err_t *e) BASE_MUST_CHECK;
rpc_server_t *rpc_server_start(const rpc_server_cfg_t *cfg, err_t *e);
uint16_t rpc_server_port(const rpc_server_t *s);
void rpc_server_stop(rpc_server_t *s);   /* accepts NULL; waits for in-flight requests */

/* ---- client ------------------------------------------------------------------ */

typedef struct rpc_client rpc_client_t;

/* url: "http://HOST:PORT[/path]" (HOST a name or IPv4 address). */
rpc_client_t *rpc_client_new(const char *url, unsigned timeout_ms, err_t *e);
void rpc_client_free(rpc_client_t *c);
/* POSTs body and returns the response body (malloc'd, NUL-terminated) and the
 * HTTP status. Reconnects once if a kept-alive connection was closed. */
int rpc_client_post(rpc_client_t *c, const char *body, size_t len, int *status, char **resp,
                    size_t *resp_len, err_t *e) BASE_MUST_CHECK;
/* GET path (e.g. "/health"). */
int rpc_client_get(rpc_client_t *c, const char *path, int *status, char **resp, size_t *resp_len,
                   err_t *e) BASE_MUST_CHECK;
/* One call. params is borrowed (NULL = []). On success *result is a new
 * reference. A JSON-RPC error returns RPC_EREMOTE with e->msg = the server's
 * message and *rpc_code (when not NULL) its code. Text from the server is
 * put into e->msg with control characters and invalid UTF-8 escaped (\xNN),
 * so a caller may print it to a terminal as is. */
int rpc_client_call(rpc_client_t *c, const char *method, json_t *params, json_t **result,
                    int *rpc_code, err_t *e) BASE_MUST_CHECK;

/* The client's response parser on its own: parses data[0..len) as one
 * complete HTTP/1.1 response to a JSON-RPC call (status line, headers, body
 * framed by Content-Length, chunked coding or the end of the data) and its
 * body as a JSON-RPC response, exactly as rpc_client_call does. Same results
 * and errors; never reads past len. For the fuzzer and the tests. */
int rpc_client_parse_response(const char *data, size_t len, json_t **result, int *rpc_code,
                              err_t *e) BASE_MUST_CHECK;

/* Copies text from a peer into out (NUL-terminated, at most cap - 1 bytes,
 * cut at a character boundary): valid printable UTF-8 is kept, control
 * characters, DEL and bytes that are not valid UTF-8 become "\xNN". Returns
 * the length written. */
size_t rpc_text_sanitize(const char *in, size_t n, char *out, size_t cap);

#endif /* AETHER_RPC_H */
