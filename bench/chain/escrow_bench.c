/* Job escrow costs (issue 16).
 * Usage: escrow_bench MODULE.wasm [INPUT_FILE] [RUNS]
 *   One dispute: the cost of chain_escrow_reexecute, the re-execution a
 *   challenge tx runs inside block execution. Prints the fuel the job used
 *   (the dispute's gas) and the wall time per re-execution (median and min
 *   over RUNS, default 20).
 * Usage: escrow_bench --throughput N MODULE.wasm [INPUT_FILE]
 *   Escrowed jobs per second on one node: a RocksDB-backed chain state
 *   executes and commits (chain_exec_build_block + commit, as aetherd's
 *   block production does) one block of N posts (module and input inline),
 *   one of N accepts (link signatures), one of N claims (SignedReceipts made
 *   beforehand by phase_escrow_run, verified at execution) and, after the
 *   one-block window, one of N finalizes. Prints each block's time, the
 *   finalizes per second and the whole lifecycle's jobs per second. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain/exec/exec.h"
#include "phase/phase.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- --throughput ---- */

#define TP_CHAIN 91
enum { TP_REQ, TP_PROV, TP_VAL, TP_KEYS };

typedef struct tp {
    chain_state_t *st;
    chain_exec_cfg_t cfg;
    uint8_t sk[TP_KEYS][64], pk[TP_KEYS][32];
    chain_addr_t addr[TP_KEYS];
    uint64_t ts;
} tp_t;

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

static chain_tx_t *tp_tx(tp_t *t, int who, uint64_t nonce, const chain_job_body_t *b)
{
    err_t e = {0};
    chain_tx_t *tx = chain_tx_new_job(TP_CHAIN, t->pk[who], nonce, chain_u128_from_u64(5000), b, &e);
    if (!tx || chain_tx_sign(tx, t->sk[who], &e) != 0) {
        fprintf(stderr, "escrow_bench: tx: %s\n", e.msg);
        exit(1);
    }
    return tx;
}

/* Builds and commits one block of txs (freed); returns its wall time in ms. */
static double tp_block(tp_t *t, chain_tx_t **txs, size_t n, const char *what)
{
    err_t e = {0};
    chain_built_t b;
    double s = now_ms();
    t->ts += 1000;
    if (chain_exec_build_block(t->st, &t->cfg, txs, n, t->ts, t->sk[TP_VAL], &b, &e) != 0) {
        fprintf(stderr, "escrow_bench: %s block: %s\n", what, e.msg);
        exit(1);
    }
    if (b.n_skipped) {
        fprintf(stderr, "escrow_bench: %zu of the %s txs skipped: %.200s\n", b.n_skipped, what,
                b.skipped[0].reason);
        exit(1);
    }
    if (chain_exec_commit_built(t->st, &b, &e) != 0) {
        fprintf(stderr, "escrow_bench: %s block: %s\n", what, e.msg);
        exit(1);
    }
    double ms = now_ms() - s;
    for (size_t i = 0; i < b.block->n_txs; i++)
        if (b.receipts[i].status != CHAIN_STATUS_OK) {
            fprintf(stderr, "escrow_bench: %s %zu failed: %s\n", what, i,
                    chain_status_name(b.receipts[i].status));
            exit(1);
        }
    chain_built_free(&b);
    for (size_t i = 0; i < n; i++)
        chain_tx_free(txs[i]);
    return ms;
}

static int throughput(size_t n, const uint8_t *mod, size_t mlen, const uint8_t *in, size_t ilen)
{
    tp_t t;
    memset(&t, 0, sizeof t);
    t.cfg.chain_id = TP_CHAIN;
    t.cfg.min_fee = chain_u128_from_u64(1);
    t.ts = 5000;
    for (int i = 0; i < TP_KEYS; i++) {
        uint8_t seed[32];
        memset(seed, 0x50 + i, 32);
        crypto_ed25519_from_seed(seed, t.pk[i], t.sk[i]);
        chain_addr_from_pk(t.pk[i], &t.addr[i]);
    }
    phase_identity_t pid;
    uint8_t pseed[32];
    memset(pseed, 0x77, 32);
    phase_identity_from_seed(pseed, &pid);
    char dir[] = "/tmp/escrow_bench.XXXXXX";
    err_t e = {0};
    if (!mkdtemp(dir) || !(t.st = chain_state_open(dir, false, &e))) {
        fprintf(stderr, "escrow_bench: state: %s\n", e.msg);
        return 1;
    }
    chain_genesis_alloc_t al[2] = {{t.addr[TP_REQ], {1ull << 60, 0}},
                                   {t.addr[TP_PROV], {1ull << 60, 0}}};
    chain_genesis_t g = {.chain_id = TP_CHAIN, .timestamp_ms = 5000, .accounts = al,
                         .n_accounts = 2};
    memcpy(g.proposer_pk, t.pk[TP_VAL], 32);
    if (chain_state_init_genesis(t.st, &g, &e) != 0) {
        fprintf(stderr, "escrow_bench: genesis: %s\n", e.msg);
        return 1;
    }
    chain_tx_t **txs = calloc(n, sizeof *txs);
    chain_hash_t *ids = calloc(n, sizeof *ids);
    char **receipts = calloc(n, sizeof *receipts);
    if (!txs || !ids || !receipts)
        return 1;
    chain_job_body_t b;
    /* posts: distinct job ids, the module and input inline */
    for (size_t i = 0; i < n; i++) {
        uint8_t seed[8];
        store_le64(seed, i);
        crypto_sha256(seed, sizeof seed, ids[i].b);
        memset(&b, 0, sizeof b);
        b.kind = CHAIN_TX_JOB_POST;
        b.job_id = ids[i];
        crypto_sha256(mod, mlen, b.module_hash.b);
        crypto_sha256(in ? in : (const uint8_t *)"", ilen, b.input_commitment.b);
        b.fuel = 100000000;
        b.memory_max = 16u << 20;
        b.deadline = 1000;
        b.payment = chain_u128_from_u64(5000);
        b.provider_bond = chain_u128_from_u64(1000);
        b.window = 1;
        b.module = mod;
        b.module_len = (uint32_t)mlen;
        b.input = in;
        b.input_len = (uint32_t)ilen;
        txs[i] = tp_tx(&t, TP_REQ, i, &b);
    }
    double t_post = tp_block(&t, txs, n, "post");
    for (size_t i = 0; i < n; i++) {
        memset(&b, 0, sizeof b);
        b.kind = CHAIN_TX_JOB_ACCEPT;
        b.job_id = ids[i];
        memcpy(b.phase_pk, pid.pk, 32);
        chain_job_link_sign(TP_CHAIN, &t.addr[TP_PROV], pid.sk, b.link_sig);
        txs[i] = tp_tx(&t, TP_PROV, i, &b);
    }
    double t_accept = tp_block(&t, txs, n, "accept");
    /* the provider's runs and receipts (not timed: that is the provider's
     * work, not the node's) */
    for (size_t i = 0; i < n; i++) {
        phase_escrow_job_t pj = {.module = mod, .module_len = mlen, .input = in,
                                 .input_len = ilen, .fuel = 100000000, .memory_max = 16u << 20};
        memcpy(pj.job_id, ids[i].b, 32);
        phase_job_outcome_t o;
        phase_receipt_t r;
        if (phase_escrow_run(&pj, &pid, &o, NULL, &r, &e) != 0 ||
            !(receipts[i] = phase_receipt_to_json(&r, &e))) {
            fprintf(stderr, "escrow_bench: run: %s\n", e.msg);
            return 1;
        }
        phase_job_outcome_free(&o);
        phase_receipt_free(&r);
        memset(&b, 0, sizeof b);
        b.kind = CHAIN_TX_JOB_CLAIM;
        b.job_id = ids[i];
        b.receipt = (const uint8_t *)receipts[i];
        b.receipt_len = (uint32_t)strlen(receipts[i]);
        txs[i] = tp_tx(&t, TP_PROV, n + i, &b);
    }
    double t_claim = tp_block(&t, txs, n, "claim");
    tp_block(&t, NULL, 0, "empty");   /* the window of one block */
    for (size_t i = 0; i < n; i++) {
        memset(&b, 0, sizeof b);
        b.kind = CHAIN_TX_JOB_FINALIZE;
        b.job_id = ids[i];
        txs[i] = tp_tx(&t, TP_PROV, 2 * n + i, &b);
    }
    double t_fin = tp_block(&t, txs, n, "finalize");
    /* every job must be paid */
    chain_job_t j;
    bool ex = false;
    if (chain_escrow_get_job(t.st, &ids[n - 1], &j, &ex, &e) != 0 || !ex ||
        j.status != CHAIN_JOB_FINALIZED || chain_escrow_reputation(t.st, &t.addr[TP_PROV]) != n) {
        fprintf(stderr, "escrow_bench: the jobs were not all finalized\n");
        return 1;
    }
    double total = t_post + t_accept + t_claim + t_fin;
    printf("%zu jobs (module %zu bytes, input %zu bytes), one block per step, executed and "
           "committed:\n  post %.1f ms, accept %.1f ms, claim %.1f ms, finalize %.1f ms\n"
           "  finalizes/s %.0f; escrowed jobs/s through the whole lifecycle (4 txs each) %.0f\n",
           n, mlen, ilen, t_post, t_accept, t_claim, t_fin, (double)n / (t_fin / 1e3),
           (double)n / (total / 1e3));
    for (size_t i = 0; i < n; i++)
        free(receipts[i]);
    free(receipts);
    free(ids);
    free(txs);
    phase_identity_wipe(&pid);
    chain_state_close(t.st);
    nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "--throughput") == 0) {
        size_t n = (size_t)strtoull(argv[2], NULL, 10);
        if (n == 0 || n > 5000 || argc > 5) {
            fprintf(stderr, "usage: escrow_bench --throughput N(1..5000) MODULE.wasm [INPUT]\n");
            return 2;
        }
        if (crypto_init() != 0)
            return 1;
        uint8_t *mod = NULL, *in = NULL;
        size_t mlen = 0, ilen = 0;
        err_t e = {0};
        if (file_read_all(argv[3], CHAIN_JOB_MAX_MODULE, &mod, &mlen, &e) != 0 ||
            (argc > 4 && file_read_all(argv[4], CHAIN_JOB_MAX_INPUT, &in, &ilen, &e) != 0)) {
            fprintf(stderr, "escrow_bench: %s\n", e.msg);
            return 1;
        }
        int rc = throughput(n, mod, mlen, in, ilen);
        free(mod);
        free(in);
        return rc;
    }
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: escrow_bench MODULE.wasm [INPUT_FILE] [RUNS]\n");
        return 2;
    }
    if (crypto_init() != 0)
        return 1;
    uint8_t *mod = NULL, *in = NULL;
    size_t mlen = 0, ilen = 0;
    err_t e = {0};
    if (file_read_all(argv[1], 64u << 20, &mod, &mlen, &e) != 0 ||
        (argc > 2 && file_read_all(argv[2], 64u << 20, &in, &ilen, &e) != 0)) {
        fprintf(stderr, "escrow_bench: %s\n", e.msg);
        return 1;
    }
    int runs = argc > 3 ? atoi(argv[3]) : 20;
    if (runs < 1)
        runs = 1;
    buf_t code = {0};
    uint8_t l4[4];
    store_le32(l4, (uint32_t)mlen);
    if (buf_append(&code, l4, 4) != 0 || buf_append(&code, mod, mlen) != 0 ||
        (ilen && buf_append(&code, in, ilen) != 0))
        return 1;
    chain_job_t job;
    memset(&job, 0, sizeof job);
    memset(job.id.b, 0x42, 32);
    job.fuel = 100000000000ull;
    job.memory_max = 256u << 20;
    double *t = calloc((size_t)runs, sizeof *t);
    uint64_t fuel = 0;
    chain_hash_t c0, c;
    for (int i = 0; i < runs; i++) {
        double s = now_ms();
        if (chain_escrow_reexecute(&job, code.data, code.len, &c, &fuel, &e) != 0) {
            fprintf(stderr, "escrow_bench: %s\n", e.msg);
            return 1;
        }
        t[i] = now_ms() - s;
        if (i == 0)
            c0 = c;
        else if (!chain_hash_equal(&c0, &c)) {
            fprintf(stderr, "escrow_bench: run %d gave another commitment\n", i);
            return 1;
        }
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_d);
    char hex[65];
    chain_hash_to_hex(&c0, hex);
    printf("module %zu bytes, input %zu bytes: gas (fuel) %llu, re-execution median %.3f ms, "
           "min %.3f ms over %d runs, commitment %s\n",
           mlen, ilen, (unsigned long long)fuel, t[runs / 2], t[0], runs, hex);
    free(t);
    free(mod);
    free(in);
    buf_free(&code);
    return 0;
}
