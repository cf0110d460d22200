#!/bin/sh
# libp2p benchmark, every pairing in one run: connection set-up latency and
# Noise + Yamux one-stream throughput for C->C (two processes and one
# process), C->js, js->C and js->js (the reference), on loopback.
#   bench/p2p/run.sh BUILD_DIR [MB] [DIALS]
# Needs node and `npm ci` in tests/interop/libp2p for the js pairings.
set -eu
build=${1:?usage: bench/p2p/run.sh BUILD_DIR [MB] [DIALS]}
mb=${2:-256}
dials=${3:-200}
root=$(cd "$(dirname "$0")/../.." && pwd)
bench="$build/bench/p2p/bench_p2p"
js="$root/tests/interop/libp2p/bench_peer.mjs"
tmp=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

wait_line() { # file
  i=0
  while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  head -n 1 "$1"
}

"$bench" serve >"$tmp/c.addr" & pids="$pids $!"
c_addr=$(wait_line "$tmp/c.addr")
"$bench" dial "$c_addr" "$mb" "$dials" "C->C (two processes)"
"$bench" local "$mb" "$dials"
if command -v node >/dev/null && [ -d "$root/tests/interop/libp2p/node_modules" ]; then
  node "$js" serve >"$tmp/js.addr" & pids="$pids $!"
  js_addr=$(wait_line "$tmp/js.addr")
  "$bench" dial "$js_addr" "$mb" "$dials" "C->js"
  node "$js" dial "$c_addr" "$mb" "$dials" "js->C"
  node "$js" dial "$js_addr" "$mb" "$dials" "js->js (reference)"
else
  echo "js pairings skipped: node or tests/interop/libp2p/node_modules missing" >&2
fi
