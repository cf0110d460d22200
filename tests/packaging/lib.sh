# Helpers for in_root.sh and in_boot.sh (sourced; bash).
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
check() { # description, command...
    local d=$1; shift
    if "$@"; then ok "$d"; else bad "$d"; return 1; fi
}
contains() { grep -qF -- "$2" <<<"$1" || { echo "  got: $1" >&2; return 1; }; }
stat_is() { # path, "owner:group mode"
    local got
    got=$(stat -c '%U:%G %a' "$1" 2>/dev/null)
    [ "$got" = "$2" ] || { echo "  $1: got '$got', want '$2'" >&2; return 1; }
}
wait_for() { # seconds, command...: polls every 0.2 s
    local n=$(($1 * 5)); shift
    for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done
    "$@"
}
