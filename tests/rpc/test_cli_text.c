/*
 * `aether` never copies raw server bytes to the terminal (issue 19): against
 * a fake node that answers with terminal escape sequences (ESC, the C1 CSI
 * U+009B), a NUL, and bytes that are not UTF-8, `aether status` fails with a
 * message that names what the node said, escaped (\x1b ...), and neither its
 * stdout nor its stderr holds a control byte or invalid UTF-8.
 */
#include <arpa/inet.h>
#include <errno.h>
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
#include <unistd.h>

static int failures;
#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "cli text: FAILED: " __VA_ARGS__);                               \
            fprintf(stderr, "\n");                                                           \
            failures++;                                                                      \
        }                                                                                    \
    } while (0)

typedef struct fake {
    int lfd;
    const char *resp;       /* whole HTTP response */
    size_t resp_len;
    volatile bool stop;
} fake_t;

/* Answers every request with f->resp, one connection at a time. */
static void *fake_main(void *arg)
{
    fake_t *f = arg;
    while (!f->stop) {
        struct pollfd p = {f->lfd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int fd = accept(f->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        struct timeval tv = {2, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[8192];
        size_t got = 0;
        /* read the head and the Content-Length body */
        for (;;) {
            ssize_t r = recv(fd, buf + got, sizeof buf - 1 - got, 0);
            if (r <= 0)
                break;
            got += (size_t)r;
            buf[got] = 0;
            char *end = strstr(buf, "\r\n\r\n");
            if (end) {
                char *cl = strstr(buf, "Content-Length: ");
                size_t want = cl ? strtoul(cl + 16, NULL, 10) : 0;
                if (got >= (size_t)(end + 4 - buf) + want)
                    break;
            }
            if (got >= sizeof buf - 1)
                break;
        }
        (void)!send(fd, f->resp, f->resp_len, MSG_NOSIGNAL);
        close(fd);
    }
    return NULL;
}

/* Runs argv, capturing stdout and stderr together; returns the exit status. */
static int run(char *const *argv, char *out, size_t cap, size_t *len)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        close(p[0]);
        close(p[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    *len = 0;
    ssize_t r;
    while ((r = read(p[0], out + *len, cap - 1 - *len)) > 0)
        *len += (size_t)r;
    out[*len] = 0;
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* True when b[0..n) is valid UTF-8 without C0/C1 controls other than \n, \t. */
static bool terminal_safe(const unsigned char *b, size_t n, size_t *bad_at)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = b[i];
        size_t k = 0;
        if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f))
            k = 1;
        else if (c >= 0xc2 && c <= 0xdf && i + 1 < n && (b[i + 1] & 0xc0) == 0x80 &&
                 !(c == 0xc2 && b[i + 1] < 0xa0))
            k = 2;
        else if (c >= 0xe0 && c <= 0xef && i + 2 < n && (b[i + 1] & 0xc0) == 0x80 &&
                 (b[i + 2] & 0xc0) == 0x80)
            k = 3;
        else if (c >= 0xf0 && c <= 0xf4 && i + 3 < n && (b[i + 1] & 0xc0) == 0x80 &&
                 (b[i + 2] & 0xc0) == 0x80 && (b[i + 3] & 0xc0) == 0x80)
            k = 4;
        if (!k) {
            *bad_at = i;
            return false;
        }
        i += k;
    }
    return true;
}

static void one_case(const char *aether, const char *name, const char *body, size_t body_len,
                     int status, const char *needle)
{
    fake_t f = {0};
    f.lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof a;
    if (f.lfd < 0 || bind(f.lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(f.lfd, 8) != 0 ||
        getsockname(f.lfd, (struct sockaddr *)&a, &sl) != 0) {
        CHECK(0, "%s: cannot listen", name);
        return;
    }
    char *resp = malloc(body_len + 256);
    int n = snprintf(resp, 256, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, body_len);
    memcpy(resp + n, body, body_len);
    f.resp = resp;
    f.resp_len = (size_t)n + body_len;
    pthread_t th;
    pthread_create(&th, NULL, fake_main, &f);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", ntohs(a.sin_port));
    char *argv[] = {(char *)aether, "status", "--rpc", url, NULL};
    static char out[65536];
    size_t len = 0;
    int rc = run(argv, out, sizeof out, &len);
    f.stop = true;
    pthread_join(th, NULL);
    close(f.lfd);
    free(resp);
    size_t bad = 0;
    CHECK(rc != 0 && rc < 128, "%s: aether status exited %d", name, rc);
    CHECK(terminal_safe((const unsigned char *)out, len, &bad),
          "%s: output byte %zu (0x%02x) is a control byte or not UTF-8: %s", name, bad,
          bad < len ? (unsigned char)out[bad] : 0, out);
    CHECK(strstr(out, needle) != NULL, "%s: output lacks \"%s\": %s", name, needle, out);
    printf("cli text: %s: %s", name, out);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2 || access(argv[1], X_OK) != 0) {
        printf("SKIP: the aether binary is not built\n");
        return getenv("CI") || getenv("AETHER_STRICT") ? 1 : 77;
    }
    /* a JSON-RPC error whose message holds ESC [2J, a C1 CSI and a NUL */
    static const char err[] = "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32001,\"message\":"
                              "\"\\u001b[2Jpwned\\u009b31m\\u0000tail\"},\"id\":1}";
    one_case(argv[1], "error message", err, sizeof err - 1, 200, "\\x1b[2Jpwned");
    /* a body that is not JSON: raw escape, invalid UTF-8 */
    static const char raw[] = "\x1b]0;title\x07\xff\xfe\xc2\x9b" "1m oops";
    one_case(argv[1], "raw body", raw, sizeof raw - 1, 502, "\\x1b]0;title\\x07\\xff");
    if (failures)
        return 1;
    printf("cli text: all checks passed\n");
    return 0;
}
