/* chain/state private definitions shared by its files: the store object,
 * the fixed-key hash map used by overlays and the node cache, and the
 * sparse Merkle tree internals. */
#ifndef AETHER_CHAIN_STATE_INTERNAL_H
#define AETHER_CHAIN_STATE_INTERNAL_H

#include "state.h"

#include <pthread.h>

enum {
    CF_DEFAULT,
    CF_ACCOUNTS,
    CF_UTXOS,
    CF_OWNER_UTXO,
    CF_SMT,
    CF_BLOCKS,
    CF_BLOCK_IDX,
    CF_TXS,
    CF_META,
    CF_DATA,      /* tag ‖ id32 -> data value (issue 16) */
    CF_LOGS,      /* contract log index (store.c: log_key) */
    CF_HIST,      /* state history (history.c) */
    CF_COUNT
};

/* ---- the RocksDB wrapper (db.c: the only file that calls RocksDB) ----
 * One column family per kind (the enum above). Reads return malloc'd
 * copies (free()); CHAIN_ENOTFOUND when absent, CHAIN_EIO naming the
 * family on failure. Every batch is written with the sync option
 * (DB_SYNC_WRITES in db.c, the single durability switch). A failed write
 * stops writes: the handle is reopened read-only at once (reads go on) and
 * db_recover() tries to reopen it read-write. Thread-safe; iterators and
 * snapshots pin the handle until freed. */
typedef struct db db_t;
typedef struct db_batch db_batch_t;
typedef struct db_iter db_iter_t;
typedef struct db_snap db_snap_t;

db_t *db_open(const char *dir, bool read_only, err_t *e);
void db_close(db_t *d);                       /* accepts NULL */
bool db_is_read_only(const db_t *d);
const char *db_cf_name(int cf);
/* snap may be NULL (latest) */
int db_get(db_t *d, const db_snap_t *snap, int cf, const void *key, size_t klen, uint8_t **val,
           size_t *vlen, err_t *e);
/* bytes [off, off+len) of a value, without copying the rest */
int db_get_slice(db_t *d, int cf, const void *key, size_t klen, size_t off, size_t len,
                 uint8_t **out, err_t *e);
db_snap_t *db_snapshot(db_t *d, err_t *e);
void db_snapshot_release(db_t *d, db_snap_t *s);   /* accepts NULL */
db_iter_t *db_iter_new(db_t *d, const db_snap_t *snap, int cf, err_t *e);
void db_iter_first(db_iter_t *it);
void db_iter_seek(db_iter_t *it, const void *key, size_t klen);
bool db_iter_valid(const db_iter_t *it);
void db_iter_next(db_iter_t *it);
const uint8_t *db_iter_key(const db_iter_t *it, size_t *len);
const uint8_t *db_iter_value(const db_iter_t *it, size_t *len);
int db_iter_status(const db_iter_t *it, err_t *e);  /* CHAIN_EIO if the scan failed */
void db_iter_free(db_iter_t *it);                    /* accepts NULL */
db_batch_t *db_batch_new(void);
void db_batch_free(db_batch_t *b);                   /* accepts NULL */
void db_batch_put(db_t *d, db_batch_t *b, int cf, const void *key, size_t klen, const void *val,
                  size_t vlen);
void db_batch_delete(db_t *d, db_batch_t *b, int cf, const void *key, size_t klen);
/* Writes the batch atomically and durably (synced) before returning 0. */
int db_write(db_t *d, db_batch_t *b, err_t *e);
/* A write failed and writes are stopped (until db_recover succeeds). */
bool db_failed(db_t *d);
/* Reopens read-write after a failed write (0, or the reason it cannot yet). */
int db_recover(db_t *d, err_t *e);

/* ---- a hash map over fixed-size byte keys with an undo log ----
 * Entries are appended and never moved; a slot points at the newest entry
 * of its key (or -1 when rolled back past its first write). Used for the
 * overlays (accounts, UTxOs, SMT nodes) and for the node cache. */
#define KV_KEY_MAX 36
#define KV_VAL_MAX 68

typedef struct kv_entry {
    uint8_t key[KV_KEY_MAX];
    uint8_t val[KV_VAL_MAX];
    uint8_t vlen;        /* 0 = "deleted" (for overlays) */
    int32_t prev;        /* previous entry of the same key, -1 if none */
    uint32_t slot;       /* slot index */
} kv_entry_t;

typedef struct kv_slot {
    int32_t first;       /* first entry ever written for this key (-1 = free slot) */
    int32_t head;        /* newest live entry, -1 if none */
} kv_slot_t;

typedef struct kv_map {
    size_t klen;
    kv_slot_t *slots;
    size_t n_slots;      /* power of two */
    size_t n_used;       /* slots with first >= 0 */
    kv_entry_t *ents;
    size_t n_ents, cap_ents;
} kv_map_t;

int kv_init(kv_map_t *m, size_t klen);
void kv_free(kv_map_t *m);
void kv_clear(kv_map_t *m);
/* Newest entry of key or NULL. */
kv_entry_t *kv_get(const kv_map_t *m, const uint8_t *key);
/* Appends a new version (vlen 0 = deletion marker). */
int kv_put(kv_map_t *m, const uint8_t *key, const uint8_t *val, size_t vlen);
/* Drops every entry appended after mark (n_ents at the time). */
void kv_rollback(kv_map_t *m, size_t mark);
/* Same key put twice keeps two entries; for caches (no undo needed) this
 * overwrites the newest entry in place instead. */
int kv_set(kv_map_t *m, const uint8_t *key, const uint8_t *val, size_t vlen);
/* The newest entry of every key, sorted by key (malloc'd; NULL on failure). */
const kv_entry_t **kv_sorted_heads(const kv_map_t *m, size_t *n);

/* ---- store ---- */

#define SMT_POS_BYTES 34    /* depth u16be ‖ path32 (bits past depth zeroed) */

typedef struct smt_node {
    uint8_t type;          /* SMT_EMPTY, SMT_INTERNAL, SMT_LEAF */
    chain_hash_t hash;     /* zero for empty */
    chain_hash_t key;      /* leaf key */
    chain_hash_t vh;       /* leaf value hash */
} smt_node_t;

enum { SMT_EMPTY = 0, SMT_INTERNAL = 1, SMT_LEAF = 2 };

struct chain_state {
    db_t *db;
    bool read_only;
    pthread_rwlock_t lock;       /* readers vs. commit */
    pthread_mutex_t cache_mu;    /* node cache */
    kv_map_t cache;              /* SMT_POS -> node (committed tree), young generation */
    kv_map_t cache_old;          /* the previous generation (see cache_put) */
    size_t cache_max;            /* entries per generation */
    bool has_tip;
    chain_header_t tip;
    chain_hash_t tip_hash;
    chain_hash_t root;
    /* state history (history.c); guarded by lock */
    uint64_t hist_keep;          /* blocks of history kept (0 = tip only) */
    uint64_t hist_base;          /* no history below this height */
    bool hist_base_stored;       /* meta "hist_base" matches hist_base */
    uint64_t hist_pruned;        /* index heights below this are already pruned */
};

#define OV_DATA_MAX 0x3fffff   /* data changes per overlay (the mark packs 22 bits) */

struct chain_overlay {
    chain_state_t *st;
    chain_hash_t base_tip;
    bool base_has_tip;
    uint64_t base_height;        /* the tip's height when created */
    kv_map_t accounts;           /* addr20 -> account bytes */
    kv_map_t utxos;              /* id36 -> utxo bytes, or vlen 0 = spent (val keeps owner) */
    kv_map_t data;               /* tag ‖ id32 -> [32] value hash ‖ u32 off ‖ u32 len in arena */
    uint8_t *arena;              /* data values (append only) */
    size_t arena_len, arena_cap;
    kv_map_t nodes;              /* SMT changes of the last root computation */
    bool root_valid;
    chain_hash_t root;
    kv_map_t acc_base;           /* addr20 -> exists ‖ account bytes as committed: the
                                    values history.c records, without reading them again */
    bool view;                   /* read-only view as of view_height (never committed) */
    uint64_t view_height;
};


/* SMT: committed node at pos (cache, then RocksDB); pending map first when
 * given. */
int smt_node_get(chain_state_t *st, const kv_map_t *pending, const uint8_t pos[SMT_POS_BYTES],
                 smt_node_t *out, err_t *e);
void smt_pos(unsigned depth, const chain_hash_t *path, uint8_t pos[SMT_POS_BYTES]);
/* Computes the root of the committed tree with the overlay's leaf changes
 * applied; fills ov->nodes with the node records to write. */
int smt_apply(chain_overlay_t *ov, chain_hash_t *root, err_t *e);
/* Adds ov->nodes to batch and, after a successful write, to the cache. */
int smt_batch_nodes(chain_state_t *st, const kv_map_t *nodes, db_batch_t *wb);
void smt_cache_nodes(chain_state_t *st, const kv_map_t *nodes);
/* Empties both cache generations (caller holds cache_mu). */
void smt_cache_clear(chain_state_t *st);
/* Fills root-independent parts of p: siblings, exists (the key's leaf is
 * present) or has_other/other_*; the caller sets kind, id, value and root. */
int smt_prove(chain_state_t *st, const chain_hash_t *key, chain_proof_t *p, err_t *e);
/* The same over the tree a snapshot holds (snap NULL: the tip) with the
 * pending records in front (NULL: none): the proof in a rebuilt tree. */
int smt_prove_in(chain_state_t *st, const db_snap_t *snap, const kv_map_t *pending,
                 const chain_hash_t *key, chain_proof_t *p, err_t *e);
/* One leaf change: set (key, value hash vh), or delete key. */
typedef struct smt_upd {
    chain_hash_t key;
    chain_hash_t vh;     /* value hash when !del */
    bool del;
} smt_upd_t;
/* Applies n (>= 1) changes of distinct keys (u is sorted in place) to the
 * committed tree as snapshot snap holds it (NULL: the tip): the records
 * that change go to nodes, the new root to *root. */
int smt_apply_leaves(chain_state_t *st, const db_snap_t *snap, smt_upd_t *u, size_t n,
                     kv_map_t *nodes, chain_hash_t *root, err_t *e);
void smt_node_encode(const smt_node_t *n, uint8_t *out, size_t *len);
int smt_node_decode(const uint8_t *in, size_t len, smt_node_t *out);

/* Builds a new tree from scratch over sorted (key, value hash) leaves into
 * nodes (positions and records) and returns its root; used by genesis and
 * snapshot import on an empty store. */
typedef struct smt_leaf {
    chain_hash_t key, vh;
} smt_leaf_t;
int smt_build(const smt_leaf_t *leaves, size_t n, kv_map_t *nodes, chain_hash_t *root, err_t *e);

/* Committed reads (store.c) finish here: rc and v/n are db_get's answer (v
 * is freed); CHAIN_ENOTFOUND becomes "absent" (*exists false, 0). */
int store_account_from(int rc, uint8_t *v, size_t n, chain_account_t *out, bool *exists,
                       err_t *e);
int store_utxo_from(int rc, uint8_t *v, size_t n, chain_utxo_t *out, bool *exists, err_t *e);
int store_data_from(int rc, uint8_t *v, size_t n, buf_t *out, bool *exists, err_t *e);

/* ---- state history (history.c) ---- */
/* Loads the history bounds (meta "hist_base") after the tip is loaded. */
int hist_load(chain_state_t *st, err_t *e);
/* 0 when the state at height can be read; CHAIN_STATE_EHISTORY naming the
 * window (the tip, the oldest kept height). Caller holds st->lock. */
int hist_check_height_locked(chain_state_t *st, uint64_t height, err_t *e);
/* Adds to wb, for every key the block at height changes (the sorted overlay
 * heads), its previous value and the height index, prunes what falls out of
 * the kept window and puts "hist_base" (*new_base: st->hist_base once the
 * batch is written). Caller holds st->lock (write). */
int hist_record(chain_state_t *st, db_batch_t *wb, const chain_overlay_t *ov, uint64_t height,
                const kv_entry_t *const *acc, size_t n_acc, const kv_entry_t *const *utx,
                size_t n_utx, const kv_entry_t *const *dat, size_t n_dat, uint64_t *new_base,
                err_t *e);

/* Shared by genesis and snapshot import: writes block (and its tip) plus
 * the given node records in a batch. */
int store_reload_tip(chain_state_t *st, err_t *e);

#endif
