/* Helpers shared by the aether chain commands (see chain_cli.h). */
#include "chain_cli.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

bool chain_cli_parse_amount(const char *s, chain_u128_t *v)
{
    return chain_u128_parse(s, strlen(s), v, NULL) == 0;
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

int chain_cli_print_sent(const char *prog, chain_client_t *c, const chain_hash_t *hash, json_t *out,
                         bool wait, uint64_t timeout_s)
{
    int rc = CLI_OK;
    if (wait) {
        chain_client_receipt_t r;
        json_t *raw = NULL;
        err_t e = {0};
        if (chain_client_wait_receipt(c, hash, timeout_s * 1000, &r, &raw, &e) != 0) {
            chain_cli_print_json(out);
            json_decref(out);
            return chain_cli_client_error(prog, &e);
        }
        json_object_set_new(out, "receipt", raw);
        if (r.receipt.status != CHAIN_STATUS_OK) {
            char hex[2 * CHAIN_HASH_BYTES + 1];
            chain_hash_to_hex(hash, hex);
            rc = cli_error(prog, CLI_FAIL, "transaction 0x%s failed: %s (fee charged)", hex,
                           chain_status_name(r.receipt.status));
        }
    }
    chain_cli_print_json(out);
    json_decref(out);
    return rc;
}
