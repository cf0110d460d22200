/* Test-only LD_PRELOAD shim: a disk that is full on demand. While the file
 * named by $AETHER_ENOSPC_FLAG exists, every write, preallocation and sync
 * of a file under $AETHER_ENOSPC_DIR fails with ENOSPC, as on a full
 * filesystem; remove the flag file and space "returns". Used by
 * chain_node_cli to show that a full disk halts block production cleanly
 * and that the node resumes afterwards (issue 19 finding 7), without
 * needing root for a small tmpfs. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static int full(int fd)
{
    const char *flag = getenv("AETHER_ENOSPC_FLAG");
    const char *dir = getenv("AETHER_ENOSPC_DIR");
    struct stat sb;
    if (!flag || !dir || !*dir || stat(flag, &sb) != 0)
        return 0;
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0)
        return 0;
    target[n] = 0;
    size_t dl = strlen(dir);
    if (strncmp(target, dir, dl) != 0 || (target[dl] != '/' && target[dl] != 0))
        return 0;
    errno = ENOSPC;
    return 1;
}

#define REAL(ret, name, ...)                                                                  \
    static ret (*real)(__VA_ARGS__);                                                          \
    if (!real)                                                                                \
        *(void **)&real = dlsym(RTLD_NEXT, name);

ssize_t write(int fd, const void *buf, size_t n)
{
    REAL(ssize_t, "write", int, const void *, size_t);
    return full(fd) ? -1 : real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    REAL(ssize_t, "pwrite", int, const void *, size_t, off_t);
    return full(fd) ? -1 : real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    REAL(ssize_t, "pwrite64", int, const void *, size_t, off_t);
    return full(fd) ? -1 : real(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    REAL(ssize_t, "writev", int, const struct iovec *, int);
    return full(fd) ? -1 : real(fd, iov, cnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    REAL(ssize_t, "pwritev", int, const struct iovec *, int, off_t);
    return full(fd) ? -1 : real(fd, iov, cnt, off);
}

int fallocate(int fd, int mode, off_t off, off_t len)
{
    REAL(int, "fallocate", int, int, off_t, off_t);
    return full(fd) ? -1 : real(fd, mode, off, len);
}

int fallocate64(int fd, int mode, off_t off, off_t len)
{
    REAL(int, "fallocate64", int, int, off_t, off_t);
    return full(fd) ? -1 : real(fd, mode, off, len);
}

int posix_fallocate(int fd, off_t off, off_t len)
{
    REAL(int, "posix_fallocate", int, off_t, off_t);
    return full(fd) ? ENOSPC : real(fd, off, len);
}

int fsync(int fd)
{
    REAL(int, "fsync", int);
    return full(fd) ? -1 : real(fd);
}

int fdatasync(int fd)
{
    REAL(int, "fdatasync", int);
    return full(fd) ? -1 : real(fd);
}
