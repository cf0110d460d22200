#!/usr/bin/env bash
# Operator-facing CLI pieces of issue 17, through the real binaries:
#  - the version stamp of the three programs (one mechanism, same output shape);
#  - plasmd identity import (upstream Phase key -> same peer id) and
#    identity init --if-missing (what plasmd.service runs before start);
#  - aetherd run --config: unknown keys, syntax errors, flags override the file.
# Usage: cli_test.sh PLASMD AETHERD AETHER BUILD_TYPE
set -uo pipefail
PLASMD=$1 AETHERD=$2 AETHER=$3 BTYPE=$4
T=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
expect() { # description, expected exit code, command... (stdout+stderr in $OUT)
    local d=$1 want=$2; shift 2
    OUT=$("$@" 2>&1); local rc=$?
    if [ "$rc" = "$want" ]; then ok "$d"; else bad "$d (exit $rc, want $want): $OUT"; fi
}
has() { # description, text that $OUT must contain
    if grep -qF -- "$2" <<<"$OUT"; then ok "$1"; else bad "$1: '$2' not in: $OUT"; fi
}

# ---- version ----
for p in "$PLASMD" "$AETHERD" "$AETHER"; do
    n=$(basename "$p")
    expect "$n --version" 0 "$p" --version
    if grep -Eq "^$n [0-9][A-Za-z0-9.+~:-]*
commit: ([0-9a-f]{40}(-dirty)?|unknown|[A-Za-z0-9._-]+)
build: $BTYPE\$" <<<"$OUT"; then ok "$n --version: version, commit, build type $BTYPE"
    else bad "$n --version output: $OUT"; fi
done
expect "plasmd version" 0 "$PLASMD" version
[ "$OUT" = "$("$PLASMD" --version)" ] && ok "plasmd version = --version" || bad "plasmd version differs"
expect "plasmd version takes no argument" 2 "$PLASMD" version extra
for p in "$AETHERD" "$AETHER"; do
    n=$(basename "$p")
    expect "$n version" 0 "$p" version
    [ "$OUT" = "$("$p" --version)" ] && ok "$n version = --version" || bad "$n version differs"
done
if git rev-parse HEAD >/dev/null 2>&1; then
    head=$(git rev-parse HEAD)
    OUT=$("$PLASMD" --version)
    has "the commit is the checkout's HEAD ($head)" "commit: $head"
fi

# ---- an unknown command names the valid ones (top level and a command group) ----
expect "plasmd: unknown command" 2 "$PLASMD" frobnicate
has "  ... lists the valid ones" "plasmd: unknown command 'frobnicate'; valid commands: run, verify,"
expect "aetherd: unknown command" 2 "$AETHERD" frobnicate
has "  ... lists the valid ones" "valid commands: init-genesis, keys, run, replay, devnet, snapshot"
expect "aether: unknown command" 2 "$AETHER" frobnicate
has "  ... lists the valid ones" "valid commands: keys, status, peers, balance, transfer,"
expect "aether job: unknown command" 2 "$AETHER" job frobnicate
has "  ... lists the group's commands" "aether job: unknown command 'frobnicate'; valid commands: post,"

# ---- plasmd discover / submit options (one parser: cli_getopt) ----
B=/ip4/127.0.0.1/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN
expect "discover: bad --timeout" 2 "$PLASMD" discover --bootstrap "$B" --timeout 0
has "  ... named" "plasmd discover: bad --timeout '0'"
expect "discover: bad --min-memory" 2 "$PLASMD" discover --bootstrap "$B" --min-memory x
has "  ... named" "plasmd discover: bad --min-memory 'x'"
expect "discover: no operands" 2 "$PLASMD" discover --bootstrap "$B" extra
has "  ... named" "plasmd discover: unexpected argument 'extra'"
expect "discover: --bootstrap needs a value" 2 "$PLASMD" discover --bootstrap
has "  ... named" "plasmd discover: option '--bootstrap' needs a value"
expect "discover: an unreachable --bootstrap is an error, not '0 provider(s)'" 1 \
    "$PLASMD" discover --bootstrap "$B" --timeout 5000
has "  ... named" "plasmd discover: discovery: cannot reach any --bootstrap node"
expect "submit: bad --fuel" 2 "$PLASMD" submit --provider "$B" --fuel 0 x.wasm
has "  ... named" "plasmd submit: bad --fuel '0'"
expect "submit: bad --timeout" 2 "$PLASMD" submit --provider "$B" --timeout 1s x.wasm
has "  ... named" "plasmd submit: bad --timeout '1s'"

# ---- identity import / init --if-missing ----
export XDG_CONFIG_HOME=$T/cfg PLASMD_HOME=$T/home
expect "import without an upstream key says where it looked" 1 "$PLASMD" identity import
has "  ... naming the path" "$T/cfg/phase/identity.key"
mkdir -p "$T/cfg/phase"
# seed 0x01..0x20 (bytes 1 to 32): its Ed25519 public key is checked below
printf "$(printf '\\x%02x' $(seq 1 32))" > "$T/cfg/phase/identity.key"
expect "import finds \$XDG_CONFIG_HOME/phase/identity.key" 0 "$PLASMD" identity import
cmp -s "$T/cfg/phase/identity.key" "$T/home/identity.key" && ok "imported bytes identical" ||
    bad "imported key differs"
[ "$(stat -c %a "$T/home/identity.key")" = 600 ] && [ "$(stat -c %a "$T/home")" = 700 ] &&
    ok "key 0600 in a 0700 directory" || bad "modes: $(stat -c '%n %a' "$T/home" "$T/home/identity.key")"
peer=$(sed -n 's/^peer id: *//p' <<<"$OUT")
expect "show after import" 0 "$PLASMD" identity show
has "show prints the imported peer id" "peer id:    $peer"
expect "importing the same key again is a no-op" 0 "$PLASMD" identity import
has "  ... and says so" "already holds the key"
head -c 32 /dev/urandom > "$T/other.key"
expect "a different key is not replaced without --force" 1 "$PLASMD" identity import --from "$T/other.key"
has "  ... naming the current peer id" "$peer"
cmp -s "$T/cfg/phase/identity.key" "$T/home/identity.key" && ok "old key kept" || bad "old key replaced"
expect "--force replaces it" 0 "$PLASMD" identity import --from "$T/other.key" --force
cmp -s "$T/other.key" "$T/home/identity.key" && ok "new key in place" || bad "key not replaced"
head -c 31 /dev/urandom > "$T/short.key"
expect "a 31-byte file is refused (exit 2)" 2 "$PLASMD" identity import --from "$T/short.key" --force
has "  ... with its length" "holds 31 bytes"
expect "unknown option" 2 "$PLASMD" identity import --frm x
expect "init --if-missing keeps an existing key" 0 "$PLASMD" identity init --if-missing
cmp -s "$T/other.key" "$T/home/identity.key" && ok "key unchanged" || bad "init --if-missing changed the key"
expect "init without --if-missing refuses an existing key" 1 "$PLASMD" identity init
rm -rf "$T/home"
expect "init --if-missing creates a key when none" 0 "$PLASMD" identity init --if-missing
has "  ... and hints at the upstream key" "upstream Phase identity exists"
[ "$(stat -c %a "$T/home/identity.key")" = 600 ] && ok "created 0600" || bad "created key mode"
# the peer id of seed 01..20 must be the one upstream (libp2p) derives
PLASMD_HOME=$T/vec XDG_CONFIG_HOME=$T/cfg "$PLASMD" identity import >/dev/null 2>&1
expect "show vector identity" 0 env PLASMD_HOME=$T/vec "$PLASMD" identity show
vec_pk=$(sed -n 's/^public key: *//p' <<<"$OUT")
[ "$vec_pk" = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664" ] &&
    ok "public key of seed 01..20 is the expected Ed25519 key" || bad "public key of seed 01..20: $vec_pk"
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
    # as root into a directory owned by the service user: the key becomes theirs
    mkdir -p "$T/svc" && chown nobody:nogroup "$T/svc" && chmod 700 "$T/svc"
    expect "root imports into a directory owned by nobody" 0 \
        env PLASMD_HOME=$T/svc "$PLASMD" identity import
    [ "$(stat -c '%U %a' "$T/svc/identity.key")" = "nobody 600" ] &&
        ok "the key took the directory's owner" || bad "owner: $(stat -c '%U %a' "$T/svc/identity.key")"
fi
unset XDG_CONFIG_HOME PLASMD_HOME

# ---- aetherd run --config ----
cd "$T" || exit 1
"$AETHERD" keys new --out v.key >/dev/null && "$AETHERD" init-genesis --key v.key --out g.json >/dev/null ||
    bad "aetherd keys/genesis"
printf '# comment\n\ndata = %s/chain\n  genesis = g.json  \nkey = v.key\nrpc = 127.0.0.1:0\nport-file = conf.port\n' "$T" > a.conf
printf 'data = x\nbogus = 1\n' > bad.conf
expect "unknown key: exit 2" 2 "$AETHERD" run --config bad.conf
has "  ... naming file, line and key" "bad.conf:2: unknown key 'bogus'"
printf 'data = x\nconfig = y\n' > c.conf
expect "'config' is not a key" 2 "$AETHERD" run --config c.conf
has "  ... named" "c.conf:2: unknown key 'config'"
printf 'help = 1\n' > h.conf
expect "'help' (no value option) is not a key" 2 "$AETHERD" run --config h.conf
printf 'data = x\ndata = y\n' > d.conf
expect "a key set twice" 2 "$AETHERD" run --config d.conf
has "  ... named" "d.conf:2: key 'data' is set twice"
# peer is the one repeatable key: two lines pass the file parser and reach
# the node's own check (this single-validator genesis takes no peers)
printf 'data = %s/pchain\ngenesis = g.json\nkey = v.key\npeer = /ip4/127.0.0.1/tcp/1/p2p/x\npeer = /ip4/127.0.0.1/tcp/2/p2p/y\n' "$T" > p.conf
expect "peer may be given on several lines" 2 "$AETHERD" run --config p.conf
has "  ... and reaches the node's check" "need a BFT genesis"
printf 'data\n' > s.conf
expect "a line without =" 2 "$AETHERD" run --config s.conf
has "  ... named" "s.conf:1: expected 'key = value'"
printf 'data =\n' > e.conf
expect "a key without value" 2 "$AETHERD" run --config e.conf
has "  ... named" "e.conf:1: key 'data' has no value"
expect "a missing config file" 2 "$AETHERD" run --config nope.conf
has "  ... named" "nope.conf"
printf 'block-ms = soon\n' > v.conf
expect "a bad value is refused like the flag" 2 "$AETHERD" run --config v.conf
has "  ... naming the key" "--block-ms 'soon'"
# a good file, with --port-file on the command line overriding the file's
"$AETHERD" run --config a.conf --port-file flag.port > run.log 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s flag.port ] && break; sleep 0.1; done
if [ -s flag.port ] && [ ! -e conf.port ]; then ok "config file runs the node; the flag overrode port-file"
else bad "override: flag.port=$(cat flag.port 2>/dev/null) conf.port exists=$([ -e conf.port ] && echo yes)"; cat run.log >&2; fi
expect "aether status against it" 0 "$AETHER" status --rpc "http://127.0.0.1:$(cat flag.port 2>/dev/null)"
has "  ... chain id from the genesis" '"chain_id"'
[ -d "$T/chain" ] && ok "data dir from the config file" || bad "no $T/chain"
kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; pids=()
# the shipped config parses: all its keys are known (values point at /var/lib)
# (it gets as far as opening the genesis file, which does not exist here)
expect "the shipped aetherd.conf has only known keys" 2 \
    "$AETHERD" run --config "$OLDPWD/dist/config/aetherd.conf"
has "  ... and its values reach the node" "cannot read /var/lib/aetherd/genesis.json"

# every option of `aetherd run` is documented as a key in aetherd.conf(5), in
# the shipped file and in the bash completion (a new option must be added there)
SRCROOT=$OLDPWD
for o in $("$AETHERD" run --help | grep -oE '^  --[a-z0-9-]+' | sed 's/^  --//' | grep -v '^config$'); do
    grep -q "^\*$o\* = " "$SRCROOT/dist/man/aetherd.conf.5.scd" &&
        grep -qE "^#? ?$o = " "$SRCROOT/dist/config/aetherd.conf" &&
        grep -q -- "--$o\b" "$SRCROOT/dist/completion/aetherd" ||
        bad "aetherd run --$o is missing from aetherd.conf(5), dist/config/aetherd.conf or the completion"
done
ok "every aetherd run option is documented as a config key"
# every key plasmd's config accepts is listed in plasmd(1)
for k in $(grep -o 'strcmp(k, "[a-z_]*")' "$SRCROOT/src/phase/config.c" | sed 's/.*"\(.*\)".*/\1/' | sort -u); do
    grep -q "\*$k\*" "$SRCROOT/dist/man/plasmd.1.scd" || bad "plasmd config key $k is missing from plasmd(1)"
done
ok "every plasmd config key is in plasmd(1)"

echo "cli_test: $fails failure(s)"
[ "$fails" = 0 ]
