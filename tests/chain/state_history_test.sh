#!/bin/sh
# State history end to end (chain/state history.c, issue 14's "aeth_call at a
# height"): a single-validator aetherd with --state-history, the AIC token
# deployed with `aether contract deploy`; after later blocks change bob's
# token balance and alice's native balance, `aether contract query --height`,
# `aether contract storage --height` and the RPC (aeth_call, aeth_getAccount,
# aeth_getStorageAt with a block number) still answer with the old values;
# proofs at a height (aeth_getProof [.., H] through `aether verify-proof
# --height` and `aether contract storage --proof --height`) show the old
# balance and verify against block H's header state_root, not the tip's;
# `aether utxos --height` lists a UTxO spent since; a future height and
# (after a restart with a 1-block window) a pruned one are refused naming
# the tip / the oldest available height.
# Usage: state_history_test.sh AETHERD AETHER AIC_TOKEN_WASM
set -u
AETHERD=$1 AETHER=$2 WASM=$3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/common/testenv.sh"
. "$SRC/tests/chain/chainenv.sh"
command -v python3 >/dev/null 2>&1 || testenv_missing "python3 is needed to read JSON answers"
[ -f "$WASM" ] || testenv_missing "the AIC token contract $WASM was not built (clang/wasm-ld)"

T=$(mktemp -d /tmp/state_history_test.XXXXXX)
NODE=
cleanup() {
    [ -n "$NODE" ] && kill "$NODE" 2>/dev/null && wait "$NODE" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

addr() { jget '["address"]' <"$T/$1.json"; }
# rpc METHOD JSON_PARAMS -> the whole JSON-RPC answer
rpc() {
    python3 -c "
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1], json.dumps({'jsonrpc': '2.0', 'id': 1,
    'method': sys.argv[2], 'params': json.loads(sys.argv[3])}).encode(),
    {'Content-Type': 'application/json'})
print(urllib.request.urlopen(req, timeout=10).read().decode())" "$AETHER_RPC" "$1" "$2"
}

start_node() {   # start_node HISTORY
    rm -f "$T/port"
    "$AETHERD" run --data "$T/data" --genesis "$T/genesis.json" --key "$T/val.json" \
        --rpc 127.0.0.1:0 --port-file "$T/port" --block-ms 50 --heartbeat-ms 100 \
        --state-history "$1" >>"$T/node.log" 2>&1 &
    NODE=$!
    i=0
    while [ ! -s "$T/port" ]; do
        i=$((i + 1)); [ $i -gt 200 ] && fail "aetherd did not start"
        sleep 0.05
    done
    export AETHER_RPC="http://127.0.0.1:$(cat "$T/port")"
}

for k in val alice bob; do
    "$AETHER" keys new --out "$T/$k.json" >/dev/null || fail "keys new $k"
done
"$AETHERD" init-genesis --key "$T/val.json" --alloc "$T/alice.json=100000000" \
    --out "$T/genesis.json" >/dev/null || fail "init-genesis"
# a bad window is a usage error naming the option
if OUT=$("$AETHERD" run --data "$T/data" --genesis "$T/genesis.json" --key "$T/val.json" \
    --state-history lots 2>&1); then fail "--state-history lots was accepted"; fi
echo "$OUT" | grep -q -- "--state-history" || fail "bad --state-history: $OUT"
start_node 1000
ALICE=$(addr alice) BOB=$(addr bob)

OUT=$("$AETHER" contract deploy --key "$T/alice.json" --code "$WASM" --input "$(u128 1000000)" \
    --wait) || fail "deploy: $OUT"
TOKEN=$(echo "$OUT" | jget '["contract"]')
H0=$(echo "$OUT" | jget '["receipt"]["block_height"]')
OUT=$("$AETHER" contract call --key "$T/alice.json" --contract "$TOKEN" \
    --input "01${BOB}$(u128 300)" --wait) || fail "transfer 300: $OUT"
H1=$(echo "$OUT" | jget '["receipt"]["block_height"]')
ALICE_H1=$(rpc aeth_getAccount "[\"$ALICE\", $H1]" | jget '["result"]["balance"]')
OUT=$("$AETHER" contract call --key "$T/alice.json" --contract "$TOKEN" \
    --input "01${BOB}$(u128 200)" --wait) || fail "transfer 200: $OUT"
H2=$(echo "$OUT" | jget '["receipt"]["block_height"]')
[ "$H2" -gt "$H1" ] && [ "$H1" -gt "$H0" ] || fail "heights $H0 $H1 $H2"

bob_at() {   # bob's token balance (return data) as of block $1, or latest
    if [ "$1" = latest ]; then
        "$AETHER" contract query --contract "$TOKEN" --input "06${BOB}"
    else
        "$AETHER" contract query --contract "$TOKEN" --input "06${BOB}" --height "$1"
    fi | jget '["return_data"]'
}
[ "$(bob_at latest)" = "$(u128 500)" ] || fail "bob now: $(bob_at latest)"
[ "$(bob_at "$H1")" = "$(u128 300)" ] || fail "bob at $H1: $(bob_at "$H1")"
[ "$(bob_at "$H0")" = "$(u128 0)" ] || fail "bob at $H0 (before any transfer): $(bob_at "$H0")"
echo "ok: aether contract query --height: bob had 300 at block $H1, 0 at $H0, 500 now"

# the contract did not exist before its deploy block
if OUT=$("$AETHER" contract code --contract "$TOKEN" --height $((H0 - 1)) 2>&1); then
    fail "code before the deploy: $OUT"; fi
"$AETHER" contract code --contract "$TOKEN" --height "$H0" >/dev/null || fail "code at $H0"

# the RPC with a block number: native balance and a storage slot
ALICE_NOW=$(rpc aeth_getAccount "[\"$ALICE\"]" | jget '["result"]["balance"]')
ALICE_AT=$(rpc aeth_getAccount "[\"$ALICE\", $H1]" | jget '["result"]["balance"]')
[ "$ALICE_AT" = "$ALICE_H1" ] || fail "alice at $H1: $ALICE_AT, was $ALICE_H1"
[ "$("$AETHER" balance --height "$H1" "$ALICE" | jget '["balance"]')" = "$ALICE_H1" ] ||
    fail "aether balance --height $H1"
[ "$("$AETHER" balance "$ALICE" | jget '["balance"]')" = "$ALICE_NOW" ] || fail "aether balance"
[ "$ALICE_NOW" -lt "$ALICE_AT" ] || fail "alice now $ALICE_NOW not below $ALICE_AT (fees)"
R=$(rpc aeth_call "[{\"to\": \"$TOKEN\", \"input\": \"06$BOB\"}, $H1]")
[ "$(echo "$R" | jget '["result"]["return_data"]')" = "$(u128 300)" ] || fail "aeth_call: $R"
# the token keeps balances under 0x02 ‖ address (sdk/contract/examples/aic_token.c)
SLOT=02${BOB}
[ "$("$AETHER" contract storage --contract "$TOKEN" --slot "$SLOT" --height "$H1" |
    jget '["value"]')" = "$(u128 300)" ] || fail "storage at $H1"
[ "$("$AETHER" contract storage --contract "$TOKEN" --slot "$SLOT" | jget '["value"]')" = \
    "$(u128 500)" ] || fail "storage now"
[ "$("$AETHER" contract storage --contract "$TOKEN" --slot "$SLOT" --height "$H0" |
    jget '["value"]')" = None ] || fail "storage at $H0 (absent then)"
echo "ok: aeth_getAccount / aeth_call / storage with a block number"

# proofs at a height: the old balance, under block H1's header state root
ROOT_H1=$(rpc aeth_getBlockByNumber "[$H1]" | jget '["result"]["state_root"]')
TIP_ROOT=$(rpc aeth_getStateRoot "[]" | jget '["result"]["root"]')
[ "$ROOT_H1" != "$TIP_ROOT" ] || fail "the root did not change after block $H1"
OUT=$("$AETHER" verify-proof --address "$ALICE" --height "$H1" --save "$T/p1.json") ||
    fail "verify-proof --height $H1: $OUT"
echo "$OUT" | grep -q "^valid: account $ALICE exists with balance $ALICE_H1 .* under state root $ROOT_H1\$" ||
    fail "proof at $H1: $OUT (want balance $ALICE_H1, root $ROOT_H1)"
[ "$(jget '["root"]' <"$T/p1.json")" = "$ROOT_H1" ] || fail "saved proof's root"
OUT=$("$AETHER" verify-proof --address "$ALICE") || fail "verify-proof at the tip: $OUT"
echo "$OUT" | grep -q "with balance $ALICE_NOW " || fail "proof at the tip: $OUT (want $ALICE_NOW)"
if OUT=$("$AETHER" verify-proof --root "$TIP_ROOT" "$T/p1.json"); then
    fail "block $H1's proof verified against the tip's root: $OUT"; fi
echo "$OUT" | grep -q "^invalid" || fail "old proof against the tip root: $OUT"
OUT=$("$AETHER" contract storage --contract "$TOKEN" --slot "$SLOT" --proof --height "$H1") ||
    fail "storage --proof --height $H1: $OUT"
[ "$(echo "$OUT" | jget '["value"]')" = "$(u128 300)" ] &&
    [ "$(echo "$OUT" | jget '["verified"]')" = True ] &&
    [ "$(echo "$OUT" | jget '["root"]')" = "$ROOT_H1" ] || fail "storage proof at $H1: $OUT"
# the block as upstream-style clients write it: a decimal or 0x-hex string
for B in "\"$H1\"" "\"$(printf 0x%x "$H1")\""; do
    [ "$(rpc aeth_getProof "[\"$ALICE\", $B]" | jget '["result"]["root"]')" = "$ROOT_H1" ] ||
        fail "aeth_getProof with block $B"
done
echo "ok: proofs at block $H1 show the old values under its header's state root"

# UTxOs at a height: alice makes one for herself, then spends it to bob
OUT=$("$AETHER" utxo send --key "$T/alice.json" --to "$ALICE" --amount 1000 \
    --from-balance 100000 --wait) || fail "utxo send to alice: $OUT"
HU1=$(echo "$OUT" | jget '["receipt"]["block_height"]')
U1=$(echo "$OUT" | jget '["hash"]')
OUT=$("$AETHER" utxo send --key "$T/alice.json" --to "$BOB" --amount 400 --in "$U1:0" \
    --from-balance 100000 --wait) || fail "utxo spend to bob: $OUT"
HU2=$(echo "$OUT" | jget '["receipt"]["block_height"]')
n_utxos() { python3 -c "import json,sys; print(len(json.load(sys.stdin)))"; }
[ "$("$AETHER" utxos --height "$HU1" "$ALICE" | n_utxos)" = 1 ] || fail "alice's UTxO at $HU1"
"$AETHER" utxos --height "$HU1" "$ALICE" | grep -q "$U1" || fail "alice's UTxO at $HU1 is $U1"
[ "$("$AETHER" utxos "$ALICE" | n_utxos)" = 0 ] || fail "alice's UTxO is spent now"
[ "$("$AETHER" utxos --height "$HU1" "$BOB" | n_utxos)" = 0 ] || fail "bob had none at $HU1"
[ "$("$AETHER" utxos --height "$HU2" "$BOB" | n_utxos)" = 1 ] || fail "bob's UTxO at $HU2"
OUT=$("$AETHER" verify-proof --utxo "$U1:0" --height "$HU1") || fail "utxo proof at $HU1: $OUT"
echo "$OUT" | grep -q "exists, owner $ALICE, amount 1000" || fail "utxo proof at $HU1: $OUT"
OUT=$("$AETHER" verify-proof --utxo "$U1:0") || fail "utxo proof at the tip: $OUT"
echo "$OUT" | grep -q "is absent" || fail "spent utxo at the tip: $OUT"
echo "ok: aether utxos --height and UTxO proofs at a height"

# bad heights: clear errors
if OUT=$("$AETHER" contract query --contract "$TOKEN" --input 07 --height 999999999 2>&1); then
    fail "a future height was accepted"; fi
echo "$OUT" | grep -q "in the future" || fail "future height: $OUT"
if OUT=$("$AETHER" contract query --contract "$TOKEN" --input 07 --height x 2>&1); then
    fail "--height x was accepted"; fi
echo "$OUT" | grep -q -- "--height" || fail "--height x: $OUT"
R=$(rpc aeth_getStorageAt "[\"$TOKEN\", \"$SLOT\", \"yesterday\"]")
echo "$R" | grep -q "block height" || fail "aeth_getStorageAt with a bad block: $R"

# restart keeping one block: the old heights are gone, named as such
kill "$NODE"; wait "$NODE" 2>/dev/null; NODE=
start_node 1
TIP=$(rpc aeth_blockNumber "[]" | jget '["result"]')
i=0
while [ "$(rpc aeth_blockNumber "[]" | jget '["result"]')" -lt $((TIP + 2)) ]; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "no new blocks after the restart"
    sleep 0.05
done
if OUT=$("$AETHER" contract query --contract "$TOKEN" --input "06${BOB}" --height "$H1" 2>&1); then
    fail "a pruned height was answered: $OUT"; fi
echo "$OUT" | grep -q "oldest available height" || fail "pruned height: $OUT"
R=$(rpc aeth_getAccount "[\"$ALICE\", $H1]")
echo "$R" | grep -q "oldest available height" || fail "aeth_getAccount pruned: $R"
if OUT=$("$AETHER" verify-proof --address "$ALICE" --height "$H1" 2>&1); then
    fail "a proof at a pruned height: $OUT"; fi
echo "$OUT" | grep -q "oldest available height" || fail "proof at a pruned height: $OUT"
if OUT=$("$AETHER" utxos --height "$HU1" "$ALICE" 2>&1); then
    fail "utxos at a pruned height: $OUT"; fi
echo "$OUT" | grep -q "oldest available height" || fail "utxos at a pruned height: $OUT"
R=$(rpc aeth_getProof "[\"$ALICE\", 999999999]")
echo "$R" | grep -q "in the future" || fail "aeth_getProof at a future height: $R"
[ "$(bob_at latest)" = "$(u128 500)" ] || fail "bob after the restart"
echo "ok: pruned heights refused after a restart with --state-history 1: $OUT" | head -c 300
echo
echo "PASS"
