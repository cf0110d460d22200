/*
 * wasm optab: the opcode table. One row per WebAssembly instruction (single
 * byte, 0xfc and 0xfd prefixed) gives its text name, immediates, operand and
 * result types, the handler (OP_*) of the compiled code, the NaN
 * canonicalisation it needs in determinism mode and its fuel cost per
 * schedule version. The decoder/validator/compiler (compile.c) looks every
 * opcode up here: an opcode without a row is malformed; rows of the generic
 * classes (unary, binary, load, store, SIMD lane ops ...) are validated and
 * compiled from the row alone; CL_SPECIAL rows (control, variables, calls,
 * tables, bulk memory) have their own code in compile.c but still take
 * their name and cost from here. The public fuel schedule (wasm.h,
 * awasm_fuel_cost()) reads the same rows. Not part of the public API.
 */
#ifndef AETHER_WASM_OPTAB_H
#define AETHER_WASM_OPTAB_H

#include <stdint.h>

/* How compile.c handles a row. */
enum {
    CL_NONE = 0,      /* no such opcode */
    CL_SPECIAL,       /* own code in compile.c */
    CL_UNARY,         /* in[0] -> out:            op d a */
    CL_BINARY,        /* in[0] in[1] -> out:      op d a b */
    CL_TERNARY,       /* in[0] in[1] in[2] -> out: op d a b c */
    CL_LOAD,          /* i32 -> out, memarg:      op d a offset */
    CL_STORE,         /* i32 in[1], memarg:       op a v offset */
    CL_EXTRACT,       /* in[0] -> out, lane:      op d a lane */
    CL_REPLACE,       /* in[0] in[1] -> out, lane: op d a b lane */
    CL_LOAD_LANE,     /* i32 v128 -> v128, memarg lane: op d a b offset lane */
    CL_STORE_LANE,    /* i32 v128, memarg lane:   op a v offset lane */
    CL_SHUFFLE,       /* v128 v128 -> v128, 16 lane bytes: op d a b k0..k3 */
    CL_V128_CONST,    /* -> v128, 16 bytes */
};

/* Immediates, as encoded after the opcode. */
enum {
    IM_NONE = 0, IM_BLOCKTYPE, IM_LABEL, IM_BR_TABLE, IM_FUNC, IM_CALL_INDIRECT, IM_LOCAL,
    IM_GLOBAL, IM_TABLE, IM_MEMARG, IM_ZERO, IM_I32, IM_I64, IM_F32, IM_F64, IM_REFTYPE,
    IM_SELECT_T, IM_DATA_ZERO, IM_DATA, IM_ZERO_ZERO, IM_ELEM_TABLE, IM_ELEM, IM_TABLE_TABLE,
    IM_V128, IM_LANE, IM_MEMARG_LANE, IM_SHUFFLE,
};

/* NaN canonicalisation of the result in determinism mode. */
enum { CANON_NONE = 0, CANON_F32, CANON_F64, CANON_F32X4, CANON_F64X2 };

/* A SIMD lane operation (simd.c): d, a, b, c are frame slots (a v128 is two
 * slots), k an immediate (a lane index). */
typedef void (*awasm_simd_fn)(uint64_t *d, const uint64_t *a, const uint64_t *b, const uint64_t *c,
                              uint32_t k);

typedef struct opinfo {
    const char *name;     /* text format name; NULL = no such opcode */
    uint16_t op;          /* OP_* handler (generic classes) */
    uint8_t cls;          /* CL_* */
    uint8_t imm;          /* IM_* */
    uint8_t in[3];        /* operand types (0 = none), bottom of the stack first */
    uint8_t out;          /* result type (0 = none) */
    uint8_t aux;          /* memory ops: natural alignment (log2); lane ops: lane count */
    uint8_t canon;        /* CANON_* */
    uint8_t cost1;        /* fuel under schedule version 1 */
    awasm_simd_fn fn;     /* SIMD lane ops: the function OP_SIMD_1/2/X calls */
} opinfo_t;

/* The rows of the 0xfd-prefixed (SIMD) instructions, in simd.c next to
 * their lane functions. */
extern const opinfo_t awasm_optab_fd[256];

/* prefix 0 for a single-byte opcode, else 0xfc / 0xfd with the sub-opcode.
 * Returns NULL when there is no such instruction. */
const opinfo_t *awasm_op_info(uint32_t prefix, uint32_t code);

#endif
