/* Yamux streams between two C hosts over TCP + Noise:
 *  - 8 concurrent echo streams of 3 MiB each, far beyond the 256 KiB window,
 *    so window updates and back-pressure must work; every byte is checked
 *    (SHA-256 of what came back equals what went out);
 *  - one 768 KiB message, 3 windows long, to a protocol that consumes
 *    nothing before the message's last byte (as length-prefixed frames are
 *    read): the receiver must keep the window open while it buffers;
 *  - an unknown protocol is refused with "na" (P2P_ENOTSUP);
 *  - opening more streams than the peer allows gets them reset, and the
 *    connection survives (a ping still works afterwards);
 *  - dialing with the wrong /p2p/ id fails authentication;
 *  - identify push: a protocol added later reaches the peer;
 *  - a connection without streams is closed after the idle timeout (over
 *    IPv6 loopback when the machine has it);
 *  - a host at its connection limit refuses the next connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "p2p/p2p.h"

#define ECHO_PROTO "/test/echo/1.0.0"
#define HOLD_PROTO "/test/hold/1.0.0"
#define WHOLE_PROTO "/test/whole/1.0.0"
#define WHOLE_BYTES (768u << 10)   /* 3 windows, under the 1 MiB message cap */
#define N_STREAMS 8
#define BYTES (3u << 20)
#define MAX_STREAMS 16

static uv_loop_t loop;
static p2p_host_t *server, *client;
static p2p_conn_t *conn;
static int failures, echoes_done, refused, held, na_seen, auth_failed, ping_ok, whole_ok;
static buf_t server_addr;

static void check(bool ok, const char *what)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok)
        failures++;
}

/* ---- server: echo and hold ---- */

static size_t echo_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    return p2p_stream_write(s, p, n) == 0 ? n : 0;
}

static void echo_eof(p2p_stream_t *s, void *ud)
{
    p2p_stream_close_write(s);
}

static void serve_echo(p2p_stream_t *s, void *ud)
{
    p2p_stream_cbs_t cbs = {echo_data, echo_eof, NULL, NULL};
    p2p_stream_set_cbs(s, &cbs);
}

static size_t ignore(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    return n;
}

static void serve_hold(p2p_stream_t *s, void *ud)
{
    p2p_stream_cbs_t cbs = {ignore, NULL, NULL, NULL};
    p2p_stream_set_cbs(s, &cbs);
}

/* Consumes only a whole WHOLE_BYTES message, then answers "ok". */
static size_t whole_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    if (n < WHOLE_BYTES)
        return 0;
    for (size_t i = 0; i < WHOLE_BYTES; i++)
        if (p[i] != (uint8_t)(i * 7))
            return 0;
    p2p_stream_write(s, "ok", 2);
    return WHOLE_BYTES;
}

static void serve_whole(p2p_stream_t *s, void *ud)
{
    p2p_stream_cbs_t cbs = {whole_data, NULL, NULL, NULL};
    p2p_stream_set_cbs(s, &cbs);
}

/* ---- client ---- */

static size_t whole_answer(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    if (n >= 2 && p[0] == 'o' && p[1] == 'k') {
        whole_ok = 1;
        p2p_stream_reset(s);
    }
    return n;
}

static void whole_opened(p2p_stream_t *s, int status, void *ud)
{
    if (!s) {
        check(false, "opening the whole-message stream");
        return;
    }
    p2p_stream_cbs_t cbs = {whole_answer, NULL, NULL, NULL};
    p2p_stream_set_cbs(s, &cbs);
    uint8_t *m = malloc(WHOLE_BYTES);
    for (size_t i = 0; m && i < WHOLE_BYTES; i++)
        m[i] = (uint8_t)(i * 7);
    if (!m || p2p_stream_write(s, m, WHOLE_BYTES) != 0)
        check(false, "writing the whole message");
    free(m);
}

typedef struct echo_op {
    crypto_sha256_ctx_t out, in;
    size_t sent, got;
    uint32_t seed;
} echo_op_t;

static echo_op_t ops[N_STREAMS];
static void next_phase(void);

static void fill(uint32_t *seed, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(*seed >> 16);
    }
}

static size_t echo_back(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    echo_op_t *op = ud;
    crypto_sha256_update(&op->in, p, n);
    op->got += n;
    return n;
}

static void echo_closed(p2p_stream_t *s, int status, void *ud)
{
    echo_op_t *op = ud;
    uint8_t a[32], b[32];
    crypto_sha256_final(&op->out, a);
    crypto_sha256_final(&op->in, b);
    if (status || op->got != BYTES || memcmp(a, b, 32) != 0) {
        printf("stream %d: status %d, %zu of %u bytes back\n", (int)(op - ops), status, op->got,
               BYTES);
        failures++;
    }
    if (++echoes_done == N_STREAMS) {
        check(true, "8 concurrent 3 MiB echo streams (windows, back-pressure, half-close)");
        next_phase();
    }
}

static void echo_eof_client(p2p_stream_t *s, void *ud)
{
}

static void echo_opened(p2p_stream_t *s, int status, void *ud)
{
    echo_op_t *op = ud;
    if (status) {
        check(false, "open echo stream");
        uv_stop(&loop);
        return;
    }
    p2p_stream_cbs_t cbs = {echo_back, echo_eof_client, echo_closed, op};
    p2p_stream_set_cbs(s, &cbs);
    /* Write everything at once: the host queues what the window refuses. */
    uint8_t *data = malloc(BYTES);
    fill(&op->seed, data, BYTES);
    crypto_sha256_update(&op->out, data, BYTES);
    if (p2p_stream_write(s, data, BYTES) != 0)
        failures++;
    free(data);
    p2p_stream_close_write(s);
}

static void na_opened(p2p_stream_t *s, int status, void *ud)
{
    na_seen = status == P2P_ENOTSUP;
    check(na_seen, "unknown protocol refused with na");
    next_phase();
}

static void hold_closed(p2p_stream_t *s, int status, void *ud)
{
    if (status)
        refused++;
}

static int hold_answers;
static p2p_stream_t *held_streams[MAX_STREAMS + 4];

static void hold_opened(p2p_stream_t *s, int status, void *ud)
{
    if (status == 0) {
        held_streams[held++] = s;
        p2p_stream_cbs_t cbs = {ignore, NULL, hold_closed, NULL};
        p2p_stream_set_cbs(s, &cbs);
    } else {
        refused++;
    }
    if (++hold_answers == MAX_STREAMS + 4) {
        check(held <= MAX_STREAMS && refused >= 4, "streams above the peer's limit are reset");
        next_phase();
    }
}

static void on_ping(p2p_host_t *h, int status, uint64_t rtt, void *ud)
{
    ping_ok = status == 0;
    check(ping_ok, "connection still usable after the refused streams");
    next_phase();
}

static void wrong_id_dialed(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    auth_failed = status == P2P_EAUTH;
    check(auth_failed, "dial with the wrong /p2p/ id fails authentication");
    next_phase();
}

static int phase;
static p2p_host_t *third, *idle_server, *idle_client;
static uv_timer_t wait_timer;
static uint64_t idle_t0;

static void after_push(uv_timer_t *t)
{
    check(p2p_host_peer_supports(client, p2p_host_peer_id(server), "/test/late/1.0.0"),
          "identify push delivers a protocol added later");
    next_phase();
}

static p2p_host_t *limit_server, *limit_a, *limit_b;
static buf_t *limit_addr;
static int limit_ok;

static void limit_b_dialed(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    check(status != 0, "a host at max_conns refuses the next connection");
    next_phase();
}

static void limit_a_dialed(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    err_t e;
    buf_t *a = ud;
    limit_ok = status == 0;
    if (!limit_ok || p2p_host_dial(limit_b, a->data, a->len, limit_b_dialed, NULL, &e)) {
        check(false, "first connection within the limit");
        next_phase();
    }
}

static void idle_disconnected(p2p_host_t *h, p2p_conn_t *c, int status, void *ud)
{
    double s = (double)(uv_now(&loop) - idle_t0) / 1000.0;
    check(s >= 0.25 && s < 3.0, "idle connection closed after the idle timeout");
    next_phase();
}

static void idle_dialed(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    if (status) {
        check(false, msg);
        next_phase();
    }
    idle_t0 = uv_now(&loop);
}

static void next_phase(void)
{
    err_t e;
    switch (phase++) {
    case 0:
        if (p2p_conn_open_stream(conn, WHOLE_PROTO, whole_opened, NULL, &e))
            check(false, e.msg);
        for (int i = 0; i < N_STREAMS; i++) {
            crypto_sha256_init(&ops[i].out);
            crypto_sha256_init(&ops[i].in);
            ops[i].seed = (uint32_t)i + 1;
            if (p2p_conn_open_stream(conn, ECHO_PROTO, echo_opened, &ops[i], &e))
                check(false, e.msg);
        }
        break;
    case 1:
        if (p2p_conn_open_stream(conn, "/test/nothing/1.0.0", na_opened, NULL, &e))
            check(false, e.msg);
        break;
    case 2:
        for (int i = 0; i < MAX_STREAMS + 4; i++)
            if (p2p_conn_open_stream(conn, HOLD_PROTO, hold_opened, NULL, &e))
                hold_opened(NULL, P2P_ELIMIT, NULL);
        break;
    case 3:
        /* free the peer's stream slots again, then use the connection */
        for (int i = 0; i < held; i++)
            p2p_stream_reset(held_streams[i]);
        if (p2p_ping(conn, 1, on_ping, NULL, &e))
            check(false, e.msg);
        break;
    case 4: {
        /* server's address with the client's own id: the server cannot prove it */
        buf_t m;
        buf_init(&m, 0);
        buf_append(&m, server_addr.data, server_addr.len);
        const p2p_peer_id_t *other = p2p_host_peer_id(client);
        third = p2p_host_new(&loop, NULL, &e);
        uint8_t hdr[3] = {0xa5, 0x03, (uint8_t)other->len};
        buf_append(&m, hdr, 3);
        buf_append(&m, other->b, other->len);
        if (!third || p2p_host_dial(third, m.data, m.len, wrong_id_dialed, NULL, &e))
            check(false, "dial with a wrong id");
        buf_free(&m);
        break;
    }
    case 5:
        if (p2p_host_handle(server, "/test/late/1.0.0", serve_hold, NULL))
            check(false, "register a late protocol");
        p2p_identify_push_all(server);
        uv_timer_start(&wait_timer, after_push, 300, 0);
        break;
    case 6: {
        p2p_host_config_t icfg = {.idle_timeout_ms = 300};
        idle_server = p2p_host_new(&loop, &icfg, &e);
        idle_client = p2p_host_new(&loop, NULL, &e);
        buf_t a;
        bool v6 = idle_server && p2p_host_listen(idle_server, "/ip6/::1/tcp/0", &e) == 0;
        if (!v6)
            printf("note: no IPv6 loopback here, idle test over IPv4\n");
        if (!idle_server || !idle_client ||
            (!v6 && p2p_host_listen(idle_server, "/ip4/127.0.0.1/tcp/0", &e))) {
            check(false, "idle hosts");
            uv_stop(&loop);
            break;
        }
        p2p_host_cbs_t cbs = {NULL, idle_disconnected, NULL};
        p2p_host_set_cbs(idle_client, &cbs);
        p2p_host_listen_addrs(idle_server, &a, 1);
        if (p2p_host_dial(idle_client, a.data, a.len, idle_dialed, NULL, &e))
            check(false, e.msg);
        buf_free(&a);
        break;
    }
    case 7: {
        static buf_t la;
        p2p_host_config_t lcfg = {.max_conns = 1};
        limit_server = p2p_host_new(&loop, &lcfg, &e);
        limit_a = p2p_host_new(&loop, NULL, &e);
        limit_b = p2p_host_new(&loop, NULL, &e);
        if (!limit_server || !limit_a || !limit_b ||
            p2p_host_listen(limit_server, "/ip4/127.0.0.1/tcp/0", &e)) {
            check(false, "limit hosts");
            uv_stop(&loop);
            break;
        }
        p2p_host_listen_addrs(limit_server, &la, 1);
        limit_addr = &la;
        if (p2p_host_dial(limit_a, la.data, la.len, limit_a_dialed, &la, &e))
            check(false, e.msg);
        break;
    }
    default:
        uv_stop(&loop);
    }
}

static void on_dialed(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    if (status) {
        check(false, msg);
        uv_stop(&loop);
        return;
    }
    conn = c;
    next_phase();
}

static void on_timeout(uv_timer_t *t)
{
    check(false, "test finished in time");
    uv_stop(&loop);
}

static void close_walk(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    log_set_level(LOG_ERROR);
    uv_loop_init(&loop);
    err_t e;
    p2p_host_config_t scfg = {.max_streams = MAX_STREAMS};
    server = p2p_host_new(&loop, &scfg, &e);
    client = p2p_host_new(&loop, NULL, &e);
    uv_timer_init(&loop, &wait_timer);
    if (!server || !client || p2p_ping_enable(server) || p2p_identify_enable(server) ||
        p2p_identify_enable(client) ||
        p2p_host_handle(server, ECHO_PROTO, serve_echo, NULL) ||
        p2p_host_handle(server, HOLD_PROTO, serve_hold, NULL) ||
        p2p_host_handle(server, WHOLE_PROTO, serve_whole, NULL) ||
        p2p_host_listen(server, "/ip4/127.0.0.1/tcp/0", &e))
        return 1;
    p2p_host_listen_addrs(server, &server_addr, 1);
    uv_timer_t deadline;
    uv_timer_init(&loop, &deadline);
    uv_timer_start(&deadline, on_timeout, 60000, 0);
    uv_unref((uv_handle_t *)&deadline);
    if (p2p_host_dial(client, server_addr.data, server_addr.len, on_dialed, NULL, &e))
        return 1;
    uv_run(&loop, UV_RUN_DEFAULT);
    check(whole_ok, "a message of 3 windows reached a protocol that consumes it whole");
    if (!(na_seen && auth_failed && ping_ok && limit_ok && echoes_done == N_STREAMS))
        failures++;
    p2p_host_free(third);
    p2p_host_free(idle_client);
    p2p_host_free(idle_server);
    p2p_host_free(limit_a);
    p2p_host_free(limit_b);
    p2p_host_free(limit_server);
    if (limit_addr)
        buf_free(limit_addr);
    p2p_host_free(client);
    p2p_host_free(server);
    buf_free(&server_addr);
    uv_walk(&loop, close_walk, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures ? 1 : 0;
}
