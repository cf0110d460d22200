/*
 * The node: store + executor + mempool + the loop thread that runs the
 * block-production engine (see node.h for the threading and crash model).
 *
 * Producing a block holds the mempool lock only twice and briefly: to select
 * and copy the candidates, and afterwards to drop what the block included
 * (or found invalid) and to move each affected sender's pool view to its new
 * committed account. Building, executing and the synced commit run without
 * it, so RPC threads keep admitting transactions meanwhile.
 */
#include "chain/node/node.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NODE_CONTRACT_CACHE 256   /* compiled contracts kept (LRU) */

struct node {
    node_config_t cfg;
    node_key_t key;
    chain_state_t *st;
    chain_exec_cfg_t xcfg;
    mempool_t *mp;
    pthread_mutex_t mu;   /* mp, wake, stop */
    pthread_cond_t cv;
    pthread_t thr;
    _Atomic bool running;
    bool stop, wake;
    node_engine_t engine;
    const mempool_tx_t **sel;   /* loop-thread scratch, max_block_txs */
    _Atomic uint64_t last_block_ms, height;
    _Atomic uint64_t blocks, txs_ok, txs_failed, txs_skipped, submit_invalid, submit_known;
    _Atomic uint64_t gas_used;   /* contract gas of committed receipts */
    _Atomic uint64_t build_us, commit_us, update_us;
    _Atomic uint64_t last_block_txs;
    /* bumped (under mu) whenever committed state moves: a block's pool
     * update, a reloaded tip; admission re-reads an account only then */
    _Atomic uint64_t state_epoch;
    /* block production health: set when node_produce_block fails (store
     * full or failing, a block that cannot be built), cleared by the next
     * success; /health reports it at once */
    _Atomic bool halted;
    _Atomic uint64_t halted_since_ms, produce_failures;
    pthread_mutex_t halt_mu;   /* halt_err */
    char halt_err[ERR_MSG_MAX];
    node_tx_hook_fn tx_hook;
    void *tx_hook_ud;
    node_status_fn status_fn;
    node_peers_fn peers_fn;
    void *status_ud;
};

/* set while a forwarded tx is admitted, so the hook does not echo it */
static _Thread_local bool in_forwarded;

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void free_tx_ud(void *ud)
{
    chain_tx_free(ud);
}

void node_config_default(node_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->block_interval_ms = 200;
    cfg->heartbeat_ms = 5000;
    cfg->max_block_txs = 10000;
    mempool_config_default(&cfg->mempool);
    cfg->min_fee = chain_u128_from_u64(1000);
    cfg->state_history = CHAIN_STATE_HISTORY_DEFAULT;
}

node_t *node_open(const node_config_t *cfg, err_t *e)
{
    if (!cfg || !cfg->data_dir || !cfg->genesis || (!cfg->key && !cfg->genesis->bft)) {
        err_set(e, NODE_EINVAL, "node: data dir, genesis and key are required");
        return NULL;
    }
    node_t *n = calloc(1, sizeof *n);
    if (!n) {
        err_set(e, NODE_ENOMEM, "node: out of memory");
        return NULL;
    }
    n->cfg = *cfg;
    if (cfg->key)
        n->key = *cfg->key;
    n->cfg.key = cfg->key ? &n->key : NULL;
    if (!n->cfg.block_interval_ms)
        n->cfg.block_interval_ms = 200;
    if (!n->cfg.heartbeat_ms)
        n->cfg.heartbeat_ms = 5000;
    if (!n->cfg.max_block_txs || n->cfg.max_block_txs > CHAIN_MAX_BLOCK_TXS)
        n->cfg.max_block_txs = n->cfg.max_block_txs ? CHAIN_MAX_BLOCK_TXS : 10000;
    if (!n->cfg.mempool.max_txs)
        mempool_config_default(&n->cfg.mempool);
    if (n->cfg.mempool.max_tx_bytes > CHAIN_MAX_TX_BYTES)
        n->cfg.mempool.max_tx_bytes = CHAIN_MAX_TX_BYTES;
    n->cfg.mempool.free_ud = free_tx_ud;
    pthread_mutex_init(&n->mu, NULL);
    pthread_mutex_init(&n->halt_mu, NULL);
    pthread_cond_init(&n->cv, NULL);

    const chain_genesis_t *g = &cfg->genesis->g;
    /* on a BFT chain with staking any account may become a validator */
    if (cfg->genesis->bft ? cfg->key && cfg->genesis->n_stake_data == 0 &&
                                node_genesis_validator_index(cfg->genesis, n->key.pk) < 0
                          : memcmp(g->proposer_pk, n->key.pk, CHAIN_PK_BYTES) != 0) {
        char hex[2 * CHAIN_PK_BYTES + 1];
        hex_encode(n->key.pk, CHAIN_PK_BYTES, hex);
        err_set(e, NODE_EINVAL, "node: key %s is not %s", hex,
                cfg->genesis->bft ? "in the genesis validator set" : "the genesis validator");
        goto fail;
    }
    n->xcfg.chain_id = g->chain_id;
    n->xcfg.min_fee = n->cfg.min_fee;
    if (cfg->genesis->bft && chain_u128_cmp(n->xcfg.min_fee, cfg->genesis->cons.min_fee) < 0)
        n->xcfg.min_fee = cfg->genesis->cons.min_fee;   /* the ledger's floor */
    n->xcfg.max_block_txs = n->cfg.max_block_txs;
    n->xcfg.verify_threads = 0;
    /* compiled contract code, shared by block execution and RPC reads */
    if (!(n->xcfg.contracts = chain_contract_cache_new(NODE_CONTRACT_CACHE))) {
        err_set(e, NODE_ENOMEM, "node: out of memory (contract cache)");
        goto fail;
    }

    if (file_mkdirs(cfg->data_dir, 0700, e) != 0) {
        err_prefix(e, "node: data dir %s", cfg->data_dir);
        goto fail;
    }
    n->st = chain_state_open(cfg->data_dir, false, e);
    if (!n->st) {
        err_prefix(e, "node: opening %s", cfg->data_dir);
        goto fail;
    }
    chain_state_set_history(n->st, cfg->state_history);
    if (!chain_state_has_tip(n->st)) {
        if (chain_state_init_genesis(n->st, g, e) != 0) {
            err_prefix(e, "node: writing genesis");
            goto fail;
        }
    } else if (chain_state_check_origin(n->st, g, e) != 0) {
        /* block 0 alone is not enough: a forged store can carry the real
         * block 0 under a tip signed by another key */
        err_prefix(e, "node: %s holds another chain", cfg->data_dir);
        goto fail;
    }
    chain_header_t tip;
    if (chain_state_tip(n->st, &tip, NULL, e) != 0)
        goto fail;
    atomic_store(&n->height, tip.height);
    atomic_store(&n->last_block_ms, tip.height ? tip.timestamp_ms : wall_ms());

    n->mp = mempool_new(&n->cfg.mempool, e);
    n->sel = calloc(n->cfg.max_block_txs, sizeof *n->sel);
    if (!n->mp || !n->sel) {
        if (n->mp)
            err_set(e, NODE_ENOMEM, "node: out of memory");
        goto fail;
    }
    return n;
fail:
    node_close(n);
    return NULL;
}

void node_close(node_t *n)
{
    if (!n)
        return;
    node_stop(n);
    if (n->engine.destroy)
        n->engine.destroy(n->engine.self);
    mempool_free(n->mp);
    free(n->sel);
    chain_state_close(n->st);
    chain_contract_cache_free(n->xcfg.contracts);
    node_key_wipe(&n->key);
    pthread_mutex_destroy(&n->mu);
    pthread_mutex_destroy(&n->halt_mu);
    pthread_cond_destroy(&n->cv);
    free(n);
}

/* ---- loop ------------------------------------------------------------------- */

static void *loop_main(void *arg)
{
    node_t *n = arg;
    pthread_mutex_lock(&n->mu);
    while (!n->stop) {
        pthread_mutex_unlock(&n->mu);
        uint32_t wait = n->engine.tick(n->engine.self, n, wall_ms());
        pthread_mutex_lock(&n->mu);
        if (n->stop)
            break;
        if (!n->wake && wait > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)wait * 1000000;
            ts.tv_sec += (time_t)(ns / 1000000000);
            ts.tv_nsec = (long)(ns % 1000000000);
            pthread_cond_timedwait(&n->cv, &n->mu, &ts);
        }
        n->wake = false;
    }
    pthread_mutex_unlock(&n->mu);
    return NULL;
}

int node_start(node_t *n, node_engine_t engine, err_t *e)
{
    if (n->running) {
        if (engine.destroy)
            engine.destroy(engine.self);
        return err_set(e, NODE_EINVAL, "node: already running");
    }
    if (!engine.tick) {
        if (engine.destroy)
            engine.destroy(engine.self);
        return err_set(e, NODE_EINVAL, "node: engine has no tick function");
    }
    n->engine = engine;
    n->stop = false;
    if (pthread_create(&n->thr, NULL, loop_main, n) != 0)
        return err_set(e, NODE_EINVAL, "node: cannot start the loop thread");
    n->running = true;
    return 0;
}

void node_stop(node_t *n)
{
    if (!n || !n->running)
        return;
    pthread_mutex_lock(&n->mu);
    n->stop = true;
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
    pthread_join(n->thr, NULL);
    n->running = false;
}

/* ---- solo engine -------------------------------------------------------------- */

typedef struct solo {
    uint32_t interval_ms, heartbeat_ms;
    uint32_t retry_ms;       /* after a failed block */
    bool failing;
    uint64_t last_log_ms;
} solo_t;

static uint32_t solo_tick(void *self, node_t *n, uint64_t now_ms)
{
    solo_t *s = self;
    uint64_t age = node_last_block_age_ms(n, now_ms);
    size_t ready = node_ready_count(n);
    bool due = ready > 0 ? age >= s->interval_ms : age >= s->heartbeat_ms;
    if (due) {
        err_t e = {0};
        uint64_t h = 0;
        if (node_produce_block(n, now_ms, &h, &e) != 0) {
            /* node_produce_block marked the node halted (see /health); log
             * the first failure and then every 10 s, not every retry */
            if (!s->failing || now_ms - s->last_log_ms >= 10000) {
                log_error("node", s->failing ? "block production still halted"
                                             : "block production halted",
                          "err=\"%s\" retry_ms=%u", e.msg, s->retry_ms);
                s->last_log_ms = now_ms;
            }
            s->failing = true;
            return s->retry_ms; /* retry later; the store refuses partial blocks */
        }
        if (s->failing)
            log_info("node", "block production resumed", "height=%llu", (unsigned long long)h);
        s->failing = false;
        return s->interval_ms;
    }
    uint64_t left = ready > 0 ? s->interval_ms - age : s->heartbeat_ms - age;
    return left > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)left;
}

node_engine_t node_engine_solo(const node_config_t *cfg)
{
    node_engine_t eng = {0};
    solo_t *s = calloc(1, sizeof *s);
    eng.name = "solo";
    eng.self = s;
    eng.tick = s ? solo_tick : NULL;
    eng.destroy = free;
    if (s) {
        s->interval_ms = cfg->block_interval_ms ? cfg->block_interval_ms : 200;
        s->heartbeat_ms = cfg->heartbeat_ms ? cfg->heartbeat_ms : 5000;
        if (s->heartbeat_ms < s->interval_ms)
            s->heartbeat_ms = s->interval_ms;
        s->retry_ms = s->interval_ms > 1000 ? s->interval_ms : 1000;
    }
    return eng;
}

size_t node_ready_count(node_t *n)
{
    mempool_stats_t st;
    pthread_mutex_lock(&n->mu);
    mempool_get_stats(n->mp, &st);
    pthread_mutex_unlock(&n->mu);
    return st.ready;
}

uint64_t node_last_block_age_ms(node_t *n, uint64_t now_ms)
{
    uint64_t last = atomic_load(&n->last_block_ms);
    return now_ms > last ? now_ms - last : 0;
}

/* ---- producing and applying blocks --------------------------------------------- */

static int cmp_addr(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(chain_addr_t));
}

/* Whether the pooled copy of hash carries sig (the last CHAIN_SIG_BYTES of
 * the encoding). Caller holds n->mu. */
static bool pooled_sig_is(const node_t *n, const chain_hash_t *hash,
                          const uint8_t sig[CHAIN_SIG_BYTES])
{
    const mempool_tx_t *p = mempool_get(n->mp, hash->b);
    return p && p->raw_len >= CHAIN_SIG_BYTES &&
           memcmp(p->raw + p->raw_len - CHAIN_SIG_BYTES, sig, CHAIN_SIG_BYTES) == 0;
}

/* After a commit: drop the block's txs (and the skipped ones) from the pool
 * and move each sender's pool view to its committed account. For a
 * certified block (candidates not from this pool) skip_sigs holds the
 * signature of each skipped copy: the tx hash leaves the signature out, so a proposer can pair
 * a pooled body with a bad signature; that skipped copy must not evict the
 * pooled original, which is removed only when it is the very copy skipped.
 * A certified block whose signatures could not be kept (out of memory)
 * removes no skipped entry. */
static void pool_after_block(node_t *n, const chain_block_t *b, const chain_exec_skip_t *skipped,
                             size_t n_skipped, bool certified,
                             const uint8_t (*skip_sigs)[CHAIN_SIG_BYTES])
{
    size_t ns = b->n_txs;
    chain_addr_t *senders = malloc((ns ? ns : 1) * sizeof *senders);
    mempool_account_t *accts = malloc((ns ? ns : 1) * sizeof *accts);
    pthread_mutex_lock(&n->mu);
    atomic_fetch_add(&n->state_epoch, 1);
    for (uint32_t i = 0; i < b->n_txs; i++)
        mempool_remove(n->mp, b->txs[i]->hash.b);
    for (size_t i = 0; i < n_skipped; i++)
        if (!certified || (skip_sigs && pooled_sig_is(n, &skipped[i].tx_hash, skip_sigs[i])))
            mempool_remove(n->mp, skipped[i].tx_hash.b);
    pthread_mutex_unlock(&n->mu);
    if (!senders || !accts) {
        free(senders);
        free(accts);
        return; /* the pool catches up on the next admission from these senders */
    }
    for (uint32_t i = 0; i < b->n_txs; i++)
        senders[i] = b->txs[i]->sender;
    qsort(senders, ns, sizeof *senders, cmp_addr);
    size_t u = 0;
    for (size_t i = 0; i < ns; i++)
        if (u == 0 || memcmp(&senders[u - 1], &senders[i], sizeof *senders) != 0)
            senders[u++] = senders[i];
    for (size_t i = 0; i < u; i++) {
        chain_account_t a = {0};
        bool exists = false;
        if (chain_state_get_account(n->st, &senders[i], &a, &exists, NULL) != 0)
            a.nonce = 0, a.balance = chain_u128_from_u64(0);
        accts[i].nonce = a.nonce;
        accts[i].balance = a.balance;
    }
    pthread_mutex_lock(&n->mu);
    for (size_t i = 0; i < u; i++)
        mempool_update_account(n->mp, senders[i].b, &accts[i]);
    pthread_mutex_unlock(&n->mu);
    free(senders);
    free(accts);
}

static void count_receipts(node_t *n, const chain_receipt_t *r, size_t k)
{
    uint64_t ok = 0, gas = 0;
    for (size_t i = 0; i < k; i++) {
        ok += r[i].status == CHAIN_STATUS_OK;
        gas += r[i].gas_used;
    }
    atomic_fetch_add(&n->txs_ok, ok);
    atomic_fetch_add(&n->gas_used, gas);
    atomic_fetch_add(&n->txs_failed, k - ok);
}

static void note_halt(node_t *n, uint64_t now_ms, const err_t *e)
{
    pthread_mutex_lock(&n->halt_mu);
    snprintf(n->halt_err, sizeof n->halt_err, "%s", e && e->msg[0] ? e->msg : "unknown error");
    pthread_mutex_unlock(&n->halt_mu);
    if (!atomic_exchange(&n->halted, true))
        atomic_store(&n->halted_since_ms, now_ms);
    atomic_fetch_add(&n->produce_failures, 1);
}

/* After a block committed (produced or certified): the pool, the counters
 * and the tip. Returns the time the commit ended (for the debug log). */
static uint64_t after_commit(node_t *n, const chain_built_t *built, bool certified,
                             const uint8_t (*skip_sigs)[CHAIN_SIG_BYTES], uint64_t t0, uint64_t t1,
                             uint64_t now_ms)
{
    atomic_store(&n->halted, false);
    uint64_t t2 = mono_us();
    const chain_block_t *b = built->block;
    pool_after_block(n, b, built->skipped, built->n_skipped, certified, skip_sigs);
    uint64_t t3 = mono_us();
    count_receipts(n, built->receipts, b->n_txs);
    atomic_fetch_add(&n->txs_skipped, built->n_skipped);
    atomic_fetch_add(&n->blocks, 1);
    atomic_fetch_add(&n->build_us, t1 - t0);
    atomic_fetch_add(&n->commit_us, t2 - t1);
    atomic_fetch_add(&n->update_us, t3 - t2);
    atomic_store(&n->last_block_txs, b->n_txs);
    atomic_store(&n->height, b->header.height);
    atomic_store(&n->last_block_ms, now_ms);
    return t2;
}

int node_produce_block(node_t *n, uint64_t now_ms, uint64_t *height, err_t *e)
{
    if (chain_state_write_stopped(n->st)) {
        /* a commit failed (disk full?): try to reopen the store for writing */
        if (chain_state_recover(n->st, e) != 0) {
            err_prefix(e, "node: store");
            note_halt(n, now_ms, e);
            return NODE_ESTATE;
        }
        chain_header_t tip;
        if (chain_state_tip(n->st, &tip, NULL, e) == 0)
            atomic_store(&n->height, tip.height);
        log_info("node", "store writable again", "height=%llu",
                 (unsigned long long)atomic_load(&n->height));
    }
    uint64_t t0 = mono_us();
    pthread_mutex_lock(&n->mu);
    mempool_expire(n->mp, now_ms);
    size_t k = mempool_select(n->mp, n->sel, n->cfg.max_block_txs, CHAIN_MAX_BLOCK_BYTES / 2);
    chain_tx_t **cands = malloc((k ? k : 1) * sizeof *cands);
    size_t nc = 0;
    if (cands)
        for (size_t i = 0; i < k; i++)
            if ((cands[nc] = chain_tx_dup(n->sel[i]->ud)))
                nc++;
    pthread_mutex_unlock(&n->mu);
    if (!cands)
        return err_set(e, NODE_ENOMEM, "node: out of memory for %zu candidates", k);

    chain_built_t built;
    memset(&built, 0, sizeof built);
    int rc = chain_exec_build_block(n->st, &n->xcfg, cands, nc, now_ms, n->key.sk, &built, e);
    for (size_t i = 0; i < nc; i++)
        chain_tx_free(cands[i]);
    free(cands);
    if (rc != 0) {
        chain_built_free(&built);
        err_prefix(e, "node: building block");
        note_halt(n, now_ms, e);
        return NODE_ESTATE;
    }
    uint64_t t1 = mono_us();
    rc = chain_exec_commit_built(n->st, &built, e);
    if (rc != 0) {
        chain_built_free(&built);
        err_prefix(e, "node: committing block");
        note_halt(n, now_ms, e);
        return NODE_ESTATE;
    }
    uint64_t t2 = after_commit(n, &built, false, NULL, t0, t1, now_ms);
    const chain_block_t *b = built.block;
    if (height)
        *height = b->header.height;
    for (size_t i = 0; i < built.n_skipped; i++)
        log_debug("node", "skipped transaction", "reason=\"%s\"", built.skipped[i].reason);
    log_debug("node", "block committed", "height=%llu txs=%u build_ms=%.1f commit_ms=%.1f",
              (unsigned long long)b->header.height, b->n_txs, (double)(t1 - t0) / 1000,
              (double)(t2 - t1) / 1000);
    chain_built_free(&built);
    return 0;
}

int node_apply_block(node_t *n, const chain_block_t *b, err_t *e)
{
    chain_receipt_t *receipts = NULL;
    int rc = chain_exec_apply_block(n->st, &n->xcfg, b, &receipts, e);
    if (rc != 0)
        return rc;
    pool_after_block(n, b, NULL, 0, false, NULL);
    count_receipts(n, receipts, b->n_txs);
    chain_receipts_free(receipts, b->n_txs);
    atomic_fetch_add(&n->blocks, 1);
    atomic_store(&n->height, b->header.height);
    atomic_store(&n->last_block_ms, wall_ms());
    return 0;
}

/* ---- RPC side ------------------------------------------------------------------ */

chain_state_t *node_state(node_t *n)
{
    return n->st;
}

const chain_exec_cfg_t *node_exec_cfg(node_t *n)
{
    return &n->xcfg;
}

uint64_t node_chain_id(const node_t *n)
{
    return n->xcfg.chain_id;
}

int node_submit_tx(node_t *n, const uint8_t *raw, size_t len, chain_hash_t *hash,
                   mempool_reason_t *reason, err_t *e)
{
    if (reason)
        *reason = MEMPOOL_ACCEPTED;
    err_t de = {0};
    chain_tx_t *tx = chain_tx_decode(raw, len, &de);
    if (!tx) {
        atomic_fetch_add(&n->submit_invalid, 1);
        return err_set(e, NODE_ETXINVALID, "invalid transaction: %s", de.msg);
    }
    return node_submit_decoded(n, tx, raw, len, hash, reason, e);
}

int node_submit_decoded(node_t *n, chain_tx_t *tx, const uint8_t *raw, size_t len,
                        chain_hash_t *hash, mempool_reason_t *reason, err_t *e)
{
    err_t de = {0};
    if (reason)
        *reason = MEMPOOL_ACCEPTED;
    if (hash)
        *hash = tx->hash;
    chain_account_t acct = {0};
    /* Verifying first sets sig_ok, which lets the static check skip its own
     * (as costly) key validation: the signature already proved the key. */
    int rc = tx->sig_ok ? 0 : chain_tx_verify(tx, &de);
    uint64_t epoch = atomic_load(&n->state_epoch);
    if (rc == 0)
        rc = chain_exec_check_tx(n->st, &n->xcfg, tx, &acct, &de);
    if (rc != 0) {
        uint64_t height = 0;
        if (chain_state_get_tx(n->st, &tx->hash, &height, NULL, NULL, NULL, NULL) == 0) {
            chain_tx_free(tx);
            atomic_fetch_add(&n->submit_known, 1);
            return err_set(e, NODE_EKNOWN, "transaction already committed in block %llu",
                           (unsigned long long)height);
        }
        chain_tx_free(tx);
        atomic_fetch_add(&n->submit_invalid, 1);
        return err_set(e, NODE_ETXINVALID, "invalid transaction: %s", de.msg);
    }
    mempool_tx_info_t info;
    memcpy(info.hash, tx->hash.b, sizeof info.hash);
    memcpy(info.sender, tx->sender.b, sizeof info.sender);
    info.nonce = tx->nonce;
    info.fee = tx->fee;
    info.cost = chain_exec_tx_cost(tx);
    info.size = tx->size;
    pthread_mutex_lock(&n->mu);
    /* Re-read the account under the pool lock: the producer commits a block
     * and only then (under this lock) moves the pool to the new accounts, so
     * a read here is never older than the pool's view. The read above could
     * be, and would leave a sender whose pooled txs were all committed with a
     * stale base nonce and this tx queued behind a gap that never closes.
     * Unless no pool update ran since before that read (the epoch, bumped
     * under this lock): then it is as recent as the pool's view. */
    bool exists;
    if (atomic_load(&n->state_epoch) != epoch &&
        chain_state_get_account(n->st, &tx->sender, &acct, &exists, NULL) != 0) {
        pthread_mutex_unlock(&n->mu);
        chain_tx_free(tx);
        return err_set(e, NODE_ESTATE, "node: reading the sender's account failed");
    }
    mempool_account_t ma = {acct.nonce, acct.balance};
    bool was_empty = mempool_count(n->mp) == 0;
    mempool_reason_t why = MEMPOOL_ACCEPTED;
    rc = mempool_add(n->mp, &info, raw, len, tx, &ma, wall_ms(), &why, NULL, e);
    if (reason)
        *reason = why;
    node_tx_hook_fn hook = rc == 0 && !in_forwarded ? n->tx_hook : NULL;
    void *hook_ud = n->tx_hook_ud;
    if (rc == 0 && was_empty) {
        /* The first transaction after an idle spell: the engine may be in a
         * long heartbeat wait and should reschedule. While the pool is busy
         * the engine ticks on its own interval, so no wake-up per tx. */
        n->wake = true;
        pthread_cond_signal(&n->cv);
    }
    pthread_mutex_unlock(&n->mu);
    uint64_t height = 0;
    if (rc != 0 && why == MEMPOOL_R_NONCE_TOO_LOW &&
        chain_state_get_tx(n->st, &tx->hash, &height, NULL, NULL, NULL, NULL) == 0) {
        /* this very tx committed between the check above and the pool's
         * re-read of the account: a resubmission, not a reuse of the nonce */
        chain_tx_free(tx);
        atomic_fetch_add(&n->submit_known, 1);
        return err_set(e, NODE_EKNOWN, "transaction already committed in block %llu",
                       (unsigned long long)height);
    }
    if (rc != 0) {
        chain_tx_free(tx);
        if (e)
            e->code = NODE_ETXREJECTED;
        return NODE_ETXREJECTED;
    }
    if (hook)
        hook(hook_ud, raw, len);
    return 0;
}

int node_submit_forwarded(node_t *n, const uint8_t *raw, size_t len, err_t *e)
{
    in_forwarded = true;
    int rc = node_submit_tx(n, raw, len, NULL, NULL, e);
    in_forwarded = false;
    return rc;
}

int node_submit_forwarded_decoded(node_t *n, chain_tx_t *tx, const uint8_t *raw, size_t len,
                                  err_t *e)
{
    in_forwarded = true;
    int rc = node_submit_decoded(n, tx, raw, len, NULL, NULL, e);
    in_forwarded = false;
    return rc;
}

void node_set_tx_hook(node_t *n, node_tx_hook_fn fn, void *ud)
{
    pthread_mutex_lock(&n->mu);
    n->tx_hook = fn;
    n->tx_hook_ud = ud;
    pthread_mutex_unlock(&n->mu);
}

void node_wake(node_t *n)
{
    pthread_mutex_lock(&n->mu);
    n->wake = true;
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
}

uint32_t node_select_payload(node_t *n, bool (*skip)(void *ud, const chain_hash_t *h), void *ud,
                             uint32_t max_txs, size_t max_bytes, buf_t *out)
{
    uint32_t taken = 0;
    size_t bytes = 0;
    pthread_mutex_lock(&n->mu);
    mempool_expire(n->mp, wall_ms());
    size_t want = (size_t)max_txs * 2 + 64;   /* some may be in flight already */
    if (want > n->cfg.max_block_txs)
        want = n->cfg.max_block_txs;
    size_t k = mempool_select(n->mp, n->sel, want, max_bytes);
    for (size_t i = 0; i < k && taken < max_txs; i++) {
        const mempool_tx_t *t = n->sel[i];
        chain_hash_t h;
        memcpy(h.b, t->info.hash, sizeof h.b);
        if (skip && skip(ud, &h))
            continue;
        if (bytes + 4 + t->raw_len > max_bytes)
            break;
        buf_append_u32_le(out, (uint32_t)t->raw_len);
        buf_append(out, t->raw, t->raw_len);
        bytes += 4 + t->raw_len;
        taken++;
    }
    pthread_mutex_unlock(&n->mu);
    return taken;
}

int node_commit_certified(node_t *n, const chain_exec_cfg_t *cfg, chain_tx_t **txs,
                          size_t n_txs, uint64_t timestamp_ms,
                          const uint8_t proposer_pk[CHAIN_PK_BYTES], const chain_meta_op_t *ops,
                          size_t n_ops, chain_header_t *hdr, chain_hash_t *hash, err_t *e)
{
    uint64_t t0 = mono_us();
    if (chain_state_write_stopped(n->st) && chain_state_recover(n->st, e) != 0) {
        for (size_t i = 0; i < n_txs; i++)
            chain_tx_free(txs[i]);
        err_prefix(e, "node: store");
        note_halt(n, wall_ms(), e);
        return NODE_ESTATE;
    }
    /* verified on admission here: no second signature check. The hash
     * leaves the signature out, so the pooled bytes must also carry the
     * same signature (at the end of the encoding): a proposer may pair a
     * pooled body with another signature, which must then be checked here
     * as on every node that never pooled the body. */
    pthread_mutex_lock(&n->mu);
    for (size_t i = 0; i < n_txs; i++) {
        if (txs[i]->sig_ok)
            continue;
        const mempool_tx_t *p = mempool_get(n->mp, txs[i]->hash.b);
        if (p && p->raw_len == txs[i]->size && p->raw_len >= CHAIN_SIG_BYTES &&
            memcmp(p->raw + p->raw_len - CHAIN_SIG_BYTES, txs[i]->sig, CHAIN_SIG_BYTES) == 0)
            txs[i]->sig_ok = true;
    }
    pthread_mutex_unlock(&n->mu);
    chain_built_t built;
    memset(&built, 0, sizeof built);
    int rc = chain_exec_build_certified(n->st, cfg, txs, n_txs, timestamp_ms, proposer_pk,
                                        &built, e);
    uint8_t (*skip_sigs)[CHAIN_SIG_BYTES] = NULL;
    if (rc == 0 && built.n_skipped) {
        skip_sigs = malloc(built.n_skipped * sizeof *skip_sigs);
        for (size_t i = 0; skip_sigs && i < built.n_skipped; i++)
            memcpy(skip_sigs[i], txs[built.skipped[i].index]->sig, CHAIN_SIG_BYTES);
    }
    for (size_t i = 0; i < n_txs; i++)
        chain_tx_free(txs[i]);
    if (rc != 0) {
        chain_built_free(&built);
        err_prefix(e, "node: executing a committed block");
        note_halt(n, wall_ms(), e);
        return NODE_ESTATE;
    }
    uint64_t t1 = mono_us();
    if ((rc = chain_exec_commit_built_meta(n->st, &built, ops, n_ops, e)) != 0) {
        chain_built_free(&built);
        err_prefix(e, "node: committing a certified block");
        note_halt(n, wall_ms(), e);
        free(skip_sigs);
        return NODE_ESTATE;
    }
    (void)after_commit(n, &built, true, (const uint8_t(*)[CHAIN_SIG_BYTES])skip_sigs, t0, t1,
                       wall_ms());
    free(skip_sigs);
    const chain_block_t *b = built.block;
    if (hdr)
        *hdr = b->header;
    if (hash)
        *hash = b->hash;
    chain_built_free(&built);
    return 0;
}

void node_set_status_fns(node_t *n, node_status_fn st, node_peers_fn peers, void *ud)
{
    pthread_mutex_lock(&n->mu);
    n->status_fn = st;
    n->peers_fn = peers;
    n->status_ud = ud;
    pthread_mutex_unlock(&n->mu);
}

void node_cons_status(node_t *n, node_cons_status_t *out)
{
    memset(out, 0, sizeof *out);
    out->self = -1;
    pthread_mutex_lock(&n->mu);
    node_status_fn fn = n->status_fn;
    void *ud = n->status_ud;
    pthread_mutex_unlock(&n->mu);
    if (fn)
        fn(ud, out);
}

json_t *node_peers_json(node_t *n)
{
    pthread_mutex_lock(&n->mu);
    node_peers_fn fn = n->peers_fn;
    void *ud = n->status_ud;
    pthread_mutex_unlock(&n->mu);
    json_t *j = fn ? fn(ud) : NULL;
    return j ? j : json_array();
}

void node_tip_reloaded(node_t *n)
{
    chain_header_t tip;
    pthread_mutex_lock(&n->mu);
    atomic_fetch_add(&n->state_epoch, 1);
    pthread_mutex_unlock(&n->mu);
    if (chain_state_tip(n->st, &tip, NULL, NULL) == 0) {
        atomic_store(&n->height, tip.height);
        atomic_store(&n->last_block_ms, tip.timestamp_ms);
    }
}

const node_genesis_t *node_genesis(const node_t *n)
{
    return n->cfg.genesis;
}

chain_tx_t *node_pending_tx(node_t *n, const chain_hash_t *hash)
{
    pthread_mutex_lock(&n->mu);
    const mempool_tx_t *t = mempool_get(n->mp, hash->b);
    chain_tx_t *copy = t ? chain_tx_dup(t->ud) : NULL;
    pthread_mutex_unlock(&n->mu);
    return copy;
}

int node_next_nonce(node_t *n, const chain_addr_t *a, uint64_t *nonce, err_t *e)
{
    chain_account_t acct;
    bool exists;
    if (chain_state_get_account(n->st, a, &acct, &exists, e) != 0)
        return NODE_ESTATE;
    uint64_t pooled = 0;
    pthread_mutex_lock(&n->mu);
    bool have = mempool_next_nonce(n->mp, a->b, &pooled);
    pthread_mutex_unlock(&n->mu);
    *nonce = have && pooled > acct.nonce ? pooled : acct.nonce;
    return 0;
}

void node_get_slots(node_t *n, node_slots_t *out)
{
    /* one source: the engine's status (node_cons_status) when it has rounds */
    node_cons_status_t cs;
    node_cons_status(n, &cs);
    memset(out, 0, sizeof *out);
    if (cs.bft) {
        out->round = cs.round;
        out->committed_round = cs.committed_round;
        out->committed_height = cs.committed_height;
        out->from_engine = true;
        return;
    }
    uint64_t h = atomic_load(&n->height);
    out->round = out->committed_round = out->committed_height = h;
}

uint64_t node_block_slot(node_t *n, uint64_t height)
{
    uint64_t round;
    if (n->running && n->engine.block_round &&
        n->engine.block_round(n->engine.self, height, &round) == 0)
        return round;
    return height;
}

int node_health(node_t *n, json_t **body)
{
    uint64_t now = wall_ms();
    uint64_t age = node_last_block_age_ms(n, now);
    bool running = n->running;
    bool stale = age > 3ull * n->cfg.heartbeat_ms + 10000;
    chain_header_t tip;
    chain_hash_t h;
    char hex[2 * CHAIN_HASH_BYTES + 1] = "";
    if (chain_state_tip(n->st, &tip, &h, NULL) == 0)
        chain_hash_to_hex(&h, hex);
    bool halted = running && atomic_load(&n->halted);
    *body = json_pack("{s:s,s:I,s:s,s:o,s:I,s:I,s:b}", "status",
                      !running ? "stopped" : halted ? "halted" : stale ? "stalled" : "ok",
                      "height", (json_int_t)atomic_load(&n->height), "block_hash", hex,
                      "chain_id", cjson_u64(n->xcfg.chain_id), "last_block_age_ms",
                      (json_int_t)age, "mempool", (json_int_t)mempool_count(n->mp), "producing",
                      running && !halted);
    if (halted && *body) {
        /* why, and since when: the operator's first question */
        char msg[ERR_MSG_MAX];
        pthread_mutex_lock(&n->halt_mu);
        snprintf(msg, sizeof msg, "%s", n->halt_err);
        pthread_mutex_unlock(&n->halt_mu);
        uint64_t since = atomic_load(&n->halted_since_ms);
        json_object_set_new(*body, "error", json_string(msg));
        json_object_set_new(*body, "halted_ms",
                            json_integer((json_int_t)(now > since ? now - since : 0)));
    }
    return running && !stale && !halted ? 200 : 503;
}

void node_metrics(node_t *n, buf_t *out)
{
    mempool_stats_t st;
    pthread_mutex_lock(&n->mu);
    mempool_get_stats(n->mp, &st);
    pthread_mutex_unlock(&n->mu);
#define GAUGE(name, help, v)                                                                  \
    buf_printf(out, "# HELP " name " " help "\n# TYPE " name " gauge\n" name " %llu\n",       \
               (unsigned long long)(v))
#define COUNTER(name, help, v)                                                                \
    buf_printf(out, "# HELP " name " " help "\n# TYPE " name " counter\n" name " %llu\n",     \
               (unsigned long long)(v))
    GAUGE("aether_chain_height", "Height of the committed tip.", atomic_load(&n->height));
    GAUGE("aether_chain_last_block_txs", "Transactions in the last block.",
          atomic_load(&n->last_block_txs));
    GAUGE("aether_chain_last_block_age_ms", "Milliseconds since the last block.",
          node_last_block_age_ms(n, wall_ms()));
    COUNTER("aether_blocks_committed_total", "Blocks committed by this node.",
            atomic_load(&n->blocks));
    COUNTER("aether_block_production_failures_total",
            "Failed attempts to build or commit a block.", atomic_load(&n->produce_failures));
    GAUGE("aether_block_production_halted",
          "1 while the last attempt to produce a block failed.", atomic_load(&n->halted) ? 1 : 0);
    buf_printf(out, "# HELP aether_txs_committed_total Transactions committed, by receipt.\n"
                    "# TYPE aether_txs_committed_total counter\n"
                    "aether_txs_committed_total{status=\"ok\"} %llu\n"
                    "aether_txs_committed_total{status=\"failed\"} %llu\n",
               (unsigned long long)atomic_load(&n->txs_ok),
               (unsigned long long)atomic_load(&n->txs_failed));
    COUNTER("aether_txs_skipped_total", "Pooled transactions invalid at block time.",
            atomic_load(&n->txs_skipped));
    COUNTER("aether_gas_used_total", "Contract gas used by committed transactions.",
            atomic_load(&n->gas_used));
    COUNTER("aether_tx_submit_invalid_total", "Submitted transactions refused as invalid.",
            atomic_load(&n->submit_invalid));
    COUNTER("aether_tx_submit_known_total", "Submitted transactions already committed.",
            atomic_load(&n->submit_known));
    buf_printf(out, "# HELP aether_block_phase_seconds_total Time spent producing blocks.\n"
                    "# TYPE aether_block_phase_seconds_total counter\n"
                    "aether_block_phase_seconds_total{phase=\"build\"} %.6f\n"
                    "aether_block_phase_seconds_total{phase=\"commit\"} %.6f\n"
                    "aether_block_phase_seconds_total{phase=\"pool_update\"} %.6f\n",
               (double)atomic_load(&n->build_us) / 1e6, (double)atomic_load(&n->commit_us) / 1e6,
               (double)atomic_load(&n->update_us) / 1e6);
    GAUGE("aether_mempool_txs", "Pooled transactions.", st.count);
    GAUGE("aether_mempool_ready", "Pooled transactions ready for a block.", st.ready);
    GAUGE("aether_mempool_senders", "Senders with pooled transactions.", st.senders);
    GAUGE("aether_mempool_bytes", "Bytes of pooled transactions.", st.bytes);
    COUNTER("aether_mempool_accepted_total", "Admissions.", st.accepted);
    COUNTER("aether_mempool_replaced_total", "Replace-by-fee replacements.", st.replaced);
    COUNTER("aether_mempool_evicted_total", "Evicted by better-paying transactions.", st.evicted);
    COUNTER("aether_mempool_expired_total", "Dropped by expiry.", st.expired);
    buf_append_str(out, "# HELP aether_mempool_rejected_total Refused admissions by reason.\n"
                        "# TYPE aether_mempool_rejected_total counter\n");
    for (int r = 1; r < MEMPOOL_R_COUNT; r++)
        buf_printf(out, "aether_mempool_rejected_total{reason=\"%s\"} %llu\n",
                   mempool_reason_name((mempool_reason_t)r), (unsigned long long)st.rejected[r]);
#undef GAUGE
#undef COUNTER
}
