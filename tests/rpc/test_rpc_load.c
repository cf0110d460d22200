/*
 * The JSON-RPC server of a real aetherd under the loads of issue 19 finding 5:
 *
 *   1. slowloris: 64 connections from 127.0.0.2 that send a POST head and
 *      then one body byte a second, and 64 from 127.0.0.3 that send a
 *      request head one byte a second. Every one must end within the
 *      request deadline (5 s, --rpc-request-timeout-ms) plus 3 s: cut by the
 *      server, or answered 503 with Retry-After when over the per-address
 *      limit;
 *   2. 2,000 concurrent requests (aeth_chainId, one connection each) from
 *      1,000 sockets on 127.0.0.4 and 1,000 spread over 127.0.0.10..29:
 *      every one must get an HTTP answer (200, or 503 with Retry-After),
 *      none may be closed unanswered.
 * Throughout, a prober on 127.0.0.1 asks GET /health every 250 ms with a
 * 1 s client timeout (every probe must answer 200), and one transfer per
 * phase must commit. Loopback addresses other than 127.0.0.1 need no setup
 * on Linux (all of 127/8 is local).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#define FEE 2000
#define N_SLOW 64
#define N_FLOOD 2000

static h_node_t H;
static int failures;

#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "rpc load: FAILED: " __VA_ARGS__);                               \
            fprintf(stderr, "\n");                                                           \
            failures++;                                                                      \
        }                                                                                    \
    } while (0)

/* ---- the prober ------------------------------------------------------------- */

static _Atomic bool probing;
static _Atomic int probes, probe_failures;
static _Atomic uint64_t probe_worst_ms;

static void *prober(void *arg)
{
    (void)arg;
    err_t e = {0};
    rpc_client_t *c = rpc_client_new(H.url, 1000, &e);
    while (c && atomic_load(&probing)) {
        uint64_t t0 = h_now_ms();
        int status = 0;
        char *body = NULL;
        size_t len = 0;
        int rc = rpc_client_get(c, "/health", &status, &body, &len, &e);
        uint64_t dt = h_now_ms() - t0;
        if (rc != 0 || status != 200 || dt > 1000) {
            if (atomic_fetch_add(&probe_failures, 1) < 5)
                fprintf(stderr, "rpc load: /health probe: rc %d status %d after %llu ms: %s\n",
                        rc, status, (unsigned long long)dt, rc ? e.msg : (body ? body : ""));
        }
        if (dt > atomic_load(&probe_worst_ms))
            atomic_store(&probe_worst_ms, dt);
        atomic_fetch_add(&probes, 1);
        free(body);
        usleep(250 * 1000);
    }
    rpc_client_free(c);
    return NULL;
}

/* Posts one transfer from account 0 with nonce n and waits for its commit
 * (timeout_ms 0: does not wait). */
static int transfer_commits(uint64_t n, unsigned timeout_ms)
{
    err_t e = {0};
    rpc_client_t *c = rpc_client_new(H.url, 5000, &e);
    h_tx_t t;
    if (!c || h_sign_transfer(H.chain_id, 0, 1, n, 5, FEE, &t) != 0)
        return -1;
    json_t *r = h_call(c, "aeth_sendRawTransaction", json_pack("[s]", t.hex));
    h_tx_free(&t);
    int rc = r ? 0 : -1;
    if (r && timeout_ms) {
        uint64_t want[2] = {n + 1, 0};
        rc = h_wait_nonces(c, 2, want, timeout_ms);
    }
    json_decref(r);
    rpc_client_free(c);
    return rc;
}

/* ---- raw sockets from chosen loopback addresses ------------------------------- */

static int dial_from(const char *src)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &a.sin_addr);
    struct sockaddr_in d = {.sin_family = AF_INET, .sin_port = htons(H.port)};
    inet_pton(AF_INET, "127.0.0.1", &d.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        (connect(fd, (struct sockaddr *)&d, sizeof d) != 0 && errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}

typedef struct sock {
    int err;              /* errno of the failure that ended it, if any */
    int fd;
    size_t sent;          /* bytes of the request sent */
    const char *req;
    size_t req_len;
    char resp[256];
    size_t got;
    bool done;            /* the server closed */
    uint64_t done_ms;
} sock_t;

/* Reads what is there; marks done on EOF or error. */
static void sock_read(sock_t *s, uint64_t now)
{
    for (;;) {
        char tmp[4096];
        ssize_t r = recv(s->fd, tmp, sizeof tmp, MSG_DONTWAIT);
        if (r > 0) {
            size_t k = (size_t)r, room = sizeof s->resp - 1 - s->got;
            memcpy(s->resp + s->got, tmp, k < room ? k : room);
            s->got += k < room ? k : room;
            s->resp[s->got] = 0;
            continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            s->err = r == 0 ? 0 : errno;
            s->done = true;
            s->done_ms = now;
        }
        return;
    }
}

static bool answered_503(const sock_t *s)
{
    return strncmp(s->resp, "HTTP/1.1 503", 12) == 0 && strstr(s->resp, "Retry-After: 1");
}

/* Phase 1. */
static void slowloris(void)
{
    static const char post_head[] = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                                    "\r\nContent-Length: 1000\r\n\r\n";
    static const char get_head[] = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaa"
                                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    sock_t *s = calloc(2 * N_SLOW, sizeof *s);
    uint64_t t0 = h_now_ms();
    int opened = 0;
    for (int i = 0; i < 2 * N_SLOW; i++) {
        s[i].fd = dial_from(i < N_SLOW ? "127.0.0.2" : "127.0.0.3");
        opened += s[i].fd >= 0;
        s[i].req = i < N_SLOW ? post_head : get_head;
        s[i].req_len = i < N_SLOW ? sizeof post_head - 1 : sizeof get_head - 1;
        if (s[i].fd < 0)
            s[i].done = true;
    }
    CHECK(opened == 2 * N_SLOW, "only %d of %d slow connections opened", opened, 2 * N_SLOW);
    usleep(300 * 1000);
    for (int i = 0; i < N_SLOW; i++)   /* the POST heads go at once, the bodies trickle */
        if (!s[i].done && send(s[i].fd, s[i].req, s[i].req_len, MSG_NOSIGNAL) > 0)
            s[i].sent = s[i].req_len;
    int committed = -1;
    /* one byte a second on every open connection, 10 s at most */
    for (int tick = 0; tick < 10; tick++) {
        uint64_t now = h_now_ms();
        int open = 0;
        for (int i = 0; i < 2 * N_SLOW; i++) {
            if (s[i].done)
                continue;
            sock_read(&s[i], now);
            if (s[i].done)
                continue;
            open++;
            const char *b = s[i].sent < s[i].req_len ? s[i].req + s[i].sent : "1";
            if (send(s[i].fd, b, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
                s[i].sent++;
        }
        if (tick == 2)   /* the slots are taken: a transfer must still commit */
            committed = transfer_commits(0, 8000);
        if (open == 0)
            break;
        uint64_t spent = h_now_ms() - now;
        if (spent < 1000)
            usleep((useconds_t)(1000 - spent) * 1000);
    }
    CHECK(committed == 0, "a transfer did not commit while the slow connections were open");
    int cut = 0, busy = 0, left = 0;
    for (int i = 0; i < 2 * N_SLOW; i++) {
        sock_read(&s[i], h_now_ms());
        if (!s[i].done)
            left++;
        else if (answered_503(&s[i]))
            busy++;
        else if (s[i].done_ms - t0 <= 8000)
            cut++;
        if (s[i].fd >= 0)
            close(s[i].fd);
    }
    printf("rpc load: slowloris: %d slow connections cut at the deadline, %d answered 503, "
           "%d still open after 10 s\n", cut, busy, left);
    CHECK(left == 0, "%d slow connections were still open 10 s later (deadline 5 s)", left);
    CHECK(cut + busy == 2 * N_SLOW, "%d slow connections ended after 8 s", 2 * N_SLOW - cut - busy - left);
    CHECK(busy > 0, "no slow connection over the per-address limit got 503 + Retry-After");
    free(s);
}

/* Phase 2. */
static void flood(void)
{
    static const char req[] = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              "Content-Length: 50\r\nConnection: close\r\n\r\n"
                              "{\"jsonrpc\":\"2.0\",\"method\":\"aeth_chainId\",\"id\":1}  ";
    sock_t *s = calloc(N_FLOOD, sizeof *s);
    struct pollfd *pfd = calloc(N_FLOOD, sizeof *pfd);
    int opened = 0;
    for (int i = 0; i < N_FLOOD; i++) {
        char src[32];
        if (i % 2 == 0)
            snprintf(src, sizeof src, "127.0.0.4");
        else
            snprintf(src, sizeof src, "127.0.0.%d", 10 + (i / 2) % 20);
        s[i].fd = dial_from(src);
        s[i].req = req;
        s[i].req_len = sizeof req - 1;
        if (s[i].fd < 0)
            s[i].done = true;
        else
            opened++;
    }
    CHECK(opened == N_FLOOD, "only %d of %d sockets opened", opened, N_FLOOD);
    uint64_t t0 = h_now_ms();
    int n_done = N_FLOOD - opened;
    bool posted = false;
    while (n_done < N_FLOOD && h_now_ms() - t0 < 40000) {
        if (!posted && n_done >= N_FLOOD / 10) {
            /* a transfer posted in the middle of the flood; its commit is checked below */
            CHECK(transfer_commits(1, 0) == 0, "posting a transfer during the flood failed");
            posted = true;
        }
        for (int i = 0; i < N_FLOOD; i++) {
            pfd[i].fd = s[i].done ? -1 : s[i].fd;
            pfd[i].events = (short)(s[i].sent < s[i].req_len ? POLLOUT : POLLIN);
            pfd[i].revents = 0;
        }
        if (poll(pfd, N_FLOOD, 200) < 0 && errno != EINTR)
            break;
        uint64_t now = h_now_ms();
        for (int i = 0; i < N_FLOOD; i++) {
            if (s[i].done || !pfd[i].revents)
                continue;
            if (s[i].sent < s[i].req_len) {
                ssize_t w = send(s[i].fd, s[i].req + s[i].sent, s[i].req_len - s[i].sent,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
                if (w > 0)
                    s[i].sent += (size_t)w;
                else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                    sock_read(&s[i], now);   /* refused before we sent it all */
                    s[i].done = true;
                }
            } else {
                sock_read(&s[i], now);
            }
            n_done += s[i].done;
        }
    }
    CHECK(posted, "the flood ended before the transfer was posted");
    int ok = 0, busy = 0, unanswered = 0, open = 0;
    for (int i = 0; i < N_FLOOD; i++) {
        if (!s[i].done)
            open++;
        else if (strncmp(s[i].resp, "HTTP/1.1 200", 12) == 0 && strstr(s[i].resp, "\"result\""))
            ok++;
        else if (answered_503(&s[i]))
            busy++;
        else if (unanswered++ < 3)
            fprintf(stderr, "rpc load: request %d (sent %zu of %zu bytes, %s after %llu ms) got %zu bytes: %.60s\n",
                    i, s[i].sent, s[i].req_len, s[i].err ? strerror(s[i].err) : "EOF", (unsigned long long)(s[i].done_ms - t0), s[i].got,
                    s[i].resp);
        if (s[i].fd >= 0)
            close(s[i].fd);
    }
    printf("rpc load: %d concurrent requests: %d answered 200, %d answered 503 + Retry-After, "
           "%d closed without an answer, %d unfinished after %llu ms\n", N_FLOOD, ok, busy,
           unanswered, open, (unsigned long long)(h_now_ms() - t0));
    CHECK(unanswered == 0 && open == 0, "%d requests got no HTTP answer, %d unfinished",
          unanswered, open);
    CHECK(ok > 0, "no request of the flood was served");
    err_t e = {0};
    rpc_client_t *c = rpc_client_new(H.url, 5000, &e);
    uint64_t want[2] = {2, 0};
    uint64_t bal = 0, nonce = 0;
    CHECK(c && h_wait_nonces(c, 2, want, 10000) == 0,
          "the transfer posted during the flood did not commit (account 0: nonce %llu)",
          c && h_get_account(c, 0, &bal, &nonce) == 0 ? (unsigned long long)nonce : 999ULL);
    rpc_client_free(c);
    free(pfd);
    free(s);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    int rc = h_init(&H, "rpcload", argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL);
    if (rc != 0)
        return rc == 77 ? 77 : 1;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 8192) {
        rl.rlim_cur = rl.rlim_max < 8192 ? rl.rlim_max : 8192;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < 2 * N_FLOOD + 256) {
        printf("SKIP: needs %d open files, the limit is %llu\n", 2 * N_FLOOD + 256,
               (unsigned long long)rl.rlim_cur);
        h_cleanup(&H);
        return getenv("CI") || getenv("AETHER_STRICT") ? 1 : 77;
    }
    const char *extra[] = {"--block-ms", "100", "--rpc-request-timeout-ms", "5000", NULL};
    if (h_write_genesis(&H, 2, 1000000000, 0, 0) != 0 || h_start(&H, extra, 30000) != 0) {
        h_cleanup(&H);
        return 1;
    }
    atomic_store(&probing, true);
    pthread_t th;
    pthread_create(&th, NULL, prober, NULL);
    slowloris();
    flood();
    atomic_store(&probing, false);
    pthread_join(th, NULL);
    printf("rpc load: /health: %d probes, %d failed, slowest %llu ms\n", atomic_load(&probes),
           atomic_load(&probe_failures), (unsigned long long)atomic_load(&probe_worst_ms));
    CHECK(atomic_load(&probe_failures) == 0, "/health did not answer 200 within 1 s every time");
    CHECK(atomic_load(&probes) >= 20, "too few /health probes ran");
    /* the server's own account of it */
    err_t e = {0};
    rpc_client_t *c = rpc_client_new(H.url, 5000, &e);
    int status = 0;
    char *m = NULL;
    size_t mlen = 0;
    if (c && rpc_client_get(c, "/metrics", &status, &m, &mlen, &e) == 0 && status == 200) {
        static const char *const names[] = {"\naether_rpc_busy_total ",
                                            "\naether_rpc_request_timeouts_total ",
                                            "\naether_rpc_evicted_total "};
        for (int i = 0; i < 3; i++) {
            const char *at = strstr(m, names[i]);
            unsigned long long v = at ? strtoull(at + strlen(names[i]), NULL, 10) : 0;
            printf("rpc load: %s%llu\n", names[i] + 1, v);
            /* evictions depend on timing here; tests/unit/rpc checks them */
            CHECK(i == 2 || v > 0, "%sis 0", names[i] + 1);
        }
    } else {
        CHECK(0, "GET /metrics failed: %s", e.msg);
    }
    free(m);
    rpc_client_free(c);
    h_stop(&H, SIGTERM);
    h_cleanup(&H);
    if (failures)
        return 1;
    printf("rpc load: all checks passed\n");
    return 0;
}
