/* 20 Kademlia nodes on loopback in one process and one libuv loop. Node i
 * knows only node i-1 at start (a chain), bootstraps (a FIND_NODE lookup of
 * its own id) twice, then node PROVIDER publishes a provider record; every
 * other node must find it with GET_PROVIDERS, and a value put by one node must
 * be readable from every node. Exit 0 when every lookup succeeds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "p2p/p2p.h"

#define N 20
#define PROVIDER 13

static uv_loop_t loop;
static p2p_host_t *hosts[N];
static p2p_kad_t *kads[N];
static buf_t addrs[N];
static int step, pending, failures, found;
static buf_t content;

static void next_step(void);

static void fail(const char *what, int i, const char *msg)
{
    fprintf(stderr, "FAIL %s on node %d: %s\n", what, i, msg ? msg : "");
    failures++;
}

static void on_boot(p2p_kad_t *kad, const p2p_kad_result_t *res, void *ud)
{
    int i = (int)(intptr_t)ud;
    if (res->status)
        fail("bootstrap", i, res->msg);
    next_step();
}

static void on_provide(p2p_kad_t *kad, const p2p_kad_result_t *res, void *ud)
{
    if (res->status)
        fail("provide", PROVIDER, res->msg);
    else
        printf("provider record stored at %zu peers\n", res->n_peers);
    next_step();
}

static void on_providers(p2p_kad_t *kad, const p2p_kad_result_t *res, void *ud)
{
    int i = (int)(intptr_t)ud;
    bool ok = false;
    for (size_t k = 0; k < res->n_peers; k++)
        ok |= p2p_peer_id_equal(&res->peers[k].id, p2p_host_peer_id(hosts[PROVIDER])) &&
              res->peers[k].n_addrs > 0;
    if (!ok)
        fail("get-providers", i, res->msg ? res->msg : "provider missing");
    else
        found++;
    if (--pending == 0)
        next_step();
}

static void on_put(p2p_kad_t *kad, const p2p_kad_result_t *res, void *ud)
{
    if (res->status)
        fail("put", 0, res->msg);
    next_step();
}

static void on_get(p2p_kad_t *kad, const p2p_kad_result_t *res, void *ud)
{
    int i = (int)(intptr_t)ud;
    if (res->status || res->value_len != 5 || memcmp(res->value, "swarm", 5) != 0)
        fail("get", i, res->msg ? res->msg : "wrong value");
    if (--pending == 0)
        next_step();
}

static const char key[] = "/aether/swarm-test";

/* One step at a time: bootstraps in chain order (twice), provide, the 19
 * lookups in parallel, put, the 19 gets in parallel, stop. */
static void next_step(void)
{
    int s = step++;
    if (s < 2 * (N - 1)) {
        int i = 1 + s % (N - 1);
        if (p2p_kad_bootstrap(kads[i], on_boot, (void *)(intptr_t)i)) {
            fail("bootstrap start", i, NULL);
            uv_stop(&loop);
        }
        return;
    }
    if (s == 2 * (N - 1)) {
        size_t total = 0;
        for (int i = 0; i < N; i++)
            total += p2p_kad_table_size(kads[i]);
        printf("routing tables: %.1f peers per node on average\n", (double)total / N);
        if (p2p_kad_provide(kads[PROVIDER], content.data, content.len, on_provide, NULL))
            uv_stop(&loop);
        return;
    }
    if (s == 2 * (N - 1) + 1) {
        pending = N - 1;
        for (int i = 0; i < N; i++)
            if (i != PROVIDER &&
                p2p_kad_get_providers(kads[i], content.data, content.len, on_providers,
                                      (void *)(intptr_t)i))
                fail("get-providers start", i, NULL);
        return;
    }
    if (s == 2 * (N - 1) + 2) {
        if (p2p_kad_put(kads[3], (const uint8_t *)key, strlen(key), (const uint8_t *)"swarm", 5,
                        on_put, NULL))
            uv_stop(&loop);
        return;
    }
    if (s == 2 * (N - 1) + 3) {
        pending = N - 1;
        for (int i = 0; i < N; i++)
            if (i != 3 && p2p_kad_get(kads[i], (const uint8_t *)key, strlen(key), on_get,
                                      (void *)(intptr_t)i))
                fail("get start", i, NULL);
        return;
    }
    uv_stop(&loop);
}

static void on_timeout(uv_timer_t *t)
{
    fprintf(stderr, "FAIL: swarm test timed out at step %d\n", step);
    failures++;
    uv_stop(&loop);
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    log_set_level(LOG_ERROR);
    uv_loop_init(&loop);
    for (int i = 0; i < N; i++) {
        p2p_host_config_t cfg = {.kad_server = true};
        err_t e;
        hosts[i] = p2p_host_new(&loop, &cfg, &e);
        if (!hosts[i] || p2p_ping_enable(hosts[i]) || p2p_identify_enable(hosts[i]) ||
            p2p_host_listen(hosts[i], "/ip4/127.0.0.1/tcp/0", &e)) {
            fprintf(stderr, "node %d: %s\n", i, e.msg);
            return 1;
        }
        kads[i] = p2p_kad_new(hosts[i], &e);
        if (!kads[i] || p2p_kad_add_validator(kads[i], "/aether/", p2p_kad_validator_any))
            return 1;
        p2p_host_listen_addrs(hosts[i], &addrs[i], 1);
    }
    for (int i = 1; i < N; i++)
        p2p_kad_add_peer(kads[i], p2p_host_peer_id(hosts[i - 1]), addrs[i - 1].data,
                         addrs[i - 1].len);
    buf_init(&content, 0);
    if (p2p_content_key("/phase/capability/x86_64/wasm", &content, NULL))
        return 1;
    uv_timer_t deadline;
    uv_timer_init(&loop, &deadline);
    uv_timer_start(&deadline, on_timeout, 60000, 0);
    uint64_t t0 = uv_hrtime();
    next_step();
    uv_run(&loop, UV_RUN_DEFAULT);
    printf("provider found from %d of %d nodes in %.2f s\n", found, N - 1,
           (double)(uv_hrtime() - t0) / 1e9);
    uv_close((uv_handle_t *)&deadline, NULL);
    for (int i = 0; i < N; i++) {
        p2p_kad_free(kads[i]);
        p2p_host_free(hosts[i]);
        buf_free(&addrs[i]);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    buf_free(&content);
    if (failures || found != N - 1) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    printf("1 passed, 0 failed\n");
    return 0;
}
