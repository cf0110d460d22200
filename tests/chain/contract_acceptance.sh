#!/bin/sh
# Issue 14 acceptance through the real binaries: on a running aetherd, `aether
# contract ...` deploys the AIC token (twice: TA and TB), the constant-product
# AMM and governance (sdk/contract/examples); TA's mint moves to governance; a
# proposal to mint TA to bob is made, voted, finalized, waits out its timelock
# and executes; bob's new balance is then proven with aeth_getProof (checked
# locally against the state root by `aether contract storage --proof`); a
# pool of TA/TB gets liquidity and a swap moves both balances and the
# reserves exactly as the constant-product formula says; a swap asking for
# more than the formula gives is committed as a revert that moves nothing.
# Usage: contract_acceptance.sh AETHERD AETHER TOKEN_WASM AMM_WASM GOV_WASM
set -u
AETHERD=$1 AETHER=$2 TOKEN_WASM=$3 AMM_WASM=$4 GOV_WASM=$5
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/common/testenv.sh"
command -v python3 >/dev/null 2>&1 || testenv_missing "python3 is needed to read JSON answers"
for w in "$TOKEN_WASM" "$AMM_WASM" "$GOV_WASM"; do
    [ -f "$w" ] || testenv_missing "the contract $w was not built (clang/wasm-ld)"
done

T=$(mktemp -d /tmp/contract_acceptance.XXXXXX)
NODE=
cleanup() {
    [ -n "$NODE" ] && kill "$NODE" 2>/dev/null && wait "$NODE" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*" >&2; [ -f "$T/node.log" ] && tail -5 "$T/node.log" >&2; exit 1; }
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }
u128() { python3 -c "import sys; print(int(sys.argv[1]).to_bytes(16, 'little').hex())" "$1"; }
u64() { python3 -c "import sys; print(int(sys.argv[1]).to_bytes(8, 'little').hex())" "$1"; }
# le HEX OFFSET LEN: the little-endian integer at byte OFFSET of HEX
le() { python3 -c "import sys; b=bytes.fromhex(sys.argv[1]); o=int(sys.argv[2]); print(int.from_bytes(b[o:o+int(sys.argv[3])], 'little'))" "$1" "$2" "$3"; }
addr() { jget '["address"]' <"$T/$1.json"; }
height() { "$AETHER" status | jget '["height"]'; }

# deploy NAME WASM INIT_HEX: prints the contract address
deploy() {
    OUT=$("$AETHER" contract deploy --key "$T/alice.json" --code "$2" --input "$3" --wait) ||
        fail "deploy $1: $OUT"
    [ "$(echo "$OUT" | jget '["receipt"]["status"]')" = ok ] || fail "deploy $1 receipt: $OUT"
    echo "$OUT" | jget '["contract"]'
}
# call KEY CONTRACT INPUT: commits the call, fails unless ok; prints the receipt
call() {
    OUT=$("$AETHER" contract call --key "$T/$1.json" --contract "$2" --input "$3" --wait) ||
        fail "call $1 -> $2 $3: $OUT"
    [ "$(echo "$OUT" | jget '["receipt"]["status"]')" = ok ] || fail "receipt: $OUT"
    echo "$OUT"
}
# query CONTRACT INPUT: the return data (hex)
query() {
    Q=$("$AETHER" contract query --contract "$1" --input "$2") || fail "query $1 $2: $Q"
    echo "$Q" | jget '["return_data"]'
}
wait_height() {
    i=0
    while [ "$(height)" -lt "$1" ]; do
        i=$((i + 1)); [ $i -gt 400 ] && fail "height $1 not reached (at $(height))"
        sleep 0.05
    done
}

for k in val alice bob; do
    "$AETHER" keys new --out "$T/$k.json" >/dev/null || fail "keys new $k"
done
"$AETHERD" init-genesis --key "$T/val.json" --alloc "$T/alice.json=1000000000" \
    --alloc "$T/bob.json=1000000000" --out "$T/genesis.json" >/dev/null || fail "init-genesis"
"$AETHERD" run --data "$T/data" --genesis "$T/genesis.json" --key "$T/val.json" \
    --rpc 127.0.0.1:0 --port-file "$T/port" --block-ms 50 --heartbeat-ms 200 >"$T/node.log" 2>&1 &
NODE=$!
i=0
while [ ! -s "$T/port" ]; do
    i=$((i + 1)); [ $i -gt 200 ] && fail "aetherd did not start"
    sleep 0.05
done
export AETHER_RPC="http://127.0.0.1:$(cat "$T/port")"
ALICE=$(addr alice) BOB=$(addr bob)

# ---- deploy: two tokens (1,000,000 each to alice), the AMM (0.3%), governance -----
TA=$(deploy token-a "$TOKEN_WASM" "$(u128 1000000)")
TB=$(deploy token-b "$TOKEN_WASM" "$(u128 1000000)")
AMM=$(deploy amm "$AMM_WASM" "$(u128 30)")
PERIOD=40 TIMELOCK=5   # blocks: ~4 a second here; room for a slow machine
GOV=$(deploy governance "$GOV_WASM" \
    "${TA}$(u64 $PERIOD)$(u64 $TIMELOCK)$(u64 2000)$(u64 5000)$(u128 1000)")
echo "ok: deployed token $TA, token $TB, amm $AMM, governance $GOV"

# ---- governance owns TA's mint -------------------------------------------------------
call alice "$TA" "09${GOV}" >/dev/null
if OUT=$("$AETHER" contract call --key "$T/alice.json" --contract "$TA" \
    --input "04${ALICE}$(u128 1)" 2>&1); then fail "alice still mints: $OUT"; fi
echo "$OUT" | grep -q "not the owner" || fail "mint refusal: $OUT"

# ---- a proposal to mint 777 TA to bob: deposit, propose, vote ----------------------------
call alice "$TA" "02${GOV}$(u128 500000)" >/dev/null
call alice "$GOV" "01$(u128 500000)" >/dev/null
OUT=$(call alice "$GOV" "03${TA}04${BOB}$(u128 777)")
ID=$(le "$(echo "$OUT" | jget '["receipt"]["return_data"]')" 0 8)
[ "$ID" = 1 ] || fail "proposal id $ID"
call alice "$GOV" "04$(u64 "$ID")01" >/dev/null
# a second vote by the same address is refused
if OUT=$("$AETHER" contract call --key "$T/alice.json" --contract "$GOV" \
    --input "04$(u64 "$ID")01" 2>&1); then fail "a second vote: $OUT"; fi
echo "$OUT" | grep -q "already voted" || fail "second vote refusal: $OUT"
P=$(query "$GOV" "08$(u64 "$ID")")
[ "$(le "$P" 0 1)" = 1 ] && [ "$(le "$P" 1 16)" = 500000 ] || fail "proposal after the vote: $P"
END=$(le "$P" 41 8)
# ---- finalize after the vote ends, execute after the timelock ----------------------
wait_height "$END"
call bob "$GOV" "05$(u64 "$ID")" >/dev/null
P=$(query "$GOV" "08$(u64 "$ID")")
[ "$(le "$P" 0 1)" = 2 ] || fail "the proposal did not pass: $P"
ETA=$(le "$P" 49 8)
[ "$(query "$TA" "06${BOB}")" = "$(u128 0)" ] || fail "bob has TA before the execution"
wait_height $((ETA - 1))
OUT=$(call bob "$GOV" "06$(u64 "$ID")")
echo "$OUT" | python3 -c "
import hashlib, json, sys
logs = json.load(sys.stdin)['receipt']['logs']
t = hashlib.sha256(b'Transfer').hexdigest()
assert any(l['topic'] == t and l['address'] == sys.argv[1] for l in logs), logs
" "$TA" || fail "the execution's receipt has no Transfer log of $TA: $OUT"
[ "$(le "$(query "$GOV" "08$(u64 "$ID")")" 0 1)" = 4 ] || fail "the proposal is not executed"
[ "$(query "$TA" "06${BOB}")" = "$(u128 777)" ] || fail "bob's TA after the mint"
[ "$(query "$TA" "07")" = "$(u128 1000777)" ] || fail "TA supply after the mint"
if OUT=$("$AETHER" contract call --key "$T/bob.json" --contract "$GOV" \
    --input "06$(u64 "$ID")" 2>&1); then fail "executed twice: $OUT"; fi
echo "ok: proposal $ID: voting ended at height $END, passed, executed from $ETA: bob holds 777 TA"

# ---- the new balance, proven against the state root (aeth_getProof) --------------------
P=$("$AETHER" contract storage --contract "$TA" --slot "02${BOB}" --proof) || fail "proof: $P"
[ "$(echo "$P" | jget '["exists"]')" = True ] || fail "bob's slot absent: $P"
[ "$(echo "$P" | jget '["verified"]')" = True ] || fail "bob's slot proof: $P"
[ "$(echo "$P" | jget '["value"]')" = "$(u128 777)" ] || fail "bob's proven balance: $P"
ROOT=$(echo "$P" | jget '["root"]')
i=0
while [ "$("$AETHER" status | jget '["state_root"]')" != "$ROOT" ]; do
    # a block may land between the two reads: prove again
    i=$((i + 1)); [ $i -gt 10 ] && fail "the proof's root is never the state root"
    P=$("$AETHER" contract storage --contract "$TA" --slot "02${BOB}" --proof) || fail "proof: $P"
    ROOT=$(echo "$P" | jget '["root"]')
done
echo "ok: bob's 777 TA proven against state root $ROOT"

# ---- the AMM: a TA/TB pool, liquidity, a swap by the formula -------------------------
call alice "$TA" "02${AMM}$(u128 1000000)" >/dev/null
call alice "$TB" "02${AMM}$(u128 1000000)" >/dev/null
call alice "$AMM" "01${TA}${TB}" >/dev/null
OUT=$(call alice "$AMM" "02${TA}${TB}$(u128 100000)$(u128 400000)$(u128 0)")
[ "$(le "$(echo "$OUT" | jget '["receipt"]["return_data"]')" 32 16)" = 200000 ] ||
    fail "first deposit shares (isqrt(100000 x 400000) = 200000): $OUT"
POOL=$(query "$AMM" "05${TA}${TB}")
RA=$(le "$POOL" 0 16) RB=$(le "$POOL" 16 16)
A_TA=$(le "$(query "$TA" "06${ALICE}")" 0 16) A_TB=$(le "$(query "$TB" "06${ALICE}")" 0 16)
IN=10000
WANT=$(python3 -c "import sys; i,a,b=map(int,sys.argv[1:]); print(i*9970*b // (a*10000 + i*9970))" \
    "$IN" "$RA" "$RB")
[ "$(le "$(query "$AMM" "07${TA}${TB}$(u128 $IN)")" 0 16)" = "$WANT" ] || fail "quote"
# asking for one more than the formula gives: a committed revert that moves nothing
if OUT=$("$AETHER" contract call --key "$T/alice.json" --contract "$AMM" --gas 3000000 \
    --input "04${TA}${TB}$(u128 $IN)$(u128 $((WANT + 1)))" --wait 2>/dev/null); then
    fail "a swap below its minimum went through"; fi
[ "$(echo "$OUT" | jget '["receipt"]["status"]')" = revert ] || fail "min_out revert: $OUT"
[ "$(query "$AMM" "05${TA}${TB}")" = "$POOL" ] || fail "the reverted swap moved the pool"
OUT=$(call alice "$AMM" "04${TA}${TB}$(u128 $IN)$(u128 "$WANT")")
[ "$(le "$(echo "$OUT" | jget '["receipt"]["return_data"]')" 0 16)" = "$WANT" ] || fail "swap out: $OUT"
[ "$(le "$(query "$TA" "06${ALICE}")" 0 16)" = $((A_TA - IN)) ] || fail "alice's TA after the swap"
[ "$(le "$(query "$TB" "06${ALICE}")" 0 16)" = $((A_TB + WANT)) ] || fail "alice's TB after the swap"
POOL2=$(query "$AMM" "05${TA}${TB}")
[ "$(le "$POOL2" 0 16)" = $((RA + IN)) ] && [ "$(le "$POOL2" 16 16)" = $((RB - WANT)) ] ||
    fail "reserves after the swap: $POOL2"
[ "$(le "$(query "$TA" "06${AMM}")" 0 16)" = $((RA + IN)) ] || fail "the AMM's TA holdings"
python3 -c "import sys; a,b,c,d=map(int,sys.argv[1:]); assert c*d >= a*b" \
    "$RA" "$RB" $((RA + IN)) $((RB - WANT)) || fail "k decreased"
echo "ok: swap of $IN TA gave $WANT TB = $IN*9970*$RB/($RA*10000+$IN*9970); k did not decrease"
"$AETHER" status >/dev/null || fail "the node is gone"
exit 0
