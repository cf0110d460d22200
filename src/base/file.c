/*
 * base/file: reading whole files with a size cap, and crash-safe writes.
 *
 * file_write_atomic follows the classic recipe: write a uniquely named temp
 * file in the same directory, fsync it, rename it over the target (or link()
 * it, for exclusive creation, which fails if the target exists, so two
 * processes racing to create an identity cannot both win), then fsync the
 * directory so the rename itself is durable.
 */
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read_all(const char *path, size_t max, uint8_t **data, size_t *len, err_t *e)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, errno == ENOENT ? BASE_ENOENT : BASE_EIO, "%s: %s", path,
                       strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int rc = err_set(e, BASE_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        return rc;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return err_set(e, BASE_EINVAL, "%s: is a directory", path);
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
        close(fd);
        return err_set(e, BASE_ENOMEM, "%s: file is %lld bytes, limit is %zu", path,
                       (long long)st.st_size, max);
    }
    /* Read at most max + 1 bytes: one more than allowed proves the file too big
     * (for pipes and files that grow while we read). */
    buf_t b;
    buf_init(&b, max < SIZE_MAX / 4 ? max + 2 : 0);
    for (;;) {
        size_t want = max + 1 - b.len;
        if (want > 65536)
            want = 65536;
        if (buf_reserve(&b, want) != BASE_OK) {
            buf_free(&b);
            close(fd);
            return err_set(e, BASE_ENOMEM, "%s: out of memory", path);
        }
        ssize_t r = read(fd, b.data + b.len, want);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int rc = err_set(e, BASE_EIO, "%s: %s", path, strerror(errno));
            buf_free(&b);
            close(fd);
            return rc;
        }
        if (r == 0)
            break;
        b.len += (size_t)r;
        if (b.len > max) {
            buf_free(&b);
            close(fd);
            return err_set(e, BASE_ENOMEM, "%s: larger than the limit of %zu bytes", path, max);
        }
    }
    close(fd);
    if (buf_terminate(&b) != BASE_OK) {
        buf_free(&b);
        return err_set(e, BASE_ENOMEM, "%s: out of memory", path);
    }
    *data = buf_steal(&b, len);
    return BASE_OK;
}

static int dir_of(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, cap, ".");
        return 0;
    }
    size_t n = (size_t)(slash - path);
    if (n == 0)
        n = 1; /* "/file" */
    if (n >= cap)
        return -1;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                      bool exclusive, err_t *e)
{
    char dir[PATH_MAX];
    char tmp[PATH_MAX];
    if (dir_of(path, dir, sizeof dir) != 0 ||
        snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
        return err_set(e, BASE_EINVAL, "%s: path too long", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return err_set(e, BASE_EIO, "%s: cannot create temp file: %s", path, strerror(errno));
    int rc = BASE_OK;
    if (fchmod(fd, (mode_t)mode) != 0) {
        rc = err_set(e, BASE_EIO, "%s: chmod: %s", tmp, strerror(errno));
        goto fail;
    }
    const uint8_t *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            rc = err_set(e, BASE_EIO, "%s: write: %s", tmp, strerror(errno));
            goto fail;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        rc = err_set(e, BASE_EIO, "%s: fsync: %s", tmp, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = err_set(e, BASE_EIO, "%s: close: %s", tmp, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (exclusive) {
        if (link(tmp, path) != 0) {
            rc = errno == EEXIST ? err_set(e, BASE_EINVAL, "%s: already exists", path)
                                 : err_set(e, BASE_EIO, "%s: %s", path, strerror(errno));
            goto fail;
        }
        unlink(tmp);
    } else if (rename(tmp, path) != 0) {
        rc = err_set(e, BASE_EIO, "%s: rename: %s", path, strerror(errno));
        goto fail;
    }
    if (fsync_dir(dir) != 0)
        return err_set(e, BASE_EIO, "%s: fsync of directory: %s", dir, strerror(errno));
    return BASE_OK;

fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return rc;
}

int file_mkdirs(const char *path, unsigned mode, err_t *e)
{
    char p[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof p)
        return err_set(e, BASE_EINVAL, "mkdir: bad path length %zu", n);
    memcpy(p, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char saved = p[i];
        p[i] = '\0';
        if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
            int rc = err_set(e, BASE_EIO, "mkdir %s: %s", p, strerror(errno));
            p[i] = saved;
            return rc;
        }
        p[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return err_set(e, BASE_EIO, "mkdir %s: not a directory", path);
    return BASE_OK;
}
