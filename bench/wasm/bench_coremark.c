/*
 * bench_coremark: CoreMark (../shared/bench/coremark-bare-*.wasm, export
 * `run`, which returns the iteration count) on our engine with fuel off and
 * fuel on, beside wasm3 and WAMR's fast interpreter (iwasm-fast) from
 * ../shared/bench, all in the same run. Prints iterations per second (best
 * of N rounds) and the ratios. Times are CPU time (user + system): the call
 * itself for ours, the whole process for the reference binaries (so theirs
 * include start-up and module loading, a few milliseconds). CPU time rather
 * than wall time because the CI machine is shared; the spread between the
 * best and worst round is printed as the noise figure.
 *
 * Usage: bench_coremark [--rounds N] [--size 1k|10k|100k] [--shared DIR]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "wasm/wasm.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs CoreMark once on our engine; returns seconds or -1. */
static double run_ours(const uint8_t *bytes, size_t len, bool fuel, int32_t *iters,
                       uint64_t *fuel_used)
{
    awasm_config_t cfg;
    awasm_config_default(&cfg);
    cfg.fuel = fuel;
    err_t e;
    double t = -1;
    awasm_module_t *m = awasm_module_decode(bytes, len, &cfg, &e);
    awasm_store_t *s = awasm_store_new(&cfg);
    awasm_instance_t *inst = NULL;
    if (!m || !s) {
        fprintf(stderr, "bench: %s\n", m ? "no store" : e.msg);
        goto out;
    }
    inst = awasm_instance_new(s, m, NULL, &e);
    if (!inst) {
        fprintf(stderr, "bench: %s\n", e.msg);
        goto out;
    }
    const uint64_t budget = UINT64_MAX / 2;
    awasm_store_set_fuel(s, budget);
    awasm_val_t r;
    double t0 = now();
    if (awasm_instance_call(inst, "run", NULL, 0, &r, 1, &e)) {
        fprintf(stderr, "bench: %s\n", e.msg);
        goto out;
    }
    t = now() - t0;
    *iters = r.of.i32;
    *fuel_used = fuel ? budget - awasm_store_fuel(s) : 0;
out:
    awasm_store_free(s);
    awasm_module_free(m);
    return t;
}

/* Runs a reference engine binary; returns whole-process seconds or -1. */
static double run_ref(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return -1;
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    int rounds = 3;
    const char *size = "10k";
    const char *shared = getenv("AETHER_SHARED");
    if (!shared) shared = "../shared";
    static const struct option opts[] = {
        {"rounds", required_argument, NULL, 'r'}, {"size", required_argument, NULL, 's'},
        {"shared", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "r:s:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': rounds = atoi(optarg); break;
        case 's': size = optarg; break;
        case 'd': shared = optarg; break;
        default:
            printf("usage: bench_coremark [--rounds N] [--size 1k|10k|100k] [--shared DIR]\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (rounds < 1) rounds = 1;
    char path[1024], wasm3[1024], iwasm[1024];
    snprintf(path, sizeof path, "%s/bench/coremark-bare-%s.wasm", shared, size);
    snprintf(wasm3, sizeof wasm3, "%s/bench/wasm3", shared);
    snprintf(iwasm, sizeof iwasm, "%s/bench/iwasm-fast", shared);
    uint8_t *bytes;
    size_t len;
    err_t e;
    if (file_read_all(path, 64u << 20, &bytes, &len, &e)) {
        fprintf(stderr, "bench_coremark: %s\n", e.msg);
        return 1;
    }
    double best[4] = {1e30, 1e30, 1e30, 1e30};
    double all[4][64];
    int32_t iters = 0;
    uint64_t fuel_used = 0;
    char *a3[] = {wasm3, "--func", "run", path, NULL};
    char *aw[] = {iwasm, "-f", "run", path, NULL};
    if (rounds > 64) rounds = 64;
    for (int r = 0; r < rounds; r++) {
        /* interleave the engines so that machine noise hits all of them */
        double t[4];
        int32_t it;
        t[0] = run_ours(bytes, len, false, &it, &fuel_used);
        iters = it;
        t[1] = run_ours(bytes, len, true, &it, &fuel_used);
        if (it != iters) fprintf(stderr, "bench_coremark: fuel on/off disagree (%d vs %d)\n", it, iters);
        t[2] = run_ref(a3);
        t[3] = run_ref(aw);
        for (int k = 0; k < 4; k++) {
            all[k][r] = t[k];
            if (t[k] > 0 && t[k] < best[k]) best[k] = t[k];
        }
    }
    free(bytes);
    if (iters <= 0) {
        fprintf(stderr, "bench_coremark: CoreMark failed (run returned %d)\n", iters);
        return 1;
    }
    static const char *names[] = {"aether (fuel off)", "aether (fuel on)", "wasm3 v0.9.0",
                                  "iwasm-fast (WAMR)"};
    printf("CoreMark %s: %d iterations, best of %d rounds\n", size, iters, rounds);
    double ips[4];
    for (int k = 0; k < 4; k++) {
        ips[k] = best[k] < 1e29 ? iters / best[k] : 0;
        double worst = 0;
        for (int r = 0; r < rounds; r++) if (all[k][r] > worst) worst = all[k][r];
        printf("  %-20s %10.1f iterations/s  (best %.3f s, worst %.3f s)\n", names[k], ips[k],
               best[k], worst);
    }
    printf("  fuel used per run: %llu\n", (unsigned long long)fuel_used);
    if (ips[2] > 0) {
        printf("  ratio fuel on / wasm3:      %.2fx\n", ips[1] / ips[2]);
        printf("  ratio fuel off / wasm3:     %.2fx\n", ips[0] / ips[2]);
    }
    if (ips[3] > 0) printf("  ratio fuel on / iwasm-fast: %.2fx\n", ips[1] / ips[3]);
    if (ips[0] > 0) printf("  fuel on cost vs fuel off:   %+.1f%%\n", (ips[0] / ips[1] - 1) * 100);
    return 0;
}
