/* Tests of chain/client (the wallet): UTxO selection and fee floor on
 * their own; key files; then against a real node and JSON-RPC server in
 * this process: chain id, account, health, transfer + wait for the
 * receipt, a UTxO spend that picks its inputs, insufficient funds, refused
 * calls, waiting in vain, an unreachable node and a server that is not an
 * Aether node. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain/client/client.h"
#include "chain/node/node.h"
#include "chain/rpc/rpc.h"
#include "rpc/rpc.h"

static char tmpdir[64];

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

static chain_u128_t u(uint64_t v)
{
    return chain_u128_from_u64(v);
}

static void key_of(int i, chain_key_t *k)
{
    uint8_t seed[32] = {0};
    seed[0] = (uint8_t)i;
    seed[1] = 0xC1;
    chain_key_from_seed(k, seed);
}

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    strcpy(tmpdir, "/tmp/chain_client_test.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void test_select_utxos(void **state)
{
    (void)state;
    chain_client_utxo_t us[4];
    memset(us, 0, sizeof us);
    uint64_t amounts[4] = {50, 400, 100, 300};
    for (int i = 0; i < 4; i++) {
        us[i].id.tx_hash.b[0] = (uint8_t)(9 - i);   /* ids descending */
        us[i].id.index = (uint32_t)i;
        us[i].amount = u(amounts[i]);
    }
    chain_utxo_id_t out[4];
    uint32_t n = 0;
    chain_u128_t total;
    /* largest first: 400 + 300 cover 650 */
    assert_true(chain_client_select_utxos(us, 4, u(0), u(650), 64, out, &n, &total));
    assert_int_equal(n, 2);
    assert_true(total.lo == 700);
    assert_int_equal(out[0].index, 1);
    assert_int_equal(out[1].index, 3);
    /* what is already there counts: 100 of balance + 400 cover 450 */
    assert_true(chain_client_select_utxos(us, 4, u(100), u(450), 64, out, &n, &total));
    assert_int_equal(n, 1);
    /* not enough: everything taken, false */
    assert_false(chain_client_select_utxos(us, 4, u(0), u(851), 64, out, &n, &total));
    assert_int_equal(n, 4);
    assert_true(total.lo == 850);
    /* the input cap holds */
    assert_false(chain_client_select_utxos(us, 4, u(0), u(800), 1, out, &n, &total));
    assert_int_equal(n, 1);
    /* nothing needed: nothing taken */
    assert_true(chain_client_select_utxos(us, 4, u(5), u(5), 64, out, &n, &total));
    assert_int_equal(n, 0);
    assert_true(chain_client_fee_floor(300).lo == CHAIN_CLIENT_DEFAULT_MIN_FEE + 300);
    /* the default fee: max(default, floor) + 2 x next base fee x size */
    assert_true(chain_client_fee_for(u(0), 300).lo == CHAIN_CLIENT_DEFAULT_FEE);
    assert_true(chain_client_fee_for(u(0), 1500).lo == CHAIN_CLIENT_DEFAULT_MIN_FEE + 1500);
    assert_true(chain_client_fee_for(u(50), 200).lo == CHAIN_CLIENT_DEFAULT_FEE + 2 * 50 * 200);
    chain_u128_t huge = {UINT64_MAX, UINT64_MAX};
    chain_u128_t f = chain_client_fee_for(huge, 200);   /* saturates, never wraps */
    assert_true(f.lo == UINT64_MAX && f.hi == UINT64_MAX);
}

static void test_key_files(void **state)
{
    (void)state;
    char p[256];
    snprintf(p, sizeof p, "%s/k.json", tmpdir);
    chain_key_t k, back;
    chain_key_generate(&k);
    err_t e = {0};
    assert_int_equal(chain_key_save(p, &k, false, &e), 0);
    assert_int_equal(chain_key_save(p, &k, false, &e), CHAIN_CLIENT_EINVAL);
    assert_non_null(strstr(e.msg, "already exists"));
    assert_int_equal(chain_key_load(p, &back, &e), 0);
    assert_memory_equal(&k, &back, sizeof k);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(file_write_atomic(p, "{\"type\":\"ed25519\"}", 18, 0600, false, &e), 0);
    assert_int_equal(chain_key_load(p, &back, &e), CHAIN_CLIENT_EINVAL);
    assert_non_null(strstr(e.msg, p));
    chain_key_wipe(&k);
}

typedef struct env {
    chain_key_t val, a, b;
    chain_genesis_alloc_t alloc[2];
    chain_utxo_t utxos[3];
    node_genesis_t gen;
    node_t *node;
    rpc_server_t *srv;
    char url[64];
} env_t;

static void env_start(env_t *v)
{
    memset(v, 0, sizeof *v);
    key_of(0, &v->val);
    key_of(1, &v->a);
    key_of(2, &v->b);
    v->alloc[0] = (chain_genesis_alloc_t){v->a.addr, u(1000000)};
    v->alloc[1] = (chain_genesis_alloc_t){v->b.addr, u(10)};
    v->utxos[0] = (chain_utxo_t){v->a.addr, u(4000)};
    v->utxos[1] = (chain_utxo_t){v->a.addr, u(9000)};
    v->utxos[2] = (chain_utxo_t){v->a.addr, u(500)};
    v->gen.g.chain_id = 4242;
    v->gen.g.timestamp_ms = 1000;
    memcpy(v->gen.g.proposer_pk, v->val.pk, 32);
    v->gen.g.accounts = v->alloc;
    v->gen.g.n_accounts = 2;
    v->gen.g.utxos = v->utxos;
    v->gen.g.n_utxos = 3;
    char dir[256];
    snprintf(dir, sizeof dir, "%s/node", tmpdir);
    node_config_t cfg;
    node_config_default(&cfg);
    cfg.data_dir = dir;
    cfg.genesis = &v->gen;
    cfg.key = &v->val;
    cfg.block_interval_ms = 20;
    cfg.heartbeat_ms = 200;
    err_t e = {0};
    v->node = node_open(&cfg, &e);
    if (!v->node)
        fail_msg("node_open: %s", e.msg);
    assert_int_equal(node_start(v->node, node_engine_solo(&cfg), &e), 0);
    rpc_server_cfg_t rc;
    rpc_server_cfg_default(&rc);
    rc.host = "127.0.0.1";
    rc.port = 0;
    rpc_chain_server_cfg(&rc, (struct node *)v->node);
    v->srv = rpc_server_start(&rc, &e);
    if (!v->srv)
        fail_msg("rpc_server_start: %s", e.msg);
    snprintf(v->url, sizeof v->url, "http://127.0.0.1:%u", rpc_server_port(v->srv));
}

static void env_stop(env_t *v)
{
    rpc_server_stop(v->srv);
    node_close(v->node);
}

static void test_against_node(void **state)
{
    (void)state;
    env_t v;
    env_start(&v);
    err_t e = {0};
    chain_client_t *c = chain_client_new(v.url, 10000, &e);
    assert_non_null(c);
    assert_string_equal(chain_client_url(c), v.url);
    uint64_t id = 0;
    assert_int_equal(chain_client_chain_id(c, &id, &e), 0);
    assert_true(id == 4242);
    chain_client_account_t acct;
    assert_int_equal(chain_client_account(c, &v.a.addr, &acct, &e), 0);
    assert_true(acct.exists && acct.balance.lo == 1000000 && acct.next_nonce == 0);
    int hs = 0;
    json_t *h = NULL;
    assert_int_equal(chain_client_health(c, &hs, &h, &e), 0);
    assert_int_equal(hs, 200);
    assert_string_equal(json_string_value(json_object_get(h, "status")), "ok");
    json_decref(h);

    /* transfer, then its receipt */
    chain_client_send_t s = {.to = v.b.addr, .amount = u(777)};
    chain_tx_t *tx = NULL;
    assert_int_equal(chain_client_transfer(c, &v.a, &s, &tx, &e), 0);
    assert_non_null(tx);
    assert_true(tx->nonce == 0 && tx->fee.lo == CHAIN_CLIENT_DEFAULT_FEE);
    chain_client_receipt_t r;
    json_t *raw = NULL;
    if (chain_client_wait_receipt(c, &tx->hash, 20000, &r, &raw, &e) != 0)
        fail_msg("wait: %s", e.msg);
    assert_int_equal(r.receipt.status, CHAIN_STATUS_OK);
    assert_string_equal(r.status, "ok");
    assert_memory_equal(r.receipt.tx_hash.b, tx->hash.b, 32);
    assert_true(r.block_height >= 1);
    assert_non_null(raw);
    json_decref(raw);
    chain_tx_free(tx);
    assert_int_equal(chain_client_account(c, &v.b.addr, &acct, &e), 0);
    assert_true(acct.balance.lo == 787);

    /* a UTxO spend that picks its inputs: 9000 covers 6000 + fee */
    chain_client_send_t us = {.to = v.b.addr, .amount = u(6000)};
    assert_int_equal(chain_client_utxo_send(c, &v.a, &us, &tx, &e), 0);
    assert_int_equal(tx->n_inputs, 1);
    assert_int_equal(tx->inputs[0].index, 1);
    assert_int_equal(chain_client_wait_receipt(c, &tx->hash, 20000, &r, NULL, &e), 0);
    assert_int_equal(r.receipt.status, CHAIN_STATUS_OK);
    chain_utxo_id_t spent = tx->inputs[0];
    chain_tx_free(tx);
    chain_client_utxo_t *list = NULL;
    size_t n = 0;
    assert_int_equal(chain_client_utxos(c, &v.b.addr, &list, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_true(list[0].amount.lo == 6000);
    free(list);

    /* spending the same input again: the node refuses it, its reason comes
     * through (a failed receipt's status is checked by chain_node_cli) */
    chain_client_send_t again = {.to = v.b.addr, .amount = u(100), .inputs = &spent, .n_inputs = 1,
                                 .from_balance = u(5000)};
    assert_int_equal(chain_client_utxo_send(c, &v.a, &again, &tx, &e), CHAIN_CLIENT_EREFUSED);
    assert_non_null(strstr(e.msg, "does not exist"));
    assert_null(tx);
    /* not enough: refused before anything is sent */
    chain_client_send_t big = {.to = v.a.addr, .amount = u(5000)};
    assert_int_equal(chain_client_transfer(c, &v.b, &big, &tx, &e), CHAIN_CLIENT_EFUNDS);
    assert_null(tx);
    assert_non_null(strstr(e.msg, "insufficient funds"));
    chain_client_send_t many = {.to = v.a.addr, .amount = u(100000)};
    assert_int_equal(chain_client_utxo_send(c, &v.a, &many, &tx, &e), CHAIN_CLIENT_EFUNDS);
    /* the node refuses a stale nonce: its message comes through */
    chain_client_send_t stale = {.to = v.b.addr, .amount = u(1), .have_nonce = true, .nonce = 0};
    assert_int_equal(chain_client_transfer(c, &v.a, &stale, &tx, &e), CHAIN_CLIENT_EREFUSED);
    assert_non_null(strstr(e.msg, "aeth_sendRawTransaction"));
    assert_non_null(strstr(e.msg, "nonce"));
    /* waiting for a tx that never comes ends in time */
    chain_hash_t none;
    memset(none.b, 0x5a, 32);
    assert_int_equal(chain_client_wait_receipt(c, &none, 200, &r, NULL, &e),
                     CHAIN_CLIENT_ETIMEOUT);
    assert_non_null(strstr(e.msg, "still pending"));
    chain_client_free(c);
    env_stop(&v);
}

/* A JSON-RPC server that is not an Aether node answers every method with
 * the string "hello". */
static int m_hello(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    (void)ud, (void)params, (void)err;
    *result = json_string("hello");
    return 0;
}

static void test_errors(void **state)
{
    (void)state;
    err_t e = {0};
    /* nobody listens on port 1 */
    chain_client_t *c = chain_client_new("http://127.0.0.1:1", 2000, &e);
    assert_non_null(c);
    uint64_t id;
    assert_int_equal(chain_client_chain_id(c, &id, &e), CHAIN_CLIENT_EUNREACHABLE);
    assert_non_null(strstr(e.msg, "127.0.0.1:1"));
    chain_client_free(c);
    assert_null(chain_client_new("ftp://x", 2000, &e));
    assert_int_equal(e.code, CHAIN_CLIENT_EINVAL);

    static const rpc_method_t methods[] = {
        {"aeth_chainId", m_hello, NULL},
        {"aeth_getAccount", m_hello, NULL},
        {NULL, NULL, NULL},
    };
    rpc_server_cfg_t rc;
    rpc_server_cfg_default(&rc);
    rc.host = "127.0.0.1";
    rc.port = 0;
    rc.dispatch.methods = methods;
    rpc_server_t *srv = rpc_server_start(&rc, &e);
    if (!srv)
        fail_msg("rpc_server_start: %s", e.msg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", rpc_server_port(srv));
    c = chain_client_new(url, 5000, &e);
    assert_non_null(c);
    assert_int_equal(chain_client_chain_id(c, &id, &e), CHAIN_CLIENT_EPROTO);
    assert_non_null(strstr(e.msg, "Aether node"));
    chain_key_t k;
    key_of(7, &k);
    chain_client_account_t acct;
    assert_int_equal(chain_client_account(c, &k.addr, &acct, &e), CHAIN_CLIENT_EPROTO);
    chain_client_send_t s = {.to = k.addr, .amount = u(1)};
    chain_tx_t *tx = NULL;
    assert_int_equal(chain_client_transfer(c, &k, &s, &tx, &e), CHAIN_CLIENT_EPROTO);
    assert_null(tx);
    chain_client_free(c);
    rpc_server_stop(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_utxos),
        cmocka_unit_test(test_key_files),
        cmocka_unit_test(test_against_node),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
