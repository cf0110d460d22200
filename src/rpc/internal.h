/* Private to src/rpc: the server's connection admission (admit.c). */
#ifndef AETHER_RPC_INTERNAL_H
#define AETHER_RPC_INTERNAL_H

#include <stdatomic.h>

#include <microhttpd.h>

#include "rpc.h"

typedef struct rpc_admit rpc_admit_t;

typedef struct rpc_admit_cfg {
    const char *host;               /* IPv4 address to listen on */
    uint16_t port;                  /* 0 = any */
    unsigned max_conns;             /* connections handed to MHD at once */
    unsigned max_conns_per_ip;      /* of which from one client address */
    unsigned request_timeout_ms;    /* whole request, from its first byte's wait */
    /* Answers GET /health for a connection that is not admitted: returns
     * the HTTP status and sets *body (malloc'd JSON text). */
    int (*health)(void *ud, char **body);
    void *ud;
} rpc_admit_cfg_t;

/* Binds and listens; the accept thread starts with rpc_admit_run. */
rpc_admit_t *rpc_admit_new(const rpc_admit_cfg_t *cfg, err_t *e);
uint16_t rpc_admit_port(const rpc_admit_t *a);
/* Starts accepting into mhd (started with MHD_USE_NO_LISTEN_SOCKET and
 * rpc_admit_notify as its MHD_OPTION_NOTIFY_CONNECTION). */
int rpc_admit_run(rpc_admit_t *a, struct MHD_Daemon *mhd, err_t *e);
/* Stops accepting (before MHD_stop_daemon); rpc_admit_free after it. */
void rpc_admit_stop(rpc_admit_t *a);
void rpc_admit_free(rpc_admit_t *a);

void rpc_admit_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                      enum MHD_ConnectionNotificationCode toe);
/* The request on conn has been received in full (the deadline stops), or
 * its response was sent (the wait for the next request starts). */
void rpc_admit_request_received(rpc_admit_t *a, struct MHD_Connection *conn);
void rpc_admit_response_sent(rpc_admit_t *a, struct MHD_Connection *conn);

/* Counters for /metrics. */
uint64_t rpc_admit_busy(const rpc_admit_t *a);       /* answered 503 */
uint64_t rpc_admit_timeouts(const rpc_admit_t *a);   /* cut at the deadline */
uint64_t rpc_admit_evicted(const rpc_admit_t *a);    /* made room for a lighter client */

#endif /* AETHER_RPC_INTERNAL_H */
