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
    "       aetherd init-genesis --validator KEYFILE[=STAKE]... [--validator-entry FILE]...\n"
    "                            [--epoch-len N] [--base-timeout-ms N] [--max-timeout-ms N]\n"
    "                            [--min-fee AMOUNT] [--seed HEX] [other options as above]\n"
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
    "genesis \"staking\" section, e.g. epoch_blocks=10 or unbonding_blocks=20.\n"
    "\n"
    "With --validator or --validator-entry the chain runs BFT consensus\n"
    "(docs/consensus.md) among the listed validators: KEYFILE is a validator key\n"
    "file (its BLS and VRF keys are derived from it; STAKE defaults to 100), FILE\n"
    "a public entry printed by `aetherd keys validator`. --key is then optional.\n"
    "Consensus defaults: epoch 100 rounds, round timeout 1000 ms backing off to\n"
    "30000 ms, min fee 1000, a random 32-byte seed.\n";

/* KEYFILE[=STAKE] */
static int parse_validator(const char *prog, const char *arg, node_validator_t *v)
{
    char path[4096];
    const char *eq = strrchr(arg, '=');
    uint64_t stake = 100;
    size_t plen = eq ? (size_t)(eq - arg) : strlen(arg);
    if (plen >= sizeof path)
        return cli_usage_error(prog, "--validator '%s': path too long", arg);
    memcpy(path, arg, plen);
    path[plen] = 0;
    if (eq && (!cli_parse_u64(eq + 1, &stake) || stake == 0))
        return cli_usage_error(prog, "--validator '%s': STAKE must be a positive integer", arg);
    node_key_t k;
    err_t e = {0};
    if (node_key_load(path, &k, &e) != 0)
        return cli_usage_error(prog, "--validator '%s': %s", arg, e.msg);
    json_t *j = node_validator_entry_json(&k, stake, &e);
    node_key_wipe(&k);
    int rc = j ? node_validator_from_json(j, v, "validator", &e) : -1;
    json_decref(j);
    if (rc != 0)
        return cli_error(prog, CLI_FAIL, "--validator '%s': %s", arg, e.msg);
    return -1;
}

/* a JSON file holding one public entry */
static int parse_validator_entry(const char *prog, const char *path, node_validator_t *v)
{
    uint8_t *data = NULL;
    size_t len = 0;
    err_t e = {0};
    if (file_read_all(path, 1u << 20, &data, &len, &e) != 0)
        return cli_usage_error(prog, "--validator-entry %s: %s", path, e.msg);
    json_t *j = cjson_parse((const char *)data, len, &e);
    free(data);
    if (!j)
        return cli_usage_error(prog, "--validator-entry %s: not JSON: %s", path, e.msg);
    int rc = node_validator_from_json(j, v, path, &e);
    json_decref(j);
    if (rc != 0)
        return cli_usage_error(prog, "--validator-entry %s", e.msg);
    return -1;
}

/* NAME=VALUE into the staking section: amounts stay strings, the rest are
 * integers (the genesis parser checks names and ranges). Shared with
 * aetherd devnet (aetherd_cmds.h). */
int aetherd_staking_param(const char *prog, const char *arg, json_t *params)
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
        {"validator", required_argument, NULL, 'V'},
        {"validator-entry", required_argument, NULL, 'E'},
        {"epoch-len", required_argument, NULL, 1},
        {"base-timeout-ms", required_argument, NULL, 2},
        {"max-timeout-ms", required_argument, NULL, 3},
        {"min-fee", required_argument, NULL, 4},
        {"seed", required_argument, NULL, 5},
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
    node_genesis_t ng;
    memset(&ng, 0, sizeof ng);
    ng.cons.epoch_len = 100;
    ng.cons.base_timeout_ms = 1000;
    ng.cons.max_timeout_ms = 30000;
    ng.cons.min_fee = chain_u128_from_u64(1000);
    bool have_seed = false;
    ng.validators = calloc((size_t)argc + 1, sizeof *ng.validators);
    if (!accts || !utxos || !sparams || !ng.validators) {
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
            if ((r = aetherd_staking_param(prog, optarg, sparams)) >= 0) {
                rc = r;
                goto done;
            }
            break;
        case 'V':
        case 'E':
            if (ng.n_validators >= NODE_MAX_VALIDATORS) {
                rc = cli_usage_error(prog, "at most %d validators", NODE_MAX_VALIDATORS);
                goto done;
            }
            r = c == 'V' ? parse_validator(prog, optarg, &ng.validators[ng.n_validators])
                         : parse_validator_entry(prog, optarg, &ng.validators[ng.n_validators]);
            if (r >= 0) {
                rc = r;
                goto done;
            }
            ng.n_validators++;
            break;
        case 1:
        case 2:
        case 3: {
            uint64_t *dst = c == 1 ? &ng.cons.epoch_len
                            : c == 2 ? &ng.cons.base_timeout_ms
                                     : &ng.cons.max_timeout_ms;
            if (!cli_parse_u64(optarg, dst) || *dst == 0) {
                rc = cli_usage_error(prog, "--%s '%s' must be a positive integer",
                                     c == 1 ? "epoch-len" : c == 2 ? "base-timeout-ms"
                                                                   : "max-timeout-ms",
                                     optarg);
                goto done;
            }
            break;
        }
        case 4: {
            err_t fe = {0};
            if (chain_u128_parse(optarg, strlen(optarg), &ng.cons.min_fee, &fe) != 0) {
                rc = cli_usage_error(prog, "--min-fee '%s': %s", optarg, fe.msg);
                goto done;
            }
            break;
        }
        case 5: {
            err_t he = {0};
            if (hex_decode(optarg, strlen(optarg), ng.cons.seed, 32, &he) != 0) {
                rc = cli_usage_error(prog, "--seed: expected 64 hex digits: %s", he.msg);
                goto done;
            }
            have_seed = true;
            break;
        }
        case 'h': fputs(usage, stdout); goto done;
        default:
            rc = cli_bad_option(prog, argv, optind, optopt,
                                c == ':' || (optopt && strchr("kcautosCPVE", optopt)) ||
                                    (optopt >= 1 && optopt <= 5));
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
    ng.bft = ng.n_validators > 0;
    if (!key_path && (!ng.bft || !chain_u128_is_zero(stake))) {
        rc = cli_usage_error(prog, ng.bft ? "--stake needs --key FILE (the staker)"
                                          : "--key FILE (the validator key) or --validator is "
                                            "required");
        goto done;
    }
    if (ng.cons.max_timeout_ms < ng.cons.base_timeout_ms) {
        rc = cli_usage_error(prog, "--max-timeout-ms is below --base-timeout-ms");
        goto done;
    }
    if (crypto_init() != 0) {
        rc = cli_error(prog, CLI_FAIL, "libsodium failed to initialise");
        goto done;
    }
    if (!have_seed)
        crypto_random(ng.cons.seed, sizeof ng.cons.seed);
    err_t e = {0};
    node_key_t k;
    memset(&k, 0, sizeof k);
    if (key_path && node_key_load(key_path, &k, &e) != 0) {
        rc = cli_error(prog, CLI_USAGE, "%s", e.msg);
        goto done;
    }
    if (!key_path)
        memcpy(k.pk, ng.validators[0].account_pk, CHAIN_PK_BYTES);   /* block 0 names #0 */
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
    ng.g = g;
    json_t *j = node_genesis_json(&ng);
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
            if (sum && ng.bft)
                json_object_set_new(sum, "validators", json_integer((json_int_t)ng.n_validators));
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
    free(ng.validators);
    json_decref(sparams);
    free(accts);
    free(utxos);
    return rc;
}
