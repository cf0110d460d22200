/*
 * phase/jobproto: the provider side of /phase/job/1.0.0, our streaming job
 * protocol (docs/phase-protocol.md).
 *
 * One job per stream. MANIFEST (module by reference: input [] and module_cid
 * "sha256:<hex>", or inline) -> NEED_MODULE when the node's cache lacks it ->
 * MODULE chunks, MODULE_END (hash checked, then cached) -> ACCEPTED, the job
 * is queued with three pipes: STDIN frames are written into its stdin as
 * they come, its stdout/stderr are read while it runs and sent as Output
 * JobEvents, and RESULT carries the Final event and the SignedReceipt once
 * the job ended and both pipes are drained. CANCEL, or the client going
 * away, sets the job's cancel flag: it stops within ~20 ms and its receipt
 * (completion "cancelled", committing to the partial output) is still made,
 * sent when the client is still there and logged otherwise.
 *
 * Limits: every frame <= PHASE_FRAME_MAX, modules <= PHASE_MODULE_MAX, stdin
 * <= PHASE_STDIN_MAX; 30 s to send the manifest, each module chunk, and to
 * close after RESULT; a client that does not read its output (8 MiB waiting)
 * is dropped and its job cancelled. Garbage (bad lengths, unknown or
 * out-of-order frames) resets the stream; other streams carry on.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IDLE_MS 30000
#define OUT_CHUNK 16384
#define OUT_HIGH_WATER (2u << 20)

enum { PJ_MANIFEST, PJ_MODULE, PJ_RUNNING, PJ_DONE };

typedef struct pjob {
    struct pjob *prev, *next;
    phase_node_t *n;
    p2p_stream_t *s;
    int state;
    buf_t in;
    phase_manifest_t m;
    char module_cid[PHASE_MODULE_HASH_LEN + 1];
    buf_t module;
    uint64_t stdin_total;
    bool stdin_ended;
    int in_pipe[2], out_pipe[2], err_pipe[2];
    uv_pipe_t stdin_w, out_r, err_r;
    bool stdin_w_open, out_open, err_open, stdin_shut;
    uv_timer_t timer;
    int handles;
    int cancel;
    bool job_pending;
    bool have_result;
    buf_t result;          /* the RESULT frame, ready once the job ended */
    uint64_t seq;
    uint64_t job;
    bool freed;
} pjob_t;

static void pj_maybe_free(pjob_t *p);

static void pj_handle_closed(uv_handle_t *h)
{
    pjob_t *p = h->data;
    p->handles--;
    pj_maybe_free(p);
}

static void pj_close(pjob_t *p, uv_handle_t *h, bool *open)
{
    if (*open && !uv_is_closing(h)) {
        *open = false;
        uv_close(h, pj_handle_closed);
    }
}

static void closefd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static void pj_maybe_free(pjob_t *p)
{
    if (p->s || p->job_pending)
        return;
    /* the stream and the job are gone: close what is left, then free */
    bool t_open = !uv_is_closing((uv_handle_t *)&p->timer);
    if (t_open) {
        uv_timer_stop(&p->timer);
        uv_close((uv_handle_t *)&p->timer, pj_handle_closed);
    }
    pj_close(p, (uv_handle_t *)&p->stdin_w, &p->stdin_w_open);
    pj_close(p, (uv_handle_t *)&p->out_r, &p->out_open);
    pj_close(p, (uv_handle_t *)&p->err_r, &p->err_open);
    if (p->handles || p->freed)
        return;
    p->freed = true;
    phase_node_t *n = p->n;
    if (p->prev)
        p->prev->next = p->next;
    else
        *node_pjobs(n) = p->next;
    if (p->next)
        p->next->prev = p->prev;
    for (int i = 0; i < 2; i++) {
        closefd(&p->in_pipe[i]);
        closefd(&p->out_pipe[i]);
        closefd(&p->err_pipe[i]);
    }
    buf_free(&p->in);
    buf_free(&p->module);
    buf_free(&p->result);
    phase_manifest_free(&p->m);
    free(p);
    node_unhold(n);
}

static void pj_drop(pjob_t *p, const char *why)
{
    if (p->s) {
        char pid[P2P_PEER_ID_STR_MAX];
        p2p_peer_id_format(p2p_conn_peer(p2p_stream_conn(p->s)), pid);
        log_warn("phase", "dropping job stream", "peer=%s reason=\"%s\"", pid, why);
        p2p_stream_reset(p->s); /* on_close follows */
    }
}

static int pj_send(pjob_t *p, uint8_t type, const void *body, size_t n)
{
    if (!p->s)
        return PHASE_OK;
    buf_t f;
    buf_init(&f, 0);
    int rc = phase_frame_append(&f, type, body, n);
    if (rc == 0 && p2p_stream_write(p->s, f.data, f.len) != 0) {
        buf_free(&f);
        pj_drop(p, "the client does not read its output");
        return PHASE_ENET;
    }
    buf_free(&f);
    return rc;
}

static void pj_send_json(pjob_t *p, uint8_t type, json_t *j)
{
    char *s = j ? cjson_encode_str(j, NULL) : NULL;
    json_decref(j);
    if (s)
        (void)pj_send(p, type, s, strlen(s));
    free(s);
}

static void pj_reject(pjob_t *p, const char *reason)
{
    log_info("phase", "job stream rejected", "reason=\"%s\"", reason);
    pj_send_json(p, PHASE_F_REJECTED, json_pack("{s:s}", "reason", reason));
    p->state = PJ_DONE;
    if (p->s)
        p2p_stream_close_write(p->s);
}

static void pj_timeout(uv_timer_t *t)
{
    pjob_t *p = t->data;
    pj_drop(p, p->state == PJ_DONE ? "client did not close" : "client stalled");
}

static void pj_idle(pjob_t *p)
{
    uv_timer_start(&p->timer, pj_timeout, IDLE_MS, 0);
}

/* ---- output pipes ---- */

static void try_result(pjob_t *p)
{
    if (!p->have_result || p->out_open || p->err_open || p->state == PJ_DONE)
        return;
    p->state = PJ_DONE;
    if (p->s) {
        if (p2p_stream_write(p->s, p->result.data, p->result.len) != 0) {
            pj_drop(p, "cannot queue the result");
            return;
        }
        p2p_stream_close_write(p->s);
        pj_idle(p);
    }
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    static char slab[2][OUT_CHUNK]; /* one loop thread: each read consumes it at once */
    pjob_t *p = h->data;
    b->base = slab[h == (uv_handle_t *)&p->out_r ? 0 : 1];
    b->len = OUT_CHUNK;
}

static void resume_reads(uv_timer_t *t);

static void on_out(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
    pjob_t *p = st->data;
    bool is_out = st == (uv_stream_t *)&p->out_r;
    if (nread < 0) { /* EOF (the job ended and its end was closed) or an error */
        pj_close(p, (uv_handle_t *)st, is_out ? &p->out_open : &p->err_open);
        try_result(p);
        return;
    }
    if (nread == 0 || !p->s)
        return; /* nobody to send to: drain and discard */
    json_t *ev = json_pack("{s:{s:s,s:o,s:o}}", "Output", "kind", is_out ? "stdout" : "stderr",
                           "data", cjson_bytes((const uint8_t *)b->base, (size_t)nread), "seq",
                           cjson_u64(p->seq++));
    pj_send_json(p, PHASE_F_EVENT, ev);
    if (p->s && p2p_stream_pending(p->s) > OUT_HIGH_WATER && p->state == PJ_RUNNING) {
        /* the client reads slowly: stop reading the pipes (the job blocks
         * on a full pipe) and look again shortly */
        if (p->out_open)
            uv_read_stop((uv_stream_t *)&p->out_r);
        if (p->err_open)
            uv_read_stop((uv_stream_t *)&p->err_r);
        uv_timer_start(&p->timer, resume_reads, 10, 0);
    }
}

static void resume_reads(uv_timer_t *t)
{
    pjob_t *p = t->data;
    if (p->s && p2p_stream_pending(p->s) > OUT_HIGH_WATER / 2) {
        uv_timer_start(&p->timer, resume_reads, 10, 0);
        return;
    }
    if (p->out_open)
        uv_read_start((uv_stream_t *)&p->out_r, alloc_cb, on_out);
    if (p->err_open)
        uv_read_start((uv_stream_t *)&p->err_r, alloc_cb, on_out);
}

/* ---- the job ---- */

static void job_done(phase_node_t *n, uint64_t job, int status, const char *message,
                     const phase_job_outcome_t *out, const json_t *events,
                     const phase_receipt_t *receipt, void *ud)
{
    pjob_t *p = ud;
    p->job_pending = false;
    /* the job's ends: EOF reaches our readers once they drain */
    closefd(&p->out_pipe[1]);
    closefd(&p->err_pipe[1]);
    closefd(&p->in_pipe[0]);
    pj_close(p, (uv_handle_t *)&p->stdin_w, &p->stdin_w_open);
    buf_reset(&p->result);
    if (status == PHASE_OK) {
        const json_t *fin = json_array_get(events, json_array_size(events) - 1);
        char *rj = phase_receipt_to_json(receipt, NULL);
        json_t *rec = rj ? cjson_parse(rj, strlen(rj), NULL) : NULL;
        free(rj);
        json_t *res = json_pack("{s:O,s:o}", "final", fin, "receipt", rec ? rec : json_null());
        char *txt = res ? cjson_encode_str(res, NULL) : NULL;
        json_decref(res);
        if (txt && phase_frame_append(&p->result, PHASE_F_RESULT, txt, strlen(txt)) == 0) {
            log_info("phase", p->s ? "job done" : "job done after its requester left; receipt "
                     "kept in the log", "job=%llu exit=%d completion=%s",
                     (unsigned long long)job, phase_job_exit_status(out),
                     out->status == PHASE_JOB_CANCELLED ? "cancelled" : "normal");
            if (!p->s)
                log_info("phase", "receipt", "%s", txt);
        } else {
            buf_reset(&p->result);
            json_t *r = json_pack("{s:s}", "reason", "cannot encode the result");
            char *t2 = r ? cjson_encode_str(r, NULL) : NULL;
            json_decref(r);
            if (t2)
                if (phase_frame_append(&p->result, PHASE_F_REJECTED, t2, strlen(t2)) != 0)
                    buf_reset(&p->result);
            free(t2);
        }
        free(txt);
    } else {
        json_t *r = json_pack("{s:s}", "reason", message && *message ? message : "job failed");
        char *t2 = r ? cjson_encode_str(r, NULL) : NULL;
        json_decref(r);
        if (t2)
            if (phase_frame_append(&p->result, PHASE_F_REJECTED, t2, strlen(t2)) != 0)
                buf_reset(&p->result);
        free(t2);
    }
    p->have_result = true;
    if (!p->s) {
        pj_maybe_free(p);
        return;
    }
    try_result(p);
}

static int open_pipes(pjob_t *p)
{
    uv_loop_t *loop = node_loop(p->n);
    if (pipe2(p->in_pipe, O_CLOEXEC) || pipe2(p->out_pipe, O_CLOEXEC) ||
        pipe2(p->err_pipe, O_CLOEXEC))
        return -1;
    uv_pipe_init(loop, &p->stdin_w, 0);
    uv_pipe_init(loop, &p->out_r, 0);
    uv_pipe_init(loop, &p->err_r, 0);
    p->stdin_w.data = p->out_r.data = p->err_r.data = p;
    p->handles += 3;
    p->stdin_w_open = p->out_open = p->err_open = true;
    if (uv_pipe_open(&p->stdin_w, p->in_pipe[1]) || uv_pipe_open(&p->out_r, p->out_pipe[0]) ||
        uv_pipe_open(&p->err_r, p->err_pipe[0]))
        return -1;
    /* libuv owns those three ends now */
    p->in_pipe[1] = p->out_pipe[0] = p->err_pipe[0] = -1;
    uv_read_start((uv_stream_t *)&p->out_r, alloc_cb, on_out);
    uv_read_start((uv_stream_t *)&p->err_r, alloc_cb, on_out);
    return 0;
}

static void start_job(pjob_t *p, const uint8_t *module, size_t len, bool cached)
{
    err_t e = {0};
    if (open_pipes(p) != 0) {
        pj_reject(p, "provider: cannot create pipes");
        return;
    }
    phase_node_job_io_t io = {.module = module, .module_len = len, .stdin_fd = p->in_pipe[0],
                              .stdout_fd = p->out_pipe[1], .stderr_fd = p->err_pipe[1],
                              .cancel = &p->cancel};
    phase_node_job_cbs_t cbs = {.on_done = job_done, .ud = p};
    uint8_t id[PHASE_HASH_BYTES];
    char idhex[2 * PHASE_HASH_BYTES + 1] = "";
    if (phase_manifest_hash(&p->m, id, NULL) == 0)
        hex_encode(id, sizeof id, idhex);
    if (phase_node_submit_io(p->n, &p->m, &io, &cbs, &p->job, &e) != 0) {
        pj_reject(p, e.msg);
        return;
    }
    p->job_pending = true;
    p->state = PJ_RUNNING;
    uv_timer_stop(&p->timer);
    pj_send_json(p, PHASE_F_ACCEPTED, json_pack("{s:s,s:b}", "job_id", idhex, "cached", cached));
}

static void on_manifest(pjob_t *p, const uint8_t *b, size_t n)
{
    err_t e = {0};
    char reason[400];
    if (phase_manifest_parse((const char *)b, n, &p->m, &e) != 0 ||
        phase_manifest_verify(&p->m, ts_now(), &e) != 0) {
        snprintf(reason, sizeof reason, "bad manifest: %s", e.msg);
        pj_reject(p, reason);
        return;
    }
    phase_wasm_spec_t spec;
    if (phase_wasm_spec_parse(p->m.payload, &spec, &e) != 0) {
        snprintf(reason, sizeof reason, "bad manifest: %s", e.msg);
        pj_reject(p, reason);
        return;
    }
    if (spec.module_len) { /* inline */
        phase_wasm_spec_free(&spec);
        start_job(p, NULL, 0, false);
        return;
    }
    if (strlen(spec.module_cid) != PHASE_MODULE_HASH_LEN ||
        strncmp(spec.module_cid, "sha256:", 7) != 0) {
        snprintf(reason, sizeof reason, "bad manifest: empty input and module_cid \"%.80s\" is "
                 "not sha256:<hex>", spec.module_cid);
        phase_wasm_spec_free(&spec);
        pj_reject(p, reason);
        return;
    }
    memcpy(p->module_cid, spec.module_cid, sizeof p->module_cid);
    phase_wasm_spec_free(&spec);
    size_t len;
    const uint8_t *mod = phase_node_module_get(p->n, p->module_cid, &len);
    if (mod) {
        start_job(p, mod, len, true);
        return;
    }
    p->state = PJ_MODULE;
    buf_init(&p->module, PHASE_MODULE_MAX);
    pj_send_json(p, PHASE_F_NEED_MODULE, json_pack("{s:s}", "module_cid", p->module_cid));
    pj_idle(p);
}

static void on_module_end(pjob_t *p)
{
    char h[PHASE_MODULE_HASH_LEN + 1];
    phase_module_hash(p->module.data, p->module.len, h);
    if (strcmp(h, p->module_cid) != 0) {
        char reason[300];
        snprintf(reason, sizeof reason, "module hash mismatch: got %s, the manifest names %s", h,
                 p->module_cid);
        pj_reject(p, reason);
        return;
    }
    if (phase_node_module_put(p->n, p->module.data, p->module.len) != 0)
        log_warn("phase", "module not cached", "hash=%s", h);
    start_job(p, p->module.data, p->module.len, false);
    buf_free(&p->module);
}

static void stdin_written(uv_write_t *w, int status)
{
    free(w);
}

static void stdin_shut(uv_shutdown_t *r, int status)
{
    pjob_t *p = r->handle->data;
    free(r);
    pj_close(p, (uv_handle_t *)&p->stdin_w, &p->stdin_w_open);
}

static void on_stdin(pjob_t *p, const uint8_t *b, size_t n, bool end)
{
    if (p->stdin_ended) {
        pj_drop(p, "stdin after STDIN_END");
        return;
    }
    if (end) {
        p->stdin_ended = true;
        if (p->stdin_w_open && !p->stdin_shut) {
            p->stdin_shut = true;
            uv_shutdown_t *r = malloc(sizeof *r);
            if (!r || uv_shutdown(r, (uv_stream_t *)&p->stdin_w, stdin_shut) != 0) {
                free(r);
                pj_close(p, (uv_handle_t *)&p->stdin_w, &p->stdin_w_open);
            }
        }
        return;
    }
    p->stdin_total += n;
    if (p->stdin_total > PHASE_STDIN_MAX) {
        pj_drop(p, "stdin exceeds the cap");
        return;
    }
    if (!p->stdin_w_open || !n)
        return; /* the job ended: its input no longer matters */
    if (uv_stream_get_write_queue_size((uv_stream_t *)&p->stdin_w) > (8u << 20)) {
        pj_drop(p, "stdin arrives faster than the job reads it (8 MiB waiting)");
        return;
    }
    struct {
        uv_write_t w;
        uint8_t data[];
    } *wr = malloc(sizeof *wr + n);
    if (!wr)
        return;
    memcpy(wr->data, b, n);
    uv_buf_t ub = uv_buf_init((char *)wr->data, (unsigned)n);
    if (uv_write(&wr->w, (uv_stream_t *)&p->stdin_w, &ub, 1, stdin_written) != 0)
        free(wr);
}

/* One frame; returns false when the stream was dropped or rejected. */
static bool on_frame(pjob_t *p, uint8_t type, const uint8_t *b, size_t n)
{
    switch (type) {
    case PHASE_F_MANIFEST:
        if (p->state != PJ_MANIFEST)
            break;
        on_manifest(p, b, n);
        return p->state != PJ_DONE;
    case PHASE_F_MODULE:
        if (p->state != PJ_MODULE)
            break;
        if (buf_append(&p->module, b, n) != 0) {
            pj_reject(p, "module exceeds the provider's 64 MiB cap");
            return false;
        }
        pj_idle(p);
        return true;
    case PHASE_F_MODULE_END:
        if (p->state != PJ_MODULE || n)
            break;
        on_module_end(p);
        return p->state != PJ_DONE;
    case PHASE_F_STDIN:
    case PHASE_F_STDIN_END:
        if (p->state != PJ_RUNNING && !(p->state == PJ_DONE && p->have_result))
            break;
        on_stdin(p, b, n, type == PHASE_F_STDIN_END);
        return p->s != NULL;
    case PHASE_F_CANCEL:
        if (p->state != PJ_RUNNING)
            return true; /* nothing to cancel any more */
        __atomic_store_n(&p->cancel, 1, __ATOMIC_RELEASE);
        return true;
    default:
        break;
    }
    char why[80];
    snprintf(why, sizeof why, "unexpected frame 0x%02x", type);
    pj_drop(p, why);
    return false;
}

static size_t pj_on_data(p2p_stream_t *s, const uint8_t *d, size_t len, void *ud)
{
    pjob_t *p = ud;
    if (buf_append(&p->in, d, len) != 0) {
        pj_drop(p, "out of memory");
        return len;
    }
    size_t off = 0;
    while (p->s) {
        uint8_t type;
        const uint8_t *body;
        size_t blen, used;
        err_t e = {0};
        int r = phase_frame_next(p->in.data + off, p->in.len - off, &type, &body, &blen, &used, &e);
        if (r < 0) {
            pj_drop(p, e.msg);
            break;
        }
        if (r == 0)
            break;
        off += used;
        if (!on_frame(p, type, body, blen))
            break;
    }
    if (off) {
        memmove(p->in.data, p->in.data + off, p->in.len - off);
        p->in.len -= off;
    }
    return len;
}

static void pj_on_eof(p2p_stream_t *s, void *ud)
{
    pjob_t *p = ud;
    if (p->state == PJ_MANIFEST || p->state == PJ_MODULE)
        pj_drop(p, "client closed before the job started");
    else if (!p->stdin_ended)
        on_stdin(p, NULL, 0, true); /* half-close = end of stdin */
}

static void pj_on_close(p2p_stream_t *s, int status, void *ud)
{
    pjob_t *p = ud;
    p->s = NULL;
    if (p->job_pending) {
        /* the requester went away: stop the job; its receipt is logged */
        __atomic_store_n(&p->cancel, 1, __ATOMIC_RELEASE);
        log_info("phase", "requester left, cancelling", "job=%llu", (unsigned long long)p->job);
    }
    pj_maybe_free(p);
}

void jobproto_on_stream(p2p_stream_t *s, void *ud)
{
    phase_node_t *n = ud;
    pjob_t *p = calloc(1, sizeof *p);
    if (!p) {
        p2p_stream_reset(s);
        return;
    }
    p->n = n;
    p->s = s;
    for (int i = 0; i < 2; i++)
        p->in_pipe[i] = p->out_pipe[i] = p->err_pipe[i] = -1;
    buf_init(&p->in, PHASE_FRAME_MAX + 16);
    buf_init(&p->result, 0);
    buf_init(&p->module, 0);
    uv_timer_init(node_loop(n), &p->timer);
    p->timer.data = p;
    p->handles = 1;
    node_hold(n);
    struct pjob **head = node_pjobs(n);
    p->next = *head;
    if (*head)
        (*head)->prev = p;
    *head = p;
    pj_idle(p);
    p2p_stream_cbs_t cbs = {.on_data = pj_on_data, .on_eof = pj_on_eof, .on_close = pj_on_close,
                            .ud = p};
    p2p_stream_set_cbs(s, &cbs);
}

void jobproto_shutdown(phase_node_t *n)
{
    pjob_t *p = *node_pjobs(n);
    while (p) {
        pjob_t *next = p->next;
        p->s = NULL;
        if (p->job_pending)
            __atomic_store_n(&p->cancel, 1, __ATOMIC_RELEASE);
        pj_maybe_free(p);
        p = next;
    }
}
