# Sourced by the example scripts. Two things outlive the last pod on purpose: the built-in
# network's bridge (minipod0, like docker0) and the portmap plugin's top-level iptables chains
# (the plugin never removes them). An example run on a machine that had neither removes them
# again at the end, so the machine is left as it was found: but only while nobody uses them (a
# pod started meanwhile has a veth on the bridge, and a published port a rule in the chain).
had_bridge=0
ip link show minipod0 >/dev/null 2>&1 && had_bridge=1
had_portmap_chains=0
iptables -t nat -S CNI-HOSTPORT-DNAT >/dev/null 2>&1 && had_portmap_chains=1

bridge_in_use() { [ -n "$(ip -o link show master minipod0 2>/dev/null)" ]; }
portmap_in_use() { iptables -t nat -S CNI-HOSTPORT-DNAT 2>/dev/null | grep -q '^-A CNI-HOSTPORT-DNAT'; }

restore_host() {
  if [ "$had_bridge" = 0 ] && ip link show minipod0 >/dev/null 2>&1 && ! bridge_in_use; then
    ip link del minipod0 2>/dev/null || true
  fi
  if [ "$had_portmap_chains" = 0 ] && iptables -t nat -S CNI-HOSTPORT-DNAT >/dev/null 2>&1 &&
    ! portmap_in_use; then
    for hook in PREROUTING OUTPUT; do
      iptables -t nat -D "$hook" -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT 2>/dev/null || true
    done
    iptables -t nat -D POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" \
      -j CNI-HOSTPORT-MASQ 2>/dev/null || true
    for chain in CNI-HOSTPORT-DNAT CNI-HOSTPORT-MASQ CNI-HOSTPORT-SETMARK; do
      iptables -t nat -F "$chain" 2>/dev/null && iptables -t nat -X "$chain" 2>/dev/null || true
    done
  fi
}
