/*
 * chain/bft: the BFT engine of aetherd. It runs the consensus core
 * (chain/consensus, Jolteon 2-chain HotStuff) for a node (chain/node) as a
 * node_engine_t, and carries its messages over our libp2p stack (p2p).
 * docs/consensus.md describes the design; the essentials:
 *
 * Order-then-execute. A block's payload is
 *   u8 version (1), u64 timestamp_ms, u64 cert_height, [32] cert_hash,
 *   u32 n, n x (u32 len, transaction bytes)
 * The leader takes ready pool transactions that no uncommitted block holds.
 * When consensus commits block B of height h, every node executes its
 * transactions on chain block h-1 (chain_exec_build_certified: invalid ones
 * skipped, the same way everywhere; fees to the leader's account) and
 * commits chain block h, unsigned, with B's finality record in the same
 * synced batch. Consensus height = chain height.
 * (cert_height, cert_hash) is the leader's latest committed chain block:
 * a validator votes for B only when the payload decodes, its timestamp is at
 * most 10 s ahead of its clock, cert_height < h, and (when it has executed
 * cert_height) cert_hash is its own block hash there; every node checks the
 * claim again when it executes B. So a QC over B certifies chain block
 * cert_height's hash (hence its state root) as well as B's transactions.
 *
 * Durability: the core's PERSIST (safety data) and BLOCK outputs are
 * written in one synced RocksDB batch before any later output leaves (a
 * vote, a timeout, a proposal); a COMMIT is its own synced batch with the
 * chain block (chain_state_commit_meta). Records in the meta family:
 *   c/safety                     safety data (cons format)
 *   c/anchor                     the last committed block's anchor: [32] id,
 *                                u64 round, u64 height, [32] seed, [32] acc,
 *                                QC certifying it
 *   c/blk/ round_be64 ‖ id32     blocks that entered the tree, not committed
 *   c/fin/ height_be64           finality record of chain height h: u32 len,
 *                                consensus block B_h, u32 n (1..64), n x (u32
 *                                len, header): the chain of descendants from
 *                                B_h's child to the block B1 the commit QC
 *                                certifies, then that QC. B1's parent B0 (B_h
 *                                or a descendant) has round(B1) - 1: the
 *                                2-chain rule commits B0 and so B_h.
 *   c/cert/ height_be64          u64: the consensus height whose payload
 *                                certifies the chain block hash at height
 *   c/epoch                      the current validator epoch (bft_epoch_t):
 *                                u64 epoch, u64 start_height, [32] genesis
 *                                id, [32] seed (absent = epoch 0)
 *   c/ep/ epoch_be64             u64: the chain height of the block that
 *                                ended the epoch before (its finality
 *                                record c/fin/ is the epoch-change proof)
 * A restart is cons_new(anchor, safety) + cons_restore(every c/blk/ record).
 *
 * Validator epochs (reconfiguration, Diem/Aptos style). On a chain with a
 * staking section, staking computes the set of epoch k+1 inside chain block
 * H = (k+1)*L (L = staking epoch_blocks). Consensus epoch k ends at the
 * first committed block R whose payload certifies a chain height >= H
 * (cert_height >= H: a QC of epoch k's set then covers the header of H,
 * whose state root holds the new set). Validators vote only for payloads
 * whose cert_height is >= their parent's, so "first" is visible from R and
 * its parent alone. Blocks of epoch k above R are never executed: when R
 * commits, every node drops the rest of epoch k's tree and starts a new core
 * with the set of epoch k+1 (chain_staking_cons_set) on an epoch genesis:
 *   genesis_id(k+1) = SHA-256("aether/epoch/v1" ‖ chain genesis id ‖
 *                     u64 k+1 ‖ R's id ‖ set hash)
 *   seed(k+1)       = SHA-256("aether/epoch-seed/v1" ‖ R's epoch seed ‖
 *                     R's VRF accumulator ‖ u64 k+1)
 *   anchor          = (genesis_id(k+1), round 0, height R, seed(k+1))
 * set hash = SHA-256("aether/valset/v1" ‖ u32 n ‖ n x (bls_pk, vrf_pk,
 * u64 stake)). Rounds restart at 1 in each epoch; votes and proposals name
 * blocks that chain back to the epoch's genesis id and timeouts sign it
 * (consensus.h), so nothing signed in one epoch counts in another. The
 * switch is written in the batch that commits R (anchor, c/epoch, c/ep/,
 * safety data and kept blocks dropped), so a restart resumes in the right
 * epoch; the set itself is re-read from the committed state.
 *
 * Network: protocol /aether/cons/1.0.0 over Noise + Yamux. Each side opens
 * one stream per connection and writes uvarint-length-prefixed frames
 * (at most BFT_MAX_FRAME bytes), u8 type ‖ body:
 *   1 CONS     u64 epoch ‖ a consensus message (consensus.h wire format);
 *              a message of another epoch is dropped (one epoch ahead:
 *              kept, bounded, until this node switches)
 *   2 TXS      u32 n, n x (u32 len, transaction): forwarded to validators
 *   3 STATUS   u64 committed height (every 500 ms)
 *   4 SYNC_GET u64 from_height, u32 count (<= 64)
 *   5 SYNC_REC u64 height, finality record (as in c/fin/)
 * A validator's peer id is the identity multihash of its account key, so
 * the Noise handshake authenticates the validator index of a connection in
 * the current epoch's set (bft_net_set_validators); other peers are full
 * nodes. A validator that joins dials the members given with --peer. Malformed frames and messages with
 * bad signatures count against a peer; 8 of them close its connection.
 * A node whose peers report a committed height above its own asks one of
 * them for finality records, verifies each (commit QC against the validator
 * set, the child header links to the block, the block extends its own
 * anchor), executes them and restarts its core from the new anchor.
 *
 * Threads: the node's loop thread runs the core (tick); a libuv thread runs
 * the p2p host (never blocks on disk or CPU work); a third thread admits
 * forwarded transactions (signature checks). Queues with one mutex each
 * connect them.
 */
#ifndef AETHER_CHAIN_BFT_H
#define AETHER_CHAIN_BFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "chain/consensus/consensus.h"
#include "chain/node/node.h"
#include "chain/state/state.h"

#define BFT_PROTO "/aether/cons/1.0.0"
#define BFT_MAX_FRAME (CONS_MAX_PAYLOAD + (1u << 20))
#define BFT_PAYLOAD_VERSION 1
#define BFT_SYNC_MAX 64

typedef struct bft_config {
    const node_genesis_t *genesis;   /* a BFT genesis (genesis->bft) */
    const node_key_t *key;           /* validator key, NULL = full node */
    const char *listen;              /* multiaddr /ip4/H/tcp/P, NULL = no listener */
    const char *const *peers;        /* multiaddrs with /p2p/<id> to keep connected */
    size_t n_peers;
    uint32_t idle_block_ms;          /* empty-block pacing (default base timeout / 2) */
    uint32_t max_block_txs;          /* per proposal (default 10,000) */
    const char *snapshot_dir;        /* where proven snapshots are written and
                                        downloads land; NULL = no snapshots */
    uint64_t snapshot_interval;      /* write one every N blocks (0 = never) */
    uint64_t snapshot_threshold;     /* a node with no block past genesis that is
                                        more than N blocks behind its peers
                                        restores from a peer's snapshot (0 = never) */
    /* Tests: called on the loop thread as each frame (any type) is handed
     * to the network (after everything it depends on is durable). */
    void (*on_send)(void *ud, uint32_t to, uint8_t type, const uint8_t *body, size_t len);
    void *on_send_ud;
} bft_config_t;

/* Builds the engine for node n: restores the consensus state from n's store
 * (anchor, safety data, kept blocks) and starts networking. Hand the engine
 * to node_start (which owns it from then on). */
int bft_engine_new(node_t *n, const bft_config_t *cfg, node_engine_t *out, err_t *e)
    BASE_MUST_CHECK;

/* Tests: queues a frame (u8 type, body) as if peer handle `from` had sent
 * it; the next tick handles it. */
void bft_engine_deliver(const node_engine_t *eng, uint32_t from, uint8_t type,
                        const uint8_t *body, size_t len);
#define BFT_FRAME_CONS 1

/* The engine's listen addresses, text with /p2p/<id>, one per line (empty
 * before bft_engine_new or without a listener). */
int bft_engine_listen_addrs(const node_engine_t *eng, buf_t *out) BASE_MUST_CHECK;

/* ---- payloads and finality records ------------------------------------------ */

typedef struct bft_payload {
    uint64_t timestamp_ms;
    uint64_t cert_height;
    chain_hash_t cert_hash;
    uint32_t n_txs;
    const uint8_t *txs;      /* n x (u32 len, tx bytes), points into the input */
    size_t txs_len;
} bft_payload_t;

int bft_payload_decode(const uint8_t *p, size_t n, bft_payload_t *out, err_t *e)
    BASE_MUST_CHECK;

#define BFT_CHAIN_MAX 64

typedef struct bft_finality {
    cons_block_t *block;     /* B_h (cons_block_free) */
    cons_header_t *chain;    /* n_chain headers: B_h's child ... B1 (malloc'd) */
    uint32_t n_chain;
    cons_qc_t commit_qc;     /* over B1 */
} bft_finality_t;

int bft_finality_decode(const uint8_t *p, size_t n, bft_finality_t *out, err_t *e)
    BASE_MUST_CHECK;
/* The record of chain height h (BFT_ENOTFOUND when absent). */
int bft_finality_get(chain_state_t *st, uint64_t height, bft_finality_t *out, err_t *e)
    BASE_MUST_CHECK;
void bft_finality_free(bft_finality_t *f);
/* Checks a record against the validator set alone: the commit QC verifies
 * and certifies B1, the headers link B1 back to the block by their QCs, and
 * B1's parent is from the round just before B1 (2-chain commit rule).
 * 0 = the block is committed. */
int bft_finality_verify(const cons_valset_t *vs, uint64_t chain_id, const chain_hash_t *genesis_id,
                        const bft_finality_t *f, err_t *e) BASE_MUST_CHECK;
/* The consensus height whose payload certifies the chain hash at height
 * (BFT_ENOTFOUND when none yet: the next blocks will). */
int bft_cert_height(chain_state_t *st, uint64_t height, uint64_t *cons_height, err_t *e)
    BASE_MUST_CHECK;

/* The validator set of a BFT genesis (cons_valset_free): epoch 0's. */
cons_valset_t *bft_valset_genesis(const node_genesis_t *g, err_t *e);

/* ---- snapshots (snap.c) -------------------------------------------------------
 * A snapshot of a BFT chain carries, in its proof section (chain/state), the
 * proof that its tip is final:
 *   u8 version (1),
 *   u64 h, u32 len, finality record of h (c/fin/ format: B_h committed),
 *   u64 k, u32 len, finality record of k > h whose payload names
 *                   (h, hash of the tip's chain header): the state root is
 *                   certified,
 *   [32] the epoch seed of B_h,
 *   u32 n, n x (u32 len, consensus header): the committed blocks of B_h's
 *                   epoch before B_h, oldest first (their VRF outputs and
 *                   B_h's give the accumulator of the anchor).
 * Import (CLI and automatic) accepts the file only when all of it verifies
 * against the genesis validator set, and writes the chain state, the anchor
 * of h, c/fin/h and c/snap_hdrs (the epoch headers, for the proofs of later
 * snapshots) in one batch. A node serves its newest proven snapshot in
 * chunks over /aether/cons/1.0.0:
 *   6 SNAP_GET  u64 height (0 = the newest), u64 offset, u32 len (1..CHUNK)
 *   7 SNAP_DATA u64 height (0 = none), u64 size, [32] SHA-256 of the file,
 *               u64 offset, the bytes [offset, offset + len) */
#define BFT_SNAP_PROOF_VERSION 1
#define BFT_SNAP_HDRS_MAX 4096
#define BFT_SNAP_CHUNK (256u << 10)
#define BFT_SNAP_FILE_MAX (64ull << 30)
#define BFT_SNAP_TIMEOUT_MS 5000
#define BFT_SNAP_DEFAULT_INTERVAL 1000
#define BFT_SNAP_DEFAULT_THRESHOLD 500

typedef struct bft_snap_proof {
    uint64_t height, cert_height;
    const uint8_t *rec, *cert_rec;     /* raw records, point into the input */
    uint32_t rec_len, cert_rec_len;
    bft_finality_t fin, cert;
    uint8_t seed[32];
    cons_header_t *hdrs;               /* malloc'd */
    uint32_t n_hdrs;
} bft_snap_proof_t;

int bft_snap_proof_decode(const uint8_t *p, size_t n, bft_snap_proof_t *out, err_t *e)
    BASE_MUST_CHECK;
void bft_snap_proof_free(bft_snap_proof_t *p);
/* Checks the proof against the genesis alone and fills the anchor of the
 * tip (see above). */
int bft_snap_proof_verify(const node_genesis_t *g, const cons_valset_t *vs,
                          const chain_header_t *tip, const bft_snap_proof_t *p,
                          cons_anchor_t *anchor, err_t *e) BASE_MUST_CHECK;
/* The proof of height h from a store (BFT_ENOTFOUND while no later block
 * certifies h); seed is h's epoch seed. */
int bft_snap_proof_build(chain_state_t *st, uint64_t epoch_len, uint64_t h,
                         const uint8_t seed[32], buf_t *out, err_t *e) BASE_MUST_CHECK;
/* Imports a snapshot file into st (empty, or block 0 alone when
 * replace_genesis) after the checks above; anchor (may be NULL) gets the
 * tip's anchor. */
int bft_snapshot_import(chain_state_t *st, const node_genesis_t *g, const char *path,
                        bool replace_genesis, cons_anchor_t *anchor, err_t *e) BASE_MUST_CHECK;

/* The height of the newest proven snapshot in dir (snap-H.aesnap), 0 when
 * there is none. */
uint64_t bft_snapshot_newest(const char *dir);
/* `aetherd snapshot export` of a BFT store: copies the newest proven
 * snapshot of snap_dir to out (atomically) and gives its height. 1 when
 * st is not a BFT store (the plain export applies), BFT_ENOTFOUND (with a
 * message saying why) when no proven snapshot exists yet. */
int bft_snapshot_export(chain_state_t *st, const char *snap_dir, const char *out,
                        uint64_t *height, err_t *e) BASE_MUST_CHECK;

typedef struct bft_snap_get {
    uint64_t height, offset;
    uint32_t len;
} bft_snap_get_t;
typedef struct bft_snap_data {
    uint64_t height, size, offset;
    uint8_t sha256[32];
    const uint8_t *data;
    size_t len;
} bft_snap_data_t;
int bft_snap_get_decode(const uint8_t *p, size_t n, bft_snap_get_t *out, err_t *e)
    BASE_MUST_CHECK;
int bft_snap_data_decode(const uint8_t *p, size_t n, bft_snap_data_t *out, err_t *e)
    BASE_MUST_CHECK;

/* ---- validator epochs (see the top) ------------------------------------------ */

typedef struct bft_epoch {
    uint64_t epoch, start_height;
    chain_hash_t genesis_id;
    uint8_t seed[32];
} bft_epoch_t;

/* A validator set as consensus and the network use it: keys in set order,
 * the account key of each member (its peer id and fee account). */
typedef struct bft_set {
    cons_valset_t *vs;
    uint32_t n;
    uint8_t (*account)[CHAIN_PK_BYTES];
    chain_addr_t *addr;
} bft_set_t;

void bft_set_free(bft_set_t *s);
/* The set of `epoch`: the genesis consensus set for 0, else staking's
 * (chain_staking_cons_set) from st. s->n == 0 when staking has none. */
int bft_set_load(chain_state_t *st, const node_genesis_t *g, uint64_t epoch, bft_set_t *s,
                 err_t *e) BASE_MUST_CHECK;
void bft_set_hash(const cons_valset_t *vs, uint8_t out[32]);
/* Epoch `epoch` starting after the committed block with anchor `end`
 * (R), with a set whose bft_set_hash is set_hash. */
void bft_epoch_derive(const chain_hash_t *chain_gid, uint64_t epoch, const cons_anchor_t *end,
                      const uint8_t set_hash[32], bft_epoch_t *out);
void bft_epoch_encode(const bft_epoch_t *ep, uint8_t out[88]);
int bft_epoch_decode(const uint8_t *p, size_t n, bft_epoch_t *out, err_t *e) BASE_MUST_CHECK;
/* The current epoch record of st (epoch 0 from the genesis when absent). */
int bft_epoch_current(chain_state_t *st, const node_genesis_t *g, bft_epoch_t *out, err_t *e)
    BASE_MUST_CHECK;
/* The chain height of the block R that ended epoch-1 and started epoch
 * (BFT_ENOTFOUND when not recorded). */
int bft_epoch_end_height(chain_state_t *st, uint64_t epoch, uint64_t *height, err_t *e)
    BASE_MUST_CHECK;
/* The validator epoch whose set commits chain height `height`. */
int bft_epoch_of_height(chain_state_t *st, uint64_t height, uint64_t *epoch, err_t *e)
    BASE_MUST_CHECK;

#endif /* AETHER_CHAIN_BFT_H */
