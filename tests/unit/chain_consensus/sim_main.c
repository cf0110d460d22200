/*
 * chain_consensus_sim: runs the deterministic simulator over a range of
 * seeds and reports safety and liveness.
 *
 *   chain_consensus_sim [--seeds N] [--start S] [--bls K] [--seed X] [-v]
 *
 * Seed s runs Twins when s % 3 == 0 (validator 0 twice, partitions between
 * the twins; safety only), otherwise random delays, drops, partitions and
 * crash-restarts with a full node following (even s) and, when s % 7 == 3,
 * every instance crashing at once; those seeds must also be live after the
 * faults heal. The first K seeds use real BLS12-381 and ECVRF (cons_crypto_bls)
 * instead of the test-only scheme. Exit status 1 on any violation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static sim_opts_t opts_for(uint64_t seed, bool bls)
{
    sim_opts_t o = {.seed = seed};
    o.mode = seed % 3 == 0 ? SIM_TWINS : SIM_RANDOM;
    o.full_node = o.mode == SIM_RANDOM && seed % 2 == 0;
    o.all_crash = o.mode == SIM_RANDOM && seed % 7 == 3;
    o.real_crypto = bls;
    if (bls) {
        o.n = 4;
        o.fault_ms = 2000;
        o.calm_ms = 5000;
    }
    return o;
}

int main(int argc, char **argv)
{
    uint64_t seeds = 100, start = 1, bls = 0, one = 0;
    bool verbose = false, single = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seeds") && i + 1 < argc)
            seeds = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--start") && i + 1 < argc)
            start = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--bls") && i + 1 < argc)
            bls = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            one = strtoull(argv[++i], NULL, 10);
            single = true;
        } else if (!strcmp(argv[i], "-v"))
            verbose = true;
        else {
            fprintf(stderr, "usage: %s [--seeds N] [--start S] [--bls K] [--seed X] [-v]\n",
                    argv[0]);
            return 2;
        }
    }
    if (crypto_init() != 0) {
        fprintf(stderr, "crypto_init failed\n");
        return 1;
    }
    if (single) {
        start = one;
        seeds = 1;
    }
    uint64_t twins = 0, random = 0, unsafe = 0, dead = 0, nbls = 0, evidence = 0, commits = 0,
             restarts = 0, max_rounds = 0;
    for (uint64_t k = 0; k < seeds; k++) {
        uint64_t seed = start + k;
        bool use_bls = k < bls;
        sim_opts_t o = opts_for(seed, use_bls);
        o.verbose = verbose;
        sim_result_t r;
        if (sim_run(&o, &r) != 0) {
            fprintf(stderr, "seed %llu: simulation could not run\n", (unsigned long long)seed);
            return 1;
        }
        nbls += use_bls;
        if (o.mode == SIM_TWINS)
            twins++;
        else
            random++;
        evidence += r.evidence;
        commits += r.commits;
        restarts += r.restarts;
        if (r.rounds > max_rounds)
            max_rounds = r.rounds;
        if (!r.safe)
            unsafe++;
        if (!r.live)
            dead++;
        if (!r.safe || !r.live || verbose)
            printf("seed %llu (%s%s): %s%s height %llu rounds %llu events %llu commits %llu "
                   "evidence %llu restarts %llu %s\n",
                   (unsigned long long)seed, o.mode == SIM_TWINS ? "twins" : "random",
                   use_bls ? ", bls" : "", r.safe ? "safe" : "UNSAFE",
                   r.live ? "" : " NOT-LIVE", (unsigned long long)r.max_height,
                   (unsigned long long)r.rounds, (unsigned long long)r.events,
                   (unsigned long long)r.commits, (unsigned long long)r.evidence,
                   (unsigned long long)r.restarts, r.why);
    }
    printf("consensus simulator: %llu seeds from %llu (%llu twins, %llu random faults, %llu with "
           "real BLS/ECVRF): %llu safety violations, %llu liveness failures; %llu commits, "
           "%llu evidence objects, %llu restarts, max round %llu\n",
           (unsigned long long)seeds, (unsigned long long)start, (unsigned long long)twins,
           (unsigned long long)random, (unsigned long long)nbls, (unsigned long long)unsafe,
           (unsigned long long)dead, (unsigned long long)commits, (unsigned long long)evidence,
           (unsigned long long)restarts, (unsigned long long)max_rounds);
    return unsafe || dead ? 1 : 0;
}
