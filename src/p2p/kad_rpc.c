/*
 * Kademlia client side: single RPCs and iterative lookups (kad-dht/README.md
 * §Peer routing, §Value retrieval, §Content provider advertisement).
 *
 * A query keeps up to KAD_MAX_CANDS candidates sorted by XOR distance to the
 * target and runs at most P2P_KAD_ALPHA RPCs at once. It ends when the k
 * closest candidates that have not failed have all answered (or early: a
 * find-peer that found its peer, a get that found a valid value). provide
 * and put then send ADD_PROVIDER / PUT_VALUE to the k closest peers that
 * answered. Every RPC has a deadline (KAD_RPC_TIMEOUT_MS) and every query one
 * too (KAD_QUERY_TIMEOUT_MS), so a silent peer cannot stall a lookup.
 *
 * Lifetimes: an RPC is freed at the end of its own callback chain (dial
 * failure, open failure, or stream close); a query that ends first detaches
 * its RPCs (rpc->q = NULL) and frees itself when its timer has closed.
 */
#include "p2p/kad_internal.h"

#include <stdlib.h>
#include <string.h>

#define KAD_MAX_CANDS 128
#define KAD_MAX_RESULTS 32
#define KAD_RPC_TIMEOUT_MS 5000
#define KAD_QUERY_TIMEOUT_MS 30000

enum { CAND_NEW, CAND_INFLIGHT, CAND_OK, CAND_FAILED };
enum { A_BOOTSTRAP, A_FIND_PEER, A_PROVIDE, A_GET_PROVIDERS, A_PUT, A_GET };

typedef struct kad_rpc kad_rpc_t;

typedef struct kad_cand {
    p2p_peer_addrs_t p;
    uint8_t key[32];
    int state;
} kad_cand_t;

struct kad_query {
    p2p_kad_t *kad;
    kad_query_t *next;
    int action;
    bool storing, done;
    buf_t key, val;
    uint8_t target[32];
    p2p_peer_id_t find;
    kad_cand_t cands[KAD_MAX_CANDS];
    size_t n_cands;
    int inflight;
    p2p_peer_addrs_t results[KAD_MAX_RESULTS];
    size_t n_results;
    buf_t value;
    bool have_value;
    kad_rpc_t *rpcs;
    uv_timer_t timer;
    uint64_t started_ms;
    p2p_kad_cb cb;
    void *ud;
};

struct kad_rpc {
    kad_query_t *q;
    kad_rpc_t *next;
    p2p_peer_addrs_t peer;
    int cand;  /* index in q->cands, -1 for the store phase */
    int type;
    buf_t req, rx;
    bool want_resp, done, sent;
    p2p_stream_t *s;
    uint64_t started_ms;
};

static void q_advance(kad_query_t *q);
static void rpc_done(kad_rpc_t *r, int status, DhtMessage *resp);

/* ---- candidates and results ---- */

static void add_cand(kad_query_t *q, const p2p_peer_addrs_t *p)
{
    if (p2p_peer_id_equal(&p->id, p2p_host_peer_id(q->kad->h)))
        return;
    for (size_t i = 0; i < q->n_cands; i++) {
        if (p2p_peer_id_equal(&q->cands[i].p.id, &p->id)) {
            for (size_t k = 0; k < p->n_addrs; k++)
                kad_peer_add_addr(&q->cands[i].p, p->addrs[k].data, p->addrs[k].len);
            return;
        }
    }
    uint8_t key[32];
    kad_hash(p->id.b, p->id.len, key);
    size_t pos = q->n_cands;
    while (pos > 0 && kad_cmp_dist(q->target, key, q->cands[pos - 1].key) < 0)
        pos--;
    if (pos == KAD_MAX_CANDS)
        return;
    if (q->n_cands == KAD_MAX_CANDS) {
        if (q->cands[KAD_MAX_CANDS - 1].state == CAND_INFLIGHT)
            return; /* an RPC points at it by index */
        p2p_peer_addrs_clear(&q->cands[KAD_MAX_CANDS - 1].p);
        q->n_cands--;
    }
    /* Shift; in-flight RPCs hold indices, so fix them up. */
    memmove(&q->cands[pos + 1], &q->cands[pos], (q->n_cands - pos) * sizeof q->cands[0]);
    for (kad_rpc_t *r = q->rpcs; r; r = r->next)
        if (r->cand >= (int)pos)
            r->cand++;
    q->n_cands++;
    kad_cand_t *c = &q->cands[pos];
    p2p_peer_addrs_copy(&c->p, p);
    memcpy(c->key, key, 32);
    c->state = CAND_NEW;
}

static void add_result(kad_query_t *q, const p2p_peer_addrs_t *p)
{
    for (size_t i = 0; i < q->n_results; i++) {
        if (p2p_peer_id_equal(&q->results[i].id, &p->id)) {
            for (size_t k = 0; k < p->n_addrs; k++)
                kad_peer_add_addr(&q->results[i], p->addrs[k].data, p->addrs[k].len);
            return;
        }
    }
    if (q->n_results < KAD_MAX_RESULTS)
        p2p_peer_addrs_copy(&q->results[q->n_results++], p);
}

static bool peer_from_pb(const DhtMessage__Peer *pb, p2p_peer_addrs_t *out)
{
    memset(out, 0, sizeof *out);
    if (!pb->has_id || p2p_peer_id_from_bytes(pb->id.data, pb->id.len, &out->id, NULL))
        return false;
    for (size_t i = 0; i < pb->n_addrs && i < 16; i++)
        kad_peer_add_addr(out, pb->addrs[i].data, pb->addrs[i].len);
    return true;
}

/* ---- query end ---- */

static void q_on_timer_closed(uv_handle_t *h)
{
    kad_query_t *q = h->data;
    for (size_t i = 0; i < q->n_cands; i++)
        p2p_peer_addrs_clear(&q->cands[i].p);
    for (size_t i = 0; i < q->n_results; i++)
        p2p_peer_addrs_clear(&q->results[i]);
    buf_free(&q->key);
    buf_free(&q->val);
    buf_free(&q->value);
    free(q);
}

static void q_release(kad_query_t *q)
{
    p2p_kad_t *kad = q->kad;
    for (kad_query_t **pp = &kad->queries; *pp; pp = &(*pp)->next) {
        if (*pp == q) {
            *pp = q->next;
            break;
        }
    }
    while (q->rpcs) {
        kad_rpc_t *r = q->rpcs;
        q->rpcs = r->next;
        r->q = NULL;
        r->done = true;
        if (r->s)
            p2p_stream_reset(r->s);
    }
    uv_timer_stop(&q->timer);
    uv_close((uv_handle_t *)&q->timer, q_on_timer_closed);
}

static void q_finish(kad_query_t *q, int status, const char *msg)
{
    if (q->done)
        return;
    q->done = true;
    p2p_kad_result_t res = {.status = status, .peers = q->results, .n_peers = q->n_results,
                            .value = q->value.data, .value_len = q->value.len, .msg = msg};
    if (q->cb)
        q->cb(q->kad, &res, q->ud);
    q_release(q);
}

void kad_cancel_all(p2p_kad_t *kad)
{
    while (kad->queries) {
        kad->queries->done = true;
        q_release(kad->queries);
    }
}

/* ---- one RPC ---- */

static void rpc_free(kad_rpc_t *r)
{
    p2p_peer_addrs_clear(&r->peer);
    buf_free(&r->req);
    buf_free(&r->rx);
    free(r);
}

static void rpc_unlink(kad_rpc_t *r)
{
    if (!r->q)
        return;
    for (kad_rpc_t **pp = &r->q->rpcs; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    }
}

static size_t rpc_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    kad_rpc_t *r = ud;
    if (r->done)
        return n;
    const uint8_t *msg;
    size_t len, used;
    int rc = p2p_lp_next(p, n, p2p_host_max_msg(p2p_conn_host(p2p_stream_conn(s))), &msg, &len,
                         &used);
    if (rc == 0)
        return 0;
    DhtMessage *resp = rc > 0 ? dht_message__unpack(NULL, len, msg) : NULL;
    if (!resp) {
        log_warn(P2P_LOG, "kad: malformed response", "%s", "");
        rpc_done(r, P2P_EPROTO, NULL);
        p2p_stream_reset(s);
        return n;
    }
    rpc_done(r, 0, resp);
    dht_message__free_unpacked(resp, NULL);
    p2p_stream_close_write(s);
    return used;
}

static void rpc_eof(p2p_stream_t *s, void *ud)
{
    kad_rpc_t *r = ud;
    if (!r->done)
        rpc_done(r, r->sent && !r->want_resp ? 0 : P2P_ECLOSED, NULL);
    p2p_stream_close_write(s);
}

static void rpc_close(p2p_stream_t *s, int status, void *ud)
{
    kad_rpc_t *r = ud;
    r->s = NULL;
    if (!r->done)
        rpc_done(r, r->sent && !r->want_resp ? 0 : status ? status : P2P_ECLOSED, NULL);
    rpc_free(r);
}

static void rpc_opened(p2p_stream_t *s, int status, void *ud)
{
    kad_rpc_t *r = ud;
    if (status || r->done) {
        if (!r->done)
            rpc_done(r, status, NULL);
        if (s)
            p2p_stream_reset(s); /* on_close is not set yet: free below */
        rpc_free(r);
        return;
    }
    r->s = s;
    p2p_stream_cbs_t cbs = {rpc_data, rpc_eof, rpc_close, r};
    p2p_stream_set_cbs(s, &cbs);
    if (p2p_stream_write_lp(s, r->req.data, r->req.len) != 0) {
        rpc_done(r, P2P_ECLOSED, NULL);
        p2p_stream_reset(s);
        return;
    }
    /* A message without an answer (ADD_PROVIDER) counts as delivered when
     * the peer closes its side: it has read ours by then. */
    r->sent = true;
    if (!r->want_resp)
        p2p_stream_close_write(s);
}

static void rpc_on_conn(p2p_conn_t *c, kad_rpc_t *r)
{
    err_t e;
    if (p2p_conn_open_stream(c, P2P_KAD_PROTO, rpc_opened, r, &e)) {
        rpc_done(r, e.code, NULL);
        rpc_free(r);
    }
}

static void rpc_dialed(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    kad_rpc_t *r = ud;
    if (status || r->done) {
        if (!r->done)
            rpc_done(r, status, NULL);
        rpc_free(r);
        return;
    }
    rpc_on_conn(c, r);
}

static void rpc_start(kad_query_t *q, const p2p_peer_addrs_t *peer, int cand, int type,
                      const DhtMessage *req, bool want_resp)
{
    kad_rpc_t *r = calloc(1, sizeof *r);
    if (!r)
        goto fail;
    r->q = q;
    r->cand = cand;
    r->type = type;
    r->want_resp = want_resp;
    r->started_ms = uv_now(p2p_host_loop(q->kad->h));
    p2p_peer_addrs_copy(&r->peer, peer);
    buf_init(&r->req, 0);
    buf_init(&r->rx, 0);
    size_t n = dht_message__get_packed_size(req);
    if (buf_reserve(&r->req, n))
        goto fail_free;
    r->req.len = dht_message__pack(req, r->req.data);
    r->next = q->rpcs;
    q->rpcs = r;
    q->inflight++;
    if (cand >= 0)
        q->cands[cand].state = CAND_INFLIGHT;
    p2p_host_t *h = q->kad->h;
    p2p_conn_t *c = p2p_host_find_conn(h, &peer->id);
    if (c) {
        rpc_on_conn(c, r);
        return;
    }
    if (peer->n_addrs == 0) {
        rpc_done(r, P2P_ENOTFOUND, NULL);
        rpc_free(r);
        return;
    }
    buf_t m;
    buf_init(&m, 0);
    buf_append(&m, peer->addrs[0].data, peer->addrs[0].len);
    uint8_t hdr[2 + UVARINT_MAX_BYTES] = {0xa5, 0x03};
    size_t hl = 2 + uvarint_encode(peer->id.len, hdr + 2);
    buf_append(&m, hdr, hl);
    buf_append(&m, peer->id.b, peer->id.len);
    err_t e;
    int rc = buf_ok(&m) ? p2p_host_dial(h, m.data, m.len, rpc_dialed, r, &e) : P2P_ENOMEM;
    buf_free(&m);
    if (rc) {
        rpc_done(r, rc, NULL);
        rpc_free(r);
    }
    return;
fail_free:
    rpc_free(r);
fail:
    if (cand >= 0)
        q->cands[cand].state = CAND_FAILED;
}

static void handle_response(kad_query_t *q, kad_rpc_t *r, DhtMessage *resp)
{
    for (size_t i = 0; i < resp->n_closerpeers; i++) {
        p2p_peer_addrs_t p;
        if (!peer_from_pb(resp->closerpeers[i], &p))
            continue;
        if (q->action == A_FIND_PEER && p2p_peer_id_equal(&p.id, &q->find) && p.n_addrs)
            add_result(q, &p);
        add_cand(q, &p);
        p2p_peer_addrs_clear(&p);
    }
    if (q->action == A_GET_PROVIDERS) {
        for (size_t i = 0; i < resp->n_providerpeers; i++) {
            p2p_peer_addrs_t p;
            if (!peer_from_pb(resp->providerpeers[i], &p))
                continue;
            add_result(q, &p);
            p2p_peer_addrs_clear(&p);
        }
    }
    if (q->action == A_GET && resp->record && resp->record->has_value && !q->have_value) {
        err_t e;
        const DhtRecord *rec = resp->record;
        if (rec->has_key && rec->key.len == q->key.len &&
            memcmp(rec->key.data, q->key.data, q->key.len) == 0 &&
            kad_validate(q->kad, q->key.data, q->key.len, rec->value.data, rec->value.len,
                         &e) == 0) {
            buf_append(&q->value, rec->value.data, rec->value.len);
            q->have_value = true;
            add_result(q, &r->peer);
        } else {
            log_warn(P2P_LOG, "kad: invalid record in GET_VALUE answer", "%s", "");
        }
    }
}

static void rpc_done(kad_rpc_t *r, int status, DhtMessage *resp)
{
    if (r->done)
        return;
    r->done = true;
    kad_query_t *q = r->q;
    if (!q)
        return;
    rpc_unlink(r);
    r->q = NULL;
    q->inflight--;
    if (r->cand >= 0)
        q->cands[r->cand].state = status ? CAND_FAILED : CAND_OK;
    if (status == 0 && r->cand < 0)
        add_result(q, &r->peer); /* store phase: this peer took the record */
    if (status == 0 && resp)
        handle_response(q, r, resp);
    if (status && r->cand >= 0 && status != P2P_ENOTFOUND) {
        /* an unreachable or broken peer leaves the routing table, making
         * room for live ones (full buckets keep their old entries) */
        log_debug(P2P_LOG, "kad rpc failed", "status=%d", status);
        if (status == P2P_EIO || status == P2P_ETIMEOUT || status == P2P_EPROTO ||
            status == P2P_EAUTH || status == P2P_ENOTSUP)
            kad_table_remove(q->kad, &r->peer.id);
    }
    q_advance(q);
}

/* ---- query state machine ---- */

/* A server keeps what it provides or puts itself, as go-libp2p does: a node that is
 * its peers' bootstrap answers for its own records, even while it knows no peer. */
static void q_store_local(kad_query_t *q, const p2p_peer_addrs_t *me_addrs)
{
    if (!p2p_host_is_kad_server(q->kad->h))
        return;
    if (q->action == A_PROVIDE)
        (void)kad_add_provider(q->kad, q->key.data, q->key.len, me_addrs);
    else
        (void)kad_store_value(q->kad, NULL, q->key.data, q->key.len, q->val.data, q->val.len,
                              NULL);
}

/* Our own peer id and listen addresses, as a provider record names them. */
static void q_self_addrs(kad_query_t *q, p2p_peer_addrs_t *me_addrs)
{
    buf_t la[8];
    size_t n_la = p2p_host_listen_addrs(q->kad->h, la, 8);
    *me_addrs = (p2p_peer_addrs_t){.id = *p2p_host_peer_id(q->kad->h)};
    for (size_t i = 0; i < n_la; i++) {
        kad_peer_add_addr(me_addrs, la[i].data, la[i].len);
        buf_free(&la[i]);
    }
}

static void q_store_phase(kad_query_t *q)
{
    q->storing = true;
    DhtMessage m = DHT_MESSAGE__INIT;
    m.has_type = 1;
    m.has_key = 1;
    m.key = (ProtobufCBinaryData){q->key.len, q->key.data};
    DhtRecord rec = DHT_RECORD__INIT;
    DhtMessage__Peer self = DHT_MESSAGE__PEER__INIT;
    DhtMessage__Peer *selfp = &self;
    ProtobufCBinaryData addrs[8];
    buf_t la[8];
    size_t n_la = p2p_host_listen_addrs(q->kad->h, la, 8);
    const p2p_peer_id_t *me = p2p_host_peer_id(q->kad->h);
    p2p_peer_addrs_t me_addrs = {.id = *me};
    for (size_t i = 0; i < n_la; i++) {
        addrs[i] = (ProtobufCBinaryData){la[i].len, la[i].data};
        kad_peer_add_addr(&me_addrs, la[i].data, la[i].len);
    }
    if (q->action == A_PROVIDE) {
        m.type = DHT_MESSAGE__MESSAGE_TYPE__ADD_PROVIDER;
        self.has_id = 1;
        self.id = (ProtobufCBinaryData){me->len, (uint8_t *)me->b};
        self.n_addrs = n_la;
        self.addrs = addrs;
        m.n_providerpeers = 1;
        m.providerpeers = &selfp;
    } else {
        m.type = DHT_MESSAGE__MESSAGE_TYPE__PUT_VALUE;
        rec.has_key = rec.has_value = 1;
        rec.key = m.key;
        rec.value = (ProtobufCBinaryData){q->val.len, q->val.data};
        m.record = &rec;
    }
    q_store_local(q, &me_addrs);
    size_t sent = 0;
    for (size_t i = 0; i < q->n_cands && sent < P2P_KAD_K; i++) {
        if (q->cands[i].state != CAND_OK)
            continue;
        rpc_start(q, &q->cands[i].p, -1, (int)m.type, &m, q->action == A_PUT);
        sent++;
        if (q->done)
            break;
    }
    p2p_peer_addrs_clear(&me_addrs);
    for (size_t i = 0; i < n_la; i++)
        buf_free(&la[i]);
}

static void q_lookup_done(kad_query_t *q)
{
    switch (q->action) {
    case A_BOOTSTRAP:
        q_finish(q, 0, NULL);
        break;
    case A_FIND_PEER:
        q_finish(q, q->n_results ? 0 : P2P_ENOTFOUND, q->n_results ? NULL : "peer not found");
        break;
    case A_GET_PROVIDERS:
        q_finish(q, q->n_results ? 0 : P2P_ENOTFOUND, q->n_results ? NULL : "no providers");
        break;
    case A_GET:
        q_finish(q, q->have_value ? 0 : P2P_ENOTFOUND, q->have_value ? NULL : "no record");
        break;
    default: { /* provide, put */
        bool any = false;
        for (size_t i = 0; i < q->n_cands; i++)
            any |= q->cands[i].state == CAND_OK;
        if (!any) {
            p2p_peer_addrs_t me_addrs;
            q_self_addrs(q, &me_addrs);
            q_store_local(q, &me_addrs);
            p2p_peer_addrs_clear(&me_addrs);
            q_finish(q, P2P_ENOTFOUND, "no DHT peers reachable");
            return;
        }
        q_store_phase(q);
        if (!q->done && q->inflight == 0)
            q_finish(q, q->n_results ? 0 : P2P_ENOTFOUND,
                     q->n_results ? NULL : "no peer took the record");
        break;
    }
    }
}

static void q_advance(kad_query_t *q)
{
    if (q->done)
        return;
    if (q->storing) {
        if (q->inflight == 0)
            q_finish(q, q->n_results ? 0 : P2P_ENOTFOUND,
                     q->n_results ? NULL : "no peer took the record");
        return;
    }
    if ((q->action == A_FIND_PEER && q->n_results) || (q->action == A_GET && q->have_value)) {
        q_finish(q, 0, NULL);
        return;
    }
    int type = q->action == A_GET_PROVIDERS ? DHT_MESSAGE__MESSAGE_TYPE__GET_PROVIDERS
               : q->action == A_GET         ? DHT_MESSAGE__MESSAGE_TYPE__GET_VALUE
                                            : DHT_MESSAGE__MESSAGE_TYPE__FIND_NODE;
    DhtMessage m = DHT_MESSAGE__INIT;
    m.has_type = 1;
    m.type = type;
    m.has_key = 1;
    m.key = (ProtobufCBinaryData){q->key.len, q->key.data};
    size_t considered = 0;
    bool pending_new = false;
    for (size_t i = 0; i < q->n_cands && considered < P2P_KAD_K && !q->done; i++) {
        kad_cand_t *c = &q->cands[i];
        if (c->state == CAND_FAILED)
            continue;
        considered++;
        if (c->state != CAND_NEW)
            continue;
        if (q->inflight >= P2P_KAD_ALPHA) {
            pending_new = true;
            continue;
        }
        rpc_start(q, &c->p, (int)i, type, &m, true);
    }
    if (!q->done && q->inflight == 0 && !pending_new)
        q_lookup_done(q);
}

static void q_tick(uv_timer_t *t)
{
    kad_query_t *q = t->data;
    if (q->done)
        return;
    uint64_t now = uv_now(p2p_host_loop(q->kad->h));
    if (now - q->started_ms >= KAD_QUERY_TIMEOUT_MS) {
        if (q->storing || q->action == A_GET_PROVIDERS)
            q_finish(q, q->n_results ? 0 : P2P_ETIMEOUT, "query timed out");
        else
            q_finish(q, P2P_ETIMEOUT, "query timed out");
        return;
    }
    for (kad_rpc_t *r = q->rpcs, *next; r; r = next) {
        next = r->next;
        if (now - r->started_ms >= KAD_RPC_TIMEOUT_MS) {
            p2p_stream_t *s = r->s;
            rpc_done(r, r->sent && !r->want_resp ? 0 : P2P_ETIMEOUT, NULL);
            if (s)
                p2p_stream_reset(s);
            if (q->done)
                return;
            next = q->rpcs; /* the list may have changed */
        }
    }
    q_advance(q);
}

static int q_start(p2p_kad_t *kad, int action, const uint8_t *key, size_t kn, const uint8_t *val,
                   size_t vn, p2p_kad_cb cb, void *ud)
{
    if (!kn || kn > 1024)
        return P2P_EINVAL;
    kad_query_t *q = calloc(1, sizeof *q);
    if (!q)
        return P2P_ENOMEM;
    q->kad = kad;
    q->action = action;
    q->cb = cb;
    q->ud = ud;
    buf_init(&q->key, 0);
    buf_init(&q->val, 0);
    buf_init(&q->value, 0);
    buf_append(&q->key, key, kn);
    if (val)
        buf_append(&q->val, val, vn);
    kad_hash(key, kn, q->target);
    q->started_ms = uv_now(p2p_host_loop(kad->h));
    const p2p_peer_addrs_t *seed[P2P_KAD_K];
    size_t n = kad_closest(kad, q->target, NULL, seed, P2P_KAD_K);
    for (size_t i = 0; i < n; i++)
        add_cand(q, seed[i]);
    /* What we hold ourselves counts too. */
    if (action == A_GET_PROVIDERS) {
        kad_expire_providers(kad);
        for (kad_provider_t *p = kad->providers; p; p = p->next)
            if (p->key.len == kn && memcmp(p->key.data, key, kn) == 0)
                add_result(q, &p->peer);
    } else if (action == A_GET) {
        const kad_record_t *r = kad_find_value(kad, key, kn);
        if (r) {
            buf_append(&q->value, r->val.data, r->val.len);
            q->have_value = true;
        }
    }
    q->next = kad->queries;
    kad->queries = q;
    uv_timer_init(p2p_host_loop(kad->h), &q->timer);
    q->timer.data = q;
    uv_timer_start(&q->timer, q_tick, 0, 250);
    return 0;
}

int p2p_kad_bootstrap(p2p_kad_t *kad, p2p_kad_cb cb, void *ud)
{
    const p2p_peer_id_t *me = p2p_host_peer_id(kad->h);
    return q_start(kad, A_BOOTSTRAP, me->b, me->len, NULL, 0, cb, ud);
}

int p2p_kad_find_peer(p2p_kad_t *kad, const p2p_peer_id_t *id, p2p_kad_cb cb, void *ud)
{
    int rc = q_start(kad, A_FIND_PEER, id->b, id->len, NULL, 0, cb, ud);
    if (rc)
        return rc;
    kad_query_t *q = kad->queries;
    q->find = *id;
    const p2p_peer_addrs_t *known = kad_table_find(kad, id);
    if (known && known->n_addrs)
        add_result(q, known);
    return 0;
}

int p2p_kad_provide(p2p_kad_t *kad, const uint8_t *key, size_t n, p2p_kad_cb cb, void *ud)
{
    return q_start(kad, A_PROVIDE, key, n, NULL, 0, cb, ud);
}

int p2p_kad_get_providers(p2p_kad_t *kad, const uint8_t *key, size_t n, p2p_kad_cb cb, void *ud)
{
    return q_start(kad, A_GET_PROVIDERS, key, n, NULL, 0, cb, ud);
}

int p2p_kad_put(p2p_kad_t *kad, const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
                p2p_kad_cb cb, void *ud)
{
    err_t e;
    if (kad_validate(kad, key, kn, val, vn, &e))
        return e.code ? e.code : P2P_EINVAL;
    return q_start(kad, A_PUT, key, kn, val, vn, cb, ud);
}

int p2p_kad_get(p2p_kad_t *kad, const uint8_t *key, size_t kn, p2p_kad_cb cb, void *ud)
{
    return q_start(kad, A_GET, key, kn, NULL, 0, cb, ud);
}
