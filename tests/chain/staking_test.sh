#!/bin/sh
# Staking end to end through the real binaries (issue 15) on a single-
# validator aetherd whose genesis validator is a registered staker: a second
# validator registers (aether validator register) and enters the set at the
# next epoch, misses every QC (the solo producer signs alone) and is jailed
# for downtime, unjails; a delegator delegates, undelegates, withdraws after
# the unbonding period, claims rewards; commission changes are bounded;
# double-vote evidence from a test-only twin slashes and jails, once; bad
# input is refused with the reason. Balances are checked to the unit and the
# supply identity genesis + emitted - burned at the end.
# Usage: staking_test.sh AETHERD AETHER STAKE_EVIDENCE SOURCE_DIR
set -u
[ -n "${STAKING_TRACE:-}" ] && set -x
AETHERD=$1 AETHER=$2 EVIDENCE=$3 SRC=$4
. "$SRC/tests/common/testenv.sh"
. "$SRC/tests/chain/chainenv.sh"
command -v python3 >/dev/null 2>&1 || testenv_missing "python3 is needed to read JSON answers"

T=$(mktemp -d /tmp/staking_e2e.XXXXXX)
NODE=
cleanup() {
    [ -n "$NODE" ] && kill "$NODE" 2>/dev/null && wait "$NODE" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

rpc() {   # rpc METHOD 'JSON params'
    python3 - "$AETHER_RPC" "$1" "$2" <<'PY'
import json, sys, urllib.request
url, method, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
req = urllib.request.Request(url, json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                                              "params": params}).encode(),
                             {"Content-Type": "application/json"})
print(json.dumps(json.load(urllib.request.urlopen(req, timeout=10))["result"]))
PY
}
addr() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['address'])" "$1"; }
balance() { "$AETHER" balance "$1" | jget '["balance"]'; }
height() { "$AETHER" status | jget '["height"]'; }
wait_height() {   # until the tip is at least $1 (bounded)
    i=0
    while [ "$(height)" -lt "$1" ]; do
        i=$((i + 1)); [ $i -gt 400 ] && fail "height $1 not reached"
        sleep 0.05
    done
}
status_of() { rpc aeth_getValidator "[\"$1\"]" | jget '["status"]'; }
# inactive_until_epoch_ends ADDR HEIGHT: a validator that became a candidate
# in block HEIGHT is inactive while the epoch of HEIGHT lasts (one snapshot)
inactive_until_epoch_ends() {
    rpc aeth_getValidators '[]' | python3 -c "
import json,sys; d=json.load(sys.stdin)
st=[v['status'] for v in d['validators'] if v['address']=='$1'][0]
ok = st == 'inactive' if d['epoch'] == ($2 - 1) // $L else st in ('active', 'jailed')
sys.exit(0 if ok else 1)" || fail "$1 entered the set before the epoch of block $2 ended"
}
wait_status() {   # wait_status ADDR STATUS
    i=0
    while [ "$(status_of "$1")" != "$2" ]; do
        i=$((i + 1)); [ $i -gt 400 ] && fail "$1 never became $2"
        sleep 0.05
    done
}
fee_of() { jget '["receipt"]["fee_paid"]'; }
refused() {   # refused 'needle' command...: must fail, naming the reason
    needle=$1; shift
    if OUT=$("$@" 2>&1); then fail "accepted: $* ($OUT)"; fi
    echo "$OUT" | grep -q "$needle" || fail "'$*' failed without '$needle': $OUT"
}

for k in val d1 v2 rep; do
    "$AETHER" keys new --out "$T/$k.json" >/dev/null || fail "keys new $k"
done
VAL=$(addr "$T/val.json") D1=$(addr "$T/d1.json") V2=$(addr "$T/v2.json") REP=$(addr "$T/rep.json")
START=1000000000
L=40   # blocks per epoch (a block every 100 ms when idle)
# The unbonding period also bounds the age of evidence: long enough that the
# evidence steps below land in time on a loaded machine (the chain does not
# wait for the test), short enough to wait for the withdrawal.
UNB=300
"$AETHERD" init-genesis --key "$T/val.json" --alloc "$T/d1.json=$START" --alloc "$T/v2.json=$START" \
    --alloc "$T/rep.json=$START" --stake 5000000 --commission 1000 \
    --staking-param epoch_blocks=$L --staking-param unbonding_blocks=$UNB \
    --staking-param jail_downtime_blocks=5 --staking-param jail_double_blocks=8 \
    --staking-param min_delegation=1000 --staking-param block_ms=7884000 \
    --staking-param gas_target=300 --staking-param initial_base_fee=2 \
    --staking-param min_base_fee=1 \
    --out "$T/genesis.json" >/dev/null || fail "init-genesis"
refused "needs --stake" "$AETHERD" init-genesis --key "$T/val.json" --staking-param epoch_blocks=3
refused "is over 10000" "$AETHERD" init-genesis --key "$T/val.json" --stake 5 \
    --staking-param slash_double_bps=20000
"$AETHERD" run --data "$T/data" --genesis "$T/genesis.json" --key "$T/val.json" \
    --rpc 127.0.0.1:0 --port-file "$T/port" --block-ms 50 --heartbeat-ms 100 >"$T/node.log" 2>&1 &
NODE=$!
i=0
while [ ! -s "$T/port" ]; do
    i=$((i + 1)); [ $i -gt 200 ] && fail "aetherd did not start"
    sleep 0.05
done
export AETHER_RPC="http://127.0.0.1:$(cat "$T/port")"

# ---- the genesis validator is a staker from block 0 --------------------------
OUT=$("$AETHER" validators --json) || fail "validators: $OUT"
[ "$(echo "$OUT" | jget '["validators"][0]["address"]')" = "$VAL" ] || fail "genesis validator: $OUT"
[ "$(echo "$OUT" | jget '["validators"][0]["status"]')" = active ] || fail "not active: $OUT"
[ "$(echo "$OUT" | jget '["validators"][0]["stake"]')" = 5000000 ] || fail "stake: $OUT"
"$AETHER" validators | grep -q "$VAL  active" || fail "validators table: $("$AETHER" validators)"

# ---- the fee market: base fee in the header, the next one over RPC ---------------
[ "$(rpc aeth_getBlockByNumber '[0]' | jget '["base_fee"]')" = 2 ] || fail "genesis base fee"
[ "$(rpc aeth_baseFee '[]' | jget '["next_base_fee"]')" -ge 1 ] || fail "aeth_baseFee"

# ---- bad input ------------------------------------------------------------------
refused "is not a registered validator" "$AETHER" delegate --key "$T/d1.json" --validator "$V2" --amount 5000
refused "need 40 hex digits" "$AETHER" delegate --key "$T/d1.json" --validator zz --amount 5
refused "must be greater than 0" "$AETHER" delegate --key "$T/d1.json" --validator "$VAL" --amount 0
refused "insufficient funds" "$AETHER" validator register --key "$T/v2.json" --stake 2000000000
refused "below the minimum delegation" "$AETHER" delegate --key "$T/d1.json" --validator "$VAL" --amount 999
refused "not a registered validator" "$AETHER" validator show --address "$V2"

# ---- a second validator registers and enters the set at the next epoch ---------
OUT=$("$AETHER" validator register --key "$T/v2.json" --stake 3000000 --commission 700 --wait) ||
    fail "register: $OUT"
F=$(echo "$OUT" | fee_of)
HR=$(echo "$OUT" | jget '["receipt"]["block_height"]')
[ "$(balance "$V2")" = $((START - 3000000 - F)) ] || fail "v2 balance after register"
refused "already a registered validator" "$AETHER" validator register --key "$T/v2.json" --stake 5
inactive_until_epoch_ends "$V2" "$HR"
E1=$(((HR - 1) / L + 1))   # the first epoch whose set it can be in
wait_height $((E1 * L + 1))
IDX=$(rpc aeth_getValidatorSet "[$E1]" | python3 -c "
import json,sys; s=json.load(sys.stdin)
print([v['address'] for v in s['validators']].index('$V2'))") || fail "v2 not in the set of epoch $E1"

# ---- delegation, commission ------------------------------------------------------
OUT=$("$AETHER" delegate --key "$T/d1.json" --validator "$VAL" --amount 1000000 --wait) ||
    fail "delegate: $OUT"
F1=$(echo "$OUT" | fee_of)
[ "$(balance "$D1")" = $((START - 1000000 - F1)) ] || fail "d1 balance after delegate"
H=$(height)
wait_height $(((H / L + 1) * L + 1))   # right after a boundary: both changes in one epoch
OUT=$("$AETHER" validator commission --key "$T/val.json" --bps 1100 --wait) || fail "commission: $OUT"
refused "already changed in epoch" "$AETHER" validator commission --key "$T/val.json" --bps 1050
refused "more than 100 bps per epoch" "$AETHER" validator commission --key "$T/v2.json" --bps 1700
[ "$(rpc aeth_getValidator "[\"$VAL\"]" | jget '["commission_bps"]')" = 1100 ] || fail "commission"

# ---- undelegate (withdrawn after the unbonding period, below) ----------------------
B=$(balance "$D1")
OUT=$("$AETHER" undelegate --key "$T/d1.json" --validator "$VAL" --amount 400000 --wait) ||
    fail "undelegate: $OUT"
F2=$(echo "$OUT" | fee_of)
HU=$(echo "$OUT" | jget '["receipt"]["block_height"]')
[ "$(balance "$D1")" = $((B - F2)) ] || fail "undelegate must not pay out yet"
refused "matures at height $((HU + UNB))" "$AETHER" withdraw --key "$T/d1.json" --validator "$VAL"
refused "more than the" "$AETHER" undelegate --key "$T/d1.json" --validator "$VAL" --amount 900000

# ---- downtime: v2 never signs a QC on this solo chain, so it is jailed -----------
wait_height $(((E1 + 1) * L + 1))   # the end of its first epoch in the set
[ "$(status_of "$V2")" = jailed ] || fail "v2 missed every QC of epoch $E1 and is not jailed"
"$AETHER" validators | grep -q "$V2  jailed" || fail "validators table shows no jail"
[ "$(rpc aeth_getValidator "[\"$V2\"]" | jget '["stake"]')" = 3000000 ] || fail "downtime slashed"
refused "destination validator is jailed" "$AETHER" redelegate --key "$T/d1.json" --from "$VAL" \
    --to "$V2" --amount 1000

# ---- double-sign evidence from the test-only twin: slashed once, jailed ---------------
EV=$("$EVIDENCE" "$T/v2.json" 900 "$IDX" 7) || fail "stake_evidence"
BAD=$("$EVIDENCE" "$T/d1.json" 900 "$IDX" 7) || fail "stake_evidence (d1)"
refused "does not verify" "$AETHER" validator evidence --key "$T/rep.json" --epoch "$E1" --evidence "$BAD"
refused "the current epoch is" "$AETHER" validator evidence --key "$T/rep.json" --epoch 9999 --evidence "$EV"
refused "evidence: expected" "$AETHER" validator evidence --key "$T/rep.json" --epoch "$E1" --evidence abc
BURN0=$(rpc aeth_getStaking '[]' | jget '["burned"]')
B=$(balance "$REP")
OUT=$("$AETHER" validator evidence --key "$T/rep.json" --epoch "$E1" --evidence "$EV" --wait) ||
    fail "evidence: $OUT"
EVOUT=$OUT
F5=$(echo "$OUT" | fee_of)
refused "already slashed for round 7" "$AETHER" validator evidence --key "$T/rep.json" --epoch "$E1" \
    --evidence "$EV"

V=$(rpc aeth_getValidator "[\"$V2\"]")
SLASHED=$((3000000 - $(echo "$V" | jget '["stake"]')))
[ "$SLASHED" = 150000 ] || fail "slashed $SLASHED, expected 5% of 3000000"
[ "$(echo "$V" | jget '["jailed"]')" = True ] || fail "evidence did not jail"
[ "$(echo "$V" | jget '["slash_count"]')" = 1 ] || fail "slash_count"
[ "$(balance "$REP")" = $((B - F5 + SLASHED / 10)) ] || fail "reporter reward"
# burned: the slash's 90% and the base fee x size of the evidence tx itself
HB=$(echo "$EVOUT" | jget '["receipt"]["block_height"]')
BF=$(rpc aeth_getBlockByNumber "[$HB]" | jget '["base_fee"]')
SZ=$(rpc aeth_getTransaction "[\"$(echo "$EVOUT" | jget '["hash"]')\"]" | jget '["size"]')
[ "$(rpc aeth_getStaking '[]' | jget '["burned"]')" = $((BURN0 + SLASHED - SLASHED / 10 + BF * SZ)) ] ||
    fail "burned: $(rpc aeth_getStaking '[]' | jget '["burned"]') != $BURN0 + 90% of $SLASHED + $BF x $SZ"
"$AETHER" validators | grep -q "$V2  jailed" || fail "slashed v2 is not shown jailed"

# ---- unjail after the jail time ----------------------------------------------------------
UNTIL=$(rpc aeth_getValidator "[\"$V2\"]" | jget '["jailed_until"]')
if [ "$(height)" -lt $((UNTIL - 5)) ]; then
    refused "jailed until height $UNTIL" "$AETHER" validator unjail --key "$T/v2.json"
fi
wait_height "$UNTIL"
# the slash took its self-stake below its minimum (3000000, the CLI's default)
refused "self-stake 2850000 is below its min_self_stake 3000000" "$AETHER" validator unjail --key "$T/v2.json"
B=$(balance "$V2")
OUT=$("$AETHER" validator stake --key "$T/v2.json" --amount 150000 --wait) || fail "stake: $OUT"
[ "$(balance "$V2")" = $((B - 150000 - $(echo "$OUT" | fee_of))) ] || fail "stake more"
OUT=$("$AETHER" validator unjail --key "$T/v2.json" --wait) || fail "unjail: $OUT"
inactive_until_epoch_ends "$V2" "$(echo "$OUT" | jget '["receipt"]["block_height"]')"
OUT=$("$AETHER" redelegate --key "$T/d1.json" --from "$VAL" --to "$V2" --amount 100000 --wait) ||
    fail "redelegate: $OUT"
[ "$(rpc aeth_getDelegations "[\"$D1\"]" | jget '["staked"]')" = 600000 ] || fail "redelegate moved stake"

# ---- withdraw after the unbonding period -----------------------------------------------
wait_height $((HU + UNB - 1))
B=$(balance "$D1")
OUT=$("$AETHER" withdraw --key "$T/d1.json" --validator "$VAL" --wait) || fail "withdraw: $OUT"
F3=$(echo "$OUT" | fee_of)
[ "$(balance "$D1")" = $((B + 400000 - F3)) ] || fail "withdraw did not pay 400000 back"
refused "no unbonding stake" "$AETHER" withdraw --key "$T/d1.json" --validator "$VAL"

# ---- evidence older than the unbonding period is refused ---------------------------
# epoch 0 ended at height L; a double vote of the genesis validator in it is
# too old once the chain is past L + UNB (refused before it is verified)
wait_height $((L + UNB + 1))
OLD=$("$EVIDENCE" "$T/val.json" 900 0 3) || fail "stake_evidence (epoch 0)"
refused "evidence from epoch 0 (ended at height $L) is older than the unbonding period of $UNB blocks" \
    "$AETHER" validator evidence --key "$T/rep.json" --epoch 0 --evidence "$OLD"
[ "$(rpc aeth_getValidator "[\"$VAL\"]" | jget '["slash_count"]')" = 0 ] || fail "old evidence slashed"

# ---- rewards ------------------------------------------------------------------------
i=0
while [ "$(rpc aeth_getDelegations "[\"$D1\"]" | jget '["rewards"]')" = 0 ]; do
    i=$((i + 1)); [ $i -gt 400 ] && fail "no rewards for d1"
    sleep 0.05
done
B=$(balance "$D1")
OUT=$("$AETHER" rewards claim --key "$T/d1.json" --validator "$VAL" --wait) || fail "claim: $OUT"
F4=$(echo "$OUT" | fee_of)
GOT=$(($(balance "$D1") - B + F4))
[ "$GOT" -gt 0 ] || fail "claim paid nothing"
"$AETHER" rewards --key "$T/d1.json" | grep -q '"staked"' || fail "aether rewards"

# ---- supply: balances + staked + unbonding + rewards = genesis + emitted - burned ----
# (the supply changes only at an epoch boundary: read where none passed)
i=0
while :; do
    i=$((i + 1)); [ $i -gt 20 ] && fail "no quiet moment to read the supply"
    S=$(rpc aeth_getStaking '[]')
    SUM=0
    for a in "$VAL" "$D1" "$V2" "$REP"; do SUM=$((SUM + $(balance "$a"))); done
    KEY='["epoch"],d["emitted"],d["burned"],d["bonded"],d["unbonding"],d["rewards"]'
    [ "$(rpc aeth_getStaking '[]' | jget "$KEY")" = "$(echo "$S" | jget "$KEY")" ] || continue
    WANT=$(echo "$S" | jget '["supply"]')
    HELD=$(echo "$S" | python3 -c "import json,sys; s=json.load(sys.stdin); print(int(s['bonded'])+int(s['unbonding'])+int(s['rewards']))")
    [ "$((SUM + HELD))" = "$WANT" ] || fail "supply: balances $SUM + staking $HELD != $WANT"
    [ "$(echo "$S" | jget '["emitted"]')" -gt 0 ] || fail "nothing emitted"
    # burned = the slash's burn + the base fee part of every fee paid
    [ "$(echo "$S" | jget '["burned"]')" -gt $((SLASHED - SLASHED / 10)) ] || fail "no fee burned"
    break
done
GEN=$(echo "$S" | jget '["genesis_supply"]')
[ "$GEN" = $((4 * START - START + 5000000)) ] || fail "genesis supply $GEN"
echo "staking e2e: ok (slashed $SLASHED, claimed $GOT)"
