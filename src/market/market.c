/*
 * market: the provider and watchtower loop over the job escrow (market.h
 * says what a round does and why every decision comes from chain state).
 * This file: the job JSON the node answers (aeth_getJob's form, read
 * strictly), the four round steps (claim, finalize, accept, check), and the
 * polling thread with its back-off.
 */
#include "market.h"

#include "crypto/crypto.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MOD "market"
#define CHECKED_MAX 4096     /* claims remembered as checked (a ring) */
#define FAILS_MAX 64         /* jobs remembered with failed steps */
#define GIVE_UP 3            /* an accept or challenge refused this often is not retried */
#define NEVER 0x40000000u    /* a claim that can never be made (receipt too large) */
#define FEE_SIZE 2500u       /* the size a job tx's fee is budgeted for (claims are ~2 KB) */
#define DEADLINE_MARGIN 3    /* blocks left for accept, run and claim */
#define RPC_STEP_TIMEOUT 10000u
#define PAGES_PER_ROUND 4    /* default pages of the posted and claimed lists per round */
#define OWN_PAGES_MAX 64     /* pages of our own jobs read per round */

/* Where the next round resumes a paged list (set false: from the first). */
typedef struct mcursor {
    bool set;
    chain_hash_t after;
} mcursor_t;

struct market {
    market_cfg_t cfg;
    chain_client_t *client;
    chain_hash_t checked[CHECKED_MAX];   /* claims re-run */
    size_t n_checked, next_checked;
    chain_hash_t skipped[CHECKED_MAX];   /* posted jobs we said we do not serve */
    size_t n_skipped, next_skipped;
    struct {
        chain_hash_t id;
        uint32_t n;
    } fails[FAILS_MAX];
    size_t next_fail;
    mcursor_t posted, claimed;   /* others' jobs: resumed round after round */
    market_stats_t st;
    pthread_mutex_t mu;       /* guards st, stop */
    pthread_cond_t cv;
    bool stop, running, sync;
    pthread_t th;
};

/* ---- what a round knows ---- */

typedef struct round {
    uint64_t height;
    uint64_t nonce;           /* for the next tx of this round */
    chain_u128_t avail;       /* balance left for bonds and fees */
    chain_u128_t fee;         /* what one job tx is budgeted to cost in fees */
    uint32_t active;          /* our accepted, unclaimed jobs (+ accepts sent) */
} round_t;

typedef struct mjob {
    chain_hash_t id;
    char hex[2 * CHAIN_HASH_BYTES + 1];
    char status[16];
    bool has_provider, claimed;
    chain_addr_t provider;
    uint64_t fuel, memory_max, deadline, closes_at;
    chain_u128_t payment, provider_bond;
    chain_hash_t module_hash, output_commitment;
    uint32_t n_allow;
    chain_addr_t allow[CHAIN_JOB_MAX_ALLOW];
} mjob_t;

static int shape(const char *field, err_t *e)
{
    return err_set(e, MARKET_ERPC, "market: the node answered a job whose \"%s\" is missing or "
                   "malformed", field);
}

static int get_u64(const json_t *o, const char *k, uint64_t *v, err_t *e)
{
    return cjson_get_u64(json_object_get(o, k), v) ? 0 : shape(k, e);
}

static int get_u128(const json_t *o, const char *k, chain_u128_t *v, err_t *e)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && chain_u128_parse(s, strlen(s), v, NULL) == 0 ? 0 : shape(k, e);
}

static int get_hash(const json_t *o, const char *k, chain_hash_t *h, err_t *e)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && chain_hash_from_hex(s, h, NULL) == 0 ? 0 : shape(k, e);
}

static int job_parse(const json_t *o, mjob_t *j, err_t *e)
{
    memset(j, 0, sizeof *j);
    const char *st = json_string_value(json_object_get(o, "status"));
    if (!json_is_object(o) || !st || strlen(st) >= sizeof j->status)
        return shape("status", e);
    snprintf(j->status, sizeof j->status, "%s", st);
    int rc;
    if ((rc = get_hash(o, "job_id", &j->id, e)) || (rc = get_hash(o, "module_hash", &j->module_hash, e)) ||
        (rc = get_u64(o, "fuel", &j->fuel, e)) || (rc = get_u64(o, "memory_max", &j->memory_max, e)) ||
        (rc = get_u64(o, "deadline", &j->deadline, e)) ||
        (rc = get_u128(o, "payment", &j->payment, e)) ||
        (rc = get_u128(o, "provider_bond", &j->provider_bond, e)))
        return rc;
    chain_hash_to_hex(&j->id, j->hex);
    const char *p = json_string_value(json_object_get(o, "provider"));
    if (p) {
        if (chain_addr_from_hex(p, &j->provider, NULL) != 0)
            return shape("provider", e);
        j->has_provider = true;
    }
    if (!json_is_null(json_object_get(o, "output_commitment"))) {
        if ((rc = get_hash(o, "output_commitment", &j->output_commitment, e)) ||
            (rc = get_u64(o, "closes_at", &j->closes_at, e)))
            return rc;
        j->claimed = true;
    }
    const json_t *a = json_object_get(o, "allow");
    if (!json_is_array(a) || json_array_size(a) > CHAIN_JOB_MAX_ALLOW)
        return shape("allow", e);
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (!s || chain_addr_from_hex(s, &j->allow[i], NULL) != 0)
            return shape("allow", e);
    }
    j->n_allow = (uint32_t)json_array_size(a);
    return 0;
}

/* aeth_getJobs with {status, provider?}: the jobs as mjob_t (malloc'd).
 * With a cursor: at most pages_per_round pages from where it stands, leaving
 * it at the next page (or unset after the last one). Without: every page, up
 * to OWN_PAGES_MAX. */
static int list_jobs(market_t *m, const char *status, const chain_addr_t *provider,
                     mcursor_t *cur, mjob_t **out, size_t *n, err_t *e)
{
    *out = NULL;
    *n = 0;
    json_t *f = json_pack("{s:s}", "status", status);
    if (f && provider) {
        char a[2 * CHAIN_ADDR_BYTES + 1];
        hex_encode(provider->b, CHAIN_ADDR_BYTES, a);
        json_object_set_new(f, "provider", json_string(a));
    }
    if (!f)
        return err_set(e, MARKET_ENOMEM, "market: out of memory");
    uint32_t budget = !cur ? OWN_PAGES_MAX
                           : m->cfg.pages_per_round ? m->cfg.pages_per_round : PAGES_PER_ROUND;
    chain_hash_t after;
    bool from = cur && cur->set, more = false;
    if (from)
        after = cur->after;
    int rc = 0;
    for (uint32_t page = 0; !rc && page < budget; page++) {
        json_t *arr = NULL, *fc = json_deep_copy(f);
        err_t ce = {0};
        if (!fc) {   /* never drop the filter: it says whose jobs these are */
            rc = err_set(e, MARKET_ENOMEM, "market: out of memory");
            break;
        }
        if (chain_client_get_jobs(m->client, fc, from ? &after : NULL, &arr, &more, &after,
                                  &ce) != 0) {
            rc = err_set(e, MARKET_ERPC, "market: aeth_getJobs (%s): %s", status, ce.msg);
            break;
        }
        size_t cnt = json_array_size(arr);
        if (cnt) {
            mjob_t *grown = realloc(*out, (*n + cnt) * sizeof **out);
            if (!grown)
                rc = err_set(e, MARKET_ENOMEM, "market: out of memory");
            else
                *out = grown;
        }
        for (size_t i = 0; !rc && i < cnt; i++) {
            memset(&(*out)[*n], 0, sizeof **out);
            if ((rc = job_parse(json_array_get(arr, i), &(*out)[*n], e)) == 0)
                (*n)++;
        }
        json_decref(arr);
        if (!more)
            break;
        from = true;
    }
    json_decref(f);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;   /* the cursor stays: the next round retries that page */
    }
    if (cur) {
        cur->set = more;
        if (more)
            cur->after = after;
    }
    return 0;
}

/* ---- memory that only saves work ---- */

static bool ring_has(const chain_hash_t *ring, size_t n, const chain_hash_t *id)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(ring[i].b, id->b, 32) == 0)
            return true;
    return false;
}

static void ring_add(chain_hash_t *ring, size_t *n, size_t *next, const chain_hash_t *id)
{
    ring[*next] = *id;
    *next = (*next + 1) % CHECKED_MAX;
    if (*n < CHECKED_MAX)
        (*n)++;
}

static bool was_checked(const market_t *m, const chain_hash_t *id)
{
    return ring_has(m->checked, m->n_checked, id);
}

static void mark_checked(market_t *m, const chain_hash_t *id)
{
    ring_add(m->checked, &m->n_checked, &m->next_checked, id);
}

/* Says once per job why a posted job is not served (then at debug level). */
static void not_served(market_t *m, const mjob_t *j, const char *why)
{
    bool told = ring_has(m->skipped, m->n_skipped, &j->id);
    log_msg(told ? LOG_DEBUG : LOG_INFO, MOD, "job not served", "job=%s reason=\"%s\"", j->hex,
            why);
    if (!told)
        ring_add(m->skipped, &m->n_skipped, &m->next_skipped, &j->id);
}

static uint32_t *fail_slot(market_t *m, const chain_hash_t *id, bool create)
{
    for (size_t i = 0; i < FAILS_MAX; i++)
        if (m->fails[i].n && memcmp(m->fails[i].id.b, id->b, 32) == 0)
            return &m->fails[i].n;
    if (!create)
        return NULL;
    size_t i = m->next_fail;
    m->next_fail = (m->next_fail + 1) % FAILS_MAX;
    m->fails[i].id = *id;
    m->fails[i].n = 0;
    return &m->fails[i].n;
}

static bool given_up(market_t *m, const chain_hash_t *id, uint32_t limit)
{
    uint32_t *n = fail_slot(m, id, false);
    return n && *n >= limit;
}

static void count(market_t *m, uint64_t *field)
{
    pthread_mutex_lock(&m->mu);
    (*field)++;
    pthread_mutex_unlock(&m->mu);
}

/* ---- sending ---- */

static bool afford(const market_t *m, round_t *r, chain_u128_t lock)
{
    chain_u128_t need = chain_u128_add_sat(lock, r->fee);
    chain_u128_t left;
    if (!chain_u128_sub(r->avail, need, &left))
        return false;
    r->avail = left;
    return true;
}

/* Sends one job tx with the round's next nonce. A refusal by the node
 * (the step is not allowed, the job changed meanwhile) is logged and
 * counted against the job; only an unreachable node fails the round. */
static int send_step(market_t *m, round_t *r, const chain_job_body_t *b, const mjob_t *j,
                     err_t *e)
{
    chain_client_send_t s;
    memset(&s, 0, sizeof s);
    s.have_nonce = true;
    s.nonce = r->nonce;
    s.have_fee = m->cfg.have_fee;
    s.fee = m->cfg.fee;
    s.phase_sk = b->kind == CHAIN_TX_JOB_ACCEPT ? m->cfg.identity.sk : NULL;
    chain_tx_t *tx = NULL;
    err_t ce = {0};
    int rc = chain_client_job_send(m->client, &m->cfg.account, &s, b, &tx, &ce);
    const char *kind = chain_tx_kind_name(b->kind);
    if (rc == 0) {
        char h[2 * CHAIN_HASH_BYTES + 1];
        chain_hash_to_hex(&tx->hash, h);
        log_info(MOD, "sent", "kind=%s job=%s tx=%s nonce=%llu", kind, j->hex, h,
                 (unsigned long long)r->nonce);
        chain_tx_free(tx);
        r->nonce++;
        return 0;
    }
    if (rc == CHAIN_CLIENT_EUNREACHABLE || rc == CHAIN_CLIENT_EPROTO)
        return err_set(e, MARKET_ERPC, "market: sending %s for job %.16s: %s", kind, j->hex,
                       ce.msg);
    uint32_t *n = fail_slot(m, &j->id, true);
    (*n)++;
    bool optional = b->kind == CHAIN_TX_JOB_ACCEPT || b->kind == CHAIN_TX_JOB_CHALLENGE;
    log_warn(MOD, "step refused", "kind=%s job=%s attempt=%u reason=\"%s\"%s", kind, j->hex, *n,
             ce.msg, optional && *n >= GIVE_UP ? " giving_up=1" : "");
    return 1;   /* not sent, round goes on */
}

static int fetch_data(market_t *m, const mjob_t *j, buf_t *module, buf_t *input, bool *exists,
                      err_t *e)
{
    err_t ce = {0};
    chain_hash_t id = j->id;
    if (chain_client_get_job_data(m->client, &id, module, input, exists, &ce) != 0)
        return err_set(e, MARKET_ERPC, "market: aeth_getJobData %.16s: %s", j->hex, ce.msg);
    if (*exists) {   /* the node's bytes must be the ones the job names */
        uint8_t h[32];
        crypto_sha256(module->data, module->len, h);
        if (memcmp(h, j->module_hash.b, 32) != 0)
            return err_set(e, MARKET_ERPC, "market: aeth_getJobData %.16s: the module does not "
                           "hash to the job's module_hash", j->hex);
    }
    return 0;
}

static void escrow_job(const mjob_t *j, const buf_t *module, const buf_t *input,
                       phase_escrow_job_t *pj)
{
    memset(pj, 0, sizeof *pj);
    memcpy(pj->job_id, j->id.b, 32);
    pj->module = module->data;
    pj->module_len = module->len;
    pj->input = input->data;
    pj->input_len = input->len;
    pj->fuel = j->fuel;
    pj->memory_max = j->memory_max;
}

/* ---- the round's steps ---- */

/* Our accepted job: run it and claim with the signed receipt. */
static int claim_job(market_t *m, round_t *r, const mjob_t *j, err_t *e)
{
    if (r->height + 1 > j->deadline) {
        /* the bond is lost (anyone may expire the job now): said once */
        *fail_slot(m, &j->id, true) = NEVER;
        log_warn(MOD, "deadline passed before the claim", "job=%s deadline=%llu height=%llu",
                 j->hex, (unsigned long long)j->deadline, (unsigned long long)r->height);
        return 0;
    }
    buf_t module = {0}, input = {0};
    bool exists = false;
    int rc = fetch_data(m, j, &module, &input, &exists, e);
    if (rc || !exists) {
        if (!rc)
            log_warn(MOD, "cannot run: no module on chain", "job=%s", j->hex);
        buf_free(&module);
        buf_free(&input);
        return rc;
    }
    phase_escrow_job_t pj;
    escrow_job(j, &module, &input, &pj);
    phase_job_outcome_t out;
    phase_receipt_t receipt;
    err_t pe = {0};
    char *json = NULL;
    rc = phase_escrow_run(&pj, &m->cfg.identity, &out, NULL, &receipt, &pe);
    buf_free(&module);
    buf_free(&input);
    if (rc != 0) {
        uint32_t *n = fail_slot(m, &j->id, true);
        (*n)++;
        log_warn(MOD, "job could not run", "job=%s error=\"%s\"", j->hex, pe.msg);
        return 0;
    }
    log_info(MOD, "job ran", "job=%s status=%s exit=%d fuel_used=%llu wall_ms=%llu", j->hex,
             phase_job_status_name(out.status), (int)out.exit_code,
             (unsigned long long)out.fuel_used, (unsigned long long)out.wall_ms);
    phase_job_outcome_free(&out);
    json = phase_receipt_to_json(&receipt, &pe);
    phase_receipt_free(&receipt);
    if (!json || strlen(json) > CHAIN_JOB_MAX_RECEIPT) {
        uint32_t *n = fail_slot(m, &j->id, true);
        *n = NEVER;
        log_error(MOD, "receipt cannot be claimed", "job=%s reason=\"%s\"", j->hex,
                  json ? "larger than a claim carries" : pe.msg);
        free(json);
        return 0;
    }
    chain_job_body_t b;
    memset(&b, 0, sizeof b);
    b.kind = CHAIN_TX_JOB_CLAIM;
    b.job_id = j->id;
    b.receipt = (const uint8_t *)json;
    b.receipt_len = (uint32_t)strlen(json);
    rc = send_step(m, r, &b, j, e);
    free(json);
    if (rc == 0)
        count(m, &m->st.claimed);
    return rc < 0 ? rc : 0;
}

static int simple_step(market_t *m, round_t *r, uint8_t kind, const mjob_t *j, err_t *e)
{
    chain_job_body_t b;
    memset(&b, 0, sizeof b);
    b.kind = kind;
    b.job_id = j->id;
    if (kind == CHAIN_TX_JOB_ACCEPT)
        memcpy(b.phase_pk, m->cfg.identity.pk, 32);
    if (kind == CHAIN_TX_JOB_CHALLENGE) {
        b.challenger_bond = chain_u128_is_zero(j->provider_bond) ? chain_u128_from_u64(1)
                                                                 : j->provider_bond;
    }
    return send_step(m, r, &b, j, e);
}

/* A step that locks `lock` from the balance (an accept's bond, a challenge's
 * bond): LOCK_SHORT when what is left this round cannot cover it, else
 * send_step's result (the amount given back on a refusal). */
#define LOCK_SHORT 2
static int locking_step(market_t *m, round_t *r, uint8_t kind, const mjob_t *j, chain_u128_t lock,
                        err_t *e)
{
    chain_u128_t save = r->avail;
    if (!afford(m, r, lock))
        return LOCK_SHORT;
    int s = simple_step(m, r, kind, j, e);
    if (s != 0)
        r->avail = save;
    return s;
}

/* Why a posted job is not for us (NULL: it is). */
static const char *unfit(const market_t *m, const round_t *r, const mjob_t *j)
{
    if (j->deadline < r->height + DEADLINE_MARGIN)
        return "too close to its deadline";
    if (j->n_allow) {
        bool listed = false;
        for (uint32_t i = 0; i < j->n_allow; i++)
            listed |= memcmp(j->allow[i].b, m->cfg.account.addr.b, CHAIN_ADDR_BYTES) == 0;
        if (!listed)
            return "our account is not on its allow-list";
    }
    uint64_t max_fuel = m->cfg.max_fuel ? m->cfg.max_fuel : CHAIN_JOB_MAX_FUEL;
    uint64_t max_mem = m->cfg.max_memory ? m->cfg.max_memory : MARKET_DEFAULT_MAX_MEMORY;
    if (j->fuel > max_fuel)
        return "fuel above our limit";
    if (j->memory_max > max_mem)
        return "memory above our limit";
    if (chain_u128_cmp(j->payment, m->cfg.min_payment) < 0)
        return "payment below our price";
    if (m->cfg.have_max_bond && chain_u128_cmp(j->provider_bond, m->cfg.max_bond) > 0)
        return "bond above our maximum";
    return NULL;
}

static int accept_jobs(market_t *m, round_t *r, err_t *e)
{
    mjob_t *jobs = NULL;
    size_t n = 0;
    int rc = list_jobs(m, "posted", NULL, &m->posted, &jobs, &n, e);
    uint32_t max_active = m->cfg.max_active ? m->cfg.max_active : 4;
    for (size_t i = 0; !rc && i < n && r->active < max_active; i++) {
        const mjob_t *j = &jobs[i];
        const char *why = unfit(m, r, j);
        if (!why && given_up(m, &j->id, GIVE_UP))
            why = "its accept failed before";
        if (why) {
            not_served(m, j, why);
            continue;
        }
        buf_t module = {0}, input = {0};
        bool exists = false;
        rc = fetch_data(m, j, &module, &input, &exists, e);
        buf_free(&module);
        buf_free(&input);
        if (rc)
            break;
        if (!exists) {
            not_served(m, j, "no module and input on chain");
            continue;
        }
        int s = locking_step(m, r, CHAIN_TX_JOB_ACCEPT, j, j->provider_bond, e);
        if (s == LOCK_SHORT)
            not_served(m, j, "balance too low for its bond");
        if (s < 0)
            rc = s;
        if (s == 0) {
            r->active++;
            count(m, &m->st.accepted);
        }
    }
    free(jobs);
    return rc;
}

/* Watchtower: re-run others' open claims; challenge a wrong one. */
static int check_claims(market_t *m, round_t *r, err_t *e)
{
    mjob_t *jobs = NULL;
    size_t n = 0;
    int rc = list_jobs(m, "claimed", NULL, &m->claimed, &jobs, &n, e);
    for (size_t i = 0; !rc && i < n; i++) {
        const mjob_t *j = &jobs[i];
        if (!j->claimed || was_checked(m, &j->id) || given_up(m, &j->id, GIVE_UP) ||
            (j->has_provider &&
             memcmp(j->provider.b, m->cfg.account.addr.b, CHAIN_ADDR_BYTES) == 0))
            continue;
        if (r->height + 1 >= j->closes_at)
            continue;   /* the window closes before a challenge could land */
        buf_t module = {0}, input = {0};
        bool exists = false;
        if ((rc = fetch_data(m, j, &module, &input, &exists, e)) != 0) {
            buf_free(&module);
            buf_free(&input);
            break;
        }
        if (!exists) {
            log_info(MOD, "claim cannot be checked: no module on chain", "job=%s", j->hex);
            mark_checked(m, &j->id);
            continue;
        }
        phase_escrow_job_t pj;
        escrow_job(j, &module, &input, &pj);
        phase_job_outcome_t out;
        phase_job_result_t res;
        err_t pe = {0};
        int run = phase_escrow_run(&pj, NULL, &out, &res, NULL, &pe);
        buf_free(&module);
        buf_free(&input);
        if (run != 0) {
            log_warn(MOD, "claim could not be re-run", "job=%s error=\"%s\"", j->hex, pe.msg);
            continue;
        }
        bool honest = memcmp(res.output_commitment, j->output_commitment.b, 32) == 0;
        char want[65], got[65];
        hex_encode(res.output_commitment, 32, want);
        hex_encode(j->output_commitment.b, 32, got);
        phase_job_result_free(&res);
        phase_job_outcome_free(&out);
        count(m, &m->st.checked);
        if (honest) {
            log_info(MOD, "claim verified", "job=%s commitment=%s", j->hex, got);
            mark_checked(m, &j->id);
            continue;
        }
        chain_u128_t bond = chain_u128_is_zero(j->provider_bond) ? chain_u128_from_u64(1)
                                                                 : j->provider_bond;
        log_warn(MOD, "wrong claim: challenging", "job=%s claimed=%s recomputed=%s", j->hex, got,
                 want);
        int s = locking_step(m, r, CHAIN_TX_JOB_CHALLENGE, j, bond, e);
        if (s == LOCK_SHORT)
            log_warn(MOD, "the balance cannot cover the challenger bond", "job=%s", j->hex);
        if (s < 0)
            rc = s;
        if (s == 0) {
            mark_checked(m, &j->id);
            count(m, &m->st.challenged);
        }
    }
    free(jobs);
    return rc;
}

/* Our own jobs: claim the accepted ones, finalize the claimed ones whose
 * window has closed. */
static int own_jobs(market_t *m, round_t *r, err_t *e)
{
    mjob_t *jobs = NULL;
    size_t n = 0;
    int rc = list_jobs(m, "accepted", &m->cfg.account.addr, NULL, &jobs, &n, e);
    r->active = (uint32_t)n;
    for (size_t i = 0; !rc && i < n; i++)
        if (!given_up(m, &jobs[i].id, NEVER))   /* our bond is at stake: keep trying */
            rc = claim_job(m, r, &jobs[i], e);
    free(jobs);
    if (rc)
        return rc;
    if ((rc = list_jobs(m, "claimed", &m->cfg.account.addr, NULL, &jobs, &n, e)) != 0)
        return rc;
    for (size_t i = 0; !rc && i < n; i++) {
        const mjob_t *j = &jobs[i];
        if (!j->claimed || r->height + 1 < j->closes_at)
            continue;
        int s = simple_step(m, r, CHAIN_TX_JOB_FINALIZE, j, e);
        if (s < 0)
            rc = s;
        else if (s == 0)
            count(m, &m->st.finalized);
    }
    free(jobs);
    return rc;
}

int market_poll(market_t *m, err_t *e)
{
    if (!m)
        return err_set(e, MARKET_EINVAL, "market: no market");
    count(m, &m->st.rounds);
    round_t r;
    memset(&r, 0, sizeof r);
    json_t *h = NULL;
    err_t ce = {0};
    if (chain_client_call(m->client, "aeth_blockNumber", NULL, &h, &ce) != 0)
        return err_set(e, MARKET_ERPC, "market: aeth_blockNumber: %s", ce.msg);
    bool ok = cjson_get_u64(h, &r.height);
    json_decref(h);
    if (!ok)
        return err_set(e, MARKET_ERPC, "market: aeth_blockNumber did not answer a height");
    chain_client_account_t acct;
    if (chain_client_account(m->client, &m->cfg.account.addr, &acct, &ce) != 0)
        return err_set(e, MARKET_ERPC, "market: aeth_getAccount: %s", ce.msg);
    if (acct.next_nonce != acct.nonce) {
        /* a tx of ours is pending: decide again once it is committed */
        log_debug(MOD, "waiting for pending transactions", "pending=%llu",
                  (unsigned long long)(acct.next_nonce - acct.nonce));
        return 0;
    }
    r.nonce = acct.nonce;
    r.avail = acct.balance;
    /* each tx reads the base fee when it is built (chain_client_job_send);
     * this budget only keeps bonds from eating what the fees need */
    r.fee = m->cfg.fee;
    if (!m->cfg.have_fee && chain_client_fee_estimate(m->client, FEE_SIZE, &r.fee, &ce) != 0)
        return err_set(e, MARKET_ERPC, "market: aeth_baseFee: %s", ce.msg);
    int rc = own_jobs(m, &r, e);
    if (!rc && m->cfg.provide)
        rc = accept_jobs(m, &r, e);
    if (!rc && m->cfg.watchtower)
        rc = check_claims(m, &r, e);
    return rc;
}

/* ---- lifecycle and the polling thread ---- */

market_t *market_new(const market_cfg_t *cfg, err_t *e)
{
    if (!cfg || (!cfg->provide && !cfg->watchtower)) {
        err_set(e, MARKET_EINVAL, "market: neither provider nor watchtower: nothing to do");
        return NULL;
    }
    if (cfg->max_fuel > CHAIN_JOB_MAX_FUEL) {
        err_set(e, MARKET_EINVAL, "market: max fuel %llu is above the chain's %llu",
                (unsigned long long)cfg->max_fuel, CHAIN_JOB_MAX_FUEL);
        return NULL;
    }
    market_t *m = calloc(1, sizeof *m);
    if (!m) {
        err_set(e, MARKET_ENOMEM, "market: out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    m->cfg.rpc_url = NULL;
    if (!m->cfg.poll_ms)
        m->cfg.poll_ms = 500;
    if (!m->cfg.max_backoff_ms)
        m->cfg.max_backoff_ms = 10000;
    if (m->cfg.max_backoff_ms < m->cfg.poll_ms)
        m->cfg.max_backoff_ms = m->cfg.poll_ms;
    err_t ce = {0};
    m->client = chain_client_new(cfg->rpc_url,
                                 cfg->rpc_timeout_ms ? cfg->rpc_timeout_ms : RPC_STEP_TIMEOUT, &ce);
    if (!m->client) {
        err_set(e, MARKET_EINVAL, "market: %s", ce.msg);
        market_free(m);
        return NULL;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&m->mu, NULL);
    m->sync = true;
    return m;
}

static void *loop(void *arg)
{
    market_t *m = arg;
    uint32_t wait = m->cfg.poll_ms;
    pthread_mutex_lock(&m->mu);
    while (!m->stop) {
        pthread_mutex_unlock(&m->mu);
        err_t e = {0};
        int rc = market_poll(m, &e);
        if (rc) {
            wait = wait >= m->cfg.max_backoff_ms / 2 ? m->cfg.max_backoff_ms : wait * 2;
            log_warn(MOD, "round failed", "error=\"%s\" retry_ms=%u", e.msg, wait);
        } else {
            wait = m->cfg.poll_ms;
        }
        pthread_mutex_lock(&m->mu);
        if (rc)
            m->st.rpc_errors++;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += wait / 1000;
        ts.tv_nsec += (long)(wait % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (!m->stop && pthread_cond_timedwait(&m->cv, &m->mu, &ts) == 0)
            ;
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

int market_start(market_t *m, err_t *e)
{
    if (!m || m->running)
        return err_set(e, MARKET_EINVAL, "market: already running");
    m->stop = false;
    if (pthread_create(&m->th, NULL, loop, m) != 0)
        return err_set(e, MARKET_ENOMEM, "market: cannot start the polling thread");
    m->running = true;
    log_info(MOD, "started", "account=%02x%02x%02x%02x... provider=%d watchtower=%d poll_ms=%u",
             m->cfg.account.addr.b[0], m->cfg.account.addr.b[1], m->cfg.account.addr.b[2],
             m->cfg.account.addr.b[3], m->cfg.provide, m->cfg.watchtower, m->cfg.poll_ms);
    return 0;
}

void market_stop(market_t *m)
{
    if (!m || !m->running)
        return;
    pthread_mutex_lock(&m->mu);
    m->stop = true;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->th, NULL);
    m->running = false;
}

void market_stats(market_t *m, market_stats_t *out)
{
    pthread_mutex_lock(&m->mu);
    *out = m->st;
    pthread_mutex_unlock(&m->mu);
}

void market_free(market_t *m)
{
    if (!m)
        return;
    market_stop(m);
    chain_client_free(m->client);
    if (m->sync) {
        pthread_cond_destroy(&m->cv);
        pthread_mutex_destroy(&m->mu);
    }
    chain_key_wipe(&m->cfg.account);
    phase_identity_wipe(&m->cfg.identity);
    free(m);
}
