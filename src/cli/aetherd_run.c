/* aetherd run: the node with its JSON-RPC server until SIGINT / SIGTERM. */
#include "cli.h"
#include "aetherd_cmds.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/bft/bft.h"
#include "chain/node/node.h"
#include "chain/rpc/rpc.h"

static const char usage[] =
    "Usage: aetherd run [--config FILE] --data DIR --genesis FILE --key FILE\n"
    "                   [--rpc HOST:PORT] [options]\n"
    "       aetherd run --data DIR --genesis FILE [--key FILE] --p2p HOST:PORT\n"
    "                   [--peer MULTIADDR]... [--rpc HOST:PORT] [options]\n"
    "\n"
    "Opens (or creates) the chain in DIR from the genesis file and serves\n"
    "JSON-RPC 2.0 (POST /), /health and /metrics on --rpc (default\n"
    "127.0.0.1:8545; port 0 picks a free port, see --port-file). Stops cleanly\n"
    "on SIGINT or SIGTERM; a kill -9 never leaves a partial block.\n"
    "\n"
    "With a single-validator genesis the node produces a block every\n"
    "--block-ms while transactions are ready and an empty block every\n"
    "--heartbeat-ms otherwise.\n"
    "\n"
    "With a BFT genesis (a \"consensus\" section, see aetherd init-genesis) the\n"
    "node runs HotStuff consensus with the other validators over libp2p: it\n"
    "listens on --p2p and keeps connections to every --peer\n"
    "(/ip4/H/tcp/P/p2p/<peer id>; a validator's peer id is that of its key\n"
    "file). Without --key it is a full node: it follows and verifies the chain\n"
    "and serves RPC. Transactions sent to any node are forwarded to the\n"
    "validators; a node that is behind fetches committed blocks with their QCs.\n"
    "On a chain with staking the validator set changes each epoch: a --key\n"
    "not (yet) in the set follows as a full node and validates from the epoch\n"
    "its stake puts it in the set (give the members as --peer).\n"
    "\n"
    "Options:\n"
    "  --config FILE         read these options from FILE, 'key = value' lines\n"
    "                        (key: an option name without --); flags given here\n"
    "                        override it; unknown keys are errors (aetherd.conf(5))\n"
    "  --block-ms N          block interval while transactions wait (default 200);\n"
    "                        BFT: how long a leader with nothing to propose waits\n"
    "                        before an empty block (default: half the base timeout)\n"
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
    "  --state-history N     blocks of state kept for reads at a height (aeth_call,\n"
    "                        aeth_getAccount ... with a block number; default\n"
    "                        10000, 0 = tip only); older heights are refused\n"
    "  --port-file FILE      write the RPC port there once listening\n"
    "  --p2p HOST:PORT       BFT: libp2p listen address (or a multiaddr)\n"
    "  --peer MULTIADDR      BFT: a peer to stay connected to (repeatable)\n"
    "  --p2p-file FILE       BFT: write the listen multiaddrs there\n"
    "  --snapshot-interval N BFT: write a proven snapshot every N blocks into\n"
    "                        DIR/snapshots and serve it to peers (default 1000,\n"
    "                        0 = never)\n"
    "  --snapshot-sync-threshold N  BFT: a node with no block past genesis that\n"
    "                        is more than N blocks behind its peers restores from\n"
    "                        a peer's snapshot, then syncs blocks (default 500,\n"
    "                        0 = always replay every block)\n"
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
    {"state-history", required_argument, NULL, 1040},
    {"config", required_argument, NULL, 'c'},
    {"p2p", required_argument, NULL, 1004},
    {"peer", required_argument, NULL, 1005},
    {"p2p-file", required_argument, NULL, 1006},
    {"snapshot-interval", required_argument, NULL, 1007},
    {"snapshot-sync-threshold", required_argument, NULL, 1008},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int run_main(int argc, char **argv);
static const char **run_peers;

/* --config FILE: the file's keys become options placed before the command
 * line's, which therefore override them (aetherd.conf(5), cli_conf_argv). */
int aetherd_run_main(int argc, char **argv)
{
    cli_conf_t conf;
    static const char *const repeatable[] = {"peer", NULL};
    int rc = cli_conf_argv("aetherd run", opts, repeatable, &argc, &argv, &conf);
    if (rc != CLI_OK)
        return rc;
    run_peers = calloc((size_t)argc + 1, sizeof *run_peers);
    rc = run_peers ? run_main(argc, argv) : cli_error("aetherd run", CLI_FAIL, "out of memory");
    free(run_peers);
    run_peers = NULL;
    cli_conf_free(&conf);
    return rc;
}

static int run_main(int argc, char **argv)
{
    const char *prog = "aetherd run";
    const char *data = NULL, *genesis_path = NULL, *key_path = NULL, *listen = "127.0.0.1:8545";
    const char *port_file = NULL, *p2p = NULL, *p2p_file = NULL;
    bool block_ms_set = false;
    uint64_t snap_interval = BFT_SNAP_DEFAULT_INTERVAL, snap_threshold = BFT_SNAP_DEFAULT_THRESHOLD;
    char snap_dir[4096];
    const char **peers = run_peers;   /* argc + 1 slots (aetherd_run_main) */
    size_t n_peers = 0;
    char p2p_maddr[160];
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
        case 1004: p2p = optarg; break;
        case 1005: peers[n_peers++] = optarg; break;
        case 1006: p2p_file = optarg; break;
        case 'b':
            if ((r = parse_num(prog, "--block-ms", optarg, 3600000, &v)) >= 0)
                return r;
            cfg.block_interval_ms = v ? (uint32_t)v : 1;
            block_ms_set = true;
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
        case 1040:
            if ((r = parse_num(prog, "--state-history", optarg, 100000000, &v)) >= 0)
                return r;
            cfg.state_history = v;
            break;
        case 1007:
            if ((r = parse_num(prog, "--snapshot-interval", optarg, 1000000000, &v)) >= 0)
                return r;
            snap_interval = v;
            break;
        case 1008:
            if ((r = parse_num(prog, "--snapshot-sync-threshold", optarg, 1000000000, &v)) >= 0)
                return r;
            snap_threshold = v;
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
                                  c == ':' || (optopt && strchr("dgkrbHmMfRBTpl", optopt)) ||
                                      (optopt >= 1004 && optopt <= 1008));
        }
    }
    if (optind < argc)
        return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
    if (!data || !genesis_path)
        return cli_usage_error(prog, "--data DIR and --genesis FILE are required");
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
    if (!genesis.bft && !key_path) {
        node_genesis_free(&genesis);
        return cli_usage_error(prog, "--key FILE is required (a single-validator genesis)");
    }
    if (!genesis.bft && (p2p || n_peers)) {
        node_genesis_free(&genesis);
        return cli_usage_error(prog, "--p2p and --peer need a BFT genesis (a \"consensus\" "
                               "section); %s has none", genesis_path);
    }
    if (p2p) {
        /* HOST:PORT, or a multiaddr as it is */
        char h[64];
        uint16_t pp;
        if (p2p[0] == '/') {
            snprintf(p2p_maddr, sizeof p2p_maddr, "%s", p2p);
        } else if (rpc_parse_listen(p2p, h, &pp, &e) == 0) {
            snprintf(p2p_maddr, sizeof p2p_maddr, "/%s/%s/tcp/%u", strchr(h, ':') ? "ip6" : "ip4",
                     h, pp);
        } else {
            node_genesis_free(&genesis);
            return cli_usage_error(prog, "--p2p '%s': expected HOST:PORT or a multiaddr", p2p);
        }
    }
    memset(&key, 0, sizeof key);
    if (key_path && node_key_load(key_path, &key, &e) != 0) {
        node_genesis_free(&genesis);
        return cli_error(prog, CLI_USAGE, "%s", e.msg);
    }
    cfg.data_dir = data;
    cfg.genesis = &genesis;
    cfg.key = key_path ? &key : NULL;

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
    if (!node) {
        cli_error(prog, CLI_FAIL, "%s", e.msg);
        goto done;
    }
    node_engine_t eng;
    if (genesis.bft) {
        snprintf(snap_dir, sizeof snap_dir, "%s/snapshots", data);
        bft_config_t bc = {.genesis = &genesis, .key = key_path ? &key : NULL,
                           .listen = p2p ? p2p_maddr : NULL, .peers = peers,
                           .n_peers = n_peers, .max_block_txs = cfg.max_block_txs,
                           .idle_block_ms = block_ms_set ? cfg.block_interval_ms : 0,
                           .snapshot_dir = snap_dir, .snapshot_interval = snap_interval,
                           .snapshot_threshold = snap_threshold};
        int brc = bft_engine_new(node, &bc, &eng, &e);
        node_key_wipe(&key);
        if (brc != 0) {
            cli_error(prog, CLI_FAIL, "%s", e.msg);
            goto done;
        }
        buf_t la;
        buf_init(&la, 0);
        if (bft_engine_listen_addrs(&eng, &la) == 0 && la.len) {
            if (buf_terminate(&la) == 0)
                log_info("aetherd", "p2p listening", "addrs=\"%.*s\"",
                         (int)(la.len && la.data[la.len - 1] == '\n' ? la.len - 1 : la.len),
                         (const char *)la.data);
            if (p2p_file && file_write_atomic(p2p_file, la.data, la.len, 0644, false, &e) != 0) {
                buf_free(&la);
                if (eng.destroy)
                    eng.destroy(eng.self);
                cli_error(prog, CLI_FAIL, "--p2p-file: %s", e.msg);
                goto done;
            }
        }
        buf_free(&la);
    } else {
        eng = node_engine_solo(&cfg);
    }
    if (node_start(node, eng, &e) != 0) {
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
    node_key_wipe(&key);
    rpc_server_stop(srv);
    node_close(node);
    node_genesis_free(&genesis);
    return rc;
}
