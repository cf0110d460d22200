/* chain/client: the wallet over JSON-RPC (see client.h). Every answer is
 * checked for its shape before use: a server that is not an Aether node gets
 * CHAIN_CLIENT_EPROTO, never a zero balance or a made-up nonce. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rpc/rpc.h"

struct chain_client {
    rpc_client_t *rpc;
    char url[512];
};

const char *chain_client_default_url(void)
{
    const char *env = getenv("AETHER_RPC");
    return env && *env ? env : CHAIN_CLIENT_DEFAULT_RPC;
}

chain_client_t *chain_client_new(const char *url, unsigned timeout_ms, err_t *e)
{
    if (!url)
        url = chain_client_default_url();
    chain_client_t *c = calloc(1, sizeof *c);
    if (!c) {
        err_set(e, CHAIN_CLIENT_ENOMEM, "client: out of memory");
        return NULL;
    }
    if (strlen(url) >= sizeof c->url) {
        free(c);
        err_set(e, CHAIN_CLIENT_EINVAL, "client: endpoint URL too long");
        return NULL;
    }
    snprintf(c->url, sizeof c->url, "%s", url);
    if (!(c->rpc = rpc_client_new(url, timeout_ms, e))) {
        free(c);
        if (e)
            e->code = CHAIN_CLIENT_EINVAL;
        return NULL;
    }
    return c;
}

void chain_client_free(chain_client_t *c)
{
    if (!c)
        return;
    rpc_client_free(c->rpc);
    free(c);
}

const char *chain_client_url(const chain_client_t *c)
{
    return c->url;
}

int chain_client_call(chain_client_t *c, const char *method, json_t *params, json_t **result,
                      err_t *e)
{
    int code = 0;
    err_t re = {0};
    *result = NULL;
    int rc = rpc_client_call(c->rpc, method, params, result, &code, &re);
    json_decref(params);
    if (rc == 0)
        return 0;
    if (rc == RPC_EREMOTE)
        return err_set(e, CHAIN_CLIENT_EREFUSED, "node refused %s (%d): %s", method, code,
                       re.msg);
    if (rc == RPC_EINVAL)
        return err_set(e, CHAIN_CLIENT_EPROTO, "%s: %s (node endpoint %s)", method, re.msg,
                       c->url);
    return err_set(e, CHAIN_CLIENT_EUNREACHABLE, "%s (node endpoint %s)", re.msg, c->url);
}

int chain_client_health(chain_client_t *c, int *status, json_t **body, err_t *e)
{
    char *txt = NULL;
    size_t len = 0;
    err_t re = {0};
    *body = NULL;
    if (rpc_client_get(c->rpc, "/health", status, &txt, &len, &re) != 0)
        return err_set(e, CHAIN_CLIENT_EUNREACHABLE, "%s (node endpoint %s)", re.msg, c->url);
    json_t *j = cjson_parse(txt, len, NULL);
    if (!j) {
        char clean[512];
        rpc_text_sanitize(txt, len, clean, sizeof clean);
        j = json_string(clean);
    }
    free(txt);
    *body = j;
    return 0;
}

static int bad_shape(chain_client_t *c, const char *method, err_t *e)
{
    return err_set(e, CHAIN_CLIENT_EPROTO, "unexpected answer to %s from %s: is it an Aether node?",
                   method, c->url);
}

static bool get_u128(const json_t *obj, const char *name, chain_u128_t *v)
{
    const json_t *s = json_object_get(obj, name);
    err_t e = {0};
    return json_is_string(s) &&
           chain_u128_parse(json_string_value(s), json_string_length(s), v, &e) == 0;
}

int chain_client_chain_id(chain_client_t *c, uint64_t *chain_id, err_t *e)
{
    json_t *r = NULL;
    int rc = chain_client_call(c, "aeth_chainId", NULL, &r, e);
    if (rc)
        return rc;
    if (!cjson_get_u64(r, chain_id))
        rc = bad_shape(c, "aeth_chainId", e);
    json_decref(r);
    return rc;
}

int chain_client_account(chain_client_t *c, const chain_addr_t *a, chain_client_account_t *out,
                         err_t *e)
{
    char hex[2 * CHAIN_ADDR_BYTES + 1];
    chain_addr_to_hex(a, hex);
    json_t *r = NULL;
    int rc = chain_client_call(c, "aeth_getAccount", json_pack("[s]", hex), &r, e);
    if (rc)
        return rc;
    const json_t *ex = json_object_get(r, "exists");
    memset(out, 0, sizeof *out);
    if (!get_u128(r, "balance", &out->balance) ||
        !cjson_get_u64(json_object_get(r, "nonce"), &out->nonce) ||
        !cjson_get_u64(json_object_get(r, "next_nonce"), &out->next_nonce) || !json_is_boolean(ex))
        rc = bad_shape(c, "aeth_getAccount", e);
    else
        out->exists = json_is_true(ex);
    json_decref(r);
    return rc;
}

int chain_client_utxos(chain_client_t *c, const chain_addr_t *owner, chain_client_utxo_t **out,
                       size_t *n, err_t *e)
{
    char hex[2 * CHAIN_ADDR_BYTES + 1];
    chain_addr_to_hex(owner, hex);
    json_t *r = NULL;
    *out = NULL;
    *n = 0;
    int rc = chain_client_call(c, "aeth_getUtxos", json_pack("[s]", hex), &r, e);
    if (rc)
        return rc;
    if (!json_is_array(r)) {
        json_decref(r);
        return bad_shape(c, "aeth_getUtxos", e);
    }
    size_t k = json_array_size(r);
    chain_client_utxo_t *u = calloc(k ? k : 1, sizeof *u);
    if (!u) {
        json_decref(r);
        return err_set(e, CHAIN_CLIENT_ENOMEM, "client: out of memory");
    }
    for (size_t i = 0; i < k && !rc; i++) {
        const json_t *it = json_array_get(r, i), *tx = json_object_get(it, "tx");
        uint64_t idx = 0;
        err_t he = {0};
        if (!get_u128(it, "amount", &u[i].amount) || !json_is_string(tx) ||
            chain_hash_from_hex(json_string_value(tx), &u[i].id.tx_hash, &he) != 0 ||
            !cjson_get_u64(json_object_get(it, "index"), &idx) || idx > UINT32_MAX)
            rc = bad_shape(c, "aeth_getUtxos", e);
        u[i].id.index = (uint32_t)idx;
    }
    json_decref(r);
    if (rc) {
        free(u);
        return rc;
    }
    *out = u;
    *n = k;
    return 0;
}

int chain_client_submit(chain_client_t *c, const chain_tx_t *tx, chain_hash_t *hash, err_t *e)
{
    buf_t raw;
    buf_init(&raw, 0);
    if (chain_tx_encode(tx, true, &raw) != 0) {
        buf_free(&raw);
        return err_set(e, CHAIN_CLIENT_EINVAL, "client: cannot encode the transaction");
    }
    json_t *hexj = rpc_hex_json(raw.data, raw.len);
    buf_free(&raw);
    json_t *r = NULL;
    int rc = chain_client_call(c, "aeth_sendRawTransaction", json_pack("[o]", hexj), &r, e);
    if (rc)
        return rc;
    chain_hash_t h;
    err_t he = {0};
    if (!json_is_string(r) || chain_hash_from_hex(json_string_value(r), &h, &he) != 0 ||
        !chain_hash_equal(&h, &tx->hash))
        rc = bad_shape(c, "aeth_sendRawTransaction", e);
    else if (hash)
        *hash = h;
    json_decref(r);
    return rc;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int chain_client_wait_receipt(chain_client_t *c, const chain_hash_t *hash, uint64_t timeout_ms,
                              chain_client_receipt_t *out, json_t **raw, err_t *e)
{
    char hex[2 * CHAIN_HASH_BYTES + 1];
    chain_hash_to_hex(hash, hex);
    uint64_t start = mono_ms();
    json_t *r = NULL;
    if (raw)
        *raw = NULL;
    for (;;) {
        int rc = chain_client_call(c, "aeth_getReceipt", json_pack("[s]", hex), &r, e);
        if (rc)
            return rc;
        if (!json_is_null(r))
            break;
        json_decref(r);
        if (mono_ms() - start >= timeout_ms)
            return err_set(e, CHAIN_CLIENT_ETIMEOUT,
                           "transaction 0x%s not committed within %llu ms (still pending)", hex,
                           (unsigned long long)timeout_ms);
        nanosleep(&(struct timespec){0, 50 * 1000000}, NULL);
    }
    memset(out, 0, sizeof *out);
    const json_t *st = json_object_get(r, "status"), *ok = json_object_get(r, "success");
    uint64_t height = 0, index = 0;
    err_t he = {0};
    chain_hash_t th;
    const json_t *txh = json_object_get(r, "tx_hash");
    if (!json_is_string(st) || !json_is_boolean(ok) || !get_u128(r, "fee_paid", &out->receipt.fee_paid) ||
        !cjson_get_u64(json_object_get(r, "block_height"), &height) ||
        !cjson_get_u64(json_object_get(r, "index"), &index) || index > UINT32_MAX ||
        !json_is_string(txh) || chain_hash_from_hex(json_string_value(txh), &th, &he) != 0 ||
        !chain_hash_equal(&th, hash)) {
        json_decref(r);
        return bad_shape(c, "aeth_getReceipt", e);
    }
    out->receipt.tx_hash = th;
    if (json_object_get(r, "gas_used") &&
        !cjson_get_u64(json_object_get(r, "gas_used"), &out->receipt.gas_used)) {
        json_decref(r);
        return bad_shape(c, "aeth_getReceipt", e);
    }
    out->block_height = height;
    out->index = (uint32_t)index;
    rpc_text_sanitize(json_string_value(st), json_string_length(st), out->status,
                      sizeof out->status);
    /* the status byte, from its name (names are chain/types'): "unknown"
     * stays a failure with the name as the node sent it */
    out->receipt.status = 0xff;
    for (unsigned s = 0; s <= CHAIN_STATUS_MAX_; s++)
        if (strcmp(chain_status_name((uint8_t)s), out->status) == 0)
            out->receipt.status = (uint8_t)s;
    if (json_is_true(ok) != (out->receipt.status == CHAIN_STATUS_OK)) {
        json_decref(r);
        return bad_shape(c, "aeth_getReceipt", e);
    }
    if (raw)
        *raw = r;
    else
        json_decref(r);
    return 0;
}

/* ---- fees and UTxO selection ---- */

/* about the size of a 1-input, 1-output UTxO spend (a little over) */
#define CHAIN_CLIENT_UTXO_SIZE_1 256u

chain_u128_t chain_client_fee_floor(uint32_t size)
{
    return chain_u128_from_u64(CHAIN_CLIENT_DEFAULT_MIN_FEE + (uint64_t)size);
}

static int cmp_amount_desc(const void *a, const void *b)
{
    const chain_client_utxo_t *x = a, *y = b;
    int c = chain_u128_cmp(y->amount, x->amount);
    return c ? c : chain_utxo_id_cmp(&x->id, &y->id);
}

bool chain_client_select_utxos(chain_client_utxo_t *utxos, size_t n, chain_u128_t have,
                               chain_u128_t need, uint32_t max_inputs, chain_utxo_id_t *out,
                               uint32_t *n_out, chain_u128_t *total)
{
    qsort(utxos, n, sizeof *utxos, cmp_amount_desc);
    uint32_t k = 0;
    for (size_t i = 0; i < n && k < max_inputs && chain_u128_cmp(have, need) < 0; i++) {
        chain_u128_t t;
        if (!chain_u128_add(have, utxos[i].amount, &t))
            memset(&t, 0xff, sizeof t);   /* saturate: covers any need */
        have = t;
        out[k++] = utxos[i].id;
    }
    *n_out = k;
    *total = have;
    return chain_u128_cmp(have, need) >= 0;
}

/* ---- sending ---- */

/* chain id and nonce for key's next tx */
int client_prepare(chain_client_t *c, const chain_key_t *key, const chain_client_send_t *s,
                   uint64_t *chain_id, chain_client_account_t *acct, uint64_t *nonce, err_t *e)
{
    int rc = chain_client_chain_id(c, chain_id, e);
    if (!rc)
        rc = chain_client_account(c, &key->addr, acct, e);
    if (!rc)
        *nonce = s->have_nonce ? s->nonce : acct->next_nonce;
    return rc;
}

chain_u128_t chain_client_fee_for(chain_u128_t next_base, uint32_t size)
{
    chain_u128_t tip = chain_client_fee_floor(size);
    if (chain_u128_cmp(tip, chain_u128_from_u64(CHAIN_CLIENT_DEFAULT_FEE)) < 0)
        tip = chain_u128_from_u64(CHAIN_CLIENT_DEFAULT_FEE);
    chain_u128_t base = chain_u128_mul_u64_sat(
        next_base, (uint64_t)CHAIN_CLIENT_BASE_FEE_MARGIN * (uint64_t)size);
    return chain_u128_add_sat(tip, base);
}

int chain_client_fee_estimate(chain_client_t *c, uint32_t size, chain_u128_t *fee, err_t *e)
{
    chain_u128_t base;
    int rc = chain_client_next_base_fee(c, &base, e);
    if (rc)
        return err_prefix(e, "client: estimating the fee"), rc;
    *fee = chain_client_fee_for(base, size);
    return 0;
}

int client_default_fee(chain_client_t *c, chain_tx_t *tx, err_t *e)
{
    int rc = chain_client_fee_estimate(c, tx->size, &tx->fee, e);
    if (!rc)
        chain_tx_finalize(tx);
    return rc;
}

int client_sign_submit(chain_client_t *c, const chain_key_t *key, chain_tx_t *tx,
                       chain_tx_t **tx_out, err_t *e)
{
    int rc = chain_tx_sign(tx, key->sk, e);
    if (rc) {
        chain_tx_free(tx);
        return err_prefix(e, "client: cannot sign the transaction"), CHAIN_CLIENT_EINVAL;
    }
    rc = chain_client_submit(c, tx, NULL, e);
    if (rc == 0 && tx_out)
        *tx_out = tx;
    else
        chain_tx_free(tx);
    return rc;
}

int chain_client_transfer(chain_client_t *c, const chain_key_t *key,
                          const chain_client_send_t *s, chain_tx_t **tx_out, err_t *e)
{
    if (tx_out)
        *tx_out = NULL;
    if (chain_u128_is_zero(s->amount))
        return err_set(e, CHAIN_CLIENT_EINVAL, "client: the amount must be greater than 0");
    uint64_t chain_id = 0, nonce = 0;
    chain_client_account_t acct;
    int rc = client_prepare(c, key, s, &chain_id, &acct, &nonce, e);
    if (rc)
        return rc;
    chain_tx_t *tx = chain_tx_new_transfer(chain_id, key->pk, nonce,
                                           s->have_fee ? s->fee : chain_u128_from_u64(0), &s->to,
                                           s->amount);
    if (!tx)
        return err_set(e, CHAIN_CLIENT_ENOMEM, "client: out of memory");
    if (!s->have_fee && (rc = client_default_fee(c, tx, e)) != 0) {
        chain_tx_free(tx);
        return rc;
    }
    chain_u128_t need;
    if (!chain_u128_add(s->amount, tx->fee, &need) || chain_u128_cmp(acct.balance, need) < 0) {
        char b[CHAIN_U128_STR_MAX], a[CHAIN_U128_STR_MAX], f[CHAIN_U128_STR_MAX];
        chain_u128_format(acct.balance, b);
        chain_u128_format(s->amount, a);
        chain_u128_format(tx->fee, f);
        chain_tx_free(tx);
        return err_set(e, CHAIN_CLIENT_EFUNDS,
                       "insufficient funds: balance %s is less than amount %s + fee %s", b, a, f);
    }
    return client_sign_submit(c, key, tx, tx_out, e);
}

int chain_client_utxo_send(chain_client_t *c, const chain_key_t *key,
                           const chain_client_send_t *s, chain_tx_t **tx_out, err_t *e)
{
    if (tx_out)
        *tx_out = NULL;
    if (chain_u128_is_zero(s->amount))
        return err_set(e, CHAIN_CLIENT_EINVAL, "client: the amount must be greater than 0");
    if (s->n_inputs > CHAIN_MAX_TX_INPUTS)
        return err_set(e, CHAIN_CLIENT_EINVAL, "client: at most %d inputs",
                       CHAIN_MAX_TX_INPUTS);
    uint64_t chain_id = 0, nonce = 0;
    chain_client_account_t acct;
    int rc = client_prepare(c, key, s, &chain_id, &acct, &nonce, e);
    if (rc)
        return rc;
    /* without a fee: the base fee read once; inputs are chosen for a 1-input
     * size, and the fee is raised to the real size below */
    chain_u128_t next_base = chain_u128_from_u64(0), fee = s->fee, need;
    if (!s->have_fee) {
        if ((rc = chain_client_next_base_fee(c, &next_base, e)) != 0)
            return err_prefix(e, "client: estimating the fee"), rc;
        fee = chain_client_fee_for(next_base, CHAIN_CLIENT_UTXO_SIZE_1);
    }
    if (!chain_u128_add(s->amount, fee, &need))
        return err_set(e, CHAIN_CLIENT_EINVAL, "client: amount + fee overflows");
    if (chain_u128_cmp(acct.balance, s->from_balance) < 0)
        return err_set(e, CHAIN_CLIENT_EFUNDS,
                       "insufficient funds: from_balance exceeds the account balance");
    chain_utxo_id_t ins[CHAIN_MAX_TX_INPUTS];
    uint32_t n_in = s->n_inputs;
    chain_u128_t have = s->from_balance;
    bool chosen = !s->inputs;
    if (s->inputs) {
        memcpy(ins, s->inputs, n_in * sizeof *ins);
    } else {
        chain_client_utxo_t *list = NULL;
        size_t n = 0;
        if ((rc = chain_client_utxos(c, &key->addr, &list, &n, e)) != 0)
            return rc;
        bool ok = chain_client_select_utxos(list, n, s->from_balance, need, CHAIN_MAX_TX_INPUTS,
                                            ins, &n_in, &have);
        free(list);
        if (!ok) {
            char h[CHAIN_U128_STR_MAX], w[CHAIN_U128_STR_MAX];
            chain_u128_format(have, h);
            chain_u128_format(need, w);
            return err_set(e, CHAIN_CLIENT_EFUNDS,
                           "insufficient funds: UTxOs (and from_balance) total %s, amount + fee "
                           "is %s", h, w);
        }
    }
    chain_utxo_t out = {s->to, s->amount};
    chain_tx_t *tx = chain_tx_new_utxo(chain_id, key->pk, nonce, fee, s->from_balance, ins, n_in,
                                       &out, 1, e);
    if (!tx)
        return err_prefix(e, "client"), CHAIN_CLIENT_EINVAL;
    if (!s->have_fee && chain_u128_cmp(chain_client_fee_for(next_base, tx->size), fee) > 0) {
        /* many inputs: the fee grows with the size; the inputs chosen must
         * still cover the raise */
        tx->fee = chain_client_fee_for(next_base, tx->size);
        chain_tx_finalize(tx);
        chain_u128_t need2;
        if (chosen &&
            (!chain_u128_add(s->amount, tx->fee, &need2) || chain_u128_cmp(have, need2) < 0)) {
            char f[CHAIN_U128_STR_MAX];
            chain_u128_format(tx->fee, f);
            uint32_t size = tx->size;
            chain_tx_free(tx);
            return err_set(e, CHAIN_CLIENT_EFUNDS,
                           "insufficient funds: the selected UTxOs do not cover the amount plus "
                           "the fee of %s this %u-byte transaction needs (give a fee or "
                           "from_balance)", f, size);
        }
    }
    return client_sign_submit(c, key, tx, tx_out, e);
}

/* ---- job escrow (issue 16) ---- */

int chain_client_job_send(chain_client_t *c, const chain_key_t *key, const chain_client_send_t *s,
                          const chain_job_body_t *b, chain_tx_t **tx_out, err_t *e)
{
    if (tx_out)
        *tx_out = NULL;
    uint64_t chain_id = 0, nonce = 0;
    chain_client_account_t acct;
    int rc = client_prepare(c, key, s, &chain_id, &acct, &nonce, e);
    if (rc)
        return rc;
    chain_u128_t fee = s->have_fee ? s->fee : chain_u128_from_u64(0);
    chain_job_body_t linked;
    if (b->kind == CHAIN_TX_JOB_ACCEPT && s->phase_sk) {
        /* the link names this chain and this account: known only now */
        linked = *b;
        chain_job_link_sign(chain_id, &key->addr, s->phase_sk, linked.link_sig);
        b = &linked;
    }
    err_t te = {0};
    chain_tx_t *tx = chain_tx_new_job(chain_id, key->pk, nonce, fee, b, &te);
    if (!tx)
        return err_set(e, CHAIN_CLIENT_EINVAL, "client: %s", te.msg);
    if (!s->have_fee && (rc = client_default_fee(c, tx, e)) != 0) {
        chain_tx_free(tx);
        return rc;
    }
    return client_sign_submit(c, key, tx, tx_out, e);
}

int chain_client_get_job(chain_client_t *c, const chain_hash_t *id, json_t **job, err_t *e)
{
    char hex[2 * CHAIN_HASH_BYTES + 1];
    chain_hash_to_hex(id, hex);
    return chain_client_call(c, "aeth_getJob", json_pack("[s]", hex), job, e);
}

int chain_client_get_jobs(chain_client_t *c, json_t *filter, const chain_hash_t *after,
                          json_t **jobs, bool *more, chain_hash_t *next, err_t *e)
{
    *jobs = NULL;
    *more = false;
    if (!filter)
        filter = json_object();
    if (!filter)
        return err_set(e, CHAIN_CLIENT_EINVAL, "client: out of memory");
    if (after) {
        char hex[2 * CHAIN_HASH_BYTES + 1];
        chain_hash_to_hex(after, hex);
        json_object_set_new(filter, "after", json_string(hex));
    }
    json_t *r = NULL;
    int rc = chain_client_call(c, "aeth_getJobs", json_pack("[o]", filter), &r, e);
    if (rc)
        return rc;
    json_t *arr = json_object_get(r, "jobs");
    const json_t *nx = json_object_get(r, "next");
    err_t he = {0};
    if (!json_is_array(arr) || !nx ||
        (!json_is_null(nx) &&
         (!json_is_string(nx) || chain_hash_from_hex(json_string_value(nx), next, &he) != 0))) {
        json_decref(r);
        return err_set(e, CHAIN_CLIENT_EPROTO,
                       "client: aeth_getJobs did not answer {\"jobs\": [...], \"next\": id | "
                       "null}");
    }
    *more = !json_is_null(nx);
    *jobs = json_incref(arr);
    json_decref(r);
    return 0;
}

int chain_client_get_job_data(chain_client_t *c, const chain_hash_t *id, buf_t *module,
                              buf_t *input, bool *exists, err_t *e)
{
    char hex[2 * CHAIN_HASH_BYTES + 1];
    chain_hash_to_hex(id, hex);
    json_t *r = NULL;
    *exists = false;
    int rc = chain_client_call(c, "aeth_getJobData", json_pack("[s]", hex), &r, e);
    if (rc)
        return rc;
    if (json_is_null(r)) {
        json_decref(r);
        return 0;
    }
    const char *m = json_string_value(json_object_get(r, "module"));
    const char *in = json_string_value(json_object_get(r, "input"));
    size_t ml = m ? strlen(m) : 1, il = in ? strlen(in) : 1;
    module->len = 0;
    input->len = 0;
    if (!m || !in || ml % 2 || il % 2 || ml / 2 > CHAIN_JOB_MAX_MODULE ||
        il / 2 > CHAIN_JOB_MAX_INPUT || buf_reserve(module, ml / 2 + 1) != 0 ||
        buf_reserve(input, il / 2 + 1) != 0 ||
        hex_decode(m, ml, module->data, ml / 2, NULL) != 0 ||
        hex_decode(in, il, input->data, il / 2, NULL) != 0) {
        json_decref(r);
        return bad_shape(c, "aeth_getJobData", e);
    }
    module->len = ml / 2;
    input->len = il / 2;
    *exists = true;
    json_decref(r);
    return 0;
}
