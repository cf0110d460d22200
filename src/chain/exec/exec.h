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
 *   After all txs, the sum of fees paid is credited to address(proposer_pk)
 *   BEFORE the state root is taken (the header's root covers it).
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

typedef struct chain_exec_cfg {
    uint64_t chain_id;
    chain_u128_t min_fee;        /* per-tx floor enforced by exec (0 = none) */
    uint32_t max_block_txs;      /* 0 = CHAIN_MAX_BLOCK_TXS */
    uint32_t max_block_bytes;    /* encoded txs; 0 = CHAIN_MAX_BLOCK_BYTES */
    unsigned verify_threads;     /* signature threads; 0 = number of CPUs */
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
/* Commits a built block (one synced batch); out->ov is consumed either way. */
int chain_exec_commit_built(chain_state_t *st, chain_built_t *b, err_t *e) BASE_MUST_CHECK;
void chain_built_free(chain_built_t *b);   /* frees what is left; zeroes *b */

/* Validates a block from elsewhere against the tip (header, signatures,
 * every tx valid, roots) and commits it. CHAIN_EBLOCK naming the first
 * problem; nothing is written on failure. receipts_out (optional) gets a
 * malloc'd copy of the receipts. */
int chain_exec_apply_block(chain_state_t *st, const chain_exec_cfg_t *cfg,
                           const chain_block_t *block, chain_receipt_t **receipts_out,
                           err_t *e) BASE_MUST_CHECK;

/* Pure execution step both of the above use: executes txs (all must be
 * included, none invalid) on ov, credits the fees to the proposer, fills
 * receipts[n] and the resulting state and receipts roots. */
int chain_exec_txs(chain_overlay_t *ov, const chain_exec_cfg_t *cfg, chain_tx_t *const *txs,
                   size_t n, const uint8_t proposer_pk[CHAIN_PK_BYTES],
                   chain_receipt_t *receipts, chain_hash_t *state_root,
                   chain_hash_t *receipts_root, err_t *e) BASE_MUST_CHECK;

#endif /* AETHER_CHAIN_EXEC_H */
