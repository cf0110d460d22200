/*
 * wasm interp_simd: the handlers of the SIMD instructions that access
 * memory or carry immediates, and the three that call a lane function
 * (SIMD_1/2/X, see ops.h and simd.c), included in the body of
 * awasm_interp_run() (interp.c). Operands are frame slots; a v128 occupies
 * two consecutive 8-byte slots and is moved with memcpy. Keeping the ~200
 * lane operations out of the interpreter's one big function keeps it quick
 * to compile (and to optimise) with every compiler and sanitizer.
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
L_COPY128: memmove(fp + ip[2], fp + ip[3], 16); NEXT(2);
L_SELECT128: memmove(fp + ip[2], fp + ((uint32_t)S(5) ? ip[3] : ip[4]), 16); NEXT(4);
L_GLOBAL_GET128: memcpy(fp + ip[2], inst->globals[ip[3]], 16); NEXT(2);
L_GLOBAL_SET128: memcpy(inst->globals[ip[2]], fp + ip[3], 16); NEXT(2);
L_CANON_F32X4: { uint32_t a[4]; memcpy(a, fp + ip[2], 16); for (int i = 0; i < 4; i++) if ((a[i] & 0x7fffffffu) > 0x7f800000u) a[i] = F32_CANON; memcpy(fp + ip[2], a, 16); NEXT(1); }
L_CANON_F64X2: { uint64_t a[2]; memcpy(a, fp + ip[2], 16); for (int i = 0; i < 2; i++) if ((a[i] & 0x7fffffffffffffffull) > 0x7ff0000000000000ull) a[i] = F64_CANON; memcpy(fp + ip[2], a, 16); NEXT(1); }
L_SIMD_1: { awasm_simd_fn f_; memcpy(&f_, ip + 2, sizeof f_); f_(fp + ip[4], fp + ip[5], NULL, NULL, 0); NEXT(4); }
L_SIMD_2: { awasm_simd_fn f_; memcpy(&f_, ip + 2, sizeof f_); f_(fp + ip[4], fp + ip[5], fp + ip[6], NULL, 0); NEXT(5); }
L_SIMD_X: { awasm_simd_fn f_; memcpy(&f_, ip + 2, sizeof f_); f_(fp + ip[4], fp + ip[5], fp + ip[6], fp + ip[7], ip[8]); NEXT(7); }
#undef VLD
#undef VST
