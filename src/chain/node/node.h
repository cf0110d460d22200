/*
 * chain/node: one Aether node: the chain store (chain/state), the executor
 * (chain/exec), the mempool, the validator key, and a loop thread that lets a
 * block-production engine decide when blocks are made.
 *
 * Block production is behind node_engine_t so the BFT consensus of a later
 * issue replaces the solo producer without touching the node: the loop calls
 * engine->tick() whenever it wakes (a timer the engine asked for, or a new
 * transaction), and an engine uses node_produce_block() (build from the
 * mempool, commit) or node_apply_block() (validate + commit a block made
 * elsewhere). The solo engine (node_engine_solo) makes a block every
 * block_interval_ms while transactions are ready, and an empty block every
 * heartbeat_ms otherwise.
 *
 * Threads: RPC handlers call node_submit_tx() and the read functions from
 * any thread. Decoding and signature checks run on the caller's thread; the
 * mempool is guarded by one mutex held only for pool operations; the state
 * store is thread-safe (chain/state). Commits happen only on the loop thread.
 *
 * Crash safety: a block, its receipts and the state change commit in one
 * synced RocksDB batch (chain/state), so a kill -9 loses at most the mempool
 * (transactions not yet committed), never part of a block. Pooled
 * transactions are not persisted: clients resubmit (same hash, so a
 * resubmission of a committed transaction is reported as already committed).
 *
 * Files:
 *   key file (node_key_* = chain/client's chain_key_*): JSON
 *     {"type":"ed25519","public_key","address","secret_seed"} (hex), mode
 *     0600, written atomically; loading checks that the public key and
 *     address match the seed.
 *   genesis file (node_genesis_*): JSON {"chain_id": N, "timestamp_ms": N,
 *     "validator": "<pk hex>", "accounts": [{"address","balance"}],
 *     "utxos": [{"owner","amount"}]}, amounts as decimal strings; unknown
 *     keys are errors. Optional "staking" (issue 15): parameters and the
 *     genesis validators with their stakes (staking.c, docs/staking.md).
 *     Optional "consensus" (a BFT chain, see docs/consensus.md): {
 *       "epoch_len": N, "base_timeout_ms": N, "max_timeout_ms": N,
 *       "min_fee": "decimal", "seed": "<64 hex>",
 *       "validators": [{"account": "<Ed25519 pk hex>", "bls_pk": "<96 hex>",
 *                       "bls_pop": "<192 hex>", "vrf_pk": "<64 hex>",
 *                       "stake": N, "peer_id": "12D3KooW..."}, ...]}
 *     With it, "validator" may be omitted (block 0 then names validator 0);
 *     every BLS proof of possession is checked at load, keys and accounts
 *     are distinct. A validator's libp2p identity IS its account key: the
 *     peer id is the identity multihash of "account" (the optional "peer_id"
 *     must say so: it is written for operators), so the Noise handshake
 *     (which proves the Ed25519 key) authenticates validator i's connection.
 *     Without "consensus" the chain runs the solo engine (one validator, as
 *     before); a "consensus" section with one validator runs BFT with n = 1.
 *   validator keys: a validator's BLS and VRF secret keys are derived from
 *     its Ed25519 key file's seed (node_validator_keys_derive), so one key
 *     file is the whole validator identity.
 */
#ifndef AETHER_CHAIN_NODE_H
#define AETHER_CHAIN_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "chain/client/client.h"
#include "chain/exec/exec.h"
#include "chain/mempool/mempool.h"
#include "chain/state/state.h"
#include "chain/types/types.h"

/* Error codes NODE_E* are defined in base/base.h (AETHER_ERRORS), the one
 * error space of the project; this module's range starts at -850. */

/* ---- key files ------------------------------------------------------------- */

/* Key files are chain/client's (the wallet and the node share the format);
 * the node's callers keep these names. */
typedef chain_key_t node_key_t;

static inline void node_key_generate(node_key_t *k)
{
    chain_key_generate(k);
}
static inline void node_key_from_seed(node_key_t *k, const uint8_t seed[CRYPTO_ED25519_SEED_BYTES])
{
    chain_key_from_seed(k, seed);
}
/* Refuses to overwrite an existing file unless overwrite. */
static inline BASE_MUST_CHECK int node_key_save(const char *path, const node_key_t *k,
                                                bool overwrite, err_t *e)
{
    return chain_key_save(path, k, overwrite, e);
}
static inline BASE_MUST_CHECK int node_key_load(const char *path, node_key_t *k, err_t *e)
{
    return chain_key_load(path, k, e);
}
/* {"type","public_key","address"} (no secret). */
static inline json_t *node_key_public_json(const node_key_t *k)
{
    return chain_key_public_json(k);
}
static inline void node_key_wipe(node_key_t *k)
{
    chain_key_wipe(k);
}

/* ---- genesis files ------------------------------------------------------------ */

#define NODE_BLS_PK_BYTES 48
#define NODE_BLS_SIG_BYTES 96
#define NODE_BLS_SK_BYTES 32
#define NODE_VRF_PK_BYTES 32
#define NODE_VRF_SK_BYTES 32
#define NODE_MAX_VALIDATORS 256   /* = CONS_MAX_VALIDATORS */

/* One genesis validator (the staking issue registers these as the stakers
 * of block 0). */
typedef struct node_validator {
    uint8_t account_pk[CHAIN_PK_BYTES];   /* Ed25519: fees, libp2p identity */
    chain_addr_t address;                 /* of account_pk */
    uint8_t bls_pk[NODE_BLS_PK_BYTES];
    uint8_t bls_pop[NODE_BLS_SIG_BYTES];  /* proof of possession (checked at load) */
    uint8_t vrf_pk[NODE_VRF_PK_BYTES];
    uint64_t stake;                       /* > 0 */
} node_validator_t;

typedef struct node_consensus_params {
    uint64_t epoch_len;          /* rounds per epoch (default 100) */
    uint64_t base_timeout_ms;    /* default 1,000 */
    uint64_t max_timeout_ms;     /* default 30,000 */
    chain_u128_t min_fee;        /* fee floor of the ledger rules (default 1,000) */
    uint8_t seed[32];            /* genesis epoch seed */
} node_consensus_params_t;

typedef struct node_genesis {
    chain_genesis_t g;                  /* points into the arrays below */
    chain_genesis_alloc_t *accounts;
    chain_utxo_t *utxos;
    /* "staking" (staking.c): the staking leaves of block 0 (g.data) */
    chain_genesis_data_t *stake_data;
    size_t n_stake_data;
    uint8_t *stake_store;
    bool bft;                           /* has a "consensus" section */
    node_consensus_params_t cons;
    node_validator_t *validators;       /* n_validators entries (0 without bft) */
    size_t n_validators;
} node_genesis_t;

/* The optional "staking" section (issue 15; format in staking.c): parsed
 * after the rest of out (the genesis "validator" must be a staker), sets
 * out->g.data. */
int node_genesis_staking_from_json(const json_t *s, node_genesis_t *out, err_t *e)
    BASE_MUST_CHECK;
/* A "staking" section with params p and one validator. */
json_t *node_genesis_staking_json(const chain_stake_params_t *p, const uint8_t pk[CHAIN_PK_BYTES],
                                  const uint8_t bls_pk[CHAIN_BLS_PK_BYTES],
                                  const uint8_t bls_pop[CHAIN_BLS_SIG_BYTES],
                                  const uint8_t vrf_pk[CHAIN_VRF_PK_BYTES], chain_u128_t stake,
                                  uint16_t commission_bps);


/* The genesis validator set (NULL and *n = 0 for a solo genesis). */
const node_validator_t *node_genesis_validators(const node_genesis_t *g, size_t *n);
/* Index of the validator with this account key, or -1. */
int node_genesis_validator_index(const node_genesis_t *g, const uint8_t pk[CHAIN_PK_BYTES]);
/* The consensus genesis id every BFT block extends: SHA-256("aether/genesis/v1"
 * ‖ chain block 0 hash ‖ epoch_len ‖ base/max timeout ‖ min_fee ‖ seed ‖ per
 * validator (account, bls_pk, vrf_pk, stake)), so two nodes that disagree
 * on any consensus parameter never accept each other's blocks. */
int node_genesis_cons_id(const node_genesis_t *g, chain_hash_t *out, err_t *e) BASE_MUST_CHECK;

/* A validator's consensus keys, derived from its Ed25519 seed: chain/client's
 * chain_validator_keys_derive (the wallet's staking commands derive the same). */
typedef chain_validator_keys_t node_validator_keys_t;
static inline BASE_MUST_CHECK int node_validator_keys_derive(const node_key_t *k,
                                                             node_validator_keys_t *out, err_t *e)
{
    return chain_validator_keys_derive(k, out, e);
}
static inline void node_validator_keys_wipe(node_validator_keys_t *k)
{
    chain_validator_keys_wipe(k);
}
/* The public genesis entry of a key:
 * {"account","bls_pk","bls_pop","vrf_pk","stake","peer_id"}. */
json_t *node_validator_entry_json(const node_key_t *k, uint64_t stake, err_t *e);
/* Parses one "validators" entry (PoP checked). */
int node_validator_from_json(const json_t *j, node_validator_t *out, const char *what, err_t *e)
    BASE_MUST_CHECK;

int node_genesis_load(const char *path, node_genesis_t *out, err_t *e) BASE_MUST_CHECK;
int node_genesis_from_json(const json_t *j, node_genesis_t *out, err_t *e) BASE_MUST_CHECK;
json_t *node_genesis_to_json(const chain_genesis_t *g);
/* The whole file, "consensus" section included when g->bft. */
json_t *node_genesis_json(const node_genesis_t *g);
void node_genesis_free(node_genesis_t *g);

/* ---- replay (replay.c) ----------------------------------------------------------- */

/* Replays another node's chain into data_dir (created with the genesis, or
 * continued from its tip): blocks tip+1..to_height (0 = the source's tip)
 * are fetched raw from rpc_url (aeth_getRawBlock) and applied with full
 * validation (chain_exec_apply_block). fn (may be NULL) sees each applied
 * block with its receipts. min_fee must be the source's fee floor. */
typedef struct node_replay_cfg {
    const char *rpc_url, *data_dir;
    const node_genesis_t *genesis;
    chain_u128_t min_fee;
    uint64_t to_height;
} node_replay_cfg_t;
typedef struct node_replay_stats {
    uint64_t height, blocks, txs, gas_used;
    chain_hash_t state_root;
} node_replay_stats_t;
typedef void (*node_replay_fn)(void *arg, const chain_block_t *b, const chain_receipt_t *rs);
int node_replay(const node_replay_cfg_t *cfg, node_replay_fn fn, void *arg,
                node_replay_stats_t *out, err_t *e) BASE_MUST_CHECK;

/* ---- the node ----------------------------------------------------------------- */

typedef struct node node_t;

typedef struct node_config {
    const char *data_dir;          /* RocksDB directory (created) */
    const node_genesis_t *genesis; /* required */
    const node_key_t *key;         /* validator key: the genesis validator (solo), a
                                      genesis validator or, with staking, any
                                      account that may join the set (BFT) */
    uint32_t block_interval_ms;    /* default 200 */
    uint32_t heartbeat_ms;         /* default 5,000 */
    uint32_t max_block_txs;        /* default 10,000 */
    chain_u128_t min_fee;          /* exec fee floor; default = mempool.min_fee */
    mempool_config_t mempool;      /* zeroed = mempool defaults */
    uint64_t state_history;        /* blocks of state history for reads at a height
                                      (chain_state_set_history); default
                                      CHAIN_STATE_HISTORY_DEFAULT, 0 = tip only */
} node_config_t;

void node_config_default(node_config_t *cfg);

/* Opens the store, writes genesis into an empty one or checks that the stored
 * chain has this genesis, and checks the key is the genesis validator. */
node_t *node_open(const node_config_t *cfg, err_t *e);
/* Stops the loop if running, then closes everything. Accepts NULL. */
void node_close(node_t *n);

/* A block-production engine (see the top comment). */
typedef struct node_engine {
    const char *name;
    void *self;
    /* On the loop thread. Returns how many ms until it wants the next tick
     * (the loop also wakes early when a transaction arrives). */
    uint32_t (*tick)(void *self, node_t *node, uint64_t now_ms);
    void (*destroy)(void *self);   /* may be NULL */
    /* May be NULL (one block per slot). The round of the committed block at
     * height; called from RPC threads, so it must be thread-safe. 0 = found. */
    int (*block_round)(void *self, uint64_t height, uint64_t *round);
} node_engine_t;

/* The solo producer (single validator); freed by engine->destroy. */
node_engine_t node_engine_solo(const node_config_t *cfg);

/* Starts the loop thread with the engine (taken over; destroyed by node_close). */
int node_start(node_t *n, node_engine_t engine, err_t *e) BASE_MUST_CHECK;
/* Asks the loop to stop and joins it (idempotent). */
void node_stop(node_t *n);

/* For engines (loop thread only). Builds a block from the ready mempool
 * transactions (possibly empty), commits it and updates the pool. *height
 * (optional) gets the new height. */
int node_produce_block(node_t *n, uint64_t now_ms, uint64_t *height, err_t *e) BASE_MUST_CHECK;
/* Validates and commits a block made elsewhere, then updates the pool. */
int node_apply_block(node_t *n, const chain_block_t *b, err_t *e) BASE_MUST_CHECK;
/* Wakes the loop: the engine's tick runs soon (any thread). */
void node_wake(node_t *n);
/* The engine replaced the store's chain (a snapshot import on the loop
 * thread): re-reads the tip for the node's counters. */
void node_tip_reloaded(node_t *n);

/* ---- for the BFT engine (chain/bft) ------------------------------------------- */

/* Called (on the submitting thread) after a transaction from RPC entered the
 * pool, with its encoding: the engine forwards it to the validators.
 * Transactions admitted with node_submit_forwarded do not trigger it. */
typedef void (*node_tx_hook_fn)(void *ud, const uint8_t *raw, size_t len);
void node_set_tx_hook(node_t *n, node_tx_hook_fn fn, void *ud);
/* node_submit_tx for a transaction a peer forwarded (no hook). */
int node_submit_forwarded(node_t *n, const uint8_t *raw, size_t len, err_t *e) BASE_MUST_CHECK;
/* The same for a tx the caller decoded from raw (and possibly verified, in a
 * batch: sig_ok). Takes ownership of tx in every case. */
int node_submit_forwarded_decoded(node_t *n, chain_tx_t *tx, const uint8_t *raw, size_t len,
                                  err_t *e) BASE_MUST_CHECK;
/* Appends to out, as (u32 len, tx bytes) each, up to max_txs ready pooled
 * transactions and max_bytes, skipping those skip() names (already in an
 * uncommitted block); returns how many. Loop thread. */
uint32_t node_select_payload(node_t *n, bool (*skip)(void *ud, const chain_hash_t *h), void *ud,
                             uint32_t max_txs, size_t max_bytes, buf_t *out);
/* Executes the decoded transactions of a committed consensus block on the
 * tip (invalid ones skipped, deterministically: chain_exec_build_certified
 * with cfg), commits the resulting unsigned block together with ops in one
 * synced batch, and updates the pool. A tx the pool holds was verified on
 * admission and is not verified again. *out (optional) gets the header
 * and hash. Takes the txs (frees them). Loop thread. */
int node_commit_certified(node_t *n, const chain_exec_cfg_t *cfg, chain_tx_t **txs,
                          size_t n_txs, uint64_t timestamp_ms,
                          const uint8_t proposer_pk[CHAIN_PK_BYTES], const chain_meta_op_t *ops,
                          size_t n_ops, chain_header_t *hdr, chain_hash_t *hash, err_t *e)
    BASE_MUST_CHECK;

/* Consensus status for RPC (aether status): filled by the engine, read by
 * anyone. Zeroed for the solo engine. */
typedef struct node_cons_status {
    bool bft;
    int64_t self;                 /* validator index, -1 full node */
    uint64_t round, committed_round, committed_height, last_voted_round, locked_round;
    uint64_t high_qc_round;
    uint32_t n_validators;        /* of the current epoch's set */
    uint64_t epoch;               /* validator epoch (chain/bft) */
    uint64_t epoch_start_height;  /* the chain height it started after */
    uint32_t peers_connected;
    bool halted;                  /* a store write failed: the engine stopped */
    char halt_reason[160];
} node_cons_status_t;
typedef void (*node_status_fn)(void *ud, node_cons_status_t *out);
/* The engine registers how to fill it (and the JSON of its peers). */
typedef json_t *(*node_peers_fn)(void *ud);
void node_set_status_fns(node_t *n, node_status_fn st, node_peers_fn peers, void *ud);
void node_cons_status(node_t *n, node_cons_status_t *out);
/* [{"peer_id","address","validator": index or null,"connected","height"}]
 * or an empty array for the solo engine. */
json_t *node_peers_json(node_t *n);
const node_genesis_t *node_genesis(const node_t *n);

/* Ready transactions in the pool and ms since the last committed block. */
size_t node_ready_count(node_t *n);
uint64_t node_last_block_age_ms(node_t *n, uint64_t now_ms);

/* ---- for RPC (any thread) ---------------------------------------------------- */
/* Consensus position, as upstream's slots (aeth_getSlotNumber,
 * aeth_getFinalizedSlot) and `aether status` report it: read from the
 * engine's status (node_cons_status) when it has rounds (BFT); otherwise a
 * node's slot is its tip height (the solo engine makes one block per slot
 * and its blocks are final when committed). */
typedef struct node_slots {
    uint64_t round;             /* the round the engine is in (current slot) */
    uint64_t committed_round;   /* round of the last committed block (finalized slot) */
    uint64_t committed_height;  /* its height */
    bool from_engine;           /* false: derived from the tip */
} node_slots_t;

void node_get_slots(node_t *n, node_slots_t *out);
/* The slot of the committed block at height: its round (engine->block_round),
 * or the height when the engine has no rounds. */
uint64_t node_block_slot(node_t *n, uint64_t height);


chain_state_t *node_state(node_t *n);
/* The execution rules the node applies (chain id, fee floor, contract code
 * cache), for read-only contract execution. */
const chain_exec_cfg_t *node_exec_cfg(node_t *n);
uint64_t node_chain_id(const node_t *n);
/* Decodes, checks and pools a signed tx. 0 with *hash set; NODE_ETXINVALID,
 * NODE_ETXREJECTED (*reason set) or NODE_EKNOWN with e naming why. */
int node_submit_tx(node_t *n, const uint8_t *raw, size_t len, chain_hash_t *hash,
                   mempool_reason_t *reason, err_t *e) BASE_MUST_CHECK;
/* The same for a tx the caller already decoded from raw (and possibly
 * verified: sig_ok). Takes ownership of tx in every case. */
int node_submit_decoded(node_t *n, chain_tx_t *tx, const uint8_t *raw, size_t len,
                        chain_hash_t *hash, mempool_reason_t *reason, err_t *e) BASE_MUST_CHECK;
/* A copy of a pooled tx (chain_tx_free it), or NULL. */
chain_tx_t *node_pending_tx(node_t *n, const chain_hash_t *hash);
/* The nonce a wallet should use next: the committed nonce, past the sender's
 * contiguous run of pooled transactions. */
int node_next_nonce(node_t *n, const chain_addr_t *a, uint64_t *nonce, err_t *e)
    BASE_MUST_CHECK;
/* /health body; returns the HTTP status: 200 with "status":"ok", or 503
 * with "stopped" (loop not running), "halted" (the last attempt to produce
 * a block failed: "error" says why, "halted_ms" since when; cleared by the
 * next block) or "stalled" (no block for 3 heartbeats). */
int node_health(node_t *n, json_t **body);
/* Prometheus text for the node and its mempool. */
void node_metrics(node_t *n, buf_t *out);

#endif /* AETHER_CHAIN_NODE_H */
