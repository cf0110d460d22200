;; SIMD workloads for the fuel determinism test and plasmd wasm run (v128
;; arguments and results). Compiled with: wat2wasm simd.wat -o simd.wasm
(module
  (memory (export "memory") 1)
  ;; float lanes that produce NaNs (0/0, sqrt of negatives, inf-inf, min/max
  ;; of NaN, rounding, demote/promote), stored to memory every iteration: in
  ;; determinism mode every NaN lane is the canonical one on every build
  (func (export "simd_floats") (param i32) (result i64)
    (local $i i32) (local $v v128) (local $w v128) (local $acc v128)
    loop $l
      (local.set $v (f32x4.sub
        (f32x4.convert_i32x4_s (i32x4.splat (local.get $i)))
        (v128.const f32x4 3 0 inf -1)))
      (local.set $w (f32x4.div (local.get $v) (v128.const f32x4 0 0 2 inf)))
      (local.set $w (f32x4.add (local.get $w) (f32x4.sqrt (local.get $v))))
      (local.set $w (f32x4.min (local.get $w) (f32x4.nearest (local.get $v))))
      (local.set $w (f32x4.max (local.get $w) (f32x4.mul (local.get $v) (local.get $v))))
      (v128.store (i32.shl (i32.and (local.get $i) (i32.const 1023)) (i32.const 4)) (local.get $w))
      (v128.store offset=16384 (i32.shl (i32.and (local.get $i) (i32.const 1023)) (i32.const 4))
        (f64x2.add (f64x2.promote_low_f32x4 (local.get $w))
                   (f64x2.sqrt (f64x2.neg (f64x2.promote_low_f32x4 (local.get $v))))))
      (v128.store offset=32768 (i32.shl (i32.and (local.get $i) (i32.const 1023)) (i32.const 4))
        (f32x4.demote_f64x2_zero (f64x2.div (f64x2.splat (f64.const 0))
                                            (f64x2.promote_low_f32x4 (local.get $w)))))
      (local.set $acc (i32x4.add (local.get $acc) (i32x4.trunc_sat_f32x4_s (local.get $w))))
      (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get 0)))
    end
    (i64.xor (i64x2.extract_lane 0 (local.get $acc)) (i64x2.extract_lane 1 (local.get $acc))))
  ;; integer lanes: multiply, shuffle, swizzle, narrow, dot product, bitmask
  (func (export "simd_ints") (param i32) (result i32)
    (local $i i32) (local $v v128) (local $h i32)
    (local.set $v (v128.const i32x4 0x01020304 0x05060708 0x090a0b0c 0x0d0e0f10))
    loop $l
      (local.set $v (i32x4.add (i32x4.mul (local.get $v) (i32x4.splat (i32.const 1103515245)))
                               (i32x4.splat (local.get $i))))
      (local.set $v (i8x16.shuffle 3 17 5 30 0 9 12 22 1 2 31 16 7 8 25 14
                      (local.get $v) (i8x16.swizzle (local.get $v) (v128.const i8x16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 40))))
      (local.set $v (v128.xor (local.get $v)
                      (i16x8.narrow_i32x4_s (i32x4.dot_i16x8_s (local.get $v) (local.get $v))
                                            (i32x4.shr_u (local.get $v) (i32.const 7)))))
      (local.set $v (i8x16.add_sat_u (local.get $v) (i8x16.popcnt (local.get $v))))
      (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31))
                             (i32.add (i8x16.bitmask (local.get $v)) (i32x4.extract_lane 2 (local.get $v)))))
      (v128.store (i32.shl (i32.and (local.get $i) (i32.const 4095)) (i32.const 4)) (local.get $v))
      (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get 0)))
    end
    (local.get $h))
  ;; v128 across the host API
  (func (export "add_i32x4") (param v128 v128) (result v128)
    (i32x4.add (local.get 0) (local.get 1)))
  (func (export "scale_f32x4") (param v128 f32) (result v128 i32)
    (f32x4.mul (local.get 0) (f32x4.splat (local.get 1)))
    (i32.const 7))
)
