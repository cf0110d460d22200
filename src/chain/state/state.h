/*
 * chain/state: the chain's persistent store and its state commitment.
 *
 * One RocksDB database per node (DIR), with a column family per kind:
 *   accounts   address20                     -> account (CHAIN_ACCOUNT_BYTES)
 *   utxos      tx_hash32 ‖ index_u32le       -> utxo (CHAIN_UTXO_BYTES)
 *   owner_utxo owner20 ‖ tx_hash32 ‖ index   -> ""  (index for "UTxOs of ADDR")
 *   smt        depth_u16be ‖ path32 (bits    -> node: 0x01 ‖ hash32 (internal)
 *              past depth zeroed)               or 0x02 ‖ key32 ‖ value_hash32 (leaf)
 *   blocks     height_u64be                  -> block encoding
 *   block_idx  block_hash32                  -> height_u64be
 *   txs        tx_hash32                     -> height_u64be ‖ index_u32le ‖
 *                                               offset_u32le ‖ length_u32le (the
 *                                               tx's bytes in the block record) ‖
 *                                               receipt encoding
 *   meta       "tip"                         -> height_u64be ‖ block_hash32
 *   data       tag ‖ id32                    -> data value (jobs, contracts)
 *   history    kind ‖ key ‖ height_u64be    -> the key's value before block height
 *              'i' ‖ height_u64be ‖ kind ‖ key  (its index by height; history.c)
 *   logs       'a' ‖ address20 ‖ pos,        -> tx_hash32 (contract log index;
 *              't' ‖ topic32 ‖ pos              pos = height_u64be ‖
 *                                               tx_index_u32be ‖ log_u32be)
 *
 * All accounts and UTxOs are leaves of ONE sparse Merkle tree (types.h
 * describes keys, hashes and proofs). The tree's nodes are persisted in the
 * smt family and cached in memory; updates are batched: an overlay collects
 * every changed leaf of a block, then chain_overlay_root() sorts the changed
 * keys and walks the tree once, rehashing each touched internal node exactly
 * once (no full recomputation).
 *
 * Atomicity: chain_state_commit() writes the block, its receipts, the tx
 * index, the changed accounts/UTxOs, the changed SMT nodes and the new tip in
 * ONE RocksDB write batch with sync=true, so after a crash (even kill -9) the
 * store is at the previous or the new tip, never in between. On open, the
 * tip record, the tip block's hash and the persisted tree's root are checked
 * against each other (an inconsistent store is refused).
 *
 * RocksDB is reached only through the module's wrapper (db.c: open, reads,
 * snapshots, iterators, synced write batches; DB_SYNC_WRITES there is the one
 * durability switch). A failed write (full disk) stops writes and keeps
 * reads going until chain_state_recover() reopens the store (see below).
 *
 * Threads: every chain_state_* function may be called from any thread
 * (RPC readers while the producer commits); readers see either the old or the
 * new tip. An overlay belongs to one thread at a time, and only one overlay
 * may be committed per tip (a commit against a stale tip fails).
 */
#ifndef AETHER_CHAIN_STATE_H
#define AETHER_CHAIN_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "chain/types/types.h"

typedef struct chain_state chain_state_t;
typedef struct chain_overlay chain_overlay_t;

/* Opens (creating when missing) the store in dir. read_only opens without
 * taking RocksDB's lock, so `aetherd snapshot export` can run beside a live
 * node (it sees the state as of the open). */
chain_state_t *chain_state_open(const char *dir, bool read_only, err_t *e);
void chain_state_close(chain_state_t *st);   /* accepts NULL */
/* Bounds the in-memory SMT node cache: two generations of at most n records
 * each (~120 bytes per record; default 524,288). Small values only cost
 * speed (more RocksDB reads), never correctness. */
void chain_state_set_cache_entries(chain_state_t *st, size_t n);

/* ---- genesis -------------------------------------------------------------- */

typedef struct chain_genesis_alloc {
    chain_addr_t addr;
    chain_u128_t balance;
} chain_genesis_alloc_t;

/* A data leaf written at genesis (types.h CHAIN_DATA_*; e.g. chain/exec's
 * staking records for the genesis validators, chain_staking_genesis). */
typedef struct chain_genesis_data {
    uint8_t tag;
    uint8_t id[32];
    const uint8_t *val;   /* 1..CHAIN_DATA_MAX bytes */
    size_t len;
} chain_genesis_data_t;

/* Genesis is a pure function of this description, so every node derives the
 * same block 0: height 0, zero parent, zero signature, no transactions,
 * state_root = SMT root of the allocations. UTxO allocation i gets the id
 * (32 zero bytes, i). Addresses must be unique. The total supply (all
 * balances and UTxO amounts) must fit in a u128, so no credit can ever
 * overflow (CHAIN_EINVAL otherwise). */
typedef struct chain_genesis {
    uint64_t chain_id;
    uint64_t timestamp_ms;
    uint8_t proposer_pk[CHAIN_PK_BYTES];   /* the validator */
    const chain_genesis_alloc_t *accounts;
    size_t n_accounts;
    const chain_utxo_t *utxos;
    size_t n_utxos;
    const chain_genesis_data_t *data;   /* data leaves (distinct (tag, id)); may be NULL */
    size_t n_data;
    chain_u128_t base_fee;              /* block 0's base fee (fee market; 0 = none) */
    /* BFT chain (chain/bft): blocks after 0 carry no proposer signature; a
     * quorum certificate stored beside each block certifies it, so the
     * origin check below leaves the tip's authority to the consensus engine.
     * Not part of block 0's hash. */
    bool certified;
} chain_genesis_t;

/* Builds the genesis block (without writing) — e.g. to print its hash. */
int chain_genesis_block(const chain_genesis_t *g, chain_block_t **out, err_t *e) BASE_MUST_CHECK;
/* Writes genesis into an empty store. CHAIN_EINVAL when it already has a
 * tip (use chain_state_genesis_matches to check a restart). */
int chain_state_init_genesis(chain_state_t *st, const chain_genesis_t *g, err_t *e)
    BASE_MUST_CHECK;
/* 0 when the store's block 0 is the genesis g describes; CHAIN_EINVAL
 * naming the difference otherwise. */
int chain_state_genesis_matches(chain_state_t *st, const chain_genesis_t *g, err_t *e)
    BASE_MUST_CHECK;
/* Proves a tip against the genesis a node is started with, so a store (or a
 * snapshot) whose state was produced under another validator key is refused
 * even when its block 0 was swapped for the real one:
 *   - genesis: block 0 hashes to the block g describes (chain id, time,
 *     validator, allocations);
 *   - validator set: the tip (and block 0's successor chain, once consensus
 *     brings QCs) is signed by a member of the genesis validator set, which
 *     today is {g->proposer_pk}: the tip's proposer must be that key and its
 *     signature over the block hash must verify (chain_block_check).
 * Once consensus lands this is where the QC chain / finality proof of the
 * tip is checked. CHAIN_EINVAL naming the mismatch. */
int chain_state_check_origin(chain_state_t *st, const chain_genesis_t *g, err_t *e)
    BASE_MUST_CHECK;
/* The same proof for a tip block and a block 0 (e.g. read from a snapshot). */
int chain_check_origin(const chain_block_t *tip, const chain_block_t *block0,
                       const chain_genesis_t *g, err_t *e) BASE_MUST_CHECK;

/* ---- committed state (reads) ---------------------------------------------- */

/* False while the store is empty (no genesis yet). */
bool chain_state_has_tip(chain_state_t *st);
/* Tip header, hash and chain id; CHAIN_ENOTFOUND when empty. */
int chain_state_tip(chain_state_t *st, chain_header_t *hdr, chain_hash_t *hash, err_t *e)
    BASE_MUST_CHECK;
/* Current state root (32 zero bytes when empty). */
void chain_state_root(chain_state_t *st, chain_hash_t *root);

/* An absent account reads as balance 0, nonce 0 with *exists = false. */
int chain_state_get_account(chain_state_t *st, const chain_addr_t *a, chain_account_t *out,
                            bool *exists, err_t *e) BASE_MUST_CHECK;
int chain_state_get_utxo(chain_state_t *st, const chain_utxo_id_t *id, chain_utxo_t *out,
                         bool *exists, err_t *e) BASE_MUST_CHECK;

typedef struct chain_utxo_entry {
    chain_utxo_id_t id;
    chain_utxo_t utxo;
} chain_utxo_entry_t;
/* UTxOs owned by owner, in id order, at most max; *out malloc'd (free()). */
int chain_state_list_utxos(chain_state_t *st, const chain_addr_t *owner, size_t max,
                           chain_utxo_entry_t **out, size_t *n, err_t *e) BASE_MUST_CHECK;

/* Blocks: *out is a new block (chain_block_free). CHAIN_ENOTFOUND if absent. */
int chain_state_get_block(chain_state_t *st, uint64_t height, chain_block_t **out, err_t *e)
    BASE_MUST_CHECK;
int chain_state_get_block_by_hash(chain_state_t *st, const chain_hash_t *hash,
                                  chain_block_t **out, err_t *e) BASE_MUST_CHECK;
/* Raw block encoding (malloc'd), for serving without re-encoding. */
int chain_state_get_block_raw(chain_state_t *st, uint64_t height, uint8_t **out, size_t *len,
                              err_t *e) BASE_MUST_CHECK;

/* A committed transaction: its position and (optionally) the tx itself
 * (*tx new, chain_tx_free) and its receipt. Pass NULL for what you don't
 * need. CHAIN_ENOTFOUND when the tx is not in a committed block. */
int chain_state_get_tx(chain_state_t *st, const chain_hash_t *tx_hash, uint64_t *height,
                       uint32_t *index, chain_tx_t **tx, chain_receipt_t *receipt, err_t *e)
    BASE_MUST_CHECK;

/* Inclusion or exclusion proof against the current root (see types.h). */
int chain_state_prove_account(chain_state_t *st, const chain_addr_t *a, chain_proof_t *out,
                              err_t *e) BASE_MUST_CHECK;
int chain_state_prove_utxo(chain_state_t *st, const chain_utxo_id_t *id, chain_proof_t *out,
                           err_t *e) BASE_MUST_CHECK;

/* ---- state history (history.c) --------------------------------------------
 *
 * Every commit records the previous value of each key its block changes, in
 * the same synced batch, for the last `blocks` blocks (default
 * CHAIN_STATE_HISTORY_DEFAULT; 0 = tip only). Reads "at height h" then see
 * the state exactly as block h left it, for oldest <= h <= tip; other heights
 * fail with CHAIN_STATE_EHISTORY naming the oldest available height. History
 * restarts at the tip after a snapshot import (snapshots carry only the tip)
 * and on a store written before history existed. */
#define CHAIN_STATE_HISTORY_DEFAULT 10000u
void chain_state_set_history(chain_state_t *st, uint64_t blocks);
/* The readable window; CHAIN_ENOTFOUND on an empty store. */
int chain_state_history_range(chain_state_t *st, uint64_t *oldest, uint64_t *tip, err_t *e)
    BASE_MUST_CHECK;
int chain_state_get_account_at(chain_state_t *st, uint64_t height, const chain_addr_t *a,
                               chain_account_t *out, bool *exists, err_t *e) BASE_MUST_CHECK;
int chain_state_get_utxo_at(chain_state_t *st, uint64_t height, const chain_utxo_id_t *id,
                            chain_utxo_t *out, bool *exists, err_t *e) BASE_MUST_CHECK;
int chain_state_get_data_at(chain_state_t *st, uint64_t height, uint8_t tag,
                            const uint8_t id[32], buf_t *out, bool *exists, err_t *e)
    BASE_MUST_CHECK;
/* Proofs as of block height (history_proof.c), in the window above: the
 * tree of that block is rebuilt from the tip's by setting back the leaves
 * the later blocks changed, and must give the state root in block height's
 * header, which is out->root. The same JSON and verifier as the tip's
 * proofs. At most CHAIN_STATE_REPLAY_MAX changed entries are replayed
 * (CHAIN_STATE_EHISTORY naming the limit beyond). */
#define CHAIN_STATE_REPLAY_MAX 200000u
int chain_state_prove_account_at(chain_state_t *st, uint64_t height, const chain_addr_t *a,
                                 chain_proof_t *out, err_t *e) BASE_MUST_CHECK;
int chain_state_prove_utxo_at(chain_state_t *st, uint64_t height, const chain_utxo_id_t *id,
                              chain_proof_t *out, err_t *e) BASE_MUST_CHECK;
/* A data leaf's proof; *value gets its value at that height (empty when
 * absent), as chain_state_prove_data. */
int chain_state_prove_data_at(chain_state_t *st, uint64_t height, uint8_t tag,
                              const uint8_t id[32], chain_proof_t *out, buf_t *value, err_t *e)
    BASE_MUST_CHECK;
/* The UTxOs owner held as of block height, in id order, at most max, as
 * chain_state_list_utxos (same replay limit as the proofs). */
int chain_state_list_utxos_at(chain_state_t *st, uint64_t height, const chain_addr_t *owner,
                              size_t max, chain_utxo_entry_t **out, size_t *n, err_t *e)
    BASE_MUST_CHECK;

/* ---- pending changes (write path) ------------------------------------------ */

/* A set of changes on top of the current tip; reads see the overlay first,
 * then the committed state. */
chain_overlay_t *chain_overlay_new(chain_state_t *st, err_t *e);
void chain_overlay_free(chain_overlay_t *ov);   /* accepts NULL; discards */

int chain_overlay_get_account(chain_overlay_t *ov, const chain_addr_t *a, chain_account_t *out,
                              err_t *e) BASE_MUST_CHECK;
int chain_overlay_put_account(chain_overlay_t *ov, const chain_addr_t *a,
                              const chain_account_t *acct, err_t *e) BASE_MUST_CHECK;
int chain_overlay_get_utxo(chain_overlay_t *ov, const chain_utxo_id_t *id, chain_utxo_t *out,
                           bool *exists, err_t *e) BASE_MUST_CHECK;
int chain_overlay_put_utxo(chain_overlay_t *ov, const chain_utxo_id_t *id,
                           const chain_utxo_t *u, err_t *e) BASE_MUST_CHECK;
int chain_overlay_del_utxo(chain_overlay_t *ov, const chain_utxo_id_t *id, err_t *e)
    BASE_MUST_CHECK;

/* A read-only view of the state as of block height (oldest <= height <= tip,
 * see "state history"): reads see its own writes first, then that block's
 * state, however many blocks commit meanwhile — pin the tip's height to get
 * one consistent view across a long read. It cannot be committed nor give a
 * root; chain_overlay_height() is height + 1 (the next block, as for a tip
 * overlay). CHAIN_STATE_EHISTORY outside the window. */
chain_overlay_t *chain_overlay_new_at(chain_state_t *st, uint64_t height, err_t *e);

/* Height of the block this overlay builds: the tip's height + 1 (0 on an
 * empty store). */
uint64_t chain_overlay_height(const chain_overlay_t *ov);

/* Data leaves (types.h: CHAIN_DATA_*; job escrow records and provider
 * reputation): values of 1..CHAIN_DATA_MAX bytes under (tag, id32), in the
 * state tree like accounts; contract storage leaves may be deleted. get: *out receives a copy (its
 * previous content replaced); absent = *exists false, *out empty. */
int chain_state_get_data(chain_state_t *st, uint8_t tag, const uint8_t id[32], buf_t *out,
                         bool *exists, err_t *e) BASE_MUST_CHECK;
int chain_overlay_get_data(chain_overlay_t *ov, uint8_t tag, const uint8_t id[32], buf_t *out,
                           bool *exists, err_t *e) BASE_MUST_CHECK;
int chain_overlay_put_data(chain_overlay_t *ov, uint8_t tag, const uint8_t id[32],
                           const uint8_t *val, size_t n, err_t *e) BASE_MUST_CHECK;
/* Removes a data leaf (contract storage); removing an absent one is a no-op
 * for the root. */
int chain_overlay_del_data(chain_overlay_t *ov, uint8_t tag, const uint8_t id[32], err_t *e)
    BASE_MUST_CHECK;
/* Proof of a data leaf against the current root: p gets root, siblings,
 * exists and the other leaf (kind is left 0: chain_proof_to_json does not
 * carry data leaves; see chain_data_proof_verify); *value the bytes. */
int chain_state_prove_data(chain_state_t *st, uint8_t tag, const uint8_t id[32], chain_proof_t *p,
                           buf_t *value, err_t *e) BASE_MUST_CHECK;
/* Calls fn for every committed data value of tag, in id order, until fn
 * returns non-zero (that value is returned). */
int chain_state_each_data(chain_state_t *st, uint8_t tag,
                          int (*fn)(void *arg, const uint8_t id[32], const uint8_t *val, size_t n),
                          void *arg, err_t *e) BASE_MUST_CHECK;
/* The same, starting after id `after` (NULL: from the first): a cursor for
 * paged listings (aeth_getJobs) that seeks instead of rescanning. */
int chain_state_each_data_after(chain_state_t *st, uint8_t tag, const uint8_t *after,
                                int (*fn)(void *arg, const uint8_t id[32], const uint8_t *val,
                                          size_t n),
                                void *arg, err_t *e) BASE_MUST_CHECK;

/* Contract logs by emitter address or topic (an index written with each
 * block; a query reads only matching entries, never the whole chain): calls
 * fn for every log of address (when not NULL; else of topic, which must then
 * be given) in blocks from..to, in (height, tx, log) order, until fn returns
 * non-zero (returned). When both are given, topic filters the address's
 * logs (fn receives them all and checks; see chain_receipt_t). */
typedef int (*chain_log_fn)(void *arg, uint64_t height, uint32_t tx_index, uint32_t log_index,
                            const chain_hash_t *tx_hash);
int chain_state_each_log(chain_state_t *st, const chain_addr_t *address,
                         const chain_hash_t *topic, uint64_t from, uint64_t to, chain_log_fn fn,
                         void *arg, err_t *e) BASE_MUST_CHECK;

/* Savepoints let the executor undo one failed transaction's partial writes. */
size_t chain_overlay_mark(const chain_overlay_t *ov);
void chain_overlay_rollback(chain_overlay_t *ov, size_t mark);

/* SMT root with every pending change applied (batched; the result is cached
 * until the next change). */
int chain_overlay_root(chain_overlay_t *ov, chain_hash_t *root, err_t *e) BASE_MUST_CHECK;

/* Commits block + receipts (receipts[i] for block->txs[i]) + the overlay's
 * changes + the new tip in one synced write batch. Checks that the block's
 * parent is the tip, its height is tip+1 (or 0 on an empty store) and its
 * header.state_root equals the overlay root. The overlay is consumed
 * (freed) on success AND on failure. */
int chain_state_commit(chain_state_t *st, chain_overlay_t *ov, const chain_block_t *block,
                       const chain_receipt_t *receipts, err_t *e) BASE_MUST_CHECK;

/* A failed commit (full disk, I/O error) stops writes: the store reopens
 * read-only at once (RocksDB must not go on working in its error state;
 * reads keep being served) and every commit is refused until
 * chain_state_recover() reopens it read-write, which works once space
 * returns. Nothing acknowledged is lost; a batch whose log record did reach
 * the disk before the failure is replayed by the reopen, and the tip is
 * reloaded from the store. */
bool chain_state_write_stopped(chain_state_t *st);

/* ---- consensus records (chain/bft) ------------------------------------------
 * Small records of the consensus engine (safety data, kept blocks, per-height
 * finality records) live in the meta family under keys that start with
 * "c/" (never the tip record). Writes are synced batches; a commit can carry
 * them in the block's own batch (chain_state_commit_meta), so a block and the
 * QC that commits it are durable together. val NULL = delete. */
typedef struct chain_meta_op {
    const void *key;
    size_t klen;
    const void *val;
    size_t vlen;
} chain_meta_op_t;

int chain_state_meta_write(chain_state_t *st, const chain_meta_op_t *ops, size_t n, err_t *e)
    BASE_MUST_CHECK;
/* *val malloc'd (free()); CHAIN_ENOTFOUND when absent. */
int chain_state_meta_get(chain_state_t *st, const void *key, size_t klen, uint8_t **val,
                         size_t *vlen, err_t *e) BASE_MUST_CHECK;
/* Calls fn for every record whose key starts with prefix, in key order,
 * until fn returns non-zero (returned). */
int chain_state_meta_scan(chain_state_t *st, const void *prefix, size_t plen,
                          int (*fn)(void *ud, const uint8_t *key, size_t klen,
                                    const uint8_t *val, size_t vlen),
                          void *ud, err_t *e);
/* chain_state_commit plus the ops in the same synced batch. */
int chain_state_commit_meta(chain_state_t *st, chain_overlay_t *ov, const chain_block_t *block,
                            const chain_receipt_t *receipts, const chain_meta_op_t *ops,
                            size_t n_ops, err_t *e) BASE_MUST_CHECK;
/* 0 when writes work (again); CHAIN_EIO with the reason otherwise. */
int chain_state_recover(chain_state_t *st, err_t *e) BASE_MUST_CHECK;

/* ---- snapshots ---------------------------------------------------------------- */

/* Snapshot file: zstd frame over
 *   "AETHSNAP" u32 version (2), u32 block_len, tip block encoding,
 *   u32 genesis_len, block 0 encoding (so a restarted node can still check
 *   its genesis file),
 *   then records: u8 tag (1 account: [20] addr, account bytes;
 *   2 utxo: [32] tx, u32 index, utxo bytes; 3 data leaf: u8 data tag,
 *   [32] id, u32 length (1..CHAIN_DATA_MAX), value; 0 end: u64 n_accounts,
 *   u64 n_utxos, u64 n_data, [32] SHA-256 of everything before the end tag).
 * Version 1 files (no data records, no n_data) are still imported.
 * Export writes it atomically (tmp + fsync + rename). Import requires an
 * empty store and the genesis the node will run with: it accepts the file
 * only when block 0 and the tip prove themselves against that genesis
 * (chain_check_origin: the digest is a plain hash anyone can recompute, so
 * it proves nothing about origin), and the digest, the counts and the
 * rebuilt root equal the tip header's state_root; then the node continues
 * from that tip (blocks between 0 and the tip are not included). */
int chain_state_snapshot_export(chain_state_t *st, const char *path, err_t *e) BASE_MUST_CHECK;

/* Full consistency check (fsck): rebuilds the tree from every stored account
 * and UTxO, independently of the persisted nodes, and compares its root with
 * the tip's state_root; also checks that the owner index lists exactly the
 * stored UTxOs. O(state size); CHAIN_EIO naming the first mismatch. */
int chain_state_check(chain_state_t *st, err_t *e) BASE_MUST_CHECK;
int chain_state_snapshot_import(chain_state_t *st, const char *path, const chain_genesis_t *g,
                                err_t *e) BASE_MUST_CHECK;

/* Export that also says which height it wrote (the tip at the instant the
 * store was pinned). */
int chain_state_snapshot_write(chain_state_t *st, const char *path, uint64_t *height, err_t *e)
    BASE_MUST_CHECK;
/* The same in two steps, so a node can pin its state at a commit (cheap, on
 * its loop thread) and write the file on another thread: pin (the tip height
 * in *height), write_pin (any thread, the store stays usable), unpin. */
typedef struct chain_snap_pin chain_snap_pin_t;
chain_snap_pin_t *chain_state_snapshot_pin(chain_state_t *st, uint64_t *height, err_t *e);
int chain_state_snapshot_write_pin(chain_state_t *st, const chain_snap_pin_t *pin,
                                   const char *path, err_t *e) BASE_MUST_CHECK;
void chain_state_snapshot_unpin(chain_state_t *st, chain_snap_pin_t *pin);   /* accepts NULL */

/* The proof section: a second zstd frame after the trailer,
 *   "AETHPRF1" u32 len (1..CHAIN_SNAP_PROOF_MAX), len bytes
 * opaque to this module (chain/bft puts the finality proof of the tip
 * there). Not covered by the content digest: the proof proves itself.
 * add_proof appends it to a file written by export (not atomic: callers
 * append to a temporary file and rename). */
#define CHAIN_SNAP_PROOF_MAX (4u << 20)
int chain_state_snapshot_add_proof(const char *path, const uint8_t *proof, size_t n, err_t *e)
    BASE_MUST_CHECK;

typedef struct chain_snap_opts {
    /* accept a store that holds block 0 alone (a node just initialised with
     * the same genesis): its genesis state is replaced in the same batch */
    bool replace_genesis;
    /* Called once the records reproduce the tip's state root and before
     * anything is written, with the proof section (NULL, 0 when the file has
     * none). Non-zero refuses the file (its err_t explains). *ops are meta
     * records written in the import's batch; they must stay valid until the
     * import returns. */
    int (*verify)(void *ud, const chain_block_t *tip, const uint8_t *proof, size_t n,
                  const chain_meta_op_t **ops, size_t *n_ops, err_t *e);
    void *ud;
} chain_snap_opts_t;
int chain_state_snapshot_import_opts(chain_state_t *st, const char *path,
                                     const chain_genesis_t *g, const chain_snap_opts_t *opts,
                                     err_t *e) BASE_MUST_CHECK;
/* The height of the snapshot a store was imported from (no blocks below
 * it but block 0); 0 for a store that holds its whole chain. */
int chain_state_base_height(chain_state_t *st, uint64_t *height, err_t *e) BASE_MUST_CHECK;

#endif /* AETHER_CHAIN_STATE_H */
