/* plasmd ping | id | dht: libp2p client commands (plasmd start, the provider
 * node, is in plasmd_net.c over src/phase).
 * Thin glue over src/p2p: option parsing, key loading, printing. */
#include "cli.h"
#include "plasmd_cmds.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "crypto/crypto.h"
#include "p2p/p2p.h"
#include "phase/phase.h"

#define MAX_ADDRS 8

/* ---- shared helpers ---- */

typedef struct node {
    uv_loop_t loop;
    p2p_host_t *host;
    p2p_kad_t *kad;
    uv_signal_t sigint, sigterm;
    uv_timer_t deadline;
    int rc;
    const char *prog;
} node_t;

static void stop_loop(node_t *n)
{
    uv_stop(&n->loop);
}

static void on_signal(uv_signal_t *s, int signum)
{
    node_t *n = s->data;
    log_info("plasmd", "stopping", "signal=%d", signum);
    stop_loop(n);
}

static void on_deadline(uv_timer_t *t)
{
    node_t *n = t->data;
    fprintf(stderr, "%s: timed out\n", n->prog);
    n->rc = CLI_FAIL;
    stop_loop(n);
}

static int node_init(node_t *n, const char *prog, const uint8_t *seed, bool server,
                     uint64_t timeout_ms)
{
    memset(n, 0, sizeof *n);
    n->prog = prog;
    uv_loop_init(&n->loop);
    /* a daemon drops connections that carried no stream for 5 minutes */
    p2p_host_config_t cfg = {.seed = seed, .kad_server = server,
                             .idle_timeout_ms = server ? 300000 : 0};
    err_t e;
    n->host = p2p_host_new(&n->loop, &cfg, &e);
    if (!n->host) {
        fprintf(stderr, "%s: %s\n", prog, e.msg);
        return CLI_FAIL;
    }
    if (p2p_ping_enable(n->host) || p2p_identify_enable(n->host)) {
        fprintf(stderr, "%s: cannot register protocols\n", prog);
        return CLI_FAIL;
    }
    n->kad = p2p_kad_new(n->host, &e);
    if (!n->kad) {
        fprintf(stderr, "%s: %s\n", prog, e.msg);
        return CLI_FAIL;
    }
    (void)p2p_kad_add_validator(n->kad, "/aether/", p2p_kad_validator_any);
    uv_signal_init(&n->loop, &n->sigint);
    uv_signal_init(&n->loop, &n->sigterm);
    n->sigint.data = n->sigterm.data = n;
    uv_signal_start(&n->sigint, on_signal, SIGINT);
    uv_signal_start(&n->sigterm, on_signal, SIGTERM);
    uv_unref((uv_handle_t *)&n->sigint);
    uv_unref((uv_handle_t *)&n->sigterm);
    uv_timer_init(&n->loop, &n->deadline);
    n->deadline.data = n;
    if (timeout_ms)
        uv_timer_start(&n->deadline, on_deadline, timeout_ms, 0);
    return 0;
}

static void close_walk(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void node_fini(node_t *n)
{
    if (n->kad)
        p2p_kad_free(n->kad);
    if (n->host)
        p2p_host_free(n->host);
    uv_close((uv_handle_t *)&n->sigint, NULL);
    uv_close((uv_handle_t *)&n->sigterm, NULL);
    uv_close((uv_handle_t *)&n->deadline, NULL);
    uv_run(&n->loop, UV_RUN_DEFAULT);
    uv_walk(&n->loop, close_walk, NULL);
    uv_run(&n->loop, UV_RUN_DEFAULT);
    uv_loop_close(&n->loop);
}

/* A dialable or listenable multiaddr: /ip4|ip6/ADDR/tcp/PORT[/p2p/ID];
 * dial targets may also start with /dns, /dns4 or /dns6. */
static int parse_maddr(const char *prog, const char *text, buf_t *out)
{
    err_t e;
    struct sockaddr_storage sa;
    buf_init(out, 0);
    bool dns = strncmp(text, "/dns/", 5) == 0 || strncmp(text, "/dns4/", 6) == 0 ||
               strncmp(text, "/dns6/", 6) == 0;
    if (p2p_maddr_parse(text, out, &e) ||
        (!dns && p2p_maddr_to_sockaddr(out->data, out->len, &sa, &e))) {
        buf_free(out);
        return cli_usage_error(prog, "%s: %s", text, e.msg);
    }
    return 0;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    if (s) {
        printf("%s\n", s);
        free(s);
    }
    fflush(stdout);
    json_decref(j);
}

static json_t *maddr_json(const uint8_t *m, size_t n)
{
    buf_t t;
    buf_init(&t, 0);
    json_t *j = p2p_maddr_format(m, n, &t, NULL) == 0 ? json_string((char *)t.data)
                                                       : json_null();
    buf_free(&t);
    return j;
}

static json_t *peer_json(const p2p_peer_id_t *id)
{
    char s[P2P_PEER_ID_STR_MAX];
    p2p_peer_id_format(id, s);
    return json_string(s);
}

/* ---- client commands: dial one node, do one thing ---- */

typedef struct client {
    node_t n;
    unsigned count, got;
    int op;
    const char *target;
    json_t *out;
    buf_t key, val;
    p2p_peer_id_t find;
} client_t;

static void on_ping(p2p_host_t *h, int status, uint64_t rtt_ns, void *ud)
{
    client_t *c = ud;
    if (status) {
        fprintf(stderr, "plasmd ping: %s\n", p2p_strerror(status));
        c->n.rc = CLI_FAIL;
        stop_loop(&c->n);
        return;
    }
    c->got++;
    printf("pong from %s: seq=%u time=%.3f ms\n", c->target, c->got, (double)rtt_ns / 1e6);
    fflush(stdout);
    if (c->got == c->count)
        stop_loop(&c->n);
}

static void on_identify(p2p_host_t *h, int status, const p2p_identify_info_t *in, void *ud)
{
    client_t *c = ud;
    if (status) {
        fprintf(stderr, "plasmd id: identify failed: %s\n", p2p_strerror(status));
        c->n.rc = CLI_FAIL;
        stop_loop(&c->n);
        return;
    }
    json_t *j = json_object();
    json_object_set_new(j, "peer_id", peer_json(&in->peer));
    json_object_set_new(j, "agent", in->agent ? json_string(in->agent) : json_null());
    json_object_set_new(j, "protocol_version",
                        in->protocol_version ? json_string(in->protocol_version) : json_null());
    json_t *p = json_array();
    for (size_t i = 0; i < in->n_protocols; i++)
        json_array_append_new(p, json_string(in->protocols[i]));
    json_object_set_new(j, "protocols", p);
    json_t *a = json_array();
    for (size_t i = 0; i < in->n_listen_addrs; i++)
        json_array_append_new(a, maddr_json(in->listen_addrs[i].data, in->listen_addrs[i].len));
    json_object_set_new(j, "listen_addrs", a);
    json_object_set_new(j, "observed_addr",
                        in->observed_addr.len
                            ? maddr_json(in->observed_addr.data, in->observed_addr.len)
                            : json_null());
    print_json(j);
    stop_loop(&c->n);
}

static void peers_json(json_t *arr, const p2p_peer_addrs_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "peer_id", peer_json(&p[i].id));
        json_t *a = json_array();
        for (size_t k = 0; k < p[i].n_addrs; k++)
            json_array_append_new(a, maddr_json(p[i].addrs[k].data, p[i].addrs[k].len));
        json_object_set_new(o, "addrs", a);
        json_array_append_new(arr, o);
    }
}

enum { OP_PING, OP_ID, OP_FIND_PEER, OP_PROVIDE, OP_GET_PROVIDERS, OP_PUT, OP_GET };

static void on_kad(p2p_kad_t *kad, const p2p_kad_result_t *res, void *ud)
{
    client_t *c = ud;
    json_t *j = json_object();
    json_object_set_new(j, "ok", json_boolean(res->status == 0));
    if (res->status) {
        json_object_set_new(j, "error", json_string(res->msg ? res->msg
                                                             : p2p_strerror(res->status)));
        c->n.rc = CLI_FAIL;
    }
    json_t *arr = json_array();
    peers_json(arr, res->peers, res->n_peers);
    const char *field = c->op == OP_GET_PROVIDERS ? "providers"
                        : c->op == OP_FIND_PEER   ? "peers"
                                                  : "stored_at";
    json_object_set_new(j, field, arr);
    if (c->op == OP_GET && res->status == 0)
        json_object_set_new(j, "value", json_stringn((const char *)res->value, res->value_len));
    print_json(j);
    stop_loop(&c->n);
}

static void run_op(client_t *c, p2p_conn_t *conn)
{
    err_t e;
    int rc = 0;
    switch (c->op) {
    case OP_PING:
        rc = p2p_ping(conn, c->count, on_ping, c, &e);
        break;
    case OP_ID:
        rc = p2p_identify(conn, on_identify, c, &e);
        break;
    case OP_FIND_PEER:
        rc = p2p_kad_find_peer(c->n.kad, &c->find, on_kad, c);
        break;
    case OP_PROVIDE:
        rc = p2p_kad_provide(c->n.kad, c->key.data, c->key.len, on_kad, c);
        break;
    case OP_GET_PROVIDERS:
        rc = p2p_kad_get_providers(c->n.kad, c->key.data, c->key.len, on_kad, c);
        break;
    case OP_PUT:
        rc = p2p_kad_put(c->n.kad, c->key.data, c->key.len, c->val.data, c->val.len, on_kad, c);
        break;
    case OP_GET:
        rc = p2p_kad_get(c->n.kad, c->key.data, c->key.len, on_kad, c);
        break;
    }
    if (rc) {
        /* a record the DHT refuses is a bad KEY/VALUE: say why, exit 2 */
        err_t re = {0};
        if (c->op == OP_PUT && p2p_kad_check_record(c->n.kad, c->key.data, c->key.len,
                                                    c->val.data, c->val.len, &re) != 0) {
            fprintf(stderr, "%s: put: %s\n", c->n.prog, re.msg);
            c->n.rc = CLI_USAGE;
            stop_loop(&c->n);
            return;
        }
        fprintf(stderr, "%s: %s\n", c->n.prog, c->op <= OP_ID ? e.msg : p2p_strerror(rc));
        c->n.rc = CLI_FAIL;
        stop_loop(&c->n);
    }
}

static void on_kad_ready(p2p_host_t *h, int status, const p2p_identify_info_t *in, void *ud)
{
    /* identify told the routing table whether the node is a DHT server (and
     * where it listens); a failed identify still leaves a /p2p/ address */
    run_op(ud, NULL);
}

static void on_client_dial(p2p_host_t *h, p2p_conn_t *conn, int status, const char *msg,
                           void *ud)
{
    client_t *c = ud;
    if (status) {
        fprintf(stderr, "%s: cannot connect to %s: %s\n", c->n.prog, c->target, msg);
        c->n.rc = CLI_FAIL;
        stop_loop(&c->n);
        return;
    }
    if (c->op <= OP_ID) {
        run_op(c, conn);
        return;
    }
    err_t e;
    if (p2p_identify(conn, on_kad_ready, c, &e))
        run_op(c, NULL);
}

static int client_run(client_t *c, const char *prog, const char *target, uint64_t timeout_ms)
{
    buf_t bin;
    int rc = parse_maddr(prog, target, &bin);
    if (rc)
        return rc;
    if (crypto_init() != 0)
        return CLI_FAIL;
    c->target = target;
    rc = node_init(&c->n, prog, NULL, false, timeout_ms);
    if (!rc) {
        err_t e;
        if (c->op > OP_ID)
            p2p_kad_add_peer(c->n.kad, NULL, bin.data, bin.len);
        if (p2p_host_dial(c->n.host, bin.data, bin.len, on_client_dial, c, &e)) {
            fprintf(stderr, "%s: %s\n", prog, e.msg);
            rc = CLI_FAIL;
        } else {
            uv_ref((uv_handle_t *)&c->n.sigint);
            uv_run(&c->n.loop, UV_RUN_DEFAULT);
            rc = c->n.rc;
        }
    }
    buf_free(&bin);
    node_fini(&c->n);
    return rc;
}

static const char ping_usage[] =
    "Usage: plasmd ping MULTIADDR [-n N] [--timeout MS]\n"
    "\n"
    "Connects to MULTIADDR (/ip4|ip6/.../tcp/PORT[/p2p/ID]) and pings it N times\n"
    "(default 4) over /ipfs/ping/1.0.0.\n";

/* The options of ping, id and dht: -n/--count (ping), --timeout MS and
 * --bootstrap (dht), each in its command's table. */
typedef struct client_opts {
    uint64_t count, timeout;
    const char *boot;
} client_opts_t;

static int client_opt(void *ctx, const char *prog, int c, const char *name, const char *arg)
{
    client_opts_t *o = ctx;
    switch (c) {
    case 'n':
        if (!cli_parse_u64(arg, &o->count) || o->count == 0 || o->count > 100000)
            return cli_usage_error(prog, "bad %s '%s' (1..100000)", name, arg);
        return -1;
    case 't':
        if (!cli_parse_u64(arg, &o->timeout) || o->timeout == 0)
            return cli_usage_error(prog, "bad --timeout '%s'", arg);
        return -1;
    case 'b':
        o->boot = arg;
        return -1;
    default:
        return CLI_NOT_MINE;
    }
}

static int cmd_ping(int argc, char **argv)
{
    const char *prog = "plasmd ping";
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    client_opts_t o = {.count = 4, .timeout = 20000};
    int rc = cli_getopt(prog, ping_usage, NULL, argc, argv, ":n:h", opts, true, client_opt, &o);
    if (rc >= 0)
        return rc;
    if (argc - optind != 1)
        return cli_usage_error(prog, "expected one MULTIADDR");
    client_t c = {.op = OP_PING, .count = (unsigned)o.count};
    return client_run(&c, prog, argv[optind], o.timeout);
}

static const char id_usage[] =
    "Usage: plasmd id MULTIADDR [--timeout MS]\n"
    "\n"
    "Connects to MULTIADDR and prints what identify reports as one JSON line:\n"
    "peer_id, agent, protocol_version, protocols, listen_addrs, observed_addr.\n";

static int cmd_id(int argc, char **argv)
{
    const char *prog = "plasmd id";
    static const struct option opts[] = {
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    client_opts_t o = {.timeout = 20000};
    int rc = cli_getopt(prog, id_usage, NULL, argc, argv, "+:h", opts, true, client_opt, &o);
    if (rc >= 0)
        return rc;
    if (argc - optind != 1)
        return cli_usage_error(prog, "expected one MULTIADDR");
    client_t c = {.op = OP_ID};
    return client_run(&c, prog, argv[optind], o.timeout);
}

static const char dht_usage[] =
    "Usage: plasmd dht --bootstrap MULTIADDR [--timeout MS] <operation> ARGS\n"
    "\n"
    "Kademlia (/ipfs/kad/1.0.0) operations through a bootstrap node:\n"
    "  find-peer PEER_ID        addresses of a peer\n"
    "  provide KEY              announce this client as a provider of KEY\n"
    "  get-providers KEY        providers of KEY\n"
    "  put KEY VALUE            store a record (KEY like /pk/... or /aether/...)\n"
    "  get KEY                  fetch a record\n"
    "KEY for provide/get-providers: a CID (b...), a base58 multihash (Qm...), or any\n"
    "text (its sha2-256 multihash). Prints one JSON line.\n";

static int cmd_dht(int argc, char **argv)
{
    const char *prog = "plasmd dht";
    static const struct option opts[] = {
        {"bootstrap", required_argument, NULL, 'b'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    client_opts_t o = {.timeout = 30000};
    int orc = cli_getopt(prog, dht_usage, NULL, argc, argv, "+:h", opts, true, client_opt, &o);
    if (orc >= 0)
        return orc;
    const char *boot = o.boot;
    uint64_t timeout = o.timeout;
    if (!boot)
        return cli_usage_error(prog, "--bootstrap MULTIADDR is required");
    if (optind >= argc)
        return cli_usage_error(prog, "missing operation");
    const char *op = argv[optind];
    int nargs = argc - optind - 1;
    char **args = argv + optind + 1;
    client_t c = {0};
    buf_init(&c.key, 0);
    buf_init(&c.val, 0);
    err_t e;
    int rc = 0;
    if (strcmp(op, "find-peer") == 0 && nargs == 1) {
        c.op = OP_FIND_PEER;
        if (p2p_peer_id_parse(args[0], &c.find, &e))
            rc = cli_usage_error(prog, "%s", e.msg);
    } else if ((strcmp(op, "provide") == 0 || strcmp(op, "get-providers") == 0) && nargs == 1) {
        c.op = op[0] == 'p' ? OP_PROVIDE : OP_GET_PROVIDERS;
        if (p2p_content_key(args[0], &c.key, &e))
            rc = cli_usage_error(prog, "%s", e.msg);
    } else if (strcmp(op, "put") == 0 && nargs == 2) {
        c.op = OP_PUT;
        buf_append_str(&c.key, args[0]);
        buf_append_str(&c.val, args[1]);
    } else if (strcmp(op, "get") == 0 && nargs == 1) {
        c.op = OP_GET;
        buf_append_str(&c.key, args[0]);
    } else {
        rc = cli_usage_error(prog, "unknown operation or wrong arguments: '%s'", op);
    }
    if (!rc)
        rc = client_run(&c, prog, boot, timeout);
    buf_free(&c.key);
    buf_free(&c.val);
    return rc;
}

int plasmd_p2p_ping(int argc, char **argv)
{
    return cmd_ping(argc, argv);
}

int plasmd_p2p_id(int argc, char **argv)
{
    return cmd_id(argc, argv);
}

int plasmd_p2p_dht(int argc, char **argv)
{
    return cmd_dht(argc, argv);
}
