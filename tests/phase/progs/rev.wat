;; Reverses stdin (up to 127 KiB) to stdout: a small hello for the relay,
;; whose 256 KiB request cap a wasi-libc program does not fit once its bytes
;; are JSON integers.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "_start")
    (local $off i32) (local $n i32) (local $i i32) (local $j i32) (local $t i32)
    (local.set $off (i32.const 1024))
    (block $done
      (loop $rd
        (i32.store (i32.const 0) (local.get $off))
        (i32.store (i32.const 4) (i32.sub (i32.const 131072) (local.get $off)))
        (br_if $done (i32.eqz (i32.load (i32.const 4))))
        (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $off (i32.add (local.get $off) (local.get $n)))
        (br $rd)))
    (local.set $i (i32.const 1024))
    (local.set $j (i32.sub (local.get $off) (i32.const 1)))
    (block $rdone
      (loop $rv
        (br_if $rdone (i32.ge_s (local.get $i) (local.get $j)))
        (local.set $t (i32.load8_u (local.get $i)))
        (i32.store8 (local.get $i) (i32.load8_u (local.get $j)))
        (i32.store8 (local.get $j) (local.get $t))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $j (i32.sub (local.get $j) (i32.const 1)))
        (br $rv)))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.sub (local.get $off) (i32.const 1024)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
