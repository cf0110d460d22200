#!/bin/sh
# Integration test of `aether bls`: drives the real binary the way a user would.
# KeyGen against the EIP-2333 master-key vector, sign -> verify, aggregate ->
# aggregate-verify / fast-aggregate-verify (repeated messages included),
# pop-prove -> pop-verify, and the exit codes 0 (valid) / 1 (invalid) /
# 2 (malformed, with a message naming the argument).
# Usage: cli_test.sh path/to/aether
set -u
AETHER=${1:?usage: cli_test.sh path/to/aether}
err=$(mktemp)
trap 'rm -f "$err"' EXIT
fails=0
n=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect CODE STDOUT_WANT ARGS... (STDOUT_WANT "-" = do not compare)
expect() {
    code=$1; want=$2; shift 2
    n=$((n + 1))
    out=$("$AETHER" bls "$@" 2>"$err")
    rc=$?
    if [ "$rc" -ne "$code" ]; then
        fail "aether bls $* exited $rc, expected $code ($(cat "$err"))"
    elif [ "$want" != "-" ] && [ "$out" != "$want" ]; then
        fail "aether bls $*: got '$out', expected '$want'"
    fi
}

# expect_err CODE PATTERN ARGS...: exit code and a stderr message matching PATTERN
expect_err() {
    code=$1; pat=$2; shift 2
    n=$((n + 1))
    "$AETHER" bls "$@" >/dev/null 2>"$err"
    rc=$?
    if [ "$rc" -ne "$code" ]; then
        fail "aether bls $* exited $rc, expected $code"
    elif ! grep -q -- "$pat" "$err"; then
        fail "aether bls $*: stderr '$(cat "$err")' does not mention '$pat'"
    fi
}

IKM=c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04
SK=0d7359d57963ab8fbbde1852dcf553fedbc31f464d80ee7d40ae683122b45070
expect 0 - keygen "$IKM"
out=$("$AETHER" bls keygen "$IKM")
case "$out" in
    "secret_key: $SK"*) ;;
    *) fail "keygen: unexpected output '$out'" ;;
esac
PK=$("$AETHER" bls pk "$SK")
[ "$(echo "$out" | sed -n 2p)" = "public_key: $PK" ] || fail "keygen and pk disagree"
expect 0 - keygen            # random IKM
expect_err 2 "IKM" keygen 00  # too short

MSG=68656c6c6f
SIG=$("$AETHER" bls sign "$SK" "$MSG")
[ ${#SIG} -eq 192 ] || fail "sign: signature of ${#SIG} hex digits"
expect 0 valid verify "$PK" "$MSG" "$SIG"
expect 1 - verify "$PK" 68656c6c6e "$SIG"
expect 0 - sign "$SK" ""
SIG0=$("$AETHER" bls sign "$SK" "")
expect 0 valid verify "$PK" "" "$SIG0"
expect_err 2 "MSG_HEX" verify "$PK" 6 "$SIG"
expect_err 2 "PK_HEX" verify "00$PK" "$MSG" "$SIG"
expect_err 2 "SIG_HEX" verify "$PK" "$MSG" "zz${SIG#??}"
# the compression flag cleared: a malformed encoding, named
SIGX=$(printf '%s' "$SIG" | sed 's/^./1/')
expect_err 2 "SIG_HEX" verify "$PK" "$MSG" "$SIGX"
INF_PK=c0$(printf '0%.0s' $(seq 94))
expect_err 1 "identity" verify "$INF_PK" "$MSG" "$SIG"
expect_err 2 "SK_HEX" pk 0000000000000000000000000000000000000000000000000000000000000000
expect_err 2 "SK_HEX" sign 73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001 "$MSG"
expect_err 2 "expected 1 argument" pk
expect_err 2 "frobnicate" frobnicate

# a second key, aggregates
SK2=0000000000000000000000000000000000000000000000000000000000000063
PK2=$("$AETHER" bls pk "$SK2")
SIG2=$("$AETHER" bls sign "$SK2" "$MSG")
SIG2B=$("$AETHER" bls sign "$SK2" 776f726c64)
AGG=$("$AETHER" bls aggregate "$SIG,$SIG2")
expect 0 valid fast-aggregate-verify "$PK,$PK2" "$MSG" "$AGG"
expect 1 - fast-aggregate-verify "$PK" "$MSG" "$AGG"
expect 0 valid aggregate-verify "$PK,$PK2" "$MSG,$MSG" "$AGG"   # repeated message: allowed (POP)
AGG2=$("$AETHER" bls aggregate "$SIG,$SIG2B")
expect 0 valid aggregate-verify "$PK,$PK2" "$MSG,776f726c64" "$AGG2"
expect 1 - aggregate-verify "$PK2,$PK" "$MSG,776f726c64" "$AGG2"
expect_err 2 "MSGS" aggregate-verify "$PK,$PK2" "$MSG" "$AGG2"
expect_err 2 "SIGS" aggregate ""
expect_err 2 "item 1" aggregate "$SIG,12"
expect 0 "$SIG" aggregate "$SIG"

# proofs of possession
POP=$("$AETHER" bls pop-prove "$SK")
expect 0 valid pop-verify "$PK" "$POP"
expect 1 - pop-verify "$PK2" "$POP"
expect 1 - pop-verify "$PK" "$SIG"
expect 0 - --help

echo "$n checks, $fails failures"
[ "$fails" -eq 0 ]
