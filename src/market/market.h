/*
 * market: a Phase node working the Aether job escrow (issue 16,
 * docs/escrow.md). `plasmd start --chain URL --account KEYFILE` runs one:
 *
 *   provider    watches the chain for posted jobs it can serve (fuel and
 *               memory within its limits, payment >= its price, bond <= its
 *               maximum, its account on the allow-list when there is one,
 *               module and input on chain), accepts them (locking the bond
 *               and signing the Phase identity <-> account link), fetches the
 *               module and input (aeth_getJobData), runs the job on the
 *               Phase executor exactly as the chain re-executes a disputed
 *               one (phase_escrow_run), claims with its SignedReceipt and
 *               finalizes once the challenge window has closed.
 *   watchtower  watches claims by other providers, re-runs each job it can
 *               (same run), and challenges a claim whose output commitment
 *               is wrong, posting a challenger bond equal to the provider's
 *               (minimum 1); the chain's re-execution then slashes the
 *               cheater inside the challenge's block.
 *
 * Every decision is derived from committed chain state, never from memory
 * of what this process did: a round acts only when the account has no
 * pending transaction (its next nonce equals its committed nonce), so a
 * restart in the middle of a job neither accepts nor claims twice (an
 * accepted job of ours is claimed, a claimed one finalized). What a round
 * remembers (claims already checked, jobs that failed repeatedly) only
 * saves work.
 *
 * A round: tip height, account; then, in this order, claim our accepted
 * jobs, finalize our claimed jobs whose window has closed, accept posted
 * jobs that fit (at most max_active jobs of ours in flight), and as a
 * watchtower check the open claims of others. Transactions of one round
 * carry consecutive nonces. RPC failures end the round; the loop retries
 * with exponential back-off (poll_ms doubling up to max_backoff_ms) and
 * logs each failure. aeth_getJobs answers pages of at most 100 jobs in
 * job id order with a cursor: the posted and claimed lists (everyone's)
 * are read pages_per_round pages per round, resuming where the previous
 * round stopped and starting over from the first job after the last page,
 * so the work per round is bounded and every job is seen within
 * ceil(jobs / (100 x pages_per_round)) rounds; our own accepted and claimed
 * jobs are read in full (up to 64 pages) every round.
 *
 * Errors: MARKET_E* (base/base.h's AETHER_ERRORS, range -1100 .. -1149).
 * Threads: market_start runs the loop on its own thread; market_poll is
 * for callers that drive rounds themselves. A market_t is used by one
 * thread at a time.
 */
#ifndef AETHER_MARKET_H
#define AETHER_MARKET_H

#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"
#include "chain/client/client.h"
#include "phase/phase.h"

typedef struct market_cfg {
    const char *rpc_url;          /* NULL: $AETHER_RPC, else the default */
    chain_key_t account;          /* copied (wiped by market_free) */
    phase_identity_t identity;    /* copied (wiped by market_free) */
    bool provide;                 /* accept and run posted jobs */
    bool watchtower;              /* check others' claims, challenge wrong ones */
    uint64_t max_fuel;            /* 0: CHAIN_JOB_MAX_FUEL */
    uint64_t max_memory;          /* bytes; 0: MARKET_DEFAULT_MAX_MEMORY */
    chain_u128_t min_payment;     /* the price: jobs paying less are left alone */
    bool have_max_bond;
    chain_u128_t max_bond;        /* the largest provider bond it locks */
    uint32_t max_active;          /* our accepted, unclaimed jobs; 0: 4 */
    bool have_fee;
    chain_u128_t fee;             /* per tx; default: chain_client_fee_estimate per tx */
    uint32_t pages_per_round;     /* aeth_getJobs pages of others' jobs per list; 0: 4 */
    uint32_t poll_ms;             /* 0: 500 */
    uint32_t max_backoff_ms;      /* 0: 10,000 */
    uint32_t rpc_timeout_ms;      /* 0: 10,000 */
} market_cfg_t;

#define MARKET_DEFAULT_MAX_MEMORY (128u << 20)   /* the Phase worker's ceiling */

typedef struct market_stats {
    uint64_t rounds, rpc_errors;
    uint64_t accepted, claimed, finalized;   /* transactions sent */
    uint64_t checked, challenged;            /* claims re-run, challenges sent */
} market_stats_t;

typedef struct market market_t;

/* MARKET_EINVAL when neither provide nor watchtower is set or a value is
 * out of range. Does not contact the node. */
market_t *market_new(const market_cfg_t *cfg, err_t *e);
void market_free(market_t *m);   /* stops the thread first; accepts NULL */

/* One round (see above). MARKET_ERPC when the node could not be asked (the
 * message says which call and why). */
int market_poll(market_t *m, err_t *e) BASE_MUST_CHECK;

/* Runs rounds every poll_ms on a new thread until market_stop, backing off
 * on errors. */
int market_start(market_t *m, err_t *e) BASE_MUST_CHECK;
void market_stop(market_t *m);
void market_stats(market_t *m, market_stats_t *out);

/* ---- the requester's side ---- */

/* The SignedReceipt that claimed job `id`, read from the claim tx in block
 * claimed_at and verified against the job record: its SHA-256 is
 * receipt_hash, it is signed by the Phase key the provider linked on chain
 * (phase_pk), its job_id is id and its output commitment is the recorded
 * one. *job (the aeth_getJob JSON) and *receipt (the exact bytes, malloc'd)
 * are the caller's. MARKET_ENOTFOUND when there is no such job or nobody
 * claimed it yet, MARKET_EVERIFY naming the mismatch, MARKET_ERPC. A
 * slashed job's receipt verifies too: it was signed, its output was wrong
 * (the job's status says so). */
int market_job_receipt(chain_client_t *c, const chain_hash_t *id, json_t **job, char **receipt,
                       err_t *e) BASE_MUST_CHECK;

#endif /* AETHER_MARKET_H */
