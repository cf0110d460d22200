/* Unit tests for src/wasm/wasi: every implemented preview1 function called
 * through the engine with chosen arguments (shim.wat exports a thin wrapper
 * per import), memory layouts checked byte by byte, bad pointers, closed and
 * unknown descriptors, ENOSYS stubs, seeded random_get, poll_oneoff sleeps
 * and their cancellation, proc_exit. The module path is argv[1]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wasm/wasi/wasi.h"
#include "wasm/wasm.h"

static const char *module_path;
static uint8_t seed_byte = 0x11;
static bool virtual_clocks;
static bool metered; /* make(): fuel on, 1,000,000 units */

typedef struct io {
    const char *in;
    size_t in_len, in_off;
    size_t max_read;          /* short reads: at most this many bytes per call */
    char out[4096], err[4096];
    size_t out_len, err_len;
    int fail_write;           /* return this errno from write */
} io_t;

typedef struct fixture {
    awasm_module_t *m;
    awasm_store_t *s;
    awasm_imports_t *imps;
    wasi_t *w;
    awasm_instance_t *inst;
    awasm_memory_t *mem;
    io_t io;
} fixture_t;

static ssize_t io_read(void *user, uint8_t *buf, size_t n)
{
    io_t *io = user;
    size_t left = io->in_len - io->in_off;
    if (n > left)
        n = left;
    if (io->max_read && n > io->max_read)
        n = io->max_read;
    memcpy(buf, io->in + io->in_off, n);
    io->in_off += n;
    return (ssize_t)n;
}

static int io_write(void *user, int fd, const uint8_t *p, size_t n)
{
    io_t *io = user;
    if (io->fail_write)
        return io->fail_write;
    char *dst = fd == 1 ? io->out : io->err;
    size_t *len = fd == 1 ? &io->out_len : &io->err_len;
    assert_true(*len + n <= sizeof io->out);
    memcpy(dst + *len, p, n);
    *len += n;
    return 0;
}

static fixture_t *make(bool seeded, const char *in)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    uint8_t *bytes;
    size_t len;
    err_t e = {0};
    assert_int_equal(file_read_all(module_path, 1 << 20, &bytes, &len, &e), 0);
    awasm_config_t ecfg;
    awasm_config_default(&ecfg);
    ecfg.fuel = metered;
    f->m = awasm_module_decode(bytes, len, &ecfg, &e);
    free(bytes);
    assert_non_null(f->m);
    f->s = awasm_store_new(&ecfg);
    awasm_store_set_fuel(f->s, 1000000);
    f->imps = awasm_imports_new();
    static const char *const argv[] = {"prog", "a b", ""};
    static const char *const envp[] = {"K=V", "EMPTY="};
    f->io.in = in;
    f->io.in_len = in ? strlen(in) : 0;
    wasi_config_t cfg = {.argc = 3, .argv = argv, .envc = 2, .envp = envp,
                         .io = {io_read, io_write, &f->io}, .seeded_random = seeded};
    memset(cfg.random_seed, seed_byte, sizeof cfg.random_seed);
    cfg.virtual_clocks = virtual_clocks;
    cfg.clock_base_ns = 1700000000000000000ull;
    f->w = wasi_new(&cfg, &e);
    assert_non_null(f->w);
    assert_int_equal(wasi_link(f->w, f->m, f->imps, &e), 0);
    f->inst = awasm_instance_new(f->s, f->m, f->imps, &e);
    if (!f->inst)
        fail_msg("instantiate: %s", e.msg);
    f->mem = awasm_instance_memory(f->inst, "memory");
    assert_non_null(f->mem);
    return f;
}

static void destroy(fixture_t *f)
{
    awasm_imports_free(f->imps);
    wasi_free(f->w);
    awasm_store_free(f->s);
    awasm_module_free(f->m);
    free(f);
}

/* Calls export name with i32/i64 args given as (type, value) pairs; returns
 * the i32 result. */
static int32_t call(fixture_t *f, const char *name, const char *types, ...)
{
    awasm_val_t args[12];
    size_t n = strlen(types);
    va_list ap;
    va_start(ap, types);
    for (size_t i = 0; i < n; i++) {
        if (types[i] == 'I') {
            args[i].type = AWASM_I64;
            args[i].of.i64 = va_arg(ap, int64_t);
        } else {
            args[i].type = AWASM_I32;
            args[i].of.i32 = va_arg(ap, int32_t);
        }
    }
    va_end(ap);
    awasm_val_t res = {.type = AWASM_I32};
    err_t e = {0};
    int rc = awasm_instance_call(f->inst, name, args, n, &res, 1, &e);
    if (rc != 0)
        fail_msg("%s: %s", name, e.msg);
    return res.of.i32;
}

/* Like call() for a call that must trap; returns the trap kind. */
static awasm_trap_kind_t call_trap(fixture_t *f, const char *name, int32_t a0, int32_t a1,
                                   int32_t a2, int32_t a3, size_t n)
{
    awasm_val_t args[4] = {{.type = AWASM_I32, .of.i32 = a0}, {.type = AWASM_I32, .of.i32 = a1},
                           {.type = AWASM_I32, .of.i32 = a2}, {.type = AWASM_I32, .of.i32 = a3}};
    awasm_val_t res = {.type = AWASM_I32};
    err_t e = {0};
    assert_int_equal(awasm_instance_call(f->inst, name, args, n, &res, 1, &e), AWASM_ETRAP);
    return awasm_store_trap(f->s);
}

static uint32_t rd32(fixture_t *f, uint32_t off)
{
    uint8_t b[4];
    assert_true(awasm_memory_read(f->mem, off, b, 4));
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t rd64(fixture_t *f, uint32_t off)
{
    return (uint64_t)rd32(f, off) | (uint64_t)rd32(f, off + 4) << 32;
}

static void wr32(fixture_t *f, uint32_t off, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    assert_true(awasm_memory_write(f->mem, off, b, 4));
}

static void wr64(fixture_t *f, uint32_t off, uint64_t v)
{
    wr32(f, off, (uint32_t)v);
    wr32(f, off + 4, (uint32_t)(v >> 32));
}

#define OOB 0x7ffffff0 /* beyond the 64 KiB memory */

static void args_and_environ(void **state)
{
    fixture_t *f = make(false, NULL);
    assert_int_equal(call(f, "args_sizes_get", "ii", 0, 4), 0);
    assert_int_equal(rd32(f, 0), 3);
    assert_int_equal(rd32(f, 4), 5 + 4 + 1);
    assert_int_equal(call(f, "args_get", "ii", 100, 200), 0);
    char buf[16];
    assert_int_equal(rd32(f, 100), 200);
    assert_int_equal(rd32(f, 104), 205);
    assert_int_equal(rd32(f, 108), 209);
    assert_true(awasm_memory_read(f->mem, 200, buf, 10));
    assert_memory_equal(buf, "prog\0a b\0\0", 10);
    assert_int_equal(call(f, "environ_sizes_get", "ii", 0, 4), 0);
    assert_int_equal(rd32(f, 0), 2);
    assert_int_equal(rd32(f, 4), 4 + 7);
    assert_int_equal(call(f, "environ_get", "ii", 300, 400), 0);
    assert_true(awasm_memory_read(f->mem, 400, buf, 11));
    assert_memory_equal(buf, "K=V\0EMPTY=\0", 11);
    assert_int_equal(rd32(f, 304), 404);
    /* Pointers outside memory are EFAULT, never a host fault. */
    assert_int_equal(call(f, "args_get", "ii", OOB, 200), WASI_EFAULT);
    assert_int_equal(call(f, "args_get", "ii", 100, 65535), WASI_EFAULT);
    assert_int_equal(call(f, "environ_sizes_get", "ii", 0, -1), WASI_EFAULT);
    destroy(f);
}

static void fd_write_gathers_and_checks(void **state)
{
    fixture_t *f = make(false, NULL);
    assert_true(awasm_memory_write(f->mem, 1000, "hello, world", 12));
    wr32(f, 0, 1000);  /* iov 0: "hello" */
    wr32(f, 4, 5);
    wr32(f, 8, 1005);  /* iov 1: empty */
    wr32(f, 12, 0);
    wr32(f, 16, 1005); /* iov 2: ", world" */
    wr32(f, 20, 7);
    assert_int_equal(call(f, "fd_write", "iiii", 1, 0, 3, 64), 0);
    assert_int_equal(rd32(f, 64), 12);
    assert_int_equal(f->io.out_len, 12);
    assert_memory_equal(f->io.out, "hello, world", 12);
    assert_int_equal(call(f, "fd_write", "iiii", 2, 0, 1, 64), 0);
    assert_int_equal(f->io.err_len, 5);
    /* stdin is not writable, unknown fds are EBADF */
    assert_int_equal(call(f, "fd_write", "iiii", 0, 0, 1, 64), WASI_EBADF);
    assert_int_equal(call(f, "fd_write", "iiii", 3, 0, 1, 64), WASI_EBADF);
    /* an iovec pointing outside memory */
    wr32(f, 24, 65530);
    wr32(f, 28, 100);
    assert_int_equal(call(f, "fd_write", "iiii", 1, 24, 1, 64), WASI_EFAULT);
    assert_int_equal(call(f, "fd_write", "iiii", 1, OOB, 1, 64), WASI_EFAULT);
    assert_int_equal(call(f, "fd_write", "iiii", 1, 0, 1, OOB), WASI_EFAULT);
    /* the embedder's error reaches the guest */
    f->io.fail_write = WASI_EFBIG;
    assert_int_equal(call(f, "fd_write", "iiii", 1, 0, 1, 64), WASI_EFBIG);
    f->io.fail_write = 0;
    /* after fd_close, writes are EBADF; closing twice is EBADF */
    assert_int_equal(call(f, "fd_close", "i", 1), 0);
    assert_int_equal(call(f, "fd_write", "iiii", 1, 0, 1, 64), WASI_EBADF);
    assert_int_equal(call(f, "fd_close", "i", 1), WASI_EBADF);
    assert_int_equal(call(f, "fd_close", "i", 7), WASI_EBADF);
    destroy(f);
}

static void fd_read_scatters_and_stops_short(void **state)
{
    fixture_t *f = make(false, "abcdefghij");
    wr32(f, 0, 1000);
    wr32(f, 4, 4);
    wr32(f, 8, 2000);
    wr32(f, 12, 100);
    assert_int_equal(call(f, "fd_read", "iiii", 0, 0, 2, 64), 0);
    assert_int_equal(rd32(f, 64), 10);
    char buf[8];
    assert_true(awasm_memory_read(f->mem, 1000, buf, 4));
    assert_memory_equal(buf, "abcd", 4);
    assert_true(awasm_memory_read(f->mem, 2000, buf, 6));
    assert_memory_equal(buf, "efghij", 6);
    /* end of input: 0 bytes */
    assert_int_equal(call(f, "fd_read", "iiii", 0, 0, 2, 64), 0);
    assert_int_equal(rd32(f, 64), 0);
    assert_int_equal(call(f, "fd_read", "iiii", 1, 0, 2, 64), WASI_EBADF);
    destroy(f);

    /* A short read from the embedder ends the call: no blocking for more. */
    f = make(false, "abcdefghij");
    f->io.max_read = 3;
    wr32(f, 0, 1000);
    wr32(f, 4, 8);
    wr32(f, 8, 2000);
    wr32(f, 12, 8);
    assert_int_equal(call(f, "fd_read", "iiii", 0, 0, 2, 64), 0);
    assert_int_equal(rd32(f, 64), 3);
    destroy(f);
}

static void fdstat_prestat_seek(void **state)
{
    fixture_t *f = make(false, NULL);
    assert_int_equal(call(f, "fd_fdstat_get", "ii", 0, 100), 0);
    uint8_t st[24];
    assert_true(awasm_memory_read(f->mem, 100, st, 24));
    assert_int_equal(st[0], 0);                        /* filetype unknown */
    assert_int_equal(rd64(f, 108), (1u << 1) | (1u << 27)); /* fd_read | poll */
    assert_int_equal(call(f, "fd_fdstat_get", "ii", 1, 100), 0);
    assert_int_equal(rd64(f, 108), (1u << 6) | (1u << 27)); /* fd_write | poll */
    assert_int_equal(call(f, "fd_fdstat_get", "ii", 3, 100), WASI_EBADF);
    assert_int_equal(call(f, "fd_fdstat_get", "ii", 1, OOB), WASI_EFAULT);
    /* no preopened directories at all */
    for (int fd = 0; fd < 8; fd++)
        assert_int_equal(call(f, "fd_prestat_get", "ii", fd, 100), WASI_EBADF);
    assert_int_equal(call(f, "fd_prestat_dir_name", "iii", 3, 100, 10), WASI_EBADF);
    assert_int_equal(call(f, "fd_seek", "iIii", 0, (int64_t)0, 0, 100), WASI_ESPIPE);
    assert_int_equal(call(f, "fd_seek", "iIii", 2, (int64_t)5, 1, 100), WASI_ESPIPE);
    assert_int_equal(call(f, "fd_seek", "iIii", 4, (int64_t)0, 0, 100), WASI_EBADF);
    assert_int_equal(call(f, "sched_yield", ""), 0);
    /* unimplemented imports are ENOSYS stubs */
    assert_int_equal(call(f, "path_open", ""), WASI_ENOSYS);
    assert_int_equal(call(f, "fd_filestat_get", ""), WASI_ENOSYS);
    assert_true(wasi_implements("fd_write"));
    assert_false(wasi_implements("path_open"));
    destroy(f);
}

static void clocks(void **state)
{
    fixture_t *f = make(false, NULL);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    assert_int_equal(call(f, "clock_time_get", "iIi", 0, (int64_t)1, 100), 0);
    uint64_t t = rd64(f, 100);
    uint64_t host = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    assert_true(t >= host && t - host < 5000000000ull);
    assert_int_equal(call(f, "clock_time_get", "iIi", 1, (int64_t)1, 100), 0);
    uint64_t m1 = rd64(f, 100);
    assert_int_equal(call(f, "clock_time_get", "iIi", 1, (int64_t)1, 100), 0);
    assert_true(rd64(f, 100) >= m1);
    assert_int_equal(call(f, "clock_res_get", "ii", 1, 100), 0);
    assert_true(rd64(f, 100) > 0 && rd64(f, 100) <= 1000000);
    assert_int_equal(call(f, "clock_time_get", "iIi", 9, (int64_t)1, 100), WASI_EINVAL);
    assert_int_equal(call(f, "clock_res_get", "ii", 4, 100), WASI_EINVAL);
    assert_int_equal(call(f, "clock_time_get", "iIi", 0, (int64_t)1, 65532), WASI_EFAULT);
    destroy(f);
}

static void random_seeded_and_not(void **state)
{
    uint8_t a[100], b[100], c[100];
    fixture_t *f = make(true, NULL);
    assert_int_equal(call(f, "random_get", "ii", 0, 100), 0);
    assert_true(awasm_memory_read(f->mem, 0, a, 100));
    destroy(f);
    f = make(true, NULL);
    /* the same stream, asked for in two pieces */
    assert_int_equal(call(f, "random_get", "ii", 0, 37), 0);
    assert_int_equal(call(f, "random_get", "ii", 37, 63), 0);
    assert_true(awasm_memory_read(f->mem, 0, b, 100));
    assert_memory_equal(a, b, 100);
    assert_int_equal(call(f, "random_get", "ii", 65530, 100), WASI_EFAULT);
    destroy(f);
    /* The seeded stream is ChaCha20 with the seed as key, a zero nonce and
     * the block counter from 0: RFC 8439 Appendix A.1, test vector #1. */
    seed_byte = 0;
    f = make(true, NULL);
    assert_int_equal(call(f, "random_get", "ii", 0, 64), 0);
    assert_true(awasm_memory_read(f->mem, 0, c, 64));
    static const uint8_t a1[64] = {
        0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90, 0x40, 0x5d, 0x6a, 0xe5, 0x53, 0x86, 0xbd,
        0x28, 0xbd, 0xd2, 0x19, 0xb8, 0xa0, 0x8d, 0xed, 0x1a, 0xa8, 0x36, 0xef, 0xcc, 0x8b, 0x77,
        0x0d, 0xc7, 0xda, 0x41, 0x59, 0x7c, 0x51, 0x57, 0x48, 0x8d, 0x77, 0x24, 0xe0, 0x3f, 0xb8,
        0xd8, 0x4a, 0x37, 0x6a, 0x43, 0xb8, 0xf4, 0x15, 0x18, 0xa1, 0x1c, 0xc3, 0x87, 0xb6, 0x69,
        0xb2, 0xee, 0x65, 0x86};
    assert_memory_equal(c, a1, 64);
    destroy(f);
    seed_byte = 0x11;
    /* Unseeded output comes from the OS and differs from the seeded one. */
    f = make(false, NULL);
    assert_int_equal(call(f, "random_get", "ii", 0, 100), 0);
    assert_true(awasm_memory_read(f->mem, 0, c, 100));
    assert_memory_not_equal(a, c, 100);
    destroy(f);
}

/* subscription: userdata u64 @0, tag u8 @8, clock id u32 @16, timeout u64
 * @24, precision u64 @32, flags u16 @40 */
static void put_clock_sub(fixture_t *f, uint32_t at, uint64_t userdata, uint32_t id,
                          uint64_t timeout)
{
    uint8_t zero[48] = {0};
    assert_true(awasm_memory_write(f->mem, at, zero, 48));
    wr64(f, at, userdata);
    wr32(f, at + 16, id);
    wr64(f, at + 24, timeout);
}

static double mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void *cancel_later(void *arg)
{
    usleep(50000);
    wasi_cancel(arg);
    return NULL;
}

static void poll_oneoff_clocks(void **state)
{
    fixture_t *f = make(false, NULL);
    put_clock_sub(f, 0, 0xabc, 1, 30000000); /* 30 ms, monotonic */
    double t0 = mono_ms();
    assert_int_equal(call(f, "poll_oneoff", "iiii", 0, 1000, 1, 2000), 0);
    double took = mono_ms() - t0;
    assert_true(took >= 29.0);
    assert_int_equal(rd32(f, 2000), 1);
    assert_int_equal(rd64(f, 1000), 0xabc);
    uint8_t ev[4];
    assert_true(awasm_memory_read(f->mem, 1008, ev, 4));
    assert_int_equal(ev[0] | ev[1] << 8, 0); /* error */
    assert_int_equal(ev[2], 0);              /* type clock */
    /* Two clocks: only the earlier one fires. */
    put_clock_sub(f, 0, 1, 1, 20000000);
    put_clock_sub(f, 48, 2, 1, 10000000000ull);
    assert_int_equal(call(f, "poll_oneoff", "iiii", 0, 1000, 2, 2000), 0);
    assert_int_equal(rd32(f, 2000), 1);
    assert_int_equal(rd64(f, 1000), 1);
    /* An fd subscription on stdin is ready at once; the clock does not wait. */
    put_clock_sub(f, 0, 5, 1, 10000000000ull);
    put_clock_sub(f, 48, 6, 0, 0);
    uint8_t tag = 1; /* fd_read */
    assert_true(awasm_memory_write(f->mem, 56, &tag, 1));
    wr32(f, 48 + 16, 0);
    t0 = mono_ms();
    assert_int_equal(call(f, "poll_oneoff", "iiii", 0, 1000, 2, 2000), 0);
    assert_true(mono_ms() - t0 < 1000);
    assert_int_equal(rd32(f, 2000), 1);
    assert_int_equal(rd64(f, 1000), 6);
    assert_int_equal(call(f, "poll_oneoff", "iiii", 0, 1000, 0, 2000), WASI_EINVAL);
    assert_int_equal(call(f, "poll_oneoff", "iiii", OOB, 1000, 1, 2000), WASI_EFAULT);
    /* More subscriptions than the per-call cap: EINVAL, nothing allocated. */
    assert_int_equal(call(f, "poll_oneoff", "iiii", 0, 1000, 65537, 2000), WASI_EINVAL);
    /* A 10 s sleep ends promptly when the watchdog cancels, and the call
     * traps (interrupted): the job does not go on as if the clock fired. */
    put_clock_sub(f, 0, 7, 1, 10000000000ull);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, cancel_later, f->w), 0);
    t0 = mono_ms();
    assert_int_equal(call_trap(f, "poll_oneoff", 0, 1000, 1, 2000, 4), AWASM_TRAP_INTERRUPTED);
    assert_true(mono_ms() - t0 < 2000);
    pthread_join(th, NULL);
    destroy(f);
}

/* Fuel used by one call of export name (which must succeed). */
static uint64_t fuel_of(fixture_t *f, const char *name, int32_t a0, int32_t a1, int32_t a2,
                        int32_t a3)
{
    uint64_t before = awasm_store_fuel(f->s);
    if (strcmp(name, "random_get") == 0 || strcmp(name, "args_get") == 0)
        assert_int_equal(call(f, name, "ii", a0, a1), 0);
    else
        assert_int_equal(call(f, name, "iiii", a0, a1, a2, a3), 0);
    return before - awasm_store_fuel(f->s);
}

static void host_calls_charge_fuel(void **state)
{
    metered = true;
    fixture_t *f = make(true, "0123456789");
    /* random_get: 1 unit per byte on top of the call itself */
    uint64_t base = fuel_of(f, "random_get", 0, 0, 0, 0);
    assert_int_equal(fuel_of(f, "random_get", 0, 1000, 0, 0), base + 1000);
    assert_int_equal(fuel_of(f, "random_get", 0, 65536, 0, 0), base + 65536);
    /* fd_write: 4 per iovec, 1 per 8 bytes (rounded up per slice) */
    base = fuel_of(f, "fd_write", 1, 100, 0, 96);
    for (int i = 0; i < 10; i++) {
        wr32(f, 100 + 8 * i, 0);
        wr32(f, 104 + 8 * i, 16);
    }
    assert_int_equal(fuel_of(f, "fd_write", 1, 100, 10, 96), base + 10 * 4 + 10 * 2);
    assert_int_equal(rd32(f, 96), 160);
    wr32(f, 104, 0); /* zero-length iovecs still cost 4 each */
    assert_int_equal(fuel_of(f, "fd_write", 1, 100, 1, 96), base + 4);
    /* fd_read: per iovec, then per byte actually read */
    base = fuel_of(f, "fd_read", 0, 100, 0, 96);
    wr32(f, 100, 300);
    wr32(f, 104, 64);
    assert_int_equal(fuel_of(f, "fd_read", 0, 100, 1, 96), base + 4 + 2); /* 10 bytes */
    /* poll_oneoff: 16 per subscription */
    put_clock_sub(f, 0, 1, 1, 0);
    put_clock_sub(f, 48, 2, 1, 0);
    uint64_t one = fuel_of(f, "poll_oneoff", 0, 1000, 1, 2000);
    assert_int_equal(fuel_of(f, "poll_oneoff", 0, 1000, 2, 2000), one + 16);
    /* args_get: 4 per string + 1 per 8 bytes (3 strings, 10 bytes) */
    base = fuel_of(f, "random_get", 0, 0, 0, 0);
    assert_int_equal(fuel_of(f, "args_get", 100, 200, 0, 0), base + 3 * 4 + 2);
    /* Too little fuel for the work: out of fuel, nothing charged for it. */
    awasm_store_set_fuel(f->s, base + 500);
    assert_int_equal(call_trap(f, "random_get", 0, 1000, 0, 0, 2), AWASM_TRAP_OUT_OF_FUEL);
    assert_true(awasm_store_fuel(f->s) <= base + 500 && awasm_store_fuel(f->s) >= 500);
    /* 8,000 zero-length iovecs cost 32,000: more than there is */
    memset(awasm_memory_data(f->mem), 0, 64000);
    awasm_store_set_fuel(f->s, 20000);
    assert_int_equal(call_trap(f, "fd_write", 1, 0, 8000, 64000, 4), AWASM_TRAP_OUT_OF_FUEL);
    /* An interrupt stops a host call like wasm code. */
    awasm_store_set_fuel(f->s, 1000000);
    awasm_store_interrupt(f->s);
    assert_int_equal(call_trap(f, "random_get", 0, 1000, 0, 0, 2), AWASM_TRAP_INTERRUPTED);
    assert_int_equal(fuel_of(f, "random_get", 0, 0, 0, 0), base); /* consumed: runs again */
    destroy(f);
    metered = false;
}

static void virtual_clocks_are_deterministic(void **state)
{
    virtual_clocks = true;
    fixture_t *f = make(true, NULL);
    assert_int_equal(call(f, "clock_time_get", "iIi", 0, (int64_t)1, 100), 0);
    assert_int_equal(rd64(f, 100), 1700000000000000000ull + 1000);
    assert_int_equal(call(f, "clock_time_get", "iIi", 1, (int64_t)1, 100), 0);
    assert_int_equal(rd64(f, 100), 2000);
    assert_int_equal(call(f, "clock_res_get", "ii", 0, 100), 0);
    assert_int_equal(rd64(f, 100), 1000);
    /* A 10 s sleep takes no real time and moves virtual time past it. */
    put_clock_sub(f, 0, 1, 1, 10000000000ull);
    double t0 = mono_ms();
    assert_int_equal(call(f, "poll_oneoff", "iiii", 0, 1000, 1, 2000), 0);
    assert_true(mono_ms() - t0 < 1000);
    assert_int_equal(rd32(f, 2000), 1);
    assert_int_equal(call(f, "clock_time_get", "iIi", 1, (int64_t)1, 100), 0);
    uint64_t after = rd64(f, 100);
    assert_true(after > 10000000000ull && after < 10000100000ull);
    destroy(f);
    /* A second instance reads exactly the same sequence. */
    f = make(true, NULL);
    assert_int_equal(call(f, "clock_time_get", "iIi", 1, (int64_t)1, 100), 0);
    assert_int_equal(rd64(f, 100), 1000);
    destroy(f);
    virtual_clocks = false;
}

static void proc_exit_and_run(void **state)
{
    fixture_t *f = make(false, NULL);
    int32_t code = -1;
    err_t e = {0};
    assert_int_equal(wasi_run(f->w, f->inst, &code, &e), 0);
    assert_int_equal(code, 9);
    awasm_val_t arg = {.type = AWASM_I32, .of.i32 = 77};
    assert_int_equal(awasm_instance_call(f->inst, "proc_exit", &arg, 1, NULL, 0, &e), AWASM_ETRAP);
    assert_int_equal(awasm_store_trap(f->s), AWASM_TRAP_EXIT);
    assert_int_equal(awasm_store_exit_code(f->s), 77);
    destroy(f);
}

static void bad_config(void **state)
{
    err_t e = {0};
    wasi_config_t cfg = {.argc = 2, .argv = NULL};
    assert_null(wasi_new(&cfg, &e));
    assert_int_equal(e.code, AWASM_EARG);
    assert_null(wasi_new(NULL, &e));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_wasi shim.wasm\n");
        return 2;
    }
    module_path = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(args_and_environ),
        cmocka_unit_test(fd_write_gathers_and_checks),
        cmocka_unit_test(fd_read_scatters_and_stops_short),
        cmocka_unit_test(fdstat_prestat_seek),
        cmocka_unit_test(clocks),
        cmocka_unit_test(random_seeded_and_not),
        cmocka_unit_test(poll_oneoff_clocks),
        cmocka_unit_test(virtual_clocks_are_deterministic),
        cmocka_unit_test(host_calls_charge_fuel),
        cmocka_unit_test(proc_exit_and_run),
        cmocka_unit_test(bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
