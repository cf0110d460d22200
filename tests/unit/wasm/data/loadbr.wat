;; Load-and-branch fusion cases (plasmd_wasm_cli.sh). wat2wasm loadbr.wat -o loadbr.wasm
(module
  (memory 1)
  (data (i32.const 16) "\20\00\00\00")
  (data (i32.const 32) "\30\00\00\00")
  (data (i32.const 48) "\00\00\00\00")
  (data (i32.const 100) "\05\00")
  (func (export "walk") (param i32) (result i32)
    (local $n i32)
    block
      loop
        local.get 0 i32.eqz br_if 1
        local.get $n i32.const 1 i32.add local.set $n
        local.get 0 i32.load local.tee 0 br_if 0
      end
    end
    local.get $n local.get 0 i32.const 1000 i32.mul i32.add)
  (func (export "last") (param i32) (result i32)
    (local $p i32)
    loop
      local.get 0 local.set $p
      local.get 0 i32.load local.set 0
      local.get 0 br_if 0
    end
    local.get $p)
  (func (export "b8") (param i32) (result i32)
    local.get 0 i32.load8_u if (result i32) i32.const 1 else i32.const 2 end)
  (func (export "b8v") (param i32) (result i32)
    (local $v i32)
    block
      local.get 0 i32.load8_u local.tee $v br_if 0
      i32.const 77 return
    end
    local.get $v))
