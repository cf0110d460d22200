/* aether verify-proof: the standalone state-proof verifier. Reads the JSON
 * that aeth_getProof returns (the proof object, or the whole JSON-RPC
 * response) and checks it against a state root (aeth_getStateRoot), with no
 * node and no database: chain_proof_verify recomputes every hash. */
#include "cli.h"
#include "aether_cmds.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/types/types.h"

static const char usage[] =
    "Usage: aether verify-proof --root HEX [FILE]\n"
    "       aether verify-proof --self-root [FILE]\n"
    "\n"
    "Verifies a state proof (the result of aeth_getProof, or the whole JSON-RPC\n"
    "response) read from FILE or standard input against the state root HEX (from\n"
    "aeth_getStateRoot). --self-root trusts the root inside the proof instead,\n"
    "which only shows the proof is internally consistent.\n"
    "Prints what the proof shows. Exit status: 0 valid, 1 invalid, 2 malformed.\n";

#define PROOF_MAX_BYTES (1u << 20)

int aether_verify_proof_main(int argc, char **argv)
{
    const char *prog = "aether verify-proof";
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"self-root", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *root_hex = NULL;
    bool self_root = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":r:sh", opts, NULL)) != -1) {
        switch (c) {
        case 'r': root_hex = optarg; break;
        case 's': self_root = true; break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: return cli_bad_option(prog, argv, optind, optopt, c == ':');
        }
    }
    if (argc - optind > 1)
        return cli_usage_error(prog, "unexpected argument '%s'", argv[optind + 1]);
    if (!root_hex && !self_root)
        return cli_usage_error(prog, "--root HEX (the trusted state root) is required");
    if (root_hex && self_root)
        return cli_usage_error(prog, "--root and --self-root exclude each other");
    if (crypto_init() != 0)
        return cli_error(prog, CLI_FAIL, "libsodium failed to initialise");
    err_t e = {0};
    chain_hash_t root;
    if (root_hex && chain_hash_from_hex(root_hex, &root, &e) != 0)
        return cli_usage_error(prog, "--root: %s", e.msg);

    const char *path = optind < argc ? argv[optind] : "-";
    uint8_t *data = NULL;
    size_t n = 0;
    if (strcmp(path, "-") == 0) {
        buf_t b;
        buf_init(&b, PROOF_MAX_BYTES);
        uint8_t chunk[4096];
        size_t k;
        while ((k = fread(chunk, 1, sizeof chunk, stdin)) > 0)
            buf_append(&b, chunk, k);
        if (!buf_ok(&b)) {
            buf_free(&b);
            return cli_error(prog, CLI_USAGE, "standard input: larger than %u bytes",
                             PROOF_MAX_BYTES);
        }
        data = buf_steal(&b, &n);
    } else if (file_read_all(path, PROOF_MAX_BYTES, &data, &n, &e) != 0) {
        return cli_error(prog, CLI_USAGE, "%s: %s", path, e.msg);
    }
    json_t *j = cjson_parse((const char *)data, n, &e);
    free(data);
    if (!j)
        return cli_error(prog, CLI_USAGE, "%s: not valid JSON: %s", path, e.msg);
    /* accept a JSON-RPC response too */
    json_t *obj = j;
    if (json_is_object(j) && json_object_get(j, "jsonrpc")) {
        json_t *err = json_object_get(j, "error");
        if (err) {
            json_t *msg = json_object_get(err, "message");
            int rc = cli_error(prog, CLI_USAGE, "%s: the response is an error: %s", path,
                               json_is_string(msg) ? json_string_value(msg) : "(no message)");
            json_decref(j);
            return rc;
        }
        obj = json_object_get(j, "result");
    }
    chain_proof_t *p = malloc(sizeof *p);
    if (!p) {
        json_decref(j);
        return cli_error(prog, CLI_FAIL, "out of memory");
    }
    if (chain_proof_from_json(obj, p, &e) != 0) {
        json_decref(j);
        free(p);
        return cli_error(prog, CLI_USAGE, "%s: %s", path, e.msg);
    }
    json_decref(j);
    int rc = chain_proof_verify(p, self_root ? NULL : &root, &e);
    char rh[65], what[200];
    chain_hash_to_hex(&p->root, rh);
    if (p->kind == CHAIN_PROOF_ACCOUNT) {
        char a[41];
        chain_addr_to_hex(&p->address, a);
        snprintf(what, sizeof what, "account %s", a);
    } else {
        char t[65];
        chain_hash_to_hex(&p->utxo_id.tx_hash, t);
        snprintf(what, sizeof what, "utxo %s:%u", t, p->utxo_id.index);
    }
    if (rc != 0) {
        printf("invalid: %s: %s\n", what, e.msg);
        free(p);
        return CLI_FAIL;
    }
    if (!p->exists) {
        printf("valid: %s is absent under state root %s\n", what, rh);
    } else if (p->kind == CHAIN_PROOF_ACCOUNT) {
        char b[CHAIN_U128_STR_MAX];
        chain_u128_format(p->account.balance, b);
        printf("valid: %s exists with balance %s and nonce %llu under state root %s\n", what, b,
               (unsigned long long)p->account.nonce, rh);
    } else {
        char o[41], amt[CHAIN_U128_STR_MAX];
        chain_addr_to_hex(&p->utxo.owner, o);
        chain_u128_format(p->utxo.amount, amt);
        printf("valid: %s exists, owner %s, amount %s, under state root %s\n", what, o, amt, rh);
    }
    if (self_root)
        printf("note: checked against the proof's own root, not a trusted one\n");
    free(p);
    return CLI_OK;
}
