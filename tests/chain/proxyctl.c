/* Driving the fault proxy from a test (see proxyctl.h). */
#include "proxyctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int read_ports(fp_t *fp, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    unsigned port;
    int ok = fscanf(f, "control %u\n", &port) == 1;
    fp->ctl_port = (uint16_t)port;
    for (int i = 0; ok && i < fp->n_links; i++) {
        int from, to;
        ok = fscanf(f, "link %d %d %u\n", &from, &to, &port) == 3 && from == fp->links[i].from &&
             to == fp->links[i].to;
        fp->links[i].port = (uint16_t)port;
    }
    fclose(f);
    return ok ? 0 : -1;
}

int fp_start(fp_t *fp, const char *bin, const char *dir, const fp_link_t *links, int n,
             unsigned timeout_ms)
{
    memset(fp, 0, sizeof *fp);
    fp->ctl = -1;
    if (n <= 0 || n > FP_MAX_LINKS) {
        fprintf(stderr, "faultproxy: %d links (1..%d)\n", n, FP_MAX_LINKS);
        return -1;
    }
    memcpy(fp->links, links, (size_t)n * sizeof *links);
    fp->n_links = n;
    char ports[600], log[600];
    snprintf(ports, sizeof ports, "%s/faultproxy.ports", dir);
    snprintf(log, sizeof log, "%s/faultproxy.log", dir);
    unlink(ports);
    char **argv = calloc((size_t)(2 * n + 4), sizeof *argv);
    char (*specs)[48] = calloc((size_t)n, sizeof *specs);
    if (!argv || !specs) {
        free(argv);
        free(specs);
        return -1;
    }
    int a = 0;
    argv[a++] = (char *)bin;
    argv[a++] = "--ports-file";
    argv[a++] = ports;
    for (int i = 0; i < n; i++) {
        snprintf(specs[i], sizeof specs[i], "%d:%d:%u", links[i].from, links[i].to,
                 links[i].target);
        argv[a++] = "--link";
        argv[a++] = specs[i];
    }
    argv[a] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0)
            dup2(fd, 2), close(fd);
        execv(bin, argv);
        _exit(127);
    }
    free(argv);
    free(specs);
    if (pid < 0) {
        fprintf(stderr, "faultproxy: fork: %s\n", strerror(errno));
        return -1;
    }
    fp->pid = pid;
    uint64_t deadline = now_ms() + timeout_ms;
    while (read_ports(fp, ports) != 0) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fp->pid = 0;
            fprintf(stderr, "faultproxy exited at start (status %d); see %s\n", st, log);
            return -1;
        }
        if (now_ms() > deadline) {
            fprintf(stderr, "faultproxy: no ports file within %u ms\n", timeout_ms);
            fp_stop(fp);
            return -1;
        }
        usleep(10000);
    }
    fp->ctl = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(fp->ctl_port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fp->ctl < 0 || connect(fp->ctl, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "faultproxy: control connection: %s\n", strerror(errno));
        fp_stop(fp);
        return -1;
    }
    return 0;
}

int fp_cmd(fp_t *fp, const char *cmd, char *answer, size_t len)
{
    char line[512];
    int n = snprintf(line, sizeof line, "%s\n", cmd);
    if (answer && len)
        answer[0] = 0;
    if (fp->ctl < 0 || n <= 0 || (size_t)n >= sizeof line ||
        send(fp->ctl, line, (size_t)n, MSG_NOSIGNAL) != n)
        return -1;
    char buf[8192];
    size_t got = 0;
    uint64_t deadline = now_ms() + 5000;
    while (got < sizeof buf - 1) {
        uint64_t t = now_ms();
        if (t >= deadline)
            break;
        struct pollfd p = {fp->ctl, POLLIN, 0};
        if (poll(&p, 1, (int)(deadline - t)) <= 0)
            break;
        ssize_t r = read(fp->ctl, buf + got, 1);   /* one line, never past it */
        if (r <= 0)
            break;
        if (buf[got] == '\n') {
            buf[got] = 0;
            if (answer && len)
                snprintf(answer, len, "%s", buf);
            return strncmp(buf, "error:", 6) == 0 ? -1 : 0;
        }
        got++;
    }
    if (answer && len)
        snprintf(answer, len, "(no answer from the proxy)");
    return -1;
}

uint16_t fp_port(const fp_t *fp, int from, int to)
{
    for (int i = 0; i < fp->n_links; i++)
        if (fp->links[i].from == from && fp->links[i].to == to)
            return fp->links[i].port;
    return 0;
}

void fp_stop(fp_t *fp)
{
    if (fp->ctl >= 0)
        close(fp->ctl);
    fp->ctl = -1;
    if (fp->pid > 0) {
        kill(fp->pid, SIGTERM);
        int st;
        uint64_t deadline = now_ms() + 2000;
        while (waitpid(fp->pid, &st, WNOHANG) == 0) {
            if (now_ms() > deadline) {
                kill(fp->pid, SIGKILL);
                waitpid(fp->pid, &st, 0);
                break;
            }
            usleep(10000);
        }
    }
    fp->pid = 0;
}
