/*
 * chain_bench: end-to-end finalized transfers per second through JSON-RPC.
 *
 * It starts the real node(s) as separate processes: `aetherd run` with the
 * solo engine for --nodes 1 (the default), N BFT validators (`aetherd run
 * --p2p --peer ...`, a genesis with a "consensus" section, equal stakes;
 * tests/chain/cluster.c) for --nodes N > 1. It funds S sender accounts in
 * genesis, pre-signs S x M transfers (sender i -> sender i+1, nonces
 * 0..M-1), gives each sender to one node (sender s submits through node
 * s mod N, as a wallet talks to one node) and posts the transfers as
 * JSON-RPC batches of B requests over C keep-alive connections (threads),
 * as fast as possible or paced at --rate R transfers/s.
 *
 * A watcher follows the committed blocks of node 0 (aeth_getBlockByNumber,
 * transaction hashes) and stamps each transfer when it is first seen
 * committed; committed blocks are final (solo: at once; BFT: 2-chain
 * commit). Figures:
 *   - finalized transfers/s: n / (last seen committed - first post);
 *   - finality latency percentiles: seen committed - the start of the post
 *     of the transfer's batch;
 *   - CPU per transfer: user + system CPU of every node process (from
 *     /proc) over n, and the CPU-bound ceiling on this machine's cores;
 *   - at the end every node must have every sender's nonce at M and the
 *     same block hash at node 0's final height.
 * It also measures the in-process mempool insert rate (no RPC, no
 * signature checks), and the wallet path (chain/client, what `aether
 * transfer --wait` does): W transfers one after another, each built,
 * signed, submitted and waited for; their median and worst latency.
 *
 * Usage: chain_bench AETHERD AETHER [--nodes N] [--senders S]
 *          [--per-sender M] [--batch B] [--conns C] [--rate R]
 *          [--block-ms N] [--max-block-txs N] [--wallet W] [--log-level L]
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain/client/client.h"
#include "cluster.h"

static double mempool_insert_rate(void)
{
    mempool_t *mp = mempool_new(NULL, NULL);
    enum { N = 50000, SENDERS = 1000 };
    mempool_tx_info_t *info = calloc(N, sizeof *info);
    uint8_t raw[165] = {0};
    mempool_account_t acct = {0, (chain_u128_t){0, UINT64_C(1) << 36}}; /* 2^100 */
    for (uint32_t i = 0; i < N; i++) {
        uint32_t s = i % SENDERS;
        crypto_sha256(&i, sizeof i, info[i].hash);
        uint8_t h[32];
        crypto_sha256(&s, sizeof s, h);
        memcpy(info[i].sender, h, sizeof info[i].sender);
        info[i].nonce = i / SENDERS;
        info[i].fee = chain_u128_from_u64(2000 + (i % 97));
        info[i].cost = chain_u128_from_u64(2000 + (i % 97) + 10);
        info[i].size = sizeof raw;
    }
    uint64_t t0 = h_now_ms();
    size_t ok = 0;
    for (uint32_t i = 0; i < N; i++)
        ok += mempool_add(mp, &info[i], raw, sizeof raw, NULL, &acct, 0, NULL, NULL, NULL) == 0;
    uint64_t t1 = h_now_ms();
    free(info);
    mempool_free(mp);
    if (ok != N)
        fprintf(stderr, "mempool bench: only %zu of %d admitted\n", ok, N);
    return (double)N / ((double)(t1 - t0 ? t1 - t0 : 1) / 1000.0);
}

/* CPU seconds (user + system) used so far by process pid. */
static double metric_f(const char *url, const char *name)
{
    rpc_client_t *c = rpc_client_new(url, 5000, NULL);
    int status;
    char *body = NULL;
    size_t len;
    double v = 0;
    if (c && rpc_client_get(c, "/metrics", &status, &body, &len, NULL) == 0) {
        size_t nl = strlen(name);
        for (char *p = body; (p = strstr(p, name)); p += nl)
            if ((p == body || p[-1] == '\n') && p[nl] == ' ') {
                v = strtod(p + nl + 1, NULL);
                break;
            }
    }
    free(body);
    rpc_client_free(c);
    return v;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The wallet path: n transfers from account `from`, each through
 * chain_client_transfer + chain_client_wait_receipt. */
static int wallet_latency(const char *url, uint32_t from, uint32_t to, uint32_t n)
{
    err_t e = {0};
    chain_client_t *c = chain_client_new(url, 60000, &e);
    if (!c) {
        fprintf(stderr, "wallet: %s\n", e.msg);
        return -1;
    }
    chain_key_t k, dst;
    h_account(from, &k);
    h_account(to, &dst);
    uint64_t *lat = calloc(n ? n : 1, sizeof *lat);
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        chain_client_send_t s = {.to = dst.addr, .amount = chain_u128_from_u64(1 + i)};
        chain_tx_t *tx = NULL;
        chain_client_receipt_t r;
        uint64_t t0 = h_now_ms();
        if (chain_client_transfer(c, &k, &s, &tx, &e) != 0 ||
            chain_client_wait_receipt(c, &tx->hash, 30000, &r, NULL, &e) != 0) {
            fprintf(stderr, "wallet: transfer %u: %s\n", i, e.msg);
            rc = -1;
        } else if (r.receipt.status != CHAIN_STATUS_OK) {
            fprintf(stderr, "wallet: transfer %u failed: %s\n", i, r.status);
            rc = -1;
        }
        lat[i] = h_now_ms() - t0;
        chain_tx_free(tx);
    }
    if (!rc && n) {
        qsort(lat, n, sizeof *lat, cmp_u64);
        printf("RESULT wallet: %u sequential transfers (chain/client build, sign, submit, wait "
               "for the receipt): median %llu ms, worst %llu ms\n",
               n, (unsigned long long)lat[n / 2], (unsigned long long)lat[n - 1]);
    }
    free(lat);
    chain_key_wipe(&k);
    chain_client_free(c);
    return rc;
}


/* ---- the nodes under test ------------------------------------------------------ */

#define MAX_NODES CL_MAX

typedef struct cluster_run {
    int n;
    char url[MAX_NODES][64];
    pid_t pid[MAX_NODES];
    h_node_t solo;            /* --nodes 1: aetherd run with the solo engine */
    cluster_t bft;            /* --nodes N > 1: N BFT validators (tests/chain/cluster.c) */
} cluster_run_t;

static int cluster_start(cluster_run_t *cl, int n, const char *aetherd, const char *aether,
                         uint32_t senders, const char *const *extra)
{
    memset(cl, 0, sizeof *cl);
    cl->n = n;
    int rc;
    if (n == 1) {
        if ((rc = h_init(&cl->solo, "bench", aetherd, aether)) != 0)
            return rc;
        if (h_write_genesis(&cl->solo, senders, 1000000000000ull, 0, 0) != 0 ||
            h_start(&cl->solo, extra, 20000) != 0)
            return -1;
        snprintf(cl->url[0], sizeof cl->url[0], "%s", cl->solo.url);
        cl->pid[0] = cl->solo.pid;
        return 0;
    }
    cl_params_t p = {.n = n, .n_accounts = senders, .balance = 1000000000000ull,
                     .base_timeout_ms = 1000, .run_args = extra};
    if ((rc = cl_init(&cl->bft, &p, aetherd, aether)) != 0)
        return rc;
    if (cl_start_all(&cl->bft) != 0 ||
        cl_wait_heights(&cl->bft, cl_all(&cl->bft), 1, 60000, "start-up") != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        cl_url(&cl->bft, i, cl->url[i]);
        cl->pid[i] = cl_pid(&cl->bft, i);
    }
    return 0;
}

static uint64_t cluster_chain_id(const cluster_run_t *cl)
{
    return cl->n == 1 ? cl->solo.chain_id : cl->bft.v[0].chain_id;
}

static void cluster_stop(cluster_run_t *cl, bool ok)
{
    if (cl->n > 1) {
        cl_cleanup(&cl->bft, !ok);
        return;
    }
    if (!ok && cl->solo.dir[0])
        fprintf(stderr, "benchmark failed; node log in %s/node.log\n", cl->solo.dir);
    h_stop(&cl->solo, ok ? SIGTERM : SIGKILL);
    if (ok)
        h_cleanup(&cl->solo);
}

static double cluster_cpu(const cluster_run_t *cl)
{
    double s = 0;
    for (int i = 0; i < cl->n; i++)
        s += h_proc_cpu(cl->pid[i]);
    return s;
}

/* ---- posting ------------------------------------------------------------------ */

/* One batch to post: to node `node`, transfers [first, first + n) of the
 * global list; due at `due_ms` after the start (paced runs). */
typedef struct job {
    int node;
    h_batch_t *batch;
    size_t first, n;
    uint64_t due_ms;
} job_t;

typedef struct run {
    const cluster_run_t *cl;
    job_t *jobs;
    size_t n_jobs;
    _Atomic size_t next;
    uint64_t start_ms;
    uint64_t *sent_ms;        /* per transfer: the start of its batch's post */
    _Atomic size_t n_seen;
} run_t;

typedef struct poster {
    run_t *run;
    h_send_stats_t st;
    int failed;
} poster_t;

static void *post_thread(void *arg)
{
    poster_t *p = arg;
    run_t *r = p->run;
    rpc_client_t *c[MAX_NODES] = {0};
    for (int i = 0; i < r->cl->n; i++)
        if (!(c[i] = rpc_client_new(r->cl->url[i], 60000, NULL)))
            p->failed = 1;
    for (;;) {
        if (p->failed)
            break;
        size_t i = atomic_fetch_add(&r->next, 1);
        if (i >= r->n_jobs)
            break;
        job_t *j = &r->jobs[i];
        uint64_t now = h_now_ms();
        if (r->start_ms + j->due_ms > now)
            usleep((useconds_t)((r->start_ms + j->due_ms - now) * 1000));
        uint64_t t = h_now_ms();
        for (size_t k = 0; k < j->n; k++)
            r->sent_ms[j->first + k] = t;
        if (h_post_batch(c[j->node], j->batch, &p->st) != 0)
            p->failed = 1;
    }
    for (int i = 0; i < r->cl->n; i++)
        rpc_client_free(c[i]);
    return NULL;
}

/* ---- watching commits ------------------------------------------------------------ */

/* Open addressing from a transfer hash to its index. */
typedef struct index {
    size_t cap;
    int64_t *slot;            /* -1 = empty */
    const h_tx_t *txs;
} index_t;

static size_t idx_home(const index_t *ix, const chain_hash_t *h)
{
    uint64_t k;
    memcpy(&k, h->b, sizeof k);
    return (size_t)(k & (ix->cap - 1));
}

static int idx_init(index_t *ix, const h_tx_t *txs, size_t n)
{
    ix->cap = 1;
    while (ix->cap < 2 * n)
        ix->cap <<= 1;
    ix->slot = malloc(ix->cap * sizeof *ix->slot);
    ix->txs = txs;
    if (!ix->slot)
        return -1;
    for (size_t i = 0; i < ix->cap; i++)
        ix->slot[i] = -1;
    for (size_t i = 0; i < n; i++) {
        size_t s = idx_home(ix, &txs[i].hash);
        while (ix->slot[s] >= 0)
            s = (s + 1) & (ix->cap - 1);
        ix->slot[s] = (int64_t)i;
    }
    return 0;
}

static int64_t idx_find(const index_t *ix, const chain_hash_t *h)
{
    for (size_t s = idx_home(ix, h);; s = (s + 1) & (ix->cap - 1)) {
        if (ix->slot[s] < 0)
            return -1;
        if (chain_hash_equal(&ix->txs[ix->slot[s]].hash, h))
            return ix->slot[s];
    }
}

typedef struct watcher {
    run_t *run;
    const index_t *ix;
    size_t n;
    uint64_t from_height;     /* first block that may hold a transfer */
    uint64_t *seen_ms;        /* per transfer, 0 = not yet */
    uint64_t timeout_ms;
    uint64_t blocks;
    int failed;
} watcher_t;

static void *watch_thread(void *arg)
{
    watcher_t *w = arg;
    rpc_client_t *c = rpc_client_new(w->run->cl->url[0], 60000, NULL);
    uint64_t next = w->from_height, deadline = h_now_ms() + w->timeout_ms;
    size_t seen = 0;
    while (c && seen < w->n && h_now_ms() < deadline) {
        chain_hash_t bh, *hs = NULL;
        size_t k = 0;
        int rc = h_block_txs(c, next, &bh, &hs, &k);
        if (rc < 0)
            break;
        if (rc == 1) {
            usleep(5000);
            continue;
        }
        uint64_t t = h_now_ms();
        for (size_t i = 0; i < k; i++) {
            int64_t j = idx_find(w->ix, &hs[i]);
            if (j >= 0 && !w->seen_ms[j]) {
                w->seen_ms[j] = t;
                seen++;
            }
        }
        free(hs);
        w->blocks++;
        next++;
    }
    if (seen < w->n) {
        fprintf(stderr, "watcher: %zu of %zu transfers seen committed (block %llu)\n", seen,
                w->n, (unsigned long long)next);
        w->failed = 1;
    }
    rpc_client_free(c);
    return NULL;
}

static uint64_t pct(const uint64_t *sorted, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

/* Every node has every sender's nonce at `per` and node 0's block hash at
 * node 0's height. */
static int check_nodes(const cluster_run_t *cl, uint32_t senders, uint32_t per)
{
    uint64_t *want = malloc(senders * sizeof *want);
    rpc_client_t *c0 = rpc_client_new(cl->url[0], 60000, NULL);
    uint64_t height = 0;
    chain_hash_t h0, *hs = NULL;
    size_t k;
    int rc = want && c0 && h_height(c0, &height) == 0 &&
                     h_block_txs(c0, height, &h0, &hs, &k) == 0
                 ? 0
                 : -1;
    free(hs);
    for (uint32_t i = 0; want && i < senders; i++)
        want[i] = per;
    for (int i = 0; rc == 0 && i < cl->n; i++) {
        rpc_client_t *c = rpc_client_new(cl->url[i], 60000, NULL);
        chain_hash_t hi;
        if (!c || h_wait_nonces(c, senders, want, 60000) != 0) {
            fprintf(stderr, "node %d: not every transfer is committed\n", i);
            rc = -1;
        } else if (h_block_txs(c, height, &hi, &hs, &k) != 0 || !chain_hash_equal(&hi, &h0)) {
            fprintf(stderr, "node %d: block %llu differs from node 0's\n", i,
                    (unsigned long long)height);
            rc = -1;
        }
        free(hs);
        hs = NULL;
        rpc_client_free(c);
    }
    rpc_client_free(c0);
    free(want);
    return rc;
}

static void loadavg(char *out, size_t len)
{
    FILE *la = fopen("/proc/loadavg", "r");
    snprintf(out, len, "?");
    if (la) {
        if (!fgets(out, (int)len, la))
            snprintf(out, len, "?");
        fclose(la);
    }
    /* the three averages only */
    char *p = out;
    for (int i = 0; i < 3 && p; i++)
        p = strchr(p + (i > 0), ' ');
    if (p)
        *p = 0;
    out[strcspn(out, "\n")] = 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s AETHERD AETHER [--nodes N] [--senders S] [--per-sender M] "
                        "[--batch B] [--conns C] [--rate R] [--block-ms N] [--max-block-txs N] "
                        "[--wallet W] [--log-level L]\n", argv[0]);
        return 2;
    }
    uint32_t senders = 1000, per = 100, batch = 1000, conns = 2, wallet = 20, rate = 0;
    int nodes = 1;
    const char *block_ms = "100", *max_block = "20000", *log_level = "warn";
    for (int i = 3; i < argc; i += 2) {
        if (i + 1 >= argc) {
            fprintf(stderr, "%s needs a value\n", argv[i]);
            return 2;
        }
        if (!strcmp(argv[i], "--log-level")) {
            log_level = argv[i + 1];
            continue;
        }
        char *end;
        unsigned long v = strtoul(argv[i + 1], &end, 10);
        if (*end || end == argv[i + 1] || v > UINT32_MAX) {
            fprintf(stderr, "%s: \"%s\" is not a number\n", argv[i], argv[i + 1]);
            return 2;
        }
        if (!strcmp(argv[i], "--senders")) senders = (uint32_t)v;
        else if (!strcmp(argv[i], "--per-sender")) per = (uint32_t)v;
        else if (!strcmp(argv[i], "--batch")) batch = (uint32_t)v;
        else if (!strcmp(argv[i], "--conns")) conns = (uint32_t)v;
        else if (!strcmp(argv[i], "--rate")) rate = (uint32_t)v;
        else if (!strcmp(argv[i], "--nodes")) nodes = (int)v;
        else if (!strcmp(argv[i], "--block-ms")) block_ms = argv[i + 1];
        else if (!strcmp(argv[i], "--max-block-txs")) max_block = argv[i + 1];
        else if (!strcmp(argv[i], "--wallet")) wallet = (uint32_t)v;
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (senders < 2 || per == 0 || batch == 0 || conns == 0 || conns > 64 || nodes < 1 ||
        nodes > MAX_NODES || senders < (uint32_t)nodes) {
        fprintf(stderr, "bad parameters: senders >= 2 and >= nodes, per-sender, batch > 0, "
                        "1 <= conns <= 64, 1 <= nodes <= %d\n", MAX_NODES);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    if (crypto_init() != 0)
        return 1;

    printf("mempool insert rate (in process, 50,000 txs, 1,000 senders): %.0f tx/s\n",
           mempool_insert_rate());

    size_t n = (size_t)senders * per;
    char mempool_max[32], la0[64], la1[64];
    snprintf(mempool_max, sizeof mempool_max, "%zu", n + 1000 > 50000 ? n + 1000 : 50000);
    const char *extra[] = {"--block-ms", block_ms, "--max-block-txs", max_block,
                           "--mempool-max", mempool_max, "--log-level", log_level, NULL};
    cluster_run_t cl;
    run_t run = {0};
    h_tx_t *txs = NULL;
    h_batch_t **nb_batches = NULL;
    size_t *nb_count = NULL;
    poster_t *ps = NULL;
    pthread_t *th = NULL;
    uint64_t *seen = NULL;
    index_t ix = {0};
    bool ok = false;
    int rc = cluster_start(&cl, nodes, argv[1], argv[2], senders, extra);
    if (rc == 77)
        return 77;
    if (rc != 0)
        goto done;
    uint64_t chain_id = cluster_chain_id(&cl);

    /* Pre-sign, grouped by node (sender s -> node s % N), nonce-major within
     * a node so every batch holds ready transactions. */
    txs = calloc(n, sizeof *txs);
    nb_batches = calloc((size_t)nodes, sizeof *nb_batches);
    nb_count = calloc((size_t)nodes, sizeof *nb_count);
    run.sent_ms = calloc(n, sizeof *run.sent_ms);
    seen = calloc(n, sizeof *seen);
    if (!txs || !nb_batches || !nb_count || !run.sent_ms || !seen)
        goto done;
    uint64_t t0 = h_now_ms();
    size_t k = 0, node_first[MAX_NODES + 1];
    for (int j = 0; j < nodes; j++) {
        node_first[j] = k;
        for (uint32_t nonce = 0; nonce < per; nonce++)
            for (uint32_t s = (uint32_t)j; s < senders; s += (uint32_t)nodes)
                if (h_sign_transfer(chain_id, s, (s + 1) % senders, nonce, 1 + nonce % 7, 2000,
                                    &txs[k++]) != 0)
                    goto done;
    }
    node_first[nodes] = k;
    uint64_t t1 = h_now_ms();
    size_t n_jobs = 0;
    for (int j = 0; j < nodes; j++) {
        nb_batches[j] = h_make_batches(txs + node_first[j], node_first[j + 1] - node_first[j],
                                       batch, &nb_count[j]);
        if (!nb_batches[j])
            goto done;
        n_jobs += nb_count[j];
    }
    /* Jobs interleave the nodes; a paced run spaces them by their size. */
    run.cl = &cl;
    run.jobs = calloc(n_jobs, sizeof *run.jobs);
    if (!run.jobs || idx_init(&ix, txs, n) != 0)
        goto done;
    size_t posted_txs = 0;
    for (size_t b = 0, made = 0; made < n_jobs; b++)
        for (int j = 0; j < nodes; j++) {
            if (b >= nb_count[j])
                continue;
            job_t *jb = &run.jobs[made++];
            jb->node = j;
            jb->batch = &nb_batches[j][b];
            jb->first = node_first[j] + b * batch;
            jb->n = nb_batches[j][b].n;
            jb->due_ms = rate ? (uint64_t)((double)posted_txs * 1000.0 / rate) : 0;
            posted_txs += jb->n;
        }
    run.n_jobs = n_jobs;
    printf("pre-signed %zu transfers in %.2f s; %zu batches of up to %u over %d node%s%s\n", n,
           (double)(t1 - t0) / 1000.0, n_jobs, batch, nodes, nodes > 1 ? "s" : "",
           rate ? "" : " (unpaced)");

    uint64_t h0 = 0;
    {
        rpc_client_t *c = rpc_client_new(cl.url[0], 10000, NULL);
        int hr = c ? h_height(c, &h0) : -1;
        rpc_client_free(c);
        if (hr != 0)
            goto done;
    }
    watcher_t w = {.run = &run, .ix = &ix, .n = n, .from_height = h0 + 1, .seen_ms = seen,
                   .timeout_ms = 120000};
    ps = calloc(conns, sizeof *ps);
    th = calloc(conns, sizeof *th);
    if (!ps || !th)
        goto done;
    loadavg(la0, sizeof la0);
    double cpu0 = cluster_cpu(&cl), self0 = h_proc_cpu(getpid());
    pthread_t wth;
    run.start_ms = h_now_ms();
    pthread_create(&wth, NULL, watch_thread, &w);
    for (uint32_t i = 0; i < conns; i++) {
        ps[i].run = &run;
        pthread_create(&th[i], NULL, post_thread, &ps[i]);
    }
    h_send_stats_t tot = {0};
    int failed = 0;
    for (uint32_t i = 0; i < conns; i++) {
        pthread_join(th[i], NULL);
        tot.accepted += ps[i].st.accepted;
        tot.rejected += ps[i].st.rejected;
        tot.invalid += ps[i].st.invalid;
        tot.other += ps[i].st.other;
        if (ps[i].st.last_code)
            snprintf(tot.last_msg, sizeof tot.last_msg, "%s", ps[i].st.last_msg);
        failed |= ps[i].failed;
    }
    uint64_t s1 = h_now_ms();
    printf("submitted in %.2f s: %zu accepted, %zu rejected, %zu invalid, %zu other%s%s\n",
           (double)(s1 - run.start_ms) / 1000.0, tot.accepted, tot.rejected, tot.invalid,
           tot.other, tot.last_msg[0] ? "; last error: " : "", tot.last_msg);
    if (failed || tot.accepted != n) {
        fprintf(stderr, "not every transfer was accepted\n");
        w.timeout_ms = 0;   /* stop the watcher */
        pthread_join(wth, NULL);
        goto done;
    }
    pthread_join(wth, NULL);
    if (w.failed)
        goto done;
    double cpu1 = cluster_cpu(&cl), self1 = h_proc_cpu(getpid());
    loadavg(la1, sizeof la1);
    uint64_t last = 0;
    uint64_t *lat = malloc(n * sizeof *lat);
    if (!lat)
        goto done;
    for (size_t i = 0; i < n; i++) {
        last = seen[i] > last ? seen[i] : last;
        lat[i] = seen[i] > run.sent_ms[i] ? seen[i] - run.sent_ms[i] : 0;
    }
    qsort(lat, n, sizeof *lat, cmp_u64);
    double secs = (double)(last - run.start_ms) / 1000.0;
    printf("committed %zu transfers in %llu blocks in %.2f s (seen on node 0)\n", n,
           (unsigned long long)w.blocks, secs);
    char rate_s[32] = "unpaced";
    if (rate)
        snprintf(rate_s, sizeof rate_s, "%u/s", rate);
    printf("RESULT end-to-end: %.0f finalized transfers/s (submit %.0f tx/s; nodes %d, senders "
           "%u, per sender %u, batch %u, connections %u, rate %s, block-ms %s)\n",
           (double)n / secs, (double)n / ((double)(s1 - run.start_ms) / 1000.0), nodes,
           senders, per, batch, conns, rate_s, block_ms);
    printf("RESULT finality latency (post -> seen committed): p50 %llu ms, p90 %llu ms, p99 %llu "
           "ms, max %llu ms\n",
           (unsigned long long)pct(lat, n, 0.50), (unsigned long long)pct(lat, n, 0.90),
           (unsigned long long)pct(lat, n, 0.99), (unsigned long long)lat[n - 1]);
    free(lat);
    double per_tx_us = (cpu1 - cpu0) / (double)n * 1e6;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("RESULT CPU: nodes %.2f s for %zu transfers = %.1f us/transfer (all %d node "
           "processes, all threads); client %.2f s; load average %s at the start, %s at the "
           "end\n",
           cpu1 - cpu0, n, per_tx_us, nodes, self1 - self0, la0, la1);
    printf("CPU-bound ceiling on %ld cores for the nodes: %.0f transfers/s\n", cores,
           per_tx_us > 0 ? (double)cores * 1e6 / per_tx_us : 0.0);
    if (nodes == 1) {
        double pb = metric_f(cl.url[0], "aether_block_phase_seconds_total{phase=\"build\"}");
        double pc = metric_f(cl.url[0], "aether_block_phase_seconds_total{phase=\"commit\"}");
        double pu = metric_f(cl.url[0],
                             "aether_block_phase_seconds_total{phase=\"pool_update\"}");
        double prod = pb + pc + pu;
        printf("block producer thread: %.2f s busy = %.1f us/transfer (wall clock: build %.2f "
               "s, commit %.2f s, pool update %.2f s)\n", prod, prod / (double)n * 1e6, pb, pc,
               pu);
    }
    if (check_nodes(&cl, senders, per) != 0)
        goto done;
    printf("every node has every transfer and the same block at height %llu\n",
           (unsigned long long)(h0 + w.blocks));
    /* the wallet path on the now idle node (senders' nonces are all `per`) */
    if (wallet && wallet_latency(cl.url[0], 0, 1, wallet) != 0)
        goto done;
    ok = true;
done:
    cluster_stop(&cl, ok);
    for (int j = 0; nb_batches && j < nodes; j++)
        h_batches_free(nb_batches[j], nb_count[j]);
    free(nb_batches);
    free(nb_count);
    for (size_t i = 0; txs && i < n; i++)
        h_tx_free(&txs[i]);
    free(txs);
    free(run.jobs);
    free(run.sent_ms);
    free(seen);
    free(ix.slot);
    free(ps);
    free(th);
    return ok ? 0 : 1;
}
