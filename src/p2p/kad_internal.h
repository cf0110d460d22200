/* Private state of the Kademlia files (kad.c: table, stores, server;
 * kad_rpc.c: client RPCs and iterative lookups). */
#ifndef AETHER_P2P_KAD_INTERNAL_H
#define AETHER_P2P_KAD_INTERNAL_H

#include "p2p/internal.h"
#include "p2p.pb-c.h"

#define KAD_MAX_VALIDATORS 16

typedef struct kad_entry {
    p2p_peer_addrs_t p;
    uint8_t key[32];
    uint64_t seen_ms;
} kad_entry_t;

typedef struct kad_bucket {
    kad_entry_t e[P2P_KAD_K];
    size_t n;
} kad_bucket_t;

typedef struct kad_record {
    struct kad_record *next;
    buf_t key, val;
    ts_t received;
    p2p_peer_id_t from;   /* who stored it (len 0: this node) */
    uint64_t expires_ms;  /* loop time */
} kad_record_t;

typedef struct kad_provider {
    struct kad_provider *next;
    buf_t key;
    p2p_peer_addrs_t peer;
    uint64_t expires_ms;
} kad_provider_t;

typedef struct kad_query kad_query_t;

struct p2p_kad {
    p2p_host_t *h;
    uint8_t self_key[32];
    kad_bucket_t buckets[256];
    size_t table_size;
    kad_record_t *records;
    size_t n_records;
    size_t record_bytes;  /* sum of key + value sizes */
    p2p_kad_limits_t lim;
    kad_provider_t *providers;
    size_t n_providers;
    uint64_t provider_ttl_ms;
    struct {
        char ns[32];
        p2p_kad_validator_fn fn;
    } validators[KAD_MAX_VALIDATORS];
    size_t n_validators;
    kad_query_t *queries;
};

void kad_hash(const uint8_t *key, size_t n, uint8_t out[32]);
int kad_cmp_dist(const uint8_t target[32], const uint8_t a[32], const uint8_t b[32]);
size_t kad_closest(p2p_kad_t *kad, const uint8_t target[32], const p2p_peer_id_t *exclude,
                   const p2p_peer_addrs_t **out, size_t max);
const p2p_peer_addrs_t *kad_table_find(p2p_kad_t *kad, const p2p_peer_id_t *id);
void kad_table_remove(p2p_kad_t *kad, const p2p_peer_id_t *id);
void kad_peer_add_addr(p2p_peer_addrs_t *p, const uint8_t *m, size_t n);
int kad_validate(p2p_kad_t *kad, const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
                 err_t *e);
/* Stores a record for `from` (NULL: this node, exempt from the per-peer
 * quota); P2P_ELIMIT with the reason in e when a quota or bound refuses it. */
int kad_store_value(p2p_kad_t *kad, const p2p_peer_id_t *from, const uint8_t *key, size_t kn,
                    const uint8_t *val, size_t vn, err_t *e);
void kad_expire_records(p2p_kad_t *kad);
const kad_record_t *kad_find_value(p2p_kad_t *kad, const uint8_t *key, size_t kn);
int kad_add_provider(p2p_kad_t *kad, const uint8_t *key, size_t kn,
                     const p2p_peer_addrs_t *peer);
void kad_expire_providers(p2p_kad_t *kad);
/* Stops every running query (their callbacks are not called). */
void kad_cancel_all(p2p_kad_t *kad);

#endif
