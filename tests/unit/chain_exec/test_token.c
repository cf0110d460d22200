/* The AIC token contract (sdk/contract/examples/aic_token.c, built with the
 * SDK's aether_contract() CMake function) on the contract runtime, against
 * a model: a seeded random sequence of transfers, approvals,
 * transfer_froms, mints and burns by four accounts; after every operation
 * the contract's answer (ok / revert) matches the model's, and the supply
 * is conserved (sum of balances = total supply = initial + minted −
 * burned). Committed storage is a table here; successful runs' writes are
 * applied to it as the ledger will. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exec/exec.h"

static const char *g_wasm;

#define SLOTS 512
typedef struct kv {
    uint8_t key[64], val[64];
    uint32_t klen, vlen;
    bool used;
} kv_t;
static kv_t g_kv[SLOTS];

static kv_t *find(const uint8_t *key, uint32_t klen)
{
    for (size_t i = 0; i < SLOTS; i++)
        if (g_kv[i].used && g_kv[i].klen == klen && !memcmp(g_kv[i].key, key, klen))
            return &g_kv[i];
    return NULL;
}

static int get(void *u, const chain_addr_t *contract, const uint8_t *key, uint32_t klen, uint8_t *val, uint32_t *vlen,
               bool *found)
{
    (void)u, (void)contract;
    kv_t *s = find(key, klen);
    *found = s != NULL;
    *vlen = s ? s->vlen : 0;
    if (s)
        memcpy(val, s->val, s->vlen);
    return 0;
}

static void apply(const chain_contract_result_t *r)
{
    for (size_t w = 0; w < r->n_writes; w++) {
        const chain_contract_write_t *x = &r->writes[w];
        assert_true(x->klen <= 64 && x->vlen <= 64);
        kv_t *s = find(x->key, x->klen);
        if (x->removed) {
            if (s)
                s->used = false;
            continue;
        }
        for (size_t i = 0; !s && i < SLOTS; i++)
            if (!g_kv[i].used)
                s = &g_kv[i];
        assert_non_null(s);
        s->used = true;
        memcpy(s->key, x->key, x->klen);
        s->klen = x->klen;
        memcpy(s->val, x->val, x->vlen);
        s->vlen = x->vlen;
    }
}

static chain_contract_t *g_c;
static chain_addr_t g_self, g_users[4];
static uint64_t g_gas_total;

/* Runs entry with input as caller; applies the writes when ok. */
static uint8_t run(const char *entry, int caller, const uint8_t *in, uint32_t n, uint8_t *ret16)
{
    chain_contract_env_t env = {.self = g_self, .caller = g_users[caller], .block_number = 1,
                                .input = in, .input_len = n, .gas_limit = 2000000,
                                .storage_get = get};
    chain_contract_result_t r;
    err_t e = {0};
    assert_int_equal(chain_contract_run(g_c, entry, &env, &r, &e), 0);
    g_gas_total += r.gas_used;
    if (r.status == CHAIN_CONTRACT_TRAP || r.status == CHAIN_CONTRACT_OUT_OF_GAS)
        fail_msg("%s: %s (%s)", entry, chain_contract_status_name(r.status), r.reason);
    if (r.status == CHAIN_CONTRACT_OK) {
        apply(&r);
        if (ret16) {
            assert_int_equal(r.ret_len, 16);
            memcpy(ret16, r.ret, 16);
        }
    }
    uint8_t st = r.status;
    chain_contract_result_free(&r);
    return st;
}

typedef unsigned __int128 u128;

static u128 get_u128(const uint8_t b[16])
{
    chain_u128_t v = chain_u128_get(b);
    return ((u128)v.hi << 64) | v.lo;
}

static void put_u128(uint8_t *b, u128 v)
{
    chain_u128_put(b, (chain_u128_t){(uint64_t)v, (uint64_t)(v >> 64)});
}

static u128 query(uint8_t op, const chain_addr_t *a, const chain_addr_t *b)
{
    uint8_t in[41] = {op}, out[16];
    uint32_t n = 1;
    if (a)
        memcpy(in + n, a->b, 20), n += 20;
    if (b)
        memcpy(in + n, b->b, 20), n += 20;
    assert_int_equal(run("call", 0, in, n, out), CHAIN_CONTRACT_OK);
    return get_u128(out);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_token_model(void **state)
{
    (void)state;
    memset(g_kv, 0, sizeof g_kv);
    FILE *f = fopen(g_wasm, "rb");
    if (!f)
        fail_msg("cannot open %s", g_wasm);
    static uint8_t code[1 << 16];
    size_t n = fread(code, 1, sizeof code, f);
    fclose(f);
    err_t e = {0};
    g_c = chain_contract_compile(code, n, &e);
    if (!g_c)
        fail_msg("compile: %s", e.msg);
    memset(g_self.b, 0xee, 20);
    for (int i = 0; i < 4; i++)
        memset(g_users[i].b, 0x10 * (i + 1), 20);
    /* deploy by user 0 with 1,000,000 initial supply */
    u128 bal[4] = {1000000, 0, 0, 0}, allow[4][4] = {{0}}, supply = 1000000, burned = 0;
    uint8_t in[80];
    put_u128(in, supply);
    assert_int_equal(run("init", 0, in, 16, NULL), CHAIN_CONTRACT_OK);
    for (int step = 0; step < 400; step++) {
        int who = (int)(rnd() % 4), a = (int)(rnd() % 4), b = (int)(rnd() % 4);
        u128 amt = rnd() % 3 == 0 ? rnd() % 2000000 : rnd() % 50000;
        int op = (int)(rnd() % 5) + 1;
        bool ok;
        uint32_t len = 1;
        in[0] = (uint8_t)op;
        switch (op) {
        case 1:   /* transfer(a) */
            memcpy(in + 1, g_users[a].b, 20), put_u128(in + 21, amt), len = 37;
            ok = who != a && bal[who] >= amt;
            if (ok)
                bal[who] -= amt, bal[a] += amt;
            break;
        case 2:   /* approve(a) */
            memcpy(in + 1, g_users[a].b, 20), put_u128(in + 21, amt), len = 37;
            ok = true;
            allow[who][a] = amt;
            break;
        case 3:   /* transfer_from(a -> b) by who */
            memcpy(in + 1, g_users[a].b, 20), memcpy(in + 21, g_users[b].b, 20);
            put_u128(in + 41, amt), len = 57;
            ok = allow[a][who] >= amt && a != b && bal[a] >= amt;
            if (ok)
                bal[a] -= amt, bal[b] += amt, allow[a][who] -= amt;
            break;
        case 4:   /* mint(a): only user 0, the owner */
            memcpy(in + 1, g_users[a].b, 20), put_u128(in + 21, amt), len = 37;
            ok = who == 0;
            if (ok)
                bal[a] += amt, supply += amt;
            break;
        default:  /* burn */
            put_u128(in + 1, amt), len = 17;
            ok = bal[who] >= amt;
            if (ok)
                bal[who] -= amt, supply -= amt, burned += amt;
            break;
        }
        uint8_t st = run("call", who, in, len, NULL);
        if ((st == CHAIN_CONTRACT_OK) != ok)
            fail_msg("step %d op %d by %d: contract says %s, model says %s", step, op, who,
                     chain_contract_status_name(st), ok ? "ok" : "revert");
        if (step % 50 == 49 || step == 399) {
            u128 sum = 0;
            for (int i = 0; i < 4; i++) {
                assert_true(query(6, &g_users[i], NULL) == bal[i]);
                sum += bal[i];
            }
            assert_true(query(7, NULL, NULL) == supply);
            assert_true(sum == supply);   /* conservation */
            assert_true(query(10, NULL, NULL) == burned);
            for (int i = 0; i < 4; i++)
                assert_true(query(8, &g_users[i], &g_users[(i + 1) % 4]) == allow[i][(i + 1) % 4]);
        }
    }
    /* ownership moves: the old owner can no longer mint */
    in[0] = 9;
    memcpy(in + 1, g_users[2].b, 20);
    assert_int_equal(run("call", 0, in, 21, NULL), CHAIN_CONTRACT_OK);
    in[0] = 4;
    memcpy(in + 1, g_users[1].b, 20), put_u128(in + 21, 5);
    assert_int_equal(run("call", 0, in, 37, NULL), CHAIN_CONTRACT_REVERT);
    assert_int_equal(run("call", 2, in, 37, NULL), CHAIN_CONTRACT_OK);
    /* malformed input reverts, never traps */
    assert_int_equal(run("call", 0, in, 36, NULL), CHAIN_CONTRACT_REVERT);
    in[0] = 77;
    assert_int_equal(run("call", 0, in, 1, NULL), CHAIN_CONTRACT_REVERT);
    printf("# %llu gas over the run\n", (unsigned long long)g_gas_total);
    chain_contract_free(g_c);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s aic_token.wasm\n", argv[0]);
        return 2;
    }
    g_wasm = argv[1];
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_token_model)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
