/* The deterministic consensus simulator (see sim.c). */
#ifndef AETHER_TESTS_CONSENSUS_SIM_H
#define AETHER_TESTS_CONSENSUS_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "chain/consensus/consensus.h"

extern const cons_crypto_t sim_crypto_test;

typedef enum sim_mode {
    SIM_RANDOM = 0,   /* delays, drops, partitions, crash-restarts */
    SIM_TWINS = 1,    /* as random, plus a second instance of validator 0 */
} sim_mode_t;

typedef struct sim_opts {
    uint64_t seed;
    sim_mode_t mode;
    bool real_crypto;       /* cons_crypto_bls instead of the test scheme */
    uint32_t n;             /* validators; 0 = chosen by the seed (4..7) */
    uint64_t fault_ms;      /* faults happen in [0, fault_ms) */
    uint64_t calm_ms;       /* then this long with every fault healed */
    bool full_node;         /* add a full node that follows */
    bool all_crash;         /* crash every validator at once, restart them */
    bool verbose;
} sim_opts_t;

typedef struct sim_result {
    bool safe;              /* no conflicting commits, chains link, lvr monotone */
    bool live;              /* every honest instance committed >= 5 blocks after healing */
    uint64_t max_height;    /* highest committed height anywhere */
    uint64_t rounds;        /* highest round anywhere */
    uint64_t events, commits, evidence, restarts, tcs_rounds;
    char why[256];          /* the first violation */
} sim_result_t;

/* Runs one seed; 0 when it ran (check res->safe / res->live), < 0 when the
 * simulation could not be set up. */
int sim_run(const sim_opts_t *o, sim_result_t *res);

#endif
