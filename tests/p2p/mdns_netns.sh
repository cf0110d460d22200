#!/bin/sh
# Runs a command (an mDNS test) inside a network namespace of its own, so
# multicast stays there: loopback up, multicast on, 224.0.0.0/4 routed to lo.
# Exit 77 (skip) when a namespace cannot be created here; fails instead in
# strict mode (CI=true or AETHER_STRICT=1).
#   mdns_netns.sh COMMAND [ARGS...]
[ $# -ge 1 ] || { echo "usage: mdns_netns.sh COMMAND [ARGS...]" >&2; exit 2; }
. "$(dirname "$0")/../common/testenv.sh"
if [ "$(id -u)" = 0 ]; then ns="unshare -n"; else ns="unshare -rn"; fi
if ! command -v ip >/dev/null || ! $ns true 2>/dev/null; then
  testenv_missing "cannot create a network namespace here ($ns not permitted or no ip command)"
fi
exec $ns sh -c 'ip link set lo up && ip link set lo multicast on &&
  ip route add 224.0.0.0/4 dev lo && exec "$@"' sh "$@"
