#!/bin/sh
# Issue 14's acceptance through the real binaries: on a running aetherd,
# `aether contract ...` deploys two AIC tokens, the constant-product AMM and
# governance (sdk/contract/examples); a swap moves balances exactly as the
# constant-product formula says (fee 0.3%, k never decreasing); a governance
# proposal that mints tokens is voted, passes, waits out its timelock and
# executes, and the new balance is proven with aeth_getProof against the
# state root (verified by `aether contract storage --proof`).
# Usage: contract_apps_test.sh AETHERD AETHER TOKEN_WASM AMM_WASM GOV_WASM
set -u
AETHERD=$1 AETHER=$2 TOKEN_WASM=$3 AMM_WASM=$4 GOV_WASM=$5
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/common/testenv.sh"
. "$SRC/tests/chain/chainenv.sh"
command -v python3 >/dev/null 2>&1 || testenv_missing "python3 is needed to read JSON answers"
for w in "$TOKEN_WASM" "$AMM_WASM" "$GOV_WASM"; do
    [ -f "$w" ] || testenv_missing "contract $w was not built (clang/wasm-ld)"
done

T=$(mktemp -d /tmp/contract_apps.XXXXXX)
NODE=
cleanup() {
    [ -n "$NODE" ] && kill "$NODE" 2>/dev/null && wait "$NODE" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

u64() { python3 -c "import sys; print(int(sys.argv[1]).to_bytes(8, 'little').hex())" "$1"; }
le() { python3 -c "import sys; print(int.from_bytes(bytes.fromhex(sys.argv[1]), 'little'))" "$1"; }
addr() { jget '["address"]' <"$T/$1.json"; }
height() { "$AETHER" status | jget '["height"]'; }
wait_height() {   # until the tip is at least $1 (bounded)
    i=0
    while [ "$(height)" -lt "$1" ]; do
        i=$((i + 1)); [ $i -gt 300 ] && fail "height $1 not reached"
        sleep 0.1
    done
}
send() {   # key contract input -> the receipt JSON (fails on a failed call)
    OUT=$("$AETHER" contract call --key "$T/$1.json" --contract "$2" --input "$3" --wait \
        2>"$T/err") || fail "call $3 on $2 by $1: $OUT $(cat "$T/err")"
    echo "$OUT"
}
query() {  # contract input -> return data hex
    Q=$("$AETHER" contract query --contract "$1" --input "$2") || fail "query $2 on $1: $Q"
    echo "$Q" | jget '["return_data"]'
}
deploy() { # key wasm init -> address
    OUT=$("$AETHER" contract deploy --key "$T/$1.json" --code "$2" --input "$3" --wait) ||
        fail "deploy $2: $OUT"
    echo "$OUT" | jget '["contract"]'
}

for k in val alice bob; do
    "$AETHER" keys new --out "$T/$k.json" >/dev/null || fail "keys new $k"
done
"$AETHERD" init-genesis --key "$T/val.json" --alloc "$T/alice.json=1000000000" \
    --alloc "$T/bob.json=1000000000" --out "$T/genesis.json" >/dev/null || fail "init-genesis"
"$AETHERD" run --data "$T/data" --genesis "$T/genesis.json" --key "$T/val.json" \
    --rpc 127.0.0.1:0 --port-file "$T/port" --block-ms 50 --heartbeat-ms 100 >"$T/node.log" 2>&1 &
NODE=$!
i=0
while [ ! -s "$T/port" ]; do
    i=$((i + 1)); [ $i -gt 200 ] && fail "aetherd did not start"
    sleep 0.05
done
export AETHER_RPC="http://127.0.0.1:$(cat "$T/port")"
ALICE=$(addr alice) BOB=$(addr bob)

# ---- deploy: two tokens (1,000,000 each to alice), the AMM (fee 30 bps), governance ----
TA=$(deploy alice "$TOKEN_WASM" "$(u128 1000000)")
TB=$(deploy alice "$TOKEN_WASM" "$(u128 1000000)")
AMM=$(deploy alice "$AMM_WASM" "$(u128 30)")
# governance over token A: voting 40 blocks (~4 s at the heartbeat), timelock
# 10 blocks, quorum 10%, threshold 50%, proposals need 1 unit of deposited power
GOV=$(deploy alice "$GOV_WASM" "${TA}$(u64 40)$(u64 10)$(u64 1000)$(u64 5000)$(u128 1)")
[ "$(query "$AMM" 08)" = "$(u128 30)" ] || fail "AMM fee"
echo "ok: deployed tokens $TA $TB, AMM $AMM, governance $GOV"

# ---- a pool and a swap ----------------------------------------------------------------
send alice "$TA" "02${AMM}$(u128 1000000)" >/dev/null
send alice "$TB" "02${AMM}$(u128 1000000)" >/dev/null
send alice "$AMM" "01${TA}${TB}" >/dev/null
send alice "$AMM" "02${TA}${TB}$(u128 100000)$(u128 200000)$(u128 0)" >/dev/null
POOL=$(query "$AMM" "05${TA}${TB}")
[ "$POOL" = "$(u128 100000)$(u128 200000)$(u128 141421)" ] || fail "pool after adding: $POOL"
send alice "$TA" "01${BOB}$(u128 10000)" >/dev/null
send bob "$TA" "02${AMM}$(u128 5000)" >/dev/null
OUT=$(send bob "$AMM" "04${TA}${TB}$(u128 5000)$(u128 1)")
# out = in * (10000 - fee) * rOut / (rIn * 10000 + in * (10000 - fee)), rounded down
WANT=$(python3 -c "print(5000 * 9970 * 200000 // (100000 * 10000 + 5000 * 9970))")
GOT=$(le "$(echo "$OUT" | jget '["receipt"]["return_data"]')")
[ "$GOT" = "$WANT" ] || fail "swap paid $GOT, the formula says $WANT"
[ "$(le "$(query "$TB" "06${BOB}")")" = "$WANT" ] || fail "bob's token B balance"
[ "$(le "$(query "$TA" "06${BOB}")")" = 5000 ] || fail "bob's token A balance"
POOL=$(query "$AMM" "05${TA}${TB}")
[ "$POOL" = "$(u128 105000)$(u128 $((200000 - WANT)))$(u128 141421)" ] || fail "pool after swap: $POOL"
python3 -c "assert 105000 * (200000 - $WANT) >= 100000 * 200000" || fail "k decreased"
[ "$(le "$(query "$TB" "06${AMM}")")" = $((200000 - WANT)) ] || fail "AMM holds other than its reserve"
echo "ok: swap of 5000 A paid $WANT B (constant product, 0.3% fee)"

# ---- governance mints by proposal ----------------------------------------------------------
send alice "$TA" "09${GOV}" >/dev/null                          # the token's owner is governance
if OUT=$("$AETHER" contract call --key "$T/alice.json" --contract "$TA" \
    --input "04${ALICE}$(u128 1)" 2>&1); then fail "alice still mints: $OUT"; fi
echo "$OUT" | grep -q "not the owner" || fail "mint refusal reason: $OUT"
send alice "$TA" "02${GOV}$(u128 50000)" >/dev/null
send alice "$GOV" "01$(u128 50000)" >/dev/null                  # deposit: voting power
OUT=$(send alice "$GOV" "03${TA}04${BOB}$(u128 777)")           # propose: mint(bob, 777)
ID=$(echo "$OUT" | jget '["receipt"]["return_data"]')
send alice "$GOV" "04${ID}01" >/dev/null                        # vote for
if "$AETHER" contract call --key "$T/alice.json" --contract "$GOV" --input "04${ID}01" \
    >/dev/null 2>&1; then fail "a second vote by alice was accepted"; fi
P=$(query "$GOV" "08${ID}")
END=$(le "$(echo "$P" | cut -c83-98)")
wait_height $((END + 1))
send bob "$GOV" "05${ID}" >/dev/null                            # finalize (anyone)
P=$(query "$GOV" "08${ID}")
[ "$(echo "$P" | cut -c1-2)" = 02 ] || fail "the proposal did not pass: $P"
ETA=$(le "$(echo "$P" | cut -c99-114)")
wait_height "$ETA"
send bob "$GOV" "06${ID}" >/dev/null                            # execute: the mint runs
[ "$(query "$GOV" "08${ID}" | cut -c1-2)" = 04 ] || fail "not executed"
[ "$(le "$(query "$TA" "06${BOB}")")" = 5777 ] || fail "bob's balance after the mint"
[ "$(le "$(query "$TA" 07)")" = 1000777 ] || fail "token A supply after the mint"
# the new balance is in the state tree: proof against the state root, verified here
P=$("$AETHER" contract storage --contract "$TA" --slot "02${BOB}" --proof) || fail "proof: $P"
[ "$(echo "$P" | jget '["verified"]')" = True ] || fail "proof does not verify: $P"
[ "$(echo "$P" | jget '["value"]')" = "$(u128 5777)" ] || fail "proven value: $P"
[ "$(echo "$P" | jget '["root"]')" = "$("$AETHER" status | jget '["state_root"]')" ] ||
    fail "the proof's root is not the node's state root"
N=$("$AETHER" contract logs --contract "$GOV" --event Executed | jget '.__len__()')
[ "$N" = 1 ] || fail "Executed logs: $N"
echo "ok: governance proposal $ID minted 777 to bob; balance 5777 proven against the state root"
