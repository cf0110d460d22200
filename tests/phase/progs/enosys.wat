;; Imports a WASI function this layer does not implement (path_open) and one
;; it does; path_open must answer ENOSYS (52), which becomes the exit code.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $exit (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 4)
                            (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 8)))))
