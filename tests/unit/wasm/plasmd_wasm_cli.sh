#!/bin/sh
# `plasmd wasm validate|run` driven the way a user types it: output format,
# typed arguments, traps, fuel and exit codes (0 ok, 1 trap/invalid, 2 usage or
# malformed input). Usage: plasmd_wasm_cli.sh PLASMD DATA_DIR WORK_DIR
set -u
plasmd=$1; data=$2; work=$3
mkdir -p "$work"
fails=0
expect() {  # expect CODE "STDOUT" -- args...
  want_rc=$1; want_out=$2; shift 3
  out=$("$plasmd" wasm "$@" 2>"$work/err"); rc=$?
  if [ "$rc" != "$want_rc" ] || [ "$out" != "$want_out" ]; then
    echo "FAIL: plasmd wasm $*: exit $rc (want $want_rc), stdout '$out' (want '$want_out')"
    sed 's/^/  stderr: /' "$work/err"
    fails=$((fails + 1))
  else
    echo "ok   plasmd wasm $*"
  fi
}
m=$data/fuel.wasm
expect 0 "valid" -- validate "$m"
expect 0 "i32:6765" -- run "$m" --invoke fib 20
expect 0 "i32:6765" -- run "$m" --invoke=fib 20 --fuel 1000000
expect 1 "" -- run "$m" --invoke fib 25 --fuel 1000
grep -q "trap: out of fuel" "$work/err" || { echo "FAIL: no out-of-fuel message"; fails=$((fails + 1)); }
expect 1 "" -- run "$m" --invoke trapper 3
grep -q "trap: integer divide by zero" "$work/err" || { echo "FAIL: no trap kind"; fails=$((fails + 1)); }
expect 0 "f64:-inf" -- run "$m" --invoke floats 10
expect 2 "" -- run "$m" --invoke fib
expect 2 "" -- run "$m" --invoke fib x
expect 2 "" -- run "$m" --invoke fib 99999999999
expect 2 "" -- run "$m" --invoke nope
expect 2 "" -- run "$m" --invoke fib 1 --bogus
expect 2 "" -- run "$m" 1
# load+branch fusion keeps the loaded value where the code expects it
l=$data/loadbr.wasm
expect 0 "i32:3" -- run "$l" --invoke walk 16
expect 0 "i32:0" -- run "$l" --invoke walk 0
expect 0 "i32:48" -- run "$l" --invoke last 16
expect 0 "i32:1" -- run "$l" --invoke b8 100
expect 0 "i32:2" -- run "$l" --invoke b8 101
expect 0 "i32:5" -- run "$l" --invoke b8v 100
expect 0 "i32:77" -- run "$l" --invoke b8v 101
# v128 arguments and results in the spec's text form
v=$data/simd.wasm
expect 0 "valid" -- validate "$v"
expect 0 "v128:i32x4 11 22 33 2147483643" -- run "$v" --invoke add_i32x4 'i32x4 1 2 3 -4' 'i32x4 10 20 30 0x7fffffff'
expect 0 "v128:i8x16 0 2 3 4 4 6 7 8 10 10 11 12 13 14 15 -1" -- run "$v" --invoke add_i32x4 \
  'i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 255' 'i64x2 -1 1' --v128-shape i8x16
expect 0 "v128:f32x4 2 -5 inf nan:0x7fc00000
i32:7" -- run "$v" --invoke scale_f32x4 'f32x4 1 -2.5 inf nan' 2 --v128-shape=f32x4
expect 0 "v128:f64x2 2.121995791459338e-314 4.2439915829186759e-314" -- run "$v" --invoke add_i32x4 \
  'i32x4 1 1 2 2' 'i32x4 0 0 0 0' --v128-shape f64x2
expect 2 "" -- run "$v" --invoke add_i32x4 'i32x4 1 2 3' 'i32x4 1 2 3 4'
grep -q "not a valid v128" "$work/err" || { echo "FAIL: no v128 argument message"; fails=$((fails + 1)); }
expect 2 "" -- run "$v" --invoke add_i32x4 'i32x4 1 2 3 4' 'i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 256'
expect 2 "" -- run "$v" --invoke add_i32x4 'i32x4 1 2 3 4' 'i32x4 1 2 3 4' --v128-shape i7x16
expect 0 "i32:578585340" -- run "$v" --invoke simd_ints 100 --fuel 100000
printf 'garbage' > "$work/bad.wasm"
expect 2 "" -- validate "$work/bad.wasm"
grep -q "magic" "$work/err" || { echo "FAIL: malformed message"; fails=$((fails + 1)); }
# invalid (well-formed, fails type checking): (func (result i32)) with an empty body
printf '\0asm\1\0\0\0\1\5\1\140\0\1\177\3\2\1\0\12\4\1\2\0\13' > "$work/invalid.wasm"
expect 1 "" -- validate "$work/invalid.wasm"
expect 2 "" -- validate "$work/missing.wasm"
[ "$fails" = 0 ] || { echo "$fails failed"; exit 1; }
