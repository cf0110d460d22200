/* Shared fixture of the chain/bft unit tests (fixture.c). */
#ifndef AETHER_TEST_BFT_FIXTURE_H
#define AETHER_TEST_BFT_FIXTURE_H

#include "chain/bft/bft.h"

extern char tmpdir[256];   /* the test's temporary directory (setup) */

typedef struct fixture {
    node_genesis_t g;
    node_key_t val[4], user;
    chain_genesis_alloc_t alloc;
    cons_valset_t *vs;
    chain_hash_t gid, block0;
} fixture_t;

void key_of(int i, node_key_t *k);
/* timeout_ms: the base round timeout (max = 4x). */
void fixture_init(fixture_t *f, uint64_t timeout_ms);
void fixture_free(fixture_t *f);
/* A node for key (NULL = full node) in tmpdir/name. */
node_t *open_node(fixture_t *f, const char *name, const node_key_t *key);

/* cmocka group setup / teardown: tmpdir created, then removed. */
int fixture_setup(void **state);
int fixture_teardown(void **state);

#endif
