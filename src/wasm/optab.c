/*
 * wasm optab: the opcode table (see optab.h) and the versioned fuel schedule
 * built on it (wasm.h: awasm_fuel_schedule(), awasm_fuel_cost()).
 *
 * Fuel schedule version 1 (the costs the engine has always charged):
 *   - every instruction 1, except: else and end 0 (structure only), call 3,
 *     call_indirect 4, memory.grow 8, every 0xfc-prefixed instruction 4;
 *   - SIMD (0xfd) instructions 1, except the heavier shuffles, swizzle,
 *     divisions, square roots, dot products, extending multiplies and
 *     q15mulr_sat at 2;
 *   - at run time: memory.grow 16 per page asked for; memory.fill/copy/init
 *     1 per 64 bytes; table.grow/fill/copy/init 1 per 8 elements (rounded
 *     down, charged before the operation).
 * A change to any of these is a new version: a chain that charges gas from
 * version N keeps charging the same forever.
 */
#include "wasm/optab.h"

#include "wasm/internal.h"
#include "wasm/ops.h"

#define I32 AWASM_I32
#define I64 AWASM_I64
#define F32 AWASM_F32
#define F64 AWASM_F64
#define V128 AWASM_V128

#define SP(nm, im, c) {nm, OP_HALT, CL_SPECIAL, im, {0, 0, 0}, 0, 0, CANON_NONE, c, NULL}
#define UN(nm, i, o, op, cn) {nm, OP_##op, CL_UNARY, IM_NONE, {i, 0, 0}, o, 0, cn, 1, NULL}
#define BI(nm, i, o, op, cn) {nm, OP_##op, CL_BINARY, IM_NONE, {i, i, 0}, o, 0, cn, 1, NULL}
#define LD(nm, o, op, nat) {nm, OP_##op, CL_LOAD, IM_MEMARG, {I32, 0, 0}, o, nat, CANON_NONE, 1, NULL}
#define ST(nm, i, op, nat) {nm, OP_##op, CL_STORE, IM_MEMARG, {I32, i, 0}, 0, nat, CANON_NONE, 1, NULL}

static const opinfo_t g_base[256] = {
    [0x00] = SP("unreachable", IM_NONE, 1),
    [0x01] = SP("nop", IM_NONE, 1),
    [0x02] = SP("block", IM_BLOCKTYPE, 1),
    [0x03] = SP("loop", IM_BLOCKTYPE, 1),
    [0x04] = SP("if", IM_BLOCKTYPE, 1),
    [0x05] = SP("else", IM_NONE, 0),
    [0x0b] = SP("end", IM_NONE, 0),
    [0x0c] = SP("br", IM_LABEL, 1),
    [0x0d] = SP("br_if", IM_LABEL, 1),
    [0x0e] = SP("br_table", IM_BR_TABLE, 1),
    [0x0f] = SP("return", IM_NONE, 1),
    [0x10] = SP("call", IM_FUNC, 3),
    [0x11] = SP("call_indirect", IM_CALL_INDIRECT, 4),
    [0x1a] = SP("drop", IM_NONE, 1),
    [0x1b] = SP("select", IM_NONE, 1),
    [0x1c] = SP("select", IM_SELECT_T, 1),
    [0x20] = SP("local.get", IM_LOCAL, 1),
    [0x21] = SP("local.set", IM_LOCAL, 1),
    [0x22] = SP("local.tee", IM_LOCAL, 1),
    [0x23] = SP("global.get", IM_GLOBAL, 1),
    [0x24] = SP("global.set", IM_GLOBAL, 1),
    [0x25] = SP("table.get", IM_TABLE, 1),
    [0x26] = SP("table.set", IM_TABLE, 1),
    [0x28] = LD("i32.load", I32, I32_LOAD, 2),
    [0x29] = LD("i64.load", I64, I64_LOAD, 3),
    [0x2a] = LD("f32.load", F32, I32_LOAD, 2),
    [0x2b] = LD("f64.load", F64, I64_LOAD, 3),
    [0x2c] = LD("i32.load8_s", I32, I32_LOAD8_S, 0),
    [0x2d] = LD("i32.load8_u", I32, I32_LOAD8_U, 0),
    [0x2e] = LD("i32.load16_s", I32, I32_LOAD16_S, 1),
    [0x2f] = LD("i32.load16_u", I32, I32_LOAD16_U, 1),
    [0x30] = LD("i64.load8_s", I64, I64_LOAD8_S, 0),
    [0x31] = LD("i64.load8_u", I64, I32_LOAD8_U, 0),
    [0x32] = LD("i64.load16_s", I64, I64_LOAD16_S, 1),
    [0x33] = LD("i64.load16_u", I64, I32_LOAD16_U, 1),
    [0x34] = LD("i64.load32_s", I64, I64_LOAD32_S, 2),
    [0x35] = LD("i64.load32_u", I64, I32_LOAD, 2),
    [0x36] = ST("i32.store", I32, STORE32, 2),
    [0x37] = ST("i64.store", I64, STORE64, 3),
    [0x38] = ST("f32.store", F32, STORE32, 2),
    [0x39] = ST("f64.store", F64, STORE64, 3),
    [0x3a] = ST("i32.store8", I32, STORE8, 0),
    [0x3b] = ST("i32.store16", I32, STORE16, 1),
    [0x3c] = ST("i64.store8", I64, STORE8, 0),
    [0x3d] = ST("i64.store16", I64, STORE16, 1),
    [0x3e] = ST("i64.store32", I64, STORE32, 2),
    [0x3f] = SP("memory.size", IM_ZERO, 1),
    [0x40] = SP("memory.grow", IM_ZERO, 8),
    [0x41] = SP("i32.const", IM_I32, 1),
    [0x42] = SP("i64.const", IM_I64, 1),
    [0x43] = SP("f32.const", IM_F32, 1),
    [0x44] = SP("f64.const", IM_F64, 1),
    [0x45] = UN("i32.eqz", I32, I32, I32_EQZ, 0),
    [0x46] = BI("i32.eq", I32, I32, I32_EQ, 0),
    [0x47] = BI("i32.ne", I32, I32, I32_NE, 0),
    [0x48] = BI("i32.lt_s", I32, I32, I32_LT_S, 0),
    [0x49] = BI("i32.lt_u", I32, I32, I32_LT_U, 0),
    [0x4a] = BI("i32.gt_s", I32, I32, I32_GT_S, 0),
    [0x4b] = BI("i32.gt_u", I32, I32, I32_GT_U, 0),
    [0x4c] = BI("i32.le_s", I32, I32, I32_LE_S, 0),
    [0x4d] = BI("i32.le_u", I32, I32, I32_LE_U, 0),
    [0x4e] = BI("i32.ge_s", I32, I32, I32_GE_S, 0),
    [0x4f] = BI("i32.ge_u", I32, I32, I32_GE_U, 0),
    [0x50] = UN("i64.eqz", I64, I32, I64_EQZ, 0),
    [0x51] = BI("i64.eq", I64, I32, I64_EQ, 0),
    [0x52] = BI("i64.ne", I64, I32, I64_NE, 0),
    [0x53] = BI("i64.lt_s", I64, I32, I64_LT_S, 0),
    [0x54] = BI("i64.lt_u", I64, I32, I64_LT_U, 0),
    [0x55] = BI("i64.gt_s", I64, I32, I64_GT_S, 0),
    [0x56] = BI("i64.gt_u", I64, I32, I64_GT_U, 0),
    [0x57] = BI("i64.le_s", I64, I32, I64_LE_S, 0),
    [0x58] = BI("i64.le_u", I64, I32, I64_LE_U, 0),
    [0x59] = BI("i64.ge_s", I64, I32, I64_GE_S, 0),
    [0x5a] = BI("i64.ge_u", I64, I32, I64_GE_U, 0),
    [0x5b] = BI("f32.eq", F32, I32, F32_EQ, 0),
    [0x5c] = BI("f32.ne", F32, I32, F32_NE, 0),
    [0x5d] = BI("f32.lt", F32, I32, F32_LT, 0),
    [0x5e] = BI("f32.gt", F32, I32, F32_GT, 0),
    [0x5f] = BI("f32.le", F32, I32, F32_LE, 0),
    [0x60] = BI("f32.ge", F32, I32, F32_GE, 0),
    [0x61] = BI("f64.eq", F64, I32, F64_EQ, 0),
    [0x62] = BI("f64.ne", F64, I32, F64_NE, 0),
    [0x63] = BI("f64.lt", F64, I32, F64_LT, 0),
    [0x64] = BI("f64.gt", F64, I32, F64_GT, 0),
    [0x65] = BI("f64.le", F64, I32, F64_LE, 0),
    [0x66] = BI("f64.ge", F64, I32, F64_GE, 0),
    [0x67] = UN("i32.clz", I32, I32, I32_CLZ, 0),
    [0x68] = UN("i32.ctz", I32, I32, I32_CTZ, 0),
    [0x69] = UN("i32.popcnt", I32, I32, I32_POPCNT, 0),
    [0x6a] = BI("i32.add", I32, I32, I32_ADD, 0),
    [0x6b] = BI("i32.sub", I32, I32, I32_SUB, 0),
    [0x6c] = BI("i32.mul", I32, I32, I32_MUL, 0),
    [0x6d] = BI("i32.div_s", I32, I32, I32_DIV_S, 0),
    [0x6e] = BI("i32.div_u", I32, I32, I32_DIV_U, 0),
    [0x6f] = BI("i32.rem_s", I32, I32, I32_REM_S, 0),
    [0x70] = BI("i32.rem_u", I32, I32, I32_REM_U, 0),
    [0x71] = BI("i32.and", I32, I32, I32_AND, 0),
    [0x72] = BI("i32.or", I32, I32, I32_OR, 0),
    [0x73] = BI("i32.xor", I32, I32, I32_XOR, 0),
    [0x74] = BI("i32.shl", I32, I32, I32_SHL, 0),
    [0x75] = BI("i32.shr_s", I32, I32, I32_SHR_S, 0),
    [0x76] = BI("i32.shr_u", I32, I32, I32_SHR_U, 0),
    [0x77] = BI("i32.rotl", I32, I32, I32_ROTL, 0),
    [0x78] = BI("i32.rotr", I32, I32, I32_ROTR, 0),
    [0x79] = UN("i64.clz", I64, I64, I64_CLZ, 0),
    [0x7a] = UN("i64.ctz", I64, I64, I64_CTZ, 0),
    [0x7b] = UN("i64.popcnt", I64, I64, I64_POPCNT, 0),
    [0x7c] = BI("i64.add", I64, I64, I64_ADD, 0),
    [0x7d] = BI("i64.sub", I64, I64, I64_SUB, 0),
    [0x7e] = BI("i64.mul", I64, I64, I64_MUL, 0),
    [0x7f] = BI("i64.div_s", I64, I64, I64_DIV_S, 0),
    [0x80] = BI("i64.div_u", I64, I64, I64_DIV_U, 0),
    [0x81] = BI("i64.rem_s", I64, I64, I64_REM_S, 0),
    [0x82] = BI("i64.rem_u", I64, I64, I64_REM_U, 0),
    [0x83] = BI("i64.and", I64, I64, I64_AND, 0),
    [0x84] = BI("i64.or", I64, I64, I64_OR, 0),
    [0x85] = BI("i64.xor", I64, I64, I64_XOR, 0),
    [0x86] = BI("i64.shl", I64, I64, I64_SHL, 0),
    [0x87] = BI("i64.shr_s", I64, I64, I64_SHR_S, 0),
    [0x88] = BI("i64.shr_u", I64, I64, I64_SHR_U, 0),
    [0x89] = BI("i64.rotl", I64, I64, I64_ROTL, 0),
    [0x8a] = BI("i64.rotr", I64, I64, I64_ROTR, 0),
    [0x8b] = UN("f32.abs", F32, F32, F32_ABS, 0),
    [0x8c] = UN("f32.neg", F32, F32, F32_NEG, 0),
    [0x8d] = UN("f32.ceil", F32, F32, F32_CEIL, CANON_F32),
    [0x8e] = UN("f32.floor", F32, F32, F32_FLOOR, CANON_F32),
    [0x8f] = UN("f32.trunc", F32, F32, F32_TRUNC, CANON_F32),
    [0x90] = UN("f32.nearest", F32, F32, F32_NEAREST, CANON_F32),
    [0x91] = UN("f32.sqrt", F32, F32, F32_SQRT, CANON_F32),
    [0x92] = BI("f32.add", F32, F32, F32_ADD, CANON_F32),
    [0x93] = BI("f32.sub", F32, F32, F32_SUB, CANON_F32),
    [0x94] = BI("f32.mul", F32, F32, F32_MUL, CANON_F32),
    [0x95] = BI("f32.div", F32, F32, F32_DIV, CANON_F32),
    [0x96] = BI("f32.min", F32, F32, F32_MIN, CANON_F32),
    [0x97] = BI("f32.max", F32, F32, F32_MAX, CANON_F32),
    [0x98] = BI("f32.copysign", F32, F32, F32_COPYSIGN, 0),
    [0x99] = UN("f64.abs", F64, F64, F64_ABS, 0),
    [0x9a] = UN("f64.neg", F64, F64, F64_NEG, 0),
    [0x9b] = UN("f64.ceil", F64, F64, F64_CEIL, CANON_F64),
    [0x9c] = UN("f64.floor", F64, F64, F64_FLOOR, CANON_F64),
    [0x9d] = UN("f64.trunc", F64, F64, F64_TRUNC, CANON_F64),
    [0x9e] = UN("f64.nearest", F64, F64, F64_NEAREST, CANON_F64),
    [0x9f] = UN("f64.sqrt", F64, F64, F64_SQRT, CANON_F64),
    [0xa0] = BI("f64.add", F64, F64, F64_ADD, CANON_F64),
    [0xa1] = BI("f64.sub", F64, F64, F64_SUB, CANON_F64),
    [0xa2] = BI("f64.mul", F64, F64, F64_MUL, CANON_F64),
    [0xa3] = BI("f64.div", F64, F64, F64_DIV, CANON_F64),
    [0xa4] = BI("f64.min", F64, F64, F64_MIN, CANON_F64),
    [0xa5] = BI("f64.max", F64, F64, F64_MAX, CANON_F64),
    [0xa6] = BI("f64.copysign", F64, F64, F64_COPYSIGN, 0),
    [0xa7] = UN("i32.wrap_i64", I64, I32, I32_WRAP_I64, 0),
    [0xa8] = UN("i32.trunc_f32_s", F32, I32, I32_TRUNC_F32_S, 0),
    [0xa9] = UN("i32.trunc_f32_u", F32, I32, I32_TRUNC_F32_U, 0),
    [0xaa] = UN("i32.trunc_f64_s", F64, I32, I32_TRUNC_F64_S, 0),
    [0xab] = UN("i32.trunc_f64_u", F64, I32, I32_TRUNC_F64_U, 0),
    [0xac] = UN("i64.extend_i32_s", I32, I64, I64_EXTEND_I32_S, 0),
    [0xad] = UN("i64.extend_i32_u", I32, I64, I64_EXTEND_I32_U, 0),
    [0xae] = UN("i64.trunc_f32_s", F32, I64, I64_TRUNC_F32_S, 0),
    [0xaf] = UN("i64.trunc_f32_u", F32, I64, I64_TRUNC_F32_U, 0),
    [0xb0] = UN("i64.trunc_f64_s", F64, I64, I64_TRUNC_F64_S, 0),
    [0xb1] = UN("i64.trunc_f64_u", F64, I64, I64_TRUNC_F64_U, 0),
    [0xb2] = UN("f32.convert_i32_s", I32, F32, F32_CONVERT_I32_S, 0),
    [0xb3] = UN("f32.convert_i32_u", I32, F32, F32_CONVERT_I32_U, 0),
    [0xb4] = UN("f32.convert_i64_s", I64, F32, F32_CONVERT_I64_S, 0),
    [0xb5] = UN("f32.convert_i64_u", I64, F32, F32_CONVERT_I64_U, 0),
    [0xb6] = UN("f32.demote_f64", F64, F32, F32_DEMOTE_F64, CANON_F32),
    [0xb7] = UN("f64.convert_i32_s", I32, F64, F64_CONVERT_I32_S, 0),
    [0xb8] = UN("f64.convert_i32_u", I32, F64, F64_CONVERT_I32_U, 0),
    [0xb9] = UN("f64.convert_i64_s", I64, F64, F64_CONVERT_I64_S, 0),
    [0xba] = UN("f64.convert_i64_u", I64, F64, F64_CONVERT_I64_U, 0),
    [0xbb] = UN("f64.promote_f32", F32, F64, F64_PROMOTE_F32, CANON_F64),
    [0xbc] = UN("i32.reinterpret_f32", F32, I32, I32_REINTERPRET_F32, 0),
    [0xbd] = UN("i64.reinterpret_f64", F64, I64, I64_REINTERPRET_F64, 0),
    [0xbe] = UN("f32.reinterpret_i32", I32, F32, F32_REINTERPRET_I32, 0),
    [0xbf] = UN("f64.reinterpret_i64", I64, F64, F64_REINTERPRET_I64, 0),
    [0xc0] = UN("i32.extend8_s", I32, I32, I32_EXTEND8_S, 0),
    [0xc1] = UN("i32.extend16_s", I32, I32, I32_EXTEND16_S, 0),
    [0xc2] = UN("i64.extend8_s", I64, I64, I64_EXTEND8_S, 0),
    [0xc3] = UN("i64.extend16_s", I64, I64, I64_EXTEND16_S, 0),
    [0xc4] = UN("i64.extend32_s", I64, I64, I64_EXTEND32_S, 0),
    [0xd0] = SP("ref.null", IM_REFTYPE, 1),
    [0xd1] = SP("ref.is_null", IM_NONE, 1),
    [0xd2] = SP("ref.func", IM_FUNC, 1),
};

#define FC_UN(nm, i, o, op) {nm, OP_##op, CL_UNARY, IM_NONE, {i, 0, 0}, o, 0, CANON_NONE, 4, NULL}
static const opinfo_t g_fc[18] = {
    [0] = FC_UN("i32.trunc_sat_f32_s", F32, I32, I32_TRUNC_SAT_F32_S),
    [1] = FC_UN("i32.trunc_sat_f32_u", F32, I32, I32_TRUNC_SAT_F32_U),
    [2] = FC_UN("i32.trunc_sat_f64_s", F64, I32, I32_TRUNC_SAT_F64_S),
    [3] = FC_UN("i32.trunc_sat_f64_u", F64, I32, I32_TRUNC_SAT_F64_U),
    [4] = FC_UN("i64.trunc_sat_f32_s", F32, I64, I64_TRUNC_SAT_F32_S),
    [5] = FC_UN("i64.trunc_sat_f32_u", F32, I64, I64_TRUNC_SAT_F32_U),
    [6] = FC_UN("i64.trunc_sat_f64_s", F64, I64, I64_TRUNC_SAT_F64_S),
    [7] = FC_UN("i64.trunc_sat_f64_u", F64, I64, I64_TRUNC_SAT_F64_U),
    [8] = SP("memory.init", IM_DATA_ZERO, 4),
    [9] = SP("data.drop", IM_DATA, 4),
    [10] = SP("memory.copy", IM_ZERO_ZERO, 4),
    [11] = SP("memory.fill", IM_ZERO, 4),
    [12] = SP("table.init", IM_ELEM_TABLE, 4),
    [13] = SP("elem.drop", IM_ELEM, 4),
    [14] = SP("table.copy", IM_TABLE_TABLE, 4),
    [15] = SP("table.grow", IM_TABLE, 4),
    [16] = SP("table.size", IM_TABLE, 4),
    [17] = SP("table.fill", IM_TABLE, 4),
};


const opinfo_t *awasm_op_info(uint32_t prefix, uint32_t code)
{
    const opinfo_t *o = NULL;
    if (prefix == 0 && code < 256) o = &g_base[code];
    else if (prefix == 0xfc && code < sizeof g_fc / sizeof g_fc[0]) o = &g_fc[code];
    else if (prefix == 0xfd && code < 256) o = &awasm_optab_fd[code];
    return o && o->name ? o : NULL;
}

/* ---- the public fuel schedule ----------------------------------------------- */

static const awasm_fuel_schedule_t g_schedules[] = {
    {.version = 1, .memory_grow_per_page = 16, .bulk_memory_bytes_per_unit = 64,
     .bulk_table_elems_per_unit = 8, .host_call_extra = 0},
};

const awasm_fuel_schedule_t *awasm_fuel_schedule(uint32_t version)
{
    if (version == 0) version = 1;
    for (size_t i = 0; i < sizeof g_schedules / sizeof g_schedules[0]; i++)
        if (g_schedules[i].version == version) return &g_schedules[i];
    return NULL;
}

int64_t awasm_fuel_cost(uint32_t version, uint32_t prefix, uint32_t code)
{
    if (!awasm_fuel_schedule(version)) return -1;
    const opinfo_t *o = awasm_op_info(prefix, code);
    if (!o) return -1;
    return o->cost1;
}
