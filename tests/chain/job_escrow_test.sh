#!/bin/sh
# Job escrow end to end through the real binaries (issue 16): a single-
# validator aetherd, the aether CLI for every job step, plasmd to run the job
# and sign the receipt. A paid job (balances to the unit), malformed claims
# refused at admission (another identity's receipt, a replay), and a provider
# that accepts and vanishes losing its bond after the deadline.
# Usage: job_escrow_test.sh AETHERD AETHER PLASMD SOURCE_DIR
set -u
AETHERD=$1 AETHER=$2 PLASMD=$3 SRC=$4
. "$SRC/tests/common/testenv.sh"
command -v wat2wasm >/dev/null 2>&1 || testenv_missing "wat2wasm (wabt) is needed to build the job module"
command -v python3 >/dev/null 2>&1 || testenv_missing "python3 is needed to read JSON answers"

T=$(mktemp -d /tmp/job_escrow.XXXXXX)
NODE=
cleanup() {
    [ -n "$NODE" ] && kill "$NODE" 2>/dev/null && wait "$NODE" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*" >&2; [ -f "$T/node.log" ] && tail -5 "$T/node.log" >&2; exit 1; }
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }
balance() { "$AETHER" balance "$1" | jget '["balance"]'; }
height() { "$AETHER" status | jget '["height"]'; }
wait_height() {   # until the tip is at least $1 (bounded)
    i=0
    while [ "$(height)" -lt "$1" ]; do
        i=$((i + 1)); [ $i -gt 300 ] && fail "height $1 not reached"
        sleep 0.1
    done
}

for k in val req prov other; do
    "$AETHER" keys new --out "$T/$k.json" >/dev/null || fail "keys new $k"
done
START=1000000
"$AETHERD" init-genesis --key "$T/val.json" --alloc "$T/req.json=$START" \
    --alloc "$T/prov.json=$START" --alloc "$T/other.json=$START" --out "$T/genesis.json" >/dev/null ||
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

wat2wasm "$SRC/tests/phase/progs/rev.wat" -o "$T/rev.wasm" || fail "wat2wasm"
export PLASMD_HOME="$T/req-phase"
"$PLASMD" identity init >/dev/null || fail "requester identity"
REQ_PK=$("$PLASMD" identity show | python3 -c "import sys,re; print(re.search(r'[0-9a-f]{64}', sys.stdin.read()).group(0))")
"$PLASMD" manifest sign "$T/rev.wasm" --out "$T/manifest.json" 2>/dev/null || fail "manifest sign"
for who in prov cheat; do
    PLASMD_HOME="$T/$who-phase" "$PLASMD" identity init >/dev/null || fail "$who identity"
done

sum_fee() { jget '["receipt"]["fee_paid"]'; }

# ---- a paid job -------------------------------------------------------------
H=$(height)
OUT=$("$AETHER" job post --key "$T/req.json" --manifest "$T/manifest.json" --payment 5000 \
    --bond 2000 --fuel 10000000 --deadline $((H + 100)) --window 3 --wait) || fail "post: $OUT"
JOB=$(echo "$OUT" | jget '["job_id"]')
REQ_FEES=$(echo "$OUT" | sum_fee)
OUT=$("$AETHER" job accept --key "$T/prov.json" --job "$JOB" \
    --phase-identity "$T/prov-phase/identity.key" --wait) || fail "accept: $OUT"
PROV_FEES=$(echo "$OUT" | sum_fee)
# the provider runs the job deterministically and signs the receipt
echo "escrowed hello" | PLASMD_HOME="$T/prov-phase" "$PLASMD" run --quiet --manifest "$T/manifest.json" \
    --allow "$REQ_PK" --deterministic --receipt "$T/receipt.json" >"$T/out.txt" || fail "plasmd run"
# a receipt signed by another Phase identity is refused at admission
echo "escrowed hello" | PLASMD_HOME="$T/cheat-phase" "$PLASMD" run --quiet --manifest "$T/manifest.json" \
    --allow "$REQ_PK" --deterministic --receipt "$T/cheat.json" >/dev/null || fail "plasmd run (cheat)"
if OUT=$("$AETHER" job claim --key "$T/prov.json" --job "$JOB" --receipt "$T/cheat.json" 2>&1); then
    fail "a receipt of another identity was accepted: $OUT"
fi
echo "$OUT" | grep -q "does not verify against the provider's Phase key" || fail "wrong reason: $OUT"
# a receipt for another job is refused with the job ids
if OUT=$("$AETHER" job claim --key "$T/prov.json" --job 0000000000000000000000000000000000000000000000000000000000000001 \
    --receipt "$T/receipt.json" 2>&1); then
    fail "a claim of an unknown job was accepted"
fi
echo "$OUT" | grep -q "no such job" || fail "wrong reason: $OUT"
OUT=$("$AETHER" job claim --key "$T/prov.json" --job "$JOB" --receipt "$T/receipt.json" --wait) ||
    fail "claim: $OUT"
PROV_FEES=$((PROV_FEES + $(echo "$OUT" | sum_fee)))
# replaying the receipt is refused
if OUT=$("$AETHER" job claim --key "$T/prov.json" --job "$JOB" --receipt "$T/receipt.json" 2>&1); then
    fail "a replayed claim was accepted"
fi
echo "$OUT" | grep -q "already claimed" || fail "wrong reason for a replay: $OUT"
# finalize once the window (3 blocks) has closed
CLOSES=$("$AETHER" job status --job "$JOB" | jget '["closes_at"]')
wait_height "$CLOSES"
OUT=$("$AETHER" job finalize --key "$T/other.json" --job "$JOB" --wait) || fail "finalize: $OUT"
OTHER_FEES=$(echo "$OUT" | sum_fee)
ST=$("$AETHER" job status --job "$JOB")
[ "$(echo "$ST" | jget '["status"]')" = finalized ] || fail "status: $ST"
[ "$(echo "$ST" | jget '["provider_reputation"]')" = 1 ] || fail "reputation: $ST"
[ "$(balance "$T/req.json")" = $((START - 5000 - REQ_FEES)) ] || fail "requester balance $(balance "$T/req.json")"
[ "$(balance "$T/prov.json")" = $((START + 5000 - PROV_FEES)) ] || fail "provider balance $(balance "$T/prov.json")"
[ "$(balance "$T/other.json")" = $((START - OTHER_FEES)) ] || fail "other balance"
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
PROV_ADDR=$(jget '["address"]' <"$T/prov.json")
N=$("$AETHER" job list --provider "$PROV_ADDR" | jget '.__len__()')
[ "$N" = 1 ] || fail "job list --provider: $N"
N=$("$AETHER" job list --status finalized | jget '.__len__()')
[ "$N" = 1 ] || fail "job list --status finalized: $N"
echo "ok: paid job $JOB"

# ---- a provider that accepts and vanishes ---------------------------------------
PLASMD_HOME="$T/req-phase" "$PLASMD" manifest sign "$T/rev.wasm" --max-duration-ms 1000 \
    --out "$T/manifest2.json" 2>/dev/null || fail "manifest 2"
R0=$(balance "$T/req.json") P0=$(balance "$T/prov.json") O0=$(balance "$T/other.json")
H=$(height)
OUT=$("$AETHER" job post --key "$T/req.json" --manifest "$T/manifest2.json" --payment 7000 \
    --bond 3000 --fuel 10000000 --deadline $((H + 15)) --wait) || fail "post 2: $OUT"
JOB2=$(echo "$OUT" | jget '["job_id"]')
RF=$(echo "$OUT" | sum_fee)
OUT=$("$AETHER" job accept --key "$T/prov.json" --job "$JOB2" \
    --phase-identity "$T/prov-phase/identity.key" --wait) || fail "accept 2: $OUT"
PF=$(echo "$OUT" | sum_fee)
# the receipt of the first job does not claim this one
if OUT=$("$AETHER" job claim --key "$T/prov.json" --job "$JOB2" --receipt "$T/receipt.json" 2>&1); then
    fail "a receipt for another job was accepted"
fi
echo "$OUT" | grep -q "receipt is for job" || fail "wrong reason for another job's receipt: $OUT"
if OUT=$("$AETHER" job expire --key "$T/other.json" --job "$JOB2" 2>&1); then
    fail "expired before the deadline"
fi
echo "$OUT" | grep -q "has not passed" || fail "wrong reason: $OUT"
wait_height $((H + 16))
OUT=$("$AETHER" job expire --key "$T/other.json" --job "$JOB2" --wait) || fail "expire: $OUT"
OF=$(echo "$OUT" | sum_fee)
# refund 7000 and half the bond (1500); the other 1500 is burned
[ "$(balance "$T/req.json")" = $((R0 - RF + 1500)) ] || fail "requester after expiry $(balance "$T/req.json")"
[ "$(balance "$T/prov.json")" = $((P0 - PF - 3000)) ] || fail "provider after expiry"
[ "$(balance "$T/other.json")" = $((O0 - OF)) ] || fail "other after expiry"
[ "$("$AETHER" job status --job "$JOB2" | jget '["status"]')" = expired ] || fail "status 2"
echo "ok: vanished provider lost its bond"

# ---- disputes settled by re-execution inside block execution ---------------------
# job 3: the provider claims a receipt whose output is wrong (it ran the job on
# other input); a challenger re-runs it on chain and wins.
printf 'escrowed input' >"$T/input.txt"
dispute() {   # $1 = manifest, $2 = the input the provider really runs on; prints the job id
    H=$(height)
    OUT=$("$AETHER" job post --key "$T/req.json" --manifest "$1" --input "$T/input.txt" \
        --payment 4000 --bond 1000 --fuel 10000000 --deadline $((H + 100)) --window 50 --wait) ||
        fail "post: $OUT"
    J=$(echo "$OUT" | jget '["job_id"]')
    echo "$OUT" | sum_fee >"$T/postfee-$J"
    "$AETHER" job accept --key "$T/prov.json" --job "$J" \
        --phase-identity "$T/prov-phase/identity.key" --wait >/dev/null || fail "accept $J"
    printf '%s' "$2" | PLASMD_HOME="$T/prov-phase" "$PLASMD" run --quiet --manifest "$1" \
        --allow "$REQ_PK" --deterministic --fuel 10000000 --receipt "$T/r-$J.json" >/dev/null ||
        fail "plasmd run $J"
    "$AETHER" job claim --key "$T/prov.json" --job "$J" --receipt "$T/r-$J.json" --wait >/dev/null ||
        fail "claim $J"
    echo "$J"
}
PLASMD_HOME="$T/req-phase" "$PLASMD" manifest sign "$T/rev.wasm" --max-duration-ms 2000 \
    --out "$T/manifest3.json" 2>/dev/null || fail "manifest 3"
R0=$(balance "$T/req.json") P0=$(balance "$T/prov.json") O0=$(balance "$T/other.json")
JOB3=$(dispute "$T/manifest3.json" "not the input")
OUT=$("$AETHER" job challenge --key "$T/other.json" --job "$JOB3" --bond 1000 --wait) ||
    fail "challenge of a wrong claim: $OUT"
[ "$("$AETHER" job status --job "$JOB3" | jget '["status"]')" = slashed ] || fail "job 3 not slashed"
# requester refunded (only its fees spent), provider lost its bond (half to the
# challenger, half burned), challenger got its bond back plus 500
[ "$(balance "$T/req.json")" = $((R0 - $(cat "$T/postfee-$JOB3"))) ] ||
    fail "requester not refunded: $(balance "$T/req.json")"
O1=$(balance "$T/other.json")
OF=$(echo "$OUT" | sum_fee)
[ "$O1" = $((O0 - OF + 500)) ] || fail "challenger balance $O1, expected $((O0 - OF + 500))"
echo "ok: wrong output challenged, provider slashed, requester refunded"

# job 4: an honest claim; the challenger loses its bond (half to the provider)
PLASMD_HOME="$T/req-phase" "$PLASMD" manifest sign "$T/rev.wasm" --max-duration-ms 3000 \
    --out "$T/manifest4.json" 2>/dev/null || fail "manifest 4"
JOB4=$(dispute "$T/manifest4.json" "escrowed input")
P2=$(balance "$T/prov.json")
OUT=$("$AETHER" job challenge --key "$T/other.json" --job "$JOB4" --bond 1200 --wait) ||
    fail "challenge of an honest claim: $OUT"
OF=$(echo "$OUT" | sum_fee)
[ "$("$AETHER" job status --job "$JOB4" | jget '["status"]')" = finalized ] || fail "job 4 not paid"
# provider: its bond back + payment 4000 + 600 of the challenger's bond
[ "$(balance "$T/prov.json")" = $((P2 + 1000 + 4000 + 600)) ] || fail "provider after honest challenge"
[ "$(balance "$T/other.json")" = $((O1 - OF - 1200)) ] || fail "challenger after losing"
echo "ok: a challenge of an honest claim cost the challenger"
exit 0
