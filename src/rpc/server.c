/*
 * The HTTP side of the JSON-RPC server, on libmicrohttpd with one thread per
 * connection (handlers therefore run concurrently and must be thread-safe).
 * With MHD's thread pool every connection of a client could land on the same
 * worker, which serialised signature checks of a batched load onto one core.
 * Sockets are accepted by admit.c, which enforces the connection limits
 * (total and per client address, 503 + Retry-After beyond them, /health
 * still answered) and the whole-request deadline, and hands the admitted
 * ones to MHD.
 *
 * Limits of a request, checked in this order:
 *   - POST needs Content-Type application/json: 415 otherwise;
 *   - Content-Length (or the bytes actually received) above max_body: 413 and
 *     a -32006 error; the rest of the upload is discarded, not buffered;
 *   - per-client-IP token bucket: a request needs at least one token and then
 *     pays one token per call in it (a batch of 500 pays 500), so the bucket
 *     may go into debt and a flood of batches is throttled with 429 / -32005.
 *     Buckets live in a fixed table indexed by a keyed hash of the IP;
 *     colliding clients share a bucket, which can only make the limit
 *     stricter, and the table never grows;
 *   - the answer is capped at max_response bytes by the dispatcher (-32007
 *     for what does not fit) and handed to MHD without a copy.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#define RATE_BUCKETS 1024
#define MAX_CODES 32

/* Codes with their own label in /metrics, in this order: the standard ones,
 * the application's, the transport's; then "other". */
static const int std_codes[] = {RPC_PARSE_ERROR, RPC_INVALID_REQUEST, RPC_METHOD_NOT_FOUND,
                                RPC_INVALID_PARAMS, RPC_INTERNAL_ERROR};
static const int transport_codes[] = {RPC_RATE_LIMITED, RPC_BODY_TOO_LARGE,
                                      RPC_RESPONSE_TOO_LARGE, RPC_SERVER_BUSY};

typedef struct bucket {
    double tokens;
    double last;   /* seconds, monotonic */
    bool used;
} bucket_t;

struct rpc_server {
    rpc_server_cfg_t cfg;
    struct MHD_Daemon *mhd;
    rpc_admit_t *admit;        /* accept thread, connection limits, deadlines */
    uint16_t port;
    pthread_mutex_t rate_mu;
    bucket_t buckets[RATE_BUCKETS];
    uint64_t rate_key;
    size_t n_methods;
    _Atomic uint64_t *method_calls; /* n_methods + 1 (unknown / invalid) */
    int known_codes[MAX_CODES];    /* n_codes labelled ones, then 0 = "other" */
    int n_codes;
    _Atomic uint64_t code_counts[MAX_CODES];
    _Atomic uint64_t http_rpc, http_health, http_metrics, http_other;
    _Atomic uint64_t limited, too_large;
};

typedef struct conn_ctx {
    buf_t body;
    bool too_big;
    bool routed;   /* for cfg.route */
} conn_ctx_t;

void rpc_server_cfg_default(rpc_server_cfg_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->host = "127.0.0.1";
    cfg->port = 8545;
    cfg->max_body = 8u << 20;
    cfg->max_batch = 10000;
    cfg->max_response = 64u << 20;
    cfg->rate = 50000;
    cfg->burst = 100000;
    cfg->max_conns = 64;
    cfg->max_conns_per_ip = 32;
    cfg->request_timeout_ms = 10000;
}

int rpc_parse_listen(const char *s, char host_out[64], uint16_t *port, err_t *e)
{
    const char *colon = s ? strrchr(s, ':') : NULL;
    if (!colon || colon == s || (size_t)(colon - s) >= 64)
        return err_set(e, RPC_EINVAL, "rpc: listen address \"%s\" is not HOST:PORT",
                       s ? s : "");
    uint64_t p = 0;
    const char *d = colon + 1;
    if (!*d)
        return err_set(e, RPC_EINVAL, "rpc: listen address \"%s\" has no port", s);
    for (; *d; d++) {
        if (*d < '0' || *d > '9' || p > 65535)
            return err_set(e, RPC_EINVAL, "rpc: port in \"%s\" is not a number 0..65535", s);
        p = p * 10 + (uint64_t)(*d - '0');
    }
    if (p > 65535)
        return err_set(e, RPC_EINVAL, "rpc: port in \"%s\" is not a number 0..65535", s);
    memcpy(host_out, s, (size_t)(colon - s));
    host_out[colon - s] = 0;
    if (strcmp(host_out, "localhost") == 0)
        strcpy(host_out, "127.0.0.1");
    struct in_addr a;
    if (inet_pton(AF_INET, host_out, &a) != 1)
        return err_set(e, RPC_EINVAL, "rpc: host \"%s\" is not an IPv4 address", host_out);
    *port = (uint16_t)p;
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bucket_t *bucket_for(rpc_server_t *s, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    uint64_t h = s->rate_key;
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ci->client_addr;
        h ^= sin->sin_addr.s_addr;
    } else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ci->client_addr;
        uint64_t a, b;
        memcpy(&a, sin6->sin6_addr.s6_addr, 8);
        memcpy(&b, sin6->sin6_addr.s6_addr + 8, 8);
        h ^= a * 31 + b;
    }
    h *= 0x9E3779B97F4A7C15ULL;
    return &s->buckets[(h >> 32) % RATE_BUCKETS];
}

/* True when the client may send a request now. */
static bool rate_admit(rpc_server_t *s, bucket_t *b)
{
    if (s->cfg.rate <= 0)
        return true;
    pthread_mutex_lock(&s->rate_mu);
    double t = now_s();
    if (!b->used) {
        b->used = true;
        b->tokens = s->cfg.burst;
        b->last = t;
    }
    b->tokens += (t - b->last) * s->cfg.rate;
    if (b->tokens > s->cfg.burst)
        b->tokens = s->cfg.burst;
    b->last = t;
    bool ok = b->tokens >= 1.0;
    pthread_mutex_unlock(&s->rate_mu);
    return ok;
}

static void rate_charge(rpc_server_t *s, bucket_t *b, size_t calls)
{
    if (s->cfg.rate <= 0)
        return;
    pthread_mutex_lock(&s->rate_mu);
    b->tokens -= (double)calls;
    pthread_mutex_unlock(&s->rate_mu);
}

static void count_code(rpc_server_t *s, int code)
{
    int i = 0;
    while (i < s->n_codes && s->known_codes[i] != code)
        i++;
    atomic_fetch_add(&s->code_counts[i], 1);
}

static void observe(void *ud, const char *method, int code)
{
    rpc_server_t *s = ud;
    size_t i = s->n_methods;
    if (method)
        for (size_t k = 0; k < s->n_methods; k++)
            if (s->cfg.dispatch.methods[k].name == method) {
                i = k;
                break;
            }
    atomic_fetch_add(&s->method_calls[i], 1);
    if (code)
        count_code(s, code);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *ctype,
                             const void *data, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", ctype);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Like reply(), handing the buffer's memory to MHD instead of copying it (an
 * answer may be tens of MiB). */
static enum MHD_Result reply_buf(struct MHD_Connection *conn, unsigned status, buf_t *b)
{
    size_t len = 0;
    uint8_t *data = buf_steal(b, &len);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_error(struct MHD_Connection *conn, unsigned status, int code,
                                   const char *msg)
{
    buf_t b;
    buf_init(&b, 0);
    rpc_error_response(&b, code, msg);
    enum MHD_Result r = reply(conn, status, "application/json", b.data, b.len);
    buf_free(&b);
    return r;
}

static void append_metrics(rpc_server_t *s, buf_t *out)
{
    buf_append_str(out, "# HELP aether_rpc_calls_total JSON-RPC calls by method.\n"
                        "# TYPE aether_rpc_calls_total counter\n");
    for (size_t i = 0; i <= s->n_methods; i++)
        buf_printf(out, "aether_rpc_calls_total{method=\"%s\"} %llu\n",
                   i < s->n_methods ? s->cfg.dispatch.methods[i].name : "_invalid",
                   (unsigned long long)atomic_load(&s->method_calls[i]));
    buf_append_str(out, "# HELP aether_rpc_errors_total JSON-RPC error responses by code.\n"
                        "# TYPE aether_rpc_errors_total counter\n");
    for (int i = 0; i <= s->n_codes; i++) {
        char label[16];
        if (i < s->n_codes)
            snprintf(label, sizeof label, "%d", s->known_codes[i]);
        else
            snprintf(label, sizeof label, "other");
        buf_printf(out, "aether_rpc_errors_total{code=\"%s\"} %llu\n", label,
                   (unsigned long long)atomic_load(&s->code_counts[i]));
    }
    buf_append_str(out, "# HELP aether_rpc_http_requests_total HTTP requests by route.\n"
                        "# TYPE aether_rpc_http_requests_total counter\n");
    buf_printf(out, "aether_rpc_http_requests_total{route=\"rpc\"} %llu\n",
               (unsigned long long)atomic_load(&s->http_rpc));
    buf_printf(out, "aether_rpc_http_requests_total{route=\"health\"} %llu\n",
               (unsigned long long)atomic_load(&s->http_health));
    buf_printf(out, "aether_rpc_http_requests_total{route=\"metrics\"} %llu\n",
               (unsigned long long)atomic_load(&s->http_metrics));
    buf_printf(out, "aether_rpc_http_requests_total{route=\"other\"} %llu\n",
               (unsigned long long)atomic_load(&s->http_other));
    buf_printf(out, "# TYPE aether_rpc_rate_limited_total counter\n"
                    "aether_rpc_rate_limited_total %llu\n",
               (unsigned long long)atomic_load(&s->limited));
    buf_printf(out, "# TYPE aether_rpc_body_too_large_total counter\n"
                    "aether_rpc_body_too_large_total %llu\n",
               (unsigned long long)atomic_load(&s->too_large));
    buf_printf(out, "# HELP aether_rpc_busy_total Connections answered 503 (connection limits).\n"
                    "# TYPE aether_rpc_busy_total counter\n"
                    "aether_rpc_busy_total %llu\n",
               (unsigned long long)rpc_admit_busy(s->admit));
    buf_printf(out, "# HELP aether_rpc_request_timeouts_total Connections cut because a request "
                    "did not arrive in full in time.\n"
                    "# TYPE aether_rpc_request_timeouts_total counter\n"
                    "aether_rpc_request_timeouts_total %llu\n",
               (unsigned long long)rpc_admit_timeouts(s->admit));
    buf_printf(out, "# HELP aether_rpc_evicted_total Waiting connections shut to make room for a "
                    "client with fewer connections.\n"
                    "# TYPE aether_rpc_evicted_total counter\n"
                    "aether_rpc_evicted_total %llu\n",
               (unsigned long long)rpc_admit_evicted(s->admit));
}

/* The /health answer: HTTP status and JSON text (malloc'd, may be NULL). Also
 * called by the accept thread for a connection it did not admit. */
static int health_text(void *ud, char **txt)
{
    rpc_server_t *s = ud;
    atomic_fetch_add(&s->http_health, 1);
    json_t *body = NULL;
    int status = s->cfg.health ? s->cfg.health(s->cfg.dispatch.ud, &body) : 200;
    if (!body)
        body = json_pack("{s:s}", "status", status == 200 ? "ok" : "unavailable");
    *txt = cjson_encode_str(body, NULL);
    json_decref(body);
    return status;
}

static enum MHD_Result on_get(rpc_server_t *s, struct MHD_Connection *conn, const char *url)
{
    if (strcmp(url, "/health") == 0) {
        char *txt = NULL;
        int status = health_text(s, &txt);
        enum MHD_Result r = reply(conn, (unsigned)status, "application/json", txt ? txt : "{}",
                                  txt ? strlen(txt) : 2);
        free(txt);
        return r;
    }
    if (strcmp(url, "/metrics") == 0) {
        atomic_fetch_add(&s->http_metrics, 1);
        buf_t b;
        buf_init(&b, 0);
        if (s->cfg.metrics)
            s->cfg.metrics(s->cfg.dispatch.ud, &b);
        append_metrics(s, &b);
        enum MHD_Result r = buf_ok(&b)
                                ? reply(conn, 200, "text/plain; version=0.0.4", b.data, b.len)
                                : reply(conn, 500, "text/plain", "out of memory\n", 14);
        buf_free(&b);
        return r;
    }
    atomic_fetch_add(&s->http_other, 1);
    return reply_error(conn, 404, RPC_INVALID_REQUEST,
                       "not found: GET serves /health and /metrics; JSON-RPC is POST /");
}

const char *rpc_http_query(const rpc_http_req_t *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn_, MHD_GET_ARGUMENT_KIND, name);
}

/* A request for cfg.route: the body (if any) has been read. */
static enum MHD_Result on_route(rpc_server_t *s, struct MHD_Connection *conn, const char *url,
                                const char *method, conn_ctx_t *cc)
{
    atomic_fetch_add(&s->http_other, 1);
    bucket_t *b = bucket_for(s, conn);
    if (!rate_admit(s, b)) {
        atomic_fetch_add(&s->limited, 1);
        char msg[128];
        snprintf(msg, sizeof msg, "rate limit exceeded: %.0f calls/s per client", s->cfg.rate);
        return reply_error(conn, 429, RPC_RATE_LIMITED, msg);
    }
    rate_charge(s, b, 1);
    rpc_http_req_t req = {
        .method = method,
        .path = url,
        .content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type"),
        .authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"),
        .body = cc && !cc->too_big ? cc->body.data : NULL,
        .body_len = cc && !cc->too_big ? cc->body.len : 0,
        .too_large = cc && cc->too_big,
        .conn_ = conn,
    };
    if (cc && !cc->too_big && !buf_ok(&cc->body))
        return reply_error(conn, 500, RPC_INTERNAL_ERROR, "out of memory reading the request");
    if (req.too_large)
        atomic_fetch_add(&s->too_large, 1);
    json_t *body = NULL;
    int status = s->cfg.route(s->cfg.dispatch.ud, &req, &body);
    buf_t out;
    buf_init(&out, 0);
    if (body && cjson_encode(body, &out, NULL) != 0)
        buf_free(&out);
    json_decref(body);
    if (!buf_ok(&out)) {
        buf_free(&out);
        return reply_error(conn, 500, RPC_INTERNAL_ERROR, "out of memory building the response");
    }
    enum MHD_Result r = reply_buf(conn, (unsigned)status, &out);
    buf_free(&out);
    return r;
}

static bool has_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0;
}

/* Content-Type is application/json, parameters (";charset=utf-8") allowed. A
 * browser's form post (text/plain, x-www-form-urlencoded) is not served: a
 * cross-site page cannot make a simple request that is JSON-RPC. */
static bool json_content_type(struct MHD_Connection *conn)
{
    const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    static const char want[] = "application/json";
    if (!ct)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, want, sizeof want - 1) != 0)
        return false;
    ct += sizeof want - 1;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == 0 || *ct == ';';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    rpc_server_t *s = cls;
    (void)version;
    conn_ctx_t *cc = *con_cls;
    bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (!cc && s->cfg.route &&
        !(strcmp(method, "POST") == 0 && strcmp(url, "/") == 0) &&
        !(is_get && (strcmp(url, "/health") == 0 || strcmp(url, "/metrics") == 0))) {
        if (!has_body(method)) {
            rpc_admit_request_received(s->admit, conn);
            return on_route(s, conn, url, method, NULL);
        }
        cc = calloc(1, sizeof *cc);
        if (!cc)
            return MHD_NO;
        buf_init(&cc->body, 0);
        cc->routed = true;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > s->cfg.max_body)
            cc->too_big = true;
        *con_cls = cc;
        return MHD_YES;
    }
    if (!cc) {
        if (strcmp(method, "POST") != 0)
            rpc_admit_request_received(s->admit, conn);   /* no body to wait for */
        if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
            return on_get(s, conn, url);
        if (strcmp(method, "POST") != 0) {
            atomic_fetch_add(&s->http_other, 1);
            return reply_error(conn, 405, RPC_INVALID_REQUEST,
                               "method not allowed: use POST for JSON-RPC");
        }
        if (!json_content_type(conn)) {
            rpc_admit_request_received(s->admit, conn);
            atomic_fetch_add(&s->http_other, 1);
            return reply_error(conn, 415, RPC_INVALID_REQUEST,
                               "unsupported media type: JSON-RPC requests need "
                               "\"Content-Type: application/json\"");
        }
        cc = calloc(1, sizeof *cc);
        if (!cc)
            return MHD_NO;
        buf_init(&cc->body, 0);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > s->cfg.max_body)
            cc->too_big = true;
        *con_cls = cc;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!cc->too_big && cc->body.len + *upload_size > s->cfg.max_body)
            cc->too_big = true;
        if (cc->too_big)
            buf_free(&cc->body);
        else
            buf_append(&cc->body, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }

    rpc_admit_request_received(s->admit, conn);
    if (cc->routed)
        return on_route(s, conn, url, method, cc);
    atomic_fetch_add(&s->http_rpc, 1);
    if (strcmp(url, "/") != 0)
        return reply_error(conn, 404, RPC_INVALID_REQUEST, "not found: JSON-RPC is served at /");
    char msg[128];
    if (cc->too_big) {
        atomic_fetch_add(&s->too_large, 1);
        count_code(s, RPC_BODY_TOO_LARGE);
        snprintf(msg, sizeof msg, "request body exceeds the limit of %zu bytes", s->cfg.max_body);
        return reply_error(conn, 413, RPC_BODY_TOO_LARGE, msg);
    }
    if (!buf_ok(&cc->body))
        return reply_error(conn, 500, RPC_INTERNAL_ERROR, "out of memory reading the request");
    bucket_t *b = bucket_for(s, conn);
    if (!rate_admit(s, b)) {
        atomic_fetch_add(&s->limited, 1);
        count_code(s, RPC_RATE_LIMITED);
        snprintf(msg, sizeof msg, "rate limit exceeded: %.0f calls/s per client", s->cfg.rate);
        return reply_error(conn, 429, RPC_RATE_LIMITED, msg);
    }
    buf_t out;
    buf_init(&out, 0);
    rpc_dispatch_info_t info;
    size_t n = rpc_dispatch(&s->cfg.dispatch, (const char *)cc->body.data, cc->body.len, &out,
                            &info, observe, s);
    rate_charge(s, b, info.n_calls);
    enum MHD_Result r;
    if (!buf_ok(&out))
        r = reply_error(conn, 500, RPC_INTERNAL_ERROR, "out of memory building the response");
    else if (n == 0)
        r = reply(conn, 204, "application/json", "", 0);
    else
        r = reply_buf(conn, 200, &out);
    buf_free(&out);
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    rpc_server_t *s = cls;
    (void)toe;
    rpc_admit_response_sent(s->admit, conn);
    conn_ctx_t *cc = *con_cls;
    if (cc) {
        buf_free(&cc->body);
        free(cc);
        *con_cls = NULL;
    }
}

rpc_server_t *rpc_server_start(const rpc_server_cfg_t *cfg, err_t *e)
{
    rpc_server_t *s = calloc(1, sizeof *s);
    if (!s) {
        err_set(e, RPC_ENOMEM, "rpc: out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    if (!s->cfg.host)
        s->cfg.host = "127.0.0.1";
    if (!s->cfg.max_body)
        s->cfg.max_body = 8u << 20;
    if (!s->cfg.max_batch)
        s->cfg.max_batch = 10000;
    s->cfg.dispatch.max_batch = s->cfg.max_batch;
    s->cfg.dispatch.max_response = s->cfg.max_response;
    for (size_t i = 0; i < sizeof std_codes / sizeof *std_codes; i++)
        s->known_codes[s->n_codes++] = std_codes[i];
    for (const int *c = cfg->app_codes; c && *c && s->n_codes < MAX_CODES - 4; c++)
        s->known_codes[s->n_codes++] = *c;
    for (size_t i = 0; i < sizeof transport_codes / sizeof *transport_codes; i++)
        s->known_codes[s->n_codes++] = transport_codes[i];
    if (!s->cfg.max_conns)
        s->cfg.max_conns = 64;
    if (s->cfg.burst <= 0)
        s->cfg.burst = 2 * s->cfg.rate;
    if (s->cfg.burst < 1)
        s->cfg.burst = 1;
    pthread_mutex_init(&s->rate_mu, NULL);
    for (const rpc_method_t *m = cfg->dispatch.methods; m && m->name; m++)
        s->n_methods++;
    s->method_calls = calloc(s->n_methods + 1, sizeof *s->method_calls);
    if (!s->method_calls) {
        rpc_server_stop(s);
        err_set(e, RPC_ENOMEM, "rpc: out of memory");
        return NULL;
    }
    s->rate_key = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL ^ (uintptr_t)s;

    if (!s->cfg.max_conns_per_ip || s->cfg.max_conns_per_ip > s->cfg.max_conns)
        s->cfg.max_conns_per_ip = s->cfg.max_conns > 1 ? s->cfg.max_conns / 2 : 1;
    if (!s->cfg.request_timeout_ms)
        s->cfg.request_timeout_ms = 10000;
    rpc_admit_cfg_t acfg = {
        .host = s->cfg.host, .port = cfg->port, .max_conns = s->cfg.max_conns,
        .max_conns_per_ip = s->cfg.max_conns_per_ip,
        .request_timeout_ms = s->cfg.request_timeout_ms, .health = health_text, .ud = s};
    s->admit = rpc_admit_new(&acfg, e);
    if (!s->admit) {
        rpc_server_stop(s);
        return NULL;
    }
    s->port = rpc_admit_port(s->admit);
    /* Sockets come from the accept thread (admit.c); MHD's own limit is only
     * a backstop well above ours (MHD forgets a closed connection a little
     * after telling us). The idle timeout stays as a second guard. */
    s->mhd = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
            MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC,
        0, NULL, NULL, on_request, s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)s->cfg.max_conns * 4 + 64,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, rpc_admit_notify, s->admit,
        MHD_OPTION_END);
    if (!s->mhd) {
        err_set(e, RPC_EIO, "rpc: cannot start the HTTP server on %s:%u", s->cfg.host,
                s->port);
        rpc_server_stop(s);
        return NULL;
    }
    if (rpc_admit_run(s->admit, s->mhd, e) != 0) {
        rpc_server_stop(s);
        return NULL;
    }
    return s;
}

uint16_t rpc_server_port(const rpc_server_t *s)
{
    return s->port;
}

void rpc_server_stop(rpc_server_t *s)
{
    if (!s)
        return;
    rpc_admit_stop(s->admit);   /* no new connections, then close the open ones */
    if (s->mhd)
        MHD_stop_daemon(s->mhd);
    rpc_admit_free(s->admit);
    pthread_mutex_destroy(&s->rate_mu);
    free(s->method_calls);
    free(s);
}
