/*
 * Deterministic consensus simulator: N validators (and optionally a full
 * node) run the real core (src/chain/consensus) over a simulated network in
 * simulated time. Everything random comes from one seed, so a failing seed
 * replays exactly.
 *
 * Network: every message gets a delay in [dmin, dmax] ms and may be dropped
 * (0-5%); partitions split the instances into groups (messages between
 * groups are lost), then heal. Crashes throw an instance's memory away
 * (core, timers, in-flight messages to it) and restart it later from what it
 * had made durable: the safety data of its last CONS_OUT_PERSIST and the
 * anchor of its last CONS_OUT_COMMIT. Twins (Bano et al., OPODIS 2021): a
 * second instance of validator 0 with the same keys and its own state, put
 * on the other side of partitions, so validator 0 equivocates with
 * unmodified code.
 *
 * Checks, on every commit: heights are consecutive per instance, each block
 * extends the instance's previous commit, and no two instances ever commit
 * different blocks at one height (safety, global and forever); a restarted
 * instance's last voted round never goes back; evidence objects verify and
 * appear only when a validator really equivocated (Twins). After the last
 * fault heals (and every crashed instance restarted), every honest instance
 * must commit at least 5 more blocks within calm_ms (liveness).
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/bls/bls.h"
#include "crypto/ecvrf/ecvrf.h"

#define MAXI 12

enum { EV_MSG, EV_TIMER, EV_CRASH, EV_RESTART, EV_PART, EV_HEAL };

typedef struct ev {
    uint64_t t, seq;
    int kind, dst;
    uint32_t inc, from;
    uint64_t round;
    uint8_t *data;
    size_t len;
    int groups[MAXI];
} ev_t;

typedef struct inst {
    int32_t vidx;          /* -1: full node */
    uint32_t handle;
    cons_t *core;
    bool up, byzantine;
    uint32_t inc;
    uint8_t *safety;
    size_t safety_len;
    bool has_anchor;
    cons_anchor_t anchor;
    uint64_t height;
    chain_hash_t last_id;
    uint64_t lvr_seen;
    int group;
    struct stored { uint64_t round; uint8_t *data; size_t len; } *blocks;   /* durable */
    size_t n_blocks;
} inst_t;

typedef struct sim {
    sim_opts_t o;
    sim_result_t *r;
    uint64_t rng;
    uint32_t n;
    cons_valset_t *vs;
    cons_config_t cfg;
    uint8_t bls_sk[MAXI][32], vrf_sk[MAXI][32];
    inst_t in[MAXI];
    int ni;
    ev_t *heap;
    size_t nh, caph;
    uint64_t now, seq;
    chain_hash_t *log;
    bool *log_set;
    uint8_t **log_bytes;     /* committed blocks by height (the chain store) */
    size_t *log_len;
    size_t log_cap;
    uint32_t drop_pm, chaos_drop_pm;
    uint64_t dmin, dmax, chaos_dmax;   /* chaos: during the fault window only */
    bool failed;
} sim_t;

static uint64_t rnd(sim_t *s)
{
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rr(sim_t *s, uint64_t lo, uint64_t hi)   /* [lo, hi] */
{
    return lo + rnd(s) % (hi - lo + 1);
}

static void violation(sim_t *s, const char *fmt, ...) BASE_PRINTF(2, 3);
static void violation(sim_t *s, const char *fmt, ...)
{
    if (s->r->safe) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->r->why, sizeof s->r->why, fmt, ap);
        va_end(ap);
    }
    s->r->safe = false;
}

/* ---- event heap ---- */

static bool ev_less(const ev_t *a, const ev_t *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void push(sim_t *s, ev_t *ev)
{
    if (s->nh == s->caph) {
        s->caph = s->caph ? s->caph * 2 : 1024;
        s->heap = realloc(s->heap, s->caph * sizeof *s->heap);
        if (!s->heap) {
            s->failed = true;
            return;
        }
    }
    ev->seq = s->seq++;
    size_t i = s->nh++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_less(ev, &s->heap[p]))
            break;
        s->heap[i] = s->heap[p];
        i = p;
    }
    s->heap[i] = *ev;
}

static ev_t pop(sim_t *s)
{
    ev_t top = s->heap[0];
    ev_t last = s->heap[--s->nh];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < s->nh && ev_less(&s->heap[l], &last))
            m = l;
        if (l + 1 < s->nh && ev_less(&s->heap[l + 1], m == i ? &last : &s->heap[l]))
            m = l + 1;
        if (m == i)
            break;
        s->heap[i] = s->heap[m];
        i = m;
    }
    if (s->nh)
        s->heap[i] = last;
    return top;
}

/* ---- network ---- */

static void deliver(sim_t *s, int from, int to, const uint8_t *data, size_t len)
{
    if (!s->in[to].up || s->in[from].group != s->in[to].group)
        return;
    bool chaos = s->chaos_dmax && s->now < s->o.fault_ms;
    uint32_t drop = chaos ? s->chaos_drop_pm : s->drop_pm;
    if (drop && rr(s, 0, 999) < drop)
        return;
    ev_t ev = {.t = s->now + rr(s, s->dmin, chaos ? s->chaos_dmax : s->dmax), .kind = EV_MSG,
               .dst = to,
               .inc = s->in[to].inc, .from = s->in[from].handle, .len = len};
    ev.data = malloc(len);
    if (!ev.data) {
        s->failed = true;
        return;
    }
    memcpy(ev.data, data, len);
    push(s, &ev);
}

/* ---- checks ---- */

static void on_commit(sim_t *s, int i, const cons_out_t *o)
{
    inst_t *in = &s->in[i];
    s->r->commits++;
    err_t e = {0};
    cons_block_t *b = cons_block_decode(o->data, o->len, &e);
    if (!b) {
        violation(s, "inst %d committed an undecodable block: %s", i, e.msg);
        return;
    }
    uint64_t h = o->anchor.height;
    if (h != in->height + 1)
        violation(s, "inst %d committed height %llu after %llu", i, (unsigned long long)h,
                  (unsigned long long)in->height);
    if (!chain_hash_equal(&b->h.qc.block_id, &in->last_id))
        violation(s, "inst %d: committed block at height %llu does not extend its previous commit",
                  i, (unsigned long long)h);
    if (!chain_hash_equal(&b->id, &o->anchor.id) || b->h.height != h ||
        !chain_hash_equal(&o->anchor.qc.block_id, &b->id))
        violation(s, "inst %d: commit output inconsistent at height %llu", i,
                  (unsigned long long)h);
    if (h >= s->log_cap) {
        size_t nc = s->log_cap ? s->log_cap * 2 : 1024;
        while (nc <= h)
            nc *= 2;
        s->log = realloc(s->log, nc * sizeof *s->log);
        s->log_set = realloc(s->log_set, nc * sizeof *s->log_set);
        s->log_bytes = realloc(s->log_bytes, nc * sizeof *s->log_bytes);
        s->log_len = realloc(s->log_len, nc * sizeof *s->log_len);
        if (!s->log || !s->log_set || !s->log_bytes || !s->log_len) {
            s->failed = true;
            cons_block_free(b);
            return;
        }
        memset(s->log_set + s->log_cap, 0, (nc - s->log_cap) * sizeof *s->log_set);
        memset(s->log_bytes + s->log_cap, 0, (nc - s->log_cap) * sizeof *s->log_bytes);
        s->log_cap = nc;
    }
    if (s->log_set[h] && !chain_hash_equal(&s->log[h], &b->id))
        violation(s, "SAFETY: conflicting commits at height %llu (inst %d)", (unsigned long long)h,
                  i);
    s->log[h] = b->id;
    if (!s->log_set[h]) {
        s->log_bytes[h] = malloc(o->len);
        if (s->log_bytes[h])
            memcpy(s->log_bytes[h], o->data, o->len);
        s->log_len[h] = o->len;
    }
    s->log_set[h] = true;
    if (h > s->r->max_height)
        s->r->max_height = h;
    in->height = h;
    in->last_id = b->id;
    in->anchor = o->anchor;
    in->has_anchor = true;
    cons_block_free(b);
}

static void on_evidence(sim_t *s, int i, const cons_out_t *o)
{
    cons_evidence_t ev;
    err_t e = {0};
    s->r->evidence++;
    if (cons_evidence_decode(o->data, o->len, &ev, &e) != 0) {
        violation(s, "inst %d emitted undecodable evidence: %s", i, e.msg);
        return;
    }
    if (cons_evidence_verify(s->vs, s->cfg.chain_id, &ev, &e) != 0) {
        violation(s, "inst %d emitted evidence that does not verify: %s", i, e.msg);
        return;
    }
    bool byz = false;
    for (int j = 0; j < s->ni; j++)
        if (s->in[j].byzantine && s->in[j].vidx == (int32_t)ev.validator)
            byz = true;
    if (!byz)
        violation(s, "inst %d accuses honest validator %u", i, ev.validator);
}

static void outputs(sim_t *s, int i);

/* What chain/node does with its block store: a sync request for a committed
 * block the core no longer holds (it restarted from an anchor, or the block
 * left its ring) is answered from the committed chain. */
static void host_sync(sim_t *s, int i, const ev_t *ev)
{
    size_t n;
    const cons_out_t *o = cons_outputs(s->in[i].core, &n);
    for (size_t k = 0; k < n; k++)
        if (o[k].kind == CONS_OUT_SEND && o[k].to == ev->from)
            return;   /* the core answered */
    if (ev->len != 1 + 32 + 4)
        return;
    chain_hash_t id;
    memcpy(id.b, ev->data + 1, 32);
    uint64_t h = 0;
    for (uint64_t k = s->in[i].height; k >= 1 && k < s->log_cap; k--)
        if (s->log_set[k] && chain_hash_equal(&s->log[k], &id)) {
            h = k;
            break;
        }
    if (!h)
        return;
    buf_t b;
    buf_init(&b, 0);
    buf_append_byte(&b, CONS_MSG_SYNC_RESP);
    uint32_t cnt = 0;
    for (uint64_t k = h; k >= 1 && cnt < CONS_MAX_SYNC_BLOCKS; k--)
        cnt++;
    buf_append_u32_le(&b, cnt);
    for (uint64_t k = h; k >= 1 && k + cnt > h; k--) {
        buf_append_u32_le(&b, (uint32_t)s->log_len[k]);
        buf_append(&b, s->log_bytes[k], s->log_len[k]);
    }
    if (buf_ok(&b))
        for (int j = 0; j < s->ni; j++)
            if (j != i && s->in[j].handle == ev->from)
                deliver(s, i, j, b.data, b.len);
    buf_free(&b);
}

static void propose(sim_t *s, int i, uint64_t round)
{
    uint8_t payload[48];
    int n = snprintf((char *)payload, sizeof payload, "seed %llu inst %d round %llu",
                     (unsigned long long)s->o.seed, i, (unsigned long long)round);
    err_t e = {0};
    if (cons_propose(s->in[i].core, round, payload, (size_t)n, &e) != 0) {
        if (s->o.verbose)
            fprintf(stderr, "  t=%llu inst %d propose r%llu: %s\n", (unsigned long long)s->now, i,
                    (unsigned long long)round, e.msg);
        return;
    }
    outputs(s, i);
}

static void outputs(sim_t *s, int i)
{
    inst_t *in = &s->in[i];
    size_t n;
    const cons_out_t *o = cons_outputs(in->core, &n);
    uint64_t lead = 0;
    /* the 2-chain rule, checked on every batch of commits: the last block
     * committed is the parent of the block the commit QC certifies, one round
     * below it; earlier ones are its ancestors */
    size_t last_commit = n;
    for (size_t k = 0; k < n; k++)
        if (o[k].kind == CONS_OUT_COMMIT)
            last_commit = k;
    if (last_commit < n && o[last_commit].round + 1 != o[last_commit].qc.round)
        violation(s, "inst %d committed round %llu on a QC of round %llu (not the next round)", i,
                  (unsigned long long)o[last_commit].round,
                  (unsigned long long)o[last_commit].qc.round);
    for (size_t k = 0; k < n; k++) {
        switch (o[k].kind) {
        case CONS_OUT_PERSIST:
            free(in->safety);
            in->safety = malloc(o[k].len);
            if (!in->safety) {
                s->failed = true;
                return;
            }
            memcpy(in->safety, o[k].data, o[k].len);
            in->safety_len = o[k].len;
            break;
        case CONS_OUT_BROADCAST:
            for (int j = 0; j < s->ni; j++)
                if (j != i)
                    deliver(s, i, j, o[k].data, o[k].len);
            break;
        case CONS_OUT_SEND:
            if (s->o.verbose && getenv("SIM_TRACE_SEND"))
                fprintf(stderr, "  t=%llu inst %d SEND kind %u to %u len %zu\n",
                        (unsigned long long)s->now, i, o[k].data[0], o[k].to, o[k].len);
            for (int j = 0; j < s->ni; j++)
                if (j != i && s->in[j].handle == o[k].to)
                    deliver(s, i, j, o[k].data, o[k].len);
            break;
        case CONS_OUT_TIMER: {
            ev_t ev = {.t = s->now + o[k].ms, .kind = EV_TIMER, .dst = i, .inc = in->inc,
                       .round = o[k].round};
            push(s, &ev);
            break;
        }
        case CONS_OUT_NEED_PAYLOAD:
            lead = o[k].round;
            break;
        case CONS_OUT_COMMIT:
            on_commit(s, i, &o[k]);
            break;
        case CONS_OUT_EVIDENCE:
            on_evidence(s, i, &o[k]);
            break;
        case CONS_OUT_BLOCK: {
            struct stored *p = realloc(in->blocks, (in->n_blocks + 1) * sizeof *p);
            uint8_t *d = malloc(o[k].len);
            if (!p || !d) {
                free(d);
                s->failed = true;
                return;
            }
            in->blocks = p;
            memcpy(d, o[k].data, o[k].len);
            p[in->n_blocks++] = (struct stored){o[k].round, d, o[k].len};
            break;
        }
        }
    }
    uint64_t lvr = cons_last_voted_round(in->core);
    if (lvr < in->lvr_seen)
        violation(s, "inst %d: last voted round went back from %llu to %llu", i,
                  (unsigned long long)in->lvr_seen, (unsigned long long)lvr);
    in->lvr_seen = lvr;
    if (cons_round(in->core) > s->r->rounds)
        s->r->rounds = cons_round(in->core);
    if (lead)
        propose(s, i, lead);
}

/* ---- lifecycle ---- */

static cons_config_t inst_cfg(sim_t *s, int i)
{
    cons_config_t c = s->cfg;
    c.self = s->in[i].vidx;
    if (c.self >= 0) {
        memcpy(c.bls_sk, s->bls_sk[c.self], 32);
        memcpy(c.vrf_sk, s->vrf_sk[c.self], 32);
    }
    return c;
}

static void start(sim_t *s, int i)
{
    inst_t *in = &s->in[i];
    cons_config_t c = inst_cfg(s, i);
    err_t e = {0};
    in->core = cons_new(&c, s->vs, in->has_anchor ? &in->anchor : NULL, in->safety,
                        in->safety_len, &e);
    if (!in->core) {
        violation(s, "inst %d cannot restart: %s", i, e.msg);
        return;
    }
    in->up = true;
    /* durable blocks above the anchor, oldest first (drop the rest) */
    uint64_t floor = in->has_anchor ? in->anchor.round : 0;
    size_t k = 0;
    for (size_t j = 0; j < in->n_blocks; j++) {
        if (in->blocks[j].round > floor)
            in->blocks[k++] = in->blocks[j];
        else
            free(in->blocks[j].data);
    }
    in->n_blocks = k;
    struct stored *old = in->blocks;
    size_t nold = in->n_blocks;
    in->blocks = NULL;
    in->n_blocks = 0;
    for (uint64_t pass = 0; pass < nold; pass++) {   /* increasing round */
        size_t best = SIZE_MAX;
        for (size_t j = 0; j < nold; j++)
            if (old[j].data && (best == SIZE_MAX || old[j].round < old[best].round))
                best = j;
        if (best == SIZE_MAX)
            break;
        err_t re = {0};
        if (cons_restore(in->core, old[best].data, old[best].len, &re) != 0 && s->o.verbose)
            fprintf(stderr, "  inst %d restore: %s\n", i, re.msg);
        outputs(s, i);   /* re-stores it, may commit */
        free(old[best].data);
        old[best].data = NULL;
    }
    free(old);
    if (cons_last_voted_round(in->core) < in->lvr_seen)
        violation(s, "inst %d restarted with last voted round %llu < %llu", i,
                  (unsigned long long)cons_last_voted_round(in->core),
                  (unsigned long long)in->lvr_seen);
    if (cons_start(in->core, &e) != 0) {
        violation(s, "inst %d: start: %s", i, e.msg);
        return;
    }
    outputs(s, i);
}

static void crash(sim_t *s, int i)
{
    inst_t *in = &s->in[i];
    if (!in->up)
        return;
    cons_free(in->core);
    in->core = NULL;
    in->up = false;
    in->inc++;
}

static int setup(sim_t *s)
{
    const sim_opts_t *o = &s->o;
    s->rng = o->seed * 0x2545f4914f6cdd1dull + 1;
    s->n = o->n ? o->n : (uint32_t)rr(s, 4, 7);
    if (s->n > 8)
        s->n = 8;
    const cons_crypto_t *cr = o->real_crypto ? &cons_crypto_bls : &sim_crypto_test;
    cons_validator_t v[MAXI];
    for (uint32_t i = 0; i < s->n; i++) {
        uint8_t ikm[32];
        for (int j = 0; j < 32; j++)
            ikm[j] = (uint8_t)rnd(s);
        err_t e = {0};
        if (o->real_crypto) {
            if (bls_keygen(s->bls_sk[i], ikm, 32, NULL, 0, NULL, 0, &e) != 0)
                return -1;
        } else {
            memcpy(s->bls_sk[i], ikm, 32);
        }
        for (int j = 0; j < 32; j++)
            s->vrf_sk[i][j] = (uint8_t)rnd(s);
        if (cr->sk_to_pk(s->bls_sk[i], v[i].bls_pk, &e) != 0 ||
            cr->vrf_sk_to_pk(s->vrf_sk[i], v[i].vrf_pk, &e) != 0)
            return -1;
        v[i].stake = rr(s, 1, 5);
    }
    if (o->mode == SIM_TWINS) {
        v[0].stake = 1;   /* the equivocator holds < 1/3 of the stake */
        if (rr(s, 0, 1))  /* equal stakes: the twins lead 1/n of the rounds */
            for (uint32_t i = 1; i < s->n; i++)
                v[i].stake = 1;
    }
    err_t e = {0};
    s->vs = cons_valset_new(cr, v, s->n, &e);
    if (!s->vs) {
        fprintf(stderr, "sim: %s\n", e.msg);
        return -1;
    }
    memset(&s->cfg, 0, sizeof s->cfg);
    s->cfg.chain_id = 7 + o->seed % 3;
    s->cfg.epoch_len = 10;
    s->cfg.base_timeout_ms = 300;
    s->cfg.max_timeout_ms = 3000;
    uint8_t gin[16];
    memcpy(gin, "sim-genesis", 11);
    for (int j = 0; j < 5; j++)
        gin[11 + j] = (uint8_t)(o->seed >> (8 * j));
    crypto_sha256(gin, sizeof gin, s->cfg.genesis_id.b);
    crypto_sha256(s->cfg.genesis_id.b, 32, s->cfg.genesis_seed);
    /* instances */
    s->ni = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        inst_t *in = &s->in[s->ni++];
        memset(in, 0, sizeof *in);
        in->vidx = (int32_t)i;
        in->handle = i;
    }
    if (o->mode == SIM_TWINS) {
        inst_t *in = &s->in[s->ni++];
        memset(in, 0, sizeof *in);
        in->vidx = 0;
        in->handle = 0;
        in->byzantine = true;
        s->in[0].byzantine = true;
    }
    if (o->full_node) {
        inst_t *in = &s->in[s->ni++];
        memset(in, 0, sizeof *in);
        in->vidx = -1;
        in->handle = s->n;
    }
    for (int i = 0; i < s->ni; i++)
        s->in[i].last_id = s->cfg.genesis_id;
    /* network */
    s->dmin = rr(s, 1, 10);
    s->dmax = s->dmin + rr(s, 5, 50);
    s->drop_pm = rr(s, 0, 3) == 0 ? 0 : (uint32_t)rr(s, 0, 50);
    /* a third of the seeds: during the faults, delays up to about the round
     * timeout and up to 20% loss, so QCs and TCs race each other */
    if (rr(s, 0, 2) == 0) {
        s->chaos_dmax = s->dmin + rr(s, 100, 600);
        s->chaos_drop_pm = (uint32_t)rr(s, 0, 200);
    }
    return 0;
}

static void schedule_faults(sim_t *s)
{
    const sim_opts_t *o = &s->o;
    uint64_t F = o->fault_ms;
    int nparts = (int)rr(s, 0, 3);
    bool flicker = o->mode == SIM_TWINS && rr(s, 0, 1);
    if (o->mode == SIM_TWINS)   /* Twins: partitions that change about every round */
        nparts = flicker ? (int)rr(s, 10, 40) : (int)rr(s, 1, 4);
    for (int p = 0; p < nparts; p++) {
        uint64_t t0 = rr(s, 0, F > 200 ? F - 200 : 0);
        uint64_t d = flicker ? rr(s, 30, 400) : rr(s, 100, 3000);
        if (t0 + d > F)
            d = F - t0;
        ev_t ev = {.t = t0, .kind = EV_PART};
        int ng = (int)rr(s, 2, 3);
        for (int i = 0; i < s->ni; i++)
            ev.groups[i] = (int)rr(s, 0, (uint64_t)ng - 1);
        if (o->mode == SIM_TWINS) {   /* twins on different sides */
            int tw = s->ni - 1 - (o->full_node ? 1 : 0);
            if (ev.groups[tw] == ev.groups[0])
                ev.groups[tw] = (ev.groups[0] + 1) % ng;
        }
        push(s, &ev);
        ev_t h = {.t = t0 + d, .kind = EV_HEAL};
        push(s, &h);
    }
    ev_t heal = {.t = F, .kind = EV_HEAL};
    push(s, &heal);
    int ncrash = (int)rr(s, 0, 2);
    for (int k = 0; k < ncrash; k++) {
        int i = (int)rr(s, 0, (uint64_t)s->ni - 1);
        uint64_t t0 = rr(s, 0, F > 100 ? F - 100 : 0);
        uint64_t back = t0 + rr(s, 50, 2000);
        if (back > F)
            back = F;
        ev_t c = {.t = t0, .kind = EV_CRASH, .dst = i};
        push(s, &c);
        ev_t r = {.t = back, .kind = EV_RESTART, .dst = i};
        push(s, &r);
    }
    if (o->all_crash) {
        uint64_t t0 = F / 2;
        for (int i = 0; i < s->ni; i++) {
            ev_t c = {.t = t0, .kind = EV_CRASH, .dst = i};
            push(s, &c);
            ev_t r = {.t = t0 + rr(s, 10, 500), .kind = EV_RESTART, .dst = i};
            push(s, &r);
        }
    }
}

int sim_run(const sim_opts_t *o, sim_result_t *res)
{
    sim_t *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    memset(res, 0, sizeof *res);
    res->safe = true;
    s->o = *o;
    if (!s->o.fault_ms)
        s->o.fault_ms = 5000;
    if (!s->o.calm_ms)
        s->o.calm_ms = 15000;
    s->r = res;
    int rc = setup(s);
    if (rc == 0) {
        schedule_faults(s);
        for (int i = 0; i < s->ni; i++)
            start(s, i);
        uint64_t end = s->o.fault_ms + s->o.calm_ms, healed_height = 0;
        bool at_heal = false;
        uint64_t *h0 = calloc((size_t)s->ni, sizeof *h0);
        while (s->nh && !s->failed && res->safe) {
            if (res->events > 2000000) {
                violation(s, "RUNAWAY: over 2,000,000 events");
                break;
            }
            if (!at_heal && s->heap[0].t > s->o.fault_ms) {
                at_heal = true;
                healed_height = res->max_height;
                for (int i = 0; i < s->ni; i++)
                    h0[i] = s->in[i].height;
            }
            if (s->heap[0].t > end)
                break;
            ev_t ev = pop(s);
            s->now = ev.t;
            res->events++;
            inst_t *in = ev.dst >= 0 && ev.dst < s->ni ? &s->in[ev.dst] : NULL;
            err_t e = {0};
            switch (ev.kind) {
            case EV_MSG:
                if (in->up && in->inc == ev.inc) {
                    int mrc = cons_on_message(in->core, ev.from, ev.data, ev.len, &e);
                    if (mrc != 0 && s->o.verbose)
                        fprintf(stderr, "  t=%llu inst %d from %u kind %u: %s\n",
                                (unsigned long long)s->now, ev.dst, ev.from, ev.data[0], e.msg);
                    if (ev.data[0] == CONS_MSG_SYNC_REQ)
                        host_sync(s, ev.dst, &ev);
                    outputs(s, ev.dst);
                }
                free(ev.data);
                break;
            case EV_TIMER:
                if (in->up && in->inc == ev.inc) {
                    if (ev.round == cons_round(in->core) && ev.round > 1)
                        res->tcs_rounds++;
                    (void)cons_on_timer(in->core, ev.round, &e);
                    if (s->o.verbose) {
                        size_t no;
                        cons_outputs(in->core, &no);
                        fprintf(stderr, "  t=%llu inst %d timer r%llu (round %llu): %zu outputs\n",
                                (unsigned long long)s->now, ev.dst, (unsigned long long)ev.round,
                                (unsigned long long)cons_round(in->core), no);
                    }
                    outputs(s, ev.dst);
                }
                break;
            case EV_CRASH:
                crash(s, ev.dst);
                break;
            case EV_RESTART:
                if (!in->up) {
                    res->restarts++;
                    start(s, ev.dst);
                }
                break;
            case EV_PART:
                for (int i = 0; i < s->ni; i++)
                    s->in[i].group = ev.groups[i];
                break;
            case EV_HEAL:
                for (int i = 0; i < s->ni; i++)
                    s->in[i].group = 0;
                break;
            }
        }
        if (s->o.verbose)
            for (int i = 0; i < s->ni; i++)
                fprintf(stderr, "  end t=%llu inst %d: up %d round %llu hqc %llu locked %llu height %llu lvr %llu heap %zu\n",
                        (unsigned long long)s->now, i, s->in[i].up,
                        s->in[i].core ? (unsigned long long)cons_round(s->in[i].core) : 0ull,
                        s->in[i].core ? (unsigned long long)cons_high_qc(s->in[i].core)->round : 0ull,
                        s->in[i].core ? (unsigned long long)cons_locked_round(s->in[i].core) : 0ull,
                        (unsigned long long)s->in[i].height,
                        (unsigned long long)s->in[i].lvr_seen, s->nh);
        res->live = true;
        for (int i = 0; i < s->ni && h0; i++) {
            if (s->o.mode == SIM_TWINS)
                break;   /* Twins checks safety only */
            uint64_t need = h0[i] > healed_height ? h0[i] : healed_height;
            if (s->in[i].height < need + 5) {
                res->live = false;
                if (!res->why[0])
                    snprintf(res->why, sizeof res->why,
                             "LIVENESS: inst %d at height %llu, %llu committed before healing",
                             i, (unsigned long long)s->in[i].height,
                             (unsigned long long)healed_height);
            }
        }
        free(h0);
        if (s->failed)
            rc = -1;
    }
    for (int i = 0; i < s->ni; i++) {
        cons_free(s->in[i].core);
        free(s->in[i].safety);
        for (size_t j = 0; j < s->in[i].n_blocks; j++)
            free(s->in[i].blocks[j].data);
        free(s->in[i].blocks);
    }
    for (size_t i = 0; i < s->nh; i++)
        free(s->heap[i].data);
    free(s->heap);
    for (size_t h = 0; h < s->log_cap; h++)
        if (s->log_set && s->log_set[h])
            free(s->log_bytes[h]);
    free(s->log);
    free(s->log_set);
    free(s->log_bytes);
    free(s->log_len);
    cons_valset_free(s->vs);
    free(s);
    return rc;
}
