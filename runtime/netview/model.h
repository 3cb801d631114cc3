// What `minipod net show` draws: the node's pod network as plain data. gather.h fills it from the
// kernel (links, addresses, routes of the host and of every netns), iptables (portmap's DNAT
// rules) and minipod's records; the renderers (render_text.h, render_dot.h, render_svg.h) only
// read it, so they are tested on a view built by hand.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace minipod::netview {

struct Address {
  std::string family;  // "inet" or "inet6", as ip(8) says
  std::string ip;
  int prefix = 0;
  std::string scope;  // "global", "host", "link"

  std::string cidr() const { return ip + "/" + std::to_string(prefix); }
};

struct Route {
  std::string dst;      // "default" or a prefix: "10.87.0.0/16"
  std::string gateway;  // empty: on-link
  std::string dev;
  std::string src;  // preferred source, empty when none

  // "default via 10.87.0.1 dev eth0", "10.87.0.0/16 dev eth0 src 10.87.0.5"
  std::string describe() const;
};

// Where a veth's other end is: in the host ("" netns) or in a namespace of NetView::namespaces.
struct PeerRef {
  std::string netns;  // NetnsView::name, empty for the host
  std::string ifname;
};

struct Interface {
  int index = 0;
  std::string name;
  std::string kind;  // "veth", "bridge", "loopback", ... ("" for a plain device)
  bool up = false;   // administratively up (IFF_UP)
  std::string mac;
  std::string master;  // the bridge this interface is a port of
  // What the kernel says of a veth's other end: its ifindex, in the namespace the link's netnsid
  // names from this side (nullopt: the same namespace).
  int peer_index = 0;
  std::optional<int> peer_nsid;
  std::vector<Address> addresses;
  // The other end, once matched (resolve.h); nullopt when not a veth or not found.
  std::optional<PeerRef> peer;
};

// Who made a network namespace.
enum class Owner {
  kMinipod,  // a running minipod pod's, per its record
  kOther,    // another runtime's (podman, containerd, ip netns add, ...): no minipod record
};

// A network namespace other than the host's: pinned under /run/netns, or only seen as the far end
// of a host veth (then it cannot be read by name, and only its id is known).
struct NetnsView {
  std::string name;         // the pin's name; "nsid N" for an unpinned one
  std::string path;         // /run/netns/<name>; empty when not pinned
  std::optional<int> nsid;  // the host's id for it
  Owner owner = Owner::kOther;
  std::string pod;         // the minipod pod whose netns this is
  std::string pod_id;      // its id
  std::string network;     // its CNI network
  std::string pod_status;  // as `minipod ps` says it: "Running", "Stopped (network not released)"
  std::vector<Interface> interfaces;
  std::vector<Route> routes;
  std::string error;  // why its links could not be read; empty when they were

  bool is_pod() const { return owner == Owner::kMinipod; }
  // "pod web" or "netns cni-1234", the heading every renderer uses.
  std::string title() const;
  // "minipod pod 3f2c1a9e8b7d, network minipod" or "another runtime's (no minipod pod)".
  std::string owner_text() const;
};

// A hostPort: connections to the host's port are DNATed to a pod's address and port. Made from
// minipod's records (what it asked portmap for) and from iptables (what portmap installed); each
// side can be missing, and the note says so.
struct HostPort {
  std::string protocol = "tcp";  // lower case, as iptables writes it
  std::string host_ip;           // empty: every address of the host
  int host_port = 0;
  std::string pod_ip;  // the DNAT destination; empty when there is no rule
  int pod_port = 0;
  std::string netns;      // NetnsView::name of the namespace holding pod_ip; empty when none does
  std::string pod;        // the minipod pod publishing it (its record), empty for another runtime's
  std::string chain;      // the portmap chain (CNI-DN-...) with its DNAT rule; empty when none
  bool recorded = false;  // in a minipod record
  bool in_iptables = false;  // a DNAT rule exists
  bool checked = true;       // false: iptables could not be read, so nobody knows whether it does

  // "hostPort 8080 -> 10.87.0.5:80", "hostPort 127.0.0.1:8080 -> 10.87.0.5:80"; without a rule
  // the pod's port alone: "hostPort 8080 -> pod web:80".
  std::string describe() const;
  // The host's side as drawn: "host :8080/tcp", "host 127.0.0.1:8080/tcp".
  std::string host_side() const;
  // Where the rule stands: its chain, "no DNAT rule", or "rules not read".
  std::string rule_state() const;
  // What the arrow from the host's port to the pod says: "DNAT to 10.87.0.5:80", or
  // "no DNAT rule (port 80)".
  std::string arrow_label() const;
};

struct NetView {
  std::vector<Interface> host_interfaces;
  std::vector<Route> host_routes;
  std::vector<NetnsView> namespaces;
  std::vector<HostPort> host_ports;
  // What could not be read, or where the kernel and minipod's records disagree: one sentence each.
  std::vector<std::string> notes;

  // The host's bridges, by name.
  std::vector<const Interface*> bridges() const;
  // The host interfaces that are ports of `bridge`, by name.
  std::vector<const Interface*> ports_of(const std::string& bridge) const;
  // The host's uplinks: up, not a bridge, not a bridge port, not loopback, not a pod's veth, with
  // an address the drawing shows.
  std::vector<const Interface*> uplinks() const;
  const Interface* host_interface(const std::string& name) const;
  const NetnsView* netns(const std::string& name) const;
  // The interface of namespace `netns` that has address `ip`: where a DNAT rule's packets go.
  const Interface* interface_with(const std::string& netns, const std::string& ip) const;
};

// Addresses a drawing shows: global and host scope (127.0.0.1, a pod's IP), not the link-local
// fe80:: one every interface has.
std::vector<const Address*> shown_addresses(const Interface& i);
// A netns's interfaces in the order drawn: by index, with lo last (it is in every namespace).
std::vector<const Interface*> drawing_order(const NetnsView& ns);

}  // namespace minipod::netview
