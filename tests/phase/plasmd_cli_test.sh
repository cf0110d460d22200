#!/usr/bin/env bash
# Integration tests of plasmd's Phase commands, driven the way a user would:
# identity, manifest sign|verify, run (stdin/stdout/stderr, exit codes, fuel,
# timeout, memory cap, sandbox), receipts and verify, execute-job.
#
# usage: plasmd_cli_test.sh PLASMD HELLO_WASM PROG_DIR
# Programs whose toolchain was missing at build time are skipped, saying so.
set -u
P=$1
HELLO=$2
PROGS=$3
T=$(mktemp -d /tmp/phase-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
export PLASMD_HOME=$T/home
pass=0 fail=0 skipped=0

ok() { pass=$((pass + 1)); echo "ok   - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "       $2"; }
. "$(dirname "$0")/../common/testenv.sh"
# A part whose toolchain is missing: SKIP (exit 77 at the end), FAIL in strict mode.
skip() {
    skipped=$((skipped + 1))
    testenv_skip_part "$1" || fail=$((fail + 1))
}
# expect_rc NAME WANT CMD...: runs CMD (stdout > $T/out, stderr > $T/err).
expect_rc() {
    local name=$1 want=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$name"; else bad "$name" "exit $rc, wanted $want; stderr: $(head -c 300 "$T/err")"; fi
}
has() { grep -q -- "$2" "$1"; }
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}

# ---- identity --------------------------------------------------------------
expect_rc "identity show without identity fails" 1 "$P" identity show
check "  ... and says how to create one" has "$T/err" "plasmd identity init"
expect_rc "identity init" 0 "$P" identity init
check "  ... prints a 12D3KooW peer id" grep -Eq '^peer id: +12D3KooW[1-9A-HJ-NP-Za-km-z]+$' "$T/out"
check "  ... key file is 0600" test "$(stat -c %a "$PLASMD_HOME/identity.key")" = 600
check "  ... directory is 0700" test "$(stat -c %a "$PLASMD_HOME")" = 700
check "  ... key file is 32 bytes" test "$(stat -c %s "$PLASMD_HOME/identity.key")" = 32
PK=$(sed -n 's/^public key: *//p' "$T/out")
expect_rc "identity init refuses to overwrite" 1 "$P" identity init
expect_rc "identity show" 0 "$P" identity show
check "  ... shows the same key" has "$T/out" "$PK"
OTHER=$(printf '%064d' 1)

# ---- manifest ----------------------------------------------------------------
printf '{"kind":"wasm","module_cid":"inline","input":[0,97,115,109],"max_duration_ms":5000,"max_memory_bytes":null}' >"$T/payload.json"
expect_rc "manifest sign --payload" 0 "$P" manifest sign --payload "$T/payload.json" --out "$T/m.json"
check "  ... prints the job id" grep -Eq '^job id: [0-9a-f]{64}$' "$T/err"
JOB=$(sed -n 's/^job id: //p' "$T/err")
expect_rc "manifest verify" 0 "$P" manifest verify "$T/m.json"
check "  ... same job id" has "$T/out" "$JOB"
expect_rc "manifest verify --pubkey (signer)" 0 "$P" manifest verify --pubkey "$PK" "$T/m.json"
expect_rc "manifest verify --pubkey (other key)" 1 "$P" manifest verify --pubkey "$OTHER" "$T/m.json"
sed 's/"max_duration_ms":5000/"max_duration_ms":5001/' "$T/m.json" >"$T/m2.json"
expect_rc "tampered manifest is rejected" 1 "$P" manifest verify "$T/m2.json"
check "  ... as a bad signature" has "$T/err" "bad signature"
sed 's/"schema_version":1/"schema_version":9/' "$T/m.json" >"$T/m3.json"
expect_rc "newer manifest schema is rejected" 1 "$P" manifest verify "$T/m3.json"
head -c 40 "$T/m.json" >"$T/m4.json"
expect_rc "truncated manifest is malformed (2)" 2 "$P" manifest verify "$T/m4.json"
expect_rc "missing manifest file is an error (2)" 2 "$P" manifest verify "$T/nope.json"
expect_rc "manifest sign --expires-in 0" 0 "$P" manifest sign --payload "$T/payload.json" --expires-in 0 --out "$T/m5.json"
sleep 1
expect_rc "expired manifest is rejected" 1 "$P" manifest verify "$T/m5.json"
check "  ... as expired" has "$T/err" "expired"

# ---- run -------------------------------------------------------------------------
"$P" run "$T/nope.wasm" >/dev/null 2>"$T/err"
if has "$T/err" "no WebAssembly engine"; then
    skip "run: this plasmd was built without the WebAssembly engine"
    echo "$pass passed, $fail failed, $skipped skipped"
    testenv_exit "$fail"
fi
expect_rc "run without a module is a usage error" 2 "$P" run
expect_rc "run with a missing file" 2 "$P" run "$T/nope.wasm"
expect_rc "run --fuel abc" 2 "$P" run --fuel abc "$HELLO"
expect_rc "run --bogus" 2 "$P" run --bogus "$HELLO"
head -c 100 /dev/urandom >"$T/junk.wasm"
expect_rc "random bytes are a malformed module (2)" 2 "$P" run "$T/junk.wasm"
check "  ... with a clear message" has "$T/err" "cannot load the module"
: >"$T/empty.wasm"
expect_rc "an empty file is a malformed module (2)" 2 "$P" run "$T/empty.wasm"
printf '\0asm\1\0\0\0' >"$T/nostart.wasm"
expect_rc "a module without _start is refused (2)" 2 "$P" run "$T/nostart.wasm"
check "  ... naming _start" has "$T/err" "_start"

if [ -f "$HELLO" ]; then
    echo "Hello, World" | "$P" run --quiet "$HELLO" >"$T/out"
    check "echo 'Hello, World' | plasmd run --quiet hello.wasm" test "$?" -eq 0 -a "$(od -An -c "$T/out" | tr -s ' ')" = "$(printf '\ndlroW ,olleH' | od -An -c | tr -s ' ')"
    printf 'Hello, World' | "$P" run --quiet "$HELLO" >"$T/out" 2>"$T/err"
    check "  ... exact bytes without a newline" test "$(cat "$T/out")" = "dlroW ,olleH"
    check "  ... --quiet prints nothing else" test ! -s "$T/err"
    printf 'Hello, World' | "$P" run "$HELLO" >"$T/out" 2>"$T/err"
    check "without --quiet a summary goes to stderr" has "$T/err" "exited with code 0"
    printf 'h\xc3\xa9llo' | "$P" run --quiet "$HELLO" >"$T/out"
    check "hello reverses by code point" test "$(cat "$T/out")" = "$(printf 'oll\xc3\xa9h')"

    # receipts
    printf 'Hello, World' | "$P" run --quiet --receipt "$T/r.json" "$HELLO" >"$T/r.out" 2>"$T/r.err"
    check "run --receipt writes a receipt" test -s "$T/r.json"
    expect_rc "plasmd verify accepts it" 0 "$P" verify "$T/r.json"
    expect_rc "plasmd verify --pubkey (node key)" 0 "$P" verify --pubkey "$PK" "$T/r.json"
    expect_rc "plasmd verify --pubkey (other key)" 1 "$P" verify --pubkey "$OTHER" "$T/r.json"
    expect_rc "plasmd verify --stdout/--stderr (real output)" 0 "$P" verify --pubkey "$PK" --stdout "$T/r.out" --stderr "$T/r.err" "$T/r.json"
    printf 'dlroW ,olleh' >"$T/wrong.out"
    expect_rc "plasmd verify --stdout (other output)" 1 "$P" verify --stdout "$T/wrong.out" "$T/r.json"
    check "receipt records the module hash" has "$T/r.json" "sha256:$(sha256sum "$HELLO" | cut -c1-64)"
    check "receipt completion is stop" has "$T/r.json" '"completion":"stop"'
    # Change each digit of the signed fields, one at a time: every change is rejected.
    sigpos=$(grep -bo '"signature"' "$T/r.json" | head -1 | cut -d: -f1)
    total=0 rejected=0
    for pos in $(seq 0 5 $((sigpos - 1))); do
        c=$(dd if="$T/r.json" bs=1 skip="$pos" count=1 2>/dev/null)
        case "$c" in [0-9a-f]) ;; *) continue ;; esac
        [ "$c" = 1 ] && n=2 || n=1
        { head -c "$pos" "$T/r.json"; printf '%s' "$n"; tail -c +$((pos + 2)) "$T/r.json"; } >"$T/t.json"
        total=$((total + 1))
        "$P" verify "$T/t.json" >/dev/null 2>&1
        rc=$?
        [ "$rc" -ne 0 ] && rejected=$((rejected + 1))
    done
    check "every tampered byte of the signed content is rejected ($rejected/$total)" test "$total" -gt 40 -a "$rejected" -eq "$total"
    sed 's/"worker_pubkey":"[0-9a-f]*"/"worker_pubkey":"'"$OTHER"'"/' "$T/r.json" >"$T/t.json"
    expect_rc "a swapped worker key is rejected" 1 "$P" verify "$T/t.json"
    head -c 100 "$T/r.json" >"$T/t.json"
    expect_rc "a truncated receipt is malformed (2)" 2 "$P" verify "$T/t.json"
    echo '{"schema_version":1,"result":{}}' >"$T/t.json"
    expect_rc "a receipt missing fields is malformed (2)" 2 "$P" verify "$T/t.json"
    echo '[1,2]' >"$T/t.json"
    expect_rc "a JSON array is not a receipt (2)" 2 "$P" verify "$T/t.json"

    head -c 300000 /dev/zero | tr '\0' a | "$P" run --quiet --receipt "$T/rp.json" "$HELLO" 2>"$T/err" | head -c 5 >/dev/null
    check "a reader that goes away (| head) does not kill plasmd (exit ${PIPESTATUS[2]})" test "${PIPESTATUS[2]}" -eq 0 -a -s "$T/rp.json"

    # memory cap with a real C program: reading 8 MB of stdin under a 2 MiB cap
    head -c 8000000 /dev/zero | "$P" run --quiet --memory 2097152 "$HELLO" >/dev/null 2>"$T/err"
    rc=$?
    check "hello under --memory 2MiB with 8 MB of input fails cleanly (exit $rc)" test "$rc" -eq 1
    check "  ... and the job says why" has "$T/err" "out of memory"
    expect_rc "--memory smaller than the module's initial memory fails (1)" 1 "$P" run --memory 65536 "$HELLO"
    check "  ... with a clear message" has "$T/err" "cannot load the module"

    # the worker path: a SignedManifest<JobSpec> in, a receipt bound to its JobId out
    "$P" manifest sign "$HELLO" --max-duration-ms 5000 --out "$T/mh.json" 2>"$T/jid"
    MJOB=$(sed -n 's/^job id: //p' "$T/jid")
    printf 'Hello, World' | "$P" run --quiet --manifest "$T/mh.json" --receipt "$T/rm.json" >"$T/out" 2>"$T/err"
    check "run --manifest runs the manifest's module" test $? -eq 0 -a "$(cat "$T/out")" = "dlroW ,olleH"
    check "  ... the receipt's job_id is the manifest's JobId" has "$T/rm.json" "\"job_id\":\"$MJOB\""
    expect_rc "  ... verify --manifest binds them" 0 "$P" verify --pubkey "$PK" --manifest "$T/mh.json" "$T/rm.json"
    expect_rc "  ... and refuses another manifest" 1 "$P" verify --manifest "$T/m.json" "$T/rm.json"
    expect_rc "a manifest from an unknown signer is denied" 1 env PLASMD_HOME="$T/other" "$P" run --manifest "$T/mh.json"
    check "  ... saying so" has "$T/err" "not authorized"
    expect_rc "  ... unless --allow names its key" 0 env PLASMD_HOME="$T/other" "$P" run --quiet --allow "$PK" --manifest "$T/mh.json"
    expect_rc "  ... or --allow-unauthenticated" 0 env PLASMD_HOME="$T/other" "$P" run --quiet --allow-unauthenticated --manifest "$T/mh.json"
    printf '{"kind":"inference","model_cid":"x","messages":[]}' >"$T/inf.json"
    "$P" manifest sign --payload "$T/inf.json" --out "$T/mi.json" 2>/dev/null
    expect_rc "a non-wasm JobSpec is refused (1)" 1 "$P" run --manifest "$T/mi.json"
    expect_rc "a malformed manifest is exit 2" 2 "$P" run --manifest "$T/m4.json"
    expect_rc "an expired manifest is refused (1)" 1 "$P" run --manifest "$T/m5.json"
    if [ -f "$PROGS/loop.wasm" ]; then
        "$P" manifest sign "$PROGS/loop.wasm" --max-duration-ms 150 --out "$T/ml.json" 2>/dev/null
        expect_rc "the manifest's max_duration_ms is enforced (124)" 124 "$P" run --manifest "$T/ml.json"
        expect_rc "  ... but clamped to the node's --timeout" 124 "$P" run --timeout 50 --manifest "$T/ml.json"
        check "  ... which wins" has "$T/err" "timed out after 50 ms"
    fi

    # execute-job: upstream's JSON with a legacy v0.1 receipt
    printf 'abc' | "$P" execute-job "$HELLO" >"$T/ej.json" 2>"$T/err"
    check "execute-job exits 0" test $? -eq 0
    check "  ... prints the job's stdout" has "$T/ej.json" '"stdout": "cba"'
    check "  ... and a job-<uuid> id" grep -Eq '"job_id": "job-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"' "$T/ej.json"
    python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["receipt"], open(sys.argv[2],"w"))' "$T/ej.json" "$T/legacy.json"
    expect_rc "its legacy receipt verifies" 0 "$P" verify --pubkey "$PK" "$T/legacy.json"
    check "  ... labelled as legacy" has "$T/out" "legacy"
    sed 's/"wall_time_ms": *\([0-9]*\)/"wall_time_ms":9\1/' "$T/legacy.json" >"$T/t.json"
    expect_rc "a tampered legacy receipt is rejected" 1 "$P" verify "$T/t.json"
else
    skip "hello.wasm tests (no wasm32-wasi C toolchain at build time)"
fi

if [ -f "$PROGS/echoargs.wasm" ]; then
    "$P" run --quiet --env FOO=bar --env EMPTY= "$PROGS/echoargs.wasm" one "two words" --flag >"$T/out" 2>"$T/err"
    rc=$?
    check "args reach the job (argv[0] is the module name)" test "$(head -4 "$T/out")" = "$(printf 'arg[0]=echoargs.wasm\narg[1]=one\narg[2]=two words\narg[3]=--flag')"
    check "only --env variables reach the job" test "$(grep '^env ' "$T/out")" = "$(printf 'env FOO=bar\nenv EMPTY=')"
    check "stderr is kept apart from stdout" test "$(cat "$T/err")" = "to stderr"
    check "exit 0" test "$rc" -eq 0
    expect_rc "proc_exit(42) gives exit code 42" 42 "$P" run --quiet --env EXIT_CODE=42 "$PROGS/echoargs.wasm"
    expect_rc "proc_exit(7) gives exit code 7" 7 "$P" run --quiet --env EXIT_CODE=7 "$PROGS/echoargs.wasm"
    expect_rc "--env without = is a usage error" 2 "$P" run --env NOEQ "$PROGS/echoargs.wasm"
    "$P" run --quiet --receipt "$T/r2.json" --env EXIT_CODE=3 "$PROGS/echoargs.wasm" >"$T/o2" 2>"$T/e2"
    expect_rc "a receipt of a failing job verifies, covering stdout and stderr" 0 "$P" verify --stdout "$T/o2" --stderr "$T/e2" "$T/r2.json"
    check "  ... with completion error and exit_code 3" grep -q '"completion":"error".*"exit_code":"3"' "$T/r2.json"
    "$P" run --quiet --receipt "$T/r4.json" --events "$T/ev.json" --env EXIT_CODE=3 "$PROGS/echoargs.wasm" >/dev/null 2>&1
    expect_rc "run --events: the JobEvent stream replays to the receipt" 0 "$P" verify --events "$T/ev.json" "$T/r4.json"
    check "  ... Final carries upstream's error text" has "$T/ev.json" '"error":"wasm exit_code=3"'
    sed 's/"seq":1/"seq":5/' "$T/ev.json" >"$T/ev2.json"
    expect_rc "  ... a reordered stream is rejected" 1 "$P" verify --events "$T/ev2.json" "$T/r4.json"
    expect_rc "  ... and events of another job too" 1 "$P" verify --events "$T/ev.json" "$T/r2.json"
    expect_rc "--events without --receipt is a usage error" 2 "$P" run --events "$T/x.json" "$PROGS/echoargs.wasm"
else
    skip "echoargs tests (no wasm32-wasi C toolchain)"
fi

if [ -f "$PROGS/catfile.wasm" ]; then
    expect_rc "a job cannot open any host file" 0 "$P" run --quiet "$PROGS/catfile.wasm" /etc/passwd "$PWD/CMakeLists.txt"
    check "  ... none was opened" bash -c "! grep -q OPENED '$T/out'"
    check "  ... all were tried" test "$(wc -l <"$T/out")" -eq 8
else
    skip "sandbox file test (no wasm32-wasi C toolchain)"
fi

if [ -f "$PROGS/clock.wasm" ]; then
    expect_rc "clocks and poll_oneoff sleep" 0 "$P" run --quiet "$PROGS/clock.wasm"
    check "  ... slept at least 30 ms" has "$T/out" "slept ok"
    check "  ... realtime is now" has "$T/out" "realtime ok"
    SEED=$(printf '%064d' 7)
    a=$("$P" run --quiet --seed "$SEED" "$PROGS/clock.wasm" | grep random)
    b=$("$P" run --quiet --seed "$SEED" "$PROGS/clock.wasm" | grep random)
    c=$("$P" run --quiet "$PROGS/clock.wasm" | grep random)
    d=$("$P" run --quiet "$PROGS/clock.wasm" | grep random)
    check "--seed makes random_get reproducible" test "$a" = "$b"
    check "without --seed random_get differs" test "$c" != "$d" -a "$a" != "$c"
    expect_rc "--seed with bad hex is a usage error" 2 "$P" run --seed xyz "$PROGS/clock.wasm"
    "$P" run --quiet --deterministic --receipt "$T/d1.json" "$PROGS/clock.wasm" >"$T/d1.out" 2>/dev/null
    "$P" run --quiet --deterministic --receipt "$T/d2.json" "$PROGS/clock.wasm" >"$T/d2.out" 2>/dev/null
    check "--deterministic: same output twice (clocks and random included)" cmp -s "$T/d1.out" "$T/d2.out"
    check "  ... so the same output commitment" test "$(grep -o '"output_commitment":[^]]*' "$T/d1.json")" = "$(grep -o '"output_commitment":[^]]*' "$T/d2.json")"
    check "  ... and virtual sleeps still pass" has "$T/d1.out" "slept ok"
else
    skip "clock tests (no wasm32-wasi C toolchain)"
fi

if [ -f "$PROGS/loop.wasm" ]; then
    expect_rc "an endless loop is stopped by fuel (125)" 125 "$P" run --fuel 1000000 "$PROGS/loop.wasm"
    check "  ... saying so" has "$T/err" "ran out of fuel"
    start=$(date +%s%N)
    expect_rc "an endless loop is stopped by --timeout (124)" 124 "$P" run --timeout 300 "$PROGS/loop.wasm"
    ms=$((($(date +%s%N) - start) / 1000000))
    check "  ... saying so" has "$T/err" "timed out after 300 ms"
    check "  ... promptly (${ms} ms)" test "$ms" -lt 5000
    "$P" run --quiet --timeout 200 --receipt "$T/r3.json" "$PROGS/loop.wasm" >/dev/null 2>&1
    expect_rc "a timed-out job still gets a verifiable receipt" 0 "$P" verify "$T/r3.json"
    check "  ... naming the timeout" has "$T/r3.json" "timed out"
    expect_rc "a job blocked on stdin is stopped by --timeout" 124 bash -c "sleep 2 | '$P' run --quiet --timeout 300 '$HELLO'"
    expect_rc "grow.wasm: memory.grow past --memory returns -1 (exit 3)" 3 "$P" run --quiet --memory 1048576 "$PROGS/grow.wasm"
    expect_rc "a trap exits 1" 1 "$P" run "$PROGS/trap.wasm"
    check "  ... output before the trap was written through" test "$(cat "$T/out")" = "before"
    check "  ... naming the trap" has "$T/err" "unreachable"
    expect_rc "unimplemented WASI calls answer ENOSYS (52)" 52 "$P" run --quiet "$PROGS/enosys.wasm"
else
    skip "fuel/timeout/memory/trap tests (no wat2wasm)"
fi

if [ -f "$PROGS/upper.wasm" ]; then
    out=$(printf 'hello from rust' | "$P" run --quiet "$PROGS/upper.wasm" a b 2>"$T/err")
    check "a Rust wasm32-wasi program reads stdin and prints" test "$out" = "HELLO FROM RUST"
    check "  ... and sees its arguments" test "$(cat "$T/err")" = "args: 3"
else
    skip "Rust program (no rustc with the wasm32-wasi std at build time)"
fi

echo "$pass passed, $fail failed, $skipped skipped"
testenv_exit "$fail"
