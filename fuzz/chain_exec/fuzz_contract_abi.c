/* libFuzzer: the contract host ABI. A fixed driver contract (abi_driver.wat)
 * turns the fuzz input into a sequence of host calls with fuzzed pointers,
 * lengths, addresses, amounts and gas limits (nested calls run the driver
 * again, at a second address too, on slices of the input). Checks: the
 * runtime never fails on its own, gas stays within the limit, a failed run
 * has no effects, a successful run's effects respect the limits and its
 * value moves are covered by the balances, and a second run of the same
 * input gives the same status, gas, effects and return data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exec/exec.h"

#include "abi_driver.h"

static chain_contract_t *g_driver;
static chain_addr_t D1, D2;

static bool is_driver(const chain_addr_t *a)
{
    return !memcmp(a->b, D1.b, 20) || !memcmp(a->b, D2.b, 20);
}

/* Committed storage: D1 holds key "k" = "committed". */
static int get(void *u, const chain_addr_t *c, const uint8_t *k, uint32_t n, uint8_t *val,
               uint32_t *vlen, bool *found)
{
    (void)u;
    *found = !memcmp(c->b, D1.b, 20) && n == 1 && k[0] == 'k';
    *vlen = *found ? 9 : 0;
    if (*found)
        memcpy(val, "committed", 9);
    return 0;
}

static int balance(void *u, const chain_addr_t *a, chain_u128_t *out)
{
    (void)u;
    *out = chain_u128_from_u64(is_driver(a) ? 1000 : a->b[0]);
    return 0;
}

static int gets;

static int code(void *u, const chain_addr_t *a, const chain_contract_t **c)
{
    (void)u;
    *c = is_driver(a) ? g_driver : NULL;
    gets += *c != NULL;
    return 0;
}

static void release(void *u, const chain_contract_t *c)
{
    (void)u;
    if (c != g_driver)
        abort();
    gets--;
}

/* Balances while replaying one result's moves. */
static chain_addr_t g_who[2 * CHAIN_CONTRACT_MAX_TRANSFERS];
static chain_u128_t g_bal[2 * CHAIN_CONTRACT_MAX_TRANSFERS];
static size_t g_n;

static size_t slot(const chain_addr_t *a)
{
    for (size_t k = 0; k < g_n; k++)
        if (!memcmp(g_who[k].b, a->b, 20))
            return k;
    g_who[g_n] = *a;
    balance(NULL, a, &g_bal[g_n]);
    return g_n++;
}

static void check(const chain_contract_result_t *r, uint64_t limit)
{
    g_n = 0;
    if (r->gas_used > limit || r->status > CHAIN_CONTRACT_TRAP || r->max_depth < 1 ||
        r->max_depth > CHAIN_CONTRACT_MAX_DEPTH || r->ret_len > CHAIN_CONTRACT_MAX_RETURN)
        abort();
    if (r->status != CHAIN_CONTRACT_OK) {
        if (r->n_writes || r->n_logs || r->n_transfers)
            abort();
        return;
    }
    if (r->n_writes > CHAIN_CONTRACT_MAX_WRITES || r->n_logs > CHAIN_CONTRACT_MAX_LOGS ||
        r->n_transfers > CHAIN_CONTRACT_MAX_TRANSFERS)
        abort();
    for (size_t i = 0; i < r->n_writes; i++) {
        const chain_contract_write_t *w = &r->writes[i];
        if (!is_driver(&w->contract) || w->klen > CHAIN_CONTRACT_MAX_KEY ||
            w->vlen > CHAIN_CONTRACT_MAX_VALUE || (w->removed != (w->val == NULL)))
            abort();
    }
    for (size_t i = 0; i < r->n_logs; i++)
        if (!is_driver(&r->logs[i].contract) || r->logs[i].len > CHAIN_CONTRACT_MAX_LOG_BYTES)
            abort();
    /* replay the moves on the balances the callback reported */
    for (size_t i = 0; i < r->n_transfers; i++) {
        const chain_contract_transfer_t *t = &r->transfers[i];
        if (!is_driver(&t->from) || chain_u128_is_zero(t->amount) ||
            !memcmp(t->from.b, t->to.b, 20))
            abort();
        size_t f = slot(&t->from), to = slot(&t->to);
        if (!chain_u128_sub(g_bal[f], t->amount, &g_bal[f]) ||
            !chain_u128_add(g_bal[to], t->amount, &g_bal[to]))
            abort();
    }
}

static bool same(const chain_contract_result_t *a, const chain_contract_result_t *b)
{
    if (a->status != b->status || a->gas_used != b->gas_used || a->ret_len != b->ret_len ||
        a->n_writes != b->n_writes || a->n_logs != b->n_logs ||
        a->n_transfers != b->n_transfers || a->max_depth != b->max_depth ||
        strcmp(a->reason, b->reason) != 0)
        return false;
    if (a->ret_len && memcmp(a->ret, b->ret, a->ret_len) != 0)
        return false;
    for (size_t i = 0; i < a->n_writes; i++)
        if (a->writes[i].vlen != b->writes[i].vlen ||
            (a->writes[i].vlen && memcmp(a->writes[i].val, b->writes[i].val, a->writes[i].vlen)))
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_driver) {
        memset(D1.b, 0x11, 20);
        memset(D2.b, 0x22, 20);
        err_t e = {0};
        g_driver = chain_contract_compile(abi_driver_wasm, sizeof abi_driver_wasm, &e);
        if (!g_driver)
            abort();
    }
    if (size > CHAIN_MAX_INPUT_BYTES)
        size = CHAIN_MAX_INPUT_BYTES;
    chain_contract_env_t env = {.self = D1, .input = data, .input_len = (uint32_t)size,
                                .gas_limit = 2000000, .block_number = 9, .timestamp_ms = 99,
                                .storage_get = get, .balance_get = balance, .code_get = code,
                                .code_release = release};
    memset(env.caller.b, 0xca, 20);
    chain_contract_result_t r[2];
    for (int i = 0; i < 2; i++) {
        err_t e = {0};
        if (chain_contract_run(g_driver, "call", &env, &r[i], &e) != 0 || gets != 0)
            abort();
        check(&r[i], env.gas_limit);
    }
    if (!same(&r[0], &r[1]))
        abort();
    chain_contract_result_free(&r[0]);
    chain_contract_result_free(&r[1]);
    return 0;
}
