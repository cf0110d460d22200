/* Tests of chain/state's state history (history.c): reads as of every kept
 * height against a model that remembers each block's state (accounts,
 * UTxOs created and spent, data leaves written and deleted, keys absent at
 * some heights), across a restart; the pruning boundary and its error; a
 * window that never widens over pruned heights; a read-only view pinned at
 * a height while blocks commit under it; history restarting after a
 * snapshot import; proofs and UTxO lists as of every kept height
 * (history_proof.c): each proof verifies against that block's header root
 * and shows the model's value or absence, and not against another root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <rocksdb/c.h>
#include <stdatomic.h>

#include "chain/state/state.h"

static uint8_t sk[64], pk[32];

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    uint8_t seed[32];
    memset(seed, 7, 32);
    crypto_ed25519_from_seed(seed, pk, sk);
    return 0;
}

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

static char *tmpdir(void)
{
    char *d = strdup("/tmp/chain_history_test.XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void rmrf(char *d)
{
    nftw(d, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    free(d);
}

static uint64_t rng = 0x1234567887654321ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static chain_addr_t addr_n(unsigned i)
{
    chain_addr_t a;
    uint8_t h[32];
    crypto_sha256(&i, sizeof i, h);
    memcpy(a.b, h, 20);
    return a;
}

/* ---- the model: the whole tracked state after each block ---- */

#define NA 12   /* accounts 0..NA-1; odd ones absent at genesis */
#define NU 24   /* UTxO ids (i, 7) */
#define ND 8    /* data ids memset(k) under tag 0x22 */
#define MAXH 40

typedef struct snap {
    bool a_ex[NA];
    chain_account_t a[NA];
    bool u_ex[NU];
    chain_utxo_t u[NU];
    bool d_ex[ND];
    uint8_t d[ND][16];
    size_t d_len[ND];
} snap_t;

static snap_t model[MAXH];

static chain_utxo_id_t uid(unsigned i)
{
    chain_utxo_id_t id;
    memset(&id, 0, sizeof id);
    memset(id.tx_hash.b, 0x40 + (int)i, 32);
    id.index = 7;
    return id;
}

static void data_id(unsigned k, uint8_t id[32])
{
    memset(id, 0x10 + (int)k, 32);
}

static chain_genesis_t gen;
static chain_genesis_alloc_t gen_al[NA];

static chain_state_t *open_with_genesis(const char *dir)
{
    err_t e = {0};
    chain_state_t *st = chain_state_open(dir, false, &e);
    assert_non_null(st);
    size_t n = 0;
    memset(&model[0], 0, sizeof model[0]);
    for (unsigned i = 0; i < NA; i += 2) {
        gen_al[n].addr = addr_n(i);
        gen_al[n].balance = chain_u128_from_u64(1000 + i);
        model[0].a_ex[i] = true;
        model[0].a[i].balance = gen_al[n].balance;
        n++;
    }
    memset(&gen, 0, sizeof gen);
    gen.chain_id = 9;
    gen.timestamp_ms = 5000;
    gen.accounts = gen_al;
    gen.n_accounts = n;
    memcpy(gen.proposer_pk, pk, 32);
    assert_int_equal(chain_state_init_genesis(st, &gen, &e), 0);
    return st;
}

/* commits one block of random changes; model[h] becomes its state */
static void random_block(chain_state_t *st)
{
    err_t e = {0};
    chain_header_t tip;
    chain_hash_t th;
    assert_int_equal(chain_state_tip(st, &tip, &th, &e), 0);
    uint64_t h = tip.height + 1;
    assert_true(h < MAXH);
    snap_t *m = &model[h];
    *m = model[h - 1];
    chain_overlay_t *ov = chain_overlay_new(st, &e);
    assert_non_null(ov);
    for (int k = 0; k < 6; k++) {
        unsigned i = (unsigned)(rnd() % NA);
        chain_addr_t a = addr_n(i);
        chain_account_t v = {chain_u128_from_u64(rnd() % 100000), rnd() % 9};
        assert_int_equal(chain_overlay_put_account(ov, &a, &v, &e), 0);
        m->a_ex[i] = true;
        m->a[i] = v;
    }
    for (int k = 0; k < 3; k++) {
        unsigned i = (unsigned)(rnd() % NU);
        chain_utxo_id_t id = uid(i);
        if (m->u_ex[i]) {
            assert_int_equal(chain_overlay_del_utxo(ov, &id, &e), 0);
            m->u_ex[i] = false;
        } else {
            chain_utxo_t u = {addr_n(i), chain_u128_from_u64(1 + rnd() % 500)};
            assert_int_equal(chain_overlay_put_utxo(ov, &id, &u, &e), 0);
            m->u_ex[i] = true;
            m->u[i] = u;
        }
    }
    for (int k = 0; k < 3; k++) {
        unsigned i = (unsigned)(rnd() % ND);
        uint8_t id[32];
        data_id(i, id);
        if (m->d_ex[i] && rnd() % 3 == 0) {
            assert_int_equal(chain_overlay_del_data(ov, 0x22, id, &e), 0);
            m->d_ex[i] = false;
        } else {
            size_t n = 1 + rnd() % 16;
            for (size_t j = 0; j < n; j++)
                m->d[i][j] = (uint8_t)rnd();
            assert_int_equal(chain_overlay_put_data(ov, 0x22, id, m->d[i], n, &e), 0);
            m->d_ex[i] = true;
            m->d_len[i] = n;
        }
    }
    chain_hash_t root;
    assert_int_equal(chain_overlay_root(ov, &root, &e), 0);
    chain_block_t *b = chain_block_new();
    b->header.chain_id = tip.chain_id;
    b->header.height = h;
    b->header.timestamp_ms = tip.timestamp_ms + 1000;
    b->header.parent_hash = th;
    b->header.state_root = root;
    chain_merkle_root(NULL, 0, &b->header.receipts_root);
    chain_block_seal(b, sk);
    assert_int_equal(chain_state_commit(st, ov, b, NULL, &e), 0);
    chain_block_free(b);
}

/* every tracked key as of height h equals model[h] */
static void check_height(chain_state_t *st, uint64_t h)
{
    err_t e = {0};
    const snap_t *m = &model[h];
    for (unsigned i = 0; i < NA; i++) {
        chain_addr_t a = addr_n(i);
        chain_account_t got;
        bool ex = !m->a_ex[i];
        assert_int_equal(chain_state_get_account_at(st, h, &a, &got, &ex, &e), 0);
        assert_int_equal(ex, m->a_ex[i]);
        if (ex) {
            assert_int_equal(chain_u128_cmp(got.balance, m->a[i].balance), 0);
            assert_int_equal(got.nonce, m->a[i].nonce);
        }
    }
    for (unsigned i = 0; i < NU; i++) {
        chain_utxo_id_t id = uid(i);
        chain_utxo_t got;
        bool ex = !m->u_ex[i];
        assert_int_equal(chain_state_get_utxo_at(st, h, &id, &got, &ex, &e), 0);
        assert_int_equal(ex, m->u_ex[i]);
        if (ex)
            assert_int_equal(chain_u128_cmp(got.amount, m->u[i].amount), 0);
    }
    buf_t v;
    buf_init(&v, 0);
    for (unsigned i = 0; i < ND; i++) {
        uint8_t id[32];
        data_id(i, id);
        bool ex = !m->d_ex[i];
        assert_int_equal(chain_state_get_data_at(st, h, 0x22, id, &v, &ex, &e), 0);
        assert_int_equal(ex, m->d_ex[i]);
        if (ex) {
            assert_int_equal(v.len, m->d_len[i]);
            assert_memory_equal(v.data, m->d[i], v.len);
        }
    }
    buf_free(&v);
}

/* the state root in block h's header */
static chain_hash_t root_of(chain_state_t *st, uint64_t h)
{
    err_t e = {0};
    chain_block_t *b = NULL;
    assert_int_equal(chain_state_get_block(st, h, &b, &e), 0);
    chain_hash_t r = b->header.state_root;
    chain_block_free(b);
    return r;
}

/* every tracked key's proof as of height h verifies against block h's root
 * and shows model[h]; the UTxO list of each owner is model[h]'s */
static void check_proofs(chain_state_t *st, uint64_t h, uint64_t tip)
{
    err_t e = {0};
    const snap_t *m = &model[h];
    chain_hash_t want = root_of(st, h), tip_root = root_of(st, tip);
    chain_proof_t *p = malloc(sizeof *p);
    assert_non_null(p);
    for (unsigned i = 0; i < NA; i++) {
        chain_addr_t a = addr_n(i);
        assert_int_equal(chain_state_prove_account_at(st, h, &a, p, &e), 0);
        assert_memory_equal(p->root.b, want.b, 32);
        assert_int_equal(chain_proof_verify(p, &want, &e), 0);
        assert_int_equal(p->exists, m->a_ex[i]);
        if (p->exists) {
            assert_int_equal(chain_u128_cmp(p->account.balance, m->a[i].balance), 0);
            assert_int_equal(p->account.nonce, m->a[i].nonce);
        }
        if (!chain_hash_equal(&want, &tip_root))
            assert_int_equal(chain_proof_verify(p, &tip_root, &e), CHAIN_EPROOF);
    }
    for (unsigned i = 0; i < NU; i++) {
        chain_utxo_id_t id = uid(i);
        assert_int_equal(chain_state_prove_utxo_at(st, h, &id, p, &e), 0);
        assert_int_equal(chain_proof_verify(p, &want, &e), 0);
        assert_int_equal(p->exists, m->u_ex[i]);
        if (p->exists)
            assert_int_equal(chain_u128_cmp(p->utxo.amount, m->u[i].amount), 0);
        /* uid(i) is owned by addr_n(i) */
        chain_addr_t owner = addr_n(i);
        chain_utxo_entry_t *list = NULL;
        size_t n = 99;
        assert_int_equal(chain_state_list_utxos_at(st, h, &owner, 100, &list, &n, &e), 0);
        assert_int_equal(n, m->u_ex[i] ? 1 : 0);
        if (n) {
            assert_memory_equal(list[0].id.tx_hash.b, id.tx_hash.b, 32);
            assert_int_equal(list[0].id.index, id.index);
            assert_int_equal(chain_u128_cmp(list[0].utxo.amount, m->u[i].amount), 0);
        }
        free(list);
    }
    buf_t v;
    buf_init(&v, 0);
    for (unsigned i = 0; i < ND; i++) {
        uint8_t id[32];
        data_id(i, id);
        assert_int_equal(chain_state_prove_data_at(st, h, 0x22, id, p, &v, &e), 0);
        assert_int_equal(p->exists, m->d_ex[i]);
        if (p->exists) {
            assert_int_equal(v.len, m->d_len[i]);
            assert_memory_equal(v.data, m->d[i], v.len);
        }
        assert_int_equal(chain_data_proof_verify(0x22, id, p->exists ? v.data : NULL, v.len,
                                                 p->siblings, p->n_siblings,
                                                 p->has_other ? &p->other_key : NULL,
                                                 p->has_other ? &p->other_value_hash : NULL,
                                                 &want, &e),
                         0);
    }
    buf_free(&v);
    free(p);
}

static void test_proofs_as_of_every_height(void **state)
{
    (void)state;
    char *dir = tmpdir();
    chain_state_t *st = open_with_genesis(dir);
    for (int i = 0; i < 20; i++)
        random_block(st);
    for (uint64_t h = 0; h <= 20; h++)
        check_proofs(st, h, 20);
    /* outside the window: refused naming it, like the reads */
    err_t e = {0};
    chain_proof_t *p = malloc(sizeof *p);
    assert_non_null(p);
    chain_addr_t a0 = addr_n(0);
    assert_int_equal(chain_state_prove_account_at(st, 21, &a0, p, &e), CHAIN_STATE_EHISTORY);
    assert_non_null(strstr(e.msg, "the tip is 20"));
    chain_state_close(st);
    /* a window of 5 blocks after a restart: heights below 15 are gone */
    st = chain_state_open(dir, false, &e);
    assert_non_null(st);
    chain_state_set_history(st, 5);
    random_block(st);
    check_proofs(st, 16, 21);
    check_proofs(st, 21, 21);
    assert_int_equal(chain_state_prove_account_at(st, 15, &a0, p, &e), CHAIN_STATE_EHISTORY);
    assert_non_null(strstr(e.msg, "oldest available height is 16"));
    chain_utxo_entry_t *list = NULL;
    size_t n = 0;
    assert_int_equal(chain_state_list_utxos_at(st, 3, &a0, 10, &list, &n, &e),
                     CHAIN_STATE_EHISTORY);
    assert_null(list);
    free(p);
    chain_state_close(st);
    rmrf(dir);
}

/* proofs as of block 3 taken by another thread while blocks commit: each
 * verifies against block 3's root and shows model[3] (the rebuild reads one
 * RocksDB snapshot, never the tip's moving cache). A smoke test: a commit
 * must land inside one proof's few reads to expose a read outside the
 * snapshot, which the timing does not guarantee. */
typedef struct prover {
    chain_state_t *st;
    chain_hash_t root3;
    atomic_bool stop;
    long rounds, bad;
    char why[ERR_MSG_MAX + 32];
} prover_t;

static void *prove_loop(void *arg)
{
    prover_t *pv = arg;
    chain_proof_t *p = malloc(sizeof *p);
    while (p && (!atomic_load(&pv->stop) || pv->rounds == 0)) {
        for (unsigned i = 0; i < NA; i++) {
            chain_addr_t a = addr_n(i);
            err_t e = {0};
            if (chain_state_prove_account_at(pv->st, 3, &a, p, &e) != 0 ||
                chain_proof_verify(p, &pv->root3, &e) != 0 || p->exists != model[3].a_ex[i] ||
                (p->exists && chain_u128_cmp(p->account.balance, model[3].a[i].balance) != 0)) {
                if (!pv->bad++)
                    snprintf(pv->why, sizeof pv->why, "account %u: %s", i, e.msg);
            }
        }
        pv->rounds++;
    }
    free(p);
    return NULL;
}

static void test_proofs_while_committing(void **state)
{
    (void)state;
    char *dir = tmpdir();
    chain_state_t *st = open_with_genesis(dir);
    for (int i = 0; i < 3; i++)
        random_block(st);
    prover_t pv = {.st = st, .root3 = root_of(st, 3)};
    atomic_init(&pv.stop, false);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, prove_loop, &pv), 0);
    for (int i = 0; i < 12; i++)
        random_block(st);
    atomic_store(&pv.stop, true);
    pthread_join(t, NULL);
    if (pv.bad)
        fail_msg("%ld of %ld rounds' proofs were wrong; first: %s", pv.bad, pv.rounds, pv.why);
    assert_true(pv.rounds > 0);
    chain_state_close(st);
    rmrf(dir);
}

static void test_values_as_of_every_height(void **state)
{
    (void)state;
    char *dir = tmpdir();
    chain_state_t *st = open_with_genesis(dir);
    for (int i = 0; i < 20; i++)
        random_block(st);
    uint64_t oldest = 99, tip = 0;
    err_t e = {0};
    assert_int_equal(chain_state_history_range(st, &oldest, &tip, &e), 0);
    assert_int_equal(oldest, 0);
    assert_int_equal(tip, 20);
    for (uint64_t h = 0; h <= 20; h++)
        check_height(st, h);
    /* a future height is refused, naming the tip */
    chain_account_t a;
    bool ex;
    chain_addr_t a0 = addr_n(0);
    assert_int_equal(chain_state_get_account_at(st, 21, &a0, &a, &ex, &e), CHAIN_STATE_EHISTORY);
    assert_non_null(strstr(e.msg, "future"));
    /* the history survives a restart (it is in the store, not in memory) */
    chain_state_close(st);
    st = chain_state_open(dir, false, &e);
    assert_non_null(st);
    for (uint64_t h = 0; h <= 20; h++)
        check_height(st, h);
    chain_state_close(st);
    rmrf(dir);
}

/* Counts the history family's records straight from RocksDB (the store
 * closed): index records ('i' ‖ height) and value records, and the lowest
 * height of each. */
static void count_history(const char *dir, size_t *n_idx, uint64_t *min_idx, size_t *n_val,
                          uint64_t *min_val)
{
    static const char *names[] = {"default", "accounts", "utxos", "owner_utxo", "smt",
                                  "blocks",  "block_idx", "txs",  "meta",  "data", "logs",
                                  "history"};
    enum { NCF = sizeof names / sizeof names[0] };
    rocksdb_options_t *o = rocksdb_options_create();
    const rocksdb_options_t *co[NCF];
    rocksdb_column_family_handle_t *h[NCF];
    for (int i = 0; i < NCF; i++)
        co[i] = o;
    char *err = NULL;
    rocksdb_t *db = rocksdb_open_for_read_only_column_families(o, dir, NCF, names, co, h, 0, &err);
    if (err)
        fail_msg("raw open: %s", err);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(db, ro, h[NCF - 1]);
    *n_idx = *n_val = 0;
    *min_idx = *min_val = UINT64_MAX;
    for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl;
        const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
        assert_true(kl >= 9);
        uint64_t ht = load_be64(k + (k[0] == 'i' ? 1 : kl - 8));
        if (k[0] == 'i') {
            (*n_idx)++;
            *min_idx = ht < *min_idx ? ht : *min_idx;
        } else {
            (*n_val)++;
            *min_val = ht < *min_val ? ht : *min_val;
        }
    }
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    for (int i = 0; i < NCF; i++)
        rocksdb_column_family_handle_destroy(h[i]);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
}

static void test_pruning_boundary(void **state)
{
    (void)state;
    char *dir = tmpdir();
    chain_state_t *st = open_with_genesis(dir);
    chain_state_set_history(st, 5);
    for (int i = 0; i < 12; i++)
        random_block(st);
    err_t e = {0};
    uint64_t oldest = 0, tip = 0;
    assert_int_equal(chain_state_history_range(st, &oldest, &tip, &e), 0);
    assert_int_equal(tip, 12);
    assert_int_equal(oldest, 7);
    for (uint64_t h = 7; h <= 12; h++)
        check_height(st, h);
    chain_addr_t a0 = addr_n(0);
    chain_account_t a;
    bool ex;
    assert_int_equal(chain_state_get_account_at(st, 6, &a0, &a, &ex, &e), CHAIN_STATE_EHISTORY);
    assert_non_null(strstr(e.msg, "oldest available height is 7"));
    assert_null(chain_overlay_new_at(st, 6, &e));
    assert_int_equal(e.code, CHAIN_STATE_EHISTORY);

    /* the records of blocks 1..7 are gone from the store, 8..12 stay */
    chain_state_close(st);
    size_t n_idx, n_val;
    uint64_t min_idx, min_val;
    count_history(dir, &n_idx, &min_idx, &n_val, &min_val);
    assert_int_equal(n_idx, 5);
    assert_int_equal(min_idx, 8);
    assert_int_equal(min_val, 8);
    assert_true(n_val >= 5);

    /* restarting with a larger window does not bring pruned heights back */
    st = chain_state_open(dir, false, &e);
    assert_non_null(st);
    chain_state_set_history(st, 1000);
    assert_int_equal(chain_state_history_range(st, &oldest, &tip, &e), 0);
    assert_int_equal(oldest, 7);
    random_block(st);
    assert_int_equal(chain_state_history_range(st, &oldest, &tip, &e), 0);
    assert_int_equal(oldest, 7);
    for (uint64_t h = 7; h <= 13; h++)
        check_height(st, h);

    /* 0 = tip only: nothing older, and the tip reads the current state */
    chain_state_set_history(st, 0);
    random_block(st);
    assert_int_equal(chain_state_history_range(st, &oldest, &tip, &e), 0);
    assert_int_equal(oldest, 14);
    check_height(st, 14);
    assert_int_equal(chain_state_get_account_at(st, 13, &a0, &a, &ex, &e), CHAIN_STATE_EHISTORY);
    /* ... and a window opened again starts at the tip, not before the gap */
    chain_state_set_history(st, 1000);
    random_block(st);
    assert_int_equal(chain_state_history_range(st, &oldest, &tip, &e), 0);
    assert_int_equal(oldest, 14);
    check_height(st, 14);
    check_height(st, 15);
    chain_state_close(st);
    rmrf(dir);
}

/* A view pinned at a height reads that block's state while later blocks
 * commit between its reads. */
static void test_pinned_view(void **state)
{
    (void)state;
    char *dir = tmpdir();
    chain_state_t *st = open_with_genesis(dir);
    for (int i = 0; i < 3; i++)
        random_block(st);
    err_t e = {0};
    chain_overlay_t *v = chain_overlay_new_at(st, 3, &e);
    assert_non_null(v);
    assert_int_equal(chain_overlay_height(v), 4);
    for (int round = 0; round < 4; round++) {
        random_block(st);   /* commits between two reads of the view */
        for (unsigned i = 0; i < NA; i++) {
            chain_addr_t a = addr_n(i);
            chain_account_t got;
            assert_int_equal(chain_overlay_get_account(v, &a, &got, &e), 0);
            assert_int_equal(chain_u128_cmp(got.balance, model[3].a[i].balance), 0);
            assert_int_equal(got.nonce, model[3].a[i].nonce);
        }
        for (unsigned i = 0; i < ND; i++) {
            uint8_t id[32];
            data_id(i, id);
            buf_t b;
            bool ex;
            buf_init(&b, 0);
            assert_int_equal(chain_overlay_get_data(v, 0x22, id, &b, &ex, &e), 0);
            assert_int_equal(ex, model[3].d_ex[i]);
            buf_free(&b);
        }
        for (unsigned i = 0; i < NU; i++) {
            chain_utxo_id_t id = uid(i);
            chain_utxo_t u;
            bool ex;
            assert_int_equal(chain_overlay_get_utxo(v, &id, &u, &ex, &e), 0);
            assert_int_equal(ex, model[3].u_ex[i]);
        }
    }
    /* the view's own writes come first; it cannot be committed */
    chain_addr_t a0 = addr_n(0);
    chain_account_t mine = {chain_u128_from_u64(77), 1}, got;
    assert_int_equal(chain_overlay_put_account(v, &a0, &mine, &e), 0);
    assert_int_equal(chain_overlay_get_account(v, &a0, &got, &e), 0);
    assert_int_equal(chain_u128_cmp(got.balance, mine.balance), 0);
    chain_hash_t r;
    assert_int_not_equal(chain_overlay_root(v, &r, &e), 0);
    chain_block_t *b = chain_block_new();
    assert_int_equal(chain_state_commit(st, v, b, NULL, &e), CHAIN_EINVAL);   /* frees v */
    chain_block_free(b);

    /* with no history, a view of the tip fails once a block commits under
     * it (instead of mixing two states) */
    chain_state_set_history(st, 0);
    random_block(st);
    chain_header_t tip;
    assert_int_equal(chain_state_tip(st, &tip, NULL, &e), 0);
    v = chain_overlay_new_at(st, tip.height, &e);
    assert_non_null(v);
    chain_addr_t a1 = addr_n(1);
    assert_int_equal(chain_overlay_get_account(v, &a1, &got, &e), 0);
    random_block(st);
    assert_int_equal(chain_overlay_get_account(v, &a1, &got, &e), CHAIN_STATE_EHISTORY);
    assert_non_null(strstr(e.msg, "not kept"));
    chain_overlay_free(v);
    chain_state_close(st);
    rmrf(dir);
}

static void test_history_after_snapshot_import(void **state)
{
    (void)state;
    char *dir = tmpdir(), *dir2 = tmpdir();
    char snap[300];
    snprintf(snap, sizeof snap, "%s/s.zst", dir2);
    chain_state_t *st = open_with_genesis(dir);
    for (int i = 0; i < 4; i++)
        random_block(st);
    err_t e = {0};
    assert_int_equal(chain_state_snapshot_export(st, snap, &e), 0);
    chain_state_close(st);
    char *dir3 = tmpdir();
    chain_state_t *im = chain_state_open(dir3, false, &e);
    assert_non_null(im);
    assert_int_equal(chain_state_snapshot_import(im, snap, &gen, &e), 0);
    uint64_t oldest = 0, tip = 0;
    assert_int_equal(chain_state_history_range(im, &oldest, &tip, &e), 0);
    assert_int_equal(tip, 4);
    assert_int_equal(oldest, 4);   /* the snapshot carries only the tip */
    check_height(im, 4);
    random_block(im);
    check_height(im, 4);
    check_height(im, 5);
    chain_addr_t a0 = addr_n(0);
    chain_account_t a;
    bool ex;
    assert_int_equal(chain_state_get_account_at(im, 3, &a0, &a, &ex, &e), CHAIN_STATE_EHISTORY);
    chain_state_close(im);
    rmrf(dir);
    rmrf(dir2);
    rmrf(dir3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_as_of_every_height),
        cmocka_unit_test(test_proofs_as_of_every_height),
        cmocka_unit_test(test_proofs_while_committing),
        cmocka_unit_test(test_pruning_boundary),
        cmocka_unit_test(test_pinned_view),
        cmocka_unit_test(test_history_after_snapshot_import),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
