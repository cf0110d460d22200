/* Misbehaving peers are dropped without disturbing other connections.
 *
 * A server host and a well-behaved client host share one libuv loop; the
 * client pings the server every 20 ms over one connection for the whole
 * test. Meanwhile a second thread first checks that a raw Yamux PING is
 * answered (the raw client speaks the protocol right), then attacks the
 * server over raw sockets:
 * garbage, an oversize multistream line, a short Noise message, a tampered
 * Noise message, a full Noise handshake followed by a Yamux frame far beyond
 * the window, a frame of unknown type, and two stalled handshakes (silent,
 * and silent after multistream). Each attack must end with the server closing
 * the socket (the stalls after the 500 ms handshake timeout); the good
 * client's pings must all succeed, its connection must stay up, and the
 * server must be left with exactly that one connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "p2p/internal.h"

static uv_loop_t loop;
static p2p_host_t *server, *client;
static p2p_conn_t *good;
static uv_timer_t ping_timer;
static uv_async_t attacks_done;
static int pings_ok, pings_failed, disconnects, attack_failures;
static struct sockaddr_in server_addr;

/* ---- the attacker (its own thread, blocking sockets) ---- */

static int dial_raw(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&server_addr, sizeof server_addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
        if (k <= 0)
            return;
        b += k;
        n -= (size_t)k;
    }
}

static bool read_exact(int fd, uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = recv(fd, p, n, 0);
        if (k <= 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

/* Waits for the server to close: true when it did within the timeout. */
static bool closed_by_server(int fd, double *secs)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    uint8_t tmp[4096];
    bool closed = false;
    for (;;) {
        ssize_t k = recv(fd, tmp, sizeof tmp, 0);
        if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            closed = true;
            break;
        }
        if (k < 0)
            break; /* timeout */
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (secs)
        *secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    close(fd);
    return closed;
}

static void expect_drop(const char *name, int fd)
{
    double t;
    bool ok = closed_by_server(fd, &t);
    printf("%s %s (%.3f s)\n", ok ? "ok  " : "FAIL", name, t);
    if (!ok)
        attack_failures++;
}

static void mss_client(int fd, const char *proto)
{
    buf_t b;
    buf_init(&b, 0);
    mss_write(&b, MSS_PROTO);
    mss_write(&b, proto);
    send_all(fd, b.data, b.len);
    buf_free(&b);
}

/* Full Noise XX as initiator; leaves tx/rx ciphers. false on failure. */
static bool noise_client(int fd, noise_cipher_t *tx, noise_cipher_t *rx)
{
    uint8_t line[64];
    /* two echoed lines: 0x13 + 19 bytes, 0x07 + 7 bytes */
    if (!read_exact(fd, line, 20) || !read_exact(fd, line, 8))
        return false;
    p2p_key_t id;
    p2p_key_generate(&id);
    uint8_t s[32];
    crypto_random(s, 32);
    noise_hs_t hs;
    noise_hs_init(&hs, true, s, NULL, NULL, 0);
    buf_t out, pl;
    buf_init(&out, 0);
    buf_init(&pl, 0);
    err_t e;
    bool ok = false;
    uint8_t hdr[2], msg[65535];
    buf_append(&out, "\0\0", 2);
    if (noise_hs_write(&hs, NULL, 0, &out, &e))
        goto done;
    out.data[0] = (uint8_t)((out.len - 2) >> 8);
    out.data[1] = (uint8_t)(out.len - 2);
    send_all(fd, out.data, out.len);
    if (!read_exact(fd, hdr, 2))
        goto done;
    size_t n = (size_t)hdr[0] << 8 | hdr[1];
    if (!read_exact(fd, msg, n) || noise_hs_read(&hs, msg, n, &pl, &e))
        goto done;
    buf_reset(&pl);
    if (noise_payload_make(&id, hs.s_pub, &pl))
        goto done;
    buf_reset(&out);
    buf_append(&out, "\0\0", 2);
    if (noise_hs_write(&hs, pl.data, pl.len, &out, &e))
        goto done;
    out.data[0] = (uint8_t)((out.len - 2) >> 8);
    out.data[1] = (uint8_t)(out.len - 2);
    send_all(fd, out.data, out.len);
    noise_hs_split(&hs, tx, rx);
    ok = true;
done:
    buf_free(&out);
    buf_free(&pl);
    return ok;
}

static void send_encrypted(int fd, noise_cipher_t *tx, const uint8_t *p, size_t n)
{
    uint8_t frame[2 + 1024 + NOISE_TAG];
    if (n > 1024)
        return;
    frame[0] = (uint8_t)((n + NOISE_TAG) >> 8);
    frame[1] = (uint8_t)(n + NOISE_TAG);
    if (noise_encrypt(tx, NULL, 0, p, n, frame + 2) == 0)
        send_all(fd, frame, 2 + n + NOISE_TAG);
}

static void attack_yamux(const char *name, const yamux_hdr_t *h)
{
    int fd = dial_raw();
    if (fd < 0) {
        attack_failures++;
        return;
    }
    mss_client(fd, "/noise");
    noise_cipher_t tx, rx;
    if (!noise_client(fd, &tx, &rx)) {
        printf("FAIL %s: handshake did not complete\n", name);
        attack_failures++;
        close(fd);
        return;
    }
    buf_t b;
    buf_init(&b, 0);
    mss_write(&b, MSS_PROTO);
    mss_write(&b, "/yamux/1.0.0");
    uint8_t hdr[YAMUX_HDR];
    yamux_hdr_encode(h, hdr);
    buf_append(&b, hdr, sizeof hdr);
    buf_append(&b, "xxxxxxxx", 8);
    send_encrypted(fd, &tx, b.data, b.len);
    buf_free(&b);
    expect_drop(name, fd);
}

/* Reads one Noise transport message and appends its plaintext to out. */
static bool read_encrypted(int fd, noise_cipher_t *rx, buf_t *out)
{
    uint8_t hdr[2], msg[65535];
    if (!read_exact(fd, hdr, 2))
        return false;
    size_t n = (size_t)hdr[0] << 8 | hdr[1];
    if (n < NOISE_TAG || !read_exact(fd, msg, n) || buf_reserve(out, n))
        return false;
    if (noise_decrypt(rx, NULL, 0, msg, n, out->data + out->len))
        return false;
    out->len += n - NOISE_TAG;
    return true;
}

/* A well-formed Yamux PING must come back as an ACK with the same opaque
 * value (yamux §Ping), and the session must stay up. */
static void probe_yamux_ping(void)
{
    int fd = dial_raw();
    noise_cipher_t tx, rx;
    bool ok = false;
    if (fd < 0)
        goto out;
    mss_client(fd, "/noise");
    if (!noise_client(fd, &tx, &rx))
        goto out;
    buf_t b;
    buf_init(&b, 0);
    mss_write(&b, MSS_PROTO);
    mss_write(&b, "/yamux/1.0.0");
    yamux_hdr_t ping = {0, YAMUX_PING, YAMUX_SYN, 0, 0x12345678};
    uint8_t hdr[YAMUX_HDR];
    yamux_hdr_encode(&ping, hdr);
    buf_append(&b, hdr, sizeof hdr);
    send_encrypted(fd, &tx, b.data, b.len);
    buf_reset(&b);
    /* the echoed multistream lines (20 + 14 bytes), then the ACK */
    while (b.len < 34 + YAMUX_HDR && read_encrypted(fd, &rx, &b))
        ;
    yamux_hdr_t got;
    ok = b.len >= 34 + YAMUX_HDR && yamux_hdr_decode(b.data + 34, &got, NULL) == 0 &&
         got.type == YAMUX_PING && got.flags == YAMUX_ACK && got.length == 0x12345678;
    buf_free(&b);
out:
    printf("%s yamux ping answered with ACK and the same opaque value\n", ok ? "ok  " : "FAIL");
    if (!ok)
        attack_failures++;
    if (fd >= 0)
        close(fd);
}

/* A stream opened but never negotiated is reset after the handshake
 * timeout; the connection itself stays. */
static void probe_stalled_stream(void)
{
    int fd = dial_raw();
    noise_cipher_t tx, rx;
    bool ok = false;
    struct timespec a, b2;
    if (fd < 0)
        goto out;
    mss_client(fd, "/noise");
    if (!noise_client(fd, &tx, &rx))
        goto out;
    buf_t b;
    buf_init(&b, 0);
    mss_write(&b, MSS_PROTO);
    mss_write(&b, "/yamux/1.0.0");
    yamux_hdr_t syn = {0, YAMUX_WINDOW_UPDATE, YAMUX_SYN, 1, 0};
    uint8_t hdr[YAMUX_HDR];
    yamux_hdr_encode(&syn, hdr);
    buf_append(&b, hdr, sizeof hdr);
    send_encrypted(fd, &tx, b.data, b.len);
    buf_reset(&b);
    clock_gettime(CLOCK_MONOTONIC, &a);
    size_t off = 34;
    while (!ok && read_encrypted(fd, &rx, &b)) {
        while (b.len >= off + YAMUX_HDR) {
            yamux_hdr_t got;
            if (yamux_hdr_decode(b.data + off, &got, NULL) != 0)
                break;
            off += YAMUX_HDR + (got.type == YAMUX_DATA ? got.length : 0);
            if (got.stream_id == 1 && (got.flags & YAMUX_RST))
                ok = true;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b2);
    double secs = (double)(b2.tv_sec - a.tv_sec) + (double)(b2.tv_nsec - a.tv_nsec) / 1e9;
    ok = ok && secs >= 0.4 && secs < 3;
    buf_free(&b);
out:
    printf("%s stream never negotiated is reset after the timeout\n", ok ? "ok  " : "FAIL");
    if (!ok)
        attack_failures++;
    if (fd >= 0)
        close(fd);
}

static void *attacker(void *arg)
{
    int fd;
    probe_yamux_ping();
    probe_stalled_stream();
    /* 1. garbage instead of multistream */
    if ((fd = dial_raw()) >= 0) {
        const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        char pad[200];
        memset(pad, 'A', sizeof pad);
        send_all(fd, junk, sizeof junk - 1);
        send_all(fd, pad, sizeof pad);
        expect_drop("garbage before multistream", fd);
    }
    /* 2. a multistream length far above any line */
    if ((fd = dial_raw()) >= 0) {
        const uint8_t big[] = {0xff, 0xff, 0x03};
        send_all(fd, big, sizeof big);
        expect_drop("oversize multistream line", fd);
    }
    /* 3. Noise message 1 shorter than an ephemeral key */
    if ((fd = dial_raw()) >= 0) {
        mss_client(fd, "/noise");
        const uint8_t m[] = {0x00, 0x05, 1, 2, 3, 4, 5};
        send_all(fd, m, sizeof m);
        expect_drop("short noise message", fd);
    }
    /* 4. Noise message 3 tampered */
    if ((fd = dial_raw()) >= 0) {
        mss_client(fd, "/noise");
        uint8_t line[32], hdr[2], msg[65535], s[32];
        crypto_random(s, 32);
        noise_hs_t hs;
        noise_hs_init(&hs, true, s, NULL, NULL, 0);
        buf_t pl, out;
        buf_init(&pl, 0);
        buf_init(&out, 0);
        err_t e;
        bool ok = read_exact(fd, line, 20) && read_exact(fd, line, 8);
        buf_append(&out, "\0\x20", 2);
        ok = ok && noise_hs_write(&hs, NULL, 0, &out, &e) == 0;
        if (ok)
            send_all(fd, out.data, out.len);
        buf_reset(&out);
        ok = ok && read_exact(fd, hdr, 2);
        size_t n = ok ? ((size_t)hdr[0] << 8 | hdr[1]) : 0;
        ok = ok && read_exact(fd, msg, n) && noise_hs_read(&hs, msg, n, &pl, &e) == 0;
        buf_append(&out, "\0\0", 2);
        ok = ok && noise_hs_write(&hs, (const uint8_t *)"junk", 4, &out, &e) == 0;
        if (ok) {
            out.data[0] = (uint8_t)((out.len - 2) >> 8);
            out.data[1] = (uint8_t)(out.len - 2);
            out.data[10] ^= 0x40;
            send_all(fd, out.data, out.len);
        } else {
            printf("FAIL tampered noise: could not reach message 3\n");
            attack_failures++;
        }
        buf_free(&pl);
        buf_free(&out);
        expect_drop("tampered noise message 3", fd);
    }
    /* 5. Yamux data frame far beyond the 256 KiB window */
    yamux_hdr_t big = {0, YAMUX_DATA, YAMUX_SYN, 1, 0x7fffffff};
    attack_yamux("oversize yamux frame after handshake", &big);
    /* 6. Yamux frame of unknown type */
    yamux_hdr_t bad = {0, 9, 0, 1, 0};
    attack_yamux("unknown yamux frame type", &bad);
    /* 7. silent after connect */
    if ((fd = dial_raw()) >= 0)
        expect_drop("stalled handshake (silent)", fd);
    /* 8. silent after multistream */
    if ((fd = dial_raw()) >= 0) {
        mss_client(fd, "/noise");
        expect_drop("stalled handshake (after multistream)", fd);
    }
    uv_async_send(&attacks_done);
    return NULL;
}

/* ---- the well-behaved side (loop thread) ---- */

static void on_ping(p2p_host_t *h, int status, uint64_t rtt, void *ud)
{
    if (status)
        pings_failed++;
    else
        pings_ok++;
}

static void ping_tick(uv_timer_t *t)
{
    err_t e;
    if (!good || p2p_ping(good, 1, on_ping, NULL, &e))
        pings_failed++;
}

static void on_disconnect(p2p_host_t *h, p2p_conn_t *c, int status, void *ud)
{
    if (c == good) {
        disconnects++;
        good = NULL;
    }
}

static void on_dialed(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    if (status) {
        fprintf(stderr, "good client could not connect: %s\n", msg);
        uv_stop(&loop);
        return;
    }
    good = c;
    uv_timer_start(&ping_timer, ping_tick, 0, 20);
    pthread_t *th = ud;
    pthread_create(th, NULL, attacker, NULL);
}

static void on_attacks_done(uv_async_t *a)
{
    uv_timer_stop(&ping_timer);
    uv_stop(&loop);
}

static void on_settled(uv_timer_t *t)
{
    uv_stop(&loop);
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    log_set_level(LOG_WARN);
    uv_loop_init(&loop);
    p2p_host_config_t scfg = {.handshake_timeout_ms = 500};
    err_t e;
    server = p2p_host_new(&loop, &scfg, &e);
    client = p2p_host_new(&loop, NULL, &e);
    if (!server || !client || p2p_ping_enable(server) ||
        p2p_host_listen(server, "/ip4/127.0.0.1/tcp/0", &e))
        return 1;
    p2p_host_cbs_t cbs = {NULL, on_disconnect, NULL};
    p2p_host_set_cbs(client, &cbs);
    buf_t addr;
    p2p_host_listen_addrs(server, &addr, 1);
    struct sockaddr_storage ss;
    if (p2p_maddr_to_sockaddr(addr.data, addr.len, &ss, &e))
        return 1;
    memcpy(&server_addr, &ss, sizeof server_addr);
    uv_timer_init(&loop, &ping_timer);
    uv_async_init(&loop, &attacks_done, on_attacks_done);
    pthread_t th;
    if (p2p_host_dial(client, addr.data, addr.len, on_dialed, &th, &e))
        return 1;
    uv_run(&loop, UV_RUN_DEFAULT);
    pthread_join(th, NULL);
    /* let in-flight pings finish */
    uv_timer_t settle;
    uv_timer_init(&loop, &settle);
    uv_timer_start(&settle, on_settled, 200, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    size_t server_conns = p2p_host_conn_count(server);
    printf("good client: %d pings ok, %d failed, %d disconnects; server holds %zu connection(s)\n",
           pings_ok, pings_failed, disconnects, server_conns);
    int failures = attack_failures;
    if (pings_failed || disconnects || pings_ok < 10 || server_conns != 1)
        failures++;
    uv_close((uv_handle_t *)&ping_timer, NULL);
    uv_close((uv_handle_t *)&attacks_done, NULL);
    uv_close((uv_handle_t *)&settle, NULL);
    p2p_host_free(client);
    p2p_host_free(server);
    buf_free(&addr);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures ? 1 : 0;
}
