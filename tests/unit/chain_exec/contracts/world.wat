;; Test contract for nested calls (tests/unit/chain_exec/test_contract_calls.c).
;; call(): input byte 0 selects an operation; offsets below are into the input.
;;   0x10 v[8]            storage "k" = v
;;   0x11                 return "k" (8 bytes, 0 when absent)
;;   0x12 CALL            call_contract(addr@1, inner@45.., value@21, gas@37):
;;                        "r" = result (4 bytes); returns result ‖ return data
;;   0x18 v[8] CALL@9     "k" = v, then CALL with its fields at 9
;;   0x19 CALL            CALL, then revert("after")
;;   0x13 v[8] to[20] amount[16]   "k" = v, log, transfer, revert("fail")
;;   0x14                 "d" += 1, then call itself with the same input
;;   0x15 to[20] amount[16]        transfer -> returns the i32 result
;;   0x16 addr[20]        returns balance(addr)
;;   0x17                 spins forever
;;   0x1a CALL            CALL, then return_data_copy past its end
;;   0x1b                 grows memory to its cap, then as 0x14
(module
  (import "env" "storage_read" (func $sread (param i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $swrite (param i32 i32 i32 i32) (result i32)))
  (import "env" "emit_log" (func $log (param i32 i32) (result i32)))
  (import "env" "set_return" (func $ret (param i32 i32) (result i32)))
  (import "env" "self_address" (func $self (param i32)))
  (import "env" "input_len" (func $ilen (result i32)))
  (import "env" "input" (func $input (param i32) (result i32)))
  (import "env" "revert" (func $revert (param i32 i32)))
  (import "env" "balance" (func $balance (param i32 i32)))
  (import "env" "transfer" (func $transfer (param i32 i32) (result i32)))
  (import "env" "call_contract" (func $call (param i32 i32 i32 i32 i64) (result i32)))
  (import "env" "return_data_size" (func $rds (result i32)))
  (import "env" "return_data_copy" (func $rdc (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "k")
  (data (i32.const 2) "r")
  (data (i32.const 4) "d")
  (data (i32.const 16) "fail")
  (data (i32.const 32) "after")
  ;; 256: scratch, 512: self address + zero value, 4096: input, 8192: return
  (global $n (mut i32) (i32.const 0))

  (func $do_call (param $at i32) (result i32)
    (local $r i32) (local $len i32) (local $p i32)
    (local.set $p (i32.add (i32.const 4096) (local.get $at)))
    (local.set $r (call $call
      (local.get $p)
      (i32.add (local.get $p) (i32.const 44))
      (i32.sub (global.get $n) (i32.add (local.get $at) (i32.const 44)))
      (i32.add (local.get $p) (i32.const 20))
      (i64.load (i32.add (local.get $p) (i32.const 36)))))
    (i32.store (i32.const 256) (local.get $r))
    (drop (call $swrite (i32.const 2) (i32.const 1) (i32.const 256) (i32.const 4)))
    (local.set $len (call $rds))
    (i32.store (i32.const 8192) (local.get $r))
    (call $rdc (i32.const 8196) (i32.const 0) (local.get $len))
    (drop (call $ret (i32.const 8192) (i32.add (i32.const 4) (local.get $len))))
    (local.get $r))

  (func $recurse
    (i64.store (i32.const 256) (i64.const 0))
    (drop (call $sread (i32.const 4) (i32.const 1) (i32.const 256)))
    (i64.store (i32.const 256) (i64.add (i64.load (i32.const 256)) (i64.const 1)))
    (drop (call $swrite (i32.const 4) (i32.const 1) (i32.const 256) (i32.const 8)))
    (call $self (i32.const 512))
    (i64.store (i32.const 532) (i64.const 0))
    (i64.store (i32.const 540) (i64.const 0))
    (drop (call $call (i32.const 512) (i32.const 4096) (global.get $n) (i32.const 532)
                      (i64.const 0))))

  (func (export "call") (result i32)
    (local $op i32)
    (global.set $n (call $ilen))
    (if (i32.eqz (global.get $n)) (then (return (i32.const 99))))
    (drop (call $input (i32.const 4096)))
    (local.set $op (i32.load8_u (i32.const 4096)))
    (if (i32.eq (local.get $op) (i32.const 0x10)) (then
      (drop (call $swrite (i32.const 0) (i32.const 1) (i32.const 4097) (i32.const 8)))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 0x11)) (then
      (i64.store (i32.const 256) (i64.const 0))
      (drop (call $sread (i32.const 0) (i32.const 1) (i32.const 256)))
      (drop (call $ret (i32.const 256) (i32.const 8)))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 0x12)) (then
      (drop (call $do_call (i32.const 1)))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 0x18)) (then
      (drop (call $swrite (i32.const 0) (i32.const 1) (i32.const 4097) (i32.const 8)))
      (drop (call $do_call (i32.const 9)))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 0x19)) (then
      (drop (call $do_call (i32.const 1)))
      (call $revert (i32.const 32) (i32.const 5))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 0x13)) (then
      (drop (call $swrite (i32.const 0) (i32.const 1) (i32.const 4097) (i32.const 8)))
      (drop (call $log (i32.const 16) (i32.const 4)))
      (drop (call $transfer (i32.const 4105) (i32.const 4125)))
      (call $revert (i32.const 16) (i32.const 4))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 0x14)) (then
      (call $recurse)
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 0x15)) (then
      (i32.store (i32.const 256) (call $transfer (i32.const 4097) (i32.const 4117)))
      (drop (call $ret (i32.const 256) (i32.const 4)))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 0x16)) (then
      (call $balance (i32.const 4097) (i32.const 256))
      (drop (call $ret (i32.const 256) (i32.const 16)))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 0x17)) (then
      (loop $l (br $l))))
    (if (i32.eq (local.get $op) (i32.const 0x1a)) (then
      (drop (call $do_call (i32.const 1)))
      (call $rdc (i32.const 256) (call $rds) (i32.const 1))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 0x1b)) (then
      (loop $g (br_if $g (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
      (call $recurse)
      (return (i32.const 0))))
    (i32.const 98))
)
