/* chain/bft private declarations: records (store.c), the network thread
 * (net.c) and the engine (engine.c; committing and epoch changes in epoch.c). */
#ifndef AETHER_CHAIN_BFT_INTERNAL_H
#define AETHER_CHAIN_BFT_INTERNAL_H

#include "bft.h"

#include <pthread.h>

enum {
    F_CONS = 1,
    F_TXS = 2,
    F_STATUS = 3,
    F_SYNC_GET = 4,
    F_SYNC_REC = 5,
    F_SNAP_GET = 6,
    F_SNAP_DATA = 7,
};

/* ---- store.c ---- */
#define KEY_SAFETY "c/safety"
#define KEY_ANCHOR "c/anchor"
#define PFX_BLK "c/blk/"
#define PFX_FIN "c/fin/"
#define PFX_CERT "c/cert/"
#define KEY_SNAP_HDRS "c/snap_hdrs"
#define KEY_EPOCH "c/epoch"
#define PFX_EP "c/ep/"

void bft_key_h(char *out, const char *pfx, uint64_t h, size_t *klen);   /* pfx ‖ be64 */
void bft_key_blk(uint8_t out[6 + 8 + 32], uint64_t round, const chain_hash_t *id);
void bft_anchor_encode(const cons_anchor_t *a, buf_t *out);
int bft_anchor_decode(const uint8_t *p, size_t n, cons_anchor_t *a, err_t *e);
/* record: see bft.h (c/fin/) */
int bft_finality_encode(const uint8_t *block, size_t blen, const cons_header_t *chain,
                        uint32_t n_chain, const cons_qc_t *qc, buf_t *out);
/* Decodes the payload's transactions (NULL-free array of n, chain_tx_free
 * each). */
int bft_payload_txs(const bft_payload_t *p, chain_tx_t ***out, err_t *e);

/* ---- net.c ---- */
typedef struct bft_net bft_net_t;

/* An inbound frame for the engine (type, body) from peer handle `from`. */
typedef struct bft_msg {
    struct bft_msg *next;
    uint32_t from;
    uint8_t type;
    size_t len;
    uint8_t data[];
} bft_msg_t;

typedef struct bft_net_cbs {
    void (*on_msg)(void *ud, bft_msg_t *m);   /* takes m (net thread) */
    void *ud;
} bft_net_cbs_t;

#define BFT_TO_ALL UINT32_MAX            /* every connected peer */
#define BFT_TO_VALIDATORS (UINT32_MAX - 1)

bft_net_t *bft_net_new(const node_genesis_t *g, const uint8_t seed[32], const char *listen,
                       const char *const *peers, size_t n_peers, const bft_net_cbs_t *cbs,
                       err_t *e);
int bft_net_start(bft_net_t *net, err_t *e);
void bft_net_free(bft_net_t *net);   /* stops the thread; accepts NULL */
/* Queues u8 type ‖ body for `to` (a handle, BFT_TO_ALL or BFT_TO_VALIDATORS).
 * Any thread. */
void bft_net_send(bft_net_t *net, uint32_t to, uint8_t type, const uint8_t *body, size_t len);
void bft_net_send2(bft_net_t *net, uint32_t to, uint8_t type, const uint8_t *head, size_t hlen,
                   const uint8_t *body, size_t len);
/* Closes the connection of a peer (any thread). */
void bft_net_disconnect(bft_net_t *net, uint32_t handle);
size_t bft_net_connected(bft_net_t *net);
/* The members of the current set by account key, in set order (any
 * thread; applied in order with the frames queued before and after).
 * Inbound frames of member i arrive `from` i; other peers from
 * BFT_NET_OTHER + their slot; sending to i < BFT_NET_OTHER reaches member
 * i, to BFT_NET_OTHER + slot that peer. */
#define BFT_NET_OTHER CONS_MAX_VALIDATORS
#define BFT_NET_SLOTS (CONS_MAX_VALIDATORS + 64)
void bft_net_set_validators(bft_net_t *net, const uint8_t (*accounts)[CHAIN_PK_BYTES], uint32_t n);
json_t *bft_net_peers_json(bft_net_t *net, const uint64_t *heights, size_t n_heights);
int bft_net_listen_addrs(bft_net_t *net, buf_t *out);

/* ---- snap.c: the snapshot producer and fetcher (loop thread) ---- */
typedef struct bft_snapper bft_snapper_t;
typedef void (*bft_send_fn)(void *ud, uint32_t to, uint8_t type, const uint8_t *head,
                            size_t hlen, const uint8_t *body, size_t len);

/* dir NULL: neither produces nor fetches. Frames leave through send. */
bft_snapper_t *bft_snapper_new(chain_state_t *st, const node_genesis_t *g, bft_send_fn send,
                               void *send_ud, const char *dir, uint64_t interval, err_t *e);
void bft_snapper_free(bft_snapper_t *s);   /* joins the writer; accepts NULL */
/* After each commit (a = the new anchor): every interval blocks, pins the
 * state and starts the writer thread. */
void bft_snapper_committed(bft_snapper_t *s, const cons_anchor_t *a);
/* Appends the proof once the writer is done and a later block certifies
 * the snapshot's tip; then serves it. */
void bft_snapper_tick(bft_snapper_t *s);
void bft_snapper_serve(bft_snapper_t *s, uint32_t from, const bft_snap_get_t *r);
bool bft_snapper_can_fetch(const bft_snapper_t *s);
bool bft_snapper_fetching(const bft_snapper_t *s);
void bft_snapper_fetch_start(bft_snapper_t *s, uint32_t peer, uint64_t now);
/* true when the download from *peer timed out (and was dropped). */
bool bft_snapper_timed_out(bft_snapper_t *s, uint64_t now, uint32_t *peer);
/* A SNAP_DATA frame: 0 = go on, 1 = complete (*path: the verified-hash
 * file to import), < 0 = the download failed (e says why). */
int bft_snapper_on_data(bft_snapper_t *s, uint32_t from, const uint8_t *d, size_t n,
                        uint64_t now, const char **path, err_t *e);

/* ---- engine.c, epoch.c: the engine's state (loop thread unless noted) ---- */
#define MAX_TIMERS 32
#define HASH_RING 4096
#define REPORTED_MAX 64         /* offences this node reported (once each) */

typedef struct kept {
    chain_hash_t id;
    uint64_t round, height;
    uint8_t *bytes;
    size_t len;
    cons_header_t h;
    chain_hash_t *txh;      /* hashes of the payload's transactions */
    uint32_t n_txh;
    bool has_cert;          /* the payload decoded: its certified chain block */
    uint64_t cert_height;
    chain_hash_t cert_hash;
} kept_t;

typedef struct hset {        /* insert-only set of hashes, rebuilt when blocks go */
    chain_hash_t *k;
    bool *used;
    size_t cap, n;
} hset_t;

typedef struct ops {         /* pending durable records */
    chain_meta_op_t op[64];
    buf_t key[64], val[64];
    size_t n;
} ops_t;

typedef struct bft {
    node_t *node;
    const node_genesis_t *g;
    bft_set_t set;           /* the current epoch's validators (set.vs for the core) */
    bft_epoch_t ep;          /* the current epoch */
    chain_hash_t chain_gid;  /* epoch 0's genesis id (node_genesis_cons_id) */
    uint64_t stake_epoch_blocks;   /* staking's L; 0 = no staking: one epoch for ever */
    bool switched;           /* an epoch change was committed: drop the old core's outputs */
    bool building;           /* inside core_build */
    bool has_key;
    node_key_t key;          /* the account key (signs evidence), has_key */
    uint64_t anchor_cert;    /* cert_height of the payload of the block at the anchor height */
    chain_hash_t anchor_cert_hash;
    bft_msg_t *future_head, *future_tail;   /* frames of epoch ep.epoch + 1 */
    size_t n_future;
    struct {
        uint64_t epoch, round;
        uint32_t validator;
    } reported[REPORTED_MAX];
    size_t n_reported;
    cons_config_t ccfg;
    cons_t *c;
    chain_exec_cfg_t xcfg;
    bft_net_t *net;
    uint32_t n_handles;
    bool halted;
    char halt_msg[ERR_MSG_MAX];
    buf_t safety;
    cons_anchor_t anchor;
    kept_t *kept;
    size_t n_kept, cap_kept;
    hset_t inflight;
    struct {
        uint64_t round, at;
    } timers[MAX_TIMERS];
    size_t n_timers;
    uint64_t propose_round, propose_since;
    uint64_t logged_round;     /* the last round written to the debug log */
    uint32_t idle_ms, max_txs;
    void (*on_send)(void *ud, uint32_t to, uint8_t type, const uint8_t *body, size_t len);
    void *on_send_ud;
    ops_t ops;
    struct {
        bool set;
        uint64_t h;
        chain_hash_t hash;
    } ring[HASH_RING];
    /* inbound frames (net thread -> loop thread) */
    pthread_mutex_t in_mu;
    bft_msg_t *in_head, *in_tail;
    /* forwarded transactions (net thread -> ingest thread) */
    pthread_t ing_thr;
    bool ing_started, ing_stop;
    pthread_mutex_t ing_mu;
    pthread_cond_t ing_cv;
    bft_msg_t *ing_head, *ing_tail;
    /* transactions from RPC to forward (RPC threads -> loop thread) */
    pthread_mutex_t fwd_mu;
    buf_t fwd;
    uint32_t fwd_n;
    /* peers (loop thread) */
    uint64_t *peer_height;
    uint32_t *strikes;
    uint64_t next_status_ms, sync_wait_until, last_commit_ms;
    bool need_rebuild;
    /* snapshots (snap.c): produced every interval blocks; fetched when a
     * node with no block past genesis is more than threshold behind */
    bft_snapper_t *snap;
    uint64_t snap_threshold, snap_retry_at, snap_gate_until;
    uint32_t snap_try;
    bool heard_status;
    uint64_t base_height;    /* the snapshot the store was restored from (0: none) */
    /* status (under st_mu) */
    pthread_mutex_t st_mu;
    node_cons_status_t st;
    uint64_t *heights_snap;
    _Atomic uint64_t claim_mismatch, evidence, synced_blocks;
} bft_t;

/* engine.c */
void bft_ops_put(ops_t *o, const void *key, size_t klen, const void *val, size_t vlen);
void bft_halt(bft_t *b, const char *what, const err_t *e);
void bft_kept_prune(bft_t *b, uint64_t round, ops_t *ops);
kept_t *bft_kept_find(bft_t *b, const chain_hash_t *id);
uint64_t bft_now_ms(void);
/* epoch.c */
int bft_hash_at(bft_t *b, uint64_t h, chain_hash_t *out);
uint64_t bft_tip_height(bft_t *b);
bool bft_parent_cert_of(bft_t *b, const chain_hash_t *id, uint64_t *h, chain_hash_t *hash);
bool bft_payload_ok(void *ud, const cons_block_t *blk);
int bft_commit_block(bft_t *b, const uint8_t *bytes, size_t len, const cons_block_t *blk,
                     const cons_header_t *chain, uint32_t n_chain, const cons_qc_t *commit_qc,
                     const cons_anchor_t *anchor);
void bft_use_epoch(bft_t *b, bft_set_t *s, const bft_epoch_t *ep);
void bft_report_evidence(bft_t *b, const uint8_t *data, size_t len);

#endif
