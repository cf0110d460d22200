/*
 * chain/mempool: the pool of admitted, not yet committed transactions.
 *
 * Pure logic, no I/O and no locking (the node serialises access). The pool does
 * not decode transactions: the caller decodes and verifies a transaction, then
 * hands over its raw bytes together with a mempool_tx_info_t summary (hash,
 * sender, nonce, fee, the most it can debit from the sender's balance, size)
 * and the sender's committed account (nonce, balance). Keeping the codec out
 * makes the pool cheap to test and lets any future transaction kind reuse it.
 *
 * Rules (each rejection names its reason, see mempool_reason_t):
 *   - size: at most cfg.max_tx_bytes; fee floor: fee >= min_fee + fee_per_byte * size;
 *   - nonce: >= the committed account nonce, and at most max_nonce_gap beyond
 *     the end of the sender's contiguous run (the "next expected" nonce);
 *     at most max_per_sender transactions per sender;
 *   - funds: the sender's committed balance must cover the summed cost of all of
 *     its pooled transactions (so a flood of unaffordable transactions is refused
 *     at the door, not in a block);
 *   - replace-by-fee: same sender and nonce replaces the pooled transaction only
 *     when new_fee >= old_fee * (100 + rbf_bump_percent) / 100 (default +10%);
 *   - capacity: at most max_txs (default 50,000). When full, a new transaction
 *     evicts the cheapest sender-tail transaction (the highest nonce of some
 *     sender, so no gap is ever created) only if it pays strictly more;
 *   - expiry: transactions older than ttl_ms are dropped by mempool_expire().
 *     Dropping a transaction also drops that sender's later ones, which could
 *     never be included any more without it.
 *
 * Ordering: mempool_select() returns "ready" transactions (those whose nonce
 * continues the sender's committed nonce without a gap) by descending fee, a
 * sender's transactions always in nonce order, ties by arrival. Upstream picked
 * by fee alone and could emit a sender's nonce 5 before nonce 4, and never
 * seeded nonces from chain state (reference/aether-original.md §6.1, §10.2.7);
 * here every admission is checked against the committed account.
 *
 * Costs: add/remove O(log senders + per-sender count), select O(k log senders).
 * Entries handed out by mempool_select()/mempool_get() stay valid until the next
 * call that mutates the pool.
 */
#ifndef AETHER_CHAIN_MEMPOOL_H
#define AETHER_CHAIN_MEMPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "chain/types/types.h"

#define MEMPOOL_HASH_BYTES 32
#define MEMPOOL_ADDR_BYTES 20


/* Error codes MEMPOOL_E* are defined in base/base.h (AETHER_ERRORS), the one
 * error space of the project; this module's range starts at -750. */

typedef enum mempool_reason {
    MEMPOOL_ACCEPTED = 0,
    MEMPOOL_R_DUPLICATE,          /* the same transaction hash is already pooled */
    MEMPOOL_R_TOO_LARGE,          /* encoded size above max_tx_bytes */
    MEMPOOL_R_FEE_TOO_LOW,        /* below min_fee + fee_per_byte * size */
    MEMPOOL_R_NONCE_TOO_LOW,      /* nonce already used by a committed transaction */
    MEMPOOL_R_NONCE_GAP,          /* too far ahead of the sender's next nonce */
    MEMPOOL_R_SENDER_LIMIT,       /* sender already has max_per_sender pooled */
    MEMPOOL_R_INSUFFICIENT_FUNDS, /* balance cannot cover the sender's pooled costs */
    MEMPOOL_R_UNDERPRICED,        /* replacement fee below old fee + bump */
    MEMPOOL_R_FULL,               /* pool full and the fee does not beat the cheapest */
    MEMPOOL_R_COUNT
} mempool_reason_t;

/* Stable snake_case name of a reason ("fee_too_low"), for logs, metrics and RPC. */
const char *mempool_reason_name(mempool_reason_t r);

typedef struct mempool_config {
    size_t max_txs;             /* default 50,000 */
    size_t max_tx_bytes;        /* default 65,536 */
    size_t max_per_sender;      /* default 4,096 */
    uint64_t max_nonce_gap;     /* default 64 */
    chain_u128_t min_fee;     /* default 1,000 */
    chain_u128_t fee_per_byte;/* default 1 */
    uint32_t rbf_bump_percent;  /* default 10 */
    uint64_t ttl_ms;            /* default 600,000 (10 minutes); 0 = never expire */
    /* Called with an entry's user pointer whenever the pool drops the entry
     * (removed, replaced, evicted, expired, freed); NULL = nothing to free. */
    void (*free_ud)(void *ud);
} mempool_config_t;

void mempool_config_default(mempool_config_t *cfg);

/* What the pool needs to know about a transaction. */
typedef struct mempool_tx_info {
    uint8_t hash[MEMPOOL_HASH_BYTES];
    uint8_t sender[MEMPOOL_ADDR_BYTES];
    uint64_t nonce;
    chain_u128_t fee;
    chain_u128_t cost; /* most the tx can debit from the sender's balance (amount + fee) */
    uint32_t size;       /* encoded size in bytes */
} mempool_tx_info_t;

/* The sender's committed account. */
typedef struct mempool_account {
    uint64_t nonce;
    chain_u128_t balance;
} mempool_account_t;

/* A pooled transaction. */
typedef struct mempool_tx {
    mempool_tx_info_t info;
    const uint8_t *raw;  /* the encoded transaction (owned by the pool) */
    size_t raw_len;
    uint64_t added_ms;   /* admission time */
    uint64_t seq;        /* arrival counter (tie-break) */
    void *ud;            /* the caller's pointer given to mempool_add (e.g. the decoded tx) */
} mempool_tx_t;

typedef struct mempool_stats {
    size_t count;        /* pooled transactions */
    size_t ready;        /* of which ready for a block */
    size_t senders;
    size_t bytes;        /* sum of raw sizes */
    uint64_t accepted;   /* admissions since creation (replacements included) */
    uint64_t replaced;
    uint64_t evicted;    /* pushed out by a better-paying transaction when full */
    uint64_t expired;
    uint64_t removed;    /* removed as committed or stale */
    uint64_t rejected[MEMPOOL_R_COUNT];
} mempool_stats_t;

typedef struct mempool mempool_t;

/* cfg may be NULL for the defaults. Returns NULL on allocation failure or a
 * nonsensical config (zero max_txs), with e set. */
mempool_t *mempool_new(const mempool_config_t *cfg, err_t *e);
void mempool_free(mempool_t *mp);

/* Admits a transaction. raw is copied; ud is kept with it and handed to
 * cfg.free_ud when the entry goes (on rejection it stays the caller's).
 * acct is the sender's committed account.
 * Returns 0 (accepted; *replaced set when it replaced a pooled transaction with
 * the same sender and nonce) or MEMPOOL_EREJECT with *reason and e naming the
 * cause ("mempool: fee 900 below floor 1069 (1000 + 1/byte * 69 bytes)").
 * reason and replaced may be NULL. */
int mempool_add(mempool_t *mp, const mempool_tx_info_t *info, const uint8_t *raw, size_t raw_len,
                void *ud, const mempool_account_t *acct, uint64_t now_ms, mempool_reason_t *reason,
                bool *replaced, err_t *e) BASE_MUST_CHECK;

/* The pooled transaction with this hash, or NULL. */
const mempool_tx_t *mempool_get(const mempool_t *mp, const uint8_t hash[MEMPOOL_HASH_BYTES]);

/* Removes one transaction (e.g. included in a block whatever its receipt).
 * The sender's later transactions stay (they may become ready). Returns true
 * when it was pooled. */
bool mempool_remove(mempool_t *mp, const uint8_t hash[MEMPOOL_HASH_BYTES]);

/* Tells the pool the sender's new committed account after a block: drops its
 * transactions with nonce < acct->nonce and re-checks its funds (dropping the
 * tail that the new balance no longer covers). Returns the number dropped. */
size_t mempool_update_account(mempool_t *mp, const uint8_t sender[MEMPOOL_ADDR_BYTES],
                              const mempool_account_t *acct);

/* Drops transactions added more than ttl_ms before now_ms (and their senders'
 * later transactions). Returns the number dropped. */
size_t mempool_expire(mempool_t *mp, uint64_t now_ms);

/* Fills out[0..max_txs) with ready transactions, best fee first, per-sender
 * nonce order, stopping before max_bytes of raw size would be exceeded
 * (0 = no byte limit). Does not remove them. Returns the number written. */
size_t mempool_select(mempool_t *mp, const mempool_tx_t **out, size_t max_txs, size_t max_bytes);

/* The sender's next nonce as the pool sees it: committed nonce plus its
 * contiguous pooled run (what a wallet should use next). Returns false when
 * the sender has nothing pooled. */
bool mempool_next_nonce(const mempool_t *mp, const uint8_t sender[MEMPOOL_ADDR_BYTES],
                        uint64_t *nonce);

size_t mempool_count(const mempool_t *mp);
void mempool_get_stats(const mempool_t *mp, mempool_stats_t *st);

#endif /* AETHER_CHAIN_MEMPOOL_H */
