#!/bin/sh
# Job escrow end to end through the real binaries (issue 16): a single-
# validator aetherd; a provider node `plasmd start --chain --account` that
# accepts, runs, claims and finalizes on its own (restarted mid-job: no step
# twice); a watchtower `plasmd start --chain --watchtower --no-serve` that
# checks every claim and challenges a cheater (tests/chain/cheat_provider.c,
# a test-only harness) who is slashed; a provider that accepts and vanishes
# losing its bond after the deadline; malformed claims refused at admission;
# a challenge of an honest claim costing the challenger. Balances to the unit.
# Usage: job_escrow_test.sh AETHERD AETHER PLASMD SOURCE_DIR CHEAT_PROVIDER
set -u
AETHERD=$1 AETHER=$2 PLASMD=$3 SRC=$4 CHEAT=$5
. "$SRC/tests/common/testenv.sh"
. "$SRC/tests/chain/chainenv.sh"
command -v wat2wasm >/dev/null 2>&1 || testenv_missing "wat2wasm (wabt) is needed to build the job module"
command -v python3 >/dev/null 2>&1 || testenv_missing "python3 is needed to read JSON answers"

T=$(mktemp -d /tmp/job_escrow.XXXXXX)
NODE= PROV= WATCH=
stop() {   # stop a process we started and wait for it
    [ -n "$1" ] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null
    return 0
}
cleanup() {
    stop "$PROV"; stop "$WATCH"; stop "$NODE"
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() {
    echo "FAIL: $*" >&2
    for f in node auto watch; do
        [ -f "$T/$f.log" ] && { echo "--- $f.log" >&2; tail -15 "$T/$f.log" >&2; }
    done
    exit 1
}
balance() { "$AETHER" balance "$1" | jget '["balance"]'; }
height() { "$AETHER" status | jget '["height"]'; }
status() { "$AETHER" job status --job "$1" | jget '["status"]'; }
wait_height() {   # until the tip is at least $1 (bounded)
    i=0
    while [ "$(height)" -lt "$1" ]; do
        i=$((i + 1)); [ $i -gt 300 ] && fail "height $1 not reached"
        sleep 0.1
    done
}
wait_status() {   # until job $1 has status $2 (bounded: 30 s)
    i=0
    while [ "$(status "$1")" != "$2" ]; do
        i=$((i + 1)); [ $i -gt 300 ] && fail "job $1 is $(status "$1"), never $2"
        sleep 0.1
    done
}
# The committed txs of an account, scanned block by block: one line per tx,
# "kind fee_paid status job_id" (independent of what the nodes logged).
txs_of() {
    python3 - "$AETHER_RPC" "$(jget '["address"]' <"$1")" <<'PY'
import json, sys, urllib.request
url, addr = sys.argv[1], sys.argv[2]
def call(m, p):
    r = urllib.request.Request(url, json.dumps({'jsonrpc': '2.0', 'id': 1, 'method': m,
                               'params': p}).encode(), {'Content-Type': 'application/json'})
    return json.load(urllib.request.urlopen(r, timeout=10))['result']
tip = call('aeth_blockNumber', [])
for h in range(1, tip + 1):
    for tx in call('aeth_getBlockByNumber', [h, True]).get('transactions', []):
        if not isinstance(tx, dict) or tx.get('sender') != addr:
            continue
        rc = call('aeth_getReceipt', [tx['hash']])
        print(tx['kind'], rc['fee_paid'], rc['status'], tx.get('job', {}).get('job_id', '-'))
PY
}
fees_of() { txs_of "$1" | awk '{s += $2} END {print s + 0}'; }

for k in val req prov auto watch cheat other; do
    "$AETHER" keys new --out "$T/$k.json" >/dev/null || fail "keys new $k"
done
START=1000000
"$AETHERD" init-genesis --key "$T/val.json" --alloc "$T/req.json=$START" \
    --alloc "$T/prov.json=$START" --alloc "$T/other.json=$START" --alloc "$T/auto.json=$START" \
    --alloc "$T/watch.json=$START" --alloc "$T/cheat.json=$START" --out "$T/genesis.json" >/dev/null ||
    fail "init-genesis"
"$AETHERD" run --data "$T/data" --genesis "$T/genesis.json" --key "$T/val.json" \
    --rpc 127.0.0.1:0 --port-file "$T/port" --block-ms 50 --heartbeat-ms 200 >"$T/node.log" 2>&1 &
NODE=$!
i=0
while [ ! -s "$T/port" ]; do
    i=$((i + 1)); [ $i -gt 200 ] && fail "aetherd did not start"
    sleep 0.05
done
export AETHER_RPC="http://127.0.0.1:$(cat "$T/port")"
addr() { jget '["address"]' <"$T/$1.json"; }
PROV_ADDR=$(addr prov) CHEAT_ADDR=$(addr cheat)

wat2wasm "$SRC/tests/phase/progs/rev.wat" -o "$T/rev.wasm" || fail "wat2wasm"
export PLASMD_HOME="$T/req-phase"
"$PLASMD" identity init >/dev/null || fail "requester identity"
REQ_PK=$("$PLASMD" identity show | python3 -c "import sys,re; print(re.search(r'[0-9a-f]{64}', sys.stdin.read()).group(0))")
for who in prov cheat auto watch; do
    PLASMD_HOME="$T/$who-phase" "$PLASMD" identity init >/dev/null || fail "$who identity"
done
sign_manifest() {   # $1 = out file, $2 = max duration (makes each job id distinct)
    PLASMD_HOME="$T/req-phase" "$PLASMD" manifest sign "$T/rev.wasm" --max-duration-ms "$2" \
        --out "$1" 2>/dev/null || fail "manifest sign $1"
}
start_node() {   # $1 = name (account and identity), then plasmd start flags; sets $!
    who=$1; shift
    PLASMD_HOME="$T/$who-phase" "$PLASMD" start --listen /ip4/127.0.0.1/tcp/0 --chain "$AETHER_RPC" \
        --account "$T/$who.json" "$@" >>"$T/$who.out" 2>>"$T/$who.log" &
}
# the provider polls faster than blocks come (50 ms): a round must not act
# again while its last tx is pending
start_node watch --watchtower --no-serve --poll-ms 100 --fee 3000
WATCH=$!
start_node auto --poll-ms 20
PROV=$!

sum_fee() { jget '["receipt"]["fee_paid"]'; }
printf 'escrowed input' >"$T/input.txt"

# ---- a paid job: posted with the CLI, served by `plasmd start --chain` --------------
sign_manifest "$T/manifest.json" 1000
H=$(height)
OUT=$("$AETHER" job post --key "$T/req.json" --manifest "$T/manifest.json" --input "$T/input.txt" \
    --payment 5000 --bond 2000 --fuel 10000000 --deadline $((H + 200)) --window 40 --wait) ||
    fail "post: $OUT"
JOB=$(echo "$OUT" | jget '["job_id"]')
REQ_FEES=$(echo "$OUT" | sum_fee)
wait_status "$JOB" finalized
ST=$("$AETHER" job status --job "$JOB")
[ "$(echo "$ST" | jget '["provider"]')" = "$(addr auto)" ] || fail "provider: $ST"
[ "$(echo "$ST" | jget '["provider_reputation"]')" = 1 ] || fail "reputation: $ST"
# the provider's account made exactly accept, claim, finalize, all committed ok
[ "$(txs_of "$T/auto.json" | awk '{print $1, $3}' | tr '\n' ' ')" = \
  "job_accept ok job_claim ok job_finalize ok " ] || fail "provider txs: $(txs_of "$T/auto.json")"
[ "$(balance "$T/req.json")" = $((START - 5000 - REQ_FEES)) ] || fail "requester balance $(balance "$T/req.json")"
[ "$(balance "$T/auto.json")" = $((START + 5000 - $(fees_of "$T/auto.json"))) ] ||
    fail "provider balance $(balance "$T/auto.json")"
# the receipt the provider claimed with matches the chain's re-execution: the
# watchtower re-ran it and did not challenge (its account made no tx)
grep -q "msg=\"claim verified\" job=$JOB" "$T/watch.log" || fail "the watchtower did not check the claim"
[ "$(balance "$T/watch.json")" = "$START" ] || fail "watchtower spent on an honest claim"
# the job record is in the state tree: aeth_getJobProof against the current root
PROOF=$(python3 -c "
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1], json.dumps({'jsonrpc': '2.0', 'id': 1,
    'method': 'aeth_getJobProof', 'params': [sys.argv[2]]}).encode(),
    {'Content-Type': 'application/json'})
r = json.load(urllib.request.urlopen(req, timeout=10))['result']
print(r['exists'], r['value'] is not None, r['job_id'] == sys.argv[2], len(r['root']))
" "$AETHER_RPC" "$JOB") || fail "aeth_getJobProof"
[ "$PROOF" = "True True True 64" ] || fail "aeth_getJobProof: $PROOF"
N=$("$AETHER" job list --provider "$(addr auto)" | jget '.__len__()')
[ "$N" = 1 ] || fail "job list --provider: $N"
N=$("$AETHER" job list --status finalized | jget '.__len__()')
[ "$N" = 1 ] || fail "job list --status finalized: $N"
# the requester's side: the receipt that claimed it, verified against the
# chain's record, then against the output it expects (rev reverses its input)
OUT=$("$AETHER" job receipt --job "$JOB" --out "$T/paid.r") || fail "job receipt: $OUT"
AUTO_PK=$(PLASMD_HOME="$T/auto-phase" "$PLASMD" identity show | python3 -c "import sys,re; print(re.search(r'[0-9a-f]{64}', sys.stdin.read()).group(0))")
[ "$(echo "$OUT" | jget '["phase_pk"]')" = "$AUTO_PK" ] || fail "job receipt: $OUT"
printf 'tupni deworcse' >"$T/expected.txt"
"$PLASMD" verify "$T/paid.r" --pubkey "$AUTO_PK" --stdout "$T/expected.txt" \
    --manifest "$T/manifest.json" >/dev/null || fail "the paid job's receipt does not verify"
echo "ok: paid job $JOB served by plasmd start --chain"

# ---- the provider killed mid-job and restarted: nothing done twice --------------------
sign_manifest "$T/manifest-r.json" 1500
A0=$(balance "$T/auto.json") F0=$(fees_of "$T/auto.json")
H=$(height)
OUT=$("$AETHER" job post --key "$T/req.json" --manifest "$T/manifest-r.json" --input "$T/input.txt" \
    --payment 6000 --bond 1000 --fuel 10000000 --deadline $((H + 200)) --window 20 --wait) ||
    fail "post r: $OUT"
JOBR=$(echo "$OUT" | jget '["job_id"]')
i=0
while [ "$(status "$JOBR")" = posted ]; do
    i=$((i + 1)); [ $i -gt 300 ] && fail "job $JOBR never accepted"
    sleep 0.02
done
kill -9 "$PROV"; wait "$PROV" 2>/dev/null; PROV=
start_node auto --poll-ms 20
PROV=$!
wait_status "$JOBR" finalized
[ "$(txs_of "$T/auto.json" | grep -c "$JOBR")" = 3 ] || fail "after the restart: $(txs_of "$T/auto.json")"
txs_of "$T/auto.json" | grep "$JOBR" | grep -qv " ok " && fail "a failed tx: $(txs_of "$T/auto.json")"
[ "$(balance "$T/auto.json")" = $((A0 + 6000 - ($(fees_of "$T/auto.json") - F0))) ] ||
    fail "provider balance after the restart"
echo "ok: restarted provider finished job $JOBR with one accept, one claim, one finalize"

# ---- the chain node goes away: the provider backs off, logs, and resumes ----------
PORT=$(cat "$T/port")
stop "$NODE"; NODE=
i=0
until grep -q 'msg="round failed"' "$T/auto.log"; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "the provider did not report the unreachable node"
    sleep 0.05
done
kill -0 "$PROV" 2>/dev/null || fail "the provider node died with its chain node"
"$AETHERD" run --data "$T/data" --genesis "$T/genesis.json" --key "$T/val.json" \
    --rpc "127.0.0.1:$PORT" --block-ms 50 --heartbeat-ms 200 >>"$T/node.log" 2>&1 &
NODE=$!
i=0
until "$AETHER" status >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "aetherd did not restart on port $PORT"
    sleep 0.1
done
sign_manifest "$T/manifest-n.json" 1700
H=$(height)
OUT=$("$AETHER" job post --key "$T/req.json" --manifest "$T/manifest-n.json" --input "$T/input.txt" \
    --payment 3000 --bond 500 --fuel 10000000 --deadline $((H + 200)) --window 5 --wait) ||
    fail "post n: $OUT"
wait_status "$(echo "$OUT" | jget '["job_id"]')" finalized
echo "ok: the provider rode out a chain node restart and served the next job"

# ---- plasmd start --chain refuses bad flags with a reason ----------------------------
for args in "--chain $AETHER_RPC" "--account $T/auto.json" "--no-serve" \
            "--chain $AETHER_RPC --account $T/missing.json" \
            "--chain $AETHER_RPC --account $T/auto.json --no-serve" \
            "--chain $AETHER_RPC --account $T/auto.json --max-fuel 0" \
            "--chain $AETHER_RPC --account $T/auto.json --price -1"; do
    # shellcheck disable=SC2086
    if OUT=$(PLASMD_HOME="$T/auto-phase" timeout 5 "$PLASMD" start --listen /ip4/127.0.0.1/tcp/0 $args 2>&1); then
        fail "plasmd start $args was accepted"
    fi
    echo "$OUT" | grep -Eq "go together|need --chain|--account|nothing to do|bad --max-fuel|bad --price" ||
        fail "plasmd start $args: no reason given: $OUT"
done
echo "ok: bad plasmd start --chain flags refused"

# ---- a provider that accepts and vanishes; malformed claims refused ---------------
# (--allow: only the CLI provider may take it, the provider node leaves it)
sign_manifest "$T/manifest2.json" 2000
R0=$(balance "$T/req.json") P0=$(balance "$T/prov.json") O0=$(balance "$T/other.json")
H=$(height)
OUT=$("$AETHER" job post --key "$T/req.json" --manifest "$T/manifest2.json" --payment 7000 \
    --bond 3000 --fuel 10000000 --deadline $((H + 25)) --allow "$PROV_ADDR" --wait) ||
    fail "post 2: $OUT"
JOB2=$(echo "$OUT" | jget '["job_id"]')
RF=$(echo "$OUT" | sum_fee)
if OUT=$("$AETHER" job accept --key "$T/prov.json" --job "$JOB2" 2>&1); then
    fail "an accept without a Phase identity was sent"
fi
echo "$OUT" | grep -q -- "--phase-identity FILE is required" || fail "wrong reason: $OUT"
OUT=$("$AETHER" job accept --key "$T/prov.json" --job "$JOB2" \
    --phase-identity "$T/prov-phase/identity.key" --wait) || fail "accept 2: $OUT"
PF=$(echo "$OUT" | sum_fee)
grep -q "job=$JOB2 reason=\"our account is not on its allow-list\"" "$T/auto.log" ||
    fail "the provider node did not say why it left job 2"
# a receipt signed by another Phase identity than the one the accept linked
PLASMD_HOME="$T/cheat-phase" "$PLASMD" run --quiet --manifest "$T/manifest2.json" --allow "$REQ_PK" \
    --deterministic --fuel 10000000 --receipt "$T/cheat.json.r" </dev/null >/dev/null ||
    fail "plasmd run (cheat)"
if OUT=$("$AETHER" job claim --key "$T/prov.json" --job "$JOB2" --receipt "$T/cheat.json.r" 2>&1); then
    fail "a receipt of another identity was accepted: $OUT"
fi
echo "$OUT" | grep -q "does not verify against the provider's Phase key" || fail "wrong reason: $OUT"
# a receipt for another job (the paid job's, signed by this provider's identity)
PLASMD_HOME="$T/prov-phase" "$PLASMD" run --quiet --manifest "$T/manifest.json" --allow "$REQ_PK" \
    --deterministic --fuel 10000000 --receipt "$T/other-job.r" <"$T/input.txt" >/dev/null ||
    fail "plasmd run (other job)"
if OUT=$("$AETHER" job claim --key "$T/prov.json" --job "$JOB2" --receipt "$T/other-job.r" 2>&1); then
    fail "a receipt for another job was accepted"
fi
echo "$OUT" | grep -q "receipt is for job" || fail "wrong reason for another job's receipt: $OUT"
if OUT=$("$AETHER" job claim --key "$T/prov.json" --job 0000000000000000000000000000000000000000000000000000000000000001 \
    --receipt "$T/other-job.r" 2>&1); then
    fail "a claim of an unknown job was accepted"
fi
echo "$OUT" | grep -q "no such job" || fail "wrong reason: $OUT"
if OUT=$("$AETHER" job expire --key "$T/other.json" --job "$JOB2" 2>&1); then
    fail "expired before the deadline"
fi
echo "$OUT" | grep -q "has not passed" || fail "wrong reason: $OUT"
wait_height $((H + 26))
OUT=$("$AETHER" job expire --key "$T/other.json" --job "$JOB2" --wait) || fail "expire: $OUT"
OF=$(echo "$OUT" | sum_fee)
# refund 7000 and half the bond (1500); the other 1500 is burned
[ "$(balance "$T/req.json")" = $((R0 - RF + 1500)) ] || fail "requester after expiry $(balance "$T/req.json")"
[ "$(balance "$T/prov.json")" = $((P0 - PF - 3000)) ] || fail "provider after expiry"
[ "$(balance "$T/other.json")" = $((O0 - OF)) ] || fail "other after expiry"
[ "$(status "$JOB2")" = expired ] || fail "status 2"
if OUT=$("$AETHER" job receipt --job "$JOB2" 2>&1); then
    fail "a receipt for a job nobody claimed: $OUT"
fi
echo "$OUT" | grep -q "is expired: nobody has claimed it" || fail "wrong reason: $OUT"
echo "ok: vanished provider lost its bond"

# ---- a cheating provider, caught by the watchtower node --------------------------------
# cheat_provider accepts (only it is allowed), runs the job on other input and
# claims with a correctly signed receipt for that wrong output; the watchtower
# re-runs the job, challenges, and the chain's re-execution slashes the cheat.
sign_manifest "$T/manifest3.json" 2500
R0=$(balance "$T/req.json") C0=$(balance "$T/cheat.json") W0=$(balance "$T/watch.json")
H=$(height)
OUT=$("$AETHER" job post --key "$T/req.json" --manifest "$T/manifest3.json" --input "$T/input.txt" \
    --payment 4000 --bond 1000 --fuel 10000000 --deadline $((H + 200)) --window 60 \
    --allow "$CHEAT_ADDR" --wait) || fail "post 3: $OUT"
JOB3=$(echo "$OUT" | jget '["job_id"]')
RF=$(echo "$OUT" | sum_fee)
"$CHEAT" "$AETHER_RPC" "$T/cheat.json" "$T/cheat-phase/identity.key" "$JOB3" >"$T/cheat.out" ||
    fail "cheat_provider: $(cat "$T/cheat.out")"
wait_status "$JOB3" slashed
grep -q "msg=\"wrong claim: challenging\" job=$JOB3" "$T/watch.log" || fail "watchtower log"
ST=$("$AETHER" job status --job "$JOB3")
[ "$(echo "$ST" | jget '["challenger"]')" = "$(addr watch)" ] || fail "challenger: $ST"
# requester refunded (only its post fee spent); the cheat lost its 1000 bond;
# the watchtower got its bond back plus half the cheat's (500)
[ "$(balance "$T/req.json")" = $((R0 - RF)) ] || fail "requester not refunded: $(balance "$T/req.json")"
[ "$(balance "$T/cheat.json")" = $((C0 - 1000 - $(fees_of "$T/cheat.json"))) ] ||
    fail "cheat balance $(balance "$T/cheat.json")"
[ "$(txs_of "$T/watch.json" | awk '{print $1, $2, $3}')" = "job_challenge 3000 ok" ] ||
    fail "watchtower txs (one challenge, its --fee 3000): $(txs_of "$T/watch.json")"
[ "$(balance "$T/watch.json")" = $((W0 + 500 - $(fees_of "$T/watch.json"))) ] ||
    fail "watchtower balance $(balance "$T/watch.json")"
# its receipt is genuinely signed (that is why only re-execution catches it)
# but does not commit to the job's real output
"$AETHER" job receipt --job "$JOB3" --out "$T/cheat.r" >/dev/null || fail "job receipt 3"
if "$PLASMD" verify "$T/cheat.r" --stdout "$T/expected.txt" >/dev/null 2>&1; then
    fail "the cheat's receipt matches the real output"
fi
echo "ok: cheating provider challenged by the watchtower, slashed, requester refunded"

# ---- an honest claim challenged from the CLI: the challenger pays ------------------------
sign_manifest "$T/manifest4.json" 3000
H=$(height)
OUT=$("$AETHER" job post --key "$T/req.json" --manifest "$T/manifest4.json" --input "$T/input.txt" \
    --payment 4000 --bond 1000 --fuel 10000000 --deadline $((H + 100)) --window 50 \
    --allow "$PROV_ADDR" --wait) || fail "post 4: $OUT"
JOB4=$(echo "$OUT" | jget '["job_id"]')
"$AETHER" job accept --key "$T/prov.json" --job "$JOB4" \
    --phase-identity "$T/prov-phase/identity.key" --wait >/dev/null || fail "accept 4"
PLASMD_HOME="$T/prov-phase" "$PLASMD" run --quiet --manifest "$T/manifest4.json" --allow "$REQ_PK" \
    --deterministic --fuel 10000000 --receipt "$T/r4.json" <"$T/input.txt" >/dev/null ||
    fail "plasmd run 4"
"$AETHER" job claim --key "$T/prov.json" --job "$JOB4" --receipt "$T/r4.json" --wait >/dev/null ||
    fail "claim 4"
# replaying the receipt is refused
if OUT=$("$AETHER" job claim --key "$T/prov.json" --job "$JOB4" --receipt "$T/r4.json" 2>&1); then
    fail "a replayed claim was accepted"
fi
echo "$OUT" | grep -q "already claimed" || fail "wrong reason for a replay: $OUT"
P2=$(balance "$T/prov.json") O1=$(balance "$T/other.json")
OUT=$("$AETHER" job challenge --key "$T/other.json" --job "$JOB4" --bond 1200 --wait) ||
    fail "challenge of an honest claim: $OUT"
OF=$(echo "$OUT" | sum_fee)
[ "$(status "$JOB4")" = finalized ] || fail "job 4 not paid"
# provider: its bond back + payment 4000 + 600 of the challenger's bond
[ "$(balance "$T/prov.json")" = $((P2 + 1000 + 4000 + 600)) ] || fail "provider after honest challenge"
[ "$(balance "$T/other.json")" = $((O1 - OF - 1200)) ] || fail "challenger after losing"
# the watchtower never challenged an honest claim
[ "$(txs_of "$T/watch.json" | wc -l)" = 1 ] || fail "watchtower txs: $(txs_of "$T/watch.json")"
echo "ok: a challenge of an honest claim cost the challenger"

# `aether job list` in pages of 2 (--max, --after = the previous "next") lists
# the same jobs, in the same order, as the full walk; a bad cursor is refused
ALL=$("$AETHER" job list | python3 -c "import json,sys; print(' '.join(j['job_id'] for j in json.load(sys.stdin)))")
[ "$(echo "$ALL" | wc -w)" -ge 5 ] || fail "job list: $ALL"
PAGED= AFTER= PAGES=0
while :; do
    PAGE=$("$AETHER" job list --max 2 ${AFTER:+--after "$AFTER"}) || fail "job list --max 2: $PAGE"
    PAGED="$PAGED $(echo "$PAGE" | python3 -c "import json,sys; print(' '.join(j['job_id'] for j in json.load(sys.stdin)['jobs']))")"
    AFTER=$(echo "$PAGE" | jget '["next"] or ""')
    PAGES=$((PAGES + 1))
    [ -n "$AFTER" ] && [ "$PAGES" -lt 20 ] || break
done
[ "$(echo $PAGED)" = "$ALL" ] || fail "job list in pages: '$PAGED' vs '$ALL'"
[ "$PAGES" -ge 3 ] || fail "job list --max 2: $PAGES pages"
OUT=$("$AETHER" job list --after zz 2>&1) && fail "job list --after zz accepted"
echo "$OUT" | grep -q -- "--after" || fail "job list --after zz: $OUT"
OUT=$("$AETHER" job list --max 101 2>&1) && fail "job list --max 101 accepted"
echo "$OUT" | grep -q -- "--max" || fail "job list --max 101: $OUT"
echo "ok: job list pages"

# both nodes stop cleanly on SIGTERM (a sanitizer build reports leaks there)
stop "$PROV"; PROV=
stop "$WATCH"; WATCH=
grep -q 'msg="stopping"' "$T/auto.log" || fail "the provider node did not stop on SIGTERM"
if grep -E "Sanitizer|runtime error" "$T/auto.log" "$T/watch.log" >&2; then
    fail "sanitizer report from a plasmd node"
fi
exit 0
