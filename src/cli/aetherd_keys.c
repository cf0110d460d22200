/* aetherd keys: validator key files (format in chain/node/node.h). */
#include "cli.h"
#include "aetherd_cmds.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

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
    const char *prog = "aetherd keys new";
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    bool force = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:fh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'f': force = true; break;
        case 'h': fputs(new_usage, stdout); return CLI_OK;
        default: return cli_bad_option(prog, argv, optind, optopt, c == ':' || optopt == 'o');
        }
    }
    if (optind < argc)
        return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
    if (!out)
        return cli_usage_error(prog, "--out FILE is required");
    if (crypto_init() != 0)
        return cli_error(prog, CLI_FAIL, "libsodium failed to initialise");
    node_key_t k;
    node_key_generate(&k);
    err_t e = {0};
    if (node_key_save(out, &k, force, &e) != 0) {
        node_key_wipe(&k);
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    }
    json_t *pub = node_key_public_json(&k);
    node_key_wipe(&k);
    json_object_set_new(pub, "file", json_string(out));
    json_dumpf(pub, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    fputc('\n', stdout);
    json_decref(pub);
    return CLI_OK;
}

int aetherd_keys_main(int argc, char **argv)
{
    static const cli_cmd_t cmds[] = {
        {"new", keys_new, "generate a validator key file"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch("aetherd keys", usage, cmds, argc, argv);
}
