/*
 * wasm/wasi: WASI preview1 (`wasi_snapshot_preview1`) for the engine in
 * src/wasm, just enough for command programs built by the usual C (wasi-libc)
 * and Rust (std for wasm32-wasi) toolchains to run as sandboxed jobs.
 *
 * What a job gets (DESIGN.md §4):
 *   args, environ          exactly what the embedder lists, nothing inherited
 *   clocks                 realtime, monotonic, process and thread CPU time;
 *                          or virtual clocks for deterministic runs: one
 *                          counter that advances 1 us per reading (realtime =
 *                          clock_base_ns + counter) and that poll_oneoff
 *                          sleeps move forward instantly
 *   random_get             the OS generator, or a ChaCha20 stream from a
 *                          32-byte seed (deterministic runs)
 *   fd 0                   stdin through the embedder's read callback
 *   fd 1, fd 2             stdout/stderr through the embedder's write callback
 *   fd_close, fd_fdstat_get, fd_seek (ESPIPE on the three streams)
 *   fd_prestat_get         EBADF for every fd: no preopened directory, hence no
 *                          path_* call can ever name a host file
 *   proc_exit              unwinds the whole call and reports the real code
 *   sched_yield, poll_oneoff (clock subscriptions sleep, interruptibly;
 *                          fd subscriptions on the streams are ready at once;
 *                          at most 65,536 subscriptions per call, else EINVAL)
 * Every other function the module imports from wasi_snapshot_preview1 is
 * linked to a stub of the imported signature that returns ENOSYS (52), so
 * programs load even when they import the file-system calls they never use.
 *
 * Usage:
 *   wasi_t *w = wasi_new(&cfg, &err);
 *   wasi_link(w, module, imports, &err);     // before awasm_instance_new()
 *   inst = awasm_instance_new(store, module, imports, &err);
 *   rc = wasi_run(w, inst, &exit_code, &err); // calls _start
 * wasi_run returns 0 with *exit_code (0 when _start returned, n for
 * proc_exit(n)), or the engine's error (AWASM_ETRAP with the trap kind in
 * awasm_store_trap(): out of fuel, interrupted, ...).
 *
 * Fuel and interruption: host work is paid for like instructions, in
 * proportion to what the guest asks for, charged (awasm_ctx_charge) before
 * each slice of work, so --fuel bounds it and the charge is deterministic:
 *   fd_read, fd_write       4 per iovec, then 1 per 8 bytes moved
 *   random_get              1 per byte
 *   args_get, environ_get   4 per string + 1 per 8 bytes copied
 *   poll_oneoff             16 per subscription
 *   everything else         nothing beyond the call instruction
 * Long calls work in slices (1 MiB of I/O per callback, 64 KiB of random,
 * 65,536 iovecs) and poll the store's interrupt flag between them, so
 * awasm_store_interrupt() stops a host call within about a millisecond.
 *
 * A wasi_t is used by one store at a time; wasi_cancel() may be called from
 * any thread (the timeout watchdog): pending and future poll_oneoff sleeps
 * end at once and the call traps with AWASM_TRAP_INTERRUPTED (the job is
 * over; it does not go on as if its clock had fired).
 */
#ifndef AETHER_WASI_H
#define AETHER_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/base.h"
#include "wasm/wasm.h"

#define WASI_MODULE "wasi_snapshot_preview1"

/* WASI errno values used by this layer (preview1 numbering). */
enum {
    WASI_ESUCCESS = 0,
    WASI_E2BIG = 1,
    WASI_EAGAIN = 6,
    WASI_EBADF = 8,
    WASI_EFAULT = 21,
    WASI_EFBIG = 22,
    WASI_EINTR = 27,
    WASI_EINVAL = 28,
    WASI_EIO = 29,
    WASI_ENOMEM = 48,
    WASI_ENOSPC = 51,
    WASI_ENOSYS = 52,
    WASI_ENOTSUP = 58,
    WASI_ESPIPE = 70,
};

typedef struct wasi_io {
    /* Reads up to n bytes of stdin into buf. Returns the count (0 at end of
     * input) or a negative WASI errno. NULL: stdin is empty. */
    ssize_t (*read)(void *user, uint8_t *buf, size_t n);
    /* Writes n bytes for fd 1 or 2. Returns 0 or a WASI errno (e.g.
     * WASI_EFBIG when an output cap is reached). NULL: output is dropped. */
    int (*write)(void *user, int fd, const uint8_t *buf, size_t n);
    void *user;
} wasi_io_t;

typedef struct wasi_config {
    size_t argc;                 /* argv[0] is the program name */
    const char *const *argv;
    size_t envc;
    const char *const *envp;     /* "KEY=VALUE" strings */
    wasi_io_t io;
    bool seeded_random;          /* random_get from random_seed, reproducibly */
    uint8_t random_seed[32];
    bool virtual_clocks;         /* deterministic time: see below */
    uint64_t clock_base_ns;      /* realtime at virtual time 0 (ns since 1970) */
} wasi_config_t;

typedef struct wasi wasi_t;

/* Copies argv/envp. NULL with e set on bad arguments or out of memory. */
wasi_t *wasi_new(const wasi_config_t *cfg, err_t *e);
void wasi_free(wasi_t *w);  /* accepts NULL */

/* Adds a host function to imps for every wasi_snapshot_preview1 function
 * module m imports: the real one when implemented, else an ENOSYS stub with
 * the imported signature. Imports from other modules are left alone (they
 * fail at instantiation, naming the import). */
int wasi_link(wasi_t *w, const awasm_module_t *m, awasm_imports_t *imps, err_t *e) BASE_MUST_CHECK;

/* Calls the instance's `_start: () -> ()`; see the header comment. */
int wasi_run(wasi_t *w, awasm_instance_t *inst, int32_t *exit_code, err_t *e) BASE_MUST_CHECK;

/* Thread-safe: wakes and disables poll_oneoff sleeps. */
void wasi_cancel(wasi_t *w);

/* True when the name is one this layer implements (not a stub). */
bool wasi_implements(const char *name);

#endif /* AETHER_WASI_H */
