/*
 * A BFT chain of N validators as real `aetherd run` processes on loopback,
 * for tests and benchmarks: deterministic validator keys, a genesis with a
 * "consensus" section and funded accounts (h_account(0..n_accounts)), each
 * node in its own scratch directory, peers either direct or through
 * tests/chain/faultproxy (one link per direction, so a test can partition
 * nodes). Nodes can be killed and restarted; the mutex guards url/pid for
 * threads that read them while the main thread restarts nodes.
 */
#ifndef AETHER_TESTS_CHAIN_CLUSTER_H
#define AETHER_TESTS_CHAIN_CLUSTER_H

#include <pthread.h>
#include <stdbool.h>

#include "harness.h"
#include "p2p/p2p.h"
#include "proxyctl.h"

#define CL_MAX 16

typedef struct cl_params {
    int n;                       /* validators, 1..CL_MAX */
    const char *faultproxy;      /* NULL: nodes dial each other directly */
    uint32_t n_accounts;         /* funded accounts h_account(0..n) */
    uint64_t balance;
    uint64_t base_timeout_ms;    /* consensus round timer (genesis) */
    const char *const *run_args; /* extra `aetherd run` arguments, NULL-terminated */
} cl_params_t;

typedef struct cluster {
    cl_params_t p;
    h_node_t v[CL_MAX];          /* v[i].dir holds its key, genesis, data, node.log */
    node_key_t key[CL_MAX];
    char peer_id[CL_MAX][P2P_PEER_ID_STR_MAX];
    uint16_t p2p_port[CL_MAX];
    fp_t fp;
    bool proxied;
    pthread_mutex_t mu;          /* v[i].url, v[i].pid */
} cluster_t;

/* Scratch dirs, keys, genesis (and the proxy). 0, 77 (binaries missing:
 * SKIP), or -1 with a line on stderr. Does not start the nodes. */
int cl_init(cluster_t *cl, const cl_params_t *p, const char *aetherd, const char *aether);
/* Starts (or restarts) validator i; waits for its RPC. */
int cl_start(cluster_t *cl, int i);
int cl_start_all(cluster_t *cl);
/* kill -9 (or another signal) and reap; returns the exit status. */
int cl_stop(cluster_t *cl, int i, int sig);
/* The validator's RPC URL / pid, read under the mutex. */
void cl_url(cluster_t *cl, int i, char out[64]);
pid_t cl_pid(cluster_t *cl, int i);
/* Committed height of validator i (-1 when it does not answer). */
int cl_height(cluster_t *cl, int i, uint64_t *h);
/* Highest committed height among the running validators of mask. */
uint64_t cl_max_height(cluster_t *cl, unsigned mask);
/* Waits up to timeout_ms until every validator of mask has committed
 * height >= want; on timeout prints every height with `what`. */
int cl_wait_heights(cluster_t *cl, unsigned mask, uint64_t want, unsigned timeout_ms,
                    const char *what);
/* Waits until all validators stand at one height, then compares their block
 * hashes at every height 1..that (*height). 0 when all agree. */
int cl_same_chain(cluster_t *cl, unsigned timeout_ms, uint64_t *height);
unsigned cl_all(const cluster_t *cl);
/* Kills what runs, stops the proxy, removes the dirs (kept when keep). */
void cl_cleanup(cluster_t *cl, bool keep);

#endif
