/*
 * Ping (ping/ping.md §Protocol): the dialer writes 32 random bytes, the
 * listener echoes them; a stream may carry many pings in turn. The listener
 * echoes whole 32-byte blocks only, so a peer cannot make it buffer more.
 */
#include "p2p/internal.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

#define PING_SIZE 32

static size_t serve_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    size_t whole = n - n % PING_SIZE;
    if (whole && p2p_stream_write(s, p, whole) != 0) {
        log_warn(P2P_LOG, "ping: peer does not read its echoes, resetting", "%s", "");
        p2p_stream_reset(s);
        return n;
    }
    return whole;
}

static void serve_eof(p2p_stream_t *s, void *ud)
{
    p2p_stream_close_write(s);
}

static void serve(p2p_stream_t *s, void *ud)
{
    p2p_stream_cbs_t cbs = {serve_data, serve_eof, NULL, NULL};
    p2p_stream_set_cbs(s, &cbs);
}

int p2p_ping_enable(p2p_host_t *h)
{
    return p2p_host_handle(h, P2P_PING_PROTO, serve, NULL);
}

typedef struct ping_op {
    p2p_host_t *h;
    unsigned left;
    uint8_t sent[PING_SIZE];
    uint64_t t0;
    p2p_ping_cb cb;
    void *ud;
    bool done;
} ping_op_t;

static void ping_send(p2p_stream_t *s, ping_op_t *op)
{
    crypto_random(op->sent, sizeof op->sent);
    op->t0 = uv_hrtime();
    if (p2p_stream_write(s, op->sent, sizeof op->sent) != 0) {
        op->done = true;
        op->cb(op->h, P2P_ECLOSED, 0, op->ud);
        p2p_stream_reset(s);
    }
}

static size_t ping_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    ping_op_t *op = ud;
    if (op->done || n < PING_SIZE)
        return op->done ? n : 0;
    uint64_t rtt = uv_hrtime() - op->t0;
    if (memcmp(p, op->sent, PING_SIZE) != 0) {
        op->done = true;
        log_warn(P2P_LOG, "ping reply does not match", "%s", "");
        op->cb(op->h, P2P_EPROTO, 0, op->ud);
        p2p_stream_reset(s);
        return n;
    }
    op->left--;
    bool last = op->left == 0;
    if (last)
        op->done = true;
    op->cb(op->h, 0, rtt, op->ud);
    if (last)
        p2p_stream_close_write(s);
    else
        ping_send(s, op);
    return PING_SIZE;
}

static void ping_eof(p2p_stream_t *s, void *ud)
{
    ping_op_t *op = ud;
    if (!op->done) {
        op->done = true;
        op->cb(op->h, P2P_ECLOSED, 0, op->ud);
    }
    p2p_stream_close_write(s);
}

static void ping_close(p2p_stream_t *s, int status, void *ud)
{
    ping_op_t *op = ud;
    if (!op->done)
        op->cb(op->h, status ? status : P2P_ECLOSED, 0, op->ud);
    free(op);
}

static void ping_opened(p2p_stream_t *s, int status, void *ud)
{
    ping_op_t *op = ud;
    if (status) {
        op->cb(op->h, status, 0, op->ud);
        free(op);
        return;
    }
    p2p_stream_cbs_t cbs = {ping_data, ping_eof, ping_close, op};
    p2p_stream_set_cbs(s, &cbs);
    ping_send(s, op);
}

int p2p_ping(p2p_conn_t *c, unsigned count, p2p_ping_cb cb, void *ud, err_t *e)
{
    if (count == 0)
        return err_set(e, P2P_EINVAL, "ping: count must be at least 1");
    ping_op_t *op = calloc(1, sizeof *op);
    if (!op)
        return err_set(e, P2P_ENOMEM, "ping: out of memory");
    op->h = p2p_conn_host(c);
    op->left = count;
    op->cb = cb;
    op->ud = ud;
    int rc = p2p_conn_open_stream(c, P2P_PING_PROTO, ping_opened, op, e);
    if (rc)
        free(op);
    return rc;
}
