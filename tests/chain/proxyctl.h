/*
 * Driving tests/chain/faultproxy from a C test: start it with a set of
 * directed links, read the ports it bound, send control commands, stop it.
 * See faultproxy.c for the link modes and the control protocol.
 */
#ifndef AETHER_TESTS_CHAIN_PROXYCTL_H
#define AETHER_TESTS_CHAIN_PROXYCTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FP_MAX_LINKS 256

typedef struct fp_link {
    int from, to;
    uint16_t target;   /* the port the link forwards to */
    uint16_t port;     /* the port the proxy listens on (set by fp_start) */
} fp_link_t;

typedef struct fp {
    pid_t pid;
    int ctl;           /* control connection */
    uint16_t ctl_port;
    fp_link_t links[FP_MAX_LINKS];
    int n_links;
} fp_t;

/* Starts `bin` with links[0..n) (from, to, target), the ports file in dir,
 * its stderr to dir/faultproxy.log; waits up to timeout_ms for the ports and
 * connects the control socket. 0, or -1 with a line on stderr. */
int fp_start(fp_t *fp, const char *bin, const char *dir, const fp_link_t *links, int n,
             unsigned timeout_ms);
/* Sends one command line; copies the answer line (without newline) to
 * answer. 0 when the answer starts with "ok" (or is a status line), -1 on an
 * "error:" answer or no answer within 5 s. */
int fp_cmd(fp_t *fp, const char *cmd, char *answer, size_t len);
/* The listening port of link from -> to, or 0. */
uint16_t fp_port(const fp_t *fp, int from, int to);
/* Stops the proxy (SIGTERM, then SIGKILL after 2 s) and reaps it. */
void fp_stop(fp_t *fp);

#endif
