#!/usr/bin/env bash
# examples/host-cleanup.sh removes the built-in bridge and portmap's chains at the end of an
# example only when the machine had none before AND nobody uses them now: a pod started meanwhile
# keeps them. Runs in a network namespace of its own (unshare --net): its bridge and iptables
# tables are private, the host's are never touched.
set -euo pipefail
[ "${MPT_IN_OWN_NETNS:-}" = 1 ] || exec env MPT_IN_OWN_NETNS=1 unshare --net "$BASH" "$0" "$@"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }

source "$here/../../examples/host-cleanup.sh"   # nothing there yet: both are the example's to remove
[ "$had_bridge" = 0 ] && [ "$had_portmap_chains" = 0 ] || fail "a fresh netns already has them"

# As a pod would leave them: the bridge with a veth on it, portmap's chains with a published port.
ip link add minipod0 type bridge
ip link add mpt-v0 type veth peer name mpt-v1
ip link set mpt-v0 master minipod0
for chain in CNI-HOSTPORT-DNAT CNI-HOSTPORT-MASQ CNI-HOSTPORT-SETMARK; do iptables -t nat -N "$chain"; done
iptables -t nat -A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
iptables -t nat -A CNI-HOSTPORT-DNAT -p tcp --dport 8080 -j RETURN

restore_host   # someone else's pod still uses both
ip link show minipod0 >/dev/null 2>&1 || fail "the bridge was removed while a veth was on it"
iptables -t nat -S CNI-HOSTPORT-DNAT >/dev/null 2>&1 || fail "portmap's chains were removed while a port was published"

ip link del mpt-v0
iptables -t nat -D CNI-HOSTPORT-DNAT -p tcp --dport 8080 -j RETURN
restore_host   # unused now: gone, as the example found the machine
! ip link show minipod0 >/dev/null 2>&1 || fail "the unused bridge was left"
! iptables -t nat -S CNI-HOSTPORT-DNAT >/dev/null 2>&1 || fail "the unused chains were left"
echo "ok"
