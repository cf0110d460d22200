#!/bin/sh
# Fuel determinism (issue 3): builds fuel_driver together with the engine with
# gcc and clang, each at -O0 and -O2, runs every build and the driver of the
# current build ($1), and requires each to print exactly fuel_expected.txt.
# Usage: fuel_determinism.sh CURRENT_DRIVER SOURCE_DIR WORK_DIR [SHARED_DIR]
set -eu
current=$1; src=$2; work=$3; shared=${4:-}
here=$src/tests/unit/wasm
. "$src/tests/common/testenv.sh"
expected=$here/fuel_expected.txt
args="$here/data"
if [ -n "$shared" ] && [ -f "$shared/bench/coremark-bare-1k.wasm" ]; then
  args="$args $shared"
else
  # The small workloads still run; the result is SKIP (77), or FAIL in strict mode.
  testenv_skip_part "CoreMark cases: no $shared/bench/coremark-bare-1k.wasm (shared data absent)" ||
    strict_missing=1
  expected_filtered=$work/expected_small.txt
  mkdir -p "$work"
  grep -v '^coremark' "$expected" > "$expected_filtered"
  expected=$expected_filtered
fi
mkdir -p "$work"
status=0
check() {
  if "$@" $args > "$work/out.txt" && cmp -s "$work/out.txt" "$expected"; then
    echo "ok   $label"
  else
    echo "FAIL $label"; diff "$expected" "$work/out.txt" || true; status=1
  fi
}
label="current build"; check "$current"
srcs=$(ls "$src"/src/wasm/*.c)
base=$(ls "$src"/src/base/*.c)
for cc in gcc clang; do
  if ! command -v $cc >/dev/null 2>&1; then echo "FAIL $cc not installed"; status=1; continue; fi
  for opt in -O0 -O2; do
    exe=$work/fuel_driver_${cc}$opt
    # shellcheck disable=SC2086
    if ! $cc -std=c11 $opt -D_GNU_SOURCE -I"$src/src" -o "$exe" "$here/fuel_driver.c" $srcs $base \
        $(pkg-config --cflags --libs jansson) -lm -lpthread; then
      echo "FAIL $cc $opt does not build"; status=1; continue
    fi
    label="$cc $opt"; check "$exe"
  done
done
[ -z "${strict_missing:-}" ] || status=1
testenv_exit $status
