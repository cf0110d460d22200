/*
 * chain_bench: end-to-end transfers per second on one aetherd node.
 *
 * It starts the real `aetherd run` (a separate process), funds S sender
 * accounts in genesis, pre-signs S x M transfers (sender i -> sender i+1,
 * nonces 0..M-1), then posts them as JSON-RPC batches of B requests over C
 * keep-alive connections (threads) and measures from the first post until
 * every sender's committed nonce is M, i.e. until every transfer is executed
 * and committed (synced RocksDB batch per block). It also measures the
 * in-process mempool insert rate (no RPC, no signature checks), and the
 * wallet path (chain/client, what `aether transfer --wait` does): W
 * transfers one after another, each built, signed, submitted and waited for
 * until its receipt is committed; it prints their median and worst latency.
 *
 * Usage: chain_bench AETHERD AETHER [--senders S] [--per-sender M] [--batch B]
 *                    [--conns C] [--block-ms N] [--max-block-txs N] [--wallet W]
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain/client/client.h"
#include "harness.h"

typedef struct poster {
    const char *url;
    h_batch_t *batches;
    size_t n_batches;
    _Atomic size_t *next;
    h_send_stats_t st;
    int failed;
} poster_t;

static void *post_thread(void *arg)
{
    poster_t *p = arg;
    rpc_client_t *c = rpc_client_new(p->url, 60000, NULL);
    if (!c) {
        p->failed = 1;
        return NULL;
    }
    for (;;) {
        size_t i = atomic_fetch_add(p->next, 1);
        if (i >= p->n_batches)
            break;
        if (h_post_batch(c, &p->batches[i], &p->st) != 0) {
            p->failed = 1;
            break;
        }
    }
    rpc_client_free(c);
    return NULL;
}

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
static double proc_cpu(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    /* fields after the command: state(3) ... utime(14) stime(15) */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

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

static unsigned long long metric(const char *url, const char *name)
{
    rpc_client_t *c = rpc_client_new(url, 5000, NULL);
    int status;
    char *body = NULL;
    size_t len;
    unsigned long long v = 0;
    if (c && rpc_client_get(c, "/metrics", &status, &body, &len, NULL) == 0) {
        size_t nl = strlen(name);
        for (char *p = body; (p = strstr(p, name)); p += nl)
            if ((p == body || p[-1] == '\n') && p[nl] == ' ') {
                v = strtoull(p + nl + 1, NULL, 10);
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

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s AETHERD AETHER [--senders S] [--per-sender M] [--batch B] "
                        "[--conns C] [--block-ms N] [--max-block-txs N] [--wallet W]\n", argv[0]);
        return 2;
    }
    uint32_t senders = 1000, per = 100, batch = 1000, conns = 2, wallet = 20;
    const char *block_ms = "100", *max_block = "20000";
    for (int i = 3; i + 1 < argc; i += 2) {
        unsigned long v = strtoul(argv[i + 1], NULL, 10);
        if (!strcmp(argv[i], "--senders")) senders = (uint32_t)v;
        else if (!strcmp(argv[i], "--per-sender")) per = (uint32_t)v;
        else if (!strcmp(argv[i], "--batch")) batch = (uint32_t)v;
        else if (!strcmp(argv[i], "--conns")) conns = (uint32_t)v;
        else if (!strcmp(argv[i], "--block-ms")) block_ms = argv[i + 1];
        else if (!strcmp(argv[i], "--max-block-txs")) max_block = argv[i + 1];
        else if (!strcmp(argv[i], "--wallet")) wallet = (uint32_t)v;
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (senders < 2 || per == 0 || batch == 0 || conns == 0 || conns > 64) {
        fprintf(stderr, "bad parameters\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    h_node_t h;
    int rc = h_init(&h, "bench", argv[1], argv[2]);
    if (rc != 0)
        return rc == 77 ? 77 : 1;

    printf("mempool insert rate (in process, 50,000 txs, 1,000 senders): %.0f tx/s\n",
           mempool_insert_rate());

    size_t n = (size_t)senders * per;
    char mempool_max[32];
    snprintf(mempool_max, sizeof mempool_max, "%zu", n + 1000 > 50000 ? n + 1000 : 50000);
    if (h_write_genesis(&h, senders, 1000000000000ull, 0, 0) != 0)
        goto fail;
    const char *extra[] = {"--block-ms", block_ms, "--max-block-txs", max_block,
                           "--mempool-max", mempool_max, "--log-level", "warn", NULL};
    if (h_start(&h, extra, 20000) != 0)
        goto fail;

    /* Pre-sign, ordered nonce-major so every batch holds ready transactions. */
    h_tx_t *txs = calloc(n, sizeof *txs);
    uint64_t t0 = h_now_ms();
    for (uint32_t nonce = 0; nonce < per; nonce++)
        for (uint32_t s = 0; s < senders; s++)
            if (h_sign_transfer(h.chain_id, s, (s + 1) % senders, nonce, 1 + nonce % 7, 2000,
                                &txs[(size_t)nonce * senders + s]) != 0)
                goto fail;
    uint64_t t1 = h_now_ms();
    size_t nb = 0;
    h_batch_t *batches = h_make_batches(txs, n, batch, &nb);
    printf("pre-signed %zu transfers in %.2f s; %zu batches of up to %u\n", n,
           (double)(t1 - t0) / 1000.0, nb, batch);

    unsigned long long h0 = metric(h.url, "aether_chain_height");
    _Atomic size_t next = 0;
    poster_t *ps = calloc(conns, sizeof *ps);
    pthread_t *th = calloc(conns, sizeof *th);
    double cpu0 = proc_cpu(h.pid), self0 = proc_cpu(getpid());
    uint64_t s0 = h_now_ms();
    for (uint32_t i = 0; i < conns; i++) {
        ps[i] = (poster_t){h.url, batches, nb, &next, {0}, 0};
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
           (double)(s1 - s0) / 1000.0, tot.accepted, tot.rejected, tot.invalid, tot.other,
           tot.last_msg[0] ? "; last error: " : "", tot.last_msg);
    if (failed || tot.accepted != n) {
        fprintf(stderr, "not every transfer was accepted\n");
        goto fail;
    }
    uint64_t *want = malloc(senders * sizeof *want);
    for (uint32_t i = 0; i < senders; i++)
        want[i] = per;
    rpc_client_t *c = rpc_client_new(h.url, 60000, NULL);
    if (h_wait_nonces(c, senders, want, 600000) != 0)
        goto fail;
    uint64_t e1 = h_now_ms();
    double cpu1 = proc_cpu(h.pid), self1 = proc_cpu(getpid());
    rpc_client_free(c);
    unsigned long long h1 = metric(h.url, "aether_chain_height");
    unsigned long long ok = metric(h.url, "aether_txs_committed_total{status=\"ok\"}");
    double secs = (double)(e1 - s0) / 1000.0;
    printf("committed %zu transfers (%llu ok receipts) in %llu blocks in %.2f s\n", n, ok,
           h1 - h0, secs);
    printf("RESULT end-to-end: %.0f transfers/s (submit %.0f tx/s; senders %u, per sender %u, "
           "batch %u, connections %u, block-ms %s)\n",
           (double)n / secs, (double)n / ((double)(s1 - s0) / 1000.0), senders, per, batch,
           conns, block_ms);
    double pb = metric_f(h.url, "aether_block_phase_seconds_total{phase=\"build\"}");
    double pc = metric_f(h.url, "aether_block_phase_seconds_total{phase=\"commit\"}");
    double pu = metric_f(h.url, "aether_block_phase_seconds_total{phase=\"pool_update\"}");
    double prod = pb + pc + pu;
    printf("block producer thread: %.2f s busy = %.1f us/transfer (wall clock: build %.2f s, "
           "commit %.2f s, pool update %.2f s)\n", prod, prod / (double)n * 1e6, pb, pc, pu);
    double per_tx_us = (cpu1 - cpu0) / (double)n * 1e6;
    printf("node CPU: %.2f s for %zu transfers = %.1f us/transfer (all threads); client CPU "
           "%.2f s; machine load average at the end: ",
           cpu1 - cpu0, n, per_tx_us, self1 - self0);
    FILE *la = fopen("/proc/loadavg", "r");
    char lbuf[64] = "?";
    if (la) {
        if (!fgets(lbuf, sizeof lbuf, la))
            strcpy(lbuf, "?");
        fclose(la);
    }
    printf("%s", lbuf);
    printf("CPU-bound ceiling on 2 cores for the node: %.0f transfers/s\n",
           per_tx_us > 0 ? 2e6 / per_tx_us : 0.0);
    /* the wallet path on the now idle node (senders' nonces are all `per`) */
    if (wallet_latency(h.url, 0, 1, wallet) != 0)
        goto fail;
    h_stop(&h, SIGTERM);
    h_batches_free(batches, nb);
    for (size_t i = 0; i < n; i++)
        h_tx_free(&txs[i]);
    free(txs);
    free(want);
    free(ps);
    free(th);
    h_cleanup(&h);
    return 0;
fail:
    fprintf(stderr, "benchmark failed; node log in %s/node.log\n", h.dir);
    h_stop(&h, SIGKILL);
    return 1;
}
