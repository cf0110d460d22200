/*
 * faultproxy: a fault-injecting TCP forwarder for tests with real processes.
 *
 * Each link is one directed edge "node FROM dials node TO": the proxy
 * listens on 127.0.0.1:<ephemeral> and forwards every connection to
 * 127.0.0.1:<target>. A test gives node FROM the link's port as node TO's
 * address, so every byte between two nodes passes through a link the test
 * controls, and a partition is a set of links switched off.
 *
 * A link is in one of three modes:
 *   open   forwards;
 *   drop   a partition: the proxy stops reading and writing on the link's
 *          connections (the kernel buffers fill and the senders' writes
 *          stall, as when packets are lost), and accepts new connections
 *          without connecting them onward. On heal the held bytes flow
 *          again and held connections are connected, as TCP would deliver
 *          them after a partition;
 *   cut    resets (RST) the link's connections and every new one at once.
 *
 * Control: a line protocol on a second 127.0.0.1 port, one command per
 * line, one answer line each ("ok ..." or "error: <what was wrong>"):
 *   drop K | cut K     every link from or to node K
 *   split A,B/C,D      drop every link between the groups (nodes not
 *                      named keep their links)
 *   heal [K]           open every link (or those of node K)
 *   status             one JSON line: {"links":[{"from","to","port",
 *                      "target","mode","conns","bytes"}]}
 *   quit
 *
 * Usage: faultproxy --ports-file FILE --link FROM:TO:TARGET_PORT ...
 * FILE is written once every port is bound (atomically: tmp + rename):
 *   control PORT
 *   link FROM TO PORT        (one per --link, in order)
 * The proxy exits on "quit", SIGTERM, or when its parent dies.
 *
 * One thread, poll(); every connection has two 64 KiB buffers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LINKS 256
#define MAX_CONNS 1024
#define MAX_CTL 16
#define BUF 65536

typedef enum { M_OPEN, M_DROP, M_CUT } mode_t_;
static const char *const mode_names[] = {"open", "drop", "cut"};

typedef struct link {
    int from, to;
    uint16_t target, port;
    int lfd;
    mode_t_ mode;
    unsigned long long bytes;
} link_t;

typedef enum { C_HELD, C_CONNECTING, C_OPEN } cstate_t;

typedef struct half {   /* bytes read from one side, to be written to the other */
    uint8_t buf[BUF];
    size_t off, len;
    bool eof;           /* the reading side sent FIN */
    bool shut;          /* we passed the FIN on (shutdown(SHUT_WR)) */
} half_t;

typedef struct conn {
    bool used;
    int link;
    int a, b;           /* a: accepted (the dialer); b: to the target */
    cstate_t st;
    half_t ab, ba;
} conn_t;

typedef struct ctl {
    int fd;
    char in[1024];
    size_t len;
} ctl_t;

static link_t links[MAX_LINKS];
static int n_links;
static conn_t conns[MAX_CONNS];
static ctl_t ctls[MAX_CTL];
static int ctl_lfd = -1;
static volatile sig_atomic_t quit_flag;

static void on_term(int sig)
{
    (void)sig;
    quit_flag = 1;
}

static int nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int listen_local(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0 || nonblock(fd) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Close with RST (SO_LINGER 0), as a cut link or a failed peer should look. */
static void close_rst(int fd)
{
    if (fd < 0)
        return;
    struct linger l = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

static void conn_close(conn_t *c, bool rst)
{
    if (rst) {
        close_rst(c->a);
        close_rst(c->b);
    } else {
        if (c->a >= 0)
            close(c->a);
        if (c->b >= 0)
            close(c->b);
    }
    memset(c, 0, sizeof *c);
    c->a = c->b = -1;
}

static void conn_connect(conn_t *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || nonblock(fd) != 0) {
        if (fd >= 0)
            close(fd);
        conn_close(c, true);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons(links[c->link].target),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    c->b = fd;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
        c->st = C_OPEN;
    else if (errno == EINPROGRESS)
        c->st = C_CONNECTING;
    else
        conn_close(c, true);
}

static void on_accept(int li)
{
    for (;;) {
        int fd = accept4(links[li].lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return;
        if (links[li].mode == M_CUT) {
            close_rst(fd);
            continue;
        }
        conn_t *c = NULL;
        for (int i = 0; i < MAX_CONNS && !c; i++)
            if (!conns[i].used)
                c = &conns[i];
        if (!c) {
            close_rst(fd);
            continue;
        }
        memset(c, 0, sizeof *c);
        c->used = true;
        c->link = li;
        c->a = fd;
        c->b = -1;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->st = C_HELD;
        if (links[li].mode == M_OPEN)
            conn_connect(c);
    }
}

/* Moves bytes src -> h -> dst as far as the sockets allow. Returns -1 when
 * the connection must be reset (an error on either side). */
static int pump(conn_t *c, int src, int dst, half_t *h)
{
    if (!h->eof && h->len < BUF) {
        if (h->off > 0 && h->len > 0)
            memmove(h->buf, h->buf + h->off, h->len);
        h->off = 0;
        ssize_t r = read(src, h->buf + h->len, BUF - h->len);
        if (r > 0) {
            h->len += (size_t)r;
            links[c->link].bytes += (unsigned long long)r;
        } else if (r == 0) {
            h->eof = true;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            return -1;
        }
    }
    while (h->len > 0) {
        ssize_t w = send(dst, h->buf + h->off, h->len, MSG_NOSIGNAL);
        if (w > 0) {
            h->off += (size_t)w;
            h->len -= (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            break;
        } else {
            return -1;
        }
    }
    if (h->len == 0)
        h->off = 0;
    if (h->eof && h->len == 0 && !h->shut) {
        shutdown(dst, SHUT_WR);
        h->shut = true;
    }
    return 0;
}

static void conn_io(conn_t *c)
{
    if (c->st == C_CONNECTING) {
        int err = 0;
        socklen_t sl = sizeof err;
        if (getsockopt(c->b, SOL_SOCKET, SO_ERROR, &err, &sl) != 0 || err != 0) {
            conn_close(c, true);   /* target down: the dialer sees a reset */
            return;
        }
        c->st = C_OPEN;
    }
    if (c->st != C_OPEN || links[c->link].mode != M_OPEN)
        return;
    if (pump(c, c->a, c->b, &c->ab) != 0 || pump(c, c->b, c->a, &c->ba) != 0) {
        conn_close(c, true);
        return;
    }
    if (c->ab.shut && c->ba.shut)
        conn_close(c, false);
}

/* ---- control ----------------------------------------------------------------- */

static void reply(int fd, const char *fmt, ...)
{
    char line[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    /* control answers are short; a blocking write is fine */
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    ssize_t w = send(fd, line, (size_t)n, MSG_NOSIGNAL);
    (void)w;
    fcntl(fd, F_SETFL, fl);
}

static void set_mode(int li, mode_t_ m)
{
    link_t *l = &links[li];
    mode_t_ old = l->mode;
    l->mode = m;
    for (int i = 0; i < MAX_CONNS; i++) {
        conn_t *c = &conns[i];
        if (!c->used || c->link != li)
            continue;
        if (m == M_CUT)
            conn_close(c, true);
        else if (m == M_OPEN && old != M_OPEN && c->st == C_HELD)
            conn_connect(c);
    }
}

static bool parse_node(const char *s, int *k)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > 1000000)
        return false;
    *k = (int)v;
    return true;
}

static bool node_known(int k)
{
    for (int i = 0; i < n_links; i++)
        if (links[i].from == k || links[i].to == k)
            return true;
    return false;
}

/* "0,1/2,3" -> group[node] = 1 + group index; 0 = not named. */
static const char *parse_split(char *arg, int *group, int max_node)
{
    int g = 1;
    for (char *part = arg; part; g++) {
        char *slash = strchr(part, '/');
        if (slash)
            *slash = 0;
        if (!*part)
            return "empty group";
        for (char *tok = strtok(part, ","); tok; tok = strtok(NULL, ",")) {
            int k;
            if (!parse_node(tok, &k) || k > max_node || !node_known(k))
                return "unknown node";
            if (group[k])
                return "a node is named twice";
            group[k] = g;
        }
        part = slash ? slash + 1 : NULL;
    }
    return g > 2 ? NULL : "need at least two groups separated by '/'";
}

static void ctl_command(int fd, char *line)
{
    char *cmd = strtok(line, " \t\r");
    char *arg = strtok(NULL, " \t\r");
    char *extra = strtok(NULL, " \t\r");
    if (!cmd) {
        reply(fd, "error: empty command");
        return;
    }
    if (extra) {
        reply(fd, "error: %s: too many arguments", cmd);
        return;
    }
    if (strcmp(cmd, "status") == 0 && !arg) {
        char out[8000];
        size_t o = (size_t)snprintf(out, sizeof out, "{\"links\":[");
        for (int i = 0; i < n_links && o < sizeof out - 200; i++) {
            int nc = 0;
            for (int j = 0; j < MAX_CONNS; j++)
                nc += conns[j].used && conns[j].link == i;
            o += (size_t)snprintf(out + o, sizeof out - o,
                                  "%s{\"from\":%d,\"to\":%d,\"port\":%u,\"target\":%u,"
                                  "\"mode\":\"%s\",\"conns\":%d,\"bytes\":%llu}",
                                  i ? "," : "", links[i].from, links[i].to, links[i].port,
                                  links[i].target, mode_names[links[i].mode], nc, links[i].bytes);
        }
        reply(fd, "%s]}", out);
    } else if (strcmp(cmd, "quit") == 0 && !arg) {
        reply(fd, "ok");
        quit_flag = 1;
    } else if (strcmp(cmd, "drop") == 0 || strcmp(cmd, "cut") == 0 ||
               (strcmp(cmd, "heal") == 0 && arg)) {
        int k;
        if (!arg) {
            reply(fd, "error: %s: which node?", cmd);
            return;
        }
        if (!parse_node(arg, &k) || !node_known(k)) {
            reply(fd, "error: %s: no link has node \"%s\"", cmd, arg);
            return;
        }
        mode_t_ m = cmd[0] == 'd' ? M_DROP : cmd[0] == 'c' ? M_CUT : M_OPEN;
        int n = 0;
        for (int i = 0; i < n_links; i++)
            if (links[i].from == k || links[i].to == k)
                set_mode(i, m), n++;
        reply(fd, "ok %d links %s", n, mode_names[m]);
    } else if (strcmp(cmd, "heal") == 0) {
        for (int i = 0; i < n_links; i++)
            set_mode(i, M_OPEN);
        reply(fd, "ok %d links open", n_links);
    } else if (strcmp(cmd, "split") == 0) {
        if (!arg) {
            reply(fd, "error: split: expected groups like 0,1/2,3");
            return;
        }
        int max_node = 0;
        for (int i = 0; i < n_links; i++) {
            max_node = links[i].from > max_node ? links[i].from : max_node;
            max_node = links[i].to > max_node ? links[i].to : max_node;
        }
        int *group = calloc((size_t)max_node + 1, sizeof *group);
        const char *why = group ? parse_split(arg, group, max_node) : "out of memory";
        if (why) {
            reply(fd, "error: split: %s", why);
            free(group);
            return;
        }
        int n = 0;
        for (int i = 0; i < n_links; i++) {
            int ga = group[links[i].from], gb = group[links[i].to];
            if (ga && gb && ga != gb)
                set_mode(i, M_DROP), n++;
        }
        free(group);
        reply(fd, "ok %d links drop", n);
    } else {
        reply(fd, "error: unknown command \"%s\" (drop K, cut K, split A,B/C,D, heal [K], "
                  "status, quit)",
              cmd);
    }
}

static void ctl_read(ctl_t *c)
{
    ssize_t r = read(c->fd, c->in + c->len, sizeof c->in - 1 - c->len);
    if (r <= 0) {
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        close(c->fd);
        c->fd = -1;
        c->len = 0;
        return;
    }
    c->len += (size_t)r;
    for (;;) {
        char *nl = memchr(c->in, '\n', c->len);
        if (!nl) {
            if (c->len == sizeof c->in - 1) {
                reply(c->fd, "error: command line longer than %zu bytes", sizeof c->in - 2);
                c->len = 0;
            }
            return;
        }
        *nl = 0;
        size_t used = (size_t)(nl - c->in) + 1;
        ctl_command(c->fd, c->in);
        memmove(c->in, c->in + used, c->len - used);
        c->len -= used;
    }
}

/* ---- main ----------------------------------------------------------------------- */

static int usage(const char *why)
{
    fprintf(stderr, "faultproxy: %s\nusage: faultproxy --ports-file FILE "
                    "--link FROM:TO:TARGET_PORT ...\n", why);
    return 2;
}

static int write_ports(const char *path, uint16_t ctl_port)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "control %u\n", ctl_port);
    for (int i = 0; i < n_links; i++)
        fprintf(f, "link %d %d %u\n", links[i].from, links[i].to, links[i].port);
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, path);
}

int main(int argc, char **argv)
{
    const char *ports_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ports-file") == 0 && i + 1 < argc) {
            ports_file = argv[++i];
        } else if (strcmp(argv[i], "--link") == 0 && i + 1 < argc) {
            int from, to;
            unsigned target;
            char tail;
            if (n_links == MAX_LINKS)
                return usage("too many links");
            if (sscanf(argv[++i], "%d:%d:%u%c", &from, &to, &target, &tail) != 3 || from < 0 ||
                to < 0 || from == to || target == 0 || target > 65535) {
                fprintf(stderr, "faultproxy: bad --link \"%s\"\n", argv[i]);
                return usage("--link wants FROM:TO:TARGET_PORT (two different node numbers)");
            }
            links[n_links].from = from;
            links[n_links].to = to;
            links[n_links].target = (uint16_t)target;
            n_links++;
        } else {
            fprintf(stderr, "faultproxy: unknown argument \"%s\"\n", argv[i]);
            return usage("bad arguments");
        }
    }
    if (!ports_file || n_links == 0)
        return usage("--ports-file and at least one --link are required");
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    for (int i = 0; i < MAX_CONNS; i++)
        conns[i].a = conns[i].b = -1;
    for (int i = 0; i < MAX_CTL; i++)
        ctls[i].fd = -1;
    uint16_t ctl_port;
    if ((ctl_lfd = listen_local(&ctl_port)) < 0) {
        perror("faultproxy: control socket");
        return 1;
    }
    for (int i = 0; i < n_links; i++)
        if ((links[i].lfd = listen_local(&links[i].port)) < 0) {
            perror("faultproxy: link socket");
            return 1;
        }
    if (write_ports(ports_file, ctl_port) != 0) {
        perror("faultproxy: writing the ports file");
        return 1;
    }

    static struct pollfd pfd[1 + MAX_CTL + MAX_LINKS + 2 * MAX_CONNS];
    static int who[1 + MAX_CTL + MAX_LINKS + 2 * MAX_CONNS];   /* what each pfd is */
    while (!quit_flag) {
        int n = 0;
        pfd[n] = (struct pollfd){ctl_lfd, POLLIN, 0}, who[n++] = -1;
        for (int i = 0; i < MAX_CTL; i++)
            if (ctls[i].fd >= 0)
                pfd[n] = (struct pollfd){ctls[i].fd, POLLIN, 0}, who[n++] = -2 - i;
        for (int i = 0; i < n_links; i++)
            pfd[n] = (struct pollfd){links[i].lfd, POLLIN, 0}, who[n++] = 100000 + i;
        for (int i = 0; i < MAX_CONNS; i++) {
            conn_t *c = &conns[i];
            if (!c->used || links[c->link].mode != M_OPEN)
                continue;   /* held / dropped connections are not serviced */
            if (c->st == C_CONNECTING) {
                pfd[n] = (struct pollfd){c->b, POLLOUT, 0}, who[n++] = 200000 + i;
            } else if (c->st == C_OPEN) {
                short ea = (short)((!c->ab.eof && c->ab.len < BUF ? POLLIN : 0) |
                                   (c->ba.len ? POLLOUT : 0));
                short eb = (short)((!c->ba.eof && c->ba.len < BUF ? POLLIN : 0) |
                                   (c->ab.len ? POLLOUT : 0));
                pfd[n] = (struct pollfd){c->a, ea, 0}, who[n++] = 200000 + i;
                pfd[n] = (struct pollfd){c->b, eb, 0}, who[n++] = 200000 + i;
            }
        }
        int r = poll(pfd, (nfds_t)n, 200);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            perror("faultproxy: poll");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            if (!pfd[i].revents)
                continue;
            int w = who[i];
            if (w == -1) {
                int fd = accept4(ctl_lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                int slot = -1;
                for (int k = 0; k < MAX_CTL && slot < 0 && fd >= 0; k++)
                    if (ctls[k].fd < 0)
                        slot = k;
                if (slot < 0) {
                    if (fd >= 0)
                        close(fd);
                } else {
                    ctls[slot].fd = fd;
                    ctls[slot].len = 0;
                }
            } else if (w <= -2) {
                if (ctls[-2 - w].fd >= 0)
                    ctl_read(&ctls[-2 - w]);
            } else if (w >= 200000) {
                if (conns[w - 200000].used)
                    conn_io(&conns[w - 200000]);
            } else {
                on_accept(w - 100000);
            }
        }
    }
    for (int i = 0; i < MAX_CONNS; i++)
        if (conns[i].used)
            conn_close(&conns[i], false);
    return 0;
}
