/*
 * wasm ops: the instruction set of the compiled code (see compile.c). One
 * X(name, operand_cells) line per instruction; the interpreter has one
 * handler label per line, in this order. Operand letters in the comments:
 * d = destination slot, a/b/c = source slots, k = immediate, o = branch
 * offset in cells from the start of the instruction.
 */
#define AWASM_OPS(X) \
    X(HALT, 0) \
    X(UNREACHABLE, 0) \
    X(FUEL, 1)            /* k: cost */ \
    X(LOOP, 1)            /* k: cost; also polls the interrupt flag */ \
    X(BR, 1)              /* o */ \
    X(BR_IF, 2)           /* a o */ \
    X(BR_UNLESS, 2)       /* a o */ \
    X(BR_TABLE, 2)        /* a n, then n+1 offsets */ \
    X(RETURN, 0) \
    X(CALL, 2)            /* func base */ \
    X(CALL_INDIRECT, 4)   /* table type a base */ \
    X(COPY, 2)            /* d a */ \
    X(CONST32, 2)         /* d k */ \
    X(CONST64, 3)         /* d klo khi */ \
    X(GLOBAL_GET, 2)      /* d idx */ \
    X(GLOBAL_SET, 2)      /* idx a */ \
    X(SELECT, 4)          /* d a b c */ \
    X(I32_LOAD, 3)        /* d a offset */ \
    X(I64_LOAD, 3) \
    X(I32_LOAD8_S, 3) \
    X(I32_LOAD8_U, 3) \
    X(I32_LOAD16_S, 3) \
    X(I32_LOAD16_U, 3) \
    X(I64_LOAD8_S, 3) \
    X(I64_LOAD16_S, 3) \
    X(I64_LOAD32_S, 3) \
    X(STORE8, 3)          /* a(addr) b(value) offset */ \
    X(STORE16, 3) \
    X(STORE32, 3) \
    X(STORE64, 3) \
    X(MEMORY_SIZE, 1)     /* d */ \
    X(MEMORY_GROW, 2)     /* d a */ \
    X(MEMORY_FILL, 3)     /* a(dst) b(val) c(n) */ \
    X(MEMORY_COPY, 3)     /* a(dst) b(src) c(n) */ \
    X(MEMORY_INIT, 4)     /* seg a b c */ \
    X(DATA_DROP, 1)       /* seg */ \
    X(TABLE_GET, 3)       /* d table a */ \
    X(TABLE_SET, 3)       /* table a b */ \
    X(TABLE_SIZE, 2)      /* d table */ \
    X(TABLE_GROW, 4)      /* d table a(init) b(n) */ \
    X(TABLE_FILL, 4)      /* table a(i) b(val) c(n) */ \
    X(TABLE_COPY, 5)      /* dtable stable a b c */ \
    X(TABLE_INIT, 5)      /* table seg a b c */ \
    X(ELEM_DROP, 1)       /* seg */ \
    X(REF_IS_NULL, 2)     /* d a */ \
    X(REF_FUNC, 2)        /* d func */ \
    X(CANON32, 1)         /* d */ \
    X(CANON64, 1)         /* d */ \
    /* fused forms produced by the compiler's peephole */ \
    X(I32_ADD_K, 3)       /* d a k */ \
    X(I32_SUB_K, 3) \
    X(I32_AND_K, 3) \
    X(I32_OR_K, 3) \
    X(I32_XOR_K, 3) \
    X(I32_SHL_K, 3) \
    X(I32_SHR_S_K, 3) \
    X(I32_SHR_U_K, 3) \
    X(I32_MUL_K, 3) \
    X(I64_ADD_K, 3) \
    X(I32_SHR_U_AND_K, 4) /* d a k1 k2: (a >> k1) & k2 */ \
    X(I32_ADD_ADD_K, 4)   /* d a b k: a + b + k */ \
    X(BR_LOAD32_NZ, 4)    /* d a offset o: d = i32.load; branch when d != 0 */ \
    X(BR_LOAD32_Z, 4) \
    X(BR_LOAD8U_NZ, 4)    /* the same with i32.load8_u */ \
    X(BR_LOAD8U_Z, 4) \
    X(BR_EQZ, 2)          /* a o: branch when i32 a == 0 */ \
    X(BR_NEZ, 2) \
    X(BR_I32_EQ, 3)       /* a b o */ \
    X(BR_I32_NE, 3) \
    X(BR_I32_LT_S, 3) \
    X(BR_I32_LT_U, 3) \
    X(BR_I32_GT_S, 3) \
    X(BR_I32_GT_U, 3) \
    X(BR_I32_LE_S, 3) \
    X(BR_I32_LE_U, 3) \
    X(BR_I32_GE_S, 3) \
    X(BR_I32_GE_U, 3) \
    X(I32_EQ_K, 3)      /* d a k */ \
    X(I32_NE_K, 3) \
    X(I32_LT_S_K, 3) \
    X(I32_LT_U_K, 3) \
    X(I32_GT_S_K, 3) \
    X(I32_GT_U_K, 3) \
    X(I32_LE_S_K, 3) \
    X(I32_LE_U_K, 3) \
    X(I32_GE_S_K, 3) \
    X(I32_GE_U_K, 3) \
    X(BR_I32_EQ_K, 3)   /* a k o */ \
    X(BR_I32_NE_K, 3) \
    X(BR_I32_LT_S_K, 3) \
    X(BR_I32_LT_U_K, 3) \
    X(BR_I32_GT_S_K, 3) \
    X(BR_I32_GT_U_K, 3) \
    X(BR_I32_LE_S_K, 3) \
    X(BR_I32_LE_U_K, 3) \
    X(BR_I32_GE_S_K, 3) \
    X(BR_I32_GE_U_K, 3) \
    /* numeric: unary d a, binary d a b; order follows the opcode space */ \
    X(I32_EQZ, 2) X(I32_EQ, 3) X(I32_NE, 3) X(I32_LT_S, 3) X(I32_LT_U, 3) \
    X(I32_GT_S, 3) X(I32_GT_U, 3) X(I32_LE_S, 3) X(I32_LE_U, 3) X(I32_GE_S, 3) \
    X(I32_GE_U, 3) \
    X(I64_EQZ, 2) X(I64_EQ, 3) X(I64_NE, 3) X(I64_LT_S, 3) X(I64_LT_U, 3) \
    X(I64_GT_S, 3) X(I64_GT_U, 3) X(I64_LE_S, 3) X(I64_LE_U, 3) X(I64_GE_S, 3) \
    X(I64_GE_U, 3) \
    X(F32_EQ, 3) X(F32_NE, 3) X(F32_LT, 3) X(F32_GT, 3) X(F32_LE, 3) X(F32_GE, 3) \
    X(F64_EQ, 3) X(F64_NE, 3) X(F64_LT, 3) X(F64_GT, 3) X(F64_LE, 3) X(F64_GE, 3) \
    X(I32_CLZ, 2) X(I32_CTZ, 2) X(I32_POPCNT, 2) X(I32_ADD, 3) X(I32_SUB, 3) \
    X(I32_MUL, 3) X(I32_DIV_S, 3) X(I32_DIV_U, 3) X(I32_REM_S, 3) X(I32_REM_U, 3) \
    X(I32_AND, 3) X(I32_OR, 3) X(I32_XOR, 3) X(I32_SHL, 3) X(I32_SHR_S, 3) \
    X(I32_SHR_U, 3) X(I32_ROTL, 3) X(I32_ROTR, 3) \
    X(I64_CLZ, 2) X(I64_CTZ, 2) X(I64_POPCNT, 2) X(I64_ADD, 3) X(I64_SUB, 3) \
    X(I64_MUL, 3) X(I64_DIV_S, 3) X(I64_DIV_U, 3) X(I64_REM_S, 3) X(I64_REM_U, 3) \
    X(I64_AND, 3) X(I64_OR, 3) X(I64_XOR, 3) X(I64_SHL, 3) X(I64_SHR_S, 3) \
    X(I64_SHR_U, 3) X(I64_ROTL, 3) X(I64_ROTR, 3) \
    X(F32_ABS, 2) X(F32_NEG, 2) X(F32_CEIL, 2) X(F32_FLOOR, 2) X(F32_TRUNC, 2) \
    X(F32_NEAREST, 2) X(F32_SQRT, 2) X(F32_ADD, 3) X(F32_SUB, 3) X(F32_MUL, 3) \
    X(F32_DIV, 3) X(F32_MIN, 3) X(F32_MAX, 3) X(F32_COPYSIGN, 3) \
    X(F64_ABS, 2) X(F64_NEG, 2) X(F64_CEIL, 2) X(F64_FLOOR, 2) X(F64_TRUNC, 2) \
    X(F64_NEAREST, 2) X(F64_SQRT, 2) X(F64_ADD, 3) X(F64_SUB, 3) X(F64_MUL, 3) \
    X(F64_DIV, 3) X(F64_MIN, 3) X(F64_MAX, 3) X(F64_COPYSIGN, 3) \
    X(I32_WRAP_I64, 2) X(I32_TRUNC_F32_S, 2) X(I32_TRUNC_F32_U, 2) \
    X(I32_TRUNC_F64_S, 2) X(I32_TRUNC_F64_U, 2) X(I64_EXTEND_I32_S, 2) \
    X(I64_EXTEND_I32_U, 2) X(I64_TRUNC_F32_S, 2) X(I64_TRUNC_F32_U, 2) \
    X(I64_TRUNC_F64_S, 2) X(I64_TRUNC_F64_U, 2) X(F32_CONVERT_I32_S, 2) \
    X(F32_CONVERT_I32_U, 2) X(F32_CONVERT_I64_S, 2) X(F32_CONVERT_I64_U, 2) \
    X(F32_DEMOTE_F64, 2) X(F64_CONVERT_I32_S, 2) X(F64_CONVERT_I32_U, 2) \
    X(F64_CONVERT_I64_S, 2) X(F64_CONVERT_I64_U, 2) X(F64_PROMOTE_F32, 2) \
    X(I32_REINTERPRET_F32, 2) X(I64_REINTERPRET_F64, 2) X(F32_REINTERPRET_I32, 2) \
    X(F64_REINTERPRET_I64, 2) \
    X(I32_EXTEND8_S, 2) X(I32_EXTEND16_S, 2) X(I64_EXTEND8_S, 2) \
    X(I64_EXTEND16_S, 2) X(I64_EXTEND32_S, 2) \
    X(I32_TRUNC_SAT_F32_S, 2) X(I32_TRUNC_SAT_F32_U, 2) X(I32_TRUNC_SAT_F64_S, 2) \
    X(I32_TRUNC_SAT_F64_U, 2) X(I64_TRUNC_SAT_F32_S, 2) X(I64_TRUNC_SAT_F32_U, 2) \
    X(I64_TRUNC_SAT_F64_S, 2) X(I64_TRUNC_SAT_F64_U, 2)

/* The SIMD instructions (0xfd prefix) that touch memory or carry 16 bytes
 * of immediates, the compiler's 128-bit helpers (COPY128, SELECT128,
 * GLOBAL_GET128/SET128, CANON_F32X4/F64X2), and SIMD_1/2/X, which call the
 * lane function of the instruction's opcode-table row (simd.c): fn (two
 * cells), then d a / d a b / d a b c k. A v128 takes two consecutive slots.
 * Handlers: interp_simd.h. */
#define AWASM_SIMD_OPS(X) \
    X(V128_LOAD, 3) \
    X(V128_LOAD8X8_S, 3) \
    X(V128_LOAD8X8_U, 3) \
    X(V128_LOAD16X4_S, 3) \
    X(V128_LOAD16X4_U, 3) \
    X(V128_LOAD32X2_S, 3) \
    X(V128_LOAD32X2_U, 3) \
    X(V128_LOAD8_SPLAT, 3) \
    X(V128_LOAD16_SPLAT, 3) \
    X(V128_LOAD32_SPLAT, 3) \
    X(V128_LOAD64_SPLAT, 3) \
    X(V128_STORE, 3) \
    X(V128_CONST, 5) \
    X(I8X16_SHUFFLE, 7) \
    X(V128_LOAD8_LANE, 5) \
    X(V128_LOAD16_LANE, 5) \
    X(V128_LOAD32_LANE, 5) \
    X(V128_LOAD64_LANE, 5) \
    X(V128_STORE8_LANE, 4) \
    X(V128_STORE16_LANE, 4) \
    X(V128_STORE32_LANE, 4) \
    X(V128_STORE64_LANE, 4) \
    X(V128_LOAD32_ZERO, 3) \
    X(V128_LOAD64_ZERO, 3) \
    X(COPY128, 2) \
    X(SELECT128, 4) \
    X(GLOBAL_GET128, 2) \
    X(GLOBAL_SET128, 2) \
    X(CANON_F32X4, 1) \
    X(CANON_F64X2, 1) \
    X(SIMD_1, 4) \
    X(SIMD_2, 5) \
    X(SIMD_X, 7)

enum {
#define AWASM_OP_ENUM(name, n) OP_##name,
    AWASM_OPS(AWASM_OP_ENUM)
    AWASM_SIMD_OPS(AWASM_OP_ENUM)
#undef AWASM_OP_ENUM
    OP__COUNT
};
