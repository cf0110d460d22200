/* aether contract: contracts on the chain (issue 14, docs/contracts.md):
 * deploy, call, query (read-only), logs, code, storage (with a verified
 * state proof). Parses arguments and prints; transactions and queries go
 * through chain/client, proofs are checked with chain/types' verifier. */
#include "cli.h"
#include "aether_cmds.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/client/client.h"
#include "chain_cli.h"
#include "chain/exec/exec.h"

typedef struct c_opts {
    chain_cli_wallet_t w;
    const char *code, *event;
    bool have_contract, have_from, have_topic, proof;
    chain_addr_t contract, from;
    chain_hash_t topic;
    chain_u128_t value, gas_price;
    uint64_t gas, from_block, to_block, max;
    bool have_from_block, have_to_block, have_max, have_height;
    uint64_t height;
    uint8_t *input, *skey;   /* owned */
    size_t input_len, skey_len;
} c_opts_t;

static int parse_hex(const char *prog, const char *opt, const char *s, size_t max, uint8_t **out,
                     size_t *n)
{
    err_t e = {0};
    free(*out);
    *out = NULL;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    if (hex_decode_alloc(s, strlen(s), out, n, &e) != 0)
        return cli_usage_error(prog, "%s: %s", opt, e.msg);
    if (*n > max)
        return cli_usage_error(prog, "%s: %zu bytes, at most %zu", opt, *n, max);
    return -1;
}

#define CONTRACT_HELP                                                                             \
    "\nContract options: --gas N (default: the node's estimate + 25%), --gas-price N\n"            \
    "(default 1), --value N (sent to the contract), --input HEX.\n"

static void opts_free(c_opts_t *o)
{
    free(o->input);
    free(o->skey);
}

static int contract_opt(void *ctx, const char *prog, int c, const char *name, const char *arg)
{
    c_opts_t *o = ctx;
    err_t e = {0};
    switch (c) {
    case 'c': o->code = arg; return -1;
    case 'P': o->proof = true; return -1;
    case 'E': o->event = arg; return -1;
    case 'v': return chain_cli_amount_opt(prog, name, arg, false, &o->value);
    case 'p': return chain_cli_amount_opt(prog, name, arg, true, &o->gas_price);
    case 'g':
        if (!cli_parse_u64(arg, &o->gas) || o->gas == 0 || o->gas > CHAIN_MAX_TX_GAS)
            return cli_usage_error(prog, "--gas '%s': 1..%llu", arg,
                                   (unsigned long long)CHAIN_MAX_TX_GAS);
        return -1;
    case 'b':
        if (!cli_parse_u64(arg, &o->from_block))
            return cli_usage_error(prog, "--from-block '%s' is not a block height", arg);
        o->have_from_block = true;
        return -1;
    case 'B':
        if (!cli_parse_u64(arg, &o->to_block))
            return cli_usage_error(prog, "--to-block '%s' is not a block height", arg);
        o->have_to_block = true;
        return -1;
    case 'H':
        if (!cli_parse_u64(arg, &o->height))
            return cli_usage_error(prog, "--height '%s' is not a block height", arg);
        o->have_height = true;
        return -1;
    case 'm':
        if (!cli_parse_u64(arg, &o->max) || o->max == 0)
            return cli_usage_error(prog, "--max '%s' is not a positive number", arg);
        o->have_max = true;
        return -1;
    case 'a':
    case 'F':
        if (chain_addr_from_hex(arg, c == 'a' ? &o->contract : &o->from, &e) != 0)
            return cli_usage_error(prog, "%s: %s", name, e.msg);
        *(c == 'a' ? &o->have_contract : &o->have_from) = true;
        return -1;
    case 't':
        if (chain_hash_from_hex(arg, &o->topic, &e) != 0)
            return cli_usage_error(prog, "%s: %s", name, e.msg);
        o->have_topic = true;
        return -1;
    case 'i': return parse_hex(prog, name, arg, CHAIN_MAX_INPUT_BYTES, &o->input, &o->input_len);
    case 's': return parse_hex(prog, name, arg, CHAIN_CONTRACT_MAX_KEY, &o->skey, &o->skey_len);
    default:
        return CLI_NOT_MINE;
    }
}

/* Returns -1 when parsing succeeded, else the exit code. */
static int parse(const char *prog, const char *usage, int argc, char **argv, c_opts_t *o)
{
    static const struct option longs[] = {
        CHAIN_CLI_WALLET_OPTIONS,                     {"code", required_argument, NULL, 'c'},
        {"contract", required_argument, NULL, 'a'},   {"input", required_argument, NULL, 'i'},
        {"value", required_argument, NULL, 'v'},      {"gas", required_argument, NULL, 'g'},
        {"gas-price", required_argument, NULL, 'p'},  {"from", required_argument, NULL, 'F'},
        {"topic", required_argument, NULL, 't'},      {"event", required_argument, NULL, 'E'},
        {"from-block", required_argument, NULL, 'b'}, {"to-block", required_argument, NULL, 'B'},
        {"max", required_argument, NULL, 'm'},        {"slot", required_argument, NULL, 's'},
        {"proof", no_argument, NULL, 'P'},            {"height", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    chain_cli_wallet_init(&o->w, 60);
    int rc = chain_cli_getopt(prog, usage, CONTRACT_HELP CHAIN_CLI_WALLET_HELP, argc, argv, ":h",
                              longs, false, contract_opt, o, &o->w);
    if (rc >= 0)
        return rc;
    if (o->event) {   /* the SDK's aec_event: topic = SHA-256(name) */
        crypto_sha256(o->event, strlen(o->event), o->topic.b);
        o->have_topic = true;
    }
    return -1;
}

static int with_opts(const char *prog, const char *usage, int argc, char **argv,
                     int (*fn)(const char *, c_opts_t *))
{
    c_opts_t o;
    int rc = parse(prog, usage, argc, argv, &o);
    if (rc < 0)
        rc = fn(prog, &o);
    opts_free(&o);
    return rc;
}

/* ---- deploy / call ---- */

static int send_tx(const char *prog, c_opts_t *o)
{
    bool deploy = o->code != NULL;
    if (!o->w.key)
        return cli_usage_error(prog, "--key FILE is required");
    if (!deploy && !o->have_contract)
        return cli_usage_error(prog, "--contract ADDRESS is required");
    err_t e = {0};
    uint8_t *code = NULL;
    size_t code_len = 0;
    if (deploy) {
        if (file_read_all(o->code, CHAIN_MAX_CODE_BYTES, &code, &code_len, &e) != 0)
            return cli_error(prog, CLI_USAGE, "%s: %s (code is at most %d bytes)", o->code, e.msg,
                             CHAIN_MAX_CODE_BYTES);
        if (code_len < 8) {
            free(code);
            return cli_usage_error(prog, "%s: %zu bytes is not a WASM module", o->code, code_len);
        }
    }
    chain_key_t k;
    chain_client_t *c = NULL;
    int rc = chain_cli_wallet_open(prog, &o->w, &k, &c);
    if (rc != CLI_OK) {
        free(code);
        return rc;
    }
    chain_client_send_t s;
    chain_cli_wallet_send(&o->w, &s);
    chain_client_contract_t req = {
        .contract = o->contract,
        .code = code,
        .code_len = (uint32_t)code_len,
        .input = o->input,
        .input_len = (uint32_t)o->input_len,
        .value = o->value,
        .gas_price = o->gas_price,
        .gas_limit = o->gas,
    };
    chain_tx_t *tx = NULL;
    if (chain_client_contract_send(c, &k, &s, &req, &tx, &e) != 0) {
        rc = chain_cli_client_error(prog, &e);
    } else {
        char hash[65], addr[41];
        chain_hash_to_hex(&tx->hash, hash);
        chain_addr_t ca = o->contract;
        if (deploy)
            chain_contract_address(&tx->sender, tx->nonce, &ca);
        chain_addr_to_hex(&ca, addr);
        json_t *out = json_pack("{s:s,s:s,s:s,s:o}", "hash", hash, "kind",
                                deploy ? "deploy" : "call", "contract", addr, "gas_limit",
                                cjson_u64(tx->gas_limit));
        rc = chain_cli_print_sent(prog, c, tx, out, &o->w);
    }
    chain_tx_free(tx);
    chain_client_free(c);
    chain_key_wipe(&k);
    free(code);
    return rc;
}

static const char deploy_usage[] =
    "Usage: aether contract deploy --key FILE --code FILE.wasm [--input HEX (init input)]\n"
    "         [--value N] [--gas N] [--gas-price N] [--fee N] [--wait] [--rpc URL]\n"
    "Deploys a contract; prints its address (derived from the sender and nonce).\n";
static int c_deploy(int argc, char **argv)
{
    return with_opts("aether contract deploy", deploy_usage, argc, argv, send_tx);
}

static int call_fn(const char *prog, c_opts_t *o)
{
    if (o->code)
        return cli_usage_error(prog, "--code belongs to deploy");
    return send_tx(prog, o);
}

static const char call_usage[] =
    "Usage: aether contract call --key FILE --contract ADDRESS [--input HEX] [--value N]\n"
    "         [--gas N] [--gas-price N] [--fee N] [--wait] [--rpc URL]\n"
    "Sends a call transaction; with --wait prints the receipt (status, gas used, return\n"
    "data, logs, revert reason) and fails when the call failed.\n";
static int c_call(int argc, char **argv)
{
    return with_opts("aether contract call", call_usage, argc, argv, call_fn);
}

/* ---- read-only ---- */

static int finish(const char *prog, chain_client_t *c, int rc, json_t *res, const err_t *e)
{
    chain_client_free(c);
    if (rc)
        return chain_cli_client_error(prog, e);
    chain_cli_print_json(res);
    json_decref(res);
    return CLI_OK;
}

static int query_fn(const char *prog, c_opts_t *o)
{
    if (!o->have_contract && !o->code)
        return cli_usage_error(prog, "--contract ADDRESS (or --code FILE) is required");
    int rc = CLI_OK;
    chain_client_t *c = chain_cli_open_client(prog, o->w.rpc, &rc);
    if (!c)
        return rc;
    err_t e = {0};
    uint8_t *code = NULL;
    size_t code_len = 0;
    if (o->code && file_read_all(o->code, CHAIN_MAX_CODE_BYTES, &code, &code_len, &e) != 0) {
        chain_client_free(c);
        return cli_error(prog, CLI_USAGE, "%s: %s", o->code, e.msg);
    }
    chain_client_contract_t req = {
        .contract = o->contract,
        .code = code,
        .code_len = (uint32_t)code_len,
        .input = o->input,
        .input_len = (uint32_t)o->input_len,
        .value = o->value,
        .gas_limit = o->gas,
    };
    json_t *res = NULL;
    rc = chain_client_contract_query_at(c, o->have_from ? &o->from : NULL, &req,
                                        o->have_height ? &o->height : NULL, &res, &e);
    free(code);
    bool ok = rc == 0 && json_is_true(json_object_get(res, "success"));
    const json_t *why = rc == 0 ? json_object_get(res, "revert_reason") : NULL;
    char msg[ERR_MSG_MAX] = "";
    if (rc == 0 && !ok)
        snprintf(msg, sizeof msg, "the call fails: %s%s%s",
                 json_string_value(json_object_get(res, "status")), json_is_string(why) ? ": " : "",
                 json_is_string(why) ? json_string_value(why) : "");
    rc = finish(prog, c, rc, res, &e);
    if (rc == CLI_OK && msg[0])
        return cli_error(prog, CLI_FAIL, "%s", msg);
    return rc;
}

static const char query_usage[] =
    "Usage: aether contract query --contract ADDRESS [--input HEX] [--from ADDRESS]\n"
    "         [--value N] [--gas N] [--height N] [--rpc URL]\n"
    "Runs the call read-only on the node's current state, or on the state as of\n"
    "block N (within the node's --state-history) with --height (aeth_call): prints\n"
    "status, gas used, return data and logs; nothing is committed.\n";
static int c_query(int argc, char **argv)
{
    return with_opts("aether contract query", query_usage, argc, argv, query_fn);
}

static int logs_fn(const char *prog, c_opts_t *o)
{
    if (!o->have_contract && !o->have_topic)
        return cli_usage_error(prog, "--contract ADDRESS or --topic HEX / --event NAME is required");
    int rc = CLI_OK;
    chain_client_t *c = chain_cli_open_client(prog, o->w.rpc, &rc);
    if (!c)
        return rc;
    json_t *f = json_object();
    if (o->have_contract) {
        char a[41];
        chain_addr_to_hex(&o->contract, a);
        json_object_set_new(f, "address", json_string(a));
    }
    if (o->have_topic) {
        char t[65];
        chain_hash_to_hex(&o->topic, t);
        json_object_set_new(f, "topic", json_string(t));
    }
    if (o->have_from_block)
        json_object_set_new(f, "from_block", cjson_u64(o->from_block));
    if (o->have_to_block)
        json_object_set_new(f, "to_block", cjson_u64(o->to_block));
    if (o->have_max)
        json_object_set_new(f, "max", cjson_u64(o->max));
    json_t *res = NULL;
    err_t e = {0};
    rc = chain_client_get_logs(c, f, &res, &e);
    return finish(prog, c, rc, res, &e);
}

static const char logs_usage[] =
    "Usage: aether contract logs [--contract ADDRESS] [--topic HEX | --event NAME]\n"
    "         [--from-block N] [--to-block N] [--max N] [--rpc URL]\n"
    "Lists contract logs (aeth_getLogs), oldest first. --event NAME is the topic\n"
    "SHA-256(NAME) the SDK's aec_event emits.\n";
static int c_logs(int argc, char **argv)
{
    return with_opts("aether contract logs", logs_usage, argc, argv, logs_fn);
}

static int code_fn(const char *prog, c_opts_t *o)
{
    if (!o->have_contract)
        return cli_usage_error(prog, "--contract ADDRESS is required");
    int rc = CLI_OK;
    chain_client_t *c = chain_cli_open_client(prog, o->w.rpc, &rc);
    if (!c)
        return rc;
    char a[41];
    chain_addr_to_hex(&o->contract, a);
    json_t *res = NULL;
    err_t e = {0};
    rc = chain_client_call(c, "aeth_getCode",
                           o->have_height ? json_pack("[s,o]", a, cjson_u64(o->height))
                                          : json_pack("[s]", a),
                           &res, &e);
    if (rc == 0 && json_is_null(res)) {
        chain_client_free(c);
        return cli_error(prog, CLI_FAIL, "no contract at %s", a);
    }
    return finish(prog, c, rc, res, &e);
}

static const char code_usage[] =
    "Usage: aether contract code --contract ADDRESS [--height N] [--rpc URL]\n"
    "Prints the contract's code hash and code (aeth_getCode), as of block N with\n"
    "--height.\n";
static int c_code(int argc, char **argv)
{
    return with_opts("aether contract code", code_usage, argc, argv, code_fn);
}

/* Checks an aeth_getProof answer for a storage slot with the standalone
 * verifier, against the root it names. */
static const char *str(const json_t *j)
{
    return json_is_string(j) ? json_string_value(j) : "";
}

static int verify_slot(const chain_addr_t *a, const uint8_t *key, size_t klen, const json_t *p,
                       err_t *e)
{
    chain_hash_t root, sib[CHAIN_SMT_MAX_DEPTH], ok_, ovh;
    const json_t *s = json_object_get(p, "siblings"), *other = json_object_get(p, "other_leaf");
    const json_t *leaf = json_object_get(p, "leaf");
    if (!json_is_array(s) || json_array_size(s) > CHAIN_SMT_MAX_DEPTH ||
        chain_hash_from_hex(str(json_object_get(p, "root")), &root, e) != 0)
        return err_set(e, CHAIN_EPROOF, "proof: bad root or siblings");
    for (size_t i = 0; i < json_array_size(s); i++)
        if (chain_hash_from_hex(str(json_array_get(s, i)), &sib[i], e) != 0)
            return err_set(e, CHAIN_EPROOF, "proof: sibling %zu is not a hash", i);
    bool has_other = json_is_object(other);
    if (has_other &&
        (chain_hash_from_hex(str(json_object_get(other, "key")), &ok_, e) ||
         chain_hash_from_hex(str(json_object_get(other, "value_hash")), &ovh, e)))
        return err_set(e, CHAIN_EPROOF, "proof: bad other_leaf");
    uint8_t *lb = NULL;
    size_t ln = 0;
    if (json_is_string(leaf) &&
        hex_decode_alloc(json_string_value(leaf), json_string_length(leaf), &lb, &ln, e) != 0)
        return err_set(e, CHAIN_EPROOF, "proof: leaf is not hex");
    if (lb && (ln < 2 + klen || load_le16(lb) != klen || memcmp(lb + 2, key, klen) != 0)) {
        free(lb);
        return err_set(e, CHAIN_EPROOF, "proof: the leaf is not the slot asked for");
    }
    uint8_t id[32];
    chain_contract_storage_id(a, key, klen, id);
    int rc = chain_data_proof_verify(CHAIN_DATA_STORAGE, id, lb, ln, sib, json_array_size(s),
                                     has_other ? &ok_ : NULL, has_other ? &ovh : NULL, &root, e);
    free(lb);
    return rc;
}

/* The proof's root is the state_root in block height's header. */
static int check_block_root(chain_client_t *c, uint64_t height, const json_t *proof, err_t *e)
{
    json_t *b = NULL;
    if (chain_client_call(c, "aeth_getBlockByNumber", json_pack("[o]", cjson_u64(height)), &b,
                          e) != 0)
        return CHAIN_EPROOF;
    const char *want = str(json_object_get(b, "state_root"));
    chain_hash_t wr, pr;
    int rc = 0;
    if (chain_hash_from_hex(want, &wr, NULL) != 0 ||
        chain_hash_from_hex(str(json_object_get(proof, "root")), &pr, NULL) != 0 ||
        !chain_hash_equal(&wr, &pr))
        rc = err_set(e, CHAIN_EPROOF, "proof: its root is not the state_root of block %llu",
                     (unsigned long long)height);
    json_decref(b);
    return rc;
}

static int storage_fn(const char *prog, c_opts_t *o)
{
    if (!o->have_contract || !o->skey)
        return cli_usage_error(prog, "--contract ADDRESS and --slot HEX are required");
    int rc = CLI_OK;
    chain_client_t *c = chain_cli_open_client(prog, o->w.rpc, &rc);
    if (!c)
        return rc;
    char a[41], *k = malloc(2 * o->skey_len + 1);
    chain_addr_to_hex(&o->contract, a);
    hex_encode(o->skey, o->skey_len, k);
    json_t *res = NULL;
    err_t e = {0};
    if (!o->proof) {
        rc = chain_client_call(c, "aeth_getStorageAt",
                               o->have_height ? json_pack("[s,s,o]", a, k, cjson_u64(o->height))
                                              : json_pack("[s,s]", a, k),
                               &res, &e);
        free(k);
        if (rc == 0) {
            json_t *v = res;   /* hex, or null for an absent slot */
            res = json_pack("{s:s,s:o}", "contract", a, "value", v);
        }
        return finish(prog, c, rc, res, &e);
    }
    json_t *target = json_pack("{s:s,s:s}", "contract", a, "key", k);
    rc = chain_client_call(c, "aeth_getProof",
                           o->have_height ? json_pack("[o,o]", target, cjson_u64(o->height))
                                          : json_pack("[o]", target),
                           &res, &e);
    free(k);
    if (rc == 0) {
        err_t ve = {0};
        int vrc = verify_slot(&o->contract, o->skey, o->skey_len, res, &ve);
        if (vrc == 0 && o->have_height)   /* the root must be block H's */
            vrc = check_block_root(c, o->height, res, &ve);
        json_object_set_new(res, "verified", json_boolean(vrc == 0));
        if (vrc) {
            chain_cli_print_json(res);
            json_decref(res);
            chain_client_free(c);
            return cli_error(prog, CLI_FAIL, "the node's proof does not verify: %s", ve.msg);
        }
    }
    return finish(prog, c, rc, res, &e);
}

static const char storage_usage[] =
    "Usage: aether contract storage --contract ADDRESS --slot HEX [--proof] [--height N]\n"
    "         [--rpc URL]\n"
    "Prints a storage slot's value (null when absent); with --proof, the state-tree\n"
    "proof of the slot (present or absent), verified here against its state root.\n"
    "With --height, as block N left it (within the node's --state-history); a proof\n"
    "is then checked against the state_root in block N's header.\n";
static int c_storage(int argc, char **argv)
{
    return with_opts("aether contract storage", storage_usage, argc, argv, storage_fn);
}

int aether_contract_main(int argc, char **argv)
{
    static const cli_cmd_t cmds[] = {
        {"deploy", c_deploy, "deploy a WASM contract (runs its init)"},
        {"call", c_call, "send a call transaction to a contract"},
        {"query", c_query, "run a call read-only (nothing committed)"},
        {"logs", c_logs, "list contract logs by contract, topic and height range"},
        {"code", c_code, "show a contract's code and code hash"},
        {"storage", c_storage, "read a storage slot, optionally with a verified proof"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch("aether contract", "Usage: aether contract <command> [args]\n", cmds, argc,
                        argv);
}
