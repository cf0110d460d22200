/* aether keys: account key files (same format as validator keys, see
 * chain/node/node.h). */
#include "cli.h"
#include "aether_cmds.h"
#include "chain_keys.h"

#include <stdio.h>
#include <stdlib.h>

#include "chain/node/node.h"

static const char usage[] =
    "Usage: aether keys <command>\n"
    "\n"
    "Account keys: JSON files with the Ed25519 public key, the address and the\n"
    "secret seed, mode 0600.\n";
static const char new_usage[] =
    "Usage: aether keys new --out FILE [--force]\n"
    "\n"
    "Generates a key, writes it to FILE (never overwriting unless --force) and\n"
    "prints its public key and address.\n";
static const char show_usage[] =
    "Usage: aether keys show FILE\n"
    "\n"
    "Checks the key file and prints its public key and address (never the secret).\n";

static void print_json(json_t *j)
{
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    fputc('\n', stdout);
}


static int keys_new(int argc, char **argv)
{
    return chain_keys_new_main("aether keys new", new_usage, argc, argv);
}

static int keys_show(int argc, char **argv)
{
    const char *prog = "aether keys show";
    if (cli_wants_help(argc, argv, show_usage))
        return CLI_OK;
    if (argc != 2)
        return cli_usage_error(prog, "expected exactly one key FILE");
    if (crypto_init() != 0)
        return cli_error(prog, CLI_FAIL, "libsodium failed to initialise");
    node_key_t k;
    err_t e = {0};
    if (node_key_load(argv[1], &k, &e) != 0)
        return cli_error(prog, CLI_USAGE, "%s", e.msg);
    json_t *pub = node_key_public_json(&k);
    node_key_wipe(&k);
    print_json(pub);
    json_decref(pub);
    return CLI_OK;
}

int aether_keys_main(int argc, char **argv)
{
    static const cli_cmd_t cmds[] = {
        {"new", keys_new, "generate a key file"},
        {"show", keys_show, "print a key file's public key and address"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch("aether keys", usage, cmds, argc, argv);
}
