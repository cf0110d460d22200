/*
 * phase/node: the provider node behind `plasmd start`.
 *
 * One libuv loop: a libp2p host (identify, ping, Kademlia server, optional
 * mDNS), upstream's /phase/job-offer/1.0.0 and /phase/job-relay/1.0.0, and
 * the advertisement of the node (a provider record for
 * /phase/capability/<arch>/wasm and a signed capability record under
 * PHASE_CAP_NS<peer id>, both refreshed at a quarter of their lifetime).
 *
 * Jobs: up to max_concurrent_jobs run at once on libuv's thread pool
 * (uv_queue_work; the pool is sized to fit), at most queue_depth more wait in
 * FIFO order, anything beyond is refused (offer: QueueFull; relay:
 * Err{"busy: ..."}; local: PHASE_EBUSY). Each job runs through
 * phase_worker_execute with the node's ceilings: wall time
 * (limits.max_timeout_seconds), memory (limits.max_memory_bytes) and fuel
 * (max_fuel) are clamped whatever the manifest asks.
 *
 * Inbound streams: every read is capped (64 KiB offers, 256 KiB relay
 * requests) and timed (10 s offers, 60 s relay requests); a peer that sends
 * too much, sends garbage or stalls has its stream reset and the node keeps
 * serving everyone else.
 */
#include "internal.h"

#include "crypto/crypto.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OFFER_READ_MS 10000
#define RELAY_READ_MS 60000
#define MAX_ARGS 64
#define MAX_ENV 64
#define CACHE_SLOTS 64
#define CACHE_BYTES (256u << 20)

typedef struct njob njob_t;

struct phase_node {
    uv_loop_t *loop;
    const phase_node_config_t *cfg;
    phase_identity_t id;
    char peer_id[PHASE_PEER_ID_MAX];
    p2p_host_t *host;
    p2p_kad_t *kad;
    p2p_mdns_t *mdns;
    uv_timer_t boot_timer, adv_timer;
    int handles;             /* open timers */
    int outstanding;         /* jobs handed to the pool */
    bool freed;
    uint32_t running, queued;
    njob_t *q_head, *q_tail;
    njob_t *run_head;         /* jobs in the pool (for cancel and state) */
    uint64_t next_job;
    uint64_t jobs_done, jobs_refused;
    buf_t cap_key;
    struct rstream *streams;  /* inbound offer/relay streams */
    struct pjob *pjobs;       /* inbound /phase/job/1.0.0 streams (jobproto.c) */
    struct mcache {
        char hash[PHASE_MODULE_HASH_LEN + 1];
        uint8_t *data;
        size_t len;
        uint64_t used;
    } cache[CACHE_SLOTS];
    size_t cache_bytes;
    uint64_t cache_clock;
};

struct njob {
    phase_node_t *node;
    uint64_t id;
    phase_manifest_t m;
    phase_node_job_cbs_t cbs;
    uv_work_t work;
    char *argv[MAX_ARGS + 1];
    size_t argc;
    char *envp[MAX_ENV + 1];   /* "KEY=VALUE" from the JobSpec's "env" */
    size_t envc;
    uint8_t *stdin_data;
    size_t stdin_len;
    uint64_t fuel;
    uint8_t *module;           /* by-reference module bytes (copy) */
    size_t module_len;
    int stdin_fd, stdout_fd, stderr_fd;
    const int *cancel;
    int own_cancel;            /* the flag phase_node_cancel sets when io gave none */
    njob_t *run_next;
    /* filled on the pool thread */
    int rc;
    err_t err;
    phase_job_outcome_t out;
    phase_receipt_t receipt;
    njob_t *next;
};

static void node_maybe_release(phase_node_t *n);

/* ---- the job queue ---- */

static void njob_free(njob_t *j)
{
    phase_manifest_free(&j->m);
    for (size_t i = 0; i < j->argc; i++)
        free(j->argv[i]);
    for (size_t i = 0; i < j->envc; i++)
        free(j->envp[i]);
    free(j->stdin_data);
    free(j->module);
    phase_job_outcome_free(&j->out);
    phase_receipt_free(&j->receipt);
    free(j);
}

static void work_run(uv_work_t *w)
{
    njob_t *j = w->data;
    const phase_node_config_t *c = j->node->cfg;
    phase_worker_policy_t pol = {
        .allowed = (const uint8_t(*)[PHASE_PK_BYTES])c->authorized,
        .n_allowed = c->n_authorized,
        .allow_unauthenticated = c->allow_unauthenticated && c->n_authorized == 0,
        .max_duration_ms = c->max_timeout_seconds * 1000u,
        .max_memory_bytes = c->max_memory_bytes,
    };
    phase_job_opts_t t = {
        .argc = j->argc,
        .argv = (const char *const *)j->argv,
        .envc = j->envc,
        .envp = (const char *const *)j->envp,
        .fuel = j->fuel,
        .module = j->module,
        .module_len = j->module_len,
        .stdin_fd = j->stdin_fd,
        .stdin_data = j->stdin_data,
        .stdin_len = j->stdin_len,
        .stdout_fd = j->stdout_fd,
        .stderr_fd = j->stderr_fd,
        .cancel = j->cancel,
        .output_max = PHASE_RELAY_RESP_MAX / 8, /* fits the relay answer as JSON */
    };
    j->rc = phase_worker_execute(&j->m, &pol, &j->node->id, &t, ts_now(), &j->out, &j->receipt,
                                 &j->err);
}

static void start_next(phase_node_t *n);
struct rstream;

static void work_done(uv_work_t *w, int status)
{
    njob_t *j = w->data;
    phase_node_t *n = j->node;
    n->running--;
    n->outstanding--;
    for (njob_t **pp = &n->run_head; *pp; pp = &(*pp)->run_next)
        if (*pp == j) {
            *pp = j->run_next;
            break;
        }
    if (status == UV_ECANCELED && j->rc == 0)
        j->rc = err_set(&j->err, PHASE_ECANCELLED, "job cancelled");
    n->jobs_done++;
    if (n->freed && j->cbs.on_done) {
        j->cbs.on_done(n, j->id, PHASE_ECANCELLED, "node shutting down", NULL, NULL, NULL,
                       j->cbs.ud);
    } else if (j->cbs.on_done) {
        if (j->rc == PHASE_OK) {
            err_t ee = {0};
            json_t *events = phase_job_events(&j->out, j->receipt.result, &ee);
            if (events)
                j->cbs.on_done(n, j->id, PHASE_OK, NULL, &j->out, events, &j->receipt,
                               j->cbs.ud);
            else
                j->cbs.on_done(n, j->id, ee.code ? ee.code : BASE_ENOMEM, ee.msg, NULL, NULL,
                               NULL, j->cbs.ud);
            json_decref(events);
        } else {
            j->cbs.on_done(n, j->id, j->rc, j->err.msg, NULL, NULL, NULL, j->cbs.ud);
        }
    }
    njob_free(j);
    if (n->freed)
        node_maybe_release(n);
    else
        start_next(n);
}

static void start_next(phase_node_t *n)
{
    while (n->q_head && n->running < n->cfg->max_concurrent_jobs) {
        njob_t *j = n->q_head;
        n->q_head = j->next;
        if (!n->q_head)
            n->q_tail = NULL;
        n->queued--;
        j->work.data = j;
        n->running++;
        n->outstanding++;
        j->run_next = n->run_head;
        n->run_head = j;
        if (uv_queue_work(n->loop, &j->work, work_run, work_done) != 0) {
            n->running--;
            n->outstanding--;
            n->run_head = j->run_next;
            if (j->cbs.on_done)
                j->cbs.on_done(n, j->id, PHASE_ENET, "cannot queue work", NULL, NULL, NULL,
                               j->cbs.ud);
            njob_free(j);
        }
    }
}

static bool queue_full(const phase_node_t *n)
{
    return n->running + n->queued >= n->cfg->max_concurrent_jobs + n->cfg->queue_depth;
}

/* Our JobSpec extensions: args, env, stdin, max_fuel. */
static int read_extensions(njob_t *j, err_t *e)
{
    const json_t *p = j->m.payload;
    const json_t *args = json_object_get(p, "args");
    j->argv[0] = strdup("job.wasm");
    if (!j->argv[0])
        return err_set(e, BASE_ENOMEM, "out of memory");
    j->argc = 1;
    if (args && !json_is_null(args)) {
        if (!json_is_array(args) || json_array_size(args) > MAX_ARGS - 1)
            return err_set(e, PHASE_EINVAL, "job spec: \"args\" must be an array of at most %d "
                           "strings", MAX_ARGS - 1);
        for (size_t i = 0; i < json_array_size(args); i++) {
            const char *s = json_string_value(json_array_get(args, i));
            if (!s)
                return err_set(e, PHASE_EINVAL, "job spec: \"args\"[%zu] must be a string", i);
            if (!(j->argv[j->argc] = strdup(s)))
                return err_set(e, BASE_ENOMEM, "out of memory");
            j->argc++;
        }
    }
    const json_t *env = json_object_get(p, "env");
    if (env && !json_is_null(env)) {
        if (!json_is_object(env) || json_object_size(env) > MAX_ENV)
            return err_set(e, PHASE_EINVAL, "job spec: \"env\" must be an object of at most %d "
                           "strings", MAX_ENV);
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)env, k, v) {
            const char *val = json_string_value(v);
            if (!val || !*k || strchr(k, '='))
                return err_set(e, PHASE_EINVAL, "job spec: \"env\".\"%.64s\" must be a string "
                               "under a name without '='", k);
            size_t n = strlen(k) + strlen(val) + 2;
            if (!(j->envp[j->envc] = malloc(n)))
                return err_set(e, BASE_ENOMEM, "out of memory");
            snprintf(j->envp[j->envc], n, "%s=%s", k, val);
            j->envc++;
        }
    }
    const json_t *in = json_object_get(p, "stdin");
    if (in && !json_is_null(in)) {
        err_t be = {0};
        if (cjson_get_bytes(in, SIZE_MAX, &j->stdin_data, &j->stdin_len, &be) != 0)
            return err_set(e, PHASE_EINVAL, "job spec: \"stdin\": %s", be.msg);
    }
    uint64_t cap = j->node->cfg->max_fuel, fuel = cap;
    const json_t *f = json_object_get(p, "max_fuel");
    if (f && !json_is_null(f)) {
        if (!cjson_get_u64(f, &fuel))
            return err_set(e, PHASE_EINVAL, "job spec: \"max_fuel\" must be a u64 or null");
        if (fuel == 0 || fuel > cap)
            fuel = cap;
    }
    j->fuel = fuel;
    return PHASE_OK;
}

int phase_node_submit(phase_node_t *n, phase_manifest_t *m, const phase_node_job_cbs_t *cbs,
                      uint64_t *job, err_t *e)
{
    return phase_node_submit_io(n, m, NULL, cbs, job, e);
}

int phase_node_submit_io(phase_node_t *n, phase_manifest_t *m, const phase_node_job_io_t *io,
                         const phase_node_job_cbs_t *cbs, uint64_t *job, err_t *e)
{
    if (n->freed)
        return err_set(e, PHASE_ENET, "node is shutting down");
    if (queue_full(n)) {
        n->jobs_refused++;
        return err_set(e, PHASE_EBUSY, "busy: max concurrent remote jobs reached "
                       "(%u running, %u queued)", n->running, n->queued);
    }
    njob_t *j = calloc(1, sizeof *j);
    if (!j)
        return err_set(e, BASE_ENOMEM, "out of memory");
    j->node = n;
    j->m = *m;
    memset(m, 0, sizeof *m);
    if (cbs)
        j->cbs = *cbs;
    j->stdin_fd = j->stdout_fd = j->stderr_fd = -1;
    j->cancel = &j->own_cancel;
    int rc = read_extensions(j, e);
    if (rc == 0 && io) {
        j->stdin_fd = io->stdin_fd;
        j->stdout_fd = io->stdout_fd;
        j->stderr_fd = io->stderr_fd;
        if (io->cancel)
            j->cancel = io->cancel;
        if (io->stdin_fd >= 0) { /* streamed stdin replaces the payload's */
            free(j->stdin_data);
            j->stdin_data = NULL;
            j->stdin_len = 0;
        }
        if (io->module_len) {
            j->module = malloc(io->module_len);
            if (!j->module)
                rc = err_set(e, BASE_ENOMEM, "out of memory");
            else
                memcpy(j->module, io->module, io->module_len);
            j->module_len = io->module_len;
        }
    }
    if (rc) {
        njob_free(j);
        return rc;
    }
    j->id = ++n->next_job;
    if (job)
        *job = j->id;
    if (n->q_tail)
        n->q_tail->next = j;
    else
        n->q_head = j;
    n->q_tail = j;
    n->queued++;
    start_next(n);
    return PHASE_OK;
}

int phase_node_cancel(phase_node_t *n, uint64_t job)
{
    njob_t **pp = &n->q_head, *prev = NULL;
    for (; *pp; prev = *pp, pp = &(*pp)->next) {
        njob_t *j = *pp;
        if (j->id != job)
            continue;
        *pp = j->next;
        if (n->q_tail == j)
            n->q_tail = prev;
        n->queued--;
        if (j->cbs.on_done)
            j->cbs.on_done(n, j->id, PHASE_ECANCELLED, "job cancelled while queued", NULL, NULL,
                           NULL, j->cbs.ud);
        njob_free(j);
        return PHASE_OK;
    }
    for (njob_t *j = n->run_head; j; j = j->run_next)
        if (j->id == job) {
            if (j->cancel != &j->own_cancel)
                return PHASE_EINVAL; /* the submitter holds this job's cancel flag */
            __atomic_store_n(&j->own_cancel, 1, __ATOMIC_RELEASE);
            return PHASE_OK;
        }
    return PHASE_ENOENT;
}

phase_node_job_state_t phase_node_job_state(const phase_node_t *n, uint64_t job)
{
    for (const njob_t *j = n->q_head; j; j = j->next)
        if (j->id == job)
            return PHASE_NODE_JOB_QUEUED;
    for (const njob_t *j = n->run_head; j; j = j->run_next)
        if (j->id == job)
            return PHASE_NODE_JOB_RUNNING;
    return PHASE_NODE_JOB_UNKNOWN;
}

/* ---- inbound streams: offer and relay ---- */

typedef struct rstream {
    struct rstream *prev, *next;
    phase_node_t *n;
    p2p_stream_t *s;
    buf_t in;
    size_t cap;
    bool relay;
    bool answered;
    bool job_pending;
    uv_timer_t timer;
} rstream_t;

static void rs_timer_closed(uv_handle_t *h)
{
    rstream_t *rs = h->data;
    phase_node_t *n = rs->n;
    if (rs->prev)
        rs->prev->next = rs->next;
    else
        n->streams = rs->next;
    if (rs->next)
        rs->next->prev = rs->prev;
    buf_free(&rs->in);
    free(rs);
    n->handles--;
    node_maybe_release(n);
}

static void rs_maybe_free(rstream_t *rs)
{
    if (!rs->s && !rs->job_pending && !uv_is_closing((uv_handle_t *)&rs->timer))
        uv_close((uv_handle_t *)&rs->timer, rs_timer_closed);
}

static void rs_drop(rstream_t *rs, const char *why)
{
    char pid[P2P_PEER_ID_STR_MAX] = "?";
    if (rs->s)
        p2p_peer_id_format(p2p_conn_peer(p2p_stream_conn(rs->s)), pid);
    log_warn("phase", "dropping stream", "proto=%s peer=%s reason=\"%s\"",
             rs->relay ? PHASE_RELAY_PROTO : PHASE_OFFER_PROTO, pid, why);
    if (rs->s)
        p2p_stream_reset(rs->s); /* on_close follows */
}

static void rs_timeout(uv_timer_t *t)
{
    rstream_t *rs = t->data;
    rs_drop(rs, rs->answered ? "peer did not close after the answer" : "request timed out");
}

static void rs_reply(rstream_t *rs, const uint8_t *p, size_t len)
{
    rs->answered = true;
    if (!rs->s)
        return;
    if (p2p_stream_write(rs->s, p, len) != 0) {
        rs_drop(rs, "cannot queue the answer");
        return;
    }
    p2p_stream_close_write(rs->s);
    uv_timer_start(&rs->timer, rs_timeout, RELAY_READ_MS, 0);
}

static void reply_relay_err(rstream_t *rs, const char *reason)
{
    phase_relay_response_t r = {.ok = false, .reason = (char *)reason};
    buf_t out;
    buf_init(&out, 0);
    if (phase_relay_response_encode(&r, &out, NULL) == 0)
        rs_reply(rs, out.data, out.len);
    else
        rs_drop(rs, "cannot encode the answer");
    buf_free(&out);
}

static void offer_caps(const phase_node_t *n, phase_offer_caps_t *c)
{
    c->arch = phase_arch();
    c->peer_id = n->peer_id;
    c->cpu_count = n->cfg->max_cpu_cores;
    c->memory_mb = n->cfg->max_memory_bytes >> 20;
    c->max_timeout_seconds = n->cfg->max_timeout_seconds;
    c->queue_full = queue_full(n);
}

static void handle_offer(rstream_t *rs)
{
    phase_node_t *n = rs->n;
    phase_offer_t o;
    phase_offer_response_t r;
    err_t e = {0};
    if (phase_offer_parse(rs->in.data, rs->in.len, &o, &e) != 0) {
        memset(&r, 0, sizeof r);
        r.verdict = PHASE_REJECT_INVALID;
        snprintf(r.detail, sizeof r.detail, "%s", e.msg);
    } else {
        phase_offer_caps_t c;
        offer_caps(n, &c);
        phase_offer_evaluate(&o, &c, (uint64_t)ts_now().sec, &r);
    }
    if (r.verdict == PHASE_REJECT_QUEUE_FULL)
        n->jobs_refused++;
    char why[320];
    phase_offer_reason_text(&r, why, sizeof why);
    log_info("phase", "job offer", "job=%.64s verdict=\"%s\"", r.job_id, why);
    json_t *j = phase_offer_response_to_json(&r);
    char *s = j ? cjson_encode_str(j, NULL) : NULL;
    json_decref(j);
    if (s)
        rs_reply(rs, (const uint8_t *)s, strlen(s));
    else
        rs_drop(rs, "cannot encode the answer");
    free(s);
}

static void relay_done(phase_node_t *n, uint64_t job, int status, const char *msg,
                       const phase_job_outcome_t *out, const json_t *events,
                       const phase_receipt_t *receipt, void *ud)
{
    rstream_t *rs = ud;
    rs->job_pending = false;
    if (!rs->s) {
        log_info("phase", "job finished after its requester left", "job=%llu",
                 (unsigned long long)job);
        rs_maybe_free(rs);
        return;
    }
    if (status != PHASE_OK) {
        reply_relay_err(rs, msg && *msg ? msg : "job failed");
        return;
    }
    char *ev = cjson_encode_str(events, NULL);
    char *rc = phase_receipt_to_json(receipt, NULL);
    phase_relay_response_t r = {.ok = true,
                                .events = (uint8_t *)ev,
                                .events_len = ev ? strlen(ev) : 0,
                                .receipt = (uint8_t *)rc,
                                .receipt_len = rc ? strlen(rc) : 0};
    buf_t b;
    buf_init(&b, 0);
    if (ev && rc && phase_relay_response_encode(&r, &b, NULL) == 0 &&
        b.len <= PHASE_RELAY_RESP_MAX) {
        log_info("phase", "job done", "job=%llu exit=%d bytes=%zu", (unsigned long long)job,
                 phase_job_exit_status(out), b.len);
        rs_reply(rs, b.data, b.len);
    } else {
        reply_relay_err(rs, "the job's answer exceeds the 8 MiB relay cap");
    }
    buf_free(&b);
    free(ev);
    free(rc);
}

static void handle_relay(rstream_t *rs)
{
    phase_node_t *n = rs->n;
    uint8_t *payload = NULL;
    size_t plen = 0;
    err_t e = {0};
    char reason[400];
    if (phase_relay_request_decode(rs->in.data, rs->in.len, &payload, &plen, &e) != 0) {
        rs_drop(rs, e.msg); /* not CBOR we understand: upstream's codec would drop it too */
        return;
    }
    phase_manifest_t m;
    int rc = phase_manifest_parse((const char *)payload, plen, &m, &e);
    free(payload);
    if (rc != 0) {
        snprintf(reason, sizeof reason, "bad manifest: %s", e.msg);
        reply_relay_err(rs, reason);
        return;
    }
    /* verify here too, so a bad envelope is answered before it queues */
    if ((rc = phase_manifest_verify(&m, ts_now(), &e)) != 0) {
        phase_manifest_free(&m);
        snprintf(reason, sizeof reason, "bad manifest: %s", e.msg);
        reply_relay_err(rs, reason);
        return;
    }
    phase_node_job_cbs_t cbs = {.on_done = relay_done, .ud = rs};
    uint64_t id;
    rc = phase_node_submit(n, &m, &cbs, &id, &e);
    phase_manifest_free(&m);
    if (rc != 0) {
        reply_relay_err(rs, e.msg);
        return;
    }
    rs->job_pending = true;
    uv_timer_stop(&rs->timer);
}

static size_t rs_on_data(p2p_stream_t *s, const uint8_t *p, size_t len, void *ud)
{
    rstream_t *rs = ud;
    if (rs->answered || rs->job_pending) {
        rs_drop(rs, "data after the request");
        return len;
    }
    if (rs->in.len + len > rs->cap) {
        rs_drop(rs, rs->relay ? "request exceeds the 256 KiB cap" : "offer exceeds the 64 KiB cap");
        return len;
    }
    buf_append(&rs->in, p, len);
    return len;
}

static void rs_on_eof(p2p_stream_t *s, void *ud)
{
    rstream_t *rs = ud;
    if (rs->answered || rs->job_pending)
        return;
    if (rs->relay)
        handle_relay(rs);
    else
        handle_offer(rs);
}

static void rs_on_close(p2p_stream_t *s, int status, void *ud)
{
    rstream_t *rs = ud;
    rs->s = NULL;
    uv_timer_stop(&rs->timer);
    rs_maybe_free(rs);
}

static void accept_stream(p2p_stream_t *s, phase_node_t *n, bool relay)
{
    rstream_t *rs = calloc(1, sizeof *rs);
    if (!rs) {
        p2p_stream_reset(s);
        return;
    }
    rs->n = n;
    rs->s = s;
    rs->relay = relay;
    rs->next = n->streams;
    if (n->streams)
        n->streams->prev = rs;
    n->streams = rs;
    rs->cap = relay ? PHASE_RELAY_REQ_MAX : PHASE_OFFER_MAX;
    buf_init(&rs->in, rs->cap);
    uv_timer_init(n->loop, &rs->timer);
    rs->timer.data = rs;
    n->handles++;
    uv_timer_start(&rs->timer, rs_timeout, relay ? RELAY_READ_MS : OFFER_READ_MS, 0);
    p2p_stream_cbs_t cbs = {.on_data = rs_on_data, .on_eof = rs_on_eof, .on_close = rs_on_close,
                            .ud = rs};
    p2p_stream_set_cbs(s, &cbs);
}

static void on_offer_stream(p2p_stream_t *s, void *ud)
{
    accept_stream(s, ud, false);
}

static void on_relay_stream(p2p_stream_t *s, void *ud)
{
    accept_stream(s, ud, true);
}

/* ---- advertisement ---- */

void phase_node_capabilities(const phase_node_t *n, phase_capabilities_t *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->peer_id, sizeof c->peer_id, "%s", n->peer_id);
    snprintf(c->arch, sizeof c->arch, "%s", phase_arch());
    c->cpu_count = n->cfg->max_cpu_cores;
    c->memory_mb = n->cfg->max_memory_bytes >> 20;
    c->max_concurrent_jobs = n->cfg->max_concurrent_jobs;
    c->queue_max = n->cfg->queue_depth;
    c->current_concurrency = n->running;
    c->queue_depth = n->queued;
    c->max_memory_bytes = n->cfg->max_memory_bytes;
    c->max_timeout_seconds = n->cfg->max_timeout_seconds;
    c->max_fuel = n->cfg->max_fuel;
    c->price_per_fuel = n->cfg->price_per_fuel;
    snprintf(c->engine_version, sizeof c->engine_version, "%s", PHASE_RUNTIME_NAME);
    buf_t t;
    buf_init(&t, 0);
    if (n->host && p2p_host_listen_addrs_text(n->host, &t) == 0 && t.len) {
        char *save = NULL;
        for (char *l = strtok_r((char *)t.data, "\n", &save); l && c->n_addrs < 4;
             l = strtok_r(NULL, "\n", &save)) {
            if (strlen(l) >= sizeof c->addrs[0])
                continue;
            if (strncmp(l, "/ip4/0.0.0.0/", 13) != 0) {
                snprintf(c->addrs[c->n_addrs++], sizeof c->addrs[0], "%s", l);
                continue;
            }
            /* a wildcard listener: one address per IPv4 interface, external first */
            uv_interface_address_t *ifs = NULL;
            int nif = 0;
            if (uv_interface_addresses(&ifs, &nif) != 0)
                continue;
            for (int pass = 0; pass < 2; pass++)
                for (int i = 0; i < nif && c->n_addrs < 4; i++) {
                    if (ifs[i].address.address4.sin_family != AF_INET ||
                        (pass == 0) == (ifs[i].is_internal != 0))
                        continue;
                    char ip[INET_ADDRSTRLEN];
                    uv_ip4_name(&ifs[i].address.address4, ip, sizeof ip);
                    snprintf(c->addrs[c->n_addrs++], sizeof c->addrs[0], "/ip4/%s/%s", ip,
                             l + 13);
                }
            uv_free_interface_addresses(ifs, nif);
        }
    }
    buf_free(&t);
    ts_t exp = ts_now();
    exp.sec += (int64_t)n->cfg->record_ttl_seconds;
    exp.nsec = 0;
    c->expires_at = exp;
}

static void on_adv_done(p2p_kad_t *kad, const p2p_kad_result_t *res, void *ud)
{
    log_debug("phase", "advertised", "what=%s status=%d peers=%zu", (const char *)ud,
              res->status, res->n_peers);
}

/* Returns false when there is nobody to tell yet. The records are stored in our own
 * DHT store even then, so a lone provider answers for itself to those who bootstrap
 * from it (`plasmd discover --bootstrap` / `submit` against a single node). */
static bool advertise(phase_node_t *n)
{
    bool alone = p2p_kad_table_size(n->kad) == 0;
    char key[128];
    int kl = snprintf(key, sizeof key, "/phase/capability/%s/wasm", phase_arch());
    (void)p2p_kad_provide(n->kad, (const uint8_t *)key, (size_t)kl, on_adv_done,
                          "provider record");
    phase_capabilities_t c;
    phase_node_capabilities(n, &c);
    buf_t rec;
    buf_init(&rec, 0);
    err_t e = {0};
    if (phase_cap_record_sign(&c, &n->id, &rec, &e) == 0)
        (void)p2p_kad_put(n->kad, n->cap_key.data, n->cap_key.len, rec.data, rec.len,
                          on_adv_done, "capability record");
    else
        log_warn("phase", "cannot sign the capability record", "reason=\"%s\"", e.msg);
    buf_free(&rec);
    return !alone;
}

/* Every second until the first advertisement reached someone, then at a
 * quarter of the records' lifetime. */
static void adv_timer_cb(uv_timer_t *t)
{
    phase_node_t *n = t->data;
    if (advertise(n) && uv_timer_get_repeat(t) < 2000) {
        uv_timer_stop(t);
        uint64_t refresh = n->cfg->record_ttl_seconds * 1000u / 4;
        uv_timer_start(t, adv_timer_cb, refresh, refresh);
    }
}

static void on_boot_done(p2p_kad_t *kad, const p2p_kad_result_t *res, void *ud)
{
    phase_node_t *n = ud;
    log_info("phase", "kad bootstrap done", "status=%d table=%zu", res->status,
             p2p_kad_table_size(kad));
    if (!n->freed)
        (void)advertise(n);
}

static void boot_timer_cb(uv_timer_t *t)
{
    phase_node_t *n = t->data;
    if (p2p_kad_table_size(n->kad) == 0)
        return;
    (void)p2p_kad_bootstrap(n->kad, on_boot_done, n);
}

static void on_dial(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    if (status)
        log_warn("phase", "dial failed", "peer=%s reason=\"%s\"", (const char *)ud, msg);
}

static void on_mdns_peer(p2p_mdns_t *m, const p2p_peer_id_t *id, const uint8_t *maddr, size_t len,
                         void *ud)
{
    phase_node_t *n = ud;
    err_t e;
    char ids[P2P_PEER_ID_STR_MAX];
    p2p_peer_id_format(id, ids);
    log_debug("phase", "mdns peer", "peer=%s", ids);
    p2p_kad_add_peer(n->kad, id, maddr, len);
    if (!p2p_host_find_conn(n->host, id) &&
        p2p_host_dial(n->host, maddr, len, on_dial, "mdns peer", &e))
        log_debug("phase", "mdns peer not dialed", "reason=\"%s\"", e.msg);
}

/* ---- for jobproto.c ---- */

uv_loop_t *node_loop(phase_node_t *n)
{
    return n->loop;
}

void node_hold(phase_node_t *n)
{
    n->handles++;
}

void node_unhold(phase_node_t *n)
{
    n->handles--;
    node_maybe_release(n);
}

bool node_closing(const phase_node_t *n)
{
    return n->freed;
}

const phase_identity_t *node_identity(const phase_node_t *n)
{
    return &n->id;
}

const phase_node_config_t *node_config(const phase_node_t *n)
{
    return n->cfg;
}

struct pjob **node_pjobs(phase_node_t *n)
{
    return &n->pjobs;
}

/* ---- module cache ---- */

const uint8_t *phase_node_module_get(phase_node_t *n, const char *hash, size_t *len)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (n->cache[i].data && strcmp(n->cache[i].hash, hash) == 0) {
            n->cache[i].used = ++n->cache_clock;
            *len = n->cache[i].len;
            return n->cache[i].data;
        }
    return NULL;
}

static void cache_evict(phase_node_t *n, size_t i)
{
    n->cache_bytes -= n->cache[i].len;
    free(n->cache[i].data);
    memset(&n->cache[i], 0, sizeof n->cache[i]);
}

int phase_node_module_put(phase_node_t *n, const uint8_t *module, size_t len)
{
    char h[PHASE_MODULE_HASH_LEN + 1];
    size_t have;
    phase_module_hash(module, len, h);
    if (len > CACHE_BYTES || phase_node_module_get(n, h, &have))
        return PHASE_OK;
    /* least recently used first, until a slot and the bytes are free */
    for (;;) {
        size_t free_slot = CACHE_SLOTS, lru = CACHE_SLOTS;
        for (size_t i = 0; i < CACHE_SLOTS; i++) {
            if (!n->cache[i].data)
                free_slot = free_slot == CACHE_SLOTS ? i : free_slot;
            else if (lru == CACHE_SLOTS || n->cache[i].used < n->cache[lru].used)
                lru = i;
        }
        if (free_slot != CACHE_SLOTS && n->cache_bytes + len <= CACHE_BYTES) {
            uint8_t *d = malloc(len ? len : 1);
            if (!d)
                return BASE_ENOMEM;
            memcpy(d, module, len);
            n->cache[free_slot].data = d;
            n->cache[free_slot].len = len;
            memcpy(n->cache[free_slot].hash, h, sizeof h);
            n->cache[free_slot].used = ++n->cache_clock;
            n->cache_bytes += len;
            return PHASE_OK;
        }
        if (lru == CACHE_SLOTS)
            return BASE_ENOMEM;
        cache_evict(n, lru);
    }
}

/* ---- lifecycle ---- */

phase_node_t *phase_node_new(uv_loop_t *loop, const phase_node_config_t *cfg,
                             const phase_identity_t *id, err_t *e)
{
    if (cfg->max_concurrent_jobs == 0) {
        err_set(e, PHASE_ECONFIG, "max_concurrent_jobs must be at least 1");
        return NULL;
    }
    /* the pool must hold every job at once plus a thread for DNS lookups */
    if (!getenv("UV_THREADPOOL_SIZE")) {
        char v[16];
        snprintf(v, sizeof v, "%u", cfg->max_concurrent_jobs + 1);
        setenv("UV_THREADPOOL_SIZE", v, 0);
    }
    phase_node_t *n = calloc(1, sizeof *n);
    if (!n) {
        err_set(e, BASE_ENOMEM, "out of memory");
        return NULL;
    }
    n->loop = loop;
    n->cfg = cfg;
    n->id = *id;
    phase_peer_id(id->pk, n->peer_id);
    buf_init(&n->cap_key, 0);
    buf_append_str(&n->cap_key, PHASE_CAP_NS);
    buf_append_str(&n->cap_key, n->peer_id);
    p2p_host_config_t hc = {.seed = id->seed, .kad_server = true, .idle_timeout_ms = 300000};
    n->host = p2p_host_new(loop, &hc, e);
    if (!n->host)
        goto fail;
    if (p2p_ping_enable(n->host) || p2p_identify_enable(n->host) ||
        p2p_host_handle(n->host, PHASE_OFFER_PROTO, on_offer_stream, n) ||
        p2p_host_handle(n->host, PHASE_RELAY_PROTO, on_relay_stream, n) ||
        p2p_host_handle(n->host, PHASE_JOB_PROTO, jobproto_on_stream, n)) {
        err_set(e, PHASE_ENET, "cannot register protocols");
        goto fail;
    }
    n->kad = p2p_kad_new(n->host, e);
    if (!n->kad)
        goto fail;
    p2p_kad_set_provider_ttl(n->kad, cfg->record_ttl_seconds * 1000u);
    if (p2p_kad_add_validator(n->kad, PHASE_CAP_NS, phase_cap_validator) ||
        p2p_kad_add_validator(n->kad, "/aether/", p2p_kad_validator_any)) {
        err_set(e, PHASE_ENET, "cannot register DHT validators");
        goto fail;
    }
    uv_timer_init(loop, &n->boot_timer);
    uv_timer_init(loop, &n->adv_timer);
    n->boot_timer.data = n->adv_timer.data = n;
    n->handles += 2;
    return n;
fail:
    if (n->kad)
        p2p_kad_free(n->kad);
    if (n->host)
        p2p_host_free(n->host);
    buf_free(&n->cap_key);
    phase_identity_wipe(&n->id);
    free(n);
    return NULL;
}

static int parse_dial(const char *text, buf_t *out, err_t *e)
{
    buf_init(out, 0);
    int rc = p2p_maddr_parse(text, out, e);
    if (rc)
        buf_free(out);
    return rc;
}

int phase_node_start(phase_node_t *n, err_t *e)
{
    const phase_node_config_t *c = n->cfg;
    if (c->n_listen == 0) {
        if (p2p_host_listen(n->host, "/ip4/127.0.0.1/tcp/4001", e))
            return PHASE_ENET;
    }
    for (size_t i = 0; i < c->n_listen; i++)
        if (p2p_host_listen(n->host, c->listen_addrs[i], e))
            return err_prefix(e, "listen %s", c->listen_addrs[i]) ? PHASE_ENET : PHASE_ENET;
    for (size_t i = 0; i < c->n_bootstrap + c->n_peers; i++) {
        bool boot = i < c->n_bootstrap;
        const char *a = boot ? c->bootstrap_peers[i] : c->peer_addrs[i - c->n_bootstrap];
        buf_t bin;
        err_t de = {0};
        if (parse_dial(a, &bin, &de)) {
            log_warn("phase", "bad peer address", "addr=%s reason=\"%s\"", a, de.msg);
            continue;
        }
        /* bootstrap nodes (and peers with /p2p/) are DHT servers */
        const uint8_t *v;
        size_t vl;
        if (p2p_maddr_find(bin.data, bin.len, P2P_PROTO_P2P, &v, &vl))
            p2p_kad_add_peer(n->kad, NULL, bin.data, bin.len);
        if (p2p_host_dial(n->host, bin.data, bin.len, on_dial, (void *)a, &de))
            log_warn("phase", "dial failed", "addr=%s reason=\"%s\"", a, de.msg);
        buf_free(&bin);
    }
    uv_timer_start(&n->boot_timer, boot_timer_cb, c->n_bootstrap + c->n_peers ? 300 : 300000,
                   300000);
    uv_timer_start(&n->adv_timer, adv_timer_cb, 1000, 1000);
    if (c->mdns) {
        err_t me = {0};
        n->mdns = p2p_mdns_new(n->host, 10000, on_mdns_peer, n, &me);
        if (!n->mdns)
            log_warn("phase", "mdns disabled", "reason=\"%s\"", me.msg);
    }
    return PHASE_OK;
}

const char *phase_node_peer_id(const phase_node_t *n)
{
    return n->peer_id;
}

int phase_node_listen_addrs(const phase_node_t *n, buf_t *out)
{
    return p2p_host_listen_addrs_text(n->host, out);
}

json_t *phase_node_status(const phase_node_t *n)
{
    char pk[2 * PHASE_PK_BYTES + 1];
    hex_encode(n->id.pk, PHASE_PK_BYTES, pk);
    json_t *listen = json_array();
    buf_t t;
    buf_init(&t, 0);
    if (p2p_host_listen_addrs_text(n->host, &t) == 0 && t.len) {
        char *save = NULL;
        for (char *l = strtok_r((char *)t.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
            json_array_append_new(listen, json_string(l));
    }
    buf_free(&t);
    const phase_node_config_t *c = n->cfg;
    return json_pack("{s:s,s:s,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:{s:o,s:I,s:o,s:o},s:o}",
                     "peer_id", n->peer_id, "pubkey", pk, "listen", listen, "peers",
                     (json_int_t)p2p_host_conn_count(n->host), "running", (json_int_t)n->running,
                     "queued", (json_int_t)n->queued, "max_concurrent_jobs",
                     (json_int_t)c->max_concurrent_jobs, "queue_depth",
                     (json_int_t)c->queue_depth, "jobs_done", (json_int_t)n->jobs_done, "limits",
                     "max_memory_bytes", cjson_u64(c->max_memory_bytes), "max_cpu_cores",
                     (json_int_t)c->max_cpu_cores, "max_timeout_seconds",
                     cjson_u64(c->max_timeout_seconds), "max_fuel", cjson_u64(c->max_fuel),
                     "jobs_refused", cjson_u64(n->jobs_refused));
}

static void timer_closed(uv_handle_t *h)
{
    phase_node_t *n = h->data;
    n->handles--;
    node_maybe_release(n);
}

static void node_maybe_release(phase_node_t *n)
{
    if (!n->freed || n->outstanding || n->handles)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (n->cache[i].data)
            cache_evict(n, i);
    buf_free(&n->cap_key);
    phase_identity_wipe(&n->id);
    free(n);
}

void phase_node_free(phase_node_t *n)
{
    if (!n || n->freed)
        return;
    n->freed = true;
    while (n->q_head) {
        njob_t *j = n->q_head;
        n->q_head = j->next;
        if (j->cbs.on_done)
            j->cbs.on_done(n, j->id, PHASE_ECANCELLED, "node shutting down", NULL, NULL, NULL,
                           j->cbs.ud);
        njob_free(j);
    }
    n->q_tail = NULL;
    n->queued = 0;
    p2p_mdns_free(n->mdns);
    n->mdns = NULL;
    /* the host closes every stream (their on_close runs, which closes each
     * stream's timer); jobs still in the pool finish and are discarded */
    p2p_kad_free(n->kad);
    p2p_host_free(n->host);
    for (rstream_t *rs = n->streams; rs; rs = rs->next) {
        rs->s = NULL;
        uv_timer_stop(&rs->timer);
        rs_maybe_free(rs);
    }
    jobproto_shutdown(n);
    n->kad = NULL;
    n->host = NULL;
    uv_close((uv_handle_t *)&n->boot_timer, timer_closed);
    uv_close((uv_handle_t *)&n->adv_timer, timer_closed);
}
