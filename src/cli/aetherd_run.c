/* aetherd run: the node with its JSON-RPC server until SIGINT / SIGTERM. */
#include "cli.h"
#include "aetherd_cmds.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/node/node.h"
#include "chain/rpc/rpc.h"

static const char usage[] =
    "Usage: aetherd run [--config FILE] --data DIR --genesis FILE --key FILE\n"
    "                   [--rpc HOST:PORT] [options]\n"
    "\n"
    "Runs a single-validator node: opens (or creates) the chain in DIR from the\n"
    "genesis file, produces a block every --block-ms while transactions are\n"
    "ready and an empty block every --heartbeat-ms otherwise, and serves\n"
    "JSON-RPC 2.0 (POST /), /health and /metrics on --rpc (default\n"
    "127.0.0.1:8545; port 0 picks a free port, see --port-file). Stops cleanly\n"
    "on SIGINT or SIGTERM; a kill -9 never leaves a partial block.\n"
    "\n"
    "Options:\n"
    "  --config FILE         read these options from FILE, 'key = value' lines\n"
    "                        (key: an option name without --); flags given here\n"
    "                        override it; unknown keys are errors (aetherd.conf(5))\n"
    "  --block-ms N          block interval while transactions wait (default 200)\n"
    "  --heartbeat-ms N      empty-block interval when idle (default 5000)\n"
    "  --max-block-txs N     transactions per block (default 10000)\n"
    "  --mempool-max N       pooled transactions (default 50000)\n"
    "  --min-fee N           fee floor (default 1000; mempool adds 1 per byte)\n"
    "  --rpc-rate N          JSON-RPC calls per second per client IP, 0 = no\n"
    "                        limit (default 50000; burst twice that)\n"
    "  --rpc-max-body N      request body limit in bytes (default 8388608)\n"
    "  --rpc-max-conns N     concurrent RPC connections, one thread each (default 64)\n"
    "  --rpc-max-conns-per-ip N  of which from one client address (default 32);\n"
    "                        beyond either limit: HTTP 503 + Retry-After\n"
    "  --rpc-request-timeout-ms N  a whole request must arrive within N ms,\n"
    "                        however slowly its bytes come (default 10000)\n"
    "  --rpc-max-response N  bytes of JSON one request or batch is answered with\n"
    "                        (default 67108864; beyond: -32007)\n"
    "  --port-file FILE      write the RPC port there once listening\n"
    "  --log-level L         debug, info, warn, error (default info)\n"
    "\n"
    "JSON-RPC server error codes besides the standard ones: -32000 invalid\n"
    "transaction, -32001 rejected by the mempool (data.reason), -32002 not\n"
    "ready, -32005 rate limited (HTTP 429), -32006 body too large (HTTP 413),\n"
    "-32007 response too large, -32008 server busy (HTTP 503). POST needs\n"
    "Content-Type: application/json (HTTP 415 otherwise).\n";

static int parse_num(const char *prog, const char *name, const char *arg, uint64_t max,
                     uint64_t *out)
{
    if (!cli_parse_u64(arg, out) || *out > max)
        return cli_usage_error(prog, "%s '%s' is not a number up to %llu", name, arg,
                               (unsigned long long)max);
    return -1;
}

static const struct option opts[] = {
    {"data", required_argument, NULL, 'd'},
    {"genesis", required_argument, NULL, 'g'},
    {"key", required_argument, NULL, 'k'},
    {"rpc", required_argument, NULL, 'r'},
    {"block-ms", required_argument, NULL, 'b'},
    {"heartbeat-ms", required_argument, NULL, 'H'},
    {"max-block-txs", required_argument, NULL, 'm'},
    {"mempool-max", required_argument, NULL, 'M'},
    {"min-fee", required_argument, NULL, 'f'},
    {"rpc-rate", required_argument, NULL, 'R'},
    {"rpc-max-body", required_argument, NULL, 'B'},
    {"rpc-max-conns", required_argument, NULL, 'T'},
    {"rpc-max-conns-per-ip", required_argument, NULL, 1001},
    {"rpc-request-timeout-ms", required_argument, NULL, 1002},
    {"rpc-max-response", required_argument, NULL, 1003},
    {"port-file", required_argument, NULL, 'p'},
    {"log-level", required_argument, NULL, 'l'},
    {"config", required_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int run_main(int argc, char **argv);

/* --config FILE: the file's keys become options placed before the command
 * line's, which therefore override them (aetherd.conf(5), cli_conf_argv). */
int aetherd_run_main(int argc, char **argv)
{
    cli_conf_t conf;
    int rc = cli_conf_argv("aetherd run", opts, &argc, &argv, &conf);
    if (rc != CLI_OK)
        return rc;
    rc = run_main(argc, argv);
    cli_conf_free(&conf);
    return rc;
}

static int run_main(int argc, char **argv)
{
    const char *prog = "aetherd run";
    const char *data = NULL, *genesis_path = NULL, *key_path = NULL, *listen = "127.0.0.1:8545";
    const char *port_file = NULL;
    node_config_t cfg;
    node_config_default(&cfg);
    rpc_server_cfg_t rcfg;
    rpc_server_cfg_default(&rcfg);
    uint64_t v;
    int c, r;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "d:g:k:r:b:H:m:M:f:R:B:T:p:l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'g': genesis_path = optarg; break;
        case 'k': key_path = optarg; break;
        case 'r': listen = optarg; break;
        case 'p': port_file = optarg; break;
        case 'c': break; /* read by cli_conf_argv */
        case 'b':
            if ((r = parse_num(prog, "--block-ms", optarg, 3600000, &v)) >= 0)
                return r;
            cfg.block_interval_ms = v ? (uint32_t)v : 1;
            break;
        case 'H':
            if ((r = parse_num(prog, "--heartbeat-ms", optarg, 3600000, &v)) >= 0)
                return r;
            cfg.heartbeat_ms = v ? (uint32_t)v : 1;
            break;
        case 'm':
            if ((r = parse_num(prog, "--max-block-txs", optarg, CHAIN_MAX_BLOCK_TXS, &v)) >= 0)
                return r;
            if (v == 0)
                return cli_usage_error(prog, "--max-block-txs must be at least 1");
            cfg.max_block_txs = (uint32_t)v;
            break;
        case 'M':
            if ((r = parse_num(prog, "--mempool-max", optarg, 10000000, &v)) >= 0)
                return r;
            if (v == 0)
                return cli_usage_error(prog, "--mempool-max must be at least 1");
            cfg.mempool.max_txs = (size_t)v;
            break;
        case 'f':
            if ((r = parse_num(prog, "--min-fee", optarg, UINT64_MAX, &v)) >= 0)
                return r;
            cfg.min_fee = chain_u128_from_u64(v);
            cfg.mempool.min_fee = cfg.min_fee;
            break;
        case 'R':
            if ((r = parse_num(prog, "--rpc-rate", optarg, 100000000, &v)) >= 0)
                return r;
            rcfg.rate = (double)v;
            rcfg.burst = 2.0 * (double)v;
            break;
        case 'B':
            if ((r = parse_num(prog, "--rpc-max-body", optarg, 1u << 30, &v)) >= 0)
                return r;
            rcfg.max_body = v ? (size_t)v : 1;
            break;
        case 'T':
            if ((r = parse_num(prog, "--rpc-max-conns", optarg, 4096, &v)) >= 0)
                return r;
            rcfg.max_conns = v ? (unsigned)v : 1;
            break;
        case 1001:
            if ((r = parse_num(prog, "--rpc-max-conns-per-ip", optarg, 4096, &v)) >= 0)
                return r;
            rcfg.max_conns_per_ip = v ? (unsigned)v : 1;
            break;
        case 1002:
            if ((r = parse_num(prog, "--rpc-request-timeout-ms", optarg, 3600000, &v)) >= 0)
                return r;
            rcfg.request_timeout_ms = v ? (unsigned)v : 1;
            break;
        case 1003:
            if ((r = parse_num(prog, "--rpc-max-response", optarg, 1u << 30, &v)) >= 0)
                return r;
            rcfg.max_response = v ? (size_t)v : 1;
            break;
        case 'l': {
            log_level_t lvl;
            if (log_level_parse(optarg, &lvl) != 0)
                return cli_usage_error(prog, "--log-level '%s': use debug, info, warn or error",
                                       optarg);
            log_set_level(lvl);
            break;
        }
        case 'h': fputs(usage, stdout); return CLI_OK;
        default:
            return cli_bad_option(prog, argv, optind, optopt,
                                  c == ':' || (optopt && strchr("dgkrbHmMfRBTpl", optopt)));
        }
    }
    if (optind < argc)
        return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
    if (!data || !genesis_path || !key_path)
        return cli_usage_error(prog, "--data DIR, --genesis FILE and --key FILE are required");
    char host[64];
    uint16_t port;
    err_t e = {0};
    if (rpc_parse_listen(listen, host, &port, &e) != 0)
        return cli_usage_error(prog, "--rpc: %s", e.msg);
    rcfg.host = host;
    rcfg.port = port;
    if (crypto_init() != 0)
        return cli_error(prog, CLI_FAIL, "libsodium failed to initialise");

    node_genesis_t genesis;
    node_key_t key;
    if (node_genesis_load(genesis_path, &genesis, &e) != 0)
        return cli_error(prog, CLI_USAGE, "%s", e.msg);
    if (genesis.bft) {
        /* the BFT engine (chain/bft) is wired in by the next change */
        node_genesis_free(&genesis);
        return cli_error(prog, CLI_USAGE, "%s: a BFT genesis (\"consensus\" section) needs the "
                         "consensus engine, which this build does not run yet", genesis_path);
    }
    if (node_key_load(key_path, &key, &e) != 0) {
        node_genesis_free(&genesis);
        return cli_error(prog, CLI_USAGE, "%s", e.msg);
    }
    cfg.data_dir = data;
    cfg.genesis = &genesis;
    cfg.key = &key;

    /* Signals are taken synchronously by this thread: block them before any
     * thread starts so every thread inherits the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = CLI_FAIL;
    rpc_server_t *srv = NULL;
    node_t *node = node_open(&cfg, &e);
    node_key_wipe(&key);
    if (!node) {
        cli_error(prog, CLI_FAIL, "%s", e.msg);
        goto done;
    }
    if (node_start(node, node_engine_solo(&cfg), &e) != 0) {
        cli_error(prog, CLI_FAIL, "%s", e.msg);
        goto done;
    }
    rpc_chain_server_cfg(&rcfg, (struct node *)node);
    srv = rpc_server_start(&rcfg, &e);
    if (!srv) {
        cli_error(prog, CLI_FAIL, "%s", e.msg);
        goto done;
    }
    if (port_file) {
        char txt[16];
        int n = snprintf(txt, sizeof txt, "%u\n", rpc_server_port(srv));
        if (file_write_atomic(port_file, txt, (size_t)n, 0644, false, &e) != 0) {
            cli_error(prog, CLI_FAIL, "--port-file: %s", e.msg);
            goto done;
        }
    }
    {
        chain_header_t tip;
        if (chain_state_tip(node_state(node), &tip, NULL, &e) == 0)
            log_info("aetherd", "node running", "chain_id=%llu height=%llu rpc=%s:%u",
                     (unsigned long long)genesis.g.chain_id, (unsigned long long)tip.height,
                     host, rpc_server_port(srv));
    }
    int sig = 0;
    sigwait(&set, &sig);
    log_info("aetherd", "stopping", "signal=%d", sig);
    rc = CLI_OK;
done:
    rpc_server_stop(srv);
    node_close(node);
    node_genesis_free(&genesis);
    return rc;
}
