;; Grows memory one page at a time until memory.grow fails, then exits with
;; 3 when it failed cleanly (-1) before 4096 pages (256 MiB), else 4.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 4096)))
        (call $exit (i32.const 4))))
    (call $exit (i32.const 3))))
