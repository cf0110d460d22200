/*
 * chain/exec: the ledger rules. Executes transactions against a state
 * overlay, builds blocks for the producer, and validates + applies blocks.
 *
 * Rules (deterministic; the same block on the same parent state always gives
 * the same receipts and root):
 *   A tx is INVALID — never in a block; a block containing one is rejected —
 *   when: its signature fails; chain_id differs; chain_tx_check_static fails;
 *   fee < min_fee; nonce != sender account nonce; or the tx would fail (see
 *   below) and the sender's balance cannot pay the fee.
 *   Otherwise it is INCLUDED and gets a receipt:
 *     TRANSFER  success iff balance >= fee + amount: sender -= fee + amount,
 *               to += amount (a self-transfer just pays the fee).
 *     UTXO      success iff balance >= from_balance, every input exists and
 *               is owned by the sender, and Σin + from_balance >= Σout + fee:
 *               inputs deleted, outputs created as (tx hash, i), sender
 *               balance -= from_balance, += surplus (Σin + from_balance −
 *               Σout − fee); the fee itself comes out of Σin + from_balance.
 *     In both cases the sender's nonce increases by one. A FAILED tx changes
 *     nothing except: fee debited from the sender's balance and nonce + 1;
 *     its receipt carries the failure status (chain_status_t).
 *   After all txs, the fees paid minus the burned base fee part (fee market,
 *   chain_fee_next_base) are credited to address(proposer_pk) BEFORE the
 *   state root is taken (the header's root covers it); a tx whose fee is
 *   below base_fee x its size is invalid.
 *   Header checks: version, chain_id, height = parent + 1, parent_hash,
 *   timestamp >= parent's, n_txs/txs_root, proposer signature, then after
 *   execution state_root and receipts_root.
 *
 * Signatures are checked in parallel (chain_tx_verify_batch). A tx whose
 * sig_ok is already true (verified by this process, e.g. on mempool
 * admission) is not re-verified when building a block locally; blocks
 * received from elsewhere always re-verify.
 */
#ifndef AETHER_CHAIN_EXEC_H
#define AETHER_CHAIN_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "chain/state/state.h"
#include "chain/types/types.h"

typedef struct chain_contract_cache chain_contract_cache_t;

typedef struct chain_exec_cfg {
    uint64_t chain_id;
    chain_u128_t min_fee;        /* per-tx floor enforced by exec (0 = none) */
    uint32_t max_block_txs;      /* 0 = CHAIN_MAX_BLOCK_TXS */
    uint32_t max_block_bytes;    /* encoded txs; 0 = CHAIN_MAX_BLOCK_BYTES */
    unsigned verify_threads;     /* signature threads; 0 = number of CPUs */
    chain_contract_cache_t *contracts;   /* compiled code (NULL: compile per run) */
    uint64_t block_time_ms;      /* set by exec: the timestamp of the block being executed */
    /* The seam for BFT participation (staking, docs/staking.md): the
     * accounts whose validators signed the QC this block carries (set per
     * block by the engine, the same list on every node). NULL: the
     * proposer is the block's one signer (the solo engine). qc_epoch:
     * the validator epoch whose set signed that QC (consensus switches a
     * few blocks after staking's boundary, so it can be the previous one). */
    const chain_addr_t *qc_signers;
    size_t n_qc_signers;
    uint64_t qc_epoch;
    /* chain_exec_apply_block of a BFT chain's block (`aetherd replay`): it
     * carries no proposer signature (all zero, chain_exec_build_certified),
     * the QC stored with it certifies it; the txs, roots and state are
     * checked as for any block. */
    bool certified;
} chain_exec_cfg_t;

/* Check a tx against the COMMITTED state, for the mempool and
 * aeth_sendRawTransaction: signature (unless tx->sig_ok), chain id, static
 * rules, fee floor, nonce >= account nonce (a higher nonce is acceptable to a
 * mempool, which queues it), and balance >= fee (a UTxO spend from an
 * account that cannot pay the fee is accepted when its inputs exist, are the
 * sender's and cover outputs + fee right now). *sender receives the
 * sender's committed account (may be NULL). CHAIN_ETXINVALID or
 * CHAIN_EBADSIG with a reason ("nonce 3 is below the account nonce 5"). */
int chain_exec_check_tx(chain_state_t *st, const chain_exec_cfg_t *cfg, chain_tx_t *tx,
                        chain_account_t *sender, err_t *e) BASE_MUST_CHECK;

/* What a tx can take from its sender's account balance at most: fee +
 * amount for a transfer; for a UTxO spend max(from_balance, fee) (it debits
 * from_balance on success, the fee on failure). Saturates at 2^128 - 1. The
 * mempool orders and bounds a sender's pooled txs by this. */
chain_u128_t chain_exec_tx_cost(const chain_tx_t *tx);

/* Apply one tx (signature assumed checked) to ov. 0 with *r filled when the
 * tx is included (success or failed receipt); CHAIN_ETXINVALID when it is
 * invalid (ov unchanged). *fee_sum is increased by the fee paid. */
int chain_exec_tx(chain_overlay_t *ov, const chain_exec_cfg_t *cfg, const chain_tx_t *tx,
                  chain_receipt_t *r, chain_u128_t *fee_sum, err_t *e) BASE_MUST_CHECK;

/* One skipped candidate. */
typedef struct chain_exec_skip {
    chain_hash_t tx_hash;
    size_t index;                /* position in the candidate list */
    int code;                    /* CHAIN_EBADSIG / CHAIN_ETXINVALID */
    char reason[ERR_MSG_MAX];
} chain_exec_skip_t;

/* A block built on the tip but not yet committed. */
typedef struct chain_built {
    chain_block_t *block;        /* sealed and signed */
    chain_receipt_t *receipts;   /* block->n_txs entries */
    chain_overlay_t *ov;         /* the state after it */
    chain_exec_skip_t *skipped;  /* invalid candidates, in order */
    size_t n_skipped;
    size_t n_considered;         /* candidates looked at before limits stopped */
} chain_built_t;

/* Block production: executes candidates in order on the tip state, skipping
 * (and reporting) every tx invalid at that point, until max_block_txs /
 * max_block_bytes; candidates are not consumed (the block holds copies).
 * timestamp_ms is raised to the parent's when lower. sk signs the block.
 * Zero candidates give an empty block. */
int chain_exec_build_block(chain_state_t *st, const chain_exec_cfg_t *cfg,
                           chain_tx_t *const *cands, size_t n_cands, uint64_t timestamp_ms,
                           const uint8_t sk[CRYPTO_ED25519_SK_BYTES], chain_built_t *out,
                           err_t *e) BASE_MUST_CHECK;
/* The same for a BFT chain (chain/bft, order-then-execute): every node runs
 * it on the committed payload, so invalid candidates are skipped the same
 * way everywhere; fees go to proposer_pk and the block carries no proposer
 * signature (all zero): the QC stored with it certifies it. */
int chain_exec_build_certified(chain_state_t *st, const chain_exec_cfg_t *cfg,
                               chain_tx_t *const *cands, size_t n_cands, uint64_t timestamp_ms,
                               const uint8_t proposer_pk[CHAIN_PK_BYTES], chain_built_t *out,
                               err_t *e) BASE_MUST_CHECK;
/* Commits a built block (one synced batch); out->ov is consumed either way. */
int chain_exec_commit_built(chain_state_t *st, chain_built_t *b, err_t *e) BASE_MUST_CHECK;
/* ... with consensus records in the same batch (chain_state_commit_meta). */
int chain_exec_commit_built_meta(chain_state_t *st, chain_built_t *b, const chain_meta_op_t *ops,
                                 size_t n_ops, err_t *e) BASE_MUST_CHECK;
void chain_built_free(chain_built_t *b);   /* frees what is left; zeroes *b */

/* Validates a block from elsewhere against the tip (header, signatures,
 * every tx valid, roots) and commits it. CHAIN_EBLOCK naming the first
 * problem; nothing is written on failure. receipts_out (optional) gets a
 * malloc'd copy of the receipts. */
int chain_exec_apply_block(chain_state_t *st, const chain_exec_cfg_t *cfg,
                           const chain_block_t *block, chain_receipt_t **receipts_out,
                           err_t *e) BASE_MUST_CHECK;

/* Pure execution step both of the above use: executes txs (all must be
 * included, none invalid, each paying at least base_fee x its size) on ov,
 * burns the base fee part of the fees and credits the rest to the proposer
 * (fee market below), runs staking's end of block, fills receipts[n], the
 * block's gas and the resulting state and receipts roots. */
int chain_exec_txs(chain_overlay_t *ov, const chain_exec_cfg_t *cfg, chain_tx_t *const *txs,
                   size_t n, const uint8_t proposer_pk[CHAIN_PK_BYTES], chain_u128_t base_fee,
                   chain_receipt_t *receipts, uint64_t *gas_used, chain_hash_t *state_root,
                   chain_hash_t *receipts_root, err_t *e) BASE_MUST_CHECK;

/* ---- contracts in the ledger (contract_exec.c; docs/contracts.md) ----------
 *
 * DEPLOY and CALL txs (types.h) run on the contract runtime below; code,
 * contract records and storage are data leaves of the state tree
 * (CHAIN_DATA_CODE / CONTRACT / STORAGE), so aeth_getProof proves a slot.
 *   Admission / inclusion: balance >= fee + gas_limit x gas_price, else the
 *   tx is INVALID. Block rule: the txs' gas limits add up to at most
 *   CHAIN_MAX_BLOCK_GAS.
 *   Execution: the sender prepays fee + gas_limit x gas_price and its nonce
 *   increases; then, under a savepoint: value moves sender -> contract;
 *   DEPLOY charges CHAIN_CONTRACT_DEPLOY_GAS + CHAIN_CONTRACT_CODE_BYTE_GAS
 *   per code byte, validates and compiles the code (BAD_CODE), stores it
 *   once by hash, creates the contract record at chain_contract_address and
 *   runs `init` when exported; CALL runs `call` (NO_CONTRACT without code,
 *   charged CHAIN_CONTRACT_GAS_BASE). On success the run's storage writes
 *   and logs are applied; on revert / out of gas / trap / a failed value
 *   move everything under the savepoint is undone. Either way the sender
 *   is refunded (gas_limit - gas_used) x gas_price: it pays
 *   chain_exec_contract_fee(tx, gas_used) = fee + gas_used x gas_price,
 *   which goes to the proposer with the other fees.
 *   The receipt carries status, gas_used, the contract, return data, logs
 *   (address = the contract) and the failure reason. */
#define CHAIN_MAX_BLOCK_GAS 4000000000ull
#define CHAIN_CONTRACT_DEPLOY_GAS 32000
#define CHAIN_CONTRACT_CODE_BYTE_GAS 200

/* THE fee rule of contract txs: fee + gas_used x gas_price (saturating). */
chain_u128_t chain_exec_contract_fee(const chain_tx_t *tx, uint64_t gas_used);

/* Applies a DEPLOY or CALL tx (signature checked, nonce = the account's,
 * acct its sender's account) to ov: 0 with *r filled; CHAIN_ETXINVALID (ov
 * unchanged, r empty) when the sender cannot prepay; another code on a
 * storage failure. */
int chain_exec_contract_tx(chain_overlay_t *ov, const chain_exec_cfg_t *cfg, const chain_tx_t *tx,
                           const chain_account_t *acct, chain_receipt_t *r, err_t *e)
    BASE_MUST_CHECK;
/* Admission of a contract tx at the account nonce: balance >= the max
 * cost (fee + gas_limit x gas_price + value) and, for a deploy, code the
 * runtime accepts. CHAIN_ETXINVALID with the reason. */
int chain_exec_contract_check(const chain_exec_cfg_t *cfg, const chain_tx_t *tx,
                              const chain_account_t *acct, err_t *e) BASE_MUST_CHECK;

/* Read-only execution against the committed tip (aeth_call,
 * aeth_estimateGas): a deploy (code != NULL) or a call of `to` from
 * `from`, as the next block would run it, without fee or signature;
 * nothing is committed. *r gets status, gas used, return data, logs. */
typedef struct chain_contract_msg {
    chain_addr_t from, to;
    chain_u128_t value;
    uint64_t gas_limit;          /* 0 = CHAIN_MAX_TX_GAS */
    const uint8_t *code;         /* deploy when not NULL */
    uint32_t code_len;
    const uint8_t *input;
    uint32_t input_len;
} chain_contract_msg_t;
int chain_exec_contract_simulate(chain_state_t *st, const chain_exec_cfg_t *cfg,
                                 const chain_contract_msg_t *m, chain_receipt_t *r, err_t *e)
    BASE_MUST_CHECK;

/* The same as of block height (chain/state "state history": the node keeps
 * a window of recent blocks; CHAIN_STATE_EHISTORY outside it). The call
 * above pins the tip's height at its start, so blocks committing during it
 * do not change what it reads. */
int chain_exec_contract_simulate_at(chain_state_t *st, const chain_exec_cfg_t *cfg,
                                    uint64_t height, const chain_contract_msg_t *m,
                                    chain_receipt_t *r, err_t *e) BASE_MUST_CHECK;

/* Committed contract state: the code (NULL *code when no contract; free()),
 * one storage slot (*found false when absent); _at: as of block height, or
 * the tip for CHAIN_EXEC_LATEST. */
#define CHAIN_EXEC_LATEST UINT64_MAX
int chain_exec_contract_code(chain_state_t *st, const chain_addr_t *a, uint8_t **code,
                             size_t *len, chain_hash_t *code_hash, err_t *e) BASE_MUST_CHECK;
int chain_exec_storage_get(chain_state_t *st, const chain_addr_t *a, const uint8_t *key,
                           uint32_t klen, buf_t *val, bool *found, err_t *e) BASE_MUST_CHECK;
int chain_exec_contract_code_at(chain_state_t *st, uint64_t height, const chain_addr_t *a,
                                uint8_t **code, size_t *len, chain_hash_t *code_hash, err_t *e)
    BASE_MUST_CHECK;
int chain_exec_storage_get_at(chain_state_t *st, uint64_t height, const chain_addr_t *a,
                              const uint8_t *key, uint32_t klen, buf_t *val, bool *found,
                              err_t *e) BASE_MUST_CHECK;

/* ---- contract runtime (contract.c) ------------------------------------------
 *
 * A contract is a WASM module run on our engine with fuel on, determinism
 * mode (NaN canonicalisation) and fuel schedule CHAIN_CONTRACT_FUEL_SCHEDULE:
 * gas = fuel.
 *
 * Code rules (chain_contract_compile, at deploy): at most
 * CHAIN_MAX_CODE_BYTES; a module the engine decodes and validates under the
 * contract limits (memory, tables, functions, locals); imports only functions of module "env" named in
 * the ABI below with exactly that signature (no imported memory, table or
 * global); exports a memory named "memory" (at most
 * CHAIN_CONTRACT_MAX_PAGES pages) and `call: () -> i32`; may export
 * `init: () -> i32`, run once at deploy.
 *
 * Entry points return 0 for success; any other value reverts with the
 * reason "returned N". Gas: CHAIN_CONTRACT_GAS_BASE up front, then the
 * engine's fuel per instruction, plus each host call's cost (below, charged
 * through awasm_ctx_charge before the work). Out of gas, a trap, a bad
 * pointer or revert() end the run: every write, log and value move of the
 * run is discarded and the status says why; gas used is still reported.
 *
 * Host ABI, module "env" (pointers and lengths are i32 offsets into the
 * contract's memory; a range outside it traps the run, never the node;
 * addresses are 20 bytes, amounts u128 little-endian, 16 bytes):
 *   storage_read(key_ptr, key_len, val_ptr) -> i32     200 + 1/byte read
 *       value length (0 when absent); key <= 256 bytes, else -1. Writes
 *       the value at val_ptr (the range must fit the value).
 *   storage_write(key_ptr, key_len, val_ptr, val_len) -> i32
 *       5000 + 20/value byte, + 20000 when the key is new; 0, or -1 when
 *       key > 256 / value > 4096 bytes / CHAIN_CONTRACT_MAX_WRITES keys.
 *       An empty value is stored as such (use storage_remove to delete).
 *   storage_remove(key_ptr, key_len) -> i32            5000; 1 removed, 0 absent
 *   emit_log(data_ptr, data_len) -> i32                375 + 8/byte; no topic
 *   emit_event(topic_ptr, data_ptr, data_len) -> i32   375 + 8/byte; 32-byte topic
 *       0, or -1 past CHAIN_CONTRACT_MAX_LOGS logs / 4096 bytes.
 *   set_return(ptr, len) -> i32                        100 + 1/byte; <= 4096 B, overwrites
 *   block_number() -> i64, timestamp() -> i64 (ms)     2
 *   caller(out20), self_address(out20)                 2
 *   call_value(out16)                                  2   (u128 LE)
 *   input_len() -> i32                                 2
 *   input(out_ptr) -> i32                              2 + 1/byte; copies all input
 *   sha256(ptr, len, out32)                            60 + 12/32-byte word
 *   revert(reason_ptr, reason_len)                     0; ends the run (reason <= 256 B)
 *   balance(addr_ptr, out_u128_ptr)                    100
 *       the balance of any address as this run sees it (committed balance
 *       plus the value moves of the transaction so far).
 *   transfer(addr_ptr, amount_u128_ptr) -> i32         9000
 *       moves amount from this contract to addr (no code runs there):
 *       1 done (also for 0 or to itself), 0 when the balance is short, the
 *       recipient would overflow, or the transaction already made
 *       CHAIN_CONTRACT_MAX_TRANSFERS moves.
 *   call_contract(addr_ptr, input_ptr, input_len, value_u128_ptr, gas_limit_i64) -> i32
 *       700 + 1/input byte (input <= CHAIN_MAX_INPUT_BYTES, else a trap),
 *       + 9000 when value > 0; then the callee's gas used. Runs "call" of
 *       the contract at addr synchronously in a fresh instance, with caller
 *       = this contract, call_value = value (moved from this contract
 *       first) and gas = min(gas_limit, all but one 64th of the gas left
 *       after the charges above); gas_limit <= 0 means that maximum.
 *       1 when the callee succeeded; 0 when it reverted, trapped, ran out
 *       of gas, does not exist (no code at addr), this contract's balance
 *       cannot pay value, or the call would be frame number
 *       CHAIN_CONTRACT_MAX_DEPTH + 1 (the transaction's own call is frame
 *       1). A callee that fails takes back everything it did (storage
 *       writes, logs, value moves, its callees' effects, the value sent to
 *       it) and nothing else; the caller goes on either way. Re-entrancy is
 *       allowed: a callee (or the caller itself, re-entered) sees every
 *       write made before it in the transaction. Linear memory of all live
 *       frames together is capped at CHAIN_CONTRACT_MAX_TOTAL_PAGES (a
 *       callee whose memory does not fit traps at instantiation).
 *   return_data_size() -> i32                          2
 *       bytes the last call_contract of this frame returned (its
 *       set_return data when it succeeded or reverted, else 0).
 *   return_data_copy(dst_ptr, offset, len)             2 + 1/byte
 *       copies [offset, offset+len) of that data; a range outside it traps.
 * Storage keys and values are raw bytes; the SDK uses fixed-size keys.
 * A nested frame runs on the C stack of the thread that called
 * chain_contract_run (host function -> the callee's interpreter), about
 * 3 KiB per frame in a gcc -O2 build (64 frames ran in a 192 KiB thread
 * stack, not in 160 KiB): run contracts on threads with at least 1 MiB of
 * stack (sanitizer builds need several times more).
 */
#define CHAIN_CONTRACT_FUEL_SCHEDULE 1
#define CHAIN_CONTRACT_MAX_PAGES 256          /* 16 MiB of linear memory */
#define CHAIN_CONTRACT_MAX_TOTAL_PAGES 1024   /* 64 MiB over all live frames */
#define CHAIN_CONTRACT_MAX_CALL_DEPTH 1024    /* nested wasm calls inside a frame */
#define CHAIN_CONTRACT_MAX_DEPTH 64           /* nested contract frames (call_contract) */
#define CHAIN_CONTRACT_MAX_KEY 256
#define CHAIN_CONTRACT_MAX_VALUE 4096
#define CHAIN_CONTRACT_MAX_RETURN 4096
#define CHAIN_CONTRACT_MAX_LOGS 100           /* per transaction, all frames */
#define CHAIN_CONTRACT_MAX_LOG_BYTES 4096
#define CHAIN_CONTRACT_MAX_WRITES 1024        /* distinct (contract, key) written per tx */
#define CHAIN_CONTRACT_MAX_TRANSFERS 1024     /* value moves per tx */
#define CHAIN_CONTRACT_MAX_REASON 256
#define CHAIN_CONTRACT_GAS_BASE 1000          /* per frame (instantiation) */
#define CHAIN_CONTRACT_GAS_BALANCE 100
#define CHAIN_CONTRACT_GAS_TRANSFER 9000
#define CHAIN_CONTRACT_GAS_CALL 700
#define CHAIN_CONTRACT_GAS_CALL_VALUE 9000

typedef enum chain_contract_status {
    CHAIN_CONTRACT_OK = 0,
    CHAIN_CONTRACT_REVERT = 1,        /* revert() or a non-zero return */
    CHAIN_CONTRACT_OUT_OF_GAS = 2,
    CHAIN_CONTRACT_TRAP = 3,          /* wasm trap, bad pointer, depth, memory */
} chain_contract_status_t;

const char *chain_contract_status_name(uint8_t status);   /* "ok", "revert", ... */

typedef struct chain_contract chain_contract_t;   /* compiled code, reusable */

/* Validates (rules above) and compiles code; CONTRACT_ECODE naming the
 * offending import / export / limit, or the engine's message. */
chain_contract_t *chain_contract_compile(const uint8_t *code, size_t len, err_t *e);
/* chain_contract_compile of a file's bytes (tools, tests, benchmarks);
 * the error names the path. */
chain_contract_t *chain_contract_load(const char *path, err_t *e);
void chain_contract_free(chain_contract_t *c);    /* accepts NULL */
bool chain_contract_has_init(const chain_contract_t *c);

/* The world as the embedder (the ledger) committed it before the
 * transaction, read through callbacks; the runtime keeps every change the
 * transaction makes (storage writes, value moves, logs, in nested frames)
 * in its own journal and reads it before asking the embedder. Each callback
 * returns 0, or a negative code: a storage failure, which fails the whole
 * run (chain_contract_run returns it), never the contract's fault. A NULL
 * callback means "nothing there" (empty storage, zero balances, no code). */
/* Storage of `contract`: fill val (room for CHAIN_CONTRACT_MAX_VALUE
 * bytes), *vlen and *found. */
typedef int (*chain_contract_get_fn)(void *user, const chain_addr_t *contract,
                                     const uint8_t *key, uint32_t klen, uint8_t *val,
                                     uint32_t *vlen, bool *found);
/* Balance of any address (0 for an unknown one). */
typedef int (*chain_contract_balance_fn)(void *user, const chain_addr_t *a, chain_u128_t *out);
/* The compiled code of the contract at a, *c = NULL when a has none; the
 * runtime hands each non-NULL *c back to code_release (when not NULL) once
 * that frame is done. E.g. chain_contract_cache_get over the code stored
 * for a. */
typedef int (*chain_contract_code_fn)(void *user, const chain_addr_t *a,
                                      const chain_contract_t **c);
typedef void (*chain_contract_release_fn)(void *user, const chain_contract_t *c);

typedef struct chain_contract_env {
    chain_addr_t self, caller;
    /* What the caller sent with this call. The embedder moves it to self
     * before the run (and undoes that when the run fails); balance_get must
     * already include it. */
    chain_u128_t value;
    uint64_t block_number, timestamp_ms;
    const uint8_t *input;
    uint32_t input_len;
    uint64_t gas_limit;
    chain_contract_get_fn storage_get;
    chain_contract_balance_fn balance_get;
    chain_contract_code_fn code_get;
    chain_contract_release_fn code_release;
    void *user;
} chain_contract_env_t;

typedef struct chain_contract_write {
    chain_addr_t contract;           /* whose storage */
    uint8_t *key, *val;              /* val NULL when removed */
    uint32_t klen, vlen;
    bool removed;
} chain_contract_write_t;

typedef struct chain_contract_log {
    chain_addr_t contract;           /* the contract that emitted it */
    bool has_topic;
    uint8_t topic[32];
    uint8_t *data;
    uint32_t len;
} chain_contract_log_t;

/* A value move made by transfer() or by a call_contract with value. */
typedef struct chain_contract_transfer {
    chain_addr_t from, to;
    chain_u128_t amount;
} chain_contract_transfer_t;

/* The transaction's effects when status is OK: the embedder applies all of
 * them (writes: the final value of each (contract, key), in first-write
 * order; transfers in order: each is covered by the balances its
 * balance_get reported plus the earlier transfers) or none. Effects of
 * frames that failed are not in them. */
typedef struct chain_contract_result {
    uint8_t status;                  /* chain_contract_status_t */
    uint64_t gas_used;               /* <= gas_limit, nested calls included */
    uint8_t *ret;                    /* set_return data (OK and REVERT) */
    uint32_t ret_len;
    char reason[ERR_MSG_MAX];        /* why it failed ("" when OK) */
    chain_contract_write_t *writes;  /* empty unless OK */
    size_t n_writes;
    chain_contract_log_t *logs;      /* in emission order; empty unless OK */
    size_t n_logs;
    chain_contract_transfer_t *transfers;   /* empty unless OK */
    size_t n_transfers;
    uint32_t max_depth;              /* deepest frame reached (1 = no nested call) */
} chain_contract_result_t;

/* Runs entry ("call" or "init") of c in a fresh instance as frame 1 of a
 * transaction, with nested calls as the ABI describes. 0 with *r filled
 * (whatever the contract did; see r->status); CONTRACT_EINVAL for a missing
 * entry or bad env, CONTRACT_ENOMEM, or a callback's error.
 * Free r with chain_contract_result_free in every case. */
int chain_contract_run(const chain_contract_t *c, const char *entry,
                       const chain_contract_env_t *env, chain_contract_result_t *r, err_t *e)
    BASE_MUST_CHECK;
void chain_contract_result_free(chain_contract_result_t *r);   /* zeroes *r */

/* ---- job escrow: the state machine (issue 16, docs/escrow.md) --------------
 *
 * One job record per job id; each CHAIN_TX_JOB_* tx is one step:
 *   POST      (no record yet) requester locks `payment`  -> POSTED
 *   CANCEL    POSTED, sender = requester: payment back   -> CANCELLED
 *   ACCEPT    POSTED, height <= deadline, sender on the allow-list (when
 *             one is given): provider locks provider_bond and names its
 *             Phase key                                  -> ACCEPTED
 *   CLAIM     ACCEPTED, sender = provider, height <= deadline, receipt
 *             verified (chain_escrow_verify_claim)        -> CLAIMED,
 *             window closes at claim height + window
 *   FINALIZE  CLAIMED, height >= closes_at (anyone): provider gets payment
 *             + bond back, reputation + 1                 -> FINALIZED
 *   CHALLENGE CLAIMED, height < closes_at, challenger locks a bond >=
 *             provider_bond (minimum 1); resolution by re-execution
 *             (chain_escrow_resolve)                      -> CHALLENGED
 *   EXPIRE    (anyone) height > deadline and POSTED: refund -> EXPIRED;
 *             ACCEPTED (provider never claimed): refund, provider bond
 *             slashed: half to the requester, the rest burned -> EXPIRED
 * Resolution: the recomputed output commitment equals the claimed one ->
 * provider paid + bond back, challenger bond: half to the provider, rest
 * burned -> FINALIZED (reputation + 1); differs -> requester refunded,
 * challenger bond back + half the provider bond, rest burned -> SLASHED.
 * Value is conserved: every unit locked by a step is paid out exactly once
 * by a later step, except the documented burns (fx.burned). */
typedef enum chain_job_status {
    CHAIN_JOB_POSTED = 1,
    CHAIN_JOB_ACCEPTED = 2,
    CHAIN_JOB_CLAIMED = 3,
    CHAIN_JOB_CHALLENGED = 4,
    CHAIN_JOB_FINALIZED = 5,
    CHAIN_JOB_CANCELLED = 6,
    CHAIN_JOB_EXPIRED = 7,
    CHAIN_JOB_SLASHED = 8,
} chain_job_status_t;

const char *chain_job_status_name(uint8_t status);   /* "posted", ... */

typedef struct chain_job {
    chain_hash_t id;
    uint8_t status;                       /* chain_job_status_t */
    chain_addr_t requester, provider, challenger;
    uint8_t phase_pk[CHAIN_PK_BYTES];     /* the provider's Phase identity */
    chain_hash_t module_hash, input_commitment;
    chain_hash_t output_commitment;       /* claimed */
    chain_hash_t receipt_hash;            /* SHA-256 of the claimed receipt bytes */
    uint64_t fuel, memory_max, deadline;
    uint32_t window;
    uint64_t posted_at, claimed_at, closes_at;
    chain_u128_t payment, provider_bond, challenger_bond;
    uint32_t n_allow;
    chain_addr_t allow[CHAIN_JOB_MAX_ALLOW];
} chain_job_t;

/* Canonical record encoding (for the state tree; docs/escrow.md). */
#define CHAIN_JOB_RECORD_MAX (32 + 1 + 20 * 3 + 32 * 5 + 8 * 3 + 4 + 8 * 3 + 16 * 3 + 4 + \
                              20 * CHAIN_JOB_MAX_ALLOW)
int chain_job_encode(const chain_job_t *j, buf_t *out) BASE_MUST_CHECK;
int chain_job_decode(const uint8_t *in, size_t n, chain_job_t *out, err_t *e) BASE_MUST_CHECK;
json_t *chain_job_to_json(const chain_job_t *j);

/* What a step moves. `locked` is taken from the sender's balance into the
 * escrow; credits are paid out of the escrow; burned leaves the supply. */
#define CHAIN_ESCROW_MAX_CREDITS 3
typedef struct chain_escrow_fx {
    chain_u128_t locked;
    uint32_t n_credits;
    struct {
        chain_addr_t to;
        chain_u128_t amount;
    } credits[CHAIN_ESCROW_MAX_CREDITS];
    chain_u128_t burned;
    bool reputation_up;                   /* +1 for job->provider */
    bool needs_resolution;                /* CHALLENGE: call chain_escrow_resolve */
} chain_escrow_fx_t;

/* One step: job/exists is the record before (exists false for a new id),
 * updated in place on success. CHAIN_ETXINVALID with the reason when the
 * step is not allowed now (nothing changed). A CLAIM's receipt is verified
 * here (chain_escrow_verify_claim). */
int chain_escrow_step(chain_job_t *job, bool *exists, const chain_job_body_t *b,
                      const chain_addr_t *sender, uint64_t height, chain_escrow_fx_t *fx,
                      err_t *e) BASE_MUST_CHECK;

/* Admission check of a claim: the receipt parses as a SignedReceipt v1, its
 * signature verifies against job->phase_pk (the key the provider named at
 * accept), its job_id and result.job_spec_hash equal job->id. Fills the
 * claimed output commitment and the receipt's hash. CHAIN_ETXINVALID with
 * the reason ("receipt is for job 1a2b..., not 3c4d..."). */
int chain_escrow_verify_claim(const chain_job_t *job, const uint8_t *receipt, size_t n,
                              chain_hash_t *commitment, chain_hash_t *receipt_hash, err_t *e)
    BASE_MUST_CHECK;

/* Settles a CHALLENGED job given the output commitment a re-execution
 * produced (see the rules above). */
int chain_escrow_resolve(chain_job_t *job, const chain_hash_t *recomputed, chain_escrow_fx_t *fx,
                         err_t *e) BASE_MUST_CHECK;

/* Execution of a job tx inside chain_exec_tx (fee and nonce as any tx):
 * reads the job record (state data leaf CHAIN_DATA_JOB), runs the step at
 * the overlay's block height, moves the balances (sender pays fee + what it
 * locks; credits paid out; burns leave the supply), bumps the provider's
 * reputation leaf on a finalize and writes the record back. Returns the
 * receipt status: OK, JOB_REFUSED (the step is not allowed now),
 * INSUFFICIENT_BALANCE or OVERFLOW; *io is set on a storage failure. */
uint8_t chain_escrow_apply(chain_overlay_t *ov, const chain_tx_t *tx, chain_account_t *acct,
                           err_t *e, int *io);
/* Admission (chain_exec_check_tx, tx at the account nonce): the step must be
 * allowed against the committed state at the next height and the balance
 * must cover fee + the amount it locks; CHAIN_ETXINVALID with the reason. */
int chain_escrow_check(chain_state_t *st, const chain_tx_t *tx, const chain_account_t *acct,
                       err_t *e) BASE_MUST_CHECK;
/* fee + the most the tx can lock (payment, bond), saturating. */
chain_u128_t chain_escrow_tx_cost(const chain_tx_t *tx);
/* A job record and a provider's reputation (finalized jobs) from the
 * committed state. */
int chain_escrow_get_job(chain_state_t *st, const chain_hash_t *id, chain_job_t *job,
                         bool *exists, err_t *e) BASE_MUST_CHECK;
uint64_t chain_escrow_reputation(chain_state_t *st, const chain_addr_t *provider);
/* Re-runs a job from its CHAIN_DATA_JOB_CODE bytes (u32 module_len, module,
 * input) in determinism mode with the job's fuel and memory, argv[0]
 * "job.wasm" (as `plasmd run --manifest --deterministic --fuel F` runs it)
 * and gives the output commitment its receipt must carry. */
int chain_escrow_reexecute(const chain_job_t *job, const uint8_t *code, size_t n,
                           chain_hash_t *commitment, uint64_t *fuel_used, err_t *e)
    BASE_MUST_CHECK;

/* Compiled code by code hash (SHA-256 of the code), shared by every run on
 * any thread: code is compiled once and kept while the cache holds at most
 * max_entries unreferenced entries (least recently used evicted first).
 * get returns the compiled contract (refcounted: release it when the run is
 * done) and fills code_hash; NULL with CONTRACT_ECODE when the code is
 * refused (not cached). */
chain_contract_cache_t *chain_contract_cache_new(size_t max_entries);
void chain_contract_cache_free(chain_contract_cache_t *cc);   /* accepts NULL */
const chain_contract_t *chain_contract_cache_get(chain_contract_cache_t *cc, const uint8_t *code,
                                                 size_t len, chain_hash_t *code_hash, err_t *e);
void chain_contract_cache_release(chain_contract_cache_t *cc, const chain_contract_t *c);
/* The compiled code of code_hash when cached (refcounted as get), else NULL. */
const chain_contract_t *chain_contract_cache_find(chain_contract_cache_t *cc,
                                                  const chain_hash_t *code_hash);
/* Compilations done so far (a hit does not count). */
uint64_t chain_contract_cache_compiles(chain_contract_cache_t *cc);

/* ---- staking (issue 15, docs/staking.md) --------------------------------------
 *
 * Staking lives in the state tree as data leaves (types.h CHAIN_DATA_*):
 *   STAKING   (one) parameters, current epoch, supply counters (genesis
 *             supply, emitted, burned) and the totals staking holds (bonded,
 *             unbonding, unclaimed rewards), the registered validators;
 *   VALIDATOR (per validator) keys, commission, jail state, and its
 *             delegations (the validator's own = self-stake), unbonding
 *             entries and outgoing redelegations (slashable until mature);
 *   VALSET    (per epoch) the active set: members, keys, stake at the
 *             epoch's start, QC signatures counted so far;
 *   OFFENCE   (per slashed offence) the height it was slashed at;
 *   BLS key index (VALIDATOR tag, id = SHA-256("aether/bls/v1" ‖ bls_pk)).
 * Staked, unbonding and reward amounts are out of every liquid balance, so
 *   Σ balances + Σ UTxOs + bonded + unbonding + rewards
 *     = genesis supply + emitted - burned          (exactly, every block).
 * Epoch e covers heights e*L+1 .. (e+1)*L (L = epoch_blocks); at the end of
 * block (e+1)*L, inside the block, chain_staking_end_block pays the epoch's
 * rewards, jails the validators that missed too many QCs and computes the
 * set of epoch e+1 (top max_validators by total stake among the eligible:
 * not jailed, self-stake >= its min_self_stake; ties by address). */
#define CHAIN_STAKE_MAX_REGISTERED 512   /* validators ever registered */
#define CHAIN_STAKE_MAX_SET 256          /* = CONS_MAX_VALIDATORS */
#define CHAIN_STAKE_MAX_DELEGATIONS 256  /* per validator */
#define CHAIN_STAKE_MAX_UNBONDING 256    /* pending entries per validator */
#define CHAIN_STAKE_MAX_REDELEGATIONS 128

typedef struct chain_stake_params {
    uint64_t epoch_blocks;            /* L >= 1 */
    uint64_t unbonding_blocks;        /* undelegate -> withdraw; evidence age limit */
    uint32_t max_validators;          /* N: 1..CHAIN_STAKE_MAX_SET */
    uint32_t min_validators;          /* a smaller computed set is not adopted */
    chain_u128_t min_self_stake;      /* floor for a validator's own minimum */
    chain_u128_t min_delegation;      /* smallest delegate / redelegate amount */
    uint16_t max_commission_change_bps;   /* per epoch */
    uint16_t slash_double_bps;        /* fraction of stake slashed for a double sign */
    uint16_t reporter_bps;            /* fraction of the slashed amount to the reporter */
    uint16_t downtime_min_signed_bps; /* below this share of the epoch's QCs: jailed */
    uint64_t jail_downtime_blocks, jail_double_blocks;
    uint64_t block_ms;                /* nominal block time: blocks per emission year */
    /* fee market (EIP-1559 style, reference §5.5): gas_target 0 = off (base
     * fee 0, every fee to the proposer) */
    uint64_t gas_target;              /* gas per block the base fee aims at */
    chain_u128_t initial_base_fee;    /* block 0's base fee per gas */
    chain_u128_t min_base_fee;        /* the base fee never falls below it */
} chain_stake_params_t;

/* Defaults (docs/staking.md): L 100, unbonding 300, N 100, min set 1, min
 * self-stake 1, min delegation 1, commission change 100 bps/epoch, slash
 * 500 bps (5%), reporter 1000 bps of it, downtime below 1000 bps, jail 100 /
 * 10,000 blocks, block_ms 500. */
void chain_stake_params_default(chain_stake_params_t *p);
/* Checks ranges; CHAIN_EINVAL naming the field. */
int chain_stake_params_check(const chain_stake_params_t *p, err_t *e) BASE_MUST_CHECK;

typedef struct chain_stake_global {
    chain_stake_params_t p;
    uint64_t epoch;                   /* current epoch */
    uint64_t epoch_blocks_seen;       /* blocks of the current epoch executed */
    chain_u128_t genesis_supply, emitted, burned;
    chain_u128_t bonded, unbonding, rewards;
    uint32_t n_validators;
    chain_addr_t validators[CHAIN_STAKE_MAX_REGISTERED];   /* ascending */
} chain_stake_global_t;

typedef struct chain_stake_delegation {
    chain_addr_t who;
    chain_u128_t amount, reward;      /* bonded; unclaimed rewards */
} chain_stake_delegation_t;

typedef struct chain_stake_unbonding {
    chain_addr_t who;
    chain_u128_t amount;
    uint64_t complete;                /* withdrawable from this height */
} chain_stake_unbonding_t;

typedef struct chain_stake_redelegation {
    chain_addr_t who, to;
    chain_u128_t amount;
    uint64_t complete;                /* slashable here until this height */
} chain_stake_redelegation_t;

typedef struct chain_validator {
    chain_addr_t addr;
    uint8_t pk[CHAIN_PK_BYTES];
    uint8_t bls_pk[CHAIN_BLS_PK_BYTES];
    uint8_t vrf_pk[CHAIN_VRF_PK_BYTES];
    uint16_t commission_bps;
    uint64_t commission_epoch;        /* epoch + 1 of the last change; 0 = never */
    chain_u128_t min_self_stake;
    bool jailed;
    uint64_t jailed_until;
    uint32_t slash_count;
    uint32_t n_del, n_unb, n_red;
    chain_stake_delegation_t del[CHAIN_STAKE_MAX_DELEGATIONS];     /* ascending by who */
    chain_stake_unbonding_t unb[CHAIN_STAKE_MAX_UNBONDING];
    chain_stake_redelegation_t red[CHAIN_STAKE_MAX_REDELEGATIONS];
} chain_validator_t;

typedef struct chain_valset_member {
    chain_addr_t addr;
    uint8_t bls_pk[CHAIN_BLS_PK_BYTES];
    uint8_t vrf_pk[CHAIN_VRF_PK_BYTES];
    chain_u128_t stake;               /* total stake when the set was made */
    uint64_t signed_qcs;              /* QCs signed in this epoch so far */
} chain_valset_member_t;

typedef struct chain_valset {
    uint64_t epoch;
    uint32_t n;
    chain_valset_member_t m[CHAIN_STAKE_MAX_SET];
} chain_valset_t;

/* Totals of a validator record. */
chain_u128_t chain_validator_stake(const chain_validator_t *v);       /* Σ delegations */
chain_u128_t chain_validator_self_stake(const chain_validator_t *v);
const char *chain_validator_status(const chain_validator_t *v, const chain_valset_t *set);

/* Genesis validators: registered stakers from block 0, all in the set of
 * epoch 0. stake is the self-stake (part of the genesis supply). */
typedef struct chain_stake_genesis_validator {
    uint8_t pk[CHAIN_PK_BYTES];
    uint8_t bls_pk[CHAIN_BLS_PK_BYTES];
    uint8_t vrf_pk[CHAIN_VRF_PK_BYTES];
    chain_u128_t stake;
    uint16_t commission_bps;
} chain_stake_genesis_validator_t;

/* The staking leaves of a genesis: *out (n_out entries, pointing into
 * *store, both freed with free()) go into chain_genesis_t.data.
 * other_supply = Σ genesis balances and UTxOs. */
int chain_staking_genesis(const chain_stake_params_t *p, const chain_stake_genesis_validator_t *v,
                          size_t n, chain_u128_t other_supply, chain_genesis_data_t **out,
                          size_t *n_out, uint8_t **store, err_t *e) BASE_MUST_CHECK;

/* Execution of a staking tx inside chain_exec_tx (fee and nonce as any tx):
 * returns OK, STAKE_REFUSED (reason in *why when not NULL),
 * INSUFFICIENT_BALANCE or OVERFLOW; *io on a storage failure. */
uint8_t chain_staking_apply(chain_overlay_t *ov, const chain_tx_t *tx, chain_account_t *acct,
                            err_t *why, err_t *e, int *io);
/* Admission against the committed state at the next height:
 * CHAIN_ETXINVALID with the reason. */
int chain_staking_check(chain_state_t *st, const chain_tx_t *tx, const chain_account_t *acct,
                        err_t *e) BASE_MUST_CHECK;
chain_u128_t chain_staking_tx_cost(const chain_tx_t *tx);
/* After a block's txs: counts the QC signatures (signers: the addresses
 * that signed the block's QC; the solo producer passes its own) and, at an
 * epoch's last block, runs the epoch transition above. signers_epoch is
 * the epoch whose set signed (CHAIN_STAKE_EPOCH_CURRENT: staking's current
 * one); signatures of an earlier epoch's set, between staking's boundary
 * and consensus's switch, are credited to that set's record and do not
 * count in the current epoch (docs/staking.md). No-op on a chain without
 * staking (no STAKING leaf). */
#define CHAIN_STAKE_EPOCH_CURRENT UINT64_MAX
int chain_staking_end_block(chain_overlay_t *ov, const chain_addr_t *signers, size_t n_signers,
                            uint64_t signers_epoch, chain_u128_t burned,
                            err_t *e) BASE_MUST_CHECK;

/* Adds to staking's burned counter what left the supply outside staking
 * (the job escrow's burns); no-op on a chain without staking. */
int chain_staking_add_burned(chain_overlay_t *ov, chain_u128_t amount, err_t *e) BASE_MUST_CHECK;

/* ---- fee market (docs/staking.md "Fee market") ----------------------------------
 * A tx's gas is its signed size in bytes plus, for a contract tx, the gas its
 * run used; a block's gas_used (in its header) is the sum. The block's
 * base_fee (in its header) follows the parent's (EIP-1559, §5.5):
 *   parent gas = target: unchanged;
 *   above: + max(1, base x (used - target) / target / 8);
 *   below: - base x (target - used) / target / 8, at least min_base_fee.
 * A tx is valid in a block only when fee >= base_fee x its size; of what it
 * paid (fee_paid: a failed tx pays only what it was charged), min(fee_paid,
 * base_fee x gas) is burned (staking's `burned`) and the rest is the
 * proposer's tip. */
chain_u128_t chain_fee_next_base(const chain_stake_params_t *p, chain_u128_t parent_base,
                                 uint64_t parent_gas);
/* The base fee of the block on top of parent (0 when the chain has no fee
 * market). */
int chain_fee_block_base(chain_overlay_t *ov, const chain_header_t *parent, chain_u128_t *base,
                         err_t *e) BASE_MUST_CHECK;
int chain_fee_next_base_state(chain_state_t *st, chain_u128_t *base, err_t *e) BASE_MUST_CHECK;

/* Reads of the committed state (RPC, CLI, consensus). *exists false when
 * absent (no staking / no such validator / epoch). */
int chain_staking_get_global(chain_state_t *st, chain_stake_global_t *g, bool *exists,
                             err_t *e) BASE_MUST_CHECK;
int chain_staking_get_validator(chain_state_t *st, const chain_addr_t *a, chain_validator_t *v,
                                bool *exists, err_t *e) BASE_MUST_CHECK;
int chain_staking_get_valset(chain_state_t *st, uint64_t epoch, chain_valset_t *s, bool *exists,
                             err_t *e) BASE_MUST_CHECK;
/* The seam for consensus: the active set of `epoch` as consensus validators
 * (stake scaled down by a power of two so the total fits in 62 bits, each
 * at least 1). Returns the count (0 when no staking / no such epoch). */
int chain_staking_cons_set(chain_state_t *st, uint64_t epoch, uint8_t (*bls_pks)[CHAIN_BLS_PK_BYTES],
                           uint8_t (*vrf_pks)[CHAIN_VRF_PK_BYTES], uint64_t *stakes,
                           chain_addr_t *addrs, uint32_t *n, err_t *e) BASE_MUST_CHECK;
/* The consensus stakes of a stored set (what chain_staking_cons_set gives):
 * each member's stake shifted right until the total fits in 62 bits, at
 * least 1; returns the shift. stakes has set->n entries. */
uint32_t chain_valset_cons_stakes(const chain_valset_t *set, uint64_t *stakes);
/* Record codecs (docs/staking.md). */
int chain_stake_global_encode(const chain_stake_global_t *g, buf_t *out) BASE_MUST_CHECK;
int chain_stake_global_decode(const uint8_t *in, size_t n, chain_stake_global_t *g, err_t *e)
    BASE_MUST_CHECK;
int chain_validator_encode(const chain_validator_t *v, buf_t *out) BASE_MUST_CHECK;
int chain_validator_decode(const uint8_t *in, size_t n, chain_validator_t *v, err_t *e)
    BASE_MUST_CHECK;
int chain_valset_encode(const chain_valset_t *s, buf_t *out) BASE_MUST_CHECK;
int chain_valset_decode(const uint8_t *in, size_t n, chain_valset_t *s, err_t *e)
    BASE_MUST_CHECK;
/* Data-leaf ids. */
void chain_stake_validator_id(const chain_addr_t *a, uint8_t id[32]);
void chain_stake_valset_id(uint64_t epoch, uint8_t id[32]);
json_t *chain_validator_to_json(const chain_validator_t *v, const chain_valset_t *set);
json_t *chain_stake_global_to_json(const chain_stake_global_t *g);
/* Emission of one epoch ending at height h on supply (docs/staking.md):
 * supply x rate(year) / (10,000 x epochs per year), rate 500, 400, 300,
 * 200 then 100 bps by year index h / blocks per year. */
chain_u128_t chain_stake_epoch_emission(const chain_stake_params_t *p, uint64_t h,
                                        chain_u128_t supply);

#endif /* AETHER_CHAIN_EXEC_H */
