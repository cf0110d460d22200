/* A store with a genesis for the contract ledger tests (test_contract_exec.c,
 * test_contract_world.c): keys from fixed seeds, a RocksDB store in /tmp,
 * the exec config with a contract cache, and reading a contract file. */
#ifndef AETHER_TEST_LEDGER_ENV_H
#define AETHER_TEST_LEDGER_ENV_H

#include "chain/exec/exec.h"

typedef struct ledger_env {
    char dir[64];
    chain_state_t *st;
    chain_exec_cfg_t cfg;
} ledger_env_t;

/* Ed25519 key i from the seed (seed_byte + i) x 32. */
void ledger_key(uint8_t seed_byte, int i, uint8_t pk[32], uint8_t sk[64], chain_addr_t *a);
/* Opens a fresh store with chain id, the allocations and proposer_pk;
 * cache: compiled code cached (else compiled for each run). Asserts. */
void ledger_env_open(ledger_env_t *v, uint64_t chain_id, const chain_genesis_alloc_t *al,
                     size_t n, const uint8_t proposer_pk[32], bool cache);
void ledger_env_close(ledger_env_t *v);   /* closes and removes the store */
/* Reads a contract (at most CHAIN_MAX_CODE_BYTES); NULL when unreadable. */
uint8_t *ledger_read_code(const char *path, size_t *len);

#endif
