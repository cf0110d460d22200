;; The contract fuzz_contract_abi runs (its bytes are in abi_driver.h; regenerate
;; with `wat2wasm abi_driver.wat -o - | xxd -i` after a change). call() reads its
;; input as records of 29 bytes: a selector byte, five i32 arguments and one i64,
;; and calls the host function the selector names (mod 20; 6 calls block_number and
;; timestamp, 19 none) with them as they are:
;; pointers, lengths, addresses and amounts all come from the fuzzer. Memory
;; starts with useful data: 0: the driver's own address (0x11 x 20), 32: a second
;; driver (0x22 x 20), 64: u128 1, 96: u128 0, 4096: the input.
(module
  (import "env" "storage_read" (func $f0 (param i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $f1 (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_remove" (func $f2 (param i32 i32) (result i32)))
  (import "env" "emit_log" (func $f3 (param i32 i32) (result i32)))
  (import "env" "emit_event" (func $f4 (param i32 i32 i32) (result i32)))
  (import "env" "set_return" (func $f5 (param i32 i32) (result i32)))
  (import "env" "block_number" (func $f6 (result i64)))
  (import "env" "caller" (func $f7 (param i32)))
  (import "env" "self_address" (func $f8 (param i32)))
  (import "env" "call_value" (func $f9 (param i32)))
  (import "env" "input_len" (func $f10 (result i32)))
  (import "env" "input" (func $f11 (param i32) (result i32)))
  (import "env" "sha256" (func $f12 (param i32 i32 i32)))
  (import "env" "revert" (func $f13 (param i32 i32)))
  (import "env" "balance" (func $f14 (param i32 i32)))
  (import "env" "transfer" (func $f15 (param i32 i32) (result i32)))
  (import "env" "call_contract" (func $f16 (param i32 i32 i32 i32 i64) (result i32)))
  (import "env" "return_data_size" (func $f17 (result i32)))
  (import "env" "return_data_copy" (func $f18 (param i32 i32 i32)))
  (import "env" "timestamp" (func $f19 (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11")
  (data (i32.const 32) "\22\22\22\22\22\22\22\22\22\22\22\22\22\22\22\22\22\22\22\22")
  (data (i32.const 64) "\01")
  (func (export "call") (result i32)
    (local $p i32) (local $end i32) (local $a i32) (local $b i32) (local $c i32)
    (local $d i32) (local $e i32) (local $g i64)
    (local.set $end (i32.add (i32.const 4096) (call $f11 (i32.const 4096))))
    (local.set $p (i32.const 4096))
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 29)) (local.get $end)))
        (local.set $a (i32.load offset=1 (local.get $p)))
        (local.set $b (i32.load offset=5 (local.get $p)))
        (local.set $c (i32.load offset=9 (local.get $p)))
        (local.set $d (i32.load offset=13 (local.get $p)))
        (local.set $e (i32.load offset=17 (local.get $p)))
        (local.set $g (i64.load offset=21 (local.get $p)))
        (block $b19 (block $b18 (block $b17 (block $b16 (block $b15 (block $b14
        (block $b13 (block $b12 (block $b11 (block $b10 (block $b9 (block $b8
        (block $b7 (block $b6 (block $b5 (block $b4 (block $b3 (block $b2
        (block $b1 (block $b0
          (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 $b8 $b9 $b10 $b11 $b12 $b13 $b14
                    $b15 $b16 $b17 $b18 $b19
            (i32.rem_u (i32.load8_u (local.get $p)) (i32.const 20))))
          (drop (call $f0 (local.get $a) (local.get $b) (local.get $c))) (br $b19))
          (drop (call $f1 (local.get $a) (local.get $b) (local.get $c) (local.get $d))) (br $b19))
          (drop (call $f2 (local.get $a) (local.get $b))) (br $b19))
          (drop (call $f3 (local.get $a) (local.get $b))) (br $b19))
          (drop (call $f4 (local.get $a) (local.get $b) (local.get $c))) (br $b19))
          (drop (call $f5 (local.get $a) (local.get $b))) (br $b19))
          (drop (call $f6)) (drop (call $f19)) (br $b19))
          (call $f7 (local.get $a)) (br $b19))
          (call $f8 (local.get $a)) (br $b19))
          (call $f9 (local.get $a)) (br $b19))
          (drop (call $f10)) (br $b19))
          (drop (call $f11 (local.get $a))) (br $b19))
          (call $f12 (local.get $a) (local.get $b) (local.get $c)) (br $b19))
          (call $f13 (local.get $a) (local.get $b)) (br $b19))
          (call $f14 (local.get $a) (local.get $b)) (br $b19))
          (drop (call $f15 (local.get $a) (local.get $b))) (br $b19))
          (drop (call $f16 (local.get $a) (local.get $b) (local.get $c) (local.get $d)
                           (local.get $g))) (br $b19))
          (drop (call $f17)) (br $b19))
          (call $f18 (local.get $a) (local.get $b) (local.get $c)) (br $b19))
        (local.set $p (i32.add (local.get $p) (i32.const 29)))
        (br $next)))
    ;; the last i32 of the input chooses success or a non-zero return
    (i32.and (local.get $e) (i32.const 1)))
)
