/* chain/rpc private declarations: the contract methods (contract_methods.c)
 * that methods.c's table and aeth_getProof dispatch to. */
#ifndef AETHER_CHAIN_RPC_INTERNAL_H
#define AETHER_CHAIN_RPC_INTERNAL_H

#include "rpc.h"

int rpc_m_call(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
int rpc_m_estimate_gas(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
int rpc_m_get_code(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
int rpc_m_get_storage_at(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
int rpc_m_get_logs(void *ud, const json_t *params, json_t **result, rpc_error_t *err);
/* aeth_getProof of a storage slot: obj = {"contract","key"}. */
int rpc_contract_storage_proof(void *ud, const json_t *obj, json_t **result, rpc_error_t *err);

#endif
