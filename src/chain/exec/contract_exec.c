/* chain/exec: contracts in the ledger (rules in exec.h, "contracts in the
 * ledger"). Deploy and call txs run on the contract runtime (contract.c)
 * against a state overlay: code, contract records and storage slots are
 * data leaves of the state tree, so a block's contract effects commit in the
 * same write batch as its accounts and a storage slot is provable against
 * the state root like an account.
 *
 * One path runs a message (run_msg) for blocks and for read-only
 * simulation (aeth_call / aeth_estimateGas); the tx path wraps it with the
 * fee: prepay fee + gas_limit x gas_price, savepoint, run, undo on
 * failure, refund the unused gas. Compiled code comes from the node's
 * cache by code hash, so a call neither reads nor recompiles the code when
 * it is warm. */
#include "exec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

chain_u128_t chain_exec_contract_fee(const chain_tx_t *tx, uint64_t gas_used)
{
    return chain_u128_add_sat(tx->fee, chain_u128_mul_u64_sat(tx->gas_price, gas_used));
}

/* ---- compiled code: from the cache or compiled for this run ---- */

typedef struct code_ref {
    const chain_contract_t *c;
    chain_contract_t *owned;          /* no cache configured */
    chain_contract_cache_t *cc;
} code_ref_t;

static void code_release(code_ref_t *ref)
{
    if (ref->owned)
        chain_contract_free(ref->owned);
    else if (ref->cc && ref->c)
        chain_contract_cache_release(ref->cc, ref->c);
    memset(ref, 0, sizeof *ref);
}

/* CONTRACT_ECODE (e names why) when the runtime refuses the code. */
static int code_compile(const chain_exec_cfg_t *cfg, const uint8_t *code, size_t len,
                        code_ref_t *ref, chain_hash_t *hash, err_t *e)
{
    memset(ref, 0, sizeof *ref);
    if (cfg->contracts) {
        ref->cc = cfg->contracts;
        ref->c = chain_contract_cache_get(cfg->contracts, code, len, hash, e);
        return ref->c ? 0 : (e && e->code ? e->code : CONTRACT_ECODE);
    }
    crypto_sha256(code, len, hash->b);
    ref->owned = chain_contract_compile(code, len, e);
    ref->c = ref->owned;
    return ref->c ? 0 : (e && e->code ? e->code : CONTRACT_ECODE);
}

/* The code of a deployed contract by its hash: the cache, else the CODE
 * leaf (compiled, and cached when there is a cache). */
static int code_by_hash(chain_overlay_t *ov, const chain_exec_cfg_t *cfg, const chain_hash_t *h,
                        code_ref_t *ref, err_t *e)
{
    memset(ref, 0, sizeof *ref);
    if (cfg->contracts && (ref->c = chain_contract_cache_find(cfg->contracts, h))) {
        ref->cc = cfg->contracts;
        return 0;
    }
    buf_t code;
    bool exists = false;
    buf_init(&code, 0);
    int rc = chain_overlay_get_data(ov, CHAIN_DATA_CODE, h->b, &code, &exists, e);
    if (!rc && !exists)
        rc = err_set(e, CHAIN_EIO, "exec: a contract's code leaf is missing");
    chain_hash_t h2;
    if (!rc && code_compile(cfg, code.data, code.len, ref, &h2, e) != 0) {
        err_prefix(e, "exec: stored contract code");
        rc = CHAIN_EIO;
    }
    buf_free(&code);
    return rc;
}

/* ---- storage slots (data leaves: u16 key_len ‖ key ‖ value) ---- */

/* What the runtime's callbacks read: the overlay as the transaction found
 * it (plus the value this tx moved in); the runtime journals the rest. */
typedef struct world {
    chain_overlay_t *ov;
    const chain_exec_cfg_t *cfg;
    buf_t tmp;
    err_t *e;
} world_t;

/* Splits a storage leaf; false when it is not one for key. */
static bool leaf_value(const uint8_t *p, size_t n, const uint8_t *key, uint32_t klen,
                       const uint8_t **val, uint32_t *vlen)
{
    if (n < 2 || load_le16(p) != klen || n - 2 < klen || memcmp(p + 2, key, klen) != 0 ||
        n - 2 - klen > CHAIN_CONTRACT_MAX_VALUE)
        return false;
    *val = p + 2 + klen;
    *vlen = (uint32_t)(n - 2 - klen);
    return true;
}

static int storage_get_cb(void *user, const chain_addr_t *contract, const uint8_t *key,
                          uint32_t klen, uint8_t *val, uint32_t *vlen, bool *found)
{
    world_t *w = user;
    uint8_t id[32];
    chain_contract_storage_id(contract, key, klen, id);
    int rc = chain_overlay_get_data(w->ov, CHAIN_DATA_STORAGE, id, &w->tmp, found, w->e);
    if (rc || !*found)
        return rc;
    const uint8_t *v;
    if (!leaf_value(w->tmp.data, w->tmp.len, key, klen, &v, vlen))
        return err_set(w->e, CHAIN_EIO, "exec: corrupt contract storage leaf");
    memcpy(val, v, *vlen);
    return 0;
}

static int balance_cb(void *user, const chain_addr_t *a, chain_u128_t *out)
{
    world_t *w = user;
    chain_account_t acct;
    int rc = chain_overlay_get_account(w->ov, a, &acct, w->e);
    if (!rc)
        *out = acct.balance;
    return rc;
}

/* The contract record of a: *exists false when a has no code. */
static int contract_record(chain_overlay_t *ov, const chain_addr_t *a, chain_hash_t *code_hash,
                           bool *exists, buf_t *tmp, err_t *e)
{
    uint8_t id[32];
    chain_contract_record_id(a, id);
    int rc = chain_overlay_get_data(ov, CHAIN_DATA_CONTRACT, id, tmp, exists, e);
    if (rc || !*exists)
        return rc;
    if (tmp->len != CHAIN_CONTRACT_RECORD_BYTES)
        return err_set(e, CHAIN_EIO, "exec: corrupt contract record");
    memcpy(code_hash->b, tmp->data, 32);
    return 0;
}

static int code_cb(void *user, const chain_addr_t *a, const chain_contract_t **c)
{
    world_t *w = user;
    chain_hash_t h;
    bool exists = false;
    *c = NULL;
    int rc = contract_record(w->ov, a, &h, &exists, &w->tmp, w->e);
    if (rc || !exists)
        return rc;
    code_ref_t ref;
    if ((rc = code_by_hash(w->ov, w->cfg, &h, &ref, w->e)))
        return rc;
    *c = ref.c;   /* released by code_release_cb */
    return 0;
}

static void code_release_cb(void *user, const chain_contract_t *c)
{
    world_t *w = user;
    if (w->cfg->contracts)
        chain_contract_cache_release(w->cfg->contracts, c);
    else
        chain_contract_free((chain_contract_t *)c);   /* compiled for this frame */
}

static int storage_put(chain_overlay_t *ov, const chain_contract_write_t *wr, err_t *e)
{
    uint8_t id[32];
    chain_contract_storage_id(&wr->contract, wr->key, wr->klen, id);
    if (wr->removed)
        return chain_overlay_del_data(ov, CHAIN_DATA_STORAGE, id, e);
    uint8_t leaf[2 + CHAIN_CONTRACT_MAX_KEY + CHAIN_CONTRACT_MAX_VALUE];
    if (wr->klen > CHAIN_CONTRACT_MAX_KEY || wr->vlen > CHAIN_CONTRACT_MAX_VALUE)
        return err_set(e, CHAIN_EINVAL, "exec: storage write over the key / value limits");
    store_le16(leaf, (uint16_t)wr->klen);
    memcpy(leaf + 2, wr->key, wr->klen);
    if (wr->vlen)
        memcpy(leaf + 2 + wr->klen, wr->val, wr->vlen);
    return chain_overlay_put_data(ov, CHAIN_DATA_STORAGE, id, leaf, 2 + wr->klen + wr->vlen, e);
}

/* ---- one message ---- */

static uint8_t receipt_status(uint8_t contract_status)
{
    switch (contract_status) {
    case CHAIN_CONTRACT_OK: return CHAIN_STATUS_OK;
    case CHAIN_CONTRACT_REVERT: return CHAIN_STATUS_REVERT;
    case CHAIN_CONTRACT_OUT_OF_GAS: return CHAIN_STATUS_OUT_OF_GAS;
    default: return CHAIN_STATUS_TRAP;
    }
}

/* Sets a failure status and reason (the message names why). */
static int fail(chain_receipt_t *r, uint8_t status, const char *fmt, ...) BASE_PRINTF(3, 4);
static int fail(chain_receipt_t *r, uint8_t status, const char *fmt, ...)
{
    char msg[CHAIN_MAX_REASON_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->status = status;
    return chain_receipt_set_reason(r, msg) ? CHAIN_ENOMEM : 0;
}

static int move_value(chain_overlay_t *ov, const chain_addr_t *from, const chain_addr_t *to,
                      chain_u128_t v, chain_receipt_t *r, err_t *e)
{
    if (chain_u128_is_zero(v))
        return 0;
    chain_account_t a, b;
    int rc = chain_overlay_get_account(ov, from, &a, e);
    if (rc)
        return rc;
    if (!chain_u128_sub(a.balance, v, &a.balance)) {
        char s[CHAIN_U128_STR_MAX];
        chain_u128_format(v, s);
        return fail(r, CHAIN_STATUS_INSUFFICIENT_BALANCE, "balance cannot pay the value %s", s);
    }
    if ((rc = chain_overlay_put_account(ov, from, &a, e)) ||
        (rc = chain_overlay_get_account(ov, to, &b, e)))
        return rc;
    if (!chain_u128_add(b.balance, v, &b.balance))
        return fail(r, CHAIN_STATUS_OVERFLOW, "the contract's balance would exceed 2^128 - 1");
    return chain_overlay_put_account(ov, to, &b, e);
}

/* Moves the run's outcome into the receipt and, when it succeeded, its
 * storage writes and value moves into the overlay. */
static int take_result(chain_overlay_t *ov, chain_contract_result_t *cr, chain_receipt_t *r,
                       err_t *e)
{
    r->status = receipt_status(cr->status);
    r->ret = cr->ret;
    r->ret_len = cr->ret_len;
    cr->ret = NULL;
    cr->ret_len = 0;
    if (cr->status != CHAIN_CONTRACT_OK)
        return chain_receipt_set_reason(r, cr->reason[0] ? cr->reason : "failed")
                   ? err_set(e, CHAIN_ENOMEM, "exec: out of memory")
                   : 0;
    for (size_t i = 0; i < cr->n_writes; i++) {
        int rc = storage_put(ov, &cr->writes[i], e);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < cr->n_transfers; i++) {
        const chain_contract_transfer_t *t = &cr->transfers[i];
        int rc = move_value(ov, &t->from, &t->to, t->amount, r, e);
        if (rc || r->status)   /* the runtime checked them: this is not expected */
            return rc ? rc : fail(r, CHAIN_STATUS_TRAP, "value move %zu not covered", i);
    }
    if (cr->n_logs > CHAIN_MAX_RECEIPT_LOGS)
        return fail(r, CHAIN_STATUS_TRAP, "%zu logs, a receipt holds at most %d", cr->n_logs,
                    CHAIN_MAX_RECEIPT_LOGS);
    if (cr->n_logs) {
        if (!(r->logs = calloc(cr->n_logs, sizeof *r->logs)))
            return err_set(e, CHAIN_ENOMEM, "exec: out of memory");
        for (size_t i = 0; i < cr->n_logs; i++) {
            chain_log_t *l = &r->logs[i];
            l->address = cr->logs[i].contract;
            l->has_topic = cr->logs[i].has_topic;
            memcpy(l->topic.b, cr->logs[i].topic, 32);
            l->data = cr->logs[i].len ? cr->logs[i].data : NULL;
            l->len = cr->logs[i].len;
            if (l->data)
                cr->logs[i].data = NULL;   /* moved */
        }
        r->n_logs = (uint32_t)cr->n_logs;
    }
    return 0;
}

/* Runs m (deploy when m->code) in ov, nonce being the deploy tx's. Fills
 * r's status, gas_used, contract, return data, logs and reason; the
 * overlay holds the effects, also of a failed run (the caller undoes
 * them). Non-zero only on a storage failure or out of memory. */
static int run_msg(chain_overlay_t *ov, const chain_exec_cfg_t *cfg, const chain_contract_msg_t *m,
                   uint64_t nonce, chain_receipt_t *r, err_t *e)
{
    bool deploy = m->code != NULL;
    uint64_t limit = m->gas_limit, gas = 0;
    chain_addr_t self = m->to;
    code_ref_t ref = {0};
    world_t w = {.ov = ov, .cfg = cfg, .e = e};
    chain_contract_result_t cr = {0};
    uint8_t rec[CHAIN_CONTRACT_RECORD_BYTES], id[32];
    chain_hash_t h;
    buf_t b;
    bool exists = false;
    int rc = 0;
    buf_init(&b, 0);
    buf_init(&w.tmp, 0);
    r->status = CHAIN_STATUS_OK;
    if (deploy)
        chain_contract_address(&m->from, nonce, &self);
    r->contract = self;
    chain_contract_record_id(&self, id);
    if ((rc = contract_record(ov, &self, &h, &exists, &b, e)))
        goto out;
    if (deploy) {
        gas = CHAIN_CONTRACT_DEPLOY_GAS + (uint64_t)CHAIN_CONTRACT_CODE_BYTE_GAS * m->code_len;
        if (gas > limit) {
            gas = limit;
            rc = fail(r, CHAIN_STATUS_OUT_OF_GAS, "out of gas: deploying %u bytes costs %llu",
                      m->code_len,
                      (unsigned long long)(CHAIN_CONTRACT_DEPLOY_GAS +
                                           (uint64_t)CHAIN_CONTRACT_CODE_BYTE_GAS * m->code_len));
            goto out;
        }
        if (exists) {
            rc = fail(r, CHAIN_STATUS_TRAP, "address already holds a contract");
            goto out;
        }
        err_t ce = {0};
        int crc = code_compile(cfg, m->code, m->code_len, &ref, &h, &ce);
        if (crc == CONTRACT_ECODE) {
            rc = fail(r, CHAIN_STATUS_BAD_CODE, "%s", ce.msg);
            goto out;
        }
        if (crc) {
            rc = err_set(e, crc, "%s", ce.msg);
            goto out;
        }
        if ((rc = move_value(ov, &m->from, &self, m->value, r, e)) || r->status)
            goto out;
        bool have_code = false;
        if ((rc = chain_overlay_get_data(ov, CHAIN_DATA_CODE, h.b, &b, &have_code, e)) ||
            (!have_code &&
             (rc = chain_overlay_put_data(ov, CHAIN_DATA_CODE, h.b, m->code, m->code_len, e))))
            goto out;
        memcpy(rec, h.b, 32);
        memcpy(rec + 32, m->from.b, 20);
        store_le64(rec + 52, chain_overlay_height(ov));
        if ((rc = chain_overlay_put_data(ov, CHAIN_DATA_CONTRACT, id, rec, sizeof rec, e)))
            goto out;
        if (!chain_contract_has_init(ref.c))
            goto out;
    } else {
        if (!exists) {
            char hex[41];
            hex_encode(self.b, 20, hex);
            gas = limit < CHAIN_CONTRACT_GAS_BASE ? limit : CHAIN_CONTRACT_GAS_BASE;
            rc = fail(r, CHAIN_STATUS_NO_CONTRACT, "no contract at %s", hex);
            goto out;
        }
        if ((rc = code_by_hash(ov, cfg, &h, &ref, e)))
            goto out;
        if ((rc = move_value(ov, &m->from, &self, m->value, r, e)) || r->status)
            goto out;
    }
    chain_contract_env_t env = {
        .self = self,
        .caller = m->from,
        .value = m->value,
        .block_number = chain_overlay_height(ov),
        .timestamp_ms = cfg->block_time_ms,
        .input = m->input,
        .input_len = m->input_len,
        .gas_limit = limit - gas,
        .storage_get = storage_get_cb,
        .balance_get = balance_cb,
        .code_get = code_cb,
        .code_release = code_release_cb,
        .user = &w,
    };
    if ((rc = chain_contract_run(ref.c, deploy ? "init" : "call", &env, &cr, e)))
        goto out;
    gas += cr.gas_used;
    rc = take_result(ov, &cr, r, e);
out:
    r->gas_used = gas;
    chain_contract_result_free(&cr);
    code_release(&ref);
    buf_free(&b);
    buf_free(&w.tmp);
    return rc;
}

static void drop_logs(chain_receipt_t *r)
{
    for (uint32_t i = 0; i < r->n_logs; i++)
        free(r->logs[i].data);
    free(r->logs);
    r->logs = NULL;
    r->n_logs = 0;
}

int chain_exec_contract_tx(chain_overlay_t *ov, const chain_exec_cfg_t *cfg, const chain_tx_t *tx,
                           const chain_account_t *acct, chain_receipt_t *r, err_t *e)
{
    memset(r, 0, sizeof *r);
    chain_u128_t gas_max, prepay, bal;
    if (!chain_u128_mul_u64(tx->gas_price, tx->gas_limit, &gas_max) ||
        !chain_u128_add(tx->fee, gas_max, &prepay) ||
        !chain_u128_sub(acct->balance, prepay, &bal)) {
        char b[CHAIN_U128_STR_MAX], p[CHAIN_U128_STR_MAX];
        chain_u128_format(acct->balance, b);
        chain_u128_format(chain_u128_add_sat(tx->fee, chain_u128_mul_u64_sat(tx->gas_price,
                                                                             tx->gas_limit)),
                          p);
        return err_set(e, CHAIN_ETXINVALID,
                       "tx: balance %s cannot prepay fee + gas_limit x gas_price = %s", b, p);
    }
    size_t mark0 = chain_overlay_mark(ov);
    chain_account_t s = {bal, acct->nonce + 1};
    int rc = chain_overlay_put_account(ov, &tx->sender, &s, e);
    if (rc)
        return rc;
    size_t mark = chain_overlay_mark(ov);
    chain_contract_msg_t m = {
        .from = tx->sender,
        .to = tx->to,
        .value = tx->value,
        .gas_limit = tx->gas_limit,
        .code = tx->kind == CHAIN_TX_DEPLOY ? tx->code : NULL,
        .code_len = tx->code_len,
        .input = tx->input,
        .input_len = tx->input_len,
    };
    if ((rc = run_msg(ov, cfg, &m, tx->nonce, r, e)) != 0)
        goto undo_all;
    if (r->gas_used > tx->gas_limit)   /* the runtime never reports more; stay safe */
        r->gas_used = tx->gas_limit;
    if (r->status != CHAIN_STATUS_OK) {
        chain_overlay_rollback(ov, mark);
        drop_logs(r);
    }
    /* refund the unused gas (the sender's account may have changed since) */
    chain_u128_t refund = chain_u128_mul_u64_sat(tx->gas_price, tx->gas_limit - r->gas_used);
    if ((rc = chain_overlay_get_account(ov, &tx->sender, &s, e)))
        goto undo_all;
    if (!chain_u128_add(s.balance, refund, &s.balance)) {
        rc = err_set(e, CHAIN_ETXINVALID, "tx: the gas refund would overflow the balance");
        goto undo_all;
    }
    if ((rc = chain_overlay_put_account(ov, &tx->sender, &s, e)))
        goto undo_all;
    r->tx_hash = tx->hash;
    r->fee_paid = chain_exec_contract_fee(tx, r->gas_used);
    return 0;
undo_all:
    chain_overlay_rollback(ov, mark0);
    chain_receipt_clear(r);
    return rc;
}

int chain_exec_contract_check(const chain_exec_cfg_t *cfg, const chain_tx_t *tx,
                              const chain_account_t *acct, err_t *e)
{
    chain_u128_t cost = chain_tx_contract_max_cost(tx);
    if (chain_u128_cmp(acct->balance, cost) < 0) {
        char b[CHAIN_U128_STR_MAX], c[CHAIN_U128_STR_MAX];
        chain_u128_format(acct->balance, b);
        chain_u128_format(cost, c);
        return err_set(e, CHAIN_ETXINVALID,
                       "tx: insufficient funds: balance %s, fee + gas_limit x gas_price + value %s",
                       b, c);
    }
    if (tx->kind != CHAIN_TX_DEPLOY)
        return 0;
    code_ref_t ref;
    chain_hash_t h;
    err_t ce = {0};
    int rc = code_compile(cfg, tx->code, tx->code_len, &ref, &h, &ce);
    code_release(&ref);
    if (rc == CONTRACT_ECODE)
        return err_set(e, CHAIN_ETXINVALID, "tx: contract code refused: %s", ce.msg);
    return rc ? err_set(e, rc, "%s", ce.msg) : 0;
}

/* A read-only execution on the state as of block height, through a view
 * (chain_overlay_new_at) pinned there: blocks committing during the call
 * cannot give it a mixed view. The call runs as in block height + 1 would,
 * with block height's timestamp. */
int chain_exec_contract_simulate_at(chain_state_t *st, const chain_exec_cfg_t *cfg,
                                    uint64_t height, const chain_contract_msg_t *m,
                                    chain_receipt_t *r, err_t *e)
{
    memset(r, 0, sizeof *r);
    if ((m->code && (m->code_len == 0 || m->code_len > CHAIN_MAX_CODE_BYTES)) ||
        m->input_len > CHAIN_MAX_INPUT_BYTES || m->gas_limit > CHAIN_MAX_TX_GAS)
        return err_set(e, CHAIN_EINVAL,
                       "exec: code must be 1..%d bytes, input at most %d, gas at most %llu",
                       CHAIN_MAX_CODE_BYTES, CHAIN_MAX_INPUT_BYTES,
                       (unsigned long long)CHAIN_MAX_TX_GAS);
    chain_overlay_t *ov = chain_overlay_new_at(st, height, e);
    if (!ov)
        return e && e->code ? e->code : CHAIN_EIO;
    chain_block_t *b = NULL;
    int rc = chain_state_get_block(st, height, &b, e);
    if (rc) {
        chain_overlay_free(ov);
        return rc;
    }
    chain_exec_cfg_t c = *cfg;
    c.block_time_ms = b->header.timestamp_ms;
    chain_block_free(b);
    chain_contract_msg_t mm = *m;
    if (!mm.gas_limit)
        mm.gas_limit = CHAIN_MAX_TX_GAS;
    chain_account_t a;
    if (!(rc = chain_overlay_get_account(ov, &m->from, &a, e)))
        rc = run_msg(ov, &c, &mm, a.nonce, r, e);
    chain_overlay_free(ov);
    if (rc)
        chain_receipt_clear(r);
    return rc;
}

int chain_exec_contract_simulate(chain_state_t *st, const chain_exec_cfg_t *cfg,
                                 const chain_contract_msg_t *m, chain_receipt_t *r, err_t *e)
{
    chain_header_t tip;
    memset(r, 0, sizeof *r);
    int rc = chain_state_tip(st, &tip, NULL, e);
    return rc ? rc : chain_exec_contract_simulate_at(st, cfg, tip.height, m, r, e);
}

/* ---- committed contract state (RPC) ---- */

/* A data leaf at height, or at the tip for CHAIN_EXEC_LATEST. */
static int data_at(chain_state_t *st, uint64_t height, uint8_t tag, const uint8_t id[32],
                   buf_t *out, bool *exists, err_t *e)
{
    if (height == CHAIN_EXEC_LATEST)
        return chain_state_get_data(st, tag, id, out, exists, e);
    return chain_state_get_data_at(st, height, tag, id, out, exists, e);
}

int chain_exec_contract_code(chain_state_t *st, const chain_addr_t *a, uint8_t **code,
                             size_t *len, chain_hash_t *code_hash, err_t *e)
{
    return chain_exec_contract_code_at(st, CHAIN_EXEC_LATEST, a, code, len, code_hash, e);
}

int chain_exec_contract_code_at(chain_state_t *st, uint64_t height, const chain_addr_t *a,
                                uint8_t **code, size_t *len, chain_hash_t *code_hash, err_t *e)
{
    uint8_t id[32];
    buf_t b;
    bool exists = false;
    *code = NULL;
    *len = 0;
    buf_init(&b, 0);
    chain_contract_record_id(a, id);
    int rc = data_at(st, height, CHAIN_DATA_CONTRACT, id, &b, &exists, e);
    if (rc || !exists)
        goto out;
    if (b.len != CHAIN_CONTRACT_RECORD_BYTES) {
        rc = err_set(e, CHAIN_EIO, "exec: corrupt contract record");
        goto out;
    }
    memcpy(code_hash->b, b.data, 32);
    if ((rc = data_at(st, height, CHAIN_DATA_CODE, code_hash->b, &b, &exists, e)))
        goto out;
    if (!exists) {
        rc = err_set(e, CHAIN_EIO, "exec: a contract's code leaf is missing");
        goto out;
    }
    *code = b.data;   /* hand the buffer over */
    *len = b.len;
    return 0;
out:
    buf_free(&b);
    return rc;
}

int chain_exec_storage_get(chain_state_t *st, const chain_addr_t *a, const uint8_t *key,
                           uint32_t klen, buf_t *val, bool *found, err_t *e)
{
    return chain_exec_storage_get_at(st, CHAIN_EXEC_LATEST, a, key, klen, val, found, e);
}

int chain_exec_storage_get_at(chain_state_t *st, uint64_t height, const chain_addr_t *a,
                              const uint8_t *key, uint32_t klen, buf_t *val, bool *found,
                              err_t *e)
{
    uint8_t id[32];
    buf_t b;
    buf_init(&b, 0);
    val->len = 0;
    chain_contract_storage_id(a, key, klen, id);
    int rc = data_at(st, height, CHAIN_DATA_STORAGE, id, &b, found, e);
    const uint8_t *v;
    uint32_t vl;
    if (!rc && *found) {
        if (!leaf_value(b.data, b.len, key, klen, &v, &vl))
            rc = err_set(e, CHAIN_EIO, "exec: corrupt contract storage leaf");
        else if (buf_append(val, v, vl) != 0)
            rc = err_set(e, CHAIN_ENOMEM, "exec: out of memory");
    }
    buf_free(&b);
    return rc;
}
