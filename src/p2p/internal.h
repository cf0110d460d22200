/* Private declarations shared by the files of the p2p module. */
#ifndef AETHER_P2P_INTERNAL_H
#define AETHER_P2P_INTERNAL_H

#include "p2p/p2p.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P2P_LOG "p2p"

/* ---- multistream-select 1.0 (multistream.c) ---- */
#define MSS_PROTO "/multistream/1.0.0"
#define MSS_MAX_LINE 1024
/* Appends one framed line (uvarint length incl. '\n', text, '\n'). */
int mss_write(buf_t *out, const char *line);
/* Reads one framed line from p[0..n): 1 = line in out (NUL-terminated, '\n'
 * stripped) and *used set; 0 = need more; < 0 = malformed (e set). */
int mss_read(const uint8_t *p, size_t n, char out[MSS_MAX_LINE], size_t *used, err_t *e);

/* ---- Noise (noise.c) ---- */
#define NOISE_KEY 32
#define NOISE_HASH 32
#define NOISE_TAG 16
#define NOISE_MAX_MSG 65535
#define NOISE_MAX_PLAIN (NOISE_MAX_MSG - NOISE_TAG)

typedef struct noise_cipher {
    uint8_t k[NOISE_KEY];
    uint64_t n;
    bool has_key;
} noise_cipher_t;

typedef struct noise_hs {
    bool initiator;
    int step;                   /* messages processed so far (0..3) */
    uint8_t ck[NOISE_HASH], h[NOISE_HASH];
    noise_cipher_t cs;
    uint8_t s_priv[32], s_pub[32];
    uint8_t e_priv[32], e_pub[32];
    uint8_t rs[32], re[32];
    bool has_re, has_rs;
} noise_hs_t;

/* Starts XX. e_priv may be NULL (fresh random ephemeral). */
void noise_hs_init(noise_hs_t *hs, bool initiator, const uint8_t s_priv[32],
                   const uint8_t *e_priv, const uint8_t *prologue, size_t prologue_len);
/* Writes the next handshake message (payload encrypted when a key exists). */
int noise_hs_write(noise_hs_t *hs, const uint8_t *payload, size_t n, buf_t *out, err_t *e)
    BASE_MUST_CHECK;
/* Reads the next handshake message into payload (appended). */
int noise_hs_read(noise_hs_t *hs, const uint8_t *msg, size_t n, buf_t *payload, err_t *e)
    BASE_MUST_CHECK;
/* After message 3: the send and receive cipher states for this side. */
void noise_hs_split(noise_hs_t *hs, noise_cipher_t *send, noise_cipher_t *recv);
void noise_hs_wipe(noise_hs_t *hs);
/* Transport: plaintext (<= NOISE_MAX_PLAIN) -> ciphertext appended to out. */
int noise_encrypt(noise_cipher_t *c, const uint8_t *ad, size_t adn, const uint8_t *p, size_t n,
                  uint8_t *out) BASE_MUST_CHECK;
int noise_decrypt(noise_cipher_t *c, const uint8_t *ad, size_t adn, const uint8_t *p, size_t n,
                  uint8_t *out) BASE_MUST_CHECK;
/* libp2p payload: identity key + signature over "noise-libp2p-static-key:" || s_pub. */
int noise_payload_make(const p2p_key_t *id, const uint8_t s_pub[32], buf_t *out);
int noise_payload_check(const uint8_t *p, size_t n, const uint8_t rs[32], p2p_peer_id_t *peer,
                        err_t *e) BASE_MUST_CHECK;

/* ---- Yamux (yamux.c) ---- */
#define YAMUX_HDR 12
#define YAMUX_WINDOW (256 * 1024)
enum { YAMUX_DATA = 0, YAMUX_WINDOW_UPDATE = 1, YAMUX_PING = 2, YAMUX_GO_AWAY = 3 };
enum { YAMUX_SYN = 1, YAMUX_ACK = 2, YAMUX_FIN = 4, YAMUX_RST = 8 };
typedef struct yamux_hdr {
    uint8_t version, type;
    uint16_t flags;
    uint32_t stream_id, length;
} yamux_hdr_t;
void yamux_hdr_encode(const yamux_hdr_t *h, uint8_t out[YAMUX_HDR]);
/* Decodes and validates a header (version, type, flags, stream 0 rules). */
int yamux_hdr_decode(const uint8_t in[YAMUX_HDR], yamux_hdr_t *h, err_t *e) BASE_MUST_CHECK;

/* ---- mDNS codec (mdns.c) ---- */
int mdns_query_build(buf_t *out);
int mdns_response_build(const char *peer_name, const char *const *txt, size_t n_txt, buf_t *out);
/* Parses a DNS message; on_txt gets every "dnsaddr=" TXT value of a response. */
int mdns_parse(const uint8_t *p, size_t n, bool *is_query, bool *asks_us,
               void (*on_txt)(const char *s, size_t len, void *ud), void *ud, err_t *e)
    BASE_MUST_CHECK;

/* ---- host internals used by the protocol files ---- */
/* Kademlia registers itself; info_hook sees every identify result. */
void p2p_host_set_kad(p2p_host_t *h, p2p_kad_t *kad,
                      void (*info_hook)(const p2p_identify_info_t *info, void *ud));
const char *p2p_host_agent(const p2p_host_t *h);
bool p2p_host_is_kad_server(const p2p_host_t *h);
/* identify.c's list of running identify requests. */
void **p2p_host_identify_slot(p2p_host_t *h);
/* Calls fn for every established connection. */
void p2p_host_foreach_conn(p2p_host_t *h, void (*fn)(p2p_conn_t *c, void *ud), void *ud);
/* Called for every new connection before the user's on_connect (identify). */
void p2p_host_set_conn_hook(p2p_host_t *h, void (*fn)(p2p_conn_t *c, void *ud), void *ud);
void p2p_host_store_info(p2p_host_t *h, const p2p_peer_id_t *peer, p2p_identify_info_t *info);
/* For fuzzing the session: sends raw bytes inside the encrypted channel of
 * an established connection, bypassing our own Yamux framing. */
int p2p_conn_inject_plain(p2p_conn_t *c, const uint8_t *p, size_t n);
/* Observed address of a connection (binary multiaddr of the remote socket). */
int p2p_conn_remote_maddr(const p2p_conn_t *c, buf_t *out);
void p2p_peer_addrs_copy(p2p_peer_addrs_t *dst, const p2p_peer_addrs_t *src);
size_t p2p_host_max_msg(const p2p_host_t *h);

#endif
