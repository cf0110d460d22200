/*
 * The genesis file (format in node.h; key files are chain/client's). Strict:
 * unknown keys, wrong lengths, bad hex and duplicate addresses are errors
 * naming the field.
 */
#include "chain/node/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GENESIS_FILE_MAX (64u << 20)

/* base's JSON field checks (cjson_get_hex, cjson_check_keys) under this
 * module's error code */
static int as_einval(err_t *e)
{
    if (e)
        e->code = NODE_EINVAL;
    return NODE_EINVAL;
}

static int get_hex_field(const json_t *j, const char *name, uint8_t *out, size_t n,
                         const char *what, err_t *e)
{
    return cjson_get_hex(j, name, out, n, what, e) ? as_einval(e) : 0;
}

static int check_keys(const json_t *j, const char *const *allowed, const char *what, err_t *e)
{
    return cjson_check_keys(j, allowed, what, e) ? as_einval(e) : 0;
}

/* ---- genesis ----------------------------------------------------------------- */

void node_genesis_free(node_genesis_t *g)
{
    if (!g)
        return;
    free(g->accounts);
    free(g->utxos);
    free(g->stake_data);
    free(g->stake_store);
    free(g->validators);
    memset(g, 0, sizeof *g);
}

static int get_amount(const json_t *v, chain_u128_t *out, const char *what, size_t i, err_t *e)
{
    if (!json_is_string(v))
        return err_set(e, NODE_EINVAL, "genesis: %s[%zu]: amount must be a decimal string", what,
                       i);
    if (chain_u128_parse(json_string_value(v), json_string_length(v), out, e) != 0) {
        err_prefix(e, "genesis: %s[%zu]", what, i);
        return NODE_EINVAL;
    }
    return 0;
}

static int cmp_addr(const void *a, const void *b)
{
    return memcmp(((const chain_genesis_alloc_t *)a)->addr.b,
                  ((const chain_genesis_alloc_t *)b)->addr.b, CHAIN_ADDR_BYTES);
}

int node_genesis_from_json(const json_t *j, node_genesis_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(j))
        return err_set(e, NODE_EINVAL, "genesis: expected a JSON object");
    static const char *const allowed[] = {"chain_id", "timestamp_ms", "validator", "accounts",
                                          "utxos", "staking", "consensus", NULL};
    if (check_keys(j, allowed, "genesis", e))
        return NODE_EINVAL;
    uint64_t v;
    if (!cjson_get_u64(json_object_get(j, "chain_id"), &v))
        return err_set(e, NODE_EINVAL, "genesis: \"chain_id\" must be a non-negative integer");
    out->g.chain_id = v;
    if (!cjson_get_u64(json_object_get(j, "timestamp_ms"), &v))
        return err_set(e, NODE_EINVAL, "genesis: \"timestamp_ms\" must be a non-negative integer");
    out->g.timestamp_ms = v;
    json_t *cons = json_object_get(j, "consensus");
    if (cons && node_genesis_consensus_from_json(cons, out, e) != 0) {
        node_genesis_free(out);
        return NODE_EINVAL;
    }
    if (cons && !json_object_get(j, "validator")) {
        /* block 0 names validator 0 (it signs nothing: QCs certify blocks) */
        memcpy(out->g.proposer_pk, out->validators[0].account_pk, CHAIN_PK_BYTES);
    } else {
        if (get_hex_field(j, "validator", out->g.proposer_pk, CHAIN_PK_BYTES, "genesis", e)) {
            node_genesis_free(out);
            return NODE_EINVAL;
        }
        if (!crypto_ed25519_pk_valid(out->g.proposer_pk)) {
            node_genesis_free(out);
            return err_set(e, NODE_EINVAL, "genesis: \"validator\" is not a valid Ed25519 key");
        }
    }
    out->g.certified = out->bft;

    json_t *acc = json_object_get(j, "accounts");
    json_t *ut = json_object_get(j, "utxos");
    if ((acc && !json_is_array(acc)) || (ut && !json_is_array(ut))) {
        node_genesis_free(out);
        return err_set(e, NODE_EINVAL, "genesis: \"%s\" must be an array",
                       acc && !json_is_array(acc) ? "accounts" : "utxos");
    }
    size_t na = acc ? json_array_size(acc) : 0, nu = ut ? json_array_size(ut) : 0;
    out->accounts = calloc(na ? na : 1, sizeof *out->accounts);
    out->utxos = calloc(nu ? nu : 1, sizeof *out->utxos);
    if (!out->accounts || !out->utxos) {
        node_genesis_free(out);
        return err_set(e, NODE_ENOMEM, "genesis: out of memory");
    }
    static const char *const acc_keys[] = {"address", "balance", NULL};
    static const char *const utxo_keys[] = {"owner", "amount", NULL};
    for (size_t i = 0; i < na; i++) {
        json_t *a = json_array_get(acc, i);
        json_t *addr = json_object_get(a, "address");
        if (!json_is_object(a) || check_keys(a, acc_keys, "genesis: accounts", e) ||
            !json_is_string(addr) ||
            chain_addr_from_hex(json_string_value(addr), &out->accounts[i].addr, e) != 0) {
            node_genesis_free(out);
            return err_set(e, NODE_EINVAL,
                           "genesis: accounts[%zu]: expected {\"address\": 40 hex digits, "
                           "\"balance\": decimal string}", i);
        }
        if (get_amount(json_object_get(a, "balance"), &out->accounts[i].balance, "accounts", i,
                       e)) {
            node_genesis_free(out);
            return NODE_EINVAL;
        }
    }
    for (size_t i = 0; i < nu; i++) {
        json_t *u = json_array_get(ut, i);
        json_t *owner = json_object_get(u, "owner");
        if (!json_is_object(u) || check_keys(u, utxo_keys, "genesis: utxos", e) ||
            !json_is_string(owner) ||
            chain_addr_from_hex(json_string_value(owner), &out->utxos[i].owner, e) != 0) {
            node_genesis_free(out);
            return err_set(e, NODE_EINVAL,
                           "genesis: utxos[%zu]: expected {\"owner\": 40 hex digits, "
                           "\"amount\": decimal string}", i);
        }
        if (get_amount(json_object_get(u, "amount"), &out->utxos[i].amount, "utxos", i, e)) {
            node_genesis_free(out);
            return NODE_EINVAL;
        }
        if (chain_u128_is_zero(out->utxos[i].amount)) {
            node_genesis_free(out);
            return err_set(e, NODE_EINVAL, "genesis: utxos[%zu]: amount must be > 0", i);
        }
    }
    /* Duplicate addresses would make the allocation ambiguous. */
    chain_genesis_alloc_t *sorted = malloc((na ? na : 1) * sizeof *sorted);
    if (!sorted) {
        node_genesis_free(out);
        return err_set(e, NODE_ENOMEM, "genesis: out of memory");
    }
    memcpy(sorted, out->accounts, na * sizeof *sorted);
    qsort(sorted, na, sizeof *sorted, cmp_addr);
    for (size_t i = 1; i < na; i++) {
        if (cmp_addr(&sorted[i - 1], &sorted[i]) == 0) {
            char hex[2 * CHAIN_ADDR_BYTES + 1];
            chain_addr_to_hex(&sorted[i].addr, hex);
            free(sorted);
            node_genesis_free(out);
            return err_set(e, NODE_EINVAL, "genesis: address %s is allocated twice", hex);
        }
    }
    free(sorted);
    out->g.accounts = out->accounts;
    out->g.n_accounts = na;
    out->g.utxos = out->utxos;
    out->g.n_utxos = nu;
    const json_t *staking = json_object_get(j, "staking");
    if (staking && node_genesis_staking_from_json(staking, out, e) != 0) {
        node_genesis_free(out);
        return NODE_EINVAL;
    }
    return 0;
}

int node_genesis_load(const char *path, node_genesis_t *out, err_t *e)
{
    uint8_t *data = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    if (file_read_all(path, GENESIS_FILE_MAX, &data, &len, e) != 0) {
        err_prefix(e, "genesis: cannot read %s", path);
        return NODE_EINVAL;
    }
    err_t pe = {0};
    json_t *j = cjson_parse((const char *)data, len, &pe);
    free(data);
    if (!j)
        return err_set(e, NODE_EINVAL, "genesis: %s is not JSON: %s", path, pe.msg);
    int rc = node_genesis_from_json(j, out, e);
    json_decref(j);
    if (rc != 0) {
        err_prefix(e, "%s", path);
        return rc;
    }
    return 0;
}

json_t *node_genesis_to_json(const chain_genesis_t *g)
{
    char hex[2 * CHAIN_HASH_BYTES + 1], dec[CHAIN_U128_STR_MAX];
    json_t *j = json_object();
    json_object_set_new(j, "chain_id", cjson_u64(g->chain_id));
    json_object_set_new(j, "timestamp_ms", cjson_u64(g->timestamp_ms));
    hex_encode(g->proposer_pk, CHAIN_PK_BYTES, hex);
    json_object_set_new(j, "validator", json_string(hex));
    json_t *acc = json_array();
    for (size_t i = 0; i < g->n_accounts; i++) {
        chain_addr_to_hex(&g->accounts[i].addr, hex);
        chain_u128_format(g->accounts[i].balance, dec);
        json_array_append_new(acc, json_pack("{s:s,s:s}", "address", hex, "balance", dec));
    }
    json_object_set_new(j, "accounts", acc);
    json_t *ut = json_array();
    for (size_t i = 0; i < g->n_utxos; i++) {
        chain_addr_to_hex(&g->utxos[i].owner, hex);
        chain_u128_format(g->utxos[i].amount, dec);
        json_array_append_new(ut, json_pack("{s:s,s:s}", "owner", hex, "amount", dec));
    }
    json_object_set_new(j, "utxos", ut);
    return j;
}

json_t *node_genesis_json(const node_genesis_t *g)
{
    json_t *j = node_genesis_to_json(&g->g);
    if (j && g->bft)
        json_object_set_new(j, "consensus", node_genesis_consensus_to_json(g));
    return j;
}
