#!/usr/bin/env bash
# Runs inside the throwaway Debian 12 root made by install_test.sh (as root,
# files in /pkgtest). Phase "install" (chroot, with the network): installs the
# packages with apt and checks what an operator gets, then empties the state
# directories again for the booted test. Phase "purge" (in the booted
# container, in_boot.sh, or the chroot): apt purge, and nothing is left behind.
# Usage: in_root.sh install|purge
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
. /pkgtest/lib.sh
cd /pkgtest
PHASE=${1:-install}

if [ "$PHASE" = install ]; then

# ---- install ----
# the cached root keeps its package lists (mmdebstrap --skip=cleanup/apt/lists)
if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
    apt-get update -q > /tmp/apt-update.log 2>&1 || { cat /tmp/apt-update.log; exit 1; }
fi
apt-get install -y -q --no-install-recommends ./plasmd_*.deb ./aetherd_*.deb ./aether_*.deb \
    ./php-aether-phase-sdk_*.deb > /tmp/apt-install.log 2>&1 ||
    { tail -n 40 /tmp/apt-install.log; exit 1; }
ok "apt installed the four packages and their dependencies"

# ---- versions: the package version, the commit, the build type ----
for p in plasmd aetherd aether; do
    out=$($p --version)
    check "$p --version prints the package version, commit and build type" \
        test "$out" = "$(printf '%s %s\ncommit: %s\nbuild: Release' "$p" "$EXPECT_VERSION" "$EXPECT_COMMIT")"
done
check "plasmd version = plasmd --version" test "$(plasmd version)" = "$(plasmd --version)"

# ---- users, files, owners, modes ----
for u in plasmd aetherd; do
    ent=$(getent passwd $u)
    uid=$(echo "$ent" | cut -d: -f3)
    check "system user $u exists (uid $uid < 1000, no login shell)" \
        bash -c "[ -n '$ent' ] && [ '$uid' -lt 1000 ] && [ '$(echo "$ent" | cut -d: -f7)' = /usr/sbin/nologin ]"
    check "/var/lib/$u is $u:$u 0700" stat_is /var/lib/$u "$u:$u 700"
done
for f in /usr/bin/plasmd /usr/bin/aetherd /usr/bin/aether; do
    check "$f is root:root 0755" stat_is $f "root:root 755"
done
for f in /lib/systemd/system/plasmd.service /lib/systemd/system/aetherd.service \
         /lib/systemd/system/aetherd@.service /etc/aetherd/aetherd.conf /etc/plasmd/config.json; do
    check "$f is root:root 0644" stat_is $f "root:root 644"
done
check "aetherd.conf is a conffile" bash -c "dpkg-query -W -f='\${Conffiles}' aetherd | grep -q /etc/aetherd/aetherd.conf"
check "plasmd's config.json is a conffile" bash -c "dpkg-query -W -f='\${Conffiles}' plasmd | grep -q /etc/plasmd/config.json"
check "the shipped plasmd config listens on /ip4/0.0.0.0/tcp/4001" grep -q '"/ip4/0.0.0.0/tcp/4001"' /etc/plasmd/config.json
for m in man1/plasmd.1 man1/aetherd.1 man1/aether.1 man5/aetherd.conf.5; do
    check "man page $m" bash -c "zcat /usr/share/man/$m.gz | grep -q '^\.TH'"
done
for c in plasmd aetherd aether; do
    check "bash completion for $c parses" bash -n /usr/share/bash-completion/completions/$c
done
check "units are not enabled on install" bash -c '! systemctl is-enabled --quiet plasmd.service && ! systemctl is-enabled --quiet aetherd.service'

# ---- the units: systemd-analyze verify, and the security exposure score ----
for u in plasmd.service aetherd.service aetherd@.service; do
    out=$(systemd-analyze verify --man=no /lib/systemd/system/$u 2>&1)
    check "systemd-analyze verify $u is clean" test -z "$out" || echo "$out" >&2
done
for u in plasmd.service aetherd.service; do
    systemd-analyze security --offline=yes /lib/systemd/system/$u 2>/dev/null | tail -n 1 |
        sed "s/^/$u: /"
done

# ---- plasmd: identity import (upstream key), first start, a hello job ----
mkdir -p /root/.config/phase
head -c 32 /dev/urandom > /root/.config/phase/identity.key
chmod 600 /root/.config/phase/identity.key
out=$(PLASMD_HOME=/var/lib/plasmd plasmd identity import 2>&1)
check "plasmd identity import finds ~/.config/phase/identity.key" test $? -eq 0 || echo "$out" >&2
peer=$(echo "$out" | sed -n 's/^peer id: *//p')
check "imported key is plasmd:plasmd 0600 under /var/lib/plasmd" \
    stat_is /var/lib/plasmd/identity.key "plasmd:plasmd 600"
check "imported key is byte-identical to upstream's" cmp -s /root/.config/phase/identity.key /var/lib/plasmd/identity.key
# what plasmd.service runs (as plasmd, PLASMD_HOME=/var/lib/plasmd): the key is kept
unit_env="PLASMD_HOME=/var/lib/plasmd"
out=$(runuser -u plasmd -- env $unit_env plasmd identity init --if-missing)
check "ExecStartPre keeps the imported key (same peer id $peer)" \
    contains "$out" "peer id:    $peer"
rm /var/lib/plasmd/identity.key
out=$(runuser -u plasmd -- env $unit_env plasmd identity init --if-missing)
newpeer=$(echo "$out" | sed -n 's/^peer id: *//p')
check "first start creates a key: plasmd:plasmd 0600" stat_is /var/lib/plasmd/identity.key "plasmd:plasmd 600"
check "first start prints the new peer id" contains "$newpeer" 12D3KooW
# the unit's command line, with the listen address overridden by a flag
runuser -u plasmd -- env $unit_env timeout 3 plasmd start --config /etc/plasmd/config.json \
    --listen /ip4/127.0.0.1/tcp/0 \
    > /tmp/start.out 2>/tmp/start.err
check "plasmd start (as the service) announces the same peer id" \
    grep -q "\"peer_id\": *\"$newpeer\"" /tmp/start.out || cat /tmp/start.out /tmp/start.err >&2
out=$(printf 'Hello, World' | runuser -u plasmd -- env $unit_env plasmd run --quiet \
        --receipt /var/lib/plasmd/r.json /pkgtest/hello.wasm)
check "plasmd run hello.wasm reverses its input" test "$out" = "dlroW ,olleH"
pk=$(runuser -u plasmd -- env $unit_env plasmd identity show | sed -n 's/^public key: *//p')
php_out=$(php -r '
    require "/usr/share/php/aether-phase-sdk/autoload.php";
    $r = Aether\Phase\Receipt::fromFile($argv[1]);
    echo ($r->verify($argv[2]) && $r->matchesOutput("dlroW ,olleH", "")) ? "verified" : "rejected";
' /var/lib/plasmd/r.json "$pk" 2>&1)
check "the packaged PHP SDK verifies the receipt (pinned key)" test "$php_out" = verified || echo "$php_out" >&2
# the SDK as a Composer path repository, with the commands docs/packaging.md gives
# (packagist is switched off: the root reaches only the Debian archive)
apt-get install -y -q --no-install-recommends composer > /tmp/composer-apt.log 2>&1 ||
    { tail -n 20 /tmp/composer-apt.log; bad "apt-get install composer"; }
mkdir -p /tmp/app && echo '{}' > /tmp/app/composer.json
composer_out=$(cd /tmp/app && export COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_HOME=/tmp/composer-home &&
    composer config repositories.aether-phase-sdk path /usr/share/php/aether-phase-sdk &&
    composer config repo.packagist false &&
    composer require --no-interaction 'aether/phase-sdk:*@dev' 2>&1 &&
    php -r 'require "vendor/autoload.php";
        $r = Aether\Phase\Receipt::fromFile($argv[1]);
        echo $r->verify($argv[2]) ? "verified" : "rejected";' /var/lib/plasmd/r.json "$pk" 2>&1)
check "composer require aether/phase-sdk from /usr/share/php/aether-phase-sdk works" \
    contains "$composer_out" verified

# ---- aetherd: key, genesis, the shipped config, aether --version / status ----
A="runuser -u aetherd -- aetherd"
$A keys new --out /var/lib/aetherd/validator.key > /dev/null &&
    $A init-genesis --key /var/lib/aetherd/validator.key --out /var/lib/aetherd/genesis.json > /tmp/genesis.out
check "aetherd init-genesis writes the genesis named in aetherd.conf" test -s /var/lib/aetherd/genesis.json || cat /tmp/genesis.out >&2
check "validator key is aetherd:aetherd 0600" stat_is /var/lib/aetherd/validator.key "aetherd:aetherd 600"
# as aetherd.service runs it (user aetherd, working directory /var/lib/aetherd);
# setpriv execs, so $! is aetherd itself
cd /var/lib/aetherd
setpriv --reuid=aetherd --regid=aetherd --init-groups aetherd run \
    --config /etc/aetherd/aetherd.conf --rpc 127.0.0.1:0 --port-file /var/lib/aetherd/port \
    > /tmp/aetherd.out 2>&1 &
apid=$!
cd /pkgtest
for _ in $(seq 100); do [ -s /var/lib/aetherd/port ] && break; sleep 0.1; done
port=$(cat /var/lib/aetherd/port 2>/dev/null)
st=$(aether status --rpc "http://127.0.0.1:${port:-1}" 2>&1)
check "aetherd runs from /etc/aetherd/aetherd.conf; aether status answers" \
    contains "$st" '"chain_id"' || cat /tmp/aetherd.out >&2
kill -TERM $apid; wait $apid 2>/dev/null
check "chain data under /var/lib/aetherd/chain, owned by aetherd" stat_is /var/lib/aetherd/chain "aetherd:aetherd 700"
echo 'bogus = 1' > /tmp/bad.conf
err=$(aetherd run --config /tmp/bad.conf 2>&1); rc=$?
check "an unknown config key is an error naming key and file (exit 2)" \
    contains "$rc $err" "2 aetherd run: /tmp/bad.conf:1: unknown key 'bogus'"

# hand the booted test (in_boot.sh) a node without a key, as after a fresh
# install, and a chain with its key and genesis but no running process
rm -f /var/lib/plasmd/identity.key /var/lib/plasmd/r.json /var/lib/aetherd/port
dpkg -L plasmd aetherd aether php-aether-phase-sdk | sort -u > /pkgtest/pkg-files
fi

if [ "$PHASE" = purge ]; then
PKG_FILES=$(cat /pkgtest/pkg-files)
# ---- purge leaves nothing behind ----
apt-get purge -y -q plasmd aetherd aether php-aether-phase-sdk > /tmp/purge.log 2>&1 ||
    { tail -n 20 /tmp/purge.log; bad "apt-get purge"; }
left=""
for f in $PKG_FILES; do
    case $f in /|/etc|/lib|/usr|/usr/bin|/usr/share|/usr/share/*/|/lib/systemd|/lib/systemd/system) continue ;; esac
    [ -f "$f" ] || [ -L "$f" ] && left="$left $f"
done
check "purge removed every packaged file" test -z "$left" || echo "  left:$left" >&2
for d in /var/lib/plasmd /var/lib/aetherd /etc/aetherd /etc/plasmd /usr/share/php/aether-phase-sdk; do
    check "purge removed $d" test ! -e $d
done
owned=$(find / -xdev \( -user plasmd -o -user aetherd \) -print 2>/dev/null | head)
check "no file is left owned by plasmd or aetherd" test -z "$owned" || echo "$owned" >&2
check "no unit symlink left in /etc/systemd" bash -c '! find /etc/systemd -name "*plasmd*" -o -name "*aetherd*" | grep -q .'
check "dpkg knows none of the packages any more" \
    bash -c '! dpkg-query -W -f="\${Status}\n" plasmd aetherd aether php-aether-phase-sdk 2>/dev/null | grep -q installed'

fi

echo "in_root $PHASE: $fails failure(s)"
[ $fails = 0 ]
