/*
 * The libp2p host on libuv: TCP listeners and dials, the connection upgrade
 * and connection lifetimes. The Yamux session and its streams are in yamux.c.
 *
 * A connection walks these states (connections/README.md §Upgrading):
 *   C_MSS    multistream-select 1.0 in the clear, for "/noise"
 *   C_NOISE  Noise XX, each message framed by a 2-byte big-endian length
 *   C_MSS2   multistream-select again, inside Noise, for "/yamux/1.0.0"
 *   C_YAMUX  Yamux frames inside Noise transport messages
 * Bytes arrive in c->rx (raw); from C_MSS2 on they are decrypted into c->plain
 * and parsed from there, so whatever a peer sends ahead of our reply (both
 * sides may pipeline) is kept for the next state. Outbound plaintext gathers
 * in c->txplain and is encrypted and written once per event (conn_flush).
 *
 * Lifetimes: callbacks may close or reset anything. A closed stream is moved
 * to the connection's dead list and freed later (conn_gc, at the top of the
 * next read and when the connection goes); a closed connection stays in memory
 * until libuv has closed both of its handles.
 *
 * Limits and misbehaviour: a frame or message above its cap, a Data frame
 * beyond the receive window, an unknown frame type, a failed decryption, a bad
 * identity signature, or a handshake not finished within handshake_timeout_ms
 * closes the connection with a log line naming the reason.
 *
 * Handshake slots (issue 19 finding 8): inbound connections still in their
 * handshake are capped in total (max_pending) and per IP address
 * (max_pending_per_ip), apart from max_conns. A new connection that finds its
 * IP's share, or all slots, taken evicts the pending handshake that got least
 * far (then: has been silent longest), taken from the IP holding the most
 * slots; a real peer's handshake makes progress every round trip, a staller
 * never does, so stalling connections cannot lock real peers out. Refusals and evictions
 * are logged at most once a second, with counts. Inbound streams
 * beyond max_streams are refused with RST; more than YAMUX_MAX_UNACKED of our
 * own streams awaiting ACK refuses new opens (yamux §ACK backlog).
 */
#include "p2p/internal.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

#include "p2p/host_internal.h"

static void host_maybe_release(p2p_host_t *h);

static uint64_t now_ms(p2p_host_t *h)
{
    return uv_now(h->loop);
}

static void peer_str(const p2p_peer_id_t *id, char out[P2P_PEER_ID_STR_MAX])
{
    if (id->len)
        p2p_peer_id_format(id, out);
    else
        strcpy(out, "-");
}

/* ---- host ---------------------------------------------------------------- */

p2p_host_t *p2p_host_new(uv_loop_t *loop, const p2p_host_config_t *cfg, err_t *e)
{
    if (crypto_init() != 0) {
        err_set(e, P2P_EINVAL, "p2p: libsodium failed to initialise");
        return NULL;
    }
    /* A peer closing its socket must be an EPIPE for one connection, not a
     * SIGPIPE for the process; only a default disposition is changed. */
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
    p2p_host_t *h = calloc(1, sizeof *h);
    if (!h) {
        err_set(e, P2P_ENOMEM, "p2p: out of memory");
        return NULL;
    }
    h->loop = loop;
    if (cfg)
        h->cfg = *cfg;
    if (h->cfg.seed)
        p2p_key_from_seed(&h->key, h->cfg.seed);
    else
        p2p_key_generate(&h->key);
    h->cfg.seed = NULL;
    snprintf(h->agent, sizeof h->agent, "%s",
             h->cfg.agent ? h->cfg.agent : "aether-p2p/" AETHER_VERSION);
    h->cfg.agent = h->agent;
    if (!h->cfg.max_conns)
        h->cfg.max_conns = 256;
    if (!h->cfg.max_pending)
        h->cfg.max_pending = 64;
    if (!h->cfg.max_pending_per_ip)
        h->cfg.max_pending_per_ip = 16;
    if (!h->cfg.max_streams)
        h->cfg.max_streams = 256;
    if (!h->cfg.max_msg)
        h->cfg.max_msg = 1 << 20;
    if (!h->cfg.handshake_timeout_ms)
        h->cfg.handshake_timeout_ms = 10000;
    p2p_peer_id_from_pubkey(h->key.pk, &h->id);
    return h;
}

void p2p_host_set_cbs(p2p_host_t *h, const p2p_host_cbs_t *cbs)
{
    h->cbs = *cbs;
}

const p2p_peer_id_t *p2p_host_peer_id(const p2p_host_t *h)
{
    return &h->id;
}

const p2p_key_t *p2p_host_key(const p2p_host_t *h)
{
    return &h->key;
}

uv_loop_t *p2p_host_loop(const p2p_host_t *h)
{
    return h->loop;
}

void **p2p_host_identify_slot(p2p_host_t *h)
{
    return &h->identify_ops;
}

bool p2p_host_is_kad_server(const p2p_host_t *h)
{
    return h->cfg.kad_server;
}

const char *p2p_host_agent(const p2p_host_t *h)
{
    return h->agent;
}

void p2p_host_foreach_conn(p2p_host_t *h, void (*fn)(p2p_conn_t *c, void *ud), void *ud)
{
    for (p2p_conn_t *c = h->conns; c; c = c->next)
        if (!c->closing && c->state == C_YAMUX)
            fn(c, ud);
}

size_t p2p_host_max_msg(const p2p_host_t *h)
{
    return h->cfg.max_msg;
}

void p2p_host_set_kad(p2p_host_t *h, p2p_kad_t *kad,
                      void (*info_hook)(const p2p_identify_info_t *info, void *ud))
{
    h->kad = kad;
    h->info_hook = info_hook;
    h->info_hook_ud = kad;
}

void p2p_host_set_conn_hook(p2p_host_t *h, void (*fn)(p2p_conn_t *c, void *ud), void *ud)
{
    h->conn_hook = fn;
    h->conn_hook_ud = ud;
}

p2p_kad_t *p2p_host_kad(p2p_host_t *h)
{
    return h->kad;
}

int p2p_host_handle(p2p_host_t *h, const char *proto, p2p_handler_fn fn, void *ud)
{
    for (size_t i = 0; i < h->n_handlers; i++) {
        if (strcmp(h->handlers[i].proto, proto) == 0) {
            h->handlers[i].fn = fn;
            h->handlers[i].ud = ud;
            return 0;
        }
    }
    if (h->n_handlers == MAX_HANDLERS || strlen(proto) >= MSS_MAX_LINE)
        return P2P_ELIMIT;
    char *p = strdup(proto);
    if (!p)
        return P2P_ENOMEM;
    h->handlers[h->n_handlers++] = (handler_t){p, fn, ud};
    return 0;
}

size_t p2p_host_protocols(const p2p_host_t *h, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n_handlers && n < max; i++)
        out[n++] = h->handlers[i].proto;
    return n;
}

const handler_t *hc_find_handler(p2p_host_t *h, const char *proto)
{
    for (size_t i = 0; i < h->n_handlers; i++)
        if (strcmp(h->handlers[i].proto, proto) == 0)
            return &h->handlers[i];
    return NULL;
}

/* ---- peer info (what identify learnt) ------------------------------------ */

void p2p_host_store_info(p2p_host_t *h, const p2p_peer_id_t *peer, p2p_identify_info_t *info)
{
    peer_entry_t *pe;
    for (pe = h->peers; pe; pe = pe->next)
        if (p2p_peer_id_equal(&pe->info.peer, peer))
            break;
    if (!pe) {
        pe = calloc(1, sizeof *pe);
        if (!pe) {
            p2p_identify_info_free(info);
            return;
        }
        pe->next = h->peers;
        h->peers = pe;
    } else {
        p2p_identify_info_free(&pe->info);
    }
    pe->info = *info;
    pe->info.peer = *peer;
    memset(info, 0, sizeof *info);
    if (h->info_hook)
        h->info_hook(&pe->info, h->info_hook_ud);
}

const p2p_identify_info_t *p2p_host_peer_info(p2p_host_t *h, const p2p_peer_id_t *peer)
{
    for (peer_entry_t *pe = h->peers; pe; pe = pe->next)
        if (p2p_peer_id_equal(&pe->info.peer, peer))
            return &pe->info;
    return NULL;
}

bool p2p_host_peer_supports(p2p_host_t *h, const p2p_peer_id_t *peer, const char *proto)
{
    const p2p_identify_info_t *in = p2p_host_peer_info(h, peer);
    if (!in)
        return false;
    for (size_t i = 0; i < in->n_protocols; i++)
        if (strcmp(in->protocols[i], proto) == 0)
            return true;
    return false;
}

/* ---- listen addresses ------------------------------------------------------ */

size_t p2p_host_listen_addrs(const p2p_host_t *h, buf_t *addrs, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n_listeners && n < max; i++) {
        buf_init(&addrs[n], 0);
        buf_append(&addrs[n], h->listeners[i]->addr.data, h->listeners[i]->addr.len);
        n++;
    }
    return n;
}

int p2p_host_listen_addrs_text(const p2p_host_t *h, buf_t *out)
{
    char id[P2P_PEER_ID_STR_MAX];
    p2p_peer_id_format(&h->id, id);
    for (size_t i = 0; i < h->n_listeners; i++) {
        buf_t t;
        buf_init(&t, 0);
        if (p2p_maddr_format(h->listeners[i]->addr.data, h->listeners[i]->addr.len, &t, NULL)) {
            buf_free(&t);
            return P2P_EINVAL;
        }
        buf_printf(out, "%s/p2p/%s\n", (char *)t.data, id);
        buf_free(&t);
    }
    buf_terminate(out);
    return buf_ok(out) ? 0 : P2P_ENOMEM;
}

/* ---- raw and encrypted output ------------------------------------------------ */

typedef struct write_req {
    uv_write_t req;
    uint8_t data[];
} write_req_t;

static void on_write(uv_write_t *req, int status)
{
    p2p_conn_t *c = req->data;
    free(req);
    if (status < 0 && status != UV_ECANCELED && !c->closing)
        hc_fail(c, P2P_EIO, "write failed: %s", uv_strerror(status));
    else if (!c->closing && c->state == C_YAMUX) {
        ys_pump_all(c);
        hc_flush(c);
    }
}

static void conn_write_raw(p2p_conn_t *c, const uint8_t *p, size_t n)
{
    if (c->closing || n == 0)
        return;
    write_req_t *w = malloc(sizeof *w + n);
    if (!w) {
        hc_fail(c, P2P_ENOMEM, "out of memory");
        return;
    }
    memcpy(w->data, p, n);
    w->req.data = c;
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)n);
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write);
    if (rc < 0) {
        free(w);
        hc_fail(c, P2P_EIO, "write failed: %s", uv_strerror(rc));
    }
}

/* Queues plaintext for the encrypted channel (flushed by conn_flush). */
void hc_send(p2p_conn_t *c, const void *p, size_t n)
{
    if (!c->closing && buf_append(&c->txplain, p, n))
        hc_fail(c, P2P_ENOMEM, "out of memory");
}

void hc_flush(p2p_conn_t *c)
{
    if (c->closing || c->txplain.len == 0)
        return;
    size_t n = c->txplain.len;
    size_t frames = (n + NOISE_MAX_PLAIN - 1) / NOISE_MAX_PLAIN;
    size_t total = n + frames * (2 + NOISE_TAG);
    write_req_t *w = malloc(sizeof *w + total);
    if (!w) {
        hc_fail(c, P2P_ENOMEM, "out of memory");
        return;
    }
    size_t off = 0, o = 0;
    while (off < n) {
        size_t k = n - off < NOISE_MAX_PLAIN ? n - off : NOISE_MAX_PLAIN;
        size_t cl = k + NOISE_TAG;
        store_be16(w->data + o, (uint16_t)cl);
        if (noise_encrypt(&c->tx_c, NULL, 0, c->txplain.data + off, k, w->data + o + 2)) {
            free(w);
            hc_fail(c, P2P_EPROTO, "noise: send nonce exhausted");
            return;
        }
        o += 2 + cl;
        off += k;
    }
    buf_reset(&c->txplain);
    w->req.data = c;
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)total);
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write);
    if (rc < 0) {
        free(w);
        hc_fail(c, P2P_EIO, "write failed: %s", uv_strerror(rc));
        return;
    }
    /* Windows bound what we send per stream, but a peer that grants windows
     * (or keeps asking for echoes) and never reads would make us queue
     * without limit. */
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > HC_MAX_WRITE_QUEUE)
        hc_fail(c, P2P_ELIMIT, "peer does not read: more than %d bytes queued",
                HC_MAX_WRITE_QUEUE);
}

void hc_yamux_send(p2p_conn_t *c, uint8_t type, uint16_t flags, uint32_t id, uint32_t len,
                   const uint8_t *data, size_t n)
{
    uint8_t hdr[YAMUX_HDR];
    yamux_hdr_t yh = {0, type, flags, id, len};
    yamux_hdr_encode(&yh, hdr);
    hc_send(c, hdr, sizeof hdr);
    if (n)
        hc_send(c, data, n);
}

/* ---- connection teardown --------------------------------------------------- */

void ys_free(p2p_stream_t *s)
{
    buf_free(&s->rx);
    buf_free(&s->tx);
    free(s);
}

static void conn_gc(p2p_conn_t *c)
{
    while (c->dead) {
        p2p_stream_t *s = c->dead;
        c->dead = s->next;
        ys_free(s);
    }
}

static void conn_release(p2p_conn_t *c)
{
    p2p_host_t *h = c->h;
    for (p2p_conn_t **pp = &h->conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    conn_gc(c);
    while (c->streams) { /* only when released without conn_fail */
        p2p_stream_t *s = c->streams;
        c->streams = s->next;
        ys_free(s);
    }
    buf_free(&c->rx);
    buf_free(&c->plain);
    buf_free(&c->txplain);
    noise_hs_wipe(&c->hs);
    crypto_wipe(&c->tx_c, sizeof c->tx_c);
    crypto_wipe(&c->rx_c, sizeof c->rx_c);
    free(c);
    h->n_handles--;
    host_maybe_release(h);
}

static void on_conn_handle_closed(uv_handle_t *hd)
{
    p2p_conn_t *c = hd->data;
    if (--c->n_handles == 0)
        conn_release(c);
}

static void conn_close_handles(p2p_conn_t *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
    if (!uv_is_closing((uv_handle_t *)&c->timer))
        uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    conn_close_handles(req->data);
}

/* Tells everyone above that the connection is gone, then closes it. Pending
 * writes (e.g. a GoAway) are flushed first when graceful. */
static void conn_teardown(p2p_conn_t *c, int status, bool graceful)
{
    if (c->closing)
        return;
    if (graceful && c->state == C_YAMUX) {
        hc_yamux_send(c, YAMUX_GO_AWAY, 0, 0, status == 0 ? 0 : 1, NULL, 0);
        hc_flush(c);
    }
    c->closing = true;
    c->closing_ms = now_ms(c->h);
    uv_read_stop((uv_stream_t *)&c->tcp);
    while (c->streams)
        ys_finish(c->streams, status ? status : P2P_ECLOSED);
    if (c->dial_cb) {
        p2p_dial_cb cb = c->dial_cb;
        c->dial_cb = NULL;
        cb(c->h, NULL, status ? status : P2P_ECLOSED, "connection closed", c->dial_ud);
    } else if (c->announced && c->h->cbs.on_disconnect && !c->h->freeing) {
        c->h->cbs.on_disconnect(c->h, c, status, c->h->cbs.ud);
    }
    c->shutdown_req.data = c;
    if (!graceful || c->state == C_CONNECTING ||
        uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
        conn_close_handles(c);
}

void hc_fail(p2p_conn_t *c, int status, const char *fmt, ...)
{
    if (c->closing)
        return;
    char msg[ERR_MSG_MAX], peer[P2P_PEER_ID_STR_MAX], addr[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    peer_str(&c->peer, peer);
    p2p_conn_info_t info;
    p2p_conn_info(c, &info);
    snprintf(addr, sizeof addr, "%s", info.remote_addr);
    log_msg(status == P2P_ECLOSED ? LOG_DEBUG : LOG_WARN, P2P_LOG,
            status == P2P_ECLOSED ? "connection closed" : "dropping connection",
            "peer=%s addr=%s reason=\"%s\"", peer, addr, msg);
    if (c->dial_cb) {
        p2p_dial_cb cb = c->dial_cb;
        c->dial_cb = NULL;
        cb(c->h, NULL, status, msg, c->dial_ud);
    }
    conn_teardown(c, status, status != P2P_ECLOSED && status != P2P_EIO);
}

void p2p_conn_close(p2p_conn_t *c)
{
    conn_teardown(c, 0, true);
}

static void on_listener_closed(uv_handle_t *hd)
{
    listener_t *l = hd->data;
    p2p_host_t *h = l->h;
    buf_free(&l->addr);
    free(l);
    h->n_handles--;
    host_maybe_release(h);
}

void p2p_host_free(p2p_host_t *h)
{
    if (!h)
        return;
    h->freeing = true;
    for (p2p_conn_t *c = h->conns; c; c = c->next)
        conn_teardown(c, 0, true);
    for (size_t i = 0; i < h->n_listeners; i++) {
        uv_close((uv_handle_t *)&h->listeners[i]->tcp, on_listener_closed);
        h->listeners[i] = NULL;
    }
    h->n_listeners = 0;
    host_maybe_release(h);
}

static void host_maybe_release(p2p_host_t *h)
{
    if (!h->freeing)
        return;
    if (h->n_handles > 0)
        return;
    for (size_t i = 0; i < h->n_handlers; i++)
        free(h->handlers[i].proto);
    while (h->peers) {
        peer_entry_t *pe = h->peers;
        h->peers = pe->next;
        p2p_identify_info_free(&pe->info);
        free(pe);
    }
    p2p_key_wipe(&h->key);
    free(h);
}

/* ---- the upgrade ---------------------------------------------------------------- */

static void conn_established(p2p_conn_t *c)
{
    c->state = C_YAMUX;
    c->next_id = c->outbound ? 1 : 2;
    char peer[P2P_PEER_ID_STR_MAX];
    p2p_peer_id_format(&c->peer, peer);
    log_debug(P2P_LOG, "connection up", "peer=%s outbound=%d", peer, c->outbound);
    c->announced = true;
    if (c->h->conn_hook)
        c->h->conn_hook(c, c->h->conn_hook_ud);
    if (c->dial_cb) {
        p2p_dial_cb cb = c->dial_cb;
        c->dial_cb = NULL;
        cb(c->h, c, 0, "ok", c->dial_ud);
    }
    if (!c->closing && c->h->cbs.on_connect)
        c->h->cbs.on_connect(c->h, c, c->h->cbs.ud);
}

/* multistream-select on the connection (in clear or inside Noise). */
static int conn_mss(p2p_conn_t *c, buf_t *in, const char *want)
{
    char line[MSS_MAX_LINE];
    size_t used;
    err_t e;
    for (;;) {
        int r = mss_read(in->data, in->len, line, &used, &e);
        if (r == 0)
            return 0;
        if (r < 0) {
            hc_fail(c, P2P_EPROTO, "%s", e.msg);
            return -1;
        }
        memmove(in->data, in->data + used, in->len - used);
        in->len -= used;
        buf_t out;
        buf_init(&out, 0);
        if (!c->mss.got_header) {
            if (strcmp(line, MSS_PROTO) != 0) {
                buf_free(&out);
                hc_fail(c, P2P_EPROTO, "multistream: unexpected header '%s'", line);
                return -1;
            }
            c->mss.got_header = true;
            if (!c->mss.initiator)
                mss_write(&out, MSS_PROTO);
        } else if (c->mss.initiator) {
            buf_free(&out);
            if (strcmp(line, want) == 0)
                return 1;
            hc_fail(c, P2P_ENOTSUP, "multistream: peer refused %s ('%s')", want, line);
            return -1;
        } else if (strcmp(line, want) == 0) {
            mss_write(&out, want);
            if (c->state == C_MSS)
                conn_write_raw(c, out.data, out.len);
            else
                hc_send(c, out.data, out.len);
            buf_free(&out);
            return 1;
        } else {
            if (++c->mss.proposals > MSS_MAX_PROPOSALS) {
                buf_free(&out);
                hc_fail(c, P2P_EPROTO, "multistream: too many proposals");
                return -1;
            }
            mss_write(&out, "na");
        }
        if (c->state == C_MSS)
            conn_write_raw(c, out.data, out.len);
        else
            hc_send(c, out.data, out.len);
        buf_free(&out);
    }
}

static void noise_send(p2p_conn_t *c, const uint8_t *payload, size_t n)
{
    buf_t out;
    err_t e;
    buf_init(&out, 0);
    buf_append(&out, "\0\0", 2);
    if (noise_hs_write(&c->hs, payload, n, &out, &e)) {
        buf_free(&out);
        hc_fail(c, P2P_EPROTO, "%s", e.msg);
        return;
    }
    store_be16(out.data, (uint16_t)(out.len - 2));
    conn_write_raw(c, out.data, out.len);
    buf_free(&out);
}

static void noise_start(p2p_conn_t *c)
{
    uint8_t s_priv[32];
    crypto_random(s_priv, sizeof s_priv);
    noise_hs_init(&c->hs, c->outbound, s_priv, NULL, NULL, 0);
    crypto_wipe(s_priv, sizeof s_priv);
    c->state = C_NOISE;
    if (c->outbound)
        noise_send(c, NULL, 0);
}

static void noise_send_payload(p2p_conn_t *c)
{
    buf_t pl;
    buf_init(&pl, 0);
    if (noise_payload_make(&c->h->key, c->hs.s_pub, &pl)) {
        buf_free(&pl);
        hc_fail(c, P2P_ENOMEM, "out of memory");
        return;
    }
    noise_send(c, pl.data, pl.len);
    buf_free(&pl);
}

static void noise_done(p2p_conn_t *c)
{
    noise_hs_split(&c->hs, &c->tx_c, &c->rx_c);
    noise_hs_wipe(&c->hs);
    c->state = C_MSS2;
    c->mss = (mss_t){.initiator = c->outbound};
    if (c->outbound) {
        buf_t out;
        buf_init(&out, 0);
        mss_write(&out, MSS_PROTO);
        mss_write(&out, YAMUX_PROTO);
        hc_send(c, out.data, out.len);
        buf_free(&out);
    }
}

/* One Noise handshake message from c->rx; returns 1 when one was handled. */
static int noise_step(p2p_conn_t *c)
{
    if (c->rx.len < 2)
        return 0;
    size_t n = load_be16(c->rx.data);
    if (c->rx.len - 2 < n)
        return 0;
    buf_t pl;
    err_t e;
    buf_init(&pl, NOISE_MAX_MSG);
    int step = c->hs.step;
    if (noise_hs_read(&c->hs, c->rx.data + 2, n, &pl, &e)) {
        buf_free(&pl);
        hc_fail(c, P2P_EAUTH, "%s", e.msg);
        return 0;
    }
    memmove(c->rx.data, c->rx.data + 2 + n, c->rx.len - 2 - n);
    c->rx.len -= 2 + n;
    if (step >= 1) { /* messages 2 and 3 carry the peer's identity */
        p2p_peer_id_t peer;
        int rc = noise_payload_check(pl.data, pl.len, c->hs.rs, &peer, &e);
        buf_free(&pl);
        if (rc) {
            hc_fail(c, P2P_EAUTH, "%s", e.msg);
            return 0;
        }
        if (c->has_expected && !p2p_peer_id_equal(&peer, &c->expected)) {
            char got[P2P_PEER_ID_STR_MAX];
            p2p_peer_id_format(&peer, got);
            hc_fail(c, P2P_EAUTH, "noise: remote is %s, not the peer dialed", got);
            return 0;
        }
        if (p2p_peer_id_equal(&peer, &c->h->id)) {
            hc_fail(c, P2P_EAUTH, "noise: remote claims our own peer id");
            return 0;
        }
        c->peer = peer;
    } else {
        buf_free(&pl);
    }
    if (step == 0) {
        noise_send_payload(c);  /* responder: message 2 */
    } else if (step == 1) {
        noise_send_payload(c);  /* initiator: message 3 */
        if (!c->closing)
            noise_done(c);
    } else {
        noise_done(c);
    }
    return 1;
}

static int decrypt_frames(p2p_conn_t *c)
{
    size_t off = 0;
    while (c->rx.len - off >= 2) {
        const uint8_t *f = c->rx.data + off;
        size_t n = load_be16(f);
        if (n < NOISE_TAG) {
            hc_fail(c, P2P_EPROTO, "noise: transport message of %zu bytes", n);
            return -1;
        }
        if (c->rx.len - off - 2 < n)
            break;
        if (buf_reserve(&c->plain, n)) {
            hc_fail(c, P2P_ENOMEM, "out of memory");
            return -1;
        }
        if (noise_decrypt(&c->rx_c, NULL, 0, f + 2, n, c->plain.data + c->plain.len)) {
            hc_fail(c, P2P_EAUTH, "noise: transport message failed to decrypt");
            return -1;
        }
        c->plain.len += n - NOISE_TAG;
        off += 2 + n;
        /* A peer may not grow our plaintext backlog without bound. */
        if (c->plain.len > YAMUX_WINDOW + 2 * NOISE_MAX_MSG) {
            hc_fail(c, P2P_EPROTO, "yamux: frame larger than any window");
            return -1;
        }
    }
    memmove(c->rx.data, c->rx.data + off, c->rx.len - off);
    c->rx.len -= off;
    return 0;
}

static void conn_process(p2p_conn_t *c)
{
    while (!c->closing) {
        if (c->state == C_MSS) {
            int r = conn_mss(c, &c->rx, NOISE_PROTO);
            if (r <= 0)
                return;
            noise_start(c);
        } else if (c->state == C_NOISE) {
            if (!noise_step(c))
                return;
        } else {
            if (decrypt_frames(c) < 0)
                return;
            if (c->state == C_MSS2) {
                int r = conn_mss(c, &c->plain, YAMUX_PROTO);
                if (r <= 0)
                    return;
                conn_established(c);
                continue;
            }
            while (!c->closing && ys_frame(c))
                ;
            if (c->plain_off) {
                memmove(c->plain.data, c->plain.data + c->plain_off,
                        c->plain.len - c->plain_off);
                c->plain.len -= c->plain_off;
                c->plain_off = 0;
            }
            return;
        }
    }
}

/* ---- sockets ---------------------------------------------------------------------- */

static void on_alloc(uv_handle_t *hd, size_t suggested, uv_buf_t *b)
{
    p2p_conn_t *c = hd->data;
    *b = uv_buf_init((char *)c->readbuf, sizeof c->readbuf);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
    p2p_conn_t *c = st->data;
    if (c->closing)
        return;
    conn_gc(c);
    if (nread < 0) {
        bool eof = nread == UV_EOF || nread == UV_ECONNRESET;
        hc_fail(c, eof ? P2P_ECLOSED : P2P_EIO, "%s",
                  eof ? "peer closed the connection" : uv_strerror((int)nread));
        return;
    }
    if (nread == 0)
        return;
    c->last_ms = now_ms(c->h);
    if (buf_append(&c->rx, b->base, (size_t)nread)) {
        hc_fail(c, P2P_ENOMEM, "out of memory");
        return;
    }
    /* Before Noise, lines are short; nothing legitimate buffers more than one
     * Noise message (2 + 65535 bytes) plus one read. */
    if (c->rx.len > 2 + NOISE_MAX_MSG + READ_CHUNK) {
        hc_fail(c, P2P_EPROTO, "input backlog above any frame size");
        return;
    }
    conn_process(c);
    if (!c->closing)
        hc_flush(c);
}

static void on_timer(uv_timer_t *t)
{
    p2p_conn_t *c = t->data;
    uint64_t now = now_ms(c->h);
    if (c->closing) {
        /* a graceful close waits for our last bytes to leave; a peer that
         * stops reading must not keep the connection alive that way */
        if (now - c->closing_ms >= 2000)
            conn_close_handles(c);
        return;
    }
    if (c->state != C_YAMUX && now - c->started_ms >= c->h->cfg.handshake_timeout_ms) {
        hc_fail(c, P2P_ETIMEOUT, "handshake not finished within %llu ms",
                  (unsigned long long)c->h->cfg.handshake_timeout_ms);
        return;
    }
    /* A stream must agree on its protocol within the handshake timeout too,
     * or it would hold one of the connection's stream slots for ever. */
    for (p2p_stream_t *s = c->streams, *next; s && !c->closing; s = next) {
        next = s->next;
        if (s->state == S_NEGOTIATING && now - s->opened_ms >= c->h->cfg.handshake_timeout_ms) {
            log_warn(P2P_LOG, "resetting stream", "reason=\"protocol not negotiated within %llu ms\"",
                     (unsigned long long)c->h->cfg.handshake_timeout_ms);
            p2p_stream_reset(s);
            hc_flush(c);
            next = c->streams; /* callbacks may have changed the list */
        }
    }
    if (c->h->cfg.idle_timeout_ms && c->state == C_YAMUX && c->n_streams == 0 &&
        now - c->last_ms >= c->h->cfg.idle_timeout_ms) {
        log_debug(P2P_LOG, "closing idle connection", "%s", "");
        p2p_conn_close(c);
    }
}

static p2p_conn_t *conn_new(p2p_host_t *h, bool outbound)
{
    p2p_conn_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->h = h;
    c->outbound = outbound;
    c->state = outbound ? C_CONNECTING : C_MSS;
    c->mss.initiator = outbound;
    buf_init(&c->rx, 0);
    buf_init(&c->plain, 0);
    buf_init(&c->txplain, 0);
    uv_tcp_init(h->loop, &c->tcp);
    uv_timer_init(h->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->n_handles = 2;
    c->started_ms = c->last_ms = now_ms(h);
    c->next = h->conns;
    h->conns = c;
    h->n_handles++;
    uv_timer_start(&c->timer, on_timer, 250, 250);
    return c;
}

static void conn_start(p2p_conn_t *c)
{
    uv_tcp_nodelay(&c->tcp, 1);
    int len = sizeof c->remote;
    uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&c->remote, &len);
    int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (rc) {
        hc_fail(c, P2P_EIO, "read: %s", uv_strerror(rc));
        return;
    }
    c->state = C_MSS;
    if (c->outbound) {
        buf_t out;
        buf_init(&out, 0);
        mss_write(&out, MSS_PROTO);
        mss_write(&out, NOISE_PROTO);
        conn_write_raw(c, out.data, out.len);
        buf_free(&out);
    }
}

size_t p2p_host_conn_count(const p2p_host_t *h)
{
    size_t n = 0;
    for (p2p_conn_t *c = h->conns; c; c = c->next)
        n += !c->closing;
    return n;
}

static bool same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    if (a->ss_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
    return false;
}

static bool pending_inbound(const p2p_conn_t *c)
{
    return !c->outbound && !c->closing && c->state != C_YAMUX;
}

/* How far a handshake got: the connection state, and within Noise the
 * message count. A staller never gets past its first line of protocol. */
static int handshake_progress(const p2p_conn_t *c)
{
    return (int)c->state * 8 + (c->state == C_NOISE ? c->hs.step : 0);
}

/* The refusal and eviction log, at most one line a second. */
static void note_refusal(p2p_host_t *h, bool evicted)
{
    if (evicted)
        h->n_evicted++;
    else
        h->n_refused++;
    uint64_t now = now_ms(h);
    if (h->refuse_log_ms && now - h->refuse_log_ms < 1000)
        return;
    h->refuse_log_ms = now;
    log_warn(P2P_LOG, "connection limits reached",
             "refused=%zu evicted_stalled_handshakes=%zu max_conns=%zu max_pending=%zu "
             "max_pending_per_ip=%zu",
             h->n_refused, h->n_evicted, h->cfg.max_conns, h->cfg.max_pending,
             h->cfg.max_pending_per_ip);
    h->n_refused = h->n_evicted = 0;
}

/* Makes room for one more inbound handshake from `from`, evicting the
 * stalest pending handshake of the IP that holds the most slots when needed. */
static void make_handshake_room(p2p_host_t *h, const struct sockaddr_storage *from)
{
    size_t n_pending = 0, n_from = 0;
    for (p2p_conn_t *c = h->conns; c; c = c->next)
        if (pending_inbound(c)) {
            n_pending++;
            n_from += same_ip(&c->remote, from);
        }
    bool over_ip = n_from >= h->cfg.max_pending_per_ip;
    if (!over_ip && n_pending < h->cfg.max_pending)
        return;
    /* over its own share: evict from the same IP; all slots taken: from the
     * IP holding the most */
    const struct sockaddr_storage *heavy = from;
    if (!over_ip) {
        size_t best = 0;
        for (p2p_conn_t *c = h->conns; c; c = c->next) {
            if (!pending_inbound(c))
                continue;
            size_t k = 0;
            for (p2p_conn_t *d = h->conns; d; d = d->next)
                k += pending_inbound(d) && same_ip(&d->remote, &c->remote);
            if (k > best)
                best = k, heavy = &c->remote;
        }
    }
    p2p_conn_t *victim = NULL;
    for (p2p_conn_t *c = h->conns; c; c = c->next) {
        if (!pending_inbound(c) || !same_ip(&c->remote, heavy))
            continue;
        int pc = handshake_progress(c), pv = victim ? handshake_progress(victim) : 0;
        if (!victim || pc < pv || (pc == pv && c->last_ms < victim->last_ms))
            victim = c;
    }
    if (victim) {
        note_refusal(h, true);
        conn_teardown(victim, P2P_ELIMIT, false);
    }
}

static void on_connection(uv_stream_t *server, int status)
{
    listener_t *l = server->data;
    p2p_host_t *h = l->h;
    if (status < 0 || h->freeing)
        return;
    p2p_conn_t *c = conn_new(h, false);
    if (!c)
        return;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        conn_teardown(c, P2P_EIO, false);
        return;
    }
    int len = sizeof c->remote;
    uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&c->remote, &len);
    c->closing = true; /* not counted while room is made */
    make_handshake_room(h, &c->remote);
    c->closing = false;
    if (p2p_host_conn_count(h) > h->cfg.max_conns) {
        note_refusal(h, false);
        conn_teardown(c, P2P_ELIMIT, false);
        return;
    }
    conn_start(c);
}

int p2p_host_listen(p2p_host_t *h, const char *maddr, err_t *e)
{
    buf_t bin;
    struct sockaddr_storage sa;
    buf_init(&bin, 0);
    int rc = p2p_maddr_parse(maddr, &bin, e);
    if (!rc)
        rc = p2p_maddr_to_sockaddr(bin.data, bin.len, &sa, e);
    buf_free(&bin);
    if (rc)
        return rc;
    if (h->n_listeners == MAX_LISTENERS)
        return err_set(e, P2P_ELIMIT, "p2p: at most %d listeners", MAX_LISTENERS);
    listener_t *l = calloc(1, sizeof *l);
    if (!l)
        return err_set(e, P2P_ENOMEM, "p2p: out of memory");
    l->h = h;
    buf_init(&l->addr, 0);
    uv_tcp_init(h->loop, &l->tcp);
    l->tcp.data = l;
    h->n_handles++;
    int r = uv_tcp_bind(&l->tcp, (struct sockaddr *)&sa, 0);
    if (!r)
        r = uv_listen((uv_stream_t *)&l->tcp, 128, on_connection);
    if (r) {
        uv_close((uv_handle_t *)&l->tcp, on_listener_closed);
        return err_set(e, P2P_EIO, "p2p: cannot listen on %s: %s", maddr, uv_strerror(r));
    }
    struct sockaddr_storage bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&bound, &len);
    if (p2p_maddr_from_sockaddr((struct sockaddr *)&bound, &l->addr)) {
        uv_close((uv_handle_t *)&l->tcp, on_listener_closed);
        return err_set(e, P2P_ENOMEM, "p2p: out of memory");
    }
    h->listeners[h->n_listeners++] = l;
    return 0;
}

static void on_connect(uv_connect_t *req, int status)
{
    p2p_conn_t *c = req->data;
    if (c->closing)
        return;
    if (status < 0) {
        hc_fail(c, P2P_EIO, "connect: %s", uv_strerror(status));
        return;
    }
    conn_start(c);
}

p2p_conn_t *p2p_host_find_conn(p2p_host_t *h, const p2p_peer_id_t *peer)
{
    for (p2p_conn_t *c = h->conns; c; c = c->next)
        if (!c->closing && c->state == C_YAMUX && p2p_peer_id_equal(&c->peer, peer))
            return c;
    return NULL;
}

/* /dns, /dns4, /dns6 first: resolve (libuv's thread pool), then dial the
 * first address found with the rest of the multiaddr (tcp, p2p). */
typedef struct dns_dial {
    uv_getaddrinfo_t req;
    p2p_host_t *h;
    buf_t rest;
    p2p_dial_cb cb;
    void *ud;
} dns_dial_t;

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    dns_dial_t *d = req->data;
    p2p_host_t *h = d->h;
    h->n_handles--;
    buf_t m;
    buf_init(&m, 0);
    err_t e = {0};
    int rc = 0;
    if (h->freeing) {
        rc = err_set(&e, P2P_ECLOSED, "p2p: host is shutting down");
    } else if (status < 0 || !res) {
        rc = err_set(&e, P2P_EIO, "p2p: cannot resolve: %s", uv_strerror(status));
    } else {
        if (res->ai_family == AF_INET) {
            buf_append_byte(&m, P2P_PROTO_IP4);
            buf_append(&m, &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
        } else {
            buf_append_byte(&m, P2P_PROTO_IP6);
            buf_append(&m, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, 16);
        }
        buf_append(&m, d->rest.data, d->rest.len);
        rc = buf_ok(&m) ? p2p_host_dial(h, m.data, m.len, d->cb, d->ud, &e) : P2P_ENOMEM;
    }
    if (rc)
        d->cb(h, NULL, rc, e.code ? e.msg : "dial failed", d->ud);
    uv_freeaddrinfo(res);
    buf_free(&m);
    buf_free(&d->rest);
    free(d);
    host_maybe_release(h);
}

static int dial_dns(p2p_host_t *h, const uint8_t *maddr, size_t n, uint64_t code, size_t off,
                    p2p_dial_cb cb, void *ud, err_t *e)
{
    uint64_t len;
    int k = uvarint_decode(maddr + off, n - off, &len, NULL);
    if (k < 0 || len == 0 || len > 253 || len > n - off - (size_t)k)
        return err_set(e, P2P_EINVAL, "p2p: bad DNS name in multiaddr");
    char name[256];
    memcpy(name, maddr + off + k, (size_t)len);
    name[len] = 0;
    size_t rest = off + (size_t)k + (size_t)len;
    if (rest >= n || maddr[rest] != P2P_PROTO_TCP)
        return err_set(e, P2P_EINVAL, "p2p: expected /tcp/PORT after /dns*/%s", name);
    dns_dial_t *d = calloc(1, sizeof *d);
    if (!d)
        return err_set(e, P2P_ENOMEM, "p2p: out of memory");
    d->h = h;
    d->cb = cb;
    d->ud = ud;
    buf_init(&d->rest, 0);
    buf_append(&d->rest, maddr + rest, n - rest);
    d->req.data = d;
    struct addrinfo hints = {0};
    hints.ai_family = code == P2P_PROTO_DNS4 ? AF_INET : code == P2P_PROTO_DNS6 ? AF_INET6
                                                                             : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int r = uv_getaddrinfo(h->loop, &d->req, on_resolved, name, NULL, &hints);
    if (r) {
        buf_free(&d->rest);
        free(d);
        return err_set(e, P2P_EIO, "p2p: cannot resolve %s: %s", name, uv_strerror(r));
    }
    h->n_handles++;
    return 0;
}

int p2p_host_dial(p2p_host_t *h, const uint8_t *maddr, size_t n, p2p_dial_cb cb, void *ud,
                  err_t *e)
{
    struct sockaddr_storage sa;
    uint64_t first;
    int k = n ? uvarint_decode(maddr, n, &first, NULL) : -1;
    if (k > 0 && (first == P2P_PROTO_DNS || first == P2P_PROTO_DNS4 || first == P2P_PROTO_DNS6)) {
        int rc = p2p_maddr_validate(maddr, n, e);
        return rc ? rc : dial_dns(h, maddr, n, first, (size_t)k, cb, ud, e);
    }
    int rc = p2p_maddr_to_sockaddr(maddr, n, &sa, e);
    if (rc)
        return rc;
    const uint8_t *idb;
    size_t idn;
    p2p_peer_id_t expected;
    bool has = p2p_maddr_find(maddr, n, P2P_PROTO_P2P, &idb, &idn);
    if (has) {
        if ((rc = p2p_peer_id_from_bytes(idb, idn, &expected, e)))
            return rc;
        if (p2p_peer_id_equal(&expected, &h->id))
            return err_set(e, P2P_EINVAL, "p2p: refusing to dial ourselves");
        p2p_conn_t *c = p2p_host_find_conn(h, &expected);
        if (c) {
            cb(h, c, 0, "ok", ud);
            return 0;
        }
    }
    if (h->freeing)
        return err_set(e, P2P_ECLOSED, "p2p: host is shutting down");
    if (p2p_host_conn_count(h) >= h->cfg.max_conns)
        return err_set(e, P2P_ELIMIT, "p2p: %zu connections open", h->cfg.max_conns);
    p2p_conn_t *c = conn_new(h, true);
    if (!c)
        return err_set(e, P2P_ENOMEM, "p2p: out of memory");
    c->has_expected = has;
    if (has)
        c->expected = expected;
    c->dial_cb = cb;
    c->dial_ud = ud;
    c->connect_req.data = c;
    c->remote = sa;
    int r = uv_tcp_connect(&c->connect_req, &c->tcp, (struct sockaddr *)&sa, on_connect);
    if (r) {
        c->dial_cb = NULL;
        conn_teardown(c, P2P_EIO, false);
        return err_set(e, P2P_EIO, "p2p: connect: %s", uv_strerror(r));
    }
    return 0;
}

int p2p_conn_inject_plain(p2p_conn_t *c, const uint8_t *p, size_t n)
{
    if (c->closing || c->state != C_YAMUX)
        return P2P_ECLOSED;
    hc_send(c, p, n);
    hc_flush(c);
    return 0;
}

/* ---- connection queries ---------------------------------------------------------- */

const p2p_peer_id_t *p2p_conn_peer(const p2p_conn_t *c)
{
    return &c->peer;
}

p2p_host_t *p2p_conn_host(const p2p_conn_t *c)
{
    return c->h;
}

int p2p_conn_remote_maddr(const p2p_conn_t *c, buf_t *out)
{
    return p2p_maddr_from_sockaddr((const struct sockaddr *)&c->remote, out);
}

void p2p_conn_info(const p2p_conn_t *c, p2p_conn_info_t *info)
{
    memset(info, 0, sizeof *info);
    info->peer = c->peer;
    info->outbound = c->outbound;
    buf_t a, t;
    buf_init(&a, 0);
    buf_init(&t, 0);
    if (c->remote.ss_family && p2p_conn_remote_maddr(c, &a) == 0 &&
        p2p_maddr_format(a.data, a.len, &t, NULL) == 0)
        snprintf(info->remote_addr, sizeof info->remote_addr, "%s", (char *)t.data);
    else
        snprintf(info->remote_addr, sizeof info->remote_addr, "-");
    buf_free(&a);
    buf_free(&t);
}
