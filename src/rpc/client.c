/*
 * A minimal blocking HTTP/1.1 client for JSON-RPC: one keep-alive TCP
 * connection, requests with Content-Length, responses framed by
 * Content-Length or chunked transfer coding (or, for HTTP/1.0-style replies,
 * by connection close). Every read and write is bounded by the timeout
 * (poll), response headers are capped at 64 KiB and bodies at 256 MiB, so a
 * misbehaving server cannot hang or exhaust the client. Text a server sends
 * (error messages, a body that is not JSON-RPC) reaches the caller escaped
 * by rpc_text_sanitize, since the CLI prints it to a terminal.
 * rpc_client_parse_response runs the same parser over bytes in memory (a
 * client without a socket, whose data ends at the input's end).
 */
#include "rpc/rpc.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEADER (64u * 1024)
#define MAX_RESP_BODY (256u * 1024 * 1024)

struct rpc_client {
    char host[256];
    char port[8];
    char path[256];
    unsigned timeout_ms;
    int fd;
    buf_t in;      /* bytes received and not yet consumed */
    uint64_t next_id;
    bool timed_out;      /* the current request hit its deadline */
    size_t got;          /* response bytes received for the current request */
};

rpc_client_t *rpc_client_new(const char *url, unsigned timeout_ms, err_t *e)
{
    const char *p = url;
    if (!url || strncmp(url, "http://", 7) != 0) {
        err_set(e, RPC_EINVAL, "rpc: endpoint \"%s\" must start with http://", url ? url : "");
        return NULL;
    }
    p += 7;
    const char *slash = strchr(p, '/');
    size_t hp_len = slash ? (size_t)(slash - p) : strlen(p);
    const char *colon = memchr(p, ':', hp_len);
    size_t host_len = colon ? (size_t)(colon - p) : hp_len;
    rpc_client_t *c = calloc(1, sizeof *c);
    if (!c) {
        err_set(e, RPC_ENOMEM, "rpc: out of memory");
        return NULL;
    }
    c->fd = -1;
    buf_init(&c->in, 0);
    if (host_len == 0 || host_len >= sizeof c->host) {
        err_set(e, RPC_EINVAL, "rpc: endpoint \"%s\" has no valid host", url);
        goto fail;
    }
    memcpy(c->host, p, host_len);
    if (colon) {
        size_t plen = hp_len - host_len - 1;
        if (plen == 0 || plen > 5 || strspn(colon + 1, "0123456789") < plen) {
            err_set(e, RPC_EINVAL, "rpc: endpoint \"%s\" has an invalid port", url);
            goto fail;
        }
        memcpy(c->port, colon + 1, plen);
        if (atoi(c->port) > 65535 || atoi(c->port) == 0) {
            err_set(e, RPC_EINVAL, "rpc: endpoint \"%s\" has an invalid port", url);
            goto fail;
        }
    } else {
        strcpy(c->port, "80");
    }
    if (slash) {
        if (strlen(slash) >= sizeof c->path || strpbrk(slash, " \r\n")) {
            err_set(e, RPC_EINVAL, "rpc: endpoint \"%s\" has an invalid path", url);
            goto fail;
        }
        strcpy(c->path, slash);
    } else {
        strcpy(c->path, "/");
    }
    c->timeout_ms = timeout_ms ? timeout_ms : 30000;
    return c;
fail:
    rpc_client_free(c);
    return NULL;
}

static void disconnect(rpc_client_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    buf_reset(&c->in);
}

void rpc_client_free(rpc_client_t *c)
{
    if (!c)
        return;
    disconnect(c);
    buf_free(&c->in);
    free(c);
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int wait_fd(rpc_client_t *c, short ev, uint64_t deadline, err_t *e)
{
    for (;;) {
        uint64_t now = mono_ms();
        if (now >= deadline) {
            c->timed_out = true;
            return err_set(e, RPC_EIO, "rpc: %s:%s did not answer within %u ms", c->host, c->port,
                           c->timeout_ms);
        }
        struct pollfd pfd = {c->fd, ev, 0};
        int r = poll(&pfd, 1, (int)(deadline - now));
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return err_set(e, RPC_EIO, "rpc: poll: %s", strerror(errno));
    }
}

static int do_connect(rpc_client_t *c, uint64_t deadline, err_t *e)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gr = getaddrinfo(c->host, c->port, &hints, &res);
    if (gr != 0)
        return err_set(e, RPC_EIO, "rpc: cannot resolve %s: %s", c->host, gai_strerror(gr));
    int last = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        c->fd = fd;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
            (errno == EINPROGRESS && wait_fd(c, POLLOUT, deadline, NULL) == 0)) {
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
            if (soerr == 0) {
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                freeaddrinfo(res);
                return 0;
            }
            last = soerr;
        } else {
            last = errno ? errno : ETIMEDOUT;
        }
        close(fd);
        c->fd = -1;
    }
    freeaddrinfo(res);
    return err_set(e, RPC_EIO, "rpc: cannot connect to node at %s:%s: %s", c->host, c->port,
                   strerror(last ? last : ECONNREFUSED));
}

static int send_all(rpc_client_t *c, const char *p, size_t n, uint64_t deadline, err_t *e)
{
    while (n > 0) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_fd(c, POLLOUT, deadline, e))
                return -1;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        return err_set(e, RPC_EIO, "rpc: send to %s:%s failed: %s", c->host, c->port,
                       strerror(errno));
    }
    return 0;
}

/* Reads more bytes into c->in. Returns bytes read, 0 on EOF, -1 on error.
 * Without a socket (rpc_client_parse_response) the data in c->in is all. */
static ssize_t recv_more(rpc_client_t *c, uint64_t deadline, err_t *e)
{
    if (c->fd < 0)
        return 0;
    for (;;) {
        if (buf_reserve(&c->in, 65536) != 0) {
            err_set(e, RPC_ENOMEM, "rpc: out of memory");
            return -1;
        }
        ssize_t r = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
        if (r > 0) {
            c->in.len += (size_t)r;
            c->got += (size_t)r;
            return r;
        }
        if (r == 0)
            return 0;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (wait_fd(c, POLLIN, deadline, e))
                return -1;
            continue;
        }
        if (errno == EINTR)
            continue;
        err_set(e, RPC_EIO, "rpc: receive from %s:%s failed: %s", c->host, c->port,
                strerror(errno));
        return -1;
    }
}

static void consume(rpc_client_t *c, size_t n)
{
    memmove(c->in.data, c->in.data + n, c->in.len - n);
    c->in.len -= n;
}

static const char *find_crlf2(const buf_t *b)
{
    for (size_t i = 3; i < b->len; i++)
        if (b->data[i] == '\n' && b->data[i - 1] == '\r' && b->data[i - 2] == '\n' &&
            b->data[i - 3] == '\r')
            return (const char *)b->data + i + 1;
    return NULL;
}

/* Finds header name (case-insensitive) in hdr[0..n); copies its value. */
static bool header_value(const char *hdr, size_t n, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = hdr, *end = hdr + n;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            break;
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            size_t vl = (size_t)(eol - v);
            while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
                vl--;
            if (vl >= cap)
                vl = cap - 1;
            memcpy(out, v, vl);
            out[vl] = 0;
            return true;
        }
        p = eol + 1;
    }
    return false;
}

/* Reads one response. *closed tells whether the server ends the connection. */
static int read_response(rpc_client_t *c, uint64_t deadline, int *status, buf_t *body,
                         bool *closed, bool head_only, int *retry_after, err_t *e)
{
    const char *hend;
    while (!(hend = find_crlf2(&c->in))) {
        if (c->in.len > MAX_HEADER)
            return err_set(e, RPC_EIO, "rpc: response headers exceed %u bytes", MAX_HEADER);
        ssize_t r = recv_more(c, deadline, e);
        if (r < 0)
            return -1;
        if (r == 0)
            return err_set(e, RPC_EIO, "rpc: %s:%s closed the connection before answering",
                           c->host, c->port);
    }
    size_t hlen = (size_t)(hend - (const char *)c->in.data);
    const char *h = (const char *)c->in.data;
    int maj = 0, min = 0, st = 0;
    /* the status line alone, NUL-terminated: sscanf must not run past it */
    char line[64];
    const char *sl_end = memchr(h, '\n', hlen);
    size_t ll = sl_end ? (size_t)(sl_end - h) : 0;
    if (ll >= sizeof line)
        ll = sizeof line - 1;
    memcpy(line, h, ll);
    line[ll] = 0;
    char sp = 0;
    if (sscanf(line, "HTTP/%d.%d%c%d", &maj, &min, &sp, &st) != 4 || sp != ' ' || st < 100 ||
        st > 999)
        return err_set(e, RPC_EIO, "rpc: malformed HTTP status line from %s:%s", c->host,
                       c->port);
    *status = st;
    char v[64];
    *closed = (maj == 1 && min == 0);
    if (header_value(h, hlen, "Connection", v, sizeof v))
        *closed = strcasecmp(v, "close") == 0 || (*closed && strcasecmp(v, "keep-alive") != 0);
    *retry_after = -1;
    if (header_value(h, hlen, "Retry-After", v, sizeof v) && v[0] >= '0' && v[0] <= '9')
        *retry_after = atoi(v);
    bool chunked = header_value(h, hlen, "Transfer-Encoding", v, sizeof v) &&
                   strcasestr(v, "chunked") != NULL;
    long long clen = -1;
    if (!chunked && header_value(h, hlen, "Content-Length", v, sizeof v)) {
        char *endp;
        clen = strtoll(v, &endp, 10);
        if (*endp || clen < 0 || clen > (long long)MAX_RESP_BODY)
        {
            char safe[sizeof v * 4];
            rpc_text_sanitize(v, strlen(v), safe, sizeof safe);
            return err_set(e, RPC_EIO, "rpc: invalid Content-Length \"%s\"", safe);
        }
    }
    consume(c, hlen);
    if (head_only || st == 204 || st == 304 || (st >= 100 && st < 200))
        clen = 0;

    if (chunked) {
        for (;;) {
            const char *eol;
            while (!(eol = memchr(c->in.data, '\n', c->in.len))) {
                if (c->in.len > 1024)
                    return err_set(e, RPC_EIO, "rpc: malformed chunk header");
                ssize_t r = recv_more(c, deadline, e);
                if (r <= 0)
                    return r < 0 ? -1 : err_set(e, RPC_EIO, "rpc: truncated chunked body");
            }
            unsigned long long sz = strtoull((const char *)c->in.data, NULL, 16);
            if (sz > MAX_RESP_BODY || body->len + sz > MAX_RESP_BODY)
                return err_set(e, RPC_EIO, "rpc: response body too large");
            consume(c, (size_t)(eol - (const char *)c->in.data) + 1);
            while (c->in.len < sz + 2) {
                ssize_t r = recv_more(c, deadline, e);
                if (r <= 0)
                    return r < 0 ? -1 : err_set(e, RPC_EIO, "rpc: truncated chunked body");
            }
            buf_append(body, c->in.data, (size_t)sz);
            consume(c, (size_t)sz + 2);
            if (sz == 0)
                break; /* trailers are not used by our server; the CRLF was consumed */
        }
    } else if (clen >= 0) {
        while (c->in.len < (size_t)clen) {
            ssize_t r = recv_more(c, deadline, e);
            if (r < 0)
                return -1;
            if (r == 0)
                return err_set(e, RPC_EIO, "rpc: response body truncated (%zu of %lld bytes)",
                               c->in.len, clen);
        }
        buf_append(body, c->in.data, (size_t)clen);
        consume(c, (size_t)clen);
    } else {
        for (;;) {
            if (c->in.len > MAX_RESP_BODY)
                return err_set(e, RPC_EIO, "rpc: response body too large");
            ssize_t r = recv_more(c, deadline, e);
            if (r < 0)
                return -1;
            if (r == 0)
                break;
        }
        buf_append(body, c->in.data, c->in.len);
        consume(c, c->in.len);
        *closed = true;
    }
    if (!buf_ok(body))
        return err_set(e, RPC_ENOMEM, "rpc: out of memory for the response");
    return 0;
}

static int request(rpc_client_t *c, const char *method, const char *path, const char *body,
                   size_t len, int *status, char **resp, size_t *resp_len, err_t *e)
{
    *resp = NULL;
    *resp_len = 0;
    buf_t req;
    buf_init(&req, 0);
    buf_printf(&req, "%s %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: aether/%s\r\n"
                     "Accept: application/json\r\n",
               method, path, c->host, c->port, AETHER_VERSION);
    if (body)
        buf_printf(&req, "Content-Type: application/json\r\nContent-Length: %zu\r\n", len);
    buf_append_str(&req, "\r\n");
    if (!buf_ok(&req)) {
        buf_free(&req);
        return err_set(e, RPC_ENOMEM, "rpc: out of memory");
    }
    int rc = -1;
    uint64_t first_deadline = mono_ms() + c->timeout_ms;
    int busy_retries = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        uint64_t deadline = mono_ms() + c->timeout_ms;
        int retry_after = -1;
        bool reused = c->fd >= 0;
        c->timed_out = false;
        c->got = 0;
        err_t le = {0};
        if (c->fd < 0 && do_connect(c, deadline, &le) != 0) {
            if (e)
                *e = le;
            break;
        }
        buf_t out;
        buf_init(&out, 0);
        bool closed = false;
        if (send_all(c, (const char *)req.data, req.len, deadline, &le) == 0 &&
            (!body || send_all(c, body, len, deadline, &le) == 0) &&
            read_response(c, deadline, status, &out, &closed, strcmp(method, "HEAD") == 0,
                          &retry_after, &le) == 0) {
            if (closed)
                disconnect(c);
            /* A server at its connection limit answers 503 + Retry-After
             * without running the request: waiting and retrying is safe for
             * any method. A few times, within the caller's timeout. */
            uint64_t wait = retry_after > 0 ? 1000 : 200;
            if (*status == 503 && retry_after >= 0 && busy_retries < 3 &&
                mono_ms() + wait < first_deadline) {
                buf_free(&out);
                disconnect(c);
                busy_retries++;
                attempt--;
                nanosleep(&(struct timespec){(time_t)(wait / 1000), (long)(wait % 1000) * 1000000},
                          NULL);
                continue;
            }
            buf_terminate(&out);
            *resp = (char *)buf_steal(&out, resp_len);
            rc = 0;
            break;
        }
        buf_free(&out);
        disconnect(c);
        if (e)
            *e = le;
        /* A kept-alive connection the server closed meanwhile (no answer at
         * all, no timeout): retry once on a fresh one. Anything else is a real
         * error, and is not retried, since the server may have acted on it. */
        if (!reused || c->timed_out || c->got > 0)
            break;
    }
    buf_free(&req);
    return rc == 0 ? 0 : (e && e->code ? e->code : RPC_EIO);
}

int rpc_client_post(rpc_client_t *c, const char *body, size_t len, int *status, char **resp,
                    size_t *resp_len, err_t *e)
{
    return request(c, "POST", c->path, body, len, status, resp, resp_len, e);
}

int rpc_client_get(rpc_client_t *c, const char *path, int *status, char **resp, size_t *resp_len,
                   err_t *e)
{
    if (!path || path[0] != '/' || strpbrk(path, " \r\n"))
        return err_set(e, RPC_EINVAL, "rpc: invalid path");
    return request(c, "GET", path, NULL, 0, status, resp, resp_len, e);
}

/* The JSON-RPC side of a response: body resp[0..rlen) with HTTP status. */
static int parse_rpc_body(int status, const char *resp, size_t rlen, json_t **result,
                          int *rpc_code, err_t *e)
{
    /* Text from the server reaches the user's terminal: escaped. */
    char safe[ERR_MSG_MAX];
    json_t *r = cjson_parse(resp, rlen, NULL);
    if (!r || !json_is_object(r)) {
        json_decref(r);
        rpc_text_sanitize(resp, rlen < 120 ? rlen : 120, safe, sizeof safe);
        return err_set(e, RPC_EINVAL,
                       "rpc: HTTP %d with a response that is not a JSON-RPC object%s%s",
                       status, rlen ? ": " : "", safe);
    }
    int rc;
    json_t *err = json_object_get(r, "error");
    if (err) {
        json_t *code = json_object_get(err, "code");
        json_t *msg = json_object_get(err, "message");
        if (rpc_code)
            *rpc_code = (int)json_integer_value(code);
        if (json_is_string(msg))
            rpc_text_sanitize(json_string_value(msg), json_string_length(msg), safe, sizeof safe);
        rc = err_set(e, RPC_EREMOTE, "%s", json_is_string(msg) ? safe : "error without a message");
        json_decref(r);
        return rc;
    }
    json_t *res = json_object_get(r, "result");
    if (!res) {
        json_decref(r);
        return err_set(e, RPC_EINVAL, "rpc: response has neither result nor error");
    }
    *result = json_incref(res);
    json_decref(r);
    return 0;
}

int rpc_client_call(rpc_client_t *c, const char *method, json_t *params, json_t **result,
                    int *rpc_code, err_t *e)
{
    *result = NULL;
    if (rpc_code)
        *rpc_code = 0;
    json_t *req = json_object();
    json_object_set_new(req, "jsonrpc", json_string("2.0"));
    json_object_set_new(req, "method", json_string(method));
    json_object_set_new(req, "params", params ? json_incref(params) : json_array());
    json_object_set_new(req, "id", json_integer((json_int_t)++c->next_id));
    char *txt = cjson_encode_str(req, NULL);
    json_decref(req);
    if (!txt)
        return err_set(e, RPC_ENOMEM, "rpc: cannot encode the request");
    int status = 0;
    char *resp = NULL;
    size_t rlen = 0;
    int rc = rpc_client_post(c, txt, strlen(txt), &status, &resp, &rlen, e);
    free(txt);
    if (rc != 0)
        return rc;
    rc = parse_rpc_body(status, resp, rlen, result, rpc_code, e);
    free(resp);
    return rc;
}

int rpc_client_parse_response(const char *data, size_t len, json_t **result, int *rpc_code,
                              err_t *e)
{
    *result = NULL;
    if (rpc_code)
        *rpc_code = 0;
    if (!data && len)
        return err_set(e, RPC_EINVAL, "rpc: no response data");
    rpc_client_t c;
    memset(&c, 0, sizeof c);
    c.fd = -1;
    strcpy(c.host, "server");
    strcpy(c.port, "0");
    buf_init(&c.in, 0);
    buf_t body;
    buf_init(&body, 0);
    int status = 0, rc, retry_after;
    bool closed = false;
    if (buf_append(&c.in, data, len) != 0) {
        rc = err_set(e, RPC_ENOMEM, "rpc: out of memory");
    } else if ((rc = read_response(&c, UINT64_MAX, &status, &body, &closed, false, &retry_after,
                                   e)) == 0) {
        if (buf_terminate(&body) != 0)
            rc = err_set(e, RPC_ENOMEM, "rpc: out of memory");
        else
            rc = parse_rpc_body(status, (const char *)body.data, body.len, result, rpc_code, e);
    } else {
        rc = e && e->code ? e->code : RPC_EIO;
    }
    buf_free(&body);
    buf_free(&c.in);
    return rc;
}

/* Length of the valid UTF-8 sequence at p[0..n) (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char b = p[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF)
        len = 2;
    else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        if (b == 0xE0)
            lo = 0xA0;
        else if (b == 0xED)
            hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return len;
}

size_t rpc_text_sanitize(const char *in, size_t n, char *out, size_t cap)
{
    if (!out || cap == 0)
        return 0;
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0;
    for (size_t i = 0; in && i < n;) {
        size_t k = p[i] >= 0x20 && p[i] < 0x7F ? 1 : p[i] >= 0x80 ? utf8_seq(p + i, n - i) : 0;
        /* C1 controls (U+0080..U+009F) act on terminals too */
        if (k == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0)
            k = 0;
        if (k) {
            if (o + k >= cap)
                break;
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
        } else {
            if (o + 4 >= cap)
                break;
            snprintf(out + o, 5, "\\x%02x", p[i]);
            o += 4;
            i++;
        }
    }
    out[o] = 0;
    return o;
}
