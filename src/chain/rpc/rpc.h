/*
 * chain/rpc: the Aether node's JSON-RPC methods (aeth_*), served by the
 * generic JSON-RPC 2.0 / HTTP transport of src/rpc (rpc/rpc.h), which also
 * holds the client the `aether` CLI, the tests and the benchmark use.
 *
 * rpc_chain_server_cfg() fills an rpc_server_cfg_t with the method table,
 * /health, /metrics and the chain's error codes. Batches of
 * aeth_sendRawTransaction go through a batch handler that verifies all their
 * signatures at once on every core before admitting them in order.
 */
#ifndef AETHER_CHAIN_RPC_H
#define AETHER_CHAIN_RPC_H

#include "rpc/rpc.h"

/* The chain's JSON-RPC error codes (documented in docs and `aether --help`). */
#define RPC_TX_INVALID -32000      /* undecodable, bad signature, wrong chain, nonce used */
#define RPC_TX_REJECTED -32001     /* mempool refused it; data.reason = mempool reason name */
#define RPC_NOT_READY -32002       /* node has no chain yet / shutting down */
#define RPC_EXEC_FAILED -32003     /* aeth_estimateGas: the execution fails; data = outcome */
#define RPC_BELOW_BASE -32004      /* the height is below the snapshot this node restored from */

struct node;   /* chain/node/node.h */
/* The aeth_* method table; ud is a node_t *. */
extern const rpc_method_t rpc_chain_methods[];
/* The codes above, 0-terminated (rpc_server_cfg_t.app_codes). */
extern const int rpc_chain_codes[];
/* Sets cfg's dispatch table, error codes, /health and /metrics to the node's. */
void rpc_chain_server_cfg(rpc_server_cfg_t *cfg, struct node *node);

#endif /* AETHER_CHAIN_RPC_H */
