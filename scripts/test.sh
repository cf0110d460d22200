#!/usr/bin/env bash
# The full test suite, exactly as CI runs it (.ci/run calls this script):
#   1. install Debian packages (scripts/setup.sh) and npm packages of the
#      interop tests (npm ci in every tests/ folder with a package-lock.json);
#   2. gcc Release build + ctest;
#   3. clang build with AddressSanitizer + UndefinedBehaviorSanitizer + ctest;
#   4. clang libFuzzer build + a short smoke run of every fuzz target;
#   5. the summary: each stage's ctest result and every skipped test with its reason.
# Usage: scripts/test.sh [--no-setup] [--quick] [--strict]
#   --quick   only step 2
#   --strict  every test datum and tool is required (../shared, node + npm
#             modules, php + phpunit, python3, wat2wasm, valgrind, network
#             namespaces): a missing one fails the run and is named. Implied by
#             CI=true (CI sets it). Exports AETHER_STRICT=1, so each test fails
#             instead of skipping. Without it, such tests skip (ctest code 77)
#             and are listed with their reason at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SETUP=1
QUICK=0
STRICT=0
[ "${CI:-}" = true ] && STRICT=1
for a in "$@"; do
  case "$a" in
    --no-setup) SETUP=0 ;;
    --quick) QUICK=1 ;;
    --strict) STRICT=1 ;;
    *) echo "test.sh: unknown option '$a'" >&2; exit 2 ;;
  esac
done
JOBS=${JOBS:-$(nproc)}
failed=()
if [ "$STRICT" = 1 ]; then
  export AETHER_STRICT=1
fi

step() { printf '\n==== %s ====\n' "$*"; }

if [ "$SETUP" = 1 ]; then
  step "setup"
  ./scripts/setup.sh || exit 1
  while IFS= read -r lock; do
    dir=$(dirname "$lock")
    step "npm ci in $dir"
    if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error); then
      if [ "$STRICT" = 1 ]; then
        failed+=("npm ci in $dir")
      else
        echo "npm ci failed in $dir: its interop tests will report themselves skipped"
      fi
    fi
  done < <(find tests -name package-lock.json -not -path '*/node_modules/*' | sort)
fi

# Strict mode: name every missing datum and tool before building anything.
if [ "$STRICT" = 1 ]; then
  step "strict mode: checking test data and tools"
  missing=()
  shared=${AETHER_SHARED:-$ROOT/../shared}
  [ -d "$shared/testdata" ] || missing+=("shared test data ($shared/testdata; clone it beside this checkout as ../shared)")
  for tool in node npm php phpunit python3 wat2wasm valgrind ip unshare; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool (not on PATH; scripts/setup.sh installs it)")
  done
  while IFS= read -r lock; do
    dir=$(dirname "$lock")
    [ -d "$dir/node_modules" ] || missing+=("npm modules in $dir (npm ci there)")
  done < <(find tests -name package-lock.json -not -path '*/node_modules/*' | sort)
  if command -v unshare >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then ns="unshare -n"; else ns="unshare -rn"; fi
    $ns true 2>/dev/null || missing+=("network namespaces ($ns not permitted here)")
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    printf 'MISSING (strict mode: CI=true or --strict): %s\n' "${missing[@]}"
    printf '\nFAILED: strict mode needs every test datum and tool; %d missing (listed above).\n' "${#missing[@]}"
    printf 'Run without CI=true/--strict to skip the tests that need them (they are listed at the end).\n'
    exit 1
  fi
  echo "all present"
fi

build() { # dir, cmake args...
  local dir=$1; shift
  cmake -S "$ROOT" -B "$dir" -G Ninja "$@" >/dev/null && cmake --build "$dir" -j "$JOBS"
}

# ctest_stage NAME DIR [ctest args...]: runs ctest, keeps its output for the summary.
summaries=()
ctest_stage() {
  local name=$1 dir=$2; shift 2
  local rc
  (cd "$dir" && ctest "$@" --output-on-failure -j "$JOBS" 2>&1) | tee "$dir/ctest-output.txt"
  rc=${PIPESTATUS[0]}
  summaries+=("$name:$dir")
  [ "$rc" = 0 ] || failed+=("ctest $name")
}

step "gcc Release build"
if build build/gcc-release -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release; then
  step "ctest (gcc Release)"
  ctest_stage gcc-release build/gcc-release -LE fuzz
else
  failed+=("build gcc-release")
fi

if [ "$QUICK" = 0 ]; then
  step "clang ASan+UBSan build"
  if build build/clang-asan -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Asan; then
    step "ctest (clang ASan+UBSan)"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest_stage clang-asan build/clang-asan -LE fuzz
  else
    failed+=("build clang-asan")
  fi

  step "clang libFuzzer build + fuzz smoke"
  if build build/fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release -DAETHER_FUZZ=ON; then
    ctest_stage fuzz build/fuzz -L fuzz
  else
    failed+=("build fuzz")
  fi
fi

# Summary: the result line of each stage, then every skipped test with the
# reason it printed ("SKIP: ..." lines of its output, from ctest's log).
step "summary"
n_skipped=0
for s in "${summaries[@]}"; do
  name=${s%%:*}; dir=${s#*:}
  printf -- '-- %s: %s\n' "$name" "$(grep -E 'tests passed|No tests were found' "$dir/ctest-output.txt" | tail -n 1)"
  # ctest's log records a skip as "Passed": the names come from ctest's "did
  # not run" list, the reasons from each test's output in the log.
  awk '
    FNR == NR {
      if ($0 ~ /^[0-9]+\/[0-9]+ Testing: /) { t = $3; next }
      if ($0 ~ /^SKIP: / && $0 !~ /part\(s\) of this test did not run/ && t != "" &&
          !((t, $0) in seen) && cnt[t] < 5) {
        seen[t, $0] = 1; why[t, cnt[t]++] = substr($0, 7)
      }
      next
    }
    /^[[:space:]]*[0-9]+ - [^ ]+ \((Skipped|Disabled)\)/ {
      name = $3
      printf "   SKIPPED %-30s %s\n", name, (cnt[name] ? why[name, 0] : $4 " (no reason printed)")
      for (i = 1; i < cnt[name]; i++) printf "   %-38s %s\n", "", why[name, i]
    }
  ' "$dir/Testing/Temporary/LastTest.log" "$dir/ctest-output.txt" | tee "$dir/skipped.txt"
  n_skipped=$((n_skipped + $(grep -c '^   SKIPPED' "$dir/skipped.txt")))
  grep -E '^[[:space:]]*[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess aborted|Exception|Not Run)\)' \
    "$dir/ctest-output.txt" | sed 's/^[[:space:]]*/   FAILED /'
done

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nFAILED: %s\n' "${failed[*]}"
  exit 1
fi
if [ "$n_skipped" -gt 0 ]; then
  printf '\nAll stages passed, but %d test run(s) were SKIPPED (listed above with the reason);\n' "$n_skipped"
  printf 'CI (CI=true or --strict) requires every one of them.\n'
else
  printf '\nAll stages passed.\n'
fi
