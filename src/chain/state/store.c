/* chain/state: the store — opening (one column family per kind, see
 * state.h), tip recovery, committed reads, genesis, and the single synced
 * write batch that commits a block with its receipts, state and tip. All
 * RocksDB access goes through db.c. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

_Static_assert(sizeof(size_t) >= 8, "overlay marks pack two 32-bit logs");

#define CACHE_MAX_DEFAULT (1u << 19)   /* per generation: ~60 MB each at most */

/* txs record: height_be8, index, offset, length (u32 LE each), receipt */
#define TX_REC_HEAD 20   /* height, index, offset, length; the receipt follows */

static int load_block(chain_state_t *st, uint64_t height, chain_block_t **out, err_t *e)
{
    uint8_t k[8], *v = NULL;
    size_t n = 0;
    store_be64(k, height);
    int rc = db_get(st->db, NULL, CF_BLOCKS, k, 8, &v, &n, e);
    if (rc == CHAIN_ENOTFOUND)
        return err_set(e, CHAIN_ENOTFOUND, "state: no block at height %llu",
                       (unsigned long long)height);
    if (rc)
        return rc;
    *out = chain_block_decode(v, n, e);
    free(v);
    if (!*out)
        return err_prefix(e, "state: stored block %llu is corrupt", (unsigned long long)height),
               CHAIN_EIO;
    return 0;
}

/* Reads the tip record and checks it against the stored block and tree. */
int store_reload_tip(chain_state_t *st, err_t *e)
{
    uint8_t *v = NULL;
    size_t n = 0;
    int rc = db_get(st->db, NULL, CF_META, "tip", 3, &v, &n, e);
    memset(st->root.b, 0, 32);
    st->has_tip = false;
    if (rc == CHAIN_ENOTFOUND)
        return hist_load(st, e);
    if (rc)
        return rc;
    if (n != 40) {
        free(v);
        return err_set(e, CHAIN_EIO, "state: corrupt tip record (%zu bytes)", n);
    }
    uint64_t height = load_be64(v);
    chain_hash_t hash;
    memcpy(hash.b, v + 8, 32);
    free(v);
    chain_block_t *b = NULL;
    if ((rc = load_block(st, height, &b, e)))
        return rc;
    chain_hash_t h;
    chain_header_hash(&b->header, &h);
    st->tip = b->header;
    chain_block_free(b);
    if (!chain_hash_equal(&h, &hash))
        return err_set(e, CHAIN_EIO, "state: tip block %llu does not hash to the tip record",
                       (unsigned long long)height);
    chain_hash_t zero = {{0}};
    uint8_t pos[SMT_POS_BYTES];
    smt_node_t root;
    smt_pos(0, &zero, pos);
    if ((rc = smt_node_get(st, NULL, pos, &root, e)))
        return rc;
    if (!chain_hash_equal(&root.hash, &st->tip.state_root))
        return err_set(e, CHAIN_EIO,
                       "state: stored tree root differs from tip %llu's state_root (corrupt store)",
                       (unsigned long long)height);
    st->root = root.hash;
    st->tip_hash = hash;
    st->has_tip = true;
    return hist_load(st, e);
}

chain_state_t *chain_state_open(const char *dir, bool read_only, err_t *e)
{
    chain_state_t *st = calloc(1, sizeof *st);
    if (!st) {
        err_set(e, CHAIN_ENOMEM, "state: out of memory");
        return NULL;
    }
    st->read_only = read_only;
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&st->lock, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_mutex_init(&st->cache_mu, NULL);
    kv_init(&st->cache, SMT_POS_BYTES);
    kv_init(&st->cache_old, SMT_POS_BYTES);
    st->cache_max = CACHE_MAX_DEFAULT;
    st->hist_keep = CHAIN_STATE_HISTORY_DEFAULT;

    if (!read_only && file_mkdirs(dir, 0700, e) != 0) {
        err_prefix(e, "state: cannot create %s", dir);
        goto fail;
    }
    if (!(st->db = db_open(dir, read_only, e)))
        goto fail;
    if (store_reload_tip(st, e) != 0) {
        err_prefix(e, "state: %s", dir);
        goto fail;
    }
    return st;
fail:
    chain_state_close(st);
    return NULL;
}

void chain_state_close(chain_state_t *st)
{
    if (!st)
        return;
    db_close(st->db);
    kv_free(&st->cache);
    kv_free(&st->cache_old);
    pthread_mutex_destroy(&st->cache_mu);
    pthread_rwlock_destroy(&st->lock);
    free(st);
}

bool chain_state_write_stopped(chain_state_t *st)
{
    return db_failed(st->db);
}

int chain_state_recover(chain_state_t *st, err_t *e)
{
    if (!db_failed(st->db))
        return 0;
    pthread_rwlock_wrlock(&st->lock);
    int rc = db_recover(st->db, e);
    if (rc == 0) {
        /* the failed batch may have reached the log and been replayed:
         * the tip and the committed tree are whatever the store says */
        pthread_mutex_lock(&st->cache_mu);
        smt_cache_clear(st);
        pthread_mutex_unlock(&st->cache_mu);
        rc = store_reload_tip(st, e);
    }
    pthread_rwlock_unlock(&st->lock);
    if (rc)
        err_prefix(e, "state: writes still stopped");
    return rc;
}

void chain_state_set_cache_entries(chain_state_t *st, size_t n)
{
    pthread_mutex_lock(&st->cache_mu);
    st->cache_max = n ? n : 1;
    smt_cache_clear(st);
    pthread_mutex_unlock(&st->cache_mu);
}

/* ---- reads ---- */

bool chain_state_has_tip(chain_state_t *st)
{
    pthread_rwlock_rdlock(&st->lock);
    bool r = st->has_tip;
    pthread_rwlock_unlock(&st->lock);
    return r;
}

int chain_state_tip(chain_state_t *st, chain_header_t *hdr, chain_hash_t *hash, err_t *e)
{
    pthread_rwlock_rdlock(&st->lock);
    int rc = 0;
    if (!st->has_tip) {
        rc = err_set(e, CHAIN_ENOTFOUND, "state: empty store (no genesis)");
    } else {
        if (hdr)
            *hdr = st->tip;
        if (hash)
            *hash = st->tip_hash;
    }
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

void chain_state_root(chain_state_t *st, chain_hash_t *root)
{
    pthread_rwlock_rdlock(&st->lock);
    *root = st->root;
    pthread_rwlock_unlock(&st->lock);
}

int store_data_from(int rc, uint8_t *v, size_t n, buf_t *out, bool *exists, err_t *e)
{
    out->len = 0;
    *exists = false;
    if (rc == CHAIN_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    rc = buf_append(out, v, n) == 0 ? 0 : err_set(e, CHAIN_ENOMEM, "state: out of memory");
    free(v);
    *exists = rc == 0;
    return rc;
}

int chain_state_get_data(chain_state_t *st, uint8_t tag, const uint8_t id[32], buf_t *out,
                         bool *exists, err_t *e)
{
    uint8_t k[33], *v = NULL;
    size_t n = 0;
    k[0] = tag;
    memcpy(k + 1, id, 32);
    int rc = db_get(st->db, NULL, CF_DATA, k, sizeof k, &v, &n, e);
    return store_data_from(rc, v, n, out, exists, e);
}

int chain_state_prove_data(chain_state_t *st, uint8_t tag, const uint8_t id[32], chain_proof_t *p,
                           buf_t *value, err_t *e)
{
    memset(p, 0, sizeof *p);
    chain_hash_t key;
    chain_smt_key_data(tag, id, &key);
    pthread_rwlock_rdlock(&st->lock);
    p->root = st->root;
    int rc = smt_prove(st, &key, p, e);
    value->len = 0;
    if (!rc && p->exists) {
        bool exists = false;
        rc = chain_state_get_data(st, tag, id, value, &exists, e);
        if (!rc && !exists)
            rc = err_set(e, CHAIN_EIO, "state: tree has a leaf for a missing data value");
    }
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

/* Log index keys (CF_LOGS): 'a' ‖ address20 ‖ pos and 't' ‖ topic32 ‖ pos,
 * pos = height_u64be ‖ tx_index_u32be ‖ log_index_u32be, value = tx hash. */
static size_t log_key(uint8_t *k, uint8_t which, const uint8_t *id, size_t idlen,
                      const uint8_t hk[8], uint32_t tx, uint32_t li)
{
    k[0] = which;
    memcpy(k + 1, id, idlen);
    memcpy(k + 1 + idlen, hk, 8);
    store_be32(k + 9 + idlen, tx);
    store_be32(k + 13 + idlen, li);
    return 17 + idlen;
}

int chain_state_each_log(chain_state_t *st, const chain_addr_t *address,
                         const chain_hash_t *topic, uint64_t from, uint64_t to, chain_log_fn fn,
                         void *arg, err_t *e)
{
    if (!address && !topic)
        return err_set(e, CHAIN_EINVAL, "state: a log query needs an address or a topic");
    uint8_t k[1 + 32 + 16], hk[8];
    size_t idlen = address ? 20 : 32;
    store_be64(hk, from);
    size_t kl = log_key(k, address ? 'a' : 't', address ? address->b : topic->b, idlen, hk, 0, 0);
    db_iter_t *it = db_iter_new(st->db, NULL, CF_LOGS, e);
    if (!it)
        return CHAIN_EIO;
    int rc = 0;
    for (db_iter_seek(it, k, kl); db_iter_valid(it) && !rc; db_iter_next(it)) {
        size_t ikl, vl;
        const uint8_t *ik = db_iter_key(it, &ikl);
        const uint8_t *v = db_iter_value(it, &vl);
        if (ikl != kl || memcmp(ik, k, 1 + idlen) != 0)
            break;
        uint64_t h = load_be64(ik + 1 + idlen);
        if (h > to)
            break;
        if (vl != 32) {
            rc = err_set(e, CHAIN_EIO, "state: corrupt log index record");
            break;
        }
        chain_hash_t th;
        memcpy(th.b, v, 32);
        rc = fn(arg, h, load_be32(ik + 9 + idlen), load_be32(ik + 13 + idlen), &th);
    }
    if (!rc && db_iter_status(it, e) != 0)
        rc = CHAIN_EIO;
    db_iter_free(it);
    return rc;
}

int chain_state_each_data(chain_state_t *st, uint8_t tag,
                          int (*fn)(void *arg, const uint8_t id[32], const uint8_t *val, size_t n),
                          void *arg, err_t *e)
{
    return chain_state_each_data_after(st, tag, NULL, fn, arg, e);
}

int chain_state_each_data_after(chain_state_t *st, uint8_t tag, const uint8_t *after,
                                int (*fn)(void *arg, const uint8_t id[32], const uint8_t *val,
                                          size_t n),
                                void *arg, err_t *e)
{
    db_iter_t *it = db_iter_new(st->db, NULL, CF_DATA, e);
    if (!it)
        return CHAIN_EIO;
    uint8_t start[33] = {tag};
    if (after)
        memcpy(start + 1, after, 32);
    int rc = 0;
    for (db_iter_seek(it, start, after ? 33 : 1); db_iter_valid(it) && !rc; db_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = db_iter_key(it, &kl);
        const uint8_t *v = db_iter_value(it, &vl);
        if (kl != 33 || k[0] != tag)
            break;
        if (after && memcmp(k + 1, after, 32) == 0)
            continue;   /* strictly after the cursor */
        rc = fn(arg, k + 1, v, vl);
    }
    if (!rc && db_iter_status(it, e) != 0)
        rc = CHAIN_EIO;
    db_iter_free(it);
    return rc;
}

int chain_state_get_account(chain_state_t *st, const chain_addr_t *a, chain_account_t *out,
                            bool *exists, err_t *e)
{
    uint8_t *v = NULL;
    size_t n = 0;
    int rc = db_get(st->db, NULL, CF_ACCOUNTS, a->b, CHAIN_ADDR_BYTES, &v, &n, e);
    return store_account_from(rc, v, n, out, exists, e);
}

int store_account_from(int rc, uint8_t *v, size_t n, chain_account_t *out, bool *exists,
                       err_t *e)
{
    memset(out, 0, sizeof *out);
    if (exists)
        *exists = false;
    if (rc == CHAIN_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    rc = chain_account_decode(v, n, out, e);
    free(v);
    if (rc)
        return err_prefix(e, "state: corrupt account record"), CHAIN_EIO;
    if (exists)
        *exists = true;
    return 0;
}

static void utxo_key(const chain_utxo_id_t *id, uint8_t k[36])
{
    memcpy(k, id->tx_hash.b, 32);
    store_le32(k + 32, id->index);
}

int chain_state_get_utxo(chain_state_t *st, const chain_utxo_id_t *id, chain_utxo_t *out,
                         bool *exists, err_t *e)
{
    uint8_t k[36], *v = NULL;
    size_t n = 0;
    utxo_key(id, k);
    int rc = db_get(st->db, NULL, CF_UTXOS, k, 36, &v, &n, e);
    return store_utxo_from(rc, v, n, out, exists, e);
}

int store_utxo_from(int rc, uint8_t *v, size_t n, chain_utxo_t *out, bool *exists, err_t *e)
{
    memset(out, 0, sizeof *out);
    *exists = false;
    if (rc == CHAIN_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    rc = chain_utxo_decode(v, n, out, e);
    free(v);
    if (rc)
        return err_prefix(e, "state: corrupt UTxO record"), CHAIN_EIO;
    *exists = true;
    return 0;
}

int chain_state_list_utxos(chain_state_t *st, const chain_addr_t *owner, size_t max,
                           chain_utxo_entry_t **out, size_t *n, err_t *e)
{
    *out = NULL;
    *n = 0;
    pthread_rwlock_rdlock(&st->lock);
    db_iter_t *it = db_iter_new(st->db, NULL, CF_OWNER_UTXO, e);
    size_t cap = 0;
    int rc = it ? 0 : CHAIN_EIO;
    if (it)
        db_iter_seek(it, owner->b, CHAIN_ADDR_BYTES);
    for (; it && db_iter_valid(it) && *n < max; db_iter_next(it)) {
        size_t kl;
        const uint8_t *k = db_iter_key(it, &kl);
        if (kl != 20 + 36 || memcmp(k, owner->b, 20) != 0)
            break;
        chain_utxo_entry_t en;
        memcpy(en.id.tx_hash.b, k + 20, 32);
        en.id.index = load_le32(k + 52);
        bool exists;
        if ((rc = chain_state_get_utxo(st, &en.id, &en.utxo, &exists, e)))
            break;
        if (!exists)
            continue;
        if (*n == cap) {
            size_t c = cap ? cap * 2 : 16;
            chain_utxo_entry_t *p = realloc(*out, c * sizeof *p);
            if (!p) {
                rc = err_set(e, CHAIN_ENOMEM, "state: out of memory");
                break;
            }
            *out = p;
            cap = c;
        }
        (*out)[(*n)++] = en;
    }
    if (it && !rc && db_iter_status(it, e) != 0)
        rc = (err_prefix(e, "state: UTxO index scan"), CHAIN_EIO);
    db_iter_free(it);
    pthread_rwlock_unlock(&st->lock);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int chain_state_get_block(chain_state_t *st, uint64_t height, chain_block_t **out, err_t *e)
{
    *out = NULL;
    return load_block(st, height, out, e);
}

int chain_state_get_block_raw(chain_state_t *st, uint64_t height, uint8_t **out, size_t *len,
                              err_t *e)
{
    uint8_t k[8];
    store_be64(k, height);
    int rc = db_get(st->db, NULL, CF_BLOCKS, k, 8, out, len, e);
    if (rc == CHAIN_ENOTFOUND)
        return err_set(e, CHAIN_ENOTFOUND, "state: no block at height %llu",
                       (unsigned long long)height);
    return rc;
}

int chain_state_get_block_by_hash(chain_state_t *st, const chain_hash_t *hash,
                                  chain_block_t **out, err_t *e)
{
    uint8_t *v = NULL;
    size_t n = 0;
    *out = NULL;
    int rc = db_get(st->db, NULL, CF_BLOCK_IDX, hash->b, 32, &v, &n, e);
    if (rc == CHAIN_ENOTFOUND)
        return err_set(e, CHAIN_ENOTFOUND, "state: no block with that hash");
    if (rc)
        return rc;
    if (n != 8) {
        free(v);
        return err_set(e, CHAIN_EIO, "state: corrupt block index record");
    }
    uint64_t h = load_be64(v);
    free(v);
    return load_block(st, h, out, e);
}

int chain_state_get_tx(chain_state_t *st, const chain_hash_t *tx_hash, uint64_t *height,
                       uint32_t *index, chain_tx_t **tx, chain_receipt_t *receipt, err_t *e)
{
    uint8_t *v = NULL;
    size_t n = 0;
    if (tx)
        *tx = NULL;
    int rc = db_get(st->db, NULL, CF_TXS, tx_hash->b, 32, &v, &n, e);
    if (rc == CHAIN_ENOTFOUND)
        return err_set(e, CHAIN_ENOTFOUND, "state: transaction not found in any committed block");
    if (rc)
        return rc;
    if (n < TX_REC_HEAD + CHAIN_RECEIPT_MIN_BYTES) {
        free(v);
        return err_set(e, CHAIN_EIO, "state: corrupt tx index record");
    }
    uint64_t h = load_be64(v);
    uint32_t ix = load_le32(v + 8);
    uint32_t off = load_le32(v + 12);
    uint32_t len = load_le32(v + 16);
    if (receipt && chain_receipt_decode(v + TX_REC_HEAD, n - TX_REC_HEAD, receipt, e) != 0) {
        free(v);
        return err_prefix(e, "state: corrupt receipt"), CHAIN_EIO;
    }
    free(v);
    if (height)
        *height = h;
    if (index)
        *index = ix;
    if (tx) {
        /* decode just this tx from its slice of the stored block */
        uint8_t k[8], *slice = NULL;
        store_be64(k, h);
        rc = db_get_slice(st->db, CF_BLOCKS, k, 8, off, len, &slice, e);
        if (rc == CHAIN_ENOTFOUND)
            return err_set(e, CHAIN_EIO, "state: tx index points at missing block %llu",
                           (unsigned long long)h);
        if (rc)
            return err_prefix(e, "state: tx index into block %llu", (unsigned long long)h), rc;
        *tx = chain_tx_decode(slice, len, e);
        free(slice);
        if (!*tx || !chain_hash_equal(&(*tx)->hash, tx_hash)) {
            chain_tx_free(*tx);
            *tx = NULL;
            return err_set(e, CHAIN_EIO, "state: tx index points at the wrong transaction");
        }
    }
    return 0;
}

/* ---- proofs ---- */

int chain_state_prove_account(chain_state_t *st, const chain_addr_t *a, chain_proof_t *p,
                              err_t *e)
{
    memset(p, 0, sizeof *p);
    p->kind = CHAIN_PROOF_ACCOUNT;
    p->address = *a;
    chain_hash_t key;
    chain_smt_key_account(a, &key);
    pthread_rwlock_rdlock(&st->lock);
    p->root = st->root;
    int rc = smt_prove(st, &key, p, e);
    if (!rc && p->exists) {
        bool exists;
        rc = chain_state_get_account(st, a, &p->account, &exists, e);
        if (!rc && !exists)
            rc = err_set(e, CHAIN_EIO, "state: tree has a leaf for a missing account");
    }
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

int chain_state_prove_utxo(chain_state_t *st, const chain_utxo_id_t *id, chain_proof_t *p,
                           err_t *e)
{
    memset(p, 0, sizeof *p);
    p->kind = CHAIN_PROOF_UTXO;
    p->utxo_id = *id;
    chain_hash_t key;
    chain_smt_key_utxo(id, &key);
    pthread_rwlock_rdlock(&st->lock);
    p->root = st->root;
    int rc = smt_prove(st, &key, p, e);
    if (!rc && p->exists) {
        bool exists;
        rc = chain_state_get_utxo(st, id, &p->utxo, &exists, e);
        if (!rc && !exists)
            rc = err_set(e, CHAIN_EIO, "state: tree has a leaf for a missing UTxO");
    }
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

/* ---- commit ---- */

typedef struct tx_rec {
    const uint8_t *hash;
    size_t off, len;   /* the record's bytes in the shared buffer */
} tx_rec_t;

static int tx_rec_cmp(const void *a, const void *b)
{
    return memcmp(((const tx_rec_t *)a)->hash, ((const tx_rec_t *)b)->hash, 32);
}

static int put_tx_records(chain_state_t *st, db_batch_t *wb, const chain_block_t *block,
                          const chain_receipt_t *receipts, const uint8_t hk[8], err_t *e)
{
    tx_rec_t *r = malloc(block->n_txs * sizeof *r);
    buf_t all;
    buf_init(&all, 0);
    if (!r)
        return err_set(e, CHAIN_ENOMEM, "state: out of memory (commit)");
    uint32_t off = CHAIN_HEADER_BYTES + CHAIN_SIG_BYTES + 4;
    int rc = 0;
    for (uint32_t i = 0; i < block->n_txs; i++) {
        uint32_t len = (uint32_t)chain_tx_encoded_size(block->txs[i]);
        uint8_t head[TX_REC_HEAD];
        off += 4;
        r[i].hash = block->txs[i]->hash.b;
        r[i].off = all.len;
        memcpy(head, hk, 8);
        store_le32(head + 8, i);
        store_le32(head + 12, off);
        store_le32(head + 16, len);
        rc |= buf_append(&all, head, sizeof head);
        rc |= chain_receipt_encode(&receipts[i], &all);
        r[i].len = all.len - r[i].off;
        off += len;
        for (uint32_t li = 0; li < receipts[i].n_logs; li++) {
            const chain_log_t *l = &receipts[i].logs[li];
            uint8_t k[1 + 32 + 16];
            size_t kl = log_key(k, 'a', l->address.b, 20, hk, i, li);
            db_batch_put(st->db, wb, CF_LOGS, k, kl, r[i].hash, 32);
            if (l->has_topic) {
                kl = log_key(k, 't', l->topic.b, 32, hk, i, li);
                db_batch_put(st->db, wb, CF_LOGS, k, kl, r[i].hash, 32);
            }
        }
    }
    if (rc) {
        free(r);
        buf_free(&all);
        return err_set(e, CHAIN_ENOMEM, "state: out of memory (commit)");
    }
    qsort(r, block->n_txs, sizeof *r, tx_rec_cmp);
    for (uint32_t i = 0; i < block->n_txs; i++)
        db_batch_put(st->db, wb, CF_TXS, r[i].hash, 32, all.data + r[i].off, r[i].len);
    free(r);
    buf_free(&all);
    return 0;
}

static int meta_key_ok(const chain_meta_op_t *op, err_t *e)
{
    if (!op->key || op->klen < 2 || memcmp(op->key, "c/", 2) != 0)
        return err_set(e, CHAIN_EINVAL, "state: consensus record keys start with \"c/\"");
    return 0;
}

static void meta_batch(db_t *d, db_batch_t *wb, const chain_meta_op_t *ops, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ops[i].val)
            db_batch_put(d, wb, CF_META, ops[i].key, ops[i].klen, ops[i].val, ops[i].vlen);
        else
            db_batch_delete(d, wb, CF_META, ops[i].key, ops[i].klen);
    }
}

int chain_state_meta_write(chain_state_t *st, const chain_meta_op_t *ops, size_t n, err_t *e)
{
    for (size_t i = 0; i < n; i++)
        if (meta_key_ok(&ops[i], e))
            return CHAIN_EINVAL;
    if (st->read_only)
        return err_set(e, CHAIN_EINVAL, "state: store opened read-only");
    db_batch_t *wb = db_batch_new();
    if (!wb)
        return err_set(e, CHAIN_ENOMEM, "state: out of memory");
    meta_batch(st->db, wb, ops, n);
    int rc = db_write(st->db, wb, e);
    db_batch_free(wb);
    return rc;
}

int chain_state_meta_get(chain_state_t *st, const void *key, size_t klen, uint8_t **val,
                         size_t *vlen, err_t *e)
{
    return db_get(st->db, NULL, CF_META, key, klen, val, vlen, e);
}

int chain_state_meta_scan(chain_state_t *st, const void *prefix, size_t plen,
                          int (*fn)(void *ud, const uint8_t *key, size_t klen,
                                    const uint8_t *val, size_t vlen),
                          void *ud, err_t *e)
{
    db_iter_t *it = db_iter_new(st->db, NULL, CF_META, e);
    if (!it)
        return CHAIN_EIO;
    int rc = 0;
    for (db_iter_seek(it, prefix, plen); db_iter_valid(it); db_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = db_iter_key(it, &kl);
        if (kl < plen || memcmp(k, prefix, plen) != 0)
            break;
        const uint8_t *v = db_iter_value(it, &vl);
        if ((rc = fn(ud, k, kl, v, vl)) != 0)
            break;
    }
    if (rc == 0)
        rc = db_iter_status(it, e);
    db_iter_free(it);
    return rc;
}

int chain_state_commit(chain_state_t *st, chain_overlay_t *ov, const chain_block_t *block,
                       const chain_receipt_t *receipts, err_t *e)
{
    return chain_state_commit_meta(st, ov, block, receipts, NULL, 0, e);
}

int chain_state_commit_meta(chain_state_t *st, chain_overlay_t *ov, const chain_block_t *block,
                            const chain_receipt_t *receipts, const chain_meta_op_t *ops,
                            size_t n_ops, err_t *e)
{
    chain_hash_t root, bhash;
    int rc = 0;
    db_batch_t *wb = NULL;
    buf_t enc;
    buf_init(&enc, 0);
    if (ov->st != st) {
        rc = err_set(e, CHAIN_EINVAL, "state: overlay belongs to another store");
        goto out;
    }
    for (size_t i = 0; i < n_ops; i++)
        if ((rc = meta_key_ok(&ops[i], e)) != 0)
            goto out;
    if (ov->view) {
        rc = err_set(e, CHAIN_EINVAL, "state: a read-only view (chain_overlay_new_at) cannot be "
                                      "committed");
        goto out;
    }
    if (block->n_txs && !receipts) {
        rc = err_set(e, CHAIN_EINVAL, "state: block %llu has transactions but no receipts",
                     (unsigned long long)block->header.height);
        goto out;
    }
    if ((rc = chain_overlay_root(ov, &root, e)))
        goto out;
    chain_header_hash(&block->header, &bhash);
    if ((rc = chain_block_encode(block, &enc)) != 0) {
        rc = err_set(e, rc, "state: cannot encode block %llu",
                     (unsigned long long)block->header.height);
        goto out;
    }
    pthread_rwlock_wrlock(&st->lock);
    if (st->has_tip) {
        if (block->header.height != st->tip.height + 1 ||
            !chain_hash_equal(&block->header.parent_hash, &st->tip_hash) ||
            !ov->base_has_tip || !chain_hash_equal(&ov->base_tip, &st->tip_hash))
            rc = err_set(e, CHAIN_EBLOCK,
                         "state: block %llu does not extend the tip %llu (or the overlay is stale)",
                         (unsigned long long)block->header.height,
                         (unsigned long long)st->tip.height);
    } else if (block->header.height != 0 || ov->base_has_tip) {
        rc = err_set(e, CHAIN_EBLOCK, "state: an empty store needs block 0 first");
    }
    if (!rc && !chain_hash_equal(&root, &block->header.state_root))
        rc = err_set(e, CHAIN_EBLOCK, "state: block %llu state_root differs from the executed state",
                     (unsigned long long)block->header.height);
    if (rc) {
        pthread_rwlock_unlock(&st->lock);
        goto out;
    }
    wb = db_batch_new();
    size_t n_acc = 0, n_utxo = 0, n_data = 0;
    uint64_t hist_base = 0;
    const kv_entry_t **acc = kv_sorted_heads(&ov->accounts, &n_acc);
    const kv_entry_t **utx = kv_sorted_heads(&ov->utxos, &n_utxo);
    const kv_entry_t **dat = kv_sorted_heads(&ov->data, &n_data);
    if (!acc || !utx || !dat || smt_batch_nodes(st, &ov->nodes, wb) != 0) {
        free(acc);
        free(utx);
        free(dat);
        pthread_rwlock_unlock(&st->lock);
        rc = err_set(e, CHAIN_ENOMEM, "state: out of memory (commit)");
        goto out;
    }
    /* history first: it reads the values the block is about to replace */
    if ((rc = hist_record(st, wb, ov, block->header.height, acc, n_acc, utx, n_utxo, dat, n_data,
                          &hist_base, e)) != 0) {
        free(acc);
        free(utx);
        free(dat);
        pthread_rwlock_unlock(&st->lock);
        err_prefix(e, "state: recording the history of block %llu",
                   (unsigned long long)block->header.height);
        goto out;
    }
    /* accounts */
    for (size_t i = 0; i < n_acc; i++) {
        const kv_entry_t *en = acc[i];
        db_batch_put(st->db, wb, CF_ACCOUNTS, en->key, 20, en->val, CHAIN_ACCOUNT_BYTES);
    }
    free(acc);
    /* UTxOs and the owner index */
    for (size_t i = 0; i < n_utxo; i++) {
        const kv_entry_t *en = utx[i];
        uint8_t ok[56];
        memcpy(ok, en->val, 20);   /* owner */
        memcpy(ok + 20, en->key, 36);
        if (en->val[CHAIN_UTXO_BYTES]) {
            db_batch_put(st->db, wb, CF_UTXOS, en->key, 36, en->val, CHAIN_UTXO_BYTES);
            db_batch_put(st->db, wb, CF_OWNER_UTXO, ok, 56, "", 0);
        } else {
            db_batch_delete(st->db, wb, CF_UTXOS, en->key, 36);
            db_batch_delete(st->db, wb, CF_OWNER_UTXO, ok, 56);
        }
    }
    free(utx);
    /* data leaves (job escrow records, reputation) */
    for (size_t i = 0; i < n_data; i++) {
        if (load_le32(dat[i]->val + 36) == 0)
            db_batch_delete(st->db, wb, CF_DATA, dat[i]->key, 33);
        else
            db_batch_put(st->db, wb, CF_DATA, dat[i]->key, 33,
                         ov->arena + load_le32(dat[i]->val + 32), load_le32(dat[i]->val + 36));
    }
    free(dat);
    /* block, indexes, receipts, tip */
    uint8_t hk[8];
    store_be64(hk, block->header.height);
    db_batch_put(st->db, wb, CF_BLOCKS, hk, 8, enc.data, enc.len);
    db_batch_put(st->db, wb, CF_BLOCK_IDX, bhash.b, 32, hk, 8);
    /* tx records: height, position, the tx's byte range in the block
     * encoding (header, signature, u32 count, then u32 length + tx each) and
     * the receipt; written in tx-hash order (see kv_sorted_heads) */
    if (block->n_txs && (rc = put_tx_records(st, wb, block, receipts, hk, e)) != 0) {
        pthread_rwlock_unlock(&st->lock);
        goto out;
    }
    uint8_t tip[40];
    memcpy(tip, hk, 8);
    memcpy(tip + 8, bhash.b, 32);
    db_batch_put(st->db, wb, CF_META, "tip", 3, tip, sizeof tip);
    meta_batch(st->db, wb, ops, n_ops);
    if ((rc = db_write(st->db, wb, e)) != 0) {
        err_prefix(e, "state: committing block %llu", (unsigned long long)block->header.height);
    } else {
        st->tip = block->header;
        st->tip_hash = bhash;
        st->root = root;
        st->has_tip = true;
        st->hist_base = hist_base;
        st->hist_base_stored = true;
        smt_cache_nodes(st, &ov->nodes);
    }
    pthread_rwlock_unlock(&st->lock);
out:
    db_batch_free(wb);
    buf_free(&enc);
    chain_overlay_free(ov);
    return rc;
}

/* ---- genesis ---- */

static int genesis_leaves(const chain_genesis_t *g, smt_leaf_t **out, err_t *e)
{
    size_t n = g->n_accounts + g->n_utxos + g->n_data;
    smt_leaf_t *l = malloc((n ? n : 1) * sizeof *l);
    if (!l)
        return err_set(e, CHAIN_ENOMEM, "genesis: out of memory");
    for (size_t i = 0; i < g->n_accounts; i++) {
        chain_account_t a = {g->accounts[i].balance, 0};
        uint8_t v[CHAIN_ACCOUNT_BYTES];
        chain_account_encode(&a, v);
        chain_smt_key_account(&g->accounts[i].addr, &l[i].key);
        crypto_sha256(v, sizeof v, l[i].vh.b);
    }
    for (size_t i = 0; i < g->n_utxos; i++) {
        chain_utxo_id_t id = {{{0}}, (uint32_t)i};
        uint8_t v[CHAIN_UTXO_BYTES];
        if (chain_u128_is_zero(g->utxos[i].amount)) {
            free(l);
            return err_set(e, CHAIN_EINVAL, "genesis: UTxO %zu has a zero amount", i);
        }
        chain_utxo_encode(&g->utxos[i], v);
        chain_smt_key_utxo(&id, &l[g->n_accounts + i].key);
        crypto_sha256(v, sizeof v, l[g->n_accounts + i].vh.b);
    }
    for (size_t i = 0; i < g->n_data; i++) {
        smt_leaf_t *d = &l[g->n_accounts + g->n_utxos + i];
        if (g->data[i].len == 0 || g->data[i].len > CHAIN_DATA_MAX) {
            free(l);
            return err_set(e, CHAIN_EINVAL, "genesis: data leaf %zu has %zu bytes, must be 1..%d",
                           i, g->data[i].len, CHAIN_DATA_MAX);
        }
        chain_smt_key_data(g->data[i].tag, g->data[i].id, &d->key);
        crypto_sha256(g->data[i].val, g->data[i].len, d->vh.b);
    }
    *out = l;
    return 0;
}

int chain_genesis_block(const chain_genesis_t *g, chain_block_t **out, err_t *e)
{
    *out = NULL;
    if (g->n_utxos > UINT32_MAX)
        return err_set(e, CHAIN_EINVAL, "genesis: too many UTxOs");
    /* Every balance and UTxO is at most the total supply, which transfers
     * conserve: a supply that fits in a u128 means no credit (and no fee to
     * the proposer) can ever overflow one. */
    chain_u128_t supply = chain_u128_from_u64(0);
    for (size_t i = 0; i < g->n_accounts + g->n_utxos; i++) {
        chain_u128_t v = i < g->n_accounts ? g->accounts[i].balance
                                           : g->utxos[i - g->n_accounts].amount;
        if (!chain_u128_add(supply, v, &supply))
            return err_set(e, CHAIN_EINVAL,
                           "genesis: total supply exceeds 2^128 - 1 (at %s %zu of the "
                           "allocations)",
                           i < g->n_accounts ? "account" : "UTxO",
                           i < g->n_accounts ? i : i - g->n_accounts);
    }
    smt_leaf_t *l = NULL;
    int rc = genesis_leaves(g, &l, e);
    if (rc)
        return rc;
    kv_map_t nodes;
    kv_init(&nodes, SMT_POS_BYTES);
    chain_block_t *b = chain_block_new();
    if (!b) {
        rc = err_set(e, CHAIN_ENOMEM, "genesis: out of memory");
        goto out;
    }
    if ((rc = smt_build(l, g->n_accounts + g->n_utxos + g->n_data, &nodes,
                        &b->header.state_root, e))) {
        err_prefix(e, "genesis");
        goto out;
    }
    b->header.chain_id = g->chain_id;
    b->header.height = 0;
    b->header.timestamp_ms = g->timestamp_ms;
    memcpy(b->header.proposer_pk, g->proposer_pk, 32);
    b->header.base_fee = g->base_fee;
    chain_txs_root(NULL, 0, &b->header.txs_root);
    chain_merkle_root(NULL, 0, &b->header.receipts_root);
    chain_header_hash(&b->header, &b->hash);
    *out = b;
    b = NULL;
out:
    chain_block_free(b);
    kv_free(&nodes);
    free(l);
    return rc;
}

int chain_state_init_genesis(chain_state_t *st, const chain_genesis_t *g, err_t *e)
{
    if (chain_state_has_tip(st))
        return err_set(e, CHAIN_EINVAL, "genesis: the store already has a chain");
    chain_block_t *b = NULL;
    int rc = chain_genesis_block(g, &b, e);
    if (rc)
        return rc;
    chain_overlay_t *ov = chain_overlay_new(st, e);
    if (!ov) {
        chain_block_free(b);
        return CHAIN_EINVAL;
    }
    for (size_t i = 0; i < g->n_accounts && !rc; i++) {
        chain_account_t a = {g->accounts[i].balance, 0};
        rc = chain_overlay_put_account(ov, &g->accounts[i].addr, &a, e);
    }
    for (size_t i = 0; i < g->n_utxos && !rc; i++) {
        chain_utxo_id_t id = {{{0}}, (uint32_t)i};
        rc = chain_overlay_put_utxo(ov, &id, &g->utxos[i], e);
    }
    for (size_t i = 0; i < g->n_data && !rc; i++)
        rc = chain_overlay_put_data(ov, g->data[i].tag, g->data[i].id, g->data[i].val,
                                    g->data[i].len, e);
    if (rc) {
        chain_overlay_free(ov);
        chain_block_free(b);
        return rc;
    }
    rc = chain_state_commit(st, ov, b, NULL, e);
    chain_block_free(b);
    return rc;
}

int chain_state_genesis_matches(chain_state_t *st, const chain_genesis_t *g, err_t *e)
{
    chain_block_t *want = NULL, *have = NULL;
    int rc = chain_genesis_block(g, &want, e);
    if (rc)
        return rc;
    if ((rc = chain_state_get_block(st, 0, &have, e)) == 0) {
        chain_hash_t a, b;
        chain_header_hash(&want->header, &a);
        chain_header_hash(&have->header, &b);
        if (!chain_hash_equal(&a, &b))
            rc = err_set(e, CHAIN_EINVAL,
                         "genesis: the store's block 0 differs from this genesis (%s)",
                         want->header.chain_id != have->header.chain_id ? "chain id"
                         : !chain_hash_equal(&want->header.state_root, &have->header.state_root)
                             ? "allocations"
                             : "timestamp or validator");
    }
    chain_block_free(want);
    chain_block_free(have);
    return rc;
}

int chain_check_origin(const chain_block_t *tip, const chain_block_t *block0,
                       const chain_genesis_t *g, err_t *e)
{
    chain_block_t *want = NULL;
    int rc = chain_genesis_block(g, &want, e);
    if (rc)
        return rc;
    chain_hash_t a, b;
    chain_header_hash(&want->header, &a);
    chain_header_hash(&block0->header, &b);
    if (block0->header.height != 0 || !chain_hash_equal(&a, &b)) {
        rc = err_set(e, CHAIN_EINVAL, "block 0 is not this genesis's block (%s differs)",
                     want->header.chain_id != block0->header.chain_id ? "chain id"
                     : !chain_hash_equal(&want->header.state_root, &block0->header.state_root)
                         ? "allocations"
                         : "timestamp or validator");
        goto out;
    }
    if (tip->header.chain_id != g->chain_id) {
        rc = err_set(e, CHAIN_EINVAL, "tip block %llu is of chain %llu, not %llu",
                     (unsigned long long)tip->header.height,
                     (unsigned long long)tip->header.chain_id, (unsigned long long)g->chain_id);
        goto out;
    }
    if (tip->header.height == 0) {
        chain_header_hash(&tip->header, &b);
        if (!chain_hash_equal(&a, &b))
            rc = err_set(e, CHAIN_EINVAL, "tip block 0 is not this genesis's block");
        goto out;
    }
    if (g->certified) {
        /* a BFT chain: the tip is unsigned, its QC (checked by chain/bft
         * when the node starts) is its authority; the body must still match */
        chain_hash_t root;
        chain_txs_root(tip->txs, tip->n_txs, &root);
        if (tip->header.n_txs != tip->n_txs || !chain_hash_equal(&root, &tip->header.txs_root))
            rc = err_set(e, CHAIN_EINVAL, "tip block %llu: body does not match its header",
                         (unsigned long long)tip->header.height);
        goto out;
    }
    /* the genesis validator set is {g->proposer_pk} until consensus brings
     * QCs: the tip must be signed by it */
    if (memcmp(tip->header.proposer_pk, g->proposer_pk, CHAIN_PK_BYTES) != 0) {
        char hx[2 * CHAIN_PK_BYTES + 1];
        hex_encode(tip->header.proposer_pk, CHAIN_PK_BYTES, hx);
        rc = err_set(e, CHAIN_EINVAL,
                     "tip block %llu was proposed by %s, which is not in the genesis validator "
                     "set",
                     (unsigned long long)tip->header.height, hx);
        goto out;
    }
    if (chain_block_check(tip, e) != 0) {
        err_prefix(e, "tip block %llu", (unsigned long long)tip->header.height);
        if (e)
            e->code = CHAIN_EINVAL;
        rc = CHAIN_EINVAL;
    }
out:
    chain_block_free(want);
    return rc;
}

int chain_state_check_origin(chain_state_t *st, const chain_genesis_t *g, err_t *e)
{
    chain_header_t tip;
    memset(&tip, 0, sizeof tip);
    int rc = chain_state_tip(st, &tip, NULL, e);
    if (rc)
        return rc;
    chain_block_t *b0 = NULL, *bt = NULL;
    if ((rc = chain_state_get_block(st, 0, &b0, e)) == 0 &&
        (rc = chain_state_get_block(st, tip.height, &bt, e)) == 0)
        rc = chain_check_origin(bt, b0, g, e);
    chain_block_free(b0);
    chain_block_free(bt);
    return rc;
}
