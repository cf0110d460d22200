/* Issue 19 finding 8: stalled handshakes must not lock real peers out.
 *
 * An attacker thread keeps 300 connections to a server host open that send
 * multistream-select + "/noise" and then stall, reconnecting whenever the
 * server drops one (as in the report, where `plasmd ping` then failed 18 of
 * 20 times). The attack comes from three loopback addresses (127.0.0.2-4),
 * the real peer from 127.0.0.1: handshake slots are shared out per IP
 * address, so an attacker can only churn its own share. (From one and the
 * same address, attacker and peer look alike until the peer's second
 * handshake message; the node then still evicts the least advanced, most
 * silent handshake first, but a fast enough reconnect loop can win a race.) Meanwhile a client host on the server's loop makes 20 fresh
 * connections, one after another, each dialed, pinged once and closed. Every
 * one of them must succeed, and the server must never hold more pending
 * handshakes than its limit. The server keeps the default handshake timeout
 * (10 s), so the attack cannot be outlasted by timeouts within the test. */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "p2p/internal.h"
#include "p2p/host_internal.h"

#define N_STALLERS 300
#define N_ATTEMPTS 20

static uv_loop_t loop;
static p2p_host_t *server, *client;
static buf_t server_addr_bin;
static struct sockaddr_in server_addr;
static atomic_bool stop_attack;
static atomic_long attack_connects;
static int attempt, ok, failed;
static size_t max_pending_seen;
static uv_timer_t watch;

static int staller_connect(int i)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    /* the attack comes from 127.0.0.2-4, the real peer from 127.0.0.1 */
    struct sockaddr_in src = {.sin_family = AF_INET};
    src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(i % 3));
    if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0) {
        close(fd);
        return -1;
    }
    struct timeval tv = {0, 200000}; /* connect gives up when the server stops accepting */
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&server_addr, sizeof server_addr) != 0) {
        close(fd);
        return -1;
    }
    buf_t b;
    buf_init(&b, 0);
    mss_write(&b, MSS_PROTO);
    mss_write(&b, "/noise");
    ssize_t k = send(fd, b.data, b.len, MSG_NOSIGNAL);
    buf_free(&b);
    if (k < 0) {
        close(fd);
        return -1;
    }
    atomic_fetch_add(&attack_connects, 1);
    return fd;
}

static void *attacker(void *arg)
{
    struct pollfd p[N_STALLERS];
    for (int i = 0; i < N_STALLERS; i++)
        p[i].fd = -1;
    while (!atomic_load(&stop_attack)) {
        for (int i = 0; i < N_STALLERS; i++) {
            if (p[i].fd < 0)
                p[i].fd = staller_connect(i);
            p[i].events = POLLIN;
            p[i].revents = 0;
        }
        if (poll(p, N_STALLERS, 10) <= 0)
            continue;
        for (int i = 0; i < N_STALLERS; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            uint8_t tmp[512];
            ssize_t k = recv(p[i].fd, tmp, sizeof tmp, MSG_DONTWAIT);
            if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
                close(p[i].fd); /* dropped: reconnect and stall again */
                p[i].fd = -1;
            }
        }
    }
    for (int i = 0; i < N_STALLERS; i++)
        if (p[i].fd >= 0)
            close(p[i].fd);
    return NULL;
}

static void next_attempt(void);

static void on_ping(p2p_host_t *h, int status, uint64_t rtt, void *ud)
{
    p2p_conn_t *c = ud;
    if (status == 0)
        ok++;
    else
        failed++, fprintf(stderr, "attempt %d: ping failed (%d)\n", attempt, status);
    p2p_conn_close(c);
    next_attempt();
}

static void on_dialed(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    err_t e;
    if (status) {
        failed++;
        fprintf(stderr, "attempt %d: dial failed: %s\n", attempt, msg);
        next_attempt();
        return;
    }
    if (p2p_ping(c, 1, on_ping, c, &e)) {
        failed++;
        p2p_conn_close(c);
        next_attempt();
    }
}

static void on_watch(uv_timer_t *t)
{
    size_t n = 0;
    for (p2p_conn_t *c = server->conns; c; c = c->next)
        n += !c->outbound && !c->closing && c->state != C_YAMUX;
    if (n > max_pending_seen)
        max_pending_seen = n;
}

static void start_attempt(uv_timer_t *t)
{
    err_t e;
    attempt++;
    if (p2p_host_dial(client, server_addr_bin.data, server_addr_bin.len, on_dialed, NULL, &e)) {
        failed++;
        fprintf(stderr, "attempt %d: %s\n", attempt, e.msg);
        next_attempt();
    }
}

static uv_timer_t pace, deadline;

static void on_deadline(uv_timer_t *t)
{
    fprintf(stderr, "deadline: %d of %d attempts done\n", attempt, N_ATTEMPTS);
    failed += N_ATTEMPTS - attempt;
    uv_stop(&loop);
}

static void next_attempt(void)
{
    if (attempt == N_ATTEMPTS) {
        uv_stop(&loop);
        return;
    }
    uv_timer_start(&pace, start_attempt, 50, 0); /* as a user would retype the command */
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    log_set_level(LOG_ERROR);
    /* both ends of every connection live in this process */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
        rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    uv_loop_init(&loop);
    err_t e;
    server = p2p_host_new(&loop, NULL, &e);
    client = p2p_host_new(&loop, NULL, &e);
    if (!server || !client || p2p_ping_enable(server) ||
        p2p_host_listen(server, "/ip4/127.0.0.1/tcp/0", &e)) {
        fprintf(stderr, "setup: %s\n", e.msg);
        return 1;
    }
    buf_init(&server_addr_bin, 0);
    p2p_host_listen_addrs(server, &server_addr_bin, 1);
    struct sockaddr_storage ss;
    if (p2p_maddr_to_sockaddr(server_addr_bin.data, server_addr_bin.len, &ss, &e))
        return 1;
    memcpy(&server_addr, &ss, sizeof server_addr);

    pthread_t th;
    pthread_create(&th, NULL, attacker, NULL);
    uv_timer_init(&loop, &watch);
    uv_timer_start(&watch, on_watch, 5, 5);
    uv_timer_init(&loop, &pace);
    /* let the stallers take every slot they can first */
    uv_timer_start(&pace, start_attempt, 1000, 0);
    uv_timer_init(&loop, &deadline);
    uv_timer_start(&deadline, on_deadline, 40000, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    atomic_store(&stop_attack, true);
    pthread_join(th, NULL);

    printf("stalling connections opened: %ld; client connections: %d ok, %d failed of %d; "
           "most pending handshakes seen: %zu (limit %zu)\n",
           atomic_load(&attack_connects), ok, failed, N_ATTEMPTS, max_pending_seen,
           server->cfg.max_pending);
    int bad = ok != N_ATTEMPTS || max_pending_seen > server->cfg.max_pending ||
              atomic_load(&attack_connects) < N_STALLERS;
    uv_close((uv_handle_t *)&watch, NULL);
    uv_close((uv_handle_t *)&pace, NULL);
    uv_close((uv_handle_t *)&deadline, NULL);
    p2p_host_free(client);
    p2p_host_free(server);
    buf_free(&server_addr_bin);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    printf("%s\n", bad ? "FAILED" : "passed");
    return bad ? 1 : 0;
}
