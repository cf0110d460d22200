/*
 * Kademlia DHT, /ipfs/kad/1.0.0 (kad-dht/README.md): routing table, local
 * stores and the server side. Client RPCs and iterative lookups are in
 * kad_rpc.c.
 *
 * Distance is XOR(sha256(a), sha256(b)) (§Definitions); the routing table has
 * 256 buckets of k = 20 by common-prefix length with our own key. Only peers
 * that run a DHT server (identify lists /ipfs/kad/1.0.0) enter the table
 * (§Client and server mode). A full bucket keeps its old entries (they are
 * the ones that have proved to stay up) and drops the newcomer.
 *
 * Stores: values validated by a per-namespace validator ("/pk/" built in),
 * expiring after record_ttl (36 h) and bounded in count and bytes, in total
 * and per storing peer (p2p_kad_limits_t), so one peer cannot fill the store
 * and lock out others; provider records expire after provider_ttl (48 h). Server RPCs
 * (§RPC messages): FIND_NODE, GET_VALUE, PUT_VALUE (echoes the request),
 * ADD_PROVIDER (only the sender may announce itself; no reply), GET_PROVIDERS.
 */
#include "p2p/kad_internal.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

#define MAX_PROVIDERS 16384
#define MAX_VALUE (64 * 1024)

void p2p_peer_addrs_clear(p2p_peer_addrs_t *p)
{
    for (size_t i = 0; i < p->n_addrs; i++)
        buf_free(&p->addrs[i]);
    p->n_addrs = 0;
}

void p2p_peer_addrs_copy(p2p_peer_addrs_t *dst, const p2p_peer_addrs_t *src)
{
    memset(dst, 0, sizeof *dst);
    dst->id = src->id;
    for (size_t i = 0; i < src->n_addrs; i++) {
        buf_init(&dst->addrs[i], 0);
        buf_append(&dst->addrs[i], src->addrs[i].data, src->addrs[i].len);
        dst->n_addrs++;
    }
}

void kad_peer_add_addr(p2p_peer_addrs_t *p, const uint8_t *m, size_t n)
{
    if (!m || !n || p2p_maddr_validate(m, n, NULL) != 0)
        return;
    /* Keep only the transport part: the /p2p/ suffix is the id we hold. */
    const uint8_t *v;
    size_t vl;
    if (p2p_maddr_find(m, n, P2P_PROTO_P2P, &v, &vl)) {
        size_t hdr = 2 + uvarint_len(vl);
        if ((size_t)(v - m) < hdr)
            return;
        n = (size_t)(v - m) - hdr;
        if (n == 0)
            return;
    }
    for (size_t i = 0; i < p->n_addrs; i++)
        if (p->addrs[i].len == n && memcmp(p->addrs[i].data, m, n) == 0)
            return;
    if (p->n_addrs == sizeof p->addrs / sizeof p->addrs[0])
        return;
    buf_init(&p->addrs[p->n_addrs], 0);
    buf_append(&p->addrs[p->n_addrs], m, n);
    p->n_addrs++;
}

void kad_hash(const uint8_t *key, size_t n, uint8_t out[32])
{
    crypto_sha256(key, n, out);
}

int kad_cmp_dist(const uint8_t target[32], const uint8_t a[32], const uint8_t b[32])
{
    for (int i = 0; i < 32; i++) {
        uint8_t da = a[i] ^ target[i], db = b[i] ^ target[i];
        if (da != db)
            return da < db ? -1 : 1;
    }
    return 0;
}

static int bucket_of(const uint8_t self[32], const uint8_t k[32])
{
    for (int i = 0; i < 32; i++) {
        uint8_t x = self[i] ^ k[i];
        if (x) {
            int b = 0;
            while (!(x & 0x80)) {
                x <<= 1;
                b++;
            }
            return i * 8 + b;
        }
    }
    return -1;
}

/* ---- routing table ---- */

static void table_add(p2p_kad_t *kad, const p2p_peer_id_t *id, const buf_t *addrs, size_t n,
                      const uint8_t *one, size_t one_len)
{
    if (p2p_peer_id_equal(id, p2p_host_peer_id(kad->h)))
        return;
    uint8_t key[32];
    kad_hash(id->b, id->len, key);
    int b = bucket_of(kad->self_key, key);
    if (b < 0)
        return;
    kad_bucket_t *bk = &kad->buckets[b];
    kad_entry_t *en = NULL;
    for (size_t i = 0; i < bk->n; i++)
        if (p2p_peer_id_equal(&bk->e[i].p.id, id))
            en = &bk->e[i];
    if (!en) {
        if (bk->n == P2P_KAD_K)
            return;
        en = &bk->e[bk->n++];
        memset(en, 0, sizeof *en);
        en->p.id = *id;
        memcpy(en->key, key, 32);
        kad->table_size++;
    }
    for (size_t i = 0; i < n; i++)
        kad_peer_add_addr(&en->p, addrs[i].data, addrs[i].len);
    if (one)
        kad_peer_add_addr(&en->p, one, one_len);
    en->seen_ms = uv_now(p2p_host_loop(kad->h));
}

void p2p_kad_add_peer(p2p_kad_t *kad, const p2p_peer_id_t *id, const uint8_t *maddr, size_t n)
{
    p2p_peer_id_t pid;
    if (!id) {
        const uint8_t *v;
        size_t vl;
        if (!maddr || !p2p_maddr_find(maddr, n, P2P_PROTO_P2P, &v, &vl) ||
            p2p_peer_id_from_bytes(v, vl, &pid, NULL) != 0)
            return;
        id = &pid;
    }
    table_add(kad, id, NULL, 0, maddr, n);
}

void kad_table_remove(p2p_kad_t *kad, const p2p_peer_id_t *id)
{
    uint8_t key[32];
    kad_hash(id->b, id->len, key);
    int b = bucket_of(kad->self_key, key);
    if (b < 0)
        return;
    kad_bucket_t *bk = &kad->buckets[b];
    for (size_t i = 0; i < bk->n; i++) {
        if (p2p_peer_id_equal(&bk->e[i].p.id, id)) {
            p2p_peer_addrs_clear(&bk->e[i].p);
            bk->e[i] = bk->e[--bk->n];
            kad->table_size--;
            return;
        }
    }
}

size_t p2p_kad_table_size(const p2p_kad_t *kad)
{
    return kad->table_size;
}

size_t kad_closest(p2p_kad_t *kad, const uint8_t target[32], const p2p_peer_id_t *exclude,
                   const p2p_peer_addrs_t **out, size_t max)
{
    const kad_entry_t *best[P2P_KAD_K * 2];
    size_t n = 0;
    if (max > P2P_KAD_K * 2)
        max = P2P_KAD_K * 2;
    for (int b = 0; b < 256; b++) {
        for (size_t i = 0; i < kad->buckets[b].n; i++) {
            const kad_entry_t *en = &kad->buckets[b].e[i];
            if (exclude && p2p_peer_id_equal(&en->p.id, exclude))
                continue;
            /* insertion into a sorted list of at most max entries */
            size_t pos = n;
            while (pos > 0 && kad_cmp_dist(target, en->key, best[pos - 1]->key) < 0)
                pos--;
            if (pos >= max)
                continue;
            if (n < max)
                n++;
            memmove(&best[pos + 1], &best[pos], (n - 1 - pos) * sizeof best[0]);
            best[pos] = en;
        }
    }
    for (size_t i = 0; i < n; i++)
        out[i] = &best[i]->p;
    return n;
}

const p2p_peer_addrs_t *kad_table_find(p2p_kad_t *kad, const p2p_peer_id_t *id)
{
    uint8_t key[32];
    kad_hash(id->b, id->len, key);
    int b = bucket_of(kad->self_key, key);
    if (b < 0)
        return NULL;
    for (size_t i = 0; i < kad->buckets[b].n; i++)
        if (p2p_peer_id_equal(&kad->buckets[b].e[i].p.id, id))
            return &kad->buckets[b].e[i].p;
    return NULL;
}

static void on_info(const p2p_identify_info_t *info, void *ud)
{
    p2p_kad_t *kad = ud;
    bool server = false;
    for (size_t i = 0; i < info->n_protocols; i++)
        if (strcmp(info->protocols[i], P2P_KAD_PROTO) == 0)
            server = true;
    if (server)
        table_add(kad, &info->peer, info->listen_addrs, info->n_listen_addrs, NULL, 0);
    else
        kad_table_remove(kad, &info->peer);
}

/* ---- stores ---- */

int p2p_kad_add_validator(p2p_kad_t *kad, const char *ns, p2p_kad_validator_fn fn)
{
    if (kad->n_validators == KAD_MAX_VALIDATORS || strlen(ns) >= sizeof kad->validators[0].ns)
        return P2P_ELIMIT;
    snprintf(kad->validators[kad->n_validators].ns, sizeof kad->validators[0].ns, "%s", ns);
    kad->validators[kad->n_validators++].fn = fn;
    return 0;
}

static int validate_pk(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn, err_t *e)
{
    uint8_t pk[32];
    p2p_peer_id_t want, got;
    int rc = p2p_peer_id_from_bytes(key + 4, kn - 4, &want, e);
    if (rc) {
        err_prefix(e, "kad: /pk/ key");
        return rc;
    }
    if ((rc = p2p_pubkey_decode(val, vn, pk, e))) {
        err_prefix(e, "kad: /pk/ value");
        return rc;
    }
    p2p_peer_id_from_pubkey(pk, &got);
    if (!p2p_peer_id_equal(&want, &got))
        return err_set(e, P2P_EINVAL, "kad: /pk/ value is not the key of that peer id");
    return 0;
}

int p2p_kad_validator_any(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
                          err_t *e)
{
    return 0;
}

int kad_validate(p2p_kad_t *kad, const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
                 err_t *e)
{
    if (vn > MAX_VALUE)
        return err_set(e, P2P_ELIMIT, "kad: value of %zu bytes above %d", vn, MAX_VALUE);
    for (size_t i = 0; i < kad->n_validators; i++) {
        size_t l = strlen(kad->validators[i].ns);
        if (kn > l && memcmp(key, kad->validators[i].ns, l) == 0)
            return kad->validators[i].fn(key, kn, val, vn, e);
    }
    return err_set(e, P2P_EINVAL, "kad: no validator for key '%.*s'", (int)(kn > 40 ? 40 : kn),
                   (const char *)key);
}

int p2p_kad_check_record(p2p_kad_t *kad, const uint8_t *key, size_t kn, const uint8_t *val,
                         size_t vn, err_t *e)
{
    return kad_validate(kad, key, kn, val, vn, e);
}

static void record_free(kad_record_t *r)
{
    buf_free(&r->key);
    buf_free(&r->val);
    free(r);
}

void kad_expire_records(p2p_kad_t *kad)
{
    uint64_t now = uv_now(p2p_host_loop(kad->h));
    for (kad_record_t **rp = &kad->records; *rp;) {
        kad_record_t *r = *rp;
        if (r->expires_ms <= now) {
            *rp = r->next;
            kad->record_bytes -= r->key.len + r->val.len;
            kad->n_records--;
            record_free(r);
        } else {
            rp = &r->next;
        }
    }
}

int kad_store_value(p2p_kad_t *kad, const p2p_peer_id_t *from, const uint8_t *key, size_t kn,
                    const uint8_t *val, size_t vn, err_t *e)
{
    static const p2p_peer_id_t self = {0};
    if (!from)
        from = &self;
    kad_expire_records(kad);
    const p2p_kad_limits_t *L = &kad->lim;
    kad_record_t *r = NULL;
    size_t peer_n = 0, peer_bytes = 0;
    for (kad_record_t *x = kad->records; x; x = x->next) {
        if (x->key.len == kn && memcmp(x->key.data, key, kn) == 0)
            r = x;
        else if (p2p_peer_id_equal(&x->from, from))
            peer_n++, peer_bytes += x->key.len + x->val.len;
    }
    size_t size = kn + vn, old = r ? r->key.len + r->val.len : 0;
    if (from->len && (peer_n + 1 > L->per_peer_records || peer_bytes + size > L->per_peer_bytes))
        return err_set(e, P2P_ELIMIT,
                       "kad: peer quota reached (%zu records, %zu bytes stored; limits %zu, %zu)",
                       peer_n, peer_bytes, L->per_peer_records, L->per_peer_bytes);
    if ((!r && kad->n_records >= L->max_records) ||
        kad->record_bytes - old + size > L->max_bytes)
        return err_set(e, P2P_ELIMIT, "kad: record store full (%zu records, %zu bytes)",
                       kad->n_records, kad->record_bytes);
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return err_set(e, P2P_ENOMEM, "kad: out of memory");
        buf_init(&r->key, 0);
        buf_init(&r->val, 0);
        if (buf_append(&r->key, key, kn)) {
            record_free(r);
            return err_set(e, P2P_ENOMEM, "kad: out of memory");
        }
        r->next = kad->records;
        kad->records = r;
        kad->n_records++;
        kad->record_bytes += kn;
    }
    kad->record_bytes -= r->val.len;
    buf_reset(&r->val);
    if (buf_append(&r->val, val, vn))
        buf_free(&r->val); /* an empty value is never served: see kad_find_value */
    kad->record_bytes += r->val.len;
    r->from = *from;
    r->received = ts_now();
    r->expires_ms = uv_now(p2p_host_loop(kad->h)) + L->record_ttl_ms;
    return r->val.len == vn ? 0 : err_set(e, P2P_ENOMEM, "kad: out of memory");
}

void p2p_kad_set_limits(p2p_kad_t *kad, const p2p_kad_limits_t *lim)
{
    p2p_kad_limits_t d = {36ull * 3600 * 1000, 4096, 32u << 20, 64, 1u << 20};
    if (lim) {
        if (lim->record_ttl_ms)
            d.record_ttl_ms = lim->record_ttl_ms;
        if (lim->max_records)
            d.max_records = lim->max_records;
        if (lim->max_bytes)
            d.max_bytes = lim->max_bytes;
        if (lim->per_peer_records)
            d.per_peer_records = lim->per_peer_records;
        if (lim->per_peer_bytes)
            d.per_peer_bytes = lim->per_peer_bytes;
    }
    kad->lim = d;
}

void p2p_kad_store_usage(p2p_kad_t *kad, size_t *records, size_t *bytes)
{
    kad_expire_records(kad);
    if (records)
        *records = kad->n_records;
    if (bytes)
        *bytes = kad->record_bytes;
}

const kad_record_t *kad_find_value(p2p_kad_t *kad, const uint8_t *key, size_t kn)
{
    kad_expire_records(kad);
    for (kad_record_t *r = kad->records; r; r = r->next)
        if (r->key.len == kn && memcmp(r->key.data, key, kn) == 0)
            return r;
    return NULL;
}

static void provider_free(kad_provider_t *p)
{
    buf_free(&p->key);
    p2p_peer_addrs_clear(&p->peer);
    free(p);
}

void kad_expire_providers(p2p_kad_t *kad)
{
    uint64_t now = uv_now(p2p_host_loop(kad->h));
    for (kad_provider_t **pp = &kad->providers; *pp;) {
        if ((*pp)->expires_ms <= now) {
            kad_provider_t *dead = *pp;
            *pp = dead->next;
            provider_free(dead);
            kad->n_providers--;
        } else {
            pp = &(*pp)->next;
        }
    }
}

int kad_add_provider(p2p_kad_t *kad, const uint8_t *key, size_t kn, const p2p_peer_addrs_t *peer)
{
    kad_expire_providers(kad);
    uint64_t exp = uv_now(p2p_host_loop(kad->h)) + kad->provider_ttl_ms;
    for (kad_provider_t *p = kad->providers; p; p = p->next) {
        if (p->key.len == kn && memcmp(p->key.data, key, kn) == 0 &&
            p2p_peer_id_equal(&p->peer.id, &peer->id)) {
            for (size_t i = 0; i < peer->n_addrs; i++)
                kad_peer_add_addr(&p->peer, peer->addrs[i].data, peer->addrs[i].len);
            p->expires_ms = exp;
            return 0;
        }
    }
    if (kad->n_providers >= MAX_PROVIDERS)
        return P2P_ELIMIT;
    kad_provider_t *p = calloc(1, sizeof *p);
    if (!p)
        return P2P_ENOMEM;
    buf_init(&p->key, 0);
    buf_append(&p->key, key, kn);
    p2p_peer_addrs_copy(&p->peer, peer);
    p->expires_ms = exp;
    p->next = kad->providers;
    kad->providers = p;
    kad->n_providers++;
    return 0;
}

void p2p_kad_set_provider_ttl(p2p_kad_t *kad, uint64_t ms)
{
    kad->provider_ttl_ms = ms;
}

/* ---- server side ---- */

static void add_peer_pb(DhtMessage__Peer **arr, size_t *n, DhtMessage__Peer *store,
                        ProtobufCBinaryData *addr_store, size_t *n_addr_store,
                        const p2p_peer_addrs_t *p, bool connected)
{
    DhtMessage__Peer *pb = &store[*n];
    dht_message__peer__init(pb);
    pb->has_id = 1;
    pb->id.data = (uint8_t *)p->id.b;
    pb->id.len = p->id.len;
    pb->addrs = &addr_store[*n_addr_store];
    for (size_t i = 0; i < p->n_addrs; i++)
        addr_store[(*n_addr_store)++] = (ProtobufCBinaryData){p->addrs[i].len, p->addrs[i].data};
    pb->n_addrs = p->n_addrs;
    pb->has_connection = 1;
    pb->connection = connected ? DHT_MESSAGE__CONNECTION_TYPE__CONNECTED
                               : DHT_MESSAGE__CONNECTION_TYPE__NOT_CONNECTED;
    arr[(*n)++] = pb;
}

#define MAX_PB_PEERS (P2P_KAD_K * 2)

typedef struct peer_list_pb {
    DhtMessage__Peer *ptr[MAX_PB_PEERS];
    DhtMessage__Peer store[MAX_PB_PEERS];
    ProtobufCBinaryData addrs[MAX_PB_PEERS * 8];
    size_t n, n_addrs;
} peer_list_pb_t;

static void closer_peers(p2p_kad_t *kad, const uint8_t *key, size_t kn,
                         const p2p_peer_id_t *requester, peer_list_pb_t *pl)
{
    uint8_t target[32];
    kad_hash(key, kn, target);
    const p2p_peer_addrs_t *best[P2P_KAD_K];
    size_t n = kad_closest(kad, target, requester, best, P2P_KAD_K);
    for (size_t i = 0; i < n; i++)
        add_peer_pb(pl->ptr, &pl->n, pl->store, pl->addrs, &pl->n_addrs, best[i],
                    p2p_host_find_conn(kad->h, &best[i]->id) != NULL);
}

static int handle_request_with(p2p_kad_t *kad, p2p_stream_t *s, const DhtMessage *req,
                               DhtMessage__MessageType type, peer_list_pb_t *closer,
                               peer_list_pb_t *provs, DhtMessage *respp, err_t *e);

static int handle_request(p2p_kad_t *kad, p2p_stream_t *s, const DhtMessage *req, err_t *e)
{
    DhtMessage resp = DHT_MESSAGE__INIT;
    /* js-libp2p encodes proto3-style: a zero type (PUT_VALUE) is omitted. */
    DhtMessage__MessageType type = req->has_type ? req->type : DHT_MESSAGE__MESSAGE_TYPE__PUT_VALUE;
    resp.has_type = 1;
    resp.type = type;
    resp.has_clusterlevelraw = req->has_clusterlevelraw;
    resp.clusterlevelraw = req->clusterlevelraw;
    /* about 10 KiB each: on the heap, and no static state across hosts */
    peer_list_pb_t *lists = calloc(2, sizeof *lists);
    if (!lists)
        return err_set(e, P2P_ENOMEM, "kad: out of memory");
    peer_list_pb_t *closer = &lists[0], *provs = &lists[1];
    int rc = handle_request_with(kad, s, req, type, closer, provs, &resp, e);
    free(lists);
    return rc;
}

static int handle_request_with(p2p_kad_t *kad, p2p_stream_t *s, const DhtMessage *req,
                               DhtMessage__MessageType type, peer_list_pb_t *closer,
                               peer_list_pb_t *provs, DhtMessage *respp, err_t *e)
{
    p2p_conn_t *c = p2p_stream_conn(s);
    const p2p_peer_id_t *from = p2p_conn_peer(c);
    DhtMessage resp = *respp;
    DhtRecord rec = DHT_RECORD__INIT;
    char tbuf[TS_STR_MAX];
    const uint8_t *key = req->has_key ? req->key.data : NULL;
    size_t kn = req->has_key ? req->key.len : 0;
    bool reply = true;
    if (kn == 0 && type != DHT_MESSAGE__MESSAGE_TYPE__PING)
        return err_set(e, P2P_EPROTO, "kad: request without a key");
    resp.has_key = req->has_key;
    resp.key = req->key;
    switch (type) {
    case DHT_MESSAGE__MESSAGE_TYPE__FIND_NODE:
        closer_peers(kad, key, kn, from, closer);
        break;
    case DHT_MESSAGE__MESSAGE_TYPE__GET_VALUE: {
        const kad_record_t *r = kad_find_value(kad, key, kn);
        if (r) {
            rec.has_key = rec.has_value = 1;
            rec.key = (ProtobufCBinaryData){r->key.len, r->key.data};
            rec.value = (ProtobufCBinaryData){r->val.len, r->val.data};
            if (ts_format(r->received, tbuf) > 0)
                rec.timereceived = tbuf;
            resp.record = &rec;
        }
        closer_peers(kad, key, kn, from, closer);
        break;
    }
    case DHT_MESSAGE__MESSAGE_TYPE__PUT_VALUE: {
        if (!req->record || !req->record->has_value || !req->record->has_key ||
            req->record->key.len != kn || memcmp(req->record->key.data, key, kn) != 0)
            return err_set(e, P2P_EPROTO, "kad: PUT_VALUE record missing or keyed differently");
        int rc = kad_validate(kad, key, kn, req->record->value.data, req->record->value.len, e);
        if (rc)
            return rc;
        if ((rc = kad_store_value(kad, from, key, kn, req->record->value.data,
                                  req->record->value.len, e)))
            return rc;
        /* §PUT_VALUE: the response echoes the request. */
        DhtMessage echo = *req;
        size_t n = dht_message__get_packed_size(&echo);
        uint8_t *b = malloc(n);
        if (!b)
            return err_set(e, P2P_ENOMEM, "kad: out of memory");
        dht_message__pack(&echo, b);
        rc = p2p_stream_write_lp(s, b, n);
        free(b);
        return rc;
    }
    case DHT_MESSAGE__MESSAGE_TYPE__ADD_PROVIDER:
        reply = false;
        for (size_t i = 0; i < req->n_providerpeers; i++) {
            const DhtMessage__Peer *pp = req->providerpeers[i];
            p2p_peer_addrs_t pa = {0};
            if (!pp->has_id || p2p_peer_id_from_bytes(pp->id.data, pp->id.len, &pa.id, NULL) ||
                !p2p_peer_id_equal(&pa.id, from))
                continue; /* only the sender may announce itself */
            for (size_t k = 0; k < pp->n_addrs; k++)
                kad_peer_add_addr(&pa, pp->addrs[k].data, pp->addrs[k].len);
            const p2p_identify_info_t *known =
                pa.n_addrs == 0 ? p2p_host_peer_info(kad->h, from) : NULL;
            for (size_t k = 0; known && k < known->n_listen_addrs; k++)
                kad_peer_add_addr(&pa, known->listen_addrs[k].data, known->listen_addrs[k].len);
            int rc = kad_add_provider(kad, key, kn, &pa);
            p2p_peer_addrs_clear(&pa);
            if (rc)
                return err_set(e, rc, "kad: provider store full");
        }
        break;
    case DHT_MESSAGE__MESSAGE_TYPE__GET_PROVIDERS:
        kad_expire_providers(kad);
        for (kad_provider_t *p = kad->providers; p && provs->n < MAX_PB_PEERS; p = p->next)
            if (p->key.len == kn && memcmp(p->key.data, key, kn) == 0)
                add_peer_pb(provs->ptr, &provs->n, provs->store, provs->addrs, &provs->n_addrs,
                            &p->peer, false);
        closer_peers(kad, key, kn, from, closer);
        break;
    case DHT_MESSAGE__MESSAGE_TYPE__PING:
        break;
    default:
        return err_set(e, P2P_EPROTO, "kad: unknown message type %d", (int)type);
    }
    if (!reply)
        return 0;
    resp.n_closerpeers = closer->n;
    resp.closerpeers = closer->ptr;
    resp.n_providerpeers = provs->n;
    resp.providerpeers = provs->ptr;
    size_t n = dht_message__get_packed_size(&resp);
    uint8_t *b = malloc(n ? n : 1);
    if (!b)
        return err_set(e, P2P_ENOMEM, "kad: out of memory");
    dht_message__pack(&resp, b);
    int rc = p2p_stream_write_lp(s, b, n);
    free(b);
    return rc;
}

static size_t serve_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    p2p_kad_t *kad = ud;
    size_t off = 0;
    while (off < n) {
        const uint8_t *msg;
        size_t len, used;
        int r = p2p_lp_next(p + off, n - off, p2p_host_max_msg(kad->h), &msg, &len, &used);
        if (r == 0)
            break;
        err_t e = {0};
        DhtMessage *req = r > 0 ? dht_message__unpack(NULL, len, msg) : NULL;
        if (!req) {
            log_warn(P2P_LOG, "kad: bad request, resetting stream", "reason=\"%s\"",
                     r < 0 ? "bad length prefix" : "not a valid protobuf");
            p2p_stream_reset(s);
            return n;
        }
        int rc = handle_request(kad, s, req, &e);
        dht_message__free_unpacked(req, NULL);
        if (rc) {
            log_warn(P2P_LOG, "kad: request refused", "reason=\"%s\"", e.msg);
            p2p_stream_reset(s);
            return n;
        }
        off += used;
    }
    return off;
}

static void serve_eof(p2p_stream_t *s, void *ud)
{
    p2p_stream_close_write(s);
}

static void serve(p2p_stream_t *s, void *ud)
{
    p2p_stream_cbs_t cbs = {serve_data, serve_eof, NULL, ud};
    p2p_stream_set_cbs(s, &cbs);
}

p2p_kad_t *p2p_kad_new(p2p_host_t *h, err_t *e)
{
    p2p_kad_t *kad = calloc(1, sizeof *kad);
    if (!kad) {
        err_set(e, P2P_ENOMEM, "kad: out of memory");
        return NULL;
    }
    kad->h = h;
    kad->provider_ttl_ms = 48ull * 3600 * 1000;
    p2p_kad_set_limits(kad, NULL);
    const p2p_peer_id_t *self = p2p_host_peer_id(h);
    kad_hash(self->b, self->len, kad->self_key);
    p2p_kad_add_validator(kad, "/pk/", validate_pk);
    p2p_host_set_kad(h, kad, on_info);
    if (p2p_host_is_kad_server(h) && p2p_host_handle(h, P2P_KAD_PROTO, serve, kad)) {
        err_set(e, P2P_ELIMIT, "kad: cannot register the protocol handler");
        p2p_host_set_kad(h, NULL, NULL);
        free(kad);
        return NULL;
    }
    return kad;
}

void p2p_kad_free(p2p_kad_t *kad)
{
    if (!kad)
        return;
    kad_cancel_all(kad);
    p2p_host_set_kad(kad->h, NULL, NULL);
    for (int b = 0; b < 256; b++)
        for (size_t i = 0; i < kad->buckets[b].n; i++)
            p2p_peer_addrs_clear(&kad->buckets[b].e[i].p);
    while (kad->records) {
        kad_record_t *r = kad->records;
        kad->records = r->next;
        record_free(r);
    }
    while (kad->providers) {
        kad_provider_t *p = kad->providers;
        kad->providers = p->next;
        provider_free(p);
    }
    free(kad);
}
