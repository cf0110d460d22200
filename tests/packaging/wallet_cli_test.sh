#!/usr/bin/env bash
# The wallet options (--key, --rpc, --fee, --nonce, --wait, --timeout) of
# every `aether` command that sends a transaction, through the real binary
# and without a node: each command refuses the same bad value with the same
# message and exit 2, reads --key and --rpc the same way (a missing key
# file: exit 2 naming it; a bad URL: exit 2; an unreachable node: exit 1
# with the hint), and documents them in --help; aether(1) and the bash
# completion list every one of them.
# Usage: wallet_cli_test.sh AETHER SRCROOT
set -uo pipefail
AETHER=$1 SRCROOT=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
expect() { # description, expected exit code, expected stderr text, command...
    local d=$1 want=$2 text=$3; shift 3
    OUT=$("$@" 2>&1 >/dev/null); local rc=$?
    if [ "$rc" != "$want" ]; then bad "$d (exit $rc, want $want): $OUT"
    elif ! grep -qF -- "$text" <<<"$OUT"; then bad "$d: '$text' not in: $OUT"
    else ok "$d"; fi
}

"$AETHER" keys new --out "$T/k.json" >/dev/null || { echo "FAIL: aether keys new" >&2; exit 1; }
head -c 32 /dev/urandom >"$T/phase.key" && chmod 600 "$T/phase.key"   # a Phase identity seed
A=0123456789abcdef0123456789abcdef01234567
H=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
# each sending command, with what it needs besides the wallet options
# (everything it checks before it loads the key and opens the client)
cmds=(
    "transfer --to $A --amount 1"
    "utxo send --to $A --amount 1"
    "job accept --job $H --phase-identity $T/phase.key"
    "job finalize --job $H"
    "job challenge --job $H --bond 5"
    "job cancel --job $H"
    "job expire --job $H"
    "contract call --contract $A"
    "validator register --stake 10"
    "validator stake --amount 10"
    "validator unjail"
    "validator commission --bps 100"
    "delegate --validator $A --amount 1"
    "undelegate --validator $A --amount 1"
    "redelegate --from $A --to $A --amount 1"
    "withdraw --validator $A"
    "rewards claim --validator $A"
)
for c in "${cmds[@]}" "job post" "job claim" "contract deploy" "validator evidence"; do
    read -ra args <<<"$c"
    name=${c%% -*}
    expect "$name: bad --fee" 2 \
        "aether $name: --fee '1.5' is not a decimal amount (amount: '.' at offset 1 is not a decimal digit)" \
        "$AETHER" "${args[@]}" --fee 1.5
    expect "$name: bad --nonce" 2 "aether $name: --nonce '-1' is not a decimal number below 2^64" \
        "$AETHER" "${args[@]}" --nonce -1
    expect "$name: bad --timeout" 2 "aether $name: --timeout '0' is not a positive number of seconds" \
        "$AETHER" "${args[@]}" --timeout 0
    expect "$name: --key without a value" 2 "aether $name: option '--key' needs a value" \
        "$AETHER" "${args[@]}" --key
    expect "$name: unknown option" 2 "aether $name: unknown option '--feee'" \
        "$AETHER" "${args[@]}" --feee 1
    help=$("$AETHER" "${args[@]}" --help 2>&1)
    for o in "--key FILE" "--fee N" "--nonce N" "--wait" "--timeout S" "--rpc URL"; do
        grep -qF -- "$o" <<<"$help" || bad "$name --help does not mention $o"
    done
done
for c in "${cmds[@]}"; do
    read -ra args <<<"$c"
    name=${c%% -*}
    expect "$name: --key is required" 2 "aether $name: --key FILE" "$AETHER" "${args[@]}"
    expect "$name: a missing key file is named" 2 "aether $name: key: cannot read $T/nokey.json" \
        "$AETHER" "${args[@]}" --key "$T/nokey.json"
    expect "$name: a bad --rpc URL" 2 "aether $name: --rpc: " \
        "$AETHER" "${args[@]}" --key "$T/k.json" --rpc "ftp://x"
    expect "$name: an unreachable node" 1 "set --rpc or AETHER_RPC" \
        "$AETHER" "${args[@]}" --key "$T/k.json" --rpc "http://127.0.0.1:1" --fee 5000 --nonce 0
done

# a UTxO id reads the same in utxo send --in and verify-proof --utxo
for o in "utxo send --key $T/k.json --to $A --amount 1 --in" "verify-proof --utxo"; do
    read -ra args <<<"$o"
    name=${o%% -*} opt=${args[${#args[@]}-1]}
    expect "$name $opt without a colon" 2 "aether $name: $opt 'x': expected TXHASH:INDEX" \
        "$AETHER" "${args[@]}" x
    expect "$name $opt with a short hash" 2 "aether $name: $opt 'ab:1': hash: need 64 hex digits" \
        "$AETHER" "${args[@]}" ab:1
    expect "$name $opt with index 2^32" 2 \
        "aether $name: $opt '$H:4294967296': the index must be a decimal number below 2^32" \
        "$AETHER" "${args[@]}" "$H:4294967296"
done

# the staking commands share one option table: an option a command does not take
# is refused by name, not ignored
expect "validators --wait (read-only)" 2 "aether validators: this command does not take --wait" \
    "$AETHER" validators --wait
expect "validator show --key (read-only)" 2 "aether validator show: this command does not take --key" \
    "$AETHER" validator show --address $A --key "$T/k.json"
expect "delegate --epoch" 2 "aether delegate: this command does not take --epoch" \
    "$AETHER" delegate --key "$T/k.json" --validator $A --amount 1 --epoch 3
expect "validator stake --commission" 2 "aether validator stake: this command does not take --commission" \
    "$AETHER" validator stake --key "$T/k.json" --amount 1 --commission 5

# an address option takes a key file as the balance/transfer operands do: parsing
# passes and the command goes on to the (unreachable) node
expect "verify-proof --address KEYFILE" 1 "cannot connect" \
    "$AETHER" verify-proof --address "$T/k.json" --rpc http://127.0.0.1:1
expect "delegate --validator KEYFILE" 1 "cannot connect" \
    "$AETHER" delegate --key "$T/k.json" --validator "$T/k.json" --amount 1 --rpc http://127.0.0.1:1
expect "validator show --address: neither an address nor a file" 2 \
    "--address 'zz' is not an address (40 hex digits) or a key file" "$AETHER" validator show --address zz

# aether(1) and the completion document every wallet option
for o in key rpc fee nonce wait timeout; do
    grep -q "^\*--$o\*" "$SRCROOT/dist/man/aether.1.scd" || bad "aether(1) does not document --$o"
    grep -q -- "--$o\b" "$SRCROOT/dist/completion/aether" || bad "the aether completion lacks --$o"
done
ok "aether(1) and the completion list the wallet options"

echo "wallet_cli_test: $fails failure(s)"
[ "$fails" = 0 ]
