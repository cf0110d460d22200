/*
 * Harness for driving the real `aetherd` binary from C: a scratch directory,
 * deterministic account keys, genesis and key files, starting / stopping /
 * killing the node, pre-signed transfers, batched JSON-RPC submission and
 * waiting for commitment. Used by tests/chain (integration) and bench/chain.
 *
 * Every function reports failures by returning -1 (or NULL) after printing a
 * line to stderr naming what failed, so a caller can stop with a clear reason.
 */
#ifndef AETHER_TESTS_CHAIN_HARNESS_H
#define AETHER_TESTS_CHAIN_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "chain/node/node.h"
#include "chain/rpc/rpc.h"

typedef struct h_node {
    char dir[512];          /* scratch directory (keys, genesis, data) */
    char aetherd[512];      /* path of the binary */
    char aether[512];       /* path of the client binary */
    pid_t pid;              /* 0 when not running */
    uint16_t port;
    char url[64];
    node_key_t validator;
    uint64_t chain_id;
} h_node_t;

/* Takes the paths of aetherd and aether (ctest passes $<TARGET_FILE:...>),
 * makes a fresh scratch directory under $TMPDIR and writes the validator key
 * and chain id 900. Returns 0, or 77 when a binary is missing (ctest SKIP). */
int h_init(h_node_t *h, const char *name, const char *aetherd, const char *aether);
/* Removes the scratch directory (after stopping the node). */
void h_cleanup(h_node_t *h);

/* Deterministic account key i of a test. */
void h_account(uint32_t i, node_key_t *k);

/* Writes <dir>/genesis.json with the validator and n accounts (h_account(0..n)),
 * each with balance, plus n_utxo genesis UTxOs of utxo_amount owned by
 * account 0. */
int h_write_genesis(h_node_t *h, uint32_t n_accounts, uint64_t balance, uint32_t n_utxo,
                    uint64_t utxo_amount);

/* Starts aetherd run with extra arguments (NULL-terminated); waits until
 * /health answers (up to timeout_ms). */
int h_start(h_node_t *h, const char *const *extra, unsigned timeout_ms);
/* Sends sig (SIGTERM: clean, SIGKILL: crash) and reaps the process. Returns
 * the exit status (or 128 + signal). */
int h_stop(h_node_t *h, int sig);

/* A batch of JSON-RPC aeth_sendRawTransaction requests, pre-encoded. */
typedef struct h_batch {
    char *body;
    size_t len;
    size_t n;
} h_batch_t;

/* One pre-signed transfer. */
typedef struct h_tx {
    chain_hash_t hash;
    uint32_t from, to;      /* account indexes */
    uint64_t nonce, amount, fee;
    char *hex;              /* "0x" + signed encoding */
} h_tx_t;

/* Signs a transfer (fee, amount) from account `from` with nonce to account
 * `to` for chain_id. Returns 0. */
int h_sign_transfer(uint64_t chain_id, uint32_t from, uint32_t to, uint64_t nonce, uint64_t amount,
                    uint64_t fee, h_tx_t *out);
void h_tx_free(h_tx_t *t);

/* Builds batch bodies of up to per_batch requests from txs[0..n). */
h_batch_t *h_make_batches(const h_tx_t *txs, size_t n, size_t per_batch, size_t *n_batches);
void h_batches_free(h_batch_t *b, size_t n);

/* Posts one batch; counts results with a hash (accepted) and errors by code. */
typedef struct h_send_stats {
    size_t accepted, rejected, invalid, other;
    int last_code;
    char last_msg[256];
} h_send_stats_t;
int h_post_batch(rpc_client_t *c, const h_batch_t *b, h_send_stats_t *st);

/* Asks for the receipts of txs[0..n) (aeth_getReceipt, batches of 100):
 * state[i] = 1 when a receipt with success exists, 2 when a receipt without
 * success exists, 0 when there is none. Returns 0, or -1 when the node did not
 * answer (state[] then holds what was learnt so far, the rest 0). */
int h_receipts(rpc_client_t *c, const h_tx_t *txs, size_t n, int *state);
/* Waits until each account i in [0, n) has committed nonce >= want[i]
 * (polling aeth_getAccount in batches). Returns 0, or -1 on timeout. */
int h_wait_nonces(rpc_client_t *c, uint32_t n, const uint64_t *want, unsigned timeout_ms);

/* The committed block at height: its hash and its transactions' hashes
 * (*hashes malloc'd, *n of them). 1 when the node has no block there yet,
 * 0 on success, -1 when the node did not answer. */
int h_block_txs(rpc_client_t *c, uint64_t height, chain_hash_t *block_hash, chain_hash_t **hashes,
                size_t *n);
/* aeth_blockNumber, or -1. */
int h_height(rpc_client_t *c, uint64_t *height);

/* Reads account i's committed balance (low 64 bits; tests use small amounts)
 * and nonce. */
int h_get_account(rpc_client_t *c, uint32_t i, uint64_t *balance, uint64_t *nonce);

/* Posts a raw JSON-RPC body; *status = HTTP status, *resp = the parsed
 * answer (NULL when the body is empty or not JSON). -1 when no answer. */
int h_rpc_raw(rpc_client_t *c, const char *body, int *status, json_t **resp);

/* Calls a method with params (stolen); returns the result (new ref) or NULL. */
json_t *h_call(rpc_client_t *c, const char *method, json_t *params);

/* Runs a command (argv NULL-terminated) capturing stdout (malloc'd) and
 * returns its exit status. */
int h_run(const char *const *argv, char **out);

uint64_t h_now_ms(void);

/* CPU seconds (user + system, all threads) process pid has used, from
 * /proc; 0 when unreadable. */
double h_proc_cpu(pid_t pid);

#endif
