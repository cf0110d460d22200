/*
 * wasm interp: the threaded interpreter.
 *
 * Code layout (built by compile.c): a function is an array of 32-bit cells.
 * Each instruction starts with the address of its handler (two cells, read
 * with memcpy), followed by its operands: frame slot indices, immediates and
 * branch offsets relative to the instruction's first cell. Every wasm local
 * and every operand-stack position has a fixed 8-byte slot in the frame, so
 * handlers address their inputs and output directly (`fp[ip[3]] + fp[ip[4]]`)
 * and most wasm pushes and pops disappear at compile time. Dispatch is
 * computed goto straight to the next handler (no switch, no opcode table).
 *
 * State kept in locals (registers) while running: ip, fp (frame base), the
 * instance, linear memory base and size of memory 0, and the fuel counter.
 * They are written back only when leaving the loop or calling the host.
 *
 * Calls do not recurse in C: a call pushes {return ip, caller fp, caller
 * instance} on the store's frame array and the callee's frame starts at the
 * caller's argument slots, so arguments are never copied and results land
 * where the caller expects them. Depth and value-stack size are checked on
 * every call, so exhaustion is a trap, never a host stack overflow.
 *
 * Integer slots: i32 results are stored zero-extended; readers of an i32 use
 * only the low 32 bits. Floats are kept as raw bits (NaN payloads survive).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/internal.h"
#include "wasm/ops.h"
#include "wasm/optab.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the wasm interpreter assumes a little-endian host"
#endif

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

static inline float f32_of(uint64_t v) { uint32_t u = (uint32_t)v; float f; memcpy(&f, &u, 4); return f; }
static inline double f64_of(uint64_t v) { double d; memcpy(&d, &v, 8); return d; }
static inline uint64_t bits_f32(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline uint64_t bits_f64(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }


/* Bulk memory and table operations run in slices with an interrupt poll
 * between them, so a timeout stops even a 4 GiB memory.fill or a 10M-entry
 * table.fill within a few milliseconds (fuel is charged for the whole
 * operation up front). They return false when interrupted, having done a
 * prefix of the work; the caller then traps. */
#define BULK_SLICE ((uint64_t)1 << 22) /* bytes: about a millisecond of memset */

static bool bulk_interrupted(awasm_store_t *s)
{
    if (!atomic_load_explicit(&s->interrupt, memory_order_relaxed))
        return false;
    atomic_store(&s->interrupt, 0);
    return true;
}

static bool bulk_fill(awasm_store_t *s, uint8_t *d, int v, uint64_t n)
{
    for (;;) {
        uint64_t k = n < BULK_SLICE ? n : BULK_SLICE;
        memset(d, v, k);
        d += k;
        n -= k;
        if (!n) return true;
        if (bulk_interrupted(s)) return false;
    }
}

bool awasm_bulk_move(awasm_store_t *s, void *dst, const void *src, uint64_t n)
{
    uint8_t *d = dst;
    const uint8_t *p = src;
    if (n <= BULK_SLICE) {
        if (n) memmove(d, p, n);
        return true;
    }
    bool forward = d <= p;  /* memmove's rule, slice by slice */
    for (uint64_t done = 0; done < n;) {
        uint64_t k = n - done < BULK_SLICE ? n - done : BULK_SLICE;
        uint64_t at = forward ? done : n - done - k;
        memmove(d + at, p + at, k);
        done += k;
        if (done < n && bulk_interrupted(s)) return false;
    }
    return true;
}

static bool bulk_fill_ptr(awasm_store_t *s, void **d, void *v, uint64_t n)
{
    for (uint64_t k = 0; k < n; k++) {
        d[k] = v;
        if ((k & (BULK_SLICE / 8 - 1)) == BULK_SLICE / 8 - 1 && k + 1 < n && bulk_interrupted(s))
            return false;
    }
    return true;
}

static const void *const *g_labels;
static pthread_once_t g_labels_once = PTHREAD_ONCE_INIT;
static uint32_t g_halt_code[2];

static void labels_init(void)
{
    (void)awasm_interp_run(NULL, NULL);
    memcpy(g_halt_code, &g_labels[OP_HALT], sizeof(void *));
}

const void *const *awasm_interp_labels(void)
{
    pthread_once(&g_labels_once, labels_init);
    return g_labels;
}

/* A memory of size 0 for instances without one. */
static awasm_memory_t g_no_memory;

awasm_trap_kind_t awasm_interp_run(awasm_store_t *s, awasm_func_t *entry)
{
    static const void *const labels[] = {
#define AWASM_OP_LABEL(name, n) &&L_##name,
        AWASM_OPS(AWASM_OP_LABEL)
        AWASM_SIMD_OPS(AWASM_OP_LABEL)
#undef AWASM_OP_LABEL
    };
    if (!s) {
        g_labels = labels;
        return AWASM_TRAP_NONE;
    }

    const uint32_t *ip;
    uint64_t *fp = s->stack;
    uint64_t *stack_end = s->stack + s->stack_slots;
    frame_t *frames = s->frames;
    uint32_t frames_cap = s->frames_cap;
    const uint32_t max_frames = s->max_frames;
    uint32_t depth = 0;
    awasm_instance_t *inst = entry->inst;
    awasm_memory_t *mem = inst->mem0 ? inst->mem0 : &g_no_memory;
    uint8_t *membase = mem->data;
    uint64_t memsize = mem->size;
    uint64_t fuel = s->fuel;
    const bool metered = s->cfg.fuel;
    awasm_trap_kind_t trap = AWASM_TRAP_NONE;
    awasm_func_t *callee;
    uint64_t *nfp;
    const uint32_t *next_ip;

#define S(i) fp[ip[i]]
#define DISPATCH() do { const void *t_; memcpy(&t_, ip, sizeof t_); goto *t_; } while (0)
#define NEXT(n) do { ip += 2 + (n); DISPATCH(); } while (0)
#define TRAP(k) do { trap = (k); goto trapped; } while (0)
/* Branches are relative; a backward one (or a zero one: `loop br 0 end`) is
 * a loop back-edge: it lands just after the loop's LOOP instruction and does
 * its work (interrupt poll, fuel for the loop header's block, whose cost is
 * the cell before the target). */
#define JUMP(off) do { \
        int32_t o_ = (int32_t)(off); \
        ip += o_; \
        if (o_ <= 0) { goto back_edge; } \
        DISPATCH(); \
    } while (0)
#define RELOAD_MEM() do { mem = inst->mem0 ? inst->mem0 : &g_no_memory; \
        membase = mem->data; memsize = mem->size; } while (0)
#define CHARGE(units) do { \
        if (metered) { \
            uint64_t c_ = (units); \
            if (UNLIKELY(fuel < c_)) { TRAP(AWASM_TRAP_OUT_OF_FUEL); } \
            fuel -= c_; \
        } \
    } while (0)

    callee = entry;
    nfp = fp;
    next_ip = g_halt_code;
    goto do_call;

L_HALT:
    goto done;
L_UNREACHABLE:
    TRAP(AWASM_TRAP_UNREACHABLE);
L_FUEL:
    if (UNLIKELY(fuel < ip[2])) TRAP(AWASM_TRAP_OUT_OF_FUEL);
    fuel -= ip[2];
    NEXT(1);
L_LOOP:
    if (UNLIKELY(atomic_load_explicit(&s->interrupt, memory_order_relaxed))) {
        atomic_store(&s->interrupt, 0);
        TRAP(AWASM_TRAP_INTERRUPTED);
    }
    if (UNLIKELY(fuel < ip[2])) TRAP(AWASM_TRAP_OUT_OF_FUEL);
    fuel -= ip[2];
    NEXT(1);
back_edge:
    if (UNLIKELY(atomic_load_explicit(&s->interrupt, memory_order_relaxed))) {
        atomic_store(&s->interrupt, 0);
        TRAP(AWASM_TRAP_INTERRUPTED);
    }
    if (UNLIKELY(fuel < ip[-1])) TRAP(AWASM_TRAP_OUT_OF_FUEL);
    fuel -= ip[-1];
    DISPATCH();
L_BR:
    JUMP(ip[2]);
L_BR_IF:
    if ((uint32_t)S(2)) JUMP(ip[3]);
    NEXT(2);
L_BR_UNLESS:
    if (!(uint32_t)S(2)) JUMP(ip[3]);
    NEXT(2);
L_BR_TABLE: {
    uint32_t i = (uint32_t)S(2), n = ip[3];
    if (i > n) i = n;
    JUMP(ip[4 + i]);
}
L_RETURN: {
    frame_t *fr = &frames[--depth];
    ip = fr->ret_ip;
    fp = fr->fp;
    if (fr->inst != inst) inst = fr->inst;
    RELOAD_MEM();
    DISPATCH();
}
L_CALL:
    callee = inst->funcs[ip[2]];
    nfp = fp + ip[3];
    next_ip = ip + 4;
    goto do_call;
L_CALL_INDIRECT: {
    awasm_table_t *t = inst->tables[ip[2]];
    uint32_t i = (uint32_t)S(4);
    if (UNLIKELY(i >= t->size)) TRAP(AWASM_TRAP_OOB_TABLE);
    callee = t->elems[i];
    if (UNLIKELY(!callee)) TRAP(AWASM_TRAP_UNINIT_ELEMENT);
    const awasm_functype_t *want = &inst->module->types[ip[3]];
    if (UNLIKELY(callee->type.params != want->params && !awasm_functype_eq(&callee->type, want)))
        TRAP(AWASM_TRAP_INDIRECT_MISMATCH);
    nfp = fp + ip[5];
    next_ip = ip + 6;
    goto do_call;
}
do_call: {
    if (UNLIKELY(depth >= frames_cap)) {
        if (depth >= max_frames || !awasm_frames_grow(s)) TRAP(AWASM_TRAP_STACK_EXHAUSTED);
        frames = s->frames;
        frames_cap = s->frames_cap;
    }
    if (UNLIKELY(atomic_load_explicit(&s->interrupt, memory_order_relaxed))) {
        atomic_store(&s->interrupt, 0);
        TRAP(AWASM_TRAP_INTERRUPTED);
    }
    if (UNLIKELY(!callee->cf)) {
        s->fuel = fuel;
        awasm_trap_kind_t k = awasm_call_host(s, depth ? inst : NULL, callee, nfp);
        fuel = s->fuel;
        if (k != AWASM_TRAP_NONE) TRAP(k);
        RELOAD_MEM();
        ip = next_ip;
        DISPATCH();
    }
    const cfunc_t *cf = callee->cf;
    if (UNLIKELY((size_t)(stack_end - nfp) < cf->frame_size)) {
        /* grow the value stack (it may move: rebase from offsets) */
        size_t fo = (size_t)(fp - s->stack), no = (size_t)(nfp - s->stack);
        if (!awasm_stack_grow(s, no + cf->frame_size, depth)) TRAP(AWASM_TRAP_STACK_EXHAUSTED);
        fp = s->stack + fo;
        nfp = s->stack + no;
        stack_end = s->stack + s->stack_slots;
    }
    frames[depth].ret_ip = next_ip;
    frames[depth].fp = fp;
    frames[depth].inst = inst;
    depth++;
    if (cf->n_locals > cf->n_params)
        memset(nfp + cf->n_params, 0, (size_t)(cf->n_locals - cf->n_params) * 8);
    fp = nfp;
    if (callee->inst != inst) {
        inst = callee->inst;
        RELOAD_MEM();
    }
    ip = cf->code;
    DISPATCH();
}
L_COPY:
    S(2) = S(3);
    NEXT(2);
L_CONST32:
    S(2) = ip[3];
    NEXT(2);
L_CONST64:
    S(2) = (uint64_t)ip[3] | ((uint64_t)ip[4] << 32);
    NEXT(3);
L_GLOBAL_GET:
    S(2) = inst->globals[ip[3]]->val;
    NEXT(2);
L_GLOBAL_SET:
    inst->globals[ip[2]]->val = S(3);
    NEXT(2);
L_SELECT:
    S(2) = (uint32_t)S(5) ? S(3) : S(4);
    NEXT(4);

#define EA(nbytes) \
    uint64_t ea_ = (uint64_t)(uint32_t)S(3) + ip[4]; \
    if (UNLIKELY(ea_ + (nbytes) > memsize)) TRAP(AWASM_TRAP_OOB_MEMORY);
#define LOAD(name, ctype, nbytes, conv) \
L_##name: { EA(nbytes) ctype v_; memcpy(&v_, membase + ea_, nbytes); S(2) = conv; NEXT(3); }
    LOAD(I32_LOAD, uint32_t, 4, v_)
    LOAD(I64_LOAD, uint64_t, 8, v_)
    LOAD(I32_LOAD8_S, int8_t, 1, (uint32_t)(int32_t)v_)
    LOAD(I32_LOAD8_U, uint8_t, 1, v_)
    LOAD(I32_LOAD16_S, int16_t, 2, (uint32_t)(int32_t)v_)
    LOAD(I32_LOAD16_U, uint16_t, 2, v_)
    LOAD(I64_LOAD8_S, int8_t, 1, (uint64_t)(int64_t)v_)
    LOAD(I64_LOAD16_S, int16_t, 2, (uint64_t)(int64_t)v_)
    LOAD(I64_LOAD32_S, int32_t, 4, (uint64_t)(int64_t)v_)
#undef LOAD
#define STORE(name, ctype, nbytes) \
L_##name: { uint64_t ea_ = (uint64_t)(uint32_t)S(2) + ip[4]; \
    if (UNLIKELY(ea_ + (nbytes) > memsize)) TRAP(AWASM_TRAP_OOB_MEMORY); \
    ctype v_ = (ctype)S(3); memcpy(membase + ea_, &v_, nbytes); NEXT(3); }
    STORE(STORE8, uint8_t, 1)
    STORE(STORE16, uint16_t, 2)
    STORE(STORE32, uint32_t, 4)
    STORE(STORE64, uint64_t, 8)
#undef STORE

L_MEMORY_SIZE:
    S(2) = mem->pages;
    NEXT(1);
L_MEMORY_GROW: {
    uint32_t delta = (uint32_t)S(3);
    CHARGE((uint64_t)delta * s->sched->memory_grow_per_page);
    S(2) = (uint32_t)awasm_mem_grow(mem, delta);
    RELOAD_MEM();
    NEXT(2);
}
L_MEMORY_FILL: {
    uint64_t d = (uint32_t)S(2), n = (uint32_t)S(4);
    CHARGE(n / s->sched->bulk_memory_bytes_per_unit);
    if (UNLIKELY(d + n > memsize)) TRAP(AWASM_TRAP_OOB_MEMORY);
    if (UNLIKELY(!bulk_fill(s, membase + d, (int)(uint8_t)S(3), n))) TRAP(AWASM_TRAP_INTERRUPTED);
    NEXT(3);
}
L_MEMORY_COPY: {
    uint64_t d = (uint32_t)S(2), src = (uint32_t)S(3), n = (uint32_t)S(4);
    CHARGE(n / s->sched->bulk_memory_bytes_per_unit);
    if (UNLIKELY(d + n > memsize || src + n > memsize)) TRAP(AWASM_TRAP_OOB_MEMORY);
    if (UNLIKELY(!awasm_bulk_move(s, membase + d, membase + src, n)))
        TRAP(AWASM_TRAP_INTERRUPTED);
    NEXT(3);
}
L_MEMORY_INIT: {
    const mdata_t *seg = &inst->module->datas[ip[2]];
    uint64_t d = (uint32_t)S(3), src = (uint32_t)S(4), n = (uint32_t)S(5);
    uint64_t seglen = inst->data_dropped[ip[2]] ? 0 : seg->len;
    CHARGE(n / s->sched->bulk_memory_bytes_per_unit);
    if (UNLIKELY(d + n > memsize || src + n > seglen)) TRAP(AWASM_TRAP_OOB_MEMORY);
    if (UNLIKELY(n && !awasm_bulk_move(s, membase + d, seg->bytes + src, n)))
        TRAP(AWASM_TRAP_INTERRUPTED);
    NEXT(4);
}
L_DATA_DROP:
    inst->data_dropped[ip[2]] = 1;
    NEXT(1);
L_TABLE_GET: {
    awasm_table_t *t = inst->tables[ip[3]];
    uint32_t i = (uint32_t)S(4);
    if (UNLIKELY(i >= t->size)) TRAP(AWASM_TRAP_OOB_TABLE);
    S(2) = (uint64_t)(uintptr_t)t->elems[i];
    NEXT(3);
}
L_TABLE_SET: {
    awasm_table_t *t = inst->tables[ip[2]];
    uint32_t i = (uint32_t)S(3);
    if (UNLIKELY(i >= t->size)) TRAP(AWASM_TRAP_OOB_TABLE);
    t->elems[i] = (void *)(uintptr_t)S(4);
    NEXT(3);
}
L_TABLE_SIZE:
    S(2) = inst->tables[ip[3]]->size;
    NEXT(2);
L_TABLE_GROW: {
    uint32_t n = (uint32_t)S(5);
    CHARGE(n / s->sched->bulk_table_elems_per_unit);
    S(2) = (uint32_t)awasm_tab_grow(inst->tables[ip[3]], n, (void *)(uintptr_t)S(4));
    NEXT(4);
}
L_TABLE_FILL: {
    awasm_table_t *t = inst->tables[ip[2]];
    uint64_t i = (uint32_t)S(3), n = (uint32_t)S(5);
    void *v = (void *)(uintptr_t)S(4);
    CHARGE(n / s->sched->bulk_table_elems_per_unit);
    if (UNLIKELY(i + n > t->size)) TRAP(AWASM_TRAP_OOB_TABLE);
    if (UNLIKELY(!bulk_fill_ptr(s, t->elems + i, v, n))) TRAP(AWASM_TRAP_INTERRUPTED);
    NEXT(4);
}
L_TABLE_COPY: {
    awasm_table_t *dt = inst->tables[ip[2]], *st = inst->tables[ip[3]];
    uint64_t d = (uint32_t)S(4), src = (uint32_t)S(5), n = (uint32_t)S(6);
    CHARGE(n / s->sched->bulk_table_elems_per_unit);
    if (UNLIKELY(d + n > dt->size || src + n > st->size)) TRAP(AWASM_TRAP_OOB_TABLE);
    if (UNLIKELY(n && !awasm_bulk_move(s, dt->elems + d, st->elems + src, n * sizeof(void *))))
        TRAP(AWASM_TRAP_INTERRUPTED);
    NEXT(5);
}
L_TABLE_INIT: {
    awasm_table_t *t = inst->tables[ip[2]];
    const melem_t *seg = &inst->module->elems[ip[3]];
    uint64_t d = (uint32_t)S(4), src = (uint32_t)S(5), n = (uint32_t)S(6);
    uint64_t seglen = inst->elem_dropped[ip[3]] ? 0 : seg->n;
    CHARGE(n / s->sched->bulk_table_elems_per_unit);
    if (UNLIKELY(d + n > t->size || src + n > seglen)) TRAP(AWASM_TRAP_OOB_TABLE);
    for (uint64_t k = 0; k < n; k++) {
        const cexpr_t *e = &seg->items[src + k];
        void *v = NULL;
        if (e->op == CE_REF_FUNC) v = inst->funcs[e->v];
        else if (e->op == CE_GLOBAL_GET) v = (void *)(uintptr_t)inst->globals[e->v]->val;
        t->elems[d + k] = v;
        if (UNLIKELY((k & 0xfffff) == 0xfffff && bulk_interrupted(s))) TRAP(AWASM_TRAP_INTERRUPTED);
    }
    NEXT(5);
}
L_ELEM_DROP:
    inst->elem_dropped[ip[2]] = 1;
    NEXT(1);
L_REF_IS_NULL:
    S(2) = S(3) == 0;
    NEXT(2);
L_REF_FUNC:
    S(2) = (uint64_t)(uintptr_t)inst->funcs[ip[3]];
    NEXT(2);
L_CANON32:
    if (isnan(f32_of(S(2)))) S(2) = F32_CANON;
    NEXT(1);
L_CANON64:
    if (isnan(f64_of(S(2)))) S(2) = F64_CANON;
    NEXT(1);

    /* ---- fused forms ---- */
#define BINK32(name, expr) \
L_##name: { uint32_t a = (uint32_t)S(3), k = ip[4]; S(2) = (uint32_t)(expr); NEXT(3); }
    BINK32(I32_ADD_K, a + k)
    BINK32(I32_SUB_K, a - k)
    BINK32(I32_AND_K, a & k)
    BINK32(I32_OR_K, a | k)
    BINK32(I32_XOR_K, a ^ k)
    BINK32(I32_SHL_K, a << (k & 31))
    BINK32(I32_SHR_S_K, (uint32_t)((int32_t)a >> (k & 31)))
    BINK32(I32_SHR_U_K, a >> (k & 31))
    BINK32(I32_MUL_K, a * k)
#undef BINK32
L_I32_SHR_U_AND_K:
    S(2) = ((uint32_t)S(3) >> (ip[4] & 31)) & ip[5];
    NEXT(4);
L_I32_ADD_ADD_K:
    S(2) = (uint32_t)((uint32_t)S(3) + (uint32_t)S(4) + ip[5]);
    NEXT(4);
#define BRLOAD(name, ctype, nbytes, cond) \
L_##name: { EA(nbytes) ctype v_; memcpy(&v_, membase + ea_, nbytes); S(2) = v_; \
    if (cond) { JUMP(ip[5]); } NEXT(4); }
    BRLOAD(BR_LOAD32_NZ, uint32_t, 4, v_ != 0)
    BRLOAD(BR_LOAD32_Z, uint32_t, 4, v_ == 0)
    BRLOAD(BR_LOAD8U_NZ, uint8_t, 1, v_ != 0)
    BRLOAD(BR_LOAD8U_Z, uint8_t, 1, v_ == 0)
#undef BRLOAD
L_I64_ADD_K:
    S(2) = S(3) + (uint64_t)(int64_t)(int32_t)ip[4];
    NEXT(3);
L_BR_EQZ:
    if (!(uint32_t)S(2)) JUMP(ip[3]);
    NEXT(2);
L_BR_NEZ:
    if ((uint32_t)S(2)) JUMP(ip[3]);
    NEXT(2);
#define BRCMP(name, type, op) \
L_##name: { if ((type)S(2) op (type)S(3)) JUMP(ip[4]); NEXT(3); }
    BRCMP(BR_I32_EQ, uint32_t, ==)
    BRCMP(BR_I32_NE, uint32_t, !=)
    BRCMP(BR_I32_LT_S, int32_t, <)
    BRCMP(BR_I32_LT_U, uint32_t, <)
    BRCMP(BR_I32_GT_S, int32_t, >)
    BRCMP(BR_I32_GT_U, uint32_t, >)
    BRCMP(BR_I32_LE_S, int32_t, <=)
    BRCMP(BR_I32_LE_U, uint32_t, <=)
    BRCMP(BR_I32_GE_S, int32_t, >=)
    BRCMP(BR_I32_GE_U, uint32_t, >=)
#undef BRCMP
#define CMPK(name, type, op) \
L_##name: S(2) = (type)S(3) op (type)ip[4]; NEXT(3);
#define BRCMPK(name, type, op) \
L_##name: { if ((type)S(2) op (type)ip[3]) JUMP(ip[4]); NEXT(3); }
    CMPK(I32_EQ_K, uint32_t, ==)
    CMPK(I32_NE_K, uint32_t, !=)
    CMPK(I32_LT_S_K, int32_t, <)
    CMPK(I32_LT_U_K, uint32_t, <)
    CMPK(I32_GT_S_K, int32_t, >)
    CMPK(I32_GT_U_K, uint32_t, >)
    CMPK(I32_LE_S_K, int32_t, <=)
    CMPK(I32_LE_U_K, uint32_t, <=)
    CMPK(I32_GE_S_K, int32_t, >=)
    CMPK(I32_GE_U_K, uint32_t, >=)
    BRCMPK(BR_I32_EQ_K, uint32_t, ==)
    BRCMPK(BR_I32_NE_K, uint32_t, !=)
    BRCMPK(BR_I32_LT_S_K, int32_t, <)
    BRCMPK(BR_I32_LT_U_K, uint32_t, <)
    BRCMPK(BR_I32_GT_S_K, int32_t, >)
    BRCMPK(BR_I32_GT_U_K, uint32_t, >)
    BRCMPK(BR_I32_LE_S_K, int32_t, <=)
    BRCMPK(BR_I32_LE_U_K, uint32_t, <=)
    BRCMPK(BR_I32_GE_S_K, int32_t, >=)
    BRCMPK(BR_I32_GE_U_K, uint32_t, >=)
#undef CMPK
#undef BRCMPK

    /* ---- numeric ---- */
#define CMP(name, type, op) \
L_##name: S(2) = (type)S(3) op (type)S(4); NEXT(3);
#define UN32(name, expr) L_##name: { uint32_t a = (uint32_t)S(3); S(2) = (uint32_t)(expr); NEXT(2); }
#define UN64(name, expr) L_##name: { uint64_t a = S(3); S(2) = (uint64_t)(expr); NEXT(2); }
#define BIN32(name, expr) \
L_##name: { uint32_t a = (uint32_t)S(3), b = (uint32_t)S(4); S(2) = (uint32_t)(expr); NEXT(3); }
#define BIN64(name, expr) \
L_##name: { uint64_t a = S(3), b = S(4); S(2) = (uint64_t)(expr); NEXT(3); }
#define FCMP32(name, op) L_##name: S(2) = f32_of(S(3)) op f32_of(S(4)); NEXT(3);
#define FCMP64(name, op) L_##name: S(2) = f64_of(S(3)) op f64_of(S(4)); NEXT(3);
#define FUN32(name, expr) L_##name: { float a = f32_of(S(3)); S(2) = bits_f32(expr); NEXT(2); }
#define FUN64(name, expr) L_##name: { double a = f64_of(S(3)); S(2) = bits_f64(expr); NEXT(2); }
#define FBIN32(name, expr) \
L_##name: { float a = f32_of(S(3)), b = f32_of(S(4)); S(2) = bits_f32(expr); NEXT(3); }
#define FBIN64(name, expr) \
L_##name: { double a = f64_of(S(3)), b = f64_of(S(4)); S(2) = bits_f64(expr); NEXT(3); }

    UN32(I32_EQZ, a == 0)
    CMP(I32_EQ, uint32_t, ==) CMP(I32_NE, uint32_t, !=)
    CMP(I32_LT_S, int32_t, <) CMP(I32_LT_U, uint32_t, <)
    CMP(I32_GT_S, int32_t, >) CMP(I32_GT_U, uint32_t, >)
    CMP(I32_LE_S, int32_t, <=) CMP(I32_LE_U, uint32_t, <=)
    CMP(I32_GE_S, int32_t, >=) CMP(I32_GE_U, uint32_t, >=)
    L_I64_EQZ: S(2) = S(3) == 0; NEXT(2);
    CMP(I64_EQ, uint64_t, ==) CMP(I64_NE, uint64_t, !=)
    CMP(I64_LT_S, int64_t, <) CMP(I64_LT_U, uint64_t, <)
    CMP(I64_GT_S, int64_t, >) CMP(I64_GT_U, uint64_t, >)
    CMP(I64_LE_S, int64_t, <=) CMP(I64_LE_U, uint64_t, <=)
    CMP(I64_GE_S, int64_t, >=) CMP(I64_GE_U, uint64_t, >=)
    FCMP32(F32_EQ, ==) FCMP32(F32_NE, !=) FCMP32(F32_LT, <) FCMP32(F32_GT, >)
    FCMP32(F32_LE, <=) FCMP32(F32_GE, >=)
    FCMP64(F64_EQ, ==) FCMP64(F64_NE, !=) FCMP64(F64_LT, <) FCMP64(F64_GT, >)
    FCMP64(F64_LE, <=) FCMP64(F64_GE, >=)

    UN32(I32_CLZ, a ? __builtin_clz(a) : 32)
    UN32(I32_CTZ, a ? __builtin_ctz(a) : 32)
    UN32(I32_POPCNT, __builtin_popcount(a))
    BIN32(I32_ADD, a + b) BIN32(I32_SUB, a - b) BIN32(I32_MUL, a * b)
L_I32_DIV_S: {
    int32_t a = (int32_t)S(3), b = (int32_t)S(4);
    if (UNLIKELY(b == 0)) TRAP(AWASM_TRAP_DIV_BY_ZERO);
    if (UNLIKELY(a == INT32_MIN && b == -1)) TRAP(AWASM_TRAP_INT_OVERFLOW);
    S(2) = (uint32_t)(a / b);
    NEXT(3);
}
L_I32_DIV_U: {
    uint32_t a = (uint32_t)S(3), b = (uint32_t)S(4);
    if (UNLIKELY(b == 0)) TRAP(AWASM_TRAP_DIV_BY_ZERO);
    S(2) = a / b;
    NEXT(3);
}
L_I32_REM_S: {
    int32_t a = (int32_t)S(3), b = (int32_t)S(4);
    if (UNLIKELY(b == 0)) TRAP(AWASM_TRAP_DIV_BY_ZERO);
    S(2) = (b == -1) ? 0 : (uint32_t)(a % b);
    NEXT(3);
}
L_I32_REM_U: {
    uint32_t a = (uint32_t)S(3), b = (uint32_t)S(4);
    if (UNLIKELY(b == 0)) TRAP(AWASM_TRAP_DIV_BY_ZERO);
    S(2) = a % b;
    NEXT(3);
}
    BIN32(I32_AND, a & b) BIN32(I32_OR, a | b) BIN32(I32_XOR, a ^ b)
    BIN32(I32_SHL, a << (b & 31)) BIN32(I32_SHR_S, (uint32_t)((int32_t)a >> (b & 31)))
    BIN32(I32_SHR_U, a >> (b & 31))
    BIN32(I32_ROTL, (a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)))
    BIN32(I32_ROTR, (a >> (b & 31)) | (a << ((32 - (b & 31)) & 31)))

    UN64(I64_CLZ, a ? __builtin_clzll(a) : 64)
    UN64(I64_CTZ, a ? __builtin_ctzll(a) : 64)
    UN64(I64_POPCNT, __builtin_popcountll(a))
    BIN64(I64_ADD, a + b) BIN64(I64_SUB, a - b) BIN64(I64_MUL, a * b)
L_I64_DIV_S: {
    int64_t a = (int64_t)S(3), b = (int64_t)S(4);
    if (UNLIKELY(b == 0)) TRAP(AWASM_TRAP_DIV_BY_ZERO);
    if (UNLIKELY(a == INT64_MIN && b == -1)) TRAP(AWASM_TRAP_INT_OVERFLOW);
    S(2) = (uint64_t)(a / b);
    NEXT(3);
}
L_I64_DIV_U: {
    uint64_t a = S(3), b = S(4);
    if (UNLIKELY(b == 0)) TRAP(AWASM_TRAP_DIV_BY_ZERO);
    S(2) = a / b;
    NEXT(3);
}
L_I64_REM_S: {
    int64_t a = (int64_t)S(3), b = (int64_t)S(4);
    if (UNLIKELY(b == 0)) TRAP(AWASM_TRAP_DIV_BY_ZERO);
    S(2) = (b == -1) ? 0 : (uint64_t)(a % b);
    NEXT(3);
}
L_I64_REM_U: {
    uint64_t a = S(3), b = S(4);
    if (UNLIKELY(b == 0)) TRAP(AWASM_TRAP_DIV_BY_ZERO);
    S(2) = a % b;
    NEXT(3);
}
    BIN64(I64_AND, a & b) BIN64(I64_OR, a | b) BIN64(I64_XOR, a ^ b)
    BIN64(I64_SHL, a << (b & 63)) BIN64(I64_SHR_S, (uint64_t)((int64_t)a >> (b & 63)))
    BIN64(I64_SHR_U, a >> (b & 63))
    BIN64(I64_ROTL, (a << (b & 63)) | (a >> ((64 - (b & 63)) & 63)))
    BIN64(I64_ROTR, (a >> (b & 63)) | (a << ((64 - (b & 63)) & 63)))

L_F32_ABS: S(2) = S(3) & 0x7fffffffu; NEXT(2);
L_F32_NEG: S(2) = (S(3) ^ 0x80000000u) & 0xffffffffu; NEXT(2);
    /* rounding of a NaN must give a quiet NaN; inlined roundings may not */
    FUN32(F32_CEIL, isnan(a) ? a + a : ceilf(a))
    FUN32(F32_FLOOR, isnan(a) ? a + a : floorf(a))
    FUN32(F32_TRUNC, isnan(a) ? a + a : truncf(a))
    FUN32(F32_NEAREST, isnan(a) ? a + a : nearbyintf(a))
    FUN32(F32_SQRT, sqrtf(a))
    FBIN32(F32_ADD, a + b) FBIN32(F32_SUB, a - b) FBIN32(F32_MUL, a * b)
    FBIN32(F32_DIV, a / b) FBIN32(F32_MIN, fmin32(a, b)) FBIN32(F32_MAX, fmax32(a, b))
L_F32_COPYSIGN: S(2) = (S(3) & 0x7fffffffu) | (S(4) & 0x80000000u); NEXT(3);
L_F64_ABS: S(2) = S(3) & 0x7fffffffffffffffull; NEXT(2);
L_F64_NEG: S(2) = S(3) ^ 0x8000000000000000ull; NEXT(2);
    FUN64(F64_CEIL, isnan(a) ? a + a : ceil(a))
    FUN64(F64_FLOOR, isnan(a) ? a + a : floor(a))
    FUN64(F64_TRUNC, isnan(a) ? a + a : trunc(a))
    FUN64(F64_NEAREST, isnan(a) ? a + a : nearbyint(a))
    FUN64(F64_SQRT, sqrt(a))
    FBIN64(F64_ADD, a + b) FBIN64(F64_SUB, a - b) FBIN64(F64_MUL, a * b)
    FBIN64(F64_DIV, a / b) FBIN64(F64_MIN, fmin64(a, b)) FBIN64(F64_MAX, fmax64(a, b))
L_F64_COPYSIGN:
    S(2) = (S(3) & 0x7fffffffffffffffull) | (S(4) & 0x8000000000000000ull);
    NEXT(3);

L_I32_WRAP_I64: S(2) = (uint32_t)S(3); NEXT(2);
#define TRUNC(name, get, ok, conv) \
L_##name: { __typeof__(get(0)) x = get(S(3)); \
    if (UNLIKELY(isnan(x))) TRAP(AWASM_TRAP_INVALID_CONVERSION); \
    if (UNLIKELY(!(ok))) TRAP(AWASM_TRAP_INT_OVERFLOW); \
    S(2) = (conv); NEXT(2); }
    TRUNC(I32_TRUNC_F32_S, f32_of, x >= -2147483648.0f && x < 2147483648.0f, (uint32_t)(int32_t)x)
    TRUNC(I32_TRUNC_F32_U, f32_of, x > -1.0f && x < 4294967296.0f, (uint32_t)x)
    TRUNC(I32_TRUNC_F64_S, f64_of, x > -2147483649.0 && x < 2147483648.0, (uint32_t)(int32_t)x)
    TRUNC(I32_TRUNC_F64_U, f64_of, x > -1.0 && x < 4294967296.0, (uint32_t)x)
L_I64_EXTEND_I32_S: S(2) = (uint64_t)(int64_t)(int32_t)S(3); NEXT(2);
L_I64_EXTEND_I32_U: S(2) = (uint32_t)S(3); NEXT(2);
    TRUNC(I64_TRUNC_F32_S, f32_of, x >= -9223372036854775808.0f && x < 9223372036854775808.0f,
          (uint64_t)(int64_t)x)
    TRUNC(I64_TRUNC_F32_U, f32_of, x > -1.0f && x < 18446744073709551616.0f, (uint64_t)x)
    TRUNC(I64_TRUNC_F64_S, f64_of, x >= -9223372036854775808.0 && x < 9223372036854775808.0,
          (uint64_t)(int64_t)x)
    TRUNC(I64_TRUNC_F64_U, f64_of, x > -1.0 && x < 18446744073709551616.0, (uint64_t)x)
#undef TRUNC
L_F32_CONVERT_I32_S: S(2) = bits_f32((float)(int32_t)S(3)); NEXT(2);
L_F32_CONVERT_I32_U: S(2) = bits_f32((float)(uint32_t)S(3)); NEXT(2);
L_F32_CONVERT_I64_S: S(2) = bits_f32((float)(int64_t)S(3)); NEXT(2);
L_F32_CONVERT_I64_U: S(2) = bits_f32((float)S(3)); NEXT(2);
L_F32_DEMOTE_F64: S(2) = bits_f32((float)f64_of(S(3))); NEXT(2);
L_F64_CONVERT_I32_S: S(2) = bits_f64((double)(int32_t)S(3)); NEXT(2);
L_F64_CONVERT_I32_U: S(2) = bits_f64((double)(uint32_t)S(3)); NEXT(2);
L_F64_CONVERT_I64_S: S(2) = bits_f64((double)(int64_t)S(3)); NEXT(2);
L_F64_CONVERT_I64_U: S(2) = bits_f64((double)S(3)); NEXT(2);
L_F64_PROMOTE_F32: S(2) = bits_f64((double)f32_of(S(3))); NEXT(2);
L_I32_REINTERPRET_F32:
L_I64_REINTERPRET_F64:
L_F32_REINTERPRET_I32:
L_F64_REINTERPRET_I64:
    S(2) = S(3);
    NEXT(2);
L_I32_EXTEND8_S: S(2) = (uint32_t)(int32_t)(int8_t)S(3); NEXT(2);
L_I32_EXTEND16_S: S(2) = (uint32_t)(int32_t)(int16_t)S(3); NEXT(2);
L_I64_EXTEND8_S: S(2) = (uint64_t)(int64_t)(int8_t)S(3); NEXT(2);
L_I64_EXTEND16_S: S(2) = (uint64_t)(int64_t)(int16_t)S(3); NEXT(2);
L_I64_EXTEND32_S: S(2) = (uint64_t)(int64_t)(int32_t)S(3); NEXT(2);
#define SAT(name, get, lo_ok, hi_ok, lo, hi, conv) \
L_##name: { __typeof__(get(0)) x = get(S(3)); \
    S(2) = isnan(x) ? 0 : !(lo_ok) ? (lo) : !(hi_ok) ? (hi) : (conv); NEXT(2); }
    SAT(I32_TRUNC_SAT_F32_S, f32_of, x >= -2147483648.0f, x < 2147483648.0f,
        0x80000000u, 0x7fffffffu, (uint32_t)(int32_t)x)
    SAT(I32_TRUNC_SAT_F32_U, f32_of, x > -1.0f, x < 4294967296.0f, 0, 0xffffffffu, (uint32_t)x)
    SAT(I32_TRUNC_SAT_F64_S, f64_of, x > -2147483649.0, x < 2147483648.0,
        0x80000000u, 0x7fffffffu, (uint32_t)(int32_t)x)
    SAT(I32_TRUNC_SAT_F64_U, f64_of, x > -1.0, x < 4294967296.0, 0, 0xffffffffu, (uint32_t)x)
    SAT(I64_TRUNC_SAT_F32_S, f32_of, x >= -9223372036854775808.0f, x < 9223372036854775808.0f,
        0x8000000000000000ull, 0x7fffffffffffffffull, (uint64_t)(int64_t)x)
    SAT(I64_TRUNC_SAT_F32_U, f32_of, x > -1.0f, x < 18446744073709551616.0f, 0,
        0xffffffffffffffffull, (uint64_t)x)
    SAT(I64_TRUNC_SAT_F64_S, f64_of, x >= -9223372036854775808.0, x < 9223372036854775808.0,
        0x8000000000000000ull, 0x7fffffffffffffffull, (uint64_t)(int64_t)x)
    SAT(I64_TRUNC_SAT_F64_U, f64_of, x > -1.0, x < 18446744073709551616.0, 0,
        0xffffffffffffffffull, (uint64_t)x)
#undef SAT

#include "wasm/interp_simd.h"
#undef EA

trapped:
    s->fuel = fuel;
    s->trap = trap;
    return trap;
done:
    s->fuel = fuel;
    return AWASM_TRAP_NONE;
}
