/*
 * phase_net_tool: a test-only client and a test-only misbehaving provider for
 * tests/phase/net_test.py. Not part of any product binary.
 *
 *   raw MADDR PROTO FILE [--stall]   open PROTO, send FILE's bytes, close the
 *                                    write side (or stall: send nothing more,
 *                                    never close), print what came back:
 *                                    {"status":"eof"|"reset"|"timeout","bytes":N,"text":...}
 *   relay MADDR MODULE               sign a manifest (random key) for MODULE,
 *                                    send it on /phase/job-relay/1.0.0 (no offer),
 *                                    print {"ok":bool,"reason":...}
 *   cancel MADDR MODULE              /phase/job/1.0.0 with MODULE inline, CANCEL
 *                                    right after ACCEPTED; print the receipt's
 *                                    completion and whether it verifies
 *   evil-provider                    a provider that accepts every offer, runs
 *                                    relayed jobs honestly, signs the receipt,
 *                                    then changes one output byte before sending
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "crypto/crypto.h"
#include "p2p/p2p.h"
#include "phase/phase.h"

typedef struct tool {
    uv_loop_t loop;
    p2p_host_t *host;
    p2p_stream_t *s;
    buf_t out;
    const char *proto;
    buf_t send;
    bool stall;
    const char *status;
    int mode; /* 0 raw, 1 relay, 2 cancel */
    bool cancelled_sent;
    phase_identity_t id;
    uv_timer_t timer;
} tool_t;

static void done(tool_t *t, const char *status)
{
    if (!t->status)
        t->status = status;
    uv_stop(&t->loop);
}

static void on_timer(uv_timer_t *tm)
{
    done(tm->data, "timeout");
}

static void cancel_frames(tool_t *t)
{
    size_t off = 0;
    for (;;) {
        uint8_t type;
        const uint8_t *b;
        size_t n, used;
        if (phase_frame_next(t->out.data + off, t->out.len - off, &type, &b, &n, &used, NULL) != 1)
            break;
        off += used;
        if (type == PHASE_F_ACCEPTED && !t->cancelled_sent) {
            buf_t f;
            buf_init(&f, 0);
            if (phase_frame_append(&f, PHASE_F_CANCEL, NULL, 0) == 0)
                (void)p2p_stream_write(t->s, f.data, f.len);
            buf_free(&f);
            t->cancelled_sent = true;
        } else if (type == PHASE_F_RESULT || type == PHASE_F_REJECTED) {
            json_t *j = cjson_parse((const char *)b, n, NULL);
            json_t *o = json_object();
            if (type == PHASE_F_REJECTED) {
                json_object_set(o, "rejected", json_object_get(j, "reason"));
            } else {
                json_t *rec = json_object_get(j, "receipt");
                char *rj = rec ? cjson_encode_str(rec, NULL) : NULL;
                phase_receipt_t r;
                bool ok = rj && phase_receipt_parse(rj, strlen(rj), &r, NULL) == 0;
                json_object_set_new(o, "verifies",
                                    json_boolean(ok && phase_receipt_verify(&r, NULL, NULL) == 0));
                if (ok) {
                    json_object_set(o, "completion", json_object_get(r.result, "completion"));
                    phase_receipt_free(&r);
                }
                free(rj);
            }
            char *s = json_dumps(o, JSON_COMPACT);
            printf("%s\n", s);
            fflush(stdout);
            free(s);
            json_decref(o);
            json_decref(j);
            done(t, "eof");
            return;
        }
    }
}

static size_t on_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    tool_t *t = ud;
    buf_append(&t->out, p, n);
    if (t->mode == 2)
        cancel_frames(t);
    return n;
}

static void on_eof(p2p_stream_t *s, void *ud)
{
    done(ud, "eof");
}

static void on_close(p2p_stream_t *s, int status, void *ud)
{
    tool_t *t = ud;
    t->s = NULL;
    done(t, status ? "reset" : "eof");
}

static void on_open(p2p_stream_t *s, int status, void *ud)
{
    tool_t *t = ud;
    if (status) {
        fprintf(stderr, "net_tool: open %s: %s\n", t->proto, p2p_strerror(status));
        done(t, "open-failed");
        return;
    }
    t->s = s;
    p2p_stream_cbs_t cbs = {.on_data = on_data, .on_eof = on_eof, .on_close = on_close, .ud = t};
    p2p_stream_set_cbs(s, &cbs);
    if (t->send.len && p2p_stream_write(s, t->send.data, t->send.len) != 0) {
        done(t, "write-failed");
        return;
    }
    if (!t->stall && t->mode != 2)
        p2p_stream_close_write(s);
}

static void on_dial(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    tool_t *t = ud;
    err_t e;
    if (status) {
        fprintf(stderr, "net_tool: dial: %s\n", msg);
        done(t, "dial-failed");
        return;
    }
    if (p2p_conn_open_stream(c, t->proto, on_open, t, &e) != 0)
        done(t, "open-failed");
}

static int run_client(tool_t *t, const char *maddr, uint64_t timeout_ms)
{
    buf_t bin;
    buf_init(&bin, 0);
    err_t e;
    if (p2p_maddr_parse(maddr, &bin, &e) != 0) {
        fprintf(stderr, "net_tool: %s\n", e.msg);
        return 2;
    }
    uv_loop_init(&t->loop);
    p2p_host_config_t hc = {0};
    t->host = p2p_host_new(&t->loop, &hc, &e);
    uv_timer_init(&t->loop, &t->timer);
    t->timer.data = t;
    uv_timer_start(&t->timer, on_timer, timeout_ms, 0);
    buf_init(&t->out, 0);
    if (!t->host || p2p_host_dial(t->host, bin.data, bin.len, on_dial, t, &e) != 0) {
        fprintf(stderr, "net_tool: %s\n", e.msg);
        return 1;
    }
    uv_run(&t->loop, UV_RUN_DEFAULT);
    buf_free(&bin);
    return 0;
}

static void close_walk(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void finish_client(tool_t *t)
{
    fflush(stdout);
    p2p_host_free(t->host);
    uv_close((uv_handle_t *)&t->timer, NULL);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    uv_walk(&t->loop, close_walk, NULL);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    (void)uv_loop_close(&t->loop);
    buf_free(&t->out);
    buf_free(&t->send);
}

static json_t *signed_manifest_json(tool_t *t, const uint8_t *mod, size_t n, char **text)
{
    json_t *p = phase_wasm_job_spec(mod, n, 0, 0);
    phase_manifest_t m;
    if (phase_manifest_sign(p, &t->id, ts_now(), NULL, &m, NULL) != 0)
        return NULL;
    json_decref(p);
    *text = phase_manifest_to_json(&m, NULL);
    phase_manifest_free(&m);
    return NULL;
}

/* ---- evil provider ---- */

typedef struct evil_stream {
    buf_t in;
    bool relay;
    phase_identity_t *id;
} evil_stream_t;

static void evil_answer(p2p_stream_t *s, evil_stream_t *es)
{
    if (!es->relay) {
        phase_offer_t o;
        phase_offer_response_t r = {.verdict = PHASE_OFFER_ACCEPTED};
        if (phase_offer_parse(es->in.data, es->in.len, &o, NULL) == 0)
            snprintf(r.job_id, sizeof r.job_id, "%s", o.job_id);
        phase_peer_id(es->id->pk, r.node_peer_id);
        json_t *j = phase_offer_response_to_json(&r);
        char *txt = cjson_encode_str(j, NULL);
        (void)p2p_stream_write(s, txt, strlen(txt));
        free(txt);
        json_decref(j);
        p2p_stream_close_write(s);
        return;
    }
    uint8_t *payload = NULL;
    size_t plen = 0;
    phase_manifest_t m;
    phase_relay_response_t resp = {0};
    buf_t out;
    buf_init(&out, 0);
    if (phase_relay_request_decode(es->in.data, es->in.len, &payload, &plen, NULL) == 0 &&
        phase_manifest_parse((const char *)payload, plen, &m, NULL) == 0) {
        phase_worker_policy_t pol = {.allow_unauthenticated = true};
        phase_job_opts_t tmpl = {.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
                                 .fuel = 1000000000};
        json_t *stdin_j = json_object_get(m.payload, "stdin");
        uint8_t *in = NULL;
        size_t inl = 0;
        if (stdin_j && cjson_get_bytes(stdin_j, SIZE_MAX, &in, &inl, NULL) == 0) {
            tmpl.stdin_data = in;
            tmpl.stdin_len = inl;
        }
        phase_job_outcome_t oc;
        phase_receipt_t rc;
        if (phase_worker_execute(&m, &pol, es->id, &tmpl, ts_now(), &oc, &rc, NULL) == 0) {
            /* the lie: one byte of the output changes after signing */
            if (oc.out_len)
                oc.out[0] ^= 0x20;
            json_t *ev = phase_job_events(&oc, rc.result, NULL);
            char *evs = cjson_encode_str(ev, NULL);
            char *rs = phase_receipt_to_json(&rc, NULL);
            resp.ok = true;
            resp.events = (uint8_t *)evs;
            resp.events_len = strlen(evs);
            resp.receipt = (uint8_t *)rs;
            resp.receipt_len = strlen(rs);
            json_decref(ev);
            phase_job_outcome_free(&oc);
            phase_receipt_free(&rc);
        }
        free(in);
        phase_manifest_free(&m);
    }
    free(payload);
    if (!resp.ok)
        resp.reason = strdup("evil: cannot run");
    if (phase_relay_response_encode(&resp, &out, NULL) == 0)
        (void)p2p_stream_write(s, out.data, out.len);
    p2p_stream_close_write(s);
    buf_free(&out);
    phase_relay_response_free(&resp);
}

static size_t evil_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    evil_stream_t *es = ud;
    buf_append(&es->in, p, n);
    return n;
}

static void evil_eof(p2p_stream_t *s, void *ud)
{
    evil_answer(s, ud);
}

static void evil_close(p2p_stream_t *s, int status, void *ud)
{
    evil_stream_t *es = ud;
    buf_free(&es->in);
    free(es);
}

static phase_identity_t g_evil_id;

static void evil_accept(p2p_stream_t *s, bool relay)
{
    evil_stream_t *es = calloc(1, sizeof *es);
    es->relay = relay;
    es->id = &g_evil_id;
    buf_init(&es->in, PHASE_RELAY_REQ_MAX);
    p2p_stream_cbs_t cbs = {.on_data = evil_data, .on_eof = evil_eof, .on_close = evil_close,
                            .ud = es};
    p2p_stream_set_cbs(s, &cbs);
}

static void evil_offer(p2p_stream_t *s, void *ud)
{
    evil_accept(s, false);
}

static void evil_relay(p2p_stream_t *s, void *ud)
{
    evil_accept(s, true);
}

static int evil_provider(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    uint8_t seed[32];
    crypto_random(seed, sizeof seed);
    phase_identity_from_seed(seed, &g_evil_id);
    p2p_host_config_t hc = {.seed = seed};
    err_t e;
    p2p_host_t *h = p2p_host_new(&loop, &hc, &e);
    if (!h || p2p_host_handle(h, PHASE_OFFER_PROTO, evil_offer, NULL) ||
        p2p_host_handle(h, PHASE_RELAY_PROTO, evil_relay, NULL) ||
        p2p_host_listen(h, "/ip4/127.0.0.1/tcp/0", &e)) {
        fprintf(stderr, "net_tool: %s\n", e.msg);
        return 1;
    }
    buf_t text;
    buf_init(&text, 0);
    if (p2p_host_listen_addrs_text(h, &text) == 0) {
        char *nl = strchr((char *)text.data, '\n');
        if (nl)
            *nl = 0;
        printf("{\"listen\":[\"%s\"]}\n", (char *)text.data);
        fflush(stdout);
    }
    buf_free(&text);
    uv_run(&loop, UV_RUN_DEFAULT);
    return 0;
}

int main(int argc, char **argv)
{
    if (crypto_init() != 0)
        return 1;
    log_set_level(LOG_WARN);
    if (argc == 2 && strcmp(argv[1], "evil-provider") == 0)
        return evil_provider();
    if (argc < 4) {
        fprintf(stderr, "usage: see the comment at the top of net_tool.c\n");
        return 2;
    }
    tool_t t;
    memset(&t, 0, sizeof t);
    buf_init(&t.send, 0);
    uint8_t seed[32];
    crypto_random(seed, sizeof seed);
    phase_identity_from_seed(seed, &t.id);
    uint8_t *data = NULL;
    size_t n = 0;
    const char *maddr = argv[2];
    if (strcmp(argv[1], "raw") == 0 && argc >= 5) {
        t.proto = argv[3];
        if (file_read_all(argv[4], 64u << 20, &data, &n, NULL) != 0)
            return 2;
        buf_append(&t.send, data, n);
        t.stall = argc > 5 && strcmp(argv[5], "--stall") == 0;
    } else if (strcmp(argv[1], "relay") == 0 || strcmp(argv[1], "cancel") == 0) {
        if (file_read_all(argv[3], 64u << 20, &data, &n, NULL) != 0)
            return 2;
        char *mj = NULL;
        signed_manifest_json(&t, data, n, &mj);
        if (!mj)
            return 1;
        if (argv[1][0] == 'r') {
            t.mode = 1;
            t.proto = PHASE_RELAY_PROTO;
            if (phase_relay_request_encode((const uint8_t *)mj, strlen(mj), &t.send, NULL) != 0)
                return 1;
        } else {
            t.mode = 2;
            t.proto = PHASE_JOB_PROTO;
            if (phase_frame_append(&t.send, PHASE_F_MANIFEST, mj, strlen(mj)) != 0)
                return 1;
        }
        free(mj);
    } else {
        return 2;
    }
    free(data);
    int rc = run_client(&t, maddr, t.stall ? 3000 : 60000);
    if (rc)
        return rc;
    if (t.mode == 0) {
        json_t *o = json_pack("{s:s,s:I,s:s%}", "status", t.status ? t.status : "?", "bytes",
                              (json_int_t)t.out.len, "text", t.out.len ? (char *)t.out.data : "",
                              t.out.len);
        char *s = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        printf("%s\n", s ? s : "{\"status\":\"binary\"}");
        free(s);
        json_decref(o);
    } else if (t.mode == 1) {
        phase_relay_response_t r;
        if (phase_relay_response_decode(t.out.data, t.out.len, &r, NULL) == 0) {
            json_t *o = json_pack("{s:b,s:s}", "ok", r.ok, "reason", r.reason ? r.reason : "");
            char *s = json_dumps(o, JSON_COMPACT);
            printf("%s\n", s);
            free(s);
            json_decref(o);
            phase_relay_response_free(&r);
        } else {
            printf("{\"status\":\"%s\",\"undecodable\":true}\n", t.status ? t.status : "?");
        }
    } else if (!t.status || strcmp(t.status, "eof") != 0) {
        printf("{\"status\":\"%s\"}\n", t.status ? t.status : "?");
    }
    finish_client(&t);
    return 0;
}
