#!/bin/sh
# Issue 16 acceptance: a disputed job's re-execution gives the same commitment
# (and gas) on nodes built with different compilers. Builds reexec_driver.c
# with the engine, WASI, phase and base sources by gcc and by clang (-O2, as a
# release node is built), runs each disputed job in both and in this build's
# driver (which calls chain_escrow_reexecute through chain/exec), and requires
# identical lines. The jobs: a text job, float work with NaN-producing ops, a
# job stopped by its fuel (the gas bound), one stopped by its memory cap, a
# trap, and CoreMark (shared/bench's bare module given a _start: about 10^9
# gas). Same mechanism as tests/unit/wasm/fuel_determinism.sh.
# Usage: reexec_compilers.sh CURRENT_DRIVER SOURCE_DIR WORK_DIR [SHARED_DIR]
set -u
current=$1 src=$2 work=$3 shared=${4:-}
. "$src/tests/common/testenv.sh"
command -v wat2wasm >/dev/null 2>&1 || testenv_missing "wat2wasm (wabt) is needed to build the jobs"
for cc in gcc clang; do
    command -v $cc >/dev/null 2>&1 || testenv_missing "$cc is needed: the test compares a gcc and a clang build"
done
rm -rf "$work"
mkdir -p "$work"
progs=$src/tests/phase/progs
for m in rev spin grow trap; do
    wat2wasm "$progs/$m.wat" -o "$work/$m.wasm" || { echo "FAIL: wat2wasm $m"; exit 1; }
done
wat2wasm "$src/tests/chain/data/fnan.wat" -o "$work/fnan.wasm" || { echo "FAIL: wat2wasm fnan"; exit 1; }
printf 'escrowed input' >"$work/input.txt"
: >"$work/empty"
# name module input fuel memory
jobs="rev rev.wasm input.txt 10000000 16777216
fnan fnan.wasm empty 100000000 16777216
spin spin.wasm empty 3000000 16777216
grow grow.wasm empty 100000000 1048576
trap trap.wasm empty 10000000 16777216"
skipped=0
cm=$shared/bench/coremark-bare-1k.wasm
if [ -n "$shared" ] && [ -f "$cm" ] && command -v wasm2wat >/dev/null 2>&1; then
    # the bare module exports run: () -> i32; a job needs a WASI command's _start
    wasm2wat "$cm" | sed 's/^  (export "run" (func \([0-9]*\)))$/&\n  (func $start call \1 drop)\n  (export "_start" (func $start))/' \
        >"$work/coremark.wat" && wat2wasm "$work/coremark.wat" -o "$work/coremark.wasm" &&
        grep -q '"_start"' "$work/coremark.wat" || { echo "FAIL: cannot make the CoreMark job"; exit 1; }
    jobs="$jobs
coremark coremark.wasm empty 10000000000 67108864"
else
    testenv_skip_part "CoreMark job: no $cm or no wasm2wat" || skipped=1
fi

srcs="$src/src/phase/exec.c $src/src/phase/worker.c $src/src/phase/result.c
      $src/src/phase/envelope.c $src/src/phase/job.c $src/src/phase/identity.c
      $(ls "$src"/src/wasm/*.c "$src"/src/wasm/wasi/*.c "$src"/src/base/*.c "$src"/src/crypto/*.c)"
status=0
drivers="$current"
for cc in gcc clang; do
    exe=$work/reexec_$cc
    # shellcheck disable=SC2086
    if ! $cc -std=c11 -O2 -D_GNU_SOURCE -DREEXEC_STANDALONE -I"$src/src" -o "$exe" \
        "$src/tests/chain/reexec_driver.c" $srcs $(pkg-config --cflags --libs jansson libsodium libcrypto) \
        -lm -lpthread; then
        echo "FAIL: $cc does not build the re-execution path"; exit 1
    fi
    "$exe" 2>/dev/null; [ $? -eq 2 ] || { echo "FAIL: $cc build does not run"; exit 1; }
    drivers="$drivers $exe"
done
echo "$jobs" | while read -r name mod input fuel mem; do
    ref=
    for d in $drivers; do
        out=$("$d" "$work/$mod" "$work/$input" "$fuel" "$mem") || { echo "FAIL $name: $d"; exit 1; }
        echo "$out" | grep -Eq '^commitment=[0-9a-f]{64} gas=[1-9][0-9]*$' || {
            echo "FAIL $name: $d printed '$out'"; exit 1; }
        if [ -z "$ref" ]; then
            ref=$out
        elif [ "$out" != "$ref" ]; then
            echo "FAIL $name: $(basename "$d") gives '$out', this build's chain_escrow_reexecute '$ref'"
            exit 1
        fi
    done
    echo "ok   $name: $ref (this build, gcc -O2, clang -O2)"
done || status=1
# the jobs must differ from each other (a driver that ignored its input would agree with itself)
n=$(echo "$jobs" | while read -r name mod input fuel mem; do
    "$current" "$work/$mod" "$work/$input" "$fuel" "$mem"; done | sort -u | wc -l)
want=$(echo "$jobs" | wc -l)
[ "$n" = "$want" ] || { echo "FAIL: the $want jobs gave $n distinct results"; status=1; }
[ $status -ne 0 ] && exit 1
testenv_exit "$skipped"
