/* Helpers shared by the aether chain commands (see chain_cli.h). */
#include "chain_cli.h"
#include "cli.h"

#include <stdio.h>

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
