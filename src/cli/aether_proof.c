/* aether verify-proof: the standalone state-proof verifier. Reads the JSON
 * that aeth_getProof returns (the proof object, or the whole JSON-RPC
 * response) and checks it against a state root (aeth_getStateRoot), with no
 * node and no database: chain_proof_verify recomputes every hash. With
 * --address / --utxo it fetches the proof (and, without --root, the state
 * root) from a node first, then verifies it locally the same way. */
#include "cli.h"
#include "aether_cmds.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/client/client.h"
#include "chain/rpc/rpc.h"
#include "chain/types/types.h"
#include "chain_cli.h"

static const char usage[] =
    "Usage: aether verify-proof --root HEX [FILE]\n"
    "       aether verify-proof --self-root [FILE]\n"
    "       aether verify-proof (--address ADDR | --utxo TXHASH:INDEX) [--height H]\n"
    "                           [--root HEX] [--rpc URL] [--save FILE]\n"
    "\n"
    "Verifies a state proof (the result of aeth_getProof, or the whole JSON-RPC\n"
    "response) read from FILE or standard input against the state root HEX (from\n"
    "aeth_getStateRoot). --self-root trusts the root inside the proof instead,\n"
    "which only shows the proof is internally consistent.\n"
    "With --address or --utxo the proof is fetched from the node (--rpc URL, else\n"
    "$AETHER_RPC, else " CHAIN_CLIENT_DEFAULT_RPC ") together with its current state root\n"
    "(aeth_getStateRoot) unless --root is given, and verified locally; --save\n"
    "writes the fetched proof to FILE. With --height H (within the node's\n"
    "--state-history) the proof is of the state as block H left it and is\n"
    "checked against the state_root in block H's header (aeth_getBlockByNumber)\n"
    "unless --root is given.\n"
    "Prints what the proof shows. Exit status: 0 valid, 1 invalid or node\n"
    "unreachable, 2 malformed input or usage.\n";

/* The state_root in block height's header. */
static int header_root(const char *prog, rpc_client_t *c, const char *url, uint64_t height,
                       chain_hash_t *root)
{
    json_t *res = NULL, *params = json_pack("[o]", cjson_u64(height));
    int code = 0;
    err_t e = {0};
    int crc = rpc_client_call(c, "aeth_getBlockByNumber", params, &res, &code, &e);
    json_decref(params);
    if (crc != 0)
        return cli_error(prog, CLI_FAIL, "aeth_getBlockByNumber at %s: %s", url, e.msg);
    if (json_is_null(res)) {
        json_decref(res);
        return cli_error(prog, CLI_FAIL, "the node has no block %llu", (unsigned long long)height);
    }
    json_t *r = json_object_get(res, "state_root");
    int bad = !json_is_string(r) || chain_hash_from_hex(json_string_value(r), root, &e);
    json_decref(res);
    if (bad)
        return cli_error(prog, CLI_FAIL, "aeth_getBlockByNumber: unexpected result");
    return CLI_OK;
}

/* Fetches root (unless *have_root) and proof; retries when a block lands
 * between the two calls. At a height (not NULL), the root is that block's
 * header's and the proof the node's as of it. Returns the proof JSON or
 * NULL (error printed). */
static json_t *fetch(const char *prog, const char *url, json_t *param, const uint64_t *height,
                     chain_hash_t *root, bool have_root, int *rc)
{
    err_t e = {0};
    rpc_client_t *c = rpc_client_new(url, 30000, &e);
    if (!c) {
        *rc = cli_usage_error(prog, "--rpc: %s", e.msg);
        return NULL;
    }
    json_t *proof = NULL;
    *rc = CLI_FAIL;
    if (height && !have_root) {
        if ((*rc = header_root(prog, c, url, *height, root)) != CLI_OK) {
            rpc_client_free(c);
            return NULL;
        }
        have_root = true;   /* a block's root does not move */
    }
    *rc = CLI_FAIL;
    for (int attempt = 0; attempt < 5; attempt++) {
        json_t *res = NULL;
        int code = 0;
        if (!have_root) {
            if (rpc_client_call(c, "aeth_getStateRoot", NULL, &res, &code, &e) != 0) {
                cli_error(prog, CLI_FAIL, "aeth_getStateRoot at %s: %s", url, e.msg);
                break;
            }
            json_t *r = json_object_get(res, "root");
            int bad = !json_is_string(r) || chain_hash_from_hex(json_string_value(r), root, &e);
            json_decref(res);
            if (bad) {
                cli_error(prog, CLI_FAIL, "aeth_getStateRoot: unexpected result");
                break;
            }
        }
        json_t *params = height ? json_pack("[O,o]", param, cjson_u64(*height))
                                : json_pack("[O]", param);
        int crc = rpc_client_call(c, "aeth_getProof", params, &proof, &code, &e);
        json_decref(params);
        if (crc != 0) {
            cli_error(prog, CLI_FAIL, "aeth_getProof at %s: %s", url, e.msg);
            proof = NULL;
            break;
        }
        chain_hash_t pr;
        json_t *r = json_object_get(proof, "root");
        if (have_root || !json_is_string(r) ||
            chain_hash_from_hex(json_string_value(r), &pr, NULL) != 0 ||
            chain_hash_equal(&pr, root)) {
            *rc = CLI_OK;
            break;
        }
        json_decref(proof);   /* a block landed in between: ask again */
        proof = NULL;
    }
    if (!proof && *rc == CLI_OK)
        *rc = CLI_FAIL;
    if (!proof && *rc == CLI_FAIL && e.code == 0)
        cli_error(prog, CLI_FAIL, "the state root kept moving; try again or pass --root");
    rpc_client_free(c);
    return proof;
}

#define PROOF_MAX_BYTES (1u << 20)

int aether_verify_proof_main(int argc, char **argv)
{
    const char *prog = "aether verify-proof";
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"self-root", no_argument, NULL, 's'},
        {"address", required_argument, NULL, 'a'},
        {"utxo", required_argument, NULL, 'u'},
        {"rpc", required_argument, NULL, 'R'},
        {"save", required_argument, NULL, 'S'},
        {"height", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *root_hex = NULL, *addr_s = NULL, *utxo_s = NULL, *rpc = NULL, *save = NULL;
    bool self_root = false, have_height = false;
    uint64_t height = 0;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":r:sa:u:R:S:h", opts, NULL)) != -1) {
        switch (c) {
        case 'H':
            if (!cli_parse_u64(optarg, &height))
                return cli_usage_error(prog, "--height '%s' is not a block height", optarg);
            have_height = true;
            break;
        case 'r': root_hex = optarg; break;
        case 's': self_root = true; break;
        case 'a': addr_s = optarg; break;
        case 'u': utxo_s = optarg; break;
        case 'R': rpc = optarg; break;
        case 'S': save = optarg; break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: return cli_bad_option(prog, argv, optind, optopt, c == ':');
        }
    }
    bool fetching = addr_s || utxo_s;
    if (argc - optind > (fetching ? 0 : 1))
        return cli_usage_error(prog, "unexpected argument '%s'",
                               argv[optind + (fetching ? 0 : 1)]);
    if (addr_s && utxo_s)
        return cli_usage_error(prog, "--address and --utxo exclude each other");
    if (!fetching && (rpc || save || have_height))
        return cli_usage_error(prog, "--rpc, --save and --height need --address or --utxo");
    if (!fetching && !root_hex && !self_root)
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
    json_t *fetched = NULL;
    if (fetching) {
        json_t *param;
        if (addr_s) {
            chain_addr_t a;
            int arc = chain_cli_addr_opt(prog, "--address", addr_s, &a);
            if (arc >= 0)
                return arc;
            char h[41];
            chain_addr_to_hex(&a, h);
            param = json_string(h);
        } else {
            chain_utxo_id_t id;
            int urc = chain_cli_utxo_id_opt(prog, "--utxo", utxo_s, &id);
            if (urc >= 0)
                return urc;
            char h[65];
            chain_hash_to_hex(&id.tx_hash, h);
            param = json_pack("{s:s, s:I}", "tx", h, "index", (json_int_t)id.index);
        }
        if (!rpc)
            rpc = chain_client_default_url();
        int frc;
        fetched = fetch(prog, rpc, param, have_height ? &height : NULL, &root, root_hex != NULL,
                        &frc);
        json_decref(param);
        if (!fetched)
            return frc;
        if (save && json_dump_file(fetched, save, JSON_INDENT(2)) != 0) {
            json_decref(fetched);
            return cli_error(prog, CLI_FAIL, "cannot write %s", save);
        }
        char *txt = cjson_encode_str(fetched, NULL);
        json_decref(fetched);
        if (!txt)
            return cli_error(prog, CLI_FAIL, "out of memory");
        data = (uint8_t *)txt;
        n = strlen(txt);
        path = "the node's proof";
    } else if (strcmp(path, "-") == 0) {
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
