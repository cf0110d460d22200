/* Helpers shared by the aether chain commands (see chain_cli.h). The wallet
 * options are parsed here and nowhere else: before, each command had its own
 * switch for them and refused the same bad --fee in three different words. */
#include "chain_cli.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void chain_cli_wallet_init(chain_cli_wallet_t *w, uint64_t timeout_s)
{
    memset(w, 0, sizeof *w);
    w->timeout_s = timeout_s;
}

int chain_cli_amount_opt(const char *prog, const char *opt, const char *arg, bool positive,
                         chain_u128_t *v)
{
    err_t e = {0};
    if (chain_u128_parse(arg, strlen(arg), v, &e) != 0)
        return cli_usage_error(prog, "%s '%s' is not a decimal amount (%s)", opt, arg, e.msg);
    if (positive && chain_u128_is_zero(*v))
        return cli_usage_error(prog, "%s must be greater than 0", opt);
    return -1;
}

/* -1 when c was a wallet option with a good value (stored in w), the exit
 * code after the error for a bad value, CLI_NOT_MINE for another option. */
static int wallet_opt(const char *prog, int c, const char *arg, chain_cli_wallet_t *w)
{
    switch (c) {
    case CHAIN_CLI_OPT_KEY: w->key = arg; return -1;
    case CHAIN_CLI_OPT_RPC: w->rpc = arg; return -1;
    case CHAIN_CLI_OPT_WAIT: w->wait = true; return -1;
    case CHAIN_CLI_OPT_FEE:
        w->have_fee = true;
        return chain_cli_amount_opt(prog, "--fee", arg, false, &w->fee);
    case CHAIN_CLI_OPT_NONCE:
        if (!cli_parse_u64(arg, &w->nonce))
            return cli_usage_error(prog, "--nonce '%s' is not a decimal number below 2^64", arg);
        w->have_nonce = true;
        return -1;
    case CHAIN_CLI_OPT_TIMEOUT:
        if (!cli_parse_u64(arg, &w->timeout_s) || w->timeout_s == 0 ||
            w->timeout_s > UINT64_MAX / 1000)
            return cli_usage_error(prog, "--timeout '%s' is not a positive number of seconds",
                                   arg);
        return -1;
    default:
        return CLI_NOT_MINE;
    }
}

typedef struct own_then_wallet {
    cli_opt_fn own;
    void *ctx;
    chain_cli_wallet_t *w;
} own_then_wallet_t;

static int own_then_wallet(void *ctx, const char *prog, int c, const char *name, const char *arg)
{
    own_then_wallet_t *x = ctx;
    int rc = x->own ? x->own(x->ctx, prog, c, name, arg) : CLI_NOT_MINE;
    return rc == CLI_NOT_MINE ? wallet_opt(prog, c, arg, x->w) : rc;
}

int chain_cli_getopt(const char *prog, const char *usage, const char *help, int argc, char **argv,
                     const char *shorts, const struct option *longs, bool operands,
                     cli_opt_fn own, void *ctx, chain_cli_wallet_t *w)
{
    own_then_wallet_t x = {own, ctx, w};
    return cli_getopt(prog, usage, help, argc, argv, shorts, longs, operands, own_then_wallet, &x);
}

int chain_cli_utxo_id_opt(const char *prog, const char *opt, const char *arg,
                          chain_utxo_id_t *id)
{
    const char *colon = strrchr(arg, ':');
    char hex[80];
    uint64_t idx;
    err_t e = {0};
    if (!colon || (size_t)(colon - arg) >= sizeof hex)
        return cli_usage_error(prog, "%s '%s': expected TXHASH:INDEX", opt, arg);
    memcpy(hex, arg, (size_t)(colon - arg));
    hex[colon - arg] = 0;
    if (chain_hash_from_hex(hex, &id->tx_hash, &e) != 0)
        return cli_usage_error(prog, "%s '%s': %s", opt, arg, e.msg);
    if (!cli_parse_u64(colon + 1, &idx) || idx > UINT32_MAX)
        return cli_usage_error(prog, "%s '%s': the index must be a decimal number below 2^32",
                               opt, arg);
    id->index = (uint32_t)idx;
    return -1;
}

int chain_cli_addr_opt(const char *prog, const char *what, const char *arg, chain_addr_t *a)
{
    err_t e = {0};
    if (chain_addr_from_hex(arg, a, &e) == 0)
        return -1;
    if (access(arg, R_OK) == 0) {
        chain_key_t k;
        err_t ke = {0};
        if (chain_key_load(arg, &k, &ke) == 0) {
            *a = k.addr;
            chain_key_wipe(&k);
            return -1;
        }
        return cli_usage_error(prog, "%s '%s': %s", what, arg, ke.msg);
    }
    return cli_usage_error(prog, "%s '%s' is not an address (40 hex digits) or a key file: %s",
                           what, arg, e.msg);
}

int chain_cli_load_key(const char *prog, const char *path, chain_key_t *k)
{
    err_t e = {0};
    if (crypto_init() != 0)
        return cli_error(prog, CLI_FAIL, "libsodium failed to initialise");
    if (chain_key_load(path, k, &e) != 0)
        return cli_error(prog, CLI_USAGE, "%s", e.msg);
    return CLI_OK;
}

int chain_cli_wallet_open(const char *prog, const chain_cli_wallet_t *w, chain_key_t *k,
                          chain_client_t **c)
{
    if (!w->key)
        return cli_usage_error(prog, "--key FILE is required");
    int rc = chain_cli_load_key(prog, w->key, k);
    if (rc != CLI_OK)
        return rc;
    if (!(*c = chain_cli_open_client(prog, w->rpc, &rc))) {
        chain_key_wipe(k);
        return rc;
    }
    return CLI_OK;
}

void chain_cli_wallet_send(const chain_cli_wallet_t *w, chain_client_send_t *s)
{
    memset(s, 0, sizeof *s);
    s->have_fee = w->have_fee;
    s->fee = w->fee;
    s->have_nonce = w->have_nonce;
    s->nonce = w->nonce;
}

void chain_cli_print_json(const json_t *j)
{
    buf_t b;
    buf_init(&b, 0);
    if (cjson_encode_pretty(j, &b, NULL) == BASE_OK) {
        fwrite(b.data, 1, b.len, stdout);
        fputc('\n', stdout);
    }
    buf_free(&b);
}

int chain_cli_client_error(const char *prog, const err_t *e)
{
    if (e->code == CHAIN_CLIENT_EUNREACHABLE)
        return cli_error(prog, CLI_FAIL, "%s; set --rpc or AETHER_RPC", e->msg);
    return cli_error(prog, e->code == CHAIN_CLIENT_EINVAL ? CLI_USAGE : CLI_FAIL, "%s", e->msg);
}

chain_client_t *chain_cli_open_client(const char *prog, const char *url, int *rc)
{
    err_t e = {0};
    chain_client_t *c = chain_client_new(url, 30000, &e);
    if (!c)
        *rc = cli_usage_error(prog, "--rpc: %s", e.msg);
    return c;
}

int chain_cli_print_sent(const char *prog, chain_client_t *c, const chain_tx_t *tx, json_t *out,
                         const chain_cli_wallet_t *w)
{
    int rc = CLI_OK;
    if (w->wait) {
        chain_client_receipt_t r;
        json_t *raw = NULL;
        err_t e = {0};
        if (chain_client_wait_receipt(c, &tx->hash, w->timeout_s * 1000, &r, &raw, &e) != 0) {
            chain_cli_print_json(out);
            json_decref(out);
            return chain_cli_client_error(prog, &e);
        }
        json_object_set_new(out, "receipt", raw);
        if (r.receipt.status != CHAIN_STATUS_OK) {
            char hex[2 * CHAIN_HASH_BYTES + 1];
            const json_t *why = json_object_get(raw, "revert_reason");
            chain_hash_to_hex(&tx->hash, hex);
            rc = cli_error(prog, CLI_FAIL, "transaction 0x%s failed: %s%s%s (fee%s charged)", hex,
                           chain_status_name(r.receipt.status), json_is_string(why) ? ": " : "",
                           json_is_string(why) ? json_string_value(why) : "",
                           tx->gas_limit ? " and gas" : "");
        }
    }
    chain_cli_print_json(out);
    json_decref(out);
    return rc;
}
