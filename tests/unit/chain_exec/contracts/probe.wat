;; Test contract for the contract runtime (tests/unit/chain_exec/test_contract.c).
;; call(): input byte 0 selects an operation (see the table in the test).
(module
  (import "env" "storage_read" (func $sread (param i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $swrite (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_remove" (func $sremove (param i32 i32) (result i32)))
  (import "env" "emit_event" (func $event (param i32 i32 i32) (result i32)))
  (import "env" "emit_log" (func $log (param i32 i32) (result i32)))
  (import "env" "set_return" (func $ret (param i32 i32) (result i32)))
  (import "env" "caller" (func $caller (param i32)))
  (import "env" "self_address" (func $self (param i32)))
  (import "env" "call_value" (func $value (param i32)))
  (import "env" "input_len" (func $ilen (result i32)))
  (import "env" "input" (func $input (param i32) (result i32)))
  (import "env" "sha256" (func $sha (param i32 i32 i32)))
  (import "env" "revert" (func $revert (param i32 i32)))
  (import "env" "block_number" (func $bn (result i64)))
  (import "env" "timestamp" (func $ts (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "n")          ;; key of the counter
  (data (i32.const 16) "nope")      ;; revert reason
  (data (i32.const 32) "owner")
  (data (i32.const 48) "inc")
  ;; 256: input, 512: value buffer, 1024: scratch
  (func $rec (param i32) (result i32)
    (call $rec (i32.add (local.get 0) (i32.const 1))))
  (func (export "init") (result i32)
    (call $caller (i32.const 1024))
    (drop (call $swrite (i32.const 32) (i32.const 5) (i32.const 1024) (i32.const 20)))
    (i32.const 0))
  (func (export "call") (result i32)
    (local $op i32) (local $v i64)
    (if (i32.eqz (call $ilen)) (then (return (i32.const 99))))
    (drop (call $input (i32.const 256)))
    (local.set $op (i32.load8_u (i32.const 256)))
    ;; 0: counter += 1, return it, event(sha256("inc"), value)
    (if (i32.eq (local.get $op) (i32.const 0)) (then
      (i64.store (i32.const 512) (i64.const 0))
      (drop (call $sread (i32.const 0) (i32.const 1) (i32.const 512)))
      (local.set $v (i64.add (i64.load (i32.const 512)) (i64.const 1)))
      (i64.store (i32.const 512) (local.get $v))
      (drop (call $swrite (i32.const 0) (i32.const 1) (i32.const 512) (i32.const 8)))
      (drop (call $ret (i32.const 512) (i32.const 8)))
      (call $sha (i32.const 48) (i32.const 3) (i32.const 1024))
      (drop (call $event (i32.const 1024) (i32.const 512) (i32.const 8)))
      (drop (call $log (i32.const 16) (i32.const 4)))
      (return (i32.const 0))))
    ;; 1: revert("nope") after a write
    (if (i32.eq (local.get $op) (i32.const 1)) (then
      (drop (call $swrite (i32.const 0) (i32.const 1) (i32.const 16) (i32.const 4)))
      (call $revert (i32.const 16) (i32.const 4))
      (return (i32.const 0))))
    ;; 2: infinite loop
    (if (i32.eq (local.get $op) (i32.const 2)) (then (loop $l (br $l))))
    ;; 3: unbounded recursion
    (if (i32.eq (local.get $op) (i32.const 3)) (then (return (call $rec (i32.const 0)))))
    ;; 4: memory bomb: grow until refused, then trap
    (if (i32.eq (local.get $op) (i32.const 4)) (then
      (loop $g (br_if $g (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
      (unreachable)))
    ;; 5: a key pointer outside memory
    (if (i32.eq (local.get $op) (i32.const 5)) (then
      (return (call $sread (i32.const -256) (i32.const 8) (i32.const 512)))))
    ;; 6: write, then fail by returning 7
    (if (i32.eq (local.get $op) (i32.const 6)) (then
      (drop (call $swrite (i32.const 0) (i32.const 1) (i32.const 16) (i32.const 4)))
      (return (i32.const 7))))
    ;; 7: remove the counter; return the host's answer (1 removed, 0 absent)
    (if (i32.eq (local.get $op) (i32.const 7)) (then
      (i32.store (i32.const 512) (call $sremove (i32.const 0) (i32.const 1)))
      (drop (call $ret (i32.const 512) (i32.const 4)))
      (return (i32.const 0))))
    ;; 8: return caller ‖ self ‖ value ‖ block_number ‖ timestamp
    (if (i32.eq (local.get $op) (i32.const 8)) (then
      (call $caller (i32.const 1024))
      (call $self (i32.const 1044))
      (call $value (i32.const 1064))
      (i64.store (i32.const 1080) (call $bn))
      (i64.store (i32.const 1088) (call $ts))
      (drop (call $ret (i32.const 1024) (i32.const 72)))
      (return (i32.const 0))))
    ;; 9: oversized value (4097 bytes): the host answers -1
    (if (i32.eq (local.get $op) (i32.const 9)) (then
      (i32.store (i32.const 512) (call $swrite (i32.const 0) (i32.const 1) (i32.const 1024) (i32.const 4097)))
      (drop (call $ret (i32.const 512) (i32.const 4)))
      (return (i32.const 0))))
    ;; 10: read "owner" (written by init) and return it
    (if (i32.eq (local.get $op) (i32.const 10)) (then
      (drop (call $ret (i32.const 1024)
        (call $sread (i32.const 32) (i32.const 5) (i32.const 1024))))
      (return (i32.const 0))))
    (i32.const 98))
)
