#!/bin/sh
# Every `aether` command that sends a tx pays the fee market without --fee
# (chain_client_fee_for: max(2000, 1000 + size) + 2 x next base fee x size):
# on a chain whose base fee (60 per byte, never lower) is far above the old
# fixed default (2000, or 1000 + 1 per byte), a transfer, a UTxO spend, a
# contract deploy and call, a job post and cancel, and a delegation are all
# committed, each paying at least base fee x size; an explicit --fee below the
# base fee is refused naming the base fee. (The provider node and the PHP SDK
# run on such a chain in phase_php_sdk's EscrowTest.)
# Usage: fee_market_test.sh AETHERD AETHER PLASMD JOB_WASM CONTRACT_WASM
set -u
AETHERD=$1 AETHER=$2 PLASMD=$3 JOB_WASM=$4 WASM=$5
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/common/testenv.sh"
. "$SRC/tests/chain/chainenv.sh"
command -v python3 >/dev/null 2>&1 || testenv_missing "python3 is needed to read JSON answers"
[ -f "$WASM" ] || testenv_missing "the AIC token contract $WASM was not built (clang/wasm-ld)"
[ -f "$JOB_WASM" ] || testenv_missing "the job module $JOB_WASM was not built"

T=$(mktemp -d /tmp/fee_market.XXXXXX)
NODE=
cleanup() {
    [ -n "$NODE" ] && kill "$NODE" 2>/dev/null && wait "$NODE" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM
rpc() {
    python3 -c "
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1], json.dumps({'jsonrpc': '2.0', 'id': 1,
    'method': sys.argv[2], 'params': json.loads(sys.argv[3])}).encode(),
    {'Content-Type': 'application/json'})
print(json.dumps(json.load(urllib.request.urlopen(req, timeout=10))['result']))
" "$AETHER_RPC" "$1" "$2"
}
BASE=60
# paid: the receipt of a --wait answer pays at least BASE x the tx's size
paid() {   # paid NAME OUTPUT
    [ "$(echo "$2" | jget '["receipt"]["status"]')" = ok ] || fail "$1: $2"
    H=$(echo "$2" | jget '["hash"]')
    SIZE=$(rpc aeth_getTransaction "[\"$H\"]" | jget '["size"]')
    FEE=$(echo "$2" | jget '["receipt"]["fee_paid"]')
    [ "$FEE" -ge $((BASE * SIZE)) ] || fail "$1: fee $FEE below $BASE x $SIZE"
    [ "$FEE" -gt $((1000 + SIZE)) ] || fail "$1: fee $FEE is the old default"
    echo "ok: $1 committed, fee $FEE for $SIZE bytes"
}

for k in val alice bob; do
    "$AETHER" keys new --out "$T/$k.json" >/dev/null || fail "keys new $k"
done
VAL=$(jget '["address"]' <"$T/val.json") BOB=$(jget '["address"]' <"$T/bob.json")
"$AETHERD" init-genesis --key "$T/val.json" --alloc "$T/alice.json=100000000000" \
    --utxo "$T/alice.json=50000000" --stake 1000000 \
    --staking-param gas_target=10000000 --staking-param initial_base_fee=$BASE \
    --staking-param min_base_fee=$BASE --out "$T/genesis.json" >/dev/null || fail "init-genesis"
"$AETHERD" run --data "$T/data" --genesis "$T/genesis.json" --key "$T/val.json" \
    --rpc 127.0.0.1:0 --port-file "$T/port" --block-ms 50 --heartbeat-ms 200 >"$T/node.log" 2>&1 &
NODE=$!
i=0
while [ ! -s "$T/port" ]; do
    i=$((i + 1)); [ $i -gt 200 ] && fail "aetherd did not start"
    sleep 0.05
done
export AETHER_RPC="http://127.0.0.1:$(cat "$T/port")"
[ "$(rpc aeth_baseFee '[]' | jget '["next_base_fee"]')" = $BASE ] || fail "aeth_baseFee"

# an explicit fee below the base fee: refused, naming it
OUT=$("$AETHER" transfer --key "$T/alice.json" --to "$BOB" --amount 5 --fee 2000 2>&1) &&
    fail "a fee below the base fee was accepted: $OUT"
echo "$OUT" | grep -q "below the base fee" || fail "fee below the base fee: $OUT"

OUT=$("$AETHER" transfer --key "$T/alice.json" --to "$BOB" --amount 777 --wait) || fail "transfer: $OUT"
paid transfer "$OUT"
OUT=$("$AETHER" utxo send --key "$T/alice.json" --to "$BOB" --amount 1000 --wait) || fail "utxo send: $OUT"
paid "utxo send" "$OUT"
OUT=$("$AETHER" contract deploy --key "$T/alice.json" --code "$WASM" --input "$(u128 1000000)" \
    --wait) || fail "deploy: $OUT"
paid "contract deploy" "$OUT"
TOKEN=$(echo "$OUT" | jget '["contract"]')
# transfer(to, amount): selector 01 in the AIC token ABI (see contract_test.sh)
OUT=$("$AETHER" contract call --key "$T/alice.json" --contract "$TOKEN" \
    --input "01${BOB}$(u128 10)" --wait) || fail "call: $OUT"
paid "contract call" "$OUT"
PLASMD_HOME="$T/phase" "$PLASMD" manifest sign "$JOB_WASM" --out "$T/manifest.json" 2>/dev/null ||
    fail "manifest sign"
H=$("$AETHER" status | jget '["height"]')
OUT=$("$AETHER" job post --key "$T/alice.json" --manifest "$T/manifest.json" --payment 5000 \
    --fuel 100000 --deadline $((H + 500)) --wait) || fail "job post: $OUT"
paid "job post" "$OUT"
JOB=$(echo "$OUT" | jget '["job_id"]')
OUT=$("$AETHER" job cancel --key "$T/alice.json" --job "$JOB" --wait) || fail "job cancel: $OUT"
paid "job cancel" "$OUT"
OUT=$("$AETHER" delegate --key "$T/alice.json" --validator "$VAL" --amount 100000 --wait) ||
    fail "delegate: $OUT"
paid delegate "$OUT"

# the wallet's --nonce reaches the transaction in every kind of command: a
# used nonce is refused by the node, the next one is committed
for c in "delegate --validator $VAL --amount 1" "contract call --contract $TOKEN --input 01${BOB}$(u128 1)" \
    "job cancel --job $JOB" "transfer --to $BOB --amount 1"; do
    # shellcheck disable=SC2086
    OUT=$("$AETHER" $c --key "$T/alice.json" --nonce 1 2>&1) && fail "$c --nonce 1 was accepted: $OUT"
    echo "$OUT" | grep -Eq "nonce 1 (is below the account nonce|already used)" || fail "$c --nonce 1: $OUT"
done
echo "ok: a used --nonce is refused by delegate, contract call, job cancel and transfer"
NEXT=$("$AETHER" balance "$T/alice.json" | jget '["next_nonce"]')
OUT=$("$AETHER" delegate --key "$T/alice.json" --validator "$VAL" --amount 1 --nonce "$NEXT" \
    --wait) || fail "delegate --nonce $NEXT: $OUT"
H=$(echo "$OUT" | jget '["hash"]')
[ "$(rpc aeth_getTransaction "[\"$H\"]" | jget '["nonce"]')" = "$NEXT" ] || fail "delegate --nonce $NEXT"
echo "ok: delegate --nonce $NEXT is committed with that nonce"
exit 0
