/* The chain/bft unit tests' shared fixture: a 4-validator BFT genesis
 * (stake 10 each, epochs of 10 rounds) and nodes in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

char tmpdir[256];


void key_of(int i, node_key_t *k)
{
    uint8_t seed[32] = {0};
    seed[0] = (uint8_t)i;
    seed[1] = 0xB7;
    node_key_from_seed(k, seed);
}

void fixture_init(fixture_t *f, uint64_t timeout_ms)
{
    memset(f, 0, sizeof *f);
    err_t e = {0};
    f->g.validators = calloc(4, sizeof *f->g.validators);
    assert_non_null(f->g.validators);
    for (int i = 0; i < 4; i++) {
        key_of(i, &f->val[i]);
        json_t *j = node_validator_entry_json(&f->val[i], 10, &e);
        assert_non_null(j);
        assert_int_equal(node_validator_from_json(j, &f->g.validators[i], "v", &e), 0);
        json_decref(j);
    }
    key_of(9, &f->user);
    f->alloc.addr = f->user.addr;
    f->alloc.balance = chain_u128_from_u64(1000000000);
    f->g.bft = true;
    f->g.n_validators = 4;
    f->g.cons.epoch_len = 10;
    f->g.cons.base_timeout_ms = timeout_ms;   /* 60000: no timeouts during a test */
    f->g.cons.max_timeout_ms = timeout_ms * 4;
    f->g.cons.min_fee = chain_u128_from_u64(1000);
    memset(f->g.cons.seed, 7, 32);
    f->g.g.chain_id = 31;
    f->g.g.timestamp_ms = 1000;
    memcpy(f->g.g.proposer_pk, f->val[0].pk, 32);
    f->g.g.accounts = &f->alloc;
    f->g.g.n_accounts = 1;
    f->g.g.certified = true;
    f->vs = bft_valset_genesis(&f->g, &e);
    assert_non_null(f->vs);
    assert_int_equal(node_genesis_cons_id(&f->g, &f->gid, &e), 0);
    chain_block_t *b0 = NULL;
    assert_int_equal(chain_genesis_block(&f->g.g, &b0, &e), 0);
    f->block0 = b0->hash;
    chain_block_free(b0);
}

void fixture_free(fixture_t *f)
{
    cons_valset_free(f->vs);
    free(f->g.validators);
}

node_t *open_node(fixture_t *f, const char *name, const node_key_t *key)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", tmpdir, name);
    node_config_t cfg;
    node_config_default(&cfg);
    cfg.data_dir = dir;
    cfg.genesis = &f->g;
    cfg.key = key;
    err_t e = {0};
    node_t *n = node_open(&cfg, &e);
    if (!n)
        fail_msg("node_open: %s", e.msg);
    return n;
}


int fixture_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/chain_bft_test.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

int fixture_teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}
