/*
 * wasm runtime: stores, run-time objects (functions, tables, memories,
 * globals), import lists, instantiation (WebAssembly 2.0 §4.5.4) and the
 * public calling API. Every object lives on its store's list and dies with
 * the store; modules are reference-counted because instances point into
 * their compiled code and segments.
 *
 * Linear memory is reserved up front for its effective maximum (declared
 * max, capped by the config) with PROT_NONE and committed page by page as it
 * grows, so its base address never moves: host pointers and the
 * interpreter's cached base stay valid across memory.grow.
 */
#include <stdarg.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wasm/internal.h"

const char *awasm_valtype_name(awasm_valtype_t t)
{
    switch ((int)t) {
    case AWASM_I32: return "i32";
    case AWASM_I64: return "i64";
    case AWASM_F32: return "f32";
    case AWASM_F64: return "f64";
    case AWASM_V128: return "v128";
    case AWASM_FUNCREF: return "funcref";
    case AWASM_EXTERNREF: return "externref";
    case 0: return "unknown";
    default: return "invalid";
    }
}

const char *awasm_trap_kind_str(awasm_trap_kind_t kind)
{
    switch (kind) {
    case AWASM_TRAP_NONE: return "none";
    case AWASM_TRAP_UNREACHABLE: return "unreachable";
    case AWASM_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case AWASM_TRAP_INT_OVERFLOW: return "integer overflow";
    case AWASM_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case AWASM_TRAP_OOB_MEMORY: return "out of bounds memory access";
    case AWASM_TRAP_OOB_TABLE: return "out of bounds table access";
    case AWASM_TRAP_INDIRECT_MISMATCH: return "indirect call type mismatch";
    case AWASM_TRAP_UNINIT_ELEMENT: return "uninitialized element";
    case AWASM_TRAP_NULL_REF: return "null reference";
    case AWASM_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case AWASM_TRAP_OUT_OF_FUEL: return "out of fuel";
    case AWASM_TRAP_INTERRUPTED: return "interrupted";
    case AWASM_TRAP_HOST: return "host trap";
    case AWASM_TRAP_EXIT: return "exit";
    }
    return "unknown trap";
}

void awasm_config_default(awasm_config_t *cfg)
{
    *cfg = (awasm_config_t){
        .max_memory_pages = AWASM_MAX_PAGES,
        .max_table_size = 10000000,
        .max_call_depth = 10000,
        .max_module_size = 256u << 20,
        .max_functions = 1000000,
        .max_locals = 50000,
        .stack_slots = 4u << 20,
        .fuel = false,
        .deterministic = false,
        .fuel_schedule = 1,
        .max_tables = 100000,
        .max_store_bytes = (uint64_t)4 << 30,
    };
}

bool awasm_functype_eq(const awasm_functype_t *a, const awasm_functype_t *b)
{
    if (a->n_params != b->n_params || a->n_results != b->n_results) return false;
    for (uint32_t i = 0; i < a->n_params; i++)
        if (a->params[i] != b->params[i]) return false;
    for (uint32_t i = 0; i < a->n_results; i++)
        if (a->results[i] != b->results[i]) return false;
    return true;
}

/* ---- modules ------------------------------------------------------------------ */

awasm_module_t *awasm_module_decode(const uint8_t *bytes, size_t len, const awasm_config_t *cfg,
                                  err_t *err)
{
    if (!bytes && len) {
        err_set(err, AWASM_EARG, "wasm: no module bytes");
        return NULL;
    }
    err_t local;
    if (!err) err = &local;
    awasm_module_t *m = calloc(1, sizeof *m);
    if (!m) {
        err_set(err, AWASM_ENOMEM, "wasm: out of memory");
        return NULL;
    }
    m->refs = 1;
    if (cfg) m->cfg = *cfg;
    else awasm_config_default(&m->cfg);
    if (m->cfg.fuel_schedule == 0) m->cfg.fuel_schedule = 1;
    if (!awasm_fuel_schedule(m->cfg.fuel_schedule)) {
        err_set(err, AWASM_EARG, "wasm: no fuel schedule version %u (latest is %u)",
                m->cfg.fuel_schedule, AWASM_FUEL_SCHEDULE_LATEST);
        goto fail;
    }
    if (len > m->cfg.max_module_size) {
        err_set(err, AWASM_ELIMIT, "wasm: module of %zu bytes exceeds the limit of %zu", len,
                m->cfg.max_module_size);
        goto fail;
    }
    if (awasm_decode_module(m, bytes, len, err)) goto fail;
    for (uint32_t i = 0; i < m->n_funcs - m->n_func_imports; i++)
        if (awasm_decode_cancelled(m, err) || awasm_compile_func(m, bytes, i, err)) goto fail;
    return m;
fail:
    awasm_module_release(m);
    return NULL;
}

void awasm_module_free(awasm_module_t *m)
{
    if (m && --m->refs == 0) awasm_module_release(m);
}

uint32_t awasm_module_import_count(const awasm_module_t *m) { return m->n_imports; }
uint32_t awasm_module_export_count(const awasm_module_t *m) { return m->n_exports; }

int awasm_module_import(const awasm_module_t *m, uint32_t i, awasm_import_desc_t *out)
{
    if (i >= m->n_imports) return AWASM_EARG;
    const mimport_t *im = &m->imports[i];
    memset(out, 0, sizeof *out);
    out->module = im->module;
    out->name = im->name;
    out->kind = im->kind;
    switch (im->kind) {
    case AWASM_EXTERN_FUNC: out->func = m->types[im->type_idx]; break;
    case AWASM_EXTERN_TABLE: out->elem = im->table.elem; out->limits = im->table.limits; break;
    case AWASM_EXTERN_MEMORY: out->limits = im->mem; break;
    case AWASM_EXTERN_GLOBAL: out->global_type = im->global.type; out->global_mutable = im->global.mut;
        break;
    }
    return 0;
}

static void export_desc(const awasm_module_t *m, const mexport_t *e, awasm_export_desc_t *out)
{
    memset(out, 0, sizeof *out);
    out->name = e->name;
    out->kind = e->kind;
    out->index = e->index;
    switch (e->kind) {
    case AWASM_EXTERN_FUNC: out->func = m->types[m->func_types[e->index]]; break;
    case AWASM_EXTERN_TABLE: out->elem = m->tables[e->index].elem;
        out->limits = m->tables[e->index].limits; break;
    case AWASM_EXTERN_MEMORY: out->limits = m->mems[e->index]; break;
    case AWASM_EXTERN_GLOBAL: out->global_type = m->globals[e->index].type;
        out->global_mutable = m->globals[e->index].mut; break;
    }
}

int awasm_module_export(const awasm_module_t *m, uint32_t i, awasm_export_desc_t *out)
{
    if (i >= m->n_exports) return AWASM_EARG;
    export_desc(m, &m->exports[i], out);
    return 0;
}

int awasm_module_find_export(const awasm_module_t *m, const char *name, awasm_export_desc_t *out)
{
    for (uint32_t i = 0; i < m->n_exports; i++)
        if (strcmp(m->exports[i].name, name) == 0) {
            export_desc(m, &m->exports[i], out);
            return 0;
        }
    return AWASM_ENOTFOUND;
}

/* ---- stores and objects ------------------------------------------------------- */

enum { OBJ_INSTANCE = 4, OBJ_HOSTFUNC = 5 };

static bool track(awasm_store_t *s, int kind, void *obj)
{
    sobj_t *o = malloc(sizeof *o);
    if (!o) return false;
    o->kind = kind;
    o->obj = obj;
    o->next = s->objs;
    s->objs = o;
    return true;
}

#define STACK_INITIAL_SLOTS 512   /* 4 KiB */
#define FRAMES_INITIAL 64

awasm_store_t *awasm_store_new(const awasm_config_t *cfg)
{
    awasm_store_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (cfg) s->cfg = *cfg;
    else awasm_config_default(&s->cfg);
    if (s->cfg.fuel_schedule == 0) s->cfg.fuel_schedule = 1;
    s->sched = awasm_fuel_schedule(s->cfg.fuel_schedule);
    if (!s->sched) {
        free(s);
        return NULL;
    }
    /* The value stack and the frame array start small and grow on demand
     * (awasm_stack_grow, awasm_frames_grow): most calls use a few KiB, and
     * an embedder that creates many short-lived stores (a contract call
     * each) should not pay for the limits up front. */
    s->stack_max = s->cfg.stack_slots ? s->cfg.stack_slots : 1024;
    s->stack_slots = s->stack_max < STACK_INITIAL_SLOTS ? s->stack_max : STACK_INITIAL_SLOTS;
    s->max_frames = s->cfg.max_call_depth ? s->cfg.max_call_depth : 1;
    s->frames_cap = s->max_frames < FRAMES_INITIAL ? s->max_frames : FRAMES_INITIAL;
    s->stack = calloc(s->stack_slots, sizeof *s->stack);
    s->frames = calloc((size_t)s->frames_cap + 1, sizeof *s->frames);
    if (!s->stack || !s->frames) {
        free(s->stack);
        free(s->frames);
        free(s);
        return NULL;
    }
    atomic_init(&s->interrupt, 0);
    return s;
}

bool awasm_stack_grow(awasm_store_t *s, size_t need, uint32_t depth)
{
    if (need <= s->stack_slots) return true;
    if (need > s->stack_max) return false;
    size_t cap = s->stack_slots * 2;
    if (cap < need) cap = need;
    if (cap > s->stack_max) cap = s->stack_max;
    uintptr_t old = (uintptr_t)s->stack;
    uint64_t *p = realloc(s->stack, cap * sizeof *p);
    if (!p) return false;
    memset(p + s->stack_slots, 0, (cap - s->stack_slots) * sizeof *p);
    for (uint32_t i = 0; i < depth; i++)
        s->frames[i].fp = (uint64_t *)((uintptr_t)s->frames[i].fp - old + (uintptr_t)p);
    s->stack = p;
    s->stack_slots = cap;
    return true;
}

bool awasm_frames_grow(awasm_store_t *s)
{
    if (s->frames_cap >= s->max_frames) return false;
    uint32_t cap = s->frames_cap > s->max_frames / 2 ? s->max_frames : s->frames_cap * 2;
    frame_t *p = realloc(s->frames, ((size_t)cap + 1) * sizeof *p);
    if (!p) return false;
    s->frames = p;
    s->frames_cap = cap;
    return true;
}

/* Released linear memories are kept for reuse, zeroed: mapping a
 * reservation, faulting its pages in and unmapping it again costs more than
 * a short contract call itself (a chain block runs thousands of them, each
 * in a fresh instance). Only small ones (at most POOL_MAX_BYTES in use, the
 * bytes zeroed on release) are kept, at most POOL_MAX of them, shared by
 * all threads under a mutex. Pages past a reused memory's size may already
 * be read-write: they are zero, and every access is bounds-checked in
 * software, so that changes nothing observable. */
#define POOL_MAX 32
#define POOL_MAX_BYTES ((size_t)1 << 20)
static struct {
    uint8_t *data;
    size_t reserved, rw;
} g_pool[POOL_MAX];
static size_t g_pool_n;
static pthread_mutex_t g_pool_mu = PTHREAD_MUTEX_INITIALIZER;

static void memory_free(awasm_memory_t *mem)
{
    if (mem->data && mem->reserved) {
        bool kept = false;
        if (mem->size <= POOL_MAX_BYTES) {
            memset(mem->data, 0, mem->size);
            pthread_mutex_lock(&g_pool_mu);
            if (g_pool_n < POOL_MAX) {
                g_pool[g_pool_n].data = mem->data;
                g_pool[g_pool_n].reserved = mem->reserved;
                g_pool[g_pool_n].rw = mem->rw;
                g_pool_n++;
                kept = true;
            }
            pthread_mutex_unlock(&g_pool_mu);
        }
        if (!kept) munmap(mem->data, mem->reserved);
    }
    free(mem);
}

/* A zeroed reservation of `reserved` bytes from the pool (*rw: its bytes
 * already read-write), or NULL. */
static uint8_t *pool_take(size_t reserved, size_t *rw)
{
    uint8_t *p = NULL;
    pthread_mutex_lock(&g_pool_mu);
    for (size_t i = g_pool_n; i-- > 0;)
        if (g_pool[i].reserved == reserved) {
            p = g_pool[i].data;
            *rw = g_pool[i].rw;
            g_pool[i] = g_pool[--g_pool_n];
            break;
        }
    pthread_mutex_unlock(&g_pool_mu);
    return p;
}

void awasm_store_free(awasm_store_t *s)
{
    if (!s) return;
    for (sobj_t *o = s->objs, *next; o; o = next) {
        next = o->next;
        switch (o->kind) {
        case AWASM_EXTERN_FUNC: case OBJ_HOSTFUNC: free(o->obj); break;
        case AWASM_EXTERN_TABLE: { awasm_table_t *t = o->obj; free(t->elems); free(t); break; }
        case AWASM_EXTERN_MEMORY: memory_free(o->obj); break;
        case AWASM_EXTERN_GLOBAL: free(o->obj); break;
        case OBJ_INSTANCE: {
            awasm_instance_t *inst = o->obj;
            free(inst->funcs);
            free(inst->tables);
            free(inst->mems);
            free(inst->globals);
            free(inst->elem_dropped);
            free(inst->data_dropped);
            awasm_module_free(inst->module);
            free(inst);
            break;
        }
        }
        free(o);
    }
    free(s->stack);
    free(s->frames);
    free(s);
}

const awasm_config_t *awasm_store_config(const awasm_store_t *s) { return &s->cfg; }
void awasm_store_set_fuel(awasm_store_t *s, uint64_t fuel) { s->fuel = fuel; }
uint64_t awasm_store_fuel(const awasm_store_t *s) { return s->fuel; }
void awasm_store_interrupt(awasm_store_t *s) { atomic_store(&s->interrupt, 1); }
awasm_trap_kind_t awasm_store_trap(const awasm_store_t *s) { return s->trap; }
int32_t awasm_store_exit_code(const awasm_store_t *s) { return s->exit_code; }
void awasm_store_set_user(awasm_store_t *s, void *user) { s->user = user; }
void *awasm_store_user(const awasm_store_t *s) { return s->user; }

/* ---- memories ---------------------------------------------------------------- */

int awasm_decode_cancelled(const awasm_module_t *m, err_t *err)
{
    if (!m->cfg.cancel || !atomic_load(m->cfg.cancel)) return 0;
    return err_set(err, AWASM_ELIMIT, "wasm: decoding interrupted");
}

bool awasm_store_reserve(awasm_store_t *s, uint64_t n)
{
    if (n > s->cfg.max_store_bytes || s->host_bytes > s->cfg.max_store_bytes - n)
        return false;
    s->host_bytes += n;
    return true;
}

/* AWASM_ELIMIT naming what did not fit in max_store_bytes. */
static void *over_budget(awasm_store_t *s, err_t *err, const char *what, uint64_t n)
{
    err_set(err, AWASM_ELIMIT, "wasm: %s (%llu bytes) exceeds the store's host memory limit of "
            "%llu bytes (%llu in use)", what, (unsigned long long)n,
            (unsigned long long)s->cfg.max_store_bytes, (unsigned long long)s->host_bytes);
    return NULL;
}

static awasm_memory_t *memory_create(awasm_store_t *s, awasm_limits_t lim, err_t *err)
{
    uint64_t maxp = lim.has_max ? lim.max : AWASM_MAX_PAGES;
    if (maxp > s->cfg.max_memory_pages) maxp = s->cfg.max_memory_pages;
    if (lim.min > maxp) {
        err_set(err, AWASM_ELIMIT, "wasm: memory of %llu pages exceeds the limit of %llu pages",
                (unsigned long long)lim.min, (unsigned long long)maxp);
        return NULL;
    }
    awasm_memory_t *mem = calloc(1, sizeof *mem);
    if (!mem) goto oom;
    mem->limits = lim;
    mem->max_pages = (uint32_t)maxp;
    mem->reserved = (size_t)maxp * AWASM_PAGE;
    if (mem->reserved == 0) mem->reserved = AWASM_PAGE;   /* a valid base for size 0 */
    size_t rw = 0;
    void *p = pool_take(mem->reserved, &rw);
    if (!p) {
        p = mmap(NULL, mem->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            free(mem);
            goto oom;
        }
    }
    mem->data = p;
    size_t want = (size_t)lim.min * AWASM_PAGE;
    if (want > rw) {
        if (mprotect((uint8_t *)p + rw, want - rw, PROT_READ | PROT_WRITE) != 0) {
            munmap(p, mem->reserved);
            free(mem);
            goto oom;
        }
        rw = want;
    }
    mem->rw = rw;
    mem->pages = (uint32_t)lim.min;
    mem->size = lim.min * AWASM_PAGE;
    if (!track(s, AWASM_EXTERN_MEMORY, mem)) {
        memory_free(mem);
        goto oom;
    }
    return mem;
oom:
    err_set(err, AWASM_ENOMEM, "wasm: cannot allocate a memory of %llu pages",
            (unsigned long long)lim.min);
    return NULL;
}

int64_t awasm_mem_grow(awasm_memory_t *m, uint32_t delta)
{
    uint32_t old = m->pages;
    if (delta == 0) return old;
    if ((uint64_t)old + delta > m->max_pages) return -1;
    size_t want = ((size_t)old + delta) * AWASM_PAGE;
    if (want > m->rw) {
        if (mprotect(m->data + m->rw, want - m->rw, PROT_READ | PROT_WRITE) != 0) return -1;
        m->rw = want;
    }
    m->pages = old + delta;
    m->size = (uint64_t)m->pages * AWASM_PAGE;
    return old;
}

awasm_memory_t *awasm_memory_new(awasm_store_t *s, awasm_limits_t pages, err_t *err)
{
    return memory_create(s, pages, err);
}

uint64_t awasm_memory_size(const awasm_memory_t *mem) { return mem->size; }
uint32_t awasm_memory_pages(const awasm_memory_t *mem) { return mem->pages; }
uint8_t *awasm_memory_data(awasm_memory_t *mem) { return mem->data; }

void *awasm_memory_ptr(awasm_memory_t *mem, uint64_t offset, uint64_t len)
{
    if (!mem || offset > mem->size || len > mem->size - offset) return NULL;
    return mem->data + offset;
}

bool awasm_memory_read(awasm_memory_t *mem, uint64_t offset, void *dst, size_t len)
{
    void *p = awasm_memory_ptr(mem, offset, len);
    if (!p) return false;
    if (len) memcpy(dst, p, len);
    return true;
}

bool awasm_memory_write(awasm_memory_t *mem, uint64_t offset, const void *src, size_t len)
{
    void *p = awasm_memory_ptr(mem, offset, len);
    if (!p) return false;
    if (len) memcpy(p, src, len);
    return true;
}

int64_t awasm_memory_grow(awasm_memory_t *mem, uint32_t delta) { return awasm_mem_grow(mem, delta); }

/* ---- tables ------------------------------------------------------------------- */

static awasm_table_t *table_create(awasm_store_t *s, awasm_valtype_t elem, awasm_limits_t lim,
                                  err_t *err)
{
    uint64_t maxn = lim.has_max ? lim.max : UINT32_MAX;
    if (maxn > s->cfg.max_table_size) maxn = s->cfg.max_table_size;
    if (lim.min > maxn) {
        err_set(err, AWASM_ELIMIT, "wasm: table of %llu elements exceeds the limit of %llu",
                (unsigned long long)lim.min, (unsigned long long)maxn);
        return NULL;
    }
    uint64_t bytes = sizeof(awasm_table_t) + sizeof(sobj_t) + lim.min * sizeof(void *);
    if (!awasm_store_reserve(s, bytes))
        return over_budget(s, err, "a table of that many elements", bytes);
    awasm_table_t *t = calloc(1, sizeof *t);
    if (!t) goto oom;
    t->store = s;
    t->elem = elem;
    t->limits = lim;
    t->max = (uint32_t)maxn;
    t->size = (uint32_t)lim.min;
    t->cap = t->size;
    t->elems = calloc(t->cap ? t->cap : 1, sizeof *t->elems);
    if (!t->elems || !track(s, AWASM_EXTERN_TABLE, t)) {
        if (t) free(t->elems);
        free(t);
        goto oom;
    }
    return t;
oom:
    err_set(err, AWASM_ENOMEM, "wasm: cannot allocate a table of %llu elements",
            (unsigned long long)lim.min);
    return NULL;
}

int64_t awasm_tab_grow(awasm_table_t *t, uint32_t delta, void *init)
{
    uint32_t old = t->size;
    if ((uint64_t)old + delta > t->max) return -1;
    uint32_t want = old + delta;
    if (want > t->cap) {
        uint64_t cap = (uint64_t)t->cap * 2;
        if (cap < want) cap = want;
        if (cap > t->max) cap = t->max;
        uint64_t more = (cap - t->cap) * sizeof(void *);
        if (!awasm_store_reserve(t->store, more)) {
            cap = want; /* no headroom: try the exact size */
            more = (cap - t->cap) * sizeof(void *);
            if (!awasm_store_reserve(t->store, more)) return -1;
        }
        void **e = realloc(t->elems, (size_t)cap * sizeof *e);
        if (!e) {
            t->store->host_bytes -= more;
            return -1;
        }
        t->elems = e;
        t->cap = (uint32_t)cap;
    }
    for (uint32_t i = old; i < want; i++) t->elems[i] = init;
    t->size = want;
    return old;
}

awasm_table_t *awasm_table_new(awasm_store_t *s, awasm_valtype_t elem, awasm_limits_t limits,
                             err_t *err)
{
    if (elem != AWASM_FUNCREF && elem != AWASM_EXTERNREF) {
        err_set(err, AWASM_EARG, "wasm: table element type must be a reference type");
        return NULL;
    }
    return table_create(s, elem, limits, err);
}

uint32_t awasm_table_size(const awasm_table_t *t) { return t->size; }
awasm_valtype_t awasm_table_elem_type(const awasm_table_t *t) { return t->elem; }

int awasm_table_get(const awasm_table_t *t, uint32_t i, awasm_val_t *out)
{
    if (i >= t->size) return AWASM_EARG;
    out->type = t->elem;
    if (t->elem == AWASM_FUNCREF) out->of.funcref = t->elems[i];
    else out->of.externref = t->elems[i];
    return 0;
}

int awasm_table_set(awasm_table_t *t, uint32_t i, awasm_val_t v)
{
    if (i >= t->size || v.type != t->elem) return AWASM_EARG;
    t->elems[i] = t->elem == AWASM_FUNCREF ? (void *)v.of.funcref : v.of.externref;
    return 0;
}

/* ---- globals ------------------------------------------------------------------ */

static uint64_t val_bits(awasm_val_t v)
{
    switch ((int)v.type) {
    case AWASM_I32: return (uint32_t)v.of.i32;
    case AWASM_I64: return (uint64_t)v.of.i64;
    case AWASM_F32: return v.of.f32_bits;
    case AWASM_F64: return v.of.f64_bits;
    case AWASM_FUNCREF: return (uint64_t)(uintptr_t)v.of.funcref;
    case AWASM_EXTERNREF: return (uint64_t)(uintptr_t)v.of.externref;
    default: return 0;
    }
}

/* A value in 1 slot, or 2 for a v128 (as the interpreter's frames hold it);
 * returns the slots used. */
static uint32_t val_put(uint64_t *slot, awasm_val_t v)
{
    if (v.type == AWASM_V128) {
        memcpy(slot, v.of.v128, 16);
        return 2;
    }
    slot[0] = val_bits(v);
    return 1;
}

static awasm_val_t bits_val(awasm_valtype_t t, uint64_t b);
static awasm_val_t val_get(awasm_valtype_t t, const uint64_t *slot, uint32_t *used)
{
    if (t == AWASM_V128) {
        awasm_val_t v;
        memset(&v, 0, sizeof v);
        v.type = t;
        memcpy(v.of.v128, slot, 16);
        *used += 2;
        return v;
    }
    *used += 1;
    return bits_val(t, slot[0]);
}

static awasm_val_t bits_val(awasm_valtype_t t, uint64_t b)
{
    awasm_val_t v;
    memset(&v, 0, sizeof v);
    v.type = t;
    switch ((int)t) {
    case AWASM_I32: v.of.i32 = (int32_t)(uint32_t)b; break;
    case AWASM_I64: v.of.i64 = (int64_t)b; break;
    case AWASM_F32: v.of.f32_bits = (uint32_t)b; break;
    case AWASM_F64: v.of.f64_bits = b; break;
    case AWASM_FUNCREF: v.of.funcref = (awasm_func_t *)(uintptr_t)b; break;
    case AWASM_EXTERNREF: v.of.externref = (void *)(uintptr_t)b; break;
    default: break;
    }
    return v;
}

awasm_global_t *awasm_global_new(awasm_store_t *s, awasm_valtype_t type, bool mutable_,
                               awasm_val_t init, err_t *err)
{
    if (init.type != type) {
        err_set(err, AWASM_EARG, "wasm: global of type %s initialised with %s",
                awasm_valtype_name(type), awasm_valtype_name(init.type));
        return NULL;
    }
    if (!awasm_store_reserve(s, sizeof(awasm_global_t) + sizeof(sobj_t)))
        return over_budget(s, err, "a global", sizeof(awasm_global_t) + sizeof(sobj_t));
    awasm_global_t *g = calloc(1, sizeof *g);
    if (!g || !track(s, AWASM_EXTERN_GLOBAL, g)) {
        free(g);
        err_set(err, AWASM_ENOMEM, "wasm: out of memory");
        return NULL;
    }
    g->type = type;
    g->mut = mutable_;
    val_put(&g->val, init);   /* a v128 fills val and val_hi */
    return g;
}

awasm_valtype_t awasm_global_type(const awasm_global_t *g) { return g->type; }
bool awasm_global_mutable(const awasm_global_t *g) { return g->mut; }
awasm_val_t awasm_global_get(const awasm_global_t *g)
{
    uint32_t used = 0;
    return val_get(g->type, &g->val, &used);
}

int awasm_global_set(awasm_global_t *g, awasm_val_t v)
{
    if (!g->mut || v.type != g->type) return AWASM_EARG;
    val_put(&g->val, v);
    return 0;
}

/* ---- host functions ----------------------------------------------------------- */

int awasm_sig_parse(const char *sig, awasm_functype_t *out, awasm_valtype_t *params,
                   awasm_valtype_t *results, err_t *err)
{
    const char *p = sig;
    if (!sig || *p != '(') return err_set(err, AWASM_EARG, "wasm: signature \"%s\" must start with '('",
                                          sig ? sig : "");
    p++;
    uint32_t np = 0, nr = 0;
    bool in_params = true;
    for (; *p; p++) {
        awasm_valtype_t t;
        if (*p == ')') {
            if (!in_params) break;
            in_params = false;
            continue;
        }
        switch (*p) {
        case 'i': t = AWASM_I32; break;
        case 'I': t = AWASM_I64; break;
        case 'f': t = AWASM_F32; break;
        case 'F': t = AWASM_F64; break;
        case 'r': t = AWASM_EXTERNREF; break;
        case 'c': t = AWASM_FUNCREF; break;
        case 'V': t = AWASM_V128; break;
        default:
            return err_set(err, AWASM_EARG, "wasm: bad character '%c' in signature \"%s\"", *p, sig);
        }
        if (in_params) {
            if (np == AWASM_SIG_MAX) return err_set(err, AWASM_EARG, "wasm: signature too long");
            params[np++] = t;
        } else {
            if (nr == AWASM_SIG_MAX) return err_set(err, AWASM_EARG, "wasm: signature too long");
            results[nr++] = t;
        }
    }
    if (in_params || *p) return err_set(err, AWASM_EARG, "wasm: malformed signature \"%s\"", sig);
    *out = (awasm_functype_t){np, nr, params, results};
    return 0;
}

awasm_func_t *awasm_func_new_host(awasm_store_t *s, const awasm_functype_t *type, awasm_host_fn_t fn,
                                void *user, err_t *err)
{
    size_t n = (size_t)type->n_params + type->n_results;
    awasm_func_t *f = calloc(1, sizeof *f + (n ? n : 1) * sizeof(awasm_valtype_t));
    if (!f || !track(s, OBJ_HOSTFUNC, f)) {
        free(f);
        err_set(err, AWASM_ENOMEM, "wasm: out of memory");
        return NULL;
    }
    if (type->n_params) memcpy(f->host_types, type->params, type->n_params * sizeof(awasm_valtype_t));
    if (type->n_results)
        memcpy(f->host_types + type->n_params, type->results,
               type->n_results * sizeof(awasm_valtype_t));
    f->type = (awasm_functype_t){type->n_params, type->n_results, f->host_types,
                                f->host_types + type->n_params};
    f->host = fn;
    f->user = user;
    return f;
}

awasm_instance_t *awasm_ctx_instance(awasm_ctx_t *ctx) { return ctx->inst; }
awasm_store_t *awasm_ctx_store(awasm_ctx_t *ctx) { return ctx->store; }
awasm_memory_t *awasm_ctx_memory(awasm_ctx_t *ctx) { return ctx->inst ? ctx->inst->mem0 : NULL; }

int awasm_ctx_trap(awasm_ctx_t *ctx, awasm_trap_kind_t kind, const char *fmt, ...)
{
    awasm_store_t *s = ctx->store;
    s->trap = kind == AWASM_TRAP_NONE ? AWASM_TRAP_HOST : kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->trap_msg, sizeof s->trap_msg, fmt, ap);
    va_end(ap);
    return -1;
}

int awasm_ctx_exit(awasm_ctx_t *ctx, int32_t code)
{
    ctx->store->trap = AWASM_TRAP_EXIT;
    ctx->store->exit_code = code;
    snprintf(ctx->store->trap_msg, sizeof ctx->store->trap_msg, "exit code %d", (int)code);
    return -1;
}

int awasm_ctx_charge(awasm_ctx_t *ctx, uint64_t units)
{
    awasm_store_t *s = ctx->store;
    if (atomic_load_explicit(&s->interrupt, memory_order_relaxed)) {
        atomic_store(&s->interrupt, 0);
        return awasm_ctx_trap(ctx, AWASM_TRAP_INTERRUPTED, "interrupted in a host function");
    }
    if (s->cfg.fuel) {
        if (s->fuel < units)
            return awasm_ctx_trap(ctx, AWASM_TRAP_OUT_OF_FUEL, "host function needs %llu units",
                                  (unsigned long long)units);
        s->fuel -= units;
    }
    return 0;
}

awasm_trap_kind_t awasm_call_host(awasm_store_t *s, awasm_instance_t *caller, awasm_func_t *f,
                                uint64_t *slots)
{
    awasm_val_t small[16];
    uint32_t np = f->type.n_params, nr = f->type.n_results;
    size_t n = (size_t)np + nr;
    awasm_val_t *v = n <= 16 ? small : malloc(n * sizeof *v);
    if (!v) {
        snprintf(s->trap_msg, sizeof s->trap_msg, "out of memory calling a host function");
        return AWASM_TRAP_HOST;
    }
    uint32_t at = 0;
    for (uint32_t i = 0; i < np; i++) v[i] = val_get(f->type.params[i], slots + at, &at);
    for (uint32_t i = 0; i < nr; i++) {
        memset(&v[np + i], 0, sizeof v[0]);
        v[np + i].type = f->type.results[i];
    }
    awasm_ctx_t ctx = {s, caller};
    s->trap = AWASM_TRAP_NONE;
    int rc = f->host(&ctx, v, v + np, f->user);
    awasm_trap_kind_t k = AWASM_TRAP_NONE;
    if (rc != 0) {
        k = s->trap != AWASM_TRAP_NONE ? s->trap : AWASM_TRAP_HOST;
        if (s->trap == AWASM_TRAP_NONE)
            snprintf(s->trap_msg, sizeof s->trap_msg, "host function returned %d", rc);
    } else {
        at = 0;
        for (uint32_t i = 0; i < nr; i++) {
            v[np + i].type = f->type.results[i];   /* the type stays the signature's */
            at += val_put(slots + at, v[np + i]);
        }
    }
    if (v != small) free(v);
    return k;
}

/* ---- imports ------------------------------------------------------------------ */

typedef struct import_entry {
    char *module, *name;
    uint32_t hash;               /* awasm_import_hash(module, name) */
    bool host;
    awasm_extern_t item;
    awasm_functype_t type;
    awasm_valtype_t types[2 * AWASM_SIG_MAX];
    awasm_host_fn_t fn;
    void *user;
} import_entry_t;

struct awasm_imports {
    import_entry_t *v;
    size_t n, cap;
};

awasm_imports_t *awasm_imports_new(void) { return calloc(1, sizeof(awasm_imports_t)); }

void awasm_imports_free(awasm_imports_t *imps)
{
    if (!imps) return;
    for (size_t i = 0; i < imps->n; i++) {
        free(imps->v[i].module);
        free(imps->v[i].name);
    }
    free(imps->v);
    free(imps);
}

static import_entry_t *imports_slot(awasm_imports_t *imps, const char *module, const char *name,
                                    err_t *err)
{
    uint32_t h = awasm_import_hash(module, name);
    for (size_t i = 0; i < imps->n; i++)
        if (imps->v[i].hash == h && strcmp(imps->v[i].module, module) == 0 &&
            strcmp(imps->v[i].name, name) == 0)
            return &imps->v[i];
    if (imps->n == imps->cap) {
        size_t cap = imps->cap ? imps->cap * 2 : 16;
        import_entry_t *v = realloc(imps->v, cap * sizeof *v);
        if (!v) {
            err_set(err, AWASM_ENOMEM, "wasm: out of memory");
            return NULL;
        }
        imps->v = v;
        imps->cap = cap;
    }
    import_entry_t *e = &imps->v[imps->n];
    memset(e, 0, sizeof *e);
    e->module = strdup(module);
    e->name = strdup(name);
    e->hash = h;
    if (!e->module || !e->name) {
        free(e->module);
        free(e->name);
        err_set(err, AWASM_ENOMEM, "wasm: out of memory");
        return NULL;
    }
    imps->n++;
    return e;
}

int awasm_imports_add_host(awasm_imports_t *imps, const char *module, const char *name,
                          const char *sig, awasm_host_fn_t fn, void *user, err_t *err)
{
    awasm_functype_t t;
    awasm_valtype_t p[AWASM_SIG_MAX], r[AWASM_SIG_MAX];
    if (!fn) return err_set(err, AWASM_EARG, "wasm: host function %s.%s has no callback", module, name);
    int rc = awasm_sig_parse(sig, &t, p, r, err);
    if (rc) return rc;
    import_entry_t *e = imports_slot(imps, module, name, err);
    if (!e) return AWASM_ENOMEM;
    e->host = true;
    memcpy(e->types, p, t.n_params * sizeof *p);
    memcpy(e->types + AWASM_SIG_MAX, r, t.n_results * sizeof *r);
    e->type = (awasm_functype_t){t.n_params, t.n_results, NULL, NULL};
    e->fn = fn;
    e->user = user;
    return 0;
}

int awasm_imports_add_extern(awasm_imports_t *imps, const char *module, const char *name,
                            awasm_extern_t item, err_t *err)
{
    if (!item.of.func) return err_set(err, AWASM_EARG, "wasm: import %s.%s is NULL", module, name);
    import_entry_t *e = imports_slot(imps, module, name, err);
    if (!e) return AWASM_ENOMEM;
    e->host = false;
    e->item = item;
    return 0;
}

int awasm_imports_add_instance(awasm_imports_t *imps, const char *module, awasm_instance_t *inst,
                              err_t *err)
{
    const awasm_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->n_exports; i++) {
        awasm_extern_t x;
        if (awasm_instance_export_n(inst, m->exports[i].name, m->exports[i].name_len, &x)) continue;
        int rc = awasm_imports_add_extern(imps, module, m->exports[i].name, x, err);
        if (rc) return rc;
    }
    return 0;
}

/* ---- instantiation ------------------------------------------------------------- */

static bool limits_match(awasm_limits_t have, uint64_t have_min, awasm_limits_t want)
{
    if (have_min < want.min) return false;
    if (want.has_max) {
        if (!have.has_max || have.max > want.max) return false;
    }
    return true;
}

static uint64_t eval_cexpr(awasm_instance_t *inst, const cexpr_t *e)
{
    switch (e->op) {
    case CE_I32: case CE_I64: case CE_F32: case CE_F64: case CE_V128: return e->v;
    case CE_REF_NULL: return 0;
    case CE_REF_FUNC: return (uint64_t)(uintptr_t)inst->funcs[e->v];
    case CE_GLOBAL_GET: return inst->globals[e->v]->val;
    }
    return 0;
}

static int link_imports(awasm_store_t *s, awasm_instance_t *inst, const awasm_imports_t *imps,
                        err_t *err)
{
    awasm_module_t *m = inst->module;
    uint32_t nf = 0, nt = 0, nm = 0, ng = 0;
    for (uint32_t i = 0; i < m->n_imports; i++) {
        const mimport_t *im = &m->imports[i];
        const import_entry_t *e = NULL;
        for (size_t k = 0; imps && k < imps->n; k++)
            if (imps->v[k].hash == im->hash && strcmp(imps->v[k].module, im->module) == 0 &&
                strcmp(imps->v[k].name, im->name) == 0) {
                e = &imps->v[k];
                break;
            }
        if (!e)
            return err_set(err, AWASM_ELINK, "wasm: unknown import %s.%s", im->module, im->name);
        awasm_extern_t x = e->item;
        if (e->host) {
            if (im->kind != AWASM_EXTERN_FUNC)
                return err_set(err, AWASM_ELINK, "wasm: incompatible import type for %s.%s (host "
                               "function given)", im->module, im->name);
            awasm_functype_t t = {e->type.n_params, e->type.n_results, e->types,
                                 e->types + AWASM_SIG_MAX};
            x.kind = AWASM_EXTERN_FUNC;
            x.of.func = awasm_func_new_host(s, &t, e->fn, e->user, err);
            if (!x.of.func) return AWASM_ENOMEM;
        }
        if (x.kind != im->kind)
            return err_set(err, AWASM_ELINK, "wasm: incompatible import type for %s.%s (kind)",
                           im->module, im->name);
        switch (im->kind) {
        case AWASM_EXTERN_FUNC:
            if (!awasm_functype_eq(&x.of.func->type, &m->types[im->type_idx]))
                return err_set(err, AWASM_ELINK, "wasm: incompatible import type for %s.%s "
                               "(signature)", im->module, im->name);
            inst->funcs[nf++] = x.of.func;
            break;
        case AWASM_EXTERN_TABLE: {
            awasm_table_t *t = x.of.table;
            awasm_limits_t have = t->limits;
            have.max = t->limits.has_max ? t->limits.max : 0;
            if (t->elem != im->table.elem || !limits_match(have, t->size, im->table.limits))
                return err_set(err, AWASM_ELINK, "wasm: incompatible import type for %s.%s (table)",
                               im->module, im->name);
            inst->tables[nt++] = t;
            break;
        }
        case AWASM_EXTERN_MEMORY: {
            awasm_memory_t *mem = x.of.memory;
            if (!limits_match(mem->limits, mem->pages, im->mem))
                return err_set(err, AWASM_ELINK, "wasm: incompatible import type for %s.%s (memory)",
                               im->module, im->name);
            inst->mems[nm++] = mem;
            break;
        }
        case AWASM_EXTERN_GLOBAL: {
            awasm_global_t *g = x.of.global;
            if (g->type != im->global.type || g->mut != im->global.mut)
                return err_set(err, AWASM_ELINK, "wasm: incompatible import type for %s.%s (global)",
                               im->module, im->name);
            inst->globals[ng++] = g;
            break;
        }
        }
    }
    return 0;
}

static int run_start(awasm_store_t *s, awasm_func_t *f, err_t *err)
{
    return awasm_func_call(s, f, NULL, 0, NULL, 0, err);
}

awasm_instance_t *awasm_instance_new(awasm_store_t *s, awasm_module_t *m, const awasm_imports_t *imps,
                                   err_t *err)
{
    if (!s || !m) {
        err_set(err, AWASM_EARG, "wasm: no store or module");
        return NULL;
    }
    if (m->cfg.fuel != s->cfg.fuel || m->cfg.deterministic != s->cfg.deterministic ||
        (m->cfg.fuel && m->cfg.fuel_schedule != s->cfg.fuel_schedule)) {
        err_set(err, AWASM_EARG, "wasm: module was compiled with other fuel/determinism settings "
                "than the store");
        return NULL;
    }
    if (m->n_tables > s->cfg.max_tables) {
        err_set(err, AWASM_ELIMIT, "wasm: %u tables exceed the limit of %u", m->n_tables,
                s->cfg.max_tables);
        return NULL;
    }
    /* What the instance itself holds: its index arrays, one object per
     * defined function and global (tables and memories are charged as
     * they are created). */
    uint64_t own = sizeof(awasm_instance_t) + sizeof(sobj_t) +
                   ((uint64_t)m->n_funcs + m->n_tables + m->n_mems + m->n_globals + 4) *
                       sizeof(void *) + (uint64_t)m->n_elems + m->n_datas + 2 +
                   (uint64_t)(m->n_funcs - m->n_func_imports) * (sizeof(awasm_func_t) +
                                                                  sizeof(sobj_t)) +
                   (uint64_t)(m->n_globals - m->n_global_imports) * (sizeof(awasm_global_t) +
                                                                      sizeof(sobj_t));
    if (!awasm_store_reserve(s, own))
        return over_budget(s, err, "the instance's functions and globals", own);
    awasm_instance_t *inst = calloc(1, sizeof *inst);
    if (!inst || !track(s, OBJ_INSTANCE, inst)) {
        free(inst);
        err_set(err, AWASM_ENOMEM, "wasm: out of memory");
        return NULL;
    }
    inst->store = s;
    inst->module = m;
    m->refs++;
    inst->funcs = calloc(m->n_funcs + 1, sizeof *inst->funcs);
    inst->tables = calloc(m->n_tables + 1, sizeof *inst->tables);
    inst->mems = calloc(m->n_mems + 1, sizeof *inst->mems);
    inst->globals = calloc(m->n_globals + 1, sizeof *inst->globals);
    inst->elem_dropped = calloc(m->n_elems + 1, 1);
    inst->data_dropped = calloc(m->n_datas + 1, 1);
    if (!inst->funcs || !inst->tables || !inst->mems || !inst->globals || !inst->elem_dropped ||
        !inst->data_dropped) {
        err_set(err, AWASM_ENOMEM, "wasm: out of memory");
        return NULL;
    }
    if (link_imports(s, inst, imps, err)) return NULL;

    for (uint32_t i = m->n_func_imports; i < m->n_funcs; i++) {
        awasm_func_t *f = calloc(1, sizeof *f);
        if (!f || !track(s, AWASM_EXTERN_FUNC, f)) {
            free(f);
            err_set(err, AWASM_ENOMEM, "wasm: out of memory");
            return NULL;
        }
        f->type = m->types[m->func_types[i]];
        f->inst = inst;
        f->cf = &m->cfuncs[i - m->n_func_imports];
        inst->funcs[i] = f;
    }
    for (uint32_t i = m->n_global_imports; i < m->n_globals; i++) {
        awasm_global_t *g = calloc(1, sizeof *g);
        if (!g || !track(s, AWASM_EXTERN_GLOBAL, g)) {
            free(g);
            err_set(err, AWASM_ENOMEM, "wasm: out of memory");
            return NULL;
        }
        g->type = m->globals[i].type;
        g->mut = m->globals[i].mut;
        const cexpr_t *ie = &m->globals[i].init;
        g->val = eval_cexpr(inst, ie);
        if (ie->op == CE_V128) g->val_hi = ie->v_hi;
        else if (ie->op == CE_GLOBAL_GET) g->val_hi = inst->globals[ie->v]->val_hi;
        inst->globals[i] = g;
    }
    for (uint32_t i = m->n_table_imports; i < m->n_tables; i++) {
        inst->tables[i] = table_create(s, m->tables[i].elem, m->tables[i].limits, err);
        if (!inst->tables[i]) return NULL;
    }
    for (uint32_t i = m->n_mem_imports; i < m->n_mems; i++) {
        inst->mems[i] = memory_create(s, m->mems[i], err);
        if (!inst->mems[i]) return NULL;
    }
    inst->mem0 = m->n_mems ? inst->mems[0] : NULL;

    /* §4.5.4: element segments, then data segments, in order; the first
     * out-of-bounds one traps (writes before it stay). */
    for (uint32_t i = 0; i < m->n_elems; i++) {
        const melem_t *e = &m->elems[i];
        if (e->mode == SEG_PASSIVE) continue;
        if (e->mode == SEG_ACTIVE) {
            awasm_table_t *t = inst->tables[e->table];
            uint64_t off = (uint32_t)eval_cexpr(inst, &e->offset);
            if (off + e->n > t->size) {
                s->trap = AWASM_TRAP_OOB_TABLE;
                err_set(err, AWASM_ETRAP, "wasm: out of bounds table access (element segment %u)", i);
                return NULL;
            }
            for (uint32_t k = 0; k < e->n; k++)
                t->elems[off + k] = (void *)(uintptr_t)eval_cexpr(inst, &e->items[k]);
        }
        inst->elem_dropped[i] = 1;   /* active and declarative segments are dropped */
    }
    for (uint32_t i = 0; i < m->n_datas; i++) {
        const mdata_t *d = &m->datas[i];
        if (d->mode != SEG_ACTIVE) continue;
        awasm_memory_t *mem = inst->mems[d->mem];
        uint64_t off = (uint32_t)eval_cexpr(inst, &d->offset);
        if (off + d->len > mem->size) {
            s->trap = AWASM_TRAP_OOB_MEMORY;
            err_set(err, AWASM_ETRAP, "wasm: out of bounds memory access (data segment %u)", i);
            return NULL;
        }
        if (d->len && !awasm_bulk_move(s, mem->data + off, d->bytes, d->len)) {
            s->trap = AWASM_TRAP_INTERRUPTED;
            err_set(err, AWASM_ETRAP, "wasm: trap: interrupted (data segment %u)", i);
            return NULL;
        }
        inst->data_dropped[i] = 1;
    }
    if (m->start >= 0 && run_start(s, inst->funcs[m->start], err)) return NULL;
    return inst;
}

awasm_store_t *awasm_instance_store(const awasm_instance_t *inst) { return inst->store; }
const awasm_module_t *awasm_instance_module(const awasm_instance_t *inst) { return inst->module; }
void awasm_instance_set_user(awasm_instance_t *inst, void *user) { inst->user = user; }
void *awasm_instance_user(const awasm_instance_t *inst) { return inst->user; }

int awasm_instance_export(awasm_instance_t *inst, const char *name, awasm_extern_t *out)
{
    return awasm_instance_export_n(inst, name, strlen(name), out);
}

int awasm_instance_export_n(awasm_instance_t *inst, const char *name, size_t len, awasm_extern_t *out)
{
    const awasm_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->n_exports; i++) {
        const mexport_t *e = &m->exports[i];
        if (e->name_len != len || memcmp(e->name, name, len) != 0) continue;
        out->kind = e->kind;
        switch (e->kind) {
        case AWASM_EXTERN_FUNC: out->of.func = inst->funcs[e->index]; break;
        case AWASM_EXTERN_TABLE: out->of.table = inst->tables[e->index]; break;
        case AWASM_EXTERN_MEMORY: out->of.memory = inst->mems[e->index]; break;
        case AWASM_EXTERN_GLOBAL: out->of.global = inst->globals[e->index]; break;
        }
        return 0;
    }
    return AWASM_ENOTFOUND;
}

#define EXPORT_OF(fn, type, kind_, field) \
    type *fn(awasm_instance_t *inst, const char *name) \
    { \
        awasm_extern_t x; \
        if (awasm_instance_export(inst, name, &x) || x.kind != kind_) return NULL; \
        return x.of.field; \
    }
EXPORT_OF(awasm_instance_func, awasm_func_t, AWASM_EXTERN_FUNC, func)
EXPORT_OF(awasm_instance_memory, awasm_memory_t, AWASM_EXTERN_MEMORY, memory)
EXPORT_OF(awasm_instance_global, awasm_global_t, AWASM_EXTERN_GLOBAL, global)
EXPORT_OF(awasm_instance_table, awasm_table_t, AWASM_EXTERN_TABLE, table)

/* ---- calls ---------------------------------------------------------------------- */

awasm_functype_t awasm_func_type(const awasm_func_t *f) { return f->type; }

int awasm_func_call(awasm_store_t *s, awasm_func_t *f, const awasm_val_t *args, size_t n_args,
                   awasm_val_t *results, size_t n_results, err_t *err)
{
    if (!s || !f) return err_set(err, AWASM_EARG, "wasm: no store or function");
    if (s->running) return err_set(err, AWASM_EARG, "wasm: the store is already running a call");
    if (f->inst && f->inst->store != s)
        return err_set(err, AWASM_EARG, "wasm: function belongs to another store");
    const awasm_functype_t *t = &f->type;
    if (n_args != t->n_params || n_results != t->n_results)
        return err_set(err, AWASM_EARG, "wasm: function takes %u arguments and returns %u results "
                       "(%zu and %zu given)", t->n_params, t->n_results, n_args, n_results);
    for (uint32_t i = 0; i < t->n_params; i++)
        if (args[i].type != t->params[i])
            return err_set(err, AWASM_EARG, "wasm: argument %u must be %s, not %s", i,
                           awasm_valtype_name(t->params[i]), awasm_valtype_name(args[i].type));
    size_t need = 2 * (size_t)(t->n_params > t->n_results ? t->n_params : t->n_results);
    if (!awasm_stack_grow(s, need, 0)) return err_set(err, AWASM_EARG, "wasm: too many arguments");
    uint32_t at = 0;
    for (uint32_t i = 0; i < t->n_params; i++) at += val_put(s->stack + at, args[i]);
    s->trap = AWASM_TRAP_NONE;
    s->exit_code = 0;
    s->trap_msg[0] = 0;
    s->running = true;
    awasm_trap_kind_t k;
    if (f->cf) {
        k = awasm_interp_run(s, f);
    } else {
        k = awasm_call_host(s, NULL, f, s->stack);
    }
    s->running = false;
    if (k != AWASM_TRAP_NONE) {
        s->trap = k;
        if (s->trap_msg[0])
            return err_set(err, AWASM_ETRAP, "wasm: trap: %s (%s)", awasm_trap_kind_str(k), s->trap_msg);
        return err_set(err, AWASM_ETRAP, "wasm: trap: %s", awasm_trap_kind_str(k));
    }
    at = 0;
    for (uint32_t i = 0; i < t->n_results; i++) results[i] = val_get(t->results[i], s->stack + at, &at);
    return 0;
}

int awasm_instance_call(awasm_instance_t *inst, const char *name, const awasm_val_t *args,
                       size_t n_args, awasm_val_t *results, size_t n_results, err_t *err)
{
    awasm_func_t *f = awasm_instance_func(inst, name);
    if (!f) return err_set(err, AWASM_ENOTFOUND, "wasm: no exported function \"%s\"", name);
    return awasm_func_call(inst->store, f, args, n_args, results, n_results, err);
}
