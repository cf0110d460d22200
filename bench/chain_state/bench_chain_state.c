/* Chain core throughput, below the RPC and mempool: how many transfers per
 * second the ledger itself can verify, execute (including the batched
 * sparse-Merkle-tree root) and commit (one synced RocksDB batch per block).
 * These are the parts of issue 7's end-to-end figure that chain/types,
 * chain/state and chain/exec own; bench/chain measures the whole node.
 *
 * Usage: bench_chain_state [ACCOUNTS [TXS_PER_BLOCK [BLOCKS [HISTORY]]]]
 *        (defaults 20000 2000 10 10000; the store lives in a temporary folder;
 *        HISTORY = blocks of state history, chain_state_set_history: 0 shows
 *        the commit without recording previous values)
 * Prints one line per stage with wall-clock and this thread's CPU time, then
 * (with history) how long an account proof as of an older block takes: the
 * tree of that block is rebuilt by replaying the changes made since
 * (src/chain/state/history_proof.c). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain/exec/exec.h"

static double wall(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

typedef struct stage {
    const char *name;
    double wall, cpu;
    long n;
} stage_t;

static void report(const stage_t *s)
{
    printf("%-34s %9.0f tx/s wall  %9.0f tx/s per CPU-second (this thread)  %7.1f us/tx\n",
           s->name, (double)s->n / s->wall, (double)s->n / s->cpu, s->wall / (double)s->n * 1e6);
}

int main(int argc, char **argv)
{
    long n_acc = argc > 1 ? atol(argv[1]) : 20000;
    long per = argc > 2 ? atol(argv[2]) : 2000;
    long blocks = argc > 3 ? atol(argv[3]) : 10;
    long history = argc > 4 ? atol(argv[4]) : (long)CHAIN_STATE_HISTORY_DEFAULT;
    if (n_acc < 2 || per < 1 || blocks < 1 || per > CHAIN_MAX_BLOCK_TXS || history < 0) {
        fprintf(stderr, "usage: %s [ACCOUNTS>=2 [TXS_PER_BLOCK<=%d [BLOCKS [HISTORY]]]]\n", argv[0],
                CHAIN_MAX_BLOCK_TXS);
        return 2;
    }
    if (crypto_init() != 0)
        return 1;
    uint8_t (*sk)[64] = malloc((size_t)n_acc * 64), (*pk)[32] = malloc((size_t)n_acc * 32);
    chain_genesis_alloc_t *al = calloc((size_t)n_acc, sizeof *al);
    uint64_t *nonce = calloc((size_t)n_acc, sizeof *nonce);
    chain_tx_t **txs = malloc((size_t)per * sizeof *txs);
    if (!sk || !pk || !al || !nonce || !txs)
        return 1;
    for (long i = 0; i < n_acc; i++) {
        uint8_t seed[32] = {0};
        memcpy(seed, &i, sizeof i);
        crypto_ed25519_from_seed(seed, pk[i], sk[i]);
        chain_addr_from_pk(pk[i], &al[i].addr);
        al[i].balance = chain_u128_from_u64(1000000000000ull);
    }
    char dir[] = "/tmp/bench_chain_state.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    err_t e = {0};
    chain_state_t *st = chain_state_open(dir, false, &e);
    if (st)
        chain_state_set_history(st, (uint64_t)history);
    chain_genesis_t g = {.chain_id = 1, .accounts = al, .n_accounts = (size_t)n_acc};
    memcpy(g.proposer_pk, pk[0], 32);
    if (!st || chain_state_init_genesis(st, &g, &e) != 0) {
        fprintf(stderr, "genesis: %s\n", e.msg);
        return 1;
    }
    chain_exec_cfg_t cfg = {.chain_id = 1, .verify_threads = 2};
    stage_t v1 = {.name = "verify, 1 thread"}, v2 = {.name = "verify, 2 threads"},
            ex = {.name = "execute + state root + seal"},
            cm = {.name = "commit (synced batch)"}, all = {.name = "execute + commit"};
    uint64_t seed = 1;
    for (long b = 0; b < blocks; b++) {
        for (long k = 0; k < per; k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            long s = (long)((seed >> 33) % (uint64_t)n_acc);
            long t = (long)((seed >> 11) % (uint64_t)n_acc);
            txs[k] = chain_tx_new_transfer(1, pk[s], nonce[s]++, chain_u128_from_u64(10),
                                           &al[t].addr, chain_u128_from_u64(1 + k % 100));
            if (chain_tx_sign(txs[k], sk[s], &e) != 0)
                return 1;
        }
        double w0 = wall(), c0 = cpu();
        size_t bad = chain_tx_verify_batch(txs, (size_t)per, 1);
        double w1 = wall(), c1 = cpu();
        for (long k = 0; k < per; k++)
            txs[k]->sig_ok = false;
        bad += chain_tx_verify_batch(txs, (size_t)per, 2);
        double w2 = wall(), c2 = cpu();
        chain_built_t built;
        if (bad || chain_exec_build_block(st, &cfg, txs, (size_t)per, (uint64_t)b + 1, sk[0],
                                          &built, &e) != 0) {
            fprintf(stderr, "build: %s\n", bad ? "bad signature" : e.msg);
            return 1;
        }
        double w3 = wall(), c3 = cpu();
        if (built.block->n_txs != (uint32_t)per) {
            fprintf(stderr, "only %u of %ld included\n", built.block->n_txs, per);
            return 1;
        }
        if (chain_exec_commit_built(st, &built, &e) != 0) {
            fprintf(stderr, "commit: %s\n", e.msg);
            return 1;
        }
        double w4 = wall(), c4 = cpu();
        chain_built_free(&built);
        v1.wall += w1 - w0, v1.cpu += c1 - c0, v1.n += per;
        v2.wall += w2 - w1, v2.cpu += c2 - c1, v2.n += per;
        ex.wall += w3 - w2, ex.cpu += c3 - c2, ex.n += per;
        cm.wall += w4 - w3, cm.cpu += c4 - c3, cm.n += per;
        all.wall += w4 - w2, all.cpu += c4 - c2, all.n += per;
        for (long k = 0; k < per; k++)
            chain_tx_free(txs[k]);
    }
    printf("accounts %ld, %ld blocks of %ld transfers\n", n_acc, blocks, per);
    report(&v1);
    v2.cpu = v2.wall;   /* worker threads are not in this thread's CPU time */
    report(&v2);
    report(&ex);
    report(&cm);
    report(&all);
    /* proofs at a height: one block back, half way, the oldest block */
    uint64_t oldest = 0, tip = 0;
    if (history > 0 && chain_state_history_range(st, &oldest, &tip, &e) == 0) {
        uint64_t hs[3] = {tip > 0 ? tip - 1 : 0, oldest + (tip - oldest) / 2, oldest};
        chain_proof_t *p = malloc(sizeof *p);
        for (int i = 0; p && i < 3; i++) {
            double w0 = wall(), c0 = cpu();
            int rc = chain_state_prove_account_at(st, hs[i], &al[0].addr, p, &e);
            double w1 = wall(), c1 = cpu();
            if (rc != 0) {
                fprintf(stderr, "proof at %llu: %s\n", (unsigned long long)hs[i], e.msg);
                return 1;
            }
            printf("account proof as of block %-6llu (%3llu blocks of changes replayed) "
                   "%8.1f ms wall %8.1f ms CPU\n", (unsigned long long)hs[i],
                   (unsigned long long)(tip - hs[i]), (w1 - w0) * 1e3, (c1 - c0) * 1e3);
        }
        free(p);
    }
    chain_state_close(st);
    nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    free(sk);
    free(pk);
    free(al);
    free(nonce);
    free(txs);
    return 0;
}
