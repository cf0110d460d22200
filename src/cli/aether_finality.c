/* aether verify-finality: the light client. Checks a finality proof
 * (aeth_getFinalityProof: consensus block, the headers to the certified
 * child, the commit QC, and the chain header with the record certifying it)
 * against the validator set of a genesis file alone (chain/light); with
 * --height it fetches the proof from a node first. */
#include "cli.h"
#include "aether_cmds.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/light/light.h"
#include "chain/client/client.h"
#include "chain/rpc/rpc.h"

#define FINALITY_PROOF_MAX (64u << 20)

static const char usage[] =
    "Usage: aether verify-finality --genesis FILE [PROOF_FILE | -]\n"
    "       aether verify-finality --genesis FILE --height N [--rpc URL] [--save FILE]\n"
    "\n"
    "Checks that a block is final using nothing but the genesis file: the proof\n"
    "(the result of aeth_getFinalityProof, or the whole JSON-RPC response, from\n"
    "PROOF_FILE or standard input) must carry a commit QC with more than 2/3 of\n"
    "the stake of the block's validator set and a valid aggregate BLS signature\n"
    "over a block that extends the proved one by the 2-chain rule; when it\n"
    "includes the chain header, a committed later block must certify that\n"
    "header's hash. On a chain with staking the set changes each validator\n"
    "epoch: the proof then carries every epoch change from the genesis set on\n"
    "(the block ending each epoch, committed by the set before, and the new\n"
    "set proven in the state that block certifies).\n"
    "With --height the proof is fetched from the node (--rpc URL, else\n"
    "$AETHER_RPC, else " CHAIN_CLIENT_DEFAULT_RPC "); --save writes it to FILE.\n"
    "Prints what was proved. Exit status: 0 final, 1 refused (the reason is\n"
    "printed) or node unreachable, 2 malformed input or usage.\n";

static json_t *read_proof(const char *prog, const char *path, int *rc)
{
    uint8_t *data = NULL;
    size_t n = 0;
    err_t e = {0};
    *rc = CLI_USAGE;
    if (strcmp(path, "-") == 0) {
        buf_t b;
        buf_init(&b, 0);
        uint8_t chunk[4096];
        size_t k;
        while ((k = fread(chunk, 1, sizeof chunk, stdin)) > 0 && b.len <= FINALITY_PROOF_MAX)
            buf_append(&b, chunk, k);
        if (!buf_ok(&b) || b.len > FINALITY_PROOF_MAX) {
            buf_free(&b);
            cli_error(prog, CLI_USAGE, "standard input: larger than %u bytes",
                      FINALITY_PROOF_MAX);
            return NULL;
        }
        data = buf_steal(&b, &n);
    } else if (file_read_all(path, FINALITY_PROOF_MAX, &data, &n, &e) != 0) {
        cli_error(prog, CLI_USAGE, "%s: %s", path, e.msg);
        return NULL;
    }
    json_t *j = cjson_parse((const char *)data, n, &e);
    free(data);
    if (!j) {
        cli_error(prog, CLI_USAGE, "%s: not valid JSON: %s", path, e.msg);
        return NULL;
    }
    if (json_is_object(j) && json_object_get(j, "jsonrpc")) {   /* a whole response */
        json_t *res = json_object_get(j, "result");
        if (!json_is_object(res)) {
            cli_error(prog, CLI_USAGE, "%s: the JSON-RPC response has no proof object", path);
            json_decref(j);
            return NULL;
        }
        json_incref(res);
        json_decref(j);
        j = res;
    }
    *rc = CLI_OK;
    return j;
}

static json_t *fetch_proof(const char *prog, const char *url, uint64_t height, int *rc)
{
    err_t e = {0};
    const char *ep = url ? url : chain_client_default_url();
    rpc_client_t *c = rpc_client_new(ep, 30000, &e);
    if (!c) {
        *rc = cli_usage_error(prog, "--rpc: %s", e.msg);
        return NULL;
    }
    json_t *res = NULL;
    int code = 0;
    json_t *params = json_pack("[o]", cjson_u64(height));
    int crc = rpc_client_call(c, "aeth_getFinalityProof", params, &res, &code, &e);
    json_decref(params);
    rpc_client_free(c);
    *rc = CLI_FAIL;
    if (crc != 0) {
        cli_error(prog, CLI_FAIL, "aeth_getFinalityProof at %s: %s", ep, e.msg);
        return NULL;
    }
    if (json_is_null(res)) {
        json_decref(res);
        cli_error(prog, CLI_FAIL, "%s has no finality record for height %llu (not committed "
                  "yet, or not a BFT chain)", ep, (unsigned long long)height);
        return NULL;
    }
    *rc = CLI_OK;
    return res;
}

int aether_verify_finality_main(int argc, char **argv)
{
    static const char *prog = "aether verify-finality";
    static const struct option opts[] = {
        {"genesis", required_argument, NULL, 'g'},
        {"height", required_argument, NULL, 'H'},
        {"rpc", required_argument, NULL, 'r'},
        {"save", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *genesis_path = NULL, *url = NULL, *save = NULL, *height_s = NULL;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "g:H:r:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'g': genesis_path = optarg; break;
        case 'H': height_s = optarg; break;
        case 'r': url = optarg; break;
        case 's': save = optarg; break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default:
            return cli_bad_option(prog, argv, optind, optopt,
                                  c == ':' || optopt == 'g' || optopt == 'H' || optopt == 'r' ||
                                      optopt == 's');
        }
    }
    if (!genesis_path)
        return cli_usage_error(prog, "--genesis FILE is required (the validator set to trust)");
    if (height_s && optind < argc)
        return cli_usage_error(prog, "give --height or a proof file, not both");
    if (!height_s && optind + 1 < argc)
        return cli_usage_error(prog, "unexpected argument '%s'", argv[optind + 1]);
    if ((url || save) && !height_s)
        return cli_usage_error(prog, "--rpc and --save go with --height");
    uint64_t height = 0;
    if (height_s) {
        char *end;
        unsigned long long v = strtoull(height_s, &end, 10);
        if (!*height_s || *end || height_s[0] == '-')
            return cli_usage_error(prog, "--height '%s' is not a block height", height_s);
        height = v;
    }
    if (crypto_init() != 0)
        return cli_error(prog, CLI_FAIL, "libsodium failed to initialise");
    node_genesis_t g;
    err_t e = {0};
    if (node_genesis_load(genesis_path, &g, &e) != 0)
        return cli_error(prog, CLI_USAGE, "%s", e.msg);
    int rc;
    json_t *proof = height_s ? fetch_proof(prog, url, height, &rc)
                             : read_proof(prog, optind < argc ? argv[optind] : "-", &rc);
    if (proof && save) {
        buf_t b;
        buf_init(&b, 0);
        if (cjson_encode_pretty(proof, &b, &e) != 0 ||
            file_write_atomic(save, b.data, b.len, 0644, false, &e) != 0)
            rc = cli_error(prog, CLI_FAIL, "--save %s: %s", save, e.msg);
        buf_free(&b);
    }
    if (proof && rc == CLI_OK) {
        light_result_t r;
        if (light_proof_verify(&g, proof, &r, &e) != 0) {
            rc = cli_error(prog, e.code == LIGHT_EINVAL ? CLI_USAGE : CLI_FAIL,
                           "refused: %s", e.msg);
        } else {
            json_t *out = light_result_to_json(&r);
            buf_t b;
            buf_init(&b, 0);
            if (out && cjson_encode_pretty(out, &b, NULL) == BASE_OK) {
                fwrite(b.data, 1, b.len, stdout);
                fputc('\n', stdout);
            }
            buf_free(&b);
            json_decref(out);
        }
    }
    json_decref(proof);
    node_genesis_free(&g);
    return rc;
}
