/*
 * The power-cut shim's model, checked on its own (powercut.c describes it):
 * a child process under powercut.so makes durable and volatile changes of
 * every kind the shim tracks, then arms a cut at its next sync; the parent
 * checks what is on disk afterwards:
 *   a      created, synced, dir synced "AAAA"; then appended, overwritten at
 *          offset 0 and truncated, none synced          -> "AAAA"
 *   b      created, written and synced, dir never synced  -> gone
 *   old    durable "OLD-CONTENT", replaced by rename of a synced c.tmp, dir
 *          not synced                                     -> "OLD-CONTENT", no c.tmp
 *   d      durable, unlinked, dir not synced              -> back, "DDD"
 *   e      created, synced, dir synced, appended + synced  "eeeEEE"; then
 *          "ZZ" written and the cut lands instead of its sync -> "eeeEEE"
 * The same child without the shim leaves the volatile state, so the checks
 * can tell the two apart (checked too).
 *
 * Usage: test_powercut_model POWERCUT_SO
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "FAIL: ");                                                         \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

static void put(const char *path, const char *s, bool sync)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s) || (sync && fsync(fd) != 0))
        _exit(3);
    close(fd);
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || fsync(fd) != 0)
        _exit(3);
    close(fd);
}

/* The child's changes, in dir (the shim's root). */
static int child(const char *dir, const char *pcdir)
{
    if (chdir(dir) != 0)
        return 3;
    put("a", "AAAA", true);
    put("e", "eee", true);
    sync_dir(".");
    int e = open("e", O_WRONLY | O_APPEND);
    if (e < 0 || write(e, "EEE", 3) != 3 || fdatasync(e) != 0)
        return 3;
    int a = open("a", O_WRONLY); /* not O_APPEND: Linux pwrite would append there */
    if (a < 0 || lseek(a, 0, SEEK_END) != 4 || write(a, "BBBB", 4) != 4 ||
        pwrite(a, "XX", 2, 0) != 2 || ftruncate(a, 3) != 0)
        return 3;
    put("b", "bbb", true);
    put("c.tmp", "ccc", true);
    if (rename("c.tmp", "old") != 0 || unlink("d") != 0)
        return 3;
    /* Arm a cut at the next sync of a tracked file, wait for the shim to see it. */
    char arm[4096];
    snprintf(arm, sizeof arm, "%s/cut-after-syncs", pcdir);
    FILE *f = fopen(arm, "w");
    if (!f)
        return 3;
    fputs("1", f);
    fclose(f);
    for (int i = 0; i < 2000 && access(arm, F_OK) == 0; i++)
        usleep(1000);
    if (access(arm, F_OK) == 0) {
        /* Not under the shim (the control run): leave the volatile state. */
        unlink(arm);
        return write(e, "ZZ", 2) == 2 ? 0 : 3;
    }
    if (write(e, "ZZ", 2) != 2)
        return 3;
    fsync(e); /* the cut happens here */
    return 4;  /* not reached under the shim */
}

static char *slurp(const char *dir, const char *name)
{
    static char buf[8][256];
    static int k;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *b = buf[k++ % 8];
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(b, 1, 255, f);
    b[n] = 0;
    fclose(f);
    return b;
}

static int run(const char *self, const char *so, const char *dir, const char *pcdir, bool shim)
{
    char path[4200];
    const char *setup[][2] = {{"old", "OLD-CONTENT"}, {"d", "DDD"}};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, setup[i][0]);
        FILE *f = fopen(path, "w");
        if (!f)
            return -1;
        fputs(setup[i][1], f);
        fclose(f);
    }
    pid_t pid = fork();
    if (pid == 0) {
        if (shim) {
            setenv("LD_PRELOAD", so, 1);
            setenv("POWERCUT_ROOT", dir, 1);
            setenv("POWERCUT_DIR", pcdir, 1);
        }
        execl(self, self, "--child", dir, pcdir, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return st;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--child") == 0)
        return child(argv[2], argv[3]);
    if (argc != 2) {
        fprintf(stderr, "usage: test_powercut_model POWERCUT_SO\n");
        return 2;
    }
    char base[] = "/tmp/powercut-model-XXXXXX", dir[64], pcdir[64], cmd[256];
    if (!mkdtemp(base))
        return 1;
    snprintf(dir, sizeof dir, "%s/root", base);
    snprintf(pcdir, sizeof pcdir, "%s/pc", base);

    /* Under the shim: the cut leaves only what was durable. */
    if (mkdir(dir, 0755) != 0 || mkdir(pcdir, 0755) != 0)
        return 1;
    int st = run(argv[0], argv[1], dir, pcdir, true);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the child was not cut (status %#x)", st);
    const char *a = slurp(dir, "a"), *o = slurp(dir, "old"), *d = slurp(dir, "d"),
               *e = slurp(dir, "e");
    CHECK(a && strcmp(a, "AAAA") == 0, "a is \"%s\", want the synced \"AAAA\"", a ? a : "(gone)");
    CHECK(!slurp(dir, "b"), "b survived although its directory was never synced");
    CHECK(o && strcmp(o, "OLD-CONTENT") == 0, "old is \"%s\", want the rename undone",
          o ? o : "(gone)");
    CHECK(!slurp(dir, "c.tmp"), "c.tmp survived although its creation was never made durable");
    CHECK(d && strcmp(d, "DDD") == 0, "d is %s, want the unlink undone", d ? d : "(gone)");
    CHECK(e && strcmp(e, "eeeEEE") == 0, "e is \"%s\", want \"eeeEEE\" (the cut was at the sync "
          "of \"ZZ\")", e ? e : "(gone)");
    fprintf(stderr, "under the shim: a=%s old=%s d=%s e=%s, b and c.tmp gone\n", a, o, d, e);

    /* Control: the same child without the shim keeps the volatile state. */
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir '%s'", dir, dir);
    if (system(cmd) != 0)
        return 1;
    st = run(argv[0], argv[1], dir, pcdir, false);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "control child failed (status %#x)", st);
    a = slurp(dir, "a");
    e = slurp(dir, "e");
    CHECK(a && strcmp(a, "XXA") == 0 && slurp(dir, "b") && !slurp(dir, "d") && e &&
              strcmp(e, "eeeEEEZZ") == 0,
          "without the shim the files should hold the volatile state (a=%s e=%s)", a, e);
    fprintf(stderr, "without the shim: a=%s e=%s, b present, d gone\n", a, e);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", base);
    if (!failures)
        fprintf(stderr, "power-cut model: all checks passed\n");
    return failures ? 1 : 0;
}
