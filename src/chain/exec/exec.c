/* chain/exec: the ledger rules (listed in exec.h) applied to state
 * overlays: one transaction, a block's transaction list, block production
 * for the local validator and validation of blocks from elsewhere.
 *
 * A transaction is first checked for inclusion (chain id, static rules, fee
 * floor, exact nonce); then its effects are applied under an overlay
 * savepoint. If the effects fail (insufficient balance, missing or foreign
 * UTxO, underfunded outputs) the savepoint is rolled back and only the fee
 * and the nonce bump are applied, giving a failed receipt; if even the fee
 * cannot be paid the transaction is invalid and nothing changes. */
#include "exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hex_short(const chain_hash_t *h, char out[17])
{
    hex_encode(h->b, 8, out);
}

static bool is_contract(const chain_tx_t *tx)
{
    return tx->kind == CHAIN_TX_DEPLOY || tx->kind == CHAIN_TX_CALL;
}

/* Gas a tx reserves in a block (CHAIN_MAX_BLOCK_GAS). */
static uint64_t tx_gas(const chain_tx_t *tx)
{
    return is_contract(tx) ? tx->gas_limit : 0;
}

/* Checks that do not depend on the tx's effects. */
static int check_inclusion(const chain_exec_cfg_t *cfg, const chain_tx_t *tx, err_t *e)
{
    if (tx->chain_id != cfg->chain_id)
        return err_set(e, CHAIN_ETXINVALID, "tx: chain id %llu, this chain is %llu",
                       (unsigned long long)tx->chain_id, (unsigned long long)cfg->chain_id);
    int rc = chain_tx_check_static(tx, e);
    if (rc)
        return rc;
    if (chain_u128_cmp(tx->fee, cfg->min_fee) < 0) {
        char f[CHAIN_U128_STR_MAX], m[CHAIN_U128_STR_MAX];
        chain_u128_format(tx->fee, f);
        chain_u128_format(cfg->min_fee, m);
        return err_set(e, CHAIN_ETXINVALID, "tx: fee %s is below the minimum %s", f, m);
    }
    return 0;
}

static uint8_t apply_transfer(chain_overlay_t *ov, const chain_tx_t *tx, chain_account_t *acct,
                              err_t *e, int *rc)
{
    chain_u128_t need, nb;
    if (!chain_u128_add(tx->fee, tx->amount, &need) || !chain_u128_sub(acct->balance, need, &nb))
        return CHAIN_STATUS_INSUFFICIENT_BALANCE;
    chain_account_t s = {nb, acct->nonce + 1};
    if ((*rc = chain_overlay_put_account(ov, &tx->sender, &s, e)))
        return CHAIN_STATUS_OVERFLOW;
    chain_account_t to;
    if ((*rc = chain_overlay_get_account(ov, &tx->to, &to, e)))
        return CHAIN_STATUS_OVERFLOW;
    if (!chain_u128_add(to.balance, tx->amount, &to.balance))
        return CHAIN_STATUS_OVERFLOW;
    if ((*rc = chain_overlay_put_account(ov, &tx->to, &to, e)))
        return CHAIN_STATUS_OVERFLOW;
    return CHAIN_STATUS_OK;
}

static uint8_t apply_utxo(chain_overlay_t *ov, const chain_tx_t *tx, chain_account_t *acct,
                          err_t *e, int *rc)
{
    chain_u128_t sum_in = tx->from_balance, sum_out = tx->fee, bal, surplus;
    if (!chain_u128_sub(acct->balance, tx->from_balance, &bal))
        return CHAIN_STATUS_INSUFFICIENT_BALANCE;
    for (uint32_t i = 0; i < tx->n_inputs; i++) {
        chain_utxo_t u;
        bool exists;
        if ((*rc = chain_overlay_get_utxo(ov, &tx->inputs[i], &u, &exists, e)))
            return CHAIN_STATUS_UTXO_MISSING;
        if (!exists)
            return CHAIN_STATUS_UTXO_MISSING;
        if (memcmp(u.owner.b, tx->sender.b, CHAIN_ADDR_BYTES) != 0)
            return CHAIN_STATUS_UTXO_NOT_OWNED;
        if (!chain_u128_add(sum_in, u.amount, &sum_in))
            return CHAIN_STATUS_OVERFLOW;
        if ((*rc = chain_overlay_del_utxo(ov, &tx->inputs[i], e)))
            return CHAIN_STATUS_UTXO_MISSING;
    }
    for (uint32_t i = 0; i < tx->n_outputs; i++)
        if (!chain_u128_add(sum_out, tx->outputs[i].amount, &sum_out))
            return CHAIN_STATUS_OVERFLOW;
    if (!chain_u128_sub(sum_in, sum_out, &surplus))
        return CHAIN_STATUS_UTXO_UNDERFUNDED;
    if (!chain_u128_add(bal, surplus, &bal))
        return CHAIN_STATUS_OVERFLOW;
    chain_account_t s = {bal, acct->nonce + 1};
    if ((*rc = chain_overlay_put_account(ov, &tx->sender, &s, e)))
        return CHAIN_STATUS_OVERFLOW;
    for (uint32_t i = 0; i < tx->n_outputs; i++) {
        chain_utxo_id_t id = {tx->hash, i};
        if ((*rc = chain_overlay_put_utxo(ov, &id, &tx->outputs[i], e)))
            return CHAIN_STATUS_OVERFLOW;
    }
    return CHAIN_STATUS_OK;
}

int chain_exec_tx(chain_overlay_t *ov, const chain_exec_cfg_t *cfg, const chain_tx_t *tx,
                  chain_receipt_t *r, chain_u128_t *fee_sum, err_t *e)
{
    int rc = check_inclusion(cfg, tx, e);
    if (rc)
        return rc;
    chain_account_t acct;
    if ((rc = chain_overlay_get_account(ov, &tx->sender, &acct, e)))
        return rc;
    if (tx->nonce != acct.nonce)
        return err_set(e, CHAIN_ETXINVALID, "tx: nonce %llu, the sender's account nonce is %llu",
                       (unsigned long long)tx->nonce, (unsigned long long)acct.nonce);
    chain_u128_t new_sum;
    if (is_contract(tx)) {   /* contract_exec.c: fee = fee + gas used x gas price */
        if (!chain_u128_add(*fee_sum, chain_tx_contract_max_cost(tx), &new_sum))
            return err_set(e, CHAIN_ETXINVALID, "tx: block fee total would exceed 2^128 - 1");
        if ((rc = chain_exec_contract_tx(ov, cfg, tx, &acct, r, e)))
            return rc;
        *fee_sum = chain_u128_add_sat(*fee_sum, r->fee_paid);
        return 0;
    }
    if (!chain_u128_add(*fee_sum, tx->fee, &new_sum))
        return err_set(e, CHAIN_ETXINVALID, "tx: block fee total would exceed 2^128 - 1");
    size_t mark = chain_overlay_mark(ov);
    int io = 0;
    uint8_t status = tx->kind == CHAIN_TX_TRANSFER ? apply_transfer(ov, tx, &acct, e, &io)
                     : chain_tx_is_job(tx->kind)   ? chain_escrow_apply(ov, tx, &acct, e, &io)
                     : chain_tx_is_stake(tx->kind) ? chain_staking_apply(ov, tx, &acct, NULL, e, &io)
                                                   : apply_utxo(ov, tx, &acct, e, &io);
    if (io) {   /* storage failure, not a rule: the caller must give up */
        chain_overlay_rollback(ov, mark);
        return io;
    }
    if (status != CHAIN_STATUS_OK) {
        chain_overlay_rollback(ov, mark);
        chain_u128_t nb;
        if (!chain_u128_sub(acct.balance, tx->fee, &nb))
            return err_set(e, CHAIN_ETXINVALID,
                           "tx: would fail (%s) and the sender's balance cannot pay the fee",
                           chain_status_name(status));
        chain_account_t s = {nb, acct.nonce + 1};
        if ((rc = chain_overlay_put_account(ov, &tx->sender, &s, e)))
            return rc;
    }
    memset(r, 0, sizeof *r);
    r->tx_hash = tx->hash;
    r->status = status;
    r->fee_paid = tx->fee;
    *fee_sum = new_sum;
    return 0;
}

static int credit_proposer(chain_overlay_t *ov, const uint8_t pk[CHAIN_PK_BYTES],
                           chain_u128_t fees, err_t *e)
{
    if (chain_u128_is_zero(fees))
        return 0;
    chain_addr_t a;
    chain_account_t acct;
    chain_addr_from_pk(pk, &a);
    int rc = chain_overlay_get_account(ov, &a, &acct, e);
    if (rc)
        return rc;
    if (!chain_u128_add(acct.balance, fees, &acct.balance))
        return err_set(e, CHAIN_EBLOCK, "block: proposer balance would exceed 2^128 - 1");
    return chain_overlay_put_account(ov, &a, &acct, e);
}

/* A tx pays at least the base fee for its intrinsic gas (its size). */
static int covers_base(const chain_tx_t *tx, chain_u128_t base_fee, err_t *e)
{
    chain_u128_t need;
    if (chain_u128_is_zero(base_fee))
        return 0;
    if (!chain_u128_mul_u64(base_fee, tx->size, &need) || chain_u128_cmp(tx->fee, need) < 0) {
        char f[CHAIN_U128_STR_MAX], b[CHAIN_U128_STR_MAX];
        chain_u128_format(tx->fee, f);
        chain_u128_format(base_fee, b);
        return err_set(e, CHAIN_ETXINVALID, "tx: fee %s is below the base fee %s x %u gas (its "
                       "size in bytes)", f, b, tx->size);
    }
    return 0;
}

/* The end of a block (docs/staking.md): the block's gas; the base fee part
 * of what each tx paid is burned, the rest is the proposer's tip; then
 * staking's end of block. Until consensus hands over the QC's signers, the
 * proposer is the one signer of its block (cfg->qc_signers otherwise). */
static int end_block(chain_overlay_t *ov, const chain_exec_cfg_t *cfg,
                     const uint8_t proposer_pk[CHAIN_PK_BYTES], chain_tx_t *const *txs,
                     const chain_receipt_t *receipts, size_t n,
                     chain_u128_t base_fee, chain_u128_t fees, uint64_t *gas_used, err_t *e)
{
    chain_u128_t burned = {0, 0}, tip;
    uint64_t gas = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t g = txs[i]->size + receipts[i].gas_used;   /* sizes and gas are bounded */
        chain_u128_t b = chain_u128_mul_u64_sat(base_fee, g);
        if (chain_u128_cmp(b, receipts[i].fee_paid) > 0)
            b = receipts[i].fee_paid;
        burned = chain_u128_add_sat(burned, b);
        gas += g;
    }
    *gas_used = gas;
    if (!chain_u128_sub(fees, burned, &tip))
        return err_set(e, CHAIN_EBLOCK, "block: burned fees exceed the fees paid");
    chain_addr_t signer;
    chain_addr_from_pk(proposer_pk, &signer);
    int rc = cfg->qc_signers
                 ? chain_staking_end_block(ov, cfg->qc_signers, cfg->n_qc_signers,
                                           cfg->qc_epoch, burned, e)
                 : chain_staking_end_block(ov, &signer, 1, CHAIN_STAKE_EPOCH_CURRENT, burned, e);
    return rc ? rc : credit_proposer(ov, proposer_pk, tip, e);
}

static int finish_roots(chain_overlay_t *ov, const chain_receipt_t *receipts, size_t n,
                        chain_hash_t *state_root, chain_hash_t *receipts_root, err_t *e)
{
    chain_hash_t stack_h[64] = {0};
    chain_hash_t *h = n <= 64 ? stack_h : malloc(n * sizeof *h);
    if (!h)
        return err_set(e, CHAIN_ENOMEM, "exec: out of memory");
    for (size_t i = 0; i < n; i++)
        chain_receipt_hash(&receipts[i], &h[i]);
    chain_merkle_root(h, n, receipts_root);
    if (h != stack_h)
        free(h);
    return chain_overlay_root(ov, state_root, e);
}

int chain_exec_txs(chain_overlay_t *ov, const chain_exec_cfg_t *cfg, chain_tx_t *const *txs,
                   size_t n, const uint8_t proposer_pk[CHAIN_PK_BYTES], chain_u128_t base_fee,
                   chain_receipt_t *receipts, uint64_t *gas_used, chain_hash_t *state_root,
                   chain_hash_t *receipts_root, err_t *e)
{
    chain_u128_t fees = {0, 0};
    uint64_t gas = 0;
    for (size_t i = 0; i < n; i++) {
        gas += tx_gas(txs[i]);   /* each <= CHAIN_MAX_TX_GAS: no overflow */
        if (gas > CHAIN_MAX_BLOCK_GAS)
            return err_set(e, CHAIN_EBLOCK, "block: gas limits of its txs exceed %llu",
                           (unsigned long long)CHAIN_MAX_BLOCK_GAS);
    }
    for (size_t i = 0; i < n; i++) {
        int rc = covers_base(txs[i], base_fee, e);
        if (!rc)
            rc = chain_exec_tx(ov, cfg, txs[i], &receipts[i], &fees, e);
        if (rc) {
            char h[17];
            for (size_t k = 0; k < i; k++)   /* the caller gets no receipts */
                chain_receipt_clear(&receipts[k]);
            hex_short(&txs[i]->hash, h);
            err_prefix(e, "block tx %zu (%s...)", i, h);
            if (rc == CHAIN_ETXINVALID) {   /* an invalid tx makes the block invalid */
                rc = CHAIN_EBLOCK;
                if (e)
                    e->code = rc;
            }
            return rc;
        }
    }
    int rc = end_block(ov, cfg, proposer_pk, txs, receipts, n, base_fee, fees, gas_used, e);
    if (rc) {
        for (size_t k = 0; k < n; k++)
            chain_receipt_clear(&receipts[k]);
        return rc;
    }
    return finish_roots(ov, receipts, n, state_root, receipts_root, e);
}

static int utxo_would_succeed(chain_state_t *st, const chain_tx_t *tx, const chain_account_t *acct,
                              err_t *e)
{
    chain_u128_t in = tx->from_balance, out = tx->fee;
    if (chain_u128_cmp(acct->balance, tx->from_balance) < 0)
        return err_set(e, CHAIN_ETXINVALID, "tx: insufficient funds for from_balance");
    for (uint32_t i = 0; i < tx->n_inputs; i++) {
        chain_utxo_t u;
        bool exists;
        int rc = chain_state_get_utxo(st, &tx->inputs[i], &u, &exists, e);
        if (rc)
            return rc;
        if (!exists)
            return err_set(e, CHAIN_ETXINVALID, "tx: input %u (index %u) does not exist", i,
                           tx->inputs[i].index);
        if (memcmp(u.owner.b, tx->sender.b, CHAIN_ADDR_BYTES) != 0)
            return err_set(e, CHAIN_ETXINVALID, "tx: input %u belongs to another address", i);
        if (!chain_u128_add(in, u.amount, &in))
            return err_set(e, CHAIN_ETXINVALID, "tx: inputs exceed 2^128 - 1");
    }
    for (uint32_t i = 0; i < tx->n_outputs; i++)
        if (!chain_u128_add(out, tx->outputs[i].amount, &out))
            return err_set(e, CHAIN_ETXINVALID, "tx: outputs exceed 2^128 - 1");
    if (chain_u128_cmp(in, out) < 0)
        return err_set(e, CHAIN_ETXINVALID,
                       "tx: insufficient funds: inputs do not cover outputs + fee, and the "
                       "account cannot pay the fee");
    return 0;
}

chain_u128_t chain_exec_tx_cost(const chain_tx_t *tx)
{
    if (tx->kind == CHAIN_TX_DEPLOY || tx->kind == CHAIN_TX_CALL)
        return chain_tx_contract_max_cost(tx);
    if (chain_tx_is_job(tx->kind))
        return chain_escrow_tx_cost(tx);
    if (chain_tx_is_stake(tx->kind))
        return chain_staking_tx_cost(tx);
    if (tx->kind == CHAIN_TX_TRANSFER) {
        chain_u128_t sum;
        if (!chain_u128_add(tx->fee, tx->amount, &sum))
            memset(&sum, 0xff, sizeof sum);   /* saturate: all ones = 2^128 - 1 */
        return sum;
    }
    return chain_u128_cmp(tx->from_balance, tx->fee) > 0 ? tx->from_balance : tx->fee;
}

int chain_exec_check_tx(chain_state_t *st, const chain_exec_cfg_t *cfg, chain_tx_t *tx,
                        chain_account_t *sender, err_t *e)
{
    int rc = check_inclusion(cfg, tx, e);
    if (rc)
        return rc;
    if (!tx->sig_ok && (rc = chain_tx_verify(tx, e)))
        return rc;
    chain_account_t acct;
    bool exists;
    if ((rc = chain_state_get_account(st, &tx->sender, &acct, &exists, e)))
        return rc;
    if (sender)
        *sender = acct;
    if (tx->nonce < acct.nonce)
        return err_set(e, CHAIN_ETXINVALID, "tx: nonce %llu is below the account nonce %llu",
                       (unsigned long long)tx->nonce, (unsigned long long)acct.nonce);
    chain_u128_t base_fee;
    if ((rc = chain_fee_next_base_state(st, &base_fee, e)) || (rc = covers_base(tx, base_fee, e)))
        return rc;
    if (tx->kind == CHAIN_TX_UTXO && chain_u128_cmp(acct.balance, tx->fee) < 0) {
        /* A UTxO spend pays its fee from its inputs: with an empty account
         * it is acceptable as long as it would succeed on the current state. */
        return utxo_would_succeed(st, tx, &acct, e);
    }
    if (chain_u128_cmp(acct.balance, tx->fee) < 0) {
        char b[CHAIN_U128_STR_MAX], f[CHAIN_U128_STR_MAX];
        chain_u128_format(acct.balance, b);
        chain_u128_format(tx->fee, f);
        return err_set(e, CHAIN_ETXINVALID, "tx: insufficient funds: balance %s, fee %s", b, f);
    }
    if (tx->kind == CHAIN_TX_UTXO && tx->nonce == acct.nonce) {
        /* As for transfers below: a spend of a missing, foreign or too small
         * input would be included only to burn the fee; refuse it up front. */
        return utxo_would_succeed(st, tx, &acct, e);
    }
    if (chain_tx_is_job(tx->kind) && tx->nonce == acct.nonce)
        return chain_escrow_check(st, tx, &acct, e);
    if (chain_tx_is_stake(tx->kind) && tx->nonce == acct.nonce)
        return chain_staking_check(st, tx, &acct, e);
    if (is_contract(tx) && tx->nonce == acct.nonce)
        return chain_exec_contract_check(cfg, tx, &acct, e);
    if (tx->kind == CHAIN_TX_TRANSFER) {
        chain_u128_t need;
        if (chain_u128_add(tx->fee, tx->amount, &need) && chain_u128_cmp(acct.balance, need) < 0 &&
            tx->nonce == acct.nonce) {
            /* It would be included as a failed transfer that only burns its
             * fee; a user almost never wants that, so refuse it up front. */
            char b[CHAIN_U128_STR_MAX], n[CHAIN_U128_STR_MAX];
            chain_u128_format(acct.balance, b);
            chain_u128_format(need, n);
            return err_set(e, CHAIN_ETXINVALID,
                           "tx: insufficient funds: balance %s, amount + fee %s", b, n);
        }
    }
    return 0;
}

/* ---- block production ---- */

void chain_built_free(chain_built_t *b)
{
    if (!b)
        return;
    chain_receipts_free(b->receipts, b->block ? b->block->n_txs : 0);
    chain_block_free(b->block);
    chain_overlay_free(b->ov);
    free(b->skipped);
    memset(b, 0, sizeof *b);
}

static int add_skip(chain_built_t *out, size_t *cap, const chain_tx_t *tx, size_t index, int code,
                    const char *reason)
{
    if (out->n_skipped == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        chain_exec_skip_t *p = realloc(out->skipped, c * sizeof *p);
        if (!p)
            return CHAIN_ENOMEM;
        out->skipped = p;
        *cap = c;
    }
    chain_exec_skip_t *s = &out->skipped[out->n_skipped++];
    s->tx_hash = tx->hash;
    s->index = index;
    s->code = code;
    snprintf(s->reason, sizeof s->reason, "%s", reason);
    return 0;
}

static int build_block(chain_state_t *st, const chain_exec_cfg_t *cfg, chain_tx_t *const *cands,
                       size_t n_cands, uint64_t timestamp_ms,
                       const uint8_t *sk, const uint8_t proposer_pk[CHAIN_PK_BYTES],
                       chain_built_t *out, err_t *e);

int chain_exec_build_block(chain_state_t *st, const chain_exec_cfg_t *cfg,
                           chain_tx_t *const *cands, size_t n_cands, uint64_t timestamp_ms,
                           const uint8_t sk[CRYPTO_ED25519_SK_BYTES], chain_built_t *out,
                           err_t *e)
{
    return build_block(st, cfg, cands, n_cands, timestamp_ms, sk, sk + 32, out, e);
}

int chain_exec_build_certified(chain_state_t *st, const chain_exec_cfg_t *cfg,
                               chain_tx_t *const *cands, size_t n_cands, uint64_t timestamp_ms,
                               const uint8_t proposer_pk[CHAIN_PK_BYTES], chain_built_t *out,
                               err_t *e)
{
    return build_block(st, cfg, cands, n_cands, timestamp_ms, NULL, proposer_pk, out, e);
}

static int build_block(chain_state_t *st, const chain_exec_cfg_t *cfg, chain_tx_t *const *cands,
                       size_t n_cands, uint64_t timestamp_ms,
                       const uint8_t *sk, const uint8_t proposer_pk[CHAIN_PK_BYTES],
                       chain_built_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    chain_header_t tip;
    chain_hash_t tip_hash;
    int rc = chain_state_tip(st, &tip, &tip_hash, e);
    if (rc)
        return rc;
    if (tip.chain_id != cfg->chain_id)
        return err_set(e, CHAIN_EINVAL, "exec: configured chain id %llu, the store holds %llu",
                       (unsigned long long)cfg->chain_id, (unsigned long long)tip.chain_id);
    uint32_t max_txs = cfg->max_block_txs && cfg->max_block_txs < CHAIN_MAX_BLOCK_TXS
                           ? cfg->max_block_txs
                           : CHAIN_MAX_BLOCK_TXS;
    size_t max_bytes = cfg->max_block_bytes && cfg->max_block_bytes < CHAIN_MAX_BLOCK_BYTES
                           ? cfg->max_block_bytes
                           : CHAIN_MAX_BLOCK_BYTES - 4096;
    size_t skip_cap = 0, bytes = 0;
    uint64_t gas = 0;
    chain_u128_t fees = {0, 0};
    uint64_t ts = timestamp_ms < tip.timestamp_ms ? tip.timestamp_ms : timestamp_ms;
    chain_exec_cfg_t bcfg = *cfg;   /* contracts see the block's timestamp */
    bcfg.block_time_ms = ts;
    cfg = &bcfg;

    /* signatures first, in parallel, for candidates not yet verified */
    chain_tx_t **todo = malloc((n_cands ? n_cands : 1) * sizeof *todo);
    out->receipts = calloc(n_cands ? n_cands : 1, sizeof *out->receipts);
    out->block = chain_block_new();
    out->ov = chain_overlay_new(st, e);
    if (!todo || !out->receipts || !out->block || !out->ov) {
        free(todo);
        rc = out->ov ? err_set(e, CHAIN_ENOMEM, "exec: out of memory") : CHAIN_EINVAL;
        goto fail;
    }
    size_t n_todo = 0;
    for (size_t i = 0; i < n_cands; i++)
        if (!cands[i]->sig_ok)
            todo[n_todo++] = cands[i];
    if (n_todo)
        chain_tx_verify_batch(todo, n_todo, cfg->verify_threads);
    free(todo);

    chain_u128_t base_fee;
    if ((rc = chain_fee_block_base(out->ov, &tip, &base_fee, e)))
        goto fail;
    size_t i = 0;
    for (; i < n_cands; i++) {
        chain_tx_t *tx = cands[i];
        if (out->block->n_txs >= max_txs || bytes + 4 + tx->size > max_bytes ||
            gas + tx_gas(tx) > CHAIN_MAX_BLOCK_GAS)
            break;
        if (!tx->sig_ok) {
            if ((rc = add_skip(out, &skip_cap, tx, i, CHAIN_EBADSIG, "signature does not verify")))
                goto nomem;
            continue;
        }
        err_t te = {0};
        chain_receipt_t r;
        rc = covers_base(tx, base_fee, &te);
        if (!rc)
            rc = chain_exec_tx(out->ov, cfg, tx, &r, &fees, &te);
        if (rc == CHAIN_ETXINVALID) {
            if ((rc = add_skip(out, &skip_cap, tx, i, CHAIN_ETXINVALID, te.msg)))
                goto nomem;
            continue;
        }
        if (rc) {
            rc = err_set(e, rc, "exec: %s", te.msg);
            goto fail;
        }
        chain_tx_t *copy = chain_tx_dup(tx);
        if (!copy) {
            chain_receipt_clear(&r);
            goto nomem;
        }
        if ((rc = chain_block_add_tx(out->block, copy, e))) {
            chain_receipt_clear(&r);
            goto fail;
        }
        out->receipts[out->block->n_txs - 1] = r;
        bytes += 4 + tx->size;
        gas += tx_gas(tx);
    }
    out->n_considered = i;
    chain_header_t *h = &out->block->header;
    if ((rc = end_block(out->ov, cfg, proposer_pk, out->block->txs, out->receipts,
                        out->block->n_txs, base_fee, fees, &h->gas_used, e)) ||
        (rc = finish_roots(out->ov, out->receipts, out->block->n_txs, &h->state_root,
                           &h->receipts_root, e)))
        goto fail;
    h->version = CHAIN_BLOCK_VERSION;
    h->chain_id = cfg->chain_id;
    h->height = tip.height + 1;
    h->timestamp_ms = ts;
    h->parent_hash = tip_hash;
    h->base_fee = base_fee;
    if (sk) {
        chain_block_seal(out->block, sk);
    } else {
        /* certified by consensus: no proposer signature (see exec.h) */
        h->n_txs = out->block->n_txs;
        chain_txs_root(out->block->txs, out->block->n_txs, &h->txs_root);
        memcpy(h->proposer_pk, proposer_pk, CHAIN_PK_BYTES);
        chain_header_hash(h, &out->block->hash);
        memset(out->block->sig, 0, CHAIN_SIG_BYTES);
    }
    return 0;
nomem:
    rc = err_set(e, CHAIN_ENOMEM, "exec: out of memory");
fail:
    chain_built_free(out);
    return rc;
}

int chain_exec_commit_built(chain_state_t *st, chain_built_t *b, err_t *e)
{
    return chain_exec_commit_built_meta(st, b, NULL, 0, e);
}

int chain_exec_commit_built_meta(chain_state_t *st, chain_built_t *b, const chain_meta_op_t *ops,
                                 size_t n_ops, err_t *e)
{
    chain_overlay_t *ov = b->ov;
    b->ov = NULL;
    if (!ov || !b->block)
        return err_set(e, CHAIN_EINVAL, "exec: nothing built to commit");
    return chain_state_commit_meta(st, ov, b->block, b->receipts, ops, n_ops, e);
}

/* ---- blocks from elsewhere ---- */

int chain_exec_apply_block(chain_state_t *st, const chain_exec_cfg_t *cfg,
                           const chain_block_t *block, chain_receipt_t **receipts_out, err_t *e)
{
    const chain_header_t *h = &block->header;
    chain_header_t tip;
    chain_hash_t tip_hash, sroot, rroot;
    if (receipts_out)
        *receipts_out = NULL;
    int rc = chain_state_tip(st, &tip, &tip_hash, e);
    if (rc)
        return rc;
    unsigned long long ht = (unsigned long long)h->height;
    if (h->version != CHAIN_BLOCK_VERSION)
        return err_set(e, CHAIN_EBLOCK, "block %llu: version %u", ht, h->version);
    if (h->chain_id != cfg->chain_id)
        return err_set(e, CHAIN_EBLOCK, "block %llu: chain id %llu, expected %llu", ht,
                       (unsigned long long)h->chain_id, (unsigned long long)cfg->chain_id);
    if (h->height != tip.height + 1)
        return err_set(e, CHAIN_EBLOCK, "block %llu: expected height %llu", ht,
                       (unsigned long long)tip.height + 1);
    if (!chain_hash_equal(&h->parent_hash, &tip_hash))
        return err_set(e, CHAIN_EBLOCK, "block %llu: parent_hash is not the tip", ht);
    if (h->timestamp_ms < tip.timestamp_ms)
        return err_set(e, CHAIN_EBLOCK, "block %llu: timestamp before its parent's", ht);
    if (cfg->certified) {
        static const uint8_t zero[CHAIN_SIG_BYTES];
        chain_hash_t troot;
        if (memcmp(block->sig, zero, sizeof zero) != 0)
            return err_set(e, CHAIN_EBLOCK, "block %llu: a certified block carries a proposer "
                                            "signature",
                           ht);
        if (h->n_txs != block->n_txs)
            return err_set(e, CHAIN_EBLOCK, "block %llu: header says %u txs, body has %u", ht,
                           h->n_txs, block->n_txs);
        chain_txs_root(block->txs, block->n_txs, &troot);
        if (!chain_hash_equal(&troot, &h->txs_root))
            return err_set(e, CHAIN_EBLOCK, "block %llu: txs_root does not match the "
                                            "transactions",
                           ht);
    } else if ((rc = chain_block_check(block, e))) {
        return rc;
    }
    /* received txs are always re-verified */
    for (uint32_t i = 0; i < block->n_txs; i++)
        block->txs[i]->sig_ok = false;
    if (chain_tx_verify_batch(block->txs, block->n_txs, cfg->verify_threads) != 0) {
        for (uint32_t i = 0; i < block->n_txs; i++)
            if (!block->txs[i]->sig_ok)
                return err_set(e, CHAIN_EBLOCK, "block %llu: tx %u has a bad signature", ht, i);
    }
    chain_receipt_t *rs = calloc(block->n_txs ? block->n_txs : 1, sizeof *rs);
    chain_overlay_t *ov = chain_overlay_new(st, e);
    chain_exec_cfg_t bcfg = *cfg;   /* contracts see the block's timestamp */
    bcfg.block_time_ms = h->timestamp_ms;
    cfg = &bcfg;
    if (!rs || !ov) {
        free(rs);
        chain_overlay_free(ov);
        return ov ? err_set(e, CHAIN_ENOMEM, "exec: out of memory") : CHAIN_EINVAL;
    }
    chain_u128_t base_fee;
    uint64_t gas_used = 0;
    rc = chain_fee_block_base(ov, &tip, &base_fee, e);
    if (!rc && chain_u128_cmp(base_fee, h->base_fee) != 0) {
        char want[CHAIN_U128_STR_MAX], have[CHAIN_U128_STR_MAX];
        chain_u128_format(base_fee, want);
        chain_u128_format(h->base_fee, have);
        rc = err_set(e, CHAIN_EBLOCK, "block %llu: base_fee %s, the parent's gives %s", ht, have,
                     want);
    }
    if (!rc)
        rc = chain_exec_txs(ov, cfg, block->txs, block->n_txs, h->proposer_pk, base_fee, rs,
                            &gas_used, &sroot, &rroot, e);
    if (!rc && gas_used != h->gas_used)
        rc = err_set(e, CHAIN_EBLOCK, "block %llu: gas_used %llu, execution used %llu", ht,
                     (unsigned long long)h->gas_used, (unsigned long long)gas_used);
    if (!rc && !chain_hash_equal(&sroot, &h->state_root))
        rc = err_set(e, CHAIN_EBLOCK, "block %llu: state_root differs from execution", ht);
    if (!rc && !chain_hash_equal(&rroot, &h->receipts_root))
        rc = err_set(e, CHAIN_EBLOCK, "block %llu: receipts_root differs from execution", ht);
    if (rc) {
        chain_overlay_free(ov);
        chain_receipts_free(rs, block->n_txs);
        if (rc == CHAIN_ETXINVALID)
            rc = CHAIN_EBLOCK;
        return rc;
    }
    rc = chain_state_commit(st, ov, block, rs, e);
    if (rc == 0 && receipts_out)
        *receipts_out = rs;
    else
        chain_receipts_free(rs, block->n_txs);
    return rc;
}
