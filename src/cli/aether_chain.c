/* aether status | balance | transfer | tx | utxos | utxo send: the chain
 * client commands; the work (calls, checks, building and signing, UTxO
 * choice, waiting) is chain/client's, this file parses and prints. The endpoint is
 * --rpc URL, else $AETHER_RPC, else http://127.0.0.1:8545. Output is JSON on
 * stdout; errors go to stderr with exit 1 (node unreachable, rejected,
 * failed) or 2 (bad arguments: address, amount, key file). */
#include "cli.h"
#include "aether_cmds.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain/client/client.h"
#include "chain_cli.h"

static const char *endpoint(const char *opt)
{
    return opt ? opt : chain_client_default_url();
}

/* One call; on failure prints the error and returns NULL. */
static json_t *call(const char *prog, chain_client_t *c, const char *method, json_t *params)
{
    json_t *res = NULL;
    err_t e = {0};
    if (chain_client_call(c, method, params, &res, &e) != 0) {
        chain_cli_client_error(prog, &e);
        return NULL;
    }
    return res;
}

static bool get_u128_field(const json_t *obj, const char *name, chain_u128_t *v)
{
    json_t *s = json_object_get(obj, name);
    err_t e = {0};
    return json_is_string(s) && chain_u128_parse(json_string_value(s), json_string_length(s), v, &e) == 0;
}

/* ---- status, balance, tx, utxos ------------------------------------------- */

/* A JSON-RPC server that is not an Aether node may answer with any result:
 * refuse shapes we do not know instead of printing them as if they were
 * chain data (and exiting 0). Takes res; returns NULL after the error. */
static json_t *expect(const char *prog, const char *url, const char *method, json_t *res, bool ok)
{
    if (!res || ok)
        return res;
    json_decref(res);
    cli_error(prog, CLI_FAIL, "unexpected answer to %s from %s: is it an Aether node?", method,
              endpoint(url));
    return NULL;
}

static bool is_hash_field(const json_t *obj, const char *name)
{
    chain_hash_t h;
    err_t e = {0};
    const json_t *s = json_object_get(obj, name);
    return json_is_string(s) && chain_hash_from_hex(json_string_value(s), &h, &e) == 0;
}

static const char status_usage[] =
    "Usage: aether status [--rpc URL]\n\nPrints the node's chain id, height, state root, health and\n"
    "consensus: the round it is in, the committed round and height, and the\n"
    "validator set (a BFT chain; the solo engine has one validator).\n";

/* --height H of the commands that read the state as of a block. */
typedef struct at_height {
    bool have;
    uint64_t height;
} at_height_t;

static int height_opt(void *ctx, const char *prog, int c, const char *name, const char *arg)
{
    at_height_t *h = ctx;
    if (c != 'H')
        return CLI_NOT_MINE;
    if (!cli_parse_u64(arg, &h->height))
        return cli_usage_error(prog, "%s '%s' is not a block height", name, arg);
    h->have = true;
    return -1;
}

/* The options of the read-only commands: --rpc, --help and, when height is
 * not NULL, --height; with operands, they start at optind (else none). */
static int simple_opts(const char *prog, const char *use, int argc, char **argv, bool operands,
                       const char **url, at_height_t *height)
{
    static const struct option opts[] = {
        CHAIN_CLI_RPC_OPTION,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const struct option opts_h[] = {
        CHAIN_CLI_RPC_OPTION,
        {"height", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    chain_cli_wallet_t w;
    chain_cli_wallet_init(&w, 0);
    int rc = chain_cli_getopt(prog, use, CHAIN_CLI_RPC_HELP, argc, argv, ":r:h",
                              height ? opts_h : opts, operands, height ? height_opt : NULL,
                              height, &w);
    *url = w.rpc;
    return rc;
}

int aether_status_main(int argc, char **argv)
{
    const char *prog = "aether status", *url = NULL;
    int rc = simple_opts(prog, status_usage, argc, argv, false, &url, NULL);
    if (rc >= 0)
        return rc;
    chain_client_t *c = chain_cli_open_client(prog, url, &rc);
    if (!c)
        return rc;
    rc = CLI_FAIL;
    uint64_t u;
    json_t *chain = call(prog, c, "aeth_chainId", NULL);
    chain = expect(prog, url, "aeth_chainId", chain, cjson_get_u64(chain, &u));
    json_t *root = chain ? call(prog, c, "aeth_getStateRoot", NULL) : NULL;
    root = expect(prog, url, "aeth_getStateRoot", root,
                  cjson_get_u64(json_object_get(root, "height"), &u) &&
                      is_hash_field(root, "root") && is_hash_field(root, "block_hash"));
    if (root) {
        json_t *out = json_object();
        json_object_set_new(out, "endpoint", json_string(endpoint(url)));
        json_object_set(out, "chain_id", chain);
        json_object_set(out, "height", json_object_get(root, "height"));
        json_object_set(out, "state_root", json_object_get(root, "root"));
        json_object_set(out, "block_hash", json_object_get(root, "block_hash"));
        int status = 0;
        json_t *h = NULL;
        err_t e = {0};
        if (chain_client_health(c, &status, &h, &e) == 0)
            json_object_set_new(out, "health", h);
        /* nodes from before aeth_getConsensus answer "method not found" */
        json_t *cons = NULL;
        if (chain_client_call(c, "aeth_getConsensus", NULL, &cons, &e) == 0 &&
            json_is_object(cons))
            json_object_set(out, "consensus", cons);
        json_decref(cons);
        chain_cli_print_json(out);
        json_decref(out);
        rc = CLI_OK;
    }
    json_decref(chain);
    json_decref(root);
    chain_client_free(c);
    return rc;
}

static const char peers_usage[] =
    "Usage: aether peers [--rpc URL]\n\nLists the node's consensus peers: peer id, address, validator index\n"
    "(null for a full node), whether connected, and the committed height it\n"
    "reported (empty for a single-validator chain).\n";

int aether_peers_main(int argc, char **argv)
{
    const char *prog = "aether peers", *url = NULL;
    int rc = simple_opts(prog, peers_usage, argc, argv, false, &url, NULL);
    if (rc >= 0)
        return rc;
    chain_client_t *c = chain_cli_open_client(prog, url, &rc);
    if (!c)
        return rc;
    json_t *res = call(prog, c, "aeth_peers", NULL);
    res = expect(prog, url, "aeth_peers", res, json_is_array(res));
    chain_client_free(c);
    if (!res)
        return CLI_FAIL;
    chain_cli_print_json(res);
    json_decref(res);
    return CLI_OK;
}

static const char balance_usage[] =
    "Usage: aether balance [--height H] [--rpc URL] ADDR|KEYFILE\n\n"
    "Prints the account's balance, nonce and the next nonce to use; with --height,\n"
    "as block H left them (H within the node's --state-history).\n";

/* The front `balance` and `utxos` share: options, one ADDR|KEYFILE, one
 * call of method with that address (and, with --height, the block: params
 * [ADDR, H] or, with pad_max, [ADDR, null, H]). NULL with *rc set when there
 * is no result (help, usage error, unreachable node, RPC error). */
static json_t *call_with_addr(const char *prog, const char *usage, const char *method,
                              bool pad_max, int argc, char **argv, const char **url, int *rc)
{
    at_height_t h = {0};
    if ((*rc = simple_opts(prog, usage, argc, argv, true, url, &h)) >= 0)
        return NULL;
    if (argc - optind != 1) {
        *rc = cli_usage_error(prog, "expected one ADDR");
        return NULL;
    }
    chain_addr_t a;
    if ((*rc = chain_cli_addr_opt(prog, "address", argv[optind], &a)) >= 0)
        return NULL;
    chain_client_t *c = chain_cli_open_client(prog, *url, rc);
    if (!c)
        return NULL;
    char hex[2 * CHAIN_ADDR_BYTES + 1];
    chain_addr_to_hex(&a, hex);
    json_t *params = !h.have  ? json_pack("[s]", hex)
                     : pad_max ? json_pack("[s,n,o]", hex, cjson_u64(h.height))
                               : json_pack("[s,o]", hex, cjson_u64(h.height));
    json_t *res = call(prog, c, method, params);
    chain_client_free(c);
    *rc = CLI_FAIL;
    return res;
}

int aether_balance_main(int argc, char **argv)
{
    const char *prog = "aether balance", *url = NULL;
    int rc;
    json_t *res = call_with_addr(prog, balance_usage, "aeth_getAccount", false, argc, argv, &url,
                                 &rc);
    if (!res)
        return rc;
    chain_u128_t bal;
    res = expect(prog, url, "aeth_getAccount", res, get_u128_field(res, "balance", &bal));
    if (!res)
        return CLI_FAIL;
    chain_cli_print_json(res);
    json_decref(res);
    return CLI_OK;
}

static const char tx_usage[] =
    "Usage: aether tx [--rpc URL] TXHASH\n\n"
    "Prints a transaction with its status (pending or committed) and receipt.\n";

int aether_tx_main(int argc, char **argv)
{
    const char *prog = "aether tx", *url = NULL;
    int rc = simple_opts(prog, tx_usage, argc, argv, true, &url, NULL);
    if (rc >= 0)
        return rc;
    if (argc - optind != 1)
        return cli_usage_error(prog, "expected one TXHASH");
    chain_hash_t h;
    err_t e = {0};
    if (chain_hash_from_hex(argv[optind], &h, &e) != 0)
        return cli_usage_error(prog, "TXHASH '%s': %s", argv[optind], e.msg);
    chain_client_t *c = chain_cli_open_client(prog, url, &rc);
    if (!c)
        return rc;
    char hex[2 * CHAIN_HASH_BYTES + 1];
    chain_hash_to_hex(&h, hex);
    json_t *tx = call(prog, c, "aeth_getTransaction", json_pack("[s]", hex));
    tx = expect(prog, url, "aeth_getTransaction", tx,
                json_is_null(tx) || json_is_string(json_object_get(tx, "status")));
    rc = CLI_FAIL;
    if (tx && json_is_null(tx)) {
        cli_error(prog, CLI_FAIL, "transaction %s not found (neither committed nor pending)", hex);
    } else if (tx) {
        json_t *st = json_object_get(tx, "status");
        if (json_is_string(st) && strcmp(json_string_value(st), "committed") == 0) {
            json_t *r = call(prog, c, "aeth_getReceipt", json_pack("[s]", hex));
            if (r)
                json_object_set_new(tx, "receipt", r);
        }
        chain_cli_print_json(tx);
        rc = CLI_OK;
    }
    json_decref(tx);
    chain_client_free(c);
    return rc;
}

static const char utxos_usage[] =
    "Usage: aether utxos [--height H] [--rpc URL] ADDR|KEYFILE\n\n"
    "Lists the UTxOs the address owns; with --height, those it owned as block H\n"
    "left them (H within the node's --state-history).\n";

int aether_utxos_main(int argc, char **argv)
{
    const char *prog = "aether utxos", *url = NULL;
    int rc;
    json_t *res = call_with_addr(prog, utxos_usage, "aeth_getUtxos", true, argc, argv, &url, &rc);
    if (!res)
        return rc;
    res = expect(prog, url, "aeth_getUtxos", res, json_is_array(res));
    if (!res)
        return CLI_FAIL;
    chain_cli_print_json(res);
    json_decref(res);
    return CLI_OK;
}

/* ---- sending -------------------------------------------------------------- */

typedef struct send_opts {
    chain_cli_wallet_t w;
    chain_addr_t to;
    chain_u128_t amount, from_balance;
    bool have_to, have_amount;
    chain_utxo_id_t inputs[CHAIN_MAX_TX_INPUTS];
    uint32_t n_inputs;
} send_opts_t;

typedef struct send_ctx {
    send_opts_t *o;
    bool utxo;
} send_ctx_t;

static int send_opt(void *ctx, const char *prog, int c, const char *name, const char *arg)
{
    send_opts_t *o = ((send_ctx_t *)ctx)->o;
    int rc;
    if (!((send_ctx_t *)ctx)->utxo && (c == 'i' || c == 'b'))
        return cli_usage_error(prog, "option '%s' is only for 'aether utxo send'", name);
    switch (c) {
    case 't':
        if ((rc = chain_cli_addr_opt(prog, "--to", arg, &o->to)) >= 0)
            return rc;
        o->have_to = true;
        return -1;
    case 'a':
        if ((rc = chain_cli_amount_opt(prog, name, arg, true, &o->amount)) >= 0)
            return rc;
        o->have_amount = true;
        return -1;
    case 'b':
        return chain_cli_amount_opt(prog, name, arg, false, &o->from_balance);
    case 'i':
        if (o->n_inputs == CHAIN_MAX_TX_INPUTS)
            return cli_usage_error(prog, "at most %d --in", CHAIN_MAX_TX_INPUTS);
        if ((rc = chain_cli_utxo_id_opt(prog, name, arg, &o->inputs[o->n_inputs])) >= 0)
            return rc;
        o->n_inputs++;
        return -1;
    default:
        return CLI_NOT_MINE;
    }
}

static int parse_send_opts(const char *prog, const char *use, bool utxo, int argc, char **argv,
                           send_opts_t *o)
{
    static const struct option opts[] = {
        CHAIN_CLI_WALLET_OPTIONS,
        {"to", required_argument, NULL, 't'},
        {"amount", required_argument, NULL, 'a'},
        {"in", required_argument, NULL, 'i'},
        {"from-balance", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    chain_cli_wallet_init(&o->w, 30);
    send_ctx_t ctx = {o, utxo};
    int rc = chain_cli_getopt(prog, use, CHAIN_CLI_WALLET_HELP, argc, argv,
                              ":r:k:t:a:f:n:wT:i:b:h", opts, false, send_opt, &ctx, &o->w);
    if (rc >= 0)
        return rc;
    if (!o->w.key || !o->have_to || !o->have_amount)
        return cli_usage_error(prog, "--key FILE, --to ADDR and --amount N are required");
    return -1;
}

static const char transfer_usage[] =
    "Usage: aether transfer --key FILE --to ADDR --amount N [--fee N] [--nonce N]\n"
    "                       [--wait] [--timeout S] [--rpc URL]\n"
    "\n"
    "Signs and submits a transfer of N (decimal u128) from the key's account to\n"
    "ADDR (40 hex digits or a key file). Without --fee the fee follows the\n"
    "node's base fee (aeth_baseFee): max(2000, 1000 + size) + 2 x next base fee x\n"
    "size; the nonce defaults to the account's next nonce (pending transactions\n"
    "included). Prints the\n"
    "transaction hash; with --wait, waits for the receipt (exit 1 if it failed).\n";

/* transfer (utxo false) or utxo send */
static int send_main(const char *prog, const char *usage, bool utxo, int argc, char **argv)
{
    send_opts_t o;
    int rc = parse_send_opts(prog, usage, utxo, argc, argv, &o);
    if (rc >= 0)
        return rc;
    chain_client_t *c = NULL;
    chain_key_t k;
    if ((rc = chain_cli_wallet_open(prog, &o.w, &k, &c)) != CLI_OK)
        return rc;
    chain_client_send_t s;
    chain_cli_wallet_send(&o.w, &s);
    s.to = o.to;
    s.amount = o.amount;
    s.from_balance = o.from_balance;
    s.inputs = o.n_inputs ? o.inputs : NULL;
    s.n_inputs = o.n_inputs;
    chain_tx_t *tx = NULL;
    err_t e = {0};
    if ((utxo ? chain_client_utxo_send(c, &k, &s, &tx, &e) : chain_client_transfer(c, &k, &s, &tx, &e)) != 0) {
        rc = chain_cli_client_error(prog, &e);
    } else {
        char hash[2 * CHAIN_HASH_BYTES + 1];
        chain_hash_to_hex(&tx->hash, hash);
        rc = chain_cli_print_sent(prog, c, tx,
                                  json_pack("{s:s,s:o}", "hash", hash, "nonce", cjson_u64(tx->nonce)),
                                  &o.w);
    }
    chain_tx_free(tx);
    chain_key_wipe(&k);
    chain_client_free(c);
    return rc;
}

int aether_transfer_main(int argc, char **argv)
{
    return send_main("aether transfer", transfer_usage, false, argc, argv);
}

static const char utxo_usage[] =
    "Usage: aether utxo send --key FILE --to ADDR --amount N [--fee N] [--in TX:INDEX]...\n"
    "                        [--from-balance N] [--nonce N] [--wait] [--timeout S] [--rpc URL]\n"
    "\n"
    "Spends UTxOs owned by the key into one new UTxO of N for ADDR (without --fee\n"
    "the fee follows the node's base fee, as for aether transfer). Without --in,\n"
    "the key's UTxOs are picked (largest first) until they cover N + fee; with\n"
    "--from-balance, that much of the account balance is added to the inputs.\n"
    "The surplus (inputs - N - fee) returns to the sender's account balance.\n";

static int utxo_send(int argc, char **argv)
{
    return send_main("aether utxo send", utxo_usage, true, argc, argv);
}

int aether_utxo_main(int argc, char **argv)
{
    static const cli_cmd_t cmds[] = {
        {"send", utxo_send, "spend UTxOs into a new UTxO for an address"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch("aether utxo", "Usage: aether utxo <command>\n\nUTxO transactions.\n",
                        cmds, argc, argv);
}
