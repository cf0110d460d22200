;; Hostile contract for the runtime's hostile suite (test_contract_hostile.c).
;; call(): input byte 0 selects the attack; byte 1 a variant.
;;   0x01 spin forever                  0x02 unbounded wasm recursion
;;   0x03 grow memory to the cap, fill it, trap
;;   0x04 write distinct keys until refused; returns the count (i32)
;;   0x05 rewrite one key with 4096 bytes 50 times, then try 4097: returns
;;        the last storage_write result (i32)
;;   0x06 v  a bad pointer / range given to host function v (see below)
;;   0x07 addr[20] inner..   guarded call: reverts "reentered" when the lock
;;        "L" is set; else sets it, call_contract(addr, inner), clears it,
;;        returns the call's result (i32)
;;   0x08 call_contract to itself with the same input, forever
;;   0x09 storage key of 257 bytes: returns storage_read's result (i32)
(module
  (import "env" "storage_read" (func $sread (param i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $swrite (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_remove" (func $sremove (param i32 i32) (result i32)))
  (import "env" "emit_event" (func $event (param i32 i32 i32) (result i32)))
  (import "env" "set_return" (func $ret (param i32 i32) (result i32)))
  (import "env" "caller" (func $caller (param i32)))
  (import "env" "self_address" (func $self (param i32)))
  (import "env" "input_len" (func $ilen (result i32)))
  (import "env" "input" (func $input (param i32) (result i32)))
  (import "env" "sha256" (func $sha (param i32 i32 i32)))
  (import "env" "revert" (func $revert (param i32 i32)))
  (import "env" "balance" (func $balance (param i32 i32)))
  (import "env" "transfer" (func $transfer (param i32 i32) (result i32)))
  (import "env" "call_contract" (func $call (param i32 i32 i32 i32 i64) (result i32)))
  (import "env" "return_data_copy" (func $rdc (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "L")
  (data (i32.const 16) "reentered")
  ;; 64: zero value (16 bytes), 128: self, 256: scratch, 4096: input, 16384: big value
  (global $n (mut i32) (i32.const 0))
  (func $rec (param i32) (result i32)
    (call $rec (i32.add (local.get 0) (i32.const 1))))
  (func $ret_i32 (param i32)
    (i32.store (i32.const 256) (local.get 0))
    (drop (call $ret (i32.const 256) (i32.const 4))))
  (func (export "call") (result i32)
    (local $op i32) (local $v i32) (local $i i32) (local $r i32)
    (global.set $n (call $ilen))
    (if (i32.lt_u (global.get $n) (i32.const 2)) (then (return (i32.const 97))))
    (drop (call $input (i32.const 4096)))
    (local.set $op (i32.load8_u (i32.const 4096)))
    (local.set $v (i32.load8_u (i32.const 4097)))
    (if (i32.eq (local.get $op) (i32.const 0x01)) (then (loop $l (br $l))))
    (if (i32.eq (local.get $op) (i32.const 0x02)) (then
      (return (call $rec (i32.const 0)))))
    (if (i32.eq (local.get $op) (i32.const 0x03)) (then
      (loop $g (br_if $g (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
      (memory.fill (i32.const 0) (i32.const 0xab)
                   (i32.mul (memory.size) (i32.const 65536)))
      (unreachable)))
    (if (i32.eq (local.get $op) (i32.const 0x04)) (then
      (loop $w
        (i32.store (i32.const 256) (local.get $i))
        (if (i32.eqz (call $swrite (i32.const 256) (i32.const 4) (i32.const 256) (i32.const 4)))
          (then (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $w))))
      (call $ret_i32 (local.get $i))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 0x05)) (then
      (loop $w
        (i32.store8 (i32.const 16384) (local.get $i))
        (drop (call $swrite (i32.const 0) (i32.const 1) (i32.const 16384) (i32.const 4096)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $w (i32.lt_u (local.get $i) (i32.const 50))))
      (call $ret_i32
        (call $swrite (i32.const 0) (i32.const 1) (i32.const 16384) (i32.const 4097)))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 0x06)) (then
      (if (i32.eq (local.get $v) (i32.const 0)) (then   ;; value past the end of memory
        (drop (call $swrite (i32.const 0) (i32.const 1) (i32.const 65535) (i32.const 8)))))
      (if (i32.eq (local.get $v) (i32.const 1)) (then   ;; topic at a negative offset
        (drop (call $event (i32.const -4) (i32.const 0) (i32.const 0)))))
      (if (i32.eq (local.get $v) (i32.const 2)) (then   ;; hash output past the end
        (call $sha (i32.const 0) (i32.const 1) (i32.const 65520))))
      (if (i32.eq (local.get $v) (i32.const 3)) (then   ;; balance output past the end
        (call $balance (i32.const 128) (i32.const 65530))))
      (if (i32.eq (local.get $v) (i32.const 4)) (then   ;; transfer amount past the end
        (drop (call $transfer (i32.const 128) (i32.const 65530)))))
      (if (i32.eq (local.get $v) (i32.const 5)) (then   ;; call input of 2 GiB
        (drop (call $call (i32.const 128) (i32.const 0) (i32.const 0x7fffffff) (i32.const 64)
                          (i64.const 0)))))
      (if (i32.eq (local.get $v) (i32.const 6)) (then   ;; call address at -1
        (drop (call $call (i32.const -1) (i32.const 0) (i32.const 0) (i32.const 64)
                          (i64.const 0)))))
      (if (i32.eq (local.get $v) (i32.const 7)) (then   ;; return data that is not there
        (call $rdc (i32.const 256) (i32.const 0) (i32.const 1))))
      (if (i32.eq (local.get $v) (i32.const 8)) (then   ;; input copied past the end
        (drop (call $input (i32.const 65535)))))
      (if (i32.eq (local.get $v) (i32.const 9)) (then   ;; caller written past the end
        (call $caller (i32.const 65530))))
      (if (i32.eq (local.get $v) (i32.const 10)) (then  ;; revert reason at a huge offset
        (call $revert (i32.const 0x40000000) (i32.const 4))))
      (if (i32.eq (local.get $v) (i32.const 11)) (then  ;; sha256 of a negative length
        (call $sha (i32.const 0) (i32.const -1) (i32.const 256))))
      (return (i32.const 96))))
    (if (i32.eq (local.get $op) (i32.const 0x07)) (then
      (if (i32.ne (call $sread (i32.const 0) (i32.const 1) (i32.const 256)) (i32.const 0))
        (then (call $revert (i32.const 16) (i32.const 9))))
      (drop (call $swrite (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1)))
      (local.set $r (call $call (i32.const 4097) (i32.const 4117)
                                (i32.sub (global.get $n) (i32.const 21)) (i32.const 64)
                                (i64.const 0)))
      (drop (call $sremove (i32.const 0) (i32.const 1)))
      (call $ret_i32 (local.get $r))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 0x08)) (then
      (call $self (i32.const 128))
      (drop (call $call (i32.const 128) (i32.const 4096) (global.get $n) (i32.const 64)
                        (i64.const 0)))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 0x09)) (then
      (call $ret_i32 (call $sread (i32.const 0) (i32.const 257) (i32.const 256)))
      (return (i32.const 0))))
    (i32.const 98))
)
