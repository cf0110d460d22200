(module
  (import "env" "get_random" (func (result i32)))
  (memory (export "memory") 1)
  (func (export "call") (result i32) (i32.const 0)))
