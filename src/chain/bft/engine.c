/*
 * The BFT engine (bft.h): drives cons_t on the node's loop thread and
 * executes its outputs in order. Three rules carry the safety argument:
 *   1. PERSIST and BLOCK outputs are collected and written in ONE synced
 *      batch before the next output that leaves the node (BROADCAST, SEND)
 *      or commits, and at the end of every step (flush_ops);
 *   2. a COMMIT executes the block and writes the chain block, its
 *      finality record and the new anchor in one synced batch
 *      (node_commit_certified), so the anchor is never ahead of the chain;
 *   3. when a store write fails the engine stops executing outputs (no vote
 *      leaves without its safety data) and reports itself halted.
 * Executing a COMMIT and the validator epoch change it may carry live in
 * epoch.c; the engine's state (bft_t) is in internal.h.
 */
#include "internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain/client/client.h"
#include "crypto/ecvrf/ecvrf.h"

#define STATUS_MS 500
#define STRIKES_MAX 8
#define TX_BATCH_BYTES (256u << 10)
#define SYNC_BYTES_MAX (32u << 20)
#define FUTURE_MAX 512          /* messages of the next epoch kept until we switch */


uint64_t bft_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- hash set ---- */

static size_t hs_slot(const hset_t *s, const chain_hash_t *h)
{
    return (size_t)load_le64(h->b) & (s->cap - 1);
}

static bool hs_has(const hset_t *s, const chain_hash_t *h)
{
    if (!s->n)
        return false;
    for (size_t i = hs_slot(s, h);; i = (i + 1) & (s->cap - 1)) {
        if (!s->used[i])
            return false;
        if (chain_hash_equal(&s->k[i], h))
            return true;
    }
}

static void hs_clear(hset_t *s)
{
    if (s->used)
        memset(s->used, 0, s->cap * sizeof *s->used);
    s->n = 0;
}

static void hs_add(hset_t *s, const chain_hash_t *h)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        hset_t t = {calloc(cap, sizeof *t.k), calloc(cap, sizeof *t.used), cap, 0};
        if (!t.k || !t.used) {
            free(t.k);
            free(t.used);
            return;   /* the set only saves duplicate proposals; missing entries are harmless */
        }
        for (size_t i = 0; i < s->cap; i++)
            if (s->used[i])
                hs_add(&t, &s->k[i]);
        free(s->k);
        free(s->used);
        *s = t;
    }
    size_t i = hs_slot(s, h);
    while (s->used[i]) {
        if (chain_hash_equal(&s->k[i], h))
            return;
        i = (i + 1) & (s->cap - 1);
    }
    s->used[i] = true;
    s->k[i] = *h;
    s->n++;
}

static void hs_free(hset_t *s)
{
    free(s->k);
    free(s->used);
    memset(s, 0, sizeof *s);
}

/* ---- kept blocks ---- */

kept_t *bft_kept_find(bft_t *b, const chain_hash_t *id)
{
    for (size_t i = 0; i < b->n_kept; i++)
        if (chain_hash_equal(&b->kept[i].id, id))
            return &b->kept[i];
    return NULL;
}

static void rebuild_inflight(bft_t *b)
{
    hs_clear(&b->inflight);
    for (size_t i = 0; i < b->n_kept; i++)
        for (uint32_t k = 0; k < b->kept[i].n_txh; k++)
            hs_add(&b->inflight, &b->kept[i].txh[k]);
}

/* Hashes of a payload's transactions (SHA-256 of each tx's unsigned part
 * is the tx hash: decoding computes it). */
static void payload_hashes(const uint8_t *p, size_t n, chain_hash_t **out, uint32_t *count)
{
    *out = NULL;
    *count = 0;
    bft_payload_t pl;
    chain_tx_t **txs = NULL;
    if (bft_payload_decode(p, n, &pl, NULL) != 0 || bft_payload_txs(&pl, &txs, NULL) != 0)
        return;
    *out = malloc((pl.n_txs ? pl.n_txs : 1) * sizeof **out);
    for (uint32_t i = 0; i < pl.n_txs; i++) {
        if (*out && txs[i])
            (*out)[(*count)++] = txs[i]->hash;
        chain_tx_free(txs[i]);
    }
    free(txs);
}

static kept_t *kept_add(bft_t *b, const uint8_t *data, size_t len)
{
    cons_block_t *blk = cons_block_decode(data, len, NULL);
    if (!blk)
        return NULL;
    kept_t *k = bft_kept_find(b, &blk->id);
    if (k) {
        cons_block_free(blk);
        return k;
    }
    if (b->n_kept == b->cap_kept) {
        size_t cap = b->cap_kept ? b->cap_kept * 2 : 16;
        kept_t *nk = realloc(b->kept, cap * sizeof *nk);
        if (!nk) {
            cons_block_free(blk);
            return NULL;
        }
        b->kept = nk;
        b->cap_kept = cap;
    }
    k = &b->kept[b->n_kept];
    memset(k, 0, sizeof *k);
    k->bytes = malloc(len ? len : 1);
    if (!k->bytes) {
        cons_block_free(blk);
        return NULL;
    }
    memcpy(k->bytes, data, len);
    k->len = len;
    k->id = blk->id;
    k->round = blk->h.round;
    k->height = blk->h.height;
    k->h = blk->h;
    bft_payload_t pl;
    if (bft_payload_decode(blk->payload, blk->payload_len, &pl, NULL) == 0) {
        k->has_cert = true;
        k->cert_height = pl.cert_height;
        k->cert_hash = pl.cert_hash;
    }
    payload_hashes(blk->payload, blk->payload_len, &k->txh, &k->n_txh);
    for (uint32_t i = 0; i < k->n_txh; i++)
        hs_add(&b->inflight, &k->txh[i]);
    cons_block_free(blk);
    b->n_kept++;
    return k;
}

static void kept_free_one(kept_t *k)
{
    free(k->bytes);
    free(k->txh);
}

/* Drops kept blocks at or below round (their c/blk/ records go in ops). */
static int core_build(bft_t *b, err_t *e);

/* ---- durable records ---- */

void bft_ops_put(ops_t *o, const void *key, size_t klen, const void *val, size_t vlen)
{
    if (o->n == sizeof o->op / sizeof o->op[0])
        return;   /* callers flush long before: at most a few records per step */
    size_t i = o->n++;
    buf_reset(&o->key[i]);
    buf_reset(&o->val[i]);
    buf_append(&o->key[i], key, klen);
    if (val)
        buf_append(&o->val[i], val, vlen);
    o->op[i].key = o->key[i].data;
    o->op[i].klen = o->key[i].len;
    o->op[i].val = val ? (o->val[i].data ? o->val[i].data : (const uint8_t *)"") : NULL;
    o->op[i].vlen = val ? o->val[i].len : 0;
}

void bft_halt(bft_t *b, const char *what, const err_t *e)
{
    if (!b->halted)
        log_error("bft", "consensus halted", "what=\"%s\" err=\"%s\"", what, e ? e->msg : "");
    b->halted = true;
    snprintf(b->halt_msg, sizeof b->halt_msg, "%.40s: %.200s", what, e ? e->msg : "");
}

/* Every frame leaves through here: the test hook sees it (after everything
 * it depends on is durable), then the network thread sends it. */
static void send2(bft_t *b, uint32_t to, uint8_t type, const uint8_t *head, size_t hlen,
                  const uint8_t *body, size_t len)
{
    if (b->on_send) {
        uint8_t *all = malloc(hlen + len + 1);
        if (all) {
            if (hlen)
                memcpy(all, head, hlen);
            if (len)
                memcpy(all + hlen, body, len);
            b->on_send(b->on_send_ud, to, type, all, hlen + len);
            free(all);
        }
    }
    bft_net_send2(b->net, to, type, head, hlen, body, len);
}

static void send1(void *ud, uint32_t to, uint8_t type, const uint8_t *head, size_t hlen,
                  const uint8_t *body, size_t len)
{
    send2(ud, to, type, head, hlen, body, len);
}

static int flush_ops(bft_t *b)
{
    if (b->ops.n == 0)
        return 0;
    err_t e = {0};
    int rc = chain_state_meta_write(node_state(b->node), b->ops.op, b->ops.n, &e);
    b->ops.n = 0;
    if (rc != 0) {
        bft_halt(b, "writing safety data", &e);
        return rc;
    }
    return 0;
}

void bft_kept_prune(bft_t *b, uint64_t round, ops_t *ops)
{
    size_t w = 0;
    for (size_t i = 0; i < b->n_kept; i++) {
        kept_t *k = &b->kept[i];
        if (k->round <= round) {
            if (ops) {
                uint8_t key[46];
                bft_key_blk(key, k->round, &k->id);
                bft_ops_put(ops, key, sizeof key, NULL, 0);
            }
            kept_free_one(k);
        } else {
            b->kept[w++] = *k;
        }
    }
    b->n_kept = w;
    rebuild_inflight(b);
}

/* ---- the chain hash at a height (payload claims) ---- */


static void on_commit(bft_t *b, const cons_out_t *o)
{
    err_t e = {0};
    cons_block_t *blk = cons_block_decode(o->data, o->len, &e);
    if (!blk) {
        bft_halt(b, "decoding a committed block", &e);
        return;
    }
    if (blk->h.height <= b->anchor.height) {
        /* Committed already, by block sync or a snapshot, while this core
         * was still running from the older anchor (it is rebuilt after the
         * tick's messages). Its descendants may be pruned from the kept set
         * by then, so they are not looked for: it must only be the block we
         * hold at that height. */
        bool same = chain_hash_equal(&blk->id, &b->anchor.id);
        if (blk->h.height != b->anchor.height) {
            bft_finality_t f;
            same = bft_finality_get(node_state(b->node), blk->h.height, &f, NULL) != 0 ||
                   chain_hash_equal(&blk->id, &f.block->id);   /* no record: below a snapshot */
            bft_finality_free(&f);
        }
        if (!same) {
            err_set(&e, BFT_EINVAL, "the core committed another block at height %llu than the "
                                    "one committed there",
                    (unsigned long long)blk->h.height);
            bft_halt(b, "committing", &e);
        }
        cons_block_free(blk);
        return;
    }
    /* the descendants from blk's child up to the block the commit QC
     * certifies, all still kept (uncommitted until now) */
    cons_header_t chain[BFT_CHAIN_MAX];
    uint32_t n = 0;
    kept_t *k = bft_kept_find(b, &o->qc.block_id);
    while (k && n < BFT_CHAIN_MAX) {
        chain[n++] = k->h;
        if (chain_hash_equal(&k->h.qc.block_id, &blk->id))
            break;
        k = bft_kept_find(b, &k->h.qc.block_id);
    }
    if (!k || n == 0 || !chain_hash_equal(&chain[n - 1].qc.block_id, &blk->id)) {
        err_set(&e, BFT_EINVAL, "the descendants of committed height %llu are not kept",
                (unsigned long long)blk->h.height);
        bft_halt(b, "committing", &e);
    } else {
        for (uint32_t i = 0; i < n / 2; i++) {
            cons_header_t t = chain[i];
            chain[i] = chain[n - 1 - i];
            chain[n - 1 - i] = t;
        }
        (void)bft_commit_block(b, o->data, o->len, blk, chain, n, &o->qc, &o->anchor);
    }
    cons_block_free(blk);
}

/* ---- running the core's outputs ---- */

static void propose_maybe(bft_t *b, uint64_t now);

/* A consensus message for the network: frame CONS is u64 epoch ‖ message. */
static void send_cons(bft_t *b, uint32_t to, const uint8_t *msg, size_t len)
{
    uint8_t ep[8];
    store_le64(ep, b->ep.epoch);
    send2(b, to, F_CONS, ep, 8, msg, len);
}

#ifdef AETHER_BFT_TWIN
/* Test-only build (tests/chain/CMakeLists.txt, aetherd_twin): an
 * equivocating twin. Each vote it sends goes with a second vote of the same
 * round for another block, signed with the same key. Never in aetherd. */
static void twin_equivocate(bft_t *b, uint32_t to, const uint8_t *msg, size_t len)
{
    if (len != 1 + 8 + 32 + 4 + CONS_SIG_BYTES || msg[0] != CONS_MSG_VOTE)
        return;
    uint8_t v[1 + 8 + 32 + 4 + CONS_SIG_BYTES];
    memcpy(v, msg, len);
    chain_hash_t other;
    memcpy(other.b, v + 9, 32);
    other.b[31] ^= 0x5a;
    memcpy(v + 9, other.b, 32);
    uint8_t m[64];
    size_t mn = cons_vote_msg(b->ccfg.chain_id, load_le64(v + 1), &other, m);
    if (cons_crypto_bls.sign(b->ccfg.bls_sk, m, mn, v + 45, NULL) != 0)
        return;
    log_warn("bft", "twin: double vote", "round=%llu", (unsigned long long)load_le64(v + 1));
    send_cons(b, to, v, sizeof v);
}
#endif


static void run_outputs(bft_t *b)
{
    size_t n = 0;
    const cons_out_t *o = cons_outputs(b->c, &n);
    uint64_t now = bft_now_ms();
    for (size_t i = 0; i < n && !b->halted && !b->switched; i++) {
        switch (o[i].kind) {
        case CONS_OUT_PERSIST:
            bft_ops_put(&b->ops, KEY_SAFETY, strlen(KEY_SAFETY), o[i].data, o[i].len);
            buf_reset(&b->safety);
            buf_append(&b->safety, o[i].data, o[i].len);
            break;
        case CONS_OUT_BLOCK: {
            kept_t *k = kept_add(b, o[i].data, o[i].len);
            if (k) {
                uint8_t key[46];
                bft_key_blk(key, k->round, &k->id);
                bft_ops_put(&b->ops, key, sizeof key, o[i].data, o[i].len);
            }
            break;
        }
        case CONS_OUT_BROADCAST:
        case CONS_OUT_SEND:
            if (flush_ops(b) != 0)
                return;
            send_cons(b, o[i].kind == CONS_OUT_BROADCAST ? BFT_TO_ALL : o[i].to, o[i].data,
                      o[i].len);
#ifdef AETHER_BFT_TWIN
            twin_equivocate(b, o[i].kind == CONS_OUT_BROADCAST ? BFT_TO_ALL : o[i].to, o[i].data,
                            o[i].len);
#endif
            break;
        case CONS_OUT_TIMER: {
            size_t k = 0;
            while (k < b->n_timers && b->timers[k].round != o[i].round)
                k++;
            if (k == b->n_timers) {
                if (b->n_timers == MAX_TIMERS) {
                    memmove(b->timers, b->timers + 1, (MAX_TIMERS - 1) * sizeof b->timers[0]);
                    b->n_timers--;
                }
                k = b->n_timers++;
            }
            b->timers[k].round = o[i].round;
            b->timers[k].at = now + o[i].ms;
            break;
        }
        case CONS_OUT_NEED_PAYLOAD:
            log_debug("bft", "leading", "round=%llu", (unsigned long long)o[i].round);
            b->propose_round = o[i].round;
            b->propose_since = now;
            break;
        case CONS_OUT_COMMIT:
            if (flush_ops(b) != 0)
                return;
            on_commit(b, &o[i]);
            break;
        case CONS_OUT_EVIDENCE:
            bft_report_evidence(b, o[i].data, o[i].len);
            break;
        }
    }
    (void)flush_ops(b);
    if (b->switched && !b->building && !b->halted) {
        /* the old epoch's core is done: start the new epoch's now */
        err_t e = {0};
        b->need_rebuild = false;
        if (core_build(b, &e) != 0)
            bft_halt(b, "starting the new validator epoch", &e);
    }
}

static bool in_flight(void *ud, const chain_hash_t *h)
{
    return hs_has(ud, h);
}

static void propose_maybe(bft_t *b, uint64_t now)
{
    if (!b->propose_round || b->halted)
        return;
    if (cons_round(b->c) != b->propose_round) {
        b->propose_round = 0;
        return;
    }
    size_t ready = node_ready_count(b->node);
    bool work = ready > b->inflight.n || b->inflight.n > 0;
    if (!work && now - b->propose_since < b->idle_ms)
        return;
    buf_t p;
    buf_init(&p, 0);
    chain_header_t tip;
    chain_hash_t tip_hash;
    memset(&tip, 0, sizeof tip);
    memset(&tip_hash, 0, sizeof tip_hash);
    if (chain_state_tip(node_state(b->node), &tip, &tip_hash, NULL) != 0)
        return;   /* the store is failing: no proposal, the round times out */
    /* never certify below the parent's payload (payload_ok): a leader that
     * is behind repeats its parent's claim */
    uint64_t pc;
    chain_hash_t ph;
    if (bft_parent_cert_of(b, &cons_high_qc(b->c)->block_id, &pc, &ph) && pc > tip.height) {
        tip.height = pc;
        tip_hash = ph;
    }
    buf_append_byte(&p, BFT_PAYLOAD_VERSION);
    buf_append_u64_le(&p, now);
    buf_append_u64_le(&p, tip.height);
    buf_append(&p, tip_hash.b, 32);
    size_t count_at = p.len;
    buf_append_u32_le(&p, 0);
    uint32_t n = node_select_payload(b->node, in_flight, &b->inflight, b->max_txs, CHAIN_MAX_BLOCK_BYTES / 2, &p);
    if (!buf_ok(&p)) {
        buf_free(&p);
        return;
    }
    store_le32(p.data + count_at, n);
    uint64_t round = b->propose_round;
    b->propose_round = 0;
    err_t e = {0};
    log_debug("bft", "proposing", "round=%llu txs=%u cert=%llu", (unsigned long long)round, n,
              (unsigned long long)tip.height);
    if (cons_propose(b->c, round, p.data, p.len, &e) != 0)
        log_warn("bft", "proposal refused", "round=%llu err=\"%s\"", (unsigned long long)round,
                 e.msg);
    buf_free(&p);
    run_outputs(b);
}

/* ---- building and rebuilding the core ---- */

static int core_build_once(bft_t *b, err_t *e);
static void replay_future(bft_t *b);

/* (Re)builds the core from the anchor, safety data and kept blocks; again
 * when restoring them commits an epoch change. */
static int core_build(bft_t *b, err_t *e)
{
    int rc;
    b->building = true;
    do {
        b->switched = false;
        rc = core_build_once(b, e);
    } while (rc == 0 && b->switched && !b->halted);
    b->building = false;
    if (rc == 0)
        replay_future(b);
    return rc;
}

static int core_build_once(bft_t *b, err_t *e)
{
    cons_free(b->c);
    b->c = cons_new(&b->ccfg, b->set.vs, b->anchor.height ? &b->anchor : NULL, b->safety.data,
                    b->safety.len, e);
    if (!b->c)
        return BFT_EINVAL;
    b->n_timers = 0;
    b->propose_round = 0;
    /* re-insert the kept blocks above the anchor, in round order (a copy:
     * restoring re-adds them to b->kept) */
    size_t n = b->n_kept;
    kept_t *copy = malloc((n ? n : 1) * sizeof *copy);
    if (!copy)
        return err_set(e, BFT_ENOMEM, "bft: out of memory");
    if (n)
        memcpy(copy, b->kept, n * sizeof *copy);
    for (size_t i = 1; i < n; i++)   /* insertion sort by round: few blocks */
        for (size_t k = i; k > 0 && copy[k - 1].round > copy[k].round; k--) {
            kept_t t = copy[k];
            copy[k] = copy[k - 1];
            copy[k - 1] = t;
        }
    uint8_t **bytes = malloc((n ? n : 1) * sizeof *bytes);
    size_t *lens = malloc((n ? n : 1) * sizeof *lens);
    size_t m = 0;
    for (size_t i = 0; bytes && lens && i < n; i++) {
        if (copy[i].round <= b->anchor.round)
            continue;
        bytes[m] = malloc(copy[i].len);
        if (!bytes[m])
            break;
        memcpy(bytes[m], copy[i].bytes, copy[i].len);
        lens[m++] = copy[i].len;
    }
    free(copy);
    for (size_t i = 0; i < m; i++) {
        err_t re = {0};
        if (!b->switched && cons_restore(b->c, bytes[i], lens[i], &re) != 0)
            log_debug("bft", "kept block not restored", "err=\"%s\"", re.msg);
        if (!b->switched)
            run_outputs(b);
        free(bytes[i]);
    }
    free(bytes);
    free(lens);
    if (b->switched)
        return 0;   /* restoring committed an epoch change: build again */
    if (cons_start(b->c, e) != 0)
        return BFT_EINVAL;
    run_outputs(b);
    return b->halted ? BFT_ESTORE : 0;
}

static void handle_msg(bft_t *b, bft_msg_t *m);

/* After an epoch change: the kept frames of the new epoch, in arrival order
 * (older ones go). */
static void replay_future(bft_t *b)
{
    bft_msg_t *m = b->future_head;
    b->future_head = b->future_tail = NULL;
    b->n_future = 0;
    while (m) {
        bft_msg_t *next = m->next;
        if (!b->halted && load_le64(m->data) == b->ep.epoch)
            handle_msg(b, m);
        free(m);
        m = next;
    }
}

/* ---- block sync ---- */

static void serve_sync(bft_t *b, uint32_t from, const uint8_t *d, size_t n)
{
    if (n != 12) {
        b->strikes[from]++;
        return;
    }
    uint64_t h = load_le64(d);
    uint32_t count = load_le32(d + 8);
    if (count > BFT_SYNC_MAX)
        count = BFT_SYNC_MAX;
    size_t bytes = 0;
    for (uint32_t i = 0; i < count && bytes < SYNC_BYTES_MAX; i++, h++) {
        char k[16];
        size_t kl;
        uint8_t *v = NULL;
        size_t vl = 0;
        bft_key_h(k, PFX_FIN, h, &kl);
        if (chain_state_meta_get(node_state(b->node), k, kl, &v, &vl, NULL) != 0)
            break;
        uint8_t hb[8];
        store_le64(hb, h);
        send2(b, from, F_SYNC_REC, hb, 8, v, vl);
        bytes += vl;
        free(v);
    }
}

static void apply_sync(bft_t *b, uint32_t from, const uint8_t *d, size_t n)
{
    if (n < 8) {
        b->strikes[from]++;
        return;
    }
    uint64_t h = load_le64(d);
    if (h != b->anchor.height + 1)
        return;   /* old news or out of order */
    bft_finality_t f;
    err_t e = {0};
    if (bft_finality_decode(d + 8, n - 8, &f, &e) != 0 ||
        bft_finality_verify(b->set.vs, b->ccfg.chain_id, &b->ccfg.genesis_id, &f, &e) != 0 ||
        f.block->h.height != h || !chain_hash_equal(&f.block->h.qc.block_id, &b->anchor.id)) {
        if (!e.msg[0])
            err_set(&e, BFT_EINVAL, "block does not extend our anchor");
        log_warn("bft", "sync record refused", "peer=%u height=%llu err=\"%s\"", from,
                 (unsigned long long)h, e.msg);
        b->strikes[from]++;
        bft_finality_free(&f);
        return;
    }
    /* the anchor of the block: its epoch seed and VRF accumulator along the
     * committed chain, exactly as the core derives them (consensus.h) */
    cons_anchor_t a;
    memset(&a, 0, sizeof a);
    a.id = f.block->id;
    a.round = f.block->h.round;
    a.height = h;
    a.qc = f.chain[0].qc;
    cons_child_seed(b->anchor.seed, b->anchor.acc, b->anchor.round, a.round, b->ccfg.epoch_len,
                    a.seed);
    uint8_t beta[64], ain[13 + 32 + 64];
    if (ecvrf_proof_to_hash(ECVRF_SUITE_TAI, f.block->h.vrf_proof, beta, &e) != 0) {
        b->strikes[from]++;
        bft_finality_free(&f);
        return;
    }
    memcpy(ain, "aether/acc/v1", 13);
    if (b->anchor.round / b->ccfg.epoch_len == a.round / b->ccfg.epoch_len)
        memcpy(ain + 13, b->anchor.acc, 32);
    else
        memset(ain + 13, 0, 32);
    memcpy(ain + 45, beta, 64);
    crypto_sha256(ain, sizeof ain, a.acc);
    if (bft_commit_block(b, d + 8 + 4, load_le32(d + 8), f.block, f.chain, f.n_chain, &f.commit_qc,
                     &a) == 0) {
        atomic_fetch_add(&b->synced_blocks, 1);
        b->need_rebuild = true;
    }
    bft_finality_free(&f);
}

/* ---- snapshot sync ---- */

/* A node whose store holds genesis alone and whose peers are more than the
 * threshold ahead fetches the newest snapshot of one of them (rotating
 * through them on failures) instead of replaying every block. true while a
 * download runs (block sync waits). */
static bool snapshot_maybe(bft_t *b, uint64_t now, uint64_t my)
{
    if (!b->snap_threshold || my != 0 || !bft_snapper_can_fetch(b->snap))
        return false;
    if (bft_snapper_fetching(b->snap))
        return true;
    if (now < b->snap_retry_at)
        return false;
    uint32_t ahead[64], n = 0;
    for (uint32_t i = 0; i < b->n_handles && n < 64; i++)
        if (b->peer_height[i] > my + b->snap_threshold)
            ahead[n++] = i;
    if (n == 0)
        return false;
    bft_snapper_fetch_start(b->snap, ahead[b->snap_try % n], now);
    return bft_snapper_fetching(b->snap);
}

/* Consensus messages are held back from the core while a node that may
 * restore from a snapshot has not yet heard its peers' heights (a few
 * seconds at most) or is downloading one: the core would otherwise start
 * fetching every ancestor block itself. */
static bool snapshot_gate(bft_t *b)
{
    if (!b->snap_threshold || b->anchor.height != 0 || !bft_snapper_can_fetch(b->snap))
        return false;
    if (bft_snapper_fetching(b->snap))
        return true;
    return !b->heard_status && bft_now_ms() < b->snap_gate_until;
}

static void snapshot_failed(bft_t *b, uint32_t peer, const char *why, uint64_t now)
{
    log_warn("bft", "snapshot sync failed", "peer=%u err=\"%s\"", peer, why);
    b->snap_try++;
    b->snap_retry_at = now + 2000;
}

static void snapshot_restore(bft_t *b, uint32_t from, const char *path)
{
    uint64_t now = bft_now_ms();
    err_t e = {0};
    cons_anchor_t a;
    int rc = b->anchor.height != 0
                 ? err_set(&e, BFT_EINVAL, "the node committed blocks meanwhile")
                 : bft_snapshot_import(node_state(b->node), b->g, path, true, &a, &e);
    unlink(path);
    if (rc != 0) {
        b->strikes[from] += STRIKES_MAX / 2;
        snapshot_failed(b, from, e.msg, now);
        return;
    }
    b->anchor = a;
    b->base_height = a.height;
    bft_kept_prune(b, a.round, &b->ops);
    (void)flush_ops(b);
    memset(b->ring, 0, sizeof b->ring);
    node_tip_reloaded(b->node);
    b->last_commit_ms = now;
    b->need_rebuild = true;
    log_info("bft", "restored from a snapshot", "height=%llu round=%llu peer=%u",
             (unsigned long long)a.height, (unsigned long long)a.round, from);
}

static void on_snap_data(bft_t *b, uint32_t from, const uint8_t *d, size_t n)
{
    const char *path = NULL;
    err_t e = {0};
    int rc = bft_snapper_on_data(b->snap, from, d, n, bft_now_ms(), &path, &e);
    if (rc == 1)
        snapshot_restore(b, from, path);
    else if (rc < 0) {
        if (rc != BFT_ENOTFOUND)
            b->strikes[from]++;
        snapshot_failed(b, from, e.msg, bft_now_ms());
    }
}

static void sync_maybe(bft_t *b, uint64_t now)
{
    uint64_t my = b->anchor.height, best = my;
    uint32_t who = UINT32_MAX;
    for (uint32_t i = 0; i < b->n_handles; i++)
        if (b->peer_height[i] > best) {
            best = b->peer_height[i];
            who = i;
        }
    if (who == UINT32_MAX || now < b->sync_wait_until)
        return;
    if (snapshot_maybe(b, now, my))
        return;
    if (best <= my + 2 && now - b->last_commit_ms < 1500)
        return;   /* consensus is catching up by itself */
    uint8_t req[12];
    store_le64(req, my + 1);
    store_le32(req + 8, BFT_SYNC_MAX);
    send2(b, who, F_SYNC_GET, NULL, 0, req, sizeof req);
    b->sync_wait_until = now + 2000;
    log_info("bft", "syncing", "from_height=%llu peer_height=%llu peer=%u",
             (unsigned long long)(my + 1), (unsigned long long)best, who);
}

/* ---- the tick ---- */

static void handle_msg(bft_t *b, bft_msg_t *m)
{
    if (m->from >= b->n_handles)
        return;
    err_t e = {0};
    switch (m->type) {
    case F_CONS: {
        if (snapshot_gate(b))
            break;
        if (m->len < 9) {
            b->strikes[m->from]++;
            break;
        }
        if (b->switched && !b->building) {
            /* an epoch change committed by sync in this tick: the new core first */
            b->need_rebuild = false;
            if (core_build(b, &e) != 0) {
                bft_halt(b, "starting the new validator epoch", &e);
                break;
            }
        }
        uint64_t ep = load_le64(m->data);
        if (ep != b->ep.epoch) {
            /* another epoch's message counts against nobody: the sender
             * switched before or after us. The next epoch's are kept until
             * we switch (its first proposal, above all). */
            if (ep == b->ep.epoch + 1 && b->n_future < FUTURE_MAX) {
                bft_msg_t *c = malloc(sizeof *c + m->len);
                if (c) {
                    memcpy(c, m, sizeof *c + m->len);
                    c->next = NULL;
                    if (b->future_tail)
                        b->future_tail->next = c;
                    else
                        b->future_head = c;
                    b->future_tail = c;
                    b->n_future++;
                }
            }
            break;
        }
        if (log_get_level() == LOG_DEBUG && m->len >= 8 + 21) {
            /* the round: after the header's version and chain id in a
             * proposal, first in a vote or timeout (consensus.h) */
            const uint8_t *cm = m->data + 8;
            uint64_t r = cm[0] == CONS_MSG_PROPOSAL ? load_le64(cm + 13)
                         : cm[0] == CONS_MSG_VOTE || cm[0] == CONS_MSG_TIMEOUT ? load_le64(cm + 1)
                                                                               : 0;
            log_debug("bft", "cons message", "peer=%u type=%u round=%llu len=%zu", m->from, cm[0],
                      (unsigned long long)r, m->len);
        }
        int rc = cons_on_message(b->c, m->from, m->data + 8, m->len - 8, &e);
        if (rc == CONS_EBADSIG || rc == CONS_EINVAL)
            b->strikes[m->from]++;
        if (rc != 0)
            log_debug("bft", "message refused", "peer=%u err=\"%s\"", m->from, e.msg);
        run_outputs(b);
        break;
    }
    case F_STATUS:
        if (m->len == 8) {
            b->peer_height[m->from] = load_le64(m->data);
            b->heard_status = true;
            (void)snapshot_maybe(b, bft_now_ms(), b->anchor.height);
        } else {
            b->strikes[m->from]++;
        }
        break;
    case F_SYNC_GET:
        serve_sync(b, m->from, m->data, m->len);
        break;
    case F_SYNC_REC:
        apply_sync(b, m->from, m->data, m->len);
        break;
    case F_SNAP_GET: {
        bft_snap_get_t r;
        if (bft_snap_get_decode(m->data, m->len, &r, &e) != 0)
            b->strikes[m->from]++;
        else
            bft_snapper_serve(b->snap, m->from, &r);
        break;
    }
    case F_SNAP_DATA:
        on_snap_data(b, m->from, m->data, m->len);
        break;
    default:
        b->strikes[m->from]++;
    }
    if (b->strikes[m->from] >= STRIKES_MAX) {
        b->strikes[m->from] = 0;
        bft_net_disconnect(b->net, m->from);
    }
}

static void flush_forward(bft_t *b)
{
    pthread_mutex_lock(&b->fwd_mu);
    if (b->fwd_n == 0) {
        pthread_mutex_unlock(&b->fwd_mu);
        return;
    }
    buf_t out = b->fwd;
    uint32_t n = b->fwd_n;
    buf_init(&b->fwd, 0);
    b->fwd_n = 0;
    pthread_mutex_unlock(&b->fwd_mu);
    uint8_t hdr[4];
    store_le32(hdr, n);
    send2(b, BFT_TO_VALIDATORS, F_TXS, hdr, 4, out.data, out.len);
    buf_free(&out);
}

static void update_status(bft_t *b)
{
    uint64_t round = cons_round(b->c);
    if (round != b->logged_round) {
        b->logged_round = round;
        log_debug("bft", "round", "round=%llu high_qc=%llu committed_height=%llu",
                  (unsigned long long)round, (unsigned long long)cons_high_qc(b->c)->round,
                  (unsigned long long)b->anchor.height);
    }
    pthread_mutex_lock(&b->st_mu);
    b->st.bft = true;
    b->st.self = b->ccfg.self;
    b->st.round = cons_round(b->c);
    b->st.committed_round = b->anchor.round;   /* also upstream's finalized slot */
    b->st.committed_height = b->anchor.height;
    b->st.last_voted_round = cons_last_voted_round(b->c);
    b->st.locked_round = cons_locked_round(b->c);
    b->st.high_qc_round = cons_high_qc(b->c)->round;
    b->st.n_validators = b->set.n;
    b->st.epoch = b->ep.epoch;
    b->st.epoch_start_height = b->ep.start_height;
    b->st.peers_connected = (uint32_t)bft_net_connected(b->net);
    b->st.halted = b->halted;
    snprintf(b->st.halt_reason, sizeof b->st.halt_reason, "%.150s", b->halt_msg);
    memcpy(b->heights_snap, b->peer_height, b->n_handles * sizeof *b->heights_snap);
    pthread_mutex_unlock(&b->st_mu);
}

/* The round of the committed block at height (its finality record); any
 * thread (the store is thread-safe). */
static int block_round(void *self, uint64_t height, uint64_t *round)
{
    bft_t *b = self;
    if (height == 0) {
        *round = 0;
        return 0;
    }
    bft_finality_t f;
    if (bft_finality_get(node_state(b->node), height, &f, NULL) != 0)
        return -1;
    *round = f.block->h.round;
    bft_finality_free(&f);
    return 0;
}

static uint32_t bft_tick(void *self, node_t *node, uint64_t now)
{
    (void)node;
    bft_t *b = self;
    if (b->halted) {
        update_status(b);
        return 1000;
    }
    pthread_mutex_lock(&b->in_mu);
    bft_msg_t *m = b->in_head;
    b->in_head = b->in_tail = NULL;
    pthread_mutex_unlock(&b->in_mu);
    while (m) {
        bft_msg_t *next = m->next;
        if (!b->halted)
            handle_msg(b, m);
        free(m);
        m = next;
    }
    if (b->need_rebuild && !b->halted) {
        b->need_rebuild = false;
        err_t e = {0};
        if (core_build(b, &e) != 0)
            bft_halt(b, "restarting consensus after sync", &e);
    }
    now = bft_now_ms();
    for (size_t i = 0; i < b->n_timers && !b->halted;) {
        if (b->timers[i].at <= now) {
            uint64_t r = b->timers[i].round;
            b->timers[i] = b->timers[--b->n_timers];
            if (r < cons_round(b->c))
                continue;   /* a round already left: the core would ignore it */
            err_t e = {0};
            int trc = cons_on_timer(b->c, r, &e);
            log_debug("bft", "round timer", "round=%llu rc=%d", (unsigned long long)r, trc);
            run_outputs(b);
            i = 0;
            continue;
        }
        i++;
    }
    propose_maybe(b, now);
    flush_forward(b);
    bft_snapper_tick(b->snap);
    uint32_t late;
    if (bft_snapper_timed_out(b->snap, now, &late)) {
        b->strikes[late]++;
        snapshot_failed(b, late, "no answer", now);
    }
    if (now >= b->next_status_ms) {
        uint8_t hb[8];
        store_le64(hb, b->anchor.height);
        send2(b, BFT_TO_ALL, F_STATUS, NULL, 0, hb, 8);
        sync_maybe(b, now);
        b->next_status_ms = now + STATUS_MS;
    }
    update_status(b);
    uint64_t next = b->next_status_ms;
    for (size_t i = 0; i < b->n_timers; i++)
        if (b->timers[i].at < next)
            next = b->timers[i].at;
    if (b->propose_round && b->propose_since + b->idle_ms < next)
        next = b->propose_since + b->idle_ms;
    if (b->propose_round && next > now + 20)
        next = now + 20;   /* a leader waiting for transactions looks again soon */
    return next > now ? (uint32_t)(next - now) : 1;
}

/* ---- threads feeding the loop ---- */

static void on_net_msg(void *ud, bft_msg_t *m)
{
    bft_t *b = ud;
    if (m->type == F_TXS) {
        pthread_mutex_lock(&b->ing_mu);
        if (b->ing_tail)
            b->ing_tail->next = m;
        else
            b->ing_head = m;
        b->ing_tail = m;
        pthread_cond_signal(&b->ing_cv);
        pthread_mutex_unlock(&b->ing_mu);
        return;
    }
    pthread_mutex_lock(&b->in_mu);
    if (b->in_tail)
        b->in_tail->next = m;
    else
        b->in_head = m;
    b->in_tail = m;
    pthread_mutex_unlock(&b->in_mu);
    node_wake(b->node);
}

static void *ingest_main(void *arg)
{
    bft_t *b = arg;
    pthread_mutex_lock(&b->ing_mu);
    for (;;) {
        while (!b->ing_head && !b->ing_stop)
            pthread_cond_wait(&b->ing_cv, &b->ing_mu);
        if (b->ing_stop)
            break;
        bft_msg_t *m = b->ing_head;
        b->ing_head = m->next;
        if (!b->ing_head)
            b->ing_tail = NULL;
        pthread_mutex_unlock(&b->ing_mu);
        /* decode the frame's transactions, verify their signatures in
         * batches (one equation per 64), then admit them in order */
        bool bad = m->len < 4;
        uint32_t n = bad ? 0 : load_le32(m->data);
        size_t off = 4;
        chain_tx_t **txs = NULL;
        size_t *at = NULL, k = 0;
        if (!bad && n > 0 && n <= (m->len - 4) / 5) {
            txs = malloc(n * sizeof *txs);
            at = malloc(n * sizeof *at);
        } else if (n > 0) {
            bad = true;   /* more transactions than the frame can hold */
        }
        for (uint32_t i = 0; i < n && !bad; i++) {
            uint32_t len = m->len - off >= 4 ? load_le32(m->data + off) : 0;
            if (len == 0 || m->len - off - 4 < len) {
                bad = true;
                break;
            }
            chain_tx_t *tx = txs ? chain_tx_decode(m->data + off + 4, len, NULL) : NULL;
            if (tx) {
                txs[k] = tx;
                at[k++] = off;
            } else if (!txs &&
                       node_submit_forwarded(b->node, m->data + off + 4, len, NULL) != 0) {
                /* out of memory for the batch: one by one */
            }
            off += 4 + len;
        }
        if (k && !bad)
            chain_tx_verify_batch(txs, k, 1);
        for (size_t i = 0; i < k; i++) {
            if (bad) {
                chain_tx_free(txs[i]);
            } else if (node_submit_forwarded_decoded(b->node, txs[i], m->data + at[i] + 4,
                                                     load_le32(m->data + at[i]), NULL) != 0) {
                /* known, invalid or refused: the sender's problem, not ours */
            }
        }
        free(txs);
        free(at);
        if (bad || off != m->len) {
            log_warn("bft", "malformed transaction frame", "peer=%u", m->from);
            bft_net_disconnect(b->net, m->from);
        }
        free(m);
        pthread_mutex_lock(&b->ing_mu);
    }
    pthread_mutex_unlock(&b->ing_mu);
    return NULL;
}

static void on_rpc_tx(void *ud, const uint8_t *raw, size_t len)
{
    bft_t *b = ud;
    pthread_mutex_lock(&b->fwd_mu);
    bool first = b->fwd_n == 0;
    buf_append_u32_le(&b->fwd, (uint32_t)len);
    buf_append(&b->fwd, raw, len);
    b->fwd_n++;
    bool full = b->fwd.len >= TX_BATCH_BYTES;
    pthread_mutex_unlock(&b->fwd_mu);
    if (first || full)
        node_wake(b->node);
}

static void status_fn(void *ud, node_cons_status_t *out)
{
    bft_t *b = ud;
    pthread_mutex_lock(&b->st_mu);
    *out = b->st;
    pthread_mutex_unlock(&b->st_mu);
}

static json_t *peers_fn(void *ud)
{
    bft_t *b = ud;
    pthread_mutex_lock(&b->st_mu);
    json_t *j = bft_net_peers_json(b->net, b->heights_snap, b->n_handles);
    pthread_mutex_unlock(&b->st_mu);
    return j;
}

/* ---- construction ---- */

void bft_destroy(void *self)
{
    bft_t *b = self;
    if (!b)
        return;
    if (b->node) {
        node_set_tx_hook(b->node, NULL, NULL);
        node_set_status_fns(b->node, NULL, NULL, NULL);
    }
    if (b->ing_started) {
        pthread_mutex_lock(&b->ing_mu);
        b->ing_stop = true;
        pthread_cond_signal(&b->ing_cv);
        pthread_mutex_unlock(&b->ing_mu);
        pthread_join(b->ing_thr, NULL);
    }
    bft_snapper_free(b->snap);
    bft_net_free(b->net);
    for (bft_msg_t *m = b->in_head; m;) {
        bft_msg_t *next = m->next;
        free(m);
        m = next;
    }
    for (bft_msg_t *m = b->ing_head; m;) {
        bft_msg_t *next = m->next;
        free(m);
        m = next;
    }
    cons_free(b->c);
    bft_set_free(&b->set);
    for (bft_msg_t *m = b->future_head; m;) {
        bft_msg_t *next = m->next;
        free(m);
        m = next;
    }
    node_key_wipe(&b->key);
    for (size_t i = 0; i < b->n_kept; i++)
        kept_free_one(&b->kept[i]);
    free(b->kept);
    hs_free(&b->inflight);
    for (size_t i = 0; i < sizeof b->ops.op / sizeof b->ops.op[0]; i++) {
        buf_free(&b->ops.key[i]);
        buf_free(&b->ops.val[i]);
    }
    buf_free(&b->safety);
    buf_free(&b->fwd);
    free(b->peer_height);
    free(b->strikes);
    free(b->heights_snap);
    pthread_mutex_destroy(&b->in_mu);
    pthread_mutex_destroy(&b->ing_mu);
    pthread_cond_destroy(&b->ing_cv);
    pthread_mutex_destroy(&b->fwd_mu);
    pthread_mutex_destroy(&b->st_mu);
    crypto_wipe(&b->ccfg, sizeof b->ccfg);
    free(b);
}

static int load_kept(void *ud, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    (void)key;
    (void)klen;
    bft_t *b = ud;
    (void)kept_add(b, val, vlen);
    return 0;
}

int bft_engine_new(node_t *n, const bft_config_t *cfg, node_engine_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    const node_genesis_t *g = cfg->genesis;
    if (!g || !g->bft)
        return err_set(e, BFT_EINVAL, "bft: the genesis has no \"consensus\" section");
    bft_t *b = calloc(1, sizeof *b);
    if (!b)
        return err_set(e, BFT_ENOMEM, "bft: out of memory");
    pthread_mutex_init(&b->in_mu, NULL);
    pthread_mutex_init(&b->ing_mu, NULL);
    pthread_cond_init(&b->ing_cv, NULL);
    pthread_mutex_init(&b->fwd_mu, NULL);
    pthread_mutex_init(&b->st_mu, NULL);
    buf_init(&b->safety, 0);
    buf_init(&b->fwd, 0);
    for (size_t i = 0; i < sizeof b->ops.op / sizeof b->ops.op[0]; i++) {
        buf_init(&b->ops.key[i], 0);
        buf_init(&b->ops.val[i], 0);
    }
    b->g = g;
    b->idle_ms = cfg->idle_block_ms ? cfg->idle_block_ms : (uint32_t)(g->cons.base_timeout_ms / 2);
    if (b->idle_ms == 0)
        b->idle_ms = 1;
    b->max_txs = cfg->max_block_txs ? cfg->max_block_txs : 10000;
    b->on_send = cfg->on_send;
    b->on_send_ud = cfg->on_send_ud;
    if (b->max_txs > CHAIN_MAX_BLOCK_TXS)
        b->max_txs = CHAIN_MAX_BLOCK_TXS;
    int rc = BFT_EINVAL;
    cons_config_t *cc = &b->ccfg;
    cc->chain_id = g->g.chain_id;
    cc->epoch_len = g->cons.epoch_len;
    cc->base_timeout_ms = g->cons.base_timeout_ms;
    cc->max_timeout_ms = g->cons.max_timeout_ms;
    memcpy(cc->genesis_seed, g->cons.seed, 32);
    if (node_genesis_cons_id(g, &cc->genesis_id, e) != 0)
        goto fail;
    b->chain_gid = cc->genesis_id;
    cc->self = -1;
    cc->payload_ok = bft_payload_ok;
    cc->payload_ud = b;
    uint8_t net_seed[32];
    crypto_random(net_seed, sizeof net_seed);   /* a full node's ephemeral identity */
    if (cfg->key) {
        /* a validator of the current set, or one that may join it by
         * staking (it follows as a full node until its epoch starts) */
        node_validator_keys_t vk;
        if (node_validator_keys_derive(cfg->key, &vk, e) != 0)
            goto fail;
        b->has_key = true;
        b->key = *cfg->key;
        memcpy(cc->bls_sk, vk.bls_sk, sizeof cc->bls_sk);
        memcpy(cc->vrf_sk, vk.vrf_sk, sizeof cc->vrf_sk);
        node_validator_keys_wipe(&vk);
        memcpy(net_seed, cfg->key->seed, 32);   /* the account key is the libp2p identity */
    }
    b->xcfg.chain_id = g->g.chain_id;
    b->xcfg.min_fee = g->cons.min_fee;
    b->xcfg.max_block_txs = 0;
    b->xcfg.max_block_bytes = 0;
    b->xcfg.verify_threads = 0;
    b->xcfg.contracts = node_exec_cfg(n)->contracts;   /* compiled code, shared */
    b->node = n;
    chain_state_t *st = node_state(n);

    /* the anchor, the safety data and the kept blocks */
    uint8_t *v = NULL;
    size_t vl = 0;
    err_t ge = {0};
    int r = chain_state_meta_get(st, KEY_ANCHOR, strlen(KEY_ANCHOR), &v, &vl, &ge);
    uint64_t tip = bft_tip_height(b);
    if (r == 0) {
        r = bft_anchor_decode(v, vl, &b->anchor, e);
        free(v);
        if (r != 0)
            goto fail;
    } else if (r != CHAIN_ENOTFOUND) {
        err_set(e, BFT_ESTORE, "bft: reading the anchor: %s", ge.msg);
        goto fail;
    } else {
        b->anchor.id = cc->genesis_id;
        memcpy(b->anchor.seed, g->cons.seed, 32);
        b->anchor.qc.block_id = cc->genesis_id;
    }
    if (b->anchor.height != tip) {
        err_set(e, BFT_ESTORE,
                "bft: the store's chain is at height %llu but its consensus anchor at %llu "
                "(a store written by the solo engine cannot run BFT)",
                (unsigned long long)tip, (unsigned long long)b->anchor.height);
        goto fail;
    }
    r = chain_state_meta_get(st, KEY_SAFETY, strlen(KEY_SAFETY), &v, &vl, &ge);
    if (r == 0) {
        buf_append(&b->safety, v, vl);
        free(v);
    } else if (r != CHAIN_ENOTFOUND) {
        err_set(e, BFT_ESTORE, "bft: reading the safety data: %s", ge.msg);
        goto fail;
    }
    if (chain_state_meta_scan(st, PFX_BLK, strlen(PFX_BLK), load_kept, b, e) != 0)
        goto fail;
    /* the validator epoch: its record, and its set from the committed state */
    {
        bft_epoch_t ep;
        bft_set_t set;
        chain_stake_global_t *sg = malloc(sizeof *sg);
        bool staking = false;
        if (!sg) {
            err_set(e, BFT_ENOMEM, "bft: out of memory");
            goto fail;
        }
        r = chain_staking_get_global(st, sg, &staking, e);
        b->stake_epoch_blocks = r == 0 && staking ? sg->p.epoch_blocks : 0;
        free(sg);
        if (r != 0 || bft_epoch_current(st, g, &ep, e) != 0 ||
            bft_set_load(st, g, ep.epoch, &set, e) != 0)
            goto fail;
        if (set.n == 0) {
            err_set(e, BFT_ESTORE, "bft: the store has no validator set for epoch %llu",
                    (unsigned long long)ep.epoch);
            goto fail;
        }
        b->set = set;
        b->ep = ep;
        cc->genesis_id = ep.genesis_id;
        memcpy(cc->genesis_seed, ep.seed, 32);
        for (uint32_t i = 0; b->has_key && i < b->set.n; i++)
            if (memcmp(b->set.account[i], b->key.pk, CHAIN_PK_BYTES) == 0)
                cc->self = i;
        if (b->anchor.height > 0) {   /* the payload claim of the anchor block */
            bft_finality_t f;
            bft_payload_t pl;
            if (bft_finality_get(st, b->anchor.height, &f, e) != 0)
                goto fail;
            if (bft_payload_decode(f.block->payload, f.block->payload_len, &pl, NULL) == 0) {
                b->anchor_cert = pl.cert_height;
                b->anchor_cert_hash = pl.cert_hash;
            }
            bft_finality_free(&f);
        }
    }
    b->last_commit_ms = bft_now_ms();
    b->n_handles = BFT_NET_OTHER + BFT_NET_SLOTS;
    b->peer_height = calloc(b->n_handles, sizeof *b->peer_height);
    b->strikes = calloc(b->n_handles, sizeof *b->strikes);
    b->heights_snap = calloc(b->n_handles, sizeof *b->heights_snap);
    if (!b->peer_height || !b->strikes || !b->heights_snap) {
        err_set(e, BFT_ENOMEM, "bft: out of memory");
        goto fail;
    }
    bft_net_cbs_t ncb = {.on_msg = on_net_msg, .ud = b};
    b->net = bft_net_new(g, net_seed, cfg->listen, cfg->peers, cfg->n_peers, &ncb, e);
    crypto_wipe(net_seed, sizeof net_seed);
    if (!b->net)
        goto fail;
    b->snap = bft_snapper_new(st, g, send1, b, cfg->snapshot_dir, cfg->snapshot_interval, e);
    if (!b->snap)
        goto fail;
    b->snap_threshold = cfg->snapshot_threshold;
    if (chain_state_base_height(st, &b->base_height, e) != 0)
        goto fail;
    b->snap_gate_until = bft_now_ms() + 3000;
    if (b->ep.epoch > 0)
        bft_net_set_validators(b->net, (const uint8_t (*)[CHAIN_PK_BYTES])b->set.account,
                               b->set.n);
    if (core_build(b, e) != 0) {
        err_prefix(e, "bft: restoring consensus");
        goto fail;
    }
    update_status(b);
    if (pthread_create(&b->ing_thr, NULL, ingest_main, b) != 0) {
        err_set(e, BFT_ENOMEM, "bft: cannot start the ingest thread");
        goto fail;
    }
    b->ing_started = true;
    if (bft_net_start(b->net, e) != 0)
        goto fail;
    node_set_tx_hook(n, on_rpc_tx, b);
    node_set_status_fns(n, status_fn, peers_fn, b);
    log_info("bft", "consensus engine ready",
             "validator=%lld validators=%u epoch=%llu height=%llu round=%llu", (long long)cc->self,
             b->set.n, (unsigned long long)b->ep.epoch, (unsigned long long)b->anchor.height,
             (unsigned long long)cons_round(b->c));
    out->name = "bft";
    out->self = b;
    out->tick = bft_tick;
    out->destroy = bft_destroy;
    out->block_round = block_round;
    return 0;
fail:
    rc = e && e->code ? e->code : BFT_EINVAL;
    bft_destroy(b);
    return rc;
}

void bft_engine_deliver(const node_engine_t *eng, uint32_t from, uint8_t type,
                        const uint8_t *body, size_t len)
{
    if (!eng || !eng->self || eng->tick != bft_tick)
        return;
    bft_msg_t *m = malloc(sizeof *m + (len ? len : 1));
    if (!m)
        return;
    m->next = NULL;
    m->from = from;
    m->type = type;
    m->len = len;
    if (len)
        memcpy(m->data, body, len);
    on_net_msg(eng->self, m);
}

int bft_engine_listen_addrs(const node_engine_t *eng, buf_t *out)
{
    if (!eng || !eng->self || eng->tick != bft_tick)
        return 0;
    const bft_t *b = eng->self;
    return bft_net_listen_addrs(b->net, out);
}
