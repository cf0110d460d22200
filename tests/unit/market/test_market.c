/* Tests of src/market against a fake Aether node (an rpc server whose
 * answers each test sets): configuration refused with a reason, an
 * unreachable node failing the round with MARKET_ERPC (and the polling
 * thread surviving it), answers of the wrong shape refused naming the
 * field, a pending tx holding the round back, and a posted job outside the
 * provider's limits left alone. The whole lifecycle against a real node is
 * tests/chain/job_escrow_test.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "market/market.h"
#include "rpc/rpc.h"

/* ---- the fake node ---- */

static struct {
    const char *jobs;      /* aeth_getJobs answer (JSON) */
    const char *ours;      /* aeth_getJobs {status: accepted, provider} answer */
    int calls_data;
    json_t *job;           /* aeth_getJob answer */
    char *receipt;         /* the receipt in block 5's claim tx */
    uint64_t nonce, next_nonce;
    int calls_get_jobs, calls_send;
    const char *next;      /* the "next" answered with node.jobs (NULL: null) */
    int n_many;            /* > 0: the posted list is jobs 1..n_many, paged */
    uint8_t data_asked[512];   /* aeth_getJobData calls per job number (many mode) */
} node;

/* every job's module is the one byte 00, its input empty */
#define MODULE_HASH "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
#define PAGE 100

/* node.n_many posted jobs with ids 1..n_many (as 64 hex digits), paged as
 * the real node pages: ids > after, at most max, next = last id or null. */
static json_t *many_page(const json_t *f)
{
    unsigned long after = 0;
    const char *a = json_string_value(json_object_get(f, "after"));
    if (a)
        after = strtoul(a, NULL, 16);
    size_t max = json_object_get(f, "max") ? (size_t)json_integer_value(json_object_get(f, "max"))
                                           : PAGE;
    json_t *jobs = json_array();
    unsigned long id = after + 1;
    for (; id <= (unsigned long)node.n_many && json_array_size(jobs) < max; id++) {
        char hex[65];
        snprintf(hex, sizeof hex, "%064lx", id);
        json_array_append_new(
            jobs, json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:s,s:s,s:n,s:n,s:[]}", "job_id", hex,
                            "status", "posted", "module_hash", MODULE_HASH, "fuel", 100,
                            "memory_max", 65536, "deadline", 100, "payment", "5000",
                            "provider_bond", "10", "provider", "output_commitment", "allow"));
    }
    char last[65];
    snprintf(last, sizeof last, "%064lx", id - 1);
    bool more = id <= (unsigned long)node.n_many;
    return json_pack("{s:o,s:o}", "jobs", jobs, "next", more ? json_string(last) : json_null());
}

static int m_height(void *ud, const json_t *p, json_t **r, rpc_error_t *err)
{
    (void)ud, (void)p, (void)err;
    *r = json_integer(10);
    return 0;
}

static int m_account(void *ud, const json_t *p, json_t **r, rpc_error_t *err)
{
    (void)ud, (void)err;
    *r = json_pack("{s:O,s:s,s:I,s:I,s:b}", "address", json_array_get(p, 0), "balance", "1000000",
                   "nonce", (json_int_t)node.nonce, "next_nonce", (json_int_t)node.next_nonce,
                   "exists", 1);
    return 0;
}

static int m_jobs(void *ud, const json_t *p, json_t **r, rpc_error_t *err)
{
    (void)ud, (void)p, (void)err;
    node.calls_get_jobs++;
    const json_t *f = json_array_get(p, 0);
    const char *st = json_string_value(json_object_get(f, "status"));
    if (json_object_get(f, "provider") && node.ours && strcmp(st, "accepted") == 0) {
        *r = json_pack("{s:o,s:n}", "jobs", json_loads(node.ours, 0, NULL), "next");
        return 0;
    }
    /* only the posted list has jobs; ours (provider filter) are empty */
    if (json_object_get(f, "provider") || strcmp(st, "posted") != 0) {
        *r = json_pack("{s:[],s:n}", "jobs", "next");
        return 0;
    }
    if (node.n_many) {
        *r = many_page(f);
        return 0;
    }
    *r = json_pack("{s:o,s:o}", "jobs", json_loads(node.jobs, 0, NULL), "next",
                   node.next ? json_string(node.next) : json_null());
    return 0;
}

static int m_send(void *ud, const json_t *p, json_t **r, rpc_error_t *err)
{
    (void)ud, (void)p, (void)r;
    node.calls_send++;
    return rpc_fail(err, -32001, "not in this test");
}

static int m_data(void *ud, const json_t *p, json_t **r, rpc_error_t *err)
{
    (void)ud, (void)err;
    node.calls_data++;
    unsigned long id = strtoul(json_string_value(json_array_get(p, 0)), NULL, 16);
    if (node.n_many && id < sizeof node.data_asked)
        node.data_asked[id]++;
    *r = json_pack("{s:O,s:s,s:s}", "job_id", json_array_get(p, 0), "module", "00", "input", "");
    return 0;
}

static int m_job(void *ud, const json_t *p, json_t **r, rpc_error_t *err)
{
    (void)ud, (void)p, (void)err;
    *r = node.job ? json_incref(node.job) : json_null();
    return 0;
}

static int m_block(void *ud, const json_t *p, json_t **r, rpc_error_t *err)
{
    (void)ud, (void)err;
    json_int_t h = json_integer_value(json_array_get(p, 0));
    *r = json_pack("{s:I,s:[{s:s,s:{s:O,s:s}}]}", "height", h, "transactions", "kind",
                   "job_claim", "job", "job_id", json_object_get(node.job, "job_id"), "receipt",
                   h == 5 ? node.receipt : "{}");
    return 0;
}

static int m_chain_id(void *ud, const json_t *p, json_t **r, rpc_error_t *err)
{
    (void)ud, (void)p, (void)err;
    *r = json_integer(7);
    return 0;
}

static int m_base_fee(void *ud, const json_t *p, json_t **r, rpc_error_t *err)
{
    (void)ud, (void)p, (void)err;
    *r = json_pack("{s:i,s:s,s:i,s:s}", "height", 10, "base_fee", "0", "gas_used", 0,
                   "next_base_fee", "0");
    return 0;
}

static const rpc_method_t methods[] = {
    {"aeth_baseFee", m_base_fee, NULL},
    {"aeth_chainId", m_chain_id, NULL},   {"aeth_blockNumber", m_height, NULL}, {"aeth_getAccount", m_account, NULL},
    {"aeth_getJobs", m_jobs, NULL},       {"aeth_sendRawTransaction", m_send, NULL},
    {"aeth_getJobData", m_data, NULL},    {"aeth_getJob", m_job, NULL},
    {"aeth_getBlockByNumber", m_block, NULL}, {NULL, NULL, NULL},
};

static rpc_server_t *server;
static char url[64];

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    rpc_server_cfg_t cfg;
    rpc_server_cfg_default(&cfg);
    cfg.dispatch.methods = methods;
    err_t e = {0};
    if (!(server = rpc_server_start(&cfg, &e)))
        return -1;
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", rpc_server_port(server));
    log_set_level(LOG_OFF);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rpc_server_stop(server);
    return 0;
}

static market_cfg_t cfg_for(const char *u)
{
    market_cfg_t c;
    memset(&c, 0, sizeof c);
    c.rpc_url = u;
    c.provide = true;
    uint8_t seed[32];
    memset(seed, 0x31, sizeof seed);
    chain_key_from_seed(&c.account, seed);
    memset(seed, 0x32, sizeof seed);
    phase_identity_from_seed(seed, &c.identity);
    c.poll_ms = 20;
    c.max_backoff_ms = 40;
    return c;
}

static const char job_fmt[] =
    "[{\"job_id\":\"%s\",\"status\":\"posted\",\"module_hash\":\"%s\",\"fuel\":%s,"
    "\"memory_max\":1048576,\"deadline\":100,\"payment\":\"5000\",\"provider_bond\":\"10\","
    "\"provider\":null,\"output_commitment\":null,\"allow\":[]}]";

static void set_jobs(char *buf, size_t cap, const char *id, const char *fuel)
{
    snprintf(buf, cap, job_fmt, id, MODULE_HASH, fuel);
    node.jobs = buf;
}

static void test_config(void **state)
{
    (void)state;
    err_t e = {0};
    market_cfg_t c = cfg_for(url);
    c.provide = false;
    assert_null(market_new(&c, &e));
    assert_int_equal(e.code, MARKET_EINVAL);
    assert_non_null(strstr(e.msg, "nothing to do"));
    c = cfg_for(url);
    c.max_fuel = CHAIN_JOB_MAX_FUEL + 1;
    assert_null(market_new(&c, &e));
    assert_non_null(strstr(e.msg, "max fuel"));
    market_free(NULL);
}

static void test_unreachable(void **state)
{
    (void)state;
    market_cfg_t c = cfg_for("http://127.0.0.1:1/");
    err_t e = {0};
    market_t *m = market_new(&c, &e);
    assert_non_null(m);
    assert_int_equal(market_poll(m, &e), MARKET_ERPC);
    assert_non_null(strstr(e.msg, "aeth_blockNumber"));
    /* the thread keeps polling through errors, backing off, and stops at once */
    assert_int_equal(market_start(m, &e), 0);
    market_stats_t st = {0};
    for (int i = 0; i < 200 && st.rpc_errors < 3; i++) {
        usleep(10000);
        market_stats(m, &st);
    }
    assert_true(st.rpc_errors >= 3);
    market_stop(m);
    market_free(m);
}

static void test_bad_answers(void **state)
{
    (void)state;
    char buf[1024];
    market_cfg_t c = cfg_for(url);
    err_t e = {0};
    market_t *m = market_new(&c, &e);
    assert_non_null(m);
    node.nonce = node.next_nonce = 0;
    set_jobs(buf, sizeof buf, "zz", "1000");
    assert_int_equal(market_poll(m, &e), MARKET_ERPC);
    assert_non_null(strstr(e.msg, "\"job_id\" is missing or malformed"));
    set_jobs(buf, sizeof buf, "0000000000000000000000000000000000000000000000000000000000000001",
             "\"many\"");
    assert_int_equal(market_poll(m, &e), MARKET_ERPC);
    assert_non_null(strstr(e.msg, "\"fuel\""));
    node.jobs = "{\"not\":\"a list\"}";
    assert_int_equal(market_poll(m, &e), MARKET_ERPC);
    assert_non_null(strstr(e.msg, "aeth_getJobs did not answer {\"jobs\""));
    node.jobs = "[]";
    node.next = "not-a-cursor";
    assert_int_equal(market_poll(m, &e), MARKET_ERPC);
    assert_non_null(strstr(e.msg, "\"next\": id | null"));
    node.next = NULL;
    market_free(m);
}

static void test_limits_and_pending(void **state)
{
    (void)state;
    char buf[1024];
    market_cfg_t c = cfg_for(url);
    c.max_fuel = 500;
    err_t e = {0};
    market_t *m = market_new(&c, &e);
    assert_non_null(m);
    /* a pending tx of ours: the round does nothing else */
    node.nonce = 3;
    node.next_nonce = 4;
    node.calls_get_jobs = node.calls_send = 0;
    set_jobs(buf, sizeof buf, "0000000000000000000000000000000000000000000000000000000000000002",
             "1000");
    assert_int_equal(market_poll(m, &e), 0);
    assert_int_equal(node.calls_get_jobs, 0);
    /* committed: the job is listed but its fuel is above our limit, so no accept */
    node.next_nonce = 3;
    assert_int_equal(market_poll(m, &e), 0);
    assert_true(node.calls_get_jobs > 0);
    assert_int_equal(node.calls_send, 0);
    /* within the limit: the accept is sent (and refused by this node: the
     * round goes on, nothing counted as accepted) */
    set_jobs(buf, sizeof buf, "0000000000000000000000000000000000000000000000000000000000000002",
             "500");
    assert_int_equal(market_poll(m, &e), 0);
    assert_int_equal(node.calls_send, 1);
    market_stats_t st;
    market_stats(m, &st);
    assert_int_equal(st.accepted, 0);
    assert_int_equal(st.rounds, 3);
    market_free(m);
}

/* An accepted job of ours past its deadline (height 10 > 8) is not run nor
 * claimed: the bond is lost, a claim would be refused. */
static void test_deadline_passed(void **state)
{
    (void)state;
    char buf[1024];
    market_cfg_t c = cfg_for(url);
    err_t e = {0};
    market_t *m = market_new(&c, &e);
    assert_non_null(m);
    node.nonce = node.next_nonce = 0;
    node.jobs = "[]";
    snprintf(buf, sizeof buf, "[{\"job_id\":\"%064d\",\"status\":\"accepted\","
             "\"module_hash\":\"%s\",\"fuel\":100,\"memory_max\":65536,\"deadline\":8,"
             "\"payment\":\"1\",\"provider_bond\":\"1\",\"provider\":null,"
             "\"output_commitment\":null,\"allow\":[]}]", 7, MODULE_HASH);
    node.ours = buf;
    node.calls_data = node.calls_send = 0;
    for (int i = 0; i < 3; i++)
        assert_int_equal(market_poll(m, &e), 0);
    assert_int_equal(node.calls_data, 0);
    assert_int_equal(node.calls_send, 0);
    node.ours = NULL;
    market_free(m);
}

/* 250 posted jobs, one page (100) read per round: the rounds resume where
 * the previous one stopped, so three rounds see every job exactly once and
 * the fourth starts over from the first; no round reads more than a page. */
static void test_many_jobs_paged(void **state)
{
    (void)state;
    market_cfg_t c = cfg_for(url);
    c.pages_per_round = 1;
    err_t e = {0};
    market_t *m = market_new(&c, &e);
    assert_non_null(m);
    node.nonce = node.next_nonce = 0;
    node.n_many = 250;
    memset(node.data_asked, 0, sizeof node.data_asked);
    for (int round = 1; round <= 4; round++) {
        node.calls_get_jobs = 0;
        assert_int_equal(market_poll(m, &e), 0);
        /* ours (accepted, claimed: one page each) + one page of posted */
        assert_int_equal(node.calls_get_jobs, 3);
        int hi = round * PAGE > 250 ? 250 : round * PAGE;
        for (int id = 1; id <= 250; id++) {
            int want = round < 4 ? (id <= hi ? 1 : 0) : (id <= PAGE ? 2 : 1);
            assert_int_equal(node.data_asked[id], want);
        }
    }
    /* default: four pages per round, so one round sees all 250 */
    market_free(m);
    c.pages_per_round = 0;
    m = market_new(&c, &e);
    assert_non_null(m);
    memset(node.data_asked, 0, sizeof node.data_asked);
    assert_int_equal(market_poll(m, &e), 0);
    for (int id = 1; id <= 250; id++)
        assert_int_equal(node.data_asked[id], 1);
    node.n_many = 0;
    market_free(m);
}

/* market_job_receipt: a real receipt (signed by a Phase identity through
 * phase_escrow_run) served in block 5, checked against job records that
 * match it or differ in one field. */
static void test_receipt(void **state)
{
    (void)state;
    static const uint8_t mod[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04,
                                  0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03,
                                  0x01, 0x00, 0x01, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73, 0x74,
                                  0x61, 0x72, 0x74, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00,
                                  0x0b};
    phase_identity_t id, other;
    uint8_t seed[32];
    memset(seed, 0x44, sizeof seed);
    phase_identity_from_seed(seed, &id);
    memset(seed, 0x45, sizeof seed);
    phase_identity_from_seed(seed, &other);
    phase_escrow_job_t j = {.module = mod, .module_len = sizeof mod, .fuel = 1000,
                            .memory_max = 65536};
    memset(j.job_id, 0x21, 32);
    phase_job_outcome_t out;
    phase_job_result_t res;
    phase_receipt_t r;
    err_t e = {0};
    assert_int_equal(phase_escrow_run(&j, &id, &out, &res, &r, &e), 0);
    node.receipt = phase_receipt_to_json(&r, &e);
    assert_non_null(node.receipt);
    char idhex[65], pk[65], opk[65], rh[65], oc[65];
    hex_encode(j.job_id, 32, idhex);
    hex_encode(id.pk, 32, pk);
    hex_encode(other.pk, 32, opk);
    uint8_t h[32];
    crypto_sha256(node.receipt, strlen(node.receipt), h);
    hex_encode(h, 32, rh);
    hex_encode(res.output_commitment, 32, oc);
    chain_hash_t cid;
    memcpy(cid.b, j.job_id, 32);
    err_t ce = {0};
    chain_client_t *c = chain_client_new(url, 5000, &ce);
    assert_non_null(c);
    json_t *got = NULL;
    char *text = NULL;
    struct {
        const char *field, *value, *needle;   /* field changed in the record; the error */
    } cases[] = {
        {NULL, NULL, NULL},
        {"phase_pk", opk, "does not verify against the linked Phase key"},
        {"receipt_hash", oc, "does not hash to the recorded receipt_hash"},
        {"output_commitment", rh, "another output"},
        {"claimed_at", NULL, "nobody has claimed it"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        node.job = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "job_id", idhex, "status",
                             "claimed", "provider", "00", "phase_pk", pk, "receipt_hash", rh,
                             "output_commitment", oc, "claimed_at", (json_int_t)5);
        if (cases[i].field)
            json_object_set_new(node.job, cases[i].field,
                                cases[i].value ? json_string(cases[i].value) : json_null());
        int rc = market_job_receipt(c, &cid, &got, &text, &e);
        if (!cases[i].field) {
            assert_int_equal(rc, 0);
            assert_string_equal(text, node.receipt);
            assert_true(json_is_object(got));
        } else {
            assert_int_not_equal(rc, 0);
            assert_null(text);
            if (!strstr(e.msg, cases[i].needle))
                fail_msg("%s changed: '%s' does not say '%s'", cases[i].field, e.msg,
                         cases[i].needle);
        }
        free(text);
        text = NULL;
        json_decref(got);
        got = NULL;
        json_decref(node.job);
        node.job = NULL;
    }
    chain_client_free(c);
    free(node.receipt);
    node.receipt = NULL;
    phase_job_result_free(&res);
    phase_job_outcome_free(&out);
    phase_receipt_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_bad_answers),
        cmocka_unit_test(test_limits_and_pending),
        cmocka_unit_test(test_deadline_passed),
        cmocka_unit_test(test_many_jobs_paged),
        cmocka_unit_test(test_receipt),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
