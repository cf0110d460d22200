# Test environment helper for shell tests (POSIX sh; source it):
#     . "$(dirname "$0")/../common/testenv.sh"     (path relative to the script)
# The convention (DESIGN.md §8, issue 11): a test that cannot do its work
# because a tool or datum is missing prints "SKIP: <reason>" and exits 77,
# never 0; in strict mode (CI=true, as CI runs, or AETHER_STRICT=1, which
# `scripts/test.sh --strict` exports) it prints what is missing and FAILS.
#
#   testenv_require_cmd node "js-libp2p interop needs node"   # leaves when missing
#   testenv_require_file "$(testenv_shared)/testdata/x.json"   # leaves when missing
#   testenv_missing "reason"                                   # leave: 77, or 1 if strict
#   testenv_skip_part "reason" || fails=$((fails+1))           # a part did not run
#   exit "$(testenv_result "$fails")"  # 1 if fails>0, 77 if a part skipped, else 0
#   (or: testenv_exit "$fails")

testenv_strict() {
    [ "${CI:-}" = true ] || { [ -n "${AETHER_STRICT:-}" ] && [ "${AETHER_STRICT}" != 0 ]; }
}

# The shared test data folder ($AETHER_SHARED, else ../shared from the source root).
testenv_shared() {
    if [ -n "${AETHER_SHARED:-}" ]; then echo "$AETHER_SHARED"; else echo ../shared; fi
}

testenv_missing() {
    if testenv_strict; then
        echo "MISSING (strict mode: CI=true or AETHER_STRICT=1): $*" >&2
        exit 1
    fi
    echo "SKIP: $*"
    exit 77
}

TESTENV_SKIPPED=0
testenv_skip_part() {
    if testenv_strict; then
        echo "MISSING (strict mode: CI=true or AETHER_STRICT=1): $*" >&2
        return 1
    fi
    echo "SKIP: $*"
    TESTENV_SKIPPED=$((TESTENV_SKIPPED + 1))
    return 0
}

testenv_require_cmd() { # cmd [reason]
    command -v "$1" >/dev/null 2>&1 || testenv_missing "${2:-$1 is not installed}"
}

testenv_require_file() { # path [reason]
    [ -f "$1" ] || testenv_missing "${2:-$1 not found}"
}

testenv_result() { # failures
    if [ "${1:-0}" -ne 0 ]; then echo 1
    elif [ "$TESTENV_SKIPPED" -gt 0 ]; then echo 77
    else echo 0; fi
}

testenv_exit() { # failures
    _rc=$(testenv_result "${1:-0}")
    [ "$_rc" = 77 ] && echo "SKIP: $TESTENV_SKIPPED part(s) of this test did not run (see SKIP lines above)"
    exit "$_rc"
}
