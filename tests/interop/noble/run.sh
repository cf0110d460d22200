#!/bin/sh
# Runs the crypto/bls differential test: node generates the cases with
# @noble/curves, the C driver checks them. Exit 77 (ctest SKIP) when node or
# this folder's node_modules are missing; fails instead in strict mode (CI=true).
set -eu
driver=$1
count=${2:-10000}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../common/testenv.sh"
testenv_require_cmd node "node is not installed"
[ -d "$here/node_modules/@noble/curves" ] ||
    testenv_missing "$here/node_modules missing (run npm ci in that folder)"
cases=$(mktemp "${TMPDIR:-/tmp}/bls-cases.XXXXXX")
trap 'rm -f "$cases"' EXIT
node "$here/gen_cases.mjs" "$cases" "$count" "${BLS_DIFF_SEED:-aether-bls-differential-1}"
"$driver" "$cases" "$count"
