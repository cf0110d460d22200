/*
 * chain/light: light-client finality proofs of a BFT chain (issue 13).
 *
 * The proof that chain height h is final (aeth_getFinalityProof [h]) is
 * built from a node's consensus records (chain/bft) and checked by anyone
 * holding only the genesis file. JSON, bytes as lower-case hex:
 *   {"height": h,
 *    "block":     consensus block B_h (header, proposer signature, payload:
 *                 the transactions chain block h executes),
 *    "chain":     headers of B_h's child .. B1, each naming the one before in
 *                 its QC; round(B1) = round(B1's parent) + 1 (2-chain rule),
 *    "commit_qc": QC over B1 (signer bitmap, one aggregate BLS signature),
 *    "chain_header": the chain block header at h (chain/types encoding)
 *                 | null while no later block has certified it,
 *    "certified_by": {"height": k, "block", "chain", "commit_qc"} | null:
 *                 the finality record of consensus height k > h whose
 *                 payload names (h, hash of chain block h),
 *    "parent":    (in each record) the committed block one height below, or
 *                 null: it shows that a block certifying the next staking
 *                 boundary is the first to, so its epoch's set decides it,
 *    "epoch":     the validator epoch of h; "signer_set": its members'
 *                 addresses in bitmap order (information, not checked),
 *    "epoch_changes": [{"epoch": k, "height": R_k, "block", "chain",
 *                 "commit_qc", "parent", "set_header", "set_value",
 *                 "set_siblings"}] for k = 1 .. the last epoch the records
 *                 need (chain/bft, validator epochs): R_k is the block that
 *                 ended epoch k-1; set_header the chain header it certifies;
 *                 set_value the VALSET leaf of epoch k in that header's state
 *                 (siblings root-first)}
 *
 * light_proof_verify() uses nothing but the genesis (validator BLS keys and
 * stakes, chain id, consensus genesis id, staking's epoch length L):
 *   0. each epoch change k, in order: R_k is committed by epoch k-1's set
 *      (as in 1.), certifies a chain height >= k*L and is the first of its
 *      epoch to (its parent certifies less, or it follows the epoch's
 *      genesis); set_header hashes to what R_k certifies; the VALSET leaf
 *      verifies under its state root; that set (stakes scaled as
 *      chain_staking_cons_set) and the genesis id of epoch k
 *      (bft_epoch_derive) are the next epoch's;
 * Every record below is checked with the set of the epoch its height falls
 * in, and refused when it certifies the next boundary without being the
 * first (its epoch had ended: a change is missing).
 *   1. B_h is committed by the 2-chain rule: the headers link B1 back to
 *      B_h, B1 follows its parent's round, and the commit QC names B1 with
 *      > 2/3 of the stake and an aggregate signature that verifies
 *      (bft_finality_verify);
 *      B_h.height == h;
 *   2. when chain_header and certified_by are present: record k verifies the
 *      same way and its payload names (h, SHA-256 of the chain header), so
 *      the chain block (state root, transactions root) is final too.
 * A refusal says which step failed and why (LIGHT_EREFUSED).
 */
#ifndef AETHER_CHAIN_LIGHT_H
#define AETHER_CHAIN_LIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"
#include "chain/node/node.h"
#include "chain/state/state.h"
#include "chain/types/types.h"

/* Codes LIGHT_E* are in base/base.h (range -1200 .. -1249). */

/* The proof of height from st (a BFT node's store). NULL with e set:
 * LIGHT_ENOTFOUND when height has no finality record (not committed yet,
 * or not a BFT chain). */
json_t *light_proof_build(chain_state_t *st, const node_genesis_t *g, uint64_t height, err_t *e);

typedef struct light_result {
    uint64_t height, round;
    uint64_t epoch;              /* the validator epoch whose set committed it */
    chain_hash_t block_id;       /* consensus block B_h */
    chain_hash_t payload_hash;
    uint32_t n_txs;              /* in B_h's payload */
    uint32_t signers;            /* of the commit QC */
    uint64_t stake, total_stake;
    bool has_chain_block;        /* step 2 done */
    chain_header_t header;
    chain_hash_t header_hash;
    uint64_t cert_height;
} light_result_t;

int light_proof_verify(const node_genesis_t *g, const json_t *proof, light_result_t *out,
                       err_t *e) BASE_MUST_CHECK;
/* {"verified": true, "height", "round", "block_id", "payload_hash", "n_txs",
 *  "signers", "stake", "total_stake", "chain_block": {header JSON,
 *  "certified_by": k} | null} */
json_t *light_result_to_json(const light_result_t *r);

#endif /* AETHER_CHAIN_LIGHT_H */
