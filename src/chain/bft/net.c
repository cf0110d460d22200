/*
 * The network side of the BFT engine: one libuv thread running a p2p host
 * with the /aether/cons/1.0.0 protocol (frames in bft.h). The engine thread
 * never touches the host: it queues outbound frames (bft_net_send, then
 * uv_async_send) and receives inbound ones through the on_msg callback.
 *
 * Peers live in slots. The members of the current validator set (given by
 * account key, bft_net_set_validators) are mapped to their slots, so the
 * engine sees member i as handle i (its peer id is the identity multihash
 * of its account key, proven by Noise) and any other peer as BFT_NET_OTHER
 * + its slot. Slots of non-members are reused when they reconnect.
 * Each connection carries one outbound stream per side; frames written
 * before it is open wait in a bounded buffer. A peer whose queue exceeds
 * P2P_STREAM_MAX_PENDING loses frames (consensus retransmits through
 * timeouts and sync); configured peers are redialled every second.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2p/p2p.h"

#define MAX_EXTRA_PEERS 64
#define PENDING_MAX (32u << 20)
#define REDIAL_MS 1000

typedef struct peer {
    bool used;
    p2p_peer_id_t id;
    char id_text[P2P_PEER_ID_STR_MAX];
    int64_t validator;      /* index or -1 */
    p2p_conn_t *conn;
    p2p_stream_t *out;
    bool opening;
    buf_t pending;          /* frames waiting for the stream */
    buf_t dial;             /* configured binary multiaddr, empty if none */
    char addr[128];
    bool dialing;
} peer_t;

typedef struct peer_snap {
    bool used, connected, configured;
    int64_t validator;
    char id_text[P2P_PEER_ID_STR_MAX];
    char addr[128];
} peer_snap_t;

typedef struct outq {
    struct outq *next;
    uint32_t to;            /* handle, BFT_TO_ALL, BFT_TO_VALIDATORS, or a command */
    bool disconnect;
    bool set_validators;    /* data: n x account key */
    size_t len;
    uint8_t data[];         /* uvarint length prefix included */
} outq_t;

typedef struct rstream {
    bft_net_t *net;
    uint32_t handle;
    buf_t acc;              /* a frame being reassembled (see rs_on_data) */
} rstream_t;

struct bft_net {
    uv_loop_t loop;
    uv_thread_t thr;
    uv_async_t async;
    uv_timer_t timer;
    bool started;
    p2p_host_t *host;
    bft_net_cbs_t cbs;
    uint32_t n_val;         /* members of the current set */
    int32_t val_slot[CONS_MAX_VALIDATORS];   /* member -> slot, -1 none */
    peer_t *peers;          /* BFT_NET_SLOTS */
    size_t n_peers;
    pthread_mutex_t mu;     /* q, stop, snapshot fields */
    outq_t *q_head, *q_tail;
    bool stop;
    /* snapshot for status (under mu) */
    size_t connected;
    peer_snap_t *snap;      /* n_peers */
    buf_t listen_text;
    char self_text[P2P_PEER_ID_STR_MAX];   /* our peer id; set before the thread runs */
};

/* The handle of a peer id: its validator index, or a full-node slot
 * (allocated when alloc). UINT32_MAX when none. */
static uint32_t handle_of(bft_net_t *net, const p2p_peer_id_t *id, bool alloc)
{
    for (size_t i = 0; i < net->n_peers; i++)
        if (net->peers[i].used && p2p_peer_id_equal(&net->peers[i].id, id))
            return (uint32_t)i;
    if (!alloc)
        return UINT32_MAX;
    for (size_t i = 0; i < net->n_peers; i++) {
        peer_t *p = &net->peers[i];
        if (!p->used || (!p->conn && p->dial.len == 0 && p->validator < 0)) {
            buf_free(&p->pending);
            buf_free(&p->dial);
            memset(p, 0, sizeof *p);
            p->used = true;
            p->id = *id;
            p->validator = -1;
            p2p_peer_id_format(id, p->id_text);
            buf_init(&p->pending, PENDING_MAX);
            buf_init(&p->dial, 0);
            return (uint32_t)i;
        }
    }
    return UINT32_MAX;
}

/* The engine's handle of slot i (see the top). */
static uint32_t handle_of_slot(const bft_net_t *net, size_t i)
{
    int64_t v = net->peers[i].validator;
    return v >= 0 ? (uint32_t)v : (uint32_t)(BFT_NET_OTHER + i);
}

/* The slot of an engine handle, or NULL. */
static peer_t *peer_of_handle(bft_net_t *net, uint32_t h)
{
    if (h < BFT_NET_OTHER)
        return h < net->n_val && net->val_slot[h] >= 0 ? &net->peers[net->val_slot[h]] : NULL;
    h -= BFT_NET_OTHER;
    return h < net->n_peers && net->peers[h].used ? &net->peers[h] : NULL;
}

static void apply_validators(bft_net_t *net, const uint8_t (*acc)[CHAIN_PK_BYTES], uint32_t n)
{
    for (size_t i = 0; i < net->n_peers; i++)
        net->peers[i].validator = -1;
    net->n_val = n;
    for (uint32_t k = 0; k < n; k++) {
        p2p_peer_id_t id;
        p2p_peer_id_from_pubkey(acc[k], &id);
        uint32_t slot = handle_of(net, &id, true);
        net->val_slot[k] = slot == UINT32_MAX ? -1 : (int32_t)slot;
        if (slot != UINT32_MAX)
            net->peers[slot].validator = k;
    }
}

static void update_snapshot(bft_net_t *net)
{
    size_t c = 0;
    for (size_t i = 0; i < net->n_peers; i++)
        c += net->peers[i].used && net->peers[i].conn != NULL;
    pthread_mutex_lock(&net->mu);
    net->connected = c;
    for (size_t i = 0; i < net->n_peers; i++) {
        const peer_t *p = &net->peers[i];
        peer_snap_t *s = &net->snap[i];
        s->used = p->used;
        s->connected = p->conn != NULL;
        s->configured = p->dial.len > 0;
        s->validator = p->validator;
        memcpy(s->id_text, p->id_text, sizeof s->id_text);
        memcpy(s->addr, p->addr, sizeof s->addr);
    }
    pthread_mutex_unlock(&net->mu);
}

json_t *bft_net_peers_json(bft_net_t *net, const uint64_t *heights, size_t n_heights)
{
    json_t *arr = json_array();
    /* the node's own validator slot is not a peer: 'aether peers' listed it as one
     * that is neither configured nor connected */
    const char *me = net->self_text;
    pthread_mutex_lock(&net->mu);
    for (size_t i = 0; i < net->n_peers; i++) {
        const peer_snap_t *s = &net->snap[i];
        if (!s->used || (!s->connected && !s->configured && s->validator < 0))
            continue;
        if (me[0] && strcmp(s->id_text, me) == 0)
            continue;
        json_t *o = json_pack("{s:s,s:s,s:b,s:b}", "peer_id", s->id_text, "address", s->addr,
                              "connected", s->connected, "configured", s->configured);
        json_object_set_new(o, "validator",
                            s->validator >= 0 ? json_integer(s->validator) : json_null());
        if (i < n_heights && s->connected)
            json_object_set_new(o, "height", cjson_u64(heights[i]));
        json_array_append_new(arr, o);
    }
    pthread_mutex_unlock(&net->mu);
    return arr;
}

/* ---- inbound ---- */

/* Yamux returns window only for bytes the protocol consumed, and its
 * window (256 KiB) is smaller than a frame may be (a block): so every byte
 * is consumed at once into acc, where frames are reassembled. */
static size_t rs_on_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    rstream_t *rs = ud;
    buf_append(&rs->acc, p, n);
    if (!buf_ok(&rs->acc)) {
        log_warn("bft", "frame above the limit, closing the stream", "peer=%u", rs->handle);
        p2p_stream_reset(s);
        return n;
    }
    size_t off = 0;
    for (;;) {
        const uint8_t *msg;
        size_t len, used;
        int r = p2p_lp_next(rs->acc.data + off, rs->acc.len - off, BFT_MAX_FRAME, &msg, &len,
                            &used);
        if (r == 0)
            break;
        if (r < 0 || len == 0) {
            log_warn("bft", "malformed frame, closing the stream", "peer=%u", rs->handle);
            p2p_stream_reset(s);
            return n;
        }
        bft_msg_t *m = malloc(sizeof *m + len - 1);
        if (m) {
            m->next = NULL;
            m->from = handle_of_slot(rs->net, rs->handle);
            m->type = msg[0];
            m->len = len - 1;
            memcpy(m->data, msg + 1, len - 1);
            rs->net->cbs.on_msg(rs->net->cbs.ud, m);
        }
        off += used;
    }
    if (off) {
        memmove(rs->acc.data, rs->acc.data + off, rs->acc.len - off);
        rs->acc.len -= off;
    }
    return n;
}

static void rs_on_close(p2p_stream_t *s, int status, void *ud)
{
    (void)s;
    (void)status;
    rstream_t *rs = ud;
    buf_free(&rs->acc);
    free(rs);
}

static void on_inbound(p2p_stream_t *s, void *ud)
{
    bft_net_t *net = ud;
    const p2p_peer_id_t *id = p2p_conn_peer(p2p_stream_conn(s));
    uint32_t h = handle_of(net, id, true);
    rstream_t *rs = h == UINT32_MAX ? NULL : calloc(1, sizeof *rs);
    if (!rs) {
        p2p_stream_reset(s);
        return;
    }
    rs->net = net;
    rs->handle = h;   /* the slot: its engine handle follows the set */
    buf_init(&rs->acc, BFT_MAX_FRAME + 16);
    p2p_stream_cbs_t cbs = {.on_data = rs_on_data, .on_close = rs_on_close, .ud = rs};
    p2p_stream_set_cbs(s, &cbs);
}

/* ---- outbound ---- */

static size_t out_on_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    (void)s, (void)p, (void)ud;
    return n;   /* nothing is expected on our own stream */
}

static void out_on_close(p2p_stream_t *s, int status, void *ud)
{
    (void)status;
    bft_net_t *net = ud;
    for (size_t i = 0; i < net->n_peers; i++)
        if (net->peers[i].out == s)
            net->peers[i].out = NULL;
}

static void peer_flush(peer_t *p)
{
    if (!p->out || p->pending.len == 0)
        return;
    if (p2p_stream_write(p->out, p->pending.data, p->pending.len) != 0)
        log_warn("bft", "peer is not reading, frames dropped", "peer=%s bytes=%zu", p->id_text,
                 p->pending.len);
    buf_reset(&p->pending);
}

static void on_open(p2p_stream_t *s, int status, void *ud)
{
    bft_net_t *net = ud;
    if (!s)
        return;
    const p2p_peer_id_t *id = p2p_conn_peer(p2p_stream_conn(s));
    uint32_t h = handle_of(net, id, false);
    peer_t *p = h == UINT32_MAX ? NULL : &net->peers[h];
    if (!p || status != 0 || p->conn != p2p_stream_conn(s)) {
        p2p_stream_reset(s);
        return;
    }
    p->opening = false;
    p->out = s;
    p2p_stream_cbs_t cbs = {.on_data = out_on_data, .on_close = out_on_close, .ud = net};
    p2p_stream_set_cbs(s, &cbs);
    peer_flush(p);
}

static void peer_open(bft_net_t *net, peer_t *p)
{
    if (!p->conn || p->out || p->opening)
        return;
    err_t e = {0};
    p->opening = true;
    if (p2p_conn_open_stream(p->conn, BFT_PROTO, on_open, net, &e) != 0) {
        p->opening = false;
        log_warn("bft", "cannot open a stream", "peer=%s reason=\"%s\"", p->id_text, e.msg);
    }
}

static void on_connect(p2p_host_t *h, p2p_conn_t *c, void *ud)
{
    (void)h;
    bft_net_t *net = ud;
    uint32_t hd = handle_of(net, p2p_conn_peer(c), true);
    if (hd == UINT32_MAX) {
        p2p_conn_close(c);
        return;
    }
    peer_t *p = &net->peers[hd];
    if (p->conn && p->conn != c) {
        /* a second connection (both sides dialled): keep the newest for writing */
        p->out = NULL;
        p->opening = false;
    }
    p->conn = c;
    p2p_conn_info_t info;
    p2p_conn_info(c, &info);
    snprintf(p->addr, sizeof p->addr, "%s", info.remote_addr);
    log_info("bft", "peer connected", "peer=%s validator=%lld addr=%s", p->id_text,
             (long long)p->validator, p->addr);
    peer_open(net, p);
    update_snapshot(net);
}

static void on_disconnect(p2p_host_t *h, p2p_conn_t *c, int status, void *ud)
{
    (void)h;
    (void)status;
    bft_net_t *net = ud;
    for (size_t i = 0; i < net->n_peers; i++) {
        peer_t *p = &net->peers[i];
        if (p->used && p->conn == c) {
            p->conn = NULL;
            p->out = NULL;
            p->opening = false;
            buf_reset(&p->pending);
            log_info("bft", "peer disconnected", "peer=%s", p->id_text);
            /* another connection to it may still be up */
            p2p_conn_t *other = p2p_host_find_conn(net->host, &p->id);
            if (other && other != c) {
                p->conn = other;
                peer_open(net, p);
            }
        }
    }
    update_snapshot(net);
}

static void on_dial(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    (void)h;
    (void)c;
    peer_t *p = ud;
    p->dialing = false;
    if (status != 0)
        log_debug("bft", "dial failed", "peer=%s reason=\"%s\"", p->id_text, msg ? msg : "");
}

static void redial(bft_net_t *net)
{
    for (size_t i = 0; i < net->n_peers; i++) {
        peer_t *p = &net->peers[i];
        if (!p->used || p->conn || p->dialing || p->dial.len == 0)
            continue;
        err_t e = {0};
        p->dialing = true;
        if (p2p_host_dial(net->host, p->dial.data, p->dial.len, on_dial, p, &e) != 0) {
            p->dialing = false;
            log_debug("bft", "dial failed", "peer=%s reason=\"%s\"", p->id_text, e.msg);
        }
    }
}

static void on_timer(uv_timer_t *t)
{
    redial(t->data);
}

static void deliver(bft_net_t *net, peer_t *p, const uint8_t *data, size_t len)
{
    if (!p->conn)
        return;
    if (p->out) {
        if (p2p_stream_pending(p->out) + len > P2P_STREAM_MAX_PENDING ||
            p2p_stream_write(p->out, data, len) != 0)
            log_debug("bft", "frame dropped (peer not reading)", "peer=%s", p->id_text);
        return;
    }
    buf_append(&p->pending, data, len);
    if (!buf_ok(&p->pending)) {
        buf_free(&p->pending);
        buf_init(&p->pending, PENDING_MAX);
    }
    peer_open(net, p);
}

static void on_async(uv_async_t *a)
{
    bft_net_t *net = a->data;
    pthread_mutex_lock(&net->mu);
    outq_t *q = net->q_head;
    net->q_head = net->q_tail = NULL;
    bool stop = net->stop;
    pthread_mutex_unlock(&net->mu);
    while (q) {
        outq_t *next = q->next;
        if (!stop) {
            if (q->set_validators) {
                apply_validators(net, (const uint8_t (*)[CHAIN_PK_BYTES])q->data,
                                 (uint32_t)(q->len / CHAIN_PK_BYTES));
                update_snapshot(net);
            } else if (q->disconnect) {
                peer_t *p = peer_of_handle(net, q->to);
                if (p && p->conn) {
                    log_warn("bft", "disconnecting a misbehaving peer", "peer=%s", p->id_text);
                    p2p_conn_close(p->conn);
                }
            } else if (q->to == BFT_TO_ALL || q->to == BFT_TO_VALIDATORS) {
                bool all = q->to == BFT_TO_ALL;
                for (size_t i = 0; i < net->n_peers; i++)
                    if (net->peers[i].used && (all || net->peers[i].validator >= 0))
                        deliver(net, &net->peers[i], q->data, q->len);
            } else {
                peer_t *p = peer_of_handle(net, q->to);
                if (p)
                    deliver(net, p, q->data, q->len);
            }
        }
        free(q);
        q = next;
    }
    if (stop) {
        p2p_host_free(net->host);
        net->host = NULL;
        uv_close((uv_handle_t *)&net->timer, NULL);
        uv_close((uv_handle_t *)&net->async, NULL);
    }
}

static void thread_main(void *arg)
{
    bft_net_t *net = arg;
    uv_run(&net->loop, UV_RUN_DEFAULT);
}

/* ---- API ---- */

bft_net_t *bft_net_new(const node_genesis_t *g, const uint8_t seed[32], const char *listen,
                       const char *const *peers, size_t n_peers, const bft_net_cbs_t *cbs,
                       err_t *e)
{
    bft_net_t *net = calloc(1, sizeof *net);
    if (!net) {
        err_set(e, BFT_ENOMEM, "bft: out of memory");
        return NULL;
    }
    pthread_mutex_init(&net->mu, NULL);
    buf_init(&net->listen_text, 0);
    net->cbs = *cbs;
    net->n_peers = BFT_NET_SLOTS;
    net->peers = calloc(net->n_peers, sizeof *net->peers);
    net->snap = calloc(net->n_peers, sizeof *net->snap);
    /* the genesis set's account keys: epoch 0's members until the engine says */
    uint8_t(*acc)[CHAIN_PK_BYTES] = calloc(g->n_validators ? g->n_validators : 1, sizeof *acc);
    if (!net->peers || !net->snap || !acc || uv_loop_init(&net->loop) != 0) {
        free(acc);
        free(net->peers);
        free(net->snap);
        pthread_mutex_destroy(&net->mu);
        free(net);
        err_set(e, BFT_ENOMEM, "bft: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < net->n_peers; i++) {
        buf_init(&net->peers[i].pending, PENDING_MAX);
        buf_init(&net->peers[i].dial, 0);
    }
    for (size_t i = 0; i < g->n_validators; i++)
        memcpy(acc[i], g->validators[i].account_pk, CHAIN_PK_BYTES);
    apply_validators(net, (const uint8_t (*)[CHAIN_PK_BYTES])acc, (uint32_t)g->n_validators);
    free(acc);
    uv_async_init(&net->loop, &net->async, on_async);
    net->async.data = net;
    uv_timer_init(&net->loop, &net->timer);
    net->timer.data = net;
    p2p_host_config_t hc = {.seed = seed, .agent = "aetherd/" AETHER_VERSION,
                            .max_msg = BFT_MAX_FRAME, .max_conns = 512};
    net->host = p2p_host_new(&net->loop, &hc, e);
    if (!net->host)
        goto fail;
    p2p_peer_id_format(p2p_host_peer_id(net->host), net->self_text);
    p2p_host_cbs_t hcb = {.on_connect = on_connect, .on_disconnect = on_disconnect, .ud = net};
    p2p_host_set_cbs(net->host, &hcb);
    if (p2p_host_handle(net->host, BFT_PROTO, on_inbound, net) != 0) {
        err_set(e, BFT_ENET, "bft: cannot register %s", BFT_PROTO);
        goto fail;
    }
    (void)p2p_identify_enable(net->host);
    (void)p2p_ping_enable(net->host);
    if (listen) {
        if (p2p_host_listen(net->host, listen, e) != 0) {
            err_prefix(e, "bft: listening on %s", listen);
            if (e)
                e->code = BFT_ENET;
            goto fail;
        }
        if (p2p_host_listen_addrs_text(net->host, &net->listen_text) != 0)
            buf_reset(&net->listen_text);
    }
    for (size_t i = 0; i < n_peers; i++) {
        buf_t bin;
        buf_init(&bin, 0);
        const uint8_t *idv;
        size_t idn;
        p2p_peer_id_t id;
        if (p2p_maddr_parse(peers[i], &bin, e) != 0 ||
            !p2p_maddr_find(bin.data, bin.len, P2P_PROTO_P2P, &idv, &idn) ||
            p2p_peer_id_from_bytes(idv, idn, &id, NULL) != 0) {
            buf_free(&bin);
            err_set(e, BFT_EINVAL, "bft: peer '%s' must be a multiaddr ending in /p2p/<peer id>",
                    peers[i]);
            goto fail;
        }
        if (p2p_peer_id_equal(&id, p2p_host_peer_id(net->host))) {
            buf_free(&bin);   /* ourselves (a shared peer list) */
            continue;
        }
        uint32_t h = handle_of(net, &id, true);
        if (h == UINT32_MAX) {
            buf_free(&bin);
            err_set(e, BFT_EINVAL, "bft: too many peers");
            goto fail;
        }
        buf_free(&net->peers[h].dial);
        net->peers[h].dial = bin;
    }
    update_snapshot(net);
    return net;
fail:
    bft_net_free(net);
    return NULL;
}

int bft_net_start(bft_net_t *net, err_t *e)
{
    uv_timer_start(&net->timer, on_timer, 10, REDIAL_MS);
    if (uv_thread_create(&net->thr, thread_main, net) != 0)
        return err_set(e, BFT_ENET, "bft: cannot start the network thread");
    net->started = true;
    return 0;
}

void bft_net_free(bft_net_t *net)
{
    if (!net)
        return;
    pthread_mutex_lock(&net->mu);
    net->stop = true;
    pthread_mutex_unlock(&net->mu);
    if (net->started) {
        uv_async_send(&net->async);
        uv_thread_join(&net->thr);
    } else {
        /* never ran: release the handles on this thread */
        if (net->host)
            p2p_host_free(net->host);
        net->host = NULL;
        uv_close((uv_handle_t *)&net->timer, NULL);
        uv_close((uv_handle_t *)&net->async, NULL);
        uv_run(&net->loop, UV_RUN_DEFAULT);
    }
    uv_loop_close(&net->loop);
    outq_t *q = net->q_head;
    while (q) {
        outq_t *next = q->next;
        free(q);
        q = next;
    }
    for (size_t i = 0; i < net->n_peers; i++) {
        buf_free(&net->peers[i].pending);
        buf_free(&net->peers[i].dial);
    }
    free(net->peers);
    free(net->snap);
    buf_free(&net->listen_text);
    pthread_mutex_destroy(&net->mu);
    free(net);
}

static void enqueue(bft_net_t *net, outq_t *q)
{
    pthread_mutex_lock(&net->mu);
    bool stop = net->stop;
    if (!stop) {
        if (net->q_tail)
            net->q_tail->next = q;
        else
            net->q_head = q;
        net->q_tail = q;
    }
    pthread_mutex_unlock(&net->mu);
    if (stop) {
        free(q);
        return;
    }
    uv_async_send(&net->async);
}

void bft_net_send2(bft_net_t *net, uint32_t to, uint8_t type, const uint8_t *head, size_t hlen,
                   const uint8_t *body, size_t len)
{
    size_t total = 1 + hlen + len;
    if (total > BFT_MAX_FRAME)
        return;
    uint8_t pre[10];
    size_t pn = uvarint_encode(total, pre);
    outq_t *q = malloc(sizeof *q + pn + total);
    if (!q)
        return;
    q->next = NULL;
    q->to = to;
    q->disconnect = false;
    q->set_validators = false;
    q->len = pn + total;
    memcpy(q->data, pre, pn);
    q->data[pn] = type;
    if (hlen)
        memcpy(q->data + pn + 1, head, hlen);
    if (len)
        memcpy(q->data + pn + 1 + hlen, body, len);
    enqueue(net, q);
}

void bft_net_send(bft_net_t *net, uint32_t to, uint8_t type, const uint8_t *body, size_t len)
{
    bft_net_send2(net, to, type, NULL, 0, body, len);
}

void bft_net_set_validators(bft_net_t *net, const uint8_t (*accounts)[CHAIN_PK_BYTES], uint32_t n)
{
    size_t len = (size_t)n * CHAIN_PK_BYTES;
    outq_t *q = calloc(1, sizeof *q + (len ? len : 1));
    if (!q)
        return;
    q->set_validators = true;
    q->len = len;
    if (len)
        memcpy(q->data, accounts, len);
    enqueue(net, q);
}

void bft_net_disconnect(bft_net_t *net, uint32_t handle)
{
    outq_t *q = calloc(1, sizeof *q);
    if (!q)
        return;
    q->to = handle;
    q->disconnect = true;
    enqueue(net, q);
}

size_t bft_net_connected(bft_net_t *net)
{
    pthread_mutex_lock(&net->mu);
    size_t c = net->connected;
    pthread_mutex_unlock(&net->mu);
    return c;
}

int bft_net_listen_addrs(bft_net_t *net, buf_t *out)
{
    return buf_append(out, net->listen_text.data, net->listen_text.len);
}
