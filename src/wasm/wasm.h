/*
 * wasm: the WebAssembly 2.0 core engine (MVP, sign-extension, non-trapping
 * float-to-int, multi-value, bulk memory, reference types, fixed-width SIMD).
 *
 * Pipeline: awasm_module_decode() decodes (every length bounds-checked),
 * validates (full type checking) and compiles each function once into a
 * slot-addressed internal code with resolved branch targets. Instances run
 * that code in a threaded (computed goto) interpreter with its own value and
 * call stacks, so deep wasm recursion never grows the host C stack.
 *
 * Objects and ownership
 *   awasm_module_t    immutable compiled code; freed with awasm_module_free().
 *                    Instances keep a reference, so a module may be freed while
 *                    its instances live on.
 *   awasm_store_t     owns everything that exists at run time: instances, host
 *                    functions, tables, memories and globals, the value stack,
 *                    the fuel counter and the interrupt flag. Freeing the store
 *                    frees all of them. A store is single-threaded except for
 *                    awasm_store_interrupt(), which any thread may call.
 *   awasm_imports_t   a list of (module, name) -> item used at instantiation;
 *                    owned by the caller, may be freed right after
 *                    awasm_instance_new().
 *
 * Errors follow DESIGN.md §3: functions return 0 or a negative AWASM_E* code
 * (or NULL) and fill an optional err_t. Decode errors name the byte offset
 * ("wasm: section 3 truncated at offset 812"). A trap is reported as
 * AWASM_ETRAP with the trap kind in awasm_store_trap() and a message in err.
 *
 * Fuel: when awasm_config_t.fuel is set, every instruction costs a fixed
 * amount (1 for most; calls, memory.grow and bulk memory/table operations
 * more, bulk ones in proportion to their length), charged per basic block on
 * entry. The costs form a versioned schedule (awasm_config_t.fuel_schedule,
 * awasm_fuel_schedule(), awasm_fuel_cost()): a version never changes once
 * published, so a chain can charge gas from it; new costs are a new version.
 * The same module with the same inputs uses exactly the same fuel on every
 * machine and build. Running out is the trap AWASM_TRAP_OUT_OF_FUEL; the
 * fuel left is then whatever was left before the block that could not be paid.
 *
 * Determinism mode (awasm_config_t.deterministic): every NaN produced by float
 * arithmetic (add, sub, mul, div, sqrt, min, max, ceil, floor, trunc, nearest,
 * demote, promote; scalar and in every lane of f32x4/f64x2) is replaced by
 * the canonical NaN (0x7fc00000 /
 * 0x7ff8000000000000), the only results whose bits the wasm spec leaves to
 * the machine. Bit-level operations (abs, neg, copysign, reinterpret, const,
 * load, store) keep their operand's bits, which are deterministic already.
 */
#ifndef AETHER_WASM_H
#define AETHER_WASM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* ---- error codes (negative, returned by functions and in err_t.code) ---- */
/* Error codes AWASM_E* are defined in base/base.h (AETHER_ERRORS), the one
 * error space of the project; this module's range starts at -500. */

/* ---- value types and values ------------------------------------------- */

/* Values are the binary encodings of the types. */
typedef enum awasm_valtype {
    AWASM_I32 = 0x7f,
    AWASM_I64 = 0x7e,
    AWASM_F32 = 0x7d,
    AWASM_F64 = 0x7c,
    AWASM_V128 = 0x7b,
    AWASM_FUNCREF = 0x70,
    AWASM_EXTERNREF = 0x6f,
} awasm_valtype_t;

const char *awasm_valtype_name(awasm_valtype_t t);  /* "i32", "funcref", ... */

typedef struct awasm_func awasm_func_t;
typedef struct awasm_table awasm_table_t;
typedef struct awasm_memory awasm_memory_t;
typedef struct awasm_global awasm_global_t;
typedef struct awasm_instance awasm_instance_t;
typedef struct awasm_module awasm_module_t;
typedef struct awasm_store awasm_store_t;
typedef struct awasm_imports awasm_imports_t;
typedef struct awasm_ctx awasm_ctx_t;

/* A typed value. Floats are also reachable as raw bits (f32_bits/f64_bits) so
 * NaN payloads survive. A funcref is a awasm_func_t * (NULL = ref.null func);
 * an externref is any host pointer-sized value (NULL = ref.null extern). */
typedef struct awasm_val {
    awasm_valtype_t type;
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        awasm_func_t *funcref;
        void *externref;
        uint8_t v128[16];   /* little-endian: lane 0 in the first bytes */
    } of;
} awasm_val_t;

/* A function signature. The arrays belong to whoever made the struct (the
 * module, the store, or the caller when passing one in). */
typedef struct awasm_functype {
    uint32_t n_params;
    uint32_t n_results;
    const awasm_valtype_t *params;
    const awasm_valtype_t *results;
} awasm_functype_t;

typedef struct awasm_limits {
    uint64_t min;
    uint64_t max;     /* meaningful only when has_max */
    bool has_max;
} awasm_limits_t;

typedef enum awasm_extern_kind {
    AWASM_EXTERN_FUNC = 0,
    AWASM_EXTERN_TABLE = 1,
    AWASM_EXTERN_MEMORY = 2,
    AWASM_EXTERN_GLOBAL = 3,
} awasm_extern_kind_t;

/* A run-time item: what an export resolves to and what an import needs. */
typedef struct awasm_extern {
    awasm_extern_kind_t kind;
    union {
        awasm_func_t *func;
        awasm_table_t *table;
        awasm_memory_t *memory;
        awasm_global_t *global;
    } of;
} awasm_extern_t;

/* ---- trap kinds ---------------------------------------------------------- */

typedef enum awasm_trap_kind {
    AWASM_TRAP_NONE = 0,
    AWASM_TRAP_UNREACHABLE,          /* "unreachable" */
    AWASM_TRAP_DIV_BY_ZERO,          /* "integer divide by zero" */
    AWASM_TRAP_INT_OVERFLOW,         /* "integer overflow" */
    AWASM_TRAP_INVALID_CONVERSION,   /* "invalid conversion to integer" */
    AWASM_TRAP_OOB_MEMORY,           /* "out of bounds memory access" */
    AWASM_TRAP_OOB_TABLE,            /* "out of bounds table access" */
    AWASM_TRAP_INDIRECT_MISMATCH,    /* "indirect call type mismatch" */
    AWASM_TRAP_UNINIT_ELEMENT,       /* "uninitialized element" */
    AWASM_TRAP_NULL_REF,             /* "null reference" */
    AWASM_TRAP_STACK_EXHAUSTED,      /* "call stack exhausted" */
    AWASM_TRAP_OUT_OF_FUEL,          /* "out of fuel" */
    AWASM_TRAP_INTERRUPTED,          /* "interrupted" */
    AWASM_TRAP_HOST,                 /* "host trap" (a host function failed) */
    AWASM_TRAP_EXIT,                 /* "exit" (host requested exit with a code) */
} awasm_trap_kind_t;

/* Stable lower-case text of each kind (the strings above); never NULL. */
const char *awasm_trap_kind_str(awasm_trap_kind_t kind);

/* ---- configuration and limits --------------------------------------------- */

typedef struct awasm_config {
    uint32_t max_memory_pages;   /* 64 KiB pages per memory (default 65536) */
    uint32_t max_table_size;     /* elements per table (default 10,000,000) */
    uint32_t max_call_depth;     /* nested wasm/host calls (default 10,000) */
    size_t max_module_size;      /* bytes of a binary module (default 256 MiB) */
    uint32_t max_functions;      /* defined + imported (default 1,000,000) */
    uint32_t max_locals;         /* per function incl. params (default 50,000) */
    size_t stack_slots;          /* 8-byte value-stack slots per store (default 4 Mi) */
    bool fuel;                   /* meter execution (default false) */
    bool deterministic;          /* canonicalise NaN results (default false) */
    uint32_t fuel_schedule;      /* fuel schedule version (default 1; 0 means 1) */
    uint32_t max_tables;         /* tables per instance incl. imports (default 100,000) */
    /* Host memory besides linear memory (which max_memory_pages bounds)
     * that a store's instances may hold because of what their modules
     * declare or do: table slots (8 bytes each, plus the table), globals,
     * functions and instance bookkeeping, summed over the store (default
     * 4 GiB). Past it, instantiation fails with AWASM_ELIMIT and table.grow
     * returns -1. The value stack (stack_slots) and decoded module data (a
     * small multiple of max_module_size) have limits of their own. */
    uint64_t max_store_bytes;
    /* When not NULL, awasm_module_decode() polls *cancel (another thread may
     * set it, e.g. a timeout watchdog) between functions and every 65,536
     * instructions, and fails with AWASM_ELIMIT "decoding interrupted" once
     * it is non-zero, so decoding a huge module stops promptly too. */
    const atomic_int *cancel;
} awasm_config_t;

/* Fills *cfg with the defaults listed above. */
void awasm_config_default(awasm_config_t *cfg);

/* ---- the fuel schedule ------------------------------------------------------ */

/* The newest published schedule version. */
#define AWASM_FUEL_SCHEDULE_LATEST 1

/* The run-time (per-length) part of a schedule version. Version 1:
 *   every instruction 1, except else/end 0, call 3, call_indirect 4,
 *   memory.grow 8, every 0xfc-prefixed instruction (saturating truncations,
 *   bulk memory and table operations) 4; SIMD (0xfd) instructions 1, a few
 *   heavy ones 2 (see awasm_fuel_cost());
 *   memory.grow: + memory_grow_per_page (16) per page asked for;
 *   memory.fill/copy/init: + n / bulk_memory_bytes_per_unit (n / 64);
 *   table.grow/fill/copy/init: + n / bulk_table_elems_per_unit (n / 8);
 *   a call of a host function costs its call instruction (3, or 4 through
 *   call_indirect) plus host_call_extra (0); host functions that do work in
 *   proportion to their input charge for it with awasm_ctx_charge() (the
 *   WASI layer documents its per-byte/per-iovec costs in wasi.h).
 * Divisions round down and are charged before the operation runs. */
typedef struct awasm_fuel_schedule {
    uint32_t version;
    uint32_t memory_grow_per_page;
    uint32_t bulk_memory_bytes_per_unit;
    uint32_t bulk_table_elems_per_unit;
    uint32_t host_call_extra;
} awasm_fuel_schedule_t;

/* The schedule of a version (0 = 1), or NULL when there is no such version. */
const awasm_fuel_schedule_t *awasm_fuel_schedule(uint32_t version);

/* The fixed cost of one instruction under a schedule version: prefix 0 and
 * the opcode byte for single-byte instructions, or prefix 0xfc / 0xfd and
 * the sub-opcode. -1 when the version or the instruction does not exist. */
int64_t awasm_fuel_cost(uint32_t version, uint32_t prefix, uint32_t opcode);

/* ---- modules -------------------------------------------------------------- */

/* Decodes, validates and compiles a binary module. bytes are not referenced
 * after the call. cfg may be NULL (defaults); fuel metering (with its
 * schedule version) and determinism are compiled in, so a module must be
 * decoded with the same fuel, schedule and deterministic settings as the
 * store it is instantiated in (checked). Errors: AWASM_EMALFORMED /
 * AWASM_EINVALID / AWASM_ELIMIT / AWASM_ENOMEM, with the byte offset in the
 * message; AWASM_EARG for an unknown fuel schedule version. */
awasm_module_t *awasm_module_decode(const uint8_t *bytes, size_t len, const awasm_config_t *cfg,
                                  err_t *err);
void awasm_module_free(awasm_module_t *m);   /* accepts NULL */

typedef struct awasm_import_desc {
    const char *module;          /* NUL-terminated, owned by the module */
    const char *name;
    awasm_extern_kind_t kind;
    awasm_functype_t func;        /* AWASM_EXTERN_FUNC */
    awasm_valtype_t elem;         /* AWASM_EXTERN_TABLE: funcref or externref */
    awasm_limits_t limits;        /* TABLE (elements) and MEMORY (pages) */
    awasm_valtype_t global_type;  /* AWASM_EXTERN_GLOBAL */
    bool global_mutable;
} awasm_import_desc_t;

typedef struct awasm_export_desc {
    const char *name;            /* owned by the module */
    awasm_extern_kind_t kind;
    uint32_t index;              /* in the module's index space of that kind */
    awasm_functype_t func;        /* AWASM_EXTERN_FUNC */
    awasm_valtype_t elem;
    awasm_limits_t limits;
    awasm_valtype_t global_type;
    bool global_mutable;
} awasm_export_desc_t;

uint32_t awasm_module_import_count(const awasm_module_t *m);
uint32_t awasm_module_export_count(const awasm_module_t *m);
/* Return AWASM_EARG when i is out of range. */
int awasm_module_import(const awasm_module_t *m, uint32_t i, awasm_import_desc_t *out);
int awasm_module_export(const awasm_module_t *m, uint32_t i, awasm_export_desc_t *out);
/* Looks an export up by name; AWASM_ENOTFOUND when absent. */
int awasm_module_find_export(const awasm_module_t *m, const char *name, awasm_export_desc_t *out);

/* ---- stores ------------------------------------------------------------- */

/* cfg may be NULL (defaults). Returns NULL when out of memory or when
 * cfg->fuel_schedule names no schedule version. */
awasm_store_t *awasm_store_new(const awasm_config_t *cfg);
void awasm_store_free(awasm_store_t *s);     /* accepts NULL */
const awasm_config_t *awasm_store_config(const awasm_store_t *s);

/* Fuel (only meaningful when the config has fuel on). Starts at 0. */
void awasm_store_set_fuel(awasm_store_t *s, uint64_t fuel);
uint64_t awasm_store_fuel(const awasm_store_t *s);

/* Thread-safe: asks the running (or the next) call in this store to stop with
 * AWASM_TRAP_INTERRUPTED at the next function entry (wasm or host), loop
 * back-edge, slice of a bulk memory/table operation, or awasm_ctx_charge()
 * of a host function. The request is consumed when that trap is delivered.
 * Async-signal-safe too. */
void awasm_store_interrupt(awasm_store_t *s);

/* After a call returned AWASM_ETRAP: the kind, and for AWASM_TRAP_EXIT the exit
 * code given by the host function. Reset to NONE/0 at the start of each call. */
awasm_trap_kind_t awasm_store_trap(const awasm_store_t *s);
int32_t awasm_store_exit_code(const awasm_store_t *s);

/* One opaque pointer for the embedder (e.g. WASI state). */
void awasm_store_set_user(awasm_store_t *s, void *user);
void *awasm_store_user(const awasm_store_t *s);

/* ---- host functions ---------------------------------------------------- */

/* A host function. args holds n_params values and results has room for
 * n_results values, both typed per the signature (fill results[i].of; the
 * type field is preset). Return 0 to continue. To stop, return the value of
 * awasm_ctx_trap() or awasm_ctx_exit(); any other non-zero return is a
 * AWASM_TRAP_HOST. Pointers from awasm_memory_ptr() stay valid for the whole
 * callback. A host function must not call back into the same store. */
typedef int (*awasm_host_fn_t)(awasm_ctx_t *ctx, const awasm_val_t *args, awasm_val_t *results,
                              void *user);

/* The instance whose code made the call (NULL when the host function was
 * called directly through awasm_func_call()), and its store. */
awasm_instance_t *awasm_ctx_instance(awasm_ctx_t *ctx);
awasm_store_t *awasm_ctx_store(awasm_ctx_t *ctx);
/* Memory 0 of the calling instance, or NULL when it has none. */
awasm_memory_t *awasm_ctx_memory(awasm_ctx_t *ctx);
/* Record a trap (kind must not be NONE) with a message; return the result. */
int awasm_ctx_trap(awasm_ctx_t *ctx, awasm_trap_kind_t kind, const char *fmt, ...)
    BASE_PRINTF(3, 4);
/* Request that the whole execution unwinds cleanly and reports exit `code`:
 * the outermost call returns AWASM_ETRAP with awasm_store_trap() ==
 * AWASM_TRAP_EXIT and awasm_store_exit_code() == code. Use as
 * `return awasm_ctx_exit(ctx, code);`. */
int awasm_ctx_exit(awasm_ctx_t *ctx, int32_t code);
/* For host functions whose work grows with their arguments (bytes copied,
 * iovecs, subscriptions): charges `units` of fuel (nothing when the store is
 * not metered) and polls the interrupt flag. Returns 0 to go on; otherwise it
 * recorded AWASM_TRAP_OUT_OF_FUEL (nothing charged) or AWASM_TRAP_INTERRUPTED
 * and the host function must stop and return that value. A long host
 * function calls it every slice of work (a few ms at most), so fuel and
 * awasm_store_interrupt() stop it as they stop wasm code. */
int awasm_ctx_charge(awasm_ctx_t *ctx, uint64_t units);

/* Signature strings, as in WAMR: "(params)results", one letter per value:
 * i = i32, I = i64, f = f32, F = f64, V = v128, r = externref, c = funcref.
 * "(iiii)i" takes four i32 and returns one i32; "()" takes and returns
 * nothing. Parses into caller storage: params/results arrays must each hold
 * AWASM_SIG_MAX entries. Returns 0 or AWASM_EARG. */
#define AWASM_SIG_MAX 64
int awasm_sig_parse(const char *sig, awasm_functype_t *out, awasm_valtype_t *params,
                   awasm_valtype_t *results, err_t *err);

/* Creates a host function object in the store (freed with the store). */
awasm_func_t *awasm_func_new_host(awasm_store_t *s, const awasm_functype_t *type, awasm_host_fn_t fn,
                                void *user, err_t *err);

/* ---- host-created tables, memories, globals (e.g. the spectest module) --- */

awasm_table_t *awasm_table_new(awasm_store_t *s, awasm_valtype_t elem, awasm_limits_t limits,
                             err_t *err);
awasm_memory_t *awasm_memory_new(awasm_store_t *s, awasm_limits_t pages, err_t *err);
awasm_global_t *awasm_global_new(awasm_store_t *s, awasm_valtype_t type, bool mutable_,
                               awasm_val_t init, err_t *err);

/* ---- imports ------------------------------------------------------------- */

awasm_imports_t *awasm_imports_new(void);
void awasm_imports_free(awasm_imports_t *imps);   /* accepts NULL */

/* Adds a host function import; sig is a signature string (see above). The
 * function object is created in the store at instantiation. A later entry for
 * the same (module, name) replaces an earlier one. */
int awasm_imports_add_host(awasm_imports_t *imps, const char *module, const char *name,
                          const char *sig, awasm_host_fn_t fn, void *user, err_t *err);
/* Adds any run-time item (an export of another instance, a host object). */
int awasm_imports_add_extern(awasm_imports_t *imps, const char *module, const char *name,
                            awasm_extern_t item, err_t *err);
/* Makes every export of inst importable under module name `module` (what the
 * spec suite's `register` does). */
int awasm_imports_add_instance(awasm_imports_t *imps, const char *module, awasm_instance_t *inst,
                              err_t *err);

/* ---- instances ------------------------------------------------------------ */

/* Links the imports (missing or mistyped -> AWASM_ELINK naming "module.name"),
 * allocates memories/tables/globals (over a limit -> AWASM_ELIMIT), applies
 * active element and data segments (out of bounds -> AWASM_ETRAP) and runs
 * the start function (its trap -> AWASM_ETRAP, kind in awasm_store_trap()).
 * imps may be NULL. The instance belongs to the store; on failure nothing
 * observable is left behind except writes a failing segment or start function
 * made to imported tables/memories (as the spec requires). */
awasm_instance_t *awasm_instance_new(awasm_store_t *s, awasm_module_t *m, const awasm_imports_t *imps,
                                   err_t *err);
awasm_store_t *awasm_instance_store(const awasm_instance_t *inst);
const awasm_module_t *awasm_instance_module(const awasm_instance_t *inst);

/* Export lookup: 0 or AWASM_ENOTFOUND. */
int awasm_instance_export(awasm_instance_t *inst, const char *name, awasm_extern_t *out);
/* The same for names that may contain NUL bytes (names are any UTF-8). */
int awasm_instance_export_n(awasm_instance_t *inst, const char *name, size_t len, awasm_extern_t *out);
/* Shortcuts: NULL when absent or of another kind. */
awasm_func_t *awasm_instance_func(awasm_instance_t *inst, const char *name);
awasm_memory_t *awasm_instance_memory(awasm_instance_t *inst, const char *name); /* e.g. "memory" */
awasm_global_t *awasm_instance_global(awasm_instance_t *inst, const char *name);
awasm_table_t *awasm_instance_table(awasm_instance_t *inst, const char *name);

/* User pointer per instance. */
void awasm_instance_set_user(awasm_instance_t *inst, void *user);
void *awasm_instance_user(const awasm_instance_t *inst);

/* ---- calling ------------------------------------------------------------- */

/* The signature of f (arrays owned by f's module or store). */
awasm_functype_t awasm_func_type(const awasm_func_t *f);

/* Calls f with n_args typed args (checked against the signature: AWASM_EARG)
 * and stores its results in results[0..n_results) (n_results must equal the
 * signature's). Returns 0, AWASM_ETRAP (kind via awasm_store_trap(), message in
 * err), or AWASM_EARG. Fuel and the interrupt flag are those of the store. */
int awasm_func_call(awasm_store_t *s, awasm_func_t *f, const awasm_val_t *args, size_t n_args,
                   awasm_val_t *results, size_t n_results, err_t *err);
/* awasm_func_call() on an export of inst by name (AWASM_ENOTFOUND if absent). */
int awasm_instance_call(awasm_instance_t *inst, const char *name, const awasm_val_t *args,
                       size_t n_args, awasm_val_t *results, size_t n_results, err_t *err);

/* ---- v128 values ----------------------------------------------------------- */

/* The spec's text form of a v128: a shape (i8x16, i16x8, i32x4, i64x2,
 * f32x4, f64x2) and its lanes, lane 0 first, separated by spaces:
 * "i32x4 1 2 3 -4", "f32x4 1.5 -0 inf nan". Integer lanes take signed or
 * unsigned values of their width (decimal, or hex with 0x); float lanes
 * what strtod takes. Parse: 0 or AWASM_EARG (message in err). */
int awasm_v128_parse(const char *text, uint8_t out[16], err_t *err);
/* Formats v in the given shape (integer lanes signed, a NaN lane as
 * nan:0x<bits>) into buf; 0, or AWASM_EARG for an unknown shape or a buf
 * too small (128 bytes always suffice). */
#define AWASM_V128_TEXT_MAX 128
int awasm_v128_format(const uint8_t v[16], const char *shape, char *buf, size_t n);

/* ---- memories -------------------------------------------------------------- */

/* Current size in bytes / pages. */
uint64_t awasm_memory_size(const awasm_memory_t *mem);
uint32_t awasm_memory_pages(const awasm_memory_t *mem);
/* Base address. Stable for the memory's lifetime: growing never moves it. */
uint8_t *awasm_memory_data(awasm_memory_t *mem);
/* Bounds-checked view: &data[offset] when [offset, offset+len) lies inside
 * the memory (overflow-safe), else NULL. len 0 at offset == size is valid. */
void *awasm_memory_ptr(awasm_memory_t *mem, uint64_t offset, uint64_t len);
/* Copies; false (and nothing copied) when out of bounds. */
bool awasm_memory_read(awasm_memory_t *mem, uint64_t offset, void *dst, size_t len);
bool awasm_memory_write(awasm_memory_t *mem, uint64_t offset, const void *src, size_t len);
/* Grows by delta pages; returns the old page count or -1 when it cannot. */
int64_t awasm_memory_grow(awasm_memory_t *mem, uint32_t delta);

/* ---- globals and tables ------------------------------------------------- */

awasm_valtype_t awasm_global_type(const awasm_global_t *g);
bool awasm_global_mutable(const awasm_global_t *g);
awasm_val_t awasm_global_get(const awasm_global_t *g);
/* AWASM_EARG when immutable or the type differs. */
int awasm_global_set(awasm_global_t *g, awasm_val_t v);

uint32_t awasm_table_size(const awasm_table_t *t);
awasm_valtype_t awasm_table_elem_type(const awasm_table_t *t);
/* AWASM_EARG when out of range (get) or out of range / wrong type (set). */
int awasm_table_get(const awasm_table_t *t, uint32_t i, awasm_val_t *out);
int awasm_table_set(awasm_table_t *t, uint32_t i, awasm_val_t v);

#endif /* AETHER_WASM_H */
