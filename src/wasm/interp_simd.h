/*
 * wasm interp_simd: the handlers of the SIMD instructions, included in the
 * body of awasm_interp_run() (interp.c), in the same calling convention as
 * the scalar handlers: operands are frame slots; a v128 occupies two
 * consecutive 8-byte slots and is moved with memcpy. Every lane operation is
 * a fixed-count loop over plain C arrays, which gcc and clang turn into SSE2
 * (or whatever the target has) instructions at -O2; no per-lane dispatch.
 * Generated once from the opcode list of optab.c; keep the three in step.
 */
#define VLD(arr, k) memcpy((arr), fp + ip[k], 16)
#define VST(arr) memcpy(fp + ip[2], (arr), 16)

L_V128_LOAD: { EA(16) uint8_t m_[16]; memcpy(m_, membase + ea_, 16); memcpy(fp + ip[2], m_, 16); NEXT(3); }
L_V128_LOAD8X8_S: { EA(8) uint8_t m_[8]; memcpy(m_, membase + ea_, 8); int8_t s_[8]; int16_t r[8]; memcpy(s_, m_, 8); for (int i = 0; i < 8; i++) r[i] = s_[i]; VST(r); NEXT(3); }
L_V128_LOAD8X8_U: { EA(8) uint8_t m_[8]; memcpy(m_, membase + ea_, 8); uint8_t s_[8]; uint16_t r[8]; memcpy(s_, m_, 8); for (int i = 0; i < 8; i++) r[i] = s_[i]; VST(r); NEXT(3); }
L_V128_LOAD16X4_S: { EA(8) uint8_t m_[8]; memcpy(m_, membase + ea_, 8); int16_t s_[4]; int32_t r[4]; memcpy(s_, m_, 8); for (int i = 0; i < 4; i++) r[i] = s_[i]; VST(r); NEXT(3); }
L_V128_LOAD16X4_U: { EA(8) uint8_t m_[8]; memcpy(m_, membase + ea_, 8); uint16_t s_[4]; uint32_t r[4]; memcpy(s_, m_, 8); for (int i = 0; i < 4; i++) r[i] = s_[i]; VST(r); NEXT(3); }
L_V128_LOAD32X2_S: { EA(8) uint8_t m_[8]; memcpy(m_, membase + ea_, 8); int32_t s_[2]; int64_t r[2]; memcpy(s_, m_, 8); for (int i = 0; i < 2; i++) r[i] = s_[i]; VST(r); NEXT(3); }
L_V128_LOAD32X2_U: { EA(8) uint8_t m_[8]; memcpy(m_, membase + ea_, 8); uint32_t s_[2]; uint64_t r[2]; memcpy(s_, m_, 8); for (int i = 0; i < 2; i++) r[i] = s_[i]; VST(r); NEXT(3); }
L_V128_LOAD8_SPLAT: { EA(1) uint8_t m_[1]; memcpy(m_, membase + ea_, 1); uint8_t x_, r[16]; memcpy(&x_, m_, 1); for (int i = 0; i < 16; i++) r[i] = x_; VST(r); NEXT(3); }
L_V128_LOAD16_SPLAT: { EA(2) uint8_t m_[2]; memcpy(m_, membase + ea_, 2); uint16_t x_, r[8]; memcpy(&x_, m_, 2); for (int i = 0; i < 8; i++) r[i] = x_; VST(r); NEXT(3); }
L_V128_LOAD32_SPLAT: { EA(4) uint8_t m_[4]; memcpy(m_, membase + ea_, 4); uint32_t x_, r[4]; memcpy(&x_, m_, 4); for (int i = 0; i < 4; i++) r[i] = x_; VST(r); NEXT(3); }
L_V128_LOAD64_SPLAT: { EA(8) uint8_t m_[8]; memcpy(m_, membase + ea_, 8); uint64_t x_, r[2]; memcpy(&x_, m_, 8); for (int i = 0; i < 2; i++) r[i] = x_; VST(r); NEXT(3); }
L_V128_STORE: { uint64_t ea_ = (uint64_t)(uint32_t)S(2) + ip[4]; if (UNLIKELY(ea_ + 16 > memsize)) TRAP(AWASM_TRAP_OOB_MEMORY); memcpy(membase + ea_, fp + ip[3], 16); NEXT(3); }
L_V128_CONST: memcpy(fp + ip[2], ip + 3, 16); NEXT(5);
L_I8X16_SHUFFLE: { uint8_t ab[32], k[16], r[16]; memcpy(ab, fp + ip[3], 16); memcpy(ab + 16, fp + ip[4], 16); memcpy(k, ip + 5, 16); for (int i = 0; i < 16; i++) r[i] = ab[k[i] & 31]; VST(r); NEXT(7); }
L_I8X16_SWIZZLE: { uint8_t a[16], sw[16], r[16]; VLD(a, 3); VLD(sw, 4); for (int i = 0; i < 16; i++) r[i] = sw[i] < 16 ? a[sw[i] & 15] : 0; VST(r); NEXT(3); }
L_I8X16_SPLAT: { uint8_t x_ = (uint8_t)S(3), r[16]; for (int i = 0; i < 16; i++) r[i] = x_; VST(r); NEXT(2); }
L_I16X8_SPLAT: { uint16_t x_ = (uint16_t)S(3), r[8]; for (int i = 0; i < 8; i++) r[i] = x_; VST(r); NEXT(2); }
L_I32X4_SPLAT: { uint32_t x_ = (uint32_t)S(3), r[4]; for (int i = 0; i < 4; i++) r[i] = x_; VST(r); NEXT(2); }
L_I64X2_SPLAT: { uint64_t x_ = (uint64_t)S(3), r[2]; for (int i = 0; i < 2; i++) r[i] = x_; VST(r); NEXT(2); }
L_I8X16_EXTRACT_LANE_S: { int8_t a[16]; VLD(a, 3); S(2) = (uint32_t)(int32_t)a[ip[4]]; NEXT(3); }
L_I8X16_EXTRACT_LANE_U: { uint8_t a[16]; VLD(a, 3); S(2) = a[ip[4]]; NEXT(3); }
L_I8X16_REPLACE_LANE: { uint8_t a[16]; VLD(a, 3); a[ip[5]] = (uint8_t)S(4); VST(a); NEXT(4); }
L_I16X8_EXTRACT_LANE_S: { int16_t a[8]; VLD(a, 3); S(2) = (uint32_t)(int32_t)a[ip[4]]; NEXT(3); }
L_I16X8_EXTRACT_LANE_U: { uint16_t a[8]; VLD(a, 3); S(2) = a[ip[4]]; NEXT(3); }
L_I16X8_REPLACE_LANE: { uint16_t a[8]; VLD(a, 3); a[ip[5]] = (uint16_t)S(4); VST(a); NEXT(4); }
L_I32X4_EXTRACT_LANE: { uint32_t a[4]; VLD(a, 3); S(2) = a[ip[4]]; NEXT(3); }
L_I32X4_REPLACE_LANE: { uint32_t a[4]; VLD(a, 3); a[ip[5]] = (uint32_t)S(4); VST(a); NEXT(4); }
L_I64X2_EXTRACT_LANE: { uint64_t a[2]; VLD(a, 3); S(2) = a[ip[4]]; NEXT(3); }
L_I64X2_REPLACE_LANE: { uint64_t a[2]; VLD(a, 3); a[ip[5]] = (uint64_t)S(4); VST(a); NEXT(4); }
L_I8X16_EQ: { int8_t a[16], b[16]; int8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] == b[i])); VST(r); NEXT(3); }
L_I8X16_NE: { int8_t a[16], b[16]; int8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] != b[i])); VST(r); NEXT(3); }
L_I8X16_LT_S: { int8_t a[16], b[16]; int8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] < b[i])); VST(r); NEXT(3); }
L_I8X16_LT_U: { uint8_t a[16], b[16]; int8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] < b[i])); VST(r); NEXT(3); }
L_I8X16_GT_S: { int8_t a[16], b[16]; int8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] > b[i])); VST(r); NEXT(3); }
L_I8X16_GT_U: { uint8_t a[16], b[16]; int8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] > b[i])); VST(r); NEXT(3); }
L_I8X16_LE_S: { int8_t a[16], b[16]; int8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] <= b[i])); VST(r); NEXT(3); }
L_I8X16_LE_U: { uint8_t a[16], b[16]; int8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] <= b[i])); VST(r); NEXT(3); }
L_I8X16_GE_S: { int8_t a[16], b[16]; int8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] >= b[i])); VST(r); NEXT(3); }
L_I8X16_GE_U: { uint8_t a[16], b[16]; int8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (int8_t)(-(a[i] >= b[i])); VST(r); NEXT(3); }
L_I16X8_EQ: { int16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] == b[i])); VST(r); NEXT(3); }
L_I16X8_NE: { int16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] != b[i])); VST(r); NEXT(3); }
L_I16X8_LT_S: { int16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] < b[i])); VST(r); NEXT(3); }
L_I16X8_LT_U: { uint16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] < b[i])); VST(r); NEXT(3); }
L_I16X8_GT_S: { int16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] > b[i])); VST(r); NEXT(3); }
L_I16X8_GT_U: { uint16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] > b[i])); VST(r); NEXT(3); }
L_I16X8_LE_S: { int16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] <= b[i])); VST(r); NEXT(3); }
L_I16X8_LE_U: { uint16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] <= b[i])); VST(r); NEXT(3); }
L_I16X8_GE_S: { int16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] >= b[i])); VST(r); NEXT(3); }
L_I16X8_GE_U: { uint16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)(-(a[i] >= b[i])); VST(r); NEXT(3); }
L_I32X4_EQ: { int32_t a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] == b[i])); VST(r); NEXT(3); }
L_I32X4_NE: { int32_t a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] != b[i])); VST(r); NEXT(3); }
L_I32X4_LT_S: { int32_t a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] < b[i])); VST(r); NEXT(3); }
L_I32X4_LT_U: { uint32_t a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] < b[i])); VST(r); NEXT(3); }
L_I32X4_GT_S: { int32_t a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] > b[i])); VST(r); NEXT(3); }
L_I32X4_GT_U: { uint32_t a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] > b[i])); VST(r); NEXT(3); }
L_I32X4_LE_S: { int32_t a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] <= b[i])); VST(r); NEXT(3); }
L_I32X4_LE_U: { uint32_t a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] <= b[i])); VST(r); NEXT(3); }
L_I32X4_GE_S: { int32_t a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] >= b[i])); VST(r); NEXT(3); }
L_I32X4_GE_U: { uint32_t a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)(-(a[i] >= b[i])); VST(r); NEXT(3); }
L_F32X4_EQ: { float a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)-(a[i] == b[i]); VST(r); NEXT(3); }
L_F32X4_NE: { float a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)-(a[i] != b[i]); VST(r); NEXT(3); }
L_F32X4_LT: { float a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)-(a[i] < b[i]); VST(r); NEXT(3); }
L_F32X4_GT: { float a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)-(a[i] > b[i]); VST(r); NEXT(3); }
L_F32X4_LE: { float a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)-(a[i] <= b[i]); VST(r); NEXT(3); }
L_F32X4_GE: { float a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)-(a[i] >= b[i]); VST(r); NEXT(3); }
L_F64X2_EQ: { double a[2], b[2]; int64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (int64_t)-(a[i] == b[i]); VST(r); NEXT(3); }
L_F64X2_NE: { double a[2], b[2]; int64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (int64_t)-(a[i] != b[i]); VST(r); NEXT(3); }
L_F64X2_LT: { double a[2], b[2]; int64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (int64_t)-(a[i] < b[i]); VST(r); NEXT(3); }
L_F64X2_GT: { double a[2], b[2]; int64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (int64_t)-(a[i] > b[i]); VST(r); NEXT(3); }
L_F64X2_LE: { double a[2], b[2]; int64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (int64_t)-(a[i] <= b[i]); VST(r); NEXT(3); }
L_F64X2_GE: { double a[2], b[2]; int64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (int64_t)-(a[i] >= b[i]); VST(r); NEXT(3); }
L_V128_NOT: { uint64_t a[2]; uint64_t r[2]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(~a[i]); VST(r); NEXT(2); }
L_V128_AND: { uint64_t a[2], b[2]; uint64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] & b[i]); VST(r); NEXT(3); }
L_V128_ANDNOT: { uint64_t a[2], b[2]; uint64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] & ~b[i]); VST(r); NEXT(3); }
L_V128_OR: { uint64_t a[2], b[2]; uint64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] | b[i]); VST(r); NEXT(3); }
L_V128_XOR: { uint64_t a[2], b[2]; uint64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] ^ b[i]); VST(r); NEXT(3); }
L_V128_BITSELECT: { uint64_t a[2], b[2], c[2], r[2]; VLD(a, 3); VLD(b, 4); VLD(c, 5); for (int i = 0; i < 2; i++) r[i] = (a[i] & c[i]) | (b[i] & ~c[i]); VST(r); NEXT(4); }
L_V128_ANY_TRUE: { uint64_t a[2]; VLD(a, 3); S(2) = (a[0] | a[1]) != 0; NEXT(2); }
L_V128_LOAD8_LANE: { EA(1) uint8_t r[16]; VLD(r, 5); memcpy(&r[ip[6]], membase + ea_, 1); VST(r); NEXT(5); }
L_V128_LOAD16_LANE: { EA(2) uint16_t r[8]; VLD(r, 5); memcpy(&r[ip[6]], membase + ea_, 2); VST(r); NEXT(5); }
L_V128_LOAD32_LANE: { EA(4) uint32_t r[4]; VLD(r, 5); memcpy(&r[ip[6]], membase + ea_, 4); VST(r); NEXT(5); }
L_V128_LOAD64_LANE: { EA(8) uint64_t r[2]; VLD(r, 5); memcpy(&r[ip[6]], membase + ea_, 8); VST(r); NEXT(5); }
L_V128_STORE8_LANE: { uint64_t ea_ = (uint64_t)(uint32_t)S(2) + ip[4]; if (UNLIKELY(ea_ + 1 > memsize)) TRAP(AWASM_TRAP_OOB_MEMORY); uint8_t a[16]; VLD(a, 3); memcpy(membase + ea_, &a[ip[5]], 1); NEXT(4); }
L_V128_STORE16_LANE: { uint64_t ea_ = (uint64_t)(uint32_t)S(2) + ip[4]; if (UNLIKELY(ea_ + 2 > memsize)) TRAP(AWASM_TRAP_OOB_MEMORY); uint16_t a[8]; VLD(a, 3); memcpy(membase + ea_, &a[ip[5]], 2); NEXT(4); }
L_V128_STORE32_LANE: { uint64_t ea_ = (uint64_t)(uint32_t)S(2) + ip[4]; if (UNLIKELY(ea_ + 4 > memsize)) TRAP(AWASM_TRAP_OOB_MEMORY); uint32_t a[4]; VLD(a, 3); memcpy(membase + ea_, &a[ip[5]], 4); NEXT(4); }
L_V128_STORE64_LANE: { uint64_t ea_ = (uint64_t)(uint32_t)S(2) + ip[4]; if (UNLIKELY(ea_ + 8 > memsize)) TRAP(AWASM_TRAP_OOB_MEMORY); uint64_t a[2]; VLD(a, 3); memcpy(membase + ea_, &a[ip[5]], 8); NEXT(4); }
L_V128_LOAD32_ZERO: { EA(4) uint8_t m_[4]; memcpy(m_, membase + ea_, 4); uint8_t r[16]; memset(r, 0, 16); memcpy(r, m_, 4); VST(r); NEXT(3); }
L_V128_LOAD64_ZERO: { EA(8) uint8_t m_[8]; memcpy(m_, membase + ea_, 8); uint8_t r[16]; memset(r, 0, 16); memcpy(r, m_, 8); VST(r); NEXT(3); }
L_F32X4_DEMOTE_F64X2_ZERO: { double a[2]; float r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (float)((float)a[i]); VST(r); NEXT(2); }
L_F64X2_PROMOTE_LOW_F32X4: { float a[4]; double r[2]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)((double)a[i]); VST(r); NEXT(2); }
L_I8X16_ABS: { int8_t a[16]; uint8_t r[16]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] < 0 ? -(uint8_t)a[i] : (uint8_t)a[i]); VST(r); NEXT(2); }
L_I8X16_NEG: { uint8_t a[16]; uint8_t r[16]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(-a[i]); VST(r); NEXT(2); }
L_I8X16_POPCNT: { uint8_t a[16]; uint8_t r[16]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(__builtin_popcount(a[i])); VST(r); NEXT(2); }
L_I8X16_ALL_TRUE: { uint8_t a[16]; int all_ = 1; VLD(a, 3); for (int i = 0; i < 16; i++) all_ &= a[i] != 0; S(2) = (uint32_t)all_; NEXT(2); }
L_I8X16_BITMASK: { uint8_t a[16]; uint32_t m_ = 0; VLD(a, 3); for (int i = 0; i < 16; i++) m_ |= (uint32_t)(a[i] >> 7) << i; S(2) = m_; NEXT(2); }
L_I8X16_NARROW_I16X8_S: { int16_t ab[16]; int8_t r[16]; memcpy(ab, fp + ip[3], 16); memcpy(ab + 8, fp + ip[4], 16); for (int i = 0; i < 16; i++) r[i] = (int8_t)(ab[i] < -128 ? -128 : ab[i] > 127 ? 127 : ab[i]); VST(r); NEXT(3); }
L_I8X16_NARROW_I16X8_U: { int16_t ab[16]; uint8_t r[16]; memcpy(ab, fp + ip[3], 16); memcpy(ab + 8, fp + ip[4], 16); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(ab[i] < 0 ? 0 : ab[i] > 255 ? 255 : ab[i]); VST(r); NEXT(3); }
L_F32X4_CEIL: { float a[4]; float r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (float)(isnan(a[i]) ? a[i] + a[i] : ceilf(a[i])); VST(r); NEXT(2); }
L_F32X4_FLOOR: { float a[4]; float r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (float)(isnan(a[i]) ? a[i] + a[i] : floorf(a[i])); VST(r); NEXT(2); }
L_F32X4_TRUNC: { float a[4]; float r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (float)(isnan(a[i]) ? a[i] + a[i] : truncf(a[i])); VST(r); NEXT(2); }
L_F32X4_NEAREST: { float a[4]; float r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (float)(isnan(a[i]) ? a[i] + a[i] : nearbyintf(a[i])); VST(r); NEXT(2); }
L_I8X16_SHL: { uint8_t a[16], r[16]; uint32_t s_ = (uint32_t)S(4) & 7; VLD(a, 3); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] << s_); VST(r); NEXT(3); }
L_I8X16_SHR_S: { int8_t a[16], r[16]; uint32_t s_ = (uint32_t)S(4) & 7; VLD(a, 3); for (int i = 0; i < 16; i++) r[i] = (int8_t)(a[i] >> s_); VST(r); NEXT(3); }
L_I8X16_SHR_U: { uint8_t a[16], r[16]; uint32_t s_ = (uint32_t)S(4) & 7; VLD(a, 3); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] >> s_); VST(r); NEXT(3); }
L_I8X16_ADD: { uint8_t a[16], b[16]; uint8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] + b[i]); VST(r); NEXT(3); }
L_I8X16_ADD_SAT_S: { int8_t a[16], b[16]; int8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (int8_t)((int32_t)a[i] + b[i] > 127 ? 127 : (int32_t)a[i] + b[i] < -128 ? -128 : a[i] + b[i]); VST(r); NEXT(3); }
L_I8X16_ADD_SAT_U: { uint8_t a[16], b[16]; uint8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (uint8_t)((uint32_t)a[i] + b[i] > 255 ? 255 : a[i] + b[i]); VST(r); NEXT(3); }
L_I8X16_SUB: { uint8_t a[16], b[16]; uint8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] - b[i]); VST(r); NEXT(3); }
L_I8X16_SUB_SAT_S: { int8_t a[16], b[16]; int8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (int8_t)((int32_t)a[i] - b[i] > 127 ? 127 : (int32_t)a[i] - b[i] < -128 ? -128 : a[i] - b[i]); VST(r); NEXT(3); }
L_I8X16_SUB_SAT_U: { uint8_t a[16], b[16]; uint8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] > b[i] ? a[i] - b[i] : 0); VST(r); NEXT(3); }
L_I16X8_ADD_SAT_S: { int16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)((int32_t)a[i] + b[i] > 32767 ? 32767 : (int32_t)a[i] + b[i] < -32768 ? -32768 : a[i] + b[i]); VST(r); NEXT(3); }
L_I16X8_ADD_SAT_U: { uint16_t a[8], b[8]; uint16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (uint16_t)((uint32_t)a[i] + b[i] > 65535 ? 65535 : a[i] + b[i]); VST(r); NEXT(3); }
L_I16X8_SUB: { uint16_t a[8], b[8]; uint16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] - b[i]); VST(r); NEXT(3); }
L_I16X8_SUB_SAT_S: { int16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)((int32_t)a[i] - b[i] > 32767 ? 32767 : (int32_t)a[i] - b[i] < -32768 ? -32768 : a[i] - b[i]); VST(r); NEXT(3); }
L_I16X8_SUB_SAT_U: { uint16_t a[8], b[8]; uint16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] > b[i] ? a[i] - b[i] : 0); VST(r); NEXT(3); }
L_F64X2_CEIL: { double a[2]; double r[2]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)(isnan(a[i]) ? a[i] + a[i] : ceil(a[i])); VST(r); NEXT(2); }
L_F64X2_FLOOR: { double a[2]; double r[2]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)(isnan(a[i]) ? a[i] + a[i] : floor(a[i])); VST(r); NEXT(2); }
L_I8X16_MIN_S: { int8_t a[16], b[16]; int8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (int8_t)(a[i] < b[i] ? a[i] : b[i]); VST(r); NEXT(3); }
L_I8X16_MIN_U: { uint8_t a[16], b[16]; uint8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] < b[i] ? a[i] : b[i]); VST(r); NEXT(3); }
L_I8X16_MAX_S: { int8_t a[16], b[16]; int8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (int8_t)(a[i] > b[i] ? a[i] : b[i]); VST(r); NEXT(3); }
L_I8X16_MAX_U: { uint8_t a[16], b[16]; uint8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(a[i] > b[i] ? a[i] : b[i]); VST(r); NEXT(3); }
L_F64X2_TRUNC: { double a[2]; double r[2]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)(isnan(a[i]) ? a[i] + a[i] : trunc(a[i])); VST(r); NEXT(2); }
L_I8X16_AVGR_U: { uint8_t a[16], b[16]; uint8_t r[16]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 16; i++) r[i] = (uint8_t)(((uint32_t)a[i] + b[i] + 1) >> 1); VST(r); NEXT(3); }
L_I16X8_EXTADD_PAIRWISE_I8X16_S: { int8_t a[16]; int16_t r[8]; VLD(a, 3); for (int i = 0; i < 8; i++) r[i] = (int16_t)((int16_t)a[2 * i] + (int16_t)a[2 * i + 1]); VST(r); NEXT(2); }
L_I16X8_EXTADD_PAIRWISE_I8X16_U: { uint8_t a[16]; uint16_t r[8]; VLD(a, 3); for (int i = 0; i < 8; i++) r[i] = (uint16_t)((uint16_t)a[2 * i] + (uint16_t)a[2 * i + 1]); VST(r); NEXT(2); }
L_I32X4_EXTADD_PAIRWISE_I16X8_S: { int16_t a[8]; int32_t r[4]; VLD(a, 3); for (int i = 0; i < 4; i++) r[i] = (int32_t)((int32_t)a[2 * i] + (int32_t)a[2 * i + 1]); VST(r); NEXT(2); }
L_I32X4_EXTADD_PAIRWISE_I16X8_U: { uint16_t a[8]; uint32_t r[4]; VLD(a, 3); for (int i = 0; i < 4; i++) r[i] = (uint32_t)((uint32_t)a[2 * i] + (uint32_t)a[2 * i + 1]); VST(r); NEXT(2); }
L_I16X8_ABS: { int16_t a[8]; uint16_t r[8]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] < 0 ? -(uint16_t)a[i] : (uint16_t)a[i]); VST(r); NEXT(2); }
L_I16X8_NEG: { uint16_t a[8]; uint16_t r[8]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(-a[i]); VST(r); NEXT(2); }
L_I16X8_Q15MULR_SAT_S: { int16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)(((int32_t)a[i] * b[i] + 0x4000) >> 15 > 32767 ? 32767 : ((int32_t)a[i] * b[i] + 0x4000) >> 15); VST(r); NEXT(3); }
L_I16X8_ALL_TRUE: { uint16_t a[8]; int all_ = 1; VLD(a, 3); for (int i = 0; i < 8; i++) all_ &= a[i] != 0; S(2) = (uint32_t)all_; NEXT(2); }
L_I16X8_BITMASK: { uint16_t a[8]; uint32_t m_ = 0; VLD(a, 3); for (int i = 0; i < 8; i++) m_ |= (uint32_t)(a[i] >> 15) << i; S(2) = m_; NEXT(2); }
L_I16X8_NARROW_I32X4_S: { int32_t ab[8]; int16_t r[8]; memcpy(ab, fp + ip[3], 16); memcpy(ab + 4, fp + ip[4], 16); for (int i = 0; i < 8; i++) r[i] = (int16_t)(ab[i] < -32768 ? -32768 : ab[i] > 32767 ? 32767 : ab[i]); VST(r); NEXT(3); }
L_I16X8_NARROW_I32X4_U: { int32_t ab[8]; uint16_t r[8]; memcpy(ab, fp + ip[3], 16); memcpy(ab + 4, fp + ip[4], 16); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(ab[i] < 0 ? 0 : ab[i] > 65535 ? 65535 : ab[i]); VST(r); NEXT(3); }
L_I16X8_EXTEND_LOW_I8X16_S: { int8_t a[16]; int16_t r[8]; VLD(a, 3); for (int i = 0; i < 8; i++) r[i] = a[i + 0]; VST(r); NEXT(2); }
L_I16X8_EXTEND_HIGH_I8X16_S: { int8_t a[16]; int16_t r[8]; VLD(a, 3); for (int i = 0; i < 8; i++) r[i] = a[i + 8]; VST(r); NEXT(2); }
L_I16X8_EXTEND_LOW_I8X16_U: { uint8_t a[16]; uint16_t r[8]; VLD(a, 3); for (int i = 0; i < 8; i++) r[i] = a[i + 0]; VST(r); NEXT(2); }
L_I16X8_EXTEND_HIGH_I8X16_U: { uint8_t a[16]; uint16_t r[8]; VLD(a, 3); for (int i = 0; i < 8; i++) r[i] = a[i + 8]; VST(r); NEXT(2); }
L_I16X8_SHL: { uint16_t a[8], r[8]; uint32_t s_ = (uint32_t)S(4) & 15; VLD(a, 3); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] << s_); VST(r); NEXT(3); }
L_I16X8_SHR_S: { int16_t a[8], r[8]; uint32_t s_ = (uint32_t)S(4) & 15; VLD(a, 3); for (int i = 0; i < 8; i++) r[i] = (int16_t)(a[i] >> s_); VST(r); NEXT(3); }
L_I16X8_SHR_U: { uint16_t a[8], r[8]; uint32_t s_ = (uint32_t)S(4) & 15; VLD(a, 3); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] >> s_); VST(r); NEXT(3); }
L_I16X8_ADD: { uint16_t a[8], b[8]; uint16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] + b[i]); VST(r); NEXT(3); }
L_F64X2_NEAREST: { double a[2]; double r[2]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)(isnan(a[i]) ? a[i] + a[i] : nearbyint(a[i])); VST(r); NEXT(2); }
L_I16X8_MUL: { uint16_t a[8], b[8]; uint16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (uint16_t)((uint32_t)a[i] * b[i]); VST(r); NEXT(3); }
L_I16X8_MIN_S: { int16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)(a[i] < b[i] ? a[i] : b[i]); VST(r); NEXT(3); }
L_I16X8_MIN_U: { uint16_t a[8], b[8]; uint16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] < b[i] ? a[i] : b[i]); VST(r); NEXT(3); }
L_I16X8_MAX_S: { int16_t a[8], b[8]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)(a[i] > b[i] ? a[i] : b[i]); VST(r); NEXT(3); }
L_I16X8_MAX_U: { uint16_t a[8], b[8]; uint16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(a[i] > b[i] ? a[i] : b[i]); VST(r); NEXT(3); }
L_I16X8_AVGR_U: { uint16_t a[8], b[8]; uint16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (uint16_t)(((uint32_t)a[i] + b[i] + 1) >> 1); VST(r); NEXT(3); }
L_I16X8_EXTMUL_LOW_I8X16_S: { int8_t a[16], b[16]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)((int16_t)a[i + 0] * (int16_t)b[i + 0]); VST(r); NEXT(3); }
L_I16X8_EXTMUL_HIGH_I8X16_S: { int8_t a[16], b[16]; int16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (int16_t)((int16_t)a[i + 8] * (int16_t)b[i + 8]); VST(r); NEXT(3); }
L_I16X8_EXTMUL_LOW_I8X16_U: { uint8_t a[16], b[16]; uint16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (uint16_t)((uint16_t)a[i + 0] * (uint16_t)b[i + 0]); VST(r); NEXT(3); }
L_I16X8_EXTMUL_HIGH_I8X16_U: { uint8_t a[16], b[16]; uint16_t r[8]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 8; i++) r[i] = (uint16_t)((uint16_t)a[i + 8] * (uint16_t)b[i + 8]); VST(r); NEXT(3); }
L_I32X4_ABS: { int32_t a[4]; uint32_t r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] < 0 ? -(uint32_t)a[i] : (uint32_t)a[i]); VST(r); NEXT(2); }
L_I32X4_NEG: { uint32_t a[4]; uint32_t r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(-a[i]); VST(r); NEXT(2); }
L_I32X4_ALL_TRUE: { uint32_t a[4]; int all_ = 1; VLD(a, 3); for (int i = 0; i < 4; i++) all_ &= a[i] != 0; S(2) = (uint32_t)all_; NEXT(2); }
L_I32X4_BITMASK: { uint32_t a[4]; uint32_t m_ = 0; VLD(a, 3); for (int i = 0; i < 4; i++) m_ |= (uint32_t)(a[i] >> 31) << i; S(2) = m_; NEXT(2); }
L_I32X4_EXTEND_LOW_I16X8_S: { int16_t a[8]; int32_t r[4]; VLD(a, 3); for (int i = 0; i < 4; i++) r[i] = a[i + 0]; VST(r); NEXT(2); }
L_I32X4_EXTEND_HIGH_I16X8_S: { int16_t a[8]; int32_t r[4]; VLD(a, 3); for (int i = 0; i < 4; i++) r[i] = a[i + 4]; VST(r); NEXT(2); }
L_I32X4_EXTEND_LOW_I16X8_U: { uint16_t a[8]; uint32_t r[4]; VLD(a, 3); for (int i = 0; i < 4; i++) r[i] = a[i + 0]; VST(r); NEXT(2); }
L_I32X4_EXTEND_HIGH_I16X8_U: { uint16_t a[8]; uint32_t r[4]; VLD(a, 3); for (int i = 0; i < 4; i++) r[i] = a[i + 4]; VST(r); NEXT(2); }
L_I32X4_SHL: { uint32_t a[4], r[4]; uint32_t s_ = (uint32_t)S(4) & 31; VLD(a, 3); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] << s_); VST(r); NEXT(3); }
L_I32X4_SHR_S: { int32_t a[4], r[4]; uint32_t s_ = (uint32_t)S(4) & 31; VLD(a, 3); for (int i = 0; i < 4; i++) r[i] = (int32_t)(a[i] >> s_); VST(r); NEXT(3); }
L_I32X4_SHR_U: { uint32_t a[4], r[4]; uint32_t s_ = (uint32_t)S(4) & 31; VLD(a, 3); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] >> s_); VST(r); NEXT(3); }
L_I32X4_ADD: { uint32_t a[4], b[4]; uint32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] + b[i]); VST(r); NEXT(3); }
L_I32X4_SUB: { uint32_t a[4], b[4]; uint32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] - b[i]); VST(r); NEXT(3); }
L_I32X4_MUL: { uint32_t a[4], b[4]; uint32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] * b[i]); VST(r); NEXT(3); }
L_I32X4_MIN_S: { int32_t a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)(a[i] < b[i] ? a[i] : b[i]); VST(r); NEXT(3); }
L_I32X4_MIN_U: { uint32_t a[4], b[4]; uint32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] < b[i] ? a[i] : b[i]); VST(r); NEXT(3); }
L_I32X4_MAX_S: { int32_t a[4], b[4]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)(a[i] > b[i] ? a[i] : b[i]); VST(r); NEXT(3); }
L_I32X4_MAX_U: { uint32_t a[4], b[4]; uint32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] > b[i] ? a[i] : b[i]); VST(r); NEXT(3); }
L_I32X4_DOT_I16X8_S: { int16_t a[8], b[8]; uint32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (uint32_t)((int32_t)a[2 * i] * b[2 * i]) + (uint32_t)((int32_t)a[2 * i + 1] * b[2 * i + 1]); VST(r); NEXT(3); }
L_I32X4_EXTMUL_LOW_I16X8_S: { int16_t a[8], b[8]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)((int32_t)a[i + 0] * (int32_t)b[i + 0]); VST(r); NEXT(3); }
L_I32X4_EXTMUL_HIGH_I16X8_S: { int16_t a[8], b[8]; int32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (int32_t)((int32_t)a[i + 4] * (int32_t)b[i + 4]); VST(r); NEXT(3); }
L_I32X4_EXTMUL_LOW_I16X8_U: { uint16_t a[8], b[8]; uint32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (uint32_t)((uint32_t)a[i + 0] * (uint32_t)b[i + 0]); VST(r); NEXT(3); }
L_I32X4_EXTMUL_HIGH_I16X8_U: { uint16_t a[8], b[8]; uint32_t r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (uint32_t)((uint32_t)a[i + 4] * (uint32_t)b[i + 4]); VST(r); NEXT(3); }
L_I64X2_ABS: { int64_t a[2]; uint64_t r[2]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] < 0 ? -(uint64_t)a[i] : (uint64_t)a[i]); VST(r); NEXT(2); }
L_I64X2_NEG: { uint64_t a[2]; uint64_t r[2]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(-a[i]); VST(r); NEXT(2); }
L_I64X2_ALL_TRUE: { uint64_t a[2]; int all_ = 1; VLD(a, 3); for (int i = 0; i < 2; i++) all_ &= a[i] != 0; S(2) = (uint32_t)all_; NEXT(2); }
L_I64X2_BITMASK: { uint64_t a[2]; uint32_t m_ = 0; VLD(a, 3); for (int i = 0; i < 2; i++) m_ |= (uint32_t)(a[i] >> 63) << i; S(2) = m_; NEXT(2); }
L_I64X2_EXTEND_LOW_I32X4_S: { int32_t a[4]; int64_t r[2]; VLD(a, 3); for (int i = 0; i < 2; i++) r[i] = a[i + 0]; VST(r); NEXT(2); }
L_I64X2_EXTEND_HIGH_I32X4_S: { int32_t a[4]; int64_t r[2]; VLD(a, 3); for (int i = 0; i < 2; i++) r[i] = a[i + 2]; VST(r); NEXT(2); }
L_I64X2_EXTEND_LOW_I32X4_U: { uint32_t a[4]; uint64_t r[2]; VLD(a, 3); for (int i = 0; i < 2; i++) r[i] = a[i + 0]; VST(r); NEXT(2); }
L_I64X2_EXTEND_HIGH_I32X4_U: { uint32_t a[4]; uint64_t r[2]; VLD(a, 3); for (int i = 0; i < 2; i++) r[i] = a[i + 2]; VST(r); NEXT(2); }
L_I64X2_SHL: { uint64_t a[2], r[2]; uint32_t s_ = (uint32_t)S(4) & 63; VLD(a, 3); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] << s_); VST(r); NEXT(3); }
L_I64X2_SHR_S: { int64_t a[2], r[2]; uint32_t s_ = (uint32_t)S(4) & 63; VLD(a, 3); for (int i = 0; i < 2; i++) r[i] = (int64_t)(a[i] >> s_); VST(r); NEXT(3); }
L_I64X2_SHR_U: { uint64_t a[2], r[2]; uint32_t s_ = (uint32_t)S(4) & 63; VLD(a, 3); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] >> s_); VST(r); NEXT(3); }
L_I64X2_ADD: { uint64_t a[2], b[2]; uint64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] + b[i]); VST(r); NEXT(3); }
L_I64X2_SUB: { uint64_t a[2], b[2]; uint64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] - b[i]); VST(r); NEXT(3); }
L_I64X2_MUL: { uint64_t a[2], b[2]; uint64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] * b[i]); VST(r); NEXT(3); }
L_I64X2_EQ: { int64_t a[2], b[2]; int64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (int64_t)(-(a[i] == b[i])); VST(r); NEXT(3); }
L_I64X2_NE: { int64_t a[2], b[2]; int64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (int64_t)(-(a[i] != b[i])); VST(r); NEXT(3); }
L_I64X2_LT_S: { int64_t a[2], b[2]; int64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (int64_t)(-(a[i] < b[i])); VST(r); NEXT(3); }
L_I64X2_GT_S: { int64_t a[2], b[2]; int64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (int64_t)(-(a[i] > b[i])); VST(r); NEXT(3); }
L_I64X2_LE_S: { int64_t a[2], b[2]; int64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (int64_t)(-(a[i] <= b[i])); VST(r); NEXT(3); }
L_I64X2_GE_S: { int64_t a[2], b[2]; int64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (int64_t)(-(a[i] >= b[i])); VST(r); NEXT(3); }
L_I64X2_EXTMUL_LOW_I32X4_S: { int32_t a[4], b[4]; int64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (int64_t)((int64_t)a[i + 0] * (int64_t)b[i + 0]); VST(r); NEXT(3); }
L_I64X2_EXTMUL_HIGH_I32X4_S: { int32_t a[4], b[4]; int64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (int64_t)((int64_t)a[i + 2] * (int64_t)b[i + 2]); VST(r); NEXT(3); }
L_I64X2_EXTMUL_LOW_I32X4_U: { uint32_t a[4], b[4]; uint64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (uint64_t)((uint64_t)a[i + 0] * (uint64_t)b[i + 0]); VST(r); NEXT(3); }
L_I64X2_EXTMUL_HIGH_I32X4_U: { uint32_t a[4], b[4]; uint64_t r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (uint64_t)((uint64_t)a[i + 2] * (uint64_t)b[i + 2]); VST(r); NEXT(3); }
L_F32X4_ABS: { uint32_t a[4]; uint32_t r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] & 0x7fffffffu); VST(r); NEXT(2); }
L_F32X4_NEG: { uint32_t a[4]; uint32_t r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(a[i] ^ 0x80000000u); VST(r); NEXT(2); }
L_F32X4_SQRT: { float a[4]; float r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (float)(sqrtf(a[i])); VST(r); NEXT(2); }
L_F32X4_ADD: { float a[4], b[4]; float r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (float)(a[i] + b[i]); VST(r); NEXT(3); }
L_F32X4_SUB: { float a[4], b[4]; float r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (float)(a[i] - b[i]); VST(r); NEXT(3); }
L_F32X4_MUL: { float a[4], b[4]; float r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (float)(a[i] * b[i]); VST(r); NEXT(3); }
L_F32X4_DIV: { float a[4], b[4]; float r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (float)(a[i] / b[i]); VST(r); NEXT(3); }
L_F32X4_MIN: { float a[4], b[4]; float r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (float)(fmin32(a[i], b[i])); VST(r); NEXT(3); }
L_F32X4_MAX: { float a[4], b[4]; float r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (float)(fmax32(a[i], b[i])); VST(r); NEXT(3); }
L_F32X4_PMIN: { float a[4], b[4]; float r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (float)(b[i] < a[i] ? b[i] : a[i]); VST(r); NEXT(3); }
L_F32X4_PMAX: { float a[4], b[4]; float r[4]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 4; i++) r[i] = (float)(a[i] < b[i] ? b[i] : a[i]); VST(r); NEXT(3); }
L_F64X2_ABS: { uint64_t a[2]; uint64_t r[2]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] & 0x7fffffffffffffffull); VST(r); NEXT(2); }
L_F64X2_NEG: { uint64_t a[2]; uint64_t r[2]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (uint64_t)(a[i] ^ 0x8000000000000000ull); VST(r); NEXT(2); }
L_F64X2_SQRT: { double a[2]; double r[2]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)(sqrt(a[i])); VST(r); NEXT(2); }
L_F64X2_ADD: { double a[2], b[2]; double r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (double)(a[i] + b[i]); VST(r); NEXT(3); }
L_F64X2_SUB: { double a[2], b[2]; double r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (double)(a[i] - b[i]); VST(r); NEXT(3); }
L_F64X2_MUL: { double a[2], b[2]; double r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (double)(a[i] * b[i]); VST(r); NEXT(3); }
L_F64X2_DIV: { double a[2], b[2]; double r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (double)(a[i] / b[i]); VST(r); NEXT(3); }
L_F64X2_MIN: { double a[2], b[2]; double r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (double)(fmin64(a[i], b[i])); VST(r); NEXT(3); }
L_F64X2_MAX: { double a[2], b[2]; double r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (double)(fmax64(a[i], b[i])); VST(r); NEXT(3); }
L_F64X2_PMIN: { double a[2], b[2]; double r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (double)(b[i] < a[i] ? b[i] : a[i]); VST(r); NEXT(3); }
L_F64X2_PMAX: { double a[2], b[2]; double r[2]; VLD(a, 3); VLD(b, 4); for (int i = 0; i < 2; i++) r[i] = (double)(a[i] < b[i] ? b[i] : a[i]); VST(r); NEXT(3); }
L_I32X4_TRUNC_SAT_F32X4_S: { float a[4]; uint32_t r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(isnan(a[i]) ? 0 : a[i] < -2147483648.0f ? 0x80000000u : a[i] >= 2147483648.0f ? 0x7fffffffu : (uint32_t)(int32_t)a[i]); VST(r); NEXT(2); }
L_I32X4_TRUNC_SAT_F32X4_U: { float a[4]; uint32_t r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (uint32_t)(isnan(a[i]) ? 0 : a[i] <= -1.0f ? 0 : a[i] >= 4294967296.0f ? 0xffffffffu : (uint32_t)a[i]); VST(r); NEXT(2); }
L_F32X4_CONVERT_I32X4_S: { int32_t a[4]; float r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (float)((float)a[i]); VST(r); NEXT(2); }
L_F32X4_CONVERT_I32X4_U: { uint32_t a[4]; float r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 4; i++) r[i] = (float)((float)a[i]); VST(r); NEXT(2); }
L_I32X4_TRUNC_SAT_F64X2_S_ZERO: { double a[2]; uint32_t r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (uint32_t)(isnan(a[i]) ? 0 : a[i] <= -2147483649.0 ? 0x80000000u : a[i] >= 2147483648.0 ? 0x7fffffffu : (uint32_t)(int32_t)a[i]); VST(r); NEXT(2); }
L_I32X4_TRUNC_SAT_F64X2_U_ZERO: { double a[2]; uint32_t r[4]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (uint32_t)(isnan(a[i]) ? 0 : a[i] <= -1.0 ? 0 : a[i] >= 4294967296.0 ? 0xffffffffu : (uint32_t)a[i]); VST(r); NEXT(2); }
L_F64X2_CONVERT_LOW_I32X4_S: { int32_t a[4]; double r[2]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)((double)a[i]); VST(r); NEXT(2); }
L_F64X2_CONVERT_LOW_I32X4_U: { uint32_t a[4]; double r[2]; VLD(a, 3); memset(r, 0, 16); for (int i = 0; i < 2; i++) r[i] = (double)((double)a[i]); VST(r); NEXT(2); }
L_COPY128: memmove(fp + ip[2], fp + ip[3], 16); NEXT(2);
L_SELECT128: memmove(fp + ip[2], fp + ((uint32_t)S(5) ? ip[3] : ip[4]), 16); NEXT(4);
L_GLOBAL_GET128: memcpy(fp + ip[2], inst->globals[ip[3]], 16); NEXT(2);
L_GLOBAL_SET128: memcpy(inst->globals[ip[2]], fp + ip[3], 16); NEXT(2);
L_CANON_F32X4: { uint32_t a[4]; memcpy(a, fp + ip[2], 16); for (int i = 0; i < 4; i++) if ((a[i] & 0x7fffffffu) > 0x7f800000u) a[i] = F32_CANON; memcpy(fp + ip[2], a, 16); NEXT(1); }
L_CANON_F64X2: { uint64_t a[2]; memcpy(a, fp + ip[2], 16); for (int i = 0; i < 2; i++) if ((a[i] & 0x7fffffffffffffffull) > 0x7ff0000000000000ull) a[i] = F64_CANON; memcpy(fp + ip[2], a, 16); NEXT(1); }

#undef VLD
#undef VST
