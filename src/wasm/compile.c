/*
 * wasm compile: validates one function body (WebAssembly 2.0 §3.3, the
 * algorithm of the spec's validation appendix) and, in the same single
 * pass, compiles it to the slot-addressed code that interp.c runs.
 *
 * Frame layout: the locals come first (params first), then the operand
 * stack: every value takes one 8-byte slot except a v128, which takes two
 * consecutive ones, so stack position h lives at the locals' slots plus the
 * slots of the positions below it ("home" slot). Since
 * validation knows the stack height at every instruction, each instruction
 * names its operand and result slots explicitly.
 *
 * The virtual stack: an entry on the compile-time operand stack is either
 * materialised (its value is in its home slot), an alias of a local (a
 * `local.get` emits nothing: consumers read the local's slot directly), or a
 * 32-bit constant (consumers with an immediate form use it directly, e.g.
 * i32.add with a constant becomes I32_ADD_K). Lazy entries are materialised
 * whenever their meaning could change: before a local they alias is written,
 * and at every control instruction and call (so at every label all values
 * are in home slots). A `local.set` right after the instruction computing
 * its value retargets that instruction's destination to the local. A
 * comparison followed by `br_if`/`if` fuses into a compare-and-branch.
 *
 * Every opcode is looked up in the opcode table (optab.h): unknown ones are
 * malformed, rows of a generic class (unary, binary, load, store ...) are
 * validated and compiled from the row's types and handler, the others have
 * their own case below.
 *
 * Branches: a label's values are copied to the slots the target expects
 * (only when the heights differ), then a relative jump. Returns copy the
 * results to slots [0, n_results) of the frame, where the caller finds them.
 *
 * Fuel (when metered): each basic block starts with FUEL k (LOOP k at loop
 * headers, which also polls the interrupt flag) and k is the sum of the fixed
 * costs of the block's wasm instructions, from the opcode table (optab.c)
 * under the module's fuel schedule version. A block starts at the
 * function entry, a loop header, an else, and at a block end that some
 * branch targets. A block is charged in full on entry, so a branch taken out
 * of its middle has paid for the rest: the same every run and every build.
 */
#include <stdlib.h>
#include <string.h>

#include "wasm/internal.h"
#include "wasm/ops.h"
#include "wasm/optab.h"

enum { K_FUNC, K_BLOCK, K_LOOP, K_IF, K_ELSE };
#define T_ANY 0   /* unknown type from the polymorphic stack */
#define SRC_CONST UINT32_MAX
#define NONE ((size_t)-1)

typedef struct ventry {
    uint8_t type;
    uint32_t src;      /* slot holding the value; SRC_CONST for a constant */
    uint32_t k;        /* the constant (i32, or i64 that fits sign-extended) */
    uint32_t off;      /* slot offset of this stack position above the locals */
} ventry_t;

/* Slots a value takes: a v128 two consecutive ones, everything else one. */
static inline uint32_t W(uint8_t t) { return t == AWASM_V128 ? 2u : 1u; }

typedef struct ctl {
    uint8_t kind;
    bool unreachable;
    bool dead_start;
    uint32_t n_params, n_results;
    const awasm_valtype_t *params, *results;
    awasm_valtype_t single;      /* storage for a one-value block type */
    uint32_t height;            /* stack height below the block's params */
    size_t loop_pc;             /* K_LOOP: cell index of the LOOP op; back-edges
                                 * jump past it, to loop_pc + 3 (see interp.c) */
    int64_t fix_head;           /* forward branches to the end */
    int64_t else_fix;           /* K_IF: the jump to the else arm */
} ctl_t;

typedef struct fixup {
    size_t op;                  /* cell index of the branch instruction */
    size_t pos;                 /* cell index of its offset operand */
    int64_t next;
} fixup_t;

typedef struct comp {
    awasm_module_t *m;
    cfunc_t *cf;
    reader_t r;
    err_t *err;
    const void *const *labels;
    bool metered;
    bool det;

    uint32_t *code;
    size_t pc, cap, max_cells;

    awasm_valtype_t *locals;
    uint32_t n_locals;
    uint32_t *loff;             /* slot of each local (v128 locals take two) */
    uint32_t n_lslots;          /* slots of all locals */
    uint32_t n_pslots;          /* slots of the params */
    uint32_t max_slots;         /* deepest operand stack, in slots */

    ventry_t *vs;
    uint32_t h, vcap;
    uint32_t lazy_from;         /* entries below this index are materialised */

    ctl_t *cs;
    uint32_t nc, ccap;

    fixup_t *fx;
    size_t nfx, fxcap;

    size_t fuel_pos;            /* cell of the current block's cost, or NONE */
    size_t last_end, last_dst;  /* the last simple instruction, for retargeting */
    size_t last_op;
    int last_opcode;            /* OP_* of it, for compare fusion */
    size_t ld_op, ld_end;       /* the last i32.load/load8_u, for load+branch fusion */
    int ld_opcode;
    bool oom;
} comp_t;

static int fail(comp_t *c, int code, const char *fmt, ...) BASE_PRINTF(3, 4);
static int fail(comp_t *c, int code, const char *fmt, ...)
{
    char msg[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_set(c->err, code, "wasm: %s at offset %zu", msg, rd_off(&c->r));
    return code;
}

#define INVALID(...) return fail(c, AWASM_EINVALID, __VA_ARGS__)

static inline ctl_t *top(comp_t *c) { return &c->cs[c->nc - 1]; }
static inline bool dead(comp_t *c) { ctl_t *t = top(c); return t->unreachable || t->dead_start; }
/* Slot offset of stack position i (positions below it are all known). */
static inline uint32_t pos_off(comp_t *c, uint32_t i)
{
    return i == 0 ? 0 : c->vs[i - 1].off + W(c->vs[i - 1].type);
}
static inline uint32_t home(comp_t *c, uint32_t i) { return c->n_lslots + pos_off(c, i); }

/* ---- emission ---------------------------------------------------------------- */

static bool reserve(comp_t *c, size_t cells)
{
    if (c->pc + cells <= c->cap) return true;
    if (c->pc + cells > c->max_cells) { c->oom = true; return false; }
    size_t cap = c->cap ? c->cap * 2 : 256;
    while (cap < c->pc + cells) cap *= 2;
    uint32_t *p = realloc(c->code, cap * sizeof *p);
    if (!p) { c->oom = true; return false; }
    c->code = p;
    c->cap = cap;
    return true;
}

/* Emits an instruction with n operand cells; returns its cell index or NONE. */
static size_t emit(comp_t *c, int op, int n, ...)
{
    if (!reserve(c, 2 + (size_t)n)) return NONE;
    size_t at = c->pc;
    memcpy(&c->code[at], &c->labels[op], sizeof(void *));
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) c->code[at + 2 + i] = va_arg(ap, uint32_t);
    va_end(ap);
    c->pc += 2 + (size_t)n;
    return at;
}

/* An instruction whose first operand is its only destination slot. */
static void emit_simple(comp_t *c, size_t at, int op)
{
    if (at == NONE) return;
    c->last_op = at;
    c->last_dst = at + 2;
    c->last_end = c->pc;
    c->last_opcode = op;
}

static void label_here(comp_t *c)
{
    c->last_end = NONE;
    c->ld_end = NONE;
}

static void add_fuel(comp_t *c, uint32_t cost)
{
    if (c->fuel_pos != NONE && !dead(c)) c->code[c->fuel_pos] += cost;
}

static void start_block(comp_t *c, bool loop)
{
    label_here(c);
    if (loop) {
        size_t at = emit(c, OP_LOOP, 1, 0u);
        c->fuel_pos = (at != NONE && c->metered) ? at + 2 : NONE;
    } else if (c->metered) {
        size_t at = emit(c, OP_FUEL, 1, 0u);
        c->fuel_pos = at != NONE ? at + 2 : NONE;
    }
}

static int64_t add_fix(comp_t *c, size_t op, size_t pos, int64_t next)
{
    if (c->nfx == c->fxcap) {
        size_t cap = c->fxcap ? c->fxcap * 2 : 64;
        fixup_t *f = realloc(c->fx, cap * sizeof *f);
        if (!f) { c->oom = true; return next; }
        c->fx = f;
        c->fxcap = cap;
    }
    c->fx[c->nfx] = (fixup_t){op, pos, next};
    return (int64_t)c->nfx++;
}

static void patch_list(comp_t *c, int64_t head, size_t target)
{
    for (int64_t i = head; i >= 0; i = c->fx[i].next)
        c->code[c->fx[i].pos] = (uint32_t)(int32_t)((int64_t)target - (int64_t)c->fx[i].op);
}

/* ---- the virtual stack -------------------------------------------------------- */

static bool vpush(comp_t *c, uint8_t type, uint32_t src, uint32_t k)
{
    if (c->h == c->vcap) {
        uint32_t cap = c->vcap ? c->vcap * 2 : 64;
        ventry_t *v = realloc(c->vs, (size_t)cap * sizeof *v);
        if (!v) { c->oom = true; return false; }
        c->vs = v;
        c->vcap = cap;
    }
    uint32_t off = pos_off(c, c->h);
    c->vs[c->h] = (ventry_t){type, src, k, off};
    c->h++;
    if (off + 2 > c->max_slots) c->max_slots = off + 2;
    return true;
}

static size_t emit_copy(comp_t *c, uint8_t type, uint32_t dst, uint32_t src)
{
    return type == AWASM_V128 ? emit(c, OP_COPY128, 2, dst, src) : emit(c, OP_COPY, 2, dst, src);
}

static void materialize(comp_t *c, uint32_t i)
{
    ventry_t *e = &c->vs[i];
    uint32_t hs = home(c, i);
    if (e->src == hs) return;
    if (!dead(c)) {
        size_t at;
        if (e->src == SRC_CONST) {
            if (e->type == AWASM_I64)
                at = emit(c, OP_CONST64, 3, hs, e->k, (uint32_t)((int32_t)e->k < 0 ? ~0u : 0u));
            else
                at = emit(c, OP_CONST32, 2, hs, e->k);
        } else {
            at = emit_copy(c, e->type, hs, e->src);
        }
        emit_simple(c, at, OP_COPY);
    }
    e->src = hs;
}

static void materialize_all(comp_t *c)
{
    for (uint32_t i = c->lazy_from; i < c->h; i++) materialize(c, i);
    c->lazy_from = c->h;
}

/* Push a lazy entry (alias or constant); keeps the lazy region short so that
 * the scans of local.set stay cheap. */
static void vpush_lazy(comp_t *c, uint8_t type, uint32_t src, uint32_t k)
{
    if (c->h - c->lazy_from >= 32) materialize_all(c);
    if (dead(c)) src = home(c, c->h);
    vpush(c, type, src, k);
}

/* Push a result computed into its home slot. */
static uint32_t vpush_home(comp_t *c, uint8_t type)
{
    uint32_t hs = home(c, c->h);
    vpush(c, type, hs, 0);
    return hs;
}

static int pop_any(comp_t *c, ventry_t *out)
{
    ctl_t *t = top(c);
    if (c->h == t->height) {
        if (t->unreachable) {
            *out = (ventry_t){T_ANY, home(c, c->h), 0, pos_off(c, c->h)};
            return 0;
        }
        INVALID("type mismatch: operand stack underflow");
    }
    *out = c->vs[--c->h];
    if (c->lazy_from > c->h) c->lazy_from = c->h;
    return 0;
}

static int pop_type(comp_t *c, uint8_t want, ventry_t *out)
{
    if (pop_any(c, out)) return c->err->code;
    if (out->type != want && out->type != T_ANY && want != T_ANY)
        INVALID("type mismatch: expected %s, got %s", awasm_valtype_name(want),
                awasm_valtype_name(out->type));
    return 0;
}

/* Pops an operand and returns a slot holding it (constants are written to
 * the entry's home slot, which is free once popped). */
static int pop_slot_t(comp_t *c, uint8_t want, uint32_t *slot, uint8_t *type)
{
    ventry_t e = {0, 0, 0, 0};
    if (pop_type(c, want, &e)) return c->err->code;
    *type = e.type;
    if (e.src == SRC_CONST) {
        if (!dead(c)) {
            size_t at = want == AWASM_I64 || e.type == AWASM_I64
                ? emit(c, OP_CONST64, 3, home(c, c->h), e.k, (int32_t)e.k < 0 ? ~0u : 0u)
                : emit(c, OP_CONST32, 2, home(c, c->h), e.k);
            (void)at;
        }
        e.src = home(c, c->h);
    }
    *slot = e.src;
    return 0;
}

static int pop_slot(comp_t *c, uint8_t want, uint32_t *slot)
{
    uint8_t t;
    return pop_slot_t(c, want, slot, &t);
}

static bool is_num(uint8_t t)
{
    return t == AWASM_I32 || t == AWASM_I64 || t == AWASM_F32 || t == AWASM_F64 ||
           t == AWASM_V128 || t == T_ANY;
}
static bool is_ref(uint8_t t) { return t == AWASM_FUNCREF || t == AWASM_EXTERNREF || t == T_ANY; }

/* ---- control frames ------------------------------------------------------------- */

static int push_ctl(comp_t *c, uint8_t kind, uint32_t np, const awasm_valtype_t *params,
                    uint32_t nr, const awasm_valtype_t *results)
{
    if (c->nc == c->ccap) {
        uint32_t cap = c->ccap ? c->ccap * 2 : 16;
        ctl_t *n = realloc(c->cs, (size_t)cap * sizeof *n);
        if (!n) return fail(c, AWASM_ENOMEM, "out of memory");
        c->cs = n;
        c->ccap = cap;
    }
    bool ds = c->nc ? dead(c) : false;
    ctl_t *t = &c->cs[c->nc++];
    *t = (ctl_t){.kind = kind, .dead_start = ds, .n_params = np, .n_results = nr,
                 .params = params, .results = results, .height = c->h - np,
                 .fix_head = -1, .else_fix = -1, .loop_pc = NONE};
    return 0;
}

/* Reads a block type; single-value types point into the frame's storage. */
static int read_blocktype(comp_t *c, uint32_t *np, const awasm_valtype_t **params, uint32_t *nr,
                          const awasm_valtype_t **results, awasm_valtype_t *single)
{
    int64_t bt;
    if (rd_s33(&c->r, &bt, c->err)) return c->err->code;
    *np = 0;
    *params = NULL;
    if (bt == -64) {
        *nr = 0;
        *results = NULL;
        return 0;
    }
    if (bt < 0) {
        uint8_t b = (uint8_t)(bt & 0x7f);
        if (b != AWASM_I32 && b != AWASM_I64 && b != AWASM_F32 && b != AWASM_F64 &&
            b != AWASM_V128 && b != AWASM_FUNCREF && b != AWASM_EXTERNREF)
            return fail(c, AWASM_EMALFORMED, "malformed block type");
        static const awasm_valtype_t one[] = {AWASM_I32, AWASM_I64, AWASM_F32, AWASM_F64,
                                             AWASM_V128, AWASM_FUNCREF, AWASM_EXTERNREF};
        for (int i = 0; i < 7; i++)
            if (one[i] == b) *results = &one[i];
        *single = (awasm_valtype_t)b;
        *nr = 1;
        return 0;
    }
    if ((uint64_t)bt >= c->m->n_types) INVALID("unknown type %lld", (long long)bt);
    const awasm_functype_t *ft = &c->m->types[bt];
    *np = ft->n_params;
    *params = ft->params;
    *nr = ft->n_results;
    *results = ft->results;
    return 0;
}

static uint32_t label_arity(const ctl_t *t) { return t->kind == K_LOOP ? t->n_params : t->n_results; }
static const awasm_valtype_t *label_types(const ctl_t *t)
{
    return t->kind == K_LOOP ? t->params : t->results;
}

/* Type-checks the top n values against types (without popping). */
static int check_top(comp_t *c, uint32_t n, const awasm_valtype_t *types)
{
    ctl_t *t = top(c);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t depth = n - i;          /* 1 = top */
        if (c->h - t->height < depth) {
            if (!t->unreachable) INVALID("type mismatch: not enough values for the branch");
            continue;
        }
        uint8_t got = c->vs[c->h - depth].type;
        if (got != T_ANY && got != types[i])
            INVALID("type mismatch: branch expects %s, got %s", awasm_valtype_name(types[i]),
                    awasm_valtype_name(got));
    }
    return 0;
}

/* Emits the copies that move the top n values to the label's slots; returns
 * whether any copy was needed when only_check. */
/* Slot of the label's i-th value (v128 values take two slots). */
static uint32_t label_slot(comp_t *c, const ctl_t *t, uint32_t i)
{
    uint32_t at = t->kind == K_FUNC ? 0 : home(c, t->height);
    const awasm_valtype_t *ty = label_types(t);
    for (uint32_t j = 0; j < i; j++) at += W(ty[j]);
    return at;
}

/* Whether any value must be copied to reach the slots the label expects. */
static bool branch_needs_copies(comp_t *c, const ctl_t *t)
{
    uint32_t n = label_arity(t);
    for (uint32_t i = 0; i < n; i++)
        if (c->vs[c->h - n + i].src != label_slot(c, t, i)) return true;
    return false;
}

static void branch_copies(comp_t *c, const ctl_t *t)
{
    uint32_t n = label_arity(t);
    if (t->kind == K_FUNC) {
        /* results go to slots [0, rslots): values aliasing those locals first */
        uint32_t rslots = label_slot(c, t, n);
        for (uint32_t i = 0; i < n; i++) {
            ventry_t *e = &c->vs[c->h - n + i];
            if (e->src != SRC_CONST && e->src < rslots && e->src != label_slot(c, t, i))
                materialize(c, c->h - n + i);
        }
    }
    if (n == 1) {
        /* the value was just computed: compute it straight into place */
        ventry_t *e = &c->vs[c->h - 1];
        uint32_t dst = label_slot(c, t, 0);
        if (e->src == home(c, c->h - 1) && c->last_end == c->pc && c->code[c->last_dst] == e->src) {
            c->code[c->last_dst] = dst;
            e->src = dst;
            label_here(c);
            return;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        ventry_t *e = &c->vs[c->h - n + i];
        uint32_t dst = label_slot(c, t, i);
        if (e->src == SRC_CONST) {
            if (e->type == AWASM_I64)
                emit(c, OP_CONST64, 3, dst, e->k, (int32_t)e->k < 0 ? ~0u : 0u);
            else
                emit(c, OP_CONST32, 2, dst, e->k);
        } else if (e->src != dst) {
            emit_copy(c, label_types(t)[i], dst, e->src);
        }
    }
}

/* Emits the jump itself (after the copies) to the label of frame t. */
static void branch_jump(comp_t *c, ctl_t *t)
{
    if (t->kind == K_FUNC) {
        emit(c, OP_RETURN, 0);
        return;
    }
    size_t at = emit(c, OP_BR, 1, 0u);
    if (at == NONE) return;
    if (t->kind == K_LOOP)
        c->code[at + 2] = (uint32_t)(int32_t)((int64_t)t->loop_pc + 3 - (int64_t)at);
    else
        t->fix_head = add_fix(c, at, at + 2, t->fix_head);
}

/* Records a branch operand at cell pos of instruction at to frame t. */
static void branch_operand(comp_t *c, ctl_t *t, size_t at, size_t pos)
{
    if (t->kind == K_LOOP)
        c->code[pos] = (uint32_t)(int32_t)((int64_t)t->loop_pc + 3 - (int64_t)at);
    else
        t->fix_head = add_fix(c, at, pos, t->fix_head);
}

static int check_frame_end(comp_t *c, ctl_t *t)
{
    uint32_t have = c->h - t->height;
    if (have > t->n_results || (!t->unreachable && have != t->n_results))
        INVALID("type mismatch: block leaves %u values, expected %u", have, t->n_results);
    return check_top(c, t->n_results, t->results);
}

static void set_unreachable(comp_t *c)
{
    ctl_t *t = top(c);
    c->h = t->height;
    if (c->lazy_from > c->h) c->lazy_from = c->h;
    t->unreachable = true;
}

/* ---- instruction groups ------------------------------------------------------- */

static void emit_canon(comp_t *c, uint8_t canon, uint32_t d)
{
    if (!c->det || dead(c)) return;
    if (canon == CANON_F32) emit(c, OP_CANON32, 1, d);
    else if (canon == CANON_F64) emit(c, OP_CANON64, 1, d);
    else if (canon == CANON_F32X4) emit(c, OP_CANON_F32X4, 1, d);
    else if (canon == CANON_F64X2) emit(c, OP_CANON_F64X2, 1, d);
}

static int op_unary(comp_t *c, uint8_t in, uint8_t out, int op, uint8_t canon)
{
    uint32_t a;
    if (pop_slot(c, in, &a)) return c->err->code;
    uint32_t d = vpush_home(c, out);
    if (!dead(c)) {
        emit_simple(c, emit(c, op, 2, d, a), op);
        emit_canon(c, canon, d);
    }
    return 0;
}

static int kform(int op)
{
    switch (op) {
    case OP_I32_ADD: return OP_I32_ADD_K;
    case OP_I32_SUB: return OP_I32_SUB_K;
    case OP_I32_AND: return OP_I32_AND_K;
    case OP_I32_OR: return OP_I32_OR_K;
    case OP_I32_XOR: return OP_I32_XOR_K;
    case OP_I32_SHL: return OP_I32_SHL_K;
    case OP_I32_SHR_S: return OP_I32_SHR_S_K;
    case OP_I32_SHR_U: return OP_I32_SHR_U_K;
    case OP_I32_MUL: return OP_I32_MUL_K;
    case OP_I64_ADD: return OP_I64_ADD_K;
    default:
        if (op >= OP_I32_EQ && op <= OP_I32_GE_U) return OP_I32_EQ_K + (op - OP_I32_EQ);
        return -1;
    }
}

static int op_binary2(comp_t *c, uint8_t in, uint8_t in1, uint8_t out, int op, uint8_t canon)
{
    uint32_t a, b;
    int kop = in == in1 ? kform(op) : -1;
    if (kop >= 0 && c->h > top(c)->height && c->vs[c->h - 1].src == SRC_CONST &&
        c->vs[c->h - 1].type == in) {
        uint32_t k = c->vs[c->h - 1].k;
        c->h--;
        if (c->lazy_from > c->h) c->lazy_from = c->h;
        if (pop_slot(c, in, &a)) return c->err->code;
        uint32_t d = vpush_home(c, out);
        if (dead(c)) return 0;
        /* a was computed by the instruction just before into its (single-use)
         * home slot, which is also d: fold the two into one */
        if (a == d && c->last_end == c->pc && c->code[c->last_dst] == a) {
            if (c->last_opcode == OP_I32_ADD_K && kop == OP_I32_ADD_K) {
                c->code[c->last_op + 4] += k;
                return 0;
            }
            int fused = c->last_opcode == OP_I32_SHR_U_K && kop == OP_I32_AND_K ? OP_I32_SHR_U_AND_K
                      : c->last_opcode == OP_I32_ADD && kop == OP_I32_ADD_K ? OP_I32_ADD_ADD_K : -1;
            if (fused >= 0 && reserve(c, 1)) {
                memcpy(&c->code[c->last_op], &c->labels[fused], sizeof(void *));
                c->code[c->pc++] = k;
                c->last_end = c->pc;
                c->last_opcode = fused;
                return 0;
            }
        }
        emit_simple(c, emit(c, kop, 3, d, a, k), kop);
        return 0;
    }
    if (pop_slot(c, in1, &b) || pop_slot(c, in, &a)) return c->err->code;
    uint32_t d = vpush_home(c, out);
    if (!dead(c)) {
        emit_simple(c, emit(c, op, 3, d, a, b), op);
        emit_canon(c, canon, d);
    }
    return 0;
}

static int read_memarg(comp_t *c, uint32_t natural_log2, uint32_t *offset)
{
    uint32_t align;
    if (rd_u32(&c->r, &align, c->err) || rd_u32(&c->r, offset, c->err)) return c->err->code;
    if (c->m->n_mems == 0) INVALID("unknown memory 0");
    if (align > natural_log2) INVALID("alignment must not be larger than natural");
    return 0;
}

static int op_load(comp_t *c, uint8_t out, int op, uint32_t nat)
{
    uint32_t off, a;
    if (read_memarg(c, nat, &off) || pop_slot(c, AWASM_I32, &a)) return c->err->code;
    uint32_t d = vpush_home(c, out);
    if (!dead(c)) {
        size_t at = emit(c, op, 3, d, a, off);
        emit_simple(c, at, op);
        if (at != NONE && (op == OP_I32_LOAD || op == OP_I32_LOAD8_U)) {
            c->ld_op = at;
            c->ld_end = c->pc;
            c->ld_opcode = op;
        }
    }
    return 0;
}

static int op_store(comp_t *c, uint8_t in, int op, uint32_t nat)
{
    uint32_t off, a, v;
    if (read_memarg(c, nat, &off) || pop_slot(c, in, &v) || pop_slot(c, AWASM_I32, &a))
        return c->err->code;
    if (!dead(c)) emit(c, op, 3, a, v, off);
    return 0;
}

/* Fuses a just-emitted comparison that computed the condition into a
 * compare-and-branch. Returns the fused op (its operands a, b filled) or -1. */
static int take_compare(comp_t *c, uint32_t cond_slot, bool invert, uint32_t *a, uint32_t *b)
{
    if (c->last_end != c->pc || c->code[c->last_dst] != cond_slot) return -1;
    static const struct { int cmp, br, inv; } map[] = {
        {OP_I32_EQ, OP_BR_I32_EQ, OP_BR_I32_NE}, {OP_I32_NE, OP_BR_I32_NE, OP_BR_I32_EQ},
        {OP_I32_LT_S, OP_BR_I32_LT_S, OP_BR_I32_GE_S}, {OP_I32_LT_U, OP_BR_I32_LT_U, OP_BR_I32_GE_U},
        {OP_I32_GT_S, OP_BR_I32_GT_S, OP_BR_I32_LE_S}, {OP_I32_GT_U, OP_BR_I32_GT_U, OP_BR_I32_LE_U},
        {OP_I32_LE_S, OP_BR_I32_LE_S, OP_BR_I32_GT_S}, {OP_I32_LE_U, OP_BR_I32_LE_U, OP_BR_I32_GT_U},
        {OP_I32_GE_S, OP_BR_I32_GE_S, OP_BR_I32_LT_S}, {OP_I32_GE_U, OP_BR_I32_GE_U, OP_BR_I32_LT_U},
        {OP_I32_EQZ, OP_BR_EQZ, OP_BR_NEZ},
        {OP_I32_EQ_K, OP_BR_I32_EQ_K, OP_BR_I32_NE_K},
        {OP_I32_NE_K, OP_BR_I32_NE_K, OP_BR_I32_EQ_K},
        {OP_I32_LT_S_K, OP_BR_I32_LT_S_K, OP_BR_I32_GE_S_K},
        {OP_I32_LT_U_K, OP_BR_I32_LT_U_K, OP_BR_I32_GE_U_K},
        {OP_I32_GT_S_K, OP_BR_I32_GT_S_K, OP_BR_I32_LE_S_K},
        {OP_I32_GT_U_K, OP_BR_I32_GT_U_K, OP_BR_I32_LE_U_K},
        {OP_I32_LE_S_K, OP_BR_I32_LE_S_K, OP_BR_I32_GT_S_K},
        {OP_I32_LE_U_K, OP_BR_I32_LE_U_K, OP_BR_I32_GT_U_K},
        {OP_I32_GE_S_K, OP_BR_I32_GE_S_K, OP_BR_I32_LT_S_K},
        {OP_I32_GE_U_K, OP_BR_I32_GE_U_K, OP_BR_I32_LT_U_K},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].cmp != c->last_opcode) continue;
        *a = c->code[c->last_op + 3];
        *b = map[i].cmp == OP_I32_EQZ ? 0 : c->code[c->last_op + 4];
        c->pc = c->last_op;
        label_here(c);
        return invert ? map[i].inv : map[i].br;
    }
    return -1;
}

/* Emits "jump to frame t's label when cond (slot) is true" (or false when
 * invert), with no copies needed. */
static void emit_cond_jump(comp_t *c, uint32_t cond, bool invert, ctl_t *t, int64_t *fix_out)
{
    uint32_t a, b;
    int fop = take_compare(c, cond, invert, &a, &b);
    size_t at, pos;
    if (fop < 0 && c->ld_end == c->pc && c->code[c->ld_op + 2] == cond && reserve(c, 1)) {
        /* the condition was just loaded (into a slot that keeps the value):
         * load and branch in one instruction */
        int bop = c->ld_opcode == OP_I32_LOAD ? (invert ? OP_BR_LOAD32_Z : OP_BR_LOAD32_NZ)
                                              : (invert ? OP_BR_LOAD8U_Z : OP_BR_LOAD8U_NZ);
        at = c->ld_op;
        memcpy(&c->code[at], &c->labels[bop], sizeof(void *));
        pos = c->pc;
        c->code[c->pc++] = 0;
        label_here(c);
    } else if (fop == OP_BR_EQZ || fop == OP_BR_NEZ) {
        at = emit(c, fop, 2, a, 0u);
        pos = at + 3;
    } else if (fop >= 0) {
        at = emit(c, fop, 3, a, b, 0u);
        pos = at + 4;
    } else {
        at = emit(c, invert ? OP_BR_UNLESS : OP_BR_IF, 2, cond, 0u);
        pos = at + 3;
    }
    if (at == NONE) return;
    if (fix_out) *fix_out = add_fix(c, at, pos, -1);
    else branch_operand(c, t, at, pos);
}

/* The fuel an instruction adds to its block under the module's schedule. */
static uint32_t op_cost(comp_t *c, const opinfo_t *oi)
{
    (void)c;   /* version 1 is the only schedule so far (see optab.c) */
    return oi->cost1;
}

/* Emits OP_SIMD_1/2/X: the row's lane function (two cells), then the
 * operands (the destination first, so the producer can be retargeted). */
static void emit_fn(comp_t *c, const opinfo_t *oi, int n, const uint32_t *operands)
{
    if (dead(c) || !reserve(c, 4 + (size_t)n)) return;
    size_t at = c->pc;
    memcpy(&c->code[at], &c->labels[oi->op], sizeof(void *));
    memcpy(&c->code[at + 2], &oi->fn, sizeof oi->fn);
    memcpy(&c->code[at + 4], operands, (size_t)n * sizeof *operands);
    c->pc += 4 + (size_t)n;
    c->last_op = at;
    c->last_dst = at + 4;
    c->last_end = c->pc;
    c->last_opcode = oi->op;
}

/* A SIMD lane operation of its row: pops per the row's types, pushes the
 * result, calls the row's function. */
static int simd_fn_op(comp_t *c, const opinfo_t *oi)
{
    uint32_t ops[5] = {0, 0, 0, 0, 0};   /* d a b c k */
    uint8_t lane = 0;
    int nin = oi->in[2] ? 3 : oi->in[1] ? 2 : 1;
    if (oi->cls == CL_EXTRACT || oi->cls == CL_REPLACE) {
        if (rd_u8(&c->r, &lane, c->err)) return c->err->code;
        if (lane >= oi->aux) INVALID("invalid lane index %u", lane);
    }
    for (int i = nin; i-- > 0;)
        if (pop_slot(c, oi->in[i], &ops[1 + i])) return c->err->code;
    ops[0] = vpush_home(c, oi->out);
    ops[4] = lane;
    if (oi->op == OP_SIMD_1) emit_fn(c, oi, 2, ops);
    else if (oi->op == OP_SIMD_2) emit_fn(c, oi, 3, ops);
    else emit_fn(c, oi, 5, ops);
    emit_canon(c, oi->canon, ops[0]);
    return 0;
}

/* Validates and compiles an instruction of a generic class from its row. */
static int generic_op(comp_t *c, const opinfo_t *oi)
{
    if (oi->fn) return simd_fn_op(c, oi);
    reader_t *r = &c->r;
    uint32_t a, b, v, off, d, k[4];
    uint8_t lane = 0;
    switch (oi->cls) {
    case CL_UNARY: return op_unary(c, oi->in[0], oi->out, oi->op, oi->canon);
    case CL_BINARY: return op_binary2(c, oi->in[0], oi->in[1], oi->out, oi->op, oi->canon);
    case CL_LOAD: return op_load(c, oi->out, oi->op, oi->aux);
    case CL_STORE: return op_store(c, oi->in[1], oi->op, oi->aux);
    case CL_TERNARY:
        if (pop_slot(c, oi->in[2], &v) || pop_slot(c, oi->in[1], &b) || pop_slot(c, oi->in[0], &a))
            return c->err->code;
        d = vpush_home(c, oi->out);
        if (!dead(c)) emit_simple(c, emit(c, oi->op, 4, d, a, b, v), oi->op);
        return 0;
    case CL_V128_CONST: case CL_SHUFFLE:
        if ((size_t)(r->end - r->p) < 16) return fail(c, AWASM_EMALFORMED, "unexpected end");
        memcpy(k, r->p, 16);
        if (oi->cls == CL_SHUFFLE) {
            for (int i = 0; i < 16; i++)
                if (r->p[i] >= 32) INVALID("invalid lane index %u", r->p[i]);
            r->p += 16;
            if (pop_slot(c, AWASM_V128, &b) || pop_slot(c, AWASM_V128, &a)) return c->err->code;
            d = vpush_home(c, AWASM_V128);
            if (!dead(c)) emit_simple(c, emit(c, oi->op, 7, d, a, b, k[0], k[1], k[2], k[3]), oi->op);
            return 0;
        }
        r->p += 16;
        d = vpush_home(c, AWASM_V128);
        if (!dead(c)) emit_simple(c, emit(c, oi->op, 5, d, k[0], k[1], k[2], k[3]), oi->op);
        return 0;
    case CL_EXTRACT: case CL_REPLACE:
        if (rd_u8(r, &lane, c->err)) return c->err->code;
        if (lane >= oi->aux) INVALID("invalid lane index %u", lane);
        if (oi->cls == CL_EXTRACT) {
            if (pop_slot(c, AWASM_V128, &a)) return c->err->code;
            d = vpush_home(c, oi->out);
            if (!dead(c)) emit_simple(c, emit(c, oi->op, 3, d, a, (uint32_t)lane), oi->op);
            return 0;
        }
        if (pop_slot(c, oi->in[1], &b) || pop_slot(c, AWASM_V128, &a)) return c->err->code;
        d = vpush_home(c, AWASM_V128);
        if (!dead(c)) emit_simple(c, emit(c, oi->op, 4, d, a, b, (uint32_t)lane), oi->op);
        return 0;
    case CL_LOAD_LANE: case CL_STORE_LANE:
        if (read_memarg(c, oi->aux, &off) || rd_u8(r, &lane, c->err)) return c->err->code;
        if (lane >= 16u >> oi->aux) INVALID("invalid lane index %u", lane);
        if (pop_slot(c, AWASM_V128, &v) || pop_slot(c, AWASM_I32, &a)) return c->err->code;
        if (oi->cls == CL_STORE_LANE) {
            if (!dead(c)) emit(c, oi->op, 4, a, v, off, (uint32_t)lane);
            return 0;
        }
        d = vpush_home(c, AWASM_V128);
        if (!dead(c)) emit_simple(c, emit(c, oi->op, 5, d, a, off, v, (uint32_t)lane), oi->op);
        return 0;
    default: return fail(c, AWASM_EMALFORMED, "illegal opcode %s", oi->name);
    }
}

static int check_func_index(comp_t *c, uint32_t f)
{
    if (f >= c->m->n_funcs) INVALID("unknown function %u", f);
    return 0;
}

static int do_call(comp_t *c, const awasm_functype_t *ft, int op, uint32_t a1, uint32_t a2,
                   uint32_t idx_slot)
{
    for (uint32_t i = ft->n_params; i-- > 0;) {
        ventry_t e;
        if (pop_type(c, ft->params[i], &e)) return c->err->code;
    }
    /* args are now the entries just above h: put them in their home slots */
    uint32_t base_h = c->h;
    c->h += ft->n_params;
    if (!dead(c)) {
        ctl_t *t = top(c);
        /* entries below t->height belong to outer frames and are in place */
        uint32_t from = c->lazy_from < t->height ? t->height : c->lazy_from;
        for (uint32_t i = from; i < c->h; i++) materialize(c, i);
        c->lazy_from = c->h;
    }
    c->h = base_h;
    if (c->lazy_from > c->h) c->lazy_from = c->h;
    uint32_t base = home(c, base_h);
    if (!dead(c)) {
        if (op == OP_CALL) emit(c, OP_CALL, 2, a1, base);
        else emit(c, OP_CALL_INDIRECT, 4, a1, a2, idx_slot, base);
    }
    /* the callee frame needs frame_size slots from base; results land there */
    for (uint32_t i = 0; i < ft->n_results; i++) vpush_home(c, ft->results[i]);
    label_here(c);
    return 0;
}

/* ---- the body ------------------------------------------------------------------- */

static int compile_body(comp_t *c)
{
    reader_t *r = &c->r;
    err_t *err = c->err;
    awasm_module_t *m = c->m;
    const awasm_functype_t *ft = &m->types[c->cf->type_idx];

    if (push_ctl(c, K_FUNC, 0, NULL, ft->n_results, ft->results)) return err->code;
    start_block(c, false);

    uint32_t polls = 0;
    while (c->nc > 0) {
        if (c->oom) return fail(c, AWASM_ELIMIT, "function too large or out of memory");
        if ((++polls & 0xffff) == 0 && awasm_decode_cancelled(m, err)) return err->code;
        uint8_t opc;
        if (r->p >= r->end) return fail(c, AWASM_EMALFORMED, "unexpected end of function body");
        opc = *r->p++;
        const opinfo_t *oi = NULL;
        if (opc != 0xfc && opc != 0xfd) {
            oi = awasm_op_info(0, opc);
            if (!oi) return fail(c, AWASM_EMALFORMED, "illegal opcode 0x%02x", opc);
            add_fuel(c, op_cost(c, oi));
        }
        ventry_t e;
        uint32_t a, b, idx;

        if (oi && oi->cls != CL_SPECIAL) {
            if (generic_op(c, oi)) return err->code;
            continue;
        }

        switch (opc) {
        case 0x00: /* unreachable */
            if (!dead(c)) emit(c, OP_UNREACHABLE, 0);
            set_unreachable(c);
            break;
        case 0x01: /* nop */
            break;
        case 0x02: case 0x03: case 0x04: { /* block, loop, if */
            uint32_t np = 0, nr = 0;
            const awasm_valtype_t *ps = NULL, *rs = NULL;
            awasm_valtype_t single = 0;
            if (read_blocktype(c, &np, &ps, &nr, &rs, &single)) return err->code;
            uint32_t cond = 0;
            if (opc == 0x04 && pop_slot(c, AWASM_I32, &cond)) return err->code;
            if (check_top(c, np, ps)) return err->code;
            if (c->h - top(c)->height < np) {
                /* polymorphic stack (dead code): the params are conjured */
                c->h = top(c)->height;
                for (uint32_t i = 0; i < np; i++) vpush(c, ps[i], home(c, c->h), 0);
            }
            if (!dead(c)) materialize_all(c);
            c->lazy_from = c->h;
            if (opc == 0x04 && !dead(c)) {
                /* if: jump to the else arm (or the end) when the condition is false */
                int64_t fx = -1;
                emit_cond_jump(c, cond, true, NULL, &fx);
                if (push_ctl(c, K_IF, np, ps, nr, rs)) return err->code;
                top(c)->else_fix = fx;
            } else {
                if (push_ctl(c, opc == 0x02 ? K_BLOCK : opc == 0x03 ? K_LOOP : K_IF, np, ps, nr, rs))
                    return err->code;
            }
            ctl_t *t = top(c);
            if (opc == 0x03) {
                if (!dead(c)) {
                    start_block(c, true);
                    t->loop_pc = c->pc - 3;
                } else {
                    t->loop_pc = 0;
                }
            }
            break;
        }
        case 0x05: { /* else */
            ctl_t *t = top(c);
            if (t->kind != K_IF) INVALID("else without if");
            if (check_frame_end(c, t)) return err->code;
            if (!dead(c)) {
                materialize_all(c);
                branch_jump(c, t);
            }
            t->kind = K_ELSE;
            bool ds = t->dead_start;
            t->unreachable = false;
            c->h = t->height;
            c->lazy_from = c->h;
            for (uint32_t i = 0; i < t->n_params; i++) vpush(c, t->params[i], home(c, c->h), 0);
            c->lazy_from = c->h;
            if (!ds) {
                label_here(c);
                patch_list(c, t->else_fix, c->pc);
                t->else_fix = -1;
                start_block(c, false);
            }
            break;
        }
        case 0x0b: { /* end */
            ctl_t *t = top(c);
            if (check_frame_end(c, t)) return err->code;
            if (t->kind == K_IF && t->n_params != t->n_results)
                INVALID("type mismatch: if without else must leave its params");
            if (t->kind == K_IF) {
                for (uint32_t i = 0; i < t->n_params; i++)
                    if (t->params[i] != t->results[i])
                        INVALID("type mismatch: if without else must leave its params");
            }
            if (!dead(c)) {
                if (t->kind == K_FUNC) {
                    branch_copies(c, t);
                    emit(c, OP_RETURN, 0);
                } else {
                    materialize_all(c);
                }
            }
            bool was_live_end = !dead(c);
            bool ds = t->dead_start;
            int64_t fixes = t->fix_head;
            if (t->kind == K_IF) {
                /* no else: the false path reaches the end */
                if (t->else_fix >= 0) {
                    c->fx[t->else_fix].next = fixes;
                    fixes = t->else_fix;
                }
            }
            uint32_t height = t->height, nres = t->n_results;
            const awasm_valtype_t *res = t->results;
            c->nc--;
            if (c->nc == 0) {
                if (r->p != r->end)
                    return fail(c, AWASM_EMALFORMED, "section size mismatch: code after the "
                                "function's end");
                break;
            }
            c->h = height;
            c->lazy_from = c->h;
            for (uint32_t i = 0; i < nres; i++)
                vpush(c, res[i], home(c, c->h), 0);
            c->lazy_from = c->h;
            if (!ds) {
                label_here(c);
                if (fixes >= 0) {
                    patch_list(c, fixes, c->pc);
                    start_block(c, false);
                } else if (!was_live_end) {
                    /* nothing reaches here: keep emitting (it is never run) */
                }
            }
            break;
        }
        case 0x0c: case 0x0d: { /* br, br_if */
            uint32_t l;
            if (rd_u32(r, &l, err)) return err->code;
            if (l >= c->nc) INVALID("unknown label %u", l);
            uint32_t cond = 0;
            if (opc == 0x0d && pop_slot(c, AWASM_I32, &cond)) return err->code;
            ctl_t *t = &c->cs[c->nc - 1 - l];
            uint32_t n = label_arity(t);
            if (check_top(c, n, label_types(t))) return err->code;
            if (!dead(c)) {
                if (opc == 0x0c) {
                    branch_copies(c, t);
                    branch_jump(c, t);
                } else if (!branch_needs_copies(c, t)) {
                    if (t->kind == K_FUNC) {
                        size_t at = emit(c, OP_BR_UNLESS, 2, cond, 0u);
                        emit(c, OP_RETURN, 0);
                        if (at != NONE) c->code[at + 3] = (uint32_t)(c->pc - at);
                    } else {
                        emit_cond_jump(c, cond, false, t, NULL);
                    }
                } else {
                    size_t at = emit(c, OP_BR_UNLESS, 2, cond, 0u);
                    branch_copies(c, t);
                    branch_jump(c, t);
                    if (at != NONE) c->code[at + 3] = (uint32_t)(c->pc - at);
                }
                label_here(c);
            }
            if (opc == 0x0c) set_unreachable(c);
            else if (c->h - top(c)->height < n) {
                /* polymorphic (dead code): the label's types are what remains */
                c->h = top(c)->height;
                if (c->lazy_from > c->h) c->lazy_from = c->h;
                for (uint32_t i = 0; i < n; i++) vpush(c, label_types(t)[i], home(c, c->h), 0);
            } else {
                for (uint32_t i = 0; i < n; i++)
                    if (c->vs[c->h - n + i].type == T_ANY) c->vs[c->h - n + i].type = label_types(t)[i];
            }
            break;
        }
        case 0x0e: { /* br_table */
            uint32_t n;
            if (rd_u32(r, &n, err)) return err->code;
            if (n > (size_t)(r->end - r->p)) return fail(c, AWASM_EMALFORMED, "br_table too long");
            uint32_t *ls = malloc(((size_t)n + 1) * sizeof *ls);
            size_t *stub = calloc(c->nc, sizeof *stub);
            if (!ls || !stub) { free(ls); free(stub); return fail(c, AWASM_ENOMEM, "out of memory"); }
            for (uint32_t i = 0; i <= n; i++) {
                if (rd_u32(r, &ls[i], err)) { free(ls); free(stub); return err->code; }
                if (ls[i] >= c->nc) {
                    uint32_t bad = ls[i];
                    free(ls);
                    free(stub);
                    INVALID("unknown label %u", bad);
                }
            }
            uint32_t idx_slot;
            if (pop_slot(c, AWASM_I32, &idx_slot)) { free(ls); free(stub); return err->code; }
            uint32_t arity = label_arity(&c->cs[c->nc - 1 - ls[n]]);
            for (uint32_t i = 0; i <= n; i++) {
                ctl_t *t = &c->cs[c->nc - 1 - ls[i]];
                if (label_arity(t) != arity) {
                    free(ls); free(stub);
                    INVALID("type mismatch: br_table arity");
                }
                if (check_top(c, arity, label_types(t))) { free(ls); free(stub); return err->code; }
            }
            if (!dead(c)) {
                size_t at = emit(c, OP_BR_TABLE, 2, idx_slot, n);
                if (at != NONE && reserve(c, (size_t)n + 1)) {
                    size_t tbl = c->pc;
                    c->pc += (size_t)n + 1;
                    for (uint32_t i = 0; i <= n; i++) {
                        ctl_t *t = &c->cs[c->nc - 1 - ls[i]];
                        if (t->kind != K_FUNC && !branch_needs_copies(c, t)) {
                            branch_operand(c, t, at, tbl + i);
                            continue;
                        }
                        /* a stub: copies, then the jump (one per label) */
                        if (stub[ls[i]]) {
                            c->code[tbl + i] = (uint32_t)stub[ls[i]];
                            continue;
                        }
                        stub[ls[i]] = c->pc - at;
                        c->code[tbl + i] = (uint32_t)(c->pc - at);
                        branch_copies(c, t);
                        branch_jump(c, t);
                    }
                }
            }
            free(ls);
            free(stub);
            set_unreachable(c);
            break;
        }
        case 0x0f: { /* return */
            ctl_t *t = &c->cs[0];
            if (check_top(c, t->n_results, t->results)) return err->code;
            if (!dead(c)) {
                branch_copies(c, t);
                emit(c, OP_RETURN, 0);
            }
            set_unreachable(c);
            break;
        }
        case 0x10: { /* call */
            if (rd_u32(r, &idx, err) || check_func_index(c, idx)) return err->code;
            if (do_call(c, &m->types[m->func_types[idx]], OP_CALL, idx, 0, 0)) return err->code;
            break;
        }
        case 0x11: { /* call_indirect */
            uint32_t ti, tab;
            if (rd_u32(r, &ti, err) || rd_u32(r, &tab, err)) return err->code;
            if (ti >= m->n_types) INVALID("unknown type %u", ti);
            if (tab >= m->n_tables) INVALID("unknown table %u", tab);
            if (m->tables[tab].elem != AWASM_FUNCREF) INVALID("type mismatch: table is not funcref");
            /* the index is read before the callee's frame (which starts at the
             * first argument) can overwrite its slot */
            if (pop_slot(c, AWASM_I32, &a)) return err->code;
            if (do_call(c, &m->types[ti], OP_CALL_INDIRECT, tab, ti, a)) return err->code;
            break;
        }
        case 0x1a: /* drop */
            if (pop_any(c, &e)) return err->code;
            break;
        case 0x1b: case 0x1c: { /* select, select t */
            uint8_t want = T_ANY;
            if (opc == 0x1c) {
                uint32_t n;
                if (rd_u32(r, &n, err)) return err->code;
                if (n != 1) INVALID("invalid result arity for select");
                awasm_valtype_t t;
                if (r->p >= r->end) return fail(c, AWASM_EMALFORMED, "unexpected end");
                uint8_t tb = *r->p++;
                if (!is_num(tb) && !is_ref(tb)) return fail(c, AWASM_EMALFORMED, "malformed type");
                t = (awasm_valtype_t)tb;
                want = t;
            }
            uint32_t cs_, as, bs;
            uint8_t ta, tb;
            if (pop_slot(c, AWASM_I32, &cs_) || pop_slot_t(c, want, &bs, &tb) ||
                pop_slot_t(c, want, &as, &ta)) return err->code;
            uint8_t t = want;
            if (opc == 0x1b) {
                if (!is_num(ta) || !is_num(tb)) INVALID("type mismatch: select needs numbers");
                if (ta != tb && ta != T_ANY && tb != T_ANY) INVALID("type mismatch in select");
                t = ta != T_ANY ? ta : tb;
            }
            uint32_t d = vpush_home(c, t);
            if (!dead(c))
                emit_simple(c, emit(c, t == AWASM_V128 ? OP_SELECT128 : OP_SELECT, 4, d, as, bs, cs_),
                            OP_SELECT);
            break;
        }
        case 0x20: { /* local.get */
            if (rd_u32(r, &idx, err)) return err->code;
            if (idx >= c->n_locals) INVALID("unknown local %u", idx);
            vpush_lazy(c, c->locals[idx], c->loff[idx], 0);
            break;
        }
        case 0x21: case 0x22: { /* local.set, local.tee */
            if (rd_u32(r, &idx, err)) return err->code;
            if (idx >= c->n_locals) INVALID("unknown local %u", idx);
            if (pop_type(c, c->locals[idx], &e)) return err->code;
            if (!dead(c)) {
                uint32_t ls = c->loff[idx];
                for (uint32_t i = c->lazy_from; i < c->h; i++)
                    if (c->vs[i].src == ls) materialize(c, i);
                uint32_t hs = home(c, c->h);
                if (e.src == SRC_CONST) {
                    if (e.type == AWASM_I64)
                        emit(c, OP_CONST64, 3, ls, e.k, (int32_t)e.k < 0 ? ~0u : 0u);
                    else
                        emit(c, OP_CONST32, 2, ls, e.k);
                } else if (e.src == hs && c->last_end == c->pc && c->code[c->last_dst] == hs) {
                    c->code[c->last_dst] = ls;      /* retarget the producer */
                } else if (e.src != ls) {
                    emit_copy(c, c->locals[idx], ls, e.src);
                }
                size_t ld_end = c->ld_end;
                label_here(c);
                c->ld_end = ld_end;   /* a retargeted load still writes the local */
            }
            if (opc == 0x22) vpush_lazy(c, c->locals[idx], c->loff[idx], 0);
            break;
        }
        case 0x23: { /* global.get */
            if (rd_u32(r, &idx, err)) return err->code;
            if (idx >= m->n_globals) INVALID("unknown global %u", idx);
            uint32_t d = vpush_home(c, m->globals[idx].type);
            int gop = m->globals[idx].type == AWASM_V128 ? OP_GLOBAL_GET128 : OP_GLOBAL_GET;
            if (!dead(c)) emit_simple(c, emit(c, gop, 2, d, idx), gop);
            break;
        }
        case 0x24: { /* global.set */
            if (rd_u32(r, &idx, err)) return err->code;
            if (idx >= m->n_globals) INVALID("unknown global %u", idx);
            if (!m->globals[idx].mut) INVALID("global is immutable: %u", idx);
            if (pop_slot(c, m->globals[idx].type, &a)) return err->code;
            if (!dead(c))
                emit(c, m->globals[idx].type == AWASM_V128 ? OP_GLOBAL_SET128 : OP_GLOBAL_SET, 2, idx, a);
            break;
        }
        case 0x25: case 0x26: { /* table.get, table.set */
            if (rd_u32(r, &idx, err)) return err->code;
            if (idx >= m->n_tables) INVALID("unknown table %u", idx);
            uint8_t et = m->tables[idx].elem;
            if (opc == 0x25) {
                if (pop_slot(c, AWASM_I32, &a)) return err->code;
                uint32_t d = vpush_home(c, et);
                if (!dead(c)) emit(c, OP_TABLE_GET, 3, d, idx, a);
            } else {
                if (pop_slot(c, et, &b) || pop_slot(c, AWASM_I32, &a)) return err->code;
                if (!dead(c)) emit(c, OP_TABLE_SET, 3, idx, a, b);
            }
            break;
        }
        case 0x3f: case 0x40: { /* memory.size, memory.grow */
            uint8_t z;
            if (rd_u8(r, &z, err)) return err->code;
            if (z != 0) return fail(c, AWASM_EMALFORMED, "zero byte expected");
            if (m->n_mems == 0) INVALID("unknown memory 0");
            if (opc == 0x3f) {
                uint32_t d = vpush_home(c, AWASM_I32);
                if (!dead(c)) emit(c, OP_MEMORY_SIZE, 1, d);
            } else {
                if (pop_slot(c, AWASM_I32, &a)) return err->code;
                uint32_t d = vpush_home(c, AWASM_I32);
                if (!dead(c)) emit(c, OP_MEMORY_GROW, 2, d, a);
            }
            break;
        }
        case 0x41: { /* i32.const */
            int32_t v;
            if (rd_s32(r, &v, err)) return err->code;
            vpush_lazy(c, AWASM_I32, SRC_CONST, (uint32_t)v);
            if (dead(c)) c->vs[c->h - 1].src = home(c, c->h - 1);
            break;
        }
        case 0x42: { /* i64.const */
            int64_t v;
            if (rd_s64(r, &v, err)) return err->code;
            if (v >= INT32_MIN && v <= INT32_MAX) {
                vpush_lazy(c, AWASM_I64, SRC_CONST, (uint32_t)(int32_t)v);
                if (dead(c)) c->vs[c->h - 1].src = home(c, c->h - 1);
            } else {
                uint32_t d = vpush_home(c, AWASM_I64);
                if (!dead(c))
                    emit_simple(c, emit(c, OP_CONST64, 3, d, (uint32_t)v, (uint32_t)((uint64_t)v >> 32)),
                                OP_CONST64);
            }
            break;
        }
        case 0x43: { /* f32.const */
            uint32_t v;
            if (rd_f32(r, &v, err)) return err->code;
            uint32_t d = vpush_home(c, AWASM_F32);
            if (!dead(c)) emit_simple(c, emit(c, OP_CONST32, 2, d, v), OP_CONST32);
            break;
        }
        case 0x44: { /* f64.const */
            uint64_t v;
            if (rd_f64(r, &v, err)) return err->code;
            uint32_t d = vpush_home(c, AWASM_F64);
            if (!dead(c))
                emit_simple(c, emit(c, OP_CONST64, 3, d, (uint32_t)v, (uint32_t)(v >> 32)), OP_CONST64);
            break;
        }
        case 0xd0: { /* ref.null */
            awasm_valtype_t t;
            if (r->p >= r->end) return fail(c, AWASM_EMALFORMED, "unexpected end");
            t = (awasm_valtype_t)*r->p++;
            if (t != AWASM_FUNCREF && t != AWASM_EXTERNREF)
                return fail(c, AWASM_EMALFORMED, "malformed reference type");
            uint32_t d = vpush_home(c, t);
            if (!dead(c)) emit_simple(c, emit(c, OP_CONST64, 3, d, 0u, 0u), OP_CONST64);
            break;
        }
        case 0xd1: { /* ref.is_null */
            if (pop_any(c, &e)) return err->code;
            if (!is_ref(e.type)) INVALID("type mismatch: ref.is_null needs a reference");
            uint32_t d = vpush_home(c, AWASM_I32);
            if (!dead(c)) emit_simple(c, emit(c, OP_REF_IS_NULL, 2, d, e.src), OP_REF_IS_NULL);
            break;
        }
        case 0xd2: { /* ref.func */
            if (rd_u32(r, &idx, err) || check_func_index(c, idx)) return err->code;
            if (!(m->declared_funcs[idx / 8] & (1u << (idx % 8))))
                INVALID("undeclared function reference %u", idx);
            uint32_t d = vpush_home(c, AWASM_FUNCREF);
            if (!dead(c)) emit(c, OP_REF_FUNC, 2, d, idx);
            break;
        }
        case 0xfd: {
            uint32_t sub;
            if (rd_u32(r, &sub, err)) return err->code;
            oi = awasm_op_info(0xfd, sub);
            if (!oi) return fail(c, AWASM_EMALFORMED, "illegal opcode 0xfd %u", sub);
            add_fuel(c, op_cost(c, oi));
            if (generic_op(c, oi)) return err->code;
            break;
        }
        case 0xfc: {
            uint32_t sub;
            if (rd_u32(r, &sub, err)) return err->code;
            oi = awasm_op_info(0xfc, sub);
            if (!oi) return fail(c, AWASM_EMALFORMED, "illegal opcode 0xfc %u", sub);
            add_fuel(c, op_cost(c, oi));
            if (oi->cls != CL_SPECIAL) {
                if (generic_op(c, oi)) return err->code;
                break;
            }
            uint32_t x, y, n_, s_, d_;
            switch (sub) {
            case 8: { /* memory.init */
                uint8_t z;
                if (rd_u32(r, &x, err) || rd_u8(r, &z, err)) return err->code;
                if (z != 0) return fail(c, AWASM_EMALFORMED, "zero byte expected");
                if (m->n_mems == 0) INVALID("unknown memory 0");
                if (!m->has_data_count && x >= m->n_datas) INVALID("unknown data segment %u", x);
                if (!m->has_data_count) return fail(c, AWASM_EMALFORMED, "data count section required");
                if (x >= m->data_count) INVALID("unknown data segment %u", x);
                if (pop_slot(c, AWASM_I32, &n_) || pop_slot(c, AWASM_I32, &s_) ||
                    pop_slot(c, AWASM_I32, &d_)) return err->code;
                if (!dead(c)) emit(c, OP_MEMORY_INIT, 4, x, d_, s_, n_);
                break;
            }
            case 9: /* data.drop */
                if (rd_u32(r, &x, err)) return err->code;
                if (!m->has_data_count && x >= m->n_datas) INVALID("unknown data segment %u", x);
                if (!m->has_data_count) return fail(c, AWASM_EMALFORMED, "data count section required");
                if (x >= m->data_count) INVALID("unknown data segment %u", x);
                if (!dead(c)) emit(c, OP_DATA_DROP, 1, x);
                break;
            case 10: { /* memory.copy */
                uint8_t z1, z2;
                if (rd_u8(r, &z1, err) || rd_u8(r, &z2, err)) return err->code;
                if (z1 || z2) return fail(c, AWASM_EMALFORMED, "zero byte expected");
                if (m->n_mems == 0) INVALID("unknown memory 0");
                if (pop_slot(c, AWASM_I32, &n_) || pop_slot(c, AWASM_I32, &s_) ||
                    pop_slot(c, AWASM_I32, &d_)) return err->code;
                if (!dead(c)) emit(c, OP_MEMORY_COPY, 3, d_, s_, n_);
                break;
            }
            case 11: { /* memory.fill */
                uint8_t z;
                if (rd_u8(r, &z, err)) return err->code;
                if (z) return fail(c, AWASM_EMALFORMED, "zero byte expected");
                if (m->n_mems == 0) INVALID("unknown memory 0");
                if (pop_slot(c, AWASM_I32, &n_) || pop_slot(c, AWASM_I32, &s_) ||
                    pop_slot(c, AWASM_I32, &d_)) return err->code;
                if (!dead(c)) emit(c, OP_MEMORY_FILL, 3, d_, s_, n_);
                break;
            }
            case 12: { /* table.init elem table */
                if (rd_u32(r, &y, err) || rd_u32(r, &x, err)) return err->code;
                if (x >= m->n_tables) INVALID("unknown table %u", x);
                if (y >= m->n_elems) INVALID("unknown elem segment %u", y);
                if (m->elems[y].type != m->tables[x].elem) INVALID("type mismatch: table.init");
                if (pop_slot(c, AWASM_I32, &n_) || pop_slot(c, AWASM_I32, &s_) ||
                    pop_slot(c, AWASM_I32, &d_)) return err->code;
                if (!dead(c)) emit(c, OP_TABLE_INIT, 5, x, y, d_, s_, n_);
                break;
            }
            case 13: /* elem.drop */
                if (rd_u32(r, &x, err)) return err->code;
                if (x >= m->n_elems) INVALID("unknown elem segment %u", x);
                if (!dead(c)) emit(c, OP_ELEM_DROP, 1, x);
                break;
            case 14: { /* table.copy dst src */
                if (rd_u32(r, &x, err) || rd_u32(r, &y, err)) return err->code;
                if (x >= m->n_tables) INVALID("unknown table %u", x);
                if (y >= m->n_tables) INVALID("unknown table %u", y);
                if (m->tables[x].elem != m->tables[y].elem) INVALID("type mismatch: table.copy");
                if (pop_slot(c, AWASM_I32, &n_) || pop_slot(c, AWASM_I32, &s_) ||
                    pop_slot(c, AWASM_I32, &d_)) return err->code;
                if (!dead(c)) emit(c, OP_TABLE_COPY, 5, x, y, d_, s_, n_);
                break;
            }
            case 15: case 16: case 17: { /* table.grow, table.size, table.fill */
                if (rd_u32(r, &x, err)) return err->code;
                if (x >= m->n_tables) INVALID("unknown table %u", x);
                uint8_t et = m->tables[x].elem;
                if (sub == 15) {
                    if (pop_slot(c, AWASM_I32, &n_) || pop_slot(c, et, &a)) return err->code;
                    uint32_t d = vpush_home(c, AWASM_I32);
                    if (!dead(c)) emit(c, OP_TABLE_GROW, 4, d, x, a, n_);
                } else if (sub == 16) {
                    uint32_t d = vpush_home(c, AWASM_I32);
                    if (!dead(c)) emit(c, OP_TABLE_SIZE, 2, d, x);
                } else {
                    if (pop_slot(c, AWASM_I32, &n_) || pop_slot(c, et, &b) ||
                        pop_slot(c, AWASM_I32, &a)) return err->code;
                    if (!dead(c)) emit(c, OP_TABLE_FILL, 4, x, a, b, n_);
                }
                break;
            }
            default:
                return fail(c, AWASM_EMALFORMED, "illegal opcode 0xfc %u", sub);
            }
            break;
        }
        default:
            return fail(c, AWASM_EMALFORMED, "illegal opcode 0x%02x", opc);
        }
    }
    if (c->oom) return fail(c, AWASM_ELIMIT, "function too large or out of memory");
    return 0;
}

static int read_locals(comp_t *c, const awasm_functype_t *ft)
{
    reader_t *r = &c->r;
    uint32_t ngroups;
    if (rd_u32(r, &ngroups, c->err)) return c->err->code;
    if (ngroups > (size_t)(r->end - r->p) / 2)
        return fail(c, AWASM_EMALFORMED, "too many local groups (%u)", ngroups);
    uint64_t total = ft->n_params;
    const uint8_t *save = r->p;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        awasm_valtype_t t;
        if (rd_u32(r, &n, c->err)) return c->err->code;
        if (r->p >= r->end) return fail(c, AWASM_EMALFORMED, "unexpected end");
        t = (awasm_valtype_t)*r->p++;
        if (!is_num(t) && !is_ref(t)) return fail(c, AWASM_EMALFORMED, "malformed value type");
        total += n;
        if (total > UINT32_MAX / 2) return fail(c, AWASM_EMALFORMED, "too many locals");
    }
    if (total > c->m->cfg.max_locals)
        return fail(c, AWASM_ELIMIT, "%llu locals exceed the limit of %u", (unsigned long long)total,
                    c->m->cfg.max_locals);
    c->n_locals = (uint32_t)total;
    c->locals = malloc((total ? total : 1) * sizeof *c->locals);
    c->loff = malloc((total ? total : 1) * sizeof *c->loff);
    if (!c->locals || !c->loff) return fail(c, AWASM_ENOMEM, "out of memory");
    memcpy(c->locals, ft->params, ft->n_params * sizeof *c->locals);
    r->p = save;
    uint32_t at = ft->n_params;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        if (rd_u32(r, &n, c->err)) return c->err->code;
        awasm_valtype_t t = (awasm_valtype_t)*r->p++;
        for (uint32_t k = 0; k < n; k++) c->locals[at++] = t;
    }
    uint32_t slot = 0;
    for (uint32_t i = 0; i < c->n_locals; i++) {
        if (i == ft->n_params) c->n_pslots = slot;
        c->loff[i] = slot;
        slot += W(c->locals[i]);
    }
    if (c->n_locals == ft->n_params) c->n_pslots = slot;
    c->n_lslots = slot;
    return 0;
}

int awasm_compile_func(awasm_module_t *m, const uint8_t *bytes, uint32_t i, err_t *err)
{
    cfunc_t *cf = &m->cfuncs[i];
    const awasm_functype_t *ft = &m->types[cf->type_idx];
    comp_t c = {.m = m, .cf = cf, .err = err, .labels = awasm_interp_labels(),
                .metered = m->cfg.fuel, .det = m->cfg.deterministic,
                .fuel_pos = NONE, .last_end = NONE, .ld_end = NONE};
    c.r = (reader_t){bytes, bytes + cf->body_off, bytes + cf->body_off + cf->body_len};
    /* generous but bounded: no wasm instruction expands to more than a few
     * dozen cells except br_table, whose stubs are bounded by its length */
    c.max_cells = 64 * (size_t)cf->body_len + 4096;
    int rc = read_locals(&c, ft);
    if (rc == 0) rc = compile_body(&c);
    if (rc == AWASM_EINVALID) {
        /* a malformed body is reported as such, even past a validation error */
        reader_t sk = {bytes, bytes + cf->body_off, bytes + cf->body_off + cf->body_len};
        err_t e2;
        err_clear(&e2);
        if (awasm_skim_body(&sk, &e2) == AWASM_EMALFORMED) {
            *err = e2;
            rc = AWASM_EMALFORMED;
        }
    }
    if (rc == 0) {
        cf->code = c.code;
        cf->code_len = c.pc;
        /* in slots: a v128 takes two */
        uint32_t rslots = 0;
        for (uint32_t k = 0; k < ft->n_results; k++) rslots += W(ft->results[k]);
        cf->n_params = c.n_pslots;
        cf->n_results = rslots;
        cf->n_locals = c.n_lslots;
        uint64_t fs = (uint64_t)c.n_lslots + c.max_slots + 1;
        if (fs < rslots) fs = rslots;
        cf->frame_size = (uint32_t)fs;
        c.code = NULL;
    } else {
        err_prefix(err, "function %u", m->n_func_imports + i);
    }
    free(c.code);
    free(c.locals);
    free(c.loff);
    free(c.vs);
    free(c.cs);
    free(c.fx);
    return rc;
}
