/*
 * chain/client: the wallet — what a program needs to use an Aether node over
 * JSON-RPC (rpc's HTTP client): key files, the chain id and an account's
 * nonce, fees, building + signing + submitting transfers and UTxO spends,
 * waiting for a receipt, and choosing UTxOs to spend. The `aether` CLI, the
 * tests and bench/chain use it; they only parse arguments and print.
 *
 * Key file (the node's validator key uses the same format): JSON
 *   {"type":"ed25519","public_key","address","secret_seed"} (lower-case
 *   hex), mode 0600, written atomically; loading is strict (unknown fields,
 *   bad hex, a public key or address that does not belong to the seed are
 *   errors naming the file and the field).
 *
 * Endpoint: the URL given, else $AETHER_RPC, else http://127.0.0.1:8545.
 *
 * Errors (CHAIN_CLIENT_E*, defined in base/base.h's AETHER_ERRORS):
 * bad argument or key file; node unreachable; the node refused a call (a
 * JSON-RPC error: the message is the node's); an answer of the wrong shape
 * (not an Aether node?); insufficient funds; not committed in time; the
 * transaction was committed with a failed receipt. Every message names
 * what was wrong ("node refused aeth_sendRawTransaction (-32001): ...").
 *
 * Threads: a chain_client_t is used by one thread at a time.
 */
#ifndef AETHER_CHAIN_CLIENT_H
#define AETHER_CHAIN_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "chain/types/types.h"

/* ---- key files ---------------------------------------------------------------- */

typedef struct chain_key {
    uint8_t seed[CRYPTO_ED25519_SEED_BYTES];
    uint8_t pk[CRYPTO_ED25519_PK_BYTES];
    uint8_t sk[CRYPTO_ED25519_SK_BYTES];
    chain_addr_t addr;
} chain_key_t;

void chain_key_generate(chain_key_t *k);
void chain_key_from_seed(chain_key_t *k, const uint8_t seed[CRYPTO_ED25519_SEED_BYTES]);
/* Refuses to overwrite an existing file unless overwrite. */
int chain_key_save(const char *path, const chain_key_t *k, bool overwrite, err_t *e)
    BASE_MUST_CHECK;
int chain_key_load(const char *path, chain_key_t *k, err_t *e) BASE_MUST_CHECK;
/* {"type","public_key","address"} (no secret). */
json_t *chain_key_public_json(const chain_key_t *k);
void chain_key_wipe(chain_key_t *k);

/* ---- fees ----------------------------------------------------------------------- */

#define CHAIN_CLIENT_DEFAULT_FEE 2000u
#define CHAIN_CLIENT_DEFAULT_MIN_FEE 1000u   /* aetherd's default floor, + 1 per byte */

/* aetherd's default fee floor for a tx of size bytes: min fee + 1 per byte. */
chain_u128_t chain_client_fee_floor(uint32_t size);

/* The fee every sending function (and the market, the bench programs) pays
 * when none is given, for a tx of size bytes with next_base the next block's
 * base fee per byte (aeth_baseFee "next_base_fee", 0 without a fee market):
 *
 *   max(CHAIN_CLIENT_DEFAULT_FEE, fee_floor(size))         the tip, and the floor
 *   + CHAIN_CLIENT_BASE_FEE_MARGIN x next_base x size      the base fee, doubled
 *
 * A full block raises the base fee by 1/8 (docs/staking.md), so twice the
 * next base fee still pays it after 5 full blocks in a row (1.125^5 = 1.80);
 * what the base fee does not take goes to the proposer as tip. Saturates. */
#define CHAIN_CLIENT_BASE_FEE_MARGIN 2u
chain_u128_t chain_client_fee_for(chain_u128_t next_base, uint32_t size);

/* ---- UTxO selection --------------------------------------------------------------- */

typedef struct chain_client_utxo {
    chain_utxo_id_t id;
    chain_u128_t amount;
} chain_client_utxo_t;

/* Picks UTxOs, largest first, until their total plus have reaches need or
 * max_inputs are taken. Writes the chosen ids to out (sorted as a tx needs
 * them), their count to *n_out and the new total to *total. Returns true
 * when the total covers need. utxos is reordered. */
bool chain_client_select_utxos(chain_client_utxo_t *utxos, size_t n, chain_u128_t have,
                               chain_u128_t need, uint32_t max_inputs, chain_utxo_id_t *out,
                               uint32_t *n_out, chain_u128_t *total);

/* ---- the client ------------------------------------------------------------------- */

#define CHAIN_CLIENT_DEFAULT_RPC "http://127.0.0.1:8545"

typedef struct chain_client chain_client_t;

/* url NULL: $AETHER_RPC, else CHAIN_CLIENT_DEFAULT_RPC. */
chain_client_t *chain_client_new(const char *url, unsigned timeout_ms, err_t *e);
void chain_client_free(chain_client_t *c);   /* accepts NULL */
const char *chain_client_url(const chain_client_t *c);
/* The endpoint a NULL url resolves to. */
const char *chain_client_default_url(void);

/* One JSON-RPC call (params is taken, may be NULL). */
int chain_client_call(chain_client_t *c, const char *method, json_t *params, json_t **result,
                      err_t *e) BASE_MUST_CHECK;
/* GET /health: the HTTP status and the body (parsed JSON, or a JSON string
 * when it is not JSON). */
int chain_client_health(chain_client_t *c, int *status, json_t **body, err_t *e)
    BASE_MUST_CHECK;

int chain_client_chain_id(chain_client_t *c, uint64_t *chain_id, err_t *e) BASE_MUST_CHECK;

typedef struct chain_client_account {
    chain_u128_t balance;
    uint64_t nonce;       /* committed */
    uint64_t next_nonce;  /* past the account's pending transactions */
    bool exists;
} chain_client_account_t;

int chain_client_account(chain_client_t *c, const chain_addr_t *a, chain_client_account_t *out,
                         err_t *e) BASE_MUST_CHECK;
/* The owner's UTxOs (malloc'd array, free()). */
int chain_client_utxos(chain_client_t *c, const chain_addr_t *owner, chain_client_utxo_t **out,
                       size_t *n, err_t *e) BASE_MUST_CHECK;

/* Submits a signed tx; *hash (optional) gets the hash the node returned,
 * which must be the tx's. */
int chain_client_submit(chain_client_t *c, const chain_tx_t *tx, chain_hash_t *hash, err_t *e)
    BASE_MUST_CHECK;

/* A committed transaction's receipt. */
typedef struct chain_client_receipt {
    chain_receipt_t receipt;
    uint64_t block_height;
    uint32_t index;
    char status[32];      /* the node's status name ("ok", "utxo_missing", ...) */
} chain_client_receipt_t;

/* Polls aeth_getReceipt every 50 ms until the tx is committed or
 * timeout_ms passes (CHAIN_CLIENT_ETIMEOUT). raw (optional) gets the
 * node's receipt JSON. A committed but failed tx is not an error here:
 * check out->receipt.status. */
int chain_client_wait_receipt(chain_client_t *c, const chain_hash_t *hash, uint64_t timeout_ms,
                              chain_client_receipt_t *out, json_t **raw, err_t *e)
    BASE_MUST_CHECK;

/* ---- sending ------------------------------------------------------------------------ */

typedef struct chain_client_send {
    chain_addr_t to;
    chain_u128_t amount;               /* > 0 */
    bool have_fee;
    chain_u128_t fee;                  /* default: chain_client_fee_estimate for the tx's size */
    bool have_nonce;
    uint64_t nonce;                    /* default: the account's next nonce */
    /* UTxO spends only */
    chain_u128_t from_balance;         /* added from the account balance */
    const chain_utxo_id_t *inputs;     /* NULL: chosen from the key's UTxOs */
    uint32_t n_inputs;
    /* job accept only: the Phase identity's secret key (seed || pk, for
     * the body's phase_pk) that signs the link to the key's account on the
     * node's chain (chain_job_link_sign); NULL: b->link_sig as given */
    const uint8_t *phase_sk;
} chain_client_send_t;

/* Builds, signs and submits a transfer of s->amount to s->to from key's
 * account (chain id and nonce from the node; funds checked against the
 * balance first: CHAIN_CLIENT_EFUNDS). *tx_out (optional) gets the signed
 * tx (chain_tx_free it). */
int chain_client_transfer(chain_client_t *c, const chain_key_t *key,
                          const chain_client_send_t *s, chain_tx_t **tx_out, err_t *e)
    BASE_MUST_CHECK;
/* The same for a UTxO spend into one new UTxO of s->amount for s->to: with
 * no inputs given, the key's UTxOs are chosen (largest first) to cover
 * amount + fee (less from_balance); the surplus returns to the account.
 * With many inputs and no fee given, the fee grows with the size
 * (chain_client_fee_floor). */
int chain_client_utxo_send(chain_client_t *c, const chain_key_t *key,
                           const chain_client_send_t *s, chain_tx_t **tx_out, err_t *e)
    BASE_MUST_CHECK;

/* ---- job escrow (issue 16, docs/escrow.md) ---------------------------------- */

/* Builds, signs and submits a job tx carrying b from key's account (chain
 * id and nonce from the node, as a transfer; s->to/amount/inputs unused).
 * Without a fee: the default, raised to chain_client_fee_floor(size). */
int chain_client_job_send(chain_client_t *c, const chain_key_t *key, const chain_client_send_t *s,
                          const chain_job_body_t *b, chain_tx_t **tx_out, err_t *e)
    BASE_MUST_CHECK;
/* aeth_getJob: the job JSON, or JSON null when there is no such job. */
int chain_client_get_job(chain_client_t *c, const chain_hash_t *id, json_t **job, err_t *e)
    BASE_MUST_CHECK;
/* aeth_getJobData: the module and input bytes a job was posted with (kept
 * on chain for re-execution); *exists false when the job has none (or does
 * not exist). module and input are overwritten. */
int chain_client_get_job_data(chain_client_t *c, const chain_hash_t *id, buf_t *module,
                              buf_t *input, bool *exists, err_t *e) BASE_MUST_CHECK;
/* One page of aeth_getJobs: filter (taken; NULL = all; may carry "max"),
 * jobs with id > *after (NULL: from the first). *jobs gets the page's array;
 * *more is true when another page may follow, and then *next is the cursor
 * to pass as after. CHAIN_CLIENT_EPROTO when the answer is not
 * {"jobs": [...], "next": id | null}. */
int chain_client_get_jobs(chain_client_t *c, json_t *filter, const chain_hash_t *after,
                          json_t **jobs, bool *more, chain_hash_t *next, err_t *e)
    BASE_MUST_CHECK;

/* ---- contracts (issue 14, docs/contracts.md) --------------------------------- */

/* A deploy (code != NULL) or a call of `contract`. gas_limit 0: the node's
 * estimate (aeth_estimateGas) plus a quarter, at most CHAIN_MAX_TX_GAS;
 * gas_price zero: CHAIN_CLIENT_DEFAULT_GAS_PRICE. */
#define CHAIN_CLIENT_DEFAULT_GAS_PRICE 1u
typedef struct chain_client_contract {
    chain_addr_t contract;
    const uint8_t *code;
    uint32_t code_len;
    const uint8_t *input;
    uint32_t input_len;
    chain_u128_t value, gas_price;
    uint64_t gas_limit;
} chain_client_contract_t;

/* Builds, signs and submits the contract tx from key's account (chain id,
 * nonce and fee as for a transfer, s->to/amount/inputs unused); funds are
 * checked first against fee + gas_limit x gas_price + value
 * (CHAIN_CLIENT_EFUNDS). An estimate that fails (the call would revert) is
 * CHAIN_CLIENT_EREFUSED with the node's reason. */
int chain_client_contract_send(chain_client_t *c, const chain_key_t *key,
                               const chain_client_send_t *s, const chain_client_contract_t *k,
                               chain_tx_t **tx_out, err_t *e) BASE_MUST_CHECK;
/* aeth_call (read-only, at the tip) of k from `from` (NULL: the zero
 * address): the node's result JSON. */
int chain_client_contract_query(chain_client_t *c, const chain_addr_t *from,
                                const chain_client_contract_t *k, json_t **result, err_t *e)
    BASE_MUST_CHECK;
/* The same as of block *height (NULL: the tip); the node answers for heights
 * within its state history (aetherd run --state-history) and refuses others
 * naming the oldest available height. */
int chain_client_contract_query_at(chain_client_t *c, const chain_addr_t *from,
                                   const chain_client_contract_t *k, const uint64_t *height,
                                   json_t **result, err_t *e) BASE_MUST_CHECK;
/* aeth_getLogs with a filter object (taken). */
int chain_client_get_logs(chain_client_t *c, json_t *filter, json_t **logs, err_t *e)
    BASE_MUST_CHECK;
/* ---- staking (issue 15, docs/staking.md) ------------------------------------ */

/* A validator's consensus keys, derived from its Ed25519 key file's seed so
 * that one key file is the whole validator identity (the node derives the
 * same keys to sign QCs):
 *   bls_sk = BLS KeyGen(IKM = SHA-256("aether/validator/bls/v1" ‖ seed))
 *   vrf_sk = SHA-256("aether/validator/vrf/v1" ‖ seed)
 * Wipe with chain_validator_keys_wipe. */
typedef struct chain_validator_keys {
    uint8_t bls_sk[32];
    uint8_t bls_pk[CHAIN_BLS_PK_BYTES];
    uint8_t bls_pop[CHAIN_BLS_SIG_BYTES];
    uint8_t vrf_sk[32];
    uint8_t vrf_pk[CHAIN_VRF_PK_BYTES];
} chain_validator_keys_t;

int chain_validator_keys_derive(const chain_key_t *k, chain_validator_keys_t *out, err_t *e)
    BASE_MUST_CHECK;
void chain_validator_keys_wipe(chain_validator_keys_t *k);

/* Builds, signs and submits a staking tx carrying b from key's account
 * (chain id, nonce and fee as chain_client_job_send). A REGISTER body's
 * keys are filled from the key (chain_validator_keys_derive) when its
 * bls_pk is all zero. Funds (fee + what it stakes) are checked against the
 * balance first: CHAIN_CLIENT_EFUNDS. */
int chain_client_stake_send(chain_client_t *c, const chain_key_t *key,
                            const chain_client_send_t *s, const chain_stake_body_t *b,
                            chain_tx_t **tx_out, err_t *e) BASE_MUST_CHECK;
/* aeth_getValidators, aeth_getValidator [addr], aeth_getDelegations [addr],
 * aeth_getStaking: the node's JSON (null on a chain without staking / for
 * an unknown validator). */
int chain_client_validators(chain_client_t *c, json_t **out, err_t *e) BASE_MUST_CHECK;
int chain_client_validator(chain_client_t *c, const chain_addr_t *a, json_t **out, err_t *e)
    BASE_MUST_CHECK;
int chain_client_delegations(chain_client_t *c, const chain_addr_t *a, json_t **out, err_t *e)
    BASE_MUST_CHECK;
int chain_client_staking(chain_client_t *c, json_t **out, err_t *e) BASE_MUST_CHECK;
/* aeth_baseFee: the base fee per gas of the next block (0 without a fee
 * market); see chain_client_fee_for. */
int chain_client_next_base_fee(chain_client_t *c, chain_u128_t *base, err_t *e) BASE_MUST_CHECK;
/* chain_client_fee_for with the node's next base fee (one aeth_baseFee call). */
int chain_client_fee_estimate(chain_client_t *c, uint32_t size, chain_u128_t *fee, err_t *e)
    BASE_MUST_CHECK;

#endif /* AETHER_CHAIN_CLIENT_H */
