/* chain/state: state history — reads "as of height h" for the last N blocks.
 *
 * The store keeps only the tip's accounts, UTxOs and data leaves. So that a
 * read can name an older block (aeth_call at a height, a balance before a
 * later block changed it) and a read-only execution can pin one height while
 * blocks commit under it, every commit adds, in its single synced batch, the
 * PREVIOUS value of every key the block changes (history family):
 *
 *   kind ‖ key ‖ height_u64be  -> 0x00 (absent before the block)
 *                                 | 0x01 ‖ previous value
 *   'i' ‖ height_u64be             -> (kind ‖ key)*: the keys the block
 *                                 changed, so pruning is a range walk from
 *                                 the oldest height (one record per block)
 *
 * kind: 'a' account (key = address20), 'u' UTxO (tx_hash32 ‖ index_u32le),
 * 'd' data leaf (tag ‖ id32). The value of k as of h (h <= tip) is the
 * previous value of the first record (k, h') with h' > h when there is one
 * (the block h' changed k, so before it k held what it held at h), else the
 * current value. The current value is read BEFORE the history seek: a block
 * committing in between writes (k, tip+1) holding exactly the value read, so
 * the answer is right either way — no RocksDB snapshot is held across a
 * call. Only pruning can take a needed record away, so the window is checked
 * again after the read.
 *
 * Retention: st->hist_keep blocks (chain_state_set_history; 0 = tip only,
 * nothing recorded). Committing block H prunes the records of heights
 * <= H - keep (at most HIST_PRUNE_MAX heights per block, the rest later)
 * and persists meta "hist_base", the lowest height that can be read: it
 * never goes down, so restarting with a larger window never serves a height
 * whose records were pruned. A store without "hist_base" (one written before
 * history existed, or just imported from a snapshot, which carries only the
 * tip) starts its history at its tip. Block 0 records nothing: no height
 * lies below it. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define HIST_KEY_MAX (1 + 36 + 8)
/* heights pruned per commit: a shrunken window is caught up over a few
 * blocks instead of in one huge batch */
#define HIST_PRUNE_MAX 64

static size_t kind_key_len(uint8_t kind)
{
    return kind == 'a' ? CHAIN_ADDR_BYTES : kind == 'u' ? 36 : kind == 'd' ? 33 : 0;
}

static uint64_t oldest_locked(const chain_state_t *st)
{
    uint64_t tip = st->has_tip ? st->tip.height : 0;
    uint64_t w = tip >= st->hist_keep ? tip - st->hist_keep : 0;
    return w > st->hist_base ? w : st->hist_base;
}

int hist_load(chain_state_t *st, err_t *e)
{
    uint8_t *v = NULL;
    size_t n = 0;
    int rc = db_get(st->db, NULL, CF_META, "hist_base", 9, &v, &n, e);
    st->hist_pruned = 0;
    if (rc == CHAIN_ENOTFOUND) {
        st->hist_base = st->has_tip ? st->tip.height : 0;
        st->hist_base_stored = false;
        return 0;
    }
    if (rc)
        return rc;
    if (n != 8) {
        free(v);
        return err_set(e, CHAIN_EIO, "state: corrupt hist_base record (%zu bytes)", n);
    }
    st->hist_base = load_be64(v);
    st->hist_base_stored = true;
    free(v);
    return 0;
}

void chain_state_set_history(chain_state_t *st, uint64_t blocks)
{
    pthread_rwlock_wrlock(&st->lock);
    st->hist_keep = blocks;
    pthread_rwlock_unlock(&st->lock);
}

int chain_state_history_range(chain_state_t *st, uint64_t *oldest, uint64_t *tip, err_t *e)
{
    pthread_rwlock_rdlock(&st->lock);
    int rc = 0;
    if (!st->has_tip)
        rc = err_set(e, CHAIN_ENOTFOUND, "state: empty store (no genesis)");
    else {
        if (oldest)
            *oldest = oldest_locked(st);
        if (tip)
            *tip = st->tip.height;
    }
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

/* 0 when height can be read now; CHAIN_STATE_EHISTORY naming the window. */
static int check_height(chain_state_t *st, uint64_t height, err_t *e)
{
    pthread_rwlock_rdlock(&st->lock);
    int rc = hist_check_height_locked(st, height, e);
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

int hist_check_height_locked(chain_state_t *st, uint64_t height, err_t *e)
{
    bool has = st->has_tip;
    uint64_t tip = st->tip.height, oldest = oldest_locked(st), keep = st->hist_keep;
    if (!has)
        return err_set(e, CHAIN_ENOTFOUND, "state: empty store (no genesis)");
    if (height > tip)
        return err_set(e, CHAIN_STATE_EHISTORY,
                       "state: block %llu is in the future (the tip is %llu)",
                       (unsigned long long)height, (unsigned long long)tip);
    if (height < oldest)
        return err_set(e, CHAIN_STATE_EHISTORY,
                       "state: the state at block %llu is not kept any more; the oldest "
                       "available height is %llu (tip %llu, history of %llu blocks)",
                       (unsigned long long)height, (unsigned long long)oldest,
                       (unsigned long long)tip, (unsigned long long)keep);
    return 0;
}

static size_t hist_key(uint8_t *k, uint8_t kind, const uint8_t *key, size_t klen, uint64_t h)
{
    k[0] = kind;
    memcpy(k + 1, key, klen);
    store_be64(k + 1 + klen, h);
    return 1 + klen + 8;
}


/* The value of (cf, key) as of height: 0 with *val (malloc'd), or
 * CHAIN_ENOTFOUND when the key was absent then. */
static int read_at(chain_state_t *st, uint64_t height, int cf, uint8_t kind, const uint8_t *key,
                   size_t klen, uint8_t **val, size_t *vlen, err_t *e)
{
    *val = NULL;
    *vlen = 0;
    int rc = check_height(st, height, e);
    if (rc)
        return rc;
    /* current value first (see the top comment) */
    uint8_t *cur = NULL;
    size_t ncur = 0;
    int crc = db_get(st->db, NULL, cf, key, klen, &cur, &ncur, e);
    if (crc && crc != CHAIN_ENOTFOUND)
        return crc;
    uint8_t k[HIST_KEY_MAX];
    size_t kl = hist_key(k, kind, key, klen, height + 1);
    db_iter_t *it = db_iter_new(st->db, NULL, CF_HIST, e);
    if (!it) {
        free(cur);
        return CHAIN_EIO;
    }
    db_iter_seek(it, k, kl);
    bool found = false;
    if (db_iter_valid(it)) {
        size_t ikl, ivl;
        const uint8_t *ik = db_iter_key(it, &ikl);
        const uint8_t *iv = db_iter_value(it, &ivl);
        if (ikl == kl && memcmp(ik, k, 1 + klen) == 0) {
            found = true;
            if (ivl < 1 || iv[0] > 1 || (iv[0] == 0 && ivl != 1)) {
                rc = err_set(e, CHAIN_EIO, "state: corrupt history record");
            } else if (iv[0] == 1) {
                if (!(*val = malloc(ivl - 1)))
                    rc = err_set(e, CHAIN_ENOMEM, "state: out of memory");
                else {
                    memcpy(*val, iv + 1, ivl - 1);
                    *vlen = ivl - 1;
                }
            } else {
                rc = CHAIN_ENOTFOUND;
            }
        }
    }
    if (!found && db_iter_status(it, e) != 0)
        rc = CHAIN_EIO;
    db_iter_free(it);
    if (!found && !rc) {
        if (crc == CHAIN_ENOTFOUND)
            rc = CHAIN_ENOTFOUND;
        else {
            *val = cur;
            *vlen = ncur;
            cur = NULL;
        }
    }
    free(cur);
    /* a commit meanwhile may have pruned a record this read needed */
    if (rc == 0 || rc == CHAIN_ENOTFOUND) {
        int again = check_height(st, height, e);
        if (again) {
            free(*val);
            *val = NULL;
            return again;
        }
    }
    return rc;
}

int chain_state_get_account_at(chain_state_t *st, uint64_t height, const chain_addr_t *a,
                               chain_account_t *out, bool *exists, err_t *e)
{
    uint8_t *v = NULL;
    size_t n = 0;
    bool ex;
    int rc = read_at(st, height, CF_ACCOUNTS, 'a', a->b, CHAIN_ADDR_BYTES, &v, &n, e);
    return store_account_from(rc, v, n, out, exists ? exists : &ex, e);
}

int chain_state_get_utxo_at(chain_state_t *st, uint64_t height, const chain_utxo_id_t *id,
                            chain_utxo_t *out, bool *exists, err_t *e)
{
    uint8_t k[36], *v = NULL;
    size_t n = 0;
    memcpy(k, id->tx_hash.b, 32);
    store_le32(k + 32, id->index);
    int rc = read_at(st, height, CF_UTXOS, 'u', k, sizeof k, &v, &n, e);
    return store_utxo_from(rc, v, n, out, exists, e);
}

int chain_state_get_data_at(chain_state_t *st, uint64_t height, uint8_t tag,
                            const uint8_t id[32], buf_t *out, bool *exists, err_t *e)
{
    uint8_t k[33], *v = NULL;
    size_t n = 0;
    k[0] = tag;
    memcpy(k + 1, id, 32);
    int rc = read_at(st, height, CF_DATA, 'd', k, sizeof k, &v, &n, e);
    return store_data_from(rc, v, n, out, exists, e);
}

/* ---- the write side (in chain_state_commit's batch) ---- */

/* Records key's value before the block unless the block leaves it
 * unchanged (new value nv/nn; nv NULL = absent). The old value is *known
 * (had/old/no) when the overlay remembered it, else read from the store.
 * The key joins the block's index record idx. */
static int record(chain_state_t *st, db_batch_t *wb, int cf, uint8_t kind, const uint8_t *key,
                  size_t klen, const uint8_t *nv, size_t nn, const uint8_t *known, size_t nk,
                  uint64_t height, buf_t *tmp, buf_t *idx, err_t *e)
{
    uint8_t *old = NULL;
    size_t no = 0;
    bool had;
    if (known) {
        had = known[0] != 0;
        no = had ? nk - 1 : 0;
    } else {
        int rc = db_get(st->db, NULL, cf, key, klen, &old, &no, e);
        if (rc && rc != CHAIN_ENOTFOUND)
            return rc;
        had = rc == 0;
    }
    const uint8_t *ov = known ? known + 1 : old;
    if ((!had && !nv) || (had && nv && no == nn && memcmp(ov, nv, nn) == 0)) {
        free(old);
        return 0;
    }
    tmp->len = 0;
    uint8_t flag = had;
    int rc = buf_append(tmp, &flag, 1);
    if (!rc && had)
        rc = buf_append(tmp, ov, no);
    free(old);
    if (!rc)
        rc = buf_append(idx, &kind, 1) | buf_append(idx, key, klen);
    if (rc)
        return err_set(e, CHAIN_ENOMEM, "state: out of memory (history)");
    uint8_t k[HIST_KEY_MAX];
    size_t kl = hist_key(k, kind, key, klen, height);
    db_batch_put(st->db, wb, CF_HIST, k, kl, tmp->data, tmp->len);
    return 0;
}

/* Deletes the records of heights <= upto, oldest first, at most
 * HIST_PRUNE_MAX heights. */
static int prune(chain_state_t *st, db_batch_t *wb, uint64_t upto, err_t *e)
{
    if (st->hist_pruned > upto)
        return 0;
    uint8_t k[9];
    k[0] = 'i';
    store_be64(k + 1, st->hist_pruned);
    db_iter_t *it = db_iter_new(st->db, NULL, CF_HIST, e);
    if (!it)
        return CHAIN_EIO;
    size_t n = 0;
    uint64_t next = upto + 1;
    int rc = 0;
    for (db_iter_seek(it, k, sizeof k); db_iter_valid(it) && !rc; db_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *ik = db_iter_key(it, &kl);
        const uint8_t *v = db_iter_value(it, &vl);
        if (kl != 9 || ik[0] != 'i')
            break;
        uint64_t h = load_be64(ik + 1);
        if (h > upto)
            break;
        if (n == HIST_PRUNE_MAX) {
            next = h;
            break;
        }
        for (size_t off = 0; off < vl && !rc;) {
            size_t klen = kind_key_len(v[off]);
            if (!klen || vl - off - 1 < klen) {
                rc = err_set(e, CHAIN_EIO, "state: corrupt history index of block %llu",
                             (unsigned long long)h);
                break;
            }
            uint8_t hk[HIST_KEY_MAX];
            size_t hl = hist_key(hk, v[off], v + off + 1, klen, h);
            db_batch_delete(st->db, wb, CF_HIST, hk, hl);
            off += 1 + klen;
        }
        db_batch_delete(st->db, wb, CF_HIST, ik, kl);
        n++;
    }
    if (!rc && db_iter_status(it, e) != 0)
        rc = CHAIN_EIO;
    db_iter_free(it);
    if (!rc)
        st->hist_pruned = next;   /* should the batch fail, the rest stays unread until a restart */
    return rc;
}

int hist_record(chain_state_t *st, db_batch_t *wb, const chain_overlay_t *ov, uint64_t height,
                const kv_entry_t *const *acc, size_t n_acc, const kv_entry_t *const *utx,
                size_t n_utx, const kv_entry_t *const *dat, size_t n_dat, uint64_t *new_base,
                err_t *e)
{
    int rc = 0;
    if (st->hist_keep > 0 && height > 0) {
        buf_t tmp, idx;
        buf_init(&tmp, 0);
        buf_init(&idx, 0);
        for (size_t i = 0; i < n_acc && !rc; i++) {
            const kv_entry_t *base = kv_get(&ov->acc_base, acc[i]->key);
            rc = record(st, wb, CF_ACCOUNTS, 'a', acc[i]->key, CHAIN_ADDR_BYTES, acc[i]->val,
                        CHAIN_ACCOUNT_BYTES, base ? base->val : NULL, base ? base->vlen : 0,
                        height, &tmp, &idx, e);
        }
        for (size_t i = 0; i < n_utx && !rc; i++) {
            const kv_entry_t *en = utx[i];
            bool live = en->val[CHAIN_UTXO_BYTES] != 0;
            rc = record(st, wb, CF_UTXOS, 'u', en->key, 36, live ? en->val : NULL,
                        CHAIN_UTXO_BYTES, NULL, 0, height, &tmp, &idx, e);
        }
        for (size_t i = 0; i < n_dat && !rc; i++) {
            uint32_t len = load_le32(dat[i]->val + 36);
            rc = record(st, wb, CF_DATA, 'd', dat[i]->key, 33,
                        len ? ov->arena + load_le32(dat[i]->val + 32) : NULL, len, NULL, 0,
                        height, &tmp, &idx, e);
        }
        if (!rc && idx.len) {
            uint8_t k[9];
            k[0] = 'i';
            store_be64(k + 1, height);
            db_batch_put(st->db, wb, CF_HIST, k, sizeof k, idx.data, idx.len);
        }
        buf_free(&tmp);
        buf_free(&idx);
    }
    /* keep = 0 still prunes what an earlier, larger window left behind */
    uint64_t upto = height >= st->hist_keep ? height - st->hist_keep : 0;
    if (!rc && upto > 0)
        rc = prune(st, wb, upto, e);
    if (rc)
        return rc;
    uint64_t base = upto > st->hist_base ? upto : st->hist_base;
    if (base != st->hist_base || !st->hist_base_stored) {
        uint8_t v[8];
        store_be64(v, base);
        db_batch_put(st->db, wb, CF_META, "hist_base", 9, v, 8);
    }
    *new_base = base;
    return 0;
}
