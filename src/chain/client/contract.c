/* chain/client: contract deploy / call transactions, read-only queries and
 * log queries over the node's aeth_* methods (client.h, "contracts"). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "rpc/rpc.h"

/* The message object of aeth_call / aeth_estimateGas. */
static json_t *msg_json(const chain_addr_t *from, const chain_client_contract_t *k)
{
    char v[CHAIN_U128_STR_MAX];
    chain_u128_format(k->value, v);
    json_t *m = json_object();
    if (!m)
        return NULL;
    chain_addr_t zero = {{0}};
    json_object_set_new(m, "from", rpc_hex_json((from ? from : &zero)->b, CHAIN_ADDR_BYTES));
    if (k->code)
        json_object_set_new(m, "code", rpc_hex_json(k->code, k->code_len));
    else
        json_object_set_new(m, "to", rpc_hex_json(k->contract.b, CHAIN_ADDR_BYTES));
    /* no input is no field: the node refuses an empty hex string */
    if (k->input_len)
        json_object_set_new(m, "input", rpc_hex_json(k->input, k->input_len));
    json_object_set_new(m, "value", json_string(v));
    if (k->gas_limit)
        json_object_set_new(m, "gas", cjson_u64(k->gas_limit));
    return m;
}

static int estimate(chain_client_t *c, const chain_addr_t *from, const chain_client_contract_t *k,
                    uint64_t *gas, err_t *e)
{
    json_t *res = NULL;
    int rc = chain_client_call(c, "aeth_estimateGas", json_pack("[o]", msg_json(from, k)), &res,
                               e);
    if (rc)
        return rc;
    bool ok = cjson_get_u64(res, gas) && *gas > 0;
    json_decref(res);
    if (!ok)
        return err_set(e, CHAIN_CLIENT_EPROTO, "client: aeth_estimateGas answered no gas figure");
    return 0;
}

int chain_client_contract_send(chain_client_t *c, const chain_key_t *key,
                               const chain_client_send_t *s, const chain_client_contract_t *k,
                               chain_tx_t **tx_out, err_t *e)
{
    if (tx_out)
        *tx_out = NULL;
    if (k->gas_limit > CHAIN_MAX_TX_GAS)
        return err_set(e, CHAIN_CLIENT_EINVAL, "client: gas limit %llu exceeds %llu",
                       (unsigned long long)k->gas_limit, (unsigned long long)CHAIN_MAX_TX_GAS);
    uint64_t chain_id = 0, nonce = 0, gas = k->gas_limit;
    chain_client_account_t acct;
    int rc = client_prepare(c, key, s, &chain_id, &acct, &nonce, e);
    if (rc)
        return rc;
    if (!gas) {
        if ((rc = estimate(c, &key->addr, k, &gas, e)))
            return err_prefix(e, "client: estimating gas"), rc;
        gas += gas / 4;
        if (gas > CHAIN_MAX_TX_GAS)
            gas = CHAIN_MAX_TX_GAS;
    }
    chain_u128_t price = chain_u128_is_zero(k->gas_price)
                             ? chain_u128_from_u64(CHAIN_CLIENT_DEFAULT_GAS_PRICE)
                             : k->gas_price;
    chain_u128_t fee = s->have_fee ? s->fee : chain_u128_from_u64(0);
    err_t te = {0};
    chain_tx_t *tx = k->code ? chain_tx_new_deploy(chain_id, key->pk, nonce, fee, k->value, gas,
                                                   price, k->code, k->code_len, k->input,
                                                   k->input_len, &te)
                             : chain_tx_new_call(chain_id, key->pk, nonce, fee, &k->contract,
                                                 k->value, gas, price, k->input, k->input_len,
                                                 &te);
    if (!tx)
        return err_set(e, CHAIN_CLIENT_EINVAL, "client: %s", te.msg);
    if (!s->have_fee && (rc = client_default_fee(c, tx, e)) != 0) {
        chain_tx_free(tx);
        return rc;
    }
    chain_u128_t cost = chain_tx_contract_max_cost(tx);
    if (chain_u128_cmp(acct.balance, cost) < 0) {
        char b[CHAIN_U128_STR_MAX], n[CHAIN_U128_STR_MAX];
        chain_u128_format(acct.balance, b);
        chain_u128_format(cost, n);
        chain_tx_free(tx);
        return err_set(e, CHAIN_CLIENT_EFUNDS,
                       "client: insufficient funds: balance %s, fee + gas_limit x gas_price + "
                       "value %s",
                       b, n);
    }
    return client_sign_submit(c, key, tx, tx_out, e);
}

int chain_client_contract_query(chain_client_t *c, const chain_addr_t *from,
                                const chain_client_contract_t *k, json_t **result, err_t *e)
{
    return chain_client_contract_query_at(c, from, k, NULL, result, e);
}

int chain_client_contract_query_at(chain_client_t *c, const chain_addr_t *from,
                                   const chain_client_contract_t *k, const uint64_t *height,
                                   json_t **result, err_t *e)
{
    json_t *params = height ? json_pack("[o,o]", msg_json(from, k), cjson_u64(*height))
                            : json_pack("[o]", msg_json(from, k));
    return chain_client_call(c, "aeth_call", params, result, e);
}

int chain_client_get_logs(chain_client_t *c, json_t *filter, json_t **logs, err_t *e)
{
    return chain_client_call(c, "aeth_getLogs", json_pack("[o]", filter ? filter : json_object()),
                             logs, e);
}
