/* See ledger_env.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_env.h"

void ledger_key(uint8_t seed_byte, int i, uint8_t pk[32], uint8_t sk[64], chain_addr_t *a)
{
    uint8_t seed[32];
    memset(seed, seed_byte + i, 32);
    crypto_ed25519_from_seed(seed, pk, sk);
    chain_addr_from_pk(pk, a);
}

void ledger_env_open(ledger_env_t *v, uint64_t chain_id, const chain_genesis_alloc_t *al,
                     size_t n, const uint8_t proposer_pk[32], bool cache)
{
    strcpy(v->dir, "/tmp/chain_ledger_test.XXXXXX");
    assert_non_null(mkdtemp(v->dir));
    err_t e = {0};
    v->st = chain_state_open(v->dir, false, &e);
    assert_non_null(v->st);
    chain_genesis_t g = {.chain_id = chain_id, .timestamp_ms = 5000, .accounts = al,
                         .n_accounts = n};
    memcpy(g.proposer_pk, proposer_pk, 32);
    assert_int_equal(chain_state_init_genesis(v->st, &g, &e), 0);
    memset(&v->cfg, 0, sizeof v->cfg);
    v->cfg.chain_id = chain_id;
    v->cfg.verify_threads = 1;
    v->cfg.contracts = cache ? chain_contract_cache_new(8) : NULL;
}

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

void ledger_env_close(ledger_env_t *v)
{
    chain_contract_cache_free(v->cfg.contracts);
    chain_state_close(v->st);
    nftw(v->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

uint8_t *ledger_read_code(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *b = malloc(CHAIN_MAX_CODE_BYTES);
    *len = b ? fread(b, 1, CHAIN_MAX_CODE_BYTES, f) : 0;
    fclose(f);
    if (b && *len < 8) {
        free(b);
        b = NULL;
    }
    return b;
}
