/*
 * bench_simd: a SIMD-heavy WASI program (simd/kernel.c: image and signal
 * processing) built twice with clang for wasm32-wasi, with -msimd128
 * (kernel-simd.wasm) and without (kernel-scalar.wasm), run on our engine
 * (fuel off and on), beside wasm3 (which has no SIMD: it runs the scalar
 * build) and the same C built natively (simd_kernel_native, next to this
 * binary). Every run's stdout must equal the native output, else the run
 * counts as failed. Prints CPU seconds (best of N rounds; whole process for
 * wasm3 and native, the _start call for ours) and the ratios.
 *
 * Usage (from the repository root):
 *   bench_simd [--rounds N] [--dir bench/wasm/simd] [--shared ../shared]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "wasm/wasi/wasi.h"
#include "wasm/wasm.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct out {
    char buf[4096];
    size_t n;
} out_t;

static int capture(void *user, int fd, const uint8_t *buf, size_t n)
{
    out_t *o = user;
    if (fd != 1) return 0;
    if (n > sizeof o->buf - 1 - o->n) n = sizeof o->buf - 1 - o->n;
    memcpy(o->buf + o->n, buf, n);
    o->n += n;
    o->buf[o->n] = 0;
    return 0;
}

/* Runs the WASI program on our engine; returns CPU seconds of _start or -1. */
static double run_ours(const uint8_t *bytes, size_t len, bool fuel, out_t *o, uint64_t *fuel_used)
{
    awasm_config_t cfg;
    awasm_config_default(&cfg);
    cfg.fuel = fuel;
    err_t e;
    double t = -1;
    const char *argv[] = {"kernel"};
    wasi_config_t wc = {.argc = 1, .argv = argv, .io = {NULL, capture, o}};
    memset(o, 0, sizeof *o);
    wasi_t *w = wasi_new(&wc, &e);
    awasm_module_t *m = awasm_module_decode(bytes, len, &cfg, &e);
    awasm_store_t *s = awasm_store_new(&cfg);
    awasm_imports_t *imps = awasm_imports_new();
    awasm_instance_t *inst = NULL;
    if (!w || !m || !s || !imps || wasi_link(w, m, imps, &e)) {
        fprintf(stderr, "bench_simd: %s\n", e.msg);
        goto out;
    }
    inst = awasm_instance_new(s, m, imps, &e);
    if (!inst) {
        fprintf(stderr, "bench_simd: %s\n", e.msg);
        goto out;
    }
    const uint64_t budget = UINT64_MAX / 2;
    awasm_store_set_fuel(s, budget);
    int32_t code = -1;
    double t0 = now();
    int rc = wasi_run(w, inst, &code, &e);
    double t1 = now();
    if (rc || code != 0) {
        fprintf(stderr, "bench_simd: run failed: %s (exit %d)\n", rc ? e.msg : "", code);
        goto out;
    }
    t = t1 - t0;
    *fuel_used = fuel ? budget - awasm_store_fuel(s) : 0;
out:
    awasm_imports_free(imps);
    awasm_store_free(s);
    awasm_module_free(m);
    wasi_free(w);
    return t;
}

/* Runs a program; returns whole-process CPU seconds or -1; stdout into o. */
static double run_proc(char *const argv[], out_t *o)
{
    int p[2];
    memset(o, 0, sizeof *o);
    if (pipe(p)) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(p[1], 1);
        if (fd >= 0) dup2(fd, 2);
        close(p[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    ssize_t k;
    while ((k = read(p[0], o->buf + o->n, sizeof o->buf - 1 - o->n)) > 0) o->n += (size_t)k;
    o->buf[o->n] = 0;
    close(p[0]);
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return -1;
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

enum { NATIVE, SIMD_OFF, SIMD_ON, SCALAR_OFF, SCALAR_ON, WASM3, N_RUNS };

int main(int argc, char **argv)
{
    int rounds = 3;
    const char *dir = "bench/wasm/simd";
    const char *shared = getenv("AETHER_SHARED");
    if (!shared) shared = "../shared";
    static const struct option opts[] = {
        {"rounds", required_argument, NULL, 'r'}, {"dir", required_argument, NULL, 'k'},
        {"shared", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "r:k:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': rounds = atoi(optarg); break;
        case 'k': dir = optarg; break;
        case 'd': shared = optarg; break;
        default:
            printf("usage: bench_simd [--rounds N] [--dir bench/wasm/simd] [--shared DIR]\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (rounds < 1) rounds = 1;
    char simd_path[1024], scalar_path[1024], wasm3[1024], native[4096], self[4096];
    snprintf(simd_path, sizeof simd_path, "%s/kernel-simd.wasm", dir);
    snprintf(scalar_path, sizeof scalar_path, "%s/kernel-scalar.wasm", dir);
    snprintf(wasm3, sizeof wasm3, "%s/bench/wasm3", shared);
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) return 1;
    self[sl] = 0;
    snprintf(native, sizeof native, "%s/simd_kernel_native", dirname(self));
    uint8_t *simd, *scalar;
    size_t simd_len, scalar_len;
    err_t e;
    if (file_read_all(simd_path, 64u << 20, &simd, &simd_len, &e) ||
        file_read_all(scalar_path, 64u << 20, &scalar, &scalar_len, &e)) {
        fprintf(stderr, "bench_simd: %s\n", e.msg);
        return 1;
    }
    char *an[] = {native, NULL};
    char *a3[] = {wasm3, scalar_path, NULL};
    char *a3s[] = {wasm3, simd_path, NULL};
    out_t want, got;
    if (run_proc(an, &want) < 0 || want.n == 0) {
        fprintf(stderr, "bench_simd: cannot run %s\n", native);
        return 1;
    }
    double best[N_RUNS];
    bool ok[N_RUNS];
    uint64_t fuel_simd = 0, fuel_scalar = 0, f;
    for (int k = 0; k < N_RUNS; k++) {
        best[k] = 1e30;
        ok[k] = true;
    }
    for (int r = 0; r < rounds; r++) {
        /* interleaved so that machine noise hits every engine alike */
        for (int k = 0; k < N_RUNS; k++) {
            double t;
            switch (k) {
            case NATIVE: t = run_proc(an, &got); break;
            case SIMD_OFF: t = run_ours(simd, simd_len, false, &got, &f); break;
            case SIMD_ON: t = run_ours(simd, simd_len, true, &got, &fuel_simd); break;
            case SCALAR_OFF: t = run_ours(scalar, scalar_len, false, &got, &f); break;
            case SCALAR_ON: t = run_ours(scalar, scalar_len, true, &got, &fuel_scalar); break;
            default: t = run_proc(a3, &got); break;
            }
            if (t < 0 || got.n != want.n || memcmp(got.buf, want.buf, want.n) != 0) {
                ok[k] = false;
                continue;
            }
            if (t < best[k]) best[k] = t;
        }
    }
    out_t o3;
    bool wasm3_simd = run_proc(a3s, &o3) >= 0;
    free(simd);
    free(scalar);
    static const char *names[] = {"native (same C, -O2)", "aether, -msimd128, fuel off",
                                  "aether, -msimd128, fuel on", "aether, scalar, fuel off",
                                  "aether, scalar, fuel on", "wasm3 v0.9.0, scalar"};
    printf("SIMD kernel (%s), output %.*s, best of %d rounds (CPU seconds)\n", dir,
           (int)(want.n && want.buf[want.n - 1] == '\n' ? want.n - 1 : want.n), want.buf, rounds);
    int bad = 0;
    for (int k = 0; k < N_RUNS; k++) {
        if (!ok[k] || best[k] > 1e29) {
            printf("  %-30s FAILED (no run or output differs from native)\n", names[k]);
            bad++;
            continue;
        }
        printf("  %-30s %8.3f s\n", names[k], best[k]);
    }
    printf("  wasm3 on the -msimd128 build: %s\n", wasm3_simd ? "ran" : "cannot load it (no SIMD)");
    printf("  fuel used: %llu (-msimd128), %llu (scalar)\n", (unsigned long long)fuel_simd,
           (unsigned long long)fuel_scalar);
    if (!bad) {
        printf("  aether -msimd128 vs scalar (fuel off): %.2fx faster\n", best[SCALAR_OFF] / best[SIMD_OFF]);
        printf("  aether -msimd128 vs scalar (fuel on):  %.2fx faster\n", best[SCALAR_ON] / best[SIMD_ON]);
        printf("  aether scalar vs wasm3 scalar:         %.2fx\n", best[WASM3] / best[SCALAR_OFF]);
        printf("  aether -msimd128 vs wasm3 scalar:      %.2fx\n", best[WASM3] / best[SIMD_OFF]);
    }
    return bad ? 1 : 0;
}
