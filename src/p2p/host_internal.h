/* Private state of the host (host.c: sockets, upgrade, connections;
 * yamux.c: the Yamux session and its streams). */
#ifndef AETHER_P2P_HOST_INTERNAL_H
#define AETHER_P2P_HOST_INTERNAL_H

#include "p2p/internal.h"

#define NOISE_PROTO "/noise"
#define YAMUX_PROTO "/yamux/1.0.0"
#define YAMUX_MAX_UNACKED 256
#define YAMUX_MAX_DATA (32 * 1024)  /* payload of one Data frame we send */
#define MSS_MAX_PROPOSALS 8
#define MAX_LISTENERS 8
#define MAX_HANDLERS 32
#define READ_CHUNK (64 * 1024)
#define HC_MAX_WRITE_QUEUE (16 * 1024 * 1024)  /* bytes waiting for the socket */
#define HC_SOFT_QUEUE (1024 * 1024)  /* stream data waits above this backlog */

enum { C_CONNECTING, C_MSS, C_NOISE, C_MSS2, C_YAMUX };
enum { S_NEGOTIATING, S_OPEN };

typedef struct mss {
    bool initiator;
    bool got_header;
    int proposals;
} mss_t;

struct p2p_stream {
    p2p_conn_t *c;
    p2p_stream_t *next;
    uint32_t id;
    int state;
    bool outbound, acked, local_fin, fin_pending, remote_fin, dead;
    uint32_t send_window, recv_window;
    uint64_t opened_ms;  /* for the negotiation timeout */
    buf_t rx, tx;
    size_t tx_off;
    mss_t mss;
    char proto[MSS_MAX_LINE];
    p2p_open_cb open_cb;
    void *open_ud;
    p2p_stream_cbs_t cbs;
};

typedef struct listener {
    uv_tcp_t tcp;
    p2p_host_t *h;
    buf_t addr;
} listener_t;

struct p2p_conn {
    p2p_host_t *h;
    p2p_conn_t *next;
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_connect_t connect_req;
    uv_shutdown_t shutdown_req;
    int state;
    bool outbound, closing, announced, has_expected;
    int n_handles;
    buf_t rx, plain, txplain;
    size_t plain_off;  /* parsed prefix of plain (compacted after each read) */
    mss_t mss;
    noise_hs_t hs;
    noise_cipher_t tx_c, rx_c;
    p2p_peer_id_t peer, expected;
    p2p_dial_cb dial_cb;
    void *dial_ud;
    p2p_stream_t *streams, *dead;
    size_t n_streams;
    uint32_t next_id;
    uint64_t started_ms, last_ms, closing_ms;
    struct sockaddr_storage remote;
    uint8_t readbuf[READ_CHUNK];
};

typedef struct handler {
    char *proto;
    p2p_handler_fn fn;
    void *ud;
} handler_t;

typedef struct peer_entry {
    struct peer_entry *next;
    p2p_identify_info_t info;
} peer_entry_t;

struct p2p_host {
    uv_loop_t *loop;
    p2p_key_t key;
    p2p_peer_id_t id;
    p2p_host_config_t cfg;
    char agent[128];
    p2p_host_cbs_t cbs;
    listener_t *listeners[MAX_LISTENERS];
    size_t n_listeners;
    p2p_conn_t *conns;
    handler_t handlers[MAX_HANDLERS];
    size_t n_handlers;
    peer_entry_t *peers;
    p2p_kad_t *kad;
    void (*conn_hook)(p2p_conn_t *c, void *ud);
    void (*info_hook)(const p2p_identify_info_t *info, void *ud);
    void *info_hook_ud;
    void *conn_hook_ud;
    void *identify_ops;
    bool freeing;
    int n_handles;
    uint64_t refuse_log_ms;   /* rate limit of the refusal/eviction log line */
    size_t n_refused, n_evicted;
};

/* host.c */
void hc_send(p2p_conn_t *c, const void *p, size_t n);
void hc_flush(p2p_conn_t *c);
void hc_fail(p2p_conn_t *c, int status, const char *fmt, ...) BASE_PRINTF(3, 4);
void hc_yamux_send(p2p_conn_t *c, uint8_t type, uint16_t flags, uint32_t id, uint32_t len,
                   const uint8_t *data, size_t n);
const handler_t *hc_find_handler(p2p_host_t *h, const char *proto);
/* yamux.c */
void ys_free(p2p_stream_t *s);
void ys_finish(p2p_stream_t *s, int status);
/* Parses one frame from c->plain: 1 when consumed, 0 when more is needed. */
int ys_frame(p2p_conn_t *c);
/* Sends what streams hold back while the socket backlog allows it. */
void ys_pump_all(p2p_conn_t *c);

#endif
