/* Unit tests of chain/bft in process (no sockets): the engine of one
 * validator receives a real proposal made by the consensus core of the
 * round's leader, and
 *   - its vote leaves only after the safety data (last voted round) and the
 *     block are durable in the store (checked from the send hook);
 *   - rebuilt from that store it does not vote again for the same proposal;
 *   - it does not vote for a proposal whose payload is malformed;
 * plus the payload and finality-record codecs and verification. */
#include <pthread.h>
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
#include "chain/bft/internal.h"   /* the network thread, tested directly */
#include "fixture.h"

/* The leader of round 1 and its proposal (a CONS message) of payload p. */
static uint32_t make_proposal(fixture_t *f, const uint8_t *p, size_t n, buf_t *msg)
{
    for (uint32_t i = 0; i < 4; i++) {
        cons_config_t cc;
        memset(&cc, 0, sizeof cc);
        cc.chain_id = f->g.g.chain_id;
        cc.epoch_len = f->g.cons.epoch_len;
        cc.base_timeout_ms = f->g.cons.base_timeout_ms;
        cc.max_timeout_ms = f->g.cons.max_timeout_ms;
        memcpy(cc.genesis_seed, f->g.cons.seed, 32);
        cc.genesis_id = f->gid;
        cc.self = i;
        node_validator_keys_t vk;
        err_t e = {0};
        assert_int_equal(node_validator_keys_derive(&f->val[i], &vk, &e), 0);
        memcpy(cc.bls_sk, vk.bls_sk, 32);
        memcpy(cc.vrf_sk, vk.vrf_sk, 32);
        cons_t *c = cons_new(&cc, f->vs, NULL, NULL, 0, &e);
        assert_non_null(c);
        assert_int_equal(cons_start(c, &e), 0);
        size_t no;
        const cons_out_t *o = cons_outputs(c, &no);
        bool leads = false;
        for (size_t k = 0; k < no; k++)
            leads = leads || o[k].kind == CONS_OUT_NEED_PAYLOAD;
        if (leads) {
            assert_int_equal(cons_propose(c, cons_round(c), p, n, &e), 0);
            o = cons_outputs(c, &no);
            for (size_t k = 0; k < no; k++)
                if (o[k].kind == CONS_OUT_BROADCAST) {
                    buf_append_u64_le(msg, 0);   /* frame CONS: epoch 0 ‖ message */
                    buf_append(msg, o[k].data, o[k].len);
                }
        }
        cons_free(c);
        if (leads) {
            assert_true(msg->len > 0);
            return i;
        }
    }
    fail_msg("no leader for round 1");
    return 0;
}

static void good_payload(fixture_t *f, buf_t *p)
{
    buf_append_byte(p, BFT_PAYLOAD_VERSION);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    buf_append_u64_le(p, (uint64_t)ts.tv_sec * 1000);
    buf_append_u64_le(p, 0);
    buf_append(p, f->block0.b, 32);
    buf_append_u32_le(p, 0);
}

/* What the send hook saw. */
typedef struct seen {
    chain_state_t *st;
    int votes;
    uint64_t lvr_at_vote;   /* last voted round in the store when the vote left */
    bool block_at_vote;     /* a kept block in the store when the vote left */
} seen_t;

static int count_rec(void *ud, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)k, (void)kl, (void)v, (void)vl;
    (*(int *)ud)++;
    return 0;
}

static void on_send(void *ud, uint32_t to, uint8_t type, const uint8_t *body, size_t len)
{
    (void)to;
    seen_t *s = ud;
    if (type != BFT_FRAME_CONS || len < 9 || load_le64(body) != 0 || body[8] != CONS_MSG_VOTE)
        return;
    s->votes++;
    uint8_t *v = NULL;
    size_t vl = 0;
    s->lvr_at_vote = 0;
    if (chain_state_meta_get(s->st, "c/safety", 8, &v, &vl, NULL) == 0 && vl >= 12)
        s->lvr_at_vote = load_le64(v + 4);
    free(v);
    int n = 0;
    assert_int_equal(chain_state_meta_scan(s->st, "c/blk/", 6, count_rec, &n, NULL), 0);
    s->block_at_vote = n > 0;
}

static void engine(fixture_t *f, node_t *n, const node_key_t *key, seen_t *s, node_engine_t *eng)
{
    bft_config_t bc = {.genesis = &f->g, .key = key, .on_send = on_send, .on_send_ud = s};
    err_t e = {0};
    if (bft_engine_new(n, &bc, eng, &e) != 0)
        fail_msg("bft_engine_new: %s", e.msg);
}

static void test_vote_after_durable_safety(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f, 60000);
    buf_t p, msg;
    buf_init(&p, 0);
    buf_init(&msg, 0);
    good_payload(&f, &p);
    uint32_t leader = make_proposal(&f, p.data, p.len, &msg);
    /* a validator that neither leads round 1 nor round 2 (whose leader
     * collects the votes: its own vote never leaves) */
    uint32_t next = cons_leader(f.vs, f.g.cons.seed, 2), me = 0;
    while (me == leader || me == next)
        me++;
    node_t *n = open_node(&f, "v1", &f.val[me]);
    seen_t s = {.st = node_state(n)};
    node_engine_t eng;
    engine(&f, n, &f.val[me], &s, &eng);
    bft_engine_deliver(&eng, leader, BFT_FRAME_CONS, msg.data, msg.len);
    (void)eng.tick(eng.self, n, 0);
    assert_int_equal(s.votes, 1);
    assert_true(s.lvr_at_vote == 1);   /* durable BEFORE the vote left */
    assert_true(s.block_at_vote);
    node_cons_status_t st;
    node_cons_status(n, &st);
    assert_true(st.bft && st.self == (int64_t)me && st.last_voted_round == 1);
    eng.destroy(eng.self);

    /* restarted from the store: never votes twice in round 1 */
    seen_t s2 = {.st = node_state(n)};
    engine(&f, n, &f.val[me], &s2, &eng);
    bft_engine_deliver(&eng, leader, BFT_FRAME_CONS, msg.data, msg.len);
    (void)eng.tick(eng.self, n, 0);
    assert_int_equal(s2.votes, 0);
    node_cons_status(n, &st);
    assert_true(st.last_voted_round == 1);
    eng.destroy(eng.self);
    node_close(n);

    /* a malformed payload gets no vote (fresh store, same leader) */
    buf_reset(&msg);
    static const uint8_t junk[] = "not a payload";
    assert_int_equal(make_proposal(&f, junk, sizeof junk, &msg), leader);
    n = open_node(&f, "v2", &f.val[me]);
    seen_t s3 = {.st = node_state(n)};
    engine(&f, n, &f.val[me], &s3, &eng);
    bft_engine_deliver(&eng, leader, BFT_FRAME_CONS, msg.data, msg.len);
    (void)eng.tick(eng.self, n, 0);
    assert_int_equal(s3.votes, 0);
    eng.destroy(eng.self);
    node_close(n);
    buf_free(&p);
    buf_free(&msg);
    fixture_free(&f);
}

static void test_payload_codec(void **state)
{
    (void)state;
    buf_t p;
    buf_init(&p, 0);
    buf_append_byte(&p, 1);
    buf_append_u64_le(&p, 5);
    buf_append_u64_le(&p, 3);
    uint8_t h[32];
    memset(h, 0xAB, 32);
    buf_append(&p, h, 32);
    buf_append_u32_le(&p, 2);
    buf_append_u32_le(&p, 3);
    buf_append(&p, "abc", 3);
    buf_append_u32_le(&p, 1);
    buf_append(&p, "d", 1);
    bft_payload_t pl;
    err_t e = {0};
    assert_int_equal(bft_payload_decode(p.data, p.len, &pl, &e), 0);
    assert_true(pl.timestamp_ms == 5 && pl.cert_height == 3 && pl.n_txs == 2);
    assert_memory_equal(pl.cert_hash.b, h, 32);
    /* truncated, stray byte, wrong count, wrong version: each named */
    assert_int_not_equal(bft_payload_decode(p.data, p.len - 1, &pl, &e), 0);
    assert_non_null(strstr(e.msg, "tx 1"));
    buf_append_byte(&p, 0);
    assert_int_not_equal(bft_payload_decode(p.data, p.len, &pl, &e), 0);
    assert_non_null(strstr(e.msg, "stray"));
    p.len--;
    p.data[0] = 2;
    assert_int_not_equal(bft_payload_decode(p.data, p.len, &pl, &e), 0);
    assert_non_null(strstr(e.msg, "version"));
    assert_int_not_equal(bft_payload_decode(p.data, 10, &pl, &e), 0);
    buf_free(&p);
}

static void test_finality_record(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f, 60000);
    /* a made-up record: the chain/QC links are checked before any signature */
    cons_block_t blk;
    memset(&blk, 0, sizeof blk);
    blk.h.version = CONS_BLOCK_VERSION;
    blk.h.chain_id = 31;
    blk.h.round = 4;
    blk.h.height = 2;
    uint8_t pay[1] = {0};
    blk.payload = pay;
    blk.payload_len = 1;
    crypto_sha256(pay, 1, blk.h.payload_hash.b);
    buf_t enc;
    buf_init(&enc, 0);
    assert_int_equal(cons_block_encode(&blk, &enc), 0);
    err_t de = {0};
    cons_block_t *dec = cons_block_decode(enc.data, enc.len, &de);
    if (!dec)
        fail_msg("%s", de.msg);
    assert_non_null(dec);
    cons_header_t child;
    memset(&child, 0, sizeof child);
    child.version = CONS_BLOCK_VERSION;
    child.chain_id = 31;
    child.round = 5;
    child.height = 3;
    child.qc.round = 4;
    child.qc.block_id = dec->id;
    cons_qc_t qc;
    memset(&qc, 0, sizeof qc);
    qc.round = 5;
    cons_header_id(&child, &qc.block_id);
    bft_finality_t fin = {.block = dec, .chain = &child, .n_chain = 1, .commit_qc = qc};
    err_t e = {0};
    /* links fine: refused only for the (absent) signatures */
    assert_int_not_equal(bft_finality_verify(f.vs, 31, &f.gid, &fin, &e), 0);
    assert_non_null(strstr(e.msg, "commit QC"));
    /* a child two rounds later breaks the 2-chain rule */
    child.round = 6;
    qc.round = 6;
    cons_header_id(&child, &fin.commit_qc.block_id);
    fin.commit_qc.round = 6;
    assert_int_not_equal(bft_finality_verify(f.vs, 31, &f.gid, &fin, &e), 0);
    assert_non_null(strstr(e.msg, "2-chain"));
    /* a QC over another header */
    child.round = 5;
    fin.commit_qc.round = 5;
    fin.commit_qc.block_id.b[0] ^= 1;
    assert_int_not_equal(bft_finality_verify(f.vs, 31, &f.gid, &fin, &e), 0);
    assert_non_null(strstr(e.msg, "does not certify"));
    cons_block_free(dec);
    buf_free(&enc);
    fixture_free(&f);
}

/* Two network threads on loopback: a frame far above yamux's 256 KiB
 * window (a block of many transactions) arrives whole, and small frames
 * after it too. (Consuming only whole frames starved the window and froze
 * the stream for good.) */
typedef struct got {
    pthread_mutex_t mu;
    size_t n, big;
} got_t;

static void on_msg(void *ud, bft_msg_t *m)
{
    got_t *g = ud;
    pthread_mutex_lock(&g->mu);
    g->n++;
    if (m->len == (3u << 20))
        g->big++;
    pthread_mutex_unlock(&g->mu);
    free(m);
}

static void test_net_big_frames(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f, 60000);
    got_t ga = {.mu = PTHREAD_MUTEX_INITIALIZER}, gb = {.mu = PTHREAD_MUTEX_INITIALIZER};
    bft_net_cbs_t ca = {.on_msg = on_msg, .ud = &ga}, cb = {.on_msg = on_msg, .ud = &gb};
    err_t e = {0};
    bft_net_t *b = bft_net_new(&f.g, f.val[1].seed, "/ip4/127.0.0.1/tcp/0", NULL, 0, &cb, &e);
    if (!b)
        fail_msg("%s", e.msg);
    buf_t addr;
    buf_init(&addr, 0);
    assert_int_equal(bft_net_listen_addrs(b, &addr), 0);
    assert_int_equal(buf_terminate(&addr), 0);
    char *nl = strchr((char *)addr.data, '\n');
    if (nl)
        *nl = 0;
    const char *peers[] = {(const char *)addr.data};
    bft_net_t *a = bft_net_new(&f.g, f.val[0].seed, NULL, peers, 1, &ca, &e);
    if (!a)
        fail_msg("%s", e.msg);
    assert_int_equal(bft_net_start(b, &e), 0);
    assert_int_equal(bft_net_start(a, &e), 0);
    for (int i = 0; i < 100 && bft_net_connected(a) == 0; i++)
        usleep(50000);
    assert_int_equal(bft_net_connected(a), 1);
    uint8_t *big = calloc(1, 3u << 20);
    assert_non_null(big);
    for (int k = 0; k < 2; k++) {   /* 6 MiB: under the 8 MiB a stream may queue */
        bft_net_send(a, 1, 9, big, 3u << 20);   /* to validator 1 = b */
        bft_net_send(a, 1, 9, big, 10);
    }
    free(big);
    size_t n = 0, nbig = 0;
    for (int i = 0; i < 200 && n < 4; i++) {
        usleep(50000);
        pthread_mutex_lock(&gb.mu);
        n = gb.n;
        nbig = gb.big;
        pthread_mutex_unlock(&gb.mu);
    }
    assert_int_equal(n, 4);
    assert_int_equal(nbig, 2);
    bft_net_free(a);
    bft_net_free(b);
    buf_free(&addr);
    fixture_free(&f);
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    log_set_level(getenv("BFT_DEBUG") ? LOG_DEBUG : LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vote_after_durable_safety),
        cmocka_unit_test(test_payload_codec),
        cmocka_unit_test(test_finality_record),
        cmocka_unit_test(test_net_big_frames),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
