/*
 * phase/worker: runs one wasm32-wasi job in the engine with captured output,
 * and turns the outcome into a JobResult (reference §4.2, minus upstream's
 * placeholders: stdout and stderr are the real bytes, argv/env/memory cap and
 * the wall-clock timeout are honoured, proc_exit(n) reports n).
 *
 * Limits: fuel is the engine's per-instruction metering; the memory cap is
 * the engine's max_memory_pages (memory.grow past it returns -1, so the
 * job's allocator fails cleanly; a module whose initial memory is already
 * larger fails to instantiate) and, separately, the engine's max_store_bytes
 * for the other host memory a module causes (tables, globals, functions:
 * table.grow past it returns -1, a module declaring more fails to
 * instantiate); the timeout is a watchdog thread that calls
 * awasm_store_interrupt() (the engine stops at the next call, loop
 * back-edge or slice of a bulk operation or host call) and wasi_cancel()
 * (ends poll_oneoff sleeps); stdin is read with poll() in short slices so a
 * job blocked on input is stopped as well. Once the watchdog fired, the
 * outcome is PHASE_JOB_TIMEOUT whatever the job did afterwards.
 */
#include "phase.h"

#include "crypto/crypto.h"
#include "wasm/wasi/wasi.h"
#include "wasm/wasm.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct job {
    const phase_job_opts_t *o;
    size_t stdin_off;
    buf_t out, err;
    size_t output_max;
    bool truncated;
    atomic_bool stop;
    bool timed_out;     /* set from the watchdog's verdict once the call is over */
    atomic_int decode_cancel; /* awasm_config_t.cancel: the watchdog stops decoding */
    awasm_store_t *store;     /* NULL until created; set under the watch's mu */
    wasi_t *wasi;
} job_t;

/* State shared with the watchdog thread. It is detached and holds its own
 * reference, so ending a job never waits for the watchdog to be scheduled
 * (a join costs milliseconds on a loaded machine); the last one out frees
 * it. The watchdog touches the job only under mu while done is false, and
 * the job sets done under mu before it frees anything. */
typedef struct watch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;
    bool done;
    bool fired;
    bool cancelled;             /* fired because of opts.cancel */
    struct timespec deadline;   /* CLOCK_MONOTONIC */
    job_t *job;
} watch_t;

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static ssize_t job_read(void *user, uint8_t *buf, size_t n)
{
    job_t *j = user;
    const phase_job_opts_t *o = j->o;
    if (o->stdin_fd < 0) {
        size_t left = o->stdin_len - j->stdin_off;
        if (n > left)
            n = left;
        if (n)
            memcpy(buf, o->stdin_data + j->stdin_off, n);
        j->stdin_off += n;
        return (ssize_t)n;
    }
    for (;;) {
        if (atomic_load(&j->stop))
            return -WASI_EINTR;
        struct pollfd p = {.fd = o->stdin_fd, .events = POLLIN};
        int r = poll(&p, 1, 20);
        if (r < 0 && errno != EINTR)
            return -WASI_EIO;
        if (r <= 0)
            continue;
        ssize_t got = read(o->stdin_fd, buf, n);
        if (got >= 0)
            return got;
        if (errno != EINTR && errno != EAGAIN)
            return -WASI_EIO;
    }
}

/* Copies job output to fd. A pipe or socket nobody reads would block a
 * plain write() past the timeout, so those are written in PIPE_BUF pieces
 * once poll() says there is room, looking at the stop flag every 20 ms:
 * after a timeout only the capture goes on. */
static void write_through(job_t *j, int fd, const uint8_t *p, size_t n)
{
    struct stat st;
    bool may_block = fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
    while (n > 0) {
        size_t k = n;
        if (may_block) {
            if (atomic_load(&j->stop))
                return;
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            int r = poll(&pfd, 1, 20);
            if (r < 0 && errno != EINTR)
                return;
            if (r <= 0)
                continue;
            if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
                return; /* the reader is gone (| head): the job goes on */
            if (k > PIPE_BUF)
                k = PIPE_BUF; /* what POLLOUT guarantees to fit */
        }
        ssize_t w = write(fd, p, k);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return; /* a closed terminal must not change the job's result */
        }
        p += w;
        n -= (size_t)w;
    }
}

static int job_write(void *user, int fd, const uint8_t *p, size_t n)
{
    job_t *j = user;
    buf_t *b = fd == 1 ? &j->out : &j->err;
    int through = fd == 1 ? j->o->stdout_fd : j->o->stderr_fd;
    if (j->out.len + j->err.len + n > j->output_max) {
        j->truncated = true;
        return WASI_EFBIG;
    }
    if (buf_append(b, p, n) != BASE_OK)
        return WASI_ENOSPC;
    if (through >= 0)
        write_through(j, through, p, n);
    return WASI_ESUCCESS;
}

static void watch_release(watch_t *w)
{
    bool last = --w->refs == 0;
    pthread_mutex_unlock(&w->mu);
    if (last) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
    }
}

/* Stops the job (under mu): decoding, the engine, WASI sleeps, stdin. */
static void fire(watch_t *w)
{
    w->fired = true;
    atomic_store(&w->job->stop, true);
    atomic_store(&w->job->decode_cancel, 1);
    if (w->job->store)
        awasm_store_interrupt(w->job->store);
    if (w->job->wasi)
        wasi_cancel(w->job->wasi);
}

/* Publishes the job's store and wasi to the watchdog (w may be NULL); when
 * it fired already (during decoding), they get the stop at once. */
static void watch_attach(watch_t *w, job_t *j, awasm_store_t *s, wasi_t *wasi)
{
    if (w)
        pthread_mutex_lock(&w->mu);
    j->store = s;
    j->wasi = wasi;
    if (w && w->fired)
        fire(w);
    if (w)
        pthread_mutex_unlock(&w->mu);
}

static void *watchdog(void *arg)
{
    watch_t *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->done) {
        if (w->job->o->cancel && !w->cancelled) { /* wake every 20 ms to look at the flag */
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            t.tv_nsec += 20000000L;
            if (t.tv_nsec >= 1000000000L) {
                t.tv_sec++;
                t.tv_nsec -= 1000000000L;
            }
            bool last = t.tv_sec > w->deadline.tv_sec ||
                        (t.tv_sec == w->deadline.tv_sec && t.tv_nsec >= w->deadline.tv_nsec);
            if (!last) {
                pthread_cond_timedwait(&w->cv, &w->mu, &t);
                if (!w->done && __atomic_load_n(w->job->o->cancel, __ATOMIC_ACQUIRE)) {
                    w->cancelled = true;
                    fire(w);
                    break;
                }
                continue;
            }
        }
        if (pthread_cond_timedwait(&w->cv, &w->mu, &w->deadline) == ETIMEDOUT && !w->done) {
            fire(w);
            break;
        }
    }
    watch_release(w); /* unlocks */
    return NULL;
}

static watch_t *watch_start(job_t *j, uint64_t timeout_ms)
{
    watch_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    w->refs = 2;
    w->job = j;
    clock_gettime(CLOCK_MONOTONIC, &w->deadline);
    uint64_t ns = (uint64_t)w->deadline.tv_nsec + (timeout_ms % 1000u) * 1000000u;
    w->deadline.tv_sec += (time_t)(timeout_ms / 1000u + ns / 1000000000u);
    w->deadline.tv_nsec = (long)(ns % 1000000000u);
    pthread_attr_t ta;
    pthread_t tid;
    pthread_attr_init(&ta);
    pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&tid, &ta, watchdog, w);
    pthread_attr_destroy(&ta);
    if (rc != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    return w;
}

/* Ends the watch; returns whether the watchdog fired (and why, in *cancelled). */
static bool watch_stop(watch_t *w, bool *cancelled)
{
    if (!w)
        return false;
    pthread_mutex_lock(&w->mu);
    w->done = true;
    bool fired = w->fired;
    if (cancelled)
        *cancelled = w->cancelled;
    pthread_cond_signal(&w->cv);
    watch_release(w); /* unlocks */
    return fired;
}

static void set_load_error(phase_job_outcome_t *out, const err_t *we, const char *fallback)
{
    out->status = PHASE_JOB_LOAD_ERROR;
    out->load_error = we->code ? we->code : AWASM_EARG;
    snprintf(out->message, sizeof out->message, "%s", we->msg[0] ? we->msg : fallback);
}

static void outcome_from_call(phase_job_outcome_t *out, int rc, int32_t code, const err_t *we,
                              job_t *j)
{
    /* Once the watchdog fired the job timed out, however it then ended (as
     * timeout(1) reports 124): a guest that the cancelled sleep or stdin
     * read let go on to exit must not look like a job that finished. */
    if (j->timed_out) {
        out->status = PHASE_JOB_TIMEOUT;
        snprintf(out->message, sizeof out->message, "timed out after %llu ms",
                 (unsigned long long)j->o->timeout_ms);
        return;
    }
    if (rc == AWASM_OK) {
        out->status = PHASE_JOB_EXITED;
        out->exit_code = code;
        return;
    }
    if (rc != AWASM_ETRAP) {
        set_load_error(out, we, "cannot start the module");
        return;
    }
    awasm_trap_kind_t k = awasm_store_trap(j->store);
    if (k == AWASM_TRAP_OUT_OF_FUEL) {
        out->status = PHASE_JOB_OUT_OF_FUEL;
        snprintf(out->message, sizeof out->message, "out of fuel after %llu units",
                 (unsigned long long)j->o->fuel);
    } else {
        out->status = PHASE_JOB_TRAP;
        if (we->msg[0]) /* the engine's message names the trap already */
            snprintf(out->message, sizeof out->message, "%s", we->msg);
        else
            snprintf(out->message, sizeof out->message, "trap: %s", awasm_trap_kind_str(k));
    }
}

int phase_job_run(const phase_job_opts_t *o, phase_job_outcome_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    if (!o || (!o->module && o->module_len) || (o->stdin_fd < 0 && !o->stdin_data && o->stdin_len))
        return err_set(e, PHASE_EINVAL, "job: bad options");
    phase_module_hash(o->module, o->module_len, out->module_hash);

    job_t j;
    memset(&j, 0, sizeof j);
    j.o = o;
    /* never more than a verifier accepts in an events stream */
    j.output_max = o->output_max && o->output_max < PHASE_OUTPUT_MAX ? o->output_max
                                                                     : PHASE_OUTPUT_MAX;
    buf_init(&j.out, 0);
    buf_init(&j.err, 0);
    atomic_init(&j.stop, false);
    atomic_init(&j.decode_cancel, 0);

    awasm_config_t cfg;
    awasm_config_default(&cfg);
    cfg.fuel = o->fuel > 0;
    cfg.deterministic = o->deterministic;
    cfg.cancel = &j.decode_cancel;
    if (o->memory_max) {
        /* --memory bounds linear memory and, apart from it, everything else
         * the module makes the host hold: tables, globals, functions. */
        uint64_t pages = o->memory_max / 65536u;
        cfg.max_memory_pages = pages < cfg.max_memory_pages ? (uint32_t)pages : cfg.max_memory_pages;
        if (o->memory_max < cfg.max_store_bytes)
            cfg.max_store_bytes = o->memory_max;
    }

    uint64_t t0 = now_ms();
    err_t we = {0};
    awasm_module_t *m = NULL;
    awasm_imports_t *imps = NULL;
    wasi_t *w = NULL;
    int rc = PHASE_OK;
    watch_t *watch = NULL;
    bool cancelled = false;

    /* The watchdog runs from the start: decoding a huge module counts
     * against the timeout too (the decoder polls j.decode_cancel). */
    if (o->timeout_ms && !(watch = watch_start(&j, o->timeout_ms))) {
        rc = err_set(e, PHASE_EIO, "job: cannot start the timeout watchdog");
        goto done;
    }
    m = awasm_module_decode(o->module, o->module_len, &cfg, &we);
    if (!m) {
        j.timed_out = watch_stop(watch, &cancelled);
        watch = NULL;
        if (j.timed_out)
            outcome_from_call(out, AWASM_ETRAP, 0, &we, &j);
        else
            set_load_error(out, &we, "cannot decode the module");
        goto verdict;
    }
    watch_attach(watch, &j, awasm_store_new(&cfg), NULL);
    imps = awasm_imports_new();
    wasi_config_t wc = {
        .argc = o->argc,
        .argv = o->argv,
        .envc = o->envc,
        .envp = o->envp,
        .io = {.read = job_read, .write = job_write, .user = &j},
        .seeded_random = o->seeded_random || o->deterministic,
        .virtual_clocks = o->deterministic,
        .clock_base_ns = o->clock_base_ns,
    };
    memcpy(wc.random_seed, o->random_seed, sizeof wc.random_seed);
    if (!j.store || !imps || !(w = wasi_new(&wc, &we))) {
        rc = err_set(e, PHASE_EINVAL, "job: %s", we.msg[0] ? we.msg : "out of memory");
        goto done;
    }
    watch_attach(watch, &j, j.store, w);
    if (o->fuel)
        awasm_store_set_fuel(j.store, o->fuel);
    if (wasi_link(w, m, imps, &we) != AWASM_OK) {
        set_load_error(out, &we, "cannot link WASI");
        goto done;
    }
    /* Instantiation runs the start function and data segments, so it is
     * inside the watchdog's reach too. */
    awasm_instance_t *inst = awasm_instance_new(j.store, m, imps, &we);
    int32_t code = 0;
    int crc = inst ? wasi_run(w, inst, &code, &we) : we.code;
    j.timed_out = watch_stop(watch, &cancelled);
    watch = NULL;
    if (!inst && we.code != AWASM_ETRAP && !j.timed_out) {
        set_load_error(out, &we, "cannot instantiate the module");
        /* a well-formed module the memory cap or a limit refused */
        out->over_limit = we.code == AWASM_ELIMIT || we.code == AWASM_ENOMEM;
    }
    else
        outcome_from_call(out, crc, code, &we, &j);
verdict:
    if (cancelled && out->status == PHASE_JOB_TIMEOUT) {
        out->status = PHASE_JOB_CANCELLED;
        snprintf(out->message, sizeof out->message, "cancelled by the requester");
    }
    if (o->fuel && j.store)
        out->fuel_used = o->fuel - awasm_store_fuel(j.store);

done:
    watch_stop(watch, NULL);
    out->wall_ms = now_ms() - t0;
    out->output_truncated = j.truncated;
    awasm_imports_free(imps);
    wasi_free(w);
    awasm_store_free(j.store);
    awasm_module_free(m);
    if (rc == PHASE_OK && (!buf_ok(&j.out) || !buf_ok(&j.err)))
        rc = err_set(e, BASE_ENOMEM, "job: out of memory capturing output");
    if (rc != PHASE_OK) {
        buf_free(&j.out);
        buf_free(&j.err);
        return rc;
    }
    out->out = buf_steal(&j.out, &out->out_len);
    out->err = buf_steal(&j.err, &out->err_len);
    return PHASE_OK;
}
