/*
 * bench_phase_net: a Phase job on a remote provider (docs/performance.md,
 * "Phase network: remote jobs").
 *
 * Starts `plasmd start --max-jobs 2` (a real provider process on 127.0.0.1),
 * then times, with hello.wasm reversing "Hello, World":
 *   local     in process: phase_worker_execute (verify the manifest, run,
 *             sign the receipt), the same work a provider does per job
 *   remote    over one live connection: a /phase/job/1.0.0 stream per job
 *             (client signs the manifest, the module is cached on the
 *             provider, stdin, RESULT, the client verifies the receipt and
 *             the output commitment), one job at a time: the round trip
 *   dial      phase_submit() per job: new host, dial, Noise, offer, job,
 *             verification (what `plasmd submit --provider` does minus the
 *             process start)
 *   jobs/s    many streams in flight on the live connection, two workers
 *             on the provider, module cached
 * Every answer is checked (output, receipt signature, commitment), so a
 * broken build cannot produce a figure.
 *
 * usage: bench_phase_net PLASMD HELLO_WASM [RUNS] [THROUGHPUT_JOBS]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "p2p/p2p.h"
#include "phase/phase.h"

static const char input[] = "Hello, World";
static const char expect[] = "dlroW ,olleH";

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, double *v, size_t n, const char *unit, double scale)
{
    qsort(v, n, sizeof *v, cmp_d);
    printf("%-34s runs %5zu  median %8.3f %s  p10 %8.3f  p90 %8.3f  min %8.3f\n", name, n,
           v[n / 2] * scale, unit, v[n / 10] * scale, v[n * 9 / 10] * scale, v[0] * scale);
}

static void die(const char *m)
{
    fprintf(stderr, "bench_phase_net: %s\n", m);
    exit(1);
}

/* ---- the live-connection client ---- */

typedef struct job {
    struct bench *b;
    p2p_stream_t *s;
    buf_t in, out;
    uint8_t job_id[32];
    char *manifest;
    double t0;
    bool done;
} job_t;

typedef struct bench {
    uv_loop_t loop;
    p2p_host_t *host;
    p2p_conn_t *conn;
    phase_identity_t client;
    uint8_t provider_pk[32];
    const uint8_t *module;
    size_t module_len;
    size_t inflight, started, finished, target, max_inflight;
    double *lat;
    int failures;
} bench_t;

static void start_job(bench_t *b);

static void job_finish(job_t *j, const char *err)
{
    bench_t *b = j->b;
    if (err) {
        fprintf(stderr, "bench_phase_net: job failed: %s\n", err);
        b->failures++;
    } else {
        b->lat[b->finished] = now_ms() - j->t0;
    }
    j->done = true;
    b->finished++;
    b->inflight--;
    if (j->s)
        p2p_stream_reset(j->s);
    if (b->finished == b->target)
        uv_stop(&b->loop);
    else
        while (b->started < b->target && b->inflight < b->max_inflight)
            start_job(b);
}

static void check_result(job_t *j, const uint8_t *body, size_t n)
{
    json_t *r = cjson_parse((const char *)body, n, NULL);
    json_t *rec = r ? json_object_get(r, "receipt") : NULL;
    char *rj = rec ? cjson_encode_str(rec, NULL) : NULL;
    phase_receipt_t receipt;
    phase_job_result_t res;
    const char *err = "bad RESULT";
    uint8_t rid[32];
    if (rj && phase_receipt_parse(rj, strlen(rj), &receipt, NULL) == 0) {
        if (phase_receipt_verify(&receipt, j->b->provider_pk, NULL) != 0)
            err = "receipt signature";
        else if (phase_receipt_job_id_bytes(&receipt, rid, NULL) != 0 ||
                 memcmp(rid, j->job_id, 32) != 0)
            err = "receipt job id";
        else if (phase_job_result_from_json(receipt.result, &res, NULL) == 0) {
            phase_commit_t c;
            phase_commit_output(&c, j->out.data, j->out.len, NULL, 0);
            if (memcmp(c.state, res.output_commitment, 32) != 0 ||
                c.count != res.output_chunk_count)
                err = "commitment";
            else if (j->out.len != strlen(expect) || memcmp(j->out.data, expect, j->out.len))
                err = "output";
            else
                err = NULL;
            phase_job_result_free(&res);
        }
        phase_receipt_free(&receipt);
    }
    free(rj);
    json_decref(r);
    job_finish(j, err);
}

static size_t on_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    job_t *j = ud;
    if (j->done)
        return n;
    buf_append(&j->in, p, n);
    size_t off = 0;
    for (;;) {
        uint8_t type;
        const uint8_t *body;
        size_t bl, used;
        if (phase_frame_next(j->in.data + off, j->in.len - off, &type, &body, &bl, &used, NULL) != 1)
            break;
        off += used;
        buf_t f;
        buf_init(&f, 0);
        if (type == PHASE_F_NEED_MODULE) {
            for (size_t o = 0; o < j->b->module_len; o += 131072) {
                size_t k = j->b->module_len - o < 131072 ? j->b->module_len - o : 131072;
                if (phase_frame_append(&f, PHASE_F_MODULE, j->b->module + o, k))
                    die("frame");
            }
            if (phase_frame_append(&f, PHASE_F_MODULE_END, NULL, 0))
                die("frame");
        } else if (type == PHASE_F_ACCEPTED) {
            if (phase_frame_append(&f, PHASE_F_STDIN, input, strlen(input)) ||
                phase_frame_append(&f, PHASE_F_STDIN_END, NULL, 0))
                die("frame");
        } else if (type == PHASE_F_EVENT) {
            json_t *ev = cjson_parse((const char *)body, bl, NULL);
            json_t *o = json_object_get(ev, "Output");
            uint8_t *d = NULL;
            size_t dl = 0;
            if (o && cjson_get_bytes(json_object_get(o, "data"), SIZE_MAX, &d, &dl, NULL) == 0 &&
                strcmp(json_string_value(json_object_get(o, "kind")), "stdout") == 0)
                buf_append(&j->out, d, dl);
            free(d);
            json_decref(ev);
        } else if (type == PHASE_F_RESULT) {
            buf_free(&f);
            check_result(j, body, bl);
            return n;
        } else {
            buf_free(&f);
            job_finish(j, "rejected");
            return n;
        }
        if (f.len && p2p_stream_write(s, f.data, f.len) != 0)
            die("write");
        buf_free(&f);
    }
    memmove(j->in.data, j->in.data + off, j->in.len - off);
    j->in.len -= off;
    return n;
}

static void on_close(p2p_stream_t *s, int status, void *ud)
{
    job_t *j = ud;
    j->s = NULL;
    if (!j->done)
        job_finish(j, "stream closed");
    buf_free(&j->in);
    buf_free(&j->out);
    free(j->manifest);
    free(j);
}

static void on_open(p2p_stream_t *s, int status, void *ud)
{
    job_t *j = ud;
    if (status)
        die("cannot open /phase/job/1.0.0");
    j->s = s;
    p2p_stream_cbs_t cbs = {.on_data = on_data, .on_close = on_close, .ud = j};
    p2p_stream_set_cbs(s, &cbs);
    buf_t f;
    buf_init(&f, 0);
    if (phase_frame_append(&f, PHASE_F_MANIFEST, j->manifest, strlen(j->manifest)) ||
        p2p_stream_write(s, f.data, f.len))
        die("send manifest");
    buf_free(&f);
}

static void start_job(bench_t *b)
{
    job_t *j = calloc(1, sizeof *j);
    j->b = b;
    buf_init(&j->in, 0);
    buf_init(&j->out, 0);
    j->t0 = now_ms();
    /* the client's work per job: sign a manifest referencing the module */
    json_t *p = phase_wasm_job_spec(NULL, 0, 0, 0);
    char h[PHASE_MODULE_HASH_LEN + 1];
    phase_module_hash(b->module, b->module_len, h);
    json_object_set_new(p, "module_cid", json_string(h));
    phase_manifest_t m;
    if (phase_manifest_sign(p, &b->client, ts_now(), NULL, &m, NULL) ||
        phase_manifest_hash(&m, j->job_id, NULL) || !(j->manifest = phase_manifest_to_json(&m, NULL)))
        die("sign");
    phase_manifest_free(&m);
    json_decref(p);
    b->started++;
    b->inflight++;
    err_t e;
    if (p2p_conn_open_stream(b->conn, PHASE_JOB_PROTO, on_open, j, &e) != 0)
        die(e.msg);
}

static void on_dial(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    bench_t *b = ud;
    if (status)
        die(msg);
    b->conn = c;
    uv_stop(&b->loop);
}

static void run_batch(bench_t *b, size_t n, size_t inflight, double *lat)
{
    b->target = n;
    b->started = b->finished = b->inflight = 0;
    b->max_inflight = inflight;
    b->lat = lat;
    for (size_t i = 0; i < inflight && i < n; i++)
        start_job(b);
    uv_run(&b->loop, UV_RUN_DEFAULT);
    if (b->failures)
        die("a job failed");
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_phase_net PLASMD HELLO_WASM [RUNS] [THROUGHPUT_JOBS]\n");
        return 2;
    }
    size_t runs = argc > 3 ? (size_t)atol(argv[3]) : 200;
    size_t tjobs = argc > 4 ? (size_t)atol(argv[4]) : 2000;
    if (runs < 10 || tjobs < 10)
        die("RUNS and THROUGHPUT_JOBS must be >= 10");
    if (crypto_init() != 0)
        die("crypto");
    log_set_level(LOG_WARN);
    bench_t b;
    memset(&b, 0, sizeof b);
    uint8_t *mod;
    size_t mod_len;
    if (file_read_all(argv[2], 64u << 20, &mod, &mod_len, NULL) != 0)
        die("cannot read the module");
    b.module = mod;
    b.module_len = mod_len;
    uint8_t seed[32];
    crypto_random(seed, sizeof seed);
    phase_identity_from_seed(seed, &b.client);

    /* the provider */
    char home[] = "/tmp/bench-phase-net-XXXXXX";
    if (!mkdtemp(home))
        die("mkdtemp");
    int pfd[2];
    if (pipe(pfd))
        die("pipe");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        setenv("PLASMD_HOME", home, 1);
        execl(argv[1], argv[1], "start", "--listen", "/ip4/127.0.0.1/tcp/0", "--max-jobs", "2",
              "--queue", "100000", "--log-level", "warn", (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    char line[2048];
    FILE *pf = fdopen(pfd[0], "r");
    if (!pf || !fgets(line, sizeof line, pf))
        die("the provider did not start");
    json_t *info = cjson_parse(line, strlen(line), NULL);
    const char *addr = json_string_value(json_array_get(json_object_get(info, "listen"), 0));
    const char *pid_s = json_string_value(json_object_get(info, "peer_id"));
    if (!addr || !pid_s)
        die("bad start line");
    char addr_copy[512];
    snprintf(addr_copy, sizeof addr_copy, "%s", addr);
    p2p_peer_id_t ppid;
    if (p2p_peer_id_parse(pid_s, &ppid, NULL) || p2p_peer_id_pubkey(&ppid, b.provider_pk, NULL))
        die("peer id");
    json_decref(info);

    /* local: the provider's per-job work in process */
    double *lat = calloc(tjobs > runs ? tjobs : runs, sizeof *lat);
    phase_worker_policy_t pol = {.allow_unauthenticated = true};
    for (size_t i = 0; i < runs + 5; i++) {
        double t0 = now_ms();
        /* the same manifest as remote: the module by reference */
        json_t *p = phase_wasm_job_spec(NULL, 0, 0, 0);
        char h[PHASE_MODULE_HASH_LEN + 1];
        phase_module_hash(mod, mod_len, h);
        json_object_set_new(p, "module_cid", json_string(h));
        phase_manifest_t m;
        if (phase_manifest_sign(p, &b.client, ts_now(), NULL, &m, NULL))
            die("sign");
        phase_job_opts_t t = {.module = mod, .module_len = mod_len,
                              .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
                              .stdin_data = (const uint8_t *)input, .stdin_len = strlen(input),
                              .fuel = 10000000000ull};
        phase_job_outcome_t o;
        phase_receipt_t r;
        if (phase_worker_execute(&m, &pol, &b.client, &t, ts_now(), &o, &r, NULL) ||
            o.out_len != strlen(expect) || memcmp(o.out, expect, o.out_len))
            die("local run");
        if (i >= 5)
            lat[i - 5] = now_ms() - t0;
        phase_job_outcome_free(&o);
        phase_receipt_free(&r);
        phase_manifest_free(&m);
        json_decref(p);
    }
    report("local (sign, verify, run, sign)", lat, runs, "ms", 1);

    /* remote over one live connection */
    uv_loop_init(&b.loop);
    p2p_host_config_t hc = {0};
    err_t e;
    b.host = p2p_host_new(&b.loop, &hc, &e);
    buf_t bin;
    buf_init(&bin, 0);
    if (!b.host || p2p_maddr_parse(addr_copy, &bin, &e) ||
        p2p_host_dial(b.host, bin.data, bin.len, on_dial, &b, &e))
        die(e.msg);
    uv_run(&b.loop, UV_RUN_DEFAULT);
    run_batch(&b, 5, 1, lat); /* warm up: the module is sent once, then cached */
    run_batch(&b, runs, 1, lat);
    report("remote, live connection (RTT)", lat, runs, "ms", 1);

    /* throughput: many in flight, two workers */
    double t0 = now_ms();
    run_batch(&b, tjobs, 16, lat);
    double secs = (now_ms() - t0) / 1e3;
    printf("%-34s jobs %5zu  %.0f jobs/s  (16 in flight, 2 workers, module cached)\n",
           "remote throughput", tjobs, (double)tjobs / secs);
    p2p_host_free(b.host);
    uv_run(&b.loop, UV_RUN_DEFAULT);

    /* with the dial: phase_submit per job */
    size_t druns = runs / 4 < 20 ? 20 : runs / 4;
    const char *provs[] = {addr_copy};
    for (size_t i = 0; i < druns; i++) {
        phase_submit_opts_t so = {.module = mod, .module_len = mod_len,
                                  .stdin_data = (const uint8_t *)input, .stdin_len = strlen(input),
                                  .providers = provs, .n_providers = 1, .signer = &b.client};
        phase_submit_result_t r;
        double s0 = now_ms();
        if (phase_submit(&so, &r, &e) != 0 || r.out.len != strlen(expect) ||
            memcmp(r.out.data, expect, r.out.len))
            die(e.msg);
        lat[i] = now_ms() - s0;
        phase_submit_result_free(&r);
    }
    report("remote incl. dial (phase_submit)", lat, druns, "ms", 1);

    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", home);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_phase_net: could not remove %s\n", home);
    free(lat);
    free(mod);
    buf_free(&bin);
    return 0;
}
