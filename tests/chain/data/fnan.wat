;; Float work whose bits a non-canonical engine would let differ across
;; machines and compilers: NaN-producing ops (0/0, sqrt(-1), inf-inf, 0*inf,
;; min with a NaN) and a loop of rounding-sensitive f64 arithmetic. Writes the
;; 40 raw result bytes to stdout: the output commitment pins every bit.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $i i32) (local $x f64)
    (f64.store (i32.const 64) (f64.sqrt (f64.const -1)))
    (f64.store (i32.const 72) (f64.div (f64.const 0) (f64.const 0)))
    (f32.store (i32.const 80) (f32.sub (f32.const inf) (f32.const inf)))
    (f32.store (i32.const 84) (f32.mul (f32.const 0) (f32.const inf)))
    (local.set $x (f64.const 1.1))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (i32.const 100000)))
        (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 1.0000001))
                               (f64.sqrt (f64.convert_i32_u (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (f64.store (i32.const 88) (local.get $x))
    (f64.store (i32.const 96) (f64.min (f64.div (f64.const 0) (f64.const 0)) (f64.const 1)))
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 40))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
