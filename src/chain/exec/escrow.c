/* chain/exec: the job escrow state machine (rules in exec.h, formats in
 * docs/escrow.md): one step per CHAIN_TX_JOB_* tx, the claim admission
 * check against the provider's Phase receipt, and the settlement of a
 * challenge from a re-executed output commitment. Pure functions over a
 * job record: the caller moves the balances the returned effects name. */
#include "exec.h"

#include "phase/phase.h"

#include <stdio.h>
#include <string.h>

const char *chain_job_status_name(uint8_t status)
{
    switch (status) {
    case CHAIN_JOB_POSTED: return "posted";
    case CHAIN_JOB_ACCEPTED: return "accepted";
    case CHAIN_JOB_CLAIMED: return "claimed";
    case CHAIN_JOB_CHALLENGED: return "challenged";
    case CHAIN_JOB_FINALIZED: return "finalized";
    case CHAIN_JOB_CANCELLED: return "cancelled";
    case CHAIN_JOB_EXPIRED: return "expired";
    case CHAIN_JOB_SLASHED: return "slashed";
    default: return "unknown";
    }
}

/* ---- record codec ---- */

static uint8_t *put_hash(uint8_t *p, const chain_hash_t *h)
{
    memcpy(p, h->b, 32);
    return p + 32;
}

int chain_job_encode(const chain_job_t *j, buf_t *out)
{
    if (j->n_allow > CHAIN_JOB_MAX_ALLOW)
        return CHAIN_EINVAL;
    uint8_t tmp[CHAIN_JOB_RECORD_MAX], *p = tmp;
    p = put_hash(p, &j->id);
    *p++ = j->status;
    memcpy(p, j->requester.b, 20), p += 20;
    memcpy(p, j->provider.b, 20), p += 20;
    memcpy(p, j->challenger.b, 20), p += 20;
    memcpy(p, j->phase_pk, 32), p += 32;
    p = put_hash(p, &j->module_hash);
    p = put_hash(p, &j->input_commitment);
    p = put_hash(p, &j->output_commitment);
    p = put_hash(p, &j->receipt_hash);
    store_le64(p, j->fuel), p += 8;
    store_le64(p, j->memory_max), p += 8;
    store_le64(p, j->deadline), p += 8;
    store_le32(p, j->window), p += 4;
    store_le64(p, j->posted_at), p += 8;
    store_le64(p, j->claimed_at), p += 8;
    store_le64(p, j->closes_at), p += 8;
    chain_u128_put(p, j->payment), p += 16;
    chain_u128_put(p, j->provider_bond), p += 16;
    chain_u128_put(p, j->challenger_bond), p += 16;
    store_le32(p, j->n_allow), p += 4;
    for (uint32_t i = 0; i < j->n_allow; i++)
        memcpy(p, j->allow[i].b, 20), p += 20;
    return buf_append(out, tmp, (size_t)(p - tmp)) == 0 ? 0 : CHAIN_ENOMEM;
}

int chain_job_decode(const uint8_t *in, size_t n, chain_job_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    const size_t fixed = CHAIN_JOB_RECORD_MAX - 20 * CHAIN_JOB_MAX_ALLOW;
    if (n < fixed)
        return err_set(e, CHAIN_EINVAL, "job record: %zu bytes, at least %zu", n, fixed);
    const uint8_t *p = in;
    memcpy(out->id.b, p, 32), p += 32;
    out->status = *p++;
    memcpy(out->requester.b, p, 20), p += 20;
    memcpy(out->provider.b, p, 20), p += 20;
    memcpy(out->challenger.b, p, 20), p += 20;
    memcpy(out->phase_pk, p, 32), p += 32;
    memcpy(out->module_hash.b, p, 32), p += 32;
    memcpy(out->input_commitment.b, p, 32), p += 32;
    memcpy(out->output_commitment.b, p, 32), p += 32;
    memcpy(out->receipt_hash.b, p, 32), p += 32;
    out->fuel = load_le64(p), p += 8;
    out->memory_max = load_le64(p), p += 8;
    out->deadline = load_le64(p), p += 8;
    out->window = load_le32(p), p += 4;
    out->posted_at = load_le64(p), p += 8;
    out->claimed_at = load_le64(p), p += 8;
    out->closes_at = load_le64(p), p += 8;
    out->payment = chain_u128_get(p), p += 16;
    out->provider_bond = chain_u128_get(p), p += 16;
    out->challenger_bond = chain_u128_get(p), p += 16;
    out->n_allow = load_le32(p), p += 4;
    if (out->status < CHAIN_JOB_POSTED || out->status > CHAIN_JOB_SLASHED)
        return err_set(e, CHAIN_EINVAL, "job record: unknown status %u at offset 32", out->status);
    if (out->n_allow > CHAIN_JOB_MAX_ALLOW || n != fixed + 20 * (size_t)out->n_allow)
        return err_set(e, CHAIN_EINVAL, "job record: %u allowed providers do not match %zu bytes",
                       out->n_allow, n);
    for (uint32_t i = 0; i < out->n_allow; i++)
        memcpy(out->allow[i].b, p, 20), p += 20;
    return 0;
}

static json_t *jh(const uint8_t *b, size_t n)
{
    char h[2 * 64 + 1];
    hex_encode(b, n, h);
    return json_string(h);
}

static json_t *ju(chain_u128_t v)
{
    char s[CHAIN_U128_STR_MAX];
    chain_u128_format(v, s);
    return json_string(s);
}

json_t *chain_job_to_json(const chain_job_t *j)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "job_id", jh(j->id.b, 32));
    json_object_set_new(o, "status", json_string(chain_job_status_name(j->status)));
    json_object_set_new(o, "requester", jh(j->requester.b, 20));
    static const uint8_t zero[32];
    bool has_provider = memcmp(j->provider.b, zero, 20) != 0;
    json_object_set_new(o, "provider", has_provider ? jh(j->provider.b, 20) : json_null());
    json_object_set_new(o, "phase_pk", has_provider ? jh(j->phase_pk, 32) : json_null());
    bool has_ch = memcmp(j->challenger.b, zero, 20) != 0;
    json_object_set_new(o, "challenger", has_ch ? jh(j->challenger.b, 20) : json_null());
    json_object_set_new(o, "module_hash", jh(j->module_hash.b, 32));
    json_object_set_new(o, "input_commitment", jh(j->input_commitment.b, 32));
    bool claimed = j->claimed_at != 0;
    json_object_set_new(o, "output_commitment",
                        claimed ? jh(j->output_commitment.b, 32) : json_null());
    json_object_set_new(o, "receipt_hash", claimed ? jh(j->receipt_hash.b, 32) : json_null());
    json_object_set_new(o, "fuel", json_integer((json_int_t)j->fuel));
    json_object_set_new(o, "memory_max", json_integer((json_int_t)j->memory_max));
    json_object_set_new(o, "deadline", json_integer((json_int_t)j->deadline));
    json_object_set_new(o, "window", json_integer(j->window));
    json_object_set_new(o, "posted_at", json_integer((json_int_t)j->posted_at));
    json_object_set_new(o, "claimed_at", claimed ? json_integer((json_int_t)j->claimed_at)
                                                 : json_null());
    json_object_set_new(o, "closes_at", claimed ? json_integer((json_int_t)j->closes_at)
                                                : json_null());
    json_object_set_new(o, "payment", ju(j->payment));
    json_object_set_new(o, "provider_bond", ju(j->provider_bond));
    json_object_set_new(o, "challenger_bond", ju(j->challenger_bond));
    json_t *a = json_array();
    for (uint32_t i = 0; i < j->n_allow; i++)
        json_array_append_new(a, jh(j->allow[i].b, 20));
    json_object_set_new(o, "allow", a);
    return o;
}

/* ---- the state machine ---- */

static void short_hex(const chain_hash_t *h, char out[17])
{
    hex_encode(h->b, 8, out);
}

static int credit(chain_escrow_fx_t *fx, const chain_addr_t *to, chain_u128_t amount)
{
    if (chain_u128_is_zero(amount))
        return 0;
    for (uint32_t i = 0; i < fx->n_credits; i++)
        if (memcmp(fx->credits[i].to.b, to->b, 20) == 0)
            return chain_u128_add(fx->credits[i].amount, amount, &fx->credits[i].amount)
                       ? 0
                       : CHAIN_ETXINVALID;
    if (fx->n_credits == CHAIN_ESCROW_MAX_CREDITS)
        return CHAIN_ETXINVALID;
    fx->credits[fx->n_credits].to = *to;
    fx->credits[fx->n_credits].amount = amount;
    fx->n_credits++;
    return 0;
}

/* half (rounded down) to `to`, the rest burned */
static int split_slash(chain_escrow_fx_t *fx, const chain_addr_t *to, chain_u128_t amount)
{
    chain_u128_t half = chain_u128_div_u64(amount, 2, NULL), rest, burned;
    if (!chain_u128_sub(amount, half, &rest) || !chain_u128_add(fx->burned, rest, &burned))
        return CHAIN_ETXINVALID;
    fx->burned = burned;
    return credit(fx, to, half);
}

static int overflow(err_t *e)
{
    return err_set(e, CHAIN_ETXINVALID, "job: an amount would exceed 2^128 - 1");
}

static bool allowed(const chain_job_t *j, const chain_addr_t *a)
{
    if (j->n_allow == 0)
        return true;
    for (uint32_t i = 0; i < j->n_allow; i++)
        if (memcmp(j->allow[i].b, a->b, 20) == 0)
            return true;
    return false;
}

int chain_escrow_verify_claim(const chain_job_t *job, const uint8_t *receipt, size_t n,
                              chain_hash_t *commitment, chain_hash_t *receipt_hash, err_t *e)
{
    char want[17], got[17];
    short_hex(&job->id, want);
    phase_receipt_t r = {0};
    err_t pe = {0};
    if (phase_receipt_parse((const char *)receipt, n, &r, &pe) != 0)
        return err_set(e, CHAIN_ETXINVALID, "claim: receipt does not parse: %s", pe.msg);
    int rc = 0;
    uint8_t id[32];
    phase_job_result_t res;
    memset(&res, 0, sizeof res);
    if (phase_receipt_verify(&r, job->phase_pk, &pe) != 0) {
        rc = err_set(e, CHAIN_ETXINVALID,
                     "claim: receipt signature does not verify against the provider's Phase key "
                     "named at accept: %s", pe.msg);
        goto out;
    }
    if (phase_receipt_job_id_bytes(&r, id, &pe) != 0) {
        rc = err_set(e, CHAIN_ETXINVALID, "claim: receipt job_id: %s", pe.msg);
        goto out;
    }
    if (memcmp(id, job->id.b, 32) != 0) {
        hex_encode(id, 8, got);
        rc = err_set(e, CHAIN_ETXINVALID, "claim: receipt is for job %s..., not %s...", got, want);
        goto out;
    }
    if (phase_job_result_from_json(r.result, &res, &pe) != 0) {
        rc = err_set(e, CHAIN_ETXINVALID, "claim: receipt result: %s", pe.msg);
        goto out;
    }
    if (memcmp(res.job_spec_hash, job->id.b, 32) != 0) {
        rc = err_set(e, CHAIN_ETXINVALID,
                     "claim: receipt result.job_spec_hash is not job %s...", want);
        goto out;
    }
    memcpy(commitment->b, res.output_commitment, 32);
    crypto_sha256(receipt, n, receipt_hash->b);
out:
    phase_job_result_free(&res);
    phase_receipt_free(&r);
    return rc;
}

int chain_escrow_step(chain_job_t *job, bool *exists, const chain_job_body_t *b,
                      const chain_addr_t *sender, uint64_t height, chain_escrow_fx_t *fx,
                      err_t *e)
{
    memset(fx, 0, sizeof *fx);
    char id[17];
    short_hex(&b->job_id, id);
    if (b->kind == CHAIN_TX_JOB_POST) {
        if (*exists)
            return err_set(e, CHAIN_ETXINVALID, "job %s...: already posted (%s)", id,
                           chain_job_status_name(job->status));
        if (b->deadline <= height)
            return err_set(e, CHAIN_ETXINVALID,
                           "job %s...: deadline %llu is not after the current height %llu", id,
                           (unsigned long long)b->deadline, (unsigned long long)height);
        chain_job_t j;
        memset(&j, 0, sizeof j);
        j.id = b->job_id;
        j.status = CHAIN_JOB_POSTED;
        j.requester = *sender;
        j.module_hash = b->module_hash;
        j.input_commitment = b->input_commitment;
        j.fuel = b->fuel;
        j.memory_max = b->memory_max;
        j.deadline = b->deadline;
        j.window = b->window;
        j.posted_at = height;
        j.payment = b->payment;
        j.provider_bond = b->provider_bond;
        j.n_allow = b->n_allow;
        memcpy(j.allow, b->allow, sizeof j.allow);
        fx->locked = b->payment;
        *job = j;
        *exists = true;
        return 0;
    }
    if (!*exists)
        return err_set(e, CHAIN_ETXINVALID, "job %s...: no such job", id);
    const char *st = chain_job_status_name(job->status);
    int rc;
    switch (b->kind) {
    case CHAIN_TX_JOB_CANCEL:
        if (job->status != CHAIN_JOB_POSTED)
            return err_set(e, CHAIN_ETXINVALID,
                           "job %s...: cannot cancel: the job is %s", id, st);
        if (memcmp(sender->b, job->requester.b, 20) != 0)
            return err_set(e, CHAIN_ETXINVALID, "job %s...: only the requester may cancel", id);
        if ((rc = credit(fx, &job->requester, job->payment)))
            return overflow(e);
        job->status = CHAIN_JOB_CANCELLED;
        return 0;
    case CHAIN_TX_JOB_ACCEPT:
        if (job->status != CHAIN_JOB_POSTED)
            return err_set(e, CHAIN_ETXINVALID,
                           "job %s...: cannot accept: the job is %s", id, st);
        if (height > job->deadline)
            return err_set(e, CHAIN_ETXINVALID, "job %s...: deadline %llu has passed", id,
                           (unsigned long long)job->deadline);
        if (!allowed(job, sender))
            return err_set(e, CHAIN_ETXINVALID,
                           "job %s...: the sender is not on the job's provider allow-list", id);
        job->provider = *sender;
        memcpy(job->phase_pk, b->phase_pk, 32);
        fx->locked = job->provider_bond;
        job->status = CHAIN_JOB_ACCEPTED;
        return 0;
    case CHAIN_TX_JOB_CLAIM: {
        if (job->status != CHAIN_JOB_ACCEPTED)
            return err_set(e, CHAIN_ETXINVALID,
                           "job %s...: cannot claim: the job is %s%s", id, st,
                           job->status == CHAIN_JOB_POSTED ? " (not accepted)"
                           : job->claimed_at ? " (already claimed: a replay?)"
                                             : "");
        if (memcmp(sender->b, job->provider.b, 20) != 0)
            return err_set(e, CHAIN_ETXINVALID,
                           "job %s...: only the provider that accepted it may claim", id);
        if (height > job->deadline)
            return err_set(e, CHAIN_ETXINVALID, "job %s...: deadline %llu has passed", id,
                           (unsigned long long)job->deadline);
        chain_hash_t c, rh;
        if ((rc = chain_escrow_verify_claim(job, b->receipt, b->receipt_len, &c, &rh, e)))
            return rc;
        job->output_commitment = c;
        job->receipt_hash = rh;
        job->claimed_at = height;
        job->closes_at = height + job->window;
        job->status = CHAIN_JOB_CLAIMED;
        return 0;
    }
    case CHAIN_TX_JOB_FINALIZE:
        if (job->status != CHAIN_JOB_CLAIMED)
            return err_set(e, CHAIN_ETXINVALID,
                           "job %s...: cannot finalize: the job is %s", id, st);
        if (height < job->closes_at)
            return err_set(e, CHAIN_ETXINVALID,
                           "job %s...: the challenge window is open until height %llu", id,
                           (unsigned long long)job->closes_at);
        if (credit(fx, &job->provider, job->payment) ||
            credit(fx, &job->provider, job->provider_bond))
            return overflow(e);
        fx->reputation_up = true;
        job->status = CHAIN_JOB_FINALIZED;
        return 0;
    case CHAIN_TX_JOB_CHALLENGE: {
        if (job->status != CHAIN_JOB_CLAIMED)
            return err_set(e, CHAIN_ETXINVALID,
                           "job %s...: cannot challenge: the job is %s", id, st);
        if (height >= job->closes_at)
            return err_set(e, CHAIN_ETXINVALID,
                           "job %s...: the challenge window closed at height %llu", id,
                           (unsigned long long)job->closes_at);
        chain_u128_t min = chain_u128_is_zero(job->provider_bond) ? chain_u128_from_u64(1)
                                                                  : job->provider_bond;
        if (chain_u128_cmp(b->challenger_bond, min) < 0) {
            char m[CHAIN_U128_STR_MAX];
            chain_u128_format(min, m);
            return err_set(e, CHAIN_ETXINVALID,
                           "job %s...: the challenger bond must be at least %s", id, m);
        }
        job->challenger = *sender;
        job->challenger_bond = b->challenger_bond;
        fx->locked = b->challenger_bond;
        fx->needs_resolution = true;
        job->status = CHAIN_JOB_CHALLENGED;
        return 0;
    }
    case CHAIN_TX_JOB_EXPIRE:
        if (job->status != CHAIN_JOB_POSTED && job->status != CHAIN_JOB_ACCEPTED)
            return err_set(e, CHAIN_ETXINVALID,
                           "job %s...: cannot expire: the job is %s", id, st);
        if (height <= job->deadline)
            return err_set(e, CHAIN_ETXINVALID,
                           "job %s...: the deadline %llu has not passed (height %llu)", id,
                           (unsigned long long)job->deadline, (unsigned long long)height);
        if (credit(fx, &job->requester, job->payment))
            return overflow(e);
        if (job->status == CHAIN_JOB_ACCEPTED &&
            split_slash(fx, &job->requester, job->provider_bond))
            return overflow(e);
        job->status = CHAIN_JOB_EXPIRED;
        return 0;
    default:
        return err_set(e, CHAIN_ETXINVALID, "job: tx kind %u is not a job step", b->kind);
    }
}

int chain_escrow_resolve(chain_job_t *job, const chain_hash_t *recomputed, chain_escrow_fx_t *fx,
                         err_t *e)
{
    memset(fx, 0, sizeof *fx);
    if (job->status != CHAIN_JOB_CHALLENGED)
        return err_set(e, CHAIN_ETXINVALID, "job: cannot resolve a %s job",
                       chain_job_status_name(job->status));
    if (chain_hash_equal(recomputed, &job->output_commitment)) {
        /* honest claim: the challenger pays for the doubt */
        if (credit(fx, &job->provider, job->payment) ||
            credit(fx, &job->provider, job->provider_bond) ||
            split_slash(fx, &job->provider, job->challenger_bond))
            return overflow(e);
        fx->reputation_up = true;
        job->status = CHAIN_JOB_FINALIZED;
    } else {
        if (credit(fx, &job->requester, job->payment) ||
            credit(fx, &job->challenger, job->challenger_bond) ||
            split_slash(fx, &job->challenger, job->provider_bond))
            return overflow(e);
        job->status = CHAIN_JOB_SLASHED;
    }
    return 0;
}
