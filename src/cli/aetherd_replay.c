/* aetherd replay: rebuild a node's state by replaying another node's blocks
 * (chain/node replay.c): every block is validated and re-executed here,
 * contracts and gas included; prints the resulting tip, state root and gas
 * so two machines can be compared. */
#include "cli.h"
#include "aetherd_cmds.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/node/node.h"

static const char usage[] =
    "Usage: aetherd replay --rpc URL --data DIR --genesis FILE [--to HEIGHT]\n"
    "         [--min-fee N] [--receipts]\n"
    "\n"
    "Fetches the blocks of the node at URL (aeth_getRawBlock) and applies them to\n"
    "the store in DIR (created from the genesis file, or continued from its tip)\n"
    "with full validation: signatures, re-execution of every transaction and the\n"
    "state and receipts roots of each block. Prints {height, state_root, blocks,\n"
    "txs, gas_used}; --receipts adds every contract tx's status and gas used.\n"
    "--min-fee must be the source node's fee floor (default 1000, as aetherd run).\n";

typedef struct rp {
    json_t *list;
} rp_t;

static void on_block(void *arg, const chain_block_t *b, const chain_receipt_t *rs)
{
    rp_t *p = arg;
    for (uint32_t i = 0; i < b->n_txs; i++) {
        if (!rs[i].gas_used)
            continue;   /* native txs use no gas */
        char h[65];
        chain_hash_to_hex(&rs[i].tx_hash, h);
        json_array_append_new(p->list, json_pack("{s:I,s:s,s:s,s:o}", "height",
                                                 (json_int_t)b->header.height, "tx_hash", h,
                                                 "status", chain_status_name(rs[i].status),
                                                 "gas_used", cjson_u64(rs[i].gas_used)));
    }
}

int aetherd_replay_main(int argc, char **argv)
{
    const char *prog = "aetherd replay";
    static const struct option opts[] = {
        {"rpc", required_argument, NULL, 'r'},     {"data", required_argument, NULL, 'd'},
        {"genesis", required_argument, NULL, 'g'}, {"to", required_argument, NULL, 't'},
        {"min-fee", required_argument, NULL, 'f'}, {"receipts", no_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    node_replay_cfg_t cfg = {.min_fee = chain_u128_from_u64(1000)};
    const char *genesis = NULL;
    bool receipts = false;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case 'r': cfg.rpc_url = optarg; break;
        case 'd': cfg.data_dir = optarg; break;
        case 'g': genesis = optarg; break;
        case 'R': receipts = true; break;
        case 't':
            if (!cli_parse_u64(optarg, &cfg.to_height) || cfg.to_height == 0)
                return cli_usage_error(prog, "--to '%s' is not a block height above 0", optarg);
            break;
        case 'f':
            if (!cli_parse_u64(optarg, &v))
                return cli_usage_error(prog, "--min-fee '%s' is not a number", optarg);
            cfg.min_fee = chain_u128_from_u64(v);
            break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: return cli_bad_option(prog, argv, optind, optopt, c == ':');
        }
    }
    if (optind < argc)
        return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
    if (!cfg.rpc_url || !cfg.data_dir || !genesis)
        return cli_usage_error(prog, "--rpc URL, --data DIR and --genesis FILE are required");
    if (crypto_init() != 0)
        return cli_error(prog, CLI_FAIL, "libsodium failed to initialise");
    node_genesis_t g;
    err_t e = {0};
    if (node_genesis_load(genesis, &g, &e) != 0)
        return cli_error(prog, CLI_USAGE, "%s", e.msg);
    cfg.genesis = &g;
    rp_t p = {.list = json_array()};
    node_replay_stats_t s;
    int rc = node_replay(&cfg, receipts ? on_block : NULL, &p, &s, &e);
    node_genesis_free(&g);
    if (rc) {
        json_decref(p.list);
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    }
    char root[65];
    chain_hash_to_hex(&s.state_root, root);
    json_t *out = json_pack("{s:o,s:s,s:o,s:o,s:o}", "height", cjson_u64(s.height), "state_root",
                            root, "blocks", cjson_u64(s.blocks), "txs", cjson_u64(s.txs),
                            "gas_used", cjson_u64(s.gas_used));
    if (receipts)
        json_object_set_new(out, "receipts", p.list);
    else
        json_decref(p.list);
    buf_t b;
    buf_init(&b, 0);
    if (cjson_encode_pretty(out, &b, NULL) == BASE_OK)
        printf("%.*s\n", (int)b.len, (const char *)b.data);
    buf_free(&b);
    json_decref(out);
    return CLI_OK;
}
