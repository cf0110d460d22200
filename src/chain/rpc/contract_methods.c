/*
 * The contract methods of the chain RPC (issue 14; docs/contracts.md):
 *
 *   aeth_call        [msg, block?] -> {"status","success","gas_used",
 *                    "contract","return_data","logs","revert_reason"}:
 *                    read-only execution on the tip state, nothing committed.
 *                    msg = {"from"?, "to" | "code", "input"?, "value"?,
 *                    "gas"? (default and cap: RPC_CALL_GAS_CAP)}; block =
 *                    "latest" (the default: the tip, pinned when the call
 *                    starts, so blocks committing during it change nothing
 *                    it reads) or a height within the node's state history
 *                    (aetherd run --state-history; an older or future height
 *                    is an error naming the oldest available one).
 *   aeth_estimateGas [msg, block?] -> gas used (integer) when the execution
 *                    succeeds; RPC_EXEC_FAILED (data: status, gas_used,
 *                    revert_reason) otherwise.
 *   aeth_getCode     [address, block?] -> {"address","code_hash","code"} | null
 *   aeth_getStorageAt [address, key, block?] -> value hex | null (absent slot)
 *   aeth_getProof    [{"contract","key"}] -> the state-tree proof of a slot
 *                    (see storage_proof below), present or absent.
 *   aeth_getLogs     [{"address"?, "topic"?, "from_block"?, "to_block"?,
 *                    "max"?}] -> [{"block_height","tx_hash","tx_index",
 *                    "log_index","address","topic","data"}], oldest first,
 *                    at most max (default and cap MAX_LOGS); an address or a
 *                    topic is required (the log index is keyed by them).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "chain/exec/exec.h"
#include "chain/node/node.h"

#define MAX_LOGS 10000
/* Read-only executions run on an RPC thread: their gas is capped (as
 * geth's rpc.gascap) so one request cannot hold a core for long. */
#define RPC_CALL_GAS_CAP 100000000ull

/* A field of obj through the positional helpers (they accept "0x"). */
static int field_hex(const json_t *obj, const char *ctx, const char *name, size_t max,
                     uint8_t **out, size_t *n, bool *present, rpc_error_t *err)
{
    json_t *v = json_object_get(obj, name);
    *out = NULL;
    *n = 0;
    *present = v != NULL;
    if (!v)
        return 0;
    json_t *wrap = json_pack("[O]", v);
    int rc = rpc_param_hex_alloc(wrap, 0, max, out, n, err);
    json_decref(wrap);
    if (rc)
        return rpc_fail(err, RPC_INVALID_PARAMS, "%s.%s: hex of at most %zu bytes expected", ctx,
                        name, max);
    return 0;
}

static int field_addr(const json_t *obj, const char *ctx, const char *name, chain_addr_t *a,
                      bool *present, rpc_error_t *err)
{
    json_t *v = json_object_get(obj, name);
    *present = v != NULL;
    if (!v)
        return 0;
    json_t *wrap = json_pack("[O]", v);
    int rc = rpc_param_hex_fixed(wrap, 0, a->b, CHAIN_ADDR_BYTES, err);
    json_decref(wrap);
    if (rc)
        return rpc_fail(err, RPC_INVALID_PARAMS, "%s.%s: an address (40 hex digits) expected",
                        ctx, name);
    return 0;
}

typedef struct msg {
    chain_contract_msg_t m;
    uint8_t *code, *input;
    uint64_t height;    /* the block (unless latest) */
    bool latest;
} msg_t;

static void msg_free(msg_t *m)
{
    free(m->code);
    free(m->input);
}

static int parse_msg(void *ud, const json_t *params, msg_t *out, rpc_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (rpc_param_count_check(params, 1, 2, err))
        return -1;
    const json_t *o = rpc_param(params, 0);
    if (!json_is_object(o))
        return rpc_fail(err, RPC_INVALID_PARAMS,
                        "params[0]: expected {\"from\"?, \"to\" | \"code\", \"input\"?, "
                        "\"value\"?, \"gas\"?}");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)o, key, val)
    {
        if (strcmp(key, "from") && strcmp(key, "to") && strcmp(key, "code") &&
            strcmp(key, "input") && strcmp(key, "value") && strcmp(key, "gas"))
            return rpc_fail(err, RPC_INVALID_PARAMS, "msg: unknown field \"%s\"", key);
    }
    bool has_to, has_code, has;
    size_t n;
    if (field_addr(o, "msg", "from", &out->m.from, &has, err) ||
        field_addr(o, "msg", "to", &out->m.to, &has_to, err) ||
        field_hex(o, "msg", "code", CHAIN_MAX_CODE_BYTES, &out->code, &n, &has_code, err))
        goto bad;
    out->m.code = out->code;
    out->m.code_len = (uint32_t)n;
    if (has_to == has_code) {
        rpc_fail(err, RPC_INVALID_PARAMS, "msg: exactly one of \"to\" (a call) and \"code\" (a "
                                          "deploy) is needed");
        goto bad;
    }
    if (has_code && n == 0) {
        rpc_fail(err, RPC_INVALID_PARAMS, "msg.code is empty");
        goto bad;
    }
    if (field_hex(o, "msg", "input", CHAIN_MAX_INPUT_BYTES, &out->input, &n, &has, err))
        goto bad;
    out->m.input = out->input;
    out->m.input_len = (uint32_t)n;
    json_t *v = json_object_get(o, "value");
    if (v && (!json_is_string(v) ||
              chain_u128_parse(json_string_value(v), json_string_length(v), &out->m.value,
                               NULL) != 0)) {
        rpc_fail(err, RPC_INVALID_PARAMS, "msg.value: a decimal string expected");
        goto bad;
    }
    v = json_object_get(o, "gas");
    if (v && (!cjson_get_u64(v, &out->m.gas_limit) || out->m.gas_limit == 0 ||
              out->m.gas_limit > RPC_CALL_GAS_CAP)) {
        rpc_fail(err, RPC_INVALID_PARAMS,
                 "msg.gas: an integer 1..%llu expected (the node's gas cap for read-only "
                 "execution)",
                 (unsigned long long)RPC_CALL_GAS_CAP);
        goto bad;
    }
    if (!v)
        out->m.gas_limit = RPC_CALL_GAS_CAP;
    if (rpc_param_block(ud, params, 1, &out->height, &out->latest, err))
        goto bad;
    return 0;
bad:
    msg_free(out);
    return -1;
}

int rpc_internal(rpc_error_t *err, const err_t *e)
{
    return rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: %s", e->msg);
}

int rpc_state_error(rpc_error_t *err, int rc, const err_t *e)
{
    if (rc == CHAIN_STATE_EHISTORY)
        return rpc_fail(err, RPC_INVALID_PARAMS, "%s", e->msg);
    return rpc_internal(err, e);
}

int rpc_param_block(void *ud, const json_t *params, size_t i, uint64_t *height, bool *latest,
                    rpc_error_t *err)
{
    const json_t *b = rpc_param(params, i);
    *latest = true;
    *height = 0;
    if (!b || json_is_null(b) || (json_is_string(b) && !strcmp(json_string_value(b), "latest")))
        return 0;
    /* an integer, or a decimal or 0x-hex string as aeth_getBlockByNumber takes
     * (upstream's block references are decimal strings) */
    if (rpc_param_u64(params, i, height, err))
        return rpc_fail(err, RPC_INVALID_PARAMS,
                        "params[%zu]: expected a block height (integer, decimal or 0x-hex "
                        "string) or \"latest\"", i);
    uint64_t oldest, tip;
    err_t e = {0};
    if (chain_state_history_range(node_state(ud), &oldest, &tip, &e) != 0)
        return rpc_fail(err, RPC_NOT_READY, "no chain yet: %s", e.msg);
    if (*height > tip)
        return rpc_fail(err, RPC_INVALID_PARAMS,
                        "params[%zu]: block %llu is in the future (the tip is %llu)", i,
                        (unsigned long long)*height, (unsigned long long)tip);
    if (*height < oldest)
        return rpc_fail(err, RPC_INVALID_PARAMS,
                        "params[%zu]: the state at block %llu is not kept; the oldest available "
                        "height is %llu (aetherd run --state-history N keeps N blocks)",
                        i, (unsigned long long)*height, (unsigned long long)oldest);
    *latest = false;
    return 0;
}

static json_t *outcome_json(const chain_receipt_t *r)
{
    json_t *logs = json_array();
    for (uint32_t i = 0; i < r->n_logs; i++)
        json_array_append_new(logs, chain_log_to_json(&r->logs[i]));
    return json_pack("{s:s,s:b,s:o,s:o,s:o,s:o,s:o}", "status", chain_status_name(r->status),
                     "success", r->status == CHAIN_STATUS_OK, "gas_used", cjson_u64(r->gas_used),
                     "contract", rpc_hex_json(r->contract.b, CHAIN_ADDR_BYTES), "return_data",
                     rpc_hex_json(r->ret, r->ret_len), "logs", logs, "revert_reason",
                     r->reason ? json_string(r->reason) : json_null());
}

static int simulate(void *ud, const json_t *params, chain_receipt_t *r, rpc_error_t *err)
{
    msg_t m;
    if (parse_msg(ud, params, &m, err))
        return -1;
    err_t e = {0};
    int rc = m.latest
                 ? chain_exec_contract_simulate(node_state(ud), node_exec_cfg(ud), &m.m, r, &e)
                 : chain_exec_contract_simulate_at(node_state(ud), node_exec_cfg(ud), m.height,
                                                   &m.m, r, &e);
    msg_free(&m);
    if (rc == CHAIN_EINVAL)
        return rpc_fail(err, RPC_INVALID_PARAMS, "%s", e.msg);
    return rc ? rpc_state_error(err, rc, &e) : 0;
}

int rpc_m_call(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_receipt_t r;
    if (simulate(ud, params, &r, err))
        return -1;
    *result = outcome_json(&r);
    chain_receipt_clear(&r);
    return *result ? 0 : rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: out of memory");
}

int rpc_m_estimate_gas(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_receipt_t r;
    if (simulate(ud, params, &r, err))
        return -1;
    if (r.status == CHAIN_STATUS_OK) {
        *result = cjson_u64(r.gas_used);
        chain_receipt_clear(&r);
        return 0;
    }
    rpc_fail(err, RPC_EXEC_FAILED, "execution fails (%s): %s", chain_status_name(r.status),
             r.reason ? r.reason : "");
    err->data = outcome_json(&r);
    chain_receipt_clear(&r);
    return -1;
}

int rpc_m_get_code(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_addr_t a;
    uint64_t height;
    bool latest;
    if (rpc_param_count_check(params, 1, 2, err) ||
        rpc_param_hex_fixed(params, 0, a.b, CHAIN_ADDR_BYTES, err) ||
        rpc_param_block(ud, params, 1, &height, &latest, err))
        return -1;
    uint8_t *code = NULL;
    size_t n = 0;
    chain_hash_t h;
    err_t e = {0};
    int rc = chain_exec_contract_code_at(node_state(ud), latest ? CHAIN_EXEC_LATEST : height, &a,
                                         &code, &n, &h, &e);
    if (rc)
        return rpc_state_error(err, rc, &e);
    if (!code) {
        *result = json_null();
        return 0;
    }
    *result = json_pack("{s:o,s:o,s:o}", "address", rpc_hex_json(a.b, CHAIN_ADDR_BYTES),
                        "code_hash", rpc_hex_json(h.b, 32), "code", rpc_hex_json(code, n));
    free(code);
    return *result ? 0 : rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: out of memory");
}

int rpc_m_get_storage_at(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_addr_t a;
    uint8_t *key = NULL;
    size_t klen = 0;
    uint64_t height;
    bool latest;
    if (rpc_param_count_check(params, 2, 3, err) ||
        rpc_param_hex_fixed(params, 0, a.b, CHAIN_ADDR_BYTES, err) ||
        rpc_param_block(ud, params, 2, &height, &latest, err) ||
        rpc_param_hex_alloc(params, 1, CHAIN_CONTRACT_MAX_KEY, &key, &klen, err))
        return -1;
    buf_t v;
    bool found = false;
    err_t e = {0};
    buf_init(&v, 0);
    int rc = chain_exec_storage_get_at(node_state(ud), latest ? CHAIN_EXEC_LATEST : height, &a,
                                       key, (uint32_t)klen, &v, &found, &e);
    free(key);
    if (rc) {
        buf_free(&v);
        return rpc_state_error(err, rc, &e);
    }
    *result = found ? rpc_hex_json(v.data, v.len) : json_null();
    buf_free(&v);
    return 0;
}

/* {"root","contract","key","leaf_key","exists","value" (slot value | null),
 *  "leaf" (the data leaf bytes: u16 key_len ‖ key ‖ value | null),
 *  "siblings":[hex],"other_leaf":{"key","value_hash"} | null}; a verifier
 *  recomputes id = SHA-256(contract ‖ key) and checks the leaf with
 *  chain_data_proof_verify(CHAIN_DATA_STORAGE, id, leaf, ...). */
int rpc_contract_storage_proof(void *ud, const json_t *obj, bool latest, uint64_t height,
                               json_t **result, rpc_error_t *err)
{
    chain_addr_t a;
    bool has;
    uint8_t *key = NULL;
    size_t klen = 0;
    if (json_object_size(obj) != 2 ||
        field_addr(obj, "params[0]", "contract", &a, &has, err) || !has ||
        field_hex(obj, "params[0]", "key", CHAIN_CONTRACT_MAX_KEY, &key, &klen, &has, err) ||
        !has) {
        free(key);
        return rpc_fail(err, RPC_INVALID_PARAMS,
                        "params[0]: expected {\"contract\": 40 hex, \"key\": hex}");
    }
    uint8_t id[32];
    chain_contract_storage_id(&a, key, klen, id);
    chain_proof_t *p = malloc(sizeof *p);
    buf_t leaf;
    err_t e = {0};
    buf_init(&leaf, 0);
    int rc = !p ? 0
             : latest ? chain_state_prove_data(node_state(ud), CHAIN_DATA_STORAGE, id, p, &leaf, &e)
                      : chain_state_prove_data_at(node_state(ud), height, CHAIN_DATA_STORAGE, id, p,
                                                  &leaf, &e);
    if (!p || rc != 0) {
        free(p);
        free(key);
        buf_free(&leaf);
        if (!p)
            return rpc_fail(err, RPC_INTERNAL_ERROR, "out of memory");
        return rpc_state_error(err, rc, &e);
    }
    chain_hash_t lk;
    chain_smt_key_data(CHAIN_DATA_STORAGE, id, &lk);
    json_t *sib = json_array();
    for (uint16_t i = 0; i < p->n_siblings; i++)
        json_array_append_new(sib, rpc_hex_json(p->siblings[i].b, 32));
    json_t *other = p->has_other
                        ? json_pack("{s:o,s:o}", "key", rpc_hex_json(p->other_key.b, 32),
                                    "value_hash", rpc_hex_json(p->other_value_hash.b, 32))
                        : json_null();
    bool ok = p->exists && leaf.len >= 2 + klen;
    *result = json_pack("{s:o,s:o,s:o,s:o,s:b,s:o,s:o,s:o,s:o}", "root", rpc_hex_json(p->root.b, 32),
                        "contract", rpc_hex_json(a.b, CHAIN_ADDR_BYTES), "key",
                        rpc_hex_json(key, klen), "leaf_key", rpc_hex_json(lk.b, 32), "exists",
                        p->exists, "value",
                        ok ? rpc_hex_json(leaf.data + 2 + klen, leaf.len - 2 - klen) : json_null(),
                        "leaf", p->exists ? rpc_hex_json(leaf.data, leaf.len) : json_null(),
                        "siblings", sib, "other_leaf", other);
    free(p);
    free(key);
    buf_free(&leaf);
    return *result ? 0 : rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: encoding proof");
}

/* ---- logs ---- */

typedef struct logs_q {
    chain_state_t *st;
    bool by_topic;
    chain_hash_t topic;
    size_t max;
    json_t *out;
    chain_hash_t cached_tx;     /* the receipt last decoded */
    chain_receipt_t r;
    bool have_r;
    err_t *e;
} logs_q_t;

static int logs_cb(void *arg, uint64_t height, uint32_t tx_index, uint32_t li,
                   const chain_hash_t *tx_hash)
{
    logs_q_t *q = arg;
    if (json_array_size(q->out) >= q->max)
        return 1;   /* enough */
    if (!q->have_r || !chain_hash_equal(&q->cached_tx, tx_hash)) {
        chain_receipt_clear(&q->r);
        q->have_r = false;
        int rc = chain_state_get_tx(q->st, tx_hash, NULL, NULL, NULL, &q->r, q->e);
        if (rc)
            return rc;
        q->have_r = true;
        q->cached_tx = *tx_hash;
    }
    if (li >= q->r.n_logs)
        return err_set(q->e, CHAIN_EIO, "state: log index points past a receipt's logs");
    const chain_log_t *l = &q->r.logs[li];
    if (q->by_topic && (!l->has_topic || !chain_hash_equal(&l->topic, &q->topic)))
        return 0;
    json_t *j = chain_log_to_json(l);
    json_object_set_new(j, "block_height", cjson_u64(height));
    json_object_set_new(j, "tx_hash", rpc_hex_json(tx_hash->b, 32));
    json_object_set_new(j, "tx_index", json_integer(tx_index));
    json_object_set_new(j, "log_index", json_integer(li));
    json_array_append_new(q->out, j);
    return 0;
}

int rpc_m_get_logs(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    if (rpc_param_count_check(params, 1, 1, err))
        return -1;
    const json_t *f = rpc_param(params, 0);
    if (!json_is_object(f))
        return rpc_fail(err, RPC_INVALID_PARAMS,
                        "params[0]: expected {\"address\"?, \"topic\"?, \"from_block\"?, "
                        "\"to_block\"?, \"max\"?}");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)f, key, val)
    {
        if (strcmp(key, "address") && strcmp(key, "topic") && strcmp(key, "from_block") &&
            strcmp(key, "to_block") && strcmp(key, "max"))
            return rpc_fail(err, RPC_INVALID_PARAMS, "filter: unknown field \"%s\"", key);
    }
    logs_q_t q = {.st = node_state(ud), .max = MAX_LOGS};
    chain_addr_t a;
    bool by_addr;
    if (field_addr(f, "filter", "address", &a, &by_addr, err))
        return -1;
    json_t *t = json_object_get(f, "topic");
    if (t) {
        json_t *wrap = json_pack("[O]", t);
        int rc = rpc_param_hex_fixed(wrap, 0, q.topic.b, 32, err);
        json_decref(wrap);
        if (rc)
            return rpc_fail(err, RPC_INVALID_PARAMS, "filter.topic: 64 hex digits expected");
        q.by_topic = true;
    }
    if (!by_addr && !q.by_topic)
        return rpc_fail(err, RPC_INVALID_PARAMS, "filter: an \"address\" or a \"topic\" is needed");
    uint64_t from = 0, to = UINT64_MAX, max = MAX_LOGS;
    json_t *v;
    if ((v = json_object_get(f, "from_block")) && !cjson_get_u64(v, &from))
        return rpc_fail(err, RPC_INVALID_PARAMS, "filter.from_block: a block height expected");
    if ((v = json_object_get(f, "to_block")) && !cjson_get_u64(v, &to))
        return rpc_fail(err, RPC_INVALID_PARAMS, "filter.to_block: a block height expected");
    if ((v = json_object_get(f, "max")) && (!cjson_get_u64(v, &max) || max == 0 || max > MAX_LOGS))
        return rpc_fail(err, RPC_INVALID_PARAMS, "filter.max: 1..%d", MAX_LOGS);
    if (from > to)
        return rpc_fail(err, RPC_INVALID_PARAMS, "from_block %llu is after to_block %llu",
                        (unsigned long long)from, (unsigned long long)to);
    q.max = max;
    q.out = json_array();
    err_t e = {0};
    q.e = &e;
    /* by address (topic filtered in the callback), else by topic alone */
    int rc = chain_state_each_log(q.st, by_addr ? &a : NULL, by_addr ? NULL : &q.topic, from, to,
                                  logs_cb, &q, &e);
    chain_receipt_clear(&q.r);
    if (rc < 0) {
        json_decref(q.out);
        return rpc_internal(err, &e);
    }
    *result = q.out;
    return 0;
}
