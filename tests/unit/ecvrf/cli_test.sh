#!/bin/sh
# Integration test of `aether vrf`: drives the real binary the way a user
# would. Checks the RFC 9381 examples (when shared/testdata is present),
# keygen -> prove -> verify -> hash round trips in both suites, exit codes
# 0/1/2 and that malformed-argument messages name the argument.
# Usage: cli_test.sh path/to/aether
set -u
AETHER=${1:?usage: cli_test.sh path/to/aether}
. "$(dirname "$0")/../../common/testenv.sh"
SHARED=$(testenv_shared)
fails=0
n=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect CODE STDOUT_WANT ARGS... (STDOUT_WANT "-" = do not compare)
expect() {
    code=$1; want=$2; shift 2
    n=$((n + 1))
    out=$("$AETHER" "$@" 2>/tmp/vrf_cli_err.$$)
    rc=$?
    if [ "$rc" -ne "$code" ]; then
        fail "aether $* exited $rc, expected $code ($(cat /tmp/vrf_cli_err.$$))"
    elif [ "$want" != "-" ] && [ "$out" != "$want" ]; then
        fail "aether $*: got '$out', expected '$want'"
    fi
}

# expect_err CODE PATTERN ARGS...: exit code and a stderr message matching PATTERN
expect_err() {
    code=$1; pat=$2; shift 2
    n=$((n + 1))
    "$AETHER" "$@" >/dev/null 2>/tmp/vrf_cli_err.$$
    rc=$?
    if [ "$rc" -ne "$code" ]; then
        fail "aether $* exited $rc, expected $code"
    elif ! grep -q -- "$pat" /tmp/vrf_cli_err.$$; then
        fail "aether $*: stderr '$(cat /tmp/vrf_cli_err.$$)' does not mention '$pat'"
    fi
}

# ---- RFC 9381 examples -------------------------------------------------------
if [ -f "$SHARED/testdata/vectors/ecvrf.json" ] && command -v python3 >/dev/null; then
    python3 - "$SHARED/testdata/vectors/ecvrf.json" >/tmp/vrf_cli_vec.$$ <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for name, s in d["suites"].items():
    suite = "tai" if name.endswith("TAI") else "ell2"
    for v in s["vectors"]:
        print(suite, v["SK"], v["PK"], v["alpha"] or "-", v["pi"], v["beta"])
PY
    while read -r suite sk pk alpha pi beta; do
        [ "$alpha" = "-" ] && alpha=""
        expect 0 "$pi" vrf prove --suite "$suite" "$sk" "$alpha"
        expect 0 "$beta" vrf verify --suite "$suite" "$pk" "$alpha" "$pi"
        expect 0 "$beta" vrf hash --suite "$suite" "$pi"
        expect 1 "" vrf verify --suite "$suite" "$pk" "ff$alpha" "$pi"
    done </tmp/vrf_cli_vec.$$
    rm -f /tmp/vrf_cli_vec.$$
    [ "$n" -ge 24 ] || fail "expected at least 6 RFC examples, ran $((n / 4))"
else
    testenv_skip_part "RFC 9381 examples (no $SHARED/testdata/vectors/ecvrf.json or no python3)" ||
        fail "RFC 9381 examples not run (strict mode)"
fi

# ---- round trips ------------------------------------------------------------------
for suite in tai ell2; do
    keys=$("$AETHER" vrf keygen --suite "$suite") || fail "keygen failed"
    sk=$(echo "$keys" | sed -n 's/^secret_key: //p')
    pk=$(echo "$keys" | sed -n 's/^public_key: //p')
    [ ${#sk} -eq 64 ] && [ ${#pk} -eq 64 ] || fail "keygen output malformed: $keys"
    pi=$("$AETHER" vrf prove --suite "$suite" "$sk" 48656c6c6f) || fail "prove failed"
    [ ${#pi} -eq 160 ] || fail "proof has ${#pi} hex digits"
    beta=$("$AETHER" vrf hash --suite "$suite" "$pi")
    [ ${#beta} -eq 128 ] || fail "beta has ${#beta} hex digits"
    expect 0 "$beta" vrf verify --suite "$suite" "$pk" 48656c6c6f "$pi"
    expect 0 "$beta" vrf verify "--suite=$suite" "$pk" 48656C6C6F "$(echo "$pi" | tr a-f A-F)"
    # tampered message, proof (c), key; s >= L
    expect 1 "" vrf verify --suite "$suite" "$pk" 48656c6c6e "$pi"
    bad_pi=$(echo "$pi" | sed 's/^\(.\{70\}\)\(.\)/\1f/')
    [ "$bad_pi" = "$pi" ] && bad_pi=$(echo "$pi" | sed 's/^\(.\{70\}\)\(.\)/\1e/')
    expect_err 1 "INVALID" vrf verify --suite "$suite" "$pk" 48656c6c6f "$bad_pi"
    big_s="$(echo "$pi" | cut -c1-96)ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    expect_err 1 "s >= L" vrf verify --suite "$suite" "$pk" 48656c6c6f "$big_s"
    expect_err 1 "s >= L" vrf hash --suite "$suite" "$big_s"
    other=$("$AETHER" vrf keygen | sed -n 's/^public_key: //p')
    expect_err 1 "does not verify" vrf verify --suite "$suite" "$other" 48656c6c6f "$pi"
done
# a proof of one suite does not verify in the other
pi=$("$AETHER" vrf prove --suite tai "$sk" 00)
expect 1 "" vrf verify --suite ell2 "$pk" 00 "$pi"

# ---- invalid keys (exit 1) and malformed arguments (exit 2) -----------------------
ident=0100000000000000000000000000000000000000000000000000000000000000
expect_err 1 "small order" vrf verify "$ident" 00 "$pi"
expect_err 1 "not a valid point" vrf verify \
    edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f 00 "$pi"
expect_err 2 "PK_HEX" vrf verify "${pk}00" 00 "$pi"
expect_err 2 "PK_HEX" vrf verify "zz${pk#??}" 00 "$pi"
expect_err 2 "MSG_HEX" vrf verify "$pk" 0 "$pi"
expect_err 2 "MSG_HEX" vrf prove "$sk" xyz0
expect_err 2 "PROOF_HEX" vrf verify "$pk" 00 "${pi}00"
expect_err 2 "PROOF_HEX" vrf hash abc
expect_err 2 "SK_HEX" vrf prove 1234 00
expect_err 2 "missing argument" vrf prove "$sk"
expect_err 2 "unexpected argument" vrf hash "$pi" "$pi"
expect_err 2 "unknown suite" vrf prove --suite p256 "$sk" 00
expect_err 2 "unknown option" vrf verify --fast "$pk" 00 "$pi"
expect_err 2 "unknown command" vrf sign "$sk" 00
expect 0 - vrf prove --help

rm -f /tmp/vrf_cli_err.$$
if [ "$fails" -ne 0 ]; then
    echo "$fails of $n checks failed"
    exit 1
fi
echo "all $n checks passed"
testenv_exit 0
