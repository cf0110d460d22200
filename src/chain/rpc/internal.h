/* chain/rpc private declarations: the contract methods (contract_methods.c)
 * that methods.c's table and aeth_getProof dispatch to, and the staking
 * methods (staking.c) with the data-proof helper they share. */
#ifndef AETHER_CHAIN_RPC_INTERNAL_H
#define AETHER_CHAIN_RPC_INTERNAL_H

#include "rpc.h"
#include "chain/state/state.h"

int rpc_m_call(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
int rpc_m_estimate_gas(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
int rpc_m_get_code(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
int rpc_m_get_storage_at(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
int rpc_m_get_logs(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
/* params[i], a block: absent, null or "latest" -> *latest (the tip, pinned
 * by the caller); a height -> *height after checking it against the node's
 * state history window (RPC_INVALID_PARAMS naming the oldest available
 * height, RPC_NOT_READY without a chain). */
int rpc_param_block(void *ud, const json_t *params, size_t i, uint64_t *height, bool *latest,
                    rpc_error_t *err);
/* A failed chain/state or chain/exec read (rc, e) as the answer: a height
 * outside the state history (CHAIN_STATE_EHISTORY: pruned meanwhile, or past
 * what a replay covers) is the caller's, RPC_INVALID_PARAMS with the message
 * naming the window; anything else RPC_INTERNAL_ERROR (rpc_internal). */
int rpc_state_error(rpc_error_t *err, int rc, const err_t *e);
/* RPC_INTERNAL_ERROR "internal error: <e's message>". */
int rpc_internal(rpc_error_t *err, const err_t *e);
/* aeth_getProof of a contract storage slot ({"contract","key"}), at the tip
 * (latest) or as of block height. */
int rpc_contract_storage_proof(void *ud, const json_t *obj, bool latest, uint64_t height,
                               json_t **result, rpc_error_t *err);

/* The SMT proof of data leaf (tag, id): {"root", id_name: id_json (taken),
 * "key", "exists", "value" (hex | null), "siblings", "other_leaf"}. */
int chain_rpc_data_proof(chain_state_t *st, uint8_t tag, const uint8_t id[32], const char *id_name,
                         json_t *id_json, json_t **result, rpc_error_t *err);

int chain_rpc_get_staking(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
int chain_rpc_get_validators(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
int chain_rpc_get_validator(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
int chain_rpc_get_valset(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
int chain_rpc_get_delegations(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
int chain_rpc_get_validator_proof(void *ud, const json_t *params, json_t **result,
                                  rpc_error_t *err);
int chain_rpc_base_fee(void *ud, const json_t *params, json_t **result, rpc_error_t *err);

#endif
