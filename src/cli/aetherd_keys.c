/* aetherd keys: validator key files (format in chain/node/node.h). */
#include "cli.h"
#include "aetherd_cmds.h"
#include "chain_keys.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/node/node.h"

static const char usage[] =
    "Usage: aetherd keys <command>\n"
    "\n"
    "Validator key files: JSON with the Ed25519 public key, the address and the\n"
    "secret seed, mode 0600.\n";

static const char new_usage[] =
    "Usage: aetherd keys new --out FILE [--force]\n"
    "\n"
    "Generates an Ed25519 validator key, writes it to FILE (refusing to overwrite\n"
    "an existing file unless --force) and prints the public part as JSON.\n";

static int keys_new(int argc, char **argv)
{
    return chain_keys_new_main("aetherd keys new", new_usage, argc, argv);
}

static const char validator_usage[] =
    "Usage: aetherd keys validator --key FILE [--stake N]\n"
    "\n"
    "Prints the public genesis entry of a validator key file: the account key,\n"
    "the BLS public key with its proof of possession and the VRF public key\n"
    "(both derived from the key file's seed), and the stake (default 100).\n"
    "Save it and hand it to `aetherd init-genesis --validator-entry FILE`.\n";

static int keys_validator(int argc, char **argv)
{
    const char *prog = "aetherd keys validator";
    static const struct option opts[] = {
        {"key", required_argument, NULL, 'k'},
        {"stake", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *key = NULL;
    uint64_t stake = 100;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "k:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': key = optarg; break;
        case 's':
            if (!cli_parse_u64(optarg, &stake) || stake == 0)
                return cli_usage_error(prog, "--stake '%s' must be a positive integer", optarg);
            break;
        case 'h': fputs(validator_usage, stdout); return CLI_OK;
        default:
            return cli_bad_option(prog, argv, optind, optopt,
                                  c == ':' || (optopt && strchr("ks", optopt)));
        }
    }
    if (optind < argc)
        return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
    if (!key)
        return cli_usage_error(prog, "--key FILE is required");
    if (crypto_init() != 0)
        return cli_error(prog, CLI_FAIL, "libsodium failed to initialise");
    node_key_t k;
    err_t e = {0};
    if (node_key_load(key, &k, &e) != 0)
        return cli_error(prog, CLI_USAGE, "%s", e.msg);
    json_t *j = node_validator_entry_json(&k, stake, &e);
    node_key_wipe(&k);
    if (!j)
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    json_dumpf(j, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(j);
    return CLI_OK;
}

int aetherd_keys_main(int argc, char **argv)
{
    static const cli_cmd_t cmds[] = {
        {"new", keys_new, "generate a validator key file"},
        {"validator", keys_validator, "print the public genesis entry of a validator key"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch("aetherd keys", usage, cmds, argc, argv);
}
