/*
 * phase/client: finding providers and running a job on one of them.
 *
 * Discovery: dial the bootstrap nodes, ask the DHT for the providers of
 * /phase/capability/<arch>/wasm, fetch each provider's signed capability
 * record (PHASE_CAP_NS<peer id>), keep those whose signature and expiry check
 * out and whose limits fit the job, best first: lowest load (running +
 * waiting per worker), then lowest price, ties broken at random so clients
 * spread over equal providers.
 *
 * Submission, per provider in that order (or the --provider list): dial,
 * /phase/job-offer/1.0.0 (a Rejected answer moves on to the next provider),
 * /phase/job-relay/1.0.0 with the SignedManifest (Err{"busy..."} moves on),
 * then the answer is verified: receipt signature by the provider's peer key,
 * job_id = the manifest's JobId, and the Output chunks received replayed into
 * the receipt's commitment and chunk count. Only verified output is handed
 * back. A disconnect or a timeout moves on too; a receipt that does not match
 * is an error (never retried: the provider lied).
 */
#include "phase.h"

#include "crypto/crypto.h"
#include "p2p/p2p.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CANDIDATES 64

typedef struct cand {
    struct cl *owner;
    p2p_peer_id_t id;
    buf_t addr;              /* binary multiaddr with /p2p/ (may be empty) */
    char name[P2P_PEER_ID_STR_MAX];
    phase_capabilities_t caps;
    bool has_caps;
    uint32_t rnd;
} cand_t;

enum { ST_DISCOVER, ST_OFFER, ST_RELAY, ST_STREAM, ST_DONE };

#define PUMP_CHUNK (128u << 10)
#define PUMP_HIGH (4u << 20)
#define OUTPUT_MAX (64u << 20)

typedef struct cl {
    uv_loop_t loop;
    p2p_host_t *host;
    p2p_kad_t *kad;
    uv_timer_t timer;
    int state;
    /* discovery */
    const phase_discover_opts_t *dopts;
    cand_t cands[MAX_CANDIDATES];
    size_t n_cands;
    size_t pending_gets;
    size_t boot_pending;
    size_t boot_ok;           /* bootstrap nodes we connected to */
    char boot_err[256];       /* why the last bootstrap dial failed */
    bool disc_started;
    /* submission */
    const phase_submit_opts_t *sopts;
    phase_submit_result_t *res;
    phase_manifest_t m;
    uint8_t job_id[PHASE_HASH_BYTES];      /* of the relay (inline) manifest */
    buf_t relay_req;                       /* empty when the job does not fit the relay */
    char *stream_manifest;                 /* module by reference, for /phase/job/1.0.0 */
    uint8_t stream_job_id[PHASE_HASH_BYTES];
    uv_timer_t pump_timer;
    const uint8_t *pump_p;                 /* module or stdin bytes still to send */
    size_t pump_left;
    uint8_t pump_type, pump_end;
    bool stdin_next;                       /* after the module, nothing: stdin follows ACCEPTED */
    phase_offer_t offer;
    size_t cur;
    unsigned attempt_serial;
    p2p_stream_t *stream;
    buf_t in;
    size_t in_cap;
    int rc;
    err_t err;
} cl_t;

static void note(cl_t *c, const char *fmt, ...) BASE_PRINTF(2, 3);
static void note(cl_t *c, const char *fmt, ...)
{
    char line[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_info("phase", "client", "%s", line);
    if (c->sopts && c->sopts->on_note)
        c->sopts->on_note(line, c->sopts->ud);
}

static void finish(cl_t *c, int rc)
{
    c->rc = rc;
    c->state = ST_DONE;
    uv_stop(&c->loop);
}

static int cl_init(cl_t *c, err_t *e)
{
    if (uv_loop_init(&c->loop) != 0)
        return err_set(e, PHASE_ENET, "cannot create an event loop");
    p2p_host_config_t hc = {.seed = NULL, .kad_server = false};
    c->host = p2p_host_new(&c->loop, &hc, e);
    if (!c->host)
        return PHASE_ENET;
    if (p2p_identify_enable(c->host) != 0)
        return err_set(e, PHASE_ENET, "cannot register identify");
    c->kad = p2p_kad_new(c->host, e);
    if (!c->kad)
        return PHASE_ENET;
    if (p2p_kad_add_validator(c->kad, PHASE_CAP_NS, phase_cap_validator) != 0)
        return err_set(e, PHASE_ENET, "cannot register the capability validator");
    uv_timer_init(&c->loop, &c->timer);
    c->timer.data = c;
    uv_timer_init(&c->loop, &c->pump_timer);
    c->pump_timer.data = c;
    buf_init(&c->in, 0);
    buf_init(&c->relay_req, 0);
    return PHASE_OK;
}

static void close_walk(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void cl_fini(cl_t *c)
{
    if (c->kad)
        p2p_kad_free(c->kad);
    if (c->host)
        p2p_host_free(c->host);
    uv_run(&c->loop, UV_RUN_NOWAIT);
    uv_walk(&c->loop, close_walk, NULL);
    uv_run(&c->loop, UV_RUN_DEFAULT);
    (void)uv_loop_close(&c->loop);
    for (size_t i = 0; i < c->n_cands; i++)
        buf_free(&c->cands[i].addr);
    buf_free(&c->in);
    buf_free(&c->relay_req);
    free(c->stream_manifest);
    phase_manifest_free(&c->m);
}

/* ---- discovery ---- */

static cand_t *cand_find(cl_t *c, const p2p_peer_id_t *id)
{
    for (size_t i = 0; i < c->n_cands; i++)
        if (p2p_peer_id_equal(&c->cands[i].id, id))
            return &c->cands[i];
    return NULL;
}

static bool fits(const cl_t *c, const phase_capabilities_t *k)
{
    const phase_discover_opts_t *d = c->dopts;
    const char *arch = d && d->arch ? d->arch : phase_arch();
    if (strcmp(k->arch, arch) != 0)
        return false;
    if (d && d->min_memory_bytes && k->max_memory_bytes < d->min_memory_bytes)
        return false;
    if (c->sopts) {
        const phase_submit_opts_t *s = c->sopts;
        if (s->memory_bytes && k->max_memory_bytes < s->memory_bytes)
            return false;
        if (s->timeout_ms && k->max_timeout_seconds * 1000u < s->timeout_ms)
            return false;
        if (s->fuel && k->max_fuel < s->fuel)
            return false;
    }
    return true;
}

static double load_of(const phase_capabilities_t *k)
{
    uint32_t w = k->max_concurrent_jobs ? k->max_concurrent_jobs : 1;
    return (double)(k->current_concurrency + k->queue_depth) / w;
}

static int cand_cmp(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;
    if (x->has_caps != y->has_caps)
        return x->has_caps ? -1 : 1;
    double lx = load_of(&x->caps), ly = load_of(&y->caps);
    if (lx != ly)
        return lx < ly ? -1 : 1;
    if (x->caps.price_per_fuel != y->caps.price_per_fuel)
        return x->caps.price_per_fuel < y->caps.price_per_fuel ? -1 : 1;
    return x->rnd < y->rnd ? -1 : x->rnd > y->rnd;
}

static void start_submit(cl_t *c);

static void discovery_done(cl_t *c)
{
    /* keep the providers with a valid record that fit */
    size_t k = 0;
    for (size_t i = 0; i < c->n_cands; i++) {
        if (c->cands[i].has_caps && fits(c, &c->cands[i].caps)) {
            if (k != i) {
                buf_free(&c->cands[k].addr);
                c->cands[k] = c->cands[i];
                buf_init(&c->cands[i].addr, 0);
            }
            k++;
        }
    }
    for (size_t i = k; i < c->n_cands; i++)
        buf_free(&c->cands[i].addr);
    c->n_cands = k;
    /* the signed record's addresses when the DHT gave none */
    for (size_t i = 0; i < c->n_cands; i++)
        if (c->cands[i].addr.len == 0 && c->cands[i].caps.n_addrs &&
            p2p_maddr_parse(c->cands[i].caps.addrs[0], &c->cands[i].addr, NULL) != 0)
            buf_reset(&c->cands[i].addr);
    qsort(c->cands, c->n_cands, sizeof c->cands[0], cand_cmp);
    if (c->sopts)
        start_submit(c);
    else
        finish(c, PHASE_OK);
}

static void on_cap_get(p2p_kad_t *kad, const p2p_kad_result_t *res, void *ud)
{
    cand_t *k = ud;
    cl_t *c = k->owner;
    if (c->state != ST_DISCOVER)
        return;
    if (res->status == 0 && res->value) {
        err_t e = {0};
        char key[160];
        int kl = snprintf(key, sizeof key, "%s%s", PHASE_CAP_NS, k->name);
        if (phase_cap_record_verify((const uint8_t *)key, (size_t)kl, res->value, res->value_len,
                                    ts_now(), &k->caps, &e) == 0)
            k->has_caps = true;
        else
            note(c, "discovery: ignoring the record of %s: %s", k->name, e.msg);
    }
    if (--c->pending_gets == 0)
        discovery_done(c);
}

static void add_cand(cl_t *c, const p2p_peer_id_t *id, const uint8_t *maddr, size_t n)
{
    cand_t *k = cand_find(c, id);
    if (!k) {
        if (c->n_cands == MAX_CANDIDATES)
            return;
        k = &c->cands[c->n_cands++];
        memset(k, 0, sizeof *k);
        k->owner = c;
        k->id = *id;
        buf_init(&k->addr, 0);
        p2p_peer_id_format(id, k->name);
        crypto_random(&k->rnd, sizeof k->rnd);
    }
    if (maddr && n && k->addr.len == 0) {
        const uint8_t *v;
        size_t vl;
        buf_append(&k->addr, maddr, n);
        if (!p2p_maddr_find(maddr, n, P2P_PROTO_P2P, &v, &vl)) {
            /* append /p2p/<id> */
            uint8_t hdr[10];
            size_t hl = uvarint_encode(P2P_PROTO_P2P, hdr);
            hl += uvarint_encode(id->len, hdr + hl);
            buf_append(&k->addr, hdr, hl);
            buf_append(&k->addr, id->b, id->len);
        }
    }
}

static void on_providers(p2p_kad_t *kad, const p2p_kad_result_t *res, void *ud)
{
    cl_t *c = ud;
    if (c->state != ST_DISCOVER)
        return;
    for (size_t i = 0; i < res->n_peers; i++)
        add_cand(c, &res->peers[i].id, res->peers[i].n_addrs ? res->peers[i].addrs[0].data : NULL,
                 res->peers[i].n_addrs ? res->peers[i].addrs[0].len : 0);
    if (c->n_cands == 0) {
        note(c, "discovery: no provider records for /phase/capability/%s/wasm (%s)",
             c->dopts && c->dopts->arch ? c->dopts->arch : phase_arch(),
             res->status ? (res->msg ? res->msg : p2p_strerror(res->status)) : "none stored");
        discovery_done(c);
        return;
    }
    c->pending_gets = c->n_cands;
    size_t n = c->n_cands;
    for (size_t i = 0; i < n; i++) {
        char key[160];
        int kl = snprintf(key, sizeof key, "%s%s", PHASE_CAP_NS, c->cands[i].name);
        if (p2p_kad_get(c->kad, (const uint8_t *)key, (size_t)kl, on_cap_get, &c->cands[i]) != 0 &&
            --c->pending_gets == 0)
            discovery_done(c);
    }
}

static void disc_lookup(cl_t *c)
{
    if (c->disc_started)
        return;
    c->disc_started = true;
    char key[128];
    const char *arch = c->dopts && c->dopts->arch ? c->dopts->arch : phase_arch();
    int kl = snprintf(key, sizeof key, "/phase/capability/%s/wasm", arch);
    if (p2p_kad_get_providers(c->kad, (const uint8_t *)key, (size_t)kl, on_providers, c) != 0) {
        err_set(&c->err, PHASE_ENET, "discovery: cannot start the provider lookup");
        finish(c, PHASE_ENET);
    }
}

/* Every bootstrap dial has ended: look the providers up, unless none connected (then
 * "0 providers" would hide that the --bootstrap node is down or mistyped). */
static void boot_settled(cl_t *c)
{
    if (c->boot_ok == 0) {
        err_set(&c->err, PHASE_ENET, "discovery: cannot reach any --bootstrap node (%s)",
                c->boot_err[0] ? c->boot_err : "no connection");
        finish(c, PHASE_ENET);
        return;
    }
    disc_lookup(c);
}

static void on_boot_identified(p2p_host_t *h, int status, const p2p_identify_info_t *in, void *ud)
{
    cl_t *c = ud;
    if (c->state == ST_DISCOVER && --c->boot_pending == 0)
        boot_settled(c);
}

static void on_boot_dial(p2p_host_t *h, p2p_conn_t *conn, int status, const char *msg, void *ud)
{
    cl_t *c = ud;
    if (c->state != ST_DISCOVER)
        return;
    err_t e;
    if (status) {
        note(c, "discovery: bootstrap dial failed: %s", msg);
        snprintf(c->boot_err, sizeof c->boot_err, "%.200s", msg ? msg : "dial failed");
    } else {
        c->boot_ok++;
        if (p2p_identify(conn, on_boot_identified, c, &e) == 0)
            return;
    }
    if (--c->boot_pending == 0)
        boot_settled(c);
}

static void disc_timeout(uv_timer_t *t)
{
    cl_t *c = t->data;
    if (c->state != ST_DISCOVER)
        return;
    note(c, "discovery: timed out with %zu provider(s) found", c->n_cands);
    discovery_done(c);
}

/* Dials every bootstrap node, then looks the providers up. */
static int start_discovery(cl_t *c, const char *const *boot, size_t n_boot, uint64_t timeout_ms,
                           err_t *e)
{
    c->state = ST_DISCOVER;
    if (n_boot == 0)
        return err_set(e, PHASE_EINVAL, "discovery needs at least one --bootstrap MULTIADDR");
    buf_t bins[PHASE_CFG_MAX_ADDRS];
    size_t nb = n_boot < PHASE_CFG_MAX_ADDRS ? n_boot : PHASE_CFG_MAX_ADDRS;
    for (size_t i = 0; i < nb; i++) {
        buf_init(&bins[i], 0);
        if (p2p_maddr_parse(boot[i], &bins[i], e) != 0) {
            for (size_t k = 0; k <= i; k++)
                buf_free(&bins[k]);
            return err_prefix(e, "bootstrap %s", boot[i]);
        }
    }
    c->boot_pending = nb;
    int rc = PHASE_OK;
    for (size_t i = 0; i < nb; i++) {
        p2p_kad_add_peer(c->kad, NULL, bins[i].data, bins[i].len);
        err_t de;
        if (p2p_host_dial(c->host, bins[i].data, bins[i].len, on_boot_dial, c, &de) != 0) {
            note(c, "discovery: cannot dial %s: %s", boot[i], de.msg);
            snprintf(c->boot_err, sizeof c->boot_err, "%.120s: %.120s", boot[i], de.msg);
            if (--c->boot_pending == 0)
                boot_settled(c);
        }
    }
    for (size_t i = 0; i < nb; i++)
        buf_free(&bins[i]);
    uv_timer_start(&c->timer, disc_timeout, timeout_ms ? timeout_ms : 10000, 0);
    return rc;
}

int phase_discover(const phase_discover_opts_t *o, phase_provider_t **out, size_t *n, err_t *e)
{
    *out = NULL;
    *n = 0;
    cl_t *c = calloc(1, sizeof *c);
    if (!c)
        return err_set(e, BASE_ENOMEM, "out of memory");
    c->dopts = o;
    int rc = cl_init(c, e);
    if (rc == 0)
        rc = start_discovery(c, o->bootstrap, o->n_bootstrap, o->timeout_ms, e);
    if (rc == 0) {
        uv_run(&c->loop, UV_RUN_DEFAULT);
        rc = c->rc;
        if (rc)
            err_set(e, rc, "%s", c->err.msg);
    }
    if (rc == 0 && c->n_cands) {
        *out = calloc(c->n_cands, sizeof **out);
        if (!*out) {
            rc = err_set(e, BASE_ENOMEM, "out of memory");
        } else {
            for (size_t i = 0; i < c->n_cands; i++) {
                (*out)[i].caps = c->cands[i].caps;
                if (p2p_peer_id_pubkey(&c->cands[i].id, (*out)[i].pk, NULL) != 0)
                    memset((*out)[i].pk, 0, PHASE_PK_BYTES);
            }
            *n = c->n_cands;
        }
    }
    cl_fini(c);
    free(c);
    return rc;
}

/* ---- verification ---- */

int phase_verify_relay_answer(const phase_relay_response_t *resp, const uint8_t pk[PHASE_PK_BYTES],
                              const uint8_t job_id[PHASE_HASH_BYTES], buf_t *out, buf_t *err,
                              int *exit_code, err_t *e)
{
    int rc;
    err_t je = {0};
    phase_receipt_t r;
    phase_job_result_t res;
    memset(&r, 0, sizeof r);
    memset(&res, 0, sizeof res);
    if (!resp->ok)
        return err_set(e, PHASE_EINVAL, "relay answer: Err: %s", resp->reason);
    if (!resp->receipt_len)
        return err_set(e, PHASE_EMISMATCH, "relay answer: no receipt");
    json_t *events = cjson_parse((const char *)resp->events, resp->events_len, &je);
    if (!events)
        return err_set(e, PHASE_EINVAL, "relay answer: events: %s", je.msg);
    phase_commit_t cm;
    const json_t *fin = NULL;
    if ((rc = phase_events_replay(events, &cm, &fin, e)) != 0)
        goto out;
    if ((rc = phase_receipt_parse((const char *)resp->receipt, resp->receipt_len, &r, e)) != 0 ||
        (rc = phase_receipt_verify(&r, pk, e)) != 0) {
        err_prefix(e, "receipt");
        goto out;
    }
    uint8_t rid[PHASE_HASH_BYTES];
    if ((rc = phase_receipt_job_id_bytes(&r, rid, e)) != 0)
        goto out;
    if (!crypto_equal(rid, job_id, PHASE_HASH_BYTES)) {
        rc = err_set(e, PHASE_EMISMATCH, "receipt: job_id is not this job's JobId");
        goto out;
    }
    if ((rc = phase_job_result_from_json(r.result, &res, e)) != 0)
        goto out;
    if (!crypto_equal(res.job_spec_hash, job_id, PHASE_HASH_BYTES)) {
        rc = err_set(e, PHASE_EMISMATCH, "receipt: job_spec_hash is not this job's JobId");
        goto out;
    }
    if (!crypto_equal(res.output_commitment, cm.state, PHASE_HASH_BYTES) ||
        res.output_chunk_count != cm.count) {
        rc = err_set(e, PHASE_EMISMATCH,
                     "receipt: the output received (%llu chunks) does not match the receipt's "
                     "commitment (%llu chunks)",
                     (unsigned long long)cm.count, (unsigned long long)res.output_chunk_count);
        goto out;
    }
    if (!json_equal((json_t *)fin, r.result)) {
        rc = err_set(e, PHASE_EMISMATCH, "receipt: the Final event's result differs from the "
                     "signed one");
        goto out;
    }
    /* the output itself, in order */
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        const json_t *o = json_object_get(ev, "Output");
        if (!o)
            continue;
        const char *kind = json_string_value(json_object_get(o, "kind"));
        uint8_t *data = NULL;
        size_t len = 0;
        if (cjson_get_bytes(json_object_get(o, "data"), SIZE_MAX, &data, &len, NULL) != 0) {
            rc = err_set(e, PHASE_EINVAL, "events[%zu]: bad data", i);
            goto out;
        }
        if (kind && strcmp(kind, "stdout") == 0)
            buf_append(out, data, len);
        else if (kind && strcmp(kind, "stderr") == 0)
            buf_append(err, data, len);
        free(data);
    }
    const char *code = res.extra ? json_string_value(json_object_get(res.extra, "exit_code"))
                                 : NULL;
    long v = code ? strtol(code, NULL, 10) : 1;
    *exit_code = v >= 0 && v <= 255 ? (int)v : 1;
    rc = PHASE_OK;
out:
    phase_job_result_free(&res);
    phase_receipt_free(&r);
    json_decref(events);
    return rc;
}

/* ---- submission ---- */

static void try_next(cl_t *c);
static void attempt_failed(cl_t *c, const char *fmt, ...) BASE_PRINTF(2, 3);

static void attempt_failed(cl_t *c, const char *fmt, ...)
{
    char why[500];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    cand_t *k = &c->cands[c->cur];
    bool more = c->cur + 1 < c->n_cands;
    note(c, "provider %s: %s%s", k->name, why, more ? "; trying the next provider" : "");
    err_set(&c->err, PHASE_ENET, "provider %s: %s", k->name, why);
    if (c->stream) {
        p2p_stream_t *s = c->stream;
        c->stream = NULL;
        p2p_stream_reset(s);
    }
    c->attempt_serial++;
    c->cur++;
    try_next(c);
}

static void on_attempt_timeout(uv_timer_t *t)
{
    cl_t *c = t->data;
    if (c->state == ST_OFFER || c->state == ST_RELAY || c->state == ST_STREAM)
        attempt_failed(c, "timed out");
}

static void stream_frames(cl_t *c);

static size_t st_on_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    cl_t *c = ud;
    if (s != c->stream)
        return n;
    if (c->in.len + n > c->in_cap) {
        attempt_failed(c, "answer exceeds the %zu byte cap", c->in_cap);
        return n;
    }
    buf_append(&c->in, p, n);
    if (c->state == ST_STREAM)
        stream_frames(c);
    return n;
}

static void send_relay(cl_t *c);

static void send_stream(cl_t *c);

static void on_offer_answer(cl_t *c)
{
    phase_offer_response_t r;
    err_t e = {0};
    if (phase_offer_response_parse(c->in.data, c->in.len, &r, &e) != 0) {
        attempt_failed(c, "bad offer answer: %s", e.msg);
        return;
    }
    if (r.verdict != PHASE_OFFER_ACCEPTED) {
        char why[320];
        phase_offer_reason_text(&r, why, sizeof why);
        attempt_failed(c, "rejected the offer: %s", why);
        return;
    }
    send_stream(c);
}

static void on_relay_answer(cl_t *c)
{
    phase_relay_response_t resp;
    err_t e = {0};
    if (phase_relay_response_decode(c->in.data, c->in.len, &resp, &e) != 0) {
        attempt_failed(c, "bad relay answer: %s", e.msg);
        return;
    }
    if (!resp.ok) {
        attempt_failed(c, "refused the job: %s", resp.reason);
        phase_relay_response_free(&resp);
        return;
    }
    cand_t *k = &c->cands[c->cur];
    uint8_t pk[PHASE_PK_BYTES];
    phase_submit_result_t *r = c->res;
    buf_reset(&r->out);
    buf_reset(&r->err);
    int rc = p2p_peer_id_pubkey(&k->id, pk, &e);
    if (rc == 0)
        rc = phase_verify_relay_answer(&resp, pk, c->job_id, &r->out, &r->err, &r->exit_code, &e);
    if (rc != 0) {
        /* a provider that signs something else than what it sent: stop */
        err_set(&c->err, rc == PHASE_EMISMATCH || rc == PHASE_EBADSIG ? PHASE_EMISMATCH : rc,
                "provider %s: %s", k->name, e.msg);
        note(c, "provider %s: receipt check failed: %s", k->name, e.msg);
        phase_relay_response_free(&resp);
        finish(c, c->err.code);
        return;
    }
    r->receipt_json = malloc(resp.receipt_len + 1);
    if (r->receipt_json) {
        memcpy(r->receipt_json, resp.receipt, resp.receipt_len);
        r->receipt_json[resp.receipt_len] = 0;
    }
    snprintf(r->provider, sizeof r->provider, "%s", k->name);
    phase_relay_response_free(&resp);
    if (c->stream) {
        p2p_stream_t *s = c->stream;
        c->stream = NULL;
        p2p_stream_reset(s); /* done with it; do not wait for the peer's close */
    }
    finish(c, r->receipt_json ? PHASE_OK : BASE_ENOMEM);
}

static void st_on_eof(p2p_stream_t *s, void *ud)
{
    cl_t *c = ud;
    if (s != c->stream)
        return;
    if (c->state == ST_OFFER)
        on_offer_answer(c);
    else if (c->state == ST_RELAY)
        on_relay_answer(c);
    else if (c->state == ST_STREAM)
        attempt_failed(c, "closed the job stream before the result");
}

static void st_on_close(p2p_stream_t *s, int status, void *ud)
{
    cl_t *c = ud;
    if (s != c->stream)
        return;
    c->stream = NULL;
    if (c->state == ST_OFFER || c->state == ST_RELAY || c->state == ST_STREAM)
        attempt_failed(c, "stream closed before the answer (%s)",
                       status ? p2p_strerror(status) : "no data");
}

typedef struct open_ctx {
    cl_t *c;
    unsigned serial;
} open_ctx_t;

static void on_stream_open(p2p_stream_t *s, int status, void *ud)
{
    open_ctx_t *oc = ud;
    cl_t *c = oc->c;
    bool stale = oc->serial != c->attempt_serial || c->state == ST_DONE;
    free(oc);
    if (stale) {
        if (s)
            p2p_stream_reset(s);
        return;
    }
    if ((status || !s) && c->state == ST_STREAM && status == P2P_ENOTSUP && c->relay_req.len) {
        /* an upstream node: no streaming protocol, the batch relay instead */
        log_info("phase", "provider has no /phase/job/1.0.0, using the relay", "peer=%s",
                 c->cands[c->cur].name);
        send_relay(c);
        return;
    }
    if (status || !s) {
        attempt_failed(c, "cannot open %s: %s",
                       c->state == ST_OFFER    ? PHASE_OFFER_PROTO
                       : c->state == ST_STREAM ? PHASE_JOB_PROTO
                                               : PHASE_RELAY_PROTO,
                       p2p_strerror(status));
        return;
    }
    c->stream = s;
    buf_reset(&c->in);
    p2p_stream_cbs_t cbs = {.on_data = st_on_data, .on_eof = st_on_eof, .on_close = st_on_close,
                            .ud = c};
    p2p_stream_set_cbs(s, &cbs);
    int rc;
    if (c->state == ST_STREAM) {
        buf_t f;
        buf_init(&f, 0);
        rc = phase_frame_append(&f, PHASE_F_MANIFEST, c->stream_manifest,
                                strlen(c->stream_manifest));
        if (rc == 0)
            rc = p2p_stream_write(s, f.data, f.len);
        buf_free(&f);
        if (rc)
            attempt_failed(c, "cannot send the manifest");
        return; /* the stream stays open both ways */
    } else if (c->state == ST_OFFER) {
        json_t *j = phase_offer_to_json(&c->offer);
        char *txt = j ? cjson_encode_str(j, NULL) : NULL;
        json_decref(j);
        rc = txt ? p2p_stream_write(s, txt, strlen(txt)) : BASE_ENOMEM;
        free(txt);
    } else {
        rc = p2p_stream_write(s, c->relay_req.data, c->relay_req.len);
    }
    if (rc) {
        attempt_failed(c, "cannot send the request");
        return;
    }
    p2p_stream_close_write(s);
}

static void open_proto(cl_t *c, const char *proto)
{
    cand_t *k = &c->cands[c->cur];
    p2p_conn_t *conn = p2p_host_find_conn(c->host, &k->id);
    if (!conn) {
        attempt_failed(c, "disconnected");
        return;
    }
    open_ctx_t *oc = malloc(sizeof *oc);
    if (!oc) {
        attempt_failed(c, "out of memory");
        return;
    }
    oc->c = c;
    oc->serial = c->attempt_serial;
    err_t e;
    if (p2p_conn_open_stream(conn, proto, on_stream_open, oc, &e) != 0) {
        free(oc);
        attempt_failed(c, "cannot open %s: %s", proto, e.msg);
    }
}

/* ---- /phase/job/1.0.0 ---- */

static void pump(cl_t *c);

static void pump_timer_cb(uv_timer_t *t)
{
    pump(t->data);
}

/* Sends the bytes in pump_p as frames while little is waiting, then the end
 * frame. */
static void pump(cl_t *c)
{
    if (c->state != ST_STREAM || !c->stream)
        return;
    while (c->pump_left || c->pump_end) {
        if (p2p_stream_pending(c->stream) > PUMP_HIGH) {
            uv_timer_start(&c->pump_timer, pump_timer_cb, 5, 0);
            return;
        }
        buf_t f;
        buf_init(&f, 0);
        int rc;
        if (c->pump_left) {
            size_t k = c->pump_left < PUMP_CHUNK ? c->pump_left : PUMP_CHUNK;
            rc = phase_frame_append(&f, c->pump_type, c->pump_p, k);
            c->pump_p += k;
            c->pump_left -= k;
        } else {
            rc = phase_frame_append(&f, c->pump_end, NULL, 0);
            c->pump_end = 0;
        }
        if (rc == 0)
            rc = p2p_stream_write(c->stream, f.data, f.len);
        buf_free(&f);
        if (rc) {
            attempt_failed(c, "cannot send the job");
            return;
        }
    }
}

static void pump_start(cl_t *c, uint8_t type, const uint8_t *p, size_t n, uint8_t end)
{
    c->pump_type = type;
    c->pump_p = p;
    c->pump_left = n;
    c->pump_end = end;
    pump(c);
}

static int collect_output(cl_t *c, const uint8_t *b, size_t n)
{
    err_t je = {0};
    json_t *ev = cjson_parse((const char *)b, n, &je);
    const json_t *o = ev ? json_object_get(ev, "Output") : NULL;
    const char *kind = o ? json_string_value(json_object_get(o, "kind")) : NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = PHASE_EINVAL;
    if (kind && cjson_get_bytes(json_object_get(o, "data"), SIZE_MAX, &data, &len, NULL) == 0) {
        buf_t *dst = strcmp(kind, "stdout") == 0 ? &c->res->out
                     : strcmp(kind, "stderr") == 0 ? &c->res->err
                                                    : NULL;
        if (dst && c->res->out.len + c->res->err.len + len <= OUTPUT_MAX)
            rc = buf_append(dst, data, len) == 0 ? PHASE_OK : BASE_ENOMEM;
        else if (!dst)
            rc = PHASE_OK; /* other kinds (progress_log, ...) are not ours to print */
    }
    free(data);
    json_decref(ev);
    return rc;
}

static void on_stream_result(cl_t *c, const uint8_t *b, size_t n)
{
    cand_t *k = &c->cands[c->cur];
    err_t e = {0};
    err_t je = {0};
    json_t *res = cjson_parse((const char *)b, n, &je);
    const json_t *fin = res ? json_object_get(json_object_get(res, "final"), "Final") : NULL;
    const json_t *rec = res ? json_object_get(res, "receipt") : NULL;
    phase_receipt_t r;
    phase_job_result_t jr;
    memset(&r, 0, sizeof r);
    memset(&jr, 0, sizeof jr);
    uint8_t pk[PHASE_PK_BYTES], rid[PHASE_HASH_BYTES];
    char *rj = rec ? cjson_encode_str(rec, NULL) : NULL;
    int rc = PHASE_EMISMATCH;
    phase_commit_t cm;
    if (!fin || !rj) {
        err_set(&e, PHASE_EINVAL, "RESULT without final and receipt");
        rc = PHASE_EINVAL;
    } else if ((rc = p2p_peer_id_pubkey(&k->id, pk, &e)) != 0 ||
               (rc = phase_receipt_parse(rj, strlen(rj), &r, &e)) != 0 ||
               (rc = phase_receipt_verify(&r, pk, &e)) != 0 ||
               (rc = phase_receipt_job_id_bytes(&r, rid, &e)) != 0 ||
               (rc = phase_job_result_from_json(r.result, &jr, &e)) != 0) {
        err_prefix(&e, "receipt");
    } else if (!crypto_equal(rid, c->stream_job_id, PHASE_HASH_BYTES) ||
               !crypto_equal(jr.job_spec_hash, c->stream_job_id, PHASE_HASH_BYTES)) {
        rc = err_set(&e, PHASE_EMISMATCH, "receipt: not for this job's JobId");
    } else {
        phase_commit_output(&cm, c->res->out.data, c->res->out.len, c->res->err.data,
                            c->res->err.len);
        if (!crypto_equal(cm.state, jr.output_commitment, PHASE_HASH_BYTES) ||
            cm.count != jr.output_chunk_count)
            rc = err_set(&e, PHASE_EMISMATCH,
                         "receipt: the output received (%zu + %zu bytes) does not match the "
                         "receipt's commitment",
                         c->res->out.len, c->res->err.len);
        else if (!json_equal((json_t *)json_object_get(fin, "result"), r.result))
            rc = err_set(&e, PHASE_EMISMATCH, "receipt: the Final event differs from the signed "
                         "result");
        else
            rc = PHASE_OK;
    }
    if (rc == PHASE_OK) {
        const char *code = jr.extra ? json_string_value(json_object_get(jr.extra, "exit_code"))
                                    : NULL;
        long v = code ? strtol(code, NULL, 10) : 1;
        c->res->exit_code = v >= 0 && v <= 255 ? (int)v : 1;
        c->res->receipt_json = rj;
        rj = NULL;
        snprintf(c->res->provider, sizeof c->res->provider, "%s", k->name);
    }
    free(rj);
    phase_receipt_free(&r);
    phase_job_result_free(&jr);
    json_decref(res);
    if (rc != PHASE_OK) {
        err_set(&c->err, rc == PHASE_EINVAL ? PHASE_EINVAL : PHASE_EMISMATCH, "provider %s: %s",
                k->name, e.msg);
        note(c, "provider %s: receipt check failed: %s", k->name, e.msg);
        finish(c, c->err.code);
        return;
    }
    if (c->stream) {
        p2p_stream_t *s = c->stream;
        c->stream = NULL;
        p2p_stream_reset(s);
    }
    finish(c, PHASE_OK);
}

static void stream_frames(cl_t *c)
{
    size_t off = 0;
    while (c->state == ST_STREAM && c->stream) {
        uint8_t type;
        const uint8_t *b;
        size_t n, used;
        err_t e = {0};
        int r = phase_frame_next(c->in.data + off, c->in.len - off, &type, &b, &n, &used, &e);
        if (r < 0) {
            attempt_failed(c, "%s", e.msg);
            return;
        }
        if (r == 0)
            break;
        off += used;
        switch (type) {
        case PHASE_F_NEED_MODULE:
            log_info("phase", "sending the module", "bytes=%zu", c->sopts->module_len);
            pump_start(c, PHASE_F_MODULE, c->sopts->module, c->sopts->module_len,
                       PHASE_F_MODULE_END);
            break;
        case PHASE_F_ACCEPTED:
            pump_start(c, PHASE_F_STDIN, c->sopts->stdin_data, c->sopts->stdin_len,
                       PHASE_F_STDIN_END);
            break;
        case PHASE_F_EVENT:
            if (collect_output(c, b, n) != 0) {
                attempt_failed(c, "bad or oversized output event");
                return;
            }
            break;
        case PHASE_F_REJECTED: {
            err_t je = {0};
            json_t *j = cjson_parse((const char *)b, n, &je);
            const char *why = j ? json_string_value(json_object_get(j, "reason")) : NULL;
            char msg[300];
            snprintf(msg, sizeof msg, "%s", why ? why : "(no reason)");
            json_decref(j);
            attempt_failed(c, "refused the job: %s", msg);
            return;
        }
        case PHASE_F_RESULT:
            on_stream_result(c, b, n);
            return;
        default:
            attempt_failed(c, "unexpected frame 0x%02x", type);
            return;
        }
    }
    if (off && c->state == ST_STREAM) {
        memmove(c->in.data, c->in.data + off, c->in.len - off);
        c->in.len -= off;
    }
}

static void send_stream(cl_t *c)
{
    if (c->stream) {
        p2p_stream_t *s = c->stream;
        c->stream = NULL;
        p2p_stream_reset(s);
    }
    buf_reset(&c->res->out);
    buf_reset(&c->res->err);
    c->state = ST_STREAM;
    c->in_cap = PHASE_FRAME_MAX + 16;
    open_proto(c, PHASE_JOB_PROTO);
}

static void send_relay(cl_t *c)
{
    if (c->stream) {
        p2p_stream_t *s = c->stream;
        c->stream = NULL;
        p2p_stream_reset(s);
    }
    c->state = ST_RELAY;
    c->in_cap = PHASE_RELAY_RESP_MAX;
    open_proto(c, PHASE_RELAY_PROTO);
}

static void on_provider_dial(p2p_host_t *h, p2p_conn_t *conn, int status, const char *msg,
                             void *ud)
{
    open_ctx_t *oc = ud;
    cl_t *c = oc->c;
    bool stale = oc->serial != c->attempt_serial || c->state == ST_DONE;
    free(oc);
    if (stale)
        return;
    if (status) {
        attempt_failed(c, "cannot connect: %s", msg);
        return;
    }
    c->state = ST_OFFER;
    c->in_cap = PHASE_OFFER_MAX;
    open_proto(c, PHASE_OFFER_PROTO);
}

static void try_next(cl_t *c)
{
    if (c->cur >= c->n_cands) {
        if (c->n_cands == 0)
            err_set(&c->err, PHASE_ENOENT, "no provider found that fits the job");
        else
            err_prefix(&c->err, "all %zu provider(s) failed; last", c->n_cands);
        finish(c, c->err.code ? c->err.code : PHASE_ENET);
        return;
    }
    cand_t *k = &c->cands[c->cur];
    c->res->attempts++;
    c->state = ST_OFFER;
    uint64_t t = c->sopts->attempt_timeout_ms
                     ? c->sopts->attempt_timeout_ms
                     : (c->sopts->timeout_ms ? c->sopts->timeout_ms : 300000) + 30000;
    uv_timer_start(&c->timer, on_attempt_timeout, t, 0);
    if (k->addr.len == 0 && !p2p_host_find_conn(c->host, &k->id)) {
        attempt_failed(c, "no address known");
        return;
    }
    open_ctx_t *oc = malloc(sizeof *oc);
    if (!oc) {
        attempt_failed(c, "out of memory");
        return;
    }
    oc->c = c;
    oc->serial = c->attempt_serial;
    err_t e;
    if (p2p_host_dial(c->host, k->addr.data, k->addr.len, on_provider_dial, oc, &e) != 0) {
        free(oc);
        attempt_failed(c, "cannot dial: %s", e.msg);
    }
}

static void start_submit(cl_t *c)
{
    uv_timer_stop(&c->timer);
    c->cur = 0;
    if (c->n_cands)
        log_info("phase", "providers to try", "count=%zu first=%s", c->n_cands,
                 c->cands[0].name);
    try_next(c);
}

/* The manifests: upstream's wasm JobSpec plus our args/stdin/max_fuel. For
 * /phase/job/1.0.0 the module goes by reference (input [], module_cid
 * "sha256:<hex>") and stdin is streamed; for the relay (an upstream node)
 * everything is inline, when it fits the 256 KiB request cap. */
static json_t *spec_for(const phase_submit_opts_t *o, bool inline_all)
{
    json_t *p = inline_all
                    ? phase_wasm_job_spec(o->module, o->module_len, o->timeout_ms, o->memory_bytes)
                    : phase_wasm_job_spec(NULL, 0, o->timeout_ms, o->memory_bytes);
    if (!p)
        return NULL;
    if (!inline_all) {
        char h[PHASE_MODULE_HASH_LEN + 1];
        phase_module_hash(o->module, o->module_len, h);
        json_object_set_new(p, "module_cid", json_string(h));
    }
    if (o->n_args) {
        json_t *a = json_array();
        for (size_t i = 0; i < o->n_args; i++)
            json_array_append_new(a, json_string(o->args[i]));
        json_object_set_new(p, "args", a);
    }
    if (inline_all && o->stdin_len)
        json_object_set_new(p, "stdin", cjson_bytes(o->stdin_data, o->stdin_len));
    if (o->fuel)
        json_object_set_new(p, "max_fuel", cjson_u64(o->fuel));
    return p;
}

static int build_manifest(cl_t *c, err_t *e)
{
    const phase_submit_opts_t *o = c->sopts;
    ts_t now = ts_now();
    phase_manifest_t sm;
    json_t *p = spec_for(o, false);
    if (!p)
        return err_set(e, BASE_ENOMEM, "out of memory");
    int rc = phase_manifest_sign(p, o->signer, now, NULL, &sm, e);
    json_decref(p);
    if (rc)
        return rc;
    rc = phase_manifest_hash(&sm, c->stream_job_id, e);
    c->stream_manifest = rc ? NULL : phase_manifest_to_json(&sm, e);
    phase_manifest_free(&sm);
    if (rc || !c->stream_manifest)
        return rc ? rc : BASE_ENOMEM;
    if (strlen(c->stream_manifest) > PHASE_FRAME_MAX - 1)
        return err_set(e, PHASE_EINVAL, "the manifest exceeds the %u byte frame cap",
                       PHASE_FRAME_MAX);
    /* the relay form, only when it can fit: bytes become up to 4 JSON chars */
    if ((o->module_len + o->stdin_len) * 4 < PHASE_RELAY_REQ_MAX) {
        if (!(p = spec_for(o, true)))
            return err_set(e, BASE_ENOMEM, "out of memory");
        rc = phase_manifest_sign(p, o->signer, now, NULL, &c->m, e);
        json_decref(p);
        if (rc || (rc = phase_manifest_hash(&c->m, c->job_id, e)) != 0)
            return rc;
        char *mj = phase_manifest_to_json(&c->m, e);
        if (!mj)
            return e && e->code ? e->code : BASE_ENOMEM;
        rc = phase_relay_request_encode((const uint8_t *)mj, strlen(mj), &c->relay_req, e);
        free(mj);
        if (rc)
            return rc;
        if (c->relay_req.len > PHASE_RELAY_REQ_MAX)
            buf_reset(&c->relay_req);
    }
    /* the offer */
    phase_offer_t *f = &c->offer;
    hex_encode(c->stream_job_id, PHASE_HASH_BYTES, f->job_id);
    uint8_t nonce[16];
    crypto_random(nonce, sizeof nonce);
    hex_encode(nonce, sizeof nonce, f->nonce);
    phase_module_hash(o->module, o->module_len, f->module_hash);
    f->cpu_cores = 1;
    f->memory_mb = o->memory_bytes ? (o->memory_bytes + (1u << 20) - 1) >> 20 : 0;
    f->timeout_seconds = o->timeout_ms ? (o->timeout_ms + 999) / 1000 : 0;
    snprintf(f->arch, sizeof f->arch, "%s", phase_arch());
    snprintf(f->wasm_runtime, sizeof f->wasm_runtime, "%s", PHASE_RUNTIME_NAME);
    return PHASE_OK;
}

/* --provider: a multiaddr with /p2p/, or a bare peer id (then its address
 * comes from the DHT through the bootstrap nodes: not supported without
 * one). */
static int add_given(cl_t *c, const char *text, err_t *e)
{
    p2p_peer_id_t id;
    buf_t bin;
    buf_init(&bin, 0);
    if (text[0] == '/') {
        const uint8_t *v;
        size_t vl;
        if (p2p_maddr_parse(text, &bin, e) != 0) {
            buf_free(&bin);
            return err_prefix(e, "--provider %s", text);
        }
        if (!p2p_maddr_find(bin.data, bin.len, P2P_PROTO_P2P, &v, &vl) ||
            p2p_peer_id_from_bytes(v, vl, &id, e) != 0) {
            buf_free(&bin);
            return err_set(e, PHASE_EINVAL, "--provider %s: needs a /p2p/<peer id> component",
                           text);
        }
        add_cand(c, &id, bin.data, bin.len);
        buf_free(&bin);
        return PHASE_OK;
    }
    if (p2p_peer_id_parse(text, &id, e) != 0)
        return err_prefix(e, "--provider %s", text);
    add_cand(c, &id, NULL, 0);
    return PHASE_OK;
}

int phase_submit(const phase_submit_opts_t *o, phase_submit_result_t *r, err_t *e)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->out, 0);
    buf_init(&r->err, 0);
    if (!o->signer)
        return err_set(e, PHASE_EINVAL, "submit: no signing identity");
    cl_t *c = calloc(1, sizeof *c);
    if (!c)
        return err_set(e, BASE_ENOMEM, "out of memory");
    c->sopts = o;
    c->res = r;
    int rc = cl_init(c, e);
    if (rc == 0)
        rc = build_manifest(c, e);
    for (size_t i = 0; rc == 0 && i < o->n_providers; i++)
        rc = add_given(c, o->providers[i], e);
    bool need_discovery = o->n_providers == 0;
    for (size_t i = 0; rc == 0 && !need_discovery && i < c->n_cands; i++)
        if (c->cands[i].addr.len == 0)
            need_discovery = true; /* bare peer ids: their addresses come from the records */
    if (rc == 0) {
        if (need_discovery && o->n_providers) {
            /* look up the given peers' records for their addresses, keep the order */
            phase_discover_opts_t d = {.bootstrap = o->bootstrap, .n_bootstrap = o->n_bootstrap};
            phase_provider_t *found = NULL;
            size_t nf = 0;
            rc = phase_discover(&d, &found, &nf, e);
            for (size_t i = 0; rc == 0 && i < c->n_cands; i++)
                for (size_t k = 0; k < nf && c->cands[i].addr.len == 0; k++)
                    if (strcmp(found[k].caps.peer_id, c->cands[i].name) == 0 &&
                        found[k].caps.n_addrs)
                        if (p2p_maddr_parse(found[k].caps.addrs[0], &c->cands[i].addr, NULL))
                            buf_reset(&c->cands[i].addr);
            free(found);
            if (rc == 0)
                start_submit(c);
        } else if (need_discovery) {
            phase_discover_opts_t d = {.bootstrap = o->bootstrap, .n_bootstrap = o->n_bootstrap};
            c->dopts = &d;
            rc = start_discovery(c, o->bootstrap, o->n_bootstrap, 10000, e);
            if (rc == 0)
                uv_run(&c->loop, UV_RUN_DEFAULT);
            c->dopts = NULL;
            if (rc == 0)
                rc = c->rc;
        } else {
            start_submit(c);
        }
        if (rc == 0 && c->state != ST_DONE)
            uv_run(&c->loop, UV_RUN_DEFAULT);
        if (rc == 0)
            rc = c->rc;
        if (rc && c->err.code)
            err_set(e, rc, "%s", c->err.msg);
    }
    cl_fini(c);
    free(c);
    return rc;
}

void phase_submit_result_free(phase_submit_result_t *r)
{
    buf_free(&r->out);
    buf_free(&r->err);
    free(r->receipt_json);
    r->receipt_json = NULL;
}
