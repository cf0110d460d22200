/* Unit tests of chain/rpc: the aeth_* methods through rpc_dispatch against a
 * node in process. A batch of aeth_sendRawTransaction goes through the
 * batch handler (signatures verified together, then admitted in order) and
 * answers exactly as the same requests sent one by one: accepted hashes,
 * a bad signature, a duplicate, junk hex, a nonce gap resolved within the
 * batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "chain/node/node.h"
#include "chain/rpc/rpc.h"

static char tmpdir[256];

typedef struct fixture {
    node_genesis_t gen;
    chain_genesis_alloc_t alloc[2];
    node_key_t val, acct[2];
    node_t *node;
} fixture_t;

static void key_of(int i, node_key_t *k)
{
    uint8_t seed[32] = {0};
    seed[0] = (uint8_t)i;
    seed[1] = 0x6B;
    node_key_from_seed(k, seed);
}

static node_t *open_node(fixture_t *f, const char *name)
{
    memset(f, 0, sizeof *f);
    key_of(0, &f->val);
    for (int i = 0; i < 2; i++) {
        key_of(10 + i, &f->acct[i]);
        f->alloc[i].addr = f->acct[i].addr;
        f->alloc[i].balance = chain_u128_from_u64(100000000);
    }
    f->gen.g.chain_id = 91;
    f->gen.g.timestamp_ms = 1000;
    memcpy(f->gen.g.proposer_pk, f->val.pk, 32);
    f->gen.g.accounts = f->alloc;
    f->gen.g.n_accounts = 2;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", tmpdir, name);
    node_config_t cfg;
    node_config_default(&cfg);
    cfg.data_dir = dir;
    cfg.genesis = &f->gen;
    cfg.key = &f->val;
    err_t e = {0};
    node_t *n = node_open(&cfg, &e);
    if (!n)
        fail_msg("node_open: %s", e.msg);
    return n;
}

/* Hex of a signed transfer from account 0; bad_sig flips a signature bit. */
static char *transfer_hex(const fixture_t *f, uint64_t nonce, bool bad_sig)
{
    chain_tx_t *tx = chain_tx_new_transfer(91, f->acct[0].pk, nonce, chain_u128_from_u64(2000),
                                           &f->acct[1].addr, chain_u128_from_u64(5));
    assert_non_null(tx);
    assert_int_equal(chain_tx_sign(tx, f->acct[0].sk, NULL), 0);
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(chain_tx_encode(tx, true, &b), 0);
    chain_tx_free(tx);
    if (bad_sig)
        b.data[b.len - 1] ^= 1;
    char *hex = malloc(2 * b.len + 1);
    hex_encode(b.data, b.len, hex);
    buf_free(&b);
    return hex;
}

static json_t *run(fixture_t *f, const char *body)
{
    rpc_dispatch_cfg_t cfg = {.methods = rpc_chain_methods, .ud = f->node};
    buf_t out;
    buf_init(&out, 0);
    size_t n = rpc_dispatch(&cfg, body, strlen(body), &out, NULL, NULL, NULL);
    json_t *j = n ? cjson_parse((const char *)out.data, out.len, NULL) : NULL;
    buf_free(&out);
    assert_non_null(j);
    return j;
}

static int code_of(const json_t *r)
{
    return (int)json_integer_value(json_object_get(json_object_get(r, "error"), "code"));
}

/* A batch of 12 sends: nonces 0..9 in an order with a gap filled later, one
 * bad signature, one duplicate, one junk. */
static void test_send_batch(void **state)
{
    (void)state;
    fixture_t f;
    f.node = NULL;
    node_t *n = open_node(&f, "batch");
    f.node = n;
    buf_t body;
    buf_init(&body, 0);
    buf_append_str(&body, "[");
    /* index: 0..8 nonces 0..8, 9 bad sig (nonce 9), 10 duplicate of nonce 3,
     * 11 junk hex, 12 nonce 9 */
    for (int i = 0; i < 13; i++) {
        char *hex = i < 9 ? transfer_hex(&f, (uint64_t)i, false)
                    : i == 9 ? transfer_hex(&f, 9, true)
                    : i == 10 ? transfer_hex(&f, 3, false)
                    : i == 11 ? strdup("0xzz")
                              : transfer_hex(&f, 9, false);
        buf_printf(&body, "%s{\"jsonrpc\":\"2.0\",\"method\":\"aeth_sendRawTransaction\","
                          "\"params\":[\"%s\"],\"id\":%d}", i ? "," : "", hex, i);
        free(hex);
    }
    buf_append_str(&body, ",{\"jsonrpc\":\"2.0\",\"method\":\"aeth_getAccount\",\"params\":[\"");
    char addr[2 * CHAIN_ADDR_BYTES + 1];
    chain_addr_to_hex(&f.acct[0].addr, addr);
    buf_printf(&body, "%s\"],\"id\":13}]", addr);
    buf_terminate(&body);
    json_t *r = run(&f, (const char *)body.data);
    buf_free(&body);
    assert_int_equal(json_array_size(r), 14);
    for (int i = 0; i < 14; i++) {
        const json_t *x = json_array_get(r, (size_t)i);
        assert_int_equal(json_integer_value(json_object_get(x, "id")), i);
        if (i < 9 || i == 12)
            assert_int_equal(json_string_length(json_object_get(x, "result")), 64);
    }
    assert_int_equal(code_of(json_array_get(r, 9)), RPC_TX_INVALID);
    assert_int_equal(code_of(json_array_get(r, 10)), RPC_TX_REJECTED);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(json_array_get(r, 10), "error"),
                                            "data"), "reason")), "duplicate");
    assert_int_equal(code_of(json_array_get(r, 11)), RPC_INVALID_PARAMS);
    /* the account read after the run sees all ten pooled */
    const json_t *acct = json_object_get(json_array_get(r, 13), "result");
    assert_int_equal(json_integer_value(json_object_get(acct, "next_nonce")), 10);
    json_decref(r);
    assert_int_equal(node_ready_count(n), 10);
    node_close(n);
}

static void test_reads(void **state)
{
    (void)state;
    fixture_t f;
    node_t *n = open_node(&f, "reads");
    f.node = n;
    json_t *r = run(&f, "{\"jsonrpc\":\"2.0\",\"method\":\"aeth_chainId\",\"id\":1}");
    assert_int_equal(json_integer_value(json_object_get(r, "result")), 91);
    json_decref(r);
    /* issue 19: an embedded NUL is part of the name, not its end */
    r = run(&f, "{\"jsonrpc\":\"2.0\",\"method\":\"aeth_chainId\\u0000x\",\"id\":1}");
    assert_int_equal(code_of(r), RPC_METHOD_NOT_FOUND);
    assert_null(json_object_get(r, "result"));
    json_decref(r);
    r = run(&f, "{\"jsonrpc\":\"2.0\",\"method\":\"aeth_getBlockByNumber\",\"params\":[0,true],"
                "\"id\":2}");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(r, "result"), "header"), "height")), 0);
    json_decref(r);
    r = run(&f, "{\"jsonrpc\":\"2.0\",\"method\":\"aeth_getBlockByNumber\",\"params\":[7],\"id\":3}");
    assert_true(json_is_null(json_object_get(r, "result")));
    json_decref(r);
    node_close(n);
}

/* aeth_getJobs pages: 250 job posts committed on a real node, walked with
 * max 100 and the "next" cursor (3 pages, ascending ids, each job once),
 * and the cursor and page size refused with a reason when malformed. */
#define N_JOBS 250
static json_t *get_jobs(fixture_t *f, const char *filter)
{
    char body[512];
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"method\":\"aeth_getJobs\","
             "\"params\":[%s],\"id\":1}", filter);
    return run(f, body);
}

static void test_jobs_paged(void **state)
{
    (void)state;
    fixture_t f;
    node_t *n = open_node(&f, "jobs");
    f.node = n;
    err_t e = {0};
    for (int i = 0; i < N_JOBS; i++) {
        chain_job_body_t b;
        memset(&b, 0, sizeof b);
        b.kind = CHAIN_TX_JOB_POST;
        store_be32(b.job_id.b + 28, (uint32_t)(N_JOBS - i));   /* posted in reverse id order */
        memset(b.module_hash.b, 1, 32);
        b.fuel = 1000;
        b.memory_max = 65536;
        b.deadline = 1000;
        b.payment = chain_u128_from_u64(10);
        b.window = 5;
        chain_tx_t *tx = chain_tx_new_job(91, f.acct[0].pk, (uint64_t)i,
                                          chain_u128_from_u64(20000), &b, &e);
        assert_non_null(tx);
        assert_int_equal(chain_tx_sign(tx, f.acct[0].sk, NULL), 0);
        buf_t raw;
        buf_init(&raw, 0);
        assert_int_equal(chain_tx_encode(tx, true, &raw), 0);
        chain_tx_free(tx);
        chain_hash_t h;
        mempool_reason_t why;
        if (node_submit_tx(n, raw.data, raw.len, &h, &why, &e) != 0)
            fail_msg("job post %d: %s", i, e.msg);
        buf_free(&raw);
    }
    for (int k = 0; k < 100 && node_ready_count(n) > 0; k++)
        if (node_produce_block(n, 2000 + (uint64_t)k * 1000, NULL, &e) != 0)
            fail_msg("produce: %s", e.msg);
    assert_int_equal(node_ready_count(n), 0);

    uint32_t seen = 0, pages = 0;
    char filter[256] = "{\"max\":100}";
    for (;;) {
        json_t *r = get_jobs(&f, filter);
        const json_t *res = json_object_get(r, "result");
        const json_t *jobs = json_object_get(res, "jobs");
        assert_true(json_is_array(jobs));
        pages++;
        for (size_t i = 0; i < json_array_size(jobs); i++) {
            chain_hash_t id;
            assert_int_equal(chain_hash_from_hex(json_string_value(json_object_get(
                                 json_array_get(jobs, i), "job_id")), &id, &e), 0);
            assert_int_equal(load_be32(id.b + 28), ++seen);   /* ascending, each once */
        }
        const json_t *next = json_object_get(res, "next");
        if (json_is_null(next)) {
            json_decref(r);
            break;
        }
        assert_int_equal(json_array_size(jobs), 100);
        snprintf(filter, sizeof filter, "{\"max\":100,\"status\":\"posted\",\"after\":\"%s\"}",
                 json_string_value(next));
        json_decref(r);
        assert_true(pages < 10);
    }
    assert_int_equal(seen, N_JOBS);
    assert_int_equal(pages, 3);

    /* default page size is 100; a sparse filter reaching the end says next null */
    json_t *r = get_jobs(&f, "{}");
    assert_int_equal(json_array_size(json_object_get(json_object_get(r, "result"), "jobs")), 100);
    json_decref(r);
    r = get_jobs(&f, "{\"status\":\"finalized\"}");
    assert_int_equal(json_array_size(json_object_get(json_object_get(r, "result"), "jobs")), 0);
    assert_true(json_is_null(json_object_get(json_object_get(r, "result"), "next")));
    json_decref(r);
    /* bad cursors and page sizes: refused, naming the field */
    static const char *bad[] = {"{\"after\":\"zz\"}", "{\"after\":7}", "{\"max\":0}",
                                "{\"max\":101}", "{\"page\":1}"};
    static const char *why[] = {"params[0].after", "params[0].after", "params[0].max",
                                "params[0].max", "unknown filter \"page\""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = get_jobs(&f, bad[i]);
        assert_int_equal(code_of(r), RPC_INVALID_PARAMS);
        const char *msg = json_string_value(json_object_get(json_object_get(r, "error"), "message"));
        if (!msg || !strstr(msg, why[i]))
            fail_msg("%s: %s", bad[i], msg ? msg : "(no message)");
        json_decref(r);
    }
    node_close(n);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/aether-chain-rpc-test-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    log_set_level(LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_batch),
        cmocka_unit_test(test_reads),
        cmocka_unit_test(test_jobs_paged),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
