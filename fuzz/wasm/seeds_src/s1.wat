(module
  (type $t (func (param i32) (result i32)))
  (import "env" "f" (func $f (param i32) (result i32)))
  (import "env" "mem" (memory 1 2))
  (import "env" "g" (global (mut i64)))
  (table 4 funcref)
  (elem (i32.const 0) $a $b $f)
  (global $c (mut i32) (i32.const 7))
  (data (i32.const 16) "hello")
  (func $a (type $t) local.get 0 i32.const 1 i32.add)
  (func $b (type $t) local.get 0 call $f)
  (func (export "main") (result i32)
    (local i32 i64 f32 f64)
    block (result i32)
      loop
        local.get 0 i32.const 1 i32.add local.tee 0
        i32.const 10 i32.lt_s br_if 0
      end
      local.get 0 i32.const 2 call_indirect (type $t)
      i32.const 16 i32.load8_u i32.add
      global.get $c i32.add
      f32.const 1.5 f32.sqrt i32.trunc_sat_f32_s i32.add
      br 0
    end)
  (func (export "grow") (result i32) i32.const 1 memory.grow)
  (func (export "bulk") i32.const 0 i32.const 1 i32.const 100 memory.fill
    i32.const 8 i32.const 0 i32.const 8 memory.copy)
  (func (export "trap") (result i32) i32.const 1 i32.const 0 i32.div_u))
