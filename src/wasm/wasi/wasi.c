/*
 * wasm/wasi: WASI preview1 host functions (see wasi.h for the scope).
 *
 * Every guest pointer is a u32 offset checked through awasm_memory_ptr()
 * before use; a bad pointer is EFAULT for the guest, never a host fault.
 * Layouts follow the preview1 witx (wasi_snapshot_preview1.witx):
 *   iovec / ciovec   {buf u32 @0, len u32 @4}                       8 bytes
 *   fdstat           {filetype u8 @0, flags u16 @2, rights_base u64 @8,
 *                     rights_inheriting u64 @16}                   24 bytes
 *   subscription     {userdata u64 @0, tag u8 @8, clock: {id u32 @16,
 *                     timeout u64 @24, precision u64 @32, flags u16 @40}
 *                     or fd_readwrite: {fd u32 @16}}                48 bytes
 *   event            {userdata u64 @0, error u16 @8, type u8 @10,
 *                     fd_readwrite: {nbytes u64 @16, flags u16 @24}} 32 bytes
 */
#include "wasi.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* The signature of one ENOSYS stub, kept until wasi_free(). */
typedef struct wasi_stub {
    struct wasi_stub *next;
    uint32_t n_results;
    awasm_valtype_t results[AWASM_SIG_MAX];
} wasi_stub_t;

struct wasi {
    wasi_stub_t *stubs;
    char **argv;
    size_t argc;
    size_t args_bytes;
    char **envp;
    size_t envc;
    size_t env_bytes;
    wasi_io_t io;
    bool closed[3];
    bool seeded;
    uint32_t chacha_key[8];
    uint64_t chacha_counter;
    uint8_t chacha_buf[64];
    size_t chacha_avail;
    atomic_bool cancelled;
    bool virtual_clocks;
    uint64_t clock_base;   /* realtime of virtual time 0, ns */
    uint64_t vtime;        /* virtual monotonic time, ns */
};

/* ---- helpers --------------------------------------------------------------- */

static uint32_t u32_arg(const awasm_val_t *a)
{
    return (uint32_t)a->of.i32;
}

static void *guest(awasm_ctx_t *ctx, uint32_t off, uint64_t len)
{
    awasm_memory_t *mem = awasm_ctx_memory(ctx);
    return mem ? awasm_memory_ptr(mem, off, len) : NULL;
}

/* Fuel for host work (see wasi.h, "Fuel"): charged before the work it pays
 * for, one slice at a time, so the charge is the same on every machine. */
#define FUEL_PER_IOVEC 4u            /* each iovec of fd_read / fd_write */
#define FUEL_BYTES_PER_UNIT 8u       /* bytes moved by fd_read/fd_write/args/environ */
#define FUEL_PER_RANDOM_BYTE 1u      /* random_get: a ChaCha20 or getrandom byte */
#define FUEL_PER_STRING 4u           /* each args_get / environ_get pointer */
#define FUEL_PER_SUBSCRIPTION 16u    /* each poll_oneoff subscription */
#define IO_SLICE (1u << 20)          /* bytes per fd_read/fd_write callback */
#define RANDOM_SLICE (1u << 16)      /* bytes per random_get slice */
#define IOVEC_SLICE (1u << 16)       /* iovecs between interrupt polls */
#define MAX_SUBSCRIPTIONS (1u << 16) /* per poll_oneoff call: bounds its host copy */

static uint64_t byte_units(uint64_t n)
{
    return (n + FUEL_BYTES_PER_UNIT - 1) / FUEL_BYTES_PER_UNIT;
}

static int ret(awasm_val_t *results, int errno_)
{
    results[0].of.i32 = errno_;
    return 0;
}

/* Writes a u32 result through a guest pointer. */
static int out_u32(awasm_ctx_t *ctx, uint32_t ptr, uint32_t v)
{
    uint8_t *p = guest(ctx, ptr, 4);
    if (!p)
        return WASI_EFAULT;
    store_le32(p, v);
    return WASI_ESUCCESS;
}

/* ---- args and environ ---------------------------------------------------- */

static int sizes_get(awasm_ctx_t *ctx, const awasm_val_t *args, awasm_val_t *results, size_t n,
                     size_t bytes)
{
    int rc = out_u32(ctx, u32_arg(&args[0]), (uint32_t)n);
    if (rc == WASI_ESUCCESS)
        rc = out_u32(ctx, u32_arg(&args[1]), (uint32_t)bytes);
    return ret(results, rc);
}

static int strings_get(awasm_ctx_t *ctx, const awasm_val_t *args, awasm_val_t *results,
                       char *const *strs, size_t n, size_t bytes)
{
    uint32_t ptrs = u32_arg(&args[0]), buf = u32_arg(&args[1]);
    uint8_t *pp = guest(ctx, ptrs, (uint64_t)n * 4);
    uint8_t *bp = guest(ctx, buf, bytes);
    if (!pp || !bp)
        return ret(results, WASI_EFAULT);
    int trap = awasm_ctx_charge(ctx, (uint64_t)n * FUEL_PER_STRING + byte_units(bytes));
    if (trap)
        return trap;
    uint32_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(strs[i]) + 1;
        store_le32(pp + 4 * i, buf + off);
        memcpy(bp + off, strs[i], len);
        off += (uint32_t)len;
    }
    return ret(results, WASI_ESUCCESS);
}

static int h_args_sizes_get(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    wasi_t *w = u;
    return sizes_get(ctx, a, r, w->argc, w->args_bytes);
}

static int h_args_get(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    wasi_t *w = u;
    return strings_get(ctx, a, r, w->argv, w->argc, w->args_bytes);
}

static int h_environ_sizes_get(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    wasi_t *w = u;
    return sizes_get(ctx, a, r, w->envc, w->env_bytes);
}

static int h_environ_get(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    wasi_t *w = u;
    return strings_get(ctx, a, r, w->envp, w->envc, w->env_bytes);
}

/* ---- clocks ----------------------------------------------------------------- */

static bool clock_of(uint32_t id, clockid_t *out)
{
    static const clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
                                    CLOCK_THREAD_CPUTIME_ID};
    if (id >= 4)
        return false;
    *out = ids[id];
    return true;
}

static uint64_t ns_of(const struct timespec *t)
{
    return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

#define VIRTUAL_TICK 1000u /* ns a virtual clock advances per reading */

/* Reads clock id (0 realtime, 1 monotonic, 2 process, 3 thread CPU time).
 * With virtual clocks every reading advances one shared counter by 1 us, so
 * time moves forward but is the same on every run. */
static bool read_clock(wasi_t *w, uint32_t id, uint64_t *ns)
{
    if (w->virtual_clocks) {
        if (id >= 4)
            return false;
        w->vtime += VIRTUAL_TICK;
        *ns = id == 0 ? w->clock_base + w->vtime : w->vtime;
        return true;
    }
    clockid_t cid;
    struct timespec t;
    if (!clock_of(id, &cid) || clock_gettime(cid, &t) != 0)
        return false;
    *ns = ns_of(&t);
    return true;
}

static int h_clock_res_get(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    wasi_t *w = u;
    clockid_t id;
    struct timespec t = {0, VIRTUAL_TICK};
    if (!clock_of(u32_arg(&a[0]), &id))
        return ret(r, WASI_EINVAL);
    if (!w->virtual_clocks && clock_getres(id, &t) != 0)
        return ret(r, WASI_EINVAL);
    uint8_t *p = guest(ctx, u32_arg(&a[1]), 8);
    if (!p)
        return ret(r, WASI_EFAULT);
    store_le64(p, ns_of(&t));
    return ret(r, WASI_ESUCCESS);
}

static int h_clock_time_get(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    wasi_t *w = u;
    uint64_t ns;
    if (!read_clock(w, u32_arg(&a[0]), &ns))
        return ret(r, WASI_EINVAL);
    uint8_t *p = guest(ctx, u32_arg(&a[2]), 8);
    if (!p)
        return ret(r, WASI_EFAULT);
    store_le64(p, ns);
    return ret(r, WASI_ESUCCESS);
}

/* ---- random ------------------------------------------------------------------ */

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define QR(a, b, c, d)                                                                            \
    do {                                                                                          \
        a += b, d ^= a, d = ROTL(d, 16);                                                          \
        c += d, b ^= c, b = ROTL(b, 12);                                                          \
        a += b, d ^= a, d = ROTL(d, 8);                                                           \
        c += d, b ^= c, b = ROTL(b, 7);                                                           \
    } while (0)

/* RFC 8439 §2.3 block function with a 64-bit counter and a zero nonce. */
static void chacha_block(wasi_t *w)
{
    uint32_t s[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
    memcpy(s + 4, w->chacha_key, 32);
    s[12] = (uint32_t)w->chacha_counter;
    s[13] = (uint32_t)(w->chacha_counter >> 32);
    s[14] = s[15] = 0;
    uint32_t x[16];
    memcpy(x, s, sizeof x);
    for (int i = 0; i < 10; i++) {
        QR(x[0], x[4], x[8], x[12]);
        QR(x[1], x[5], x[9], x[13]);
        QR(x[2], x[6], x[10], x[14]);
        QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]);
        QR(x[1], x[6], x[11], x[12]);
        QR(x[2], x[7], x[8], x[13]);
        QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++)
        store_le32(w->chacha_buf + 4 * i, x[i] + s[i]);
    w->chacha_counter++;
    w->chacha_avail = 64;
}

static int random_fill(wasi_t *w, uint8_t *p, uint32_t len);

static int h_random_get(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    wasi_t *w = u;
    uint32_t len = u32_arg(&a[1]);
    uint8_t *p = guest(ctx, u32_arg(&a[0]), len);
    if (!p)
        return ret(r, WASI_EFAULT);
    while (len > 0) {
        /* one slice at a time: fuel first, and a timeout stops it */
        uint32_t slice = len < RANDOM_SLICE ? len : RANDOM_SLICE;
        int trap = awasm_ctx_charge(ctx, (uint64_t)slice * FUEL_PER_RANDOM_BYTE);
        if (trap)
            return trap;
        if (random_fill(w, p, slice) != 0)
            return ret(r, WASI_EIO);
        p += slice;
        len -= slice;
    }
    return ret(r, WASI_ESUCCESS);
}

/* Fills p[0..len) from the seeded stream or the OS generator; -1 on error. */
static int random_fill(wasi_t *w, uint8_t *p, uint32_t len)
{
    while (len > 0) {
        size_t n;
        if (w->seeded) {
            if (w->chacha_avail == 0)
                chacha_block(w);
            n = len < w->chacha_avail ? len : w->chacha_avail;
            memcpy(p, w->chacha_buf + 64 - w->chacha_avail, n);
            w->chacha_avail -= n;
        } else {
            ssize_t got = getrandom(p, len, 0);
            if (got < 0) {
                if (errno == EINTR)
                    continue;
                return -1;
            }
            n = (size_t)got;
        }
        p += n;
        len -= (uint32_t)n;
    }
    return 0;
}

/* ---- file descriptors -------------------------------------------------------- */

static bool open_stream(const wasi_t *w, uint32_t fd)
{
    return fd < 3 && !w->closed[fd];
}

static int h_fd_read(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    wasi_t *w = u;
    uint32_t fd = u32_arg(&a[0]), iovs = u32_arg(&a[1]), n_iovs = u32_arg(&a[2]);
    if (!open_stream(w, fd))
        return ret(r, WASI_EBADF);
    if (fd != 0)
        return ret(r, WASI_EBADF); /* stdout/stderr are not readable */
    const uint8_t *iov = guest(ctx, iovs, (uint64_t)n_iovs * 8);
    if (!iov)
        return ret(r, WASI_EFAULT);
    int trap = awasm_ctx_charge(ctx, (uint64_t)n_iovs * FUEL_PER_IOVEC);
    if (trap)
        return trap;
    uint64_t total = 0;
    for (uint32_t i = 0; i < n_iovs; i++) {
        if ((i & (IOVEC_SLICE - 1)) == IOVEC_SLICE - 1 && (trap = awasm_ctx_charge(ctx, 0)))
            return trap;
        uint32_t len = load_le32(iov + 8 * i + 4);
        uint8_t *dst = guest(ctx, load_le32(iov + 8 * i), len);
        if (!dst)
            return ret(r, WASI_EFAULT);
        if (len == 0)
            continue;
        /* at most IO_SLICE bytes per call: a short read, as POSIX allows */
        uint32_t want = len < IO_SLICE ? len : IO_SLICE;
        ssize_t got = w->io.read ? w->io.read(w->io.user, dst, want) : 0;
        if (got < 0 && (trap = awasm_ctx_charge(ctx, 0)))
            return trap; /* the read was cut short by a timeout */
        if (got < 0) {
            if (total > 0)
                break; /* report what was read; the error comes next call */
            return ret(r, (int)-got);
        }
        total += (uint64_t)got;
        if ((trap = awasm_ctx_charge(ctx, byte_units((uint64_t)got))))
            return trap;
        if ((size_t)got < len)
            break; /* short read: do not block for more */
    }
    return ret(r, out_u32(ctx, u32_arg(&a[3]), (uint32_t)total));
}

static int h_fd_write(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    wasi_t *w = u;
    uint32_t fd = u32_arg(&a[0]), iovs = u32_arg(&a[1]), n_iovs = u32_arg(&a[2]);
    if (!open_stream(w, fd) || fd == 0)
        return ret(r, WASI_EBADF);
    const uint8_t *iov = guest(ctx, iovs, (uint64_t)n_iovs * 8);
    if (!iov)
        return ret(r, WASI_EFAULT);
    int trap = awasm_ctx_charge(ctx, (uint64_t)n_iovs * FUEL_PER_IOVEC);
    if (trap)
        return trap;
    uint64_t total = 0;
    int rc = 0;
    for (uint32_t i = 0; i < n_iovs && rc == 0; i++) {
        if ((i & (IOVEC_SLICE - 1)) == IOVEC_SLICE - 1 && (trap = awasm_ctx_charge(ctx, 0)))
            return trap;
        uint32_t len = load_le32(iov + 8 * i + 4);
        const uint8_t *src = guest(ctx, load_le32(iov + 8 * i), len);
        if (!src)
            return ret(r, WASI_EFAULT);
        /* slice by slice: fuel first, and a timeout stops a long write */
        for (uint32_t off = 0; off < len;) {
            uint32_t n = len - off < IO_SLICE ? len - off : IO_SLICE;
            if ((trap = awasm_ctx_charge(ctx, byte_units(n))))
                return trap;
            rc = w->io.write ? w->io.write(w->io.user, (int)fd, src + off, n) : 0;
            if (rc != 0)
                break;
            total += n;
            off += n;
        }
    }
    if (rc != 0 && total == 0)
        return ret(r, rc);
    if (total > UINT32_MAX)
        total = UINT32_MAX;
    return ret(r, out_u32(ctx, u32_arg(&a[3]), (uint32_t)total));
}

static int h_fd_close(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    wasi_t *w = u;
    uint32_t fd = u32_arg(&a[0]);
    if (!open_stream(w, fd))
        return ret(r, WASI_EBADF);
    w->closed[fd] = true;
    return ret(r, WASI_ESUCCESS);
}

#define RIGHT_FD_READ (1ull << 1)
#define RIGHT_FD_WRITE (1ull << 6)
#define RIGHT_POLL_FD_READWRITE (1ull << 27)

static int h_fd_fdstat_get(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    wasi_t *w = u;
    uint32_t fd = u32_arg(&a[0]);
    if (!open_stream(w, fd))
        return ret(r, WASI_EBADF);
    uint8_t *p = guest(ctx, u32_arg(&a[1]), 24);
    if (!p)
        return ret(r, WASI_EFAULT);
    memset(p, 0, 24);
    /* filetype unknown (a pipe, as wasmtime reports one): not a tty, so
     * wasi-libc buffers stdout fully instead of line by line. */
    p[0] = 0;
    store_le16(p + 2, 0);
    uint64_t rights = (fd == 0 ? RIGHT_FD_READ : RIGHT_FD_WRITE) | RIGHT_POLL_FD_READWRITE;
    store_le64(p + 8, rights);
    store_le64(p + 16, 0);
    return ret(r, WASI_ESUCCESS);
}

static int h_fd_prestat_get(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    return ret(r, WASI_EBADF); /* no preopened directories: the sandbox has no files */
}

static int h_fd_prestat_dir_name(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    return ret(r, WASI_EBADF);
}

static int h_fd_seek(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    wasi_t *w = u;
    return ret(r, open_stream(w, u32_arg(&a[0])) ? WASI_ESPIPE : WASI_EBADF);
}

/* ---- process --------------------------------------------------------------- */

static int h_proc_exit(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    return awasm_ctx_exit(ctx, a[0].of.i32);
}

static int h_sched_yield(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    return ret(r, WASI_ESUCCESS);
}

/* Sleeps until the monotonic deadline in slices, so wasi_cancel() (the
 * timeout watchdog) ends the sleep within 10 ms. */
static void sleep_until(wasi_t *w, uint64_t deadline)
{
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        uint64_t t = ns_of(&now);
        if (t >= deadline || atomic_load(&w->cancelled))
            return;
        uint64_t left = deadline - t;
        if (left > 10000000u)
            left = 10000000u;
        struct timespec d = {0, (long)left};
        nanosleep(&d, NULL);
    }
}

#define SUB_SIZE 48
#define EVENT_SIZE 32
#define EVENTTYPE_CLOCK 0
#define EVENTTYPE_FD_READ 1
#define EVENTTYPE_FD_WRITE 2
#define SUBCLOCK_ABSTIME 1

/* Deadline of a clock subscription on the monotonic clock, in ns. */
static bool clock_deadline(wasi_t *w, const uint8_t *sub, uint64_t *deadline)
{
    uint32_t id = load_le32(sub + 16);
    uint64_t timeout = load_le64(sub + 24);
    uint16_t flags = (uint16_t)(sub[40] | sub[41] << 8);
    uint64_t now, m;
    if (!read_clock(w, id, &now) || !read_clock(w, 1, &m))
        return false;
    uint64_t rel = timeout;
    if (flags & SUBCLOCK_ABSTIME)
        rel = timeout > now ? timeout - now : 0;
    *deadline = rel > UINT64_MAX - m ? UINT64_MAX : m + rel;
    return true;
}

static int h_poll_oneoff(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    wasi_t *w = u;
    uint32_t n = u32_arg(&a[2]);
    if (n == 0 || n > MAX_SUBSCRIPTIONS)
        return ret(r, WASI_EINVAL);
    const uint8_t *gsubs = guest(ctx, u32_arg(&a[0]), (uint64_t)n * SUB_SIZE);
    uint8_t *events = guest(ctx, u32_arg(&a[1]), (uint64_t)n * EVENT_SIZE);
    if (!gsubs || !events || !guest(ctx, u32_arg(&a[3]), 4))
        return ret(r, WASI_EFAULT);
    int trap = awasm_ctx_charge(ctx, (uint64_t)n * FUEL_PER_SUBSCRIPTION);
    if (trap)
        return trap;
    /* The guest may let the event array overlap the subscriptions: work on a
     * copy of them. Deadlines are fixed once, on entry; UINT64_MAX marks a
     * bad clock id. */
    uint64_t *deadline = calloc(n, sizeof *deadline);
    uint8_t *subs = malloc((size_t)n * SUB_SIZE);
    if (!deadline || !subs) {
        free(deadline);
        free(subs);
        return ret(r, WASI_ENOMEM);
    }
    memcpy(subs, gsubs, (size_t)n * SUB_SIZE);
    /* Stream subscriptions are always ready; clocks wait only when nothing
     * else is ready. */
    uint32_t n_ev = 0;
    uint64_t earliest = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = subs + (size_t)i * SUB_SIZE;
        uint8_t tag = s[8];
        if (tag == EVENTTYPE_CLOCK) {
            if (!clock_deadline(w, s, &deadline[i]))
                deadline[i] = UINT64_MAX;
            else if (deadline[i] < earliest)
                earliest = deadline[i];
            continue;
        }
        uint8_t *ev = events + (size_t)n_ev++ * EVENT_SIZE;
        memset(ev, 0, EVENT_SIZE);
        memcpy(ev, s, 8);
        ev[10] = tag;
        uint32_t fd = load_le32(s + 16);
        if (tag > EVENTTYPE_FD_WRITE)
            store_le16(ev + 8, WASI_EINVAL);
        else if (!open_stream(w, fd) || (tag == EVENTTYPE_FD_READ) != (fd == 0))
            store_le16(ev + 8, WASI_EBADF);
    }
    bool any_bad = false;
    for (uint32_t i = 0; i < n; i++)
        any_bad |= subs[(size_t)i * SUB_SIZE + 8] == EVENTTYPE_CLOCK && deadline[i] == UINT64_MAX;
    bool wait = n_ev == 0 && !any_bad && earliest != UINT64_MAX;
    uint64_t now;
    if (w->virtual_clocks) {
        /* Virtual time jumps to the deadline: no real sleep, same result. */
        if (wait && earliest > w->vtime)
            w->vtime = earliest;
        now = w->vtime;
    } else {
        if (wait)
            sleep_until(w, earliest);
        struct timespec mono;
        clock_gettime(CLOCK_MONOTONIC, &mono);
        now = ns_of(&mono);
    }
    bool cancelled = atomic_load(&w->cancelled);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = subs + (size_t)i * SUB_SIZE;
        if (s[8] != EVENTTYPE_CLOCK)
            continue;
        bool bad = deadline[i] == UINT64_MAX;
        /* A cancelled sleep reports its clock as fired, so the guest moves on
         * to the trap that the interrupt delivers next. */
        if (!bad && deadline[i] > now && !cancelled)
            continue;
        uint8_t *ev = events + (size_t)n_ev++ * EVENT_SIZE;
        memset(ev, 0, EVENT_SIZE);
        memcpy(ev, s, 8);
        ev[10] = EVENTTYPE_CLOCK;
        if (bad)
            store_le16(ev + 8, WASI_EINVAL);
    }
    free(deadline);
    free(subs);
    /* A sleep cut short by wasi_cancel() (the timeout) ends the job: the
     * clock event above is only what a guest sees if it is resumed. */
    if (cancelled)
        return awasm_ctx_trap(ctx, AWASM_TRAP_INTERRUPTED, "poll_oneoff sleep cancelled");
    return ret(r, out_u32(ctx, u32_arg(&a[3]), n_ev));
}

/* ---- stubs, table, linking -------------------------------------------------- */

static int h_enosys(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *u)
{
    const wasi_stub_t *t = u;
    for (uint32_t i = 0; i < t->n_results; i++) {
        switch (t->results[i]) {
        case AWASM_I32: r[i].of.i32 = i == 0 ? WASI_ENOSYS : 0; break;
        case AWASM_I64: r[i].of.i64 = 0; break;
        case AWASM_F32: r[i].of.f32_bits = 0; break;
        case AWASM_F64: r[i].of.f64_bits = 0; break;
        default: r[i].of.externref = NULL; break;
        }
    }
    return 0;
}

typedef struct wasi_fn {
    const char *name;
    const char *sig;
    awasm_host_fn_t fn;
} wasi_fn_t;

static const wasi_fn_t functions[] = {
    {"args_get", "(ii)i", h_args_get},
    {"args_sizes_get", "(ii)i", h_args_sizes_get},
    {"environ_get", "(ii)i", h_environ_get},
    {"environ_sizes_get", "(ii)i", h_environ_sizes_get},
    {"clock_res_get", "(ii)i", h_clock_res_get},
    {"clock_time_get", "(iIi)i", h_clock_time_get},
    {"random_get", "(ii)i", h_random_get},
    {"fd_read", "(iiii)i", h_fd_read},
    {"fd_write", "(iiii)i", h_fd_write},
    {"fd_close", "(i)i", h_fd_close},
    {"fd_fdstat_get", "(ii)i", h_fd_fdstat_get},
    {"fd_prestat_get", "(ii)i", h_fd_prestat_get},
    {"fd_prestat_dir_name", "(iii)i", h_fd_prestat_dir_name},
    {"fd_seek", "(iIii)i", h_fd_seek},
    {"proc_exit", "(i)", h_proc_exit},
    {"sched_yield", "()i", h_sched_yield},
    {"poll_oneoff", "(iiii)i", h_poll_oneoff},
};
#define N_FUNCTIONS (sizeof functions / sizeof functions[0])

bool wasi_implements(const char *name)
{
    for (size_t i = 0; i < N_FUNCTIONS; i++)
        if (strcmp(functions[i].name, name) == 0)
            return true;
    return false;
}

/* Writes the signature string of t ("(iI)i") into out. */
static bool sig_string(const awasm_functype_t *t, char *out, size_t cap)
{
    size_t k = 0;
    if (t->n_params > AWASM_SIG_MAX || t->n_results > AWASM_SIG_MAX ||
        (size_t)t->n_params + t->n_results + 3 > cap)
        return false;
    out[k++] = '(';
    for (int pass = 0; pass < 2; pass++) {
        uint32_t n = pass ? t->n_results : t->n_params;
        const awasm_valtype_t *v = pass ? t->results : t->params;
        for (uint32_t i = 0; i < n; i++) {
            char c;
            switch (v[i]) {
            case AWASM_I32: c = 'i'; break;
            case AWASM_I64: c = 'I'; break;
            case AWASM_F32: c = 'f'; break;
            case AWASM_F64: c = 'F'; break;
            case AWASM_EXTERNREF: c = 'r'; break;
            case AWASM_FUNCREF: c = 'c'; break;
            default: return false;
            }
            out[k++] = c;
        }
        if (!pass)
            out[k++] = ')';
    }
    out[k] = '\0';
    return true;
}

int wasi_link(wasi_t *w, const awasm_module_t *m, awasm_imports_t *imps, err_t *e)
{
    uint32_t n = awasm_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        awasm_import_desc_t d;
        if (awasm_module_import(m, i, &d) != AWASM_OK)
            return err_set(e, AWASM_EARG, "wasi: cannot read import %u", i);
        if (strcmp(d.module, WASI_MODULE) != 0)
            continue;
        if (d.kind != AWASM_EXTERN_FUNC)
            return err_set(e, AWASM_ELINK, "wasi: import %s.%s is not a function", d.module,
                           d.name);
        const wasi_fn_t *f = NULL;
        for (size_t k = 0; k < N_FUNCTIONS; k++)
            if (strcmp(functions[k].name, d.name) == 0)
                f = &functions[k];
        int rc;
        if (f) {
            /* A mismatched signature is reported by instantiation. */
            rc = awasm_imports_add_host(imps, WASI_MODULE, d.name, f->sig, f->fn, w, e);
        } else {
            char sig[2 * AWASM_SIG_MAX + 4];
            if (!sig_string(&d.func, sig, sizeof sig))
                return err_set(e, AWASM_ELINK, "wasi: import %s.%s has an unsupported signature",
                               d.module, d.name);
            wasi_stub_t *st = calloc(1, sizeof *st);
            if (!st)
                return err_set(e, AWASM_ENOMEM, "wasi: out of memory");
            st->n_results = d.func.n_results;
            memcpy(st->results, d.func.results, d.func.n_results * sizeof *st->results);
            st->next = w->stubs;
            w->stubs = st;
            rc = awasm_imports_add_host(imps, WASI_MODULE, d.name, sig, h_enosys, st, e);
        }
        if (rc != AWASM_OK)
            return rc;
    }
    return AWASM_OK;
}

/* ---- lifetime and running ------------------------------------------------------ */

static char **copy_strings(const char *const *src, size_t n, size_t *bytes)
{
    char **v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        return NULL;
    *bytes = 0;
    for (size_t i = 0; i < n; i++) {
        v[i] = strdup(src[i] ? src[i] : "");
        if (!v[i]) {
            for (size_t k = 0; k < i; k++)
                free(v[k]);
            free(v);
            return NULL;
        }
        *bytes += strlen(v[i]) + 1;
    }
    return v;
}

static void free_strings(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

wasi_t *wasi_new(const wasi_config_t *cfg, err_t *e)
{
    if (!cfg || (cfg->argc && !cfg->argv) || (cfg->envc && !cfg->envp)) {
        err_set(e, AWASM_EARG, "wasi: bad configuration");
        return NULL;
    }
    wasi_t *w = calloc(1, sizeof *w);
    if (!w)
        goto oom;
    w->argc = cfg->argc;
    w->envc = cfg->envc;
    w->argv = copy_strings(cfg->argv, cfg->argc, &w->args_bytes);
    w->envp = copy_strings(cfg->envp, cfg->envc, &w->env_bytes);
    if (!w->argv || !w->envp)
        goto oom;
    if (w->args_bytes > UINT32_MAX || w->env_bytes > UINT32_MAX) {
        wasi_free(w);
        err_set(e, AWASM_EARG, "wasi: arguments or environment larger than 4 GiB");
        return NULL;
    }
    w->io = cfg->io;
    w->seeded = cfg->seeded_random;
    w->virtual_clocks = cfg->virtual_clocks;
    w->clock_base = cfg->clock_base_ns;
    for (int i = 0; i < 8; i++)
        w->chacha_key[i] = load_le32(cfg->random_seed + 4 * i);
    atomic_init(&w->cancelled, false);
    return w;
oom:
    wasi_free(w);
    err_set(e, AWASM_ENOMEM, "wasi: out of memory");
    return NULL;
}

void wasi_free(wasi_t *w)
{
    if (!w)
        return;
    free_strings(w->argv, w->argc);
    free_strings(w->envp, w->envc);
    while (w->stubs) {
        wasi_stub_t *next = w->stubs->next;
        free(w->stubs);
        w->stubs = next;
    }
    memset(w->chacha_key, 0, sizeof w->chacha_key);
    free(w);
}

void wasi_cancel(wasi_t *w)
{
    atomic_store(&w->cancelled, true);
}

int wasi_run(wasi_t *w, awasm_instance_t *inst, int32_t *exit_code, err_t *e)
{
    *exit_code = 0;
    awasm_extern_t ex;
    if (awasm_instance_export(inst, "_start", &ex) != AWASM_OK || ex.kind != AWASM_EXTERN_FUNC)
        return err_set(e, AWASM_ENOTFOUND,
                       "wasi: the module exports no _start function (not a WASI command)");
    awasm_functype_t t = awasm_func_type(ex.of.func);
    if (t.n_params != 0 || t.n_results != 0)
        return err_set(e, AWASM_ELINK, "wasi: _start must take and return nothing");
    awasm_store_t *s = awasm_instance_store(inst);
    int rc = awasm_func_call(s, ex.of.func, NULL, 0, NULL, 0, e);
    if (rc == AWASM_ETRAP && awasm_store_trap(s) == AWASM_TRAP_EXIT) {
        *exit_code = awasm_store_exit_code(s);
        err_clear(e);
        return AWASM_OK;
    }
    return rc;
}
