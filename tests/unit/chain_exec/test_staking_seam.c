/* The staking seams towards consensus (issue 15): QC signers handed to
 * execution through chain_exec_cfg_t.qc_signers are the participation
 * rewards and downtime jailing count (a validator that signs every QC of an
 * epoch is paid and stays; one that signs none is jailed, paid nothing), and
 * chain_staking_cons_set hands the epoch's set to consensus with stakes
 * scaled to fit a u64 total. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exec/exec.h"
#include "crypto/bls/bls.h"
#include "crypto/ecvrf/ecvrf.h"

#define CHAIN 0x77
#define NV 3

static uint8_t sk[NV][64], pk[NV][32], bls_pk[NV][48], vrf_pk[NV][32];
static chain_addr_t addr[NV];
static char dir[64];

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

static chain_state_t *open_chain(const chain_stake_params_t *p, const chain_u128_t *stakes)
{
    uint8_t bsk[32];
    for (int i = 0; i < NV; i++) {
        uint8_t seed[32];
        memset(seed, 0x50 + i, 32);
        crypto_ed25519_from_seed(seed, pk[i], sk[i]);
        chain_addr_from_pk(pk[i], &addr[i]);
        assert_int_equal(bls_keygen(bsk, seed, 32, NULL, 0, NULL, 0, NULL), 0);
        assert_int_equal(bls_sk_to_pk(bls_pk[i], bsk, NULL), 0);
        ecvrf_sk_to_pk(seed, vrf_pk[i]);
    }
    strcpy(dir, "/tmp/chain_staking_seam.XXXXXX");
    assert_non_null(mkdtemp(dir));
    err_t e = {0};
    chain_state_t *st = chain_state_open(dir, false, &e);
    assert_non_null(st);
    chain_stake_genesis_validator_t gv[NV];
    memset(gv, 0, sizeof gv);
    for (int i = 0; i < NV; i++) {
        memcpy(gv[i].pk, pk[i], 32);
        memcpy(gv[i].bls_pk, bls_pk[i], 48);
        memcpy(gv[i].vrf_pk, vrf_pk[i], 32);
        gv[i].stake = stakes[i];
    }
    chain_genesis_data_t *d;
    size_t nd;
    uint8_t *store;
    assert_int_equal(chain_staking_genesis(p, gv, NV, chain_u128_from_u64(0), &d, &nd, &store, &e), 0);
    chain_genesis_t g = {.chain_id = CHAIN, .timestamp_ms = 1, .data = d, .n_data = nd};
    memcpy(g.proposer_pk, pk[0], 32);
    assert_int_equal(chain_state_init_genesis(st, &g, &e), 0);
    free(d);
    free(store);
    return st;
}

static void close_chain(chain_state_t *st)
{
    chain_state_close(st);
    nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* One empty block whose QC the set of epoch qc_epoch signed: the
 * validators listed in who (-1 ends the list). */
static void block_signed(chain_state_t *st, uint64_t qc_epoch, const int *who)
{
    chain_addr_t signers[NV];
    size_t n = 0;
    for (; who[n] >= 0; n++)
        signers[n] = addr[who[n]];
    chain_exec_cfg_t cfg = {.chain_id = CHAIN, .verify_threads = 1, .qc_signers = signers,
                            .n_qc_signers = n, .qc_epoch = qc_epoch};
    chain_built_t b;
    err_t e = {0};
    assert_int_equal(chain_exec_build_block(st, &cfg, NULL, 0, 10, sk[0], &b, &e), 0);
    assert_int_equal(chain_exec_commit_built(st, &b, &e), 0);
    chain_built_free(&b);
}

/* One empty block whose QC validators 0 and 1 of epoch 0 signed (2 never signs). */
static void block(chain_state_t *st)
{
    block_signed(st, 0, (const int[]){0, 1, -1});
}

static chain_u128_t reward_of(chain_state_t *st, int i)
{
    chain_validator_t *v = malloc(sizeof *v);
    bool ex;
    assert_int_equal(chain_staking_get_validator(st, &addr[i], v, &ex, NULL), 0);
    assert_true(ex);
    chain_u128_t r = v->del[0].reward;   /* its own entry, the only one */
    assert_int_equal(v->n_del, 1);
    free(v);
    return r;
}

/* Epochs of 4 blocks, 8 blocks a year (2 epochs a year); stakes 1M, 3M, 2M. */
static chain_state_t *open_short_epochs(void)
{
    chain_stake_params_t p;
    chain_stake_params_default(&p);
    p.epoch_blocks = 4;
    p.block_ms = 31536000000ull / 8;   /* 8 blocks a year: 2 epochs a year */
    chain_u128_t stakes[NV] = {{1000000, 0}, {3000000, 0}, {2000000, 0}};
    chain_state_t *st = open_chain(&p, stakes);
    return st;
}

static void test_qc_signers(void **state)
{
    (void)state;
    chain_state_t *st = open_short_epochs();
    for (int i = 0; i < 3; i++)
        block(st);
    chain_valset_t *s = malloc(sizeof *s);
    bool ex;
    assert_int_equal(chain_staking_get_valset(st, 0, s, &ex, NULL), 0);
    assert_int_equal(s->m[0].signed_qcs, 3);
    assert_int_equal(s->m[1].signed_qcs, 3);
    assert_int_equal(s->m[2].signed_qcs, 0);
    block(st);   /* height 4 ends epoch 0 */
    /* E = 6,000,000 x 500 / (10,000 x 2) = 150,000; by stake of 6,000,000 */
    assert_int_equal(reward_of(st, 0).lo, 25000);
    assert_int_equal(reward_of(st, 1).lo, 75000);
    assert_int_equal(reward_of(st, 2).lo, 0);
    chain_validator_t *v = malloc(sizeof *v);
    assert_int_equal(chain_staking_get_validator(st, &addr[2], v, &ex, NULL), 0);
    assert_true(v->jailed);   /* signed no QC of the epoch */
    assert_int_equal(chain_staking_get_validator(st, &addr[1], v, &ex, NULL), 0);
    assert_false(v->jailed);
    /* the set of epoch 1: the two that signed, by stake */
    assert_int_equal(chain_staking_get_valset(st, 1, s, &ex, NULL), 0);
    assert_true(ex);
    assert_int_equal(s->n, 2);
    assert_memory_equal(s->m[0].addr.b, addr[1].b, 20);
    assert_memory_equal(s->m[1].addr.b, addr[0].b, 20);
    /* handed to consensus: keys in set order, stakes as they are (they fit) */
    uint8_t bpk[CHAIN_STAKE_MAX_SET][CHAIN_BLS_PK_BYTES], vpk[CHAIN_STAKE_MAX_SET][CHAIN_VRF_PK_BYTES];
    uint64_t cst[CHAIN_STAKE_MAX_SET];
    chain_addr_t ca[CHAIN_STAKE_MAX_SET];
    uint32_t n = 0;
    assert_int_equal(chain_staking_cons_set(st, 1, bpk, vpk, cst, ca, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(bpk[0], bls_pk[1], 48);
    assert_memory_equal(vpk[1], vrf_pk[0], 32);
    assert_int_equal(cst[0], 3000000);
    assert_int_equal(cst[1], 1000000);
    assert_int_equal(chain_staking_cons_set(st, 9, bpk, vpk, cst, ca, &n, NULL), 0);
    assert_int_equal(n, 0);   /* no such epoch yet */
    free(v);
    free(s);
    close_chain(st);
}

/* Consensus switches to the set of epoch 1 a few blocks after staking's
 * boundary: the QCs of those blocks were signed by epoch 0's set (slots
 * 0, 1, 2 = validators 0, 1, 2), whereas epoch 1's set is reordered
 * (validator 1, then 0) and lacks validator 2. They are credited to epoch
 * 0's members and count neither for nor against epoch 1's. */
static void test_tail_qcs_credit_signing_set(void **state)
{
    (void)state;
    chain_state_t *st = open_short_epochs();
    for (int i = 0; i < 4; i++)
        block(st);   /* heights 1..4: epoch 0; 2 jailed, set 1 = {1, 0} */
    chain_u128_t r0 = reward_of(st, 0), r1 = reward_of(st, 1);
    /* heights 5, 6: QCs still of epoch 0's set, signed by 0 and 2 */
    for (int i = 0; i < 2; i++)
        block_signed(st, 0, (const int[]){0, 2, -1});
    chain_valset_t *s = malloc(sizeof *s);
    bool ex;
    assert_int_equal(chain_staking_get_valset(st, 0, s, &ex, NULL), 0);
    assert_int_equal(s->m[0].signed_qcs, 6);
    assert_int_equal(s->m[1].signed_qcs, 4);
    assert_int_equal(s->m[2].signed_qcs, 2);
    assert_int_equal(chain_staking_get_valset(st, 1, s, &ex, NULL), 0);
    assert_int_equal(s->m[0].signed_qcs, 0);
    assert_int_equal(s->m[1].signed_qcs, 0);
    chain_stake_global_t *g = malloc(sizeof *g);
    assert_int_equal(chain_staking_get_global(st, g, &ex, NULL), 0);
    assert_int_equal(g->epoch, 1);
    assert_int_equal(g->epoch_blocks_seen, 0);
    /* heights 7, 8: epoch 1's set, only validator 1 signs; 8 ends epoch 1 */
    for (int i = 0; i < 2; i++)
        block_signed(st, 1, (const int[]){1, -1});
    /* E = 6,100,000 x 400 / (10,000 x 2) = 122,000 over stakes 3M + 1M:
     * validator 1 signed 2 of the epoch's 2 blocks, validator 0 none */
    assert_int_equal(reward_of(st, 1).lo - r1.lo, 122000 * 3 / 4);
    assert_int_equal(reward_of(st, 0).lo, r0.lo);
    chain_validator_t *v = malloc(sizeof *v);
    assert_int_equal(chain_staking_get_validator(st, &addr[0], v, &ex, NULL), 0);
    assert_true(v->jailed);   /* its tail signatures were epoch 0's */
    assert_int_equal(chain_staking_get_validator(st, &addr[1], v, &ex, NULL), 0);
    assert_false(v->jailed);
    /* a QC claimed by a set staking has not computed yet is refused */
    chain_addr_t one = addr[1];
    chain_exec_cfg_t cfg = {.chain_id = CHAIN, .verify_threads = 1, .qc_signers = &one,
                            .n_qc_signers = 1, .qc_epoch = 9};
    chain_built_t b;
    err_t e = {0};
    assert_int_not_equal(chain_exec_build_block(st, &cfg, NULL, 0, 10, sk[0], &b, &e), 0);
    assert_non_null(strstr(e.msg, "epoch 9"));
    free(v);
    free(g);
    free(s);
    close_chain(st);
}

static void test_cons_stakes_scaled(void **state)
{
    (void)state;
    chain_stake_params_t p;
    chain_stake_params_default(&p);
    /* stakes whose total does not fit in 62 bits */
    chain_u128_t stakes[NV] = {{0, 1}, {0, 3}, {5, 0}};   /* 2^64, 3 x 2^64, 5 */
    chain_state_t *st = open_chain(&p, stakes);
    uint8_t bpk[CHAIN_STAKE_MAX_SET][CHAIN_BLS_PK_BYTES], vpk[CHAIN_STAKE_MAX_SET][CHAIN_VRF_PK_BYTES];
    uint64_t cst[CHAIN_STAKE_MAX_SET];
    uint32_t n = 0;
    assert_int_equal(chain_staking_cons_set(st, 0, bpk, vpk, cst, NULL, &n, NULL), 0);
    assert_int_equal(n, 3);
    unsigned __int128 tot = (unsigned __int128)cst[0] + cst[1] + cst[2];
    assert_true(tot < ((unsigned __int128)1 << 62));
    assert_int_equal(cst[1], 3 * cst[0]);   /* proportions kept */
    assert_int_equal(cst[2], 1);            /* a tiny stake still counts as 1 */
    close_chain(st);
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qc_signers),
        cmocka_unit_test(test_tail_qcs_credit_signing_set),
        cmocka_unit_test(test_cons_stakes_scaled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
