/* aetherd init-genesis: writes the genesis file a chain starts from. */
#include "cli.h"
#include "aetherd_cmds.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain/node/node.h"

static const char usage[] =
    "Usage: aetherd init-genesis --key FILE [--chain-id N] [--alloc ADDR=AMOUNT]...\n"
    "                            [--utxo ADDR=AMOUNT]... [--timestamp-ms N] [--out FILE]\n"
    "                            [--stake N [--commission BPS] [--staking-param NAME=VALUE]...]\n"
    "\n"
    "Writes a genesis file: the chain id (default 900), the validator (the public\n"
    "key of the key file), account allocations and genesis UTxOs. ADDR is 40 hex\n"
    "digits or a key file; AMOUNT is a decimal u128. Without --out the file goes\n"
    "to stdout; with --out it is written atomically (never overwritten) and a\n"
    "summary with the genesis block hash and state root is printed.\n"
    "--stake N makes the validator a registered staker from block 0 with a\n"
    "self-stake of N (on top of the allocations; its BLS and VRF keys are derived\n"
    "from the key file) and turns staking on (docs/staking.md); --commission in\n"
    "basis points (default 500); --staking-param sets a staking parameter of the\n"
    "genesis \"staking\" section, e.g. epoch_blocks=10 or unbonding_blocks=20.\n";

/* NAME=VALUE into the staking section: amounts stay strings, the rest are
 * integers (the genesis parser checks names and ranges). */
static int staking_param(const char *prog, const char *arg, json_t *params)
{
    const char *eq = strchr(arg, '=');
    char name[64];
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof name)
        return cli_usage_error(prog, "--staking-param '%s': expected NAME=VALUE", arg);
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = 0;
    if (strcmp(name, "validators") == 0)
        return cli_usage_error(prog, "--staking-param: validators come from --key and --stake");
    if (strcmp(name, "min_self_stake") == 0 || strcmp(name, "min_delegation") == 0 ||
        strcmp(name, "initial_base_fee") == 0 || strcmp(name, "min_base_fee") == 0) {
        json_object_set_new(params, name, json_string(eq + 1));
        return -1;
    }
    uint64_t v;
    if (!cli_parse_u64(eq + 1, &v))
        return cli_usage_error(prog, "--staking-param '%s': the value is not a number", arg);
    json_object_set_new(params, name, cjson_u64(v));
    return -1;
}

/* ADDR=AMOUNT */
static int parse_alloc(const char *prog, const char *opt, const char *arg, chain_addr_t *addr,
                       chain_u128_t *amount)
{
    const char *eq = strchr(arg, '=');
    err_t e = {0};
    char hex[512];
    if (!eq || (size_t)(eq - arg) >= sizeof hex)
        return cli_usage_error(prog, "%s '%s': expected ADDR=AMOUNT", opt, arg);
    memcpy(hex, arg, (size_t)(eq - arg));
    hex[eq - arg] = 0;
    if (chain_addr_from_hex(hex, addr, &e) != 0) {
        /* ADDR may also name a key file: its address is used */
        node_key_t k;
        err_t ke = {0};
        if (access(hex, R_OK) != 0)
            return cli_usage_error(prog, "%s '%s': bad address: %s", opt, arg, e.msg);
        if (node_key_load(hex, &k, &ke) != 0)
            return cli_usage_error(prog, "%s '%s': %s", opt, arg, ke.msg);
        *addr = k.addr;
        node_key_wipe(&k);
    }
    if (chain_u128_parse(eq + 1, strlen(eq + 1), amount, &e) != 0)
        return cli_usage_error(prog, "%s '%s': bad amount: %s", opt, arg, e.msg);
    return -1;
}

int aetherd_genesis_main(int argc, char **argv)
{
    const char *prog = "aetherd init-genesis";
    static const struct option opts[] = {
        {"key", required_argument, NULL, 'k'},
        {"chain-id", required_argument, NULL, 'c'},
        {"alloc", required_argument, NULL, 'a'},
        {"utxo", required_argument, NULL, 'u'},
        {"timestamp-ms", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},
        {"stake", required_argument, NULL, 's'},
        {"commission", required_argument, NULL, 'C'},
        {"staking-param", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *key_path = NULL, *out = NULL;
    uint64_t chain_id = 900, ts = 0;
    bool have_ts = false;
    chain_genesis_alloc_t *accts = calloc((size_t)argc + 1, sizeof *accts);
    chain_utxo_t *utxos = calloc((size_t)argc + 1, sizeof *utxos);
    size_t na = 0, nu = 0;
    int rc = CLI_OK, c;
    chain_u128_t stake = {0, 0};
    uint64_t commission = 500;
    json_t *sparams = json_object();
    if (!accts || !utxos || !sparams) {
        rc = cli_error(prog, CLI_FAIL, "out of memory");
        goto done;
    }
    opterr = 0;
    while ((c = getopt_long(argc, argv, "k:c:a:u:t:o:h", opts, NULL)) != -1) {
        int r;
        switch (c) {
        case 'k': key_path = optarg; break;
        case 'o': out = optarg; break;
        case 'c':
            if (!cli_parse_u64(optarg, &chain_id)) {
                rc = cli_usage_error(prog, "--chain-id '%s' is not a number", optarg);
                goto done;
            }
            break;
        case 't':
            if (!cli_parse_u64(optarg, &ts)) {
                rc = cli_usage_error(prog, "--timestamp-ms '%s' is not a number", optarg);
                goto done;
            }
            have_ts = true;
            break;
        case 'a':
            if ((r = parse_alloc(prog, "--alloc", optarg, &accts[na].addr, &accts[na].balance)) >= 0) {
                rc = r;
                goto done;
            }
            na++;
            break;
        case 'u':
            if ((r = parse_alloc(prog, "--utxo", optarg, &utxos[nu].owner, &utxos[nu].amount)) >= 0) {
                rc = r;
                goto done;
            }
            nu++;
            break;
        case 's': {
            err_t se = {0};
            if (chain_u128_parse(optarg, strlen(optarg), &stake, &se) != 0 ||
                chain_u128_is_zero(stake)) {
                rc = cli_usage_error(prog, "--stake '%s': a decimal amount > 0", optarg);
                goto done;
            }
            break;
        }
        case 'C':
            if (!cli_parse_u64(optarg, &commission) || commission > 10000) {
                rc = cli_usage_error(prog, "--commission '%s': basis points 0..10000", optarg);
                goto done;
            }
            break;
        case 'P':
            if ((r = staking_param(prog, optarg, sparams)) >= 0) {
                rc = r;
                goto done;
            }
            break;
        case 'h': fputs(usage, stdout); goto done;
        default:
            rc = cli_bad_option(prog, argv, optind, optopt, c == ':' || (optopt && strchr("kcautosCP", optopt)));
            goto done;
        }
    }
    if (optind < argc) {
        rc = cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if (chain_u128_is_zero(stake) && json_object_size(sparams)) {
        rc = cli_usage_error(prog, "--staking-param needs --stake (staking is off without it)");
        goto done;
    }
    if (!key_path) {
        rc = cli_usage_error(prog, "--key FILE (the validator key) is required");
        goto done;
    }
    if (crypto_init() != 0) {
        rc = cli_error(prog, CLI_FAIL, "libsodium failed to initialise");
        goto done;
    }
    err_t e = {0};
    node_key_t k;
    if (node_key_load(key_path, &k, &e) != 0) {
        rc = cli_error(prog, CLI_USAGE, "%s", e.msg);
        goto done;
    }
    chain_genesis_t g;
    memset(&g, 0, sizeof g);
    g.chain_id = chain_id;
    if (!have_ts) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        ts = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
    }
    g.timestamp_ms = ts;
    memcpy(g.proposer_pk, k.pk, CHAIN_PK_BYTES);
    g.accounts = accts;
    g.n_accounts = na;
    g.utxos = utxos;
    g.n_utxos = nu;
    json_t *j = node_genesis_to_json(&g);
    if (!chain_u128_is_zero(stake)) {
        chain_validator_keys_t vk;
        if (chain_validator_keys_derive(&k, &vk, &e) != 0) {
            node_key_wipe(&k);
            json_decref(j);
            rc = cli_error(prog, CLI_FAIL, "%s", e.msg);
            goto done;
        }
        chain_stake_params_t p;
        chain_stake_params_default(&p);
        json_t *st = node_genesis_staking_json(&p, k.pk, vk.bls_pk, vk.bls_pop, vk.vrf_pk, stake,
                                               (uint16_t)commission);
        chain_validator_keys_wipe(&vk);
        json_object_update(st, sparams);
        json_object_set_new(j, "staking", st);
    }
    node_key_wipe(&k);
    /* Round-trip through the parser so what we write is what nodes accept. */
    node_genesis_t check;
    chain_block_t *blk = NULL;
    if (node_genesis_from_json(j, &check, &e) != 0 || chain_genesis_block(&check.g, &blk, &e) != 0) {
        node_genesis_free(&check);
        json_decref(j);
        rc = cli_error(prog, CLI_USAGE, "%s", e.msg);
        goto done;
    }
    node_genesis_free(&check);
    char *txt = cjson_encode_pretty_str(j, NULL);
    json_decref(j);
    if (!txt) {
        chain_block_free(blk);
        rc = cli_error(prog, CLI_FAIL, "out of memory");
        goto done;
    }
    if (!out) {
        fputs(txt, stdout);
        fputc('\n', stdout);
    } else {
        size_t len = strlen(txt);
        char *file = malloc(len + 2);
        if (file) {
            memcpy(file, txt, len);
            file[len] = '\n';
        }
        if (!file || file_write_atomic(out, file, len + 1, 0644, true, &e) != 0) {
            rc = cli_error(prog, CLI_FAIL, "cannot write %s: %s", out,
                           file ? e.msg : "out of memory");
        } else {
            char bh[2 * CHAIN_HASH_BYTES + 1], sr[2 * CHAIN_HASH_BYTES + 1];
            chain_hash_to_hex(&blk->hash, bh);
            chain_hash_to_hex(&blk->header.state_root, sr);
            json_t *sum = json_pack("{s:s,s:o,s:I,s:I,s:s,s:s}", "genesis", out, "chain_id",
                                    cjson_u64(chain_id), "accounts", (json_int_t)na, "utxos",
                                    (json_int_t)nu, "block_hash", bh, "state_root", sr);
            char *s = sum ? cjson_encode_pretty_str(sum, NULL) : NULL;
            if (s) /* NULL only for a path that is not UTF-8 */
                printf("%s\n", s);
            free(s);
            json_decref(sum);
        }
        free(file);
    }
    free(txt);
    chain_block_free(blk);
done:
    json_decref(sparams);
    free(accts);
    free(utxos);
    return rc;
}
