/* chain/exec: job escrow txs inside block execution and admission. The job
 * record lives in the state tree as a data leaf (CHAIN_DATA_JOB), the
 * provider's count of finalized jobs as another (CHAIN_DATA_REPUTATION), so
 * both are committed atomically with the block and covered by its
 * state_root. The rules are escrow.c's (exec.h). */
#include "exec.h"

#include <stdlib.h>
#include <string.h>

#include "phase/phase.h"

static void rep_id(const chain_addr_t *a, uint8_t id[32])
{
    memset(id, 0, 32);
    memcpy(id, a->b, CHAIN_ADDR_BYTES);
}

chain_u128_t chain_escrow_tx_cost(const chain_tx_t *tx)
{
    chain_job_body_t b;
    chain_u128_t c = tx->fee;
    if (chain_job_body_parse(tx->kind, tx->job, tx->job_len, &b, NULL) != 0)
        return c;
    if (b.kind == CHAIN_TX_JOB_POST)
        c = chain_u128_add_sat(c, b.payment);
    else if (b.kind == CHAIN_TX_JOB_CHALLENGE)
        c = chain_u128_add_sat(c, b.challenger_bond);
    return c;   /* an accept's bond is known only from the job record */
}

int chain_escrow_get_job(chain_state_t *st, const chain_hash_t *id, chain_job_t *job,
                         bool *exists, err_t *e)
{
    buf_t v = {0};
    int rc = chain_state_get_data(st, CHAIN_DATA_JOB, id->b, &v, exists, e);
    if (!rc && *exists && (rc = chain_job_decode(v.data, v.len, job, e)) != 0)
        rc = (err_prefix(e, "state: corrupt job record"), CHAIN_EIO);
    if (!*exists)
        memset(job, 0, sizeof *job);
    buf_free(&v);
    return rc;
}

uint64_t chain_escrow_reputation(chain_state_t *st, const chain_addr_t *provider)
{
    uint8_t id[32];
    rep_id(provider, id);
    buf_t v = {0};
    bool exists = false;
    uint64_t n = 0;
    if (chain_state_get_data(st, CHAIN_DATA_REPUTATION, id, &v, &exists, NULL) == 0 && exists &&
        v.len == 8)
        n = load_le64(v.data);
    buf_free(&v);
    return n;
}

/* Re-runs a job from its on-chain module and input in determinism mode
 * with the job's fuel and memory, as `plasmd run --manifest --deterministic
 * --fuel` does (argv[0] "job.wasm", no clock or random source but the
 * virtual ones), and gives the output commitment of its receipt.
 * CHAIN_ETXINVALID when the job has no module on chain. */
int chain_escrow_reexecute(const chain_job_t *job, const uint8_t *code, size_t n,
                           chain_hash_t *commitment, uint64_t *fuel_used, err_t *e)
{
    if (n < 4 || load_le32(code) > n - 4)
        return err_set(e, CHAIN_ETXINVALID, "job: no module on chain to re-execute");
    uint32_t mlen = load_le32(code);
    phase_escrow_job_t j = {
        .module = code + 4,
        .module_len = mlen,
        .input = code + 4 + mlen,
        .input_len = n - 4 - mlen,
        .fuel = job->fuel,
        .memory_max = job->memory_max,
    };
    memcpy(j.job_id, job->id.b, 32);
    phase_job_outcome_t out;
    phase_job_result_t r;
    err_t pe = {0};
    if (phase_escrow_run(&j, NULL, &out, &r, NULL, &pe) != 0)
        return err_set(e, CHAIN_ENOMEM, "job: re-execution could not run: %s", pe.msg);
    memcpy(commitment->b, r.output_commitment, 32);
    if (fuel_used)
        *fuel_used = out.fuel_used;
    phase_job_result_free(&r);
    phase_job_outcome_free(&out);
    return 0;
}

uint8_t chain_escrow_apply(chain_overlay_t *ov, const chain_tx_t *tx, chain_account_t *acct,
                           err_t *e, int *io)
{
    chain_job_body_t b;
    if (chain_job_body_parse(tx->kind, tx->job, tx->job_len, &b, NULL) != 0)
        return CHAIN_STATUS_JOB_REFUSED;
    uint64_t height = chain_overlay_height(ov);
    buf_t v = {0};
    bool exists = false;
    chain_job_t job;
    memset(&job, 0, sizeof job);
    uint8_t status = CHAIN_STATUS_OK;
    if ((*io = chain_overlay_get_data(ov, CHAIN_DATA_JOB, b.job_id.b, &v, &exists, e)))
        goto out;
    if (exists && (*io = chain_job_decode(v.data, v.len, &job, e)) != 0) {
        *io = (err_prefix(e, "state: corrupt job record"), CHAIN_EIO);
        goto out;
    }
    chain_escrow_fx_t fx, fx2;
    memset(&fx2, 0, sizeof fx2);
    if (chain_escrow_step(&job, &exists, &b, &tx->sender, height, &fx, NULL) != 0) {
        status = CHAIN_STATUS_JOB_REFUSED;
        goto out;
    }
    if (fx.needs_resolution) {   /* a challenge is settled right here by re-execution */
        bool has_code = false;
        chain_hash_t c;
        if ((*io = chain_overlay_get_data(ov, CHAIN_DATA_JOB_CODE, b.job_id.b, &v, &has_code, e)))
            goto out;
        if (!has_code || chain_escrow_reexecute(&job, v.data, v.len, &c, NULL, NULL) != 0 ||
            chain_escrow_resolve(&job, &c, &fx2, NULL) != 0) {
            status = CHAIN_STATUS_JOB_REFUSED;
            goto out;
        }
    }
    chain_u128_t need, nb;
    if (!chain_u128_add(tx->fee, fx.locked, &need)) {
        status = CHAIN_STATUS_OVERFLOW;
        goto out;
    }
    if (!chain_u128_sub(acct->balance, need, &nb)) {
        status = CHAIN_STATUS_INSUFFICIENT_BALANCE;
        goto out;
    }
    chain_account_t s = {nb, acct->nonce + 1};
    if ((*io = chain_overlay_put_account(ov, &tx->sender, &s, e)))
        goto out;
    for (uint32_t i = 0; i < fx.n_credits; i++) {
        chain_account_t to;
        if ((*io = chain_overlay_get_account(ov, &fx.credits[i].to, &to, e)))
            goto out;
        if (!chain_u128_add(to.balance, fx.credits[i].amount, &to.balance)) {
            status = CHAIN_STATUS_OVERFLOW;
            goto out;
        }
        if ((*io = chain_overlay_put_account(ov, &fx.credits[i].to, &to, e)))
            goto out;
    }
    for (uint32_t i = 0; i < fx2.n_credits; i++) {   /* the resolution's payouts */
        chain_account_t to;
        if ((*io = chain_overlay_get_account(ov, &fx2.credits[i].to, &to, e)))
            goto out;
        if (!chain_u128_add(to.balance, fx2.credits[i].amount, &to.balance)) {
            status = CHAIN_STATUS_OVERFLOW;
            goto out;
        }
        if ((*io = chain_overlay_put_account(ov, &fx2.credits[i].to, &to, e)))
            goto out;
    }
    /* fx.burned and fx2.burned are credited to no one: they leave the supply
     * (counted in staking's burned, so genesis + emitted - burned stays exact) */
    if ((*io = chain_staking_add_burned(ov, chain_u128_add_sat(fx.burned, fx2.burned), e)))
        goto out;
    if (fx.reputation_up || fx2.reputation_up) {
        uint8_t id[32], n8[8];
        rep_id(&job.provider, id);
        bool had = false;
        if ((*io = chain_overlay_get_data(ov, CHAIN_DATA_REPUTATION, id, &v, &had, e)))
            goto out;
        store_le64(n8, (had && v.len == 8 ? load_le64(v.data) : 0) + 1);
        if ((*io = chain_overlay_put_data(ov, CHAIN_DATA_REPUTATION, id, n8, 8, e)))
            goto out;
    }
    if (b.kind == CHAIN_TX_JOB_POST && b.module_len) {   /* keep the bytes for challenges */
        buf_t code = {0};
        uint8_t l4[4];
        store_le32(l4, b.module_len);
        if (buf_append(&code, l4, 4) != 0 || buf_append(&code, b.module, b.module_len) != 0 ||
            (b.input_len && buf_append(&code, b.input, b.input_len) != 0)) {
            buf_free(&code);
            *io = err_set(e, CHAIN_ENOMEM, "exec: out of memory");
            goto out;
        }
        *io = chain_overlay_put_data(ov, CHAIN_DATA_JOB_CODE, b.job_id.b, code.data, code.len, e);
        buf_free(&code);
        if (*io)
            goto out;
    }
    v.len = 0;
    if (chain_job_encode(&job, &v) != 0) {
        *io = err_set(e, CHAIN_ENOMEM, "exec: out of memory");
        goto out;
    }
    *io = chain_overlay_put_data(ov, CHAIN_DATA_JOB, job.id.b, v.data, v.len, e);
out:
    buf_free(&v);
    return status;
}

int chain_escrow_check(chain_state_t *st, const chain_tx_t *tx, const chain_account_t *acct,
                       err_t *e)
{
    chain_job_body_t b;
    int rc = chain_job_body_parse(tx->kind, tx->job, tx->job_len, &b, e);
    if (rc)
        return e ? (e->code = CHAIN_ETXINVALID) : CHAIN_ETXINVALID;
    chain_header_t tip;
    chain_hash_t tip_hash;
    if ((rc = chain_state_tip(st, &tip, &tip_hash, e)))
        return rc;
    chain_job_t job;
    bool exists;
    if ((rc = chain_escrow_get_job(st, &b.job_id, &job, &exists, e)))
        return rc;
    chain_escrow_fx_t fx;
    if ((rc = chain_escrow_step(&job, &exists, &b, &tx->sender, tip.height + 1, &fx, e)))
        return err_prefix(e, "tx"), rc;
    if (fx.needs_resolution) {
        buf_t code = {0};
        bool has = false;
        rc = chain_state_get_data(st, CHAIN_DATA_JOB_CODE, b.job_id.b, &code, &has, e);
        buf_free(&code);
        if (rc)
            return rc;
        if (!has)
            return err_set(e, CHAIN_ETXINVALID,
                           "tx: job %02x%02x%02x%02x...: posted without its module and input, "
                           "so it cannot be re-executed and cannot be challenged",
                           b.job_id.b[0], b.job_id.b[1], b.job_id.b[2], b.job_id.b[3]);
    }
    chain_u128_t need;
    if (!chain_u128_add(tx->fee, fx.locked, &need) || chain_u128_cmp(acct->balance, need) < 0) {
        char bal[CHAIN_U128_STR_MAX], n[CHAIN_U128_STR_MAX];
        chain_u128_format(acct->balance, bal);
        chain_u128_format(chain_u128_add_sat(tx->fee, fx.locked), n);
        return err_set(e, CHAIN_ETXINVALID, "tx: insufficient funds: balance %s, fee + locked %s",
                       bal, n);
    }
    return 0;
}
