/*
 * Identify and identify push (identify/README.md): the responder writes one
 * uvarint-length-prefixed Identify protobuf and closes; push sends the same
 * message unprompted, absent fields meaning "unchanged". Every new
 * connection is identified at once so that Kademlia learns which peers run a
 * DHT server and where they listen. A publicKey that does not match the
 * authenticated peer id of the connection is a protocol violation.
 */
#include "p2p/internal.h"

#include <stdlib.h>
#include <string.h>

#include "p2p.pb-c.h"

#define ID_PROTOCOL_VERSION "ipfs/0.1.0"
#define ID_MAX_MSG (64 * 1024)
#define ID_MAX_ITEMS 64

void p2p_identify_info_free(p2p_identify_info_t *info)
{
    if (!info)
        return;
    free(info->agent);
    free(info->protocol_version);
    for (size_t i = 0; i < info->n_protocols; i++)
        free(info->protocols[i]);
    free(info->protocols);
    for (size_t i = 0; i < info->n_listen_addrs; i++)
        buf_free(&info->listen_addrs[i]);
    free(info->listen_addrs);
    buf_free(&info->observed_addr);
    memset(info, 0, sizeof *info);
}

static int encode_identify(p2p_conn_t *c, buf_t *out)
{
    p2p_host_t *h = p2p_conn_host(c);
    uint8_t pk[P2P_ED25519_PUBKEY_PB_LEN];
    p2p_pubkey_encode(p2p_host_key(h)->pk, pk);
    buf_t addrs[8], obs;
    size_t n_addrs = p2p_host_listen_addrs(h, addrs, 8);
    ProtobufCBinaryData la[8];
    for (size_t i = 0; i < n_addrs; i++)
        la[i] = (ProtobufCBinaryData){addrs[i].len, addrs[i].data};
    const char *protos[40];
    size_t n_protos = p2p_host_protocols(h, protos, 40);
    buf_init(&obs, 0);
    Identify m = IDENTIFY__INIT;
    m.protocolversion = (char *)ID_PROTOCOL_VERSION;
    m.has_publickey = 1;
    m.publickey = (ProtobufCBinaryData){sizeof pk, pk};
    m.n_listenaddrs = n_addrs;
    m.listenaddrs = la;
    m.n_protocols = n_protos;
    m.protocols = (char **)protos;
    if (p2p_conn_remote_maddr(c, &obs) == 0 && obs.len) {
        m.has_observedaddr = 1;
        m.observedaddr = (ProtobufCBinaryData){obs.len, obs.data};
    }
    m.agentversion = (char *)p2p_host_agent(h);
    size_t n = identify__get_packed_size(&m);
    int rc = buf_reserve(out, n);
    if (!rc) {
        identify__pack(&m, out->data + out->len);
        out->len += n;
    }
    for (size_t i = 0; i < n_addrs; i++)
        buf_free(&addrs[i]);
    buf_free(&obs);
    return rc ? P2P_ENOMEM : 0;
}

static char *dup_str(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Decodes an Identify message into info (fields present only). */
static int decode_identify(const uint8_t *p, size_t n, const p2p_peer_id_t *peer,
                           p2p_identify_info_t *info, err_t *e)
{
    Identify *m = identify__unpack(NULL, n, p);
    if (!m)
        return err_set(e, P2P_EPROTO, "identify: message is not a valid protobuf");
    int rc = 0;
    memset(info, 0, sizeof *info);
    info->peer = *peer;
    buf_init(&info->observed_addr, 0);
    if (m->has_publickey) {
        uint8_t pk[32];
        p2p_peer_id_t id;
        if ((rc = p2p_pubkey_decode(m->publickey.data, m->publickey.len, pk, e))) {
            err_prefix(e, "identify: publicKey");
            goto out;
        }
        p2p_peer_id_from_pubkey(pk, &id);
        if (!p2p_peer_id_equal(&id, peer)) {
            rc = err_set(e, P2P_EAUTH, "identify: publicKey does not match the peer id");
            goto out;
        }
    }
    if (m->n_protocols > ID_MAX_ITEMS || m->n_listenaddrs > ID_MAX_ITEMS) {
        rc = err_set(e, P2P_ELIMIT, "identify: more than %d protocols or addresses",
                     ID_MAX_ITEMS);
        goto out;
    }
    info->agent = dup_str(m->agentversion);
    info->protocol_version = dup_str(m->protocolversion);
    if (m->n_protocols) {
        info->protocols = calloc(m->n_protocols, sizeof(char *));
        if (!info->protocols) {
            rc = err_set(e, P2P_ENOMEM, "identify: out of memory");
            goto out;
        }
        for (size_t i = 0; i < m->n_protocols; i++)
            if ((info->protocols[info->n_protocols] = strdup(m->protocols[i])))
                info->n_protocols++;
    }
    if (m->n_listenaddrs) {
        info->listen_addrs = calloc(m->n_listenaddrs, sizeof(buf_t));
        if (!info->listen_addrs) {
            rc = err_set(e, P2P_ENOMEM, "identify: out of memory");
            goto out;
        }
        for (size_t i = 0; i < m->n_listenaddrs; i++) {
            /* Skip addresses we cannot parse (e.g. transports we lack). */
            if (p2p_maddr_validate(m->listenaddrs[i].data, m->listenaddrs[i].len, NULL) != 0)
                continue;
            buf_t *b = &info->listen_addrs[info->n_listen_addrs++];
            buf_init(b, 0);
            buf_append(b, m->listenaddrs[i].data, m->listenaddrs[i].len);
        }
    }
    if (m->has_observedaddr &&
        p2p_maddr_validate(m->observedaddr.data, m->observedaddr.len, NULL) == 0)
        buf_append(&info->observed_addr, m->observedaddr.data, m->observedaddr.len);
out:
    identify__free_unpacked(m, NULL);
    if (rc)
        p2p_identify_info_free(info);
    return rc;
}

/* ---- responder ---- */

static size_t ignore_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    return n;
}

static void serve(p2p_stream_t *s, void *ud)
{
    p2p_stream_cbs_t cbs = {ignore_data, NULL, NULL, NULL};
    p2p_stream_set_cbs(s, &cbs);
    buf_t msg;
    buf_init(&msg, 0);
    if (encode_identify(p2p_stream_conn(s), &msg) == 0)
        (void)p2p_stream_write_lp(s, msg.data, msg.len);
    buf_free(&msg);
    p2p_stream_close_write(s);
}

/* ---- requester and push receiver ---- */

/* At most one identify stream per connection runs at a time (js-libp2p
 * accepts one inbound identify stream); a second request waits on the
 * running one. The running ops are listed in the host's identify slot. */
typedef struct id_waiter {
    struct id_waiter *next;
    p2p_identify_cb cb;
    void *ud;
} id_waiter_t;

typedef struct id_op {
    struct id_op *next;
    p2p_host_t *h;
    p2p_conn_t *c;
    p2p_identify_cb cb;
    void *ud;
    id_waiter_t *waiters;
    bool done, push, listed;
} id_op_t;

static void op_unlist(id_op_t *op)
{
    if (!op->listed)
        return;
    op->listed = false;
    for (void **pp = p2p_host_identify_slot(op->h); *pp; pp = (void **)&((id_op_t *)*pp)->next) {
        if (*pp == op) {
            *pp = op->next;
            break;
        }
    }
}

/* Calls the requester and every waiter, once. */
static void op_report(id_op_t *op, int status, const p2p_identify_info_t *info)
{
    op_unlist(op);
    if (op->cb)
        op->cb(op->h, status, info, op->ud);
    op->cb = NULL;
    while (op->waiters) {
        id_waiter_t *w = op->waiters;
        op->waiters = w->next;
        w->cb(op->h, status, info, w->ud);
        free(w);
    }
}

static void op_free(id_op_t *op)
{
    op_report(op, P2P_ECLOSED, NULL);
    free(op);
}

static void merge_push(p2p_host_t *h, p2p_identify_info_t *in)
{
    const p2p_identify_info_t *old = p2p_host_peer_info(h, &in->peer);
    if (!old) {
        p2p_host_store_info(h, &in->peer, in);
        return;
    }
    /* Absent fields keep their old value. */
    if (!in->agent && old->agent)
        in->agent = strdup(old->agent);
    if (!in->protocol_version && old->protocol_version)
        in->protocol_version = strdup(old->protocol_version);
    if (!in->n_protocols && old->n_protocols) {
        in->protocols = calloc(old->n_protocols, sizeof(char *));
        for (size_t i = 0; in->protocols && i < old->n_protocols; i++)
            if ((in->protocols[in->n_protocols] = strdup(old->protocols[i])))
                in->n_protocols++;
    }
    if (!in->n_listen_addrs && old->n_listen_addrs) {
        in->listen_addrs = calloc(old->n_listen_addrs, sizeof(buf_t));
        for (size_t i = 0; in->listen_addrs && i < old->n_listen_addrs; i++) {
            buf_init(&in->listen_addrs[i], 0);
            buf_append(&in->listen_addrs[i], old->listen_addrs[i].data, old->listen_addrs[i].len);
            in->n_listen_addrs++;
        }
    }
    p2p_host_store_info(h, &in->peer, in);
}

static size_t id_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    id_op_t *op = ud;
    if (op->done)
        return n;
    const uint8_t *msg;
    size_t len, used;
    int r = p2p_lp_next(p, n, ID_MAX_MSG, &msg, &len, &used);
    if (r == 0)
        return 0;
    p2p_conn_t *c = p2p_stream_conn(s);
    op->done = true;
    if (r < 0) {
        log_warn(P2P_LOG, "identify: bad message length", "%s", "");
        op_report(op, P2P_EPROTO, NULL);
        p2p_conn_close(c);
        return n;
    }
    p2p_identify_info_t info;
    err_t e;
    if (decode_identify(msg, len, p2p_conn_peer(c), &info, &e)) {
        log_warn(P2P_LOG, "identify failed", "reason=\"%s\"", e.msg);
        op_report(op, e.code, NULL);
        p2p_stream_reset(s);
        return n;
    }
    op_report(op, 0, &info);
    if (op->push) {
        char ids[P2P_PEER_ID_STR_MAX];
        p2p_peer_id_format(&info.peer, ids);
        log_debug(P2P_LOG, "identify push", "peer=%s protocols=%zu", ids, info.n_protocols);
        merge_push(op->h, &info);
    }
    else
        p2p_host_store_info(op->h, &info.peer, &info);
    p2p_identify_info_free(&info);
    return used;
}

static void id_eof(p2p_stream_t *s, void *ud)
{
    p2p_stream_close_write(s);
}

static void id_close(p2p_stream_t *s, int status, void *ud)
{
    id_op_t *op = ud;
    if (!op->done)
        op_report(op, status ? status : P2P_EPROTO, NULL);
    op_free(op);
}

static void id_opened(p2p_stream_t *s, int status, void *ud)
{
    id_op_t *op = ud;
    if (status) {
        op_report(op, status, NULL);
        op_free(op);
        return;
    }
    p2p_stream_cbs_t cbs = {id_data, id_eof, id_close, op};
    p2p_stream_set_cbs(s, &cbs);
    p2p_stream_close_write(s);
}

int p2p_identify(p2p_conn_t *c, p2p_identify_cb cb, void *ud, err_t *e)
{
    p2p_host_t *h = p2p_conn_host(c);
    for (id_op_t *run = *p2p_host_identify_slot(h); run; run = run->next) {
        if (run->c == c && !run->done) {
            id_waiter_t *w = calloc(1, sizeof *w);
            if (!w)
                return err_set(e, P2P_ENOMEM, "identify: out of memory");
            w->cb = cb;
            w->ud = ud;
            w->next = run->waiters;
            run->waiters = w;
            return 0;
        }
    }
    id_op_t *op = calloc(1, sizeof *op);
    if (!op)
        return err_set(e, P2P_ENOMEM, "identify: out of memory");
    op->h = h;
    op->c = c;
    op->cb = cb;
    op->ud = ud;
    int rc = p2p_conn_open_stream(c, P2P_ID_PROTO, id_opened, op, e);
    if (rc) {
        free(op);
        return rc;
    }
    op->listed = true;
    op->next = *p2p_host_identify_slot(h);
    *p2p_host_identify_slot(h) = op;
    return 0;
}

static void serve_push(p2p_stream_t *s, void *ud)
{
    id_op_t *op = calloc(1, sizeof *op);
    if (!op) {
        p2p_stream_reset(s);
        return;
    }
    op->h = p2p_conn_host(p2p_stream_conn(s));
    op->push = true;
    p2p_stream_cbs_t cbs = {id_data, id_eof, id_close, op};
    p2p_stream_set_cbs(s, &cbs);
}

static void push_opened(p2p_stream_t *s, int status, void *ud)
{
    if (status)
        return;
    p2p_stream_cbs_t cbs = {ignore_data, NULL, NULL, NULL};
    p2p_stream_set_cbs(s, &cbs);
    buf_t msg;
    buf_init(&msg, 0);
    if (encode_identify(p2p_stream_conn(s), &msg) == 0)
        (void)p2p_stream_write_lp(s, msg.data, msg.len);
    buf_free(&msg);
    p2p_stream_close_write(s);
}

static void push_conn(p2p_conn_t *c, void *ud)
{
    if (p2p_host_peer_supports(p2p_conn_host(c), p2p_conn_peer(c), P2P_ID_PUSH_PROTO))
        if (p2p_conn_open_stream(c, P2P_ID_PUSH_PROTO, push_opened, NULL, NULL) != 0)
            log_debug(P2P_LOG, "identify push not sent", "%s", "");
}

void p2p_identify_push_all(p2p_host_t *h)
{
    p2p_host_foreach_conn(h, push_conn, NULL);
}

static void on_conn(p2p_conn_t *c, void *ud)
{
    err_t e;
    if (p2p_identify(c, NULL, NULL, &e))
        log_debug(P2P_LOG, "identify not started", "reason=\"%s\"", e.msg);
}

int p2p_identify_enable(p2p_host_t *h)
{
    int rc = p2p_host_handle(h, P2P_ID_PROTO, serve, NULL);
    if (!rc)
        rc = p2p_host_handle(h, P2P_ID_PUSH_PROTO, serve_push, NULL);
    if (!rc)
        p2p_host_set_conn_hook(h, on_conn, NULL);
    return rc;
}
