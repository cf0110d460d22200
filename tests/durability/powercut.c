/*
 * powercut.so: an LD_PRELOAD fault-injection layer that simulates a power cut
 * for a process writing files (aetherd's RocksDB store), in the manner of
 * SQLite's crash tests and FoundationDB's simulated disks.
 *
 * The model (what survives a power cut):
 *   - A regular file's content is durable up to its last successful fsync or
 *     fdatasync (or every write when opened with O_SYNC/O_DSYNC). Writes,
 *     pwrites and ftruncates after that are volatile: at the cut the file is
 *     put back to its durable size and every byte overwritten since is
 *     restored. (Worst case of a real disk: nothing unsynced survives; torn or
 *     reordered partial survival is not modelled.)
 *   - Directory entries are durable when their directory was fsynced after
 *     the change (POSIX; what RocksDB's FsyncDir relies on). At the cut, not
 *     yet durable creations (O_CREAT of a new file), renames and unlinks are
 *     undone, newest first: a created file is removed, a rename is reversed
 *     (and a file it replaced comes back), an unlinked file comes back.
 *   - sync_file_range() is not a durability point (no metadata, no disk cache
 *     flush) and fallocate(FALLOC_FL_KEEP_SIZE) does not change content: both
 *     pass through unchanged. mkdir/rmdir are not modelled.
 *   - Only files under $POWERCUT_ROOT (an absolute directory) are tracked, and
 *     only changes made through the libc entry points below (what librocksdb
 *     calls; strace shows openat, write, fdatasync, fsync, rename, unlink,
 *     ftruncate, fallocate, sync_file_range). Writes done inside libc (stdio)
 *     are not seen and count as durable.
 *
 * The cut: when the file $POWERCUT_DIR/cut appears (the test creates it), or
 * at the N-th fsync/fdatasync of a tracked file after the file
 * $POWERCUT_DIR/cut-after-syncs (holding N) appeared (the cut then happens
 * instead of that sync: the window between a write and its sync), the shim takes its lock (no tracked operation is mid-way; any thread
 * calling in blocks), restores every file and directory to its durable
 * state, prints one "powercut:" line to stderr and SIGKILLs the process.
 * Backups of replaced and unlinked files are hard links in $POWERCUT_DIR
 * (same file system as the root).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* ---- the real functions --------------------------------------------------------- */

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_creat)(const char *, mode_t);
static int (*real_close)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev64)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev2)(int, const struct iovec *, int, off_t, int);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);

#define RESOLVE(name) real_##name = dlsym(RTLD_NEXT, #name)

/* ---- state ------------------------------------------------------------------------- */

typedef struct undo {
    off_t off;
    size_t len;
    unsigned char *bytes;
    struct undo *next; /* newest first */
} undo_t;

typedef struct inode {
    dev_t dev;
    ino_t ino;
    off_t durable_size;
    bool dirty;       /* changed since the last sync */
    bool sync_always; /* opened O_SYNC/O_DSYNC */
    int held_fd;      /* O_RDWR on the inode while dirty (restores it at the cut) */
    undo_t *undo;
} inode_t;

enum { OP_CREATE, OP_RENAME, OP_UNLINK };
typedef struct nsop {
    int kind;
    char a[PATH_MAX]; /* CREATE: path; RENAME: old; UNLINK: path */
    char b[PATH_MAX]; /* RENAME: new */
    char backup[PATH_MAX]; /* replaced (RENAME) or unlinked (UNLINK) file, "" = none */
    dev_t dir_dev[2];
    ino_t dir_ino[2];
    bool dir_synced[2];
    int ndirs;
} nsop_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char root[PATH_MAX], pcdir[PATH_MAX];
static size_t root_len;
static bool active;
static inode_t *inodes;
static size_t n_inodes, cap_inodes;
static nsop_t **ops;
static size_t n_ops, cap_ops;
static long sync_count, cut_at_sync;
static unsigned backup_seq;
#define MAX_FD 65536
static int fd_inode[MAX_FD]; /* index + 1 of a tracked fd's inode, 0 = untracked/unknown */
static bool fd_known[MAX_FD];

static void say(const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof msg - 1)
        n = sizeof msg - 1;
    if (real_write)
        (void)!real_write(2, msg, (size_t)n);
}

/* Absolute form of path (relative to dirfd); false when it cannot be formed. */
static bool abs_path(int dirfd, const char *path, char *out)
{
    if (!path)
        return false;
    if (path[0] == '/') {
        snprintf(out, PATH_MAX, "%s", path);
        return true;
    }
    char base[PATH_MAX];
    if (dirfd == AT_FDCWD) {
        if (!getcwd(base, sizeof base))
            return false;
    } else {
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
        ssize_t n = readlink(link, base, sizeof base - 1);
        if (n < 0)
            return false;
        base[n] = 0;
    }
    return snprintf(out, PATH_MAX, "%s/%s", base, path) < PATH_MAX;
}

static bool under_root(const char *abs)
{
    return active && strncmp(abs, root, root_len) == 0 && (abs[root_len] == '/' || !abs[root_len]);
}

static bool parent_of(const char *abs, dev_t *dev, ino_t *ino)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", abs);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return false;
    if (slash == dir)
        slash[1] = 0;
    else
        *slash = 0;
    struct stat st;
    if (stat(dir, &st) != 0)
        return false;
    *dev = st.st_dev;
    *ino = st.st_ino;
    return true;
}

static inode_t *find_inode(dev_t dev, ino_t ino, bool create, off_t size_if_new)
{
    for (size_t i = 0; i < n_inodes; i++)
        if (inodes[i].dev == dev && inodes[i].ino == ino)
            return &inodes[i];
    if (!create)
        return NULL;
    if (n_inodes == cap_inodes) {
        size_t nc = cap_inodes ? cap_inodes * 2 : 64;
        inode_t *v = realloc(inodes, nc * sizeof *v);
        if (!v)
            return NULL;
        inodes = v;
        cap_inodes = nc;
    }
    inode_t *in = &inodes[n_inodes++];
    memset(in, 0, sizeof *in);
    in->dev = dev;
    in->ino = ino;
    in->durable_size = size_if_new;
    in->held_fd = -1;
    return in;
}

/* The tracked inode of fd, or NULL. Learns fds it has not seen open. */
static inode_t *fd_tracked(int fd)
{
    if (!active || fd < 0 || fd >= MAX_FD)
        return NULL;
    if (!fd_known[fd]) {
        char link[64], path[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, path, sizeof path - 1);
        fd_known[fd] = true;
        fd_inode[fd] = 0;
        if (n > 0) {
            path[n] = 0;
            struct stat st;
            if (under_root(path) && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
                inode_t *in = find_inode(st.st_dev, st.st_ino, true, st.st_size);
                if (in)
                    fd_inode[fd] = (int)(in - inodes) + 1;
            }
        }
    }
    if (!fd_inode[fd])
        return NULL;
    inode_t *in = &inodes[fd_inode[fd] - 1];
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_dev != in->dev || st.st_ino != in->ino) {
        fd_known[fd] = false; /* closed and reused behind our back (e.g. inside libc) */
        fd_inode[fd] = 0;
        return fd_tracked(fd);
    }
    return in;
}

static void make_dirty(inode_t *in, int fd)
{
    if (in->dirty)
        return;
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    in->held_fd = real_open(link, O_RDWR | O_CLOEXEC);
    if (in->held_fd < 0)
        say("powercut: cannot reopen fd %d: %s (its content will not be restored)\n", fd,
            strerror(errno));
    in->dirty = true;
}

/* Saves the durable bytes [off, off+len) about to be overwritten. */
static void save_range(inode_t *in, off_t off, size_t len)
{
    if (off >= in->durable_size || len == 0 || in->held_fd < 0)
        return;
    if ((off_t)len > in->durable_size - off)
        len = (size_t)(in->durable_size - off);
    undo_t *u = malloc(sizeof *u);
    unsigned char *b = malloc(len);
    if (!u || !b) {
        free(u);
        free(b);
        return;
    }
    ssize_t got = pread(in->held_fd, b, len, off);
    if (got < 0)
        got = 0;
    u->off = off;
    u->len = (size_t)got;
    u->bytes = b;
    u->next = in->undo;
    in->undo = u;
}

static void mark_durable(inode_t *in, int fd)
{
    struct stat st;
    if (fstat(fd, &st) == 0)
        in->durable_size = st.st_size;
    while (in->undo) {
        undo_t *u = in->undo;
        in->undo = u->next;
        free(u->bytes);
        free(u);
    }
    if (in->held_fd >= 0)
        real_close(in->held_fd);
    in->held_fd = -1;
    in->dirty = false;
}

/* Before a write of len bytes at off (off < 0: at the fd's position). */
static inode_t *before_write(int fd, off_t off, size_t len)
{
    inode_t *in = fd_tracked(fd);
    if (!in)
        return NULL;
    if (off < 0) {
        int fl = fcntl(fd, F_GETFL);
        struct stat st;
        if (fl >= 0 && (fl & O_APPEND) && fstat(fd, &st) == 0)
            off = st.st_size;
        else
            off = lseek(fd, 0, SEEK_CUR);
    }
    make_dirty(in, fd);
    if (off >= 0)
        save_range(in, off, len);
    return in;
}

static void after_write(inode_t *in, int fd)
{
    if (in && in->sync_always)
        mark_durable(in, fd);
}

static nsop_t *new_op(int kind)
{
    if (n_ops == cap_ops) {
        size_t nc = cap_ops ? cap_ops * 2 : 64;
        nsop_t **v = realloc(ops, nc * sizeof *v);
        if (!v)
            return NULL;
        ops = v;
        cap_ops = nc;
    }
    nsop_t *op = calloc(1, sizeof *op);
    if (!op)
        return NULL;
    op->kind = kind;
    ops[n_ops++] = op;
    return op;
}

static void drop_op(size_t i)
{
    if (ops[i]->backup[0])
        real_unlink(ops[i]->backup);
    free(ops[i]);
    memmove(&ops[i], &ops[i + 1], (n_ops - i - 1) * sizeof *ops);
    n_ops--;
}

/* A hard link to abs in POWERCUT_DIR (out = its path), or "" when abs is absent. */
static void backup_of(const char *abs, char *out)
{
    out[0] = 0;
    struct stat st;
    if (lstat(abs, &st) != 0)
        return;
    if (snprintf(out, PATH_MAX, "%.3000s/backup-%d-%u", pcdir, (int)getpid(), ++backup_seq) >=
            PATH_MAX ||
        link(abs, out) != 0) {
        say("powercut: cannot keep %s: %s (not restorable)\n", abs, strerror(errno));
        out[0] = 0;
    }
}

static void dir_synced(dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < n_ops;) {
        nsop_t *op = ops[i];
        bool all = true;
        for (int d = 0; d < op->ndirs; d++) {
            if (op->dir_dev[d] == dev && op->dir_ino[d] == ino)
                op->dir_synced[d] = true;
            all = all && op->dir_synced[d];
        }
        if (all)
            drop_op(i);
        else
            i++;
    }
}

/* ---- the cut ----------------------------------------------------------------------- */

static void cut_locked(const char *why)
{
    size_t files = 0, bytes_lost = 0, nundo = 0;
    for (size_t i = 0; i < n_inodes; i++) {
        inode_t *in = &inodes[i];
        if (!in->dirty || in->held_fd < 0)
            continue;
        struct stat st;
        if (fstat(in->held_fd, &st) == 0 && st.st_size > in->durable_size)
            bytes_lost += (size_t)(st.st_size - in->durable_size);
        (void)!real_ftruncate(in->held_fd, in->durable_size);
        for (undo_t *u = in->undo; u; u = u->next) /* newest first */
            (void)!real_pwrite(in->held_fd, u->bytes, u->len, u->off);
        real_fsync(in->held_fd);
        files++;
    }
    for (size_t k = n_ops; k-- > 0;) {
        nsop_t *op = ops[k];
        nundo++;
        switch (op->kind) {
        case OP_CREATE:
            real_unlink(op->a);
            break;
        case OP_RENAME:
            real_rename(op->b, op->a);
            if (op->backup[0])
                real_rename(op->backup, op->b);
            break;
        case OP_UNLINK:
            if (op->backup[0])
                real_rename(op->backup, op->a);
            break;
        }
    }
    say("powercut: cut (%s): %zu file(s) put back to their synced content (%zu unsynced bytes "
        "dropped), %zu directory change(s) undone\n", why, files, bytes_lost, nundo);
    kill(getpid(), SIGKILL);
    for (;;)
        pause();
}

static void *watcher(void *arg)
{
    (void)arg;
    char trig[PATH_MAX + 8], arm[PATH_MAX + 20];
    snprintf(trig, sizeof trig, "%s/cut", pcdir);
    snprintf(arm, sizeof arm, "%s/cut-after-syncs", pcdir);
    struct timespec ts = {0, 1000000};
    for (;;) {
        struct stat st;
        if (stat(trig, &st) == 0) {
            pthread_mutex_lock(&lock);
            real_unlink(trig);
            cut_locked("triggered");
        }
        if (stat(arm, &st) == 0) {
            char buf[32] = {0};
            int fd = real_open(arm, O_RDONLY | O_CLOEXEC);
            ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
            if (fd >= 0)
                real_close(fd);
            if (n > 0) {
                pthread_mutex_lock(&lock);
                cut_at_sync = sync_count + atol(buf);
                real_unlink(arm);
                pthread_mutex_unlock(&lock);
            }
        }
        nanosleep(&ts, NULL);
    }
    return NULL;
}

__attribute__((constructor)) static void powercut_init(void)
{
    RESOLVE(open);
    RESOLVE(open64);
    RESOLVE(openat);
    RESOLVE(openat64);
    RESOLVE(creat);
    RESOLVE(close);
    RESOLVE(write);
    RESOLVE(pwrite);
    RESOLVE(pwrite64);
    RESOLVE(writev);
    RESOLVE(pwritev);
    RESOLVE(pwritev64);
    RESOLVE(pwritev2);
    RESOLVE(fsync);
    RESOLVE(fdatasync);
    RESOLVE(ftruncate);
    RESOLVE(ftruncate64);
    RESOLVE(rename);
    RESOLVE(renameat);
    RESOLVE(renameat2);
    RESOLVE(unlink);
    RESOLVE(unlinkat);
    const char *r = getenv("POWERCUT_ROOT"), *d = getenv("POWERCUT_DIR");
    if (!r || r[0] != '/' || !d || d[0] != '/')
        return; /* inert */
    snprintf(root, sizeof root, "%s", r);
    root_len = strlen(root);
    while (root_len > 1 && root[root_len - 1] == '/')
        root[--root_len] = 0;
    snprintf(pcdir, sizeof pcdir, "%s", d);
    active = true;
    pthread_t t;
    if (pthread_create(&t, NULL, watcher, NULL) == 0)
        pthread_detach(t);
}

/* ---- the wrappers ------------------------------------------------------------------ */

static int do_open(int dirfd, const char *path, int flags, mode_t mode,
                   int (*call)(int, const char *, int, mode_t))
{
    char abs[PATH_MAX];
    if (!active || !abs_path(dirfd, path, abs) || !under_root(abs))
        return call(dirfd, path, flags, mode);
    pthread_mutex_lock(&lock);
    struct stat before;
    bool existed = stat(abs, &before) == 0;
    if (existed && S_ISREG(before.st_mode) && (flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY) {
        /* Truncation at open: keep what was durable. */
        inode_t *in = find_inode(before.st_dev, before.st_ino, true, before.st_size);
        int tmp = real_open(abs, O_RDWR | O_CLOEXEC);
        if (in && tmp >= 0) {
            make_dirty(in, tmp);
            save_range(in, 0, (size_t)before.st_size);
        }
        if (tmp >= 0)
            real_close(tmp);
    }
    int fd = call(dirfd, path, flags, mode);
    if (fd >= 0 && fd < MAX_FD) {
        struct stat st;
        fd_known[fd] = true;
        fd_inode[fd] = 0;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            inode_t *in = find_inode(st.st_dev, st.st_ino, true, existed ? st.st_size : 0);
            if (in && !existed) { /* a reused inode number: a new file */
                mark_durable(in, fd);
                in->durable_size = 0;
            }
            if (in) {
                fd_inode[fd] = (int)(in - inodes) + 1;
                if (flags & (O_SYNC | O_DSYNC))
                    in->sync_always = true;
            }
            if (!existed) {
                nsop_t *op = new_op(OP_CREATE);
                if (op) {
                    snprintf(op->a, sizeof op->a, "%s", abs);
                    op->ndirs = parent_of(abs, &op->dir_dev[0], &op->dir_ino[0]) ? 1 : 0;
                }
            }
        }
    }
    pthread_mutex_unlock(&lock);
    return fd;
}

static int call_open(int dirfd, const char *p, int f, mode_t m)
{
    (void)dirfd;
    return real_open(p, f, m);
}
static int call_open64(int dirfd, const char *p, int f, mode_t m)
{
    (void)dirfd;
    return real_open64(p, f, m);
}
static int call_openat(int dirfd, const char *p, int f, mode_t m)
{
    return real_openat(dirfd, p, f, m);
}
static int call_openat64(int dirfd, const char *p, int f, mode_t m)
{
    return real_openat64(dirfd, p, f, m);
}

#define MODE_ARG(flags, mode)                                                                  \
    mode_t mode = 0;                                                                           \
    if ((flags) & (O_CREAT | __O_TMPFILE)) {                                                   \
        va_list ap;                                                                            \
        va_start(ap, flags);                                                                   \
        mode = (mode_t)va_arg(ap, int);                                                        \
        va_end(ap);                                                                            \
    }

int open(const char *path, int flags, ...)
{
    MODE_ARG(flags, mode);
    return do_open(AT_FDCWD, path, flags, mode, call_open);
}
int open64(const char *path, int flags, ...)
{
    MODE_ARG(flags, mode);
    return do_open(AT_FDCWD, path, flags, mode, call_open64);
}
int openat(int dirfd, const char *path, int flags, ...)
{
    MODE_ARG(flags, mode);
    return do_open(dirfd, path, flags, mode, call_openat);
}
int openat64(int dirfd, const char *path, int flags, ...)
{
    MODE_ARG(flags, mode);
    return do_open(dirfd, path, flags, mode, call_openat64);
}
int creat(const char *path, mode_t mode)
{
    return open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

int close(int fd)
{
    if (!active)
        return real_close(fd);
    pthread_mutex_lock(&lock);
    if (fd >= 0 && fd < MAX_FD) {
        fd_known[fd] = false;
        fd_inode[fd] = 0;
    }
    int rc = real_close(fd);
    pthread_mutex_unlock(&lock);
    return rc;
}

static size_t iov_len(const struct iovec *iov, int n)
{
    size_t t = 0;
    for (int i = 0; i < n; i++)
        t += iov[i].iov_len;
    return t;
}

#define WRAP_WRITE(call, fd, off, len)                                                         \
    do {                                                                                       \
        if (!active)                                                                           \
            return call;                                                                       \
        pthread_mutex_lock(&lock);                                                             \
        inode_t *in_ = before_write(fd, off, len);                                             \
        ssize_t rc_ = call;                                                                    \
        int err_ = errno;                                                                      \
        after_write(in_, fd);                                                                  \
        pthread_mutex_unlock(&lock);                                                           \
        errno = err_;                                                                          \
        return rc_;                                                                            \
    } while (0)

ssize_t write(int fd, const void *b, size_t n)
{
    WRAP_WRITE(real_write(fd, b, n), fd, -1, n);
}
ssize_t pwrite(int fd, const void *b, size_t n, off_t off)
{
    WRAP_WRITE(real_pwrite(fd, b, n, off), fd, off, n);
}
ssize_t pwrite64(int fd, const void *b, size_t n, off_t off)
{
    WRAP_WRITE(real_pwrite64(fd, b, n, off), fd, off, n);
}
ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    WRAP_WRITE(real_writev(fd, iov, cnt), fd, -1, iov_len(iov, cnt));
}
ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    WRAP_WRITE(real_pwritev(fd, iov, cnt, off), fd, off, iov_len(iov, cnt));
}
ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off)
{
    WRAP_WRITE(real_pwritev64(fd, iov, cnt, off), fd, off, iov_len(iov, cnt));
}
ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int fl)
{
    WRAP_WRITE(real_pwritev2(fd, iov, cnt, off, fl), fd, off, iov_len(iov, cnt));
}

static int do_ftruncate(int fd, off_t len, int (*call)(int, off_t))
{
    if (!active)
        return call(fd, len);
    pthread_mutex_lock(&lock);
    inode_t *in = fd_tracked(fd);
    if (in) {
        make_dirty(in, fd);
        if (len < in->durable_size)
            save_range(in, len, (size_t)(in->durable_size - len));
    }
    int rc = call(fd, len);
    int err = errno;
    pthread_mutex_unlock(&lock);
    errno = err;
    return rc;
}
int ftruncate(int fd, off_t len)
{
    return do_ftruncate(fd, len, real_ftruncate);
}
int ftruncate64(int fd, off_t len)
{
    return do_ftruncate(fd, len, real_ftruncate64);
}

static int do_sync(int fd, int (*call)(int))
{
    if (!active)
        return call(fd);
    pthread_mutex_lock(&lock);
    struct stat st;
    bool is_dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
    inode_t *in = is_dir ? NULL : fd_tracked(fd);
    if (in && ++sync_count == cut_at_sync)
        cut_locked("instead of a sync");
    int rc = call(fd);
    int err = errno;
    if (rc == 0) {
        if (is_dir)
            dir_synced(st.st_dev, st.st_ino);
        else if (in)
            mark_durable(in, fd);
    }
    pthread_mutex_unlock(&lock);
    errno = err;
    return rc;
}
int fsync(int fd)
{
    return do_sync(fd, real_fsync);
}
int fdatasync(int fd)
{
    return do_sync(fd, real_fdatasync);
}

static int do_rename(int olddir, const char *oldp, int newdir, const char *newp,
                     int (*call)(void *), void *ctx)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (!active || !abs_path(olddir, oldp, a) || !abs_path(newdir, newp, b) ||
        !(under_root(a) || under_root(b)))
        return call(ctx);
    pthread_mutex_lock(&lock);
    nsop_t *op = new_op(OP_RENAME);
    if (op) {
        snprintf(op->a, sizeof op->a, "%s", a);
        snprintf(op->b, sizeof op->b, "%s", b);
        backup_of(b, op->backup);
        op->ndirs = 0;
        if (parent_of(a, &op->dir_dev[0], &op->dir_ino[0]))
            op->ndirs = 1;
        if (parent_of(b, &op->dir_dev[op->ndirs], &op->dir_ino[op->ndirs]))
            op->ndirs++;
    }
    int rc = call(ctx);
    int err = errno;
    if (rc != 0 && op) {
        if (op->backup[0])
            real_unlink(op->backup);
        free(op);
        n_ops--;
    }
    pthread_mutex_unlock(&lock);
    errno = err;
    return rc;
}

struct rn {
    int od;
    const char *o;
    int nd;
    const char *n;
    unsigned fl;
    int how;
};
static int call_rename(void *p)
{
    struct rn *r = p;
    if (r->how == 0)
        return real_rename(r->o, r->n);
    if (r->how == 1)
        return real_renameat(r->od, r->o, r->nd, r->n);
    return real_renameat2(r->od, r->o, r->nd, r->n, r->fl);
}
int rename(const char *o, const char *n)
{
    struct rn r = {AT_FDCWD, o, AT_FDCWD, n, 0, 0};
    return do_rename(AT_FDCWD, o, AT_FDCWD, n, call_rename, &r);
}
int renameat(int od, const char *o, int nd, const char *n)
{
    struct rn r = {od, o, nd, n, 0, 1};
    return do_rename(od, o, nd, n, call_rename, &r);
}
int renameat2(int od, const char *o, int nd, const char *n, unsigned fl)
{
    struct rn r = {od, o, nd, n, fl, 2};
    return do_rename(od, o, nd, n, call_rename, &r);
}

static int do_unlink(int dirfd, const char *path, int flags)
{
    char a[PATH_MAX];
    bool plain = dirfd == AT_FDCWD && flags == 0;
    if (!active || (flags & AT_REMOVEDIR) || !abs_path(dirfd, path, a) || !under_root(a))
        return plain ? real_unlink(path) : real_unlinkat(dirfd, path, flags);
    pthread_mutex_lock(&lock);
    nsop_t *op = new_op(OP_UNLINK);
    if (op) {
        snprintf(op->a, sizeof op->a, "%s", a);
        backup_of(a, op->backup);
        op->ndirs = parent_of(a, &op->dir_dev[0], &op->dir_ino[0]) ? 1 : 0;
    }
    int rc = plain ? real_unlink(path) : real_unlinkat(dirfd, path, flags);
    int err = errno;
    if (rc != 0 && op) {
        if (op->backup[0])
            real_unlink(op->backup);
        free(op);
        n_ops--;
    }
    pthread_mutex_unlock(&lock);
    errno = err;
    return rc;
}
int unlink(const char *path)
{
    return do_unlink(AT_FDCWD, path, 0);
}
int unlinkat(int dirfd, const char *path, int flags)
{
    return do_unlink(dirfd, path, flags);
}
