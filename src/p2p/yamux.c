/*
 * Yamux frame header (yamux/README.md §Framing): 12 bytes, big-endian:
 * version u8 (0) | type u8 | flags u16 | stream id u32 | length u32.
 * Below the header codec: the session on an established connection -
 * streams opened with SYN and accepted with ACK (or refused with RST),
 * 256 KiB receive windows topped up with WINDOW_UPDATE while the buffered,
 * unconsumed data stays within one message (so a message longer than the
 * window still arrives), send queues held while the peer's window is shut, FIN
 * half-close, RST, PING answered, GO_AWAY ending the session, per-stream
 * multistream-select, and the bounded ACK backlog (§ACK backlog).
 */
#include "p2p/host_internal.h"

#include <stdlib.h>
#include <string.h>

void yamux_hdr_encode(const yamux_hdr_t *h, uint8_t out[YAMUX_HDR])
{
    out[0] = 0;
    out[1] = h->type;
    out[2] = (uint8_t)(h->flags >> 8);
    out[3] = (uint8_t)h->flags;
    store_be32(out + 4, h->stream_id);
    store_be32(out + 8, h->length);
}

int yamux_hdr_decode(const uint8_t in[YAMUX_HDR], yamux_hdr_t *h, err_t *e)
{
    h->version = in[0];
    h->type = in[1];
    h->flags = load_be16(in + 2);
    h->stream_id = load_be32(in + 4);
    h->length = load_be32(in + 8);
    if (h->version != 0)
        return err_set(e, P2P_EPROTO, "yamux: version %u", h->version);
    if (h->type > YAMUX_GO_AWAY)
        return err_set(e, P2P_EPROTO, "yamux: unknown frame type %u", h->type);
    if (h->flags & ~(unsigned)(YAMUX_SYN | YAMUX_ACK | YAMUX_FIN | YAMUX_RST))
        return err_set(e, P2P_EPROTO, "yamux: unknown flags 0x%x", h->flags);
    bool session = h->type == YAMUX_PING || h->type == YAMUX_GO_AWAY;
    if (session != (h->stream_id == 0))
        return err_set(e, P2P_EPROTO, "yamux: frame type %u on stream %u", h->type,
                       h->stream_id);
    if (h->type == YAMUX_GO_AWAY && h->length > 2)
        return err_set(e, P2P_EPROTO, "yamux: go-away code %u", h->length);
    return 0;
}

/* ---- streams ------------------------------------------------------------------ */

p2p_conn_t *p2p_stream_conn(const p2p_stream_t *s)
{
    return s->c;
}

const char *p2p_stream_protocol(const p2p_stream_t *s)
{
    return s->proto;
}

void p2p_stream_set_cbs(p2p_stream_t *s, const p2p_stream_cbs_t *cbs)
{
    s->cbs = *cbs;
}

static p2p_stream_t *stream_new(p2p_conn_t *c, uint32_t id, bool outbound)
{
    p2p_stream_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->c = c;
    s->id = id;
    s->outbound = outbound;
    s->acked = !outbound;
    s->send_window = YAMUX_WINDOW;
    s->recv_window = YAMUX_WINDOW;
    s->mss.initiator = outbound;
    s->opened_ms = uv_now(p2p_host_loop(c->h));
    buf_init(&s->rx, 0);
    buf_init(&s->tx, 0);
    s->next = c->streams;
    c->streams = s;
    c->n_streams++;
    return s;
}

static void stream_unlink(p2p_stream_t *s)
{
    p2p_conn_t *c = s->c;
    for (p2p_stream_t **pp = &c->streams; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            c->n_streams--;
            break;
        }
    }
    s->dead = true;
    s->next = c->dead;
    c->dead = s;
}

/* The stream is over: tell its owner exactly once, then retire it. */
void ys_finish(p2p_stream_t *s, int status)
{
    if (s->dead)
        return;
    stream_unlink(s);
    if (s->state == S_NEGOTIATING && s->outbound && s->open_cb) {
        p2p_open_cb cb = s->open_cb;
        s->open_cb = NULL;
        cb(NULL, status ? status : P2P_ECLOSED, s->open_ud);
    } else if (s->cbs.on_close) {
        s->cbs.on_close(s, status, s->cbs.ud);
    }
}

static p2p_stream_t *find_stream(p2p_conn_t *c, uint32_t id)
{
    for (p2p_stream_t *s = c->streams; s; s = s->next)
        if (s->id == id)
            return s;
    return NULL;
}

static void stream_maybe_done(p2p_stream_t *s)
{
    if (!s->dead && s->local_fin && s->remote_fin && s->tx.len == s->tx_off)
        ys_finish(s, 0);
}

/* Bytes handed to the connection but not yet on the wire. */
static size_t conn_backlog(p2p_conn_t *c)
{
    return c->txplain.len + uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
}

static void stream_pump(p2p_stream_t *s)
{
    p2p_conn_t *c = s->c;
    /* The peer's window says how much it will take; the socket says how
     * fast. Past HC_SOFT_QUEUE bytes in flight we wait for writes to finish
     * (ys_pump_all from the write callback). */
    while (!s->dead && !c->closing && s->tx_off < s->tx.len && s->send_window > 0 &&
           conn_backlog(c) < HC_SOFT_QUEUE) {
        size_t k = s->tx.len - s->tx_off;
        if (k > s->send_window)
            k = s->send_window;
        if (k > YAMUX_MAX_DATA)
            k = YAMUX_MAX_DATA;
        hc_yamux_send(c, YAMUX_DATA, 0, s->id, (uint32_t)k, s->tx.data + s->tx_off, k);
        s->tx_off += k;
        s->send_window -= (uint32_t)k;
    }
    if (s->tx_off == s->tx.len) {
        buf_reset(&s->tx);
        s->tx_off = 0;
        if (s->fin_pending && !s->dead) {
            s->fin_pending = false;
            s->local_fin = true;
            hc_yamux_send(c, YAMUX_WINDOW_UPDATE, YAMUX_FIN, s->id, 0, NULL, 0);
            stream_maybe_done(s);
        }
    }
}

void ys_pump_all(p2p_conn_t *c)
{
    for (p2p_stream_t *s = c->streams, *next; s && !c->closing; s = next) {
        next = s->next;
        if (s->tx_off < s->tx.len && s->send_window > 0)
            stream_pump(s);
        if (conn_backlog(c) >= HC_SOFT_QUEUE)
            break;
    }
}

size_t p2p_stream_pending(const p2p_stream_t *s)
{
    return s->tx.len - s->tx_off;
}

/* Drops the already-sent front of the send queue once it is most of it. */
static void tx_compact(p2p_stream_t *s)
{
    if (s->tx_off && s->tx_off >= s->tx.len / 2) {
        memmove(s->tx.data, s->tx.data + s->tx_off, s->tx.len - s->tx_off);
        s->tx.len -= s->tx_off;
        s->tx_off = 0;
    }
}

int p2p_stream_write(p2p_stream_t *s, const void *p, size_t n)
{
    if (s->dead || s->c->closing || s->local_fin || s->fin_pending)
        return P2P_ECLOSED;
    if (p2p_stream_pending(s) + n > P2P_STREAM_MAX_PENDING)
        return P2P_ELIMIT;
    tx_compact(s);
    if (buf_append(&s->tx, p, n))
        return P2P_ENOMEM;
    stream_pump(s);
    hc_flush(s->c);
    return 0;
}

int p2p_stream_write_lp(p2p_stream_t *s, const void *p, size_t n)
{
    if (s->dead || s->c->closing || s->local_fin || s->fin_pending)
        return P2P_ECLOSED;
    uint8_t l[UVARINT_MAX_BYTES];
    if (p2p_stream_pending(s) + n + sizeof l > P2P_STREAM_MAX_PENDING)
        return P2P_ELIMIT;
    tx_compact(s);
    if (buf_append(&s->tx, l, uvarint_encode(n, l)) || buf_append(&s->tx, p, n))
        return P2P_ENOMEM;
    stream_pump(s);
    hc_flush(s->c);
    return 0;
}

void p2p_stream_close_write(p2p_stream_t *s)
{
    if (s->dead || s->local_fin || s->fin_pending)
        return;
    s->fin_pending = true;
    stream_pump(s);
    hc_flush(s->c);
}

void p2p_stream_reset(p2p_stream_t *s)
{
    if (s->dead)
        return;
    p2p_conn_t *c = s->c;
    hc_yamux_send(c, YAMUX_WINDOW_UPDATE, YAMUX_RST, s->id, 0, NULL, 0);
    ys_finish(s, P2P_ECLOSED);
    hc_flush(c);
}

int p2p_lp_next(const uint8_t *p, size_t n, size_t max, const uint8_t **msg, size_t *msg_len,
                size_t *used)
{
    uint64_t len;
    int k = uvarint_decode(p, n, &len, NULL);
    if (k == BASE_ETRUNC)
        return n >= UVARINT_MAX_BYTES ? P2P_EPROTO : 0;
    if (k < 0)
        return P2P_EPROTO;
    if (len > max)
        return P2P_ELIMIT;
    if (n - (size_t)k < len)
        return 0;
    *msg = p + k;
    *msg_len = (size_t)len;
    *used = (size_t)k + (size_t)len;
    return 1;
}

/* Gives buffered bytes to the protocol and returns consumed bytes to the
 * peer's send window. */
static void stream_deliver(p2p_stream_t *s)
{
    p2p_conn_t *c = s->c;
    if (s->state != S_OPEN || s->dead)
        return;
    if (s->rx.len && s->cbs.on_data) {
        size_t used = s->cbs.on_data(s, s->rx.data, s->rx.len, s->cbs.ud);
        if (s->dead)
            return;
        if (used > s->rx.len)
            used = s->rx.len;
        memmove(s->rx.data, s->rx.data + used, s->rx.len - used);
        s->rx.len -= used;
    }
    if (s->rx.len > c->h->cfg.max_msg + 16) {
        log_warn(P2P_LOG, "resetting stream", "proto=%s reason=\"message above %zu bytes\"",
                 s->proto, c->h->cfg.max_msg);
        p2p_stream_reset(s);
        return;
    }
    /* Keep the peer able to send a window's worth more while what sits here
     * unconsumed stays within one message (max_msg): a message longer than
     * the window then arrives whole although the protocol consumes nothing
     * before its last byte. Crediting only consumed bytes deadlocked on such
     * a message (nothing consumed, no update, the sender's window at 0): a
     * BFT proposal of 5,000 transfers (~850 KB) stalled consensus for good.
     * rx.len + recv_window never exceeds max(max_msg + 16, the window). */
    if (!s->remote_fin && s->recv_window <= YAMUX_WINDOW / 2 &&
        (s->rx.len == 0 || s->rx.len + YAMUX_WINDOW <= c->h->cfg.max_msg + 16)) {
        uint32_t credit = YAMUX_WINDOW - s->recv_window;
        hc_yamux_send(c, YAMUX_WINDOW_UPDATE, 0, s->id, credit, NULL, 0);
        s->recv_window += credit;
    }
    if (s->remote_fin && s->rx.len == 0 && s->cbs.on_eof) {
        void (*eof)(p2p_stream_t *, void *) = s->cbs.on_eof;
        s->cbs.on_eof = NULL;
        eof(s, s->cbs.ud);
    }
    if (!s->dead)
        stream_maybe_done(s);
}

/* Per-stream multistream-select; returns < 0 when the stream was dropped. */
static int stream_negotiate(p2p_stream_t *s)
{
    p2p_conn_t *c = s->c;
    char line[MSS_MAX_LINE];
    while (s->state == S_NEGOTIATING && !s->dead) {
        size_t used;
        err_t e;
        int r = mss_read(s->rx.data, s->rx.len, line, &used, &e);
        if (r == 0)
            return 0;
        if (r < 0) {
            log_warn(P2P_LOG, "resetting stream", "reason=\"%s\"", e.msg);
            p2p_stream_reset(s);
            return -1;
        }
        memmove(s->rx.data, s->rx.data + used, s->rx.len - used);
        s->rx.len -= used;
        if (!s->mss.got_header) {
            if (strcmp(line, MSS_PROTO) != 0) {
                log_warn(P2P_LOG, "resetting stream", "reason=\"multistream header '%s'\"", line);
                p2p_stream_reset(s);
                return -1;
            }
            s->mss.got_header = true;
            if (!s->outbound) {
                buf_t out;
                buf_init(&out, 0);
                mss_write(&out, MSS_PROTO);
                p2p_stream_write(s, out.data, out.len);
                buf_free(&out);
            }
            continue;
        }
        if (s->outbound) {
            if (strcmp(line, s->proto) == 0) {
                s->state = S_OPEN;
                p2p_open_cb cb = s->open_cb;
                s->open_cb = NULL;
                cb(s, 0, s->open_ud);
                return 0;
            }
            p2p_open_cb cb = s->open_cb;
            s->open_cb = NULL;
            hc_yamux_send(c, YAMUX_WINDOW_UPDATE, YAMUX_RST, s->id, 0, NULL, 0);
            stream_unlink(s);
            cb(NULL, strcmp(line, "na") == 0 ? P2P_ENOTSUP : P2P_EPROTO, s->open_ud);
            return -1;
        }
        const handler_t *hd = hc_find_handler(c->h, line);
        buf_t out;
        buf_init(&out, 0);
        if (hd) {
            mss_write(&out, line);
        } else if (++s->mss.proposals > MSS_MAX_PROPOSALS) {
            buf_free(&out);
            p2p_stream_reset(s);
            return -1;
        } else {
            mss_write(&out, "na");
        }
        p2p_stream_write(s, out.data, out.len);
        buf_free(&out);
        if (hd) {
            snprintf(s->proto, sizeof s->proto, "%s", line);
            s->state = S_OPEN;
            hd->fn(s, hd->ud);
        }
    }
    return 0;
}

static void on_open_pending_fail(p2p_stream_t *s, int st, void *ud)
{
    (void)s;
    (void)st;
    (void)ud;
}

int p2p_conn_open_stream(p2p_conn_t *c, const char *proto, p2p_open_cb cb, void *ud, err_t *e)
{
    if (c->closing || c->state != C_YAMUX)
        return err_set(e, P2P_ECLOSED, "p2p: connection is not open");
    if (strlen(proto) + 1 >= MSS_MAX_LINE)
        return err_set(e, P2P_EINVAL, "p2p: protocol name too long");
    size_t unacked = 0;
    for (p2p_stream_t *s = c->streams; s; s = s->next)
        unacked += !s->acked;
    if (unacked >= YAMUX_MAX_UNACKED || c->n_streams >= c->h->cfg.max_streams)
        return err_set(e, P2P_ELIMIT, "p2p: too many streams on this connection");
    if (c->next_id > UINT32_MAX - 2)
        return err_set(e, P2P_ELIMIT, "p2p: stream ids exhausted");
    p2p_stream_t *s = stream_new(c, c->next_id, true);
    if (!s)
        return err_set(e, P2P_ENOMEM, "p2p: out of memory");
    c->next_id += 2;
    snprintf(s->proto, sizeof s->proto, "%s", proto);
    s->open_cb = cb ? cb : on_open_pending_fail;
    s->open_ud = ud;
    hc_yamux_send(c, YAMUX_WINDOW_UPDATE, YAMUX_SYN, s->id, 0, NULL, 0);
    buf_t out;
    buf_init(&out, 0);
    mss_write(&out, MSS_PROTO);
    mss_write(&out, proto);
    int rc = p2p_stream_write(s, out.data, out.len);
    buf_free(&out);
    return rc ? err_set(e, rc, "p2p: cannot write to the new stream") : 0;
}

/* ---- yamux session --------------------------------------------------------- */

/* Returns 1 when a frame was consumed, 0 when more bytes are needed. */
int ys_frame(p2p_conn_t *c)
{
    const uint8_t *in = c->plain.data + c->plain_off;
    size_t avail = c->plain.len - c->plain_off;
    if (avail < YAMUX_HDR)
        return 0;
    yamux_hdr_t yh;
    err_t e;
    if (yamux_hdr_decode(in, &yh, &e)) {
        hc_fail(c, P2P_EPROTO, "%s", e.msg);
        return 0;
    }
    p2p_stream_t *s = yh.stream_id ? find_stream(c, yh.stream_id) : NULL;
    if (yh.type == YAMUX_DATA) {
        uint32_t limit = s ? s->recv_window : YAMUX_WINDOW;
        if (yh.length > limit) {
            hc_fail(c, P2P_EPROTO, "yamux: data frame of %u bytes exceeds the window of %u",
                      yh.length, limit);
            return 0;
        }
        if (avail - YAMUX_HDR < yh.length)
            return 0;
    }
    const uint8_t *body = in + YAMUX_HDR;
    size_t used = YAMUX_HDR + (yh.type == YAMUX_DATA ? yh.length : 0);

    if (yh.type == YAMUX_PING) {
        if (yh.flags & YAMUX_SYN)
            hc_yamux_send(c, YAMUX_PING, YAMUX_ACK, 0, yh.length, NULL, 0);
        goto done;
    }
    if (yh.type == YAMUX_GO_AWAY) {
        c->plain_off += used;
        hc_fail(c, P2P_ECLOSED, "peer sent go-away (code %u)", yh.length);
        return 0;
    }
    if (yh.flags & YAMUX_SYN) {
        bool theirs = (yh.stream_id & 1) == (c->outbound ? 0u : 1u);
        if (s || !theirs) {
            hc_fail(c, P2P_EPROTO, "yamux: bad SYN for stream %u", yh.stream_id);
            return 0;
        }
        if (c->n_streams >= c->h->cfg.max_streams) {
            log_warn(P2P_LOG, "refusing stream", "reason=\"more than %zu streams\"",
                     c->h->cfg.max_streams);
            hc_yamux_send(c, YAMUX_WINDOW_UPDATE, YAMUX_RST, yh.stream_id, 0, NULL, 0);
            goto done;
        }
        s = stream_new(c, yh.stream_id, false);
        if (!s) {
            hc_fail(c, P2P_ENOMEM, "out of memory");
            return 0;
        }
        hc_yamux_send(c, YAMUX_WINDOW_UPDATE, YAMUX_ACK, s->id, 0, NULL, 0);
    }
    if (!s)
        goto done; /* a stream we already closed or reset: drop */
    if (yh.flags & YAMUX_ACK)
        s->acked = true;
    if (yh.type == YAMUX_WINDOW_UPDATE) {
        uint64_t w = (uint64_t)s->send_window + yh.length;
        if (w > UINT32_MAX) {
            hc_fail(c, P2P_EPROTO, "yamux: window overflow on stream %u", s->id);
            return 0;
        }
        s->send_window = (uint32_t)w;
        stream_pump(s);
    } else if (yh.length) {
        s->recv_window -= yh.length;
        if (s->remote_fin) {
            hc_fail(c, P2P_EPROTO, "yamux: data after FIN on stream %u", s->id);
            return 0;
        }
        if (buf_append(&s->rx, body, yh.length)) {
            hc_fail(c, P2P_ENOMEM, "out of memory");
            return 0;
        }
    }
    c->plain_off += used;
    used = 0;
    if (yh.flags & YAMUX_RST) {
        ys_finish(s, P2P_ECLOSED);
        return 1;
    }
    if (yh.flags & YAMUX_FIN)
        s->remote_fin = true;
    if (s->state == S_NEGOTIATING && stream_negotiate(s) < 0)
        return 1;
    stream_deliver(s);
    return 1;
done:
    c->plain_off += used;
    return 1;
}
