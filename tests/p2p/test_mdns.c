/* mDNS discovery between two hosts, run by mdns_netns.sh inside a network
 * namespace it creates (multicast never leaves that namespace). Each host
 * must discover the other through _p2p._udp.local and connect to it. Also
 * checks the codec: a built response parses back to its dnsaddr strings, and
 * truncated or looping packets are rejected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "p2p/internal.h"
#include "testenv.h"

static uv_loop_t loop;
static p2p_host_t *hosts[2];
static p2p_mdns_t *mdns[2];
static int connected[2], failures;

static void on_dialed(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    int i = (int)(intptr_t)ud;
    if (status == 0 && !connected[i]) {
        connected[i] = 1;
        printf("ok   node %d discovered and connected to node %d\n", i, 1 - i);
    }
    if (connected[0] && connected[1])
        uv_stop(&loop);
}

static void on_peer(p2p_mdns_t *m, const p2p_peer_id_t *id, const uint8_t *maddr, size_t n,
                    void *ud)
{
    int i = (int)(intptr_t)ud;
    if (connected[i])
        return;
    err_t e;
    if (!p2p_peer_id_equal(id, p2p_host_peer_id(hosts[1 - i]))) {
        printf("FAIL node %d: discovered an unknown peer\n", i);
        failures++;
        return;
    }
    if (p2p_host_dial(hosts[i], maddr, n, on_dialed, ud, &e))
        printf("node %d: %s\n", i, e.msg);
}

static void on_timeout(uv_timer_t *t)
{
    printf("FAIL discovery within 10 s\n");
    failures++;
    uv_stop(&loop);
}

static int txt_seen;

static void count_txt(const char *s, size_t n, void *ud)
{
    if (n == strlen("/ip4/1.2.3.4/tcp/5") && memcmp(s, "/ip4/1.2.3.4/tcp/5", n) == 0)
        txt_seen++;
}

static void codec_checks(void)
{
    buf_t b;
    buf_init(&b, 0);
    const char *txt[2] = {"dnsaddr=/ip4/1.2.3.4/tcp/5", "other=x"};
    bool q, asks;
    err_t e;
    if (mdns_response_build("abcdefghijklmnopqrstuvwxyz0123456789abcd", txt, 2, &b) ||
        mdns_parse(b.data, b.len, &q, &asks, count_txt, NULL, &e) || q || txt_seen != 1) {
        printf("FAIL response round trip\n");
        failures++;
    }
    for (size_t cut = 0; cut < b.len; cut++)
        if (mdns_parse(b.data, cut, &q, &asks, count_txt, NULL, &e) == 0 && cut >= 12) {
            printf("FAIL truncated response at %zu accepted\n", cut);
            failures++;
            break;
        }
    buf_reset(&b);
    if (mdns_query_build(&b) || mdns_parse(b.data, b.len, &q, &asks, NULL, NULL, &e) || !q ||
        !asks) {
        printf("FAIL query round trip\n");
        failures++;
    }
    /* a name that points at itself */
    const uint8_t loop_pkt[] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 12, 0, 1};
    if (mdns_parse(loop_pkt, sizeof loop_pkt, &q, &asks, NULL, NULL, &e) == 0) {
        printf("FAIL compression loop accepted\n");
        failures++;
    }
    buf_free(&b);
    if (!failures)
        printf("ok   codec round trips, truncation and pointer loops\n");
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    log_set_level(LOG_ERROR);
    codec_checks();
    uv_loop_init(&loop);
    err_t e;
    for (int i = 0; i < 2; i++) {
        hosts[i] = p2p_host_new(&loop, NULL, &e);
        if (!hosts[i] || p2p_host_listen(hosts[i], "/ip4/127.0.0.1/tcp/0", &e)) {
            printf("FAIL host %d: %s\n", i, e.msg);
            return 1;
        }
        mdns[i] = p2p_mdns_new(hosts[i], 200, on_peer, (void *)(intptr_t)i, &e);
        if (!mdns[i]) {
            return testenv_missing("mDNS socket: %s", e.msg);
        }
    }
    uv_timer_t deadline;
    uv_timer_init(&loop, &deadline);
    uv_timer_start(&deadline, on_timeout, 10000, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&deadline, NULL);
    for (int i = 0; i < 2; i++) {
        p2p_mdns_free(mdns[i]);
        p2p_host_free(hosts[i]);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    int ok = !failures && connected[0] && connected[1];
    printf("%d passed, %d failed\n", ok, !ok);
    return ok ? 0 : 1;
}
