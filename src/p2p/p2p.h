/*
 * p2p: libp2p in C, on libuv, interoperable with js-libp2p.
 *
 * Layers, one file each (DESIGN.md §6, specs in shared/specs/libp2p/):
 *   multiaddr.c    text <-> binary multiaddrs (ip4 ip6 tcp udp dns dns4 dns6
 *                  dnsaddr p2p), socket address extraction
 *   peerid.c       Ed25519 keys as libp2p PublicKey protobufs, peer ids
 *                  (identity multihash), base58btc and CIDv1 base32 text
 *   multistream.c  multistream-select 1.0 line framing
 *   noise.c        Noise_XX_25519_ChaChaPoly_SHA256 (libsodium), the libp2p
 *                  handshake payload and transport encryption
 *   yamux.c        Yamux framing, the session: streams, 256 KiB windows,
 *                  half-close, reset, ping, go-away, per-stream
 *                  multistream-select, back-pressure
 *   host.c         TCP listen/dial on libuv (DNS names resolved first), the
 *                  connection upgrade (multistream -> /noise -> multistream ->
 *                  /yamux/1.0.0), connection lifetimes, timeouts, limits
 *   ping.c identify.c kad.c kad_rpc.c  the protocols (kad.c: routing table,
 *                  stores, server; kad_rpc.c: client RPCs, iterative lookups)
 *   mdns.c         mDNS discovery (_p2p._udp.local)
 * Protobufs (proto/p2p.proto) are compiled by protoc-c at build time.
 *
 * Threading: a host lives on one libuv loop; every call and every callback
 * happens on that loop's thread.
 *
 * Ownership: objects from *_new are freed with *_free. Connections and streams
 * belong to the host; a stream pointer is valid until its on_close callback
 * returns, a connection pointer until the host's on_disconnect callback (or
 * the dial callback's failure) returns.
 *
 * Limits (p2p_host_config_t): connections, streams per connection, frame and
 * message sizes, handshake and idle timeouts. A peer that breaks a protocol
 * (malformed frame, oversize frame, window overrun, bad signature, stalled
 * handshake) is disconnected and logged; other connections carry on.
 */
#ifndef AETHER_P2P_H
#define AETHER_P2P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/base.h"

/* Error codes P2P_E* are defined in base/base.h (AETHER_ERRORS), the one
 * error space of the project; this module's range starts at -300. */

const char *p2p_strerror(int code);

/* ---- multiaddr (multiaddr.c) --------------------------------------------- */

#define P2P_MADDR_MAX 512  /* bytes of a binary multiaddr we accept */

#define P2P_PROTO_IP4 0x04
#define P2P_PROTO_TCP 0x06
#define P2P_PROTO_UDP 0x0111
#define P2P_PROTO_IP6 0x29
#define P2P_PROTO_DNS 0x35
#define P2P_PROTO_DNS4 0x36
#define P2P_PROTO_DNS6 0x37
#define P2P_PROTO_DNSADDR 0x38
#define P2P_PROTO_P2P 0x01a5

/* Text -> binary (appended to out). */
int p2p_maddr_parse(const char *text, buf_t *out, err_t *e) BASE_MUST_CHECK;
/* Binary -> text (appended to out, NUL-terminated). Also validates. */
int p2p_maddr_format(const uint8_t *m, size_t n, buf_t *out, err_t *e) BASE_MUST_CHECK;
/* Validates a binary multiaddr. */
int p2p_maddr_validate(const uint8_t *m, size_t n, err_t *e) BASE_MUST_CHECK;
/* Finds the first component with the given code; val and val_len point into m. */
bool p2p_maddr_find(const uint8_t *m, size_t n, uint32_t code, const uint8_t **val,
                    size_t *val_len);
/* /ip4|ip6/.../tcp/PORT[/p2p/ID] -> socket address (any other tail is refused). */
int p2p_maddr_to_sockaddr(const uint8_t *m, size_t n, struct sockaddr_storage *sa,
                          err_t *e) BASE_MUST_CHECK;
/* Socket address -> /ip4|ip6/.../tcp/PORT (appended to out). */
int p2p_maddr_from_sockaddr(const struct sockaddr *sa, buf_t *out) BASE_MUST_CHECK;

/* ---- keys and peer ids (peerid.c) ------------------------------------------ */

#define P2P_PEER_ID_MAX 64
#define P2P_PEER_ID_STR_MAX 128

typedef struct p2p_peer_id {
    uint8_t b[P2P_PEER_ID_MAX]; /* the multihash */
    size_t len;
} p2p_peer_id_t;

typedef struct p2p_key {
    uint8_t seed[32];
    uint8_t pk[32];
    uint8_t sk[64];
} p2p_key_t;

void p2p_key_from_seed(p2p_key_t *k, const uint8_t seed[32]);
void p2p_key_generate(p2p_key_t *k);
void p2p_key_wipe(p2p_key_t *k);

/* PublicKey protobuf of an Ed25519 key: 08 01 12 20 || pk (36 bytes). */
#define P2P_ED25519_PUBKEY_PB_LEN 36
void p2p_pubkey_encode(const uint8_t pk[32], uint8_t out[P2P_ED25519_PUBKEY_PB_LEN]);
/* Decodes a PublicKey protobuf; only Ed25519 keys are supported. */
int p2p_pubkey_decode(const uint8_t *pb, size_t n, uint8_t pk[32], err_t *e) BASE_MUST_CHECK;

/* PrivateKey protobuf of an Ed25519 key: 08 01 12 40 || seed || pk (68
 * bytes, the form js-libp2p and go-libp2p store). Decoding checks that pk
 * belongs to seed. */
#define P2P_ED25519_PRIVKEY_PB_LEN 68
void p2p_privkey_encode(const p2p_key_t *k, uint8_t out[P2P_ED25519_PRIVKEY_PB_LEN]);
int p2p_privkey_decode(const uint8_t *pb, size_t n, p2p_key_t *k, err_t *e) BASE_MUST_CHECK;

void p2p_peer_id_from_pubkey(const uint8_t pk[32], p2p_peer_id_t *id);
/* Binary multihash -> peer id (identity or sha2-256 multihash). */
int p2p_peer_id_from_bytes(const uint8_t *b, size_t n, p2p_peer_id_t *id, err_t *e)
    BASE_MUST_CHECK;
/* base58btc multihash ("12D3KooW...", "Qm...") or CIDv1 libp2p-key multibase ("b..."). */
int p2p_peer_id_parse(const char *text, p2p_peer_id_t *id, err_t *e) BASE_MUST_CHECK;
/* base58btc; out holds P2P_PEER_ID_STR_MAX. */
void p2p_peer_id_format(const p2p_peer_id_t *id, char out[P2P_PEER_ID_STR_MAX]);
/* CIDv1 base32 ("bafz..."). */
void p2p_peer_id_format_cid(const p2p_peer_id_t *id, char out[P2P_PEER_ID_STR_MAX]);
/* The Ed25519 key inside an identity-multihash peer id. */
int p2p_peer_id_pubkey(const p2p_peer_id_t *id, uint8_t pk[32], err_t *e) BASE_MUST_CHECK;
bool p2p_peer_id_equal(const p2p_peer_id_t *a, const p2p_peer_id_t *b);

/* ---- host, connections, streams (host.c) --------------------------------- */

typedef struct p2p_host p2p_host_t;
typedef struct p2p_conn p2p_conn_t;
typedef struct p2p_stream p2p_stream_t;

typedef struct p2p_host_config {
    const uint8_t *seed;            /* 32-byte Ed25519 seed; NULL = ephemeral key */
    const char *agent;              /* identify agentVersion */
    size_t max_conns;               /* default 256 */
    size_t max_pending;             /* inbound handshakes in progress, default 64 */
    size_t max_pending_per_ip;      /* of them from one IP address, default 16 */
    size_t max_streams;             /* per connection, default 256 */
    size_t max_msg;                 /* length-prefixed message cap, default 1 MiB */
    uint64_t handshake_timeout_ms;  /* default 10 s */
    uint64_t idle_timeout_ms;       /* close connections without streams; 0 = never (default) */
    bool kad_server;                /* serve /ipfs/kad/1.0.0 (default false) */
} p2p_host_config_t;

typedef struct p2p_conn_info {
    p2p_peer_id_t peer;
    bool outbound;
    char remote_addr[128];  /* text multiaddr of the socket peer */
} p2p_conn_info_t;

typedef struct p2p_host_cbs {
    void (*on_connect)(p2p_host_t *h, p2p_conn_t *c, void *ud);
    void (*on_disconnect)(p2p_host_t *h, p2p_conn_t *c, int status, void *ud);
    void *ud;
} p2p_host_cbs_t;

/* Also sets SIGPIPE to ignored when it still has its default action. */
p2p_host_t *p2p_host_new(uv_loop_t *loop, const p2p_host_config_t *cfg, err_t *e);
/* Closes every connection and listener; callbacks stop. The loop must run
 * once more (uv_run) to release the handles; the memory goes with them. */
void p2p_host_free(p2p_host_t *h);
void p2p_host_set_cbs(p2p_host_t *h, const p2p_host_cbs_t *cbs);
const p2p_peer_id_t *p2p_host_peer_id(const p2p_host_t *h);
const p2p_key_t *p2p_host_key(const p2p_host_t *h);
uv_loop_t *p2p_host_loop(const p2p_host_t *h);

/* Listens on /ip4|ip6/ADDR/tcp/PORT (port 0 = any). */
int p2p_host_listen(p2p_host_t *h, const char *maddr, err_t *e) BASE_MUST_CHECK;
/* The listen addresses (binary multiaddrs without /p2p), as bound. */
size_t p2p_host_listen_addrs(const p2p_host_t *h, buf_t *addrs, size_t max);
/* Full text listen addresses including /p2p/<id>, one per line, in out. */
int p2p_host_listen_addrs_text(const p2p_host_t *h, buf_t *out) BASE_MUST_CHECK;

typedef void (*p2p_dial_cb)(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg,
                            void *ud);
/* Dials a binary multiaddr (ip4, ip6, or dns/dns4/dns6 resolved first; then
 * tcp, optional p2p); with a p2p
 * component the remote must prove that identity. An open connection to that
 * peer is reused, and then cb runs before p2p_host_dial returns; otherwise cb
 * runs once from the loop (connection up, or the reason it failed). */
int p2p_host_dial(p2p_host_t *h, const uint8_t *maddr, size_t n, p2p_dial_cb cb, void *ud,
                  err_t *e) BASE_MUST_CHECK;
p2p_conn_t *p2p_host_find_conn(p2p_host_t *h, const p2p_peer_id_t *peer);
size_t p2p_host_conn_count(const p2p_host_t *h);
void p2p_conn_info(const p2p_conn_t *c, p2p_conn_info_t *info);
const p2p_peer_id_t *p2p_conn_peer(const p2p_conn_t *c);
p2p_host_t *p2p_conn_host(const p2p_conn_t *c);
/* Closes the connection (yamux GoAway, then TCP close). */
void p2p_conn_close(p2p_conn_t *c);

/* Stream callbacks. on_data gets everything buffered and returns how much it
 * consumed (the rest is kept, up to max_msg + a frame). on_close is last. */
typedef struct p2p_stream_cbs {
    size_t (*on_data)(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud);
    void (*on_eof)(p2p_stream_t *s, void *ud);       /* remote half-closed */
    void (*on_close)(p2p_stream_t *s, int status, void *ud);
    void *ud;
} p2p_stream_cbs_t;

/* Inbound handler for a protocol: set callbacks with p2p_stream_set_cbs. */
typedef void (*p2p_handler_fn)(p2p_stream_t *s, void *ud);
int p2p_host_handle(p2p_host_t *h, const char *proto, p2p_handler_fn fn, void *ud);
/* Protocols served, for identify. */
size_t p2p_host_protocols(const p2p_host_t *h, const char **out, size_t max);

typedef void (*p2p_open_cb)(p2p_stream_t *s, int status, void *ud);
/* Opens a stream and negotiates proto; cb gets the stream (status 0) or an
 * error with s == NULL. */
int p2p_conn_open_stream(p2p_conn_t *c, const char *proto, p2p_open_cb cb, void *ud,
                         err_t *e) BASE_MUST_CHECK;

void p2p_stream_set_cbs(p2p_stream_t *s, const p2p_stream_cbs_t *cbs);
/* Queues data (sent as the peer's window and the socket allow). At most
 * P2P_STREAM_MAX_PENDING bytes may wait: beyond that P2P_ELIMIT, so a peer
 * that asks for answers but does not read cannot grow our memory. */
#define P2P_STREAM_MAX_PENDING (8u << 20)
int p2p_stream_write(p2p_stream_t *s, const void *p, size_t n);
/* Writes uvarint(len) || p. */
int p2p_stream_write_lp(p2p_stream_t *s, const void *p, size_t n);
void p2p_stream_close_write(p2p_stream_t *s);  /* FIN */
/* Bytes accepted by p2p_stream_write but not yet sent (waiting for the
 * peer's window): a writer producing a lot should keep this small. */
size_t p2p_stream_pending(const p2p_stream_t *s);
void p2p_stream_reset(p2p_stream_t *s);        /* RST; on_close follows */
p2p_conn_t *p2p_stream_conn(const p2p_stream_t *s);
const char *p2p_stream_protocol(const p2p_stream_t *s);
size_t p2p_host_max_msg(const p2p_host_t *h);

/* Helper for length-prefixed protocols inside on_data: returns 1 with *msg,
 * *msg_len and *used set when a whole message is buffered, 0 when more is
 * needed, negative when the prefix is invalid or exceeds max. */
int p2p_lp_next(const uint8_t *p, size_t n, size_t max, const uint8_t **msg, size_t *msg_len,
                size_t *used);

/* ---- ping (ping.c) --------------------------------------------------------- */

#define P2P_PING_PROTO "/ipfs/ping/1.0.0"
typedef void (*p2p_ping_cb)(p2p_host_t *h, int status, uint64_t rtt_ns, void *ud);
int p2p_ping_enable(p2p_host_t *h);
/* Sends count pings, one after another, on one stream: cb once per answered
 * ping (status 0, round trip), or once with a negative status on failure. */
int p2p_ping(p2p_conn_t *c, unsigned count, p2p_ping_cb cb, void *ud, err_t *e) BASE_MUST_CHECK;

/* ---- identify (identify.c) ------------------------------------------------ */

#define P2P_ID_PROTO "/ipfs/id/1.0.0"
#define P2P_ID_PUSH_PROTO "/ipfs/id/push/1.0.0"

typedef struct p2p_identify_info {
    p2p_peer_id_t peer;
    char *agent;            /* malloc'd or NULL */
    char *protocol_version;
    char **protocols;       /* n_protocols malloc'd strings */
    size_t n_protocols;
    buf_t *listen_addrs;    /* n_listen_addrs binary multiaddrs */
    size_t n_listen_addrs;
    buf_t observed_addr;    /* binary, empty when absent */
} p2p_identify_info_t;

void p2p_identify_info_free(p2p_identify_info_t *info);
int p2p_identify_enable(p2p_host_t *h);
typedef void (*p2p_identify_cb)(p2p_host_t *h, int status, const p2p_identify_info_t *info,
                                void *ud);
int p2p_identify(p2p_conn_t *c, p2p_identify_cb cb, void *ud, err_t *e) BASE_MUST_CHECK;
/* Pushes our current identify to every connected peer (/ipfs/id/push/1.0.0). */
void p2p_identify_push_all(p2p_host_t *h);
/* What identify learnt of a peer (NULL when nothing yet). */
const p2p_identify_info_t *p2p_host_peer_info(p2p_host_t *h, const p2p_peer_id_t *peer);
bool p2p_host_peer_supports(p2p_host_t *h, const p2p_peer_id_t *peer, const char *proto);

/* ---- Kademlia (kad*.c) ------------------------------------------------------ */

#define P2P_KAD_PROTO "/ipfs/kad/1.0.0"
#define P2P_KAD_K 20
#define P2P_KAD_ALPHA 3

typedef struct p2p_kad p2p_kad_t;

typedef struct p2p_peer_addrs {
    p2p_peer_id_t id;
    buf_t addrs[8];  /* binary multiaddrs */
    size_t n_addrs;
} p2p_peer_addrs_t;

typedef struct p2p_kad_result {
    int status;
    p2p_peer_addrs_t *peers;  /* find-peer: the peer; get-providers: providers;
                                 provide/put: peers that took the record */
    size_t n_peers;
    uint8_t *value;           /* get */
    size_t value_len;
    const char *msg;
} p2p_kad_result_t;

typedef void (*p2p_kad_cb)(p2p_kad_t *kad, const p2p_kad_result_t *res, void *ud);

/* A validator for record keys /<ns>/...: 0 when value is acceptable. */
typedef int (*p2p_kad_validator_fn)(const uint8_t *key, size_t key_len, const uint8_t *val,
                                    size_t val_len, err_t *e);

/* Attaches Kademlia to a host (also serves the protocol when cfg.kad_server).
 * Built-in validators: /pk/ (the key must hash to the peer id). */
p2p_kad_t *p2p_kad_new(p2p_host_t *h, err_t *e);
void p2p_kad_free(p2p_kad_t *kad);
p2p_kad_t *p2p_host_kad(p2p_host_t *h);
int p2p_kad_add_validator(p2p_kad_t *kad, const char *ns, p2p_kad_validator_fn fn);
/* Accepts any value (up to the 64 KiB record cap): for namespaces whose
 * records are checked by their readers, e.g. "/aether/" in plasmd. */
int p2p_kad_validator_any(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
                          err_t *e);
/* Adds a peer and its address to the routing table (server peers only). */
void p2p_kad_add_peer(p2p_kad_t *kad, const p2p_peer_id_t *id, const uint8_t *maddr, size_t n);
size_t p2p_kad_table_size(const p2p_kad_t *kad);
/* Provider records expire after this many ms (default 48 h). */
void p2p_kad_set_provider_ttl(p2p_kad_t *kad, uint64_t ms);
/* Bounds of the value store, so no peer can fill it (zero fields keep the
 * default). Records expire record_ttl_ms after they were (last) stored, as in
 * go/js-libp2p kad, so their originators re-put them before that. */
typedef struct p2p_kad_limits {
    uint64_t record_ttl_ms;   /* default 36 h */
    size_t max_records;       /* default 4096 */
    size_t max_bytes;         /* keys + values, default 32 MiB */
    size_t per_peer_records;  /* records one remote peer may hold here, default 64 */
    size_t per_peer_bytes;    /* and their bytes, default 1 MiB */
} p2p_kad_limits_t;
void p2p_kad_set_limits(p2p_kad_t *kad, const p2p_kad_limits_t *lim);
/* Current store use (for status and tests). */
void p2p_kad_store_usage(p2p_kad_t *kad, size_t *records, size_t *bytes);

int p2p_kad_bootstrap(p2p_kad_t *kad, p2p_kad_cb cb, void *ud);
int p2p_kad_find_peer(p2p_kad_t *kad, const p2p_peer_id_t *id, p2p_kad_cb cb, void *ud);
/* key: the content multihash bytes (js-libp2p sends CID.multihash.bytes). */
int p2p_kad_provide(p2p_kad_t *kad, const uint8_t *key, size_t n, p2p_kad_cb cb, void *ud);
int p2p_kad_get_providers(p2p_kad_t *kad, const uint8_t *key, size_t n, p2p_kad_cb cb, void *ud);
/* The check p2p_kad_put applies before storing (value size, the key's
 * namespace validator), with the reason in e: 0 when the record would be
 * accepted. */
int p2p_kad_check_record(p2p_kad_t *kad, const uint8_t *key, size_t kn, const uint8_t *val,
                         size_t vn, err_t *e) BASE_MUST_CHECK;
int p2p_kad_put(p2p_kad_t *kad, const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
                p2p_kad_cb cb, void *ud);
int p2p_kad_get(p2p_kad_t *kad, const uint8_t *key, size_t kn, p2p_kad_cb cb, void *ud);

void p2p_peer_addrs_clear(p2p_peer_addrs_t *p);

/* ---- mDNS discovery (mdns.c) ------------------------------------------------ */

typedef struct p2p_mdns p2p_mdns_t;
/* A peer seen on the link: its id and one full multiaddr (with /p2p/). */
typedef void (*p2p_mdns_peer_cb)(p2p_mdns_t *m, const p2p_peer_id_t *id, const uint8_t *maddr,
                                 size_t n, void *ud);
/* Joins 224.0.0.251:5353, asks for _p2p._udp.local every interval_ms
 * (default 10 s) and answers others' questions with our listen addresses. */
p2p_mdns_t *p2p_mdns_new(p2p_host_t *h, uint64_t interval_ms, p2p_mdns_peer_cb cb, void *ud,
                         err_t *e);
void p2p_mdns_free(p2p_mdns_t *m);

/* Content keys for provide/get-providers from user text: a CIDv1 ("b...")
 * or base58 multihash ("Qm...") gives its multihash; any other text gives the
 * sha2-256 multihash of the text. */
int p2p_content_key(const char *text, buf_t *out, err_t *e) BASE_MUST_CHECK;

#endif /* AETHER_P2P_H */
