/* chain/node private declarations shared by its files. */
#ifndef AETHER_CHAIN_NODE_INTERNAL_H
#define AETHER_CHAIN_NODE_INTERNAL_H

#include "chain/node/node.h"

/* validators.c: the genesis "consensus" section */
int node_genesis_consensus_from_json(const json_t *j, node_genesis_t *out, err_t *e);
json_t *node_genesis_consensus_to_json(const node_genesis_t *g);

#endif
