;; Workloads of the fuel determinism test (fuel_driver.c). Rebuild with
;; wat2wasm fuel.wat -o fuel.wasm
(module
  (memory (export "memory") 1)
  (table 2 funcref)
  (elem (i32.const 0) $fib $sq)
  (type $i2i (func (param i32) (result i32)))
  (func $fib (param i32) (result i32)
    local.get 0 i32.const 2 i32.lt_u
    if (result i32) local.get 0
    else
      local.get 0 i32.const 1 i32.sub call $fib
      local.get 0 i32.const 2 i32.sub i32.const 0 call_indirect (type $i2i)
      i32.add
    end)
  (func $sq (param i32) (result i32) local.get 0 local.get 0 i32.mul)
  (func (export "fib") (param i32) (result i32) local.get 0 call $fib)
  ;; float work with NaNs from 0/0 and sqrt(-x), results stored to memory
  (func (export "floats") (param i32) (result f64)
    (local $i i32) (local $acc f64) (local $x f64)
    loop $l
      local.get $i f64.convert_i32_s f64.const 3 f64.sub local.tee $x
      local.get $x f64.mul f64.sqrt
      local.get $x f64.const 0 f64.div f64.add
      local.get $x f64.neg f64.sqrt f64.add
      local.set $x
      local.get $i i32.const 8 i32.mul local.get $x f64.store
      local.get $acc local.get $x local.get $x f64.eq
      if (result f64) local.get $x else f64.const 1 end f64.add local.set $acc
      local.get $i i32.const 1 i32.add local.tee $i local.get 0 i32.lt_s br_if $l
    end
    local.get $acc)
  ;; counts up in memory, then divides by zero
  (func (export "trapper") (param i32) (result i32)
    (local $i i32)
    block $done
      loop $l
        local.get $i local.get 0 i32.ge_u br_if $done
        i32.const 0 i32.const 0 i32.load i32.const 1 i32.add i32.store
        local.get $i i32.const 1 i32.add local.set $i
        br $l
      end
    end
    i32.const 1 local.get $i local.get 0 i32.sub i32.div_u)
  ;; bulk memory charges in proportion to the length
  (func (export "bulk") (param i32) (result i32)
    i32.const 0 i32.const 7 local.get 0 memory.fill
    i32.const 100 i32.const 0 local.get 0 memory.copy
    i32.const 1 memory.grow))
