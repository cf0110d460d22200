(module
  (func $fac (export "fac") (param i64) (result i64)
    local.get 0 i64.eqz if (result i64) i64.const 1 else
    local.get 0 local.get 0 i64.const 1 i64.sub call $fac i64.mul end)
  (func (export "run") (result i64) i64.const 20 call $fac)
  (func $deep (export "deep") (result i32) call $deep)
  (func (export "multi") (result i32 i64 f64)
    i32.const 1 i64.const 2 f64.const 3
    block (param i32 i64 f64) (result i32 i64 f64) end)
  (func (export "tbl") (result i32)
    ref.null extern i32.const 3 table.grow 0 drop table.size 0)
  (table 0 externref))
