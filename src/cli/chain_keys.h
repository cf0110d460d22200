/* The key-file command that `aether keys new` (account keys) and
 * `aetherd keys new` (validator keys) share: both write the same node_key
 * format (chain/node/node.h). */
#ifndef AETHER_CLI_CHAIN_KEYS_H
#define AETHER_CLI_CHAIN_KEYS_H

/* `<prog> --out FILE [--force]`: generates an Ed25519 key, saves it (never
 * overwriting unless --force) and prints its public part as JSON. */
int chain_keys_new_main(const char *prog, const char *usage, int argc, char **argv);

#endif
