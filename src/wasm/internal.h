/*
 * wasm internal: data structures shared by the decoder (decode.c), the
 * validating compiler (compile.c), the interpreter (interp.c) and the
 * run-time objects (runtime.c). Not part of the public API.
 *
 * Compiled code (see the header comment of compile.c for the full story) is
 * an array of 32-bit cells: each instruction is its handler address (two
 * cells, direct threading) followed by its operands. Operands are frame slot
 * indices (every wasm local and every operand-stack position has a fixed
 * 8-byte slot in the function's frame), immediates and relative branch
 * offsets measured in cells from the start of the instruction.
 */
#ifndef AETHER_WASM_INTERNAL_H
#define AETHER_WASM_INTERNAL_H

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "wasm/wasm.h"

/* wasm min/max (spec 4.3.3): NaN if either operand is NaN, -0 < +0; shared by
 * the scalar handlers (interp.c) and the f32x4/f64x2 lanes (simd.c). */
static inline float fmin32(float a, float b)
{
    if (isnan(a) || isnan(b)) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float fmax32(float a, float b)
{
    if (isnan(a) || isnan(b)) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double fmin64(double a, double b)
{
    if (isnan(a) || isnan(b)) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double fmax64(double a, double b)
{
    if (isnan(a) || isnan(b)) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a > b ? a : b;
}

#define AWASM_PAGE 65536u
#define AWASM_MAX_PAGES 65536u

/* ---- module ------------------------------------------------------------ */

/* A constant expression of WebAssembly 2.0: a single instruction. */
enum { CE_I32, CE_I64, CE_F32, CE_F64, CE_REF_NULL, CE_REF_FUNC, CE_GLOBAL_GET, CE_V128 };
typedef struct cexpr {
    uint8_t op;
    uint64_t v;       /* constant bits, function index or global index */
    uint64_t v_hi;    /* v128.const: the high 64 bits */
} cexpr_t;

typedef struct mtable {
    awasm_valtype_t elem;
    awasm_limits_t limits;
} mtable_t;

typedef struct mglobal {
    awasm_valtype_t type;
    bool mut;
    cexpr_t init;     /* defined globals only */
} mglobal_t;

/* FNV-1a of "module\0name" as C strings (what import matching compares with
 * strcmp): compared first, so linking an instance rarely calls strcmp. */
static inline uint32_t awasm_import_hash(const char *module, const char *name)
{
    uint32_t h = 2166136261u;
    for (const char *p = module; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    h = (h ^ 0xffu) * 16777619u;
    for (const char *p = name; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return h;
}

typedef struct mimport {
    char *module;             /* NUL-terminated copies; names may contain NUL */
    char *name;
    uint32_t module_len, name_len;
    uint32_t hash;            /* awasm_import_hash(module, name) */
    awasm_extern_kind_t kind;
    uint32_t type_idx;   /* FUNC */
    mtable_t table;      /* TABLE */
    awasm_limits_t mem;   /* MEMORY */
    mglobal_t global;    /* GLOBAL */
} mimport_t;

typedef struct mexport {
    char *name;
    uint32_t name_len;
    awasm_extern_kind_t kind;
    uint32_t index;
} mexport_t;

enum { SEG_ACTIVE, SEG_PASSIVE, SEG_DECLARATIVE };

typedef struct melem {
    uint8_t mode;
    uint32_t table;
    cexpr_t offset;
    awasm_valtype_t type;
    uint32_t n;
    cexpr_t *items;
} melem_t;

typedef struct mdata {
    uint8_t mode;
    uint32_t mem;
    cexpr_t offset;
    uint32_t len;
    uint8_t *bytes;
} mdata_t;

/* A compiled function body. */
typedef struct cfunc {
    uint32_t *code;
    size_t code_len;       /* cells */
    uint32_t type_idx;
    uint32_t n_params;     /* all in slots: a v128 takes two */
    uint32_t n_results;
    uint32_t n_locals;     /* including params */
    uint32_t frame_size;   /* slots: locals + deepest operand stack, >= n_results */
    /* body location in the module bytes, for the compiler */
    size_t body_off;
    size_t body_len;
} cfunc_t;

struct awasm_module {
    int refs;
    awasm_config_t cfg;
    uint32_t n_types;
    awasm_functype_t *types;
    awasm_valtype_t *type_storage;

    uint32_t n_imports;
    mimport_t *imports;
    uint32_t n_func_imports, n_table_imports, n_mem_imports, n_global_imports;

    uint32_t n_funcs;        /* total, imports first */
    uint32_t *func_types;    /* type index of every function */
    cfunc_t *cfuncs;         /* defined functions: n_funcs - n_func_imports */

    uint32_t n_tables;       /* total, imports first */
    mtable_t *tables;
    uint32_t n_mems;
    awasm_limits_t *mems;
    uint32_t n_globals;
    mglobal_t *globals;

    uint32_t n_exports;
    mexport_t *exports;
    int64_t start;           /* -1 when none */

    uint32_t n_elems;
    melem_t *elems;
    uint32_t n_datas;
    mdata_t *datas;
    bool has_data_count;
    uint32_t data_count;

    uint8_t *declared_funcs; /* bitmap: functions that ref.func may name */
};

/* decode.c: parses the sections; function bodies are compiled by compile.c. */
int awasm_decode_module(awasm_module_t *m, const uint8_t *p, size_t n, err_t *err);
void awasm_module_release(awasm_module_t *m);

/* compile.c: validates and compiles body i of m (bytes are the module). */
int awasm_compile_func(awasm_module_t *m, const uint8_t *bytes, uint32_t i, err_t *err);

/* Shared LEB / reader helpers. */
typedef struct reader {
    const uint8_t *base;  /* start of the module, for offsets in errors */
    const uint8_t *p;
    const uint8_t *end;
} reader_t;

int rd_u8(reader_t *r, uint8_t *v, err_t *err);
int rd_u32(reader_t *r, uint32_t *v, err_t *err);
int rd_s32(reader_t *r, int32_t *v, err_t *err);
int rd_s33(reader_t *r, int64_t *v, err_t *err);
int rd_s64(reader_t *r, int64_t *v, err_t *err);
int rd_f32(reader_t *r, uint32_t *v, err_t *err);
int rd_f64(reader_t *r, uint64_t *v, err_t *err);
static inline size_t rd_off(const reader_t *r) { return (size_t)(r->p - r->base); }

/* decode.c: decodes a function body (locals and instructions, r spanning
 * exactly the body) without validating it, from the opcode table's
 * immediates: 0, or the AWASM_EMALFORMED error that the binary format's
 * decoding, which precedes validation, reports. */
int awasm_skim_body(reader_t *r, err_t *err);

/* ---- run time ------------------------------------------------------------ */

struct awasm_func {
    awasm_functype_t type;        /* arrays owned by the module or by host_types */
    awasm_instance_t *inst;       /* NULL for host functions */
    const cfunc_t *cf;           /* wasm functions */
    awasm_host_fn_t host;
    void *user;
    awasm_valtype_t host_types[]; /* host functions: params then results */
};

struct awasm_memory {
    uint8_t *data;               /* reserved for max pages up front: never moves */
    uint64_t size;               /* bytes */
    uint32_t pages;
    uint32_t max_pages;          /* effective (declared max and config) */
    awasm_limits_t limits;        /* as declared (import matching) */
    size_t reserved;             /* bytes mapped */
    size_t rw;                   /* bytes at the start mapped read-write (>= size) */
};

struct awasm_table {
    awasm_valtype_t elem;
    uint32_t size;
    uint32_t cap;
    uint32_t max;                /* effective max */
    awasm_limits_t limits;
    void **elems;                /* awasm_func_t * or externref */
    awasm_store_t *store;        /* charged for cap slots (max_store_bytes) */
};

struct awasm_global {
    uint64_t val;                /* first: the interpreter reads it directly */
    uint64_t val_hi;             /* v128: the high half, right after val */
    awasm_valtype_t type;
    bool mut;
};

struct awasm_instance {
    awasm_store_t *store;
    awasm_module_t *module;
    awasm_func_t **funcs;
    awasm_table_t **tables;
    awasm_memory_t **mems;
    awasm_global_t **globals;
    awasm_memory_t *mem0;         /* NULL when no memory */
    uint8_t *elem_dropped;
    uint8_t *data_dropped;
    void *user;
};

/* Every run-time object of a store is on one list and freed with it. */
typedef struct sobj {
    struct sobj *next;
    int kind;                    /* awasm_extern_kind_t or 4 = instance */
    void *obj;
} sobj_t;

typedef struct frame {
    const uint32_t *ret_ip;
    uint64_t *fp;
    awasm_instance_t *inst;
} frame_t;

struct awasm_store {
    awasm_config_t cfg;
    const awasm_fuel_schedule_t *sched;   /* of cfg.fuel_schedule */
    sobj_t *objs;
    uint64_t *stack;
    size_t stack_slots;          /* allocated now (grows on demand) */
    size_t stack_max;            /* cfg.stack_slots: the limit */
    frame_t *frames;
    uint32_t frames_cap;         /* allocated now (grows on demand) */
    uint32_t max_frames;
    uint64_t fuel;
    atomic_int interrupt;
    bool running;
    awasm_trap_kind_t trap;
    int32_t exit_code;
    char trap_msg[160];
    void *user;
    uint64_t host_bytes;         /* charged against cfg.max_store_bytes */
};

/* runtime.c: charges n bytes of module-caused host memory to the store;
 * false (nothing charged) when that would pass cfg.max_store_bytes. */
bool awasm_store_reserve(awasm_store_t *s, uint64_t n);
/* runtime.c: AWASM_ELIMIT (err set) once cfg.cancel is set, else 0. */
int awasm_decode_cancelled(const awasm_module_t *m, err_t *err);

struct awasm_ctx {
    awasm_store_t *store;
    awasm_instance_t *inst;
};

/* interp.c */
/* The handler address table of the interpreter, indexed by op number. */
const void *const *awasm_interp_labels(void);
/* Runs f with args already in s->stack[0..n_params); results land in
 * s->stack[0..n_results). Returns AWASM_TRAP_NONE or the trap kind. */
awasm_trap_kind_t awasm_interp_run(awasm_store_t *s, awasm_func_t *f);
/* memmove in slices with an interrupt poll between them; false when the
 * store's interrupt flag stopped it (the flag is consumed). */
bool awasm_bulk_move(awasm_store_t *s, void *dst, const void *src, uint64_t n);

/* runtime.c: grow the value stack to hold at least `need` slots (at most
 * stack_max), rebasing the saved frame pointers frames[0..depth); the
 * caller rebases its own pointers from offsets. False when over the limit
 * or out of memory (nothing changed). */
bool awasm_stack_grow(awasm_store_t *s, size_t need, uint32_t depth);
/* runtime.c: double the call-frame array (at most max_frames); false when
 * at the limit or out of memory. */
bool awasm_frames_grow(awasm_store_t *s);

/* runtime.c helpers used by the interpreter */
int64_t awasm_mem_grow(awasm_memory_t *m, uint32_t delta);
int64_t awasm_tab_grow(awasm_table_t *t, uint32_t delta, void *init);
bool awasm_functype_eq(const awasm_functype_t *a, const awasm_functype_t *b);
awasm_trap_kind_t awasm_call_host(awasm_store_t *s, awasm_instance_t *caller, awasm_func_t *f,
                                uint64_t *slots);

/* Float NaN canonical bits. */
#define F32_CANON 0x7fc00000u
#define F64_CANON 0x7ff8000000000000ull

#endif
