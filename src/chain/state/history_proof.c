/* chain/state: proofs and UTxO lists as of a height in the state history.
 *
 * The history (history.c) keeps leaf values, not tree nodes: the SMT holds
 * one record per node position and a commit overwrites it. Rather than also
 * recording every node each block rewrites (about log2(n) per changed leaf,
 * on the commit path), the tree of block h is rebuilt when a proof asks for
 * it: every leaf the blocks h+1..tip changed is set back to its value at h
 * (the history's "previous value" of its first change after h) and the same
 * batched update a block uses computes the records that differ from the
 * tip's tree, in memory. The root must come out as block h's header state
 * root (checked: a mismatch is an error, never a wrong proof), the proof
 * walks that tree and is verified against that root before it is returned.
 * The cost grows with the number of leaves changed since h,
 * so a rebuild replays at most CHAIN_STATE_REPLAY_MAX of them.
 *
 * Everything is read through one RocksDB snapshot taken with the tip under
 * the store's lock, so blocks committing (and pruning) meanwhile change
 * nothing of the answer, and commits never wait for it.
 *
 * UTxOs of an owner at h: the owner index only lists live UTxOs, so the list
 * is the index's entries that no block since h touched, plus the UTxOs the
 * blocks since h changed whose value at h existed with that owner. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct at_view {
    db_snap_t *snap;
    uint64_t height, tip;
    chain_hash_t tip_root;
} at_view_t;

static int view_begin(chain_state_t *st, uint64_t height, at_view_t *v, err_t *e)
{
    memset(v, 0, sizeof *v);
    v->height = height;
    pthread_rwlock_rdlock(&st->lock);
    int rc = hist_check_height_locked(st, height, e);
    if (!rc) {
        v->tip = st->tip.height;
        v->tip_root = st->root;
        if (!(v->snap = db_snapshot(st->db, e)))
            rc = CHAIN_EIO;
    }
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

static void view_end(chain_state_t *st, at_view_t *v)
{
    db_snapshot_release(st->db, v->snap);
    v->snap = NULL;
}

static size_t key_len_of(uint8_t kind)
{
    return kind == 'a' ? CHAIN_ADDR_BYTES : kind == 'u' ? 36 : kind == 'd' ? 33 : 0;
}

static void smt_key_of(uint8_t kind, const uint8_t *key, chain_hash_t *out)
{
    if (kind == 'a') {
        chain_addr_t a;
        memcpy(a.b, key, CHAIN_ADDR_BYTES);
        chain_smt_key_account(&a, out);
    } else if (kind == 'u') {
        chain_utxo_id_t id;
        memcpy(id.tx_hash.b, key, 32);
        id.index = load_le32(key + 32);
        chain_smt_key_utxo(&id, out);
    } else {
        chain_smt_key_data(key[0], key + 1, out);
    }
}

/* Called once per key the blocks after v->height changed (only `kind`
 * ones unless kind is 0), with the value it had at v->height (NULL when
 * absent then). */
typedef int (*change_fn)(void *ctx, uint8_t kind, const uint8_t *key, const uint8_t *val,
                         size_t vlen, err_t *e);

static int walk_changes(chain_state_t *st, const at_view_t *v, uint8_t kind, change_fn fn,
                        void *ctx, err_t *e)
{
    kv_map_t seen;
    if (kv_init(&seen, 32) != 0)
        return err_set(e, CHAIN_ENOMEM, "state: out of memory (history walk)");
    db_iter_t *it = db_iter_new(st->db, v->snap, CF_HIST, e);
    if (!it) {
        kv_free(&seen);
        return CHAIN_EIO;
    }
    uint8_t k[9];
    k[0] = 'i';
    store_be64(k + 1, v->height + 1);
    int rc = 0;
    size_t n = 0;
    for (db_iter_seek(it, k, sizeof k); !rc && db_iter_valid(it); db_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *ik = db_iter_key(it, &kl);
        const uint8_t *iv = db_iter_value(it, &vl);
        if (kl != 9 || ik[0] != 'i')
            break;
        uint64_t h = load_be64(ik + 1);
        for (size_t off = 0; off < vl && !rc;) {
            uint8_t kd = iv[off];
            size_t klen = key_len_of(kd);
            if (!klen || vl - off - 1 < klen) {
                rc = err_set(e, CHAIN_EIO, "state: corrupt history index of block %llu",
                             (unsigned long long)h);
                break;
            }
            const uint8_t *key = iv + off + 1;
            off += 1 + klen;
            if (kind && kd != kind)
                continue;
            chain_hash_t sk;
            smt_key_of(kd, key, &sk);
            if (kv_get(&seen, sk.b))
                continue;   /* an earlier block after v->height changed it first */
            if (++n > CHAIN_STATE_REPLAY_MAX) {
                rc = err_set(e, CHAIN_STATE_EHISTORY,
                             "state: blocks %llu..%llu changed more than %u state entries; a "
                             "proof or UTxO list as of block %llu replays at most that many "
                             "(ask for a later height)",
                             (unsigned long long)v->height + 1, (unsigned long long)v->tip,
                             CHAIN_STATE_REPLAY_MAX, (unsigned long long)v->height);
                break;
            }
            static const uint8_t one = 1;
            if (kv_set(&seen, sk.b, &one, 1) != 0) {
                rc = err_set(e, CHAIN_ENOMEM, "state: out of memory (history walk)");
                break;
            }
            uint8_t hk[1 + 36 + 8], *rec = NULL;
            size_t rl = 0;
            hk[0] = kd;
            memcpy(hk + 1, key, klen);
            store_be64(hk + 1 + klen, h);
            if ((rc = db_get(st->db, v->snap, CF_HIST, hk, 1 + klen + 8, &rec, &rl, e))) {
                if (rc == CHAIN_ENOTFOUND)
                    rc = err_set(e, CHAIN_EIO, "state: block %llu's history index names a "
                                 "change it has no record of", (unsigned long long)h);
                break;
            }
            if (rl < 1 || rec[0] > 1 || (rec[0] == 0 && rl != 1))
                rc = err_set(e, CHAIN_EIO, "state: corrupt history record of block %llu",
                             (unsigned long long)h);
            else
                rc = fn(ctx, kd, key, rec[0] ? rec + 1 : NULL, rec[0] ? rl - 1 : 0, e);
            free(rec);
        }
    }
    if (!rc && db_iter_status(it, e) != 0)
        rc = CHAIN_EIO;
    db_iter_free(it);
    kv_free(&seen);
    return rc;
}

/* ---- proofs ---- */

typedef struct replay {
    smt_upd_t *u;
    size_t n, cap;
    chain_hash_t target;   /* the key proven */
    bool target_changed;
    buf_t target_val;      /* its value at the height when changed and present */
} replay_t;

static int add_change(void *ctx, uint8_t kind, const uint8_t *key, const uint8_t *val,
                      size_t vlen, err_t *e)
{
    replay_t *r = ctx;
    if (r->n == r->cap) {
        size_t c = r->cap ? r->cap * 2 : 64;
        smt_upd_t *p = realloc(r->u, c * sizeof *p);
        if (!p)
            return err_set(e, CHAIN_ENOMEM, "state: out of memory (tree replay)");
        r->u = p;
        r->cap = c;
    }
    smt_upd_t *x = &r->u[r->n++];
    smt_key_of(kind, key, &x->key);
    x->del = val == NULL;
    memset(x->vh.b, 0, 32);
    if (val)
        crypto_sha256(val, vlen, x->vh.b);   /* the leaf's value hash (types.h) */
    if (chain_hash_equal(&x->key, &r->target)) {
        r->target_changed = true;
        if (val && buf_append(&r->target_val, val, vlen) != 0)
            return err_set(e, CHAIN_ENOMEM, "state: out of memory (tree replay)");
    }
    return 0;
}

/* The state root in block height's header. */
static int header_root(chain_state_t *st, uint64_t height, chain_hash_t *root, err_t *e)
{
    uint8_t hk[8], *raw = NULL;
    store_be64(hk, height);
    int rc = db_get_slice(st->db, CF_BLOCKS, hk, 8, 0, CHAIN_HEADER_BYTES, &raw, e);
    if (rc)
        return rc == CHAIN_ENOTFOUND
                   ? err_set(e, CHAIN_EIO, "state: block %llu is missing from the store",
                             (unsigned long long)height)
                   : rc;
    chain_header_t h;
    rc = chain_header_decode(raw, CHAIN_HEADER_BYTES, &h, e);
    free(raw);
    if (!rc)
        *root = h.state_root;
    return rc;
}

/* Proves leaf (kind, key) of value family cf as of height into p (root,
 * siblings, exists / other leaf); *value gets its value then when present. */
static int prove_at(chain_state_t *st, uint64_t height, uint8_t kind, const uint8_t *key,
                    int cf, chain_proof_t *p, buf_t *value, err_t *e)
{
    at_view_t v;
    int rc = view_begin(st, height, &v, e);
    if (rc)
        return rc;
    replay_t r = {0};
    buf_init(&r.target_val, 0);
    smt_key_of(kind, key, &r.target);
    kv_map_t nodes;
    bool nodes_ok = kv_init(&nodes, SMT_POS_BYTES) == 0;
    chain_hash_t root = v.tip_root, want;
    if (!nodes_ok)
        rc = err_set(e, CHAIN_ENOMEM, "state: out of memory (tree replay)");
    if (!rc)
        rc = walk_changes(st, &v, 0, add_change, &r, e);
    if (!rc && r.n)
        rc = smt_apply_leaves(st, v.snap, r.u, r.n, &nodes, &root, e);
    if (!rc)
        rc = header_root(st, height, &want, e);
    if (!rc && !chain_hash_equal(&root, &want))
        rc = err_set(e, CHAIN_EIO, "state: the tree rebuilt for block %llu does not match its "
                     "state root", (unsigned long long)height);
    if (!rc) {
        p->root = root;
        rc = smt_prove_in(st, v.snap, r.n ? &nodes : NULL, &r.target, p, e);
    }
    value->len = 0;
    bool have = false;
    if (!rc && r.target_changed) {
        have = r.target_val.len > 0;
        if (have && buf_append(value, r.target_val.data, r.target_val.len) != 0)
            rc = err_set(e, CHAIN_ENOMEM, "state: out of memory");
    } else if (!rc) {
        uint8_t *cur = NULL;
        size_t n = 0;
        size_t klen = key_len_of(kind);
        rc = db_get(st->db, v.snap, cf, key, klen, &cur, &n, e);
        if (rc == CHAIN_ENOTFOUND)
            rc = 0;
        else if (!rc) {
            have = true;
            if (buf_append(value, cur, n) != 0)
                rc = err_set(e, CHAIN_ENOMEM, "state: out of memory");
        }
        free(cur);
    }
    if (!rc && have != p->exists)
        rc = err_set(e, CHAIN_EIO, "state: the tree of block %llu %s a leaf for a value that "
                     "is %s", (unsigned long long)height, p->exists ? "has" : "lacks",
                     have ? "present" : "absent");
    if (nodes_ok)
        kv_free(&nodes);
    free(r.u);
    buf_free(&r.target_val);
    view_end(st, &v);
    return rc;
}

/* What a proof at a height must be, checked before it leaves: it verifies
 * against its root, which prove_at took from the block's header. */
static int self_check(const chain_proof_t *p, uint64_t height, err_t *e)
{
    err_t ve = {0};
    if (chain_proof_verify(p, &p->root, &ve) != 0)
        return err_set(e, CHAIN_EIO, "state: the proof built for block %llu does not verify: %s",
                       (unsigned long long)height, ve.msg);
    return 0;
}

int chain_state_prove_account_at(chain_state_t *st, uint64_t height, const chain_addr_t *a,
                                 chain_proof_t *p, err_t *e)
{
    memset(p, 0, sizeof *p);
    p->kind = CHAIN_PROOF_ACCOUNT;
    p->address = *a;
    buf_t v;
    buf_init(&v, 0);
    int rc = prove_at(st, height, 'a', a->b, CF_ACCOUNTS, p, &v, e);
    if (!rc && p->exists)
        rc = chain_account_decode(v.data, v.len, &p->account, e);
    buf_free(&v);
    return rc ? rc : self_check(p, height, e);
}

int chain_state_prove_utxo_at(chain_state_t *st, uint64_t height, const chain_utxo_id_t *id,
                              chain_proof_t *p, err_t *e)
{
    memset(p, 0, sizeof *p);
    p->kind = CHAIN_PROOF_UTXO;
    p->utxo_id = *id;
    uint8_t k[36];
    memcpy(k, id->tx_hash.b, 32);
    store_le32(k + 32, id->index);
    buf_t v;
    buf_init(&v, 0);
    int rc = prove_at(st, height, 'u', k, CF_UTXOS, p, &v, e);
    if (!rc && p->exists)
        rc = chain_utxo_decode(v.data, v.len, &p->utxo, e);
    buf_free(&v);
    return rc ? rc : self_check(p, height, e);
}

int chain_state_prove_data_at(chain_state_t *st, uint64_t height, uint8_t tag,
                              const uint8_t id[32], chain_proof_t *p, buf_t *value, err_t *e)
{
    memset(p, 0, sizeof *p);
    uint8_t k[33];
    k[0] = tag;
    memcpy(k + 1, id, 32);
    int rc = prove_at(st, height, 'd', k, CF_DATA, p, value, e);
    err_t ve = {0};
    if (!rc && chain_data_proof_verify(tag, id, p->exists ? value->data : NULL, value->len,
                                       p->siblings, p->n_siblings,
                                       p->has_other ? &p->other_key : NULL,
                                       p->has_other ? &p->other_value_hash : NULL, &p->root,
                                       &ve) != 0)
        rc = err_set(e, CHAIN_EIO, "state: the proof built for block %llu does not verify: %s",
                     (unsigned long long)height, ve.msg);
    return rc;
}

/* ---- UTxOs of an owner ---- */

typedef struct owned {
    const chain_addr_t *owner;
    kv_map_t changed;              /* ids the blocks since the height changed */
    chain_utxo_entry_t *list;      /* the owner's UTxOs at the height */
    size_t n, cap;
} owned_t;

static int push_entry(owned_t *o, const chain_utxo_entry_t *en, err_t *e)
{
    if (o->n == o->cap) {
        size_t c = o->cap ? o->cap * 2 : 16;
        chain_utxo_entry_t *p = realloc(o->list, c * sizeof *p);
        if (!p)
            return err_set(e, CHAIN_ENOMEM, "state: out of memory");
        o->list = p;
        o->cap = c;
    }
    o->list[o->n++] = *en;
    return 0;
}

static int add_owned(void *ctx, uint8_t kind, const uint8_t *key, const uint8_t *val,
                     size_t vlen, err_t *e)
{
    (void)kind;
    owned_t *o = ctx;
    static const uint8_t one = 1;
    if (kv_set(&o->changed, key, &one, 1) != 0)
        return err_set(e, CHAIN_ENOMEM, "state: out of memory");
    if (!val)
        return 0;   /* created after the height */
    chain_utxo_entry_t en;
    if (chain_utxo_decode(val, vlen, &en.utxo, e) != 0)
        return CHAIN_EIO;
    if (memcmp(en.utxo.owner.b, o->owner->b, CHAIN_ADDR_BYTES) != 0)
        return 0;
    memcpy(en.id.tx_hash.b, key, 32);
    en.id.index = load_le32(key + 32);
    return push_entry(o, &en, e);
}

/* The owner index's order: tx hash, then the index's little-endian bytes. */
static int entry_cmp(const void *a, const void *b)
{
    const chain_utxo_entry_t *x = a, *y = b;
    int c = memcmp(x->id.tx_hash.b, y->id.tx_hash.b, 32);
    if (c)
        return c;
    uint8_t lx[4], ly[4];
    store_le32(lx, x->id.index);
    store_le32(ly, y->id.index);
    return memcmp(lx, ly, 4);
}

int chain_state_list_utxos_at(chain_state_t *st, uint64_t height, const chain_addr_t *owner,
                              size_t max, chain_utxo_entry_t **out, size_t *n, err_t *e)
{
    *out = NULL;
    *n = 0;
    at_view_t v;
    int rc = view_begin(st, height, &v, e);
    if (rc)
        return rc;
    owned_t o = {.owner = owner};
    if (kv_init(&o.changed, 36) != 0) {
        view_end(st, &v);
        return err_set(e, CHAIN_ENOMEM, "state: out of memory");
    }
    rc = walk_changes(st, &v, 'u', add_owned, &o, e);
    /* the owner's live UTxOs that no block since the height touched: the
     * first max of them in index order are all that can make the answer */
    db_iter_t *it = rc ? NULL : db_iter_new(st->db, v.snap, CF_OWNER_UTXO, e);
    if (!rc && !it)
        rc = CHAIN_EIO;
    size_t kept = 0;
    if (it)
        db_iter_seek(it, owner->b, CHAIN_ADDR_BYTES);
    for (; !rc && it && db_iter_valid(it) && kept < max; db_iter_next(it)) {
        size_t kl;
        const uint8_t *k = db_iter_key(it, &kl);
        if (kl != CHAIN_ADDR_BYTES + 36 || memcmp(k, owner->b, CHAIN_ADDR_BYTES) != 0)
            break;
        if (kv_get(&o.changed, k + CHAIN_ADDR_BYTES))
            continue;
        uint8_t *val = NULL;
        size_t vl = 0;
        chain_utxo_entry_t en;
        memcpy(en.id.tx_hash.b, k + CHAIN_ADDR_BYTES, 32);
        en.id.index = load_le32(k + CHAIN_ADDR_BYTES + 32);
        rc = db_get(st->db, v.snap, CF_UTXOS, k + CHAIN_ADDR_BYTES, 36, &val, &vl, e);
        if (rc == CHAIN_ENOTFOUND) {
            rc = 0;   /* a stale index entry: nothing to list */
            continue;
        }
        if (!rc && chain_utxo_decode(val, vl, &en.utxo, e) != 0)
            rc = CHAIN_EIO;
        free(val);
        if (!rc && !(rc = push_entry(&o, &en, e)))
            kept++;
    }
    if (!rc && it && db_iter_status(it, e) != 0)
        rc = CHAIN_EIO;
    db_iter_free(it);
    kv_free(&o.changed);
    view_end(st, &v);
    if (rc) {
        free(o.list);
        return rc;
    }
    if (o.n > 1)
        qsort(o.list, o.n, sizeof *o.list, entry_cmp);
    *out = o.list;
    *n = o.n < max ? o.n : max;
    return 0;
}
