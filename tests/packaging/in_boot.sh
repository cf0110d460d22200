#!/usr/bin/env bash
# Runs inside the Debian 12 root booted with systemd as PID 1 (systemd-nspawn
# --boot --private-network, entered with nsenter by install_test.sh), after
# in_root.sh install: the services as an operator runs them, then package
# removal (which must stop them) and purge (in_root.sh purge).
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
. /pkgtest/lib.sh
cd /pkgtest

mainpid() { systemctl show -p MainPID --value "$1"; }
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
listening() { grep -q ":$(printf '%04X' "$1") 00000000:0000 0A" /proc/net/tcp; }

# ---- plasmd.service: first start creates the key, the journal shows the peer id ----
check "plasmd.service is disabled until the operator enables it" \
    bash -c '[ "$(systemctl is-enabled plasmd.service)" = disabled ]'
check "systemctl start plasmd" systemctl start plasmd
check "plasmd.service is active" wait_for 10 systemctl is-active --quiet plasmd
check "the key was created: /var/lib/plasmd/identity.key plasmd:plasmd 0600" \
    wait_for 10 stat_is /var/lib/plasmd/identity.key "plasmd:plasmd 600"
check "/var/lib/plasmd stays plasmd:plasmd 0700" stat_is /var/lib/plasmd "plasmd:plasmd 700"
peer=$(PLASMD_HOME=/var/lib/plasmd plasmd identity show | sed -n 's/^peer id: *//p')
has_peer() { journalctl -u plasmd --no-pager -o cat | grep -Eq "\"peer_id\": *\"$peer\""; }
check "journalctl -u plasmd shows the peer id $peer" wait_for 20 has_peer ||
    journalctl -u plasmd --no-pager >&2
check "plasmd listens on 4001 (/etc/plasmd/config.json)" wait_for 10 listening 4001
pid=$(mainpid plasmd)
check "plasmd runs as user plasmd" \
    test "$(status_field "$pid" Uid | cut -f1)" = "$(id -u plasmd)"
check "... with no_new_privs, no capabilities and a seccomp filter" \
    test "$(status_field "$pid" NoNewPrivs) $(status_field "$pid" CapBnd) $(status_field "$pid" Seccomp)" = \
         "1 0000000000000000 2"
kill -KILL "$pid"
restarted() { local p; p=$(mainpid plasmd); [ "$p" != 0 ] && [ "$p" != "$pid" ] && systemctl is-active --quiet plasmd; }
check "Restart=on-failure brings plasmd back after a crash" wait_for 20 restarted
announced_twice() {
    [ "$(journalctl -u plasmd --no-pager -o cat | grep -Ec "\"peer_id\": *\"$peer\"")" -ge 2 ]
}
check "... with the same key (peer id in the journal again)" wait_for 20 announced_twice

# ---- aetherd.service and the aetherd@ template ----
# (in_root.sh install made the validator key and genesis that aetherd.conf names)
check "systemctl start aetherd" systemctl start aetherd
rpc_up() { aether status --rpc "http://127.0.0.1:$1" 2>/dev/null | grep -q '"chain_id"'; }
check "aetherd.service answers aether status on 127.0.0.1:8545" wait_for 20 rpc_up 8545 ||
    journalctl -u aetherd --no-pager >&2
check "journalctl -u aetherd shows the node running" \
    bash -c 'journalctl -u aetherd --no-pager -o cat | grep -q "node running"'
cat > /etc/aetherd/two.conf <<'CONF'
data = /var/lib/aetherd/two/chain
genesis = /var/lib/aetherd/genesis.json
key = /var/lib/aetherd/validator.key
rpc = 127.0.0.1:8546
CONF
check "systemctl start aetherd@two (second node, its own config)" systemctl start aetherd@two
check "aetherd@two answers on 127.0.0.1:8546" wait_for 20 rpc_up 8546 ||
    journalctl -u aetherd@two --no-pager >&2
check "aetherd@two's StateDirectory /var/lib/aetherd/two is aetherd's" \
    stat_is /var/lib/aetherd/two "aetherd:aetherd 700"
printf 'data = /var/lib/aetherd/bad\nbogus = 1\n' > /etc/aetherd/bad.conf
systemctl start aetherd@bad 2>/dev/null
failed_once() { [ "$(systemctl show -p Result --value aetherd@bad)" = exit-code ]; }
check "aetherd@bad with an unknown key fails" wait_for 10 failed_once
sleep 6  # longer than RestartSec=5s
check "... is not restarted (RestartPreventExitStatus=2)" \
    test "$(systemctl show -p NRestarts --value aetherd@bad)" = 0
check "... and the journal names the key and file" \
    bash -c "journalctl -u aetherd@bad --no-pager -o cat | grep -qF \"/etc/aetherd/bad.conf:2: unknown key 'bogus'\""
systemctl reset-failed aetherd@bad 2>/dev/null

for u in plasmd.service aetherd.service; do
    systemd-analyze security --no-pager "$u" 2>/dev/null | tail -n 1 | sed "s/^/$u (running system): /"
done

# ---- removal stops the services ----
p_pid=$(mainpid plasmd) a_pid=$(mainpid aetherd) t_pid=$(mainpid aetherd@two)
apt-get remove -y -q plasmd aetherd > /tmp/remove.log 2>&1 || { tail /tmp/remove.log; bad "apt-get remove"; }
for x in "plasmd:$p_pid" "aetherd:$a_pid" "aetherd@two:$t_pid"; do
    check "apt remove stopped ${x%%:*} (pid ${x#*:})" wait_for 10 test ! -e "/proc/${x#*:}"
done
check "removal keeps the state (only purge removes it)" test -f /var/lib/plasmd/identity.key
# the operator's own config files are theirs to remove
rm -f /etc/aetherd/two.conf /etc/aetherd/bad.conf

bash /pkgtest/in_root.sh purge || fails=$((fails + 1))
echo "in_boot: $fails failure(s)"
[ "$fails" = 0 ]
