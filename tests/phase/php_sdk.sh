#!/bin/sh
# Runs the PHP SDK's PHPUnit suite (sdk/php). PHPUnit reports a skipped test
# (e.g. no HELLO_WASM when the wasm32-wasi toolchain was missing) with exit 0;
# here it becomes SKIP (exit 77), or a failure in strict mode (CI=true).
# usage: php_sdk.sh PHPUNIT SDK_DIR    (env: PLASMD_BIN, HELLO_WASM)
set -u
PHPUNIT=$1; SDK=$2
. "$(dirname "$0")/../common/testenv.sh"
out=$(mktemp "${TMPDIR:-/tmp}/php-sdk.XXXXXX")
trap 'rm -f "$out"' EXIT
cd "$SDK" || exit 1
if testenv_strict; then
    "$PHPUNIT" --configuration phpunit.xml --fail-on-skipped --verbose
    exit $?
fi
"$PHPUNIT" --configuration phpunit.xml --verbose >"$out" 2>&1
rc=$?
cat "$out"
[ "$rc" -eq 0 ] || exit 1
if grep -q 'Skipped: [1-9]' "$out"; then
    # PHPUnit --verbose lists each skipped test and its reason.
    testenv_skip_part "PHPUnit skipped test(s): $(grep -A2 -E '^[0-9]+\) ' "$out" | grep -v '^--' | tr '\n' ' ' | cut -c1-300)"
fi
testenv_exit 0
