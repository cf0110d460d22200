/*
 * The mempool's data structures, tuned for a pool of up to 50,000
 * transactions from many senders with a few to a few thousand each:
 *
 *   by_hash    open-addressing table (linear probing, backward-shift delete)
 *              from transaction hash to entry;
 *   by_sender  the same kind of table from address to a sender record, which
 *              holds the sender's entries in an array sorted by nonce;
 *   tails      a binary min-heap of senders keyed by the fee of their last
 *              (highest-nonce) entry: the eviction candidate when the pool is
 *              full, taken from a tail so eviction never opens a nonce gap;
 *   arrival    a doubly linked list in admission order, for expiry.
 *
 * Selection builds a temporary max-heap of the senders whose first entry is
 * ready and pops from it, pushing a sender back with its next entry.
 */
#include "chain/mempool/mempool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

typedef struct sender sender_t;

typedef struct entry {
    mempool_tx_t tx; /* first member: entries are handed out as mempool_tx_t */
    sender_t *snd;
    struct entry *older, *newer;
} entry_t;

struct sender {
    uint8_t addr[MEMPOOL_ADDR_BYTES];
    uint64_t base_nonce;          /* committed account nonce */
    chain_u128_t balance;       /* committed balance */
    chain_u128_t pooled_cost;   /* sum of the entries' cost */
    entry_t **txs;                /* sorted by nonce, all >= base_nonce */
    size_t n, cap;
    size_t heap_idx;              /* position in mp->tails */
    size_t sel_pos;               /* scratch for mempool_select */
};

typedef struct htab {
    void **slots;
    size_t mask;
    size_t count;
} htab_t;

struct mempool {
    mempool_config_t cfg;
    htab_t by_hash;   /* entry_t*, key tx.info.hash */
    htab_t by_sender; /* sender_t*, key addr */
    sender_t **tails; /* min-heap of senders with n > 0 */
    size_t n_tails;
    entry_t *oldest, *newest;
    size_t count, bytes;
    uint64_t seq;
    uint64_t seed;
    sender_t **scratch; /* selection heap, capacity = by_sender slots */
    size_t scratch_cap;
    mempool_stats_t st;
};

static const char *const reason_names[MEMPOOL_R_COUNT] = {
    [MEMPOOL_ACCEPTED] = "accepted",
    [MEMPOOL_R_DUPLICATE] = "duplicate",
    [MEMPOOL_R_TOO_LARGE] = "too_large",
    [MEMPOOL_R_FEE_TOO_LOW] = "fee_too_low",
    [MEMPOOL_R_NONCE_TOO_LOW] = "nonce_too_low",
    [MEMPOOL_R_NONCE_GAP] = "nonce_gap",
    [MEMPOOL_R_SENDER_LIMIT] = "sender_limit",
    [MEMPOOL_R_INSUFFICIENT_FUNDS] = "insufficient_funds",
    [MEMPOOL_R_UNDERPRICED] = "replacement_underpriced",
    [MEMPOOL_R_FULL] = "pool_full",
};

const char *mempool_reason_name(mempool_reason_t r)
{
    return (unsigned)r < MEMPOOL_R_COUNT ? reason_names[r] : "unknown";
}

void mempool_config_default(mempool_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_txs = 50000;
    cfg->max_tx_bytes = 65536;
    cfg->max_per_sender = 4096;
    cfg->max_nonce_gap = 64;
    cfg->min_fee = chain_u128_from_u64(1000);
    cfg->fee_per_byte = chain_u128_from_u64(1);
    cfg->rbf_bump_percent = 10;
    cfg->ttl_ms = 600000;
}

/* Decimal text of a u128 for messages. */
static const char *u128_str(chain_u128_t v, char buf[CHAIN_U128_STR_MAX])
{
    chain_u128_format(v, buf);
    return buf;
}

/* ---- hash tables ---------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Keys are hashes or hash-derived addresses; the per-pool seed keeps a sender
 * who grinds address prefixes from predicting the probe sequence. */
static uint64_t key_hash(const mempool_t *mp, const uint8_t *key)
{
    uint64_t a, b;
    memcpy(&a, key, 8);
    memcpy(&b, key + 8, 8);
    return mix64(a ^ mp->seed) ^ mix64(b + mp->seed);
}

static const uint8_t *entry_key(const void *p)
{
    return ((const entry_t *)p)->tx.info.hash;
}

static const uint8_t *sender_key(const void *p)
{
    return ((const sender_t *)p)->addr;
}

typedef const uint8_t *(*key_fn)(const void *);

static int htab_init(htab_t *t, size_t want)
{
    size_t cap = 16;
    while (cap < want * 2)
        cap <<= 1;
    t->slots = calloc(cap, sizeof *t->slots);
    if (!t->slots)
        return -1;
    t->mask = cap - 1;
    t->count = 0;
    return 0;
}

static size_t htab_find(const mempool_t *mp, const htab_t *t, key_fn kf, size_t klen,
                        const uint8_t *key)
{
    size_t i = key_hash(mp, key) & t->mask;
    while (t->slots[i]) {
        if (memcmp(kf(t->slots[i]), key, klen) == 0)
            return i;
        i = (i + 1) & t->mask;
    }
    return i; /* empty slot */
}

/* The tables are sized for max_txs at creation and never hold more than
 * max_txs + 1 items, so they never need to grow. */
static void htab_put(mempool_t *mp, htab_t *t, key_fn kf, size_t klen, void *item)
{
    size_t i = htab_find(mp, t, kf, klen, kf(item));
    if (!t->slots[i])
        t->count++;
    t->slots[i] = item;
}

static void htab_del(mempool_t *mp, htab_t *t, key_fn kf, size_t klen, const uint8_t *key)
{
    size_t i = htab_find(mp, t, kf, klen, key);
    if (!t->slots[i])
        return;
    t->slots[i] = NULL;
    t->count--;
    /* Backward-shift deletion: move later items of the probe run into the hole
     * when their home slot does not lie cyclically in (hole, j]. */
    size_t hole = i, j = i;
    for (;;) {
        j = (j + 1) & t->mask;
        if (!t->slots[j])
            break;
        size_t home = key_hash(mp, kf(t->slots[j])) & t->mask;
        bool in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (in_range)
            continue;
        t->slots[hole] = t->slots[j];
        t->slots[j] = NULL;
        hole = j;
    }
}

static entry_t *find_entry(const mempool_t *mp, const uint8_t *hash)
{
    size_t i = htab_find(mp, &mp->by_hash, entry_key, MEMPOOL_HASH_BYTES, hash);
    return mp->by_hash.slots[i];
}

static sender_t *find_sender(const mempool_t *mp, const uint8_t *addr)
{
    size_t i = htab_find(mp, &mp->by_sender, sender_key, MEMPOOL_ADDR_BYTES, addr);
    return mp->by_sender.slots[i];
}

/* ---- tail heap (min by tail fee; among equal fees the newest is evicted) --- */

static bool tail_worse(const sender_t *a, const sender_t *b)
{
    const mempool_tx_t *ta = &a->txs[a->n - 1]->tx, *tb = &b->txs[b->n - 1]->tx;
    int fc = chain_u128_cmp(ta->info.fee, tb->info.fee);
    if (fc != 0)
        return fc < 0;
    return ta->seq > tb->seq;
}

static void tails_swap(mempool_t *mp, size_t i, size_t j)
{
    sender_t *t = mp->tails[i];
    mp->tails[i] = mp->tails[j];
    mp->tails[j] = t;
    mp->tails[i]->heap_idx = i;
    mp->tails[j]->heap_idx = j;
}

static void tails_fix(mempool_t *mp, size_t i)
{
    while (i > 0 && tail_worse(mp->tails[i], mp->tails[(i - 1) / 2])) {
        tails_swap(mp, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < mp->n_tails && tail_worse(mp->tails[l], mp->tails[m]))
            m = l;
        if (r < mp->n_tails && tail_worse(mp->tails[r], mp->tails[m]))
            m = r;
        if (m == i)
            break;
        tails_swap(mp, i, m);
        i = m;
    }
}

static void tails_remove(mempool_t *mp, sender_t *s)
{
    size_t i = s->heap_idx;
    mp->n_tails--;
    if (i != mp->n_tails) {
        mp->tails[i] = mp->tails[mp->n_tails];
        mp->tails[i]->heap_idx = i;
        tails_fix(mp, i);
    }
}

/* ---- entries ------------------------------------------------------------- */

static void arrival_unlink(mempool_t *mp, entry_t *en)
{
    if (en->older)
        en->older->newer = en->newer;
    else
        mp->oldest = en->newer;
    if (en->newer)
        en->newer->older = en->older;
    else
        mp->newest = en->older;
}

static void sender_free(mempool_t *mp, sender_t *s)
{
    htab_del(mp, &mp->by_sender, sender_key, MEMPOOL_ADDR_BYTES, s->addr);
    free(s->txs);
    free(s);
}

/* Unlinks and frees the entry at position idx of its sender (which must keep
 * its record consistent: the caller fixes the heap / frees the sender). */
static void entry_drop(mempool_t *mp, sender_t *s, size_t idx)
{
    entry_t *en = s->txs[idx];
    htab_del(mp, &mp->by_hash, entry_key, MEMPOOL_HASH_BYTES, en->tx.info.hash);
    arrival_unlink(mp, en);
    if (!chain_u128_sub(s->pooled_cost, en->tx.info.cost, &s->pooled_cost))
        s->pooled_cost = chain_u128_from_u64(0); /* cannot happen: the sum includes it */
    memmove(&s->txs[idx], &s->txs[idx + 1], (s->n - idx - 1) * sizeof *s->txs);
    s->n--;
    mp->count--;
    mp->bytes -= en->tx.raw_len;
    if (mp->cfg.free_ud && en->tx.ud)
        mp->cfg.free_ud(en->tx.ud);
    free(en);
}

/* After the sender's entries changed: re-heap, or free an empty sender. */
static void sender_settle(mempool_t *mp, sender_t *s, bool was_in_heap)
{
    if (s->n == 0) {
        if (was_in_heap)
            tails_remove(mp, s);
        sender_free(mp, s);
        return;
    }
    if (!was_in_heap) {
        s->heap_idx = mp->n_tails;
        mp->tails[mp->n_tails++] = s;
    }
    tails_fix(mp, s->heap_idx);
}

/* Drops the sender's entries from position idx to the end. */
static size_t drop_from(mempool_t *mp, sender_t *s, size_t idx)
{
    size_t n = 0;
    while (s->n > idx) {
        entry_drop(mp, s, s->n - 1);
        n++;
    }
    sender_settle(mp, s, true);
    return n;
}

/* Drops entries below the committed nonce, then the tail the balance no longer
 * covers. s may be freed. */
static size_t sender_refresh(mempool_t *mp, sender_t *s, const mempool_account_t *acct)
{
    size_t dropped = 0, stale = 0;
    s->base_nonce = acct->nonce;
    s->balance = acct->balance;
    while (stale < s->n && s->txs[stale]->tx.info.nonce < acct->nonce)
        stale++;
    for (size_t i = 0; i < stale; i++)
        entry_drop(mp, s, 0);
    dropped += stale;
    while (s->n > 0 && chain_u128_cmp(s->pooled_cost, s->balance) > 0) {
        entry_drop(mp, s, s->n - 1);
        dropped++;
    }
    sender_settle(mp, s, true);
    return dropped;
}

/* Length of the run of consecutive nonces starting at base_nonce. */
static size_t ready_run(const sender_t *s)
{
    size_t i = 0;
    while (i < s->n && s->txs[i]->tx.info.nonce == s->base_nonce + i)
        i++;
    return i;
}

/* Index of the first entry with nonce >= nonce. */
static size_t lower_bound(const sender_t *s, uint64_t nonce)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->txs[mid]->tx.info.nonce < nonce)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- public API ------------------------------------------------------------ */

mempool_t *mempool_new(const mempool_config_t *cfg, err_t *e)
{
    mempool_t *mp = calloc(1, sizeof *mp);
    if (!mp) {
        err_set(e, MEMPOOL_ENOMEM, "mempool: out of memory");
        return NULL;
    }
    if (cfg)
        mp->cfg = *cfg;
    else
        mempool_config_default(&mp->cfg);
    if (mp->cfg.max_txs == 0 || mp->cfg.max_per_sender == 0 || mp->cfg.max_tx_bytes == 0) {
        free(mp);
        err_set(e, MEMPOOL_EINVAL, "mempool: max_txs, max_per_sender and max_tx_bytes must be > 0");
        return NULL;
    }
    crypto_random(&mp->seed, sizeof mp->seed);
    size_t n = mp->cfg.max_txs + 1;
    if (htab_init(&mp->by_hash, n) || htab_init(&mp->by_sender, n) ||
        !(mp->tails = calloc(n, sizeof *mp->tails)) ||
        !(mp->scratch = calloc(n, sizeof *mp->scratch))) {
        mempool_free(mp);
        err_set(e, MEMPOOL_ENOMEM, "mempool: out of memory for %zu entries", n);
        return NULL;
    }
    mp->scratch_cap = n;
    return mp;
}

void mempool_free(mempool_t *mp)
{
    if (!mp)
        return;
    entry_t *en = mp->oldest;
    while (en) {
        entry_t *next = en->newer;
        if (mp->cfg.free_ud && en->tx.ud)
            mp->cfg.free_ud(en->tx.ud);
        free(en);
        en = next;
    }
    if (mp->by_sender.slots) {
        for (size_t i = 0; i <= mp->by_sender.mask; i++) {
            sender_t *s = mp->by_sender.slots[i];
            if (s) {
                free(s->txs);
                free(s);
            }
        }
    }
    free(mp->by_hash.slots);
    free(mp->by_sender.slots);
    free(mp->tails);
    free(mp->scratch);
    free(mp);
}

static int reject(mempool_t *mp, mempool_reason_t r, mempool_reason_t *out, err_t *e,
                  const char *fmt, ...) BASE_PRINTF(5, 6);

static int reject(mempool_t *mp, mempool_reason_t r, mempool_reason_t *out, err_t *e,
                  const char *fmt, ...)
{
    mp->st.rejected[r]++;
    if (out)
        *out = r;
    va_list ap;
    va_start(ap, fmt);
    char msg[ERR_MSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(e, MEMPOOL_EREJECT, "mempool: %s", msg);
}

int mempool_add(mempool_t *mp, const mempool_tx_info_t *info, const uint8_t *raw, size_t raw_len,
                void *ud, const mempool_account_t *acct, uint64_t now_ms, mempool_reason_t *reason,
                bool *replaced, err_t *e)
{
    char b1[48], b2[48], b3[48], b4[48];
    if (replaced)
        *replaced = false;
    if (reason)
        *reason = MEMPOOL_ACCEPTED;
    if (!mp || !info || !raw || raw_len == 0 || !acct)
        return err_set(e, MEMPOOL_EINVAL, "mempool: missing transaction or account");
    const mempool_config_t *c = &mp->cfg;

    if (find_entry(mp, info->hash))
        return reject(mp, MEMPOOL_R_DUPLICATE, reason, e, "transaction already in the pool");
    if (raw_len > c->max_tx_bytes)
        return reject(mp, MEMPOOL_R_TOO_LARGE, reason, e,
                      "transaction of %zu bytes exceeds the %zu-byte limit", raw_len,
                      c->max_tx_bytes);
    /* saturating, so a huge configured per-byte fee cannot wrap to a low floor */
    chain_u128_t per = chain_u128_mul_u64_sat(c->fee_per_byte, raw_len);
    chain_u128_t floor = chain_u128_add_sat(c->min_fee, per);
    if (chain_u128_cmp(info->fee, floor) < 0)
        return reject(mp, MEMPOOL_R_FEE_TOO_LOW, reason, e,
                      "fee %s below floor %s (%s + %s/byte * %zu bytes)", u128_str(info->fee, b1),
                      u128_str(floor, b2), u128_str(c->min_fee, b3),
                      u128_str(c->fee_per_byte, b4), raw_len);
    if (info->nonce < acct->nonce)
        return reject(mp, MEMPOOL_R_NONCE_TOO_LOW, reason, e,
                      "nonce %llu already used (account nonce is %llu)",
                      (unsigned long long)info->nonce, (unsigned long long)acct->nonce);

    sender_t *s = find_sender(mp, info->sender);
    mempool_account_t cur = *acct;
    if (s && acct->nonce < s->base_nonce) {
        /* The caller read the account before a block the pool has already
         * been told about: the pool's view is newer, never move back. */
        cur.nonce = s->base_nonce;
        cur.balance = s->balance;
        acct = &cur;
    }
    if (info->nonce < acct->nonce)
        return reject(mp, MEMPOOL_R_NONCE_TOO_LOW, reason, e,
                      "nonce %llu already used (account nonce is %llu)",
                      (unsigned long long)info->nonce, (unsigned long long)acct->nonce);
    if (s && (s->base_nonce != acct->nonce || chain_u128_cmp(s->balance, acct->balance) != 0)) {
        /* The chain moved on since this sender was last seen: catch up first
         * (this may free the sender record). */
        mp->st.removed += sender_refresh(mp, s, acct);
        s = find_sender(mp, info->sender);
    }

    /* Replacement of the same sender and nonce? */
    size_t pos = s ? lower_bound(s, info->nonce) : 0;
    entry_t *old = (s && pos < s->n && s->txs[pos]->tx.info.nonce == info->nonce) ? s->txs[pos]
                                                                                 : NULL;
    if (old) {
        /* old * (100 + bump) / 100 without overflowing u128 (saturating) */
        chain_u128_t of = old->tx.info.fee;
        uint64_t rem;
        chain_u128_t hundredths = chain_u128_div_u64(of, 100, &rem);
        chain_u128_t bump = chain_u128_add_sat(chain_u128_mul_u64_sat(hundredths, c->rbf_bump_percent),
                                               chain_u128_from_u64(rem * c->rbf_bump_percent / 100));
        chain_u128_t need = chain_u128_add_sat(of, bump);
        if (chain_u128_cmp(info->fee, need) < 0)
            return reject(mp, MEMPOOL_R_UNDERPRICED, reason, e,
                          "replacement fee %s too low: nonce %llu is pooled with fee %s, "
                          "a replacement needs at least %s (+%u%%)",
                          u128_str(info->fee, b1), (unsigned long long)info->nonce,
                          u128_str(old->tx.info.fee, b2), u128_str(need, b3),
                          c->rbf_bump_percent);
    } else {
        uint64_t next = acct->nonce + (s ? ready_run(s) : 0);
        if (info->nonce > next && info->nonce - next > c->max_nonce_gap)
            return reject(mp, MEMPOOL_R_NONCE_GAP, reason, e,
                          "nonce %llu is too far ahead: the sender's next nonce is %llu and at "
                          "most %llu may be skipped",
                          (unsigned long long)info->nonce, (unsigned long long)next,
                          (unsigned long long)c->max_nonce_gap);
        if (s && s->n >= c->max_per_sender)
            return reject(mp, MEMPOOL_R_SENDER_LIMIT, reason, e,
                          "sender already has %zu pooled transactions (limit %zu)", s->n,
                          c->max_per_sender);
    }
    chain_u128_t pooled = chain_u128_from_u64(0), left;
    if (s)
        pooled = s->pooled_cost;
    if (old && !chain_u128_sub(pooled, old->tx.info.cost, &pooled))
        pooled = chain_u128_from_u64(0); /* cannot happen: the sum includes it */
    if (!chain_u128_sub(acct->balance, info->cost, &left) || chain_u128_cmp(pooled, left) > 0)
        return reject(mp, MEMPOOL_R_INSUFFICIENT_FUNDS, reason, e,
                      "insufficient funds: balance %s cannot cover this transaction's cost %s "
                      "plus %s already pooled by the sender",
                      u128_str(acct->balance, b1), u128_str(info->cost, b2), u128_str(pooled, b3));

    /* Capacity: evict the cheapest sender tail if this one pays more. */
    if (!old && mp->count >= c->max_txs) {
        sender_t *w = mp->tails[0];
        const mempool_tx_t *wt = &w->txs[w->n - 1]->tx;
        if (chain_u128_cmp(info->fee, wt->info.fee) <= 0 || (w == s && info->nonce > wt->info.nonce))
            return reject(mp, MEMPOOL_R_FULL, reason, e,
                          "pool full (%zu transactions) and fee %s does not beat the cheapest "
                          "evictable fee %s",
                          mp->count, u128_str(info->fee, b1), u128_str(wt->info.fee, b2));
        bool last = w->n == 1;
        entry_drop(mp, w, w->n - 1);
        sender_settle(mp, w, true);
        mp->st.evicted++;
        if (last && w == s)
            s = NULL;
        if (s)
            pos = lower_bound(s, info->nonce);
    }

    entry_t *en = calloc(1, sizeof *en + raw_len);
    if (!en)
        return err_set(e, MEMPOOL_ENOMEM, "mempool: out of memory");
    uint8_t *copy = (uint8_t *)(en + 1);
    memcpy(copy, raw, raw_len);
    en->tx.info = *info;
    en->tx.raw = copy;
    en->tx.raw_len = raw_len;
    en->tx.added_ms = now_ms;
    en->tx.seq = ++mp->seq;
    en->tx.ud = ud;

    bool new_sender = !s;
    if (new_sender) {
        s = calloc(1, sizeof *s);
        if (!s) {
            free(en);
            return err_set(e, MEMPOOL_ENOMEM, "mempool: out of memory");
        }
        memcpy(s->addr, info->sender, MEMPOOL_ADDR_BYTES);
        s->base_nonce = acct->nonce;
        s->balance = acct->balance;
        htab_put(mp, &mp->by_sender, sender_key, MEMPOOL_ADDR_BYTES, s);
    }
    if (old) {
        entry_drop(mp, s, pos);
        mp->st.replaced++;
        if (replaced)
            *replaced = true;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        entry_t **txs = realloc(s->txs, cap * sizeof *txs);
        if (!txs) {
            free(en);
            sender_settle(mp, s, !new_sender);
            return err_set(e, MEMPOOL_ENOMEM, "mempool: out of memory");
        }
        s->txs = txs;
        s->cap = cap;
    }
    memmove(&s->txs[pos + 1], &s->txs[pos], (s->n - pos) * sizeof *s->txs);
    s->txs[pos] = en;
    s->n++;
    s->pooled_cost = chain_u128_add_sat(s->pooled_cost, info->cost);
    en->snd = s;
    htab_put(mp, &mp->by_hash, entry_key, MEMPOOL_HASH_BYTES, en);
    en->older = mp->newest;
    if (mp->newest)
        mp->newest->newer = en;
    else
        mp->oldest = en;
    mp->newest = en;
    mp->count++;
    mp->bytes += raw_len;
    mp->st.accepted++;
    /* A replacement of the only entry left the sender momentarily empty but
     * still in the heap; it is in the heap unless it was created just now. */
    sender_settle(mp, s, !new_sender);
    return MEMPOOL_OK;
}

const mempool_tx_t *mempool_get(const mempool_t *mp, const uint8_t hash[MEMPOOL_HASH_BYTES])
{
    entry_t *en = find_entry(mp, hash);
    return en ? &en->tx : NULL;
}

bool mempool_remove(mempool_t *mp, const uint8_t hash[MEMPOOL_HASH_BYTES])
{
    entry_t *en = find_entry(mp, hash);
    if (!en)
        return false;
    sender_t *s = en->snd;
    size_t pos = lower_bound(s, en->tx.info.nonce);
    entry_drop(mp, s, pos);
    sender_settle(mp, s, true);
    mp->st.removed++;
    return true;
}

size_t mempool_update_account(mempool_t *mp, const uint8_t sender[MEMPOOL_ADDR_BYTES],
                              const mempool_account_t *acct)
{
    sender_t *s = find_sender(mp, sender);
    if (!s)
        return 0;
    size_t n = sender_refresh(mp, s, acct);
    mp->st.removed += n;
    return n;
}

size_t mempool_expire(mempool_t *mp, uint64_t now_ms)
{
    size_t n = 0;
    if (mp->cfg.ttl_ms == 0)
        return 0;
    while (mp->oldest && now_ms >= mp->oldest->tx.added_ms &&
           now_ms - mp->oldest->tx.added_ms >= mp->cfg.ttl_ms) {
        entry_t *en = mp->oldest;
        sender_t *s = en->snd;
        n += drop_from(mp, s, lower_bound(s, en->tx.info.nonce));
    }
    mp->st.expired += n;
    return n;
}

/* Selection heap: max by the fee of the sender's next entry, ties by arrival. */
static bool sel_better(const sender_t *a, const sender_t *b)
{
    const mempool_tx_t *ta = &a->txs[a->sel_pos]->tx, *tb = &b->txs[b->sel_pos]->tx;
    int fc = chain_u128_cmp(ta->info.fee, tb->info.fee);
    if (fc != 0)
        return fc > 0;
    return ta->seq < tb->seq;
}

static void sel_down(sender_t **h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && sel_better(h[l], h[m]))
            m = l;
        if (r < n && sel_better(h[r], h[m]))
            m = r;
        if (m == i)
            return;
        sender_t *t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

size_t mempool_select(mempool_t *mp, const mempool_tx_t **out, size_t max_txs, size_t max_bytes)
{
    sender_t **h = mp->scratch;
    size_t n = 0, got = 0, bytes = 0;
    for (size_t i = 0; i < mp->n_tails; i++) {
        sender_t *s = mp->tails[i];
        if (s->n > 0 && s->txs[0]->tx.info.nonce == s->base_nonce) {
            s->sel_pos = 0;
            h[n++] = s;
        }
    }
    for (size_t i = n / 2; i-- > 0;)
        sel_down(h, n, i);
    while (n > 0 && got < max_txs) {
        sender_t *s = h[0];
        const mempool_tx_t *tx = &s->txs[s->sel_pos]->tx;
        bool fits = max_bytes == 0 || bytes + tx->raw_len <= max_bytes;
        if (fits) {
            out[got++] = tx;
            bytes += tx->raw_len;
            s->sel_pos++;
        }
        if (fits && s->sel_pos < s->n &&
            s->txs[s->sel_pos]->tx.info.nonce == s->base_nonce + s->sel_pos) {
            sel_down(h, n, 0);
        } else {
            h[0] = h[--n];
            sel_down(h, n, 0);
        }
    }
    return got;
}

bool mempool_next_nonce(const mempool_t *mp, const uint8_t sender[MEMPOOL_ADDR_BYTES],
                        uint64_t *nonce)
{
    const sender_t *s = find_sender(mp, sender);
    if (!s)
        return false;
    *nonce = s->base_nonce + ready_run(s);
    return true;
}

size_t mempool_count(const mempool_t *mp)
{
    return mp->count;
}

void mempool_get_stats(const mempool_t *mp, mempool_stats_t *st)
{
    *st = mp->st;
    st->count = mp->count;
    st->bytes = mp->bytes;
    st->senders = mp->n_tails;
    st->ready = 0;
    for (size_t i = 0; i < mp->n_tails; i++)
        st->ready += ready_run(mp->tails[i]);
}
