#!/bin/sh
# Runs the crypto/bls differential test: node generates the cases with
# @noble/curves, the C driver checks them. Exit 77 (ctest SKIP) when node or
# this folder's node_modules are missing.
set -eu
driver=$1
count=${2:-10000}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node is not installed" >&2
    exit 77
fi
if [ ! -d "$here/node_modules/@noble/curves" ]; then
    echo "SKIP: $here/node_modules missing (run npm ci in that folder)" >&2
    exit 77
fi
cases=$(mktemp "${TMPDIR:-/tmp}/bls-cases.XXXXXX")
trap 'rm -f "$cases"' EXIT
node "$here/gen_cases.mjs" "$cases" "$count" "${BLS_DIFF_SEED:-aether-bls-differential-1}"
"$driver" "$cases" "$count"
