/* Helpers the aether chain commands share (aether_chain.c, aether_job.c,
 * aether_contract.c): printing JSON answers, reporting chain/client errors
 * and opening the client for --rpc. */
#ifndef AETHER_CLI_CHAIN_CLI_H
#define AETHER_CLI_CHAIN_CLI_H

#include "chain/client/client.h"

/* A decimal u128 amount (--fee, --value, --payment...); false when s is not one. */
bool chain_cli_parse_amount(const char *s, chain_u128_t *v);
/* Pretty-prints j on stdout with a final newline. */
void chain_cli_print_json(const json_t *j);
/* Prints a chain/client error and returns the exit code: 2 for a bad
 * argument, else 1, with a hint when the node cannot be reached. */
int chain_cli_client_error(const char *prog, const err_t *e);
/* A client for url (NULL: $AETHER_RPC or the default); NULL with *rc set to
 * the usage error when the URL is bad. */
chain_client_t *chain_cli_open_client(const char *prog, const char *url, int *rc);

/* After a tx was sent: with wait, polls for its receipt (timeout_s) and
 * adds it to out as "receipt"; prints out (taken) and returns the exit
 * code: 1 when the receipt is a failure or the wait failed. */
int chain_cli_print_sent(const char *prog, chain_client_t *c, const chain_hash_t *hash, json_t *out,
                         bool wait, uint64_t timeout_s);

#endif
