/* Unit tests of chain/bft snapshots (snap.c) and of the engine's restart
 * and sync paths, with 4 validator engines (and a full node) in process:
 * every frame an engine sends goes through the test's send hook and is
 * delivered to the addressed engines (bft_engine_deliver), so the test
 * decides what arrives, when, and in which batch.
 *   - validators write proven snapshots; a fresh full node restores from one
 *     over SNAP_GET / SNAP_DATA, then follows with the same blocks and the
 *     same epoch seed and VRF accumulator as the validators;
 *   - the proof of a snapshot verifies, and refuses a wrong seed, an altered
 *     tip header, a missing epoch header, a bad commit QC;
 *   - a lagging node that gets sync records and then, in the same batch, a
 *     proposal that makes its stale core commit the synced heights does not
 *     halt (it did: "the descendants of committed height N are not kept"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "chain/bft/bft.h"
#include "chain/bft/internal.h"   /* frame types */
#include "fixture.h"

#define NV 4
#define FULL NV   /* the full node's handle on every validator */

typedef struct frame {
    struct frame *next;
    uint32_t from, to;   /* handles */
    uint8_t type;
    size_t len;
    uint8_t data[];
} frame_t;

typedef struct cluster cluster_t;
typedef struct member {
    cluster_t *cl;
    uint32_t handle;
    node_t *n;
    node_engine_t eng;
    bool up;
    bool hold;           /* frames to it are kept in held, not delivered */
} member_t;

struct cluster {
    fixture_t f;
    member_t m[NV + 1];
    frame_t *q, *q_tail;
    frame_t *held, *held_tail;
    unsigned snap_data_to_full;   /* SNAP_DATA frames with bytes, to the full node */
};

static void push(frame_t **head, frame_t **tail, frame_t *fr)
{
    fr->next = NULL;
    if (*tail)
        (*tail)->next = fr;
    else
        *head = fr;
    *tail = fr;
}

static void hook(void *ud, uint32_t to, uint8_t type, const uint8_t *body, size_t len)
{
    member_t *me = ud;
    cluster_t *cl = me->cl;
    for (uint32_t h = 0; h <= NV; h++) {
        if (h == me->handle || !cl->m[h].up)
            continue;
        bool hit = to == h || to == BFT_TO_ALL || (to == BFT_TO_VALIDATORS && h < NV);
        if (!hit)
            continue;
        frame_t *fr = malloc(sizeof *fr + (len ? len : 1));
        assert_non_null(fr);
        fr->from = me->handle;
        fr->to = h;
        fr->type = type;
        fr->len = len;
        memcpy(fr->data, body, len);
        if (h == FULL && type == F_SNAP_DATA && len > 56)
            cl->snap_data_to_full++;
        if (cl->m[h].hold)
            push(&cl->held, &cl->held_tail, fr);
        else
            push(&cl->q, &cl->q_tail, fr);
    }
}

static void member_start(cluster_t *cl, uint32_t h, const char *name, const node_key_t *key,
                         uint64_t interval, uint64_t threshold)
{
    member_t *m = &cl->m[h];
    m->cl = cl;
    m->handle = h;
    m->n = open_node(&cl->f, name, key);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s.snaps", tmpdir, name);
    bft_config_t bc = {.genesis = &cl->f.g, .key = key, .on_send = hook, .on_send_ud = m,
                       .idle_block_ms = 5, .snapshot_dir = dir, .snapshot_interval = interval,
                       .snapshot_threshold = threshold};
    err_t e = {0};
    if (bft_engine_new(m->n, &bc, &m->eng, &e) != 0)
        fail_msg("bft_engine_new: %s", e.msg);
    m->up = true;
}

static void start_validators(cluster_t *cl, const char *prefix, uint64_t interval)
{
    for (uint32_t i = 0; i < NV; i++) {
        char name[16];
        snprintf(name, sizeof name, "%s%u", prefix, i);
        member_start(cl, i, name, &cl->f.val[i], interval, 0);
    }
}

static void member_stop(member_t *m)
{
    if (!m->up)
        return;
    m->eng.destroy(m->eng.self);
    node_close(m->n);
    m->up = false;
}

static void drop_all(frame_t **head, frame_t **tail)
{
    for (frame_t *fr = *head; fr;) {
        frame_t *next = fr->next;
        free(fr);
        fr = next;
    }
    *head = *tail = NULL;
}

/* Ticks every engine and delivers the frames they sent, for ms. */
static void pump(cluster_t *cl, uint64_t ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        for (uint32_t h = 0; h <= NV; h++)
            if (cl->m[h].up)
                (void)cl->m[h].eng.tick(cl->m[h].eng.self, cl->m[h].n, 0);
        frame_t *fr = cl->q;
        cl->q = cl->q_tail = NULL;
        while (fr) {
            frame_t *next = fr->next;
            if (cl->m[fr->to].up)
                bft_engine_deliver(&cl->m[fr->to].eng, fr->from, fr->type, fr->data, fr->len);
            free(fr);
            fr = next;
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((uint64_t)(t.tv_sec - t0.tv_sec) * 1000 + (uint64_t)(t.tv_nsec - t0.tv_nsec) / 1000000 >=
            ms)
            break;
        usleep(500);
    }
}

static uint64_t tip_of(member_t *m)
{
    chain_header_t h;
    return chain_state_tip(node_state(m->n), &h, NULL, NULL) == 0 ? h.height : 0;
}

/* Pumps until cond(cl) or the deadline (seconds). */
static bool pump_until(cluster_t *cl, bool (*cond)(cluster_t *), int secs)
{
    for (int i = 0; i < secs * 20; i++) {
        if (cond(cl))
            return true;
        pump(cl, 50);
    }
    return cond(cl);
}

static uint64_t newest_snapshot(const char *name)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s.snaps", tmpdir, name);
    return bft_snapshot_newest(dir);
}

static bool has_snapshot(cluster_t *cl)
{
    return newest_snapshot("v0") >= 20 && tip_of(&cl->m[0]) >= 25;
}

static void cluster_init(cluster_t *cl, uint64_t timeout_ms)
{
    memset(cl, 0, sizeof *cl);
    fixture_init(&cl->f, timeout_ms);
}

static void cluster_free(cluster_t *cl)
{
    for (uint32_t h = 0; h <= NV; h++)
        member_stop(&cl->m[h]);
    drop_all(&cl->q, &cl->q_tail);
    drop_all(&cl->held, &cl->held_tail);
    fixture_free(&cl->f);
}

static bool read_anchor(member_t *m, cons_anchor_t *a)
{
    uint8_t *v = NULL;
    size_t vl = 0;
    bool ok = chain_state_meta_get(node_state(m->n), "c/anchor", 8, &v, &vl, NULL) == 0 &&
              bft_anchor_decode(v, vl, a, NULL) == 0;
    free(v);
    return ok;
}

static bool full_caught_up(cluster_t *cl)
{
    return tip_of(&cl->m[FULL]) + 2 >= tip_of(&cl->m[0]) && tip_of(&cl->m[FULL]) > 25;
}

static void test_restore_from_peer_snapshot(void **state)
{
    (void)state;
    cluster_t cl;
    cluster_init(&cl, 400);
    start_validators(&cl, "v", 10);
    assert_true(pump_until(&cl, has_snapshot, 60));
    uint64_t snap_h = newest_snapshot("v0");

    /* a fresh full node far behind: restores from a snapshot, then follows */
    member_start(&cl, FULL, "full", NULL, 10, 8);
    assert_true(pump_until(&cl, full_caught_up, 60));
    uint64_t base = 0;
    assert_int_equal(chain_state_base_height(node_state(cl.m[FULL].n), &base, NULL), 0);
    assert_true(base >= snap_h - 10 && base >= 10);   /* restored, not replayed */
    chain_block_t *b = NULL;
    assert_int_equal(chain_state_get_block(node_state(cl.m[FULL].n), base - 1, &b, NULL),
                     CHAIN_ENOTFOUND);

    /* it keeps following across epochs (10 rounds each) with the validators'
     * epoch seed and accumulator: compared whenever both are at one height */
    uint64_t target = tip_of(&cl.m[FULL]) + 25;
    int compared = 0;
    for (int i = 0; i < 1200 && tip_of(&cl.m[FULL]) < target; i++) {
        pump(&cl, 20);
        cons_anchor_t a0, af;
        if (read_anchor(&cl.m[0], &a0) && read_anchor(&cl.m[FULL], &af) &&
            a0.height == af.height && a0.height > base + 10) {
            assert_memory_equal(a0.id.b, af.id.b, 32);
            assert_memory_equal(a0.seed, af.seed, 32);
            assert_memory_equal(a0.acc, af.acc, 32);
            compared++;
        }
    }
    assert_true(tip_of(&cl.m[FULL]) >= target);
    assert_true(compared > 0);
    uint64_t top = tip_of(&cl.m[FULL]);
    for (uint64_t h = base; h <= top; h++) {
        chain_block_t *x = NULL, *y = NULL;
        assert_int_equal(chain_state_get_block(node_state(cl.m[FULL].n), h, &x, NULL), 0);
        assert_int_equal(chain_state_get_block(node_state(cl.m[0].n), h, &y, NULL), 0);
        assert_memory_equal(x->hash.b, y->hash.b, 32);
        chain_block_free(x);
        chain_block_free(y);
    }
    node_cons_status_t cs;
    node_cons_status(cl.m[FULL].n, &cs);
    assert_false(cs.halted);

    /* ---- the proof, checked field by field against v0's store ---- */
    chain_state_t *st0 = node_state(cl.m[0].n);
    snap_h = newest_snapshot("v0");   /* (the cluster is not running now) */
    char path[600];
    snprintf(path, sizeof path, "%s/v0.snaps/snap-%llu.aesnap", tmpdir,
             (unsigned long long)snap_h);
    member_t imp = {0};
    imp.n = open_node(&cl.f, "imp", NULL);   /* block 0 alone */
    cons_anchor_t want;
    err_t e = {0};
    if (bft_snapshot_import(node_state(imp.n), &cl.f.g, path, true, &want, &e) != 0)
        fail_msg("import: %s", e.msg);
    /* again: the store is no longer empty */
    assert_int_not_equal(bft_snapshot_import(node_state(imp.n), &cl.f.g, path, true, NULL, &e), 0);
    node_close(imp.n);

    buf_t pb;
    buf_init(&pb, 0);
    if (bft_snap_proof_build(st0, cl.f.g.cons.epoch_len, snap_h, want.seed, &pb, &e) != 0)
        fail_msg("build: %s", e.msg);
    bft_snap_proof_t p;
    assert_int_equal(bft_snap_proof_decode(pb.data, pb.len, &p, &e), 0);
    chain_block_t *tip = NULL;
    assert_int_equal(chain_state_get_block(st0, snap_h, &tip, NULL), 0);
    cons_anchor_t got;
    if (bft_snap_proof_verify(&cl.f.g, cl.f.vs, &tip->header, &p, &got, &e) != 0)
        fail_msg("verify: %s", e.msg);
    assert_memory_equal(got.acc, want.acc, 32);
    assert_true(got.height == snap_h && chain_hash_equal(&got.id, &want.id));

    p.seed[3] ^= 1;
    assert_int_not_equal(bft_snap_proof_verify(&cl.f.g, cl.f.vs, &tip->header, &p, &got, &e), 0);
    assert_non_null(strstr(e.msg, "seed"));
    p.seed[3] ^= 1;

    chain_header_t alt = tip->header;
    alt.state_root.b[0] ^= 1;
    assert_int_not_equal(bft_snap_proof_verify(&cl.f.g, cl.f.vs, &alt, &p, &got, &e), 0);
    assert_non_null(strstr(e.msg, "certified"));

    if (p.n_hdrs > 0) {
        p.hdrs++;
        p.n_hdrs--;
        assert_int_not_equal(bft_snap_proof_verify(&cl.f.g, cl.f.vs, &tip->header, &p, &got, &e),
                             0);
        assert_non_null(strstr(e.msg, "epoch"));
        p.hdrs--;
        p.n_hdrs++;
    }
    p.fin.commit_qc.sig[5] ^= 1;
    assert_int_not_equal(bft_snap_proof_verify(&cl.f.g, cl.f.vs, &tip->header, &p, &got, &e), 0);
    assert_non_null(strstr(e.msg, "not proven final"));
    p.fin.commit_qc.sig[5] ^= 1;
    assert_int_equal(bft_snap_proof_verify(&cl.f.g, cl.f.vs, &tip->header, &p, &got, &e), 0);

    /* truncated and stray bytes */
    assert_int_not_equal(bft_snap_proof_decode(pb.data, pb.len - 1, &(bft_snap_proof_t){0}, &e),
                         0);
    bft_snap_proof_free(&p);
    chain_block_free(tip);
    buf_free(&pb);
    cluster_free(&cl);
}


/* The committed proposal of height h among the frames held for v3 (the one
 * whose block v0 committed there), or NULL. */
static frame_t *held_proposal(cluster_t *cl, uint64_t h, cons_block_t **out)
{
    bft_finality_t f;
    if (bft_finality_get(node_state(cl->m[0].n), h, &f, NULL) != 0)
        return NULL;
    frame_t *hit = NULL;
    for (frame_t *fr = cl->held; fr && !hit; fr = fr->next) {
        /* frame CONS: u64 epoch ‖ message */
        if (fr->to != 3 || fr->type != BFT_FRAME_CONS || fr->len < 8 + 1 + 76 ||
            fr->data[8] != CONS_MSG_PROPOSAL)
            continue;
        /* the block's length (consensus.h wire format): header with its QC's
         * bitmap, signature, payload; a TC may follow */
        const uint8_t *p = fr->data + 9;
        size_t n = fr->len - 9, bl = 32 + 40 + 4 + load_le32(p + 72) + 96 + 32 + 80 + 96;
        if (bl + 4 > n || load_le32(p + bl) > n - bl - 4)
            continue;
        bl += 4 + load_le32(p + bl);
        cons_block_t *b = cons_block_decode(p, bl, NULL);
        if (b && chain_hash_equal(&b->id, &f.block->id)) {
            hit = fr;
            *out = b;
        } else {
            cons_block_free(b);
        }
    }
    bft_finality_free(&f);
    return hit;
}

static void deliver_sync_rec(cluster_t *cl, uint64_t h)
{
    char k[16];
    size_t kl;
    uint8_t *v = NULL;
    size_t vl = 0;
    bft_key_h(k, "c/fin/", h, &kl);
    assert_int_equal(chain_state_meta_get(node_state(cl->m[0].n), k, kl, &v, &vl, NULL), 0);
    uint8_t *body = malloc(8 + vl);
    assert_non_null(body);
    store_le64(body, h);
    memcpy(body + 8, v, vl);
    bft_engine_deliver(&cl->m[3].eng, 0, F_SYNC_REC, body, 8 + vl);
    free(body);
    free(v);
}

static void tick3(cluster_t *cl)
{
    (void)cl->m[3].eng.tick(cl->m[3].eng.self, cl->m[3].n, 0);
    drop_all(&cl->q, &cl->q_tail);   /* v3's own frames: nobody is listening now */
}

static bool v0_ahead(cluster_t *cl)
{
    return tip_of(&cl->m[0]) >= tip_of(&cl->m[3]) + 14;
}

static bool first_blocks(cluster_t *cl)
{
    return tip_of(&cl->m[3]) >= 3;
}

/* A lagging validator has kept blocks x+1 and x+2 (uncommitted: x+1 needs a
 * QC over x+2) when one batch brings sync records x+1, x+2 and then the
 * proposal of x+3, whose QC over x+2 makes the core, still anchored at x,
 * commit x+1. Sync already committed it and pruned its descendants from the
 * kept set: the engine halted with "the descendants of committed height
 * x+1 are not kept". It must skip heights committed already. */
static void test_sync_then_stale_commit(void **state)
{
    (void)state;
    cluster_t cl;
    cluster_init(&cl, 300);
    start_validators(&cl, "s", 0);
    assert_true(pump_until(&cl, first_blocks, 30));
    cl.m[3].hold = true;
    assert_true(pump_until(&cl, v0_ahead, 60));
    uint64_t a = tip_of(&cl.m[3]);
    /* x, x+1, x+2 of consecutive rounds, proposals of x+1..x+3 held for v3 */
    uint64_t top = tip_of(&cl.m[0]), x = 0;
    cons_block_t *blk[64] = {0};
    frame_t *prop[64] = {0};
    for (uint64_t h = a + 1; h <= top && h - a < 64; h++)
        prop[h - a] = held_proposal(&cl, h, &blk[h - a]);
    /* blocks proposed before the hold already reached v3 (kept, uncommitted) */
    uint64_t first = a + 1;
    while (first <= top && first - a < 64 && !prop[first - a])
        first++;
    for (uint64_t h = first; h + 3 <= top && h + 3 - a < 64 && !x; h++) {
        bool all = true;
        for (uint64_t k = first; k <= h + 3; k++)
            all = all && prop[k - a];
        if (all && blk[h + 1 - a]->h.round == blk[h - a]->h.round + 1 &&
            blk[h + 2 - a]->h.round == blk[h - a]->h.round + 2)
            x = h;
    }
    if (getenv("BFT_DEBUG"))
        for (uint64_t h = a + 1; h <= top && h - a < 64; h++)
            fprintf(stderr, "h=%llu prop=%d round=%llu\n", (unsigned long long)h, prop[h - a] != NULL,
                    (unsigned long long)(blk[h - a] ? blk[h - a]->h.round : 0));
    if (!x)
        fail_msg("no three consecutive committed rounds among heights %llu..%llu",
                 (unsigned long long)first, (unsigned long long)top);
    /* v3 gets the proposals up to x+2, one batch each: it commits up to x */
    for (uint64_t h = first; h <= x + 2; h++) {
        bft_engine_deliver(&cl.m[3].eng, prop[h - a]->from, BFT_FRAME_CONS, prop[h - a]->data,
                           prop[h - a]->len);
        tick3(&cl);
    }
    assert_int_equal(tip_of(&cl.m[3]), x);
    /* one batch: sync records x+1, x+2, then the proposal of x+3 */
    deliver_sync_rec(&cl, x + 1);
    deliver_sync_rec(&cl, x + 2);
    frame_t *p3 = prop[x + 3 - a];
    bft_engine_deliver(&cl.m[3].eng, p3->from, BFT_FRAME_CONS, p3->data, p3->len);
    tick3(&cl);
    node_cons_status_t cs;
    node_cons_status(cl.m[3].n, &cs);
    if (cs.halted)
        fail_msg("halted: %s", cs.halt_reason);
    assert_int_equal(tip_of(&cl.m[3]), x + 2);
    /* and it rejoins: everything held is delivered, the cluster runs on */
    cl.m[3].hold = false;
    frame_t *fr = cl.held;
    cl.held = cl.held_tail = NULL;
    while (fr) {
        frame_t *next = fr->next;
        bft_engine_deliver(&cl.m[3].eng, fr->from, fr->type, fr->data, fr->len);
        free(fr);
        fr = next;
    }
    uint64_t goal = tip_of(&cl.m[0]) + 5;
    for (int i = 0; i < 600 && tip_of(&cl.m[3]) < goal; i++)
        pump(&cl, 20);
    assert_true(tip_of(&cl.m[3]) >= goal);
    node_cons_status(cl.m[3].n, &cs);
    assert_false(cs.halted);
    for (size_t i = 0; i < 64; i++)
        cons_block_free(blk[i]);
    cluster_free(&cl);
}


static bool v0_has_snapshot(cluster_t *cl)
{
    return newest_snapshot("h0") >= 20 && tip_of(&cl->m[0]) >= 25;
}

/* A peer serves a corrupted snapshot (its hash matches the bytes it sends,
 * the content does not match its proof and digest): the fresh node refuses
 * it, its store stays as it was (block 0 alone, consistent), and it catches
 * up by block sync instead. */
static void test_hostile_snapshot_refused(void **state)
{
    (void)state;
    cluster_t cl;
    cluster_init(&cl, 400);
    member_start(&cl, 0, "h0", &cl.f.val[0], 10, 0);
    for (uint32_t i = 1; i < NV; i++) {
        char name[8];
        snprintf(name, sizeof name, "h%u", i);
        member_start(&cl, i, name, &cl.f.val[i], 0, 0);   /* they offer none */
    }
    assert_true(pump_until(&cl, v0_has_snapshot, 60));
    member_stop(&cl.m[0]);
    char path[600];
    snprintf(path, sizeof path, "%s/h0.snaps/snap-%llu.aesnap", tmpdir,
             (unsigned long long)newest_snapshot("h0"));
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size > 200);
    assert_int_equal(fseek(f, size / 3, SEEK_SET), 0);
    int c = fgetc(f);
    assert_int_equal(fseek(f, size / 3, SEEK_SET), 0);
    fputc(c ^ 0x5a, f);
    fclose(f);
    member_start(&cl, 0, "h0", &cl.f.val[0], 0, 0);   /* serves the corrupted file */

    member_start(&cl, FULL, "hfull", NULL, 0, 8);
    assert_true(pump_until(&cl, full_caught_up, 90));
    assert_true(cl.snap_data_to_full > 0);   /* it did download the bad file */
    uint64_t base = 7;
    assert_int_equal(chain_state_base_height(node_state(cl.m[FULL].n), &base, NULL), 0);
    assert_int_equal(base, 0);               /* not restored: replayed from block 1 */
    err_t e = {0};
    if (chain_state_check(node_state(cl.m[FULL].n), &e) != 0)
        fail_msg("store check: %s", e.msg);
    node_cons_status_t cs;
    node_cons_status(cl.m[FULL].n, &cs);
    assert_false(cs.halted);
    cluster_free(&cl);
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    log_set_level(getenv("BFT_DEBUG") ? LOG_DEBUG : LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restore_from_peer_snapshot),
        cmocka_unit_test(test_sync_then_stale_commit),
        cmocka_unit_test(test_hostile_snapshot_refused),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
