/*
 * bench_phase: the Phase hello job, timed two ways (docs/performance.md,
 * "Phase: hello end to end").
 *
 *  1. End to end, process start to exit: `plasmd run --quiet hello.wasm` fed
 *     "Hello, World" on stdin, the same with --receipt (identity load, manifest
 *     + receipt signing, atomic write), and, in the same run, wasm3 and WAMR's
 *     iwasm running the same hello.wasm from ../shared/bench when present.
 *  2. In process: phase_job_run() alone, and run + sign (manifest, JobResult
 *     with the output commitment, receipt), and receipt verification.
 *
 * Prints one line per case: runs, median, p10, p90, min (milliseconds or
 * microseconds). Every run's output is checked, so a broken build cannot
 * produce a figure.
 *
 * usage: bench_phase PLASMD HELLO_WASM [RUNS] [SHARED_BENCH_DIR]
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "phase/phase.h"

static const char input[] = "Hello, World";
static const char expect[] = "dlroW ,olleH";

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, double *v, int n, const char *unit, double scale)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    printf("%-44s runs %4d  median %8.3f  p10 %8.3f  p90 %8.3f  min %8.3f %s\n", name, n,
           v[n / 2] / scale, v[n / 10] / scale, v[(n * 9) / 10] / scale, v[0] / scale, unit);
    fflush(stdout);
}

/* Runs argv with "Hello, World" on stdin; returns the wall time in us, or -1
 * when the output is not the reversed input. */
static double run_process(char *const argv[])
{
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0)
        return -1;
    double t0 = now_us();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, 2);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    ssize_t w = write(in[1], input, strlen(input));
    close(in[1]);
    char buf[256];
    size_t got = 0;
    ssize_t r;
    while ((r = read(out[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)r;
    close(out[0]);
    int status;
    waitpid(pid, &status, 0);
    double t = now_us() - t0;
    buf[got] = '\0';
    if (w != (ssize_t)strlen(input) || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        strcmp(buf, expect) != 0)
        return -1;
    return t;
}

static int bench_process(const char *name, char *const argv[], int runs)
{
    double *v = calloc((size_t)runs, sizeof *v);
    if (!v)
        return 1;
    for (int i = 0; i < runs; i++) {
        v[i] = run_process(argv);
        if (v[i] < 0) {
            fprintf(stderr, "bench_phase: %s: wrong output or exit status\n", name);
            free(v);
            return 1;
        }
    }
    report(name, v, runs, "ms", 1000.0);
    free(v);
    return 0;
}

static int bench_in_process(const uint8_t *wasm, size_t len, int runs)
{
    double *run = calloc((size_t)runs, sizeof *run);
    double *sign = calloc((size_t)runs, sizeof *sign);
    double *verify = calloc((size_t)runs, sizeof *verify);
    int rc = 1;
    uint8_t seed[32];
    memset(seed, 0x42, sizeof seed);
    phase_identity_t id;
    phase_identity_from_seed(seed, &id);
    const char *argv[] = {"hello.wasm"};
    phase_job_opts_t o = {
        .module = wasm,
        .module_len = len,
        .argc = 1,
        .argv = argv,
        .stdin_fd = -1,
        .stdin_data = (const uint8_t *)input,
        .stdin_len = strlen(input),
        .stdout_fd = -1,
        .stderr_fd = -1,
        .memory_max = 64u << 20,
        .timeout_ms = 30000,
    };
    if (!run || !sign || !verify)
        goto done;
    for (int i = 0; i < runs; i++) {
        phase_job_outcome_t out;
        err_t e = {0};
        double t0 = now_us();
        if (phase_job_run(&o, &out, &e) != PHASE_OK || out.status != PHASE_JOB_EXITED ||
            out.out_len != strlen(expect) || memcmp(out.out, expect, out.out_len) != 0) {
            fprintf(stderr, "bench_phase: in-process run failed: %s %s\n", e.msg, out.message);
            phase_job_outcome_free(&out);
            goto done;
        }
        double t1 = now_us();
        phase_job_result_t res = {0};
        phase_receipt_t r = {0}, back = {0};
        uint8_t job[32];
        json_t *rj = NULL;
        char *text = NULL;
        bool ok = phase_wasm_job_id(wasm, len, o.timeout_ms, o.memory_max, ts_now(), job, &e) ==
                      PHASE_OK &&
                  phase_job_result_for(&out, job, &res, &e) == PHASE_OK &&
                  (rj = phase_job_result_to_json(&res, &e)) != NULL &&
                  phase_receipt_sign(rj, job, &id, ts_now(), &r, &e) == PHASE_OK &&
                  (text = phase_receipt_to_json(&r, &e)) != NULL;
        double t2 = now_us();
        ok = ok && phase_receipt_parse(text, strlen(text), &back, &e) == PHASE_OK &&
             phase_receipt_verify(&back, id.pk, &e) == PHASE_OK;
        double t3 = now_us();
        run[i] = t1 - t0;
        sign[i] = t2 - t1;
        verify[i] = t3 - t2;
        phase_receipt_free(&back);
        phase_receipt_free(&r);
        phase_job_result_free(&res);
        free(text);
        json_decref(rj);
        phase_job_outcome_free(&out);
        if (!ok) {
            fprintf(stderr, "bench_phase: signing or verifying failed: %s\n", e.msg);
            goto done;
        }
    }
    double *total = calloc((size_t)runs, sizeof *total);
    if (!total)
        goto done;
    for (int i = 0; i < runs; i++)
        total[i] = run[i] + sign[i];
    report("in process: phase_job_run (hello)", run, runs, "us", 1.0);
    report("in process: job id + result + sign receipt", sign, runs, "us", 1.0);
    report("in process: run + sign", total, runs, "us", 1.0);
    report("in process: parse + verify receipt", verify, runs, "us", 1.0);
    free(total);
    rc = 0;
done:
    free(run);
    free(sign);
    free(verify);
    phase_identity_wipe(&id);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_phase PLASMD HELLO_WASM [RUNS] [SHARED_BENCH_DIR]\n");
        return 2;
    }
    int runs = argc > 3 ? atoi(argv[3]) : 200;
    const char *shared = argc > 4 ? argv[4] : "../shared/bench";
    if (runs < 10 || runs > 100000) {
        fprintf(stderr, "bench_phase: RUNS must be 10..100000\n");
        return 2;
    }
    if (crypto_init() != CRYPTO_OK)
        return 1;
    uint8_t *wasm;
    size_t len;
    err_t e = {0};
    if (file_read_all(argv[2], 64u << 20, &wasm, &len, &e) != BASE_OK) {
        fprintf(stderr, "bench_phase: %s\n", e.msg);
        return 2;
    }
    char home[] = "/tmp/bench-phase-XXXXXX";
    if (!mkdtemp(home)) {
        free(wasm);
        return 1;
    }
    setenv("PLASMD_HOME", home, 1);
    char receipt[300];
    snprintf(receipt, sizeof receipt, "%s/receipt.json", home);
    printf("hello.wasm: %zu bytes; %d runs per case\n", len, runs);
    int rc = 0;
    char *run_argv[] = {argv[1], "run", "--quiet", argv[2], NULL};
    char *rcpt_argv[] = {argv[1], "run", "--quiet", "--receipt", receipt, argv[2], NULL};
    rc |= bench_process("process: plasmd run --quiet hello.wasm", run_argv, runs);
    rc |= bench_process("process: plasmd run --quiet --receipt", rcpt_argv, runs);
    char wasm3[512], iwasm[512];
    snprintf(wasm3, sizeof wasm3, "%s/wasm3", shared);
    snprintf(iwasm, sizeof iwasm, "%s/iwasm-fast", shared);
    char *w3_argv[] = {wasm3, argv[2], NULL};
    char *iw_argv[] = {iwasm, argv[2], NULL};
    if (access(wasm3, X_OK) == 0)
        rc |= bench_process("process: wasm3 hello.wasm", w3_argv, runs);
    else
        printf("(skipping wasm3: %s not found)\n", wasm3);
    if (access(iwasm, X_OK) == 0)
        rc |= bench_process("process: iwasm-fast hello.wasm", iw_argv, runs);
    else
        printf("(skipping iwasm: %s not found)\n", iwasm);
    rc |= bench_in_process(wasm, len, runs);
    unlink(receipt);
    char key[300];
    snprintf(key, sizeof key, "%s/identity.key", home);
    unlink(key);
    rmdir(home);
    free(wasm);
    return rc;
}
