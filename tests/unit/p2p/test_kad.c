/* Kademlia internals: XOR distance ordering, the k-bucket routing table
 * (closest-first answers, k per bucket, self excluded), record validators
 * (/pk/ built in, unknown namespaces refused), provider expiry, the value
 * store's quotas, bounds and expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "crypto/crypto.h"
#include "p2p/kad_internal.h"

static uv_loop_t loop;

static void random_peer(p2p_peer_id_t *id)
{
    p2p_key_t k;
    p2p_key_generate(&k);
    p2p_peer_id_from_pubkey(k.pk, id);
}

static void test_distance(void **st)
{
    uint8_t t[32] = {0}, a[32] = {0}, b[32] = {0};
    a[0] = 0x01;
    b[0] = 0x80;
    assert_int_equal(kad_cmp_dist(t, a, b), -1);
    assert_int_equal(kad_cmp_dist(t, b, a), 1);
    assert_int_equal(kad_cmp_dist(t, a, a), 0);
    t[0] = 0x80; /* now b is at distance 0 */
    assert_int_equal(kad_cmp_dist(t, b, a), -1);
}

static void test_table(void **st)
{
    err_t e;
    p2p_host_config_t cfg = {.kad_server = true};
    p2p_host_t *h = p2p_host_new(&loop, &cfg, &e);
    assert_non_null(h);
    p2p_kad_t *kad = p2p_kad_new(h, &e);
    assert_non_null(kad);
    const uint8_t addr[] = {0x04, 127, 0, 0, 1, 0x06, 0x0f, 0xa1};
    p2p_peer_id_t ids[300];
    for (int i = 0; i < 300; i++) {
        random_peer(&ids[i]);
        p2p_kad_add_peer(kad, &ids[i], addr, sizeof addr);
    }
    p2p_kad_add_peer(kad, p2p_host_peer_id(h), addr, sizeof addr); /* never ourselves */
    size_t n = p2p_kad_table_size(kad);
    /* bucket 0 (half of all ids) holds at most k; every peer has a bucket */
    assert_true(n < 300);
    assert_true(n >= P2P_KAD_K);
    for (int b = 0; b < 256; b++)
        assert_true(kad->buckets[b].n <= P2P_KAD_K);
    /* closest answers come sorted by distance and never include exclude */
    uint8_t target[32];
    crypto_random(target, 32);
    const p2p_peer_addrs_t *best[P2P_KAD_K];
    size_t k = kad_closest(kad, target, &ids[0], best, P2P_KAD_K);
    assert_int_equal(k, P2P_KAD_K);
    uint8_t prev[32], cur[32];
    for (size_t i = 0; i < k; i++) {
        assert_false(p2p_peer_id_equal(&best[i]->id, &ids[0]));
        kad_hash(best[i]->id.b, best[i]->id.len, cur);
        if (i)
            assert_true(kad_cmp_dist(target, prev, cur) <= 0);
        memcpy(prev, cur, 32);
        assert_int_equal(best[i]->n_addrs, 1);
    }
    /* nobody in the table is closer than the last answer */
    for (int b = 0; b < 256; b++)
        for (size_t i = 0; i < kad->buckets[b].n; i++) {
            const kad_entry_t *en = &kad->buckets[b].e[i];
            if (p2p_peer_id_equal(&en->p.id, &ids[0]))
                continue;
            bool listed = false;
            for (size_t j = 0; j < k; j++)
                listed |= best[j] == &en->p;
            if (!listed)
                assert_true(kad_cmp_dist(target, prev, en->key) <= 0);
        }
    kad_table_remove(kad, &best[0]->id);
    assert_int_equal(p2p_kad_table_size(kad), n - 1);
    p2p_kad_free(kad);
    p2p_host_free(h);
    uv_run(&loop, UV_RUN_DEFAULT);
}

static void test_validators(void **st)
{
    err_t e;
    p2p_host_t *h = p2p_host_new(&loop, NULL, &e);
    p2p_kad_t *kad = p2p_kad_new(h, &e);
    p2p_key_t k;
    p2p_key_generate(&k);
    p2p_peer_id_t id;
    p2p_peer_id_from_pubkey(k.pk, &id);
    uint8_t key[4 + P2P_PEER_ID_MAX], val[P2P_ED25519_PUBKEY_PB_LEN];
    memcpy(key, "/pk/", 4);
    memcpy(key + 4, id.b, id.len);
    p2p_pubkey_encode(k.pk, val);
    assert_int_equal(kad_validate(kad, key, 4 + id.len, val, sizeof val, &e), 0);
    p2p_key_t other;
    p2p_key_generate(&other);
    p2p_pubkey_encode(other.pk, val);
    assert_int_not_equal(kad_validate(kad, key, 4 + id.len, val, sizeof val, &e), 0);
    assert_int_not_equal(kad_validate(kad, (const uint8_t *)"/x/y", 4, val, 3, &e), 0);
    assert_non_null(strstr(e.msg, "no validator"));
    assert_int_equal(p2p_kad_add_validator(kad, "/aether/", p2p_kad_validator_any), 0);
    assert_int_equal(kad_validate(kad, (const uint8_t *)"/aether/k", 9, val, 3, &e), 0);
    /* p2p_kad_put refuses what no validator accepts, before any network use */
    assert_int_not_equal(p2p_kad_put(kad, (const uint8_t *)"/x/y", 4, val, 3, NULL, NULL), 0);
    /* ... and p2p_kad_check_record tells callers why */
    memset(&e, 0, sizeof e);
    assert_int_not_equal(p2p_kad_check_record(kad, (const uint8_t *)"/x/y", 4, val, 3, &e), 0);
    assert_non_null(strstr(e.msg, "no validator"));
    assert_int_equal(p2p_kad_check_record(kad, (const uint8_t *)"/aether/k", 9, val, 3, &e), 0);
    p2p_kad_free(kad);
    p2p_host_free(h);
    uv_run(&loop, UV_RUN_DEFAULT);
}

static void test_provider_expiry(void **st)
{
    err_t e;
    p2p_host_t *h = p2p_host_new(&loop, NULL, &e);
    p2p_kad_t *kad = p2p_kad_new(h, &e);
    p2p_kad_set_provider_ttl(kad, 30);
    p2p_peer_addrs_t p = {0};
    random_peer(&p.id);
    const uint8_t key[] = {0x12, 0x20, 1, 2, 3};
    uv_update_time(&loop);
    assert_int_equal(kad_add_provider(kad, key, sizeof key, &p), 0);
    assert_int_equal(kad->n_providers, 1);
    assert_int_equal(kad_add_provider(kad, key, sizeof key, &p), 0); /* refresh, no duplicate */
    assert_int_equal(kad->n_providers, 1);
    usleep(60 * 1000);
    uv_update_time(&loop);
    kad_expire_providers(kad);
    assert_int_equal(kad->n_providers, 0);
    p2p_kad_free(kad);
    p2p_host_free(h);
    uv_run(&loop, UV_RUN_DEFAULT);
}

/* Issue 19 finding 9: one peer spamming PUT_VALUE filled the store for ever
 * (4,095 records of 60 KB, 270 MB) and locked others out. A peer now has a
 * quota, the store a total bound, and records expire. */
static void test_record_quotas(void **st)
{
    err_t e;
    p2p_host_t *h = p2p_host_new(&loop, NULL, &e);
    p2p_kad_t *kad = p2p_kad_new(h, &e);
    p2p_kad_limits_t lim = {.max_records = 100, .max_bytes = 4u << 20,
                            .per_peer_records = 10, .per_peer_bytes = 300 * 1024};
    p2p_kad_set_limits(kad, &lim);
    p2p_peer_id_t spammer, honest;
    random_peer(&spammer);
    random_peer(&honest);
    static uint8_t big[60 * 1024];
    char key[32];
    uv_update_time(&loop);
    int stored = 0;
    for (int i = 0; i < 4200; i++) {
        int n = snprintf(key, sizeof key, "/aether/spam%d", i);
        if (kad_store_value(kad, &spammer, (uint8_t *)key, (size_t)n, big, sizeof big, &e) == 0)
            stored++;
        else
            assert_non_null(strstr(e.msg, "peer quota"));
    }
    assert_int_equal(stored, 4); /* 300 KiB / ~60 KiB */
    size_t nrec, nbytes;
    p2p_kad_store_usage(kad, &nrec, &nbytes);
    assert_int_equal(nrec, 4);
    assert_true(nbytes <= 300 * 1024);
    /* re-putting its own key does not count twice */
    assert_int_equal(kad_store_value(kad, &spammer, (uint8_t *)"/aether/spam0", 13, big, 100, &e), 0);
    /* another peer is not locked out */
    assert_int_equal(kad_store_value(kad, &honest, (uint8_t *)"/aether/ok", 10, big, 1000, &e), 0);
    assert_non_null(kad_find_value(kad, (uint8_t *)"/aether/ok", 10));
    /* the total bound holds against many peers */
    int total = 0;
    for (int i = 0; i < 300; i++) {
        p2p_peer_id_t p;
        random_peer(&p);
        int n = snprintf(key, sizeof key, "/aether/p%d", i);
        if (kad_store_value(kad, &p, (uint8_t *)key, (size_t)n, big, 1000, &e) == 0)
            total++;
        else
            assert_non_null(strstr(e.msg, "store full"));
    }
    p2p_kad_store_usage(kad, &nrec, &nbytes);
    assert_int_equal(nrec, 100);
    assert_int_equal(total, 100 - 5); /* 4 of the spammer, 1 honest */
    p2p_kad_free(kad);
    p2p_host_free(h);
    uv_run(&loop, UV_RUN_DEFAULT);
}

static void test_record_expiry(void **st)
{
    err_t e;
    p2p_host_t *h = p2p_host_new(&loop, NULL, &e);
    p2p_kad_t *kad = p2p_kad_new(h, &e);
    p2p_kad_limits_t lim = {.record_ttl_ms = 30};
    p2p_kad_set_limits(kad, &lim);
    p2p_peer_id_t p;
    random_peer(&p);
    uv_update_time(&loop);
    assert_int_equal(kad_store_value(kad, &p, (uint8_t *)"/aether/a", 9, (uint8_t *)"v", 1, &e), 0);
    assert_non_null(kad_find_value(kad, (uint8_t *)"/aether/a", 9));
    usleep(60 * 1000);
    uv_update_time(&loop);
    assert_null(kad_find_value(kad, (uint8_t *)"/aether/a", 9));
    size_t nrec, nbytes;
    p2p_kad_store_usage(kad, &nrec, &nbytes);
    assert_int_equal(nrec, 0);
    assert_int_equal(nbytes, 0);
    p2p_kad_free(kad);
    p2p_host_free(h);
    uv_run(&loop, UV_RUN_DEFAULT);
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    uv_loop_init(&loop);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_validators),
        cmocka_unit_test(test_provider_expiry),
        cmocka_unit_test(test_record_quotas),
        cmocka_unit_test(test_record_expiry),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    uv_loop_close(&loop);
    return rc;
}
