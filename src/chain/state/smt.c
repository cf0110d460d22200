/* chain/state: the sparse Merkle tree over accounts and UTxOs (hashing and
 * proof format in types.h).
 *
 * Storage: one record per node position (depth, path prefix) in the smt
 * column family: the root, and both children of every internal node; an
 * absent record is an empty subtree. A subtree with a single leaf is that
 * leaf's record at the subtree's top, so a tree of n random keys is about
 * log2(n) deep.
 *
 * Updates are batched per block: the changed keys are sorted, then one
 * recursive walk descends only into subtrees containing changes, rebuilds
 * the parts whose shape changes (a leaf splitting into an internal node, or
 * an internal node collapsing into its last leaf), and rehashes each touched
 * internal node exactly once. The new records go into a pending map that the
 * commit writes in the block's batch; the committed tree is never modified
 * in place, so a discarded block leaves no trace.
 *
 * Committed records are cached in memory in two generations: new entries go
 * to the young map; when it fills up it becomes the old map (the previous
 * old one is dropped) and hits in the old map move back to the young one.
 * Memory stays bounded while hot paths (the top of the tree) stay cached, so
 * a block's walk touches RocksDB only for cold paths. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static inline int bit_at(const chain_hash_t *k, unsigned i)
{
    return (k->b[i >> 3] >> (7 - (i & 7))) & 1;
}

void smt_pos(unsigned depth, const chain_hash_t *path, uint8_t pos[SMT_POS_BYTES])
{
    pos[0] = (uint8_t)(depth >> 8);
    pos[1] = (uint8_t)depth;
    memset(pos + 2, 0, 32);
    unsigned full = depth / 8, rem = depth % 8;
    memcpy(pos + 2, path->b, full);
    if (rem)
        pos[2 + full] = (uint8_t)(path->b[full] & (0xff << (8 - rem)));
}

/* child position: the parent's path with bit `depth` set to `side` */
static void child_pos(unsigned depth, const chain_hash_t *path, int side,
                      uint8_t pos[SMT_POS_BYTES])
{
    chain_hash_t p = *path;
    if (side)
        p.b[depth >> 3] |= (uint8_t)(0x80 >> (depth & 7));
    else
        p.b[depth >> 3] &= (uint8_t)~(0x80 >> (depth & 7));
    smt_pos(depth + 1, &p, pos);
}

void smt_node_encode(const smt_node_t *n, uint8_t *out, size_t *len)
{
    if (n->type == SMT_INTERNAL) {
        out[0] = SMT_INTERNAL;
        memcpy(out + 1, n->hash.b, 32);
        *len = 33;
    } else if (n->type == SMT_LEAF) {
        out[0] = SMT_LEAF;
        memcpy(out + 1, n->key.b, 32);
        memcpy(out + 33, n->vh.b, 32);
        *len = 65;
    } else {
        *len = 0;
    }
}

int smt_node_decode(const uint8_t *in, size_t len, smt_node_t *out)
{
    memset(out, 0, sizeof *out);
    if (len == 0)
        return 0;
    if (in[0] == SMT_INTERNAL && len == 33) {
        out->type = SMT_INTERNAL;
        memcpy(out->hash.b, in + 1, 32);
        return 0;
    }
    if (in[0] == SMT_LEAF && len == 65) {
        out->type = SMT_LEAF;
        memcpy(out->key.b, in + 1, 32);
        memcpy(out->vh.b, in + 33, 32);
        chain_smt_leaf_hash(&out->key, &out->vh, &out->hash);
        return 0;
    }
    return CHAIN_EINVAL;
}

void smt_cache_clear(chain_state_t *st)
{
    kv_clear(&st->cache);
    kv_clear(&st->cache_old);
}

/* Caller holds cache_mu. Best effort: on allocation failure the entry is
 * simply not cached. */
static void cache_put(chain_state_t *st, const uint8_t *pos, const uint8_t *val, size_t vlen)
{
    if (st->cache.n_ents >= st->cache_max) {
        kv_map_t t = st->cache_old;
        st->cache_old = st->cache;
        st->cache = t;
        kv_clear(&st->cache);
    }
    if (kv_set(&st->cache, pos, val, vlen) != 0)
        smt_cache_clear(st);   /* out of memory: a cold cache is still correct */
}

/* The pending record at pos, if any: 1 (found), 0 (not there), or the
 * error of a corrupt record. */
static int pending_node(const kv_map_t *pending, const uint8_t pos[SMT_POS_BYTES],
                        smt_node_t *out, err_t *e)
{
    kv_entry_t *en = pending ? kv_get(pending, pos) : NULL;
    if (!en)
        return 0;
    return smt_node_decode(en->val, en->vlen, out) == 0
               ? 1
               : err_set(e, CHAIN_EIO, "state: corrupt pending SMT node");
}

int smt_node_get(chain_state_t *st, const kv_map_t *pending, const uint8_t pos[SMT_POS_BYTES],
                 smt_node_t *out, err_t *e)
{
    int prc = pending_node(pending, pos, out, e);
    if (prc)
        return prc > 0 ? 0 : prc;
    pthread_mutex_lock(&st->cache_mu);
    kv_entry_t *en = kv_get(&st->cache, pos);
    bool from_old = false;
    if (!en) {
        en = kv_get(&st->cache_old, pos);
        from_old = en != NULL;
    }
    if (en) {
        int rc = smt_node_decode(en->val, en->vlen, out);
        if (from_old && rc == 0) {
            uint8_t v[KV_VAL_MAX];
            size_t vl = en->vlen;
            memcpy(v, en->val, vl);
            cache_put(st, pos, v, vl);   /* may rotate the maps: en is dead after */
        }
        pthread_mutex_unlock(&st->cache_mu);
        return rc == 0 ? 0 : err_set(e, CHAIN_EIO, "state: corrupt cached SMT node");
    }
    pthread_mutex_unlock(&st->cache_mu);
    uint8_t *val = NULL;
    size_t vlen = 0;
    int rc = db_get(st->db, NULL, CF_SMT, pos, SMT_POS_BYTES, &val, &vlen, e);
    if (rc == CHAIN_ENOTFOUND) {
        memset(out, 0, sizeof *out);
        vlen = 0;
    } else if (rc != 0) {
        return rc;
    } else if (smt_node_decode(val, vlen, out) != 0 || vlen == 0) {
        free(val);
        return err_set(e, CHAIN_EIO, "state: corrupt SMT node record at depth %u",
                       (unsigned)(pos[0] << 8 | pos[1]));
    }
    pthread_mutex_lock(&st->cache_mu);
    cache_put(st, pos, val ? val : (const uint8_t *)"", vlen);
    pthread_mutex_unlock(&st->cache_mu);
    free(val);
    return 0;
}

/* The committed node at pos as a RocksDB snapshot holds it (no cache: the
 * cache follows the tip), or, without snap, as smt_node_get reads it; the
 * pending map first when given. */
static int node_read(chain_state_t *st, const db_snap_t *snap, const kv_map_t *pending,
                     const uint8_t pos[SMT_POS_BYTES], smt_node_t *out, err_t *e)
{
    if (!snap)
        return smt_node_get(st, pending, pos, out, e);
    int prc = pending_node(pending, pos, out, e);
    if (prc)
        return prc > 0 ? 0 : prc;
    uint8_t *val = NULL;
    size_t vlen = 0;
    int rc = db_get(st->db, snap, CF_SMT, pos, SMT_POS_BYTES, &val, &vlen, e);
    if (rc == CHAIN_ENOTFOUND) {
        memset(out, 0, sizeof *out);
        return 0;
    }
    if (rc == 0 && (vlen == 0 || smt_node_decode(val, vlen, out) != 0))
        rc = err_set(e, CHAIN_EIO, "state: corrupt SMT node record at depth %u",
                     (unsigned)(pos[0] << 8 | pos[1]));
    free(val);
    return rc;
}

/* ---- batched update ---- */

typedef smt_upd_t upd_t;

typedef struct ctx {
    chain_state_t *st;   /* NULL when building from scratch */
    const db_snap_t *snap;   /* the committed tree as of this snapshot (NULL: the tip) */
    kv_map_t *nodes;     /* output records (pending) */
    err_t *e;
} ctx_t;

static int put_rec(ctx_t *c, const uint8_t pos[SMT_POS_BYTES], const smt_node_t *n)
{
    uint8_t v[65];
    size_t len;
    smt_node_encode(n, v, &len);
    if (kv_put(c->nodes, pos, v, len) != 0)
        return err_set(c->e, CHAIN_ENOMEM, "state: out of memory (SMT nodes)");
    return 0;
}

static void combine(const smt_node_t *l, const smt_node_t *r, smt_node_t *out)
{
    if (l->type == SMT_EMPTY && r->type == SMT_EMPTY) {
        memset(out, 0, sizeof *out);
    } else if (l->type == SMT_EMPTY && r->type == SMT_LEAF) {
        *out = *r;
    } else if (r->type == SMT_EMPTY && l->type == SMT_LEAF) {
        *out = *l;
    } else {
        memset(out, 0, sizeof *out);
        out->type = SMT_INTERNAL;
        chain_smt_node_hash(&l->hash, &r->hash, &out->hash);
    }
}

/* first index in [0,n) whose key has bit `depth` set (keys sorted) */
static size_t split_at(const upd_t *u, size_t n, unsigned depth)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (bit_at(&u[mid].key, depth))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Builds the subtree at depth over leaves u[0..n) (no deletions). */
static int build(ctx_t *c, unsigned depth, const upd_t *u, size_t n, smt_node_t *out)
{
    if (n == 0) {
        memset(out, 0, sizeof *out);
        return 0;
    }
    if (n == 1) {
        memset(out, 0, sizeof *out);
        out->type = SMT_LEAF;
        out->key = u[0].key;
        out->vh = u[0].vh;
        chain_smt_leaf_hash(&u[0].key, &u[0].vh, &out->hash);
        return 0;
    }
    if (depth >= CHAIN_SMT_MAX_DEPTH)
        return err_set(c->e, CHAIN_EINVAL, "state: duplicate SMT key");
    size_t k = split_at(u, n, depth);
    smt_node_t l, r;
    int rc;
    if ((rc = build(c, depth + 1, u, k, &l)) || (rc = build(c, depth + 1, u + k, n - k, &r)))
        return rc;
    combine(&l, &r, out);
    if (out->type == SMT_INTERNAL) {
        uint8_t pos[SMT_POS_BYTES];
        child_pos(depth, &u[0].key, 0, pos);
        if ((rc = put_rec(c, pos, &l)))
            return rc;
        child_pos(depth, &u[0].key, 1, pos);
        if ((rc = put_rec(c, pos, &r)))
            return rc;
    }
    return 0;
}

/* Leaves of u (minus deletions) plus `keep` when it is a leaf not among u,
 * into a fresh sorted array for build(). */
static int merge_leaves(ctx_t *c, const upd_t *u, size_t n, const smt_node_t *keep,
                        upd_t **out, size_t *n_out)
{
    upd_t *a = malloc((n + 1) * sizeof *a);
    if (!a)
        return err_set(c->e, CHAIN_ENOMEM, "state: out of memory (SMT)");
    size_t m = 0;
    bool keep_pending = keep->type == SMT_LEAF;
    for (size_t i = 0; i < n; i++) {
        int cmp = keep_pending ? memcmp(keep->key.b, u[i].key.b, 32) : 1;
        if (keep_pending && cmp < 0) {
            a[m].key = keep->key;   /* the existing leaf stays */
            a[m].vh = keep->vh;
            a[m].del = false;
            m++;
            keep_pending = false;
        } else if (keep_pending && cmp == 0) {
            keep_pending = false;   /* replaced or deleted by the update */
        }
        if (!u[i].del)
            a[m++] = u[i];
    }
    if (keep_pending) {
        a[m].key = keep->key;
        a[m].vh = keep->vh;
        a[m].del = false;
        m++;
    }
    *out = a;
    *n_out = m;
    return 0;
}

static int update(ctx_t *c, unsigned depth, const upd_t *u, size_t n, smt_node_t *out)
{
    uint8_t pos[SMT_POS_BYTES];
    smt_node_t cur;
    int rc;
    smt_pos(depth, &u[0].key, pos);
    if ((rc = node_read(c->st, c->snap, NULL, pos, &cur, c->e)))
        return rc;
    if (cur.type != SMT_INTERNAL) {
        upd_t *a = NULL;
        size_t m = 0;
        if ((rc = merge_leaves(c, u, n, &cur, &a, &m)))
            return rc;
        rc = build(c, depth, a, m, out);
        free(a);
        return rc;
    }
    if (depth >= CHAIN_SMT_MAX_DEPTH)
        return err_set(c->e, CHAIN_EIO, "state: SMT deeper than 256 levels");
    size_t k = split_at(u, n, depth);
    smt_node_t side[2];
    uint8_t cpos[2][SMT_POS_BYTES];
    child_pos(depth, &u[0].key, 0, cpos[0]);
    child_pos(depth, &u[0].key, 1, cpos[1]);
    for (int s = 0; s < 2; s++) {
        const upd_t *su = s ? u + k : u;
        size_t sn = s ? n - k : k;
        rc = sn ? update(c, depth + 1, su, sn, &side[s])
                : node_read(c->st, c->snap, NULL, cpos[s], &side[s], c->e);
        if (rc)
            return rc;
    }
    combine(&side[0], &side[1], out);
    for (int s = 0; s < 2; s++) {
        bool changed = s ? (n - k) > 0 : k > 0;
        if (out->type == SMT_INTERNAL) {
            if (changed && (rc = put_rec(c, cpos[s], &side[s])))
                return rc;
        } else {
            /* collapsed: the children's records are no longer reachable */
            smt_node_t empty = {0};
            if ((rc = put_rec(c, cpos[s], &empty)))
                return rc;
        }
    }
    return 0;
}

static int upd_cmp(const void *a, const void *b)
{
    return memcmp(((const upd_t *)a)->key.b, ((const upd_t *)b)->key.b, 32);
}

int smt_apply(chain_overlay_t *ov, chain_hash_t *root, err_t *e)
{
    kv_clear(&ov->nodes);
    size_t n = ov->accounts.n_used + ov->utxos.n_used + ov->data.n_used, m = 0;
    chain_hash_t zero = {{0}};
    if (n == 0) {
        *root = ov->base_has_tip ? ov->st->root : zero;
        return 0;
    }
    upd_t *u = malloc(n * sizeof *u);
    if (!u)
        return err_set(e, CHAIN_ENOMEM, "state: out of memory (SMT)");
    const kv_map_t *maps[3] = {&ov->accounts, &ov->utxos, &ov->data};
    for (int which = 0; which < 3; which++) {
        const kv_map_t *km = maps[which];
        for (size_t i = 0; i < km->n_slots; i++) {
            const kv_slot_t *s = &km->slots[i];
            if (s->first < 0 || s->head < 0)
                continue;
            const kv_entry_t *en = &km->ents[s->head];
            upd_t *x = &u[m++];
            if (which == 2) {   /* data leaf: the value hash is kept in the entry */
                chain_smt_key_data(en->key[0], en->key + 1, &x->key);
                x->del = load_le32(en->val + 36) == 0;   /* length 0: deleted */
                memcpy(x->vh.b, en->val, 32);
                continue;
            }
            if (which == 0) {
                chain_addr_t a;
                memcpy(a.b, en->key, 20);
                chain_smt_key_account(&a, &x->key);
            } else {
                chain_utxo_id_t id;
                memcpy(id.tx_hash.b, en->key, 32);
                id.index = load_le32(en->key + 32);
                chain_smt_key_utxo(&id, &x->key);
            }
            /* for UTxOs, vlen 0 is a spend; accounts are never deleted */
            bool spent = which == 1 && en->val[CHAIN_UTXO_BYTES] == 0;
            x->del = spent;
            if (!spent)
                crypto_sha256(en->val, which == 0 ? CHAIN_ACCOUNT_BYTES : CHAIN_UTXO_BYTES,
                              x->vh.b);
        }
    }
    if (m == 0) {
        free(u);
        *root = ov->base_has_tip ? ov->st->root : zero;
        return 0;
    }
    int rc = smt_apply_leaves(ov->st, NULL, u, m, &ov->nodes, root, e);
    free(u);
    return rc;
}

int smt_apply_leaves(chain_state_t *st, const db_snap_t *snap, smt_upd_t *u, size_t n,
                     kv_map_t *nodes, chain_hash_t *root, err_t *e)
{
    qsort(u, n, sizeof *u, upd_cmp);
    for (size_t i = 1; i < n; i++)
        if (chain_hash_equal(&u[i - 1].key, &u[i].key))
            return err_set(e, CHAIN_EINVAL, "state: SMT key updated twice in one batch");
    ctx_t c = {st, snap, nodes, e};
    smt_node_t top;
    int rc = update(&c, 0, u, n, &top);
    if (rc)
        return rc;
    chain_hash_t zero = {{0}};
    uint8_t pos[SMT_POS_BYTES];
    smt_pos(0, &zero, pos);
    if ((rc = put_rec(&c, pos, &top)))
        return rc;
    *root = top.hash;   /* zero for the empty tree */
    return 0;
}

int smt_build(const smt_leaf_t *leaves, size_t n, kv_map_t *nodes, chain_hash_t *root, err_t *e)
{
    upd_t *u = malloc((n ? n : 1) * sizeof *u);
    if (!u)
        return err_set(e, CHAIN_ENOMEM, "state: out of memory (SMT)");
    for (size_t i = 0; i < n; i++) {
        u[i].key = leaves[i].key;
        u[i].vh = leaves[i].vh;
        u[i].del = false;
    }
    qsort(u, n, sizeof *u, upd_cmp);
    for (size_t i = 1; i < n; i++)
        if (memcmp(u[i - 1].key.b, u[i].key.b, 32) == 0) {
            free(u);
            return err_set(e, CHAIN_EINVAL, "state: the same account or UTxO appears twice");
        }
    ctx_t c = {NULL, NULL, nodes, e};
    smt_node_t top;
    int rc = build(&c, 0, u, n, &top);
    free(u);
    if (rc)
        return rc;
    chain_hash_t zero = {{0}};
    uint8_t pos[SMT_POS_BYTES];
    smt_pos(0, &zero, pos);
    if ((rc = put_rec(&c, pos, &top)))
        return rc;
    *root = top.hash;
    return 0;
}

int smt_batch_nodes(chain_state_t *st, const kv_map_t *nodes, db_batch_t *wb)
{
    size_t n;
    const kv_entry_t **sorted = kv_sorted_heads(nodes, &n);
    if (!sorted)
        return CHAIN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const kv_entry_t *en = sorted[i];
        if (en->vlen)
            db_batch_put(st->db, wb, CF_SMT, en->key, SMT_POS_BYTES, en->val, en->vlen);
        else
            db_batch_delete(st->db, wb, CF_SMT, en->key, SMT_POS_BYTES);
    }
    free(sorted);
    return 0;
}

void smt_cache_nodes(chain_state_t *st, const kv_map_t *nodes)
{
    pthread_mutex_lock(&st->cache_mu);
    for (size_t i = 0; i < nodes->n_slots; i++) {
        const kv_slot_t *s = &nodes->slots[i];
        if (s->first < 0 || s->head < 0)
            continue;
        const kv_entry_t *en = &nodes->ents[s->head];
        /* a stale record of this position in the old generation is shadowed:
         * lookups try the young one first, and rotation drops the old one */
        cache_put(st, en->key, en->val, en->vlen);
    }
    pthread_mutex_unlock(&st->cache_mu);
}

int smt_prove(chain_state_t *st, const chain_hash_t *key, chain_proof_t *p, err_t *e)
{
    return smt_prove_in(st, NULL, NULL, key, p, e);
}

int smt_prove_in(chain_state_t *st, const db_snap_t *snap, const kv_map_t *pending,
                 const chain_hash_t *key, chain_proof_t *p, err_t *e)
{
    p->n_siblings = 0;
    p->has_other = false;
    p->exists = false;
    for (unsigned depth = 0; depth <= CHAIN_SMT_MAX_DEPTH; depth++) {
        uint8_t pos[SMT_POS_BYTES];
        smt_node_t n;
        int rc;
        smt_pos(depth, key, pos);
        if ((rc = node_read(st, snap, pending, pos, &n, e)))
            return rc;
        if (n.type == SMT_EMPTY)
            return 0;
        if (n.type == SMT_LEAF) {
            if (chain_hash_equal(&n.key, key)) {
                p->exists = true;
            } else {
                p->has_other = true;   /* absent: another leaf holds this subtree */
                p->other_key = n.key;
                p->other_value_hash = n.vh;
            }
            return 0;
        }
        if (depth == CHAIN_SMT_MAX_DEPTH)
            break;
        uint8_t spos[SMT_POS_BYTES];
        smt_node_t sib;
        child_pos(depth, key, !bit_at(key, depth), spos);
        if ((rc = node_read(st, snap, pending, spos, &sib, e)))
            return rc;
        p->siblings[p->n_siblings++] = sib.hash;
    }
    return err_set(e, CHAIN_EIO, "state: SMT path longer than 256");
}
