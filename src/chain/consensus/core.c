/*
 * chain/consensus core: the Jolteon state machine (rules in consensus.h).
 *
 * State: the block tree above the last committed block (the root), the
 * safety data, the pacemaker (round, consecutive timeouts, highest TC, our
 * timeout for the round), vote and timeout collections for recent rounds,
 * the first vote / proposal seen per (round, validator) for equivocation
 * evidence, proposals waiting for a missing ancestor, and a ring of recently
 * committed blocks for answering sync requests. Collections are small
 * (rounds near the current one, blocks above the root), so they are arrays
 * scanned linearly.
 *
 * Votes are collected unverified and checked as one aggregate when they
 * reach a quorum (one FastAggregateVerify instead of one pairing check per
 * vote); only if the aggregate fails are they checked one by one and the
 * bad ones dropped (protocol-notes §3.4: "aggregate first").
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define RING 256           /* committed blocks kept for sync */
#define MAX_PENDING 256    /* proposals waiting for an ancestor */
#define MAX_PENDING_BYTES (64u << 20)   /* and their payloads, in total */
#define MAX_SEEN 1024      /* equivocation records */

typedef struct tnode {
    cons_block_t *b;        /* NULL for a restart anchor */
    chain_hash_t id;
    uint64_t round, height;
    struct tnode *parent;
    uint8_t seed[32], acc[32];
    bool certified;
    cons_qc_t cert;
} tnode_t;

typedef struct vcoll {
    uint64_t round;
    chain_hash_t id;
    uint8_t bm[CONS_BITMAP_BYTES];
    uint64_t stake;
    uint8_t (*sigs)[CONS_SIG_BYTES];   /* by voter index */
    bool done;
} vcoll_t;

typedef struct tcoll {
    uint64_t round;
    uint8_t bm[CONS_BITMAP_BYTES];
    uint64_t stake;
    uint64_t *hqc;                      /* by signer index */
    uint8_t (*sigs)[CONS_SIG_BYTES];
    cons_qc_t high_qc;
    bool has_high, done;
} tcoll_t;

typedef struct vseen {
    uint64_t round;
    uint32_t who;
    chain_hash_t id;
    uint8_t sig[CONS_SIG_BYTES];
    cons_header_t h;      /* proposals only */
    bool verified;
} vseen_t;

typedef struct pending {
    uint32_t from;
    cons_block_t *b;
    bool has_tc;
    cons_tc_t tc;
} pending_t;

typedef struct ring_ent {
    chain_hash_t id;
    uint8_t *bytes;
    size_t len;
} ring_ent_t;

struct cons {
    cons_config_t cfg;
    const cons_valset_t *vs;
    const cons_crypto_t *cr;
    uint32_t n;
    /* safety data */
    uint64_t lvr, locked, preferred;
    cons_qc_t hqc;
    bool has_tc;
    cons_tc_t tc;
    /* pacemaker */
    uint64_t round, consecutive, fires, proposed_round;
    buf_t my_timeout;          /* encoded timeout message for `round` */
    uint64_t my_timeout_round;
    cons_vote_t my_vote;       /* our last vote (has_my_vote), re-broadcast on timeout */
    bool has_my_vote;
    /* tree */
    tnode_t **tree;
    size_t n_tree, cap_tree;
    tnode_t *root;
    uint64_t committed_round, committed_height;
    vcoll_t *vc;
    size_t n_vc;
    tcoll_t *tcs;
    size_t n_tcs;
    vseen_t *votes_seen, *props_seen;
    size_t n_votes_seen, n_props_seen;
    pending_t *pend;
    size_t n_pend;
    ring_ent_t ring[RING];
    size_t ring_next;
    chain_hash_t asked[16];    /* fetched since the last timer expiry or new round */
    size_t n_asked;
    /* outputs of the current step */
    cons_out_t *out;
    size_t n_out, cap_out;
    bool oom, restoring;
};

static int handle_block(cons_t *c, uint32_t from, cons_block_t *b, const cons_tc_t *tc, err_t *e);
static void send_fetch(cons_t *c, uint32_t to, const chain_hash_t *id);
static int on_vote(cons_t *c, const cons_vote_t *v, err_t *e);
static void local_timeout_signed(cons_t *c);
static int on_timeout(cons_t *c, uint64_t round, uint32_t signer, const cons_qc_t *hqc,
                      const uint8_t *sig, const cons_tc_t *tc, bool local, err_t *e);

/* ---- outputs ---- */

static void outs_clear(cons_t *c)
{
    for (size_t i = 0; i < c->n_out; i++)
        free(c->out[i].data);
    c->n_out = 0;
}

static cons_out_t *out_push(cons_t *c, cons_out_kind_t kind)
{
    if (c->n_out == c->cap_out) {
        size_t nc = c->cap_out ? c->cap_out * 2 : 16;
        cons_out_t *p = realloc(c->out, nc * sizeof *p);
        if (!p) {
            c->oom = true;
            return NULL;
        }
        c->out = p;
        c->cap_out = nc;
    }
    cons_out_t *o = &c->out[c->n_out++];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    return o;
}

/* Hands buf's bytes to a new output. */
static cons_out_t *out_data(cons_t *c, cons_out_kind_t kind, buf_t *b)
{
    if (!buf_ok(b)) {
        c->oom = true;
        buf_free(b);
        return NULL;
    }
    cons_out_t *o = out_push(c, kind);
    if (!o) {
        buf_free(b);
        return NULL;
    }
    o->data = buf_steal(b, &o->len);
    return o;
}

const cons_out_t *cons_outputs(const cons_t *c, size_t *n)
{
    *n = c->n_out;
    return c->out;
}

/* ---- safety data ---- */

static void persist(cons_t *c)
{
    buf_t b;
    buf_init(&b, 0);
    buf_append_u32_le(&b, 1);
    buf_append_u64_le(&b, c->lvr);
    buf_append_u64_le(&b, c->locked);
    buf_append_u64_le(&b, c->preferred);
    cons_put_qc(&b, &c->hqc);
    buf_append_byte(&b, c->has_tc);
    if (c->has_tc)
        cons_put_tc(&b, &c->tc);
    out_data(c, CONS_OUT_PERSIST, &b);
}

static int safety_load(cons_t *c, const uint8_t *p, size_t n, err_t *e)
{
    crd_t r;
    crd_init(&r, p, n, "safety data", e);
    uint32_t ver = 0;
    uint8_t has_tc = 0;
    if (!crd_u32(&r, &ver, "version"))
        return CONS_EINVAL;
    if (ver != 1)
        return crd_fail(&r, "unknown version %u", ver), CONS_EINVAL;
    if (!crd_u64(&r, &c->lvr, "last voted round") || !crd_u64(&r, &c->locked, "locked round") ||
        !crd_u64(&r, &c->preferred, "preferred round") || !crd_qc(&r, &c->hqc) ||
        !crd_u8(&r, &has_tc, "has tc"))
        return CONS_EINVAL;
    if (has_tc > 1)
        return crd_fail(&r, "has tc is %u", has_tc), CONS_EINVAL;
    c->has_tc = has_tc;
    if (has_tc && !crd_tc(&r, &c->tc))
        return CONS_EINVAL;
    if (!crd_end(&r))
        return CONS_EINVAL;
    if (cons_qc_verify(c->vs, c->cfg.chain_id, &c->cfg.genesis_id, &c->hqc, e) != 0)
        return err_prefix(e, "safety data high QC");
    if (c->has_tc && cons_tc_verify(c->vs, c->cfg.chain_id, &c->cfg.genesis_id, &c->tc, e) != 0)
        return err_prefix(e, "safety data TC");
    return 0;
}

/* ---- tree ---- */

static tnode_t *find(const cons_t *c, const chain_hash_t *id)
{
    for (size_t i = 0; i < c->n_tree; i++)
        if (chain_hash_equal(&c->tree[i]->id, id))
            return c->tree[i];
    return NULL;
}

static void node_free(tnode_t *t)
{
    if (t) {
        cons_block_free(t->b);
        free(t);
    }
}

static tnode_t *tree_add(cons_t *c)
{
    if (c->n_tree == c->cap_tree) {
        size_t nc = c->cap_tree ? c->cap_tree * 2 : 64;
        tnode_t **p = realloc(c->tree, nc * sizeof *p);
        if (!p)
            return NULL;
        c->tree = p;
        c->cap_tree = nc;
    }
    tnode_t *t = calloc(1, sizeof *t);
    if (t)
        c->tree[c->n_tree++] = t;
    return t;
}

static bool descends(const tnode_t *t, const tnode_t *anc)
{
    for (; t; t = t->parent)
        if (t == anc)
            return true;
    return false;
}

static void ring_push(cons_t *c, const cons_block_t *b)
{
    buf_t enc;
    buf_init(&enc, 0);
    cons_put_block(&enc, b);
    if (!buf_ok(&enc)) {
        buf_free(&enc);
        return;
    }
    ring_ent_t *r = &c->ring[c->ring_next];
    free(r->bytes);
    r->id = b->id;
    r->bytes = buf_steal(&enc, &r->len);
    c->ring_next = (c->ring_next + 1) % RING;
}

static void commit_to(cons_t *c, tnode_t *b0, const cons_qc_t *commit_qc)
{
    if (b0->round <= c->committed_round)
        return;
    /* chain root -> b0 */
    size_t n = 0;
    for (tnode_t *t = b0; t && t != c->root; t = t->parent)
        n++;
    tnode_t **chain = malloc((n ? n : 1) * sizeof *chain);
    if (!chain) {
        c->oom = true;
        return;
    }
    size_t i = n;
    for (tnode_t *t = b0; t && t != c->root; t = t->parent)
        chain[--i] = t;
    for (i = 0; i < n; i++) {
        tnode_t *t = chain[i];
        buf_t enc;
        buf_init(&enc, 0);
        cons_put_block(&enc, t->b);
        cons_out_t *o = out_data(c, CONS_OUT_COMMIT, &enc);
        if (o) {
            o->round = t->round;
            o->anchor.id = t->id;
            o->anchor.round = t->round;
            o->anchor.height = t->height;
            memcpy(o->anchor.seed, t->seed, 32);
            memcpy(o->anchor.acc, t->acc, 32);
            o->anchor.qc = t->cert;
            o->qc = *commit_qc;
        }
        ring_push(c, t->b);
    }
    free(chain);
    c->committed_round = b0->round;
    c->committed_height = b0->height;
    /* new root: drop everything not above b0 */
    c->root = b0;
    tnode_t **drop = malloc((c->n_tree ? c->n_tree : 1) * sizeof *drop);
    size_t nd = 0, k = 0;
    for (size_t j = 0; j < c->n_tree; j++) {
        tnode_t *t = c->tree[j];
        if (t == b0 || (t->round > b0->round && descends(t, b0)))
            c->tree[k++] = t;
        else if (drop)
            drop[nd++] = t;
    }
    if (!drop) {   /* keep the tree unpruned; the next commit prunes it */
        c->oom = true;
        return;
    }
    c->n_tree = k;
    b0->parent = NULL;
    for (size_t j = 0; j < nd; j++)
        node_free(drop[j]);
    free(drop);
    /* forget old proposals / votes / pending below the commit */
    k = 0;
    for (size_t j = 0; j < c->n_pend; j++) {
        if (c->pend[j].b->h.round <= c->committed_round)
            cons_block_free(c->pend[j].b);
        else
            c->pend[k++] = c->pend[j];
    }
    c->n_pend = k;
}

/* Marks t certified by qc and applies the 2-chain commit rule. */
static void certify(cons_t *c, tnode_t *t, const cons_qc_t *qc)
{
    if (!t->certified) {
        t->certified = true;
        t->cert = *qc;
    }
    tnode_t *p = t->parent;
    if (p && t->round == p->round + 1 && p->round > c->committed_round && t->b)
        commit_to(c, p, qc);
}

/* ---- pacemaker ---- */

static uint64_t timer_ms(const cons_t *c)
{
    uint64_t sh = c->consecutive + c->fires;
    if (sh > 6)
        sh = 6;
    uint64_t ms = c->cfg.base_timeout_ms << sh;
    return ms > c->cfg.max_timeout_ms ? c->cfg.max_timeout_ms : ms;
}

static void arm_timer(cons_t *c)
{
    cons_out_t *o = out_push(c, CONS_OUT_TIMER);
    if (o) {
        o->round = c->round;
        o->ms = timer_ms(c);
    }
}

static uint32_t leader_after(const cons_t *c, const tnode_t *parent, uint64_t round, uint8_t seed[32])
{
    cons_child_seed(parent->seed, parent->acc, parent->round, round, c->cfg.epoch_len, seed);
    return cons_leader(c->vs, seed, round);
}

static void maybe_lead(cons_t *c)
{
    if (c->cfg.self < 0 || c->proposed_round >= c->round || c->round <= c->lvr)
        return;
    tnode_t *p = find(c, &c->hqc.block_id);
    if (!p) {   /* certified by votes we saw, but the block itself never came */
        for (uint32_t i = 0; i < c->hqc.nb * 8 && i < c->n; i++)
            if (bm_get(c->hqc.bitmap, i) && i != (uint32_t)c->cfg.self) {
                send_fetch(c, i, &c->hqc.block_id);
                break;
            }
        return;
    }
    uint8_t seed[32];
    if (leader_after(c, p, c->round, seed) != (uint32_t)c->cfg.self)
        return;
    cons_out_t *o = out_push(c, CONS_OUT_NEED_PAYLOAD);
    if (o)
        o->round = c->round;
}

static void prune_rounds(cons_t *c)
{
    uint64_t keep = c->round > 2 ? c->round - 2 : 0;
    size_t k = 0;
    for (size_t i = 0; i < c->n_vc; i++) {
        if (c->vc[i].round >= keep)
            c->vc[k++] = c->vc[i];
        else
            free(c->vc[i].sigs);
    }
    c->n_vc = k;
    k = 0;
    for (size_t i = 0; i < c->n_tcs; i++) {
        if (c->tcs[i].round >= keep) {
            c->tcs[k++] = c->tcs[i];
        } else {
            free(c->tcs[i].sigs);
            free(c->tcs[i].hqc);
        }
    }
    c->n_tcs = k;
    uint64_t ekeep = c->committed_round;
    k = 0;
    for (size_t i = 0; i < c->n_votes_seen; i++)
        if (c->votes_seen[i].round >= ekeep)
            c->votes_seen[k++] = c->votes_seen[i];
    c->n_votes_seen = k;
    k = 0;
    for (size_t i = 0; i < c->n_props_seen; i++)
        if (c->props_seen[i].round >= ekeep)
            c->props_seen[k++] = c->props_seen[i];
    c->n_props_seen = k;
}

static void advance_round(cons_t *c, uint64_t r, bool by_tc)
{
    if (r <= c->round)
        return;
    c->round = r;
    c->consecutive = by_tc ? c->consecutive + 1 : 0;
    c->fires = 0;
    c->n_asked = 0;   /* a node whose rounds outrun its timer may ask again */
    prune_rounds(c);
    arm_timer(c);
    maybe_lead(c);
}

static void process_qc(cons_t *c, const cons_qc_t *qc)
{
    if (qc->round > c->hqc.round)
        c->hqc = *qc;
    tnode_t *t = find(c, &qc->block_id);
    if (t)
        certify(c, t, qc);
    if (qc->round >= c->round)
        advance_round(c, qc->round + 1, false);
}

static void process_tc(cons_t *c, const cons_tc_t *tc)
{
    if (!c->has_tc || tc->round > c->tc.round) {
        c->tc = *tc;
        c->has_tc = true;
    }
    process_qc(c, &tc->high_qc);
    if (tc->round >= c->round)
        advance_round(c, tc->round + 1, true);
}

static bool qc_equal(const cons_qc_t *a, const cons_qc_t *b)
{
    return a->round == b->round && chain_hash_equal(&a->block_id, &b->block_id) &&
           a->nb == b->nb && a->nb <= CONS_BITMAP_BYTES &&
           memcmp(a->bitmap, b->bitmap, a->nb) == 0 && memcmp(a->sig, b->sig, CONS_SIG_BYTES) == 0;
}

static bool tc_equal(const cons_tc_t *a, const cons_tc_t *b)
{
    return a->round == b->round && a->nb == b->nb && a->nb <= CONS_BITMAP_BYTES &&
           memcmp(a->bitmap, b->bitmap, a->nb) == 0 && a->n == b->n &&
           a->n <= CONS_MAX_VALIDATORS &&
           memcmp(a->hqc_rounds, b->hqc_rounds, a->n * sizeof *a->hqc_rounds) == 0 &&
           memcmp(a->sig, b->sig, CONS_SIG_BYTES) == 0 && qc_equal(&a->high_qc, &b->high_qc);
}

/* A QC we already hold need not be verified again. */
static int qc_check(cons_t *c, const cons_qc_t *qc, err_t *e)
{
    if (qc_equal(qc, &c->hqc))
        return 0;
    tnode_t *t = find(c, &qc->block_id);
    if (t && t->certified && qc_equal(&t->cert, qc))
        return 0;
    return cons_qc_verify(c->vs, c->cfg.chain_id, &c->cfg.genesis_id, qc, e);
}

static int tc_check(cons_t *c, const cons_tc_t *tc, err_t *e)
{
    if (c->has_tc && tc_equal(tc, &c->tc))
        return 0;
    return cons_tc_verify(c->vs, c->cfg.chain_id, &c->cfg.genesis_id, tc, e);
}

/* ---- lifecycle ---- */

cons_t *cons_new(const cons_config_t *cfg, const cons_valset_t *vs, const cons_anchor_t *anchor,
                 const uint8_t *safety, size_t safety_len, err_t *e)
{
    if (!cfg || !vs || cfg->epoch_len == 0 || cfg->base_timeout_ms == 0 ||
        cfg->max_timeout_ms < cfg->base_timeout_ms) {
        err_set(e, CONS_EINVAL, "consensus: bad config (epoch length and timeouts must be > 0)");
        return NULL;
    }
    if (cfg->self >= (int64_t)vs->n) {
        err_set(e, CONS_EINVAL, "consensus: self index %lld is not a validator of %u",
                (long long)cfg->self, vs->n);
        return NULL;
    }
    cons_t *c = calloc(1, sizeof *c);
    if (!c) {
        err_set(e, CONS_ENOMEM, "consensus: out of memory");
        return NULL;
    }
    c->cfg = *cfg;
    c->vs = vs;
    c->cr = vs->crypto;
    c->n = vs->n;
    buf_init(&c->my_timeout, 0);
    if (cfg->self >= 0) {
        uint8_t pk[CONS_PK_BYTES], vpk[CONS_VRF_PK_BYTES];
        if (c->cr->sk_to_pk(cfg->bls_sk, pk, e) != 0 ||
            memcmp(pk, vs->v[cfg->self].bls_pk, CONS_PK_BYTES) != 0) {
            err_set(e, CONS_EINVAL, "consensus: BLS secret key is not validator %lld's key",
                    (long long)cfg->self);
            goto fail;
        }
        if (c->cr->vrf_sk_to_pk(cfg->vrf_sk, vpk, e) != 0 ||
            memcmp(vpk, vs->v[cfg->self].vrf_pk, CONS_VRF_PK_BYTES) != 0) {
            err_set(e, CONS_EINVAL, "consensus: VRF secret key is not validator %lld's key",
                    (long long)cfg->self);
            goto fail;
        }
    }
    tnode_t *root = tree_add(c);
    if (!root) {
        err_set(e, CONS_ENOMEM, "consensus: out of memory");
        goto fail;
    }
    if (anchor) {
        root->id = anchor->id;
        root->round = anchor->round;
        root->height = anchor->height;
        memcpy(root->seed, anchor->seed, 32);
        memcpy(root->acc, anchor->acc, 32);
        if (anchor->round > 0 &&
            (!chain_hash_equal(&anchor->qc.block_id, &anchor->id) ||
             anchor->qc.round != anchor->round ||
             cons_qc_verify(vs, cfg->chain_id, &cfg->genesis_id, &anchor->qc, e) != 0)) {
            err_set(e, CONS_EINVAL, "consensus: anchor QC does not certify the anchor block");
            goto fail;
        }
        root->cert = anchor->qc;
    } else {
        root->id = cfg->genesis_id;
        memcpy(root->seed, cfg->genesis_seed, 32);
        root->cert.block_id = cfg->genesis_id;
    }
    root->certified = true;
    c->root = root;
    c->committed_round = root->round;
    c->committed_height = root->height;
    c->hqc = root->cert;
    if (safety && safety_len) {
        cons_qc_t anchor_qc = c->hqc;
        if (safety_load(c, safety, safety_len, e) != 0)
            goto fail;
        if (anchor_qc.round > c->hqc.round)
            c->hqc = anchor_qc;
    }
    c->round = c->hqc.round + 1;
    if (c->has_tc && c->tc.round + 1 > c->round)
        c->round = c->tc.round + 1;
    return c;
fail:
    cons_free(c);
    return NULL;
}

void cons_free(cons_t *c)
{
    if (!c)
        return;
    outs_clear(c);
    free(c->out);
    for (size_t i = 0; i < c->n_tree; i++)
        node_free(c->tree[i]);
    free(c->tree);
    for (size_t i = 0; i < c->n_vc; i++)
        free(c->vc[i].sigs);
    free(c->vc);
    for (size_t i = 0; i < c->n_tcs; i++) {
        free(c->tcs[i].sigs);
        free(c->tcs[i].hqc);
    }
    free(c->tcs);
    free(c->votes_seen);
    free(c->props_seen);
    for (size_t i = 0; i < c->n_pend; i++)
        cons_block_free(c->pend[i].b);
    free(c->pend);
    for (size_t i = 0; i < RING; i++)
        free(c->ring[i].bytes);
    buf_free(&c->my_timeout);
    sodium_memzero(c, sizeof *c);
    free(c);
}

static int step_end(cons_t *c, int rc, err_t *e)
{
    if (c->oom)
        return err_set(e, CONS_ENOMEM, "consensus: out of memory");
    return rc;
}

int cons_start(cons_t *c, err_t *e)
{
    outs_clear(c);
    c->oom = false;
    arm_timer(c);
    maybe_lead(c);
    return step_end(c, 0, e);
}

int cons_restore(cons_t *c, const uint8_t *block, size_t len, err_t *e)
{
    outs_clear(c);
    c->oom = false;
    cons_block_t *b = cons_block_decode(block, len, e);
    if (!b)
        return CONS_EINVAL;
    c->restoring = true;
    int rc = handle_block(c, c->cfg.self >= 0 ? (uint32_t)c->cfg.self : 0, b, NULL, e);
    c->restoring = false;
    return step_end(c, rc, e);
}

/* ---- proposing ---- */

int cons_propose(cons_t *c, uint64_t round, const uint8_t *payload, size_t len, err_t *e)
{
    outs_clear(c);
    c->oom = false;
    if (c->cfg.self < 0)
        return err_set(e, CONS_EREJECT, "consensus: a full node does not propose");
    if (round != c->round || round <= c->lvr || c->proposed_round >= round)
        return err_set(e, CONS_EREJECT, "consensus: cannot propose for round %llu now (round %llu)",
                       (unsigned long long)round, (unsigned long long)c->round);
    if (len > CONS_MAX_PAYLOAD || (len && !payload))
        return err_set(e, CONS_EINVAL, "consensus: payload of %zu bytes", len);
    tnode_t *p = find(c, &c->hqc.block_id);
    if (!p)
        return err_set(e, CONS_EREJECT, "consensus: the high QC's block is not known");
    uint8_t seed[32], alpha[53], m[64];
    if (leader_after(c, p, round, seed) != (uint32_t)c->cfg.self)
        return err_set(e, CONS_EREJECT, "consensus: not the leader of round %llu",
                       (unsigned long long)round);
    cons_block_t *b = calloc(1, sizeof *b);
    if (!b)
        return err_set(e, CONS_ENOMEM, "consensus: out of memory");
    b->payload = malloc(len ? len : 1);
    if (!b->payload) {
        cons_block_free(b);
        return err_set(e, CONS_ENOMEM, "consensus: out of memory");
    }
    if (len)
        memcpy(b->payload, payload, len);
    b->payload_len = (uint32_t)len;
    b->h.version = CONS_BLOCK_VERSION;
    b->h.chain_id = c->cfg.chain_id;
    b->h.round = round;
    b->h.height = p->height + 1;
    b->h.proposer = (uint32_t)c->cfg.self;
    b->h.qc = c->hqc;
    crypto_sha256(b->payload, len, b->h.payload_hash.b);
    cons_vrf_alpha(seed, round, alpha);
    int rc = c->cr->vrf_prove(c->cfg.vrf_sk, alpha, sizeof alpha, b->h.vrf_proof, e);
    if (rc == 0) {
        cons_header_id(&b->h, &b->id);
        size_t mn = cons_proposal_msg(c->cfg.chain_id, &b->id, m);
        rc = c->cr->sign(c->cfg.bls_sk, m, mn, b->sig, e);
    }
    if (rc != 0) {
        cons_block_free(b);
        return err_set(e, CONS_ECRYPTO, "consensus: signing the proposal failed");
    }
    bool with_tc = c->has_tc && c->tc.round + 1 == round && c->hqc.round + 1 != round;
    buf_t msg;
    buf_init(&msg, 0);
    buf_append_byte(&msg, CONS_MSG_PROPOSAL);
    cons_put_block(&msg, b);
    buf_append_byte(&msg, with_tc);
    if (with_tc)
        cons_put_tc(&msg, &c->tc);
    c->proposed_round = round;
    cons_tc_t tc_copy = c->tc;
    /* our own proposal goes through the same checks and vote as anyone's:
     * the vote's PERSIST precedes the broadcast */
    rc = handle_block(c, (uint32_t)c->cfg.self, b, with_tc ? &tc_copy : NULL, e);
    if (rc == 0)
        out_data(c, CONS_OUT_BROADCAST, &msg);
    else
        buf_free(&msg);
    return step_end(c, rc, e);
}

/* ---- blocks ---- */

static void evidence_out(cons_t *c, const cons_evidence_t *ev)
{
    buf_t b;
    buf_init(&b, 0);
    if (cons_evidence_encode(ev, &b) != 0) {
        buf_free(&b);
        c->oom = true;
        return;
    }
    out_data(c, CONS_OUT_EVIDENCE, &b);
}

static void send_fetch(cons_t *c, uint32_t to, const chain_hash_t *id)
{
    for (size_t i = 0; i < c->n_asked; i++)
        if (chain_hash_equal(&c->asked[i], id))
            return;   /* asked already; a timer expiry allows asking again */
    if (c->n_asked < 16)
        c->asked[c->n_asked++] = *id;
    buf_t b;
    buf_init(&b, 0);
    buf_append_byte(&b, CONS_MSG_SYNC_REQ);
    buf_append(&b, id->b, 32);
    buf_append_u32_le(&b, CONS_MAX_SYNC_BLOCKS);
    cons_out_t *o = out_data(c, CONS_OUT_SEND, &b);
    if (o)
        o->to = to;
}

static bool pending_has(const cons_t *c, const chain_hash_t *id)
{
    for (size_t i = 0; i < c->n_pend; i++)
        if (chain_hash_equal(&c->pend[i].b->id, id))
            return true;
    return false;
}

/* Keeps b (owned) until its parent arrives; asks `from` for the parent. */
static void stash(cons_t *c, uint32_t from, cons_block_t *b, const cons_tc_t *tc)
{
    if (pending_has(c, &b->id)) {
        cons_block_free(b);
        return;
    }
    size_t bytes = b->payload_len;
    for (size_t i = 0; i < c->n_pend; i++)
        bytes += c->pend[i].b->payload_len;
    while (c->n_pend && (c->n_pend == MAX_PENDING || bytes > MAX_PENDING_BYTES)) {
        bytes -= c->pend[0].b->payload_len;
        cons_block_free(c->pend[0].b);
        memmove(c->pend, c->pend + 1, (c->n_pend - 1) * sizeof *c->pend);
        c->n_pend--;
    }
    if (!c->pend) {
        c->pend = calloc(MAX_PENDING, sizeof *c->pend);
        if (!c->pend) {
            c->oom = true;
            cons_block_free(b);
            return;
        }
    }
    pending_t *pd = &c->pend[c->n_pend++];
    pd->from = from;
    pd->b = b;
    pd->has_tc = tc != NULL;
    if (tc)
        pd->tc = *tc;
}

/* Asks for the missing ancestor of every chain of stashed blocks (the
 * parent that is neither in the tree nor stashed itself). */
static void fetch_missing(cons_t *c)
{
    if (c->restoring)
        return;
    for (size_t i = 0; i < c->n_pend; i++) {
        const chain_hash_t *pid = &c->pend[i].b->h.qc.block_id;
        if (!find(c, pid) && !pending_has(c, pid))
            send_fetch(c, c->pend[i].from, pid);
    }
}

static vseen_t *seen_find(vseen_t *s, size_t n, uint64_t round, uint32_t who)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].round == round && s[i].who == who)
            return &s[i];
    return NULL;
}

static vseen_t *seen_add(cons_t *c, vseen_t **arr, size_t *n)
{
    if (*n >= MAX_SEEN) {
        memmove(*arr, *arr + 1, (*n - 1) * sizeof **arr);
        (*n)--;
    }
    if (!*arr) {
        *arr = calloc(MAX_SEEN, sizeof **arr);
        if (!*arr) {
            c->oom = true;
            return NULL;
        }
    }
    vseen_t *s = &(*arr)[(*n)++];
    memset(s, 0, sizeof *s);
    return s;
}

static void vote_for(cons_t *c, tnode_t *t, const cons_tc_t *tc)
{
    const cons_block_t *b = t->b;
    if (c->cfg.self < 0 || c->restoring || b->h.round != c->round || b->h.round <= c->lvr)
        return;
    /* Jolteon safe_to_vote */
    bool ok = b->h.round == b->h.qc.round + 1;
    if (!ok && tc && b->h.round == tc->round + 1) {
        uint64_t max = 0;
        for (uint32_t i = 0; i < tc->n; i++)
            if (tc->hqc_rounds[i] > max)
                max = tc->hqc_rounds[i];
        ok = b->h.qc.round >= max;
    }
    if (!ok)
        return;
    if (c->cfg.payload_ok && !c->cfg.payload_ok(c->cfg.payload_ud, b))
        return;
    cons_vote_t v = {.round = b->h.round, .block_id = t->id, .voter = (uint32_t)c->cfg.self};
    uint8_t m[64];
    size_t mn = cons_vote_msg(c->cfg.chain_id, v.round, &v.block_id, m);
    if (c->cr->sign(c->cfg.bls_sk, m, mn, v.sig, NULL) != 0)
        return;
    c->lvr = b->h.round;
    if (b->h.qc.round > c->locked)
        c->locked = b->h.qc.round;
    if (t->parent && t->parent->b && t->parent->b->h.qc.round > c->preferred)
        c->preferred = t->parent->b->h.qc.round;
    persist(c);
    c->my_vote = v;
    c->has_my_vote = true;
    uint8_t seed[32];
    uint32_t next = leader_after(c, t, b->h.round + 1, seed);
    if (next == (uint32_t)c->cfg.self) {
        (void)on_vote(c, &v, NULL);
        return;
    }
    buf_t enc;
    buf_init(&enc, 0);
    if (cons_vote_encode(&v, &enc) != 0) {
        buf_free(&enc);
        c->oom = true;
        return;
    }
    cons_out_t *o = out_data(c, CONS_OUT_SEND, &enc);
    if (o)
        o->to = next;
}

/* Validates and inserts b (takes ownership), then votes if it may. */
static int handle_block(cons_t *c, uint32_t from, cons_block_t *b, const cons_tc_t *tc, err_t *e)
{
    const cons_header_t *h = &b->h;
    int rc;
    if (h->chain_id != c->cfg.chain_id) {
        rc = err_set(e, CONS_EREJECT, "consensus: proposal for chain %llu",
                     (unsigned long long)h->chain_id);
        goto fail;
    }
    if (h->proposer >= c->n || h->round == 0 || h->height == 0 || h->round <= h->qc.round) {
        rc = err_set(e, CONS_EREJECT,
                     "consensus: proposal round %llu (qc %llu), height %llu, proposer %u invalid",
                     (unsigned long long)h->round, (unsigned long long)h->qc.round,
                     (unsigned long long)h->height, h->proposer);
        goto fail;
    }
    if ((rc = qc_check(c, &h->qc, e)) != 0) {
        err_prefix(e, "proposal of round %llu", (unsigned long long)h->round);
        goto fail;
    }
    if (tc) {
        if (tc->round + 1 != h->round) {
            rc = err_set(e, CONS_EREJECT, "consensus: proposal of round %llu carries a TC of round %llu",
                         (unsigned long long)h->round, (unsigned long long)tc->round);
            goto fail;
        }
        if ((rc = tc_check(c, tc, e)) != 0)
            goto fail;
    }
    process_qc(c, &h->qc);
    if (tc)
        process_tc(c, tc);
    if (find(c, &b->id)) {
        cons_block_free(b);
        return 0;
    }
    if (h->round <= c->committed_round) {
        cons_block_free(b);
        return 0;   /* old news (or a fork below the commit: never ours) */
    }
    /* signed by its proposer before we keep it, even while its parent is missing */
    uint8_t m[64];
    size_t mn = cons_proposal_msg(c->cfg.chain_id, &b->id, m);
    if (c->cr->verify(c->vs->keys, h->proposer, m, mn, b->sig, e) != 0) {
        rc = err_set(e, CONS_EBADSIG, "consensus: proposal signature of round %llu does not verify",
                     (unsigned long long)h->round);
        goto fail;
    }
    tnode_t *p = find(c, &h->qc.block_id);
    if (!p) {
        stash(c, from, b, tc);
        return 0;
    }
    if (h->round <= p->round || h->height != p->height + 1) {
        rc = err_set(e, CONS_EREJECT, "consensus: block round %llu height %llu does not follow its parent (round %llu height %llu)",
                     (unsigned long long)h->round, (unsigned long long)h->height,
                     (unsigned long long)p->round, (unsigned long long)p->height);
        goto fail;
    }
    uint8_t seed[32], alpha[53], beta[CONS_VRF_OUT_BYTES];
    uint32_t leader = leader_after(c, p, h->round, seed);
    if (leader != h->proposer) {
        rc = err_set(e, CONS_EREJECT, "consensus: validator %u is not the leader of round %llu (%u is)",
                     h->proposer, (unsigned long long)h->round, leader);
        goto fail;
    }
    cons_vrf_alpha(seed, h->round, alpha);
    if (c->cr->vrf_verify(c->vs->v[h->proposer].vrf_pk, alpha, sizeof alpha, h->vrf_proof, beta,
                          e) != 0) {
        rc = err_set(e, CONS_EBADSIG, "consensus: VRF proof of round %llu does not verify",
                     (unsigned long long)h->round);
        goto fail;
    }
    /* equivocation: a second, different proposal of this leader for this round */
    vseen_t *s = seen_find(c->props_seen, c->n_props_seen, h->round, h->proposer);
    if (s && !chain_hash_equal(&s->id, &b->id)) {
        cons_evidence_t ev = {.kind = CONS_EVIDENCE_PROPOSALS, .validator = h->proposer};
        ev.headers[0] = s->h;
        memcpy(ev.header_sigs[0], s->sig, CONS_SIG_BYTES);
        ev.headers[1] = *h;
        memcpy(ev.header_sigs[1], b->sig, CONS_SIG_BYTES);
        evidence_out(c, &ev);
    } else if (!s && (s = seen_add(c, &c->props_seen, &c->n_props_seen))) {
        s->round = h->round;
        s->who = h->proposer;
        s->id = b->id;
        s->h = *h;
        memcpy(s->sig, b->sig, CONS_SIG_BYTES);
        s->verified = true;
    }
    tnode_t *t = tree_add(c);
    if (!t) {
        cons_block_free(b);
        return err_set(e, CONS_ENOMEM, "consensus: out of memory");
    }
    t->b = b;
    t->id = b->id;
    t->round = h->round;
    t->height = h->height;
    t->parent = p;
    memcpy(t->seed, seed, 32);
    /* epoch accumulator of VRF outputs along this chain */
    uint8_t ain[13 + 32 + 64];
    memcpy(ain, "aether/acc/v1", 13);
    if (p->round / c->cfg.epoch_len == h->round / c->cfg.epoch_len)
        memcpy(ain + 13, p->acc, 32);
    else
        memset(ain + 13, 0, 32);
    memcpy(ain + 45, beta, 64);
    crypto_sha256(ain, sizeof ain, t->acc);
    buf_t enc;   /* durable before the vote below leaves */
    buf_init(&enc, 0);
    cons_put_block(&enc, b);
    cons_out_t *bo = out_data(c, CONS_OUT_BLOCK, &enc);
    if (bo)
        bo->round = t->round;
    if (chain_hash_equal(&c->hqc.block_id, &t->id)) {
        certify(c, t, &c->hqc);
        maybe_lead(c);
    }
    /* our round may be behind a valid QC/TC we just saw: process_* moved it */
    if (c->has_tc && c->tc.round + 1 == h->round && !tc)
        tc = &c->tc;
    if (!find(c, &t->id))
        return 0;   /* pruned by a commit above (cannot happen for a fresh child) */
    vote_for(c, t, tc);
    return 0;
fail:
    cons_block_free(b);
    return rc;
}

/* Retries stashed blocks whose parent is now known, oldest round first. */
static void drain_pending(cons_t *c)
{
    bool progress = true;
    while (progress) {
        progress = false;
        for (size_t i = 0; i < c->n_pend; i++) {
            if (!find(c, &c->pend[i].b->h.qc.block_id))
                continue;
            pending_t pd = c->pend[i];
            memmove(c->pend + i, c->pend + i + 1, (c->n_pend - i - 1) * sizeof *c->pend);
            c->n_pend--;
            (void)handle_block(c, pd.from, pd.b, pd.has_tc ? &pd.tc : NULL, NULL);
            progress = true;
            break;
        }
    }
}

/* ---- votes ---- */

static vcoll_t *vcoll_get(cons_t *c, uint64_t round, const chain_hash_t *id)
{
    for (size_t i = 0; i < c->n_vc; i++)
        if (c->vc[i].round == round && chain_hash_equal(&c->vc[i].id, id))
            return &c->vc[i];
    vcoll_t *p = realloc(c->vc, (c->n_vc + 1) * sizeof *p);
    if (!p)
        return NULL;
    c->vc = p;
    vcoll_t *v = &c->vc[c->n_vc];
    memset(v, 0, sizeof *v);
    v->sigs = calloc(c->n, CONS_SIG_BYTES);
    if (!v->sigs)
        return NULL;
    v->round = round;
    v->id = *id;
    c->n_vc++;
    return v;
}

static void vcoll_drop(cons_t *c, vcoll_t *v, uint32_t i)
{
    v->bm[i / 8] &= (uint8_t)~(1u << (i % 8));
    v->stake -= c->vs->v[i].stake;
    vseen_t *s = seen_find(c->votes_seen, c->n_votes_seen, v->round, i);
    if (s && chain_hash_equal(&s->id, &v->id))
        s->round = UINT64_MAX;   /* forget it: a bad signature is not a statement */
}

static void try_qc(cons_t *c, vcoll_t *v)
{
    uint8_t m[64];
    size_t mn = cons_vote_msg(c->cfg.chain_id, v->round, &v->id, m);
    for (int attempt = 0; attempt < 2 && !v->done; attempt++) {
        if (!cons_quorum(v->stake, c->vs->total))
            return;
        cons_qc_t qc = {.round = v->round, .block_id = v->id, .nb = bm_bytes(c->n)};
        memcpy(qc.bitmap, v->bm, CONS_BITMAP_BYTES);
        uint8_t(*sigs)[CONS_SIG_BYTES] = malloc((size_t)c->n * CONS_SIG_BYTES);
        if (!sigs) {
            c->oom = true;
            return;
        }
        size_t k = 0;
        for (uint32_t i = 0; i < c->n; i++)
            if (bm_get(v->bm, i))
                memcpy(sigs[k++], v->sigs[i], CONS_SIG_BYTES);
        int rc = c->cr->aggregate((const uint8_t (*)[CONS_SIG_BYTES])sigs, k, qc.sig, NULL);
        free(sigs);
        if (rc == 0 && cons_qc_verify(c->vs, c->cfg.chain_id, &c->cfg.genesis_id, &qc, NULL) == 0) {
            v->done = true;
            process_qc(c, &qc);
            return;
        }
        /* some vote is bad: check them one by one, drop the bad ones */
        for (uint32_t i = 0; i < c->n; i++)
            if (bm_get(v->bm, i) &&
                c->cr->verify(c->vs->keys, i, m, mn, v->sigs[i], NULL) != 0)
                vcoll_drop(c, v, i);
    }
}

static int on_vote(cons_t *c, const cons_vote_t *v, err_t *e)
{
    if (v->voter >= c->n)
        return err_set(e, CONS_EREJECT, "consensus: vote from %u, not a validator", v->voter);
    if (v->round <= c->hqc.round || v->round + 2 < c->round)
        return 0;   /* already certified or too old to matter */
    vseen_t *s = seen_find(c->votes_seen, c->n_votes_seen, v->round, v->voter);
    if (s) {
        if (chain_hash_equal(&s->id, &v->block_id))
            return 0;   /* duplicate */
        /* equivocation: evidence only from two valid signatures */
        uint8_t m[64];
        size_t mn = cons_vote_msg(c->cfg.chain_id, v->round, &v->block_id, m);
        if (c->cr->verify(c->vs->keys, v->voter, m, mn, v->sig, e) != 0)
            return err_set(e, CONS_EBADSIG, "consensus: vote of %u does not verify", v->voter);
        mn = cons_vote_msg(c->cfg.chain_id, s->round, &s->id, m);
        if (!s->verified && c->cr->verify(c->vs->keys, v->voter, m, mn, s->sig, NULL) != 0) {
            s->id = v->block_id;   /* the first one was a forgery: keep the real one */
            memcpy(s->sig, v->sig, CONS_SIG_BYTES);
            s->verified = true;
            return 0;
        }
        s->verified = true;
        cons_evidence_t ev = {.kind = CONS_EVIDENCE_VOTES, .validator = v->voter};
        ev.votes[0] = (cons_vote_t){.round = s->round, .block_id = s->id, .voter = v->voter};
        memcpy(ev.votes[0].sig, s->sig, CONS_SIG_BYTES);
        ev.votes[1] = *v;
        evidence_out(c, &ev);
        return 0;
    }
    s = seen_add(c, &c->votes_seen, &c->n_votes_seen);
    if (s) {
        s->round = v->round;
        s->who = v->voter;
        s->id = v->block_id;
        memcpy(s->sig, v->sig, CONS_SIG_BYTES);
    }
    vcoll_t *vc = vcoll_get(c, v->round, &v->block_id);
    if (!vc) {
        c->oom = true;
        return 0;
    }
    if (vc->done || bm_get(vc->bm, v->voter))
        return 0;
    bm_set(vc->bm, v->voter);
    vc->stake += c->vs->v[v->voter].stake;
    memcpy(vc->sigs[v->voter], v->sig, CONS_SIG_BYTES);
    try_qc(c, vc);
    return 0;
}

/* ---- timeouts ---- */

static tcoll_t *tcoll_get(cons_t *c, uint64_t round)
{
    for (size_t i = 0; i < c->n_tcs; i++)
        if (c->tcs[i].round == round)
            return &c->tcs[i];
    tcoll_t *p = realloc(c->tcs, (c->n_tcs + 1) * sizeof *p);
    if (!p)
        return NULL;
    c->tcs = p;
    tcoll_t *t = &c->tcs[c->n_tcs];
    memset(t, 0, sizeof *t);
    t->sigs = calloc(c->n, CONS_SIG_BYTES);
    t->hqc = calloc(c->n, sizeof *t->hqc);
    if (!t->sigs || !t->hqc) {
        free(t->sigs);
        free(t->hqc);
        return NULL;
    }
    t->round = round;
    c->n_tcs++;
    return t;
}

/* Our vote of the current round to everyone (Aptos: a timed-out validator
 * broadcasts its vote with its timeout). A vote goes to the next leader
 * only; when that leader is down, the round's block would stay uncertified
 * though every live validator voted for it, so each round with a live leader
 * before a dead one would be lost to a TC, with the timer backing off. With
 * the votes broadcast, every live validator forms the QC itself: the block
 * is certified, the round advances by QC and the back-off resets. Returns
 * whether it broadcast (the caller then counts the vote here too). */
static bool broadcast_my_vote(cons_t *c)
{
    if (!c->has_my_vote || c->my_vote.round != c->round)
        return false;
    buf_t b;
    buf_init(&b, 0);
    if (cons_vote_encode(&c->my_vote, &b) != 0) {
        buf_free(&b);
        c->oom = true;
        return false;
    }
    return out_data(c, CONS_OUT_BROADCAST, &b) != NULL;
}

/* Signs and broadcasts our timeout for the current round (once; later
 * expiries re-broadcast the same message), preceded by our vote of the round
 * if we cast one, so receivers count the vote before the timeout. */
static void local_timeout(cons_t *c)
{
    if (c->cfg.self < 0)
        return;
    if (broadcast_my_vote(c)) {
        /* counted after the timeout is out: a QC formed here advances the
         * round, and the timeout must be the one of the round that expired */
        cons_vote_t v = c->my_vote;
        local_timeout_signed(c);
        (void)on_vote(c, &v, NULL);
        return;
    }
    local_timeout_signed(c);
}

static void local_timeout_signed(cons_t *c)
{
    if (c->my_timeout_round != c->round) {
        uint64_t r = c->round;
        bool justified = r == c->hqc.round + 1 || (c->has_tc && r == c->tc.round + 1);
        if (r < c->lvr || !justified || c->hqc.round < c->locked)
            return;   /* Jolteon safe_to_timeout */
        uint8_t m[CONS_TIMEOUT_MSG_BYTES], sig[CONS_SIG_BYTES];
        size_t mn = cons_timeout_msg(c->cfg.chain_id, &c->cfg.genesis_id, r, c->hqc.round, m);
        if (c->cr->sign(c->cfg.bls_sk, m, mn, sig, NULL) != 0)
            return;
        if (r > c->lvr)
            c->lvr = r;
        persist(c);
        bool with_tc = c->has_tc && c->tc.round + 1 == r;
        buf_reset(&c->my_timeout);
        buf_append_byte(&c->my_timeout, CONS_MSG_TIMEOUT);
        buf_append_u64_le(&c->my_timeout, r);
        buf_append_u32_le(&c->my_timeout, (uint32_t)c->cfg.self);
        cons_put_qc(&c->my_timeout, &c->hqc);
        buf_append(&c->my_timeout, sig, CONS_SIG_BYTES);
        buf_append_byte(&c->my_timeout, with_tc);
        if (with_tc)
            cons_put_tc(&c->my_timeout, &c->tc);
        if (!buf_ok(&c->my_timeout)) {
            c->oom = true;
            return;
        }
        c->my_timeout_round = r;
        cons_qc_t hqc = c->hqc;
        buf_t b;
        buf_init(&b, 0);
        buf_append(&b, c->my_timeout.data, c->my_timeout.len);
        out_data(c, CONS_OUT_BROADCAST, &b);
        (void)on_timeout(c, r, (uint32_t)c->cfg.self, &hqc, sig, NULL, true, NULL);
        return;
    }
    buf_t b;   /* the timer expired again: re-send (messages may have been lost) */
    buf_init(&b, 0);
    buf_append(&b, c->my_timeout.data, c->my_timeout.len);
    out_data(c, CONS_OUT_BROADCAST, &b);
}

int cons_on_timer(cons_t *c, uint64_t round, err_t *e)
{
    outs_clear(c);
    c->oom = false;
    if (round != c->round)
        return step_end(c, 0, e);   /* stale */
    c->fires++;
    c->n_asked = 0;
    local_timeout(c);
    fetch_missing(c);
    arm_timer(c);
    return step_end(c, 0, e);
}

static void form_tc(cons_t *c, tcoll_t *t)
{
    cons_tc_t tc;
    memset(&tc, 0, sizeof tc);
    tc.round = t->round;
    tc.nb = bm_bytes(c->n);
    memcpy(tc.bitmap, t->bm, CONS_BITMAP_BYTES);
    uint8_t(*sigs)[CONS_SIG_BYTES] = malloc((size_t)c->n * CONS_SIG_BYTES);
    if (!sigs) {
        c->oom = true;
        return;
    }
    for (uint32_t i = 0; i < c->n; i++)
        if (bm_get(t->bm, i)) {
            tc.hqc_rounds[tc.n] = t->hqc[i];
            memcpy(sigs[tc.n++], t->sigs[i], CONS_SIG_BYTES);
        }
    tc.high_qc = t->high_qc;
    int rc = c->cr->aggregate((const uint8_t (*)[CONS_SIG_BYTES])sigs, tc.n, tc.sig, NULL);
    free(sigs);
    if (rc != 0)
        return;
    t->done = true;
    process_tc(c, &tc);
}

static int on_timeout(cons_t *c, uint64_t round, uint32_t signer, const cons_qc_t *hqc,
                      const uint8_t *sig, const cons_tc_t *tc, bool local, err_t *e)
{
    int rc;
    if (signer >= c->n)
        return err_set(e, CONS_EREJECT, "consensus: timeout from %u, not a validator", signer);
    if (hqc->round >= round)
        return err_set(e, CONS_EREJECT, "consensus: timeout of round %llu with a QC of round %llu",
                       (unsigned long long)round, (unsigned long long)hqc->round);
    if (tc && (rc = tc_check(c, tc, e)) != 0)
        return err_prefix(e, "timeout's TC");
    if ((rc = qc_check(c, hqc, e)) != 0)
        return err_prefix(e, "timeout's QC");
    if (tc)
        process_tc(c, tc);
    process_qc(c, hqc);
    if (round < c->round)
        return 0;
    tcoll_t *t = tcoll_get(c, round);
    if (!t) {
        c->oom = true;
        return 0;
    }
    if (t->done || bm_get(t->bm, signer))
        return 0;
    if (!local) {
        uint8_t m[CONS_TIMEOUT_MSG_BYTES];
        size_t mn = cons_timeout_msg(c->cfg.chain_id, &c->cfg.genesis_id, round, hqc->round, m);
        if (c->cr->verify(c->vs->keys, signer, m, mn, sig, e) != 0)
            return err_set(e, CONS_EBADSIG, "consensus: timeout of %u for round %llu does not verify",
                           signer, (unsigned long long)round);
    }
    bm_set(t->bm, signer);
    t->stake += c->vs->v[signer].stake;
    t->hqc[signer] = hqc->round;
    memcpy(t->sigs[signer], sig, CONS_SIG_BYTES);
    if (!t->has_high || hqc->round > t->high_qc.round) {
        t->high_qc = *hqc;
        t->has_high = true;
    }
    /* f+1: somebody honest timed out, join (Bracha amplification) */
    if (round == c->round && c->my_timeout_round != round &&
        (unsigned __int128)t->stake * 3 > (unsigned __int128)c->vs->total)
        local_timeout(c);
    if (!t->done && cons_quorum(t->stake, c->vs->total))
        form_tc(c, t);
    return 0;
}

/* ---- sync ---- */

static const uint8_t *block_bytes(cons_t *c, const chain_hash_t *id, size_t *len, buf_t *tmp,
                                  chain_hash_t *parent)
{
    tnode_t *t = find(c, id);
    if (t && t->b) {
        buf_reset(tmp);
        cons_put_block(tmp, t->b);
        if (!buf_ok(tmp))
            return NULL;
        *len = tmp->len;
        *parent = t->b->h.qc.block_id;
        return tmp->data;
    }
    for (size_t i = 0; i < RING; i++)
        if (c->ring[i].bytes && chain_hash_equal(&c->ring[i].id, id)) {
            *len = c->ring[i].len;
            /* parent id sits in the header's QC: offset 4+8+8+8+4+8 */
            memcpy(parent->b, c->ring[i].bytes + 40, 32);
            return c->ring[i].bytes;
        }
    return NULL;
}

static void on_sync_req(cons_t *c, uint32_t from, const chain_hash_t *id, uint32_t max)
{
    if (max > CONS_MAX_SYNC_BLOCKS)
        max = CONS_MAX_SYNC_BLOCKS;
    buf_t out, tmp;
    buf_init(&out, 0);
    buf_init(&tmp, 0);
    buf_append_byte(&out, CONS_MSG_SYNC_RESP);
    size_t count_at = out.len;
    buf_append_u32_le(&out, 0);
    uint32_t k = 0;
    chain_hash_t cur = *id, parent;
    while (k < max) {
        size_t len = 0;
        const uint8_t *p = block_bytes(c, &cur, &len, &tmp, &parent);
        if (!p)
            break;
        buf_append_u32_le(&out, (uint32_t)len);
        buf_append(&out, p, len);
        k++;
        cur = parent;
    }
    buf_free(&tmp);
    if (k == 0 || !buf_ok(&out)) {
        buf_free(&out);
        return;
    }
    out.data[count_at] = (uint8_t)k;
    out.data[count_at + 1] = (uint8_t)(k >> 8);
    cons_out_t *o = out_data(c, CONS_OUT_SEND, &out);
    if (o)
        o->to = from;
}

/* ---- message entry ---- */

int cons_on_message(cons_t *c, uint32_t from, const uint8_t *msg, size_t len, err_t *e)
{
    outs_clear(c);
    c->oom = false;
    if (!msg || len == 0)
        return err_set(e, CONS_EINVAL, "consensus: empty message");
    crd_t r;
    int rc = 0;
    switch (msg[0]) {
    case CONS_MSG_PROPOSAL: {
        crd_init(&r, msg + 1, len - 1, "proposal", e);
        cons_block_t *b = crd_block(&r);
        if (!b)
            return CONS_EINVAL;
        uint8_t has_tc = 0;
        cons_tc_t tc;
        if (!crd_u8(&r, &has_tc, "has tc") || has_tc > 1 || (has_tc && !crd_tc(&r, &tc)) ||
            !crd_end(&r)) {
            if (has_tc > 1)
                err_set(e, CONS_EINVAL, "consensus: proposal: has tc is %u", has_tc);
            cons_block_free(b);
            return CONS_EINVAL;
        }
        rc = handle_block(c, from, b, has_tc ? &tc : NULL, e);
        drain_pending(c);
        fetch_missing(c);
        break;
    }
    case CONS_MSG_VOTE: {
        crd_init(&r, msg + 1, len - 1, "vote", e);
        cons_vote_t v;
        if (!crd_u64(&r, &v.round, "round") || !crd_bytes(&r, v.block_id.b, 32, "block id") ||
            !crd_u32(&r, &v.voter, "voter") || !crd_bytes(&r, v.sig, CONS_SIG_BYTES, "sig") ||
            !crd_end(&r))
            return CONS_EINVAL;
        rc = on_vote(c, &v, e);
        break;
    }
    case CONS_MSG_TIMEOUT: {
        crd_init(&r, msg + 1, len - 1, "timeout", e);
        uint64_t round;
        uint32_t signer;
        cons_qc_t hqc;
        uint8_t sig[CONS_SIG_BYTES], has_tc = 0;
        cons_tc_t tc;
        if (!crd_u64(&r, &round, "round") || !crd_u32(&r, &signer, "signer") ||
            !crd_qc(&r, &hqc) || !crd_bytes(&r, sig, CONS_SIG_BYTES, "sig") ||
            !crd_u8(&r, &has_tc, "has tc") || has_tc > 1 || (has_tc && !crd_tc(&r, &tc)) ||
            !crd_end(&r)) {
            if (has_tc > 1)
                err_set(e, CONS_EINVAL, "consensus: timeout: has tc is %u", has_tc);
            return CONS_EINVAL;
        }
        rc = on_timeout(c, round, signer, &hqc, sig, has_tc ? &tc : NULL, false, e);
        break;
    }
    case CONS_MSG_SYNC_REQ: {
        crd_init(&r, msg + 1, len - 1, "sync request", e);
        chain_hash_t id;
        uint32_t max;
        if (!crd_bytes(&r, id.b, 32, "block id") || !crd_u32(&r, &max, "max blocks") ||
            !crd_end(&r))
            return CONS_EINVAL;
        on_sync_req(c, from, &id, max);
        break;
    }
    case CONS_MSG_SYNC_RESP: {
        crd_init(&r, msg + 1, len - 1, "sync response", e);
        uint32_t n;
        if (!crd_u32(&r, &n, "count"))
            return CONS_EINVAL;
        if (n == 0 || n > CONS_MAX_SYNC_BLOCKS)
            return err_set(e, CONS_EINVAL, "consensus: sync response with %u blocks", n);
        cons_block_t *bs[CONS_MAX_SYNC_BLOCKS] = {0};
        for (uint32_t i = 0; i < n; i++) {
            uint32_t bl;
            const uint8_t *p = NULL;
            if (crd_u32(&r, &bl, "block length"))
                p = crd_take(&r, bl, "block");
            if (p)
                bs[i] = cons_block_decode(p, bl, e);
            if (!bs[i]) {
                for (uint32_t j = 0; j < i; j++)
                    cons_block_free(bs[j]);
                return CONS_EINVAL;
            }
        }
        if (!crd_end(&r)) {
            for (uint32_t j = 0; j < n; j++)
                cons_block_free(bs[j]);
            return CONS_EINVAL;
        }
        /* oldest first; a failure stops (the rest would not connect) */
        uint32_t i = n;
        while (i > 0) {
            i--;
            rc = handle_block(c, from, bs[i], NULL, e);
            bs[i] = NULL;
            if (rc != 0)
                break;
        }
        for (uint32_t j = 0; j < n; j++)
            cons_block_free(bs[j]);
        drain_pending(c);
        fetch_missing(c);
        break;
    }
    case CONS_MSG_EVIDENCE:
        return err_set(e, CONS_EINVAL, "consensus: evidence is for the chain, not the core");
    default:
        return err_set(e, CONS_EINVAL, "consensus: unknown message kind %u", msg[0]);
    }
    return step_end(c, rc, e);
}

/* ---- introspection ---- */

uint64_t cons_round(const cons_t *c)
{
    return c->round;
}
uint64_t cons_committed_round(const cons_t *c)
{
    return c->committed_round;
}
uint64_t cons_committed_height(const cons_t *c)
{
    return c->committed_height;
}
uint64_t cons_last_voted_round(const cons_t *c)
{
    return c->lvr;
}
uint64_t cons_locked_round(const cons_t *c)
{
    return c->locked;
}
const cons_qc_t *cons_high_qc(const cons_t *c)
{
    return &c->hqc;
}
