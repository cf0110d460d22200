/* The in-memory world of the contract runtime tests (contract_world.h).
 * Small linear tables: tests hold a few hundred keys at most. */
#include "contract_world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cw_slot {
    chain_addr_t contract;
    uint8_t *key, *val;
    uint32_t klen, vlen;
} cw_slot_t;

typedef struct cw_acct {
    chain_addr_t a;
    chain_u128_t bal;
    const chain_contract_t *code;
} cw_acct_t;

struct cw {
    cw_slot_t *slots;
    size_t n_slots, cap_slots;
    cw_acct_t *accts;
    size_t n_accts, cap_accts;
    int fail_reads, gets, releases;
    uint64_t height, ts;
};

static bool addr_eq(const chain_addr_t *a, const chain_addr_t *b)
{
    return memcmp(a->b, b->b, 20) == 0;
}

cw_t *cw_new(void)
{
    cw_t *w = calloc(1, sizeof *w);
    if (w) {
        w->height = 1;
        w->ts = 1000;
    }
    return w;
}

void cw_free(cw_t *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n_slots; i++) {
        free(w->slots[i].key);
        free(w->slots[i].val);
    }
    free(w->slots);
    free(w->accts);
    free(w);
}

chain_contract_t *cw_load(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.wasm", dir, name);
    err_t e = {0};
    chain_contract_t *c = chain_contract_load(path, &e);
    if (!c)
        fprintf(stderr, "%s\n", e.msg);
    return c;
}

static cw_acct_t *acct(const cw_t *w, const chain_addr_t *a)
{
    for (size_t i = 0; i < w->n_accts; i++)
        if (addr_eq(&w->accts[i].a, a))
            return &w->accts[i];
    return NULL;
}

static cw_acct_t *acct_make(cw_t *w, const chain_addr_t *a)
{
    cw_acct_t *x = acct(w, a);
    if (x)
        return x;
    if (w->n_accts == w->cap_accts) {
        size_t c = w->cap_accts ? w->cap_accts * 2 : 16;
        cw_acct_t *p = realloc(w->accts, c * sizeof *p);
        if (!p)
            abort();
        w->accts = p;
        w->cap_accts = c;
    }
    x = &w->accts[w->n_accts++];
    memset(x, 0, sizeof *x);
    x->a = *a;
    return x;
}

void cw_set_code(cw_t *w, const chain_addr_t *a, const chain_contract_t *c)
{
    acct_make(w, a)->code = c;
}

void cw_set_balance(cw_t *w, const chain_addr_t *a, chain_u128_t v)
{
    acct_make(w, a)->bal = v;
}

chain_u128_t cw_balance(const cw_t *w, const chain_addr_t *a)
{
    cw_acct_t *x = acct(w, a);
    return x ? x->bal : (chain_u128_t){0, 0};
}

chain_u128_t cw_total(const cw_t *w)
{
    chain_u128_t t = {0, 0};
    for (size_t i = 0; i < w->n_accts; i++)
        t = chain_u128_add_sat(t, w->accts[i].bal);
    return t;
}

static cw_slot_t *slot(const cw_t *w, const chain_addr_t *c, const void *key, uint32_t klen)
{
    for (size_t i = 0; i < w->n_slots; i++)
        if (w->slots[i].klen == klen && addr_eq(&w->slots[i].contract, c) &&
            memcmp(w->slots[i].key, key, klen) == 0)
            return &w->slots[i];
    return NULL;
}

bool cw_get(const cw_t *w, const chain_addr_t *contract, const void *key, uint32_t klen,
            uint8_t *val, uint32_t *vlen)
{
    cw_slot_t *s = slot(w, contract, key, klen);
    if (!s)
        return false;
    if (val)
        memcpy(val, s->val, s->vlen);
    if (vlen)
        *vlen = s->vlen;
    return true;
}

uint64_t cw_get_u64(const cw_t *w, const chain_addr_t *contract, const char *key)
{
    uint8_t v[CHAIN_CONTRACT_MAX_VALUE];
    uint32_t n = 0;
    if (!cw_get(w, contract, key, (uint32_t)strlen(key), v, &n))
        return 0;
    uint8_t b[8] = {0};
    memcpy(b, v, n < 8 ? n : 8);
    return load_le64(b);
}

void cw_fail_reads(cw_t *w, int code)
{
    w->fail_reads = code;
}

int cw_code_gets(const cw_t *w)
{
    return w->gets;
}

int cw_code_releases(const cw_t *w)
{
    return w->releases;
}

void cw_set_block(cw_t *w, uint64_t height, uint64_t timestamp_ms)
{
    w->height = height;
    w->ts = timestamp_ms;
}

static int cb_storage(void *u, const chain_addr_t *c, const uint8_t *k, uint32_t n, uint8_t *val,
                      uint32_t *vlen, bool *found)
{
    cw_t *w = u;
    if (w->fail_reads)
        return w->fail_reads;
    *found = cw_get(w, c, k, n, val, vlen);
    return 0;
}

static int cb_balance(void *u, const chain_addr_t *a, chain_u128_t *out)
{
    *out = cw_balance(u, a);
    return 0;
}

static int cb_code(void *u, const chain_addr_t *a, const chain_contract_t **c)
{
    cw_t *w = u;
    cw_acct_t *x = acct(w, a);
    *c = x ? x->code : NULL;
    if (*c)
        w->gets++;
    return 0;
}

static void cb_release(void *u, const chain_contract_t *c)
{
    (void)c;
    ((cw_t *)u)->releases++;
}

static void put(cw_t *w, const chain_contract_write_t *x)
{
    cw_slot_t *s = slot(w, &x->contract, x->key, x->klen);
    if (x->removed) {
        if (s) {
            free(s->key);
            free(s->val);
            *s = w->slots[--w->n_slots];
        }
        return;
    }
    if (!s) {
        if (w->n_slots == w->cap_slots) {
            size_t c = w->cap_slots ? w->cap_slots * 2 : 64;
            cw_slot_t *p = realloc(w->slots, c * sizeof *p);
            if (!p)
                abort();
            w->slots = p;
            w->cap_slots = c;
        }
        s = &w->slots[w->n_slots++];
        s->contract = x->contract;
        s->key = malloc(x->klen ? x->klen : 1);
        if (!s->key)
            abort();
        memcpy(s->key, x->key, x->klen);
        s->klen = x->klen;
        s->val = NULL;
    }
    free(s->val);
    s->val = malloc(x->vlen ? x->vlen : 1);
    if (!s->val)
        abort();
    memcpy(s->val, x->val, x->vlen);
    s->vlen = x->vlen;
}

/* Moves v from -> to; false (nothing moved) when from cannot pay. */
static bool move(cw_t *w, const chain_addr_t *from, const chain_addr_t *to, chain_u128_t v)
{
    cw_acct_t *f = acct_make(w, from);
    chain_u128_t rest, sum;
    if (!chain_u128_sub(f->bal, v, &rest))
        return false;
    cw_acct_t *t = acct_make(w, to);
    f = acct(w, from);   /* acct_make may have moved the table */
    if (addr_eq(from, to))
        return true;
    if (!chain_u128_add(t->bal, v, &sum))
        return false;
    f->bal = rest;
    t->bal = sum;
    return true;
}

int cw_run(cw_t *w, const chain_addr_t *caller, const chain_addr_t *self, const char *entry,
           chain_u128_t value, const uint8_t *in, uint32_t n, uint64_t gas,
           chain_contract_result_t *r)
{
    memset(r, 0, sizeof *r);
    cw_acct_t *x = acct(w, self);
    if (!x || !x->code)
        return -1;
    const chain_contract_t *code = x->code;
    if (!move(w, caller, self, value))
        return -1;
    chain_contract_env_t env = {.self = *self, .caller = *caller, .value = value,
                                .block_number = w->height, .timestamp_ms = w->ts,
                                .input = in, .input_len = n, .gas_limit = gas,
                                .storage_get = cb_storage, .balance_get = cb_balance,
                                .code_get = cb_code, .code_release = cb_release, .user = w};
    err_t e = {0};
    int rc = chain_contract_run(code, entry, &env, r, &e);
    if (rc == 0 && r->status == CHAIN_CONTRACT_OK) {
        for (size_t i = 0; i < r->n_writes; i++)
            put(w, &r->writes[i]);
        for (size_t i = 0; i < r->n_transfers; i++)
            if (!move(w, &r->transfers[i].from, &r->transfers[i].to, r->transfers[i].amount)) {
                fprintf(stderr, "cw_run: the runtime reported an uncovered transfer\n");
                abort();
            }
    } else if (!move(w, self, caller, value)) {
        abort();
    }
    return rc;
}

void cw_msg_u8(cw_msg_t *m, uint8_t v)
{
    if (m->n + 1 > sizeof m->b)
        abort();
    m->b[m->n++] = v;
}

void cw_msg_addr(cw_msg_t *m, const chain_addr_t *a)
{
    if (m->n + 20 > sizeof m->b)
        abort();
    memcpy(m->b + m->n, a->b, 20);
    m->n += 20;
}

void cw_msg_u64(cw_msg_t *m, uint64_t v)
{
    if (m->n + 8 > sizeof m->b)
        abort();
    store_le64(m->b + m->n, v);
    m->n += 8;
}

void cw_msg_u128(cw_msg_t *m, cw_u128 v)
{
    if (m->n + 16 > sizeof m->b)
        abort();
    chain_u128_put(m->b + m->n, (chain_u128_t){(uint64_t)v, (uint64_t)(v >> 64)});
    m->n += 16;
}

cw_u128 cw_u128_at(const uint8_t *b)
{
    chain_u128_t v = chain_u128_get(b);
    return ((cw_u128)v.hi << 64) | v.lo;
}

uint8_t cw_call(cw_t *w, const chain_addr_t *caller, const chain_addr_t *self, const char *entry,
                const cw_msg_t *m, uint64_t gas, uint8_t *ret, uint32_t *ret_len, char *reason)
{
    chain_contract_result_t r;
    int rc = cw_run(w, caller, self, entry, (chain_u128_t){0, 0}, m->b, m->n, gas, &r);
    if (rc != 0) {
        fprintf(stderr, "cw_call %s: the run failed (%d)\n", entry, rc);
        abort();
    }
    if (ret && r.ret_len && r.ret_len <= CW_RET_MAX)
        memcpy(ret, r.ret, r.ret_len);
    if (ret_len)
        *ret_len = r.ret_len;
    if (reason)
        snprintf(reason, ERR_MSG_MAX, "%s", r.reason);
    uint8_t st = r.status;
    chain_contract_result_free(&r);
    return st;
}
