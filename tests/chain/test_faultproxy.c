/*
 * The fault proxy itself (tests/chain/faultproxy.c), with plain TCP
 * sockets standing in for three nodes (0, 1, 2) and all six directed links:
 *
 *   1. open: bytes flow both ways; a 4 MiB stream arrives intact (buffers
 *      and back-pressure); a half-close is passed on;
 *   2. drop 1: bytes on 0->1 stop (nothing arrives for 400 ms) while 0->2
 *      still flows; a new connection to 1 is accepted by the proxy but
 *      never reaches node 1; heal: the held bytes and the held connection
 *      arrive;
 *   3. cut 1: the open connection to 1 is reset, a new one is reset at once
 *      and never reaches node 1; 2 is unaffected; heal 1: connections work;
 *   4. split 0/1,2 drops 0<->1 and 0<->2 but not 1<->2;
 *   5. a link whose target is down resets the dialer;
 *   6. bad commands and arguments get "error: ..." naming what was wrong,
 *      and the proxy keeps serving; bad command lines exit 2.
 *
 * Usage: test_faultproxy FAULTPROXY
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "proxyctl.h"

static int failures;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
        return -1;
    *port = ntohs(sa.sin_port);
    return fd;
}

static int dial(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* An accepted connection within ms, or -1. */
static int accept_within(int lfd, int ms)
{
    struct pollfd p = {lfd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0)
        return -1;
    return accept(lfd, NULL, NULL);
}

/* Reads exactly n bytes within ms: n, or what it got (less) on timeout,
 * EOF or error (*why says which). */
static size_t recv_within(int fd, void *buf, size_t n, int ms, const char **why)
{
    size_t got = 0;
    uint64_t deadline = now_ms() + (uint64_t)ms;
    *why = "ok";
    while (got < n) {
        uint64_t t = now_ms();
        if (t >= deadline) {
            *why = "timeout";
            break;
        }
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, (int)(deadline - t)) <= 0) {
            *why = "timeout";
            break;
        }
        ssize_t r = recv(fd, (char *)buf + got, n - got, 0);
        if (r == 0) {
            *why = "eof";
            break;
        }
        if (r < 0) {
            *why = errno == ECONNRESET ? "reset" : "error";
            break;
        }
        got += (size_t)r;
    }
    return got;
}

static bool send_all(int fd, const void *buf, size_t n)
{
    return send(fd, buf, n, MSG_NOSIGNAL) == (ssize_t)n;
}

/* The peer closed (EOF or reset) within ms. */
static bool closed_within(int fd, int ms)
{
    char c;
    const char *why;
    size_t got = recv_within(fd, &c, 1, ms, &why);
    return got == 0 && (strcmp(why, "eof") == 0 || strcmp(why, "reset") == 0);
}

typedef struct {
    int fd;
    size_t n;
    bool ok;
} bulk_t;

static void *bulk_send(void *arg)
{
    bulk_t *b = arg;
    uint8_t chunk[8192];
    b->ok = true;
    for (size_t off = 0; off < b->n && b->ok; off += sizeof chunk) {
        for (size_t i = 0; i < sizeof chunk; i++)
            chunk[i] = (uint8_t)((off + i) * 131 + ((off + i) >> 9));
        b->ok = send_all(b->fd, chunk, sizeof chunk);
    }
    return NULL;
}

static int proxy_exit_code(const char *bin, const char *const *args)
{
    const char *argv[12] = {bin};
    int n = 1;
    for (int i = 0; args[i] && n < 11; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", 1);
        if (null >= 0)
            dup2(null, 2);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2 || access(argv[1], X_OK) != 0) {
        const char *ci = getenv("CI"), *strict = getenv("AETHER_STRICT");
        fprintf(stderr, "%s: faultproxy binary not given\n",
                (ci && !strcmp(ci, "true")) || (strict && !strcmp(strict, "1")) ? "FAIL"
                                                                                 : "SKIP");
        return (ci && !strcmp(ci, "true")) || (strict && !strcmp(strict, "1")) ? 1 : 77;
    }
    const char *bin = argv[1];
    char dir[] = "/tmp/aether-faultproxy-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    fp_t fp = {.pid = 0, .ctl = -1};
    int t[3] = {-1, -1, -1};
    uint16_t tport[3];
    int c01 = -1, s01 = -1, c02 = -1, s02 = -1, held = -1, sheld = -1, x = -1, sx = -1;
    char ans[8192];
    const char *why;
    char buf[64];

    for (int i = 0; i < 3; i++)
        CHECK((t[i] = listener(&tport[i])) >= 0, "listener %d", i);
    uint16_t dead_port;
    int dead = listener(&dead_port);
    CHECK(dead >= 0, "listener");
    close(dead);   /* a port nobody listens on */
    fp_link_t links[7];
    int nl = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            if (a != b)
                links[nl++] = (fp_link_t){.from = a, .to = b, .target = tport[b]};
    links[nl++] = (fp_link_t){.from = 5, .to = 6, .target = dead_port};
    CHECK(fp_start(&fp, bin, dir, links, nl, 10000) == 0, "starting the proxy");

    /* 1. open */
    CHECK((c01 = dial(fp_port(&fp, 0, 1))) >= 0, "dial 0->1");
    CHECK((s01 = accept_within(t[1], 2000)) >= 0, "node 1 did not get the connection");
    CHECK(send_all(c01, "hello", 5) && recv_within(s01, buf, 5, 2000, &why) == 5 &&
              !memcmp(buf, "hello", 5),
          "0->1 bytes (%s)", why);
    CHECK(send_all(s01, "world!", 6) && recv_within(c01, buf, 6, 2000, &why) == 6 &&
              !memcmp(buf, "world!", 6),
          "1->0 bytes (%s)", why);
    {
        bulk_t b = {.fd = c01, .n = 4u << 20};
        pthread_t th;
        CHECK(pthread_create(&th, NULL, bulk_send, &b) == 0, "thread");
        uint8_t *got = malloc(b.n);
        size_t n = got ? recv_within(s01, got, b.n, 20000, &why) : 0;
        pthread_join(th, NULL);
        bool same = n == b.n && b.ok;
        for (size_t i = 0; same && i < n; i++)
            same = got[i] == (uint8_t)(i * 131 + (i >> 9));
        free(got);
        CHECK(same, "4 MiB through the proxy: got %zu bytes (%s), intact %d", n, why, same);
    }
    CHECK((c02 = dial(fp_port(&fp, 0, 2))) >= 0 && (s02 = accept_within(t[2], 2000)) >= 0,
          "0->2 connection");

    /* 2. drop 1 */
    CHECK(fp_cmd(&fp, "drop 1", ans, sizeof ans) == 0 && strstr(ans, "4 links drop"),
          "drop 1: %s", ans);
    CHECK(send_all(c01, "during", 6), "send during drop");
    CHECK(recv_within(s01, buf, 6, 400, &why) == 0, "bytes crossed a dropped link");
    CHECK(send_all(c02, "other", 5) && recv_within(s02, buf, 5, 2000, &why) == 5,
          "0->2 must still flow while 1 is dropped (%s)", why);
    CHECK((held = dial(fp_port(&fp, 2, 1))) >= 0, "the proxy accepts while dropped");
    CHECK(send_all(held, "late", 4), "send on a held connection");
    CHECK(accept_within(t[1], 400) < 0, "a connection reached node 1 through a dropped link");
    CHECK(fp_cmd(&fp, "status", ans, sizeof ans) == 0 &&
              strstr(ans, "\"from\":0,\"to\":1,") && strstr(ans, "\"mode\":\"drop\""),
          "status: %s", ans);
    CHECK(fp_cmd(&fp, "heal", ans, sizeof ans) == 0, "heal: %s", ans);
    CHECK(recv_within(s01, buf, 6, 3000, &why) == 6 && !memcmp(buf, "during", 6),
          "held bytes after heal (%s)", why);
    CHECK((sheld = accept_within(t[1], 3000)) >= 0, "the held connection after heal");
    CHECK(recv_within(sheld, buf, 4, 3000, &why) == 4 && !memcmp(buf, "late", 4),
          "bytes of the held connection (%s)", why);

    /* half-close passes through */
    shutdown(held, SHUT_WR);
    CHECK(closed_within(sheld, 3000), "the dialer's FIN did not reach node 1");
    CHECK(send_all(sheld, "bye", 3) && recv_within(held, buf, 3, 3000, &why) == 3,
          "the other direction after a half-close (%s)", why);

    /* 3. cut 1 */
    CHECK(fp_cmd(&fp, "cut 1", ans, sizeof ans) == 0, "cut 1: %s", ans);
    CHECK(closed_within(c01, 3000), "the dialer's connection survived a cut");
    CHECK(closed_within(s01, 3000), "node 1's connection survived a cut");
    x = dial(fp_port(&fp, 0, 1));
    CHECK(x < 0 || closed_within(x, 3000), "a new connection over a cut link stayed open");
    CHECK(accept_within(t[1], 300) < 0, "a connection reached node 1 over a cut link");
    if (x >= 0)
        close(x);
    x = -1;
    CHECK(send_all(c02, "still", 5) && recv_within(s02, buf, 5, 2000, &why) == 5,
          "0->2 after cutting 1 (%s)", why);
    CHECK(fp_cmd(&fp, "heal 1", ans, sizeof ans) == 0 && strstr(ans, "4 links open"),
          "heal 1: %s", ans);
    CHECK((x = dial(fp_port(&fp, 0, 1))) >= 0 && (sx = accept_within(t[1], 2000)) >= 0,
          "a connection after heal 1");
    CHECK(send_all(x, "again", 5) && recv_within(sx, buf, 5, 2000, &why) == 5,
          "bytes after heal 1 (%s)", why);
    close(x), close(sx);
    x = sx = -1;

    /* 4. split */
    CHECK(fp_cmd(&fp, "split 0/1,2", ans, sizeof ans) == 0 && strstr(ans, "4 links drop"),
          "split 0/1,2: %s", ans);
    CHECK(fp_cmd(&fp, "status", ans, sizeof ans) == 0, "status");
    {
        char want[64];
        snprintf(want, sizeof want, "\"from\":1,\"to\":2,\"port\":%u,\"target\":%u,\"mode\":\"open\"",
                 fp_port(&fp, 1, 2), tport[2]);
        CHECK(strstr(ans, want), "1->2 must stay open in split 0/1,2: %s", ans);
        snprintf(want, sizeof want, "\"from\":2,\"to\":0,\"port\":%u,\"target\":%u,\"mode\":\"drop\"",
                 fp_port(&fp, 2, 0), tport[0]);
        CHECK(strstr(ans, want), "2->0 must be dropped in split 0/1,2: %s", ans);
    }
    CHECK(send_all(c02, "split", 5) && recv_within(s02, buf, 5, 400, &why) == 0,
          "bytes crossed the split");
    CHECK(fp_cmd(&fp, "heal", ans, sizeof ans) == 0, "heal");
    CHECK(recv_within(s02, buf, 5, 3000, &why) == 5 && !memcmp(buf, "split", 5),
          "bytes held by the split (%s)", why);

    /* 5. target down */
    CHECK((x = dial(fp_port(&fp, 5, 6))) < 0 || closed_within(x, 3000),
          "a link to a dead target must reset the dialer");

    /* 6. bad input */
    {
        static const struct {
            const char *cmd, *want;
        } bad[] = {
            {"drop", "which node"},
            {"drop 9", "no link has node \"9\""},
            {"cut x", "no link has node \"x\""},
            {"split 0", "two groups"},
            {"split 0/0", "named twice"},
            {"split 0/7", "unknown node"},
            {"split 0//1", "empty group"},
            {"frobnicate", "unknown command \"frobnicate\""},
            {"heal 1 2", "too many arguments"},
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            CHECK(fp_cmd(&fp, bad[i].cmd, ans, sizeof ans) == -1 && strstr(ans, bad[i].want),
                  "\"%s\" answered \"%s\" (want \"%s\")", bad[i].cmd, ans, bad[i].want);
        CHECK(fp_cmd(&fp, "status", ans, sizeof ans) == 0 && strstr(ans, "\"links\""),
              "the proxy stopped answering after bad commands");
        const char *a1[] = {"--ports-file", "/dev/null", NULL};
        const char *a2[] = {"--ports-file", "/dev/null", "--link", "1:1:80", NULL};
        const char *a3[] = {"--ports-file", "/dev/null", "--link", "0:1:99999", NULL};
        const char *a4[] = {"--bogus", NULL};
        CHECK(proxy_exit_code(bin, a1) == 2, "no links: exit code");
        CHECK(proxy_exit_code(bin, a2) == 2, "a link to itself: exit code");
        CHECK(proxy_exit_code(bin, a3) == 2, "a bad port: exit code");
        CHECK(proxy_exit_code(bin, a4) == 2, "unknown option: exit code");
    }

out:
    for (int i = 0; i < 3; i++)
        if (t[i] >= 0)
            close(t[i]);
    int fds[] = {c01, s01, c02, s02, held, sheld, x, sx};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    fp_stop(&fp);
    if (!failures) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
        printf("faultproxy: all checks passed\n");
    } else {
        fprintf(stderr, "proxy log: %s/faultproxy.log\n", dir);
    }
    return failures ? 1 : 0;
}
