/* chain/exec: compiled contract code by code hash (see exec.h). A small
 * table searched linearly under one mutex: the number of distinct
 * contracts in use at once is small, and a lookup is a 32-byte compare per
 * entry, nothing next to a run. Compilation happens under the lock, so two
 * threads asking for the same new code compile it once. */
#include "exec.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct cc_entry {
    chain_hash_t hash;
    chain_contract_t *c;
    uint32_t refs;
    uint64_t last_use;
} cc_entry_t;

struct chain_contract_cache {
    pthread_mutex_t mu;
    cc_entry_t *v;
    size_t n, cap, max;
    uint64_t clock, compiles;
};

chain_contract_cache_t *chain_contract_cache_new(size_t max_entries)
{
    chain_contract_cache_t *cc = calloc(1, sizeof *cc);
    if (!cc)
        return NULL;
    pthread_mutex_init(&cc->mu, NULL);
    cc->max = max_entries ? max_entries : 1;
    return cc;
}

void chain_contract_cache_free(chain_contract_cache_t *cc)
{
    if (!cc)
        return;
    for (size_t i = 0; i < cc->n; i++)
        chain_contract_free(cc->v[i].c);
    free(cc->v);
    pthread_mutex_destroy(&cc->mu);
    free(cc);
}

/* Drops least recently used unreferenced entries while over max. */
static void evict(chain_contract_cache_t *cc)
{
    while (cc->n > cc->max) {
        size_t victim = cc->n;
        for (size_t i = 0; i < cc->n; i++)
            if (cc->v[i].refs == 0 && (victim == cc->n || cc->v[i].last_use < cc->v[victim].last_use))
                victim = i;
        if (victim == cc->n)
            return;   /* everything is in use: keep it until released */
        chain_contract_free(cc->v[victim].c);
        cc->v[victim] = cc->v[--cc->n];
    }
}

const chain_contract_t *chain_contract_cache_get(chain_contract_cache_t *cc, const uint8_t *code,
                                                 size_t len, chain_hash_t *code_hash, err_t *e)
{
    chain_hash_t h;
    crypto_sha256(code, len, h.b);
    if (code_hash)
        *code_hash = h;
    pthread_mutex_lock(&cc->mu);
    const chain_contract_t *out = NULL;
    for (size_t i = 0; i < cc->n; i++)
        if (chain_hash_equal(&cc->v[i].hash, &h)) {
            cc->v[i].refs++;
            cc->v[i].last_use = ++cc->clock;
            out = cc->v[i].c;
            goto done;
        }
    if (cc->n == cc->cap) {
        size_t cap = cc->cap ? cc->cap * 2 : 8;
        cc_entry_t *v = realloc(cc->v, cap * sizeof *v);
        if (!v) {
            err_set(e, CONTRACT_ENOMEM, "contract cache: out of memory");
            goto done;
        }
        cc->v = v;
        cc->cap = cap;
    }
    chain_contract_t *c = chain_contract_compile(code, len, e);
    if (!c)
        goto done;
    cc->compiles++;
    cc->v[cc->n++] = (cc_entry_t){h, c, 1, ++cc->clock};
    out = c;
    evict(cc);
done:
    pthread_mutex_unlock(&cc->mu);
    return out;
}

const chain_contract_t *chain_contract_cache_find(chain_contract_cache_t *cc,
                                                  const chain_hash_t *code_hash)
{
    const chain_contract_t *out = NULL;
    pthread_mutex_lock(&cc->mu);
    for (size_t i = 0; i < cc->n; i++)
        if (chain_hash_equal(&cc->v[i].hash, code_hash)) {
            cc->v[i].refs++;
            cc->v[i].last_use = ++cc->clock;
            out = cc->v[i].c;
            break;
        }
    pthread_mutex_unlock(&cc->mu);
    return out;
}

void chain_contract_cache_release(chain_contract_cache_t *cc, const chain_contract_t *c)
{
    if (!cc || !c)
        return;
    pthread_mutex_lock(&cc->mu);
    for (size_t i = 0; i < cc->n; i++)
        if (cc->v[i].c == c && cc->v[i].refs > 0) {
            cc->v[i].refs--;
            break;
        }
    evict(cc);
    pthread_mutex_unlock(&cc->mu);
}

uint64_t chain_contract_cache_compiles(chain_contract_cache_t *cc)
{
    pthread_mutex_lock(&cc->mu);
    uint64_t n = cc->compiles;
    pthread_mutex_unlock(&cc->mu);
    return n;
}
