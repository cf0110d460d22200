#!/usr/bin/env bash
# Regression tests for issue 19 (findings 2, 3, 4, 10 and the "4294967295
# locals" exit code), run the way a user runs jobs: `plasmd run` on modules
# written here in WAT and assembled with wat2wasm.
#
#   2  --fuel and --timeout hold whatever a job does: host calls charge fuel
#      for their work (random_get bytes, fd_write/fd_read iovecs, poll_oneoff
#      subscriptions) and stop at a timeout; bulk instructions (memory.fill,
#      memory.copy, table.fill, table.copy) stop at a timeout mid-operation;
#      a poll_oneoff sleep ends at the timeout; the exit code is 124 and the
#      receipt says timeout. Wall time over --timeout stays under 100 ms.
#   3  "max_memory_bytes": 0 in a manifest allows no memory (not unlimited).
#   4  tables, globals and the number of tables count against --memory.
#   10 --events streams: bounded RSS, and `plasmd verify --events` accepts
#      what run --events wrote.
#
# Every plasmd call is bounded by `timeout` (so a regression fails, never
# hangs) and every module touches at most a few hundred MiB.
#
# usage: harden_test.sh PLASMD [WAT2WASM]
set -u
. "$(dirname "$0")/../common/testenv.sh"
P=$1
W2W=${2:-}
case "$W2W" in ""|*NOTFOUND) W2W=$(command -v wat2wasm || true) ;; esac
[ -n "$W2W" ] && [ -x "$W2W" ] || testenv_missing "wat2wasm (wabt) is needed to build the test modules"
TIME=/usr/bin/time
[ -x "$TIME" ] || testenv_missing "GNU time (/usr/bin/time) is needed to measure peak RSS"
T=$(mktemp -d /tmp/phase-harden-XXXXXX)
trap 'rm -rf "$T"' EXIT
export PLASMD_HOME=$T/home
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok   - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "       $2"; }
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}
has() { grep -q -- "$2" "$1"; }

# run_job NAME WANT_RC MAX_MS CMD...: runs CMD under a 60 s kill, stdin from
# /dev/null, stdout/stderr to $T/out, $T/err; records the exit code in RC,
# the wall time in MS and the peak RSS (KiB) in RSS, and checks rc and time.
run_job() {
    local name=$1 want=$2 max_ms=$3
    shift 3
    local t0 t1
    t0=$(date +%s%N)
    "$TIME" -f '%M' -o "$T/rss" timeout -k 2 60 "$@" </dev/null >"$T/out" 2>"$T/err"
    RC=$?
    t1=$(date +%s%N)
    MS=$(((t1 - t0) / 1000000))
    RSS=$(tail -1 "$T/rss" 2>/dev/null | tr -dc 0-9)
    RSS=${RSS:-0}
    if [ "$RC" -ne "$want" ]; then
        bad "$name" "exit $RC, wanted $want, after $MS ms; stderr: $(head -c 300 "$T/err")"
    elif [ "$max_ms" -gt 0 ] && [ "$MS" -gt "$max_ms" ]; then
        bad "$name" "took $MS ms, limit $max_ms ms"
    else
        ok "$name ($MS ms, exit $RC)"
    fi
}

# The job's own wall time, from the receipt's metrics.total_duration_ms.
receipt_ms() { sed -n 's/.*"total_duration_ms":\([0-9]*\).*/\1/p' "$1"; }

asm() { # asm NAME: $T/NAME.wat -> $T/NAME.wasm
    "$W2W" "$T/$1.wat" -o "$T/$1.wasm" 2>"$T/w2w.err" || {
        bad "wat2wasm $1" "$(head -c 300 "$T/w2w.err")"
        return 1
    }
}
repeat() { # repeat N TEXT: N lines of TEXT
    local i
    for ((i = 0; i < $1; i++)); do echo "$2"; done
}

WASI='(import "wasi_snapshot_preview1"'
# Timeout slack: a job may overrun --timeout by at most 100 ms (the issue's
# bound); the process as a whole also starts, decodes and unmaps, so the
# whole-process figure gets 400 ms more on a loaded CI machine.
SLACK=100
PROC=400

# ---- finding 2: random_get ----------------------------------------------------
# 20 straight-line random_get(buf, 128 MiB): no loop, no call to wasm code.
{
    echo "(module $WASI \"random_get\" (func \$rg (param i32 i32) (result i32)))"
    echo '(memory (export "memory") 2049) (func (export "_start")'
    repeat 20 '(drop (call $rg (i32.const 0) (i32.const 134217728)))'
    echo '))'
} >"$T/rand.wat"
if asm rand; then
    run_job "random_get flood under --fuel 1000 stops out of fuel (125)" 125 $((1000 + SLACK + PROC)) \
        "$P" run --deterministic --fuel 1000 --timeout 1000 "$T/rand.wasm"
    check "  ... saying so" has "$T/err" "ran out of fuel"
    run_job "random_get flood under --timeout 300 stops (124)" 124 $((300 + SLACK + PROC)) \
        "$P" run --deterministic --timeout 300 --receipt "$T/rand-r.json" "$T/rand.wasm"
    ms=$(receipt_ms "$T/rand-r.json")
    check "  ... job wall time ${ms:-?} ms <= 300 + $SLACK" test "${ms:-99999}" -le $((300 + SLACK))
    run_job "  ... the same without --deterministic (getrandom)" 124 $((300 + SLACK + PROC)) \
        "$P" run --timeout 300 "$T/rand.wasm"
fi

# ---- finding 2: fd_write / fd_read with 8M iovecs -------------------------------
for op in fd_write fd_read; do
    fd=1
    [ $op = fd_read ] && fd=0
    cat >"$T/iov_$op.wat" <<EOF
(module $WASI "$op" (func \$f (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1025)
  (func (export "_start") (local \$i i32)
    (loop \$l
      (drop (call \$f (i32.const $fd) (i32.const 0) (i32.const 8388608) (i32.const 67108864)))
      (local.set \$i (i32.add (local.get \$i) (i32.const 1)))
      (br_if \$l (i32.lt_u (local.get \$i) (i32.const 200))))))
EOF
    if asm "iov_$op"; then
        run_job "$op with 8M zero-length iovecs x200 under --fuel 10000 stops (125)" 125 $((1000 + PROC)) \
            "$P" run --fuel 10000 "$T/iov_$op.wasm"
        # straight line: one call is all the job does, so only the host
        # function itself can notice the timeout
        {
            echo "(module $WASI \"$op\" (func \$f (param i32 i32 i32 i32) (result i32)))"
            echo '(memory (export "memory") 1025) (func (export "_start")'
            repeat 200 "(drop (call \$f (i32.const $fd) (i32.const 0) (i32.const 8388608) (i32.const 67108864)))"
            echo '))'
        } >"$T/iovs_$op.wat"
        asm "iovs_$op" &&
            run_job "  ... and straight-line calls stop at --timeout 200 (124)" 124 $((200 + SLACK + PROC)) \
                "$P" run --timeout 200 "$T/iovs_$op.wasm"
    fi
done

# ---- finding 2: poll_oneoff ------------------------------------------------------
# One 10 s clock subscription (relative, monotonic) at offset 0, then _start
# returns normally.
cat >"$T/sleep.wat" <<EOF
(module $WASI "poll_oneoff" (func \$poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store8 (i32.const 8) (i32.const 0))                 ;; tag: clock
    (i32.store (i32.const 16) (i32.const 1))                  ;; monotonic
    (i64.store (i32.const 24) (i64.const 10000000000))        ;; 10 s
    (drop (call \$poll (i32.const 0) (i32.const 1024) (i32.const 1) (i32.const 2048)))))
EOF
if asm sleep; then
    run_job "a poll_oneoff sleep under --timeout 500 is a timeout (124)" 124 $((500 + SLACK + PROC)) \
        "$P" run --timeout 500 --receipt "$T/sleep-r.json" "$T/sleep.wasm"
    check "  ... saying so" has "$T/err" "timed out after 500 ms"
    check "  ... the receipt's completion is not stop" has "$T/sleep-r.json" '"completion":"error"'
    check "  ... the receipt says timeout" has "$T/sleep-r.json" '"status":"timeout"'
    check "  ... and exit code 124" has "$T/sleep-r.json" '"exit_code":"124"'
    ms=$(receipt_ms "$T/sleep-r.json")
    check "  ... job wall time ${ms:-?} ms <= 500 + $SLACK" test "${ms:-99999}" -le $((500 + SLACK))
    expect=$("$P" verify "$T/sleep-r.json" 2>&1)
    check "  ... and the receipt verifies" test $? -eq 0
fi
# 60,000 fd subscriptions per call, in a loop: fuel is charged per subscription.
cat >"$T/pollmany.wat" <<EOF
(module $WASI "poll_oneoff" (func \$poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1024)
  (func (export "_start") (local \$i i32)
    (loop \$l
      (drop (call \$poll (i32.const 0) (i32.const 0) (i32.const 60000) (i32.const 4194304)))
      (local.set \$i (i32.add (local.get \$i) (i32.const 1)))
      (br_if \$l (i32.lt_u (local.get \$i) (i32.const 1000))))))
EOF
if asm pollmany; then
    run_job "poll_oneoff with 60,000 subscriptions x1000 under --fuel 10000 stops (125)" 125 $((1000 + PROC)) \
        "$P" run --fuel 10000 "$T/pollmany.wasm"
fi

# ---- finding 2: bulk instructions --------------------------------------------------
# Straight-line bulk operations over 256 MiB of memory / a 10M-entry table:
# no loop back-edge or call where the interpreter could notice a timeout.
bulk() { # bulk NAME PRELUDE INSTR: 200 straight-line INSTRs
    {
        echo "(module (memory (export \"memory\") 4097) (table \$t 10000000 funcref) (table \$u 10000000 funcref)"
        echo "(func (export \"_start\") $2"
        repeat 200 "$3"
        echo '))'
    } >"$T/$1.wat"
    asm "$1"
}
bulk fill "" "(memory.fill (i32.const 0) (i32.const 171) (i32.const 268435456))"
bulk copy "" "(memory.copy (i32.const 1) (i32.const 0) (i32.const 268435455))"
bulk tfill "" "(table.fill \$t (i32.const 0) (ref.null func) (i32.const 10000000))"
bulk tcopy "" "(table.copy \$u \$t (i32.const 0) (i32.const 0) (i32.const 10000000))"
for b in fill copy tfill tcopy; do
    [ -f "$T/$b.wasm" ] || continue
    run_job "200 straight-line $b ops stop at --timeout 150 (124)" 124 $((150 + SLACK + PROC)) \
        "$P" run --timeout 150 --receipt "$T/$b-r.json" "$T/$b.wasm"
    ms=$(receipt_ms "$T/$b-r.json")
    check "  ... job wall time ${ms:-?} ms <= 150 + $SLACK" test "${ms:-99999}" -le $((150 + SLACK))
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
