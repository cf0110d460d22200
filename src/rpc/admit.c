/*
 * Connection admission for the JSON-RPC server: our own accept thread in
 * front of libmicrohttpd (which runs with MHD_USE_NO_LISTEN_SOCKET and gets
 * each admitted socket through MHD_add_connection).
 *
 * MHD alone let a slowloris take the node's RPC away (issue 19 finding 5):
 * its idle timeout restarts on every byte, so 64 connections sending a byte
 * every 25 s held all 64 slots, and a connection over the limit was closed
 * without any answer (1,936 of 2,000 concurrent requests). Here:
 *   - a socket is admitted while fewer than max_conns are open and fewer
 *     than max_conns_per_ip come from its address (a fixed table of
 *     counters indexed by a keyed hash of the address: colliding clients
 *     share a count, which can only make the limit stricter);
 *   - a request must arrive in full within request_timeout_ms of the moment
 *     the connection started waiting for it (accept, or the previous
 *     response), however slowly its bytes trickle in; the accept thread
 *     checks every connection and shuts one that passes the deadline down
 *     (through a dup of its socket, so the number can never name another
 *     connection's socket after MHD closed it);
 *   - when the server is full, a client with fewer connections than the
 *     heaviest address takes the place of that address's longest-waiting
 *     connection without a request in progress that has waited 1 s or more
 *     (evict_for);
 *   - a socket that is not admitted is not dropped: the accept thread reads
 *     its request head (up to 1 s, 4 KiB) and answers it itself, without a
 *     thread: GET /health gets the real health answer (so monitoring works
 *     while the server is full), anything else 503 with Retry-After and a
 *     JSON-RPC error; then it reads the rest until the client closes (2 s
 *     at most), so the answer is not lost to a reset.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IP_SLOTS 1024
#define MAX_PENDING 4096        /* refused sockets being answered at once */
#define PENDING_HEAD 4096       /* bytes of a refused request we look at */
#define PENDING_READ_MS 1000    /* wait for a refused request's head */
#define PENDING_LINGER_MS 2000  /* then drain it this long at most */
#define TICK_MS 100
#define EVICT_AFTER_MS 1000    

typedef struct conn {
    struct conn *next, *prev;
    int fd;              /* MHD's socket number (to find it at STARTED) */
    int dupfd;           /* our reference to the same socket */
    unsigned slot;       /* per-address counter */
    uint64_t since_ms;   /* start of the wait for the current request */
    bool receiving;      /* the deadline applies */
    bool cut;            /* shut down at the deadline */
    bool started;        /* MHD announced it */
} conn_t;

typedef struct pending {
    int fd;
    uint64_t since_ms;
    bool answered;
    bool busy_ip;        /* refused for its address rather than for the total */
    size_t len;
    char head[PENDING_HEAD];
} pending_t;

struct rpc_admit {
    rpc_admit_cfg_t cfg;
    int lfd;
    uint16_t port;
    struct MHD_Daemon *mhd;
    pthread_t thread;
    bool running;
    _Atomic bool stop;
    pthread_mutex_t mu;          /* conns, counts */
    conn_t *conns;
    unsigned n_conns;
    unsigned short ip_count[IP_SLOTS];
    uint64_t ip_key;
    pending_t *pending[MAX_PENDING];
    size_t n_pending;
    _Atomic uint64_t busy, timeouts, evicted;
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* now - t, 0 when t is later (stamped after now was read). */
static uint64_t elapsed(uint64_t now, uint64_t t)
{
    return now > t ? now - t : 0;
}

rpc_admit_t *rpc_admit_new(const rpc_admit_cfg_t *cfg, err_t *e)
{
    rpc_admit_t *a = calloc(1, sizeof *a);
    if (!a) {
        err_set(e, RPC_ENOMEM, "rpc: out of memory");
        return NULL;
    }
    a->cfg = *cfg;
    a->lfd = -1;
    pthread_mutex_init(&a->mu, NULL);
    a->ip_key = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL ^ (uintptr_t)a;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(cfg->port);
    if (inet_pton(AF_INET, cfg->host, &sin.sin_addr) != 1) {
        err_set(e, RPC_EINVAL, "rpc: host \"%s\" is not an IPv4 address", cfg->host);
        goto fail;
    }
    a->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (a->lfd < 0 || setsockopt(a->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(a->lfd, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(a->lfd, 4096) != 0) {
        err_set(e, RPC_EIO, "rpc: cannot listen on %s:%u (address in use or not permitted)",
                cfg->host, cfg->port);
        goto fail;
    }
    socklen_t sl = sizeof sin;
    getsockname(a->lfd, (struct sockaddr *)&sin, &sl);
    a->port = ntohs(sin.sin_port);
    return a;
fail:
    rpc_admit_free(a);
    return NULL;
}

uint16_t rpc_admit_port(const rpc_admit_t *a)
{
    return a->port;
}

static unsigned ip_slot(const rpc_admit_t *a, const struct sockaddr_in *sin)
{
    uint64_t h = (a->ip_key ^ sin->sin_addr.s_addr) * 0x9E3779B97F4A7C15ULL;
    return (unsigned)((h >> 32) % IP_SLOTS);
}

/* Under a->mu. */
static void release(rpc_admit_t *a, conn_t *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        a->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    a->n_conns--;
    a->ip_count[c->slot]--;
    if (c->dupfd >= 0)
        close(c->dupfd);
    free(c);
}

static conn_t *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

void rpc_admit_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                      enum MHD_ConnectionNotificationCode toe)
{
    rpc_admit_t *a = cls;
    pthread_mutex_lock(&a->mu);
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        for (conn_t *c = a->conns; ci && c; c = c->next)
            if (!c->started && c->fd == ci->connect_fd) {
                c->started = true;
                *socket_context = c;
                break;
            }
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        release(a, *socket_context);
        *socket_context = NULL;
    }
    pthread_mutex_unlock(&a->mu);
}

void rpc_admit_request_received(rpc_admit_t *a, struct MHD_Connection *conn)
{
    conn_t *c = conn_of(conn);
    if (!c)
        return;
    pthread_mutex_lock(&a->mu);
    c->receiving = false;
    pthread_mutex_unlock(&a->mu);
}

void rpc_admit_response_sent(rpc_admit_t *a, struct MHD_Connection *conn)
{
    conn_t *c = conn_of(conn);
    if (!c)
        return;
    pthread_mutex_lock(&a->mu);
    c->receiving = true;
    c->since_ms = now_ms();
    pthread_mutex_unlock(&a->mu);
}

/* ---- refused sockets ------------------------------------------------------ */

static void pending_add(rpc_admit_t *a, int fd, bool busy_ip)
{
    pending_t *p = a->n_pending < MAX_PENDING ? malloc(sizeof *p) : NULL;
    if (!p) {
        close(fd);   /* beyond a thousand refusals in flight: no answer */
        return;
    }
    p->fd = fd;
    p->since_ms = now_ms();
    p->answered = false;
    p->busy_ip = busy_ip;
    p->len = 0;
    a->pending[a->n_pending++] = p;
}

static bool head_complete(const pending_t *p)
{
    for (size_t i = 3; i < p->len; i++)
        if (p->head[i] == '\n' && p->head[i - 1] == '\r' && p->head[i - 2] == '\n' &&
            p->head[i - 3] == '\r')
            return true;
    return false;
}

static bool is_health(const pending_t *p, bool *head_only)
{
    static const char *const forms[] = {"GET /health ", "GET /health?", "HEAD /health ",
                                        "HEAD /health?"};
    for (int i = 0; i < 4; i++) {
        size_t n = strlen(forms[i]);
        if (p->len >= n && memcmp(p->head, forms[i], n) == 0) {
            *head_only = i >= 2;
            return true;
        }
    }
    return false;
}

static void answer(rpc_admit_t *a, pending_t *p)
{
    char hdr[512];
    char *body = NULL;
    int status = 503;
    bool head_only = false;
    if (is_health(p, &head_only) && a->cfg.health) {
        status = a->cfg.health(a->cfg.ud, &body);
    } else {
        buf_t b;
        buf_init(&b, 0);
        char msg[160];
        if (p->busy_ip)
            snprintf(msg, sizeof msg, "server busy: %u connections from your address are open "
                     "(the limit); retry after 1 s", a->cfg.max_conns_per_ip);
        else
            snprintf(msg, sizeof msg, "server busy: %u connections are open (the limit); retry "
                     "after 1 s", a->cfg.max_conns);
        rpc_error_response(&b, RPC_SERVER_BUSY, msg);
        buf_terminate(&b);
        body = (char *)buf_steal(&b, NULL);
        atomic_fetch_add(&a->busy, 1);
    }
    size_t blen = body ? strlen(body) : 0;
    int n = snprintf(hdr, sizeof hdr, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                     "%sContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
                     status == 200 ? "OK" : "Service Unavailable",
                     status == 503 ? "Retry-After: 1\r\n" : "", blen);
    /* a fresh socket's send buffer takes these few hundred bytes at once */
    if (send(p->fd, hdr, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n && body && !head_only)
        (void)!send(p->fd, body, blen, MSG_NOSIGNAL | MSG_DONTWAIT);
    free(body);
    shutdown(p->fd, SHUT_WR);
    p->answered = true;
}

/* Reads what p sent; answers once its head is in (or after the wait);
 * returns false when p is done with. */
static bool pending_step(rpc_admit_t *a, pending_t *p, bool readable, uint64_t now)
{
    if (readable) {
        char tmp[4096];
        for (;;) {
            ssize_t r = recv(p->fd, tmp, sizeof tmp, MSG_DONTWAIT);
            if (r > 0) {
                size_t k = (size_t)r;
                if (!p->answered && p->len < PENDING_HEAD) {
                    size_t room = PENDING_HEAD - p->len;
                    memcpy(p->head + p->len, tmp, k < room ? k : room);
                    p->len += k < room ? k : room;
                }
                continue;
            }
            if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                if (!p->answered && p->len > 0)
                    answer(a, p);
                return false;   /* the client closed (or failed): done */
            }
            if (errno != EINTR)
                break;
        }
    }
    if (!p->answered && (head_complete(p) || p->len >= PENDING_HEAD ||
                         elapsed(now, p->since_ms) >= PENDING_READ_MS))
        answer(a, p);
    return !(p->answered && elapsed(now, p->since_ms) >= PENDING_READ_MS + PENDING_LINGER_MS);
}

/* ---- the accept thread ------------------------------------------------------- */

static bool evict_for(rpc_admit_t *a, unsigned slot);

static void accept_some(rpc_admit_t *a)
{
    for (int i = 0; i < 256; i++) {
        struct sockaddr_in sin;
        socklen_t sl = sizeof sin;
        int fd = accept4(a->lfd, (struct sockaddr *)&sin, &sl, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                usleep(TICK_MS * 1000);   /* out of descriptors: do not spin on poll */
            return;
        }
        if (sin.sin_family != AF_INET) {
            close(fd);
            continue;
        }
        unsigned slot = ip_slot(a, &sin);
        pthread_mutex_lock(&a->mu);
        bool per_ip_full = a->ip_count[slot] >= a->cfg.max_conns_per_ip;
        bool full = per_ip_full ||
                    (a->n_conns >= a->cfg.max_conns && !evict_for(a, slot));
        conn_t *c = full ? NULL : calloc(1, sizeof *c);
        if (c) {
            c->dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
            if (c->dupfd < 0) {
                free(c);
                c = NULL;
            }
        }
        if (c) {
            c->fd = fd;
            c->slot = slot;
            c->since_ms = now_ms();
            c->receiving = true;
            c->next = a->conns;
            if (a->conns)
                a->conns->prev = c;
            a->conns = c;
            a->n_conns++;
            a->ip_count[slot]++;
        }
        pthread_mutex_unlock(&a->mu);
        if (!c) {
            pending_add(a, fd, per_ip_full);
            continue;
        }
        if (MHD_add_connection(a->mhd, fd, (struct sockaddr *)&sin, sl) != MHD_YES) {
            /* MHD closed its socket number (its own limit, or no memory);
             * unless it announced the connection, it is ours again, and our
             * dup of the socket still lets us answer it 503 */
            int dupfd = -1;
            pthread_mutex_lock(&a->mu);
            if (!c->started) {
                dupfd = c->dupfd;
                c->dupfd = -1;
                release(a, c);
            }
            pthread_mutex_unlock(&a->mu);
            if (dupfd >= 0)
                pending_add(a, dupfd, false);
        }
    }
}

/* The server is full and a client with fewer connections than the heaviest
 * one arrives: the heaviest address's longest-waiting connection that has no
 * request in progress (idle keep-alive or still trickling in) is shut down to
 * make room, so a few addresses cannot keep everyone else out. While such
 * cuts are closing the count may pass max_conns, never twice it. Under a->mu.
 * Returns whether the newcomer may come in. */
static bool evict_for(rpc_admit_t *a, unsigned slot)
{
    if (a->n_conns >= 2 * a->cfg.max_conns)
        return false;
    conn_t *victim = NULL;
    uint64_t now = now_ms();
    for (conn_t *c = a->conns; c; c = c->next) {
        /* a connection accepted a moment ago may have its request on the
         * way: only one that has waited EVICT_AFTER_MS is a candidate */
        if (!c->receiving || c->cut || elapsed(now, c->since_ms) < EVICT_AFTER_MS ||
            a->ip_count[c->slot] <= a->ip_count[slot] + 1)
            continue;
        if (!victim || a->ip_count[c->slot] > a->ip_count[victim->slot] ||
            (a->ip_count[c->slot] == a->ip_count[victim->slot] && c->since_ms < victim->since_ms))
            victim = c;
    }
    if (!victim)
        return false;
    victim->cut = true;
    shutdown(victim->dupfd, SHUT_RDWR);
    atomic_fetch_add(&a->evicted, 1);
    return true;
}

static void cut_late(rpc_admit_t *a, uint64_t now)
{
    pthread_mutex_lock(&a->mu);
    for (conn_t *c = a->conns, *next; c; c = next) {
        next = c->next;
        uint64_t waited = elapsed(now, c->since_ms);
        if (c->receiving && !c->cut && waited >= a->cfg.request_timeout_ms) {
            c->cut = true;
            shutdown(c->dupfd, SHUT_RDWR);
            atomic_fetch_add(&a->timeouts, 1);
        }
        /* MHD queues a socket we hand it and announces it from its own
         * thread; one it dropped before announcing (its own limit, no
         * memory) would hold a slot forever: forget it well after its cut */
        if (!c->started && c->cut && waited >= a->cfg.request_timeout_ms + 5000)
            release(a, c);
    }
    pthread_mutex_unlock(&a->mu);
}

static void *accept_main(void *arg)
{
    rpc_admit_t *a = arg;
    struct pollfd *pfd = calloc(MAX_PENDING + 1, sizeof *pfd);
    if (!pfd)
        return NULL;
    while (!atomic_load(&a->stop)) {
        pfd[0] = (struct pollfd){a->lfd, POLLIN, 0};
        for (size_t i = 0; i < a->n_pending; i++)
            pfd[i + 1] = (struct pollfd){a->pending[i]->fd, POLLIN, 0};
        size_t n_polled = a->n_pending;
        int r = poll(pfd, n_polled + 1, TICK_MS);
        uint64_t now = now_ms();
        /* refused sockets first: their slots are what a flood fills */
        size_t keep = 0;
        for (size_t i = 0; i < a->n_pending; i++) {
            pending_t *p = a->pending[i];
            bool readable = i < n_polled && r > 0 && (pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR));
            if (pending_step(a, p, readable, now)) {
                a->pending[keep++] = p;
            } else {
                close(p->fd);
                free(p);
            }
        }
        a->n_pending = keep;
        if (r > 0 && (pfd[0].revents & POLLIN))
            accept_some(a);
        cut_late(a, now);
    }
    free(pfd);
    return NULL;
}

int rpc_admit_run(rpc_admit_t *a, struct MHD_Daemon *mhd, err_t *e)
{
    a->mhd = mhd;
    if (pthread_create(&a->thread, NULL, accept_main, a) != 0)
        return err_set(e, RPC_ENOMEM, "rpc: cannot start the accept thread");
    a->running = true;
    return 0;
}

void rpc_admit_stop(rpc_admit_t *a)
{
    if (!a || !a->running)
        return;
    atomic_store(&a->stop, true);
    pthread_join(a->thread, NULL);
    a->running = false;
}

void rpc_admit_free(rpc_admit_t *a)
{
    if (!a)
        return;
    rpc_admit_stop(a);
    for (size_t i = 0; i < a->n_pending; i++) {
        close(a->pending[i]->fd);
        free(a->pending[i]);
    }
    while (a->conns)
        release(a, a->conns);
    if (a->lfd >= 0)
        close(a->lfd);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

uint64_t rpc_admit_busy(const rpc_admit_t *a)
{
    return atomic_load(&a->busy);
}

uint64_t rpc_admit_timeouts(const rpc_admit_t *a)
{
    return atomic_load(&a->timeouts);
}

uint64_t rpc_admit_evicted(const rpc_admit_t *a)
{
    return atomic_load(&a->evicted);
}
