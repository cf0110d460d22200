#!/usr/bin/env bash
# The full test suite, exactly as CI runs it (.ci/run calls this script):
#   1. install Debian packages (scripts/setup.sh) and npm packages of the
#      interop tests (npm ci in every tests/ folder with a package-lock.json);
#   2. gcc Release build + ctest;
#   3. clang build with AddressSanitizer + UndefinedBehaviorSanitizer + ctest;
#   4. clang libFuzzer build + a short smoke run of every fuzz target;
#   5. the Release ctest summary again, last, so the run ends with it.
# Usage: scripts/test.sh [--no-setup] [--quick]   (--quick: only step 2)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SETUP=1
QUICK=0
for a in "$@"; do
  case "$a" in
    --no-setup) SETUP=0 ;;
    --quick) QUICK=1 ;;
    *) echo "test.sh: unknown option '$a'" >&2; exit 2 ;;
  esac
done
JOBS=${JOBS:-$(nproc)}
failed=()

step() { printf '\n==== %s ====\n' "$*"; }

if [ "$SETUP" = 1 ]; then
  step "setup"
  ./scripts/setup.sh || exit 1
  while IFS= read -r lock; do
    dir=$(dirname "$lock")
    step "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) ||
      echo "npm ci failed in $dir: its interop tests will report themselves skipped"
  done < <(find tests -name package-lock.json -not -path '*/node_modules/*' | sort)
fi

build() { # dir, cmake args...
  local dir=$1; shift
  cmake -S "$ROOT" -B "$dir" -G Ninja "$@" >/dev/null && cmake --build "$dir" -j "$JOBS"
}

step "gcc Release build"
if build build/gcc-release -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release; then
  step "ctest (gcc Release)"
  (cd build/gcc-release && ctest -LE fuzz --output-on-failure -j "$JOBS") || failed+=("ctest gcc-release")
else
  failed+=("build gcc-release")
fi

if [ "$QUICK" = 0 ]; then
  step "clang ASan+UBSan build"
  if build build/clang-asan -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Asan; then
    step "ctest (clang ASan+UBSan)"
    (cd build/clang-asan &&
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest -LE fuzz --output-on-failure -j "$JOBS") || failed+=("ctest clang-asan")
  else
    failed+=("build clang-asan")
  fi

  step "clang libFuzzer build + fuzz smoke"
  if build build/fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release -DAETHER_FUZZ=ON; then
    (cd build/fuzz && ctest -L fuzz --output-on-failure -j "$JOBS") || failed+=("fuzz smoke")
  else
    failed+=("build fuzz")
  fi

  step "summary (gcc Release)"
  (cd build/gcc-release && ctest -LE fuzz -j "$JOBS" 2>&1 | tail -n 40) || true
fi

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nFAILED: %s\n' "${failed[*]}"
  exit 1
fi
printf '\nAll stages passed.\n'
