/*
 * chain/types: the Aether data model and its one canonical binary codec
 * (DESIGN.md §7): u128 amounts, addresses, transactions, block headers,
 * blocks, receipts, Merkle roots over them, and state proofs with their
 * standalone verifier (the verifier needs no database, so `aether
 * verify-proof` and light clients link only this module).
 *
 * Codec rules (every encoder/decoder here follows them):
 *   - integers little-endian, fixed width (u8, u32, u64; u128 = 16 bytes LE);
 *   - variable-length lists carry a u32 count, bounded by the CHAIN_MAX_*
 *     limits below; sets (UTxO inputs) are sorted strictly ascending, so a
 *     duplicate is a decode error;
 *   - decoding is strict: truncation, trailing bytes, unknown kinds, a
 *     list over its bound, an unsorted set or a zero amount are errors whose
 *     message names the field and the byte offset.
 *   Hashes are SHA-256 of those encodings. Address = SHA-256(Ed25519 pk)[0..20].
 *
 * Transaction encoding (the "unsigned" encoding is all but the last field):
 *   u8   kind            CHAIN_TX_TRANSFER | CHAIN_TX_UTXO | CHAIN_TX_DEPLOY |
 *                        CHAIN_TX_CALL (room for more)
 *   u64  chain_id
 *   [32] sender_pk       Ed25519 public key; sender = address(sender_pk)
 *   u64  nonce           must equal the sender account's nonce
 *   u128 fee
 *   body, by kind:
 *     TRANSFER: [20] to, u128 amount (> 0)
 *     UTXO:     u128 from_balance       (debited from the sender's account)
 *               u32 n_in, n_in x ([32] tx_hash, u32 index)   0..64, sorted, unique
 *               u32 n_out, n_out x ([20] owner, u128 amount > 0)   0..64
 *     DEPLOY:   u128 value, u64 gas_limit (1..CHAIN_MAX_TX_GAS), u128 gas_price,
 *               u32 code_len (8..CHAIN_MAX_CODE_BYTES), code (a WASM module),
 *               u32 input_len (0..CHAIN_MAX_INPUT_BYTES), input (init input)
 *     CALL:     [20] contract, u128 value, u64 gas_limit (1..CHAIN_MAX_TX_GAS),
 *               u128 gas_price, u32 input_len (0..CHAIN_MAX_INPUT_BYTES), input
 *   [64] sig             Ed25519 over the 32-byte tx hash
 *   tx hash = SHA-256(unsigned encoding). The tx hash is also the tx id.
 *
 * Contract transactions pay `fee` (the inclusion fee, as every tx) plus
 * gas_used x gas_price, at most gas_limit x gas_price, whatever the outcome;
 * `value` moves from the sender to the contract. The address of a deployed
 * contract is chain_contract_address(sender, nonce of the deploy tx):
 *   SHA-256("aether-contract:v1" ‖ sender20 ‖ nonce_u64le)[0..20].
 *
 * UTxO spend rule: Σ inputs + from_balance >= Σ outputs + fee; every input
 * must exist and be owned by the sender; the surplus (Σin + from_balance −
 * Σout − fee) is credited back to the sender's account. Output i becomes
 * the UTxO (tx hash, i).
 *
 * Block header encoding (block hash = SHA-256 of it):
 *   u32 version (CHAIN_BLOCK_VERSION), u64 chain_id, u64 height,
 *   u64 timestamp_ms, [32] parent_hash, [32] state_root, [32] txs_root,
 *   [32] receipts_root, [32] proposer_pk, u32 n_txs, u64 gas_used,
 *   u128 base_fee   (fee market, issue 15: docs/staking.md)
 * Block encoding: header, [64] proposer signature over the block hash,
 *   u32 n_txs (equal to header.n_txs), n x (u32 len, tx bytes). The genesis
 *   block (height 0) is derived from the genesis description by every node:
 *   no transactions and an all-zero signature.
 * Receipt encoding (receipt hash = SHA-256 of it):
 *   [32] tx_hash, u8 status (chain_status_t), u128 fee_paid,
 *   u64 gas_used (0 for native txs), [20] contract (the deployed / called
 *   contract; zero for native txs),
 *   u32 ret_len (<= CHAIN_MAX_RETURN_BYTES), return data,
 *   u32 n_logs (<= CHAIN_MAX_RECEIPT_LOGS), n_logs x ([20] address (the
 *     contract that emitted it), u8 has_topic (0|1), [32] topic if has_topic,
 *     u32 len (<= CHAIN_MAX_LOG_BYTES), data),
 *   u32 reason_len (<= CHAIN_MAX_REASON_BYTES), reason (why it failed; empty
 *     when ok)
 * txs_root / receipts_root: the RFC 6962 Merkle tree hash over the tx
 *   hashes / receipt hashes in block order (leaf = SHA-256(0x00 ‖ h),
 *   node = SHA-256(0x01 ‖ L ‖ R)); empty list = SHA-256("").
 *
 * The state (chain/state) commits accounts and UTxOs in one sparse Merkle
 * tree over 256-bit keys, described next to chain_proof_t below.
 */
#ifndef AETHER_CHAIN_TYPES_H
#define AETHER_CHAIN_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "crypto/crypto.h"

#define CHAIN_HASH_BYTES 32
#define CHAIN_ADDR_BYTES 20
#define CHAIN_PK_BYTES 32
#define CHAIN_SIG_BYTES 64
#define CHAIN_U128_STR_MAX 40          /* 39 digits + NUL */

#define CHAIN_MAX_TX_INPUTS 64
#define CHAIN_MAX_TX_OUTPUTS 64
#define CHAIN_MAX_TX_BYTES 65536       /* encoded signed tx (a deploy carries code) */
#define CHAIN_MAX_CODE_BYTES 61440     /* contract code in a deploy tx (60 KiB) */
#define CHAIN_MAX_INPUT_BYTES 4096     /* contract input in a deploy / call tx */
#define CHAIN_MAX_TX_GAS 1000000000ull /* gas_limit of one contract tx */
#define CHAIN_MAX_BLOCK_TXS 20000
#define CHAIN_MAX_BLOCK_BYTES (16u * 1024 * 1024)
#define CHAIN_BLOCK_VERSION 1
#define CHAIN_HEADER_BYTES (4 + 8 + 8 + 8 + 32 * 4 + 32 + 4 + 8 + 16)   /* 216 */
#define CHAIN_RECEIPT_MIN_BYTES (32 + 1 + 16 + 8 + 20 + 4 + 4 + 4)   /* 89: no data */
#define CHAIN_MAX_RETURN_BYTES 4096    /* contract return data in a receipt */
#define CHAIN_MAX_RECEIPT_LOGS 1024
#define CHAIN_MAX_LOG_BYTES 4096
#define CHAIN_MAX_REASON_BYTES 512

/* Error codes CHAIN_E* are defined in base/base.h (AETHER_ERRORS), the one
 * error space of the project; this module's range starts at -700. */

/* ---- u128 amounts --------------------------------------------------------- */

typedef struct chain_u128 {
    uint64_t lo, hi;
} chain_u128_t;

static inline chain_u128_t chain_u128_from_u64(uint64_t v)
{
    chain_u128_t r = {v, 0};
    return r;
}
bool chain_u128_is_zero(chain_u128_t a);
int chain_u128_cmp(chain_u128_t a, chain_u128_t b);   /* -1, 0, 1 */
/* Checked arithmetic: return false (and leave *r unspecified) on overflow /
 * underflow. */
bool chain_u128_add(chain_u128_t a, chain_u128_t b, chain_u128_t *r) BASE_MUST_CHECK;
bool chain_u128_sub(chain_u128_t a, chain_u128_t b, chain_u128_t *r) BASE_MUST_CHECK;
bool chain_u128_mul_u64(chain_u128_t a, uint64_t b, chain_u128_t *r) BASE_MUST_CHECK;
/* Saturating forms (clamp at 2^128 - 1) for limits and floors, and division
 * by a u64 (d != 0) with the remainder in *rem when rem is not NULL. */
chain_u128_t chain_u128_add_sat(chain_u128_t a, chain_u128_t b);
chain_u128_t chain_u128_mul_u64_sat(chain_u128_t a, uint64_t b);
chain_u128_t chain_u128_div_u64(chain_u128_t a, uint64_t d, uint64_t *rem);
/* Decimal: digits only, no sign, no leading zeros except "0" itself, value
 * < 2^128. Errors name what was wrong. */
int chain_u128_parse(const char *s, size_t n, chain_u128_t *out, err_t *e) BASE_MUST_CHECK;
/* Writes the decimal form (NUL-terminated) and returns its length. */
size_t chain_u128_format(chain_u128_t a, char out[CHAIN_U128_STR_MAX]);
void chain_u128_put(uint8_t out[16], chain_u128_t a);   /* 16 bytes LE */
chain_u128_t chain_u128_get(const uint8_t in[16]);

/* ---- hashes and addresses --------------------------------------------------- */

typedef struct chain_hash {
    uint8_t b[CHAIN_HASH_BYTES];
} chain_hash_t;

typedef struct chain_addr {
    uint8_t b[CHAIN_ADDR_BYTES];
} chain_addr_t;

void chain_addr_from_pk(const uint8_t pk[CHAIN_PK_BYTES], chain_addr_t *out);
/* Text forms are lower-case hex; parsers accept an optional "0x" prefix
 * and either case, and need exactly 40 / 64 digits. */
void chain_addr_to_hex(const chain_addr_t *a, char out[2 * CHAIN_ADDR_BYTES + 1]);
int chain_addr_from_hex(const char *s, chain_addr_t *out, err_t *e) BASE_MUST_CHECK;
void chain_hash_to_hex(const chain_hash_t *h, char out[2 * CHAIN_HASH_BYTES + 1]);
int chain_hash_from_hex(const char *s, chain_hash_t *out, err_t *e) BASE_MUST_CHECK;
bool chain_hash_equal(const chain_hash_t *a, const chain_hash_t *b);

/* ---- transactions ---------------------------------------------------------- */

typedef enum chain_tx_kind {
    CHAIN_TX_TRANSFER = 1,
    CHAIN_TX_UTXO = 2,
    /* reserved for later issues: 3 stake, 4 unstake, 5 delegate */
    CHAIN_TX_DEPLOY = 6,
    CHAIN_TX_CALL = 7,
    /* reserved: 8 job post, 9 job claim, 10 job challenge */
    /* job escrow (issue 16, docs/escrow.md): body = u32 len, job body */
    CHAIN_TX_JOB_POST = 0x20,
    CHAIN_TX_JOB_ACCEPT = 0x21,
    CHAIN_TX_JOB_CLAIM = 0x22,
    CHAIN_TX_JOB_FINALIZE = 0x23,
    CHAIN_TX_JOB_CHALLENGE = 0x24,
    CHAIN_TX_JOB_CANCEL = 0x25,
    CHAIN_TX_JOB_EXPIRE = 0x26,
    /* staking (issue 15, docs/staking.md): body = u32 len, stake body;
     * 0x10..0x1f are staking's */
    CHAIN_TX_STAKE_REGISTER = 0x10,
    CHAIN_TX_STAKE_ADD = 0x11,
    CHAIN_TX_STAKE_DELEGATE = 0x12,
    CHAIN_TX_STAKE_UNDELEGATE = 0x13,
    CHAIN_TX_STAKE_REDELEGATE = 0x14,
    CHAIN_TX_STAKE_WITHDRAW = 0x15,
    CHAIN_TX_STAKE_COMMISSION = 0x16,
    CHAIN_TX_STAKE_UNJAIL = 0x17,
    CHAIN_TX_STAKE_EVIDENCE = 0x18,
    CHAIN_TX_STAKE_CLAIM = 0x19,
} chain_tx_kind_t;

typedef struct chain_utxo_id {
    chain_hash_t tx_hash;   /* the tx that created it (all zero for genesis) */
    uint32_t index;         /* output index in that tx */
} chain_utxo_id_t;

typedef struct chain_utxo {
    chain_addr_t owner;
    chain_u128_t amount;
} chain_utxo_t;

/* Orders UTxO ids by tx_hash bytes, then index as a number; the codec
 * requires a tx's inputs strictly ascending in this order. */
int chain_utxo_id_cmp(const chain_utxo_id_t *a, const chain_utxo_id_t *b);

/* A transaction. Always heap-allocated in ONE block (the input/output arrays
 * live inside it), so free() or chain_tx_free() releases everything and
 * chain_tx_dup() copies it. hash/size are cached by chain_tx_decode,
 * chain_tx_sign and chain_tx_finalize; after changing a field call
 * chain_tx_finalize (or chain_tx_sign) again. */
typedef struct chain_tx {
    uint8_t kind;                 /* chain_tx_kind_t */
    uint64_t chain_id;
    uint8_t sender_pk[CHAIN_PK_BYTES];
    uint64_t nonce;
    chain_u128_t fee;
    /* CHAIN_TX_TRANSFER */
    chain_addr_t to;
    chain_u128_t amount;
    /* CHAIN_TX_UTXO */
    chain_u128_t from_balance;
    uint32_t n_inputs, n_outputs;
    chain_utxo_id_t *inputs;      /* point into this allocation */
    chain_utxo_t *outputs;
    /* CHAIN_TX_DEPLOY, CHAIN_TX_CALL (CALL's contract address is `to`) */
    chain_u128_t value;           /* moved from the sender to the contract */
    uint64_t gas_limit;
    chain_u128_t gas_price;
    uint32_t code_len, input_len;
    uint8_t *code, *input;        /* point into this allocation (NULL when empty) */
    /* CHAIN_TX_JOB_* / CHAIN_TX_STAKE_*: the body bytes (chain_job_body_t,
     * chain_stake_body_t) */
    uint32_t job_len;
    uint8_t *job;                 /* points into this allocation (NULL when none) */
    uint8_t sig[CHAIN_SIG_BYTES];
    /* cached, derived */
    chain_addr_t sender;          /* address(sender_pk) */
    chain_hash_t hash;            /* SHA-256 of the unsigned encoding */
    uint32_t size;                /* bytes of the signed encoding */
    bool sig_ok;                  /* set only by a successful chain_tx_verify */
} chain_tx_t;

chain_tx_t *chain_tx_new_transfer(uint64_t chain_id, const uint8_t sender_pk[CHAIN_PK_BYTES],
                                  uint64_t nonce, chain_u128_t fee, const chain_addr_t *to,
                                  chain_u128_t amount);
/* Inputs and outputs are copied; inputs are sorted here. NULL (with e set)
 * when a count exceeds its bound or inputs repeat. */
chain_tx_t *chain_tx_new_utxo(uint64_t chain_id, const uint8_t sender_pk[CHAIN_PK_BYTES],
                              uint64_t nonce, chain_u128_t fee, chain_u128_t from_balance,
                              const chain_utxo_id_t *inputs, uint32_t n_inputs,
                              const chain_utxo_t *outputs, uint32_t n_outputs, err_t *e);
/* Contract deploy / call; code and input are copied. NULL (with e set) when
 * a length exceeds its bound. */
chain_tx_t *chain_tx_new_deploy(uint64_t chain_id, const uint8_t sender_pk[CHAIN_PK_BYTES],
                                uint64_t nonce, chain_u128_t fee, chain_u128_t value,
                                uint64_t gas_limit, chain_u128_t gas_price, const uint8_t *code,
                                uint32_t code_len, const uint8_t *input, uint32_t input_len,
                                err_t *e);
chain_tx_t *chain_tx_new_call(uint64_t chain_id, const uint8_t sender_pk[CHAIN_PK_BYTES],
                              uint64_t nonce, chain_u128_t fee, const chain_addr_t *contract,
                              chain_u128_t value, uint64_t gas_limit, chain_u128_t gas_price,
                              const uint8_t *input, uint32_t input_len, err_t *e);
/* The address a deploy by `deployer` with tx nonce `nonce` creates (see the
 * top comment). */
void chain_contract_address(const chain_addr_t *deployer, uint64_t nonce, chain_addr_t *out);
/* fee + gas_limit x gas_price + value for a contract tx (saturating): the
 * most it can take from the sender. */
chain_u128_t chain_tx_contract_max_cost(const chain_tx_t *tx);
void chain_tx_free(chain_tx_t *tx);           /* accepts NULL */
chain_tx_t *chain_tx_dup(const chain_tx_t *tx);
/* Recomputes sender, hash and size from the fields; clears sig_ok. */
void chain_tx_finalize(chain_tx_t *tx);
/* Finalizes, then signs the hash with sk (libsodium form seed||pk); sk's pk
 * must be tx->sender_pk (CHAIN_EINVAL otherwise). */
int chain_tx_sign(chain_tx_t *tx, const uint8_t sk[CRYPTO_ED25519_SK_BYTES], err_t *e)
    BASE_MUST_CHECK;
/* Checks the Ed25519 signature over tx->hash; sets tx->sig_ok on success.
 * CHAIN_EBADSIG otherwise. The rule is crypto/ecvrf's (ecvrf.h): libsodium's
 * checks with the cofactored equation, the same rule chain_tx_verify_batch
 * applies, so batching never changes which transactions are valid. */
int chain_tx_verify(chain_tx_t *tx, err_t *e) BASE_MUST_CHECK;
/* Verifies n signatures on up to n_threads threads (1 = this thread only;
 * 0 = number of CPUs), in batches of 64 (ecvrf_ed25519_verify_batch: one
 * random-combination equation per batch, one by one when it fails). Sets
 * each tx's sig_ok; returns how many failed. */
size_t chain_tx_verify_batch(chain_tx_t *const *txs, size_t n, unsigned n_threads);

/* Appends the signed encoding (with_sig) or the unsigned encoding. */
int chain_tx_encode(const chain_tx_t *tx, bool with_sig, buf_t *out) BASE_MUST_CHECK;
size_t chain_tx_encoded_size(const chain_tx_t *tx);   /* signed */
/* Strict decode of exactly n bytes of a signed tx; returns a new tx (hash,
 * size and sender set, sig_ok false) or NULL with e naming the problem. */
chain_tx_t *chain_tx_decode(const uint8_t *in, size_t n, err_t *e);
/* Stateless validity beyond the codec (kind known, amounts > 0, sums do not
 * overflow u128, sender_pk is a curve point). CHAIN_ETXINVALID with reason. */
int chain_tx_check_static(const chain_tx_t *tx, err_t *e) BASE_MUST_CHECK;

/* JSON view for RPC / CLI (hex bytes, decimal-string u128):
 *   {"hash","kind":"transfer"|"utxo"|"deploy"|"call","chain_id","sender",
 *    "sender_pk","nonce","fee", "to","amount" | "from_balance",
 *    "inputs":[{"tx","index"}], "outputs":[{"owner","amount"}] |
 *    deploy: "value","gas_limit","gas_price","code_hash","code_len","input",
 *    "contract" (the address it creates) | call: "contract","value",
 *    "gas_limit","gas_price","input";  "sig","size"}
 * The raw transaction travels as hex of the signed encoding. */
json_t *chain_tx_to_json(const chain_tx_t *tx);

/* ---- job escrow transactions (issue 16; docs/escrow.md) --------------------- *
 *
 * A job tx is the common tx head, then u32 body_len and the body, then the
 * signature. Every body starts with [32] job_id (the JobId of the Phase
 * SignedManifest<JobSpec::Wasm> = SHA-256 of its signing message), then:
 *   POST:      [32] module_hash (SHA-256 of the module bytes),
 *              [32] input_commitment (SHA-256 of the input bytes),
 *              u64 fuel (1..CHAIN_JOB_MAX_FUEL), u64 memory_max (bytes, > 0),
 *              u64 deadline (block height), u128 payment (> 0),
 *              u128 provider_bond, u32 window (challenge window, blocks,
 *              1..CHAIN_JOB_MAX_WINDOW), u32 n_allow (0..CHAIN_JOB_MAX_ALLOW),
 *              n_allow x [20] provider address (strictly ascending; empty =
 *              any provider), u32 module_len (0..CHAIN_JOB_MAX_MODULE),
 *              module bytes, u32 input_len (0..CHAIN_JOB_MAX_INPUT), input
 *              bytes. With a module, SHA-256(module) must be module_hash
 *              and SHA-256(input) input_commitment: the bytes are kept on
 *              chain so that a challenge can re-run the job; without one
 *              the job cannot be challenged.
 *   ACCEPT:    [32] phase_pk (the provider's Phase identity), [64] link_sig:
 *              the Phase identity's Ed25519 signature over
 *              chain_job_link_message(chain id, sender's address). The tx,
 *              signed by the account, names the Phase key and link_sig,
 *              signed by the Phase key, names the account: the link is
 *              signed both ways (docs/escrow.md)
 *   CLAIM:     u32 receipt_len (1..CHAIN_JOB_MAX_RECEIPT), the
 *              SignedReceipt<JobResult> JSON bytes as plasmd wrote them
 *   CHALLENGE: u128 challenger_bond (> 0)
 *   FINALIZE, CANCEL, EXPIRE: nothing more
 * Parsing is strict (no trailing bytes, bounds named with their offset). */
#define CHAIN_JOB_MAX_ALLOW 16
#define CHAIN_JOB_MAX_RECEIPT 4096
#define CHAIN_JOB_MAX_WINDOW 100000
#define CHAIN_JOB_MAX_MODULE 49152
/* fuel of one job = the gas bound of its re-execution inside a block (about
 * 1.5 s of wasm on the bench machine, docs/performance.md) */
#define CHAIN_JOB_MAX_FUEL 10000000000ull
#define CHAIN_JOB_MAX_INPUT 8192
#define CHAIN_JOB_MAX_BODY (32 * 3 + 56 + 8 + 20 * CHAIN_JOB_MAX_ALLOW + 8 + \
                            CHAIN_JOB_MAX_MODULE + CHAIN_JOB_MAX_INPUT)

typedef struct chain_job_body {
    uint8_t kind;                      /* CHAIN_TX_JOB_* */
    chain_hash_t job_id;
    /* POST */
    chain_hash_t module_hash, input_commitment;
    uint64_t fuel, memory_max, deadline;
    chain_u128_t payment, provider_bond;
    uint32_t window;
    uint32_t n_allow;
    chain_addr_t allow[CHAIN_JOB_MAX_ALLOW];
    const uint8_t *module, *input;     /* borrowed; NULL when empty */
    uint32_t module_len, input_len;
    /* ACCEPT */
    uint8_t phase_pk[CHAIN_PK_BYTES];
    uint8_t link_sig[CHAIN_SIG_BYTES];
    /* CLAIM: borrowed from the parsed bytes */
    const uint8_t *receipt;
    uint32_t receipt_len;
    /* CHALLENGE */
    chain_u128_t challenger_bond;
} chain_job_body_t;

bool chain_tx_is_job(uint8_t kind);
/* "transfer", "utxo", "job_post", "job_accept", ... ("unknown" otherwise) */
const char *chain_tx_kind_name(uint8_t kind);
/* Strict parse of a job body of tx kind `kind` (also checks the static
 * rules above). CHAIN_EINVAL naming the field and offset. */
int chain_job_body_parse(uint8_t kind, const uint8_t *p, size_t n, chain_job_body_t *out,
                         err_t *e) BASE_MUST_CHECK;
/* Appends the body encoding of b (b->kind chooses the fields). */
int chain_job_body_encode(const chain_job_body_t *b, buf_t *out) BASE_MUST_CHECK;
/* A job tx carrying b (encoded, bounds checked); NULL with e set. */
chain_tx_t *chain_tx_new_job(uint64_t chain_id, const uint8_t sender_pk[CHAIN_PK_BYTES],
                             uint64_t nonce, chain_u128_t fee, const chain_job_body_t *b,
                             err_t *e);
/* The Phase identity <-> account link of an accept: the message a Phase key
 * signs to say "account `account` on chain `chain_id` speaks for me":
 * CHAIN_JOB_LINK_DOMAIN || u64 LE chain_id || [20] account address. */
#define CHAIN_JOB_LINK_DOMAIN "aether-phase-link:v1:"
#define CHAIN_JOB_LINK_MSG_BYTES (sizeof CHAIN_JOB_LINK_DOMAIN - 1 + 8 + CHAIN_ADDR_BYTES)
void chain_job_link_message(uint64_t chain_id, const chain_addr_t *account,
                            uint8_t out[CHAIN_JOB_LINK_MSG_BYTES]);
/* phase_sk: the Phase identity's libsodium secret key (seed || pk). */
void chain_job_link_sign(uint64_t chain_id, const chain_addr_t *account,
                         const uint8_t phase_sk[64], uint8_t sig[CHAIN_SIG_BYTES]);
/* CHAIN_ETXINVALID naming the keys when sig is not phase_pk's signature of
 * the link to account. */
int chain_job_link_verify(uint64_t chain_id, const chain_addr_t *account,
                          const uint8_t phase_pk[CHAIN_PK_BYTES],
                          const uint8_t sig[CHAIN_SIG_BYTES], err_t *e) BASE_MUST_CHECK;
/* JSON of a job body: {"job_id", ...kind's fields} (receipt as a string). */
json_t *chain_job_body_to_json(const chain_job_body_t *b);

/* ---- staking transactions (issue 15; docs/staking.md) ----------------------- *
 *
 * A staking tx is the common tx head, then u32 body_len and the body, then
 * the signature (as a job tx). The validator's account key is the sender's
 * Ed25519 key; its address is the validator's id. Bodies:
 *   REGISTER:   [48] bls_pk (BLS12-381 G1 compressed), [96] bls_pop (its
 *               proof of possession), [32] vrf_pk (ECVRF edwards25519),
 *               u16 commission_bps (0..10000), u128 min_self_stake,
 *               u128 amount (the first self-stake, > 0)
 *   ADD:        u128 amount (> 0): more self-stake
 *   DELEGATE:   [20] validator, u128 amount (> 0)
 *   UNDELEGATE: [20] validator, u128 amount (> 0): starts unbonding
 *   REDELEGATE: [20] validator (from), [20] to (!= from), u128 amount (> 0)
 *   WITHDRAW:   [20] validator: the sender's matured unbondings there
 *   COMMISSION: u16 commission_bps (0..10000)
 *   UNJAIL:     (empty)
 *   EVIDENCE:   u64 epoch (whose validator set signed), u32 len
 *               (1..CHAIN_STAKE_MAX_EVIDENCE), the consensus EVIDENCE message
 *               (chain/consensus: kind 6, double votes or double proposals)
 *   CLAIM:      [20] validator: the sender's unclaimed rewards there
 * Parsing is strict (no trailing bytes; fields named with their offset). */
#define CHAIN_BLS_PK_BYTES 48
#define CHAIN_BLS_SIG_BYTES 96
#define CHAIN_VRF_PK_BYTES 32
#define CHAIN_STAKE_MAX_EVIDENCE 4096
#define CHAIN_STAKE_MAX_BODY (12 + CHAIN_STAKE_MAX_EVIDENCE)

typedef struct chain_stake_body {
    uint8_t kind;                          /* CHAIN_TX_STAKE_* */
    chain_addr_t validator;                /* DELEGATE .. WITHDRAW, CLAIM */
    chain_addr_t to;                       /* REDELEGATE */
    chain_u128_t amount;                   /* REGISTER, ADD .. REDELEGATE */
    uint8_t bls_pk[CHAIN_BLS_PK_BYTES];    /* REGISTER */
    uint8_t bls_pop[CHAIN_BLS_SIG_BYTES];
    uint8_t vrf_pk[CHAIN_VRF_PK_BYTES];
    uint16_t commission_bps;               /* REGISTER, COMMISSION */
    chain_u128_t min_self_stake;           /* REGISTER */
    uint64_t epoch;                        /* EVIDENCE */
    const uint8_t *evidence;               /* EVIDENCE: borrowed from the parsed bytes */
    uint32_t evidence_len;
} chain_stake_body_t;

bool chain_tx_is_stake(uint8_t kind);
/* Job and staking kinds: the tx carries a length-prefixed body. */
bool chain_tx_has_body(uint8_t kind);
int chain_stake_body_parse(uint8_t kind, const uint8_t *p, size_t n, chain_stake_body_t *out,
                           err_t *e) BASE_MUST_CHECK;
int chain_stake_body_encode(const chain_stake_body_t *b, buf_t *out) BASE_MUST_CHECK;
/* A staking tx carrying b (encoded, then parsed back); NULL with e set. */
chain_tx_t *chain_tx_new_stake(uint64_t chain_id, const uint8_t sender_pk[CHAIN_PK_BYTES],
                               uint64_t nonce, chain_u128_t fee, const chain_stake_body_t *b,
                               err_t *e);
/* JSON of a staking body (the kind's fields; evidence as hex). */
json_t *chain_stake_body_to_json(const chain_stake_body_t *b);

/* ---- receipts ---------------------------------------------------------------- */

typedef enum chain_status {
    CHAIN_STATUS_OK = 0,
    /* failed: fee charged, nonce bumped, nothing else changed */
    CHAIN_STATUS_INSUFFICIENT_BALANCE = 1,  /* balance < fee + amount / from_balance */
    CHAIN_STATUS_UTXO_MISSING = 2,          /* an input does not exist (or spent earlier) */
    CHAIN_STATUS_UTXO_NOT_OWNED = 3,        /* an input belongs to someone else */
    CHAIN_STATUS_UTXO_UNDERFUNDED = 4,      /* Σin + from_balance < Σout + fee */
    CHAIN_STATUS_OVERFLOW = 5,              /* a credit would exceed 2^128 - 1 */
    CHAIN_STATUS_JOB_REFUSED = 6,           /* the job escrow step is not allowed now */
    CHAIN_STATUS_STAKE_REFUSED = 7,         /* the staking step is not allowed now */
    /* contract txs: fee + gas used charged, the call's effects undone */
    CHAIN_STATUS_REVERT = 8,                /* revert() or a non-zero return */
    CHAIN_STATUS_OUT_OF_GAS = 9,
    CHAIN_STATUS_TRAP = 10,                 /* wasm trap, bad pointer, limits */
    CHAIN_STATUS_NO_CONTRACT = 11,          /* call of an address without code */
    CHAIN_STATUS_BAD_CODE = 12,             /* deploy of code the runtime refuses */
    CHAIN_STATUS_MAX_ = 12,
} chain_status_t;

const char *chain_status_name(uint8_t status);   /* "ok", "insufficient_balance", ... */

/* A contract log: emitted by `address`, with an optional 32-byte topic. */
typedef struct chain_log {
    chain_addr_t address;
    bool has_topic;
    chain_hash_t topic;
    uint8_t *data;               /* malloc'd (NULL when len 0) */
    uint32_t len;
} chain_log_t;

/* A receipt owns ret, logs (and each log's data) and reason: release them
 * with chain_receipt_clear (arrays: chain_receipts_free). A zeroed receipt
 * owns nothing; native txs leave them empty. */
typedef struct chain_receipt {
    chain_hash_t tx_hash;
    uint8_t status;              /* chain_status_t */
    chain_u128_t fee_paid;       /* everything the sender paid: fee + gas */
    uint64_t gas_used;
    chain_addr_t contract;
    uint8_t *ret;                /* return data */
    uint32_t ret_len;
    chain_log_t *logs;
    uint32_t n_logs;
    char *reason;                /* NUL-terminated, NULL when none */
} chain_receipt_t;

void chain_receipt_clear(chain_receipt_t *r);                 /* frees; zeroes *r */
void chain_receipts_free(chain_receipt_t *rs, size_t n);      /* clears n, frees rs */
/* Sets r->reason to a copy of the first CHAIN_MAX_REASON_BYTES bytes of s. */
int chain_receipt_set_reason(chain_receipt_t *r, const char *s) BASE_MUST_CHECK;

int chain_receipt_encode(const chain_receipt_t *r, buf_t *out) BASE_MUST_CHECK;
/* Strict; *out owns what it decoded (chain_receipt_clear), nothing on failure. */
int chain_receipt_decode(const uint8_t *in, size_t n, chain_receipt_t *out, err_t *e)
    BASE_MUST_CHECK;
void chain_receipt_hash(const chain_receipt_t *r, chain_hash_t *out);
/* {"tx_hash","status":"ok"|..., "success":bool, "fee_paid", "gas_used",
 *  and for contract txs "contract", "return_data" (hex), "logs":
 *  [{"address","topic"|null,"data"}], "revert_reason" (string or null)} */
json_t *chain_receipt_to_json(const chain_receipt_t *r);
json_t *chain_log_to_json(const chain_log_t *l);

/* ---- block headers and blocks -------------------------------------------------- */

typedef struct chain_header {
    uint32_t version;
    uint64_t chain_id;
    uint64_t height;             /* genesis = 0 */
    uint64_t timestamp_ms;       /* unix ms; >= parent's */
    chain_hash_t parent_hash;    /* zero for genesis */
    chain_hash_t state_root;     /* SMT root after executing this block */
    chain_hash_t txs_root;
    chain_hash_t receipts_root;
    uint8_t proposer_pk[CHAIN_PK_BYTES];   /* fees go to address(proposer_pk) */
    uint32_t n_txs;
    /* fee market (docs/staking.md): the block's gas (Σ tx size + contract
     * gas used) and its base fee per gas, from the parent's (EIP-1559) */
    uint64_t gas_used;
    chain_u128_t base_fee;
} chain_header_t;

int chain_header_encode(const chain_header_t *h, buf_t *out) BASE_MUST_CHECK;
int chain_header_decode(const uint8_t *in, size_t n, chain_header_t *out, err_t *e)
    BASE_MUST_CHECK;
void chain_header_hash(const chain_header_t *h, chain_hash_t *out);
/* {"hash","version","chain_id","height","timestamp_ms","parent_hash",
 *  "state_root","txs_root","receipts_root","proposer_pk","proposer","n_txs",
 *  "gas_used","base_fee"} */
json_t *chain_header_to_json(const chain_header_t *h);

/* A block owns its transactions (chain_block_free frees them). */
typedef struct chain_block {
    chain_header_t header;
    uint8_t sig[CHAIN_SIG_BYTES];    /* proposer's Ed25519 over the block hash */
    chain_tx_t **txs;
    uint32_t n_txs;
    chain_hash_t hash;               /* cached by decode / chain_block_seal */
} chain_block_t;

chain_block_t *chain_block_new(void);
void chain_block_free(chain_block_t *b);    /* frees txs too; accepts NULL */
/* Takes ownership of tx (also on failure). */
int chain_block_add_tx(chain_block_t *b, chain_tx_t *tx, err_t *e) BASE_MUST_CHECK;
/* Sets header.n_txs and txs_root from the txs (receipts_root and state_root
 * are the executor's), computes hash, signs it with sk (seed||pk) and sets
 * header.proposer_pk from sk. */
void chain_block_seal(chain_block_t *b, const uint8_t sk[CRYPTO_ED25519_SK_BYTES]);
/* Checks the proposer signature over the block hash and that txs_root and
 * n_txs match the body. Does not verify tx signatures (see exec). */
int chain_block_check(const chain_block_t *b, err_t *e) BASE_MUST_CHECK;
int chain_block_encode(const chain_block_t *b, buf_t *out) BASE_MUST_CHECK;
chain_block_t *chain_block_decode(const uint8_t *in, size_t n, err_t *e);
/* Header JSON plus "sig" and "transactions": full tx objects (full=true) or
 * tx hashes. */
json_t *chain_block_to_json(const chain_block_t *b, bool full);

/* RFC 6962 Merkle tree hash over n 32-byte hashes (see top comment). */
void chain_merkle_root(const chain_hash_t *leaves, size_t n, chain_hash_t *out);
/* txs_root of a tx list. */
void chain_txs_root(chain_tx_t *const *txs, size_t n, chain_hash_t *out);

/* ---- accounts, state keys and proofs ---------------------------------------------- */

typedef struct chain_account {
    chain_u128_t balance;
    uint64_t nonce;
} chain_account_t;

#define CHAIN_ACCOUNT_BYTES 24    /* u128 balance, u64 nonce */
#define CHAIN_UTXO_BYTES 36       /* [20] owner, u128 amount */

void chain_account_encode(const chain_account_t *a, uint8_t out[CHAIN_ACCOUNT_BYTES]);
int chain_account_decode(const uint8_t *in, size_t n, chain_account_t *out, err_t *e)
    BASE_MUST_CHECK;
void chain_utxo_encode(const chain_utxo_t *u, uint8_t out[CHAIN_UTXO_BYTES]);
int chain_utxo_decode(const uint8_t *in, size_t n, chain_utxo_t *out, err_t *e) BASE_MUST_CHECK;

/*
 * Sparse Merkle tree (chain/state builds it; this module verifies it).
 *   key(account) = SHA-256(0x01 ‖ address20)
 *   key(utxo)    = SHA-256(0x02 ‖ tx_hash32 ‖ index_u32le)
 *   value hash   = SHA-256(value encoding: CHAIN_ACCOUNT_BYTES / CHAIN_UTXO_BYTES)
 *   leaf hash    = SHA-256(0x00 ‖ key32 ‖ value_hash32)
 *   node hash    = SHA-256(0x01 ‖ left32 ‖ right32)
 *   empty subtree = 32 zero bytes (at any depth).
 * Key bit i (i = 0 is the MSB of byte 0) chooses the child at depth i
 * (0 = left). A subtree holding exactly one leaf is represented by that
 * leaf's hash at the subtree's top (so paths are ~log2(n) long, not 256);
 * an internal node always has two or more leaves below it.
 * The root of the empty tree is 32 zero bytes.
 *
 * A proof for key K against root R: siblings s[0..d) from the root down
 * (s[i] is the sibling at depth i+1 on K's path) and the terminal node found
 * at depth d on K's path:
 *   - the leaf of K itself (inclusion: the value is given),
 *   - another leaf (key K' != K sharing K's first d bits; K is absent), or
 *   - an empty subtree (K is absent).
 * Verify: h = terminal hash; for i = d-1 .. 0: h = bit(K,i) ? node(s[i], h)
 * : node(h, s[i]); accept iff h == R.
 *
 * Proof JSON (what aeth_getProof returns as its result and `aether
 * verify-proof` reads; hex lower case, u128 as decimal strings):
 *   {
 *     "root": "<64 hex>",              state root the proof is against
 *     "kind": "account" | "utxo",
 *     "address": "<40 hex>",           kind account
 *     "utxo": {"tx": "<64 hex>", "index": N},   kind utxo
 *     "key": "<64 hex>",               SMT key (checked against address/utxo)
 *     "exists": true | false,
 *     "value": {"balance": "D", "nonce": N}      account, when exists
 *              {"owner": "<40 hex>", "amount": "D"}  utxo, when exists
 *              null                              when absent
 *     "siblings": ["<64 hex>", ...],   root-first, at most 256
 *     "other_leaf": {"key": "<64 hex>", "value_hash": "<64 hex>"} | null
 *                                     the terminal leaf when absent via
 *                                     another leaf; null otherwise
 *   }
 * Binary form (for storage and fuzzing): u8 kind (1 account, 2 utxo),
 * kind-specific id ([20] address | [32] tx, u32 index), [32] root, u8 exists,
 * value bytes if exists, u8 has_other, [32] key, [32] value_hash if
 * has_other, u16 n_siblings (<= 256), n x [32].
 */
#define CHAIN_SMT_MAX_DEPTH 256

typedef enum chain_proof_kind {
    CHAIN_PROOF_ACCOUNT = 1,
    CHAIN_PROOF_UTXO = 2,
} chain_proof_kind_t;

typedef struct chain_proof {
    uint8_t kind;                 /* chain_proof_kind_t */
    chain_addr_t address;         /* kind account */
    chain_utxo_id_t utxo_id;      /* kind utxo */
    chain_hash_t root;
    bool exists;
    chain_account_t account;      /* when exists && kind account */
    chain_utxo_t utxo;            /* when exists && kind utxo */
    bool has_other;               /* exclusion via another leaf */
    chain_hash_t other_key, other_value_hash;
    uint16_t n_siblings;
    chain_hash_t siblings[CHAIN_SMT_MAX_DEPTH];
} chain_proof_t;

void chain_smt_key_account(const chain_addr_t *a, chain_hash_t *key);
void chain_smt_key_utxo(const chain_utxo_id_t *id, chain_hash_t *key);
/* Data leaves (issue 16): key = SHA-256(tag ‖ id32), value hash = SHA-256 of
 * the value bytes. Tags: CHAIN_DATA_JOB (id = job id, value = the job record
 * of chain/exec), CHAIN_DATA_REPUTATION (id = provider address ‖ 12 zero
 * bytes, value = u64 finalized jobs). */
#define CHAIN_DATA_JOB 0x03
#define CHAIN_DATA_REPUTATION 0x04
#define CHAIN_DATA_JOB_CODE 0x05   /* id = job id: u32 module_len, module, input */
/* staking (issue 15, docs/staking.md; records encoded by chain/exec) */
#define CHAIN_DATA_STAKING 0x10    /* id = 32 zero bytes: parameters and totals */
#define CHAIN_DATA_VALIDATOR 0x11  /* id = address ‖ 12 zero bytes: validator record */
#define CHAIN_DATA_VALSET 0x12     /* id = epoch u64le ‖ 24 zero bytes: that epoch's set */
#define CHAIN_DATA_OFFENCE 0x13    /* id = SHA-256(offence): height it was slashed at */
#define CHAIN_DATA_BLSKEY 0x14     /* id = SHA-256("aether/bls/v1" ‖ bls_pk): the validator address */
#define CHAIN_DATA_MAX 65536   /* bytes of one data value */
/* Contracts (issue 14; chain/exec applies them):
 *   CODE      id = code hash (SHA-256 of the code): the code bytes, stored
 *             once however many contracts run it
 *   CONTRACT  id = address20 ‖ 12 zero bytes: [32] code hash ‖
 *             [20] deployer ‖ u64 deploy height (the contract's balance is
 *             its ordinary account)
 *   STORAGE   id = chain_contract_storage_id(address, key): u16 key_len ‖
 *             key ‖ value (a removed slot has no leaf) */
#define CHAIN_DATA_CODE 0x20
#define CHAIN_DATA_CONTRACT 0x21
#define CHAIN_DATA_STORAGE 0x22
#define CHAIN_CONTRACT_RECORD_BYTES (32 + 20 + 8)
/* SHA-256(address20 ‖ key). */
void chain_contract_storage_id(const chain_addr_t *contract, const uint8_t *key, size_t klen,
                               uint8_t id[32]);
void chain_contract_record_id(const chain_addr_t *contract, uint8_t id[32]);
void chain_smt_key_data(uint8_t tag, const uint8_t id[32], chain_hash_t *key);
/* Verifies a data leaf proof: the value bytes (present) or absence (value
 * NULL) of (tag, id) under root, with siblings root-first as in
 * chain_proof_t and, for absence via another leaf, that leaf's key and value
 * hash (other_key NULL otherwise). 0 or CHAIN_EPROOF with the reason. */
int chain_data_proof_verify(uint8_t tag, const uint8_t id[32], const uint8_t *value, size_t n,
                            const chain_hash_t *siblings, size_t n_siblings,
                            const chain_hash_t *other_key, const chain_hash_t *other_vh,
                            const chain_hash_t *root, err_t *e) BASE_MUST_CHECK;
void chain_smt_leaf_hash(const chain_hash_t *key, const chain_hash_t *value_hash,
                         chain_hash_t *out);
void chain_smt_node_hash(const chain_hash_t *l, const chain_hash_t *r, chain_hash_t *out);

/* Standalone verifier: recomputes the root from the proof and compares it
 * with proof->root and, when expected_root is not NULL, with that too.
 * 0 when the proof shows the stated value (or absence); CHAIN_EPROOF with
 * the reason otherwise. */
int chain_proof_verify(const chain_proof_t *p, const chain_hash_t *expected_root, err_t *e)
    BASE_MUST_CHECK;
json_t *chain_proof_to_json(const chain_proof_t *p);
/* Strict: all fields above, right types and lengths, no unknown keys. */
int chain_proof_from_json(const json_t *j, chain_proof_t *out, err_t *e) BASE_MUST_CHECK;
int chain_proof_encode(const chain_proof_t *p, buf_t *out) BASE_MUST_CHECK;
int chain_proof_decode(const uint8_t *in, size_t n, chain_proof_t *out, err_t *e)
    BASE_MUST_CHECK;

#endif /* AETHER_CHAIN_TYPES_H */
