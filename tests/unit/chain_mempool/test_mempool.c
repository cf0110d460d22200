/* Unit tests of chain/mempool: every rejection reason, replace-by-fee,
 * eviction when full, expiry, block selection order, account updates, and a
 * randomised run checked against a simple model of the pool's invariants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chain/mempool/mempool.h"
#include "crypto/crypto.h"

static uint8_t raw[200];

/* A transaction summary with a hash derived from (sender, nonce, fee). */
static mempool_tx_info_t tx(int sender, uint64_t nonce, uint64_t fee)
{
    mempool_tx_info_t t;
    memset(&t, 0, sizeof t);
    memset(t.sender, 0, sizeof t.sender);
    t.sender[0] = (uint8_t)sender;
    t.sender[1] = (uint8_t)(sender >> 8);
    t.sender[19] = 0xAA;
    uint8_t seed[24];
    memcpy(seed, &sender, sizeof sender);
    memcpy(seed + 4, &nonce, 8);
    memcpy(seed + 12, &fee, 8);
    memset(seed + 20, 0, 4);
    crypto_sha256(seed, sizeof seed, t.hash);
    t.nonce = nonce;
    t.fee = chain_u128_from_u64(fee);
    t.cost = chain_u128_from_u64(fee + 100);
    t.size = 100;
    return t;
}

static mempool_account_t acct(uint64_t nonce, uint64_t balance)
{
    mempool_account_t a = {nonce, chain_u128_from_u64(balance)};
    return a;
}

static mempool_config_t small_cfg(void)
{
    mempool_config_t c;
    mempool_config_default(&c);
    c.max_txs = 8;
    c.max_per_sender = 4;
    c.max_nonce_gap = 2;
    c.max_tx_bytes = 150;
    c.min_fee = chain_u128_from_u64(1000);
    c.fee_per_byte = chain_u128_from_u64(1); /* floor = 1100 for 100 bytes */
    c.ttl_ms = 1000;
    return c;
}

static int add(mempool_t *mp, mempool_tx_info_t t, mempool_account_t a, uint64_t now,
               mempool_reason_t *r)
{
    err_t e = {0};
    return mempool_add(mp, &t, raw, t.size, NULL, &a, now, r, NULL, &e);
}

static void expect_reject(mempool_t *mp, mempool_tx_info_t t, mempool_account_t a,
                          mempool_reason_t want, const char *needle)
{
    err_t e = {0};
    mempool_reason_t r = MEMPOOL_ACCEPTED;
    int rc = mempool_add(mp, &t, raw, t.size, NULL, &a, 0, &r, NULL, &e);
    assert_int_equal(rc, MEMPOOL_EREJECT);
    assert_int_equal(r, want);
    if (!strstr(e.msg, needle))
        fail_msg("message '%s' does not mention '%s'", e.msg, needle);
}

static void test_reasons(void **state)
{
    (void)state;
    mempool_config_t c = small_cfg();
    mempool_t *mp = mempool_new(&c, NULL);
    assert_non_null(mp);
    mempool_account_t a = acct(5, 1000000);

    mempool_tx_info_t t = tx(1, 5, 1100);
    assert_int_equal(add(mp, t, a, 0, NULL), 0);
    expect_reject(mp, t, a, MEMPOOL_R_DUPLICATE, "already");

    mempool_tx_info_t big = tx(1, 6, 5000);
    big.size = 151;
    expect_reject(mp, big, a, MEMPOOL_R_TOO_LARGE, "151 bytes");

    expect_reject(mp, tx(1, 6, 1099), a, MEMPOOL_R_FEE_TOO_LOW, "floor 1100");
    expect_reject(mp, tx(1, 4, 2000), a, MEMPOOL_R_NONCE_TOO_LOW, "nonce 4");
    /* next nonce is 6; gap 2 allows 6, 7, 8 but not 9 */
    expect_reject(mp, tx(1, 9, 2000), a, MEMPOOL_R_NONCE_GAP, "next nonce is 6");
    assert_int_equal(add(mp, tx(1, 8, 2000), a, 0, NULL), 0);
    assert_int_equal(add(mp, tx(1, 7, 2000), a, 0, NULL), 0);
    assert_int_equal(add(mp, tx(1, 6, 2000), a, 0, NULL), 0);
    expect_reject(mp, tx(1, 9, 2000), a, MEMPOOL_R_SENDER_LIMIT, "limit 4");

    /* funds: balance 5000 covers one tx of cost 2100 plus one more, not three */
    mempool_account_t poor = acct(0, 5000);
    assert_int_equal(add(mp, tx(2, 0, 2000), poor, 0, NULL), 0);
    assert_int_equal(add(mp, tx(2, 1, 2000), poor, 0, NULL), 0);
    expect_reject(mp, tx(2, 2, 2000), poor, MEMPOOL_R_INSUFFICIENT_FUNDS, "insufficient funds");
    mempool_tx_info_t huge = tx(3, 0, 1200);
    huge.cost = (chain_u128_t){0, UINT64_C(1) << 36}; /* 2^100 */
    expect_reject(mp, huge, poor, MEMPOOL_R_INSUFFICIENT_FUNDS, "balance 5000");

    mempool_stats_t st;
    mempool_get_stats(mp, &st);
    assert_int_equal(st.count, 6);
    assert_int_equal(st.rejected[MEMPOOL_R_DUPLICATE], 1);
    assert_int_equal(st.rejected[MEMPOOL_R_INSUFFICIENT_FUNDS], 2);
    assert_string_equal(mempool_reason_name(MEMPOOL_R_FEE_TOO_LOW), "fee_too_low");
    mempool_free(mp);
}

static void test_replace_by_fee(void **state)
{
    (void)state;
    mempool_config_t c = small_cfg();
    mempool_t *mp = mempool_new(&c, NULL);
    mempool_account_t a = acct(0, 1000000);
    mempool_tx_info_t t1 = tx(1, 0, 2000);
    assert_int_equal(add(mp, t1, a, 0, NULL), 0);
    assert_int_equal(add(mp, tx(1, 1, 2000), a, 0, NULL), 0);
    /* +10% of 2000 = 2200 needed */
    expect_reject(mp, tx(1, 0, 2199), a, MEMPOOL_R_UNDERPRICED, "at least 2200");
    err_t e = {0};
    bool replaced = false;
    mempool_tx_info_t t2 = tx(1, 0, 2200);
    assert_int_equal(mempool_add(mp, &t2, raw, 100, NULL, &a, 0, NULL, &replaced, &e), 0);
    assert_true(replaced);
    assert_null(mempool_get(mp, t1.hash));
    assert_non_null(mempool_get(mp, t2.hash));
    assert_int_equal(mempool_count(mp), 2);
    const mempool_tx_t *out[8];
    assert_int_equal(mempool_select(mp, out, 8, 0), 2);
    assert_memory_equal(out[0]->info.hash, t2.hash, 32);
    assert_true(out[1]->info.nonce == 1);
    /* Replacing the only entry of a sender keeps the pool consistent. */
    mempool_tx_info_t s2 = tx(2, 0, 3000);
    assert_int_equal(add(mp, s2, a, 0, NULL), 0);
    assert_int_equal(add(mp, tx(2, 0, 4000), a, 0, NULL), 0);
    assert_int_equal(mempool_count(mp), 3);
    /* replacement arithmetic near 2^128 saturates instead of wrapping */
    mempool_account_t rich = acct(0, 0);
    rich.balance = (chain_u128_t){UINT64_MAX, UINT64_MAX};
    mempool_tx_info_t big = tx(3, 0, 0);
    big.fee = (chain_u128_t){UINT64_MAX - 5, UINT64_MAX};
    big.cost = big.fee;
    assert_int_equal(add(mp, big, rich, 0, NULL), 0);
    mempool_tx_info_t big2 = tx(3, 0, 1);
    big2.fee = (chain_u128_t){UINT64_MAX - 1, UINT64_MAX};
    big2.cost = chain_u128_from_u64(1);
    expect_reject(mp, big2, rich, MEMPOOL_R_UNDERPRICED, "replacement");
    big2 = tx(3, 0, 2);
    big2.fee = (chain_u128_t){UINT64_MAX, UINT64_MAX};
    big2.cost = chain_u128_from_u64(1);
    assert_int_equal(add(mp, big2, rich, 0, NULL), 0);
    mempool_stats_t st;
    mempool_get_stats(mp, &st);
    assert_int_equal(st.replaced, 3);
    assert_int_equal(st.senders, 3);
    mempool_free(mp);
}

static void test_select_order(void **state)
{
    (void)state;
    mempool_config_t c;
    mempool_config_default(&c);
    mempool_t *mp = mempool_new(&c, NULL);
    mempool_account_t a = acct(0, 1000000000);
    /* sender 1: nonce 0 cheap, nonce 1 expensive: must still come in nonce order */
    assert_int_equal(add(mp, tx(1, 1, 9000), a, 0, NULL), 0);
    assert_int_equal(add(mp, tx(1, 0, 1200), a, 0, NULL), 0);
    assert_int_equal(add(mp, tx(2, 0, 5000), a, 0, NULL), 0);
    assert_int_equal(add(mp, tx(3, 0, 3000), a, 0, NULL), 0);
    /* sender 4 has a gap: nonce 1 without 0 is not ready */
    assert_int_equal(add(mp, tx(4, 1, 99000), a, 0, NULL), 0);
    const mempool_tx_t *out[16];
    size_t n = mempool_select(mp, out, 16, 0);
    assert_int_equal(n, 4);
    assert_int_equal(out[0]->info.sender[0], 2);
    assert_int_equal(out[1]->info.sender[0], 3);
    assert_int_equal(out[2]->info.sender[0], 1);
    assert_true(out[2]->info.nonce == 0);
    assert_int_equal(out[3]->info.sender[0], 1);
    assert_true(out[3]->info.nonce == 1);
    /* limits */
    assert_int_equal(mempool_select(mp, out, 2, 0), 2);
    assert_int_equal(mempool_select(mp, out, 16, 250), 2);
    mempool_stats_t st;
    mempool_get_stats(mp, &st);
    assert_int_equal(st.ready, 4);
    uint64_t next = 0;
    assert_true(mempool_next_nonce(mp, tx(1, 0, 0).sender, &next));
    assert_true(next == 2);
    assert_true(mempool_next_nonce(mp, tx(4, 0, 0).sender, &next));
    assert_true(next == 0);
    assert_false(mempool_next_nonce(mp, tx(9, 0, 0).sender, &next));

    /* Filling sender 4's gap makes both ready. */
    assert_int_equal(add(mp, tx(4, 0, 1100), a, 0, NULL), 0);
    n = mempool_select(mp, out, 16, 0);
    assert_int_equal(n, 6);
    mempool_free(mp);
}

static void test_commit_updates(void **state)
{
    (void)state;
    mempool_config_t c;
    mempool_config_default(&c);
    mempool_t *mp = mempool_new(&c, NULL);
    mempool_account_t a = acct(0, 100000);
    mempool_tx_info_t t0 = tx(1, 0, 2000), t1 = tx(1, 1, 2000), t2 = tx(1, 2, 2000);
    assert_int_equal(add(mp, t0, a, 0, NULL), 0);
    assert_int_equal(add(mp, t1, a, 0, NULL), 0);
    assert_int_equal(add(mp, t2, a, 0, NULL), 0);
    /* A block committed nonces 0 and 1. */
    assert_true(mempool_remove(mp, t0.hash));
    assert_false(mempool_remove(mp, t0.hash));
    mempool_account_t after = acct(2, 100000 - 2 * 2100);
    assert_int_equal(mempool_update_account(mp, t1.sender, &after), 1); /* t1 stale */
    assert_null(mempool_get(mp, t1.hash));
    assert_non_null(mempool_get(mp, t2.hash));
    const mempool_tx_t *out[4];
    assert_int_equal(mempool_select(mp, out, 4, 0), 1);
    /* The balance dropped below the remaining cost: the tail goes. */
    mempool_account_t broke = acct(2, 10);
    assert_int_equal(mempool_update_account(mp, t1.sender, &broke), 1);
    assert_int_equal(mempool_count(mp), 0);
    assert_int_equal(mempool_update_account(mp, t1.sender, &broke), 0);
    /* An add with a newer committed account drops stale entries first. */
    assert_int_equal(add(mp, tx(5, 0, 2000), a, 0, NULL), 0);
    assert_int_equal(add(mp, tx(5, 1, 2000), a, 0, NULL), 0);
    assert_int_equal(add(mp, tx(5, 2, 2000), acct(2, 100000), 0, NULL), 0);
    assert_int_equal(mempool_count(mp), 1);
    mempool_free(mp);
}

static void test_full_eviction(void **state)
{
    (void)state;
    mempool_config_t c = small_cfg();
    c.max_txs = 4;
    mempool_t *mp = mempool_new(&c, NULL);
    mempool_account_t a = acct(0, 1000000);
    mempool_tx_info_t cheap_tail = tx(1, 1, 1500);
    assert_int_equal(add(mp, tx(1, 0, 5000), a, 0, NULL), 0);
    assert_int_equal(add(mp, cheap_tail, a, 0, NULL), 0);
    assert_int_equal(add(mp, tx(2, 0, 3000), a, 0, NULL), 0);
    assert_int_equal(add(mp, tx(3, 0, 4000), a, 0, NULL), 0);
    /* Not better than the cheapest tail (1500). */
    expect_reject(mp, tx(4, 0, 1500), a, MEMPOOL_R_FULL, "cheapest evictable fee 1500");
    /* Better: sender 1's nonce 1 goes, not its nonce 0 (no gap created). */
    assert_int_equal(add(mp, tx(4, 0, 1600), a, 0, NULL), 0);
    assert_null(mempool_get(mp, cheap_tail.hash));
    assert_int_equal(mempool_count(mp), 4);
    /* Now the cheapest tail is sender 4 (1600); sender 4 adding nonce 1 above it
     * cannot evict its own predecessor. */
    expect_reject(mp, tx(4, 1, 9000), a, MEMPOOL_R_FULL, "pool full");
    mempool_stats_t st;
    mempool_get_stats(mp, &st);
    assert_int_equal(st.evicted, 1);
    mempool_free(mp);
}

static void test_expiry(void **state)
{
    (void)state;
    mempool_config_t c = small_cfg();
    mempool_t *mp = mempool_new(&c, NULL);
    mempool_account_t a = acct(0, 1000000);
    mempool_tx_info_t t0 = tx(1, 0, 2000), t1 = tx(1, 1, 2000), u0 = tx(2, 0, 2000);
    assert_int_equal(add(mp, t0, a, 100, NULL), 0);
    assert_int_equal(add(mp, u0, a, 600, NULL), 0);
    assert_int_equal(add(mp, t1, a, 900, NULL), 0);
    assert_int_equal(mempool_expire(mp, 1099), 0);
    /* t0 expires at 1100 and takes t1 (which can never be included) with it. */
    assert_int_equal(mempool_expire(mp, 1100), 2);
    assert_null(mempool_get(mp, t1.hash));
    assert_non_null(mempool_get(mp, u0.hash));
    assert_int_equal(mempool_expire(mp, 1600), 1);
    assert_int_equal(mempool_count(mp), 0);
    mempool_free(mp);
}

static void test_bad_args(void **state)
{
    (void)state;
    mempool_config_t c;
    mempool_config_default(&c);
    c.max_txs = 0;
    err_t e = {0};
    assert_null(mempool_new(&c, &e));
    assert_non_null(strstr(e.msg, "max_txs"));
    mempool_t *mp = mempool_new(NULL, NULL);
    mempool_tx_info_t t = tx(1, 0, 5000);
    mempool_account_t a = acct(0, 100000);
    assert_int_equal(mempool_add(mp, &t, NULL, 0, NULL, &a, 0, NULL, NULL, &e), MEMPOOL_EINVAL);
    assert_int_equal(mempool_add(mp, NULL, raw, 10, NULL, &a, 0, NULL, NULL, &e), MEMPOOL_EINVAL);
    mempool_free(mp);
    mempool_free(NULL);
}

static int n_freed;
static void count_free(void *ud)
{
    (void)ud;
    n_freed++;
}

/* The user pointer is released exactly once whichever way an entry goes. */
static void test_free_ud(void **state)
{
    (void)state;
    mempool_config_t c = small_cfg();
    c.free_ud = count_free;
    c.max_txs = 3;
    mempool_t *mp = mempool_new(&c, NULL);
    mempool_account_t a = acct(0, 1000000);
    int dummy;
    err_t e = {0};
    mempool_tx_info_t t[6] = {tx(1, 0, 2000), tx(1, 0, 3000), tx(2, 0, 2000),
                              tx(3, 0, 2000), tx(4, 0, 5000), tx(4, 0, 1)};
    n_freed = 0;
    for (int i = 0; i < 5; i++)
        assert_int_equal(mempool_add(mp, &t[i], raw, 100, &dummy, &a, 0, NULL, NULL, &e), 0);
    /* t[1] replaced t[0]; t[4] evicted one of the 2000s */
    assert_int_equal(n_freed, 2);
    /* rejected: not freed by the pool */
    assert_int_equal(mempool_add(mp, &t[5], raw, 100, &dummy, &a, 0, NULL, NULL, &e),
                     MEMPOOL_EREJECT);
    assert_int_equal(n_freed, 2);
    assert_true(mempool_remove(mp, t[4].hash));
    assert_int_equal(n_freed, 3);
    mempool_free(mp);
    assert_int_equal(n_freed, 5);
}

/* Random operations; after each step the pool must satisfy: every sender's
 * pooled costs fit its balance, nonces unique per sender, count within max,
 * selection returns each sender's run in nonce order and fees never exceed
 * what the pool holds. */
static void test_random_invariants(void **state)
{
    (void)state;
    mempool_config_t c;
    mempool_config_default(&c);
    c.max_txs = 300;
    c.max_per_sender = 40;
    c.max_nonce_gap = 5;
    c.ttl_ms = 5000;
    mempool_t *mp = mempool_new(&c, NULL);
    enum { SENDERS = 20 };
    uint64_t nonce[SENDERS] = {0};
    uint64_t bal[SENDERS];
    for (int i = 0; i < SENDERS; i++)
        bal[i] = 50000 + 10000 * (uint64_t)i;
    srand(7);
    const mempool_tx_t **out = calloc(c.max_txs, sizeof *out);
    uint64_t now = 0;
    for (int step = 0; step < 20000; step++) {
        now += (uint64_t)(rand() % 3);
        int s = rand() % SENDERS;
        int op = rand() % 100;
        if (op < 80) {
            uint64_t n = nonce[s] + (uint64_t)(rand() % 8);
            uint64_t fee = 1100 + (uint64_t)(rand() % 3000);
            mempool_tx_info_t t = tx(s, n, fee);
            t.hash[31] ^= (uint8_t)step;
            t.hash[30] ^= (uint8_t)(step >> 8);
            mempool_reason_t r;
            int rc = add(mp, t, acct(nonce[s], bal[s]), now, &r);
            assert_true(rc == 0 || rc == MEMPOOL_EREJECT);
            assert_true(rc != 0 || r == MEMPOOL_ACCEPTED);
        } else if (op < 95) {
            /* "commit a block": take up to 30, advance those senders */
            size_t k = mempool_select(mp, out, 30, 0);
            uint8_t hashes[30][32];
            int who[30];
            uint64_t costs[30];
            for (size_t i = 0; i < k; i++) {
                memcpy(hashes[i], out[i]->info.hash, 32);
                who[i] = out[i]->info.sender[0];
                assert_true(out[i]->info.nonce == nonce[who[i]]);
                costs[i] = out[i]->info.cost.lo;
                nonce[who[i]]++;
                bal[who[i]] -= costs[i];
            }
            for (size_t i = 0; i < k; i++)
                assert_true(mempool_remove(mp, hashes[i]));
            for (size_t i = 0; i < k; i++) {
                mempool_tx_info_t probe = tx(who[i], 0, 0);
                mempool_account_t na = acct(nonce[who[i]], bal[who[i]]);
                (void)mempool_update_account(mp, probe.sender, &na);
            }
        } else {
            (void)mempool_expire(mp, now);
        }
        mempool_stats_t st;
        mempool_get_stats(mp, &st);
        assert_true(st.count <= c.max_txs);
        assert_true(st.ready <= st.count);
    }
    mempool_stats_t st;
    mempool_get_stats(mp, &st);
    assert_true(st.accepted > 1000);
    assert_true(st.rejected[MEMPOOL_R_NONCE_GAP] > 0);
    free(out);
    mempool_free(mp);
}

/* 50,000 transactions from 5,000 senders fill the pool exactly. */
static void test_capacity_50k(void **state)
{
    (void)state;
    mempool_t *mp = mempool_new(NULL, NULL);
    mempool_account_t a = acct(0, 1000000000);
    for (int s = 0; s < 5000; s++)
        for (uint64_t n = 0; n < 10; n++)
            assert_int_equal(add(mp, tx(s, n, 2000 + (uint64_t)s), a, 0, NULL), 0);
    assert_int_equal(mempool_count(mp), 50000);
    expect_reject(mp, tx(6000, 0, 2000), a, MEMPOOL_R_FULL, "50000");
    const mempool_tx_t **out = calloc(50000, sizeof *out);
    size_t n = mempool_select(mp, out, 50000, 0);
    assert_int_equal(n, 50000);
    for (size_t i = 1; i < n; i++)
        assert_true(chain_u128_cmp(out[i - 1]->info.fee, out[i]->info.fee) >= 0);
    free(out);
    mempool_free(mp);
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    memset(raw, 0x5A, sizeof raw);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reasons),        cmocka_unit_test(test_replace_by_fee),
        cmocka_unit_test(test_select_order),   cmocka_unit_test(test_commit_updates),
        cmocka_unit_test(test_full_eviction),  cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_bad_args),       cmocka_unit_test(test_free_ud),       cmocka_unit_test(test_random_invariants),
        cmocka_unit_test(test_capacity_50k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
