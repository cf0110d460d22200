/* The key-file command shared by `aether keys new` and `aetherd keys new`
 * (see chain_keys.h). */
#include "chain_keys.h"
#include "cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "chain/node/node.h"

int chain_keys_new_main(const char *prog, const char *usage, int argc, char **argv)
{
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
        case 'h': fputs(usage, stdout); return CLI_OK;
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
