/* Unit tests of chain/node: key and genesis files (strict parsing), the node
 * in process (admission reasons, block production from the pool, pool
 * updates after a block, pending / next-nonce views, health and metrics),
 * a custom engine driving the loop, and a block made by one node applied by
 * a second one (the path a BFT engine will use). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <stdatomic.h>

#include "chain/node/node.h"

static char tmpdir[256];

static void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", tmpdir, name);
}

static void write_text(const char *name, const char *text)
{
    char p[512];
    path_in(p, sizeof p, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void key_of(int i, node_key_t *k)
{
    uint8_t seed[32] = {0};
    seed[0] = (uint8_t)i;
    seed[1] = 0x5A;
    node_key_from_seed(k, seed);
}

static void test_key_files(void **state)
{
    (void)state;
    node_key_t k, back;
    key_of(1, &k);
    char p[512];
    path_in(p, sizeof p, "k1.key");
    err_t e = {0};
    assert_int_equal(node_key_save(p, &k, false, &e), 0);
    assert_int_equal(node_key_load(p, &back, &e), 0);
    assert_memory_equal(back.sk, k.sk, sizeof k.sk);
    assert_memory_equal(back.addr.b, k.addr.b, CHAIN_ADDR_BYTES);
    /* no overwrite without force */
    assert_int_not_equal(node_key_save(p, &k, false, &e), 0);
    assert_non_null(strstr(e.msg, "already exists"));
    assert_int_equal(node_key_save(p, &k, true, &e), 0);

    struct {
        const char *text, *needle;
    } bad[] = {
        {"not json", "not a JSON key file"},
        {"{\"type\":\"ed25519\"}", "secret_seed"},
        {"{\"type\":\"rsa\",\"secret_seed\":\"00\"}", "\"type\""},
        {"{\"type\":\"ed25519\",\"secret_seed\":\"0011\",\"public_key\":\"00\",\"address\":\"00\"}",
         "secret_seed"},
        {"{\"type\":\"ed25519\",\"extra\":1}", "unknown field \"extra\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_text("bad.key", bad[i].text);
        path_in(p, sizeof p, "bad.key");
        memset(&e, 0, sizeof e);
        assert_int_equal(node_key_load(p, &back, &e), CHAIN_CLIENT_EINVAL);
        if (!strstr(e.msg, bad[i].needle))
            fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, bad[i].needle);
        if (!strstr(e.msg, "bad.key")) /* every error names the file */
            fail_msg("case %zu: '%s' does not name the file", i, e.msg);
    }
    /* a public key that does not belong to the seed */
    node_key_t other;
    key_of(2, &other);
    char seed[65], pk[65], addr[41], text[400];
    hex_encode(k.seed, 32, seed);
    hex_encode(other.pk, 32, pk);
    chain_addr_to_hex(&k.addr, addr);
    snprintf(text, sizeof text,
             "{\"type\":\"ed25519\",\"secret_seed\":\"%s\",\"public_key\":\"%s\",\"address\":\"%s\"}",
             seed, pk, addr);
    write_text("bad.key", text);
    assert_int_equal(node_key_load(p, &back, &e), CHAIN_CLIENT_EINVAL);
    assert_non_null(strstr(e.msg, "does not belong"));
    path_in(p, sizeof p, "missing.key");
    assert_int_equal(node_key_load(p, &back, &e), CHAIN_CLIENT_EINVAL);
}

static void test_genesis_files(void **state)
{
    (void)state;
    node_key_t v, a;
    key_of(0, &v);
    key_of(1, &a);
    char vpk[65], aaddr[41], text[1024];
    hex_encode(v.pk, 32, vpk);
    chain_addr_to_hex(&a.addr, aaddr);
    snprintf(text, sizeof text,
             "{\"chain_id\":7,\"timestamp_ms\":1000,\"validator\":\"%s\",\"accounts\":"
             "[{\"address\":\"%s\",\"balance\":\"340282366920938463463374607431768211455\"}],"
             "\"utxos\":[{\"owner\":\"%s\",\"amount\":\"5\"}]}", vpk, aaddr, aaddr);
    write_text("g.json", text);
    char p[512];
    path_in(p, sizeof p, "g.json");
    node_genesis_t g;
    err_t e = {0};
    assert_int_equal(node_genesis_load(p, &g, &e), 0);
    assert_true(g.g.chain_id == 7);
    assert_int_equal(g.g.n_accounts, 1);
    assert_true(g.g.accounts[0].balance.hi == UINT64_MAX);
    assert_int_equal(g.g.n_utxos, 1);
    /* round trip */
    json_t *j = node_genesis_to_json(&g.g);
    node_genesis_t g2;
    assert_int_equal(node_genesis_from_json(j, &g2, &e), 0);
    assert_memory_equal(g2.g.proposer_pk, v.pk, 32);
    json_decref(j);
    node_genesis_free(&g2);
    node_genesis_free(&g);

    const char *bad[][2] = {
        {"{\"chain_id\":-1}", "chain_id"},
        {"{\"chain_id\":1,\"timestamp_ms\":0,\"validator\":\"00\"}", "validator"},
        {"{\"chain_id\":1,\"timestamp_ms\":0,\"validator\":\"%s\",\"accounts\":[{\"address\":\"%s\","
         "\"balance\":\"1\"},{\"address\":\"%s\",\"balance\":\"2\"}]}", "allocated twice"},
        {"{\"chain_id\":1,\"timestamp_ms\":0,\"validator\":\"%s\",\"accounts\":[{\"address\":\"%s\","
         "\"balance\":1}]}", "decimal string"},
        {"{\"chain_id\":1,\"timestamp_ms\":0,\"validator\":\"%s\",\"utxos\":[{\"owner\":\"%s\","
         "\"amount\":\"0\"}]}", "must be > 0"},
        {"{\"chain_id\":1,\"timestamp_ms\":0,\"validator\":\"%s\",\"extra\":[]}", "unknown field"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, bad[i][0], vpk, aaddr, aaddr);
        write_text("g.json", text);
        memset(&e, 0, sizeof e);
        assert_int_not_equal(node_genesis_load(p, &g, &e), 0);
        if (!strstr(e.msg, bad[i][1]))
            fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, bad[i][1]);
    }
}


/* A BFT genesis: validators with derived BLS/VRF keys, PoP checked at load,
 * defaults, round trip, the cons id binding every parameter, and errors
 * that name the field. */
static void test_genesis_bft(void **state)
{
    (void)state;
    node_key_t v[3];
    json_t *vals = json_array();
    for (int i = 0; i < 3; i++) {
        key_of(40 + i, &v[i]);
        err_t e = {0};
        json_t *ent = node_validator_entry_json(&v[i], 100 + (uint64_t)i, &e);
        assert_non_null(ent);
        json_array_append_new(vals, ent);
    }
    /* the derivation is deterministic and yields a PoP that verifies */
    node_validator_keys_t k1, k2;
    err_t e = {0};
    assert_int_equal(node_validator_keys_derive(&v[0], &k1, &e), 0);
    assert_int_equal(node_validator_keys_derive(&v[0], &k2, &e), 0);
    assert_memory_equal(&k1, &k2, sizeof k1);
    node_validator_t parsed;
    assert_int_equal(node_validator_from_json(json_array_get(vals, 0), &parsed, "v", &e), 0);
    assert_memory_equal(parsed.bls_pk, k1.bls_pk, sizeof k1.bls_pk);
    assert_memory_equal(parsed.vrf_pk, k1.vrf_pk, sizeof k1.vrf_pk);
    node_validator_keys_wipe(&k1);
    node_validator_keys_wipe(&k2);

    json_t *g = json_pack("{s:i,s:i,s:[],s:{s:s,s:O}}", "chain_id", 9, "timestamp_ms", 5,
                          "accounts", "consensus", "seed",
                          "0101010101010101010101010101010101010101010101010101010101010101",
                          "validators", vals);
    json_decref(vals);
    node_genesis_t ng;
    assert_int_equal(node_genesis_from_json(g, &ng, &e), 0);
    assert_true(ng.bft);
    size_t n = 0;
    const node_validator_t *set = node_genesis_validators(&ng, &n);
    assert_int_equal(n, 3);
    assert_true(set[2].stake == 102);
    assert_memory_equal(set[1].address.b, v[1].addr.b, CHAIN_ADDR_BYTES);
    assert_int_equal(node_genesis_validator_index(&ng, v[2].pk), 2);
    { uint8_t other[32] = {1}; assert_int_equal(node_genesis_validator_index(&ng, other), -1); }
    assert_true(ng.cons.epoch_len == 100 && ng.cons.base_timeout_ms == 1000 &&
                ng.cons.max_timeout_ms == 30000);
    assert_memory_equal(ng.g.proposer_pk, v[0].pk, 32);   /* validator defaults to #0 */
    assert_true(ng.g.certified);
    chain_hash_t id1, id2;
    assert_int_equal(node_genesis_cons_id(&ng, &id1, &e), 0);
    /* round trip keeps the id */
    json_t *back = node_genesis_json(&ng);
    node_genesis_t ng2;
    assert_int_equal(node_genesis_from_json(back, &ng2, &e), 0);
    json_decref(back);
    assert_int_equal(node_genesis_cons_id(&ng2, &id2, &e), 0);
    assert_memory_equal(id1.b, id2.b, 32);
    /* any consensus parameter changes it */
    ng2.validators[1].stake++;
    assert_int_equal(node_genesis_cons_id(&ng2, &id2, &e), 0);
    assert_memory_not_equal(id1.b, id2.b, 32);
    node_genesis_free(&ng2);
    /* a solo genesis has no validator set */
    node_genesis_t solo;
    memset(&solo, 0, sizeof solo);
    assert_null(node_genesis_validators(&solo, &n));
    assert_int_equal(n, 0);
    node_genesis_free(&ng);

    /* errors naming what was wrong */
    json_t *cons = json_object_get(g, "consensus");
    json_t *v0 = json_array_get(json_object_get(cons, "validators"), 0);
    json_t *v1 = json_array_get(json_object_get(cons, "validators"), 1);
    char pop1[2 * NODE_BLS_SIG_BYTES + 1];
    snprintf(pop1, sizeof pop1, "%s", json_string_value(json_object_get(v1, "bls_pop")));
    json_t *pop0 = json_deep_copy(json_object_get(v0, "bls_pop"));
    json_object_set_new(v0, "bls_pop", json_string(pop1));
    memset(&e, 0, sizeof e);
    assert_int_not_equal(node_genesis_from_json(g, &ng, &e), 0);
    assert_non_null(strstr(e.msg, "validators[0]"));
    assert_non_null(strstr(e.msg, "proof of possession"));
    json_object_set_new(v0, "bls_pop", pop0);
    assert_int_equal(node_genesis_from_json(g, &ng, &e), 0);
    node_genesis_free(&ng);
    json_array_append(json_object_get(cons, "validators"), v1);   /* a duplicate */
    assert_int_not_equal(node_genesis_from_json(g, &ng, &e), 0);
    assert_non_null(strstr(e.msg, "validators[3] has the same account as validators[1]"));
    json_array_remove(json_object_get(cons, "validators"), 3);
    json_object_set_new(v1, "stake", json_integer(0));
    assert_int_not_equal(node_genesis_from_json(g, &ng, &e), 0);
    assert_non_null(strstr(e.msg, "\"stake\" must be a positive integer"));
    json_object_set_new(v1, "stake", json_integer(7));
    json_object_set_new(cons, "max_timeout_ms", json_integer(10));
    assert_int_not_equal(node_genesis_from_json(g, &ng, &e), 0);
    assert_non_null(strstr(e.msg, "max_timeout_ms"));
    json_object_del(cons, "max_timeout_ms");
    json_object_set_new(cons, "seed", json_string("00"));
    assert_int_not_equal(node_genesis_from_json(g, &ng, &e), 0);
    assert_non_null(strstr(e.msg, "seed"));
    json_decref(g);
}

/* ---- the node in process ---------------------------------------------------- */

typedef struct fixture {
    node_genesis_t gen;
    chain_genesis_alloc_t alloc[3];
    node_key_t val, acct[3];
} fixture_t;

static void fixture_init(fixture_t *f)
{
    memset(f, 0, sizeof *f);
    key_of(0, &f->val);
    for (int i = 0; i < 3; i++) {
        key_of(10 + i, &f->acct[i]);
        f->alloc[i].addr = f->acct[i].addr;
        f->alloc[i].balance = chain_u128_from_u64(1000000);
    }
    f->gen.g.chain_id = 77;
    f->gen.g.timestamp_ms = 1000;
    memcpy(f->gen.g.proposer_pk, f->val.pk, 32);
    f->gen.g.accounts = f->alloc;
    f->gen.g.n_accounts = 3;
}

static node_t *open_node(fixture_t *f, const char *name, const node_key_t *key, err_t *e)
{
    char dir[512];
    path_in(dir, sizeof dir, name);
    node_config_t cfg;
    node_config_default(&cfg);
    cfg.data_dir = dir;
    cfg.genesis = &f->gen;
    cfg.key = key;
    return node_open(&cfg, e);
}

static int submit(node_t *n, int from, int to, uint64_t nonce, uint64_t amount, uint64_t fee,
                  const fixture_t *f, chain_hash_t *h, mempool_reason_t *why, err_t *e)
{
    chain_tx_t *tx = chain_tx_new_transfer(77, f->acct[from].pk, nonce, chain_u128_from_u64(fee),
                                           &f->acct[to].addr, chain_u128_from_u64(amount));
    assert_non_null(tx);
    assert_int_equal(chain_tx_sign(tx, f->acct[from].sk, NULL), 0);
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(chain_tx_encode(tx, true, &b), 0);
    chain_tx_free(tx);
    int rc = node_submit_tx(n, b.data, b.len, h, why, e);
    buf_free(&b);
    return rc;
}

static void test_node_flow(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f);
    err_t e = {0};
    /* a key that is not the genesis validator is refused */
    assert_null(open_node(&f, "n0", &f.acct[0], &e));
    assert_non_null(strstr(e.msg, "not the genesis validator"));
    node_t *n = open_node(&f, "n1", &f.val, &e);
    assert_non_null(n);
    assert_true(node_chain_id(n) == 77);

    chain_hash_t h[4];
    mempool_reason_t why;
    assert_int_equal(submit(n, 0, 1, 0, 100, 2000, &f, &h[0], &why, &e), 0);
    assert_int_equal(submit(n, 0, 2, 1, 100, 2000, &f, &h[1], &why, &e), 0);
    assert_int_equal(submit(n, 1, 2, 0, 50, 2000, &f, &h[2], &why, &e), 0);
    /* rejections with reasons */
    assert_int_equal(submit(n, 0, 1, 0, 100, 2000, &f, &h[3], &why, &e), NODE_ETXREJECTED);
    assert_int_equal(why, MEMPOOL_R_DUPLICATE);
    assert_int_equal(submit(n, 0, 1, 0, 101, 2100, &f, &h[3], &why, &e), NODE_ETXREJECTED);
    assert_int_equal(why, MEMPOOL_R_UNDERPRICED);
    assert_int_equal(submit(n, 2, 1, 0, 10, 1100, &f, &h[3], &why, &e), NODE_ETXREJECTED);
    assert_int_equal(why, MEMPOOL_R_FEE_TOO_LOW);
    /* each affordable alone, not together: the pool's funds check */
    assert_int_equal(submit(n, 2, 1, 0, 600000, 2000, &f, &h[3], &why, &e), 0);
    assert_int_equal(submit(n, 2, 1, 1, 600000, 2000, &f, &h[3], &why, &e), NODE_ETXREJECTED);
    assert_int_equal(why, MEMPOOL_R_INSUFFICIENT_FUNDS);
    uint8_t junk[10] = {1, 2, 3};
    assert_int_equal(node_submit_tx(n, junk, sizeof junk, NULL, &why, &e), NODE_ETXINVALID);
    assert_non_null(strstr(e.msg, "invalid transaction"));

    uint64_t next = 0;
    assert_int_equal(node_next_nonce(n, &f.acct[0].addr, &next, &e), 0);
    assert_true(next == 2);
    chain_tx_t *p = node_pending_tx(n, &h[1]);
    assert_non_null(p);
    chain_tx_free(p);
    assert_int_equal(node_ready_count(n), 4);

    uint64_t height = 0;
    assert_int_equal(node_produce_block(n, 5000, &height, &e), 0);
    assert_true(height == 1);
    assert_int_equal(node_ready_count(n), 0);
    assert_null(node_pending_tx(n, &h[1]));
    uint64_t bh = 0;
    chain_receipt_t r;
    assert_int_equal(chain_state_get_tx(node_state(n), &h[1], &bh, NULL, NULL, &r, &e), 0);
    assert_true(bh == 1);
    assert_int_equal(r.status, CHAIN_STATUS_OK);
    chain_receipt_clear(&r);
    assert_int_equal(node_next_nonce(n, &f.acct[0].addr, &next, &e), 0);
    assert_true(next == 2);
    /* resubmitting a committed transaction names it */
    assert_int_equal(submit(n, 0, 1, 0, 100, 2000, &f, &h[3], &why, &e), NODE_EKNOWN);
    assert_non_null(strstr(e.msg, "already committed in block 1"));
    /* an empty block is fine too */
    assert_int_equal(node_produce_block(n, 6000, &height, &e), 0);
    assert_true(height == 2);

    buf_t m;
    buf_init(&m, 0);
    node_metrics(n, &m);
    buf_terminate(&m);
    assert_non_null(strstr((char *)m.data, "aether_chain_height 2\n"));
    assert_non_null(strstr((char *)m.data, "aether_txs_committed_total{status=\"ok\"} 4\n"));
    assert_non_null(strstr((char *)m.data, "aether_mempool_rejected_total{reason=\"duplicate\"} 1"));
    buf_free(&m);
    json_t *body = NULL;
    assert_int_equal(node_health(n, &body), 503); /* loop not running */
    json_decref(body);
    node_close(n);

    /* reopening keeps the chain */
    n = open_node(&f, "n1", &f.val, &e);
    assert_non_null(n);
    chain_header_t tip;
    assert_int_equal(chain_state_tip(node_state(n), &tip, NULL, &e), 0);
    assert_true(tip.height == 2);
    node_close(n);
    /* ... and refuses another genesis */
    f.gen.g.chain_id = 78;
    assert_null(open_node(&f, "n1", &f.val, &e));
    assert_non_null(strstr(e.msg, "another chain"));
}

/* A certified block may pair a pooled transaction's body (same hash: the
 * hash leaves the signature out) with another signature. The pool's check
 * must not vouch for it: it is verified, found bad and skipped, as on a node
 * that never pooled the body; the signed original then commits. */
static void test_commit_certified_other_sig(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f);
    err_t e = {0};
    node_t *n = open_node(&f, "cert", &f.val, &e);
    assert_non_null(n);
    chain_hash_t h;
    mempool_reason_t why;
    assert_int_equal(submit(n, 0, 1, 0, 100, 2000, &f, &h, &why, &e), 0);

    chain_tx_t *tx = chain_tx_new_transfer(77, f.acct[0].pk, 0, chain_u128_from_u64(2000),
                                           &f.acct[1].addr, chain_u128_from_u64(100));
    assert_non_null(tx);
    assert_int_equal(chain_tx_sign(tx, f.acct[0].sk, NULL), 0);
    assert_true(chain_hash_equal(&tx->hash, &h));
    chain_tx_t *forged = node_pending_tx(n, &h);
    assert_non_null(forged);
    forged->sig[5] ^= 0x10;   /* same body and hash, another signature */
    forged->sig_ok = false;
    chain_tx_t *txs[1] = {forged};
    chain_header_t hdr;
    assert_int_equal(node_commit_certified(n, node_exec_cfg(n), txs, 1, 5000, f.val.pk, NULL, 0,
                                           &hdr, NULL, &e),
                     0);
    assert_true(hdr.height == 1);
    uint64_t bh = 0;
    assert_int_equal(chain_state_get_tx(node_state(n), &h, &bh, NULL, NULL, NULL, NULL),
                     CHAIN_ENOTFOUND);
    chain_account_t a;
    bool exists = false;
    assert_int_equal(chain_state_get_account(node_state(n), &f.acct[0].addr, &a, &exists, &e), 0);
    assert_true(a.nonce == 0);
    /* the skipped forgery did not evict the pooled original (same hash) */
    chain_tx_t *pooled = node_pending_tx(n, &h);
    assert_non_null(pooled);
    assert_memory_equal(pooled->sig, tx->sig, CHAIN_SIG_BYTES);
    chain_tx_free(pooled);
    txs[0] = tx;   /* the signed original commits */
    assert_int_equal(node_commit_certified(n, node_exec_cfg(n), txs, 1, 6000, f.val.pk, NULL, 0,
                                           &hdr, NULL, &e),
                     0);
    assert_int_equal(chain_state_get_tx(node_state(n), &h, &bh, NULL, NULL, NULL, &e), 0);
    assert_true(bh == 2);
    assert_null(node_pending_tx(n, &h));   /* executed: gone from the pool */
    node_close(n);
}

/* A custom engine: produces exactly one block per tick, stops after 3. */
typedef struct counting {
    _Atomic int ticks, blocks; /* written by the loop thread, read by the test */
} counting_t;

static uint32_t counting_tick(void *self, node_t *n, uint64_t now_ms)
{
    counting_t *c = self;
    c->ticks++;
    if (c->blocks < 3) {
        err_t e = {0};
        if (node_produce_block(n, now_ms, NULL, &e) == 0)
            c->blocks++;
    }
    return 5;
}

static void test_engine_and_apply(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f);
    err_t e = {0};
    node_t *a = open_node(&f, "eng_a", &f.val, &e);
    assert_non_null(a);
    counting_t cnt;
    atomic_init(&cnt.ticks, 0);
    atomic_init(&cnt.blocks, 0);
    node_engine_t eng = {.name = "counting", .self = &cnt, .tick = counting_tick};
    assert_int_equal(node_start(a, eng, &e), 0);
    for (int i = 0; i < 2000 && cnt.blocks < 3; i++)
        usleep(5000);
    node_stop(a);
    assert_int_equal(cnt.blocks, 3);
    assert_true(cnt.ticks >= 3);

    /* node b, same genesis, applies a's blocks: the BFT path */
    node_t *b = open_node(&f, "eng_b", &f.val, &e);
    assert_non_null(b);
    chain_hash_t h;
    mempool_reason_t why;
    assert_int_equal(submit(b, 2, 0, 0, 7, 2000, &f, &h, &why, &e), 0); /* pending on b */
    for (uint64_t height = 1; height <= 3; height++) {
        chain_block_t *blk = NULL;
        assert_int_equal(chain_state_get_block(node_state(a), height, &blk, &e), 0);
        assert_int_equal(node_apply_block(b, blk, &e), 0);
        chain_block_free(blk);
    }
    chain_hash_t ra, rb;
    chain_state_root(node_state(a), &ra);
    chain_state_root(node_state(b), &rb);
    assert_true(chain_hash_equal(&ra, &rb));
    /* a block cannot be applied twice */
    chain_block_t *blk = NULL;
    assert_int_equal(chain_state_get_block(node_state(a), 3, &blk, &e), 0);
    assert_int_not_equal(node_apply_block(b, blk, &e), 0);
    chain_block_free(blk);
    assert_int_equal(node_ready_count(b), 1);
    node_close(a);
    node_close(b);

    /* the solo engine makes heartbeat blocks on its own */
    node_t *s = open_node(&f, "solo", &f.val, &e);
    node_config_t cfg;
    node_config_default(&cfg);
    cfg.block_interval_ms = 5;
    cfg.heartbeat_ms = 10;
    assert_int_equal(node_start(s, node_engine_solo(&cfg), &e), 0);
    json_t *body = NULL;
    uint64_t t = 0;
    chain_header_t tip = {0};
    while (t++ < 2000) {
        usleep(5000);
        if (chain_state_tip(node_state(s), &tip, NULL, &e) == 0 && tip.height >= 2)
            break;
    }
    assert_true(tip.height >= 2);
    assert_int_equal(node_health(s, &body), 200);
    assert_string_equal(json_string_value(json_object_get(body, "status")), "ok");
    json_decref(body);
    node_close(s);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/aether-node-test-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    log_set_level(LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_files),
        cmocka_unit_test(test_genesis_files),
        cmocka_unit_test(test_genesis_bft),
        cmocka_unit_test(test_node_flow),
        cmocka_unit_test(test_commit_certified_other_sig),
        cmocka_unit_test(test_engine_and_apply),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
