/*
 * phase/httpapi: the local HTTP API of `plasmd start --http HOST:PORT`
 * (docs/phase-http-api.md is its reference).
 *
 * Served by the shared HTTP module (src/rpc: libmicrohttpd, one thread per
 * connection, body/connection/time limits) through its route hook. The node
 * lives on its libuv loop thread, so a handler that needs the node posts a
 * call to the loop (uv_async) and waits for it; jobs run through the node's
 * queue (phase_node_submit_io) like remote ones, or on another provider
 * through the client (phase_submit, on a thread of its own).
 *
 * Jobs are kept in a table under one mutex: state, the JobEvent list (the
 * events the receipt commits to), stdout/stderr and the signed receipt. At
 * most MAX_JOBS are kept; the oldest finished ones are forgotten first.
 */
#include "internal.h"

#include "crypto/crypto.h"
#include "rpc/rpc.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_JOBS 1024
#define MAX_ARGS 63
#define WAIT_MAX_MS 30000u
#define SUBMIT_WAIT_MAX_MS 600000u
#define DISCOVER_MS 5000u

typedef enum {
    HJ_QUEUED = 0,
    HJ_RUNNING,
    HJ_SUCCEEDED,   /* ran, exit code 0 */
    HJ_FAILED,      /* ran, exit code != 0 (trap, fuel, timeout, exit n) */
    HJ_CANCELLED,
    HJ_ERROR,       /* did not run (refused, provider failure) */
} hj_state_t;

static const char *const state_names[] = {"queued", "running", "succeeded",
                                          "failed", "cancelled", "error"};

/* Live output of a local job: the worker writes a copy of stdout/stderr into
 * pipes while it runs; a reader thread drains them into these buffers (so the
 * worker never blocks). Shared by the job and the thread (refs). */
typedef struct hlive {
    pthread_mutex_t mu;
    buf_t out, err;
    bool eof;
    int refs;
    int rfd[2];      /* read ends (the thread's) */
} hlive_t;

static void live_unref(hlive_t *l)
{
    pthread_mutex_lock(&l->mu);
    bool last = --l->refs == 0;
    pthread_mutex_unlock(&l->mu);
    if (last) {
        buf_free(&l->out);
        buf_free(&l->err);
        pthread_mutex_destroy(&l->mu);
        free(l);
    }
}

static void *live_thread(void *arg)
{
    hlive_t *l = arg;
    bool open[2] = {true, true};
    uint8_t tmp[16384];
    while (open[0] || open[1]) {
        struct pollfd pf[2] = {{.fd = open[0] ? l->rfd[0] : -1, .events = POLLIN},
                               {.fd = open[1] ? l->rfd[1] : -1, .events = POLLIN}};
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (!open[i] || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(l->rfd[i], tmp, sizeof tmp);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                open[i] = false;
                continue;
            }
            pthread_mutex_lock(&l->mu);
            buf_t *b = i == 0 ? &l->out : &l->err;
            if (b->len + (size_t)n <= PHASE_OUTPUT_MAX)
                (void)buf_append(b, tmp, (size_t)n);
            pthread_mutex_unlock(&l->mu);
        }
    }
    close(l->rfd[0]);
    close(l->rfd[1]);
    pthread_mutex_lock(&l->mu);
    l->eof = true;
    pthread_mutex_unlock(&l->mu);
    live_unref(l);
    return NULL;
}

typedef struct hjob {
    char id[33];
    hj_state_t state;
    bool remote;
    uint64_t node_job;           /* local: the node's job number */
    json_t *events;              /* JobEvent list once done */
    uint8_t *out, *err;
    size_t out_len, err_len;
    int exit_code;
    char error[ERR_MSG_MAX];
    char *receipt;               /* SignedReceipt JSON */
    char provider[PHASE_PEER_ID_MAX * 2];
    char provider_pubkey[2 * PHASE_PK_BYTES + 1];
    json_t *notes;               /* remote: the client's progress lines */
    hlive_t *live;               /* local: live output (NULL when pipes failed) */
    int wfd[2];                  /* local: the worker's write ends until on_done */
    unsigned busy;               /* handlers holding it across an unlock: not evicted */
    int64_t submitted_ms;
    struct hjob *next;
} hjob_t;

typedef struct call call_t;
struct call {
    void (*fn)(phase_http_t *h, call_t *c);
    bool done;
    int rc;
    err_t err;
    /* arguments and results */
    phase_http_submit_t *sub;
    hjob_t *job;
    const uint8_t *module;
    size_t module_len;
    char hash[PHASE_MODULE_HASH_LEN + 1];
    json_t *result;
    call_t *next;
};

struct phase_http {
    phase_node_t *node;
    rpc_server_t *srv;
    char *token;
    uv_async_t async;
    pthread_mutex_t mu;
    pthread_cond_t cv;           /* calls done, jobs changed */
    call_t *calls;
    bool closing;
    hjob_t *jobs;                /* newest first */
    size_t n_jobs;
    unsigned threads;            /* remote jobs still running */
    unsigned local_pending;      /* local jobs whose on_done has not run */
    struct hjob *orphans;        /* stopped: local jobs still in the node's pool */
    bool released;               /* stopped: freed when local_pending is 0 */
    phase_identity_t id;
    char **boot;                 /* bootstrap for discovery: config + our own */
    size_t n_boot;
    char peer_id[PHASE_PEER_ID_MAX];
    uint64_t max_memory, max_timeout_ms, max_fuel;
};

/* ---- errors ---- */

static int fail(json_t **body, int status, const char *code, const char *fmt, ...)
    BASE_PRINTF(4, 5);
static int fail(json_t **body, int status, const char *code, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    *body = json_pack("{s:{s:s,s:s,s:i}}", "error", "code", code, "message", msg, "status",
                      status);
    return status;
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void deadline_in(struct timespec *ts, uint64_t ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* ---- submit request parsing (also the fuzzer's entry) ---- */

void phase_http_submit_free(phase_http_submit_t *s)
{
    if (!s)
        return;
    free(s->module);
    for (size_t i = 0; i < s->n_args; i++)
        free(s->args[i]);
    free(s->args);
    free(s->stdin_data);
    json_decref(s->env);
    memset(s, 0, sizeof *s);
}

static int get_limit(const json_t *lim, const char *k, uint64_t *v, err_t *e)
{
    const json_t *x = json_object_get(lim, k);
    if (!x || json_is_null(x))
        return 0;
    if (!cjson_get_u64(x, v))
        return err_set(e, PHASE_EINVAL, "\"limits\".\"%s\" must be a non-negative integer", k);
    return 0;
}

int phase_http_parse_submit(const uint8_t *body, size_t n, phase_http_submit_t *s, err_t *e)
{
    memset(s, 0, sizeof *s);
    snprintf(s->target, sizeof s->target, "local");
    err_t pe = {0};
    json_t *j = cjson_parse((const char *)body, n, &pe);
    if (!j)
        return err_set(e, PHASE_EINVAL, "malformed JSON: %s", pe.msg);
    int rc = 0;
    const char *k;
    json_t *v;
    if (!json_is_object(j)) {
        rc = err_set(e, PHASE_EINVAL, "the body must be a JSON object");
        goto out;
    }
    json_object_foreach(j, k, v) {
        if (strcmp(k, "module") && strcmp(k, "module_hex") && strcmp(k, "args") &&
            strcmp(k, "env") && strcmp(k, "stdin") && strcmp(k, "stdin_hex") &&
            strcmp(k, "limits") && strcmp(k, "target") && strcmp(k, "wait")) {
            rc = err_set(e, PHASE_EINVAL, "unknown field \"%.64s\"", k);
            goto out;
        }
    }
    const json_t *mod = json_object_get(j, "module"), *mhex = json_object_get(j, "module_hex");
    if ((mod != NULL) == (mhex != NULL)) {
        rc = err_set(e, PHASE_EINVAL, "give exactly one of \"module\" (\"sha256:<hex>\" of an "
                                      "uploaded module) and \"module_hex\"");
        goto out;
    }
    if (mod) {
        const char *m = json_string_value(mod);
        uint8_t tmp[PHASE_HASH_BYTES];
        if (!m || strlen(m) != PHASE_MODULE_HASH_LEN || strncmp(m, "sha256:", 7) != 0 ||
            hex_decode(m + 7, 64, tmp, sizeof tmp, NULL) != 0) {
            rc = err_set(e, PHASE_EINVAL, "\"module\" must be \"sha256:\" and 64 hex digits");
            goto out;
        }
        for (size_t i = 0; i < PHASE_MODULE_HASH_LEN; i++)
            s->module_ref[i] = (char)(m[i] >= 'A' && m[i] <= 'F' ? m[i] + 32 : m[i]);
    } else {
        const char *m = json_string_value(mhex);
        if (!m || !*m || hex_decode_alloc(m, strlen(m), &s->module, &s->module_len, NULL) != 0) {
            rc = err_set(e, PHASE_EINVAL, "\"module_hex\" must be a non-empty string of hex "
                                          "digits (an even number)");
            goto out;
        }
    }
    const json_t *args = json_object_get(j, "args");
    if (args && !json_is_null(args)) {
        if (!json_is_array(args) || json_array_size(args) > MAX_ARGS) {
            rc = err_set(e, PHASE_EINVAL, "\"args\" must be an array of at most %d strings",
                         MAX_ARGS);
            goto out;
        }
        s->args = calloc(json_array_size(args) + 1, sizeof *s->args);
        if (!s->args) {
            rc = err_set(e, BASE_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < json_array_size(args); i++) {
            const char *a = json_string_value(json_array_get(args, i));
            if (!a) {
                rc = err_set(e, PHASE_EINVAL, "\"args\"[%zu] must be a string", i);
                goto out;
            }
            if (!(s->args[s->n_args] = strdup(a))) {
                rc = err_set(e, BASE_ENOMEM, "out of memory");
                goto out;
            }
            s->n_args++;
        }
    }
    const json_t *env = json_object_get(j, "env");
    if (env && !json_is_null(env)) {
        if (!json_is_object(env)) {
            rc = err_set(e, PHASE_EINVAL, "\"env\" must be an object of strings");
            goto out;
        }
        if (json_object_size(env) > MAX_ARGS + 1) {
            rc = err_set(e, PHASE_EINVAL, "\"env\" has more than %d variables", MAX_ARGS + 1);
            goto out;
        }
        json_object_foreach((json_t *)env, k, v) {
            if (!json_is_string(v) || !*k || strchr(k, '=') ||
                strlen(json_string_value(v)) != json_string_length(v)) {
                rc = err_set(e, PHASE_EINVAL, "\"env\".\"%.64s\" must be a string without NUL "
                             "under a name without '='", k);
                goto out;
            }
        }
        if (json_object_size(env) && !(s->env = json_deep_copy(env))) {
            rc = err_set(e, BASE_ENOMEM, "out of memory");
            goto out;
        }
    }
    const json_t *in = json_object_get(j, "stdin"), *inhex = json_object_get(j, "stdin_hex");
    if (in && inhex) {
        rc = err_set(e, PHASE_EINVAL, "give at most one of \"stdin\" and \"stdin_hex\"");
        goto out;
    }
    if (in && !json_is_null(in)) {
        if (!json_is_string(in)) {
            rc = err_set(e, PHASE_EINVAL, "\"stdin\" must be a string (or use \"stdin_hex\")");
            goto out;
        }
        size_t l = json_string_length(in);
        s->stdin_data = malloc(l ? l : 1);
        if (!s->stdin_data) {
            rc = err_set(e, BASE_ENOMEM, "out of memory");
            goto out;
        }
        memcpy(s->stdin_data, json_string_value(in), l);
        s->stdin_len = l;
    } else if (inhex && !json_is_null(inhex)) {
        const char *h = json_string_value(inhex);
        if (!h || (*h && hex_decode_alloc(h, strlen(h), &s->stdin_data, &s->stdin_len, NULL))) {
            rc = err_set(e, PHASE_EINVAL, "\"stdin_hex\" must be a string of hex digits");
            goto out;
        }
    }
    const json_t *lim = json_object_get(j, "limits");
    if (lim && !json_is_null(lim)) {
        if (!json_is_object(lim)) {
            rc = err_set(e, PHASE_EINVAL, "\"limits\" must be an object");
            goto out;
        }
        json_object_foreach((json_t *)lim, k, v) {
            if (strcmp(k, "fuel") && strcmp(k, "memory_bytes") && strcmp(k, "timeout_ms")) {
                rc = err_set(e, PHASE_EINVAL, "unknown field \"limits\".\"%.64s\" (fuel, "
                             "memory_bytes, timeout_ms)", k);
                goto out;
            }
        }
        if ((rc = get_limit(lim, "fuel", &s->fuel, e)) ||
            (rc = get_limit(lim, "memory_bytes", &s->memory_bytes, e)) ||
            (rc = get_limit(lim, "timeout_ms", &s->timeout_ms, e)))
            goto out;
    }
    const json_t *t = json_object_get(j, "target");
    if (t && !json_is_null(t)) {
        const char *ts = json_string_value(t);
        if (!ts || !*ts || strlen(ts) >= sizeof s->target) {
            rc = err_set(e, PHASE_EINVAL, "\"target\" must be \"local\", \"remote\", a peer id "
                                          "or a multiaddr");
            goto out;
        }
        snprintf(s->target, sizeof s->target, "%s", ts);
    }
    const json_t *w = json_object_get(j, "wait");
    if (w && !json_is_null(w)) {
        if (!json_is_boolean(w)) {
            rc = err_set(e, PHASE_EINVAL, "\"wait\" must be true or false");
            goto out;
        }
        s->wait = json_is_true(w);
    }
out:
    json_decref(j);
    if (rc)
        phase_http_submit_free(s);
    return rc;
}

/* ---- calls onto the loop thread ---- */

static void on_async(uv_async_t *a)
{
    phase_http_t *h = a->data;
    pthread_mutex_lock(&h->mu);
    call_t *list = h->calls;
    h->calls = NULL;
    pthread_mutex_unlock(&h->mu);
    /* oldest first */
    call_t *rev = NULL;
    while (list) {
        call_t *nx = list->next;
        list->next = rev;
        rev = list;
        list = nx;
    }
    for (call_t *c = rev, *nx; c; c = nx) {
        nx = c->next;
        c->fn(h, c);
        pthread_mutex_lock(&h->mu);
        c->done = true;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
    }
}

/* Runs c->fn on the loop and waits for it. -1 when the API is closing. */
static int on_loop(phase_http_t *h, call_t *c)
{
    pthread_mutex_lock(&h->mu);
    if (h->closing) {
        pthread_mutex_unlock(&h->mu);
        return -1;
    }
    c->next = h->calls;
    h->calls = c;
    uv_async_send(&h->async);
    while (!c->done && !h->closing)
        pthread_cond_wait(&h->cv, &h->mu);
    bool ok = c->done;
    pthread_mutex_unlock(&h->mu);
    return ok ? 0 : -1;
}

/* ---- the job table (h->mu held) ---- */

static hjob_t *job_find(phase_http_t *h, const char *id)
{
    for (hjob_t *j = h->jobs; j; j = j->next)
        if (strcmp(j->id, id) == 0)
            return j;
    return NULL;
}

static void job_free(hjob_t *j)
{
    for (int i = 0; i < 2; i++)
        if (j->wfd[i] >= 0)
            close(j->wfd[i]);
    if (j->live)
        live_unref(j->live);
    json_decref(j->events);
    json_decref(j->notes);
    free(j->out);
    free(j->err);
    free(j->receipt);
    free(j);
}

static bool job_done(const hjob_t *j)
{
    return j->state >= HJ_SUCCEEDED;
}

/* Makes room: forgets the oldest finished job when the table is full. */
static bool job_room(phase_http_t *h)
{
    if (h->n_jobs < MAX_JOBS)
        return true;
    hjob_t **victim = NULL;
    for (hjob_t **pp = &h->jobs; *pp; pp = &(*pp)->next)
        if (job_done(*pp) && !(*pp)->busy)
            victim = pp;
    if (!victim)
        return false;
    hjob_t *j = *victim;
    *victim = j->next;
    job_free(j);
    h->n_jobs--;
    return true;
}

static json_t *job_status_json(const hjob_t *j)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:I}", "id", j->id, "state", state_names[j->state],
                          "target", j->remote ? "remote" : "local", "submitted_ms",
                          (json_int_t)j->submitted_ms);
    if (job_done(j) && j->state != HJ_ERROR)
        json_object_set_new(o, "exit_code", json_integer(j->exit_code));
    if (j->error[0])
        json_object_set_new(o, "error", json_string(j->error));
    if (j->provider[0])
        json_object_set_new(o, "provider", json_string(j->provider));
    if (j->provider_pubkey[0])
        json_object_set_new(o, "provider_pubkey", json_string(j->provider_pubkey));
    if (j->notes)
        json_object_set(o, "notes", j->notes);
    return o;
}

/* Text when valid UTF-8, else null (the _hex form is always there). */
static json_t *text_or_null(const uint8_t *p, size_t n)
{
    json_t *s = json_stringn((const char *)(p ? p : (const uint8_t *)""), n);
    return s ? s : json_null();
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char *x = malloc(2 * n + 1);
    if (!x)
        return json_null();
    hex_encode(p, n, x);
    x[2 * n] = 0;
    json_t *s = json_string(x);
    free(x);
    return s;
}

static json_t *job_result_json(const hjob_t *j)
{
    json_t *o = job_status_json(j);
    json_object_set_new(o, "stdout", text_or_null(j->out, j->out_len));
    json_object_set_new(o, "stderr", text_or_null(j->err, j->err_len));
    json_object_set_new(o, "stdout_hex", hex_json(j->out, j->out_len));
    json_object_set_new(o, "stderr_hex", hex_json(j->err, j->err_len));
    if (j->events)
        json_object_set(o, "events", j->events);
    if (j->receipt) {
        json_t *r = cjson_parse(j->receipt, strlen(j->receipt), NULL);
        json_object_set_new(o, "receipt", r ? r : json_null());
    }
    return o;
}

/* ---- finishing jobs ---- */

static void set_output(hjob_t *j, const uint8_t *out, size_t on, const uint8_t *err, size_t en)
{
    j->out = malloc(on ? on : 1);
    j->err = malloc(en ? en : 1);
    if (j->out && on)
        memcpy(j->out, out, on);
    if (j->err && en)
        memcpy(j->err, err, en);
    j->out_len = j->out ? on : 0;
    j->err_len = j->err ? en : 0;
}

static void http_release(phase_http_t *h);

static void local_done(phase_node_t *n, uint64_t job, int status, const char *message,
                       const phase_job_outcome_t *out, const json_t *events,
                       const phase_receipt_t *receipt, void *ud)
{
    phase_http_t *h = ud;
    (void)n;
    char *rj = receipt ? phase_receipt_to_json(receipt, NULL) : NULL;
    pthread_mutex_lock(&h->mu);
    h->local_pending--;
    hjob_t *j = NULL;
    for (hjob_t **pp = &h->orphans; *pp; pp = &(*pp)->next)
        if ((*pp)->node_job == job) { /* stopped meanwhile: the worker is done with the pipes */
            j = *pp;
            *pp = j->next;
            job_free(j);
            break;
        }
    if (h->released) {
        bool last = h->local_pending == 0;
        pthread_mutex_unlock(&h->mu);
        free(rj);
        if (last)
            http_release(h);
        return;
    }
    j = NULL;
    for (hjob_t *x = h->jobs; x; x = x->next)
        if (!x->remote && x->node_job == job && !job_done(x)) {
            j = x;
            break;
        }
    if (!j) {
        pthread_mutex_unlock(&h->mu);
        free(rj);
        return;
    }
    /* the worker has finished writing: the reader sees EOF */
    for (int i = 0; i < 2; i++)
        if (j->wfd[i] >= 0) {
            close(j->wfd[i]);
            j->wfd[i] = -1;
        }
    if (status == PHASE_OK && out) {
        j->exit_code = phase_job_exit_status(out);
        j->state = out->status == PHASE_JOB_CANCELLED ? HJ_CANCELLED
                   : j->exit_code == 0                ? HJ_SUCCEEDED
                                                      : HJ_FAILED;
        if (out->message[0])
            snprintf(j->error, sizeof j->error, "%s", out->message);
        set_output(j, out->out, out->out_len, out->err, out->err_len);
        j->events = json_deep_copy(events);
        j->receipt = rj;
        rj = NULL;
        snprintf(j->provider, sizeof j->provider, "%s", h->peer_id);
        hex_encode(h->id.pk, PHASE_PK_BYTES, j->provider_pubkey);
    } else {
        j->state = status == PHASE_ECANCELLED ? HJ_CANCELLED : HJ_ERROR;
        snprintf(j->error, sizeof j->error, "%s", message ? message : err_str(status));
    }
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    free(rj);
}

/* Loop thread: builds and signs the manifest, submits it to the node. */
static void call_submit_local(phase_http_t *h, call_t *c)
{
    phase_http_submit_t *s = c->sub;
    const uint8_t *mod = s->module;
    size_t mlen = s->module_len;
    char hash[PHASE_MODULE_HASH_LEN + 1];
    if (s->module_ref[0]) {
        mod = phase_node_module_get(h->node, s->module_ref, &mlen);
        if (!mod) {
            c->rc = err_set(&c->err, PHASE_ENOENT, "module %s is not in this node's cache "
                            "(upload it with POST /modules first)", s->module_ref);
            return;
        }
        memcpy(hash, s->module_ref, sizeof hash);
    } else {
        phase_module_hash(mod, mlen, hash);
    }
    json_t *p = phase_wasm_job_spec(NULL, 0, s->timeout_ms, s->memory_bytes);
    if (!p) {
        c->rc = err_set(&c->err, BASE_ENOMEM, "out of memory");
        return;
    }
    json_object_set_new(p, "module_cid", json_string(hash));
    if (s->n_args) {
        json_t *a = json_array();
        for (size_t i = 0; i < s->n_args; i++)
            json_array_append_new(a, json_string(s->args[i]));
        json_object_set_new(p, "args", a);
    }
    if (s->stdin_len)
        json_object_set_new(p, "stdin", cjson_bytes(s->stdin_data, s->stdin_len));
    if (s->env)
        json_object_set(p, "env", s->env);
    if (s->fuel)
        json_object_set_new(p, "max_fuel", cjson_u64(s->fuel));
    phase_manifest_t m;
    int rc = phase_manifest_sign(p, &h->id, ts_now(), NULL, &m, &c->err);
    json_decref(p);
    if (rc) {
        c->rc = rc;
        return;
    }
    hjob_t *j = c->job;
    phase_node_job_io_t io = {.module = mod, .module_len = mlen, .stdin_fd = -1,
                              .stdout_fd = j->wfd[0], .stderr_fd = j->wfd[1]};
    phase_node_job_cbs_t cbs = {.on_done = local_done, .ud = h};
    uint64_t id = 0;
    rc = phase_node_submit_io(h->node, &m, &io, &cbs, &id, &c->err);
    (void)j;
    phase_manifest_free(&m);
    if (rc) {
        c->rc = rc;
        return;
    }
    pthread_mutex_lock(&h->mu);
    c->job->node_job = id;
    h->local_pending++;
    pthread_mutex_unlock(&h->mu);
}

static void call_state(phase_http_t *h, call_t *c)
{
    pthread_mutex_lock(&h->mu);
    uint64_t nj = c->job->node_job;
    pthread_mutex_unlock(&h->mu);
    c->rc = (int)phase_node_job_state(h->node, nj);
}

static void call_cancel(phase_http_t *h, call_t *c)
{
    pthread_mutex_lock(&h->mu);
    uint64_t nj = c->job->node_job;
    pthread_mutex_unlock(&h->mu);
    c->rc = phase_node_cancel(h->node, nj);
}

static void call_module_put(phase_http_t *h, call_t *c)
{
    c->rc = phase_node_module_put(h->node, c->module, c->module_len);
    if (c->rc == 0)
        phase_module_hash(c->module, c->module_len, c->hash);
    else
        err_set(&c->err, c->rc, "cannot cache the module: %s", err_str(c->rc));
}

static void call_module_copy(phase_http_t *h, call_t *c)
{
    size_t len = 0;
    const uint8_t *m = phase_node_module_get(h->node, c->sub->module_ref, &len);
    uint8_t *copy = m ? malloc(len) : NULL;
    if (copy)
        memcpy(copy, m, len);
    c->module = copy;
    c->module_len = copy ? len : 0;
}

static void call_status(phase_http_t *h, call_t *c)
{
    c->result = phase_node_status(h->node);
}

/* ---- remote jobs (a thread each, running the client) ---- */

typedef struct rjob {
    phase_http_t *h;
    hjob_t *job;   /* stays in the table: finished jobs are only evicted when done */
    phase_http_submit_t sub;
    uint8_t *module;
    size_t module_len;
} rjob_t;

static void remote_note(const char *line, void *ud)
{
    rjob_t *r = ud;
    pthread_mutex_lock(&r->h->mu);
    if (!r->job->notes)
        r->job->notes = json_array();
    if (json_array_size(r->job->notes) < 64)
        json_array_append_new(r->job->notes, json_string(line));
    pthread_mutex_unlock(&r->h->mu);
}

static void *remote_thread(void *arg)
{
    rjob_t *r = arg;
    phase_http_t *h = r->h;
    const char *prov[1];
    bool any = strcmp(r->sub.target, "remote") == 0;
    prov[0] = r->sub.target;
    phase_submit_opts_t o = {
        .module = r->module,
        .module_len = r->module_len,
        .args = (const char *const *)r->sub.args,
        .n_args = r->sub.n_args,
        .stdin_data = r->sub.stdin_data,
        .stdin_len = r->sub.stdin_len,
        .fuel = r->sub.fuel,
        .memory_bytes = r->sub.memory_bytes,
        .timeout_ms = r->sub.timeout_ms,
        .providers = any ? NULL : prov,
        .n_providers = any ? 0 : 1,
        .bootstrap = (const char *const *)h->boot,
        .n_bootstrap = h->n_boot,
        .signer = &h->id,
        .on_note = remote_note,
        .ud = r,
    };
    pthread_mutex_lock(&h->mu);
    r->job->state = HJ_RUNNING;
    pthread_mutex_unlock(&h->mu);
    phase_submit_result_t res;
    memset(&res, 0, sizeof res);
    err_t e = {0};
    int rc = phase_submit(&o, &res, &e);
    json_t *events = NULL;
    char pk[2 * PHASE_PK_BYTES + 1] = "";
    if (rc == 0) {
        phase_receipt_t rcpt;
        if (phase_receipt_parse(res.receipt_json, strlen(res.receipt_json), &rcpt, NULL) == 0) {
            phase_job_outcome_t oc;
            memset(&oc, 0, sizeof oc);
            oc.status = PHASE_JOB_EXITED;
            oc.exit_code = res.exit_code;
            oc.out = res.out.data;
            oc.out_len = res.out.len;
            oc.err = res.err.data;
            oc.err_len = res.err.len;
            events = phase_job_events(&oc, rcpt.result, NULL);
            if (rcpt.worker_pubkey && strlen(rcpt.worker_pubkey) == 2 * PHASE_PK_BYTES)
                snprintf(pk, sizeof pk, "%s", rcpt.worker_pubkey);
            phase_receipt_free(&rcpt);
        }
    }
    pthread_mutex_lock(&h->mu);
    hjob_t *j = r->job;
    if (rc == 0) {
        j->exit_code = res.exit_code;
        j->state = res.exit_code == 0 ? HJ_SUCCEEDED : HJ_FAILED;
        set_output(j, res.out.data, res.out.len, res.err.data, res.err.len);
        j->receipt = res.receipt_json;
        res.receipt_json = NULL;
        j->events = events;
        events = NULL;
        snprintf(j->provider, sizeof j->provider, "%s", res.provider);
        snprintf(j->provider_pubkey, sizeof j->provider_pubkey, "%s", pk);
    } else {
        j->state = HJ_ERROR;
        snprintf(j->error, sizeof j->error, "%s", e.msg[0] ? e.msg : err_str(rc));
    }
    h->threads--;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    json_decref(events);
    phase_submit_result_free(&res);
    phase_http_submit_free(&r->sub);
    free(r->module);
    free(r);
    return NULL;
}

/* Pipes and the reader thread for a local job's live output; on failure the
 * job simply has none (its output still comes with the result). */
static void live_open(hjob_t *j)
{
    int po[2] = {-1, -1}, pe[2] = {-1, -1};
    hlive_t *l = calloc(1, sizeof *l);
    if (!l || pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0)
        goto fail;
    pthread_mutex_init(&l->mu, NULL);
    buf_init(&l->out, 0);
    buf_init(&l->err, 0);
    l->rfd[0] = po[0];
    l->rfd[1] = pe[0];
    l->refs = 2;
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &at, live_thread, l);
    pthread_attr_destroy(&at);
    if (rc != 0) {
        pthread_mutex_destroy(&l->mu);
        goto fail;
    }
    j->live = l;
    j->wfd[0] = po[1];
    j->wfd[1] = pe[1];
    return;
fail:
    for (int i = 0; i < 2; i++) {
        if (po[i] >= 0)
            close(po[i]);
        if (pe[i] >= 0)
            close(pe[i]);
    }
    free(l);
}

/* ---- handlers ---- */

static int authorized(phase_http_t *h, const rpc_http_req_t *req)
{
    if (!h->token)
        return 1;
    const char *a = req->authorization;
    if (!a || strncasecmp(a, "Bearer ", 7) != 0)
        return 0;
    a += 7;
    size_t lt = strlen(h->token);
    if (strlen(a) != lt) /* the length is not secret, the content is */
        return 0;
    return crypto_equal(a, h->token, lt);
}

static bool ctype_is(const rpc_http_req_t *req, const char *want)
{
    const char *ct = req->content_type;
    size_t n = strlen(want);
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    return strncasecmp(ct, want, n) == 0 && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

static uint64_t query_u64(const rpc_http_req_t *req, const char *name, uint64_t dflt, bool *bad)
{
    const char *v = rpc_http_query(req, name);
    if (!v)
        return dflt;
    uint64_t x = 0;
    if (!*v)
        *bad = true;
    for (; *v; v++) {
        if (*v < '0' || *v > '9' || x > UINT64_MAX / 10 - 9) {
            *bad = true;
            return dflt;
        }
        x = x * 10 + (uint64_t)(*v - '0');
    }
    return x;
}

static int h_submit(phase_http_t *h, const rpc_http_req_t *req, json_t **body)
{
    if (!ctype_is(req, "application/json"))
        return fail(body, 415, "unsupported_media_type",
                    "POST /jobs needs \"Content-Type: application/json\"");
    phase_http_submit_t *s = calloc(1, sizeof *s);
    if (!s)
        return fail(body, 500, "internal", "out of memory");
    err_t e = {0};
    int rc = phase_http_parse_submit(req->body, req->body_len, s, &e);
    if (rc) {
        free(s);
        return fail(body, 400, rc == PHASE_EUNSUPPORTED ? "unsupported" : "bad_request", "%s",
                    e.msg);
    }
    hjob_t *j = calloc(1, sizeof *j);
    if (!j) {
        phase_http_submit_free(s);
        free(s);
        return fail(body, 500, "internal", "out of memory");
    }
    j->wfd[0] = j->wfd[1] = -1;
    j->busy = 1; /* this handler's, until it answers */
    uint8_t rnd[16];
    crypto_random(rnd, sizeof rnd);
    hex_encode(rnd, sizeof rnd, j->id);
    j->submitted_ms = now_ms();
    j->remote = strcmp(s->target, "local") != 0;
    if (j->remote && s->env) {
        free(j);
        phase_http_submit_free(s);
        free(s);
        return fail(body, 400, "unsupported", "\"env\" is supported for local jobs only (the "
                    "network client does not send it yet)");
    }
    bool wait = s->wait;
    pthread_mutex_lock(&h->mu);
    bool room = job_room(h);
    if (room) {
        j->next = h->jobs;
        h->jobs = j;
        h->n_jobs++;
    }
    pthread_mutex_unlock(&h->mu);
    if (!room) {
        free(j);
        phase_http_submit_free(s);
        free(s);
        return fail(body, 503, "busy", "the job table is full (%d jobs not finished)", MAX_JOBS);
    }
    int status = 202;
    j->wfd[0] = j->wfd[1] = -1;
    if (!j->remote)
        live_open(j);
    if (!j->remote) {
        call_t c = {.fn = call_submit_local, .sub = s, .job = j};
        if (on_loop(h, &c) != 0)
            c.rc = err_set(&c.err, PHASE_ENET, "the node is shutting down");
        phase_http_submit_free(s);
        free(s);
        if (c.rc) {
            pthread_mutex_lock(&h->mu);
            for (hjob_t **pp = &h->jobs; *pp; pp = &(*pp)->next)
                if (*pp == j) {
                    *pp = j->next;
                    h->n_jobs--;
                    break;
                }
            pthread_mutex_unlock(&h->mu);
            job_free(j);
            if (c.rc == PHASE_EBUSY)
                return fail(body, 503, "busy", "%s", c.err.msg);
            if (c.rc == PHASE_ENOENT)
                return fail(body, 404, "unknown_module", "%s", c.err.msg);
            if (c.rc == PHASE_ENET)
                return fail(body, 503, "unavailable", "%s", c.err.msg);
            return fail(body, 400, "rejected", "%s", c.err.msg);
        }
    } else {
        rjob_t *r = calloc(1, sizeof *r);
        int err = 0;
        if (!r) {
            err = 500;
        } else {
            r->h = h;
            r->job = j;
            r->sub = *s;
            memset(s, 0, sizeof *s);
            r->module = r->sub.module;
            r->module_len = r->sub.module_len;
            r->sub.module = NULL;
            if (!r->module) { /* a provider receives the module: take it from our cache */
                call_t c = {.fn = call_module_copy, .sub = &r->sub};
                if (on_loop(h, &c) != 0)
                    err = 503;
                else if (!c.module)
                    err = 404;
                r->module = (uint8_t *)c.module;
                r->module_len = c.module_len;
            }
        }
        free(s);
        if (err) {
            pthread_mutex_lock(&h->mu);
            for (hjob_t **pp = &h->jobs; *pp; pp = &(*pp)->next)
                if (*pp == j) {
                    *pp = j->next;
                    h->n_jobs--;
                    break;
                }
            pthread_mutex_unlock(&h->mu);
            free(j);
            char ref[PHASE_MODULE_HASH_LEN + 1] = "";
            if (r) {
                memcpy(ref, r->sub.module_ref, sizeof ref);
                phase_http_submit_free(&r->sub);
                free(r);
            }
            if (err == 404)
                return fail(body, 404, "unknown_module", "module %s is not in this node's cache "
                            "(upload it with POST /modules first)", ref);
            if (err == 503)
                return fail(body, 503, "unavailable", "the node is shutting down");
            return fail(body, 500, "internal", "out of memory");
        }
        pthread_mutex_lock(&h->mu);
        bool closing = h->closing;
        if (!closing)
            h->threads++;
        pthread_mutex_unlock(&h->mu);
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (closing || pthread_create(&t, &at, remote_thread, r) != 0) {
            pthread_attr_destroy(&at);
            pthread_mutex_lock(&h->mu);
            if (!closing)
                h->threads--;
            j->state = HJ_ERROR;
            snprintf(j->error, sizeof j->error, "cannot start the remote job");
            pthread_mutex_unlock(&h->mu);
            phase_http_submit_free(&r->sub);
            free(r->module);
            free(r);
            return fail(body, 503, "unavailable", "cannot start the remote job");
        }
        pthread_attr_destroy(&at);
    }
    pthread_mutex_lock(&h->mu);
    if (wait) {
        struct timespec dl;
        deadline_in(&dl, SUBMIT_WAIT_MAX_MS);
        while (!job_done(j) && !h->closing)
            if (pthread_cond_timedwait(&h->cv, &h->mu, &dl) != 0)
                break;
        if (job_done(j)) {
            *body = job_result_json(j);
            status = 200;
        }
    }
    if (!*body)
        *body = job_status_json(j);
    j->busy--;
    pthread_mutex_unlock(&h->mu);
    return status;
}

static int h_module_put(phase_http_t *h, const rpc_http_req_t *req, json_t **body)
{
    if (!ctype_is(req, "application/wasm") && !ctype_is(req, "application/octet-stream"))
        return fail(body, 415, "unsupported_media_type",
                    "POST /modules takes the raw module with \"Content-Type: application/wasm\"");
    if (req->body_len < 8 || memcmp(req->body, "\0asm", 4) != 0)
        return fail(body, 400, "bad_request", "the body is not a WebAssembly module (no "
                                              "\\0asm header)");
    call_t c = {.fn = call_module_put, .module = req->body, .module_len = req->body_len};
    if (on_loop(h, &c) != 0)
        return fail(body, 503, "unavailable", "the node is shutting down");
    if (c.rc)
        return fail(body, 507, "insufficient_storage", "%s", c.err.msg);
    *body = json_pack("{s:s,s:I}", "module", c.hash, "size", (json_int_t)req->body_len);
    return 201;
}

static int h_job_get(phase_http_t *h, const rpc_http_req_t *req, const char *id,
                     const char *what, json_t **body)
{
    pthread_mutex_lock(&h->mu);
    hjob_t *j = job_find(h, id);
    if (!j) {
        pthread_mutex_unlock(&h->mu);
        return fail(body, 404, "unknown_job", "no job \"%.40s\" on this node", id);
    }
    bool local_pending = !j->remote && !job_done(j);
    j->busy++;
    pthread_mutex_unlock(&h->mu);
    if (local_pending) {
        call_t c = {.fn = call_state, .job = j};
        if (on_loop(h, &c) == 0) {
            pthread_mutex_lock(&h->mu);
            if (!job_done(j) && c.rc == PHASE_NODE_JOB_RUNNING)
                j->state = HJ_RUNNING;
            pthread_mutex_unlock(&h->mu);
        }
    }
    int status = 200;
    pthread_mutex_lock(&h->mu);
    if (strcmp(what, "") == 0) {
        *body = job_status_json(j);
    } else if (strcmp(what, "result") == 0) {
        if (!job_done(j))
            status = fail(body, 409, "not_finished", "job %s is %s; the result exists once "
                          "it is done (GET /jobs/%s/events waits)", j->id,
                          state_names[j->state], j->id);
        else
            *body = job_result_json(j);
    } else if (strcmp(what, "receipt") == 0) {
        if (!j->receipt)
            status = fail(body, job_done(j) ? 404 : 409,
                          job_done(j) ? "no_receipt" : "not_finished",
                          job_done(j) ? "job %s did not run (%s): there is no receipt"
                                      : "job %s is %s: no receipt yet",
                          j->id, job_done(j) ? j->error : state_names[j->state]);
        else
            *body = cjson_parse(j->receipt, strlen(j->receipt), NULL);
    } else if (strcmp(what, "events") == 0) {
        bool bad = false;
        uint64_t from = query_u64(req, "from", 0, &bad);
        uint64_t wait = query_u64(req, "wait_ms", 0, &bad);
        bool live = rpc_http_query(req, "out_from") || rpc_http_query(req, "err_from");
        uint64_t out_from = query_u64(req, "out_from", 0, &bad);
        uint64_t err_from = query_u64(req, "err_from", 0, &bad);
        if (bad) {
            j->busy--;
            pthread_mutex_unlock(&h->mu);
            return fail(body, 400, "bad_request", "\"from\", \"wait_ms\", \"out_from\" and "
                                                  "\"err_from\" must be decimal integers");
        }
        if (wait > WAIT_MAX_MS)
            wait = WAIT_MAX_MS;
        struct timespec dl;
        deadline_in(&dl, wait);
        int64_t end = now_ms() + (int64_t)wait;
        while (!job_done(j) && !h->closing && wait) {
            if (live && j->live) {
                /* live output has no wake-up of its own: look every 20 ms */
                pthread_mutex_lock(&j->live->mu);
                bool more = j->live->out.len > out_from || j->live->err.len > err_from;
                pthread_mutex_unlock(&j->live->mu);
                if (more)
                    break;
                int64_t left = end - now_ms();
                if (left <= 0)
                    break;
                struct timespec slice;
                deadline_in(&slice, left < 20 ? (uint64_t)left : 20);
                pthread_cond_timedwait(&h->cv, &h->mu, &slice);
            } else if (pthread_cond_timedwait(&h->cv, &h->mu, &dl) != 0) {
                break;
            }
        }
        json_t *ev = json_array();
        size_t n = j->events ? json_array_size(j->events) : 0;
        for (size_t i = (size_t)(from < n ? from : n); i < n; i++)
            json_array_append(ev, json_array_get(j->events, i));
        *body = json_pack("{s:s,s:s,s:o,s:I,s:b}", "id", j->id, "state",
                          state_names[j->state], "events", ev, "next", (json_int_t)n, "done",
                          job_done(j));
        if (j->error[0])
            json_object_set_new(*body, "error", json_string(j->error));
        if (live) {
            /* what the job has written so far (done: its whole output) */
            const uint8_t *o = j->out, *er = j->err;
            size_t on = j->out_len, en = j->err_len;
            if (!job_done(j) && j->live)
                pthread_mutex_lock(&j->live->mu);
            if (!job_done(j) && j->live && (j->live->out.len || j->live->err.len)) {
                j->state = HJ_RUNNING; /* it has written: it runs */
                json_object_set_new(*body, "state", json_string(state_names[HJ_RUNNING]));
            }
            if (!job_done(j)) {
                o = j->live ? j->live->out.data : NULL;
                on = j->live ? j->live->out.len : 0;
                er = j->live ? j->live->err.data : NULL;
                en = j->live ? j->live->err.len : 0;
            }
            size_t a = out_from < on ? (size_t)out_from : on;
            size_t b = err_from < en ? (size_t)err_from : en;
            json_object_set_new(*body, "output",
                                json_pack("{s:o,s:o,s:I,s:I}", "stdout_hex",
                                          hex_json(o ? o + a : NULL, on - a), "stderr_hex",
                                          hex_json(er ? er + b : NULL, en - b), "stdout_next",
                                          (json_int_t)on, "stderr_next", (json_int_t)en));
            if (!job_done(j) && j->live)
                pthread_mutex_unlock(&j->live->mu);
        }
    } else {
        status = fail(body, 404, "not_found", "unknown path /jobs/%s/%.40s (status: /jobs/ID, "
                      "result, receipt, events, cancel)", j->id, what);
    }
    j->busy--;
    pthread_mutex_unlock(&h->mu);
    return status;
}

static int h_cancel(phase_http_t *h, const char *id, json_t **body)
{
    pthread_mutex_lock(&h->mu);
    hjob_t *j = job_find(h, id);
    int status = 0;
    if (!j)
        status = fail(body, 404, "unknown_job", "no job \"%.40s\" on this node", id);
    else if (job_done(j))
        status = fail(body, 409, "finished", "job %s is already %s", j->id,
                      state_names[j->state]);
    else if (j->remote)
        status = fail(body, 409, "not_cancellable",
                      "job %s runs on a remote provider; cancelling remote jobs through the "
                      "HTTP API is not supported", j->id);
    if (!status)
        j->busy++;
    pthread_mutex_unlock(&h->mu);
    if (status)
        return status;
    call_t c = {.fn = call_cancel, .job = j};
    int lrc = on_loop(h, &c);
    pthread_mutex_lock(&h->mu);
    j->busy--;
    if (lrc != 0) {
        pthread_mutex_unlock(&h->mu);
        return fail(body, 503, "unavailable", "the node is shutting down");
    }
    if (c.rc && !job_done(j))
        status = fail(body, 409, "not_cancellable", "job %s cannot be cancelled: %s", j->id,
                      err_str(c.rc));
    else
        *body = job_status_json(j), status = 202;
    pthread_mutex_unlock(&h->mu);
    return status;
}

static int h_status(phase_http_t *h, json_t **body)
{
    call_t c = {.fn = call_status};
    if (on_loop(h, &c) != 0 || !c.result)
        return fail(body, 503, "unavailable", "the node is shutting down");
    size_t counts[6] = {0};
    pthread_mutex_lock(&h->mu);
    for (hjob_t *j = h->jobs; j; j = j->next)
        counts[j->state]++;
    pthread_mutex_unlock(&h->mu);
    json_t *jobs = json_object();
    for (int i = 0; i < 6; i++)
        json_object_set_new(jobs, state_names[i], json_integer((json_int_t)counts[i]));
    json_object_set_new(c.result, "http_jobs", jobs);
    json_object_set_new(c.result, "arch", json_string(phase_arch()));
    json_object_set_new(c.result, "version", json_string(AETHER_VERSION));
    *body = c.result;
    return 200;
}

static int h_peers(phase_http_t *h, json_t **body)
{
    call_t c = {.fn = call_status};
    if (on_loop(h, &c) != 0 || !c.result)
        return fail(body, 503, "unavailable", "the node is shutting down");
    json_t *boot = json_array();
    for (size_t i = 0; i < h->n_boot; i++)
        json_array_append_new(boot, json_string(h->boot[i]));
    *body = json_pack("{s:O,s:O,s:o}", "connections", json_object_get(c.result, "peers"),
                      "listen", json_object_get(c.result, "listen"), "bootstrap", boot);
    json_decref(c.result);
    return 200;
}

static int h_providers(phase_http_t *h, const rpc_http_req_t *req, json_t **body)
{
    bool bad = false;
    uint64_t tmo = query_u64(req, "timeout_ms", DISCOVER_MS, &bad);
    uint64_t minmem = query_u64(req, "min_memory", 0, &bad);
    if (bad)
        return fail(body, 400, "bad_request", "\"timeout_ms\" and \"min_memory\" must be "
                                              "decimal integers");
    if (tmo == 0 || tmo > WAIT_MAX_MS)
        tmo = tmo ? WAIT_MAX_MS : DISCOVER_MS;
    phase_discover_opts_t o = {
        .bootstrap = (const char *const *)h->boot,
        .n_bootstrap = h->n_boot,
        .arch = rpc_http_query(req, "arch"),
        .min_memory_bytes = minmem,
        .timeout_ms = tmo,
    };
    phase_provider_t *ps = NULL;
    size_t n = 0;
    err_t e = {0};
    if (phase_discover(&o, &ps, &n, &e) != 0)
        return fail(body, 502, "discovery_failed", "%s", e.msg);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const phase_capabilities_t *c = &ps[i].caps;
        char pk[2 * PHASE_PK_BYTES + 1];
        hex_encode(ps[i].pk, PHASE_PK_BYTES, pk);
        json_t *addrs = json_array();
        for (size_t k = 0; k < c->n_addrs; k++)
            json_array_append_new(addrs, json_string(c->addrs[k]));
        json_array_append_new(
            arr, json_pack("{s:s,s:s,s:s,s:I,s:o,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:s,s:o}",
                           "peer_id", c->peer_id, "pubkey", pk, "arch", c->arch, "cpu_count",
                           (json_int_t)c->cpu_count, "memory_mb", cjson_u64(c->memory_mb),
                           "max_concurrent_jobs", (json_int_t)c->max_concurrent_jobs,
                           "queue_max", (json_int_t)c->queue_max, "running",
                           (json_int_t)c->current_concurrency, "queued",
                           (json_int_t)c->queue_depth, "max_memory_bytes",
                           cjson_u64(c->max_memory_bytes), "max_timeout_seconds",
                           cjson_u64(c->max_timeout_seconds), "max_fuel",
                           cjson_u64(c->max_fuel), "price_per_fuel",
                           cjson_u64(c->price_per_fuel), "engine_version", c->engine_version,
                           "addrs", addrs));
    }
    free(ps);
    *body = json_pack("{s:o}", "providers", arr);
    return 200;
}

/* Splits "/jobs/ID[/WHAT]"; an ID longer than any of ours becomes "?". */
static bool job_path(const char *path, char id[33], const char **what)
{
    if (strncmp(path, "/jobs/", 6) != 0)
        return false;
    const char *p = path + 6, *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (n == 0)
        return false;
    if (n > 32)
        snprintf(id, 33, "?");
    else {
        memcpy(id, p, n);
        id[n] = 0;
    }
    *what = slash ? slash + 1 : "";
    return true;
}

static int phase_http_route(phase_http_t *h, const rpc_http_req_t *req, json_t **body)
{
    const char *m = req->method, *p = req->path;
    bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    bool post = strcmp(m, "POST") == 0;
    if (!authorized(h, req))
        return fail(body, 401, "unauthorized", "missing or wrong bearer token "
                                               "(\"Authorization: Bearer <token>\")");
    if (req->too_large)
        return fail(body, 413, "too_large", "the request body is over the limit of this API");
    pthread_mutex_lock(&h->mu);
    bool closing = h->closing;
    pthread_mutex_unlock(&h->mu);
    if (closing)
        return fail(body, 503, "unavailable", "the node is shutting down");
    char id[33];
    const char *what = "";
    if (strcmp(p, "/jobs") == 0) {
        if (post)
            return h_submit(h, req, body);
        if (get) {
            pthread_mutex_lock(&h->mu);
            json_t *arr = json_array();
            for (hjob_t *j = h->jobs; j; j = j->next)
                json_array_append_new(arr, job_status_json(j));
            pthread_mutex_unlock(&h->mu);
            *body = json_pack("{s:o}", "jobs", arr);
            return 200;
        }
        return fail(body, 405, "method_not_allowed", "%s /jobs: use GET or POST", m);
    }
    if (strcmp(p, "/modules") == 0) {
        if (post)
            return h_module_put(h, req, body);
        return fail(body, 405, "method_not_allowed", "%s /modules: use POST", m);
    }
    if (job_path(p, id, &what)) {
        if (strcmp(what, "cancel") == 0) {
            if (!post)
                return fail(body, 405, "method_not_allowed", "%s %s: use POST", m, p);
            return h_cancel(h, id, body);
        }
        if (strcmp(m, "DELETE") == 0 && !*what)
            return h_cancel(h, id, body);
        if (!get)
            return fail(body, 405, "method_not_allowed", "%s %s: use GET", m, p);
        return h_job_get(h, req, id, what, body);
    }
    if (strcmp(p, "/status") == 0 || strcmp(p, "/peers") == 0 || strcmp(p, "/providers") == 0) {
        if (!get)
            return fail(body, 405, "method_not_allowed", "%s %s: use GET", m, p);
        if (p[1] == 's')
            return h_status(h, body);
        if (p[2] == 'e')
            return h_peers(h, body);
        return h_providers(h, req, body);
    }
    return fail(body, 404, "not_found", "no route %s %.100s (see docs/phase-http-api.md)", m, p);
}

static int route_cb(void *ud, const rpc_http_req_t *req, json_t **body)
{
    return phase_http_route(ud, req, body);
}

static int health_cb(void *ud, json_t **body)
{
    phase_http_t *h = ud;
    pthread_mutex_lock(&h->mu);
    bool closing = h->closing;
    pthread_mutex_unlock(&h->mu);
    *body = json_pack("{s:s,s:s}", "status", closing ? "stopping" : "ok", "peer_id",
                      h->peer_id);
    return closing ? 503 : 200;
}

/* ---- lifecycle ---- */

static bool is_loopback(const char *host)
{
    return strncmp(host, "127.", 4) == 0;
}

phase_http_t *phase_http_start(phase_node_t *n, const phase_http_cfg_t *cfg, err_t *e)
{
    char host[64];
    uint16_t port = 0;
    const char *listen = cfg->listen ? cfg->listen : "127.0.0.1:8080";
    if (rpc_parse_listen(listen, host, &port, e) != 0) {
        err_set(e, PHASE_ECONFIG, "http: listen address \"%s\" is not IPv4 HOST:PORT", listen);
        return NULL;
    }
    if (!is_loopback(host) && (!cfg->token || !*cfg->token)) {
        err_set(e, PHASE_ECONFIG, "http: %s is not a loopback address: a bearer token is "
                "required (--http-token-file, http_token_file or http_token)", listen);
        return NULL;
    }
    if (cfg->token && strlen(cfg->token) < 16) {
        err_set(e, PHASE_ECONFIG, "http: the bearer token must be at least 16 characters");
        return NULL;
    }
    phase_http_t *h = calloc(1, sizeof *h);
    if (!h) {
        err_set(e, BASE_ENOMEM, "out of memory");
        return NULL;
    }
    h->node = n;
    h->id = *node_identity(n);
    snprintf(h->peer_id, sizeof h->peer_id, "%s", phase_node_peer_id(n));
    if (cfg->token && *cfg->token && !(h->token = strdup(cfg->token)))
        goto oom;
    /* discovery bootstraps from the node's own bootstrap peers, then itself */
    const phase_node_config_t *nc = node_config(n);
    buf_t la;
    buf_init(&la, 0);
    size_t nl = 0;
    if (phase_node_listen_addrs(n, &la) == 0)
        for (size_t i = 0; i < la.len; i++)
            nl += la.data[i] == '\n';
    h->boot = calloc(nc->n_bootstrap + nl + 1, sizeof *h->boot);
    if (!h->boot) {
        buf_free(&la);
        goto oom;
    }
    for (size_t i = 0; i < nc->n_bootstrap; i++)
        if ((h->boot[h->n_boot] = strdup(nc->bootstrap_peers[i])))
            h->n_boot++;
    if (la.len && buf_append(&la, "", 1) == 0) {
        char *save = NULL;
        for (char *l = strtok_r((char *)la.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
            if ((h->boot[h->n_boot] = strdup(l)))
                h->n_boot++;
    }
    buf_free(&la);
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    uv_async_init(node_loop(n), &h->async, on_async);
    h->async.data = h;
    rpc_server_cfg_t sc;
    rpc_server_cfg_default(&sc);
    sc.host = host;
    sc.port = port;
    sc.max_body = cfg->max_body ? cfg->max_body : (size_t)PHASE_MODULE_MAX * 2 + (1u << 20);
    sc.rate = 0;
    sc.max_conns = 64;
    sc.request_timeout_ms = 30000;
    sc.dispatch.ud = h;
    sc.route = route_cb;
    sc.health = health_cb;
    h->srv = rpc_server_start(&sc, e);
    if (!h->srv) {
        phase_http_stop(h);
        return NULL;
    }
    return h;
oom:
    err_set(e, BASE_ENOMEM, "out of memory");
    free(h->token);
    free(h);
    return NULL;
}

uint16_t phase_http_port(const phase_http_t *h)
{
    return h && h->srv ? rpc_server_port(h->srv) : 0;
}

static void http_release(phase_http_t *h)
{
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    phase_identity_wipe(&h->id);
    free(h);
}

/* The node may still call local_done for jobs in its pool: h lives until then. */
static void async_closed(uv_handle_t *a)
{
    phase_http_t *h = a->data;
    pthread_mutex_lock(&h->mu);
    h->released = true;
    bool last = h->local_pending == 0;
    pthread_mutex_unlock(&h->mu);
    if (last)
        http_release(h);
}

void phase_http_stop(phase_http_t *h)
{
    if (!h)
        return;
    /* refuse new calls, wake every waiter (their calls are answered 503), then
     * stop the server: it waits for the handlers, which no longer wait for us */
    pthread_mutex_lock(&h->mu);
    h->closing = true;
    call_t *c = h->calls;
    h->calls = NULL;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    (void)c; /* their owners see closing and return; the structs are theirs */
    rpc_server_stop(h->srv);
    h->srv = NULL;
    /* remote jobs finish their client call (bounded by its timeouts) */
    pthread_mutex_lock(&h->mu);
    while (h->threads)
        pthread_cond_wait(&h->cv, &h->mu);
    while (h->jobs) {
        hjob_t *j = h->jobs;
        h->jobs = j->next;
        if (!j->remote && !job_done(j) && j->node_job) {
            j->next = h->orphans; /* the worker may still write into its pipes */
            h->orphans = j;
        } else {
            job_free(j);
        }
    }
    pthread_mutex_unlock(&h->mu);
    for (size_t i = 0; i < h->n_boot; i++)
        free(h->boot[i]);
    free(h->boot);
    free(h->token);
    uv_close((uv_handle_t *)&h->async, async_closed);
}
