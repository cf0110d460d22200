/* aether status | balance | transfer | tx | utxos | utxo send: the chain
 * client commands over JSON-RPC (chain/rpc's HTTP client). The endpoint is
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

#include "chain/node/node.h"
#include "chain/rpc/rpc.h"

#define DEFAULT_RPC "http://127.0.0.1:8545"
#define DEFAULT_FEE 2000
#define DEFAULT_MIN_FEE 1000 /* aetherd's default floor: this + 1 per byte */

static const char endpoint_help[] =
    "The node is --rpc URL, else $AETHER_RPC, else " DEFAULT_RPC ".\n";

static void print_json(const json_t *j)
{
    buf_t b;
    buf_init(&b, 0);
    if (cjson_encode_pretty(j, &b, NULL) == BASE_OK) {
        fwrite(b.data, 1, b.len, stdout);
        fputc('\n', stdout);
    }
    buf_free(&b);
}

static const char *endpoint(const char *opt)
{
    if (opt)
        return opt;
    const char *env = getenv("AETHER_RPC");
    return env && *env ? env : DEFAULT_RPC;
}

static rpc_client_t *open_client(const char *prog, const char *url, int *rc)
{
    err_t e = {0};
    rpc_client_t *c = rpc_client_new(endpoint(url), 30000, &e);
    if (!c)
        *rc = cli_usage_error(prog, "--rpc: %s", e.msg);
    return c;
}

/* One call; on failure prints the error (naming the endpoint when it is
 * unreachable) and returns NULL. */
static json_t *call(const char *prog, rpc_client_t *c, const char *url, const char *method,
                    json_t *params)
{
    json_t *res = NULL;
    int code = 0;
    err_t e = {0};
    int rc = rpc_client_call(c, method, params, &res, &code, &e);
    json_decref(params);
    if (rc == RPC_EREMOTE)
        cli_error(prog, CLI_FAIL, "node refused %s (%d): %s", method, code, e.msg);
    else if (rc != 0)
        cli_error(prog, CLI_FAIL, "%s (node endpoint %s; set --rpc or AETHER_RPC)", e.msg,
                  endpoint(url));
    return rc == 0 ? res : NULL;
}

/* ADDR is 40 hex digits (0x optional), or a key file whose address is used. */
static int parse_addr(const char *prog, const char *what, const char *arg, chain_addr_t *a)
{
    err_t e = {0};
    if (chain_addr_from_hex(arg, a, &e) == 0)
        return -1;
    if (access(arg, R_OK) == 0) {
        node_key_t k;
        err_t ke = {0};
        if (node_key_load(arg, &k, &ke) == 0) {
            *a = k.addr;
            node_key_wipe(&k);
            return -1;
        }
        return cli_usage_error(prog, "%s '%s': %s", what, arg, ke.msg);
    }
    return cli_usage_error(prog, "%s '%s' is not an address (40 hex digits) or a key file: %s",
                           what, arg, e.msg);
}

static int parse_amount(const char *prog, const char *what, const char *arg, chain_u128_t *v)
{
    err_t e = {0};
    if (chain_u128_parse(arg, strlen(arg), v, &e) != 0)
        return cli_usage_error(prog, "%s '%s': %s", what, arg, e.msg);
    return -1;
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
    "Usage: aether status [--rpc URL]\n\nPrints the node's chain id, height, state root and health.\n";

static int simple_opts(const char *prog, const char *use, int argc, char **argv, const char **url)
{
    static const struct option opts[] = {
        {"rpc", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': *url = optarg; break;
        case 'h':
            fputs(use, stdout);
            fputs(endpoint_help, stdout);
            return CLI_OK;
        default: return cli_bad_option(prog, argv, optind, optopt, c == ':' || optopt == 'r');
        }
    }
    return -1;
}

int aether_status_main(int argc, char **argv)
{
    const char *prog = "aether status", *url = NULL;
    int rc = simple_opts(prog, status_usage, argc, argv, &url);
    if (rc >= 0)
        return rc;
    if (optind < argc)
        return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
    rpc_client_t *c = open_client(prog, url, &rc);
    if (!c)
        return rc;
    rc = CLI_FAIL;
    uint64_t u;
    json_t *chain = call(prog, c, url, "aeth_chainId", NULL);
    chain = expect(prog, url, "aeth_chainId", chain, cjson_get_u64(chain, &u));
    json_t *root = chain ? call(prog, c, url, "aeth_getStateRoot", NULL) : NULL;
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
        char *body = NULL;
        size_t len = 0;
        err_t e = {0};
        if (rpc_client_get(c, "/health", &status, &body, &len, &e) == 0) {
            json_t *h = cjson_parse(body, len, NULL);
            json_object_set_new(out, "health", h ? h : json_string(body));
        }
        free(body);
        print_json(out);
        json_decref(out);
        rc = CLI_OK;
    }
    json_decref(chain);
    json_decref(root);
    rpc_client_free(c);
    return rc;
}

static const char balance_usage[] =
    "Usage: aether balance [--rpc URL] ADDR|KEYFILE\n\n"
    "Prints the account's balance, nonce and the next nonce to use.\n";

/* The front `balance` and `utxos` share: options, one ADDR|KEYFILE, one
 * call of method with that address. NULL with *rc set when there is no
 * result (help, usage error, unreachable node, RPC error). */
static json_t *call_with_addr(const char *prog, const char *usage, const char *method, int argc,
                              char **argv, const char **url, int *rc)
{
    if ((*rc = simple_opts(prog, usage, argc, argv, url)) >= 0)
        return NULL;
    if (argc - optind != 1) {
        *rc = cli_usage_error(prog, "expected one ADDR");
        return NULL;
    }
    chain_addr_t a;
    if ((*rc = parse_addr(prog, "address", argv[optind], &a)) >= 0)
        return NULL;
    rpc_client_t *c = open_client(prog, *url, rc);
    if (!c)
        return NULL;
    char hex[2 * CHAIN_ADDR_BYTES + 1];
    chain_addr_to_hex(&a, hex);
    json_t *res = call(prog, c, *url, method, json_pack("[s]", hex));
    rpc_client_free(c);
    *rc = CLI_FAIL;
    return res;
}

int aether_balance_main(int argc, char **argv)
{
    const char *prog = "aether balance", *url = NULL;
    int rc;
    json_t *res = call_with_addr(prog, balance_usage, "aeth_getAccount", argc, argv, &url, &rc);
    if (!res)
        return rc;
    chain_u128_t bal;
    res = expect(prog, url, "aeth_getAccount", res, get_u128_field(res, "balance", &bal));
    if (!res)
        return CLI_FAIL;
    print_json(res);
    json_decref(res);
    return CLI_OK;
}

static const char tx_usage[] =
    "Usage: aether tx [--rpc URL] TXHASH\n\n"
    "Prints a transaction with its status (pending or committed) and receipt.\n";

int aether_tx_main(int argc, char **argv)
{
    const char *prog = "aether tx", *url = NULL;
    int rc = simple_opts(prog, tx_usage, argc, argv, &url);
    if (rc >= 0)
        return rc;
    if (argc - optind != 1)
        return cli_usage_error(prog, "expected one TXHASH");
    chain_hash_t h;
    err_t e = {0};
    if (chain_hash_from_hex(argv[optind], &h, &e) != 0)
        return cli_usage_error(prog, "TXHASH '%s': %s", argv[optind], e.msg);
    rpc_client_t *c = open_client(prog, url, &rc);
    if (!c)
        return rc;
    char hex[2 * CHAIN_HASH_BYTES + 1];
    chain_hash_to_hex(&h, hex);
    json_t *tx = call(prog, c, url, "aeth_getTransaction", json_pack("[s]", hex));
    tx = expect(prog, url, "aeth_getTransaction", tx,
                json_is_null(tx) || json_is_string(json_object_get(tx, "status")));
    rc = CLI_FAIL;
    if (tx && json_is_null(tx)) {
        cli_error(prog, CLI_FAIL, "transaction %s not found (neither committed nor pending)", hex);
    } else if (tx) {
        json_t *st = json_object_get(tx, "status");
        if (json_is_string(st) && strcmp(json_string_value(st), "committed") == 0) {
            json_t *r = call(prog, c, url, "aeth_getReceipt", json_pack("[s]", hex));
            if (r)
                json_object_set_new(tx, "receipt", r);
        }
        print_json(tx);
        rc = CLI_OK;
    }
    json_decref(tx);
    rpc_client_free(c);
    return rc;
}

static const char utxos_usage[] =
    "Usage: aether utxos [--rpc URL] ADDR|KEYFILE\n\nLists the UTxOs the address owns.\n";

int aether_utxos_main(int argc, char **argv)
{
    const char *prog = "aether utxos", *url = NULL;
    int rc;
    json_t *res = call_with_addr(prog, utxos_usage, "aeth_getUtxos", argc, argv, &url, &rc);
    if (!res)
        return rc;
    res = expect(prog, url, "aeth_getUtxos", res, json_is_array(res));
    if (!res)
        return CLI_FAIL;
    print_json(res);
    json_decref(res);
    return CLI_OK;
}

/* ---- sending -------------------------------------------------------------- */

typedef struct send_opts {
    const char *url, *key_path;
    chain_addr_t to;
    chain_u128_t amount, fee, from_balance;
    bool have_to, have_amount, have_nonce, have_from_balance, have_fee, wait;
    uint64_t nonce, timeout_s;
    chain_utxo_id_t inputs[CHAIN_MAX_TX_INPUTS];
    uint32_t n_inputs;
} send_opts_t;

/* TX:INDEX */
static int parse_input(const char *prog, const char *arg, chain_utxo_id_t *id)
{
    const char *colon = strrchr(arg, ':');
    char hex[80];
    uint64_t idx;
    err_t e = {0};
    if (!colon || (size_t)(colon - arg) >= sizeof hex)
        return cli_usage_error(prog, "--in '%s': expected TXHASH:INDEX", arg);
    memcpy(hex, arg, (size_t)(colon - arg));
    hex[colon - arg] = 0;
    if (chain_hash_from_hex(hex, &id->tx_hash, &e) != 0)
        return cli_usage_error(prog, "--in '%s': %s", arg, e.msg);
    if (!cli_parse_u64(colon + 1, &idx) || idx > UINT32_MAX)
        return cli_usage_error(prog, "--in '%s': index must be a number below 2^32", arg);
    id->index = (uint32_t)idx;
    return -1;
}

static int parse_send_opts(const char *prog, const char *use, bool utxo, int argc, char **argv,
                           send_opts_t *o)
{
    static const struct option opts[] = {
        {"rpc", required_argument, NULL, 'r'},
        {"key", required_argument, NULL, 'k'},
        {"to", required_argument, NULL, 't'},
        {"amount", required_argument, NULL, 'a'},
        {"fee", required_argument, NULL, 'f'},
        {"nonce", required_argument, NULL, 'n'},
        {"wait", no_argument, NULL, 'w'},
        {"timeout", required_argument, NULL, 'T'},
        {"in", required_argument, NULL, 'i'},
        {"from-balance", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->fee = chain_u128_from_u64(DEFAULT_FEE);
    o->timeout_s = 30;
    int c, rc;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "r:k:t:a:f:n:wT:i:b:h", opts, NULL)) != -1) {
        if (!utxo && (c == 'i' || c == 'b'))
            return cli_usage_error(prog, "option '%s' is only for 'aether utxo send'",
                                   argv[optind - 1]);
        switch (c) {
        case 'r': o->url = optarg; break;
        case 'k': o->key_path = optarg; break;
        case 'w': o->wait = true; break;
        case 't':
            if ((rc = parse_addr(prog, "--to", optarg, &o->to)) >= 0)
                return rc;
            o->have_to = true;
            break;
        case 'a':
            if ((rc = parse_amount(prog, "--amount", optarg, &o->amount)) >= 0)
                return rc;
            o->have_amount = true;
            break;
        case 'f':
            if ((rc = parse_amount(prog, "--fee", optarg, &o->fee)) >= 0)
                return rc;
            o->have_fee = true;
            break;
        case 'b':
            if ((rc = parse_amount(prog, "--from-balance", optarg, &o->from_balance)) >= 0)
                return rc;
            o->have_from_balance = true;
            break;
        case 'n':
            if (!cli_parse_u64(optarg, &o->nonce))
                return cli_usage_error(prog, "--nonce '%s' is not a number", optarg);
            o->have_nonce = true;
            break;
        case 'T':
            if (!cli_parse_u64(optarg, &o->timeout_s) || o->timeout_s == 0)
                return cli_usage_error(prog, "--timeout '%s' is not a positive number of seconds",
                                       optarg);
            break;
        case 'i':
            if (o->n_inputs == CHAIN_MAX_TX_INPUTS)
                return cli_usage_error(prog, "at most %d --in", CHAIN_MAX_TX_INPUTS);
            if ((rc = parse_input(prog, optarg, &o->inputs[o->n_inputs])) >= 0)
                return rc;
            o->n_inputs++;
            break;
        case 'h':
            fputs(use, stdout);
            fputs(endpoint_help, stdout);
            return CLI_OK;
        default:
            return cli_bad_option(prog, argv, optind, optopt,
                                  c == ':' || (optopt && strchr("rktafnTib", optopt)));
        }
    }
    if (optind < argc)
        return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
    if (!o->key_path || !o->have_to || !o->have_amount)
        return cli_usage_error(prog, "--key FILE, --to ADDR and --amount N are required");
    if (chain_u128_is_zero(o->amount))
        return cli_usage_error(prog, "--amount must be greater than 0");
    return -1;
}

/* Submits tx; with wait, polls for the receipt. Prints the result. */
static int submit(const char *prog, rpc_client_t *c, const send_opts_t *o, chain_tx_t *tx)
{
    buf_t raw;
    buf_init(&raw, 0);
    if (chain_tx_encode(tx, true, &raw) != 0) {
        buf_free(&raw);
        return cli_error(prog, CLI_FAIL, "cannot encode the transaction");
    }
    json_t *hexj = rpc_hex_json(raw.data, raw.len);
    buf_free(&raw);
    json_t *res = call(prog, c, o->url, "aeth_sendRawTransaction", json_pack("[o]", hexj));
    if (!res)
        return CLI_FAIL;
    char hash[2 * CHAIN_HASH_BYTES + 1];
    chain_hash_to_hex(&tx->hash, hash);
    json_t *out = json_pack("{s:O,s:I}", "hash", res, "nonce", (json_int_t)tx->nonce);
    json_decref(res);
    int rc = CLI_OK;
    if (o->wait) {
        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        json_t *r = NULL;
        for (;;) {
            r = call(prog, c, o->url, "aeth_getReceipt", json_pack("[s]", hash));
            if (!r) {
                json_decref(out);
                return CLI_FAIL;
            }
            if (!json_is_null(r))
                break;
            json_decref(r);
            clock_gettime(CLOCK_MONOTONIC, &now);
            if ((uint64_t)(now.tv_sec - start.tv_sec) >= o->timeout_s) {
                print_json(out);
                json_decref(out);
                return cli_error(prog, CLI_FAIL,
                                 "transaction 0x%s not committed within %llu s (still pending)",
                                 hash, (unsigned long long)o->timeout_s);
            }
            nanosleep(&(struct timespec){0, 50 * 1000000}, NULL);
        }
        json_object_set_new(out, "receipt", r);
        json_t *ok = json_object_get(r, "success");
        if (!json_is_true(ok)) {
            /* copied before out (which owns r) is freed */
            json_t *st = json_object_get(r, "status");
            char status[64];
            snprintf(status, sizeof status, "%s",
                     json_is_string(st) ? json_string_value(st) : "unknown");
            print_json(out);
            json_decref(out);
            return cli_error(prog, CLI_FAIL, "transaction 0x%s failed: %s (fee charged)", hash,
                             status);
        }
    }
    print_json(out);
    json_decref(out);
    return rc;
}

/* Loads the key, and fetches the chain id and the sender's account. */
static int prepare(const char *prog, const send_opts_t *o, rpc_client_t **cp, node_key_t *k,
                   uint64_t *chain_id, chain_u128_t *balance, uint64_t *nonce)
{
    err_t e = {0};
    int rc = CLI_OK;
    if (crypto_init() != 0)
        return cli_error(prog, CLI_FAIL, "libsodium failed to initialise");
    if (node_key_load(o->key_path, k, &e) != 0)
        return cli_error(prog, CLI_USAGE, "%s", e.msg);
    rpc_client_t *c = open_client(prog, o->url, &rc);
    if (!c)
        return rc;
    json_t *cid = call(prog, c, o->url, "aeth_chainId", NULL);
    char hex[2 * CHAIN_ADDR_BYTES + 1];
    chain_addr_to_hex(&k->addr, hex);
    json_t *acct = cid ? call(prog, c, o->url, "aeth_getAccount", json_pack("[s]", hex)) : NULL;
    rc = CLI_FAIL;
    json_t *nn = json_object_get(acct, "next_nonce");
    if (acct && cjson_get_u64(cid, chain_id) && json_is_integer(nn) &&
        get_u128_field(acct, "balance", balance)) {
        *nonce = o->have_nonce ? o->nonce : (uint64_t)json_integer_value(nn);
        rc = CLI_OK;
    } else if (acct) {
        cli_error(prog, CLI_FAIL, "unexpected answer from the node");
    }
    json_decref(cid);
    json_decref(acct);
    if (rc != CLI_OK) {
        rpc_client_free(c);
        node_key_wipe(k);
        return rc;
    }
    *cp = c;
    return CLI_OK;
}

static const char transfer_usage[] =
    "Usage: aether transfer --key FILE --to ADDR --amount N [--fee N] [--nonce N]\n"
    "                       [--wait] [--timeout S] [--rpc URL]\n"
    "\n"
    "Signs and submits a transfer of N (decimal u128) from the key's account to\n"
    "ADDR (40 hex digits or a key file). The fee defaults to 2000; the nonce to\n"
    "the account's next nonce (pending transactions included). Prints the\n"
    "transaction hash; with --wait, waits for the receipt (exit 1 if it failed).\n";

int aether_transfer_main(int argc, char **argv)
{
    const char *prog = "aether transfer";
    send_opts_t o;
    int rc = parse_send_opts(prog, transfer_usage, false, argc, argv, &o);
    if (rc >= 0)
        return rc;
    rpc_client_t *c = NULL;
    node_key_t k;
    uint64_t chain_id = 0, nonce = 0;
    chain_u128_t balance, need;
    if ((rc = prepare(prog, &o, &c, &k, &chain_id, &balance, &nonce)) != CLI_OK)
        return rc;
    if (!chain_u128_add(o.amount, o.fee, &need) || chain_u128_cmp(balance, need) < 0) {
        char b[CHAIN_U128_STR_MAX], a[CHAIN_U128_STR_MAX], f[CHAIN_U128_STR_MAX];
        chain_u128_format(balance, b);
        chain_u128_format(o.amount, a);
        chain_u128_format(o.fee, f);
        rpc_client_free(c);
        node_key_wipe(&k);
        return cli_error(prog, CLI_FAIL, "insufficient funds: balance %s is less than amount %s "
                         "+ fee %s", b, a, f);
    }
    chain_tx_t *tx = chain_tx_new_transfer(chain_id, k.pk, nonce, o.fee, &o.to, o.amount);
    err_t e = {0};
    if (!tx || chain_tx_sign(tx, k.sk, &e) != 0) {
        rc = cli_error(prog, CLI_FAIL, "cannot build the transaction: %s", tx ? e.msg : "out of memory");
    } else {
        rc = submit(prog, c, &o, tx);
    }
    chain_tx_free(tx);
    node_key_wipe(&k);
    rpc_client_free(c);
    return rc;
}

static const char utxo_usage[] =
    "Usage: aether utxo send --key FILE --to ADDR --amount N [--fee N] [--in TX:INDEX]...\n"
    "                        [--from-balance N] [--nonce N] [--wait] [--timeout S] [--rpc URL]\n"
    "\n"
    "Spends UTxOs owned by the key into one new UTxO of N for ADDR (the fee\n"
    "defaults to 2000, more for large transactions). Without --in,\n"
    "the key's UTxOs are picked (largest first) until they cover N + fee; with\n"
    "--from-balance, that much of the account balance is added to the inputs.\n"
    "The surplus (inputs - N - fee) returns to the sender's account balance.\n";

static int cmp_amount_desc(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    chain_u128_t u = {0, 0}, v = {0, 0};
    get_u128_field(x, "amount", &u);
    get_u128_field(y, "amount", &v);
    return chain_u128_cmp(v, u);
}

static int utxo_send(int argc, char **argv)
{
    const char *prog = "aether utxo send";
    send_opts_t o;
    int rc = parse_send_opts(prog, utxo_usage, true, argc, argv, &o);
    if (rc >= 0)
        return rc;
    rpc_client_t *c = NULL;
    node_key_t k;
    uint64_t chain_id = 0, nonce = 0;
    chain_u128_t balance, need;
    if ((rc = prepare(prog, &o, &c, &k, &chain_id, &balance, &nonce)) != CLI_OK)
        return rc;
    rc = CLI_FAIL;
    chain_tx_t *tx = NULL;
    json_t *list = NULL;
    if (!chain_u128_add(o.amount, o.fee, &need)) {
        cli_error(prog, CLI_USAGE, "amount + fee overflows");
        goto done;
    }
    if (chain_u128_cmp(balance, o.from_balance) < 0) {
        cli_error(prog, CLI_FAIL, "insufficient funds: --from-balance exceeds the account balance");
        goto done;
    }
    chain_u128_t have = o.from_balance;
    if (o.n_inputs == 0) {
        char hex[2 * CHAIN_ADDR_BYTES + 1];
        chain_addr_to_hex(&k.addr, hex);
        list = call(prog, c, o.url, "aeth_getUtxos", json_pack("[s]", hex));
        if (!list || !json_is_array(list))
            goto done;
        size_t n = json_array_size(list);
        json_t **items = calloc(n ? n : 1, sizeof *items);
        if (!items)
            goto done;
        for (size_t i = 0; i < n; i++)
            items[i] = json_array_get(list, i);
        qsort(items, n, sizeof *items, cmp_amount_desc);
        for (size_t i = 0; i < n && chain_u128_cmp(have, need) < 0 &&
                           o.n_inputs < CHAIN_MAX_TX_INPUTS; i++) {
            chain_u128_t amt;
            err_t e = {0};
            json_t *tx_h = json_object_get(items[i], "tx"), *idx = json_object_get(items[i], "index");
            if (!get_u128_field(items[i], "amount", &amt) || !json_is_string(tx_h) ||
                !json_is_integer(idx) ||
                chain_hash_from_hex(json_string_value(tx_h), &o.inputs[o.n_inputs].tx_hash, &e) != 0)
                continue;
            o.inputs[o.n_inputs].index = (uint32_t)json_integer_value(idx);
            o.n_inputs++;
            if (!chain_u128_add(have, amt, &have))
                break;
        }
        free(items);
        if (chain_u128_cmp(have, need) < 0) {
            char h[CHAIN_U128_STR_MAX], w[CHAIN_U128_STR_MAX];
            chain_u128_format(have, h);
            chain_u128_format(need, w);
            cli_error(prog, CLI_FAIL, "insufficient funds: UTxOs (and --from-balance) total %s, "
                      "amount + fee is %s", h, w);
            goto done;
        }
    }
    chain_utxo_t out = {o.to, o.amount};
    err_t e = {0};
    tx = chain_tx_new_utxo(chain_id, k.pk, nonce, o.fee, o.from_balance, o.inputs, o.n_inputs,
                           &out, 1, &e);
    if (tx && !o.have_fee && DEFAULT_MIN_FEE + tx->size > DEFAULT_FEE) {
        /* Many inputs: raise the default fee above the default floor (min fee
         * + 1 per byte); the inputs chosen above already cover it or the
         * node reports the shortfall. */
        tx->fee = chain_u128_from_u64(DEFAULT_MIN_FEE + 2 * (uint64_t)tx->size);
        chain_tx_finalize(tx);
        chain_u128_t need2;
        if (list && (!chain_u128_add(o.amount, tx->fee, &need2) || chain_u128_cmp(have, need2) < 0)) {
            char f[CHAIN_U128_STR_MAX];
            chain_u128_format(tx->fee, f);
            cli_error(prog, CLI_FAIL, "insufficient funds: the selected UTxOs do not cover the "
                      "amount plus the fee of %s this %u-byte transaction needs (give --fee or "
                      "--from-balance)", f, tx->size);
            goto done;
        }
    }
    if (!tx || chain_tx_sign(tx, k.sk, &e) != 0) {
        cli_error(prog, CLI_FAIL, "cannot build the transaction: %s", e.msg);
        goto done;
    }
    rc = submit(prog, c, &o, tx);
done:
    json_decref(list);
    chain_tx_free(tx);
    node_key_wipe(&k);
    rpc_client_free(c);
    return rc;
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
