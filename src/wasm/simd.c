/*
 * wasm simd: the lane operations of the fixed-width SIMD instructions and
 * their rows of the opcode table (optab.h). Each operation is a function of
 * frame slots (a v128 is two consecutive 8-byte slots) that loads its
 * operands into plain C arrays, runs one fixed-count lane loop and stores the
 * result: gcc and clang compile the loops to SSE2 (or whatever the target
 * has) at -O2, and the build for any other target is the same portable C. The
 * interpreter calls them through OP_SIMD_1/2/X, one indirect call per
 * instruction, never per lane. Semantics follow the WebAssembly 2.0 spec
 * (saturation, NaN propagation of min/max, pmin/pmax, trunc_sat, rounding);
 * determinism-mode NaN canonicalisation is a separate instruction the
 * compiler appends (CANON_F32X4/F64X2).
 */
#include <math.h>
#include <string.h>

#include "wasm/internal.h"
#include "wasm/ops.h"
#include "wasm/optab.h"

#define LD(arr, p) memcpy((arr), (p), 16)
#define ST(arr) memcpy(d, (arr), 16)

static void f_I8X16_SWIZZLE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], sw[16], r[16]; LD(a, pa); LD(sw, pb); for (int i = 0; i < 16; i++) r[i] = sw[i] < 16 ? a[sw[i] & 15] : 0; ST(r);
}

static void f_I8X16_SPLAT(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t x_ = (uint8_t)*pa, r[16]; for (int i = 0; i < 16; i++) r[i] = x_; ST(r);
}

static void f_I16X8_SPLAT(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t x_ = (uint16_t)*pa, r[8]; for (int i = 0; i < 8; i++) r[i] = x_; ST(r);
}

static void f_I32X4_SPLAT(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t x_ = (uint32_t)*pa, r[4]; for (int i = 0; i < 4; i++) r[i] = x_; ST(r);
}

static void f_I64X2_SPLAT(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t x_ = (uint64_t)*pa, r[2]; for (int i = 0; i < 2; i++) r[i] = x_; ST(r);
}

static void f_I8X16_EXTRACT_LANE_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16]; LD(a, pa); *d = (uint32_t)(int32_t)a[k];
}

static void f_I8X16_EXTRACT_LANE_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16]; LD(a, pa); *d = a[k];
}

static void f_I8X16_REPLACE_LANE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16]; LD(a, pa); a[k] = (uint8_t)*pb; ST(a);
}

static void f_I16X8_EXTRACT_LANE_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8]; LD(a, pa); *d = (uint32_t)(int32_t)a[k];
}

static void f_I16X8_EXTRACT_LANE_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8]; LD(a, pa); *d = a[k];
}

static void f_I16X8_REPLACE_LANE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8]; LD(a, pa); a[k] = (uint16_t)*pb; ST(a);
}

static void f_I32X4_EXTRACT_LANE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4]; LD(a, pa); *d = a[k];
}

static void f_I32X4_REPLACE_LANE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4]; LD(a, pa); a[k] = (uint32_t)*pb; ST(a);
}

static void f_I64X2_EXTRACT_LANE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2]; LD(a, pa); *d = a[k];
}

static void f_I64X2_REPLACE_LANE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2]; LD(a, pa); a[k] = (uint64_t)*pb; ST(a);
}

static void f_I8X16_EQ(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16], b[16]; int8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] == b[i])); ST(r);
}

static void f_I8X16_NE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16], b[16]; int8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] != b[i])); ST(r);
}

static void f_I8X16_LT_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16], b[16]; int8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] < b[i])); ST(r);
}

static void f_I8X16_LT_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], b[16]; int8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] < b[i])); ST(r);
}

static void f_I8X16_GT_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16], b[16]; int8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] > b[i])); ST(r);
}

static void f_I8X16_GT_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], b[16]; int8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] > b[i])); ST(r);
}

static void f_I8X16_LE_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16], b[16]; int8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] <= b[i])); ST(r);
}

static void f_I8X16_LE_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], b[16]; int8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] <= b[i])); ST(r);
}

static void f_I8X16_GE_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16], b[16]; int8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] >= b[i])); ST(r);
}

static void f_I8X16_GE_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], b[16]; int8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] >= b[i])); ST(r);
}

static void f_I16X8_EQ(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] == b[i])); ST(r);
}

static void f_I16X8_NE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] != b[i])); ST(r);
}

static void f_I16X8_LT_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] < b[i])); ST(r);
}

static void f_I16X8_LT_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] < b[i])); ST(r);
}

static void f_I16X8_GT_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] > b[i])); ST(r);
}

static void f_I16X8_GT_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] > b[i])); ST(r);
}

static void f_I16X8_LE_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] <= b[i])); ST(r);
}

static void f_I16X8_LE_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] <= b[i])); ST(r);
}

static void f_I16X8_GE_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] >= b[i])); ST(r);
}

static void f_I16X8_GE_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] >= b[i])); ST(r);
}

static void f_I32X4_EQ(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] == b[i])); ST(r);
}

static void f_I32X4_NE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] != b[i])); ST(r);
}

static void f_I32X4_LT_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] < b[i])); ST(r);
}

static void f_I32X4_LT_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] < b[i])); ST(r);
}

static void f_I32X4_GT_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] > b[i])); ST(r);
}

static void f_I32X4_GT_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] > b[i])); ST(r);
}

static void f_I32X4_LE_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] <= b[i])); ST(r);
}

static void f_I32X4_LE_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] <= b[i])); ST(r);
}

static void f_I32X4_GE_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] >= b[i])); ST(r);
}

static void f_I32X4_GE_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] >= b[i])); ST(r);
}

static void f_F32X4_EQ(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)-(a[i] == b[i]); ST(r);
}

static void f_F32X4_NE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)-(a[i] != b[i]); ST(r);
}

static void f_F32X4_LT(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)-(a[i] < b[i]); ST(r);
}

static void f_F32X4_GT(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)-(a[i] > b[i]); ST(r);
}

static void f_F32X4_LE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)-(a[i] <= b[i]); ST(r);
}

static void f_F32X4_GE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)-(a[i] >= b[i]); ST(r);
}

static void f_F64X2_EQ(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2], b[2]; int64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (int64_t)-(a[i] == b[i]); ST(r);
}

static void f_F64X2_NE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2], b[2]; int64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (int64_t)-(a[i] != b[i]); ST(r);
}

static void f_F64X2_LT(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2], b[2]; int64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (int64_t)-(a[i] < b[i]); ST(r);
}

static void f_F64X2_GT(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2], b[2]; int64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (int64_t)-(a[i] > b[i]); ST(r);
}

static void f_F64X2_LE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2], b[2]; int64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (int64_t)-(a[i] <= b[i]); ST(r);
}

static void f_F64X2_GE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2], b[2]; int64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (int64_t)-(a[i] >= b[i]); ST(r);
}

static void f_V128_NOT(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2]; uint64_t r[2]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(~a[i]); ST(r);
}

static void f_V128_AND(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2], b[2]; uint64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] & b[i]); ST(r);
}

static void f_V128_ANDNOT(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2], b[2]; uint64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] & ~b[i]); ST(r);
}

static void f_V128_OR(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2], b[2]; uint64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] | b[i]); ST(r);
}

static void f_V128_XOR(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2], b[2]; uint64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] ^ b[i]); ST(r);
}

static void f_V128_BITSELECT(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2], b[2], c[2], r[2]; LD(a, pa); LD(b, pb); LD(c, pc); for (int i = 0; i < 2; i++) r[i] = (a[i] & c[i]) | (b[i] & ~c[i]); ST(r);
}

static void f_V128_ANY_TRUE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2]; LD(a, pa); *d = (a[0] | a[1]) != 0;
}

static void f_F32X4_DEMOTE_F64X2_ZERO(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2]; float r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (float)((float)a[i]); ST(r);
}

static void f_F64X2_PROMOTE_LOW_F32X4(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4]; double r[2]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)((double)a[i]); ST(r);
}

static void f_I8X16_ABS(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16]; uint8_t r[16]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] < 0 ? -(uint8_t)a[i] : (uint8_t)a[i]); ST(r);
}

static void f_I8X16_NEG(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16]; uint8_t r[16]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(-a[i]); ST(r);
}

static void f_I8X16_POPCNT(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16]; uint8_t r[16]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(__builtin_popcount(a[i])); ST(r);
}

static void f_I8X16_ALL_TRUE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16]; int all_ = 1; LD(a, pa); for (int i = 0; i < 16; i++) all_ &= a[i] != 0; *d = (uint32_t)all_;
}

static void f_I8X16_BITMASK(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16]; uint32_t m_ = 0; LD(a, pa); for (int i = 0; i < 16; i++) m_ |= (uint32_t)(a[i] >> 7) << i; *d = m_;
}

static void f_I8X16_NARROW_I16X8_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t ab[16]; int8_t r[16]; memcpy(ab, pa, 16); memcpy(ab + 8, pb, 16); for (int i = 0; i < 16; i++) r[i] = (int8_t)(ab[i] < -128 ? -128 : ab[i] > 127 ? 127 : ab[i]); ST(r);
}

static void f_I8X16_NARROW_I16X8_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t ab[16]; uint8_t r[16]; memcpy(ab, pa, 16); memcpy(ab + 8, pb, 16); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(ab[i] < 0 ? 0 : ab[i] > 255 ? 255 : ab[i]); ST(r);
}

static void f_F32X4_CEIL(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4]; float r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (float)(isnan(a[i]) ? a[i] + a[i] : ceilf(a[i])); ST(r);
}

static void f_F32X4_FLOOR(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4]; float r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (float)(isnan(a[i]) ? a[i] + a[i] : floorf(a[i])); ST(r);
}

static void f_F32X4_TRUNC(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4]; float r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (float)(isnan(a[i]) ? a[i] + a[i] : truncf(a[i])); ST(r);
}

static void f_F32X4_NEAREST(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4]; float r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (float)(isnan(a[i]) ? a[i] + a[i] : nearbyintf(a[i])); ST(r);
}

static void f_I8X16_SHL(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], r[16]; uint32_t s_ = (uint32_t)*pb & 7; LD(a, pa); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] << s_); ST(r);
}

static void f_I8X16_SHR_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16], r[16]; uint32_t s_ = (uint32_t)*pb & 7; LD(a, pa); for (int i = 0; i < 16; i++) r[i] = (int8_t)(a[i] >> s_); ST(r);
}

static void f_I8X16_SHR_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], r[16]; uint32_t s_ = (uint32_t)*pb & 7; LD(a, pa); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] >> s_); ST(r);
}

static void f_I8X16_ADD(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], b[16]; uint8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] + b[i]); ST(r);
}

static void f_I8X16_ADD_SAT_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16], b[16]; int8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (int8_t)((int32_t)a[i] + b[i] > 127 ? 127 : (int32_t)a[i] + b[i] < -128 ? -128 : a[i] + b[i]); ST(r);
}

static void f_I8X16_ADD_SAT_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], b[16]; uint8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (uint8_t)((uint32_t)a[i] + b[i] > 255 ? 255 : a[i] + b[i]); ST(r);
}

static void f_I8X16_SUB(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], b[16]; uint8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] - b[i]); ST(r);
}

static void f_I8X16_SUB_SAT_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16], b[16]; int8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (int8_t)((int32_t)a[i] - b[i] > 127 ? 127 : (int32_t)a[i] - b[i] < -128 ? -128 : a[i] - b[i]); ST(r);
}

static void f_I8X16_SUB_SAT_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], b[16]; uint8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] > b[i] ? a[i] - b[i] : 0); ST(r);
}

static void f_I16X8_ADD_SAT_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)((int32_t)a[i] + b[i] > 32767 ? 32767 : (int32_t)a[i] + b[i] < -32768 ? -32768 : a[i] + b[i]); ST(r);
}

static void f_I16X8_ADD_SAT_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], b[8]; uint16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (uint16_t)((uint32_t)a[i] + b[i] > 65535 ? 65535 : a[i] + b[i]); ST(r);
}

static void f_I16X8_SUB(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], b[8]; uint16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] - b[i]); ST(r);
}

static void f_I16X8_SUB_SAT_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)((int32_t)a[i] - b[i] > 32767 ? 32767 : (int32_t)a[i] - b[i] < -32768 ? -32768 : a[i] - b[i]); ST(r);
}

static void f_I16X8_SUB_SAT_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], b[8]; uint16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] > b[i] ? a[i] - b[i] : 0); ST(r);
}

static void f_F64X2_CEIL(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2]; double r[2]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)(isnan(a[i]) ? a[i] + a[i] : ceil(a[i])); ST(r);
}

static void f_F64X2_FLOOR(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2]; double r[2]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)(isnan(a[i]) ? a[i] + a[i] : floor(a[i])); ST(r);
}

static void f_I8X16_MIN_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16], b[16]; int8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (int8_t)(a[i] < b[i] ? a[i] : b[i]); ST(r);
}

static void f_I8X16_MIN_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], b[16]; uint8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] < b[i] ? a[i] : b[i]); ST(r);
}

static void f_I8X16_MAX_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16], b[16]; int8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (int8_t)(a[i] > b[i] ? a[i] : b[i]); ST(r);
}

static void f_I8X16_MAX_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], b[16]; uint8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] > b[i] ? a[i] : b[i]); ST(r);
}

static void f_F64X2_TRUNC(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2]; double r[2]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)(isnan(a[i]) ? a[i] + a[i] : trunc(a[i])); ST(r);
}

static void f_I8X16_AVGR_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], b[16]; uint8_t r[16]; LD(a, pa); LD(b, pb); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(((uint32_t)a[i] + b[i] + 1) >> 1); ST(r);
}

static void f_I16X8_EXTADD_PAIRWISE_I8X16_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16]; int16_t r[8]; LD(a, pa); for (int i = 0; i < 8; i++) r[i] = (int16_t)((int16_t)a[2 * i] + (int16_t)a[2 * i + 1]); ST(r);
}

static void f_I16X8_EXTADD_PAIRWISE_I8X16_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16]; uint16_t r[8]; LD(a, pa); for (int i = 0; i < 8; i++) r[i] = (uint16_t)((uint16_t)a[2 * i] + (uint16_t)a[2 * i + 1]); ST(r);
}

static void f_I32X4_EXTADD_PAIRWISE_I16X8_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8]; int32_t r[4]; LD(a, pa); for (int i = 0; i < 4; i++) r[i] = (int32_t)((int32_t)a[2 * i] + (int32_t)a[2 * i + 1]); ST(r);
}

static void f_I32X4_EXTADD_PAIRWISE_I16X8_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8]; uint32_t r[4]; LD(a, pa); for (int i = 0; i < 4; i++) r[i] = (uint32_t)((uint32_t)a[2 * i] + (uint32_t)a[2 * i + 1]); ST(r);
}

static void f_I16X8_ABS(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8]; uint16_t r[8]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] < 0 ? -(uint16_t)a[i] : (uint16_t)a[i]); ST(r);
}

static void f_I16X8_NEG(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8]; uint16_t r[8]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(-a[i]); ST(r);
}

static void f_I16X8_Q15MULR_SAT_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)(((int32_t)a[i] * b[i] + 0x4000) >> 15 > 32767 ? 32767 : ((int32_t)a[i] * b[i] + 0x4000) >> 15); ST(r);
}

static void f_I16X8_ALL_TRUE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8]; int all_ = 1; LD(a, pa); for (int i = 0; i < 8; i++) all_ &= a[i] != 0; *d = (uint32_t)all_;
}

static void f_I16X8_BITMASK(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8]; uint32_t m_ = 0; LD(a, pa); for (int i = 0; i < 8; i++) m_ |= (uint32_t)(a[i] >> 15) << i; *d = m_;
}

static void f_I16X8_NARROW_I32X4_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t ab[8]; int16_t r[8]; memcpy(ab, pa, 16); memcpy(ab + 4, pb, 16); for (int i = 0; i < 8; i++) r[i] = (int16_t)(ab[i] < -32768 ? -32768 : ab[i] > 32767 ? 32767 : ab[i]); ST(r);
}

static void f_I16X8_NARROW_I32X4_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t ab[8]; uint16_t r[8]; memcpy(ab, pa, 16); memcpy(ab + 4, pb, 16); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(ab[i] < 0 ? 0 : ab[i] > 65535 ? 65535 : ab[i]); ST(r);
}

static void f_I16X8_EXTEND_LOW_I8X16_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16]; int16_t r[8]; LD(a, pa); for (int i = 0; i < 8; i++) r[i] = a[i + 0]; ST(r);
}

static void f_I16X8_EXTEND_HIGH_I8X16_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16]; int16_t r[8]; LD(a, pa); for (int i = 0; i < 8; i++) r[i] = a[i + 8]; ST(r);
}

static void f_I16X8_EXTEND_LOW_I8X16_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16]; uint16_t r[8]; LD(a, pa); for (int i = 0; i < 8; i++) r[i] = a[i + 0]; ST(r);
}

static void f_I16X8_EXTEND_HIGH_I8X16_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16]; uint16_t r[8]; LD(a, pa); for (int i = 0; i < 8; i++) r[i] = a[i + 8]; ST(r);
}

static void f_I16X8_SHL(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], r[8]; uint32_t s_ = (uint32_t)*pb & 15; LD(a, pa); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] << s_); ST(r);
}

static void f_I16X8_SHR_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], r[8]; uint32_t s_ = (uint32_t)*pb & 15; LD(a, pa); for (int i = 0; i < 8; i++) r[i] = (int16_t)(a[i] >> s_); ST(r);
}

static void f_I16X8_SHR_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], r[8]; uint32_t s_ = (uint32_t)*pb & 15; LD(a, pa); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] >> s_); ST(r);
}

static void f_I16X8_ADD(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], b[8]; uint16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] + b[i]); ST(r);
}

static void f_F64X2_NEAREST(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2]; double r[2]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)(isnan(a[i]) ? a[i] + a[i] : nearbyint(a[i])); ST(r);
}

static void f_I16X8_MUL(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], b[8]; uint16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (uint16_t)((uint32_t)a[i] * b[i]); ST(r);
}

static void f_I16X8_MIN_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)(a[i] < b[i] ? a[i] : b[i]); ST(r);
}

static void f_I16X8_MIN_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], b[8]; uint16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] < b[i] ? a[i] : b[i]); ST(r);
}

static void f_I16X8_MAX_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], b[8]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)(a[i] > b[i] ? a[i] : b[i]); ST(r);
}

static void f_I16X8_MAX_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], b[8]; uint16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] > b[i] ? a[i] : b[i]); ST(r);
}

static void f_I16X8_AVGR_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], b[8]; uint16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(((uint32_t)a[i] + b[i] + 1) >> 1); ST(r);
}

static void f_I16X8_EXTMUL_LOW_I8X16_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16], b[16]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)((int16_t)a[i + 0] * (int16_t)b[i + 0]); ST(r);
}

static void f_I16X8_EXTMUL_HIGH_I8X16_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int8_t a[16], b[16]; int16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (int16_t)((int16_t)a[i + 8] * (int16_t)b[i + 8]); ST(r);
}

static void f_I16X8_EXTMUL_LOW_I8X16_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], b[16]; uint16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (uint16_t)((uint16_t)a[i + 0] * (uint16_t)b[i + 0]); ST(r);
}

static void f_I16X8_EXTMUL_HIGH_I8X16_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint8_t a[16], b[16]; uint16_t r[8]; LD(a, pa); LD(b, pb); for (int i = 0; i < 8; i++) r[i] = (uint16_t)((uint16_t)a[i + 8] * (uint16_t)b[i + 8]); ST(r);
}

static void f_I32X4_ABS(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4]; uint32_t r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] < 0 ? -(uint32_t)a[i] : (uint32_t)a[i]); ST(r);
}

static void f_I32X4_NEG(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4]; uint32_t r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(-a[i]); ST(r);
}

static void f_I32X4_ALL_TRUE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4]; int all_ = 1; LD(a, pa); for (int i = 0; i < 4; i++) all_ &= a[i] != 0; *d = (uint32_t)all_;
}

static void f_I32X4_BITMASK(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4]; uint32_t m_ = 0; LD(a, pa); for (int i = 0; i < 4; i++) m_ |= (uint32_t)(a[i] >> 31) << i; *d = m_;
}

static void f_I32X4_EXTEND_LOW_I16X8_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8]; int32_t r[4]; LD(a, pa); for (int i = 0; i < 4; i++) r[i] = a[i + 0]; ST(r);
}

static void f_I32X4_EXTEND_HIGH_I16X8_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8]; int32_t r[4]; LD(a, pa); for (int i = 0; i < 4; i++) r[i] = a[i + 4]; ST(r);
}

static void f_I32X4_EXTEND_LOW_I16X8_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8]; uint32_t r[4]; LD(a, pa); for (int i = 0; i < 4; i++) r[i] = a[i + 0]; ST(r);
}

static void f_I32X4_EXTEND_HIGH_I16X8_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8]; uint32_t r[4]; LD(a, pa); for (int i = 0; i < 4; i++) r[i] = a[i + 4]; ST(r);
}

static void f_I32X4_SHL(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4], r[4]; uint32_t s_ = (uint32_t)*pb & 31; LD(a, pa); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] << s_); ST(r);
}

static void f_I32X4_SHR_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4], r[4]; uint32_t s_ = (uint32_t)*pb & 31; LD(a, pa); for (int i = 0; i < 4; i++) r[i] = (int32_t)(a[i] >> s_); ST(r);
}

static void f_I32X4_SHR_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4], r[4]; uint32_t s_ = (uint32_t)*pb & 31; LD(a, pa); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] >> s_); ST(r);
}

static void f_I32X4_ADD(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4], b[4]; uint32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] + b[i]); ST(r);
}

static void f_I32X4_SUB(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4], b[4]; uint32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] - b[i]); ST(r);
}

static void f_I32X4_MUL(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4], b[4]; uint32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] * b[i]); ST(r);
}

static void f_I32X4_MIN_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)(a[i] < b[i] ? a[i] : b[i]); ST(r);
}

static void f_I32X4_MIN_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4], b[4]; uint32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] < b[i] ? a[i] : b[i]); ST(r);
}

static void f_I32X4_MAX_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4], b[4]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)(a[i] > b[i] ? a[i] : b[i]); ST(r);
}

static void f_I32X4_MAX_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4], b[4]; uint32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] > b[i] ? a[i] : b[i]); ST(r);
}

static void f_I32X4_DOT_I16X8_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], b[8]; uint32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (uint32_t)((int32_t)a[2 * i] * b[2 * i]) + (uint32_t)((int32_t)a[2 * i + 1] * b[2 * i + 1]); ST(r);
}

static void f_I32X4_EXTMUL_LOW_I16X8_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], b[8]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)((int32_t)a[i + 0] * (int32_t)b[i + 0]); ST(r);
}

static void f_I32X4_EXTMUL_HIGH_I16X8_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int16_t a[8], b[8]; int32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (int32_t)((int32_t)a[i + 4] * (int32_t)b[i + 4]); ST(r);
}

static void f_I32X4_EXTMUL_LOW_I16X8_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], b[8]; uint32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (uint32_t)((uint32_t)a[i + 0] * (uint32_t)b[i + 0]); ST(r);
}

static void f_I32X4_EXTMUL_HIGH_I16X8_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint16_t a[8], b[8]; uint32_t r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (uint32_t)((uint32_t)a[i + 4] * (uint32_t)b[i + 4]); ST(r);
}

static void f_I64X2_ABS(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int64_t a[2]; uint64_t r[2]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] < 0 ? -(uint64_t)a[i] : (uint64_t)a[i]); ST(r);
}

static void f_I64X2_NEG(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2]; uint64_t r[2]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(-a[i]); ST(r);
}

static void f_I64X2_ALL_TRUE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2]; int all_ = 1; LD(a, pa); for (int i = 0; i < 2; i++) all_ &= a[i] != 0; *d = (uint32_t)all_;
}

static void f_I64X2_BITMASK(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2]; uint32_t m_ = 0; LD(a, pa); for (int i = 0; i < 2; i++) m_ |= (uint32_t)(a[i] >> 63) << i; *d = m_;
}

static void f_I64X2_EXTEND_LOW_I32X4_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4]; int64_t r[2]; LD(a, pa); for (int i = 0; i < 2; i++) r[i] = a[i + 0]; ST(r);
}

static void f_I64X2_EXTEND_HIGH_I32X4_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4]; int64_t r[2]; LD(a, pa); for (int i = 0; i < 2; i++) r[i] = a[i + 2]; ST(r);
}

static void f_I64X2_EXTEND_LOW_I32X4_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4]; uint64_t r[2]; LD(a, pa); for (int i = 0; i < 2; i++) r[i] = a[i + 0]; ST(r);
}

static void f_I64X2_EXTEND_HIGH_I32X4_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4]; uint64_t r[2]; LD(a, pa); for (int i = 0; i < 2; i++) r[i] = a[i + 2]; ST(r);
}

static void f_I64X2_SHL(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2], r[2]; uint32_t s_ = (uint32_t)*pb & 63; LD(a, pa); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] << s_); ST(r);
}

static void f_I64X2_SHR_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int64_t a[2], r[2]; uint32_t s_ = (uint32_t)*pb & 63; LD(a, pa); for (int i = 0; i < 2; i++) r[i] = (int64_t)(a[i] >> s_); ST(r);
}

static void f_I64X2_SHR_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2], r[2]; uint32_t s_ = (uint32_t)*pb & 63; LD(a, pa); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] >> s_); ST(r);
}

static void f_I64X2_ADD(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2], b[2]; uint64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] + b[i]); ST(r);
}

static void f_I64X2_SUB(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2], b[2]; uint64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] - b[i]); ST(r);
}

static void f_I64X2_MUL(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2], b[2]; uint64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] * b[i]); ST(r);
}

static void f_I64X2_EQ(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int64_t a[2], b[2]; int64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (int64_t)(-(a[i] == b[i])); ST(r);
}

static void f_I64X2_NE(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int64_t a[2], b[2]; int64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (int64_t)(-(a[i] != b[i])); ST(r);
}

static void f_I64X2_LT_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int64_t a[2], b[2]; int64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (int64_t)(-(a[i] < b[i])); ST(r);
}

static void f_I64X2_GT_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int64_t a[2], b[2]; int64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (int64_t)(-(a[i] > b[i])); ST(r);
}

static void f_I64X2_LE_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int64_t a[2], b[2]; int64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (int64_t)(-(a[i] <= b[i])); ST(r);
}

static void f_I64X2_GE_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int64_t a[2], b[2]; int64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (int64_t)(-(a[i] >= b[i])); ST(r);
}

static void f_I64X2_EXTMUL_LOW_I32X4_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4], b[4]; int64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (int64_t)((int64_t)a[i + 0] * (int64_t)b[i + 0]); ST(r);
}

static void f_I64X2_EXTMUL_HIGH_I32X4_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4], b[4]; int64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (int64_t)((int64_t)a[i + 2] * (int64_t)b[i + 2]); ST(r);
}

static void f_I64X2_EXTMUL_LOW_I32X4_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4], b[4]; uint64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (uint64_t)((uint64_t)a[i + 0] * (uint64_t)b[i + 0]); ST(r);
}

static void f_I64X2_EXTMUL_HIGH_I32X4_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4], b[4]; uint64_t r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (uint64_t)((uint64_t)a[i + 2] * (uint64_t)b[i + 2]); ST(r);
}

static void f_F32X4_ABS(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4]; uint32_t r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] & 0x7fffffffu); ST(r);
}

static void f_F32X4_NEG(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4]; uint32_t r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] ^ 0x80000000u); ST(r);
}

static void f_F32X4_SQRT(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4]; float r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (float)(sqrtf(a[i])); ST(r);
}

static void f_F32X4_ADD(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4], b[4]; float r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (float)(a[i] + b[i]); ST(r);
}

static void f_F32X4_SUB(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4], b[4]; float r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (float)(a[i] - b[i]); ST(r);
}

static void f_F32X4_MUL(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4], b[4]; float r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (float)(a[i] * b[i]); ST(r);
}

static void f_F32X4_DIV(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4], b[4]; float r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (float)(a[i] / b[i]); ST(r);
}

static void f_F32X4_MIN(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4], b[4]; float r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (float)(fmin32(a[i], b[i])); ST(r);
}

static void f_F32X4_MAX(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4], b[4]; float r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (float)(fmax32(a[i], b[i])); ST(r);
}

static void f_F32X4_PMIN(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4], b[4]; float r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (float)(b[i] < a[i] ? b[i] : a[i]); ST(r);
}

static void f_F32X4_PMAX(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4], b[4]; float r[4]; LD(a, pa); LD(b, pb); for (int i = 0; i < 4; i++) r[i] = (float)(a[i] < b[i] ? b[i] : a[i]); ST(r);
}

static void f_F64X2_ABS(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2]; uint64_t r[2]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] & 0x7fffffffffffffffull); ST(r);
}

static void f_F64X2_NEG(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint64_t a[2]; uint64_t r[2]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] ^ 0x8000000000000000ull); ST(r);
}

static void f_F64X2_SQRT(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2]; double r[2]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)(sqrt(a[i])); ST(r);
}

static void f_F64X2_ADD(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2], b[2]; double r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (double)(a[i] + b[i]); ST(r);
}

static void f_F64X2_SUB(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2], b[2]; double r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (double)(a[i] - b[i]); ST(r);
}

static void f_F64X2_MUL(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2], b[2]; double r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (double)(a[i] * b[i]); ST(r);
}

static void f_F64X2_DIV(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2], b[2]; double r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (double)(a[i] / b[i]); ST(r);
}

static void f_F64X2_MIN(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2], b[2]; double r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (double)(fmin64(a[i], b[i])); ST(r);
}

static void f_F64X2_MAX(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2], b[2]; double r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (double)(fmax64(a[i], b[i])); ST(r);
}

static void f_F64X2_PMIN(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2], b[2]; double r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (double)(b[i] < a[i] ? b[i] : a[i]); ST(r);
}

static void f_F64X2_PMAX(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2], b[2]; double r[2]; LD(a, pa); LD(b, pb); for (int i = 0; i < 2; i++) r[i] = (double)(a[i] < b[i] ? b[i] : a[i]); ST(r);
}

static void f_I32X4_TRUNC_SAT_F32X4_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4]; uint32_t r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(isnan(a[i]) ? 0 : a[i] < -2147483648.0f ? 0x80000000u : a[i] >= 2147483648.0f ? 0x7fffffffu : (uint32_t)(int32_t)a[i]); ST(r);
}

static void f_I32X4_TRUNC_SAT_F32X4_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    float a[4]; uint32_t r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(isnan(a[i]) ? 0 : a[i] <= -1.0f ? 0 : a[i] >= 4294967296.0f ? 0xffffffffu : (uint32_t)a[i]); ST(r);
}

static void f_F32X4_CONVERT_I32X4_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4]; float r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (float)((float)a[i]); ST(r);
}

static void f_F32X4_CONVERT_I32X4_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4]; float r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (float)((float)a[i]); ST(r);
}

static void f_I32X4_TRUNC_SAT_F64X2_S_ZERO(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2]; uint32_t r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (uint32_t)(isnan(a[i]) ? 0 : a[i] <= -2147483649.0 ? 0x80000000u : a[i] >= 2147483648.0 ? 0x7fffffffu : (uint32_t)(int32_t)a[i]); ST(r);
}

static void f_I32X4_TRUNC_SAT_F64X2_U_ZERO(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    double a[2]; uint32_t r[4]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (uint32_t)(isnan(a[i]) ? 0 : a[i] <= -1.0 ? 0 : a[i] >= 4294967296.0 ? 0xffffffffu : (uint32_t)a[i]); ST(r);
}

static void f_F64X2_CONVERT_LOW_I32X4_S(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    int32_t a[4]; double r[2]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)((double)a[i]); ST(r);
}

static void f_F64X2_CONVERT_LOW_I32X4_U(uint64_t *d, const uint64_t *pa, const uint64_t *pb, const uint64_t *pc, uint32_t k)
{
    uint32_t a[4]; double r[2]; LD(a, pa); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)((double)a[i]); ST(r);
}

#define I32 AWASM_I32
#define I64 AWASM_I64
#define F32 AWASM_F32
#define F64 AWASM_F64
#define V128 AWASM_V128

/* Fuel (schedule version 1): 1, or 2 for the heavier shuffles, swizzle,
 * divisions, square roots, dot products, extending multiplies and
 * q15mulr_sat. aux: natural alignment (log2) of memory accesses, lane count
 * of extract/replace_lane. */
const opinfo_t awasm_optab_fd[256] = {
    [0] = {"v128.load", OP_V128_LOAD, CL_LOAD, IM_MEMARG, {I32, 0, 0}, V128, 4, CANON_NONE, 1, NULL},
    [1] = {"v128.load8x8_s", OP_V128_LOAD8X8_S, CL_LOAD, IM_MEMARG, {I32, 0, 0}, V128, 3, CANON_NONE, 1, NULL},
    [2] = {"v128.load8x8_u", OP_V128_LOAD8X8_U, CL_LOAD, IM_MEMARG, {I32, 0, 0}, V128, 3, CANON_NONE, 1, NULL},
    [3] = {"v128.load16x4_s", OP_V128_LOAD16X4_S, CL_LOAD, IM_MEMARG, {I32, 0, 0}, V128, 3, CANON_NONE, 1, NULL},
    [4] = {"v128.load16x4_u", OP_V128_LOAD16X4_U, CL_LOAD, IM_MEMARG, {I32, 0, 0}, V128, 3, CANON_NONE, 1, NULL},
    [5] = {"v128.load32x2_s", OP_V128_LOAD32X2_S, CL_LOAD, IM_MEMARG, {I32, 0, 0}, V128, 3, CANON_NONE, 1, NULL},
    [6] = {"v128.load32x2_u", OP_V128_LOAD32X2_U, CL_LOAD, IM_MEMARG, {I32, 0, 0}, V128, 3, CANON_NONE, 1, NULL},
    [7] = {"v128.load8_splat", OP_V128_LOAD8_SPLAT, CL_LOAD, IM_MEMARG, {I32, 0, 0}, V128, 0, CANON_NONE, 1, NULL},
    [8] = {"v128.load16_splat", OP_V128_LOAD16_SPLAT, CL_LOAD, IM_MEMARG, {I32, 0, 0}, V128, 1, CANON_NONE, 1, NULL},
    [9] = {"v128.load32_splat", OP_V128_LOAD32_SPLAT, CL_LOAD, IM_MEMARG, {I32, 0, 0}, V128, 2, CANON_NONE, 1, NULL},
    [10] = {"v128.load64_splat", OP_V128_LOAD64_SPLAT, CL_LOAD, IM_MEMARG, {I32, 0, 0}, V128, 3, CANON_NONE, 1, NULL},
    [11] = {"v128.store", OP_V128_STORE, CL_STORE, IM_MEMARG, {I32, V128, 0}, 0, 4, CANON_NONE, 1, NULL},
    [12] = {"v128.const", OP_V128_CONST, CL_V128_CONST, IM_V128, {0, 0, 0}, V128, 0, CANON_NONE, 1, NULL},
    [13] = {"i8x16.shuffle", OP_I8X16_SHUFFLE, CL_SHUFFLE, IM_SHUFFLE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, NULL},
    [14] = {"i8x16.swizzle", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I8X16_SWIZZLE},
    [15] = {"i8x16.splat", OP_SIMD_1, CL_UNARY, IM_NONE, {I32, 0, 0}, V128, 0, CANON_NONE, 1, f_I8X16_SPLAT},
    [16] = {"i16x8.splat", OP_SIMD_1, CL_UNARY, IM_NONE, {I32, 0, 0}, V128, 0, CANON_NONE, 1, f_I16X8_SPLAT},
    [17] = {"i32x4.splat", OP_SIMD_1, CL_UNARY, IM_NONE, {I32, 0, 0}, V128, 0, CANON_NONE, 1, f_I32X4_SPLAT},
    [18] = {"i64x2.splat", OP_SIMD_1, CL_UNARY, IM_NONE, {I64, 0, 0}, V128, 0, CANON_NONE, 1, f_I64X2_SPLAT},
    [19] = {"f32x4.splat", OP_SIMD_1, CL_UNARY, IM_NONE, {F32, 0, 0}, V128, 0, CANON_NONE, 1, f_I32X4_SPLAT},
    [20] = {"f64x2.splat", OP_SIMD_1, CL_UNARY, IM_NONE, {F64, 0, 0}, V128, 0, CANON_NONE, 1, f_I64X2_SPLAT},
    [21] = {"i8x16.extract_lane_s", OP_SIMD_X, CL_EXTRACT, IM_LANE, {V128, 0, 0}, I32, 16, CANON_NONE, 1, f_I8X16_EXTRACT_LANE_S},
    [22] = {"i8x16.extract_lane_u", OP_SIMD_X, CL_EXTRACT, IM_LANE, {V128, 0, 0}, I32, 16, CANON_NONE, 1, f_I8X16_EXTRACT_LANE_U},
    [23] = {"i8x16.replace_lane", OP_SIMD_X, CL_REPLACE, IM_LANE, {V128, I32, 0}, V128, 16, CANON_NONE, 1, f_I8X16_REPLACE_LANE},
    [24] = {"i16x8.extract_lane_s", OP_SIMD_X, CL_EXTRACT, IM_LANE, {V128, 0, 0}, I32, 8, CANON_NONE, 1, f_I16X8_EXTRACT_LANE_S},
    [25] = {"i16x8.extract_lane_u", OP_SIMD_X, CL_EXTRACT, IM_LANE, {V128, 0, 0}, I32, 8, CANON_NONE, 1, f_I16X8_EXTRACT_LANE_U},
    [26] = {"i16x8.replace_lane", OP_SIMD_X, CL_REPLACE, IM_LANE, {V128, I32, 0}, V128, 8, CANON_NONE, 1, f_I16X8_REPLACE_LANE},
    [27] = {"i32x4.extract_lane", OP_SIMD_X, CL_EXTRACT, IM_LANE, {V128, 0, 0}, I32, 4, CANON_NONE, 1, f_I32X4_EXTRACT_LANE},
    [28] = {"i32x4.replace_lane", OP_SIMD_X, CL_REPLACE, IM_LANE, {V128, I32, 0}, V128, 4, CANON_NONE, 1, f_I32X4_REPLACE_LANE},
    [29] = {"i64x2.extract_lane", OP_SIMD_X, CL_EXTRACT, IM_LANE, {V128, 0, 0}, I64, 2, CANON_NONE, 1, f_I64X2_EXTRACT_LANE},
    [30] = {"i64x2.replace_lane", OP_SIMD_X, CL_REPLACE, IM_LANE, {V128, I64, 0}, V128, 2, CANON_NONE, 1, f_I64X2_REPLACE_LANE},
    [31] = {"f32x4.extract_lane", OP_SIMD_X, CL_EXTRACT, IM_LANE, {V128, 0, 0}, F32, 4, CANON_NONE, 1, f_I32X4_EXTRACT_LANE},
    [32] = {"f32x4.replace_lane", OP_SIMD_X, CL_REPLACE, IM_LANE, {V128, F32, 0}, V128, 4, CANON_NONE, 1, f_I32X4_REPLACE_LANE},
    [33] = {"f64x2.extract_lane", OP_SIMD_X, CL_EXTRACT, IM_LANE, {V128, 0, 0}, F64, 2, CANON_NONE, 1, f_I64X2_EXTRACT_LANE},
    [34] = {"f64x2.replace_lane", OP_SIMD_X, CL_REPLACE, IM_LANE, {V128, F64, 0}, V128, 2, CANON_NONE, 1, f_I64X2_REPLACE_LANE},
    [35] = {"i8x16.eq", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_EQ},
    [36] = {"i8x16.ne", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_NE},
    [37] = {"i8x16.lt_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_LT_S},
    [38] = {"i8x16.lt_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_LT_U},
    [39] = {"i8x16.gt_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_GT_S},
    [40] = {"i8x16.gt_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_GT_U},
    [41] = {"i8x16.le_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_LE_S},
    [42] = {"i8x16.le_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_LE_U},
    [43] = {"i8x16.ge_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_GE_S},
    [44] = {"i8x16.ge_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_GE_U},
    [45] = {"i16x8.eq", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_EQ},
    [46] = {"i16x8.ne", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_NE},
    [47] = {"i16x8.lt_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_LT_S},
    [48] = {"i16x8.lt_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_LT_U},
    [49] = {"i16x8.gt_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_GT_S},
    [50] = {"i16x8.gt_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_GT_U},
    [51] = {"i16x8.le_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_LE_S},
    [52] = {"i16x8.le_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_LE_U},
    [53] = {"i16x8.ge_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_GE_S},
    [54] = {"i16x8.ge_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_GE_U},
    [55] = {"i32x4.eq", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_EQ},
    [56] = {"i32x4.ne", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_NE},
    [57] = {"i32x4.lt_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_LT_S},
    [58] = {"i32x4.lt_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_LT_U},
    [59] = {"i32x4.gt_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_GT_S},
    [60] = {"i32x4.gt_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_GT_U},
    [61] = {"i32x4.le_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_LE_S},
    [62] = {"i32x4.le_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_LE_U},
    [63] = {"i32x4.ge_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_GE_S},
    [64] = {"i32x4.ge_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_GE_U},
    [65] = {"f32x4.eq", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F32X4_EQ},
    [66] = {"f32x4.ne", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F32X4_NE},
    [67] = {"f32x4.lt", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F32X4_LT},
    [68] = {"f32x4.gt", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F32X4_GT},
    [69] = {"f32x4.le", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F32X4_LE},
    [70] = {"f32x4.ge", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F32X4_GE},
    [71] = {"f64x2.eq", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F64X2_EQ},
    [72] = {"f64x2.ne", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F64X2_NE},
    [73] = {"f64x2.lt", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F64X2_LT},
    [74] = {"f64x2.gt", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F64X2_GT},
    [75] = {"f64x2.le", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F64X2_LE},
    [76] = {"f64x2.ge", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F64X2_GE},
    [77] = {"v128.not", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_V128_NOT},
    [78] = {"v128.and", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_V128_AND},
    [79] = {"v128.andnot", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_V128_ANDNOT},
    [80] = {"v128.or", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_V128_OR},
    [81] = {"v128.xor", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_V128_XOR},
    [82] = {"v128.bitselect", OP_SIMD_X, CL_TERNARY, IM_NONE, {V128, V128, V128}, V128, 0, CANON_NONE, 1, f_V128_BITSELECT},
    [83] = {"v128.any_true", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, I32, 0, CANON_NONE, 1, f_V128_ANY_TRUE},
    [84] = {"v128.load8_lane", OP_V128_LOAD8_LANE, CL_LOAD_LANE, IM_MEMARG_LANE, {I32, V128, 0}, V128, 0, CANON_NONE, 1, NULL},
    [85] = {"v128.load16_lane", OP_V128_LOAD16_LANE, CL_LOAD_LANE, IM_MEMARG_LANE, {I32, V128, 0}, V128, 1, CANON_NONE, 1, NULL},
    [86] = {"v128.load32_lane", OP_V128_LOAD32_LANE, CL_LOAD_LANE, IM_MEMARG_LANE, {I32, V128, 0}, V128, 2, CANON_NONE, 1, NULL},
    [87] = {"v128.load64_lane", OP_V128_LOAD64_LANE, CL_LOAD_LANE, IM_MEMARG_LANE, {I32, V128, 0}, V128, 3, CANON_NONE, 1, NULL},
    [88] = {"v128.store8_lane", OP_V128_STORE8_LANE, CL_STORE_LANE, IM_MEMARG_LANE, {I32, V128, 0}, 0, 0, CANON_NONE, 1, NULL},
    [89] = {"v128.store16_lane", OP_V128_STORE16_LANE, CL_STORE_LANE, IM_MEMARG_LANE, {I32, V128, 0}, 0, 1, CANON_NONE, 1, NULL},
    [90] = {"v128.store32_lane", OP_V128_STORE32_LANE, CL_STORE_LANE, IM_MEMARG_LANE, {I32, V128, 0}, 0, 2, CANON_NONE, 1, NULL},
    [91] = {"v128.store64_lane", OP_V128_STORE64_LANE, CL_STORE_LANE, IM_MEMARG_LANE, {I32, V128, 0}, 0, 3, CANON_NONE, 1, NULL},
    [92] = {"v128.load32_zero", OP_V128_LOAD32_ZERO, CL_LOAD, IM_MEMARG, {I32, 0, 0}, V128, 2, CANON_NONE, 1, NULL},
    [93] = {"v128.load64_zero", OP_V128_LOAD64_ZERO, CL_LOAD, IM_MEMARG, {I32, 0, 0}, V128, 3, CANON_NONE, 1, NULL},
    [94] = {"f32x4.demote_f64x2_zero", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_F32X4, 1, f_F32X4_DEMOTE_F64X2_ZERO},
    [95] = {"f64x2.promote_low_f32x4", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_F64X2, 1, f_F64X2_PROMOTE_LOW_F32X4},
    [96] = {"i8x16.abs", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I8X16_ABS},
    [97] = {"i8x16.neg", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I8X16_NEG},
    [98] = {"i8x16.popcnt", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I8X16_POPCNT},
    [99] = {"i8x16.all_true", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, I32, 0, CANON_NONE, 1, f_I8X16_ALL_TRUE},
    [100] = {"i8x16.bitmask", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, I32, 0, CANON_NONE, 1, f_I8X16_BITMASK},
    [101] = {"i8x16.narrow_i16x8_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_NARROW_I16X8_S},
    [102] = {"i8x16.narrow_i16x8_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_NARROW_I16X8_U},
    [103] = {"f32x4.ceil", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_F32X4, 1, f_F32X4_CEIL},
    [104] = {"f32x4.floor", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_F32X4, 1, f_F32X4_FLOOR},
    [105] = {"f32x4.trunc", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_F32X4, 1, f_F32X4_TRUNC},
    [106] = {"f32x4.nearest", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_F32X4, 1, f_F32X4_NEAREST},
    [107] = {"i8x16.shl", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, I32, 0}, V128, 0, CANON_NONE, 1, f_I8X16_SHL},
    [108] = {"i8x16.shr_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, I32, 0}, V128, 0, CANON_NONE, 1, f_I8X16_SHR_S},
    [109] = {"i8x16.shr_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, I32, 0}, V128, 0, CANON_NONE, 1, f_I8X16_SHR_U},
    [110] = {"i8x16.add", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_ADD},
    [111] = {"i8x16.add_sat_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_ADD_SAT_S},
    [112] = {"i8x16.add_sat_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_ADD_SAT_U},
    [113] = {"i8x16.sub", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_SUB},
    [114] = {"i8x16.sub_sat_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_SUB_SAT_S},
    [115] = {"i8x16.sub_sat_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_SUB_SAT_U},
    [116] = {"f64x2.ceil", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_F64X2, 1, f_F64X2_CEIL},
    [117] = {"f64x2.floor", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_F64X2, 1, f_F64X2_FLOOR},
    [118] = {"i8x16.min_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_MIN_S},
    [119] = {"i8x16.min_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_MIN_U},
    [120] = {"i8x16.max_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_MAX_S},
    [121] = {"i8x16.max_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_MAX_U},
    [122] = {"f64x2.trunc", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_F64X2, 1, f_F64X2_TRUNC},
    [123] = {"i8x16.avgr_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I8X16_AVGR_U},
    [124] = {"i16x8.extadd_pairwise_i8x16_s", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I16X8_EXTADD_PAIRWISE_I8X16_S},
    [125] = {"i16x8.extadd_pairwise_i8x16_u", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I16X8_EXTADD_PAIRWISE_I8X16_U},
    [126] = {"i32x4.extadd_pairwise_i16x8_s", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I32X4_EXTADD_PAIRWISE_I16X8_S},
    [127] = {"i32x4.extadd_pairwise_i16x8_u", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I32X4_EXTADD_PAIRWISE_I16X8_U},
    [128] = {"i16x8.abs", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I16X8_ABS},
    [129] = {"i16x8.neg", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I16X8_NEG},
    [130] = {"i16x8.q15mulr_sat_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I16X8_Q15MULR_SAT_S},
    [131] = {"i16x8.all_true", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, I32, 0, CANON_NONE, 1, f_I16X8_ALL_TRUE},
    [132] = {"i16x8.bitmask", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, I32, 0, CANON_NONE, 1, f_I16X8_BITMASK},
    [133] = {"i16x8.narrow_i32x4_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_NARROW_I32X4_S},
    [134] = {"i16x8.narrow_i32x4_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_NARROW_I32X4_U},
    [135] = {"i16x8.extend_low_i8x16_s", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I16X8_EXTEND_LOW_I8X16_S},
    [136] = {"i16x8.extend_high_i8x16_s", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I16X8_EXTEND_HIGH_I8X16_S},
    [137] = {"i16x8.extend_low_i8x16_u", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I16X8_EXTEND_LOW_I8X16_U},
    [138] = {"i16x8.extend_high_i8x16_u", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I16X8_EXTEND_HIGH_I8X16_U},
    [139] = {"i16x8.shl", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, I32, 0}, V128, 0, CANON_NONE, 1, f_I16X8_SHL},
    [140] = {"i16x8.shr_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, I32, 0}, V128, 0, CANON_NONE, 1, f_I16X8_SHR_S},
    [141] = {"i16x8.shr_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, I32, 0}, V128, 0, CANON_NONE, 1, f_I16X8_SHR_U},
    [142] = {"i16x8.add", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_ADD},
    [143] = {"i16x8.add_sat_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_ADD_SAT_S},
    [144] = {"i16x8.add_sat_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_ADD_SAT_U},
    [145] = {"i16x8.sub", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_SUB},
    [146] = {"i16x8.sub_sat_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_SUB_SAT_S},
    [147] = {"i16x8.sub_sat_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_SUB_SAT_U},
    [148] = {"f64x2.nearest", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_F64X2, 1, f_F64X2_NEAREST},
    [149] = {"i16x8.mul", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_MUL},
    [150] = {"i16x8.min_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_MIN_S},
    [151] = {"i16x8.min_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_MIN_U},
    [152] = {"i16x8.max_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_MAX_S},
    [153] = {"i16x8.max_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_MAX_U},
    [155] = {"i16x8.avgr_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I16X8_AVGR_U},
    [156] = {"i16x8.extmul_low_i8x16_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I16X8_EXTMUL_LOW_I8X16_S},
    [157] = {"i16x8.extmul_high_i8x16_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I16X8_EXTMUL_HIGH_I8X16_S},
    [158] = {"i16x8.extmul_low_i8x16_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I16X8_EXTMUL_LOW_I8X16_U},
    [159] = {"i16x8.extmul_high_i8x16_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I16X8_EXTMUL_HIGH_I8X16_U},
    [160] = {"i32x4.abs", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I32X4_ABS},
    [161] = {"i32x4.neg", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I32X4_NEG},
    [163] = {"i32x4.all_true", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, I32, 0, CANON_NONE, 1, f_I32X4_ALL_TRUE},
    [164] = {"i32x4.bitmask", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, I32, 0, CANON_NONE, 1, f_I32X4_BITMASK},
    [167] = {"i32x4.extend_low_i16x8_s", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I32X4_EXTEND_LOW_I16X8_S},
    [168] = {"i32x4.extend_high_i16x8_s", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I32X4_EXTEND_HIGH_I16X8_S},
    [169] = {"i32x4.extend_low_i16x8_u", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I32X4_EXTEND_LOW_I16X8_U},
    [170] = {"i32x4.extend_high_i16x8_u", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I32X4_EXTEND_HIGH_I16X8_U},
    [171] = {"i32x4.shl", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, I32, 0}, V128, 0, CANON_NONE, 1, f_I32X4_SHL},
    [172] = {"i32x4.shr_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, I32, 0}, V128, 0, CANON_NONE, 1, f_I32X4_SHR_S},
    [173] = {"i32x4.shr_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, I32, 0}, V128, 0, CANON_NONE, 1, f_I32X4_SHR_U},
    [174] = {"i32x4.add", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_ADD},
    [177] = {"i32x4.sub", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_SUB},
    [181] = {"i32x4.mul", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_MUL},
    [182] = {"i32x4.min_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_MIN_S},
    [183] = {"i32x4.min_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_MIN_U},
    [184] = {"i32x4.max_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_MAX_S},
    [185] = {"i32x4.max_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I32X4_MAX_U},
    [186] = {"i32x4.dot_i16x8_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I32X4_DOT_I16X8_S},
    [188] = {"i32x4.extmul_low_i16x8_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I32X4_EXTMUL_LOW_I16X8_S},
    [189] = {"i32x4.extmul_high_i16x8_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I32X4_EXTMUL_HIGH_I16X8_S},
    [190] = {"i32x4.extmul_low_i16x8_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I32X4_EXTMUL_LOW_I16X8_U},
    [191] = {"i32x4.extmul_high_i16x8_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I32X4_EXTMUL_HIGH_I16X8_U},
    [192] = {"i64x2.abs", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I64X2_ABS},
    [193] = {"i64x2.neg", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I64X2_NEG},
    [195] = {"i64x2.all_true", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, I32, 0, CANON_NONE, 1, f_I64X2_ALL_TRUE},
    [196] = {"i64x2.bitmask", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, I32, 0, CANON_NONE, 1, f_I64X2_BITMASK},
    [199] = {"i64x2.extend_low_i32x4_s", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I64X2_EXTEND_LOW_I32X4_S},
    [200] = {"i64x2.extend_high_i32x4_s", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I64X2_EXTEND_HIGH_I32X4_S},
    [201] = {"i64x2.extend_low_i32x4_u", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I64X2_EXTEND_LOW_I32X4_U},
    [202] = {"i64x2.extend_high_i32x4_u", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I64X2_EXTEND_HIGH_I32X4_U},
    [203] = {"i64x2.shl", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, I32, 0}, V128, 0, CANON_NONE, 1, f_I64X2_SHL},
    [204] = {"i64x2.shr_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, I32, 0}, V128, 0, CANON_NONE, 1, f_I64X2_SHR_S},
    [205] = {"i64x2.shr_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, I32, 0}, V128, 0, CANON_NONE, 1, f_I64X2_SHR_U},
    [206] = {"i64x2.add", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I64X2_ADD},
    [209] = {"i64x2.sub", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I64X2_SUB},
    [213] = {"i64x2.mul", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I64X2_MUL},
    [214] = {"i64x2.eq", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I64X2_EQ},
    [215] = {"i64x2.ne", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I64X2_NE},
    [216] = {"i64x2.lt_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I64X2_LT_S},
    [217] = {"i64x2.gt_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I64X2_GT_S},
    [218] = {"i64x2.le_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I64X2_LE_S},
    [219] = {"i64x2.ge_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_I64X2_GE_S},
    [220] = {"i64x2.extmul_low_i32x4_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I64X2_EXTMUL_LOW_I32X4_S},
    [221] = {"i64x2.extmul_high_i32x4_s", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I64X2_EXTMUL_HIGH_I32X4_S},
    [222] = {"i64x2.extmul_low_i32x4_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I64X2_EXTMUL_LOW_I32X4_U},
    [223] = {"i64x2.extmul_high_i32x4_u", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 2, f_I64X2_EXTMUL_HIGH_I32X4_U},
    [224] = {"f32x4.abs", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_F32X4_ABS},
    [225] = {"f32x4.neg", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_F32X4_NEG},
    [227] = {"f32x4.sqrt", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_F32X4, 2, f_F32X4_SQRT},
    [228] = {"f32x4.add", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_F32X4, 1, f_F32X4_ADD},
    [229] = {"f32x4.sub", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_F32X4, 1, f_F32X4_SUB},
    [230] = {"f32x4.mul", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_F32X4, 1, f_F32X4_MUL},
    [231] = {"f32x4.div", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_F32X4, 2, f_F32X4_DIV},
    [232] = {"f32x4.min", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_F32X4, 1, f_F32X4_MIN},
    [233] = {"f32x4.max", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_F32X4, 1, f_F32X4_MAX},
    [234] = {"f32x4.pmin", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F32X4_PMIN},
    [235] = {"f32x4.pmax", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F32X4_PMAX},
    [236] = {"f64x2.abs", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_F64X2_ABS},
    [237] = {"f64x2.neg", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_F64X2_NEG},
    [239] = {"f64x2.sqrt", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_F64X2, 2, f_F64X2_SQRT},
    [240] = {"f64x2.add", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_F64X2, 1, f_F64X2_ADD},
    [241] = {"f64x2.sub", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_F64X2, 1, f_F64X2_SUB},
    [242] = {"f64x2.mul", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_F64X2, 1, f_F64X2_MUL},
    [243] = {"f64x2.div", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_F64X2, 2, f_F64X2_DIV},
    [244] = {"f64x2.min", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_F64X2, 1, f_F64X2_MIN},
    [245] = {"f64x2.max", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_F64X2, 1, f_F64X2_MAX},
    [246] = {"f64x2.pmin", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F64X2_PMIN},
    [247] = {"f64x2.pmax", OP_SIMD_2, CL_BINARY, IM_NONE, {V128, V128, 0}, V128, 0, CANON_NONE, 1, f_F64X2_PMAX},
    [248] = {"i32x4.trunc_sat_f32x4_s", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I32X4_TRUNC_SAT_F32X4_S},
    [249] = {"i32x4.trunc_sat_f32x4_u", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I32X4_TRUNC_SAT_F32X4_U},
    [250] = {"f32x4.convert_i32x4_s", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_F32X4_CONVERT_I32X4_S},
    [251] = {"f32x4.convert_i32x4_u", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_F32X4_CONVERT_I32X4_U},
    [252] = {"i32x4.trunc_sat_f64x2_s_zero", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I32X4_TRUNC_SAT_F64X2_S_ZERO},
    [253] = {"i32x4.trunc_sat_f64x2_u_zero", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_I32X4_TRUNC_SAT_F64X2_U_ZERO},
    [254] = {"f64x2.convert_low_i32x4_s", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_F64X2_CONVERT_LOW_I32X4_S},
    [255] = {"f64x2.convert_low_i32x4_u", OP_SIMD_1, CL_UNARY, IM_NONE, {V128, 0, 0}, V128, 0, CANON_NONE, 1, f_F64X2_CONVERT_LOW_I32X4_U},
};
