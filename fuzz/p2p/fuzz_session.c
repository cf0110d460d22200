/* The Yamux session and every protocol behind it, as a remote peer sees
 * them: each input is sent, inside a freshly authenticated Noise channel, to
 * a host serving ping, identify and Kademlia, as raw Yamux bytes (stream
 * opens, data, window updates, resets, multistream lines, protobufs). The
 * host must answer or drop the connection, never crash or hang. */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "p2p/internal.h"

static uv_loop_t loop;
static p2p_host_t *server, *client;
static buf_t target;
static p2p_conn_t *conn;
static bool dial_done;

static void on_dialed(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    conn = status ? NULL : c;
    dial_done = true;
}

static void setup(void)
{
    if (crypto_init() != 0)
        abort();
    log_set_level(LOG_OFF);
    uv_loop_init(&loop);
    p2p_host_config_t cfg = {.kad_server = true, .handshake_timeout_ms = 2000};
    err_t e;
    server = p2p_host_new(&loop, &cfg, &e);
    client = p2p_host_new(&loop, NULL, &e);
    if (!server || !client || p2p_ping_enable(server) || p2p_identify_enable(server) ||
        !p2p_kad_new(server, &e) || p2p_kad_add_validator(p2p_host_kad(server), "/aether/",
                                                          p2p_kad_validator_any) ||
        p2p_host_listen(server, "/ip4/127.0.0.1/tcp/0", &e))
        abort();
    buf_t text;
    buf_init(&text, 0);
    buf_init(&target, 0);
    if (p2p_host_listen_addrs_text(server, &text))
        abort();
    *strchr((char *)text.data, '\n') = 0;
    if (p2p_maddr_parse((char *)text.data, &target, &e))
        abort();
    buf_free(&text);
}

static void spin(uint64_t ms, bool (*done)(void))
{
    uint64_t end = uv_hrtime() + ms * 1000000;
    while (uv_hrtime() < end && !(done && done()))
        uv_run(&loop, UV_RUN_NOWAIT);
}

static bool dialed(void)
{
    return dial_done;
}

static bool server_idle(void)
{
    return p2p_host_conn_count(server) == 0 && p2p_host_conn_count(client) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        setup();
        init = true;
    }
    err_t e;
    dial_done = false;
    conn = NULL;
    if (p2p_host_dial(client, target.data, target.len, on_dialed, NULL, &e))
        return 0;
    spin(2000, dialed);
    if (!conn)
        return 0;
    if (size >= 2 && (data[0] & 1)) {
        /* structured: open stream 1 for a protocol, the rest is its data,
         * so the protocol handlers are reached, not only the framing */
        static const char *const protos[] = {P2P_PING_PROTO, P2P_ID_PROTO, P2P_KAD_PROTO,
                                             P2P_ID_PUSH_PROTO};
        buf_t b, pl;
        buf_init(&b, 0);
        buf_init(&pl, 0);
        mss_write(&pl, MSS_PROTO);
        mss_write(&pl, protos[(data[1] & 0x7f) % 4]);
        buf_append(&pl, data + 2, size - 2);
        uint8_t hdr[YAMUX_HDR];
        yamux_hdr_t open = {0, YAMUX_WINDOW_UPDATE, YAMUX_SYN, 1, 0};
        yamux_hdr_encode(&open, hdr);
        buf_append(&b, hdr, sizeof hdr);
        yamux_hdr_t d = {0, YAMUX_DATA, (uint16_t)((data[1] & 0x80) ? YAMUX_FIN : 0), 1,
                         (uint32_t)pl.len};
        yamux_hdr_encode(&d, hdr);
        buf_append(&b, hdr, sizeof hdr);
        buf_append(&b, pl.data, pl.len);
        (void)p2p_conn_inject_plain(conn, b.data, b.len);
        buf_free(&b);
        buf_free(&pl);
    } else {
        (void)p2p_conn_inject_plain(conn, data, size);
    }
    spin(5, NULL);
    if (p2p_host_conn_count(client))
        p2p_conn_close(conn);
    spin(2000, server_idle);
    return 0;
}
