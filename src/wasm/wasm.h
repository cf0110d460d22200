/*
 * wasm: the WebAssembly 2.0 core engine (MVP, sign-extension, non-trapping
 * float-to-int, multi-value, bulk memory, reference types; no SIMD yet).
 *
 * Pipeline: wasm_module_decode() decodes (every length bounds-checked),
 * validates (full type checking) and compiles each function once into a
 * slot-addressed internal code with resolved branch targets. Instances run
 * that code in a threaded (computed goto) interpreter with its own value and
 * call stacks, so deep wasm recursion never grows the host C stack.
 *
 * Objects and ownership
 *   wasm_module_t    immutable compiled code; freed with wasm_module_free().
 *                    Instances keep a reference, so a module may be freed while
 *                    its instances live on.
 *   wasm_store_t     owns everything that exists at run time: instances, host
 *                    functions, tables, memories and globals, the value stack,
 *                    the fuel counter and the interrupt flag. Freeing the store
 *                    frees all of them. A store is single-threaded except for
 *                    wasm_store_interrupt(), which any thread may call.
 *   wasm_imports_t   a list of (module, name) -> item used at instantiation;
 *                    owned by the caller, may be freed right after
 *                    wasm_instance_new().
 *
 * Errors follow DESIGN.md §3: functions return 0 or a negative WASM_E* code
 * (or NULL) and fill an optional err_t. Decode errors name the byte offset
 * ("wasm: section 3 truncated at offset 812"). A trap is reported as
 * WASM_ETRAP with the trap kind in wasm_store_trap() and a message in err.
 *
 * Fuel: when wasm_config_t.fuel is set, every instruction costs a fixed
 * amount (1 for most; calls, memory.grow and bulk memory/table operations
 * more, bulk ones in proportion to their length), charged per basic block on
 * entry. The same module with the same inputs uses exactly the same fuel on
 * every machine and build. Running out is the trap WASM_TRAP_OUT_OF_FUEL; the
 * fuel left is then whatever was left before the block that could not be paid.
 *
 * Determinism mode (wasm_config_t.deterministic): every NaN produced by float
 * arithmetic (add, sub, mul, div, sqrt, min, max, ceil, floor, trunc, nearest,
 * demote, promote) is replaced by the canonical NaN (0x7fc00000 /
 * 0x7ff8000000000000), the only results whose bits the wasm spec leaves to
 * the machine. Bit-level operations (abs, neg, copysign, reinterpret, const,
 * load, store) keep their operand's bits, which are deterministic already.
 */
#ifndef AETHER_WASM_H
#define AETHER_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* ---- error codes (negative, returned by functions and in err_t.code) ---- */
enum {
    WASM_OK = 0,
    WASM_EMALFORMED = -100,  /* bytes are not a well-formed binary module */
    WASM_EINVALID = -101,    /* well-formed but fails validation */
    WASM_ELIMIT = -102,      /* exceeds a wasm_config_t limit */
    WASM_ELINK = -103,       /* an import is missing or has the wrong type */
    WASM_ETRAP = -104,       /* execution trapped (see wasm_store_trap()) */
    WASM_EARG = -105,        /* bad argument to an API function */
    WASM_ENOTFOUND = -106,   /* no such export */
    WASM_ENOMEM = -107,      /* allocation failed */
};

/* ---- value types and values ------------------------------------------- */

/* Values are the binary encodings of the types. */
typedef enum wasm_valtype {
    WASM_I32 = 0x7f,
    WASM_I64 = 0x7e,
    WASM_F32 = 0x7d,
    WASM_F64 = 0x7c,
    WASM_V128 = 0x7b,
    WASM_FUNCREF = 0x70,
    WASM_EXTERNREF = 0x6f,
} wasm_valtype_t;

const char *wasm_valtype_name(wasm_valtype_t t);  /* "i32", "funcref", ... */

typedef struct wasm_func wasm_func_t;
typedef struct wasm_table wasm_table_t;
typedef struct wasm_memory wasm_memory_t;
typedef struct wasm_global wasm_global_t;
typedef struct wasm_instance wasm_instance_t;
typedef struct wasm_module wasm_module_t;
typedef struct wasm_store wasm_store_t;
typedef struct wasm_imports wasm_imports_t;
typedef struct wasm_ctx wasm_ctx_t;

/* A typed value. Floats are also reachable as raw bits (f32_bits/f64_bits) so
 * NaN payloads survive. A funcref is a wasm_func_t * (NULL = ref.null func);
 * an externref is any host pointer-sized value (NULL = ref.null extern). */
typedef struct wasm_val {
    wasm_valtype_t type;
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        wasm_func_t *funcref;
        void *externref;
    } of;
} wasm_val_t;

/* A function signature. The arrays belong to whoever made the struct (the
 * module, the store, or the caller when passing one in). */
typedef struct wasm_functype {
    uint32_t n_params;
    uint32_t n_results;
    const wasm_valtype_t *params;
    const wasm_valtype_t *results;
} wasm_functype_t;

typedef struct wasm_limits {
    uint64_t min;
    uint64_t max;     /* meaningful only when has_max */
    bool has_max;
} wasm_limits_t;

typedef enum wasm_extern_kind {
    WASM_EXTERN_FUNC = 0,
    WASM_EXTERN_TABLE = 1,
    WASM_EXTERN_MEMORY = 2,
    WASM_EXTERN_GLOBAL = 3,
} wasm_extern_kind_t;

/* A run-time item: what an export resolves to and what an import needs. */
typedef struct wasm_extern {
    wasm_extern_kind_t kind;
    union {
        wasm_func_t *func;
        wasm_table_t *table;
        wasm_memory_t *memory;
        wasm_global_t *global;
    } of;
} wasm_extern_t;

/* ---- trap kinds ---------------------------------------------------------- */

typedef enum wasm_trap_kind {
    WASM_TRAP_NONE = 0,
    WASM_TRAP_UNREACHABLE,          /* "unreachable" */
    WASM_TRAP_DIV_BY_ZERO,          /* "integer divide by zero" */
    WASM_TRAP_INT_OVERFLOW,         /* "integer overflow" */
    WASM_TRAP_INVALID_CONVERSION,   /* "invalid conversion to integer" */
    WASM_TRAP_OOB_MEMORY,           /* "out of bounds memory access" */
    WASM_TRAP_OOB_TABLE,            /* "out of bounds table access" */
    WASM_TRAP_INDIRECT_MISMATCH,    /* "indirect call type mismatch" */
    WASM_TRAP_UNINIT_ELEMENT,       /* "uninitialized element" */
    WASM_TRAP_NULL_REF,             /* "null reference" */
    WASM_TRAP_STACK_EXHAUSTED,      /* "call stack exhausted" */
    WASM_TRAP_OUT_OF_FUEL,          /* "out of fuel" */
    WASM_TRAP_INTERRUPTED,          /* "interrupted" */
    WASM_TRAP_HOST,                 /* "host trap" (a host function failed) */
    WASM_TRAP_EXIT,                 /* "exit" (host requested exit with a code) */
} wasm_trap_kind_t;

/* Stable lower-case text of each kind (the strings above); never NULL. */
const char *wasm_trap_kind_str(wasm_trap_kind_t kind);

/* ---- configuration and limits --------------------------------------------- */

typedef struct wasm_config {
    uint32_t max_memory_pages;   /* 64 KiB pages per memory (default 65536) */
    uint32_t max_table_size;     /* elements per table (default 10,000,000) */
    uint32_t max_call_depth;     /* nested wasm/host calls (default 10,000) */
    size_t max_module_size;      /* bytes of a binary module (default 256 MiB) */
    uint32_t max_functions;      /* defined + imported (default 1,000,000) */
    uint32_t max_locals;         /* per function incl. params (default 50,000) */
    size_t stack_slots;          /* 8-byte value-stack slots per store (default 4 Mi) */
    bool fuel;                   /* meter execution (default false) */
    bool deterministic;          /* canonicalise NaN results (default false) */
} wasm_config_t;

/* Fills *cfg with the defaults listed above. */
void wasm_config_default(wasm_config_t *cfg);

/* ---- modules -------------------------------------------------------------- */

/* Decodes, validates and compiles a binary module. bytes are not referenced
 * after the call. cfg may be NULL (defaults); fuel metering and determinism
 * are compiled in, so a module must be decoded with the same fuel and
 * deterministic settings as the store it is instantiated in (checked).
 * Errors: WASM_EMALFORMED / WASM_EINVALID / WASM_ELIMIT / WASM_ENOMEM, with
 * the byte offset in the message. */
wasm_module_t *wasm_module_decode(const uint8_t *bytes, size_t len, const wasm_config_t *cfg,
                                  err_t *err);
void wasm_module_free(wasm_module_t *m);   /* accepts NULL */

typedef struct wasm_import_desc {
    const char *module;          /* NUL-terminated, owned by the module */
    const char *name;
    wasm_extern_kind_t kind;
    wasm_functype_t func;        /* WASM_EXTERN_FUNC */
    wasm_valtype_t elem;         /* WASM_EXTERN_TABLE: funcref or externref */
    wasm_limits_t limits;        /* TABLE (elements) and MEMORY (pages) */
    wasm_valtype_t global_type;  /* WASM_EXTERN_GLOBAL */
    bool global_mutable;
} wasm_import_desc_t;

typedef struct wasm_export_desc {
    const char *name;            /* owned by the module */
    wasm_extern_kind_t kind;
    uint32_t index;              /* in the module's index space of that kind */
    wasm_functype_t func;        /* WASM_EXTERN_FUNC */
    wasm_valtype_t elem;
    wasm_limits_t limits;
    wasm_valtype_t global_type;
    bool global_mutable;
} wasm_export_desc_t;

uint32_t wasm_module_import_count(const wasm_module_t *m);
uint32_t wasm_module_export_count(const wasm_module_t *m);
/* Return WASM_EARG when i is out of range. */
int wasm_module_import(const wasm_module_t *m, uint32_t i, wasm_import_desc_t *out);
int wasm_module_export(const wasm_module_t *m, uint32_t i, wasm_export_desc_t *out);
/* Looks an export up by name; WASM_ENOTFOUND when absent. */
int wasm_module_find_export(const wasm_module_t *m, const char *name, wasm_export_desc_t *out);

/* ---- stores ------------------------------------------------------------- */

/* cfg may be NULL (defaults). Returns NULL when out of memory. */
wasm_store_t *wasm_store_new(const wasm_config_t *cfg);
void wasm_store_free(wasm_store_t *s);     /* accepts NULL */
const wasm_config_t *wasm_store_config(const wasm_store_t *s);

/* Fuel (only meaningful when the config has fuel on). Starts at 0. */
void wasm_store_set_fuel(wasm_store_t *s, uint64_t fuel);
uint64_t wasm_store_fuel(const wasm_store_t *s);

/* Thread-safe: asks the running (or the next) call in this store to stop with
 * WASM_TRAP_INTERRUPTED at the next function entry or loop back-edge. The
 * request is consumed when that trap is delivered. Async-signal-safe too. */
void wasm_store_interrupt(wasm_store_t *s);

/* After a call returned WASM_ETRAP: the kind, and for WASM_TRAP_EXIT the exit
 * code given by the host function. Reset to NONE/0 at the start of each call. */
wasm_trap_kind_t wasm_store_trap(const wasm_store_t *s);
int32_t wasm_store_exit_code(const wasm_store_t *s);

/* One opaque pointer for the embedder (e.g. WASI state). */
void wasm_store_set_user(wasm_store_t *s, void *user);
void *wasm_store_user(const wasm_store_t *s);

/* ---- host functions ---------------------------------------------------- */

/* A host function. args holds n_params values and results has room for
 * n_results values, both typed per the signature (fill results[i].of; the
 * type field is preset). Return 0 to continue. To stop, return the value of
 * wasm_ctx_trap() or wasm_ctx_exit(); any other non-zero return is a
 * WASM_TRAP_HOST. Pointers from wasm_memory_ptr() stay valid for the whole
 * callback. A host function must not call back into the same store. */
typedef int (*wasm_host_fn_t)(wasm_ctx_t *ctx, const wasm_val_t *args, wasm_val_t *results,
                              void *user);

/* The instance whose code made the call (NULL when the host function was
 * called directly through wasm_func_call()), and its store. */
wasm_instance_t *wasm_ctx_instance(wasm_ctx_t *ctx);
wasm_store_t *wasm_ctx_store(wasm_ctx_t *ctx);
/* Memory 0 of the calling instance, or NULL when it has none. */
wasm_memory_t *wasm_ctx_memory(wasm_ctx_t *ctx);
/* Record a trap (kind must not be NONE) with a message; return the result. */
int wasm_ctx_trap(wasm_ctx_t *ctx, wasm_trap_kind_t kind, const char *fmt, ...)
    BASE_PRINTF(3, 4);
/* Request that the whole execution unwinds cleanly and reports exit `code`:
 * the outermost call returns WASM_ETRAP with wasm_store_trap() ==
 * WASM_TRAP_EXIT and wasm_store_exit_code() == code. Use as
 * `return wasm_ctx_exit(ctx, code);`. */
int wasm_ctx_exit(wasm_ctx_t *ctx, int32_t code);

/* Signature strings, as in WAMR: "(params)results", one letter per value:
 * i = i32, I = i64, f = f32, F = f64, r = externref, c = funcref.
 * "(iiii)i" takes four i32 and returns one i32; "()" takes and returns
 * nothing. Parses into caller storage: params/results arrays must each hold
 * WASM_SIG_MAX entries. Returns 0 or WASM_EARG. */
#define WASM_SIG_MAX 64
int wasm_sig_parse(const char *sig, wasm_functype_t *out, wasm_valtype_t *params,
                   wasm_valtype_t *results, err_t *err);

/* Creates a host function object in the store (freed with the store). */
wasm_func_t *wasm_func_new_host(wasm_store_t *s, const wasm_functype_t *type, wasm_host_fn_t fn,
                                void *user, err_t *err);

/* ---- host-created tables, memories, globals (e.g. the spectest module) --- */

wasm_table_t *wasm_table_new(wasm_store_t *s, wasm_valtype_t elem, wasm_limits_t limits,
                             err_t *err);
wasm_memory_t *wasm_memory_new(wasm_store_t *s, wasm_limits_t pages, err_t *err);
wasm_global_t *wasm_global_new(wasm_store_t *s, wasm_valtype_t type, bool mutable_,
                               wasm_val_t init, err_t *err);

/* ---- imports ------------------------------------------------------------- */

wasm_imports_t *wasm_imports_new(void);
void wasm_imports_free(wasm_imports_t *imps);   /* accepts NULL */

/* Adds a host function import; sig is a signature string (see above). The
 * function object is created in the store at instantiation. A later entry for
 * the same (module, name) replaces an earlier one. */
int wasm_imports_add_host(wasm_imports_t *imps, const char *module, const char *name,
                          const char *sig, wasm_host_fn_t fn, void *user, err_t *err);
/* Adds any run-time item (an export of another instance, a host object). */
int wasm_imports_add_extern(wasm_imports_t *imps, const char *module, const char *name,
                            wasm_extern_t item, err_t *err);
/* Makes every export of inst importable under module name `module` (what the
 * spec suite's `register` does). */
int wasm_imports_add_instance(wasm_imports_t *imps, const char *module, wasm_instance_t *inst,
                              err_t *err);

/* ---- instances ------------------------------------------------------------ */

/* Links the imports (missing or mistyped -> WASM_ELINK naming "module.name"),
 * allocates memories/tables/globals (over a limit -> WASM_ELIMIT), applies
 * active element and data segments (out of bounds -> WASM_ETRAP) and runs
 * the start function (its trap -> WASM_ETRAP, kind in wasm_store_trap()).
 * imps may be NULL. The instance belongs to the store; on failure nothing
 * observable is left behind except writes a failing segment or start function
 * made to imported tables/memories (as the spec requires). */
wasm_instance_t *wasm_instance_new(wasm_store_t *s, wasm_module_t *m, const wasm_imports_t *imps,
                                   err_t *err);
wasm_store_t *wasm_instance_store(const wasm_instance_t *inst);
const wasm_module_t *wasm_instance_module(const wasm_instance_t *inst);

/* Export lookup: 0 or WASM_ENOTFOUND. */
int wasm_instance_export(wasm_instance_t *inst, const char *name, wasm_extern_t *out);
/* The same for names that may contain NUL bytes (names are any UTF-8). */
int wasm_instance_export_n(wasm_instance_t *inst, const char *name, size_t len, wasm_extern_t *out);
/* Shortcuts: NULL when absent or of another kind. */
wasm_func_t *wasm_instance_func(wasm_instance_t *inst, const char *name);
wasm_memory_t *wasm_instance_memory(wasm_instance_t *inst, const char *name); /* e.g. "memory" */
wasm_global_t *wasm_instance_global(wasm_instance_t *inst, const char *name);
wasm_table_t *wasm_instance_table(wasm_instance_t *inst, const char *name);

/* User pointer per instance. */
void wasm_instance_set_user(wasm_instance_t *inst, void *user);
void *wasm_instance_user(const wasm_instance_t *inst);

/* ---- calling ------------------------------------------------------------- */

/* The signature of f (arrays owned by f's module or store). */
wasm_functype_t wasm_func_type(const wasm_func_t *f);

/* Calls f with n_args typed args (checked against the signature: WASM_EARG)
 * and stores its results in results[0..n_results) (n_results must equal the
 * signature's). Returns 0, WASM_ETRAP (kind via wasm_store_trap(), message in
 * err), or WASM_EARG. Fuel and the interrupt flag are those of the store. */
int wasm_func_call(wasm_store_t *s, wasm_func_t *f, const wasm_val_t *args, size_t n_args,
                   wasm_val_t *results, size_t n_results, err_t *err);
/* wasm_func_call() on an export of inst by name (WASM_ENOTFOUND if absent). */
int wasm_instance_call(wasm_instance_t *inst, const char *name, const wasm_val_t *args,
                       size_t n_args, wasm_val_t *results, size_t n_results, err_t *err);

/* ---- memories -------------------------------------------------------------- */

/* Current size in bytes / pages. */
uint64_t wasm_memory_size(const wasm_memory_t *mem);
uint32_t wasm_memory_pages(const wasm_memory_t *mem);
/* Base address. Stable for the memory's lifetime: growing never moves it. */
uint8_t *wasm_memory_data(wasm_memory_t *mem);
/* Bounds-checked view: &data[offset] when [offset, offset+len) lies inside
 * the memory (overflow-safe), else NULL. len 0 at offset == size is valid. */
void *wasm_memory_ptr(wasm_memory_t *mem, uint64_t offset, uint64_t len);
/* Copies; false (and nothing copied) when out of bounds. */
bool wasm_memory_read(wasm_memory_t *mem, uint64_t offset, void *dst, size_t len);
bool wasm_memory_write(wasm_memory_t *mem, uint64_t offset, const void *src, size_t len);
/* Grows by delta pages; returns the old page count or -1 when it cannot. */
int64_t wasm_memory_grow(wasm_memory_t *mem, uint32_t delta);

/* ---- globals and tables ------------------------------------------------- */

wasm_valtype_t wasm_global_type(const wasm_global_t *g);
bool wasm_global_mutable(const wasm_global_t *g);
wasm_val_t wasm_global_get(const wasm_global_t *g);
/* WASM_EARG when immutable or the type differs. */
int wasm_global_set(wasm_global_t *g, wasm_val_t v);

uint32_t wasm_table_size(const wasm_table_t *t);
wasm_valtype_t wasm_table_elem_type(const wasm_table_t *t);
/* WASM_EARG when out of range (get) or out of range / wrong type (set). */
int wasm_table_get(const wasm_table_t *t, uint32_t i, wasm_val_t *out);
int wasm_table_set(wasm_table_t *t, uint32_t i, wasm_val_t v);

#endif /* AETHER_WASM_H */
