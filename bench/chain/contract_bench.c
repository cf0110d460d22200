/* Contract runtime throughput: AIC token transfers per second through
 * chain_contract_run (compile once, then per call: a fresh store and
 * instance, the token's code, host calls, and the run's writes applied to
 * an in-memory table standing in for committed storage). Single thread.
 * This is the runtime alone: no signatures, no ledger, no state tree, no
 * commit (the ledger does not execute contract transactions yet).
 *
 *   contract_bench AIC_TOKEN.wasm [--calls N] [--users U] [--amm AMM.wasm]
 *
 * Prints: compile time; calls/s and µs per call for a read-only query
 * (balance_of: instantiate + input + one storage read) and for transfers
 * (two reads, two writes, one event); gas per transfer. With --amm: swaps
 * on a pool of two token instances (sdk/contract/examples/amm.c), each three
 * frames (the AMM, then transfer_from on one token and transfer on the
 * other through call_contract): swaps/s and gas per swap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain/exec/exec.h"

#define TBL (1u << 16)
typedef struct slot {
    uint8_t key[128], val[32];   /* key: contract address ‖ storage key */
    uint8_t klen, vlen, used;
} slot_t;
static slot_t *g_tbl;

static uint32_t h(const uint8_t *k, uint32_t n)
{
    uint32_t x = 2166136261u;
    for (uint32_t i = 0; i < n; i++)
        x = (x ^ k[i]) * 16777619u;
    return x;
}

static slot_t *find(const uint8_t *k, uint32_t n, bool add)
{
    for (uint32_t i = h(k, n) & (TBL - 1);; i = (i + 1) & (TBL - 1)) {
        slot_t *s = &g_tbl[i];
        if (!s->used)
            return add ? s : NULL;
        if (s->klen == n && !memcmp(s->key, k, n))
            return s;
    }
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* The table's key for (contract, key). */
static uint32_t ckey(const chain_addr_t *contract, const uint8_t *k, uint32_t n, uint8_t *out)
{
    memcpy(out, contract->b, 20);
    memcpy(out + 20, k, n);
    return 20 + n;
}

static int get(void *u, const chain_addr_t *contract, const uint8_t *k, uint32_t n, uint8_t *v,
               uint32_t *vl, bool *found)
{
    (void)u;
    uint8_t ck[128];
    if (n > sizeof ck - 20)
        return -1;
    slot_t *s = find(ck, ckey(contract, k, n, ck), false);
    *found = s && s->vlen;
    *vl = *found ? s->vlen : 0;
    if (*found)
        memcpy(v, s->val, s->vlen);
    return 0;
}

static void apply(const chain_contract_result_t *r)
{
    for (size_t i = 0; i < r->n_writes; i++) {
        const chain_contract_write_t *w = &r->writes[i];
        uint8_t ck[128];
        if (w->klen > sizeof ck - 20 || w->vlen > 32) {
            fprintf(stderr, "contract_bench: a key or value too large for the table\n");
            exit(1);
        }
        uint32_t n = ckey(&w->contract, w->key, w->klen, ck);
        slot_t *s = find(ck, n, true);
        s->used = 1;
        memcpy(s->key, ck, n);
        s->klen = (uint8_t)n;
        s->vlen = w->removed ? 0 : (uint8_t)w->vlen;   /* vlen 0 = absent */
        if (!w->removed)
            memcpy(s->val, w->val, w->vlen);
    }
}

/* Code by address for nested calls (--amm): the two tokens and the AMM. */
static chain_addr_t g_addr[3];
static const chain_contract_t *g_code[3];

static int code_of(void *u, const chain_addr_t *a, const chain_contract_t **c)
{
    (void)u;
    *c = NULL;
    for (int i = 0; i < 3; i++)
        if (g_code[i] && !memcmp(a->b, g_addr[i].b, 20))
            *c = g_code[i];
    return 0;
}

static chain_contract_t *load(const char *path)
{
    err_t e = {0};
    chain_contract_t *c = chain_contract_load(path, &e);
    if (!c)
        fprintf(stderr, "contract_bench: %s\n", e.msg);
    return c;
}

/* Runs entry of self; exits on failure. */
static uint64_t must_run(const chain_contract_t *c, const chain_addr_t *self,
                         const chain_addr_t *caller, const char *entry, const uint8_t *in,
                         uint32_t n)
{
    chain_contract_env_t env = {.self = *self, .caller = *caller, .input = in, .input_len = n,
                                .gas_limit = 10000000, .storage_get = get, .code_get = code_of};
    chain_contract_result_t r;
    err_t e = {0};
    if (chain_contract_run(c, entry, &env, &r, &e) || r.status) {
        fprintf(stderr, "contract_bench: %s failed: %s%s\n", entry, e.msg, r.reason);
        exit(1);
    }
    apply(&r);
    uint64_t gas = r.gas_used;
    chain_contract_result_free(&r);
    return gas;
}

static void put128(uint8_t *p, uint64_t v)
{
    chain_u128_put(p, chain_u128_from_u64(v));
}

/* --amm: a pool of TA/TB funded by `who`, then `calls` swaps, alternating. */
static int bench_amm(const char *path, const chain_contract_t *token, const chain_addr_t *ta,
                     const chain_addr_t *who, long calls)
{
    chain_contract_t *amm = load(path);
    if (!amm)
        return 1;
    chain_addr_t tb, am;
    memset(tb.b, 0xef, 20);
    memset(am.b, 0xaa, 20);
    g_addr[0] = *ta, g_addr[1] = tb, g_addr[2] = am;
    g_code[0] = token, g_code[1] = token, g_code[2] = amm;
    uint8_t in[128];
    put128(in, 1ull << 50);
    must_run(token, &tb, who, "init", in, 16);
    put128(in, 30);
    must_run(amm, &am, who, "init", in, 16);
    for (int t = 0; t < 2; t++) {   /* approve the AMM on both tokens */
        in[0] = 2;
        memcpy(in + 1, am.b, 20);
        put128(in + 21, ~0ull);
        must_run(token, &g_addr[t], who, "call", in, 37);
    }
    in[0] = 1;
    memcpy(in + 1, ta->b, 20);
    memcpy(in + 21, tb.b, 20);
    must_run(amm, &am, who, "call", in, 41);
    in[0] = 2;   /* add_liquidity(TA, TB, 2^40, 2^40, 0) */
    put128(in + 41, 1ull << 40);
    put128(in + 57, 1ull << 40);
    put128(in + 73, 0);
    must_run(amm, &am, who, "call", in, 89);
    uint64_t gas = 0;
    double t0 = now();
    for (long k = 0; k < calls; k++) {
        in[0] = 4;   /* swap(tin, tout, 1000, 0) */
        memcpy(in + 1, (k & 1 ? &tb : ta)->b, 20);
        memcpy(in + 21, (k & 1 ? ta : &tb)->b, 20);
        put128(in + 41, 1000);
        put128(in + 57, 0);
        gas += must_run(amm, &am, who, "call", in, 73);
    }
    double t = now() - t0;
    printf("amm swaps (3 frames each): %ld in %.3f s = %.0f swaps/s (%.1f us/swap), "
           "%llu gas each\n", calls, t, calls / t, t / calls * 1e6,
           (unsigned long long)(gas / (uint64_t)calls));
    chain_contract_free(amm);
    return 0;
}


int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s AIC_TOKEN.wasm [--calls N] [--users U] [--amm AMM.wasm]\n",
                argv[0]);
        return 2;
    }
    long calls = 50000, users = 1000;
    const char *amm = NULL;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--amm"))
            amm = argv[i + 1];
        else if (!strcmp(argv[i], "--calls"))
            calls = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--users"))
            users = atol(argv[i + 1]);
    }
    if (calls < 1 || users < 2 || users > 20000) {
        fprintf(stderr, "contract_bench: --calls >= 1, --users 2..20000\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "contract_bench: cannot open %s\n", argv[1]);
        return 1;
    }
    static uint8_t code[1 << 16];
    size_t n = fread(code, 1, sizeof code, f);
    fclose(f);
    g_tbl = calloc(TBL, sizeof *g_tbl);
    chain_addr_t *u = calloc((size_t)users, sizeof *u);
    if (!g_tbl || !u)
        return 1;
    for (long i = 0; i < users; i++)
        memcpy(u[i].b, &i, sizeof i), u[i].b[19] = 0xa1;
    err_t e = {0};
    double t0 = now();
    chain_contract_t *c = chain_contract_compile(code, n, &e);
    double t_compile = now() - t0;
    if (!c) {
        fprintf(stderr, "contract_bench: %s\n", e.msg);
        return 1;
    }
    chain_contract_env_t env = {.gas_limit = 1000000, .storage_get = get};
    memset(env.self.b, 0xee, 20);
    uint8_t in[64];
    chain_contract_result_t r;
    /* init: user 0 holds the whole supply; then fund every user */
    memset(in, 0, 16);
    in[7] = 1;   /* 2^56 */
    env.caller = u[0], env.input = in, env.input_len = 16;
    if (chain_contract_run(c, "init", &env, &r, &e) || r.status)
        return fprintf(stderr, "init failed: %s %s\n", e.msg, r.reason), 1;
    apply(&r);
    chain_contract_result_free(&r);
    for (long i = 1; i < users; i++) {
        in[0] = 1;
        memcpy(in + 1, u[i].b, 20);
        memset(in + 21, 0, 16);
        in[21 + 4] = 1;   /* 2^32 each */
        env.input_len = 37;
        if (chain_contract_run(c, "call", &env, &r, &e) || r.status)
            return fprintf(stderr, "funding failed: %s\n", r.reason), 1;
        apply(&r);
        chain_contract_result_free(&r);
    }
    /* read-only queries */
    t0 = now();
    for (long k = 0; k < calls; k++) {
        in[0] = 6;
        memcpy(in + 1, u[k % users].b, 20);
        env.input_len = 21;
        if (chain_contract_run(c, "call", &env, &r, &e) || r.status)
            return fprintf(stderr, "query failed: %s\n", r.reason), 1;
        chain_contract_result_free(&r);
    }
    double t_query = now() - t0;
    /* transfers: user k -> user k+1, 1 unit each */
    uint64_t gas = 0;
    t0 = now();
    for (long k = 0; k < calls; k++) {
        env.caller = u[k % users];
        in[0] = 1;
        memcpy(in + 1, u[(k + 1) % users].b, 20);
        memset(in + 21, 0, 16);
        in[21] = 1;
        env.input_len = 37;
        if (chain_contract_run(c, "call", &env, &r, &e) || r.status)
            return fprintf(stderr, "transfer failed: %s\n", r.reason), 1;
        gas += r.gas_used;
        apply(&r);
        chain_contract_result_free(&r);
    }
    double t_xfer = now() - t0;
    printf("token code: %zu bytes, compiled in %.3f ms\n", n, t_compile * 1e3);
    printf("balance_of queries: %ld in %.3f s = %.0f calls/s (%.1f us/call)\n", calls, t_query,
           calls / t_query, t_query / calls * 1e6);
    printf("token transfers:    %ld in %.3f s = %.0f transfers/s (%.1f us/transfer), "
           "%llu gas each\n",
           calls, t_xfer, calls / t_xfer, t_xfer / calls * 1e6,
           (unsigned long long)(gas / (uint64_t)calls));
    if (amm && bench_amm(amm, c, &env.self, &u[0], calls))
        return 1;
    chain_contract_free(c);
    free(u);
    free(g_tbl);
    return 0;
}
