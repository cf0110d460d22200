/* aetherd keys: validator key files (format in chain/node/node.h). */
#include "cli.h"
#include "aetherd_cmds.h"
#include "chain_keys.h"

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
    return chain_keys_new_main("aetherd keys new", new_usage, argc, argv);
}


int aetherd_keys_main(int argc, char **argv)
{
    static const cli_cmd_t cmds[] = {
        {"new", keys_new, "generate a validator key file"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch("aetherd keys", usage, cmds, argc, argv);
}
