/* Tests of the contract runtime (src/chain/exec/contract.c): code rules at
 * compile time, the host ABI through a probe contract (contracts/probe.wat,
 * assembled by wat2wasm at build time), gas accounting, and hostile code
 * (infinite loop, recursion, memory bomb, bad pointers, oversized writes)
 * ending in a status, never a crash. Committed storage is a small table
 * here; a successful run's writes are applied to it as the ledger will. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exec/exec.h"

static const char *g_dir;

typedef struct kv {
    uint8_t key[CHAIN_CONTRACT_MAX_KEY], val[CHAIN_CONTRACT_MAX_VALUE];
    uint32_t klen, vlen;
    bool used;
} kv_t;

static kv_t g_store[64];
static int g_reads;

static int store_get(void *user, const chain_addr_t *contract, const uint8_t *key, uint32_t klen, uint8_t *val, uint32_t *vlen,
                     bool *found)
{
    (void)user, (void)contract;
    g_reads++;
    *found = false;
    for (size_t i = 0; i < 64; i++)
        if (g_store[i].used && g_store[i].klen == klen && !memcmp(g_store[i].key, key, klen)) {
            memcpy(val, g_store[i].val, g_store[i].vlen);
            *vlen = g_store[i].vlen;
            *found = true;
        }
    return 0;
}

static void apply(const chain_contract_result_t *r)
{
    for (size_t w = 0; w < r->n_writes; w++) {
        const chain_contract_write_t *x = &r->writes[w];
        kv_t *slot = NULL;
        for (size_t i = 0; i < 64; i++)
            if (g_store[i].used && g_store[i].klen == x->klen &&
                !memcmp(g_store[i].key, x->key, x->klen))
                slot = &g_store[i];
        if (!slot)
            for (size_t i = 0; i < 64 && !slot; i++)
                if (!g_store[i].used)
                    slot = &g_store[i];
        assert_non_null(slot);
        slot->used = !x->removed;
        memcpy(slot->key, x->key, x->klen);
        slot->klen = x->klen;
        if (!x->removed)
            memcpy(slot->val, x->val, x->vlen);
        slot->vlen = x->vlen;
    }
}

static uint8_t *load(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.wasm", g_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    uint8_t *b = malloc(1 << 16);
    *len = fread(b, 1, 1 << 16, f);
    fclose(f);
    return b;
}

static chain_contract_t *compile(const char *name, err_t *e)
{
    size_t n;
    uint8_t *b = load(name, &n);
    chain_contract_t *c = chain_contract_compile(b, n, e);
    free(b);
    return c;
}

static chain_contract_env_t env_for(uint8_t op, uint64_t gas)
{
    static uint8_t in[1];
    in[0] = op;
    chain_contract_env_t env = {.value = {5, 1}, .block_number = 42, .timestamp_ms = 1700000000000ull,
                                .input = in, .input_len = 1, .gas_limit = gas,
                                .storage_get = store_get};
    memset(env.self.b, 0x5e, 20);
    memset(env.caller.b, 0xca, 20);
    return env;
}

static void test_code_rules(void **state)
{
    (void)state;
    static const struct {
        const char *name, *needle;
    } bad[] = {
        {"bad_import", "env.get_random\" is not in the host ABI"},
        {"bad_sig", "has type (ii)i, the ABI says (iii)i"},
        {"wasi_import", "only functions of \"env\""},
        {"no_call", "no exported function \"call\""},
        {"big_memory", "300"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err_t e = {0};
        chain_contract_t *c = compile(bad[i].name, &e);
        if (c)
            fail_msg("%s was accepted", bad[i].name);
        assert_int_equal(e.code, CONTRACT_ECODE);
        if (!strstr(e.msg, bad[i].needle))
            fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].name, e.msg, bad[i].needle);
    }
    err_t e = {0};
    static const uint8_t junk[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0x01, 0x05};
    assert_null(chain_contract_compile(junk, sizeof junk, &e));
    assert_int_equal(e.code, CONTRACT_ECODE);
    chain_contract_t *c = compile("probe", &e);
    assert_non_null(c);
    assert_true(chain_contract_has_init(c));
    chain_contract_free(c);
    /* from a file: the error names the path */
    char path[1024];
    snprintf(path, sizeof path, "%s/probe.wasm", g_dir);
    c = chain_contract_load(path, &e);
    assert_non_null(c);
    chain_contract_free(c);
    snprintf(path, sizeof path, "%s/no-such.wasm", g_dir);
    assert_null(chain_contract_load(path, &e));
    assert_non_null(strstr(e.msg, "no-such.wasm"));
    snprintf(path, sizeof path, "%s/bad_import.wasm", g_dir);
    assert_null(chain_contract_load(path, &e));
    assert_int_equal(e.code, CONTRACT_ECODE);
    assert_non_null(strstr(e.msg, "bad_import.wasm: contract: import"));
}

static void test_host_abi(void **state)
{
    (void)state;
    memset(g_store, 0, sizeof g_store);
    err_t e = {0};
    chain_contract_t *c = compile("probe", &e);
    assert_non_null(c);
    chain_contract_result_t r;
    /* init stores the deployer under "owner" */
    chain_contract_env_t env = env_for(0, 100000);
    assert_int_equal(chain_contract_run(c, "init", &env, &r, &e), 0);
    assert_int_equal(r.status, CHAIN_CONTRACT_OK);
    assert_int_equal(r.n_writes, 1);
    apply(&r);
    chain_contract_result_free(&r);
    env = env_for(10, 100000);
    assert_int_equal(chain_contract_run(c, "call", &env, &r, &e), 0);
    assert_int_equal(r.status, CHAIN_CONTRACT_OK);
    assert_int_equal(r.ret_len, 20);
    assert_memory_equal(r.ret, env.caller.b, 20);
    chain_contract_result_free(&r);
    /* the counter: three runs, each sees the last one's committed write */
    for (uint64_t k = 1; k <= 3; k++) {
        env = env_for(0, 100000);
        assert_int_equal(chain_contract_run(c, "call", &env, &r, &e), 0);
        assert_int_equal(r.status, CHAIN_CONTRACT_OK);
        assert_int_equal(r.ret_len, 8);
        uint64_t v;
        memcpy(&v, r.ret, 8);
        assert_int_equal(v, k);
        assert_int_equal(r.n_logs, 2);
        assert_true(r.logs[0].has_topic && !r.logs[1].has_topic);
        uint8_t h[32];
        crypto_sha256("inc", 3, h);
        assert_memory_equal(r.logs[0].topic, h, 32);
        assert_int_equal(r.logs[0].len, 8);
        assert_memory_equal(r.logs[1].data, "nope", 4);
        /* gas: base + instructions + host costs (first write of a key pays 20,000 more) */
        assert_true(r.gas_used > CHAIN_CONTRACT_GAS_BASE + 5000 + 200);
        assert_true((k == 1) == (r.gas_used > 25000));
        apply(&r);
        chain_contract_result_free(&r);
    }
    /* context values */
    env = env_for(8, 100000);
    assert_int_equal(chain_contract_run(c, "call", &env, &r, &e), 0);
    assert_int_equal(r.status, CHAIN_CONTRACT_OK);
    assert_int_equal(r.ret_len, 72);
    assert_memory_equal(r.ret, env.caller.b, 20);
    assert_memory_equal(r.ret + 20, env.self.b, 20);
    assert_true(chain_u128_get(r.ret + 40).lo == 5 && chain_u128_get(r.ret + 40).hi == 1);
    uint64_t bn, ts;
    memcpy(&bn, r.ret + 56, 8);
    memcpy(&ts, r.ret + 64, 8);
    assert_true(bn == 42 && ts == 1700000000000ull);
    chain_contract_result_free(&r);
    /* remove: 1 then the key is gone (0) */
    env = env_for(7, 100000);
    assert_int_equal(chain_contract_run(c, "call", &env, &r, &e), 0);
    assert_int_equal(r.status, CHAIN_CONTRACT_OK);
    assert_int_equal(r.ret[0], 1);
    assert_true(r.n_writes == 1 && r.writes[0].removed);
    apply(&r);
    chain_contract_result_free(&r);
    assert_int_equal(chain_contract_run(c, "call", &env, &r, &e), 0);
    assert_int_equal(r.ret[0], 0);
    assert_int_equal(r.n_writes, 0);
    chain_contract_result_free(&r);
    /* an oversized value is refused with -1, the run goes on */
    env = env_for(9, 100000);
    assert_int_equal(chain_contract_run(c, "call", &env, &r, &e), 0);
    assert_int_equal(r.status, CHAIN_CONTRACT_OK);
    assert_int_equal((int32_t)(r.ret[0] | r.ret[1] << 8 | r.ret[2] << 16 | (uint32_t)r.ret[3] << 24), -1);
    assert_int_equal(r.n_writes, 0);
    chain_contract_result_free(&r);
    chain_contract_free(c);
}

static void expect_fail(chain_contract_t *c, uint8_t op, uint64_t gas, uint8_t status,
                        const char *needle)
{
    err_t e = {0};
    chain_contract_result_t r;
    chain_contract_env_t env = env_for(op, gas);
    assert_int_equal(chain_contract_run(c, "call", &env, &r, &e), 0);
    if (r.status != status)
        fail_msg("op %u: status %s (%s), want %s", op, chain_contract_status_name(r.status),
                 r.reason, chain_contract_status_name(status));
    if (!strstr(r.reason, needle))
        fail_msg("op %u: reason \"%s\" lacks \"%s\"", op, r.reason, needle);
    assert_int_equal(r.n_writes, 0);   /* effects discarded */
    assert_int_equal(r.n_logs, 0);
    assert_true(r.gas_used <= gas && r.gas_used > 0);
    if (status == CHAIN_CONTRACT_OUT_OF_GAS)
        assert_int_equal(r.gas_used, gas);
    chain_contract_result_free(&r);
}

static void test_hostile(void **state)
{
    (void)state;
    memset(g_store, 0, sizeof g_store);
    err_t e = {0};
    chain_contract_t *c = compile("probe", &e);
    assert_non_null(c);
    expect_fail(c, 1, 100000, CHAIN_CONTRACT_REVERT, "nope");
    expect_fail(c, 2, 200000, CHAIN_CONTRACT_OUT_OF_GAS, "out of gas");
    expect_fail(c, 3, 50000000, CHAIN_CONTRACT_TRAP, "");
    expect_fail(c, 3, 3000, CHAIN_CONTRACT_OUT_OF_GAS, "out of gas");
    expect_fail(c, 4, 50000000, CHAIN_CONTRACT_TRAP, "unreachable");
    expect_fail(c, 5, 100000, CHAIN_CONTRACT_TRAP, "outside memory");
    expect_fail(c, 6, 100000, CHAIN_CONTRACT_REVERT, "returned 7");
    expect_fail(c, 0, 999, CHAIN_CONTRACT_OUT_OF_GAS, "base");
    /* a write's 20,000 new-key charge runs out of gas, atomically */
    expect_fail(c, 0, 12000, CHAIN_CONTRACT_OUT_OF_GAS, "out of gas");
    /* an unknown entry is the caller's mistake, not the contract's */
    chain_contract_result_t r;
    chain_contract_env_t env = env_for(0, 100000);
    assert_int_equal(chain_contract_run(c, "execute", &env, &r, &e), CONTRACT_EINVAL);
    chain_contract_result_free(&r);
    /* the same run twice costs the same gas (determinism) */
    uint64_t g[2];
    for (int i = 0; i < 2; i++) {
        env = env_for(0, 100000);
        assert_int_equal(chain_contract_run(c, "call", &env, &r, &e), 0);
        g[i] = r.gas_used;
        chain_contract_result_free(&r);
    }
    assert_int_equal(g[0], g[1]);
    chain_contract_free(c);
}

static void test_cache(void **state)
{
    (void)state;
    size_t n1, n2;
    uint8_t *probe = load("probe", &n1), *other = load("no_call", &n2);
    chain_contract_cache_t *cc = chain_contract_cache_new(1);
    assert_non_null(cc);
    err_t e = {0};
    chain_hash_t h1, h2;
    const chain_contract_t *a = chain_contract_cache_get(cc, probe, n1, &h1, &e);
    const chain_contract_t *b = chain_contract_cache_get(cc, probe, n1, &h2, &e);
    assert_non_null(a);
    assert_ptr_equal(a, b);                      /* compiled once */
    assert_int_equal(chain_contract_cache_compiles(cc), 1);
    uint8_t want[32];
    crypto_sha256(probe, n1, want);
    assert_memory_equal(h1.b, want, 32);
    /* refused code is reported and not cached */
    assert_null(chain_contract_cache_get(cc, other, n2, &h2, &e));
    assert_int_equal(e.code, CONTRACT_ECODE);
    /* a cached contract runs */
    chain_contract_result_t r;
    chain_contract_env_t env = env_for(8, 100000);
    assert_int_equal(chain_contract_run(a, "call", &env, &r, &e), 0);
    assert_int_equal(r.status, CHAIN_CONTRACT_OK);
    chain_contract_result_free(&r);
    /* with room for one entry, a second code evicts the first once released */
    chain_contract_cache_release(cc, a);
    chain_contract_cache_release(cc, b);
    probe[n1 - 1] ^= 1;   /* a data byte changed: another code hash */
    const chain_contract_t *c = chain_contract_cache_get(cc, probe, n1, &h2, &e);
    assert_non_null(c);
    assert_int_equal(chain_contract_cache_compiles(cc), 2);
    probe[n1 - 1] ^= 1;
    const chain_contract_t *d = chain_contract_cache_get(cc, probe, n1, &h2, &e);
    assert_non_null(d);
    assert_int_equal(chain_contract_cache_compiles(cc), 3);   /* was evicted */
    chain_contract_cache_release(cc, c);
    chain_contract_cache_release(cc, d);
    chain_contract_cache_free(cc);
    free(probe);
    free(other);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR-WITH-WASM\n", argv[0]);
        return 2;
    }
    g_dir = argv[1];
    if (crypto_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_rules),
        cmocka_unit_test(test_host_abi),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
