/*
 * chain/consensus: the BFT core of the Aether chain (DESIGN.md §7), a pure
 * state machine `(state, event) -> (state', outputs)`: no I/O, no clock, no
 * threads. The host (chain/node, or the simulator in tests/unit/
 * chain_consensus) feeds it messages and timer expiries and executes the
 * outputs it returns, in order.
 *
 * Protocol: 2-chain HotStuff with the Jolteon / DiemBFT-v4 rules
 * (reference/protocol-notes.md §1.2, aptos safety_rules_2chain.rs):
 *   - vote for block B of round r only if r > last_voted_round and
 *     (r == B.qc.round + 1, or r == tc.round + 1 and B.qc.round >= the highest
 *     QC round reported in that TC);
 *   - time out in round r only with a highest QC whose round >= the locked
 *     round (the highest round of a QC a vote of ours built on); a timeout
 *     raises last_voted_round to r, so no vote follows it in that round;
 *   - commit B0 (and its ancestors) when a certified B1 with parent B0 and
 *     round(B1) = round(B0) + 1 is known.
 * Quorums are strictly more than 2/3 of the total stake (3*stake > 2*total;
 * upstream used >= 2/3, reference/aether-original.md §3.1).
 *
 * Pacemaker: the core asks for a timer per round (CONS_OUT_TIMER); when the
 * host reports it expired, the core broadcasts a signed timeout carrying its
 * highest QC, and re-broadcasts it each time the (backed-off) timer expires
 * again. Timeouts of > 2/3 of the stake for a round form a timeout
 * certificate (TC) and move every holder to the next round. Each signer
 * signs its own (round, highest-QC round); the TC keeps every signer's QC
 * round and one aggregate signature, verified with AggregateVerify over the
 * distinct messages, so a TC over different highest QCs verifies (upstream's
 * did not). f+1 stake of timeouts for our round makes us time out too.
 * Round timers back off: base << min(consecutive TC rounds, 6), capped.
 *
 * Signatures: votes, timeouts and proposals are BLS min-pk signatures
 * (crypto/bls) under distinct domain strings; a QC is one aggregate
 * signature plus a signer bitmap, checked with FastAggregateVerify against
 * keys decoded and validated once per validator set. Signing and
 * verification go through a cons_crypto_t table; cons_crypto_bls is the one
 * the chain uses. A test-only table (tests/unit/chain_consensus) lets the
 * simulator run thousands of seeds; the core logic is the same for both.
 *
 * Leaders: exactly one per round for a given parent: the stake-weighted draw
 * SHA-256("aether/leader/v1" ‖ seed ‖ round) mod total stake over the
 * cumulative stakes, where seed is the epoch seed on the parent's chain.
 * Epoch e covers rounds [e*L, (e+1)*L). The leader proves ECVRF (RFC 9381,
 * TAI suite) over "aether/vrf/v1" ‖ seed ‖ round with its VRF key; the proof is
 * in the block. The seed of epoch e' for a chain is
 * SHA-256("aether/seed/v1" ‖ seed_prev ‖ acc ‖ e'), where acc chains the
 * 64-byte VRF outputs of that chain's blocks of the previous epoch
 * (acc = SHA-256("aether/acc/v1" ‖ acc ‖ beta), from 32 zero bytes). On the
 * committed chain those blocks are exactly the epoch's committed blocks, so
 * every node derives the same seed from the committed history alone; the
 * genesis seed starts it.
 *
 * Safety data (last voted round, locked round, preferred round, highest QC)
 * is handed to the host as CONS_OUT_PERSIST before any vote or timeout that
 * depends on it: the host must make it durable before executing the later
 * outputs of the same step. A core rebuilt from it (cons_new with the saved
 * bytes and the last committed anchor) never signs anything conflicting.
 *
 * Equivocation: two votes of one validator for different blocks of one
 * round, or two proposals of one leader for one round, produce a
 * CONS_OUT_EVIDENCE object that cons_evidence_verify checks against the
 * validator set alone.
 *
 * Wire format (canonical, chain/types conventions: little-endian fixed-width
 * integers, u32 length prefixes, strict decoding naming field and offset).
 * Every message is u8 kind ‖ body:
 *   QC        u64 round, [32] block_id, u32 nb, nb bytes signer bitmap
 *             (bit i = byte i/8, bit i%8), [96] aggregate signature.
 *             The genesis QC has round 0, the genesis id, nb = 0, zero sig.
 *   TC        u64 round, u32 nb, bitmap, u32 n, n x u64 hqc_round (signer
 *             order), [96] aggregate signature, QC high_qc (the highest).
 *   header    u32 version (1), u64 chain_id, u64 round, u64 height,
 *             u32 proposer, QC qc (certifies the parent), [32] payload_hash,
 *             [80] vrf_proof.  block id = SHA-256(header).
 *   block     header, [96] proposer signature, u32 len, payload.
 *   1 PROPOSAL  block, u8 has_tc, [TC]
 *   2 VOTE      u64 round, [32] block_id, u32 voter, [96] sig
 *   3 TIMEOUT   u64 round, u32 signer, QC high_qc, [96] sig, u8 has_tc, [TC]
 *   4 SYNC_REQ  [32] block_id, u32 max_blocks
 *   5 SYNC_RESP u32 n, n x (u32 len, block)   newest first
 *   6 EVIDENCE  u8 kind (1 votes, 2 proposals), u32 validator, then
 *               2 x (u64 round, [32] block_id, [96] sig)      (votes)
 *               2 x (u32 len, header, [96] sig)                (proposals)
 * Signed messages: vote "aether/vote/v1" ‖ chain_id ‖ round ‖ block_id;
 *   timeout "aether/timeout/v2" ‖ chain_id ‖ genesis_id ‖ round ‖ hqc_round;
 *   proposal "aether/proposal/v1" ‖ chain_id ‖ block_id  (u64s little-endian).
 * Safety data: u32 version (1), u64 last_voted_round, u64 locked_round,
 *   u64 preferred_round, QC high_qc, u8 has_tc, [TC highest TC] (a restart
 *   resumes at max(high_qc.round, tc.round) + 1 >= last_voted_round, so it can
 *   time out and rejoin even if every validator restarts).
 */
#ifndef AETHER_CHAIN_CONSENSUS_H
#define AETHER_CHAIN_CONSENSUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "chain/types/types.h"

#define CONS_MAX_VALIDATORS 256
#define CONS_BITMAP_BYTES (CONS_MAX_VALIDATORS / 8)
#define CONS_PK_BYTES 48        /* BLS G1 compressed */
#define CONS_SK_BYTES 32
#define CONS_SIG_BYTES 96       /* BLS G2 compressed */
#define CONS_VRF_PK_BYTES 32
#define CONS_VRF_SK_BYTES 32
#define CONS_VRF_PROOF_BYTES 80
#define CONS_VRF_OUT_BYTES 64
#define CONS_MAX_PAYLOAD CHAIN_MAX_BLOCK_BYTES
#define CONS_MAX_SYNC_BLOCKS 64
#define CONS_BLOCK_VERSION 1

/* Error codes CONS_E* are in base/base.h (AETHER_ERRORS, range -900..-949). */
enum { CONS_OK = 0 };

typedef enum cons_msg_kind {
    CONS_MSG_PROPOSAL = 1,
    CONS_MSG_VOTE = 2,
    CONS_MSG_TIMEOUT = 3,
    CONS_MSG_SYNC_REQ = 4,
    CONS_MSG_SYNC_RESP = 5,
    CONS_MSG_EVIDENCE = 6,
} cons_msg_kind_t;

/* ---- signature schemes ------------------------------------------------------ */

/* Scheme-specific decoded public keys of a validator set (BLS: decoded and
 * KeyValidate'd G1 points). */
typedef struct cons_keys cons_keys_t;

typedef struct cons_crypto {
    const char *name;
    int (*keys_new)(const uint8_t (*pks)[CONS_PK_BYTES], uint32_t n, cons_keys_t **out,
                    err_t *e);
    void (*keys_free)(cons_keys_t *k);
    int (*sk_to_pk)(const uint8_t sk[CONS_SK_BYTES], uint8_t pk[CONS_PK_BYTES], err_t *e);
    int (*sign)(const uint8_t sk[CONS_SK_BYTES], const uint8_t *msg, size_t len,
                uint8_t sig[CONS_SIG_BYTES], err_t *e);
    /* One signer. 0 = valid. */
    int (*verify)(const cons_keys_t *k, uint32_t signer, const uint8_t *msg, size_t len,
                  const uint8_t sig[CONS_SIG_BYTES], err_t *e);
    int (*aggregate)(const uint8_t (*sigs)[CONS_SIG_BYTES], size_t n,
                     uint8_t out[CONS_SIG_BYTES], err_t *e);
    /* n_groups (bitmap of signers, message) pairs against one aggregate
     * signature: n_groups = 1 is FastAggregateVerify, more is AggregateVerify
     * over the groups' aggregate keys. Groups are disjoint and non-empty. */
    int (*aggregate_verify)(const cons_keys_t *k, size_t n_groups,
                            const uint8_t (*bitmaps)[CONS_BITMAP_BYTES],
                            const uint8_t *const *msgs, const size_t *lens,
                            const uint8_t sig[CONS_SIG_BYTES], err_t *e);
    int (*vrf_sk_to_pk)(const uint8_t sk[CONS_VRF_SK_BYTES], uint8_t pk[CONS_VRF_PK_BYTES],
                        err_t *e);
    int (*vrf_prove)(const uint8_t sk[CONS_VRF_SK_BYTES], const uint8_t *alpha, size_t len,
                     uint8_t pi[CONS_VRF_PROOF_BYTES], err_t *e);
    int (*vrf_verify)(const uint8_t pk[CONS_VRF_PK_BYTES], const uint8_t *alpha, size_t len,
                      const uint8_t pi[CONS_VRF_PROOF_BYTES], uint8_t beta[CONS_VRF_OUT_BYTES],
                      err_t *e);
} cons_crypto_t;

/* BLS12-381 min-pk (crypto/bls) and ECVRF-EDWARDS25519-SHA512-TAI. */
extern const cons_crypto_t cons_crypto_bls;

/* ---- validator sets ------------------------------------------------------------ */

typedef struct cons_validator {
    uint8_t bls_pk[CONS_PK_BYTES];
    uint8_t vrf_pk[CONS_VRF_PK_BYTES];
    uint64_t stake;   /* > 0 */
} cons_validator_t;

typedef struct cons_valset cons_valset_t;

/* Copies the validators (1..CONS_MAX_VALIDATORS, stake > 0, total < 2^64,
 * distinct BLS keys) and decodes their keys once. Callers must have checked
 * the proofs of possession of the BLS keys (genesis does). */
cons_valset_t *cons_valset_new(const cons_crypto_t *crypto, const cons_validator_t *v,
                               uint32_t n, err_t *e);
void cons_valset_free(cons_valset_t *vs);   /* accepts NULL */
uint32_t cons_valset_size(const cons_valset_t *vs);
uint64_t cons_valset_total_stake(const cons_valset_t *vs);
const cons_validator_t *cons_valset_get(const cons_valset_t *vs, uint32_t i);
/* 3*stake > 2*total (exact, 128-bit). */
bool cons_quorum(uint64_t stake, uint64_t total);

/* The leader of `round` under `seed`: stake-weighted draw (see top). */
uint32_t cons_leader(const cons_valset_t *vs, const uint8_t seed[32], uint64_t round);
/* Seed of the epoch of `round` for a child of a block with (epoch seed,
 * epoch accumulator, round) = (seed, acc, parent_round). */
void cons_child_seed(const uint8_t seed[32], const uint8_t acc[32], uint64_t parent_round,
                     uint64_t round, uint64_t epoch_len, uint8_t out[32]);
void cons_vrf_alpha(const uint8_t seed[32], uint64_t round, uint8_t alpha[53]);

/* ---- wire objects ---------------------------------------------------------------- */

typedef struct cons_qc {
    uint64_t round;
    chain_hash_t block_id;
    uint32_t nb;                              /* bitmap bytes used */
    uint8_t bitmap[CONS_BITMAP_BYTES];
    uint8_t sig[CONS_SIG_BYTES];
} cons_qc_t;

typedef struct cons_tc {
    uint64_t round;
    uint32_t nb;
    uint8_t bitmap[CONS_BITMAP_BYTES];
    uint32_t n;                                /* signers = popcount(bitmap) */
    uint64_t hqc_rounds[CONS_MAX_VALIDATORS];  /* in signer-index order */
    uint8_t sig[CONS_SIG_BYTES];
    cons_qc_t high_qc;
} cons_tc_t;

typedef struct cons_header {
    uint32_t version;
    uint64_t chain_id;
    uint64_t round;
    uint64_t height;
    uint32_t proposer;
    cons_qc_t qc;
    chain_hash_t payload_hash;
    uint8_t vrf_proof[CONS_VRF_PROOF_BYTES];
} cons_header_t;

/* A block: header, proposer signature over the block id, payload (owned). */
typedef struct cons_block {
    cons_header_t h;
    uint8_t sig[CONS_SIG_BYTES];
    uint8_t *payload;
    uint32_t payload_len;
    chain_hash_t id;   /* cached */
} cons_block_t;

typedef struct cons_vote {
    uint64_t round;
    chain_hash_t block_id;
    uint32_t voter;
    uint8_t sig[CONS_SIG_BYTES];
} cons_vote_t;

typedef enum cons_evidence_kind {
    CONS_EVIDENCE_VOTES = 1,
    CONS_EVIDENCE_PROPOSALS = 2,
} cons_evidence_kind_t;

/* Two conflicting signed statements of one validator. For VOTES: votes[0..1]
 * (same round, different blocks). For PROPOSALS: headers[0..1] + sigs
 * (same round, different ids). */
typedef struct cons_evidence {
    uint8_t kind;
    uint32_t validator;
    cons_vote_t votes[2];
    cons_header_t headers[2];
    uint8_t header_sigs[2][CONS_SIG_BYTES];
} cons_evidence_t;

int cons_qc_encode(const cons_qc_t *qc, buf_t *out) BASE_MUST_CHECK;
int cons_qc_decode(const uint8_t *in, size_t n, cons_qc_t *out, err_t *e) BASE_MUST_CHECK;
int cons_tc_encode(const cons_tc_t *tc, buf_t *out) BASE_MUST_CHECK;
int cons_tc_decode(const uint8_t *in, size_t n, cons_tc_t *out, err_t *e) BASE_MUST_CHECK;
int cons_header_encode(const cons_header_t *h, buf_t *out) BASE_MUST_CHECK;
int cons_header_decode(const uint8_t *in, size_t n, cons_header_t *out, err_t *e)
    BASE_MUST_CHECK;
void cons_header_id(const cons_header_t *h, chain_hash_t *out);
int cons_block_encode(const cons_block_t *b, buf_t *out) BASE_MUST_CHECK;
/* Strict decode of exactly n bytes; sets b->id. Free with cons_block_free. */
cons_block_t *cons_block_decode(const uint8_t *in, size_t n, err_t *e);
void cons_block_free(cons_block_t *b);
int cons_vote_encode(const cons_vote_t *v, buf_t *out) BASE_MUST_CHECK;
int cons_evidence_encode(const cons_evidence_t *ev, buf_t *out) BASE_MUST_CHECK;
int cons_evidence_decode(const uint8_t *in, size_t n, cons_evidence_t *out, err_t *e)
    BASE_MUST_CHECK;

/* Signing messages (see top). */
size_t cons_vote_msg(uint64_t chain_id, uint64_t round, const chain_hash_t *id, uint8_t out[64]);
/* A timeout names no block, so it binds the consensus genesis id: the
 * genesis id of a validator epoch (chain/bft) differs per epoch, so a
 * timeout of one epoch is no timeout in another. */
#define CONS_TIMEOUT_MSG_BYTES 80
size_t cons_timeout_msg(uint64_t chain_id, const chain_hash_t *genesis_id, uint64_t round,
                        uint64_t hqc_round, uint8_t out[CONS_TIMEOUT_MSG_BYTES]);
size_t cons_proposal_msg(uint64_t chain_id, const chain_hash_t *id, uint8_t out[64]);

/* Verifiers against a validator set. A genesis QC (round 0, no signers)
 * verifies only when its block id is genesis_id. */
int cons_qc_verify(const cons_valset_t *vs, uint64_t chain_id, const chain_hash_t *genesis_id,
                   const cons_qc_t *qc, err_t *e) BASE_MUST_CHECK;
int cons_tc_verify(const cons_valset_t *vs, uint64_t chain_id, const chain_hash_t *genesis_id,
                   const cons_tc_t *tc, err_t *e) BASE_MUST_CHECK;
/* Both statements signed by the validator, same round, different blocks. */
int cons_evidence_verify(const cons_valset_t *vs, uint64_t chain_id,
                         const cons_evidence_t *ev, err_t *e) BASE_MUST_CHECK;

/* ---- the core --------------------------------------------------------------------- */

typedef struct cons_config {
    uint64_t chain_id;
    uint64_t epoch_len;          /* rounds per epoch, >= 1 */
    uint64_t base_timeout_ms;    /* round timer before back-off */
    uint64_t max_timeout_ms;
    uint8_t genesis_seed[32];
    chain_hash_t genesis_id;     /* id of the round-0 block everything extends */
    int64_t self;                /* validator index, or -1 for a full node */
    uint8_t bls_sk[CONS_SK_BYTES];
    uint8_t vrf_sk[CONS_VRF_SK_BYTES];
    /* Optional: the host's validity check of a block's payload, asked just
     * before this validator would vote for it (false = no vote; the block
     * stays in the tree, others may still certify it). NULL = accept. */
    bool (*payload_ok)(void *ud, const cons_block_t *b);
    void *payload_ud;
} cons_config_t;

/* A committed block the core restarts from (genesis: round 0, height 0,
 * id genesis_id, seed genesis_seed, acc zero). Every CONS_OUT_COMMIT carries
 * the anchor of the block it commits. */
typedef struct cons_anchor {
    chain_hash_t id;
    uint64_t round, height;
    uint8_t seed[32], acc[32];
    cons_qc_t qc;      /* a QC certifying the block (genesis: the genesis QC) */
} cons_anchor_t;

typedef enum cons_out_kind {
    CONS_OUT_PERSIST = 1,    /* data: safety data; make durable before the next outputs */
    CONS_OUT_BROADCAST,      /* data: a message for every validator (and full node) */
    CONS_OUT_SEND,           /* data: a message for peer `to` (a vote: validator index
                                `to`; a sync reply: the `from` handle of the request) */
    CONS_OUT_TIMER,          /* round, ms: report cons_on_timer(round) after ms */
    CONS_OUT_NEED_PAYLOAD,   /* we lead `round`: call cons_propose(round, payload) */
    CONS_OUT_COMMIT,         /* block committed (in height order); data: encoded block,
                                anchor: its anchor, qc: the QC that committed it */
    CONS_OUT_EVIDENCE,       /* data: encoded CONS_MSG_EVIDENCE message */
    CONS_OUT_BLOCK,          /* data: a block (round = its round) that entered the tree:
                                store it durably with the safety data (before later
                                outputs) and hand it back with cons_restore after a
                                restart; blocks at or below the committed round may go */
} cons_out_kind_t;

typedef struct cons_out {
    cons_out_kind_t kind;
    uint32_t to;
    uint64_t round;
    uint64_t ms;
    uint8_t *data;           /* owned by the core until the next call */
    size_t len;
    cons_anchor_t anchor;
    cons_qc_t qc;
} cons_out_t;

typedef struct cons cons_t;

/* Copies cfg (wiping the secrets from it is the caller's business) and keeps
 * a reference to vs (which must outlive the core). anchor NULL = genesis;
 * safety NULL = a fresh validator. */
cons_t *cons_new(const cons_config_t *cfg, const cons_valset_t *vs, const cons_anchor_t *anchor,
                 const uint8_t *safety, size_t safety_len, err_t *e);
void cons_free(cons_t *c);   /* accepts NULL; wipes secrets */

/* Events. Each clears the previous outputs, runs, and leaves new ones for
 * cons_outputs(). A return < 0 means the input was refused (e says why);
 * the state is unchanged by a refused message except for what it proved
 * (e.g. a valid QC it carried). */
/* `from` is the host's handle of the sending peer; handles 0..n-1 must be
 * the validators (the core sends votes to validator indexes), others are
 * free (full nodes). */
int cons_start(cons_t *c, err_t *e);
int cons_on_message(cons_t *c, uint32_t from, const uint8_t *msg, size_t len, err_t *e);
int cons_on_timer(cons_t *c, uint64_t round, err_t *e);
int cons_propose(cons_t *c, uint64_t round, const uint8_t *payload, size_t len, err_t *e);
/* After cons_new and before cons_start: re-inserts a block kept from
 * CONS_OUT_BLOCK (in increasing round order), verified like any block but
 * never voted for. Without them a network whose validators all restarted
 * would have lost the blocks its QCs certify. */
int cons_restore(cons_t *c, const uint8_t *block, size_t len, err_t *e);

const cons_out_t *cons_outputs(const cons_t *c, size_t *n);

/* Introspection for status, tests and the simulator. */
uint64_t cons_round(const cons_t *c);
uint64_t cons_committed_round(const cons_t *c);
uint64_t cons_committed_height(const cons_t *c);
uint64_t cons_last_voted_round(const cons_t *c);
uint64_t cons_locked_round(const cons_t *c);
const cons_qc_t *cons_high_qc(const cons_t *c);

#endif /* AETHER_CHAIN_CONSENSUS_H */
