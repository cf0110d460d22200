/* Tests of chain/state: the sparse Merkle tree against a naive model over
 * random operations (including savepoint rollbacks and reopening), proofs of
 * presence and absence through the standalone verifier, crash safety of the
 * commit batch (a child committing blocks is killed with SIGKILL, the store
 * must reopen at a complete block), and snapshot round trip and tampering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <rocksdb/c.h>
#include <zstd.h>

#include "chain/state/state.h"

static uint8_t sk[64], pk[32];

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    uint8_t seed[32];
    memset(seed, 3, 32);
    crypto_ed25519_from_seed(seed, pk, sk);
    return 0;
}

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

static void rmrf(const char *d)
{
    nftw(d, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static char *tmpdir(void)
{
    char *d = strdup("/tmp/chain_state_test.XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* ---- the model: plain arrays and a naive recursive root ---- */

#define MAXA 400
#define MAXU 800
typedef struct model {
    chain_addr_t addr[MAXA];
    chain_account_t acct[MAXA];
    size_t na;
    chain_utxo_id_t uid[MAXU];
    chain_utxo_t utxo[MAXU];
    size_t nu;
} model_t;

typedef struct leaf {
    chain_hash_t key, vh;
} leaf_t;

static int leaf_cmp(const void *a, const void *b)
{
    return memcmp(((const leaf_t *)a)->key.b, ((const leaf_t *)b)->key.b, 32);
}

/* Root over sorted leaves: empty = zero, one leaf = its leaf hash,
 * otherwise node(left half by bit, right half by bit). */
static void naive(const leaf_t *l, size_t n, unsigned depth, chain_hash_t *out)
{
    if (n == 0) {
        memset(out->b, 0, 32);
        return;
    }
    if (n == 1) {
        chain_smt_leaf_hash(&l[0].key, &l[0].vh, out);
        return;
    }
    size_t k = 0;
    while (k < n && !((l[k].key.b[depth / 8] >> (7 - depth % 8)) & 1))
        k++;
    chain_hash_t a, b;
    naive(l, k, depth + 1, &a);
    naive(l + k, n - k, depth + 1, &b);
    chain_smt_node_hash(&a, &b, out);
}

static void model_root(const model_t *m, chain_hash_t *root)
{
    leaf_t *l = malloc((m->na + m->nu + 1) * sizeof *l);
    size_t n = 0;
    for (size_t i = 0; i < m->na; i++, n++) {
        uint8_t v[CHAIN_ACCOUNT_BYTES];
        chain_smt_key_account(&m->addr[i], &l[n].key);
        chain_account_encode(&m->acct[i], v);
        crypto_sha256(v, sizeof v, l[n].vh.b);
    }
    for (size_t i = 0; i < m->nu; i++, n++) {
        uint8_t v[CHAIN_UTXO_BYTES];
        chain_smt_key_utxo(&m->uid[i], &l[n].key);
        chain_utxo_encode(&m->utxo[i], v);
        crypto_sha256(v, sizeof v, l[n].vh.b);
    }
    qsort(l, n, sizeof *l, leaf_cmp);
    naive(l, n, 0, root);
    free(l);
}

static void model_set_account(model_t *m, const chain_addr_t *a, const chain_account_t *v)
{
    for (size_t i = 0; i < m->na; i++)
        if (!memcmp(m->addr[i].b, a->b, 20)) {
            m->acct[i] = *v;
            return;
        }
    assert_true(m->na < MAXA);
    m->addr[m->na] = *a;
    m->acct[m->na++] = *v;
}

static chain_addr_t addr_n(unsigned i)
{
    chain_addr_t a;
    uint8_t h[32];
    crypto_sha256(&i, sizeof i, h);
    memcpy(a.b, h, 20);
    return a;
}

static void rand_id(chain_utxo_id_t *id)
{
    for (int i = 0; i < 32; i += 8) {
        uint64_t r = rnd();
        memcpy(id->tx_hash.b + i, &r, 8);
    }
    id->index = (uint32_t)(rnd() % 5);
}

/* block on top of the tip with the given root */
static chain_block_t *next_block(chain_state_t *st, const chain_hash_t *root)
{
    chain_header_t tip;
    chain_hash_t th;
    assert_int_equal(chain_state_tip(st, &tip, &th, NULL), 0);
    chain_block_t *b = chain_block_new();
    b->header.chain_id = tip.chain_id;
    b->header.height = tip.height + 1;
    b->header.timestamp_ms = tip.timestamp_ms + 1;
    b->header.parent_hash = th;
    b->header.state_root = *root;
    chain_merkle_root(NULL, 0, &b->header.receipts_root);
    chain_block_seal(b, sk);
    return b;
}

/* the genesis genesis_from_model wrote last (for snapshot imports) */
static chain_genesis_t last_genesis;
static chain_genesis_alloc_t *last_al;
static chain_utxo_t *last_us;

static void genesis_from_model(chain_state_t *st, model_t *m, size_t na, size_t nu)
{
    free(last_al);
    free(last_us);
    chain_genesis_alloc_t *al = last_al = calloc(na + 1, sizeof *al);
    chain_utxo_t *us = last_us = calloc(nu + 1, sizeof *us);
    for (size_t i = 0; i < na; i++) {
        al[i].addr = addr_n((unsigned)i);
        al[i].balance = chain_u128_from_u64(1000 + i);
        chain_account_t a = {al[i].balance, 0};
        model_set_account(m, &al[i].addr, &a);
    }
    for (size_t i = 0; i < nu; i++) {
        us[i].owner = addr_n((unsigned)i);
        us[i].amount = chain_u128_from_u64(50 + i);
        m->uid[m->nu] = (chain_utxo_id_t){{{0}}, (uint32_t)i};
        m->utxo[m->nu++] = us[i];
    }
    chain_genesis_t g = {.chain_id = 42, .timestamp_ms = 1000, .accounts = al,
                         .n_accounts = na, .utxos = us, .n_utxos = nu};
    memcpy(g.proposer_pk, pk, 32);
    err_t e = {0};
    assert_int_equal(chain_state_init_genesis(st, &g, &e), 0);
    assert_int_equal(chain_state_genesis_matches(st, &g, &e), 0);
    g.timestamp_ms++;
    assert_int_not_equal(chain_state_genesis_matches(st, &g, &e), 0);
    assert_int_not_equal(chain_state_init_genesis(st, &g, &e), 0);
    g.timestamp_ms--;
    last_genesis = g;
}

static void check_proofs(chain_state_t *st, const model_t *m)
{
    chain_hash_t root;
    chain_state_root(st, &root);
    err_t e = {0};
    chain_proof_t p, q;
    for (int k = 0; k < 12 && m->na; k++) {
        size_t i = rnd() % m->na;
        assert_int_equal(chain_state_prove_account(st, &m->addr[i], &p, &e), 0);
        assert_true(p.exists);
        assert_int_equal(chain_u128_cmp(p.account.balance, m->acct[i].balance), 0);
        assert_int_equal(chain_proof_verify(&p, &root, &e), 0);
        /* through JSON */
        json_t *j = chain_proof_to_json(&p);
        assert_int_equal(chain_proof_from_json(j, &q, &e), 0);
        json_decref(j);
        assert_int_equal(chain_proof_verify(&q, &root, &e), 0);
        /* a lie about the value fails */
        q.account.nonce++;
        assert_int_equal(chain_proof_verify(&q, &root, &e), CHAIN_EPROOF);
        if (p.n_siblings) {
            p.siblings[p.n_siblings / 2].b[5] ^= 1;
            assert_int_equal(chain_proof_verify(&p, &root, &e), CHAIN_EPROOF);
        }
    }
    for (int k = 0; k < 12; k++) {
        chain_addr_t a = addr_n(100000 + (unsigned)(rnd() % 1000000));
        assert_int_equal(chain_state_prove_account(st, &a, &p, &e), 0);
        assert_false(p.exists);
        assert_int_equal(chain_proof_verify(&p, &root, &e), 0);
        /* claiming presence with any value fails */
        p.exists = true;
        p.has_other = false;
        assert_int_equal(chain_proof_verify(&p, &root, &e), CHAIN_EPROOF);
        chain_utxo_id_t id;
        rand_id(&id);
        assert_int_equal(chain_state_prove_utxo(st, &id, &p, &e), 0);
        assert_false(p.exists);
        assert_int_equal(chain_proof_verify(&p, &root, &e), 0);
    }
    for (int k = 0; k < 8 && m->nu; k++) {
        size_t i = rnd() % m->nu;
        assert_int_equal(chain_state_prove_utxo(st, &m->uid[i], &p, &e), 0);
        assert_true(p.exists);
        assert_int_equal(chain_proof_verify(&p, &root, &e), 0);
        /* a present key cannot be shown absent: drop the value */
        p.exists = false;
        assert_int_equal(chain_proof_verify(&p, &root, &e), CHAIN_EPROOF);
    }
}

static void random_block(chain_state_t *st, model_t *m, int n_ops)
{
    err_t e = {0};
    chain_overlay_t *ov = chain_overlay_new(st, &e);
    assert_non_null(ov);
    for (int k = 0; k < n_ops; k++) {
        unsigned op = (unsigned)(rnd() % 10);
        if (op < 4) {
            chain_addr_t a = addr_n((unsigned)(rnd() % 300));
            chain_account_t v = {{rnd() % 100000, rnd() % 3 == 0 ? rnd() : 0}, rnd() % 50};
            assert_int_equal(chain_overlay_put_account(ov, &a, &v, &e), 0);
            model_set_account(m, &a, &v);
        } else if (op < 7 && m->nu < MAXU) {
            chain_utxo_id_t id;
            rand_id(&id);
            chain_utxo_t u = {addr_n((unsigned)(rnd() % 300)), {1 + rnd() % 1000, 0}};
            assert_int_equal(chain_overlay_put_utxo(ov, &id, &u, &e), 0);
            m->uid[m->nu] = id;
            m->utxo[m->nu++] = u;
        } else if (op < 9 && m->nu) {
            size_t i = rnd() % m->nu;
            assert_int_equal(chain_overlay_del_utxo(ov, &m->uid[i], &e), 0);
            bool ex;
            chain_utxo_t got;
            assert_int_equal(chain_overlay_get_utxo(ov, &m->uid[i], &got, &ex, &e), 0);
            assert_false(ex);
            assert_int_equal(chain_overlay_del_utxo(ov, &m->uid[i], &e), CHAIN_ENOTFOUND);
            m->uid[i] = m->uid[m->nu - 1];
            m->utxo[i] = m->utxo[--m->nu];
        } else {
            /* writes under a savepoint that is rolled back leave no trace */
            size_t mark = chain_overlay_mark(ov);
            for (int j = 0; j < 5; j++) {
                chain_addr_t a = addr_n((unsigned)(rnd() % 400));
                chain_account_t v = {{rnd(), 0}, 9};
                assert_int_equal(chain_overlay_put_account(ov, &a, &v, &e), 0);
                chain_utxo_id_t id;
                rand_id(&id);
                chain_utxo_t u = {a, {5, 0}};
                assert_int_equal(chain_overlay_put_utxo(ov, &id, &u, &e), 0);
            }
            if (m->nu)
                assert_int_equal(chain_overlay_del_utxo(ov, &m->uid[0], &e), 0);
            chain_overlay_rollback(ov, mark);
        }
    }
    chain_hash_t got, want;
    assert_int_equal(chain_overlay_root(ov, &got, &e), 0);
    model_root(m, &want);
    assert_memory_equal(got.b, want.b, 32);
    chain_block_t *b = next_block(st, &got);
    assert_int_equal(chain_state_commit(st, ov, b, NULL, &e), 0);
    chain_state_root(st, &got);
    assert_memory_equal(got.b, want.b, 32);
    chain_block_free(b);
}

static void test_smt_vs_model(void **state)
{
    (void)state;
    char *dir = tmpdir();
    err_t e = {0};
    chain_state_t *st = chain_state_open(dir, false, &e);
    assert_non_null(st);
    assert_false(chain_state_has_tip(st));
    chain_state_set_cache_entries(st, 50);   /* constant generation turnover */
    static model_t m;
    memset(&m, 0, sizeof m);
    genesis_from_model(st, &m, 20, 6);
    chain_hash_t got, want;
    chain_state_root(st, &got);
    model_root(&m, &want);
    assert_memory_equal(got.b, want.b, 32);
    for (int blk = 1; blk <= 40; blk++) {
        random_block(st, &m, 1 + (int)(rnd() % 60));
        if (blk % 8 == 0) {
            check_proofs(st, &m);
            chain_state_close(st);
            st = chain_state_open(dir, false, &e);
            assert_non_null(st);
            chain_header_t tip;
            assert_int_equal(chain_state_tip(st, &tip, NULL, &e), 0);
            assert_int_equal(tip.height, (uint64_t)blk);
            chain_state_root(st, &got);
            model_root(&m, &want);
            assert_memory_equal(got.b, want.b, 32);
        }
    }
    if (chain_state_check(st, &e) != 0)
        fail_msg("check: %s", e.msg);
    /* every account reads back as the model has it */
    for (size_t i = 0; i < m.na; i++) {
        chain_account_t a;
        bool ex;
        assert_int_equal(chain_state_get_account(st, &m.addr[i], &a, &ex, &e), 0);
        assert_true(ex);
        assert_int_equal(chain_u128_cmp(a.balance, m.acct[i].balance), 0);
        assert_int_equal(a.nonce, m.acct[i].nonce);
    }
    /* the owner index lists exactly the model's UTxOs of an owner */
    chain_addr_t owner = m.nu ? m.utxo[0].owner : addr_n(0);
    size_t want_n = 0;
    for (size_t i = 0; i < m.nu; i++)
        want_n += !memcmp(m.utxo[i].owner.b, owner.b, 20);
    chain_utxo_entry_t *list;
    size_t n;
    assert_int_equal(chain_state_list_utxos(st, &owner, 10000, &list, &n, &e), 0);
    assert_int_equal(n, want_n);
    free(list);
    /* a stale overlay cannot commit */
    chain_overlay_t *ov1 = chain_overlay_new(st, &e), *ov2 = chain_overlay_new(st, &e);
    chain_hash_t r1;
    assert_int_equal(chain_overlay_root(ov1, &r1, &e), 0);
    chain_block_t *b1 = next_block(st, &r1);
    assert_int_equal(chain_state_commit(st, ov1, b1, NULL, &e), 0);
    assert_int_not_equal(chain_state_commit(st, ov2, b1, NULL, &e), 0);
    chain_block_free(b1);
    /* block lookups */
    chain_header_t tip;
    chain_hash_t th;
    assert_int_equal(chain_state_tip(st, &tip, &th, &e), 0);
    chain_block_t *bb;
    assert_int_equal(chain_state_get_block_by_hash(st, &th, &bb, &e), 0);
    assert_int_equal(bb->header.height, tip.height);
    chain_block_free(bb);
    assert_int_equal(chain_state_get_block(st, tip.height + 1, &bb, &e), CHAIN_ENOTFOUND);
    chain_state_close(st);
    rmrf(dir);
    free(dir);
}

static void test_smt_empty_again(void **state)
{
    (void)state;
    char *dir = tmpdir();
    err_t e = {0};
    chain_state_t *st = chain_state_open(dir, false, &e);
    static model_t m;
    memset(&m, 0, sizeof m);
    genesis_from_model(st, &m, 0, 3);
    chain_overlay_t *ov = chain_overlay_new(st, &e);
    for (uint32_t i = 0; i < 3; i++) {
        chain_utxo_id_t id = {{{0}}, i};
        assert_int_equal(chain_overlay_del_utxo(ov, &id, &e), 0);
    }
    chain_hash_t r, zero = {{0}};
    assert_int_equal(chain_overlay_root(ov, &r, &e), 0);
    assert_memory_equal(r.b, zero.b, 32);
    chain_block_t *b = next_block(st, &r);
    assert_int_equal(chain_state_commit(st, ov, b, NULL, &e), 0);
    chain_block_free(b);
    chain_proof_t p;
    chain_utxo_id_t id = {{{0}}, 1};
    assert_int_equal(chain_state_prove_utxo(st, &id, &p, &e), 0);
    assert_false(p.exists);
    assert_int_equal(p.n_siblings, 0);
    assert_int_equal(chain_proof_verify(&p, &zero, &e), 0);
    chain_state_close(st);
    /* reopen an empty tree */
    st = chain_state_open(dir, false, &e);
    assert_non_null(st);
    chain_state_root(st, &r);
    assert_memory_equal(r.b, zero.b, 32);
    chain_state_close(st);
    rmrf(dir);
    free(dir);
}

/* ---- crash safety ---- */

/* Block h sets accounts addr_n(h*7 % 50 .. +6) to balance h*1000+k. */
static void crash_ops(model_t *m, chain_overlay_t *ov, uint64_t h)
{
    for (unsigned k = 0; k < 6; k++) {
        chain_addr_t a = addr_n((unsigned)((h * 7 + k) % 50));
        chain_account_t v = {{h * 1000 + k, 0}, h};
        if (ov)
            assert_int_equal(chain_overlay_put_account(ov, &a, &v, NULL), 0);
        if (m)
            model_set_account(m, &a, &v);
    }
}

static void test_crash_kill9(void **state)
{
    (void)state;
    char *dir = tmpdir();
    err_t e = {0};
    chain_state_t *st = chain_state_open(dir, false, &e);
    static model_t m;
    memset(&m, 0, sizeof m);
    genesis_from_model(st, &m, 10, 0);
    chain_state_close(st);
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        chain_state_t *cs = chain_state_open(dir, false, NULL);
        if (!cs)
            _exit(3);
        for (uint64_t h = 1;; h++) {
            chain_overlay_t *ov = chain_overlay_new(cs, NULL);
            crash_ops(NULL, ov, h);
            chain_hash_t r;
            if (chain_overlay_root(ov, &r, NULL) != 0)
                _exit(4);
            chain_block_t *b = next_block(cs, &r);
            if (chain_state_commit(cs, ov, b, NULL, NULL) != 0)
                _exit(5);
            chain_block_free(b);
            if (write(pfd[1], "c", 1) != 1)
                _exit(6);
        }
    }
    /* wait for 30 commits (slow under sanitizers), then kill it mid-flight */
    close(pfd[1]);
    char buf[30];
    size_t got_n = 0;
    while (got_n < sizeof buf) {
        ssize_t k = read(pfd[0], buf, sizeof buf - got_n);
        if (k <= 0)
            break;
        got_n += (size_t)k;
    }
    assert_int_equal(got_n, sizeof buf);
    struct timespec ts = {0, (long)(rnd() % 50) * 1000 * 1000};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    close(pfd[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    st = chain_state_open(dir, false, &e);
    if (!st)
        fail_msg("reopen after kill -9: %s", e.msg);
    chain_header_t tip;
    assert_int_equal(chain_state_tip(st, &tip, NULL, &e), 0);
    print_message("child committed %llu blocks before SIGKILL\n", (unsigned long long)tip.height);
    assert_true(tip.height >= 30);
    for (uint64_t h = 1; h <= tip.height; h++)
        crash_ops(&m, NULL, h);
    chain_hash_t got, want;
    model_root(&m, &want);
    chain_state_root(st, &got);
    assert_memory_equal(got.b, want.b, 32);
    if (chain_state_check(st, &e) != 0)
        fail_msg("after kill -9: %s", e.msg);
    for (size_t i = 0; i < m.na; i++) {
        chain_account_t a;
        bool ex;
        assert_int_equal(chain_state_get_account(st, &m.addr[i], &a, &ex, &e), 0);
        assert_int_equal(chain_u128_cmp(a.balance, m.acct[i].balance), 0);
    }
    /* and the chain continues */
    chain_overlay_t *ov = chain_overlay_new(st, &e);
    crash_ops(&m, ov, tip.height + 1);
    chain_hash_t r;
    assert_int_equal(chain_overlay_root(ov, &r, &e), 0);
    chain_block_t *b = next_block(st, &r);
    assert_int_equal(chain_state_commit(st, ov, b, NULL, &e), 0);
    chain_block_free(b);
    chain_state_close(st);
    rmrf(dir);
    free(dir);
}

/* ---- snapshots ---- */

static int read_file(const char *p, uint8_t **d, size_t *n)
{
    return file_read_all(p, 1 << 28, d, n, NULL);
}

static void write_file(const char *p, const uint8_t *d, size_t n)
{
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, n, f), n);
    fclose(f);
}

/* Snapshots carry data leaves (format 2): jobs, staking and contract state,
 * including a leaf deleted before the export; the import reproduces the
 * root, the values and their proofs. */
static void data_block(chain_state_t *st, const uint8_t *put_ids, int n_put, const uint8_t *del_id)
{
    err_t e = {0};
    chain_overlay_t *ov = chain_overlay_new(st, &e);
    assert_non_null(ov);
    for (int i = 0; i < n_put; i++) {
        uint8_t id[32], val[100];
        memset(id, put_ids[i], 32);
        memset(val, put_ids[i] ^ 0x5a, sizeof val);
        assert_int_equal(chain_overlay_put_data(ov, 0x22, id, val, 10 + put_ids[i], &e), 0);
    }
    if (del_id) {
        uint8_t id[32];
        memset(id, *del_id, 32);
        assert_int_equal(chain_overlay_del_data(ov, 0x22, id, &e), 0);
        buf_t v;
        bool ex = true;
        buf_init(&v, 0);
        assert_int_equal(chain_overlay_get_data(ov, 0x22, id, &v, &ex, &e), 0);
        assert_false(ex);
        buf_free(&v);
    }
    chain_hash_t root;
    assert_int_equal(chain_overlay_root(ov, &root, &e), 0);
    chain_block_t *b = next_block(st, &root);
    assert_int_equal(chain_state_commit(st, ov, b, NULL, &e), 0);
    chain_block_free(b);
}

static void test_snapshot_data(void **state)
{
    (void)state;
    char *dir = tmpdir(), *dir2 = tmpdir(), *dir3 = tmpdir();
    char snap[256];
    snprintf(snap, sizeof snap, "%s/snap.zst", dir3);
    err_t e = {0};
    chain_state_t *st = chain_state_open(dir, false, &e);
    static model_t m;
    memset(&m, 0, sizeof m);
    genesis_from_model(st, &m, 10, 3);
    static const uint8_t first[3] = {1, 2, 3}, second[1] = {4}, gone = 2;
    data_block(st, first, 3, NULL);
    chain_hash_t r1;
    chain_state_root(st, &r1);
    data_block(st, second, 1, &gone);
    chain_hash_t root;
    chain_state_root(st, &root);
    assert_memory_not_equal(root.b, r1.b, 32);
    assert_int_equal(chain_state_check(st, &e), 0);
    assert_int_equal(chain_state_snapshot_export(st, snap, &e), 0);
    chain_state_close(st);

    chain_state_t *im = chain_state_open(dir2, false, &e);
    assert_non_null(im);
    assert_int_equal(chain_state_snapshot_import(im, snap, &last_genesis, &e), 0);
    chain_hash_t root2;
    chain_state_root(im, &root2);
    assert_memory_equal(root.b, root2.b, 32);
    assert_int_equal(chain_state_check(im, &e), 0);
    for (uint8_t k = 1; k <= 4; k++) {
        uint8_t id[32];
        memset(id, k, 32);
        buf_t v;
        bool ex = false;
        buf_init(&v, 0);
        assert_int_equal(chain_state_get_data(im, 0x22, id, &v, &ex, &e), 0);
        assert_true(ex == (k != gone));
        if (ex) {
            assert_int_equal(v.len, 10 + k);
            assert_int_equal(v.data[0], k ^ 0x5a);
        }
        chain_proof_t *p = malloc(sizeof *p);
        assert_int_equal(chain_state_prove_data(im, 0x22, id, p, &v, &e), 0);
        assert_int_equal(chain_data_proof_verify(0x22, id, ex ? v.data : NULL, v.len,
                                                 p->siblings, p->n_siblings,
                                                 p->has_other ? &p->other_key : NULL,
                                                 p->has_other ? &p->other_value_hash : NULL,
                                                 &root2, &e),
                         0);
        free(p);
        buf_free(&v);
    }
    chain_state_close(im);
    rmrf(dir);
    rmrf(dir2);
    rmrf(dir3);
    free(dir);
    free(dir2);
    free(dir3);
}

static void test_snapshot(void **state)
{
    (void)state;
    char *dir = tmpdir(), *dir2 = tmpdir(), *dir3 = tmpdir();
    char snap[256], bad[256], sub[256];
    snprintf(snap, sizeof snap, "%s/snap.zst", dir3);
    snprintf(bad, sizeof bad, "%s/bad.zst", dir3);
    snprintf(sub, sizeof sub, "%s/db", dir2);
    err_t e = {0};
    chain_state_t *st = chain_state_open(dir, false, &e);
    static model_t m;
    memset(&m, 0, sizeof m);
    genesis_from_model(st, &m, 30, 10);
    for (int i = 0; i < 5; i++)
        random_block(st, &m, 30);
    assert_int_equal(chain_state_snapshot_export(st, snap, &e), 0);
    chain_header_t tip;
    chain_hash_t th, root;
    assert_int_equal(chain_state_tip(st, &tip, &th, &e), 0);
    chain_state_root(st, &root);
    /* export from a read-only handle beside the writer gives the same content */
    chain_state_close(st);

    chain_state_t *im = chain_state_open(sub, false, &e);
    assert_non_null(im);
    assert_int_equal(chain_state_snapshot_import(im, snap, &last_genesis, &e), 0);
    chain_header_t tip2;
    chain_hash_t th2, root2;
    assert_int_equal(chain_state_tip(im, &tip2, &th2, &e), 0);
    chain_state_root(im, &root2);
    assert_memory_equal(th.b, th2.b, 32);
    assert_memory_equal(root.b, root2.b, 32);
    for (size_t i = 0; i < m.na; i++) {
        chain_account_t a;
        bool ex;
        assert_int_equal(chain_state_get_account(im, &m.addr[i], &a, &ex, &e), 0);
        assert_true(ex);
        assert_int_equal(chain_u128_cmp(a.balance, m.acct[i].balance), 0);
    }
    check_proofs(im, &m);
    assert_int_equal(chain_state_check(im, &e), 0);
    chain_block_t *g0;
    assert_int_equal(chain_state_get_block(im, 0, &g0, &e), 0);
    assert_int_equal(g0->header.chain_id, 42);
    chain_block_free(g0);
    /* a non-empty store refuses */
    assert_int_not_equal(chain_state_snapshot_import(im, snap, &last_genesis, &e), 0);
    assert_non_null(strstr(e.msg, "empty"));
    /* the imported node keeps producing blocks */
    random_block(im, &m, 10);
    chain_state_close(im);
    rmrf(sub);

    uint8_t *d;
    size_t n;
    assert_int_equal(read_file(snap, &d, &n), 0);
    /* 1: flipped byte in the compressed stream */
    d[n / 2] ^= 0x10;
    write_file(bad, d, n);
    d[n / 2] ^= 0x10;
    im = chain_state_open(sub, false, &e);
    assert_int_not_equal(chain_state_snapshot_import(im, bad, &last_genesis, &e), 0);
    print_message("flipped byte: %s\n", e.msg);
    assert_false(chain_state_has_tip(im));
    /* 2: truncated */
    write_file(bad, d, n - 10);
    assert_int_not_equal(chain_state_snapshot_import(im, bad, &last_genesis, &e), 0);
    assert_false(chain_state_has_tip(im));
    /* 3: a balance changed and the digest recomputed: only the root catches it */
    size_t cap = ZSTD_getFrameContentSize(d, n);
    assert_true(cap != ZSTD_CONTENTSIZE_ERROR);
    if (cap == ZSTD_CONTENTSIZE_UNKNOWN)
        cap = 1 << 24;
    uint8_t *raw = malloc(cap);
    size_t rn = ZSTD_decompress(raw, cap, d, n);
    assert_false(ZSTD_isError(rn));
    uint32_t blen = (uint32_t)raw[12] | (uint32_t)raw[13] << 8 | (uint32_t)raw[14] << 16 |
                    (uint32_t)raw[15] << 24;
    size_t first = 16 + blen;   /* then u32 genesis length and block 0 */
    uint32_t glen = (uint32_t)raw[first] | (uint32_t)raw[first + 1] << 8 |
                    (uint32_t)raw[first + 2] << 16 | (uint32_t)raw[first + 3] << 24;
    first += 4 + glen;
    assert_int_equal(raw[first], 1);   /* an account record */
    raw[first + 1 + 20] ^= 1;          /* its balance's low byte */
    crypto_sha256(raw, rn - 32, raw + rn - 32);
    size_t zc = ZSTD_compressBound(rn);
    uint8_t *z = malloc(zc);
    size_t zn = ZSTD_compress(z, zc, raw, rn, 3);
    assert_false(ZSTD_isError(zn));
    write_file(bad, z, zn);
    assert_int_not_equal(chain_state_snapshot_import(im, bad, &last_genesis, &e), 0);
    print_message("altered balance: %s\n", e.msg);
    assert_non_null(strstr(e.msg, "state root"));
    assert_false(chain_state_has_tip(im));
    /* 4: same, without fixing the digest */
    raw[first + 1 + 20] ^= 1;
    raw[first + 1 + 21] ^= 1;
    zn = ZSTD_compress(z, zc, raw, rn, 3);
    write_file(bad, z, zn);
    assert_int_not_equal(chain_state_snapshot_import(im, bad, &last_genesis, &e), 0);
    assert_non_null(strstr(e.msg, "digest"));
    /* 5: the genesis the node runs with names another validator (or other
     * allocations): the tip does not prove itself against it */
    chain_genesis_t other = last_genesis;
    other.proposer_pk[0] ^= 1;
    assert_int_not_equal(chain_state_snapshot_import(im, snap, &other, &e), 0);
    assert_non_null(strstr(e.msg, "block 0"));
    other = last_genesis;
    other.n_accounts--;
    assert_int_not_equal(chain_state_snapshot_import(im, snap, &other, &e), 0);
    assert_non_null(strstr(e.msg, "allocations"));
    assert_false(chain_state_has_tip(im));
    /* 5: not a snapshot at all */
    write_file(bad, (const uint8_t *)"hello", 5);
    assert_int_not_equal(chain_state_snapshot_import(im, bad, &last_genesis, &e), 0);
    /* the untouched file still imports */
    assert_int_equal(chain_state_snapshot_import(im, snap, &last_genesis, &e), 0);
    chain_state_close(im);
    free(raw);
    free(z);
    free(d);
    rmrf(dir);
    rmrf(dir2);
    rmrf(dir3);
    free(dir);
    free(dir2);
    free(dir3);
}

static void test_open_errors(void **state)
{
    (void)state;
    err_t e = {0};
    assert_null(chain_state_open("/nonexistent/dir/for/sure", true, &e));
    assert_int_not_equal(e.code, 0);
    char *dir = tmpdir();
    chain_state_t *st = chain_state_open(dir, false, &e);
    assert_non_null(st);
    /* a second writer is refused by RocksDB's lock, a reader is not */
    assert_null(chain_state_open(dir, false, &e));
    chain_state_t *ro = chain_state_open(dir, true, &e);
    assert_non_null(ro);
    assert_null(chain_overlay_new(ro, &e));
    chain_state_close(ro);
    /* genesis with a repeated address or a zero UTxO is refused, nothing written */
    chain_genesis_alloc_t al[2] = {{addr_n(1), {5, 0}}, {addr_n(1), {6, 0}}};
    chain_genesis_t g = {.chain_id = 1, .accounts = al, .n_accounts = 2};
    assert_int_equal(chain_state_init_genesis(st, &g, &e), CHAIN_EINVAL);
    assert_non_null(strstr(e.msg, "twice"));
    chain_utxo_t zu = {addr_n(2), {0, 0}};
    g.n_accounts = 1;
    g.utxos = &zu;
    g.n_utxos = 1;
    assert_int_equal(chain_state_init_genesis(st, &g, &e), CHAIN_EINVAL);
    assert_non_null(strstr(e.msg, "zero"));
    assert_false(chain_state_has_tip(st));
    chain_proof_t p;
    assert_int_equal(chain_state_prove_account(st, &al[0].addr, &p, &e), 0);
    assert_false(p.exists);
    assert_int_equal(p.n_siblings, 0);
    chain_state_close(st);
    rmrf(dir);
    free(dir);
}

/* ---- overlay savepoints against a model (exercises the undo log) ---- */

static void test_overlay_rollback(void **state)
{
    (void)state;
    char *dir = tmpdir();
    err_t e = {0};
    chain_state_t *st = chain_state_open(dir, false, &e);
    static model_t m;
    memset(&m, 0, sizeof m);
    genesis_from_model(st, &m, 40, 0);
    enum { KEYS = 300, DEPTH = 8 };
    /* model: committed balance (genesis: 1000 + i for i < 40), then layers */
    static uint64_t cur[KEYS], saved[DEPTH][KEYS];
    for (unsigned i = 0; i < KEYS; i++)
        cur[i] = i < 40 ? 1000 + i : 0;
    size_t marks[DEPTH];
    int depth = 0;
    chain_overlay_t *ov = chain_overlay_new(st, &e);
    for (int op = 0; op < 20000; op++) {
        unsigned r = (unsigned)(rnd() % 100);
        if (r < 70) {
            unsigned k = (unsigned)(rnd() % KEYS);
            chain_addr_t a = addr_n(k);
            chain_account_t v = {{1 + rnd() % 1000000, 0}, 0};
            assert_int_equal(chain_overlay_put_account(ov, &a, &v, &e), 0);
            cur[k] = v.balance.lo;
        } else if (r < 82 && depth < DEPTH) {
            marks[depth] = chain_overlay_mark(ov);
            memcpy(saved[depth], cur, sizeof cur);
            depth++;
        } else if (r < 94 && depth > 0) {
            depth--;
            chain_overlay_rollback(ov, marks[depth]);
            memcpy(cur, saved[depth], sizeof cur);
        } else {
            /* spot-check every key */
            for (unsigned k = 0; k < KEYS; k++) {
                chain_addr_t a = addr_n(k);
                chain_account_t v;
                assert_int_equal(chain_overlay_get_account(ov, &a, &v, &e), 0);
                if (v.balance.lo != cur[k])
                    fail_msg("op %d key %u: overlay %llu, model %llu", op, k,
                             (unsigned long long)v.balance.lo, (unsigned long long)cur[k]);
            }
        }
    }
    /* the root after all this equals the model's */
    for (unsigned k = 0; k < KEYS; k++) {
        if (k >= 40 && cur[k] == 0)
            continue;   /* never written, or rolled back to absent */
        chain_addr_t a = addr_n(k);
        chain_account_t v = {{cur[k], 0}, 0};
        model_set_account(&m, &a, &v);
    }
    /* keys written and then rolled back entirely are absent: drop them */
    chain_hash_t got, want;
    assert_int_equal(chain_overlay_root(ov, &got, &e), 0);
    model_root(&m, &want);
    assert_memory_equal(got.b, want.b, 32);
    chain_overlay_free(ov);
    chain_state_close(st);
    rmrf(dir);
    free(dir);
}

/* ---- readers during commits ---- */

typedef struct reader {
    chain_state_t *st;
    atomic_int stop;
    long proofs, bad;
    char msg[ERR_MSG_MAX];
} reader_t;

static void *reader_main(void *arg)
{
    reader_t *r = arg;
    uint64_t x = 99;
    while (!atomic_load(&r->stop)) {
        x = x * 6364136223846793005ull + 1;
        chain_addr_t a = addr_n((unsigned)((x >> 33) % 80));
        chain_proof_t p;
        err_t e = {0};
        if (chain_state_prove_account(r->st, &a, &p, &e) != 0 ||
            chain_proof_verify(&p, NULL, &e) != 0) {
            r->bad++;
            snprintf(r->msg, sizeof r->msg, "%s", e.msg);
        }
        r->proofs++;
    }
    return NULL;
}

static void test_concurrent_readers(void **state)
{
    (void)state;
    char *dir = tmpdir();
    err_t e = {0};
    chain_state_t *st = chain_state_open(dir, false, &e);
    static model_t m;
    memset(&m, 0, sizeof m);
    genesis_from_model(st, &m, 30, 0);
    chain_state_set_cache_entries(st, 40);   /* readers and the writer rotate it */
    reader_t rd = {.st = st};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, reader_main, &rd), 0);
    for (uint64_t h = 1; h <= 60; h++) {
        chain_overlay_t *ov = chain_overlay_new(st, &e);
        for (unsigned k = 0; k < 20; k++) {
            chain_addr_t a = addr_n((unsigned)((h * 13 + k * 7) % 80));
            chain_account_t v = {{h * 100 + k, 0}, h};
            assert_int_equal(chain_overlay_put_account(ov, &a, &v, &e), 0);
        }
        chain_hash_t r;
        assert_int_equal(chain_overlay_root(ov, &r, &e), 0);
        chain_block_t *b = next_block(st, &r);
        assert_int_equal(chain_state_commit(st, ov, b, NULL, &e), 0);
        chain_block_free(b);
    }
    atomic_store(&rd.stop, 1);
    pthread_join(th, NULL);
    print_message("%ld proofs read during 60 commits\n", rd.proofs);
    if (rd.bad)
        fail_msg("%ld of %ld proofs failed: %s", rd.bad, rd.proofs, rd.msg);
    chain_state_close(st);
    rmrf(dir);
    free(dir);
}

/* chain_state_check notices a leaf changed behind the tree's back. */
static void test_check_detects_tamper(void **state)
{
    (void)state;
    char *dir = tmpdir();
    err_t e = {0};
    chain_state_t *st = chain_state_open(dir, false, &e);
    static model_t m;
    memset(&m, 0, sizeof m);
    genesis_from_model(st, &m, 10, 2);
    random_block(st, &m, 20);
    assert_int_equal(chain_state_check(st, &e), 0);
    chain_state_close(st);
    /* rewrite one account directly in RocksDB */
    static const char *names[] = {"default", "accounts", "utxos", "owner_utxo", "smt",
                                  "blocks",  "block_idx", "txs",  "meta",  "data", "logs", "history"};
    enum { NCF = sizeof names / sizeof names[0] };
    rocksdb_options_t *o = rocksdb_options_create();
    const rocksdb_options_t *co[NCF];
    rocksdb_column_family_handle_t *h[NCF];
    for (int i = 0; i < NCF; i++)
        co[i] = o;
    char *err = NULL;
    rocksdb_t *db = rocksdb_open_column_families(o, dir, NCF, names, co, h, &err);
    if (err)
        fail_msg("raw open: %s", err);
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    uint8_t v[CHAIN_ACCOUNT_BYTES];
    chain_account_t a = {{123456789, 0}, 0};
    chain_account_encode(&a, v);
    rocksdb_put_cf(db, wo, h[1], (const char *)m.addr[0].b, 20, (const char *)v, sizeof v, &err);
    assert_null(err);
    rocksdb_writeoptions_destroy(wo);
    for (int i = 0; i < NCF; i++)
        rocksdb_column_family_handle_destroy(h[i]);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
    st = chain_state_open(dir, false, &e);
    assert_non_null(st);
    assert_int_equal(chain_state_check(st, &e), CHAIN_EIO);
    assert_non_null(strstr(e.msg, "different root"));
    chain_state_close(st);
    rmrf(dir);
    free(dir);
}

static int group_teardown(void **state)
{
    (void)state;
    free(last_al);
    free(last_us);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smt_vs_model), cmocka_unit_test(test_smt_empty_again),
        cmocka_unit_test(test_crash_kill9),  cmocka_unit_test(test_snapshot),
        cmocka_unit_test(test_snapshot_data),
        cmocka_unit_test(test_open_errors),  cmocka_unit_test(test_overlay_rollback),
        cmocka_unit_test(test_concurrent_readers), cmocka_unit_test(test_check_detects_tamper),
    };
    return cmocka_run_group_tests(tests, setup, group_teardown);
}
