#include "runtime/netview/resolve.h"

#include <algorithm>
#include <tuple>

namespace minipod::netview {
namespace {

const RecordedPod* pod_by_pin(const std::vector<RecordedPod>& pods, const NetnsView& ns) {
  for (const auto& p : pods)
    if (!ns.path.empty() && p.netns == ns.path) return &p;
  return nullptr;
}

const RecordedPod* pod_by_id(const std::vector<RecordedPod>& pods, const std::string& id) {
  for (const auto& p : pods)
    if (!id.empty() && p.id == id) return &p;
  return nullptr;
}

bool has_address(const NetnsView& ns, const std::string& ip) {
  for (const auto& i : ns.interfaces)
    for (const auto& a : i.addresses)
      if (a.ip == ip) return true;
  return false;
}

// Which namespace is whose, and whether the kernel holds what the record says.
void assign_owners(NetView& view, const std::vector<RecordedPod>& pods) {
  for (auto& ns : view.namespaces) {
    const RecordedPod* p = pod_by_pin(pods, ns);
    if (p == nullptr) continue;
    if (!p->pin_is_the_pods) {
      view.notes.push_back(ns.path + " is not the network namespace the record of pod \"" +
                           p->name + "\" names (another namespace was pinned there)");
      continue;
    }
    ns.owner = Owner::kMinipod;
    ns.pod = p->name;
    ns.pod_id = p->id;
    ns.network = p->network;
    ns.pod_status = p->status;
    if (!ns.error.empty()) continue;  // its addresses are unknown, nothing to compare
    for (const auto& ip : p->ips)
      if (!has_address(ns, ip))
        view.notes.push_back("pod \"" + p->name + "\": its record says " + ip +
                             ", but no interface of " + ns.path + " has that address");
  }
  for (const auto& p : pods) {
    bool seen = std::any_of(view.namespaces.begin(), view.namespaces.end(),
                            [&](const NetnsView& ns) { return ns.path == p.netns; });
    if (!seen && p.holds_network)
      view.notes.push_back("pod \"" + p.name + "\" (" + p.status + "): its record names " +
                           p.netns + ", which is not there");
  }
}

NetnsView* netns_by_nsid(NetView& view, int nsid) {
  for (auto& ns : view.namespaces)
    if (ns.nsid == nsid) return &ns;
  return nullptr;
}

Interface* by_index(std::vector<Interface>& interfaces, int index) {
  for (auto& i : interfaces)
    if (i.index == index) return &i;
  return nullptr;
}

// A host veth names its peer by (link-netnsid, ifindex): the netnsid is the host's id of the
// peer's namespace, the one `ip netns list` shows next to the pin. A namespace nobody pinned
// (Docker keeps its own under /var/run/docker/netns) cannot be opened by name: it is drawn as
// "nsid N" with what the host knows of it.
void match_host_veths(NetView& view) {
  for (auto& h : view.host_interfaces) {
    if (h.kind != "veth" || h.peer_index == 0) continue;
    if (!h.peer_nsid) {  // both ends in the host
      if (auto* other = by_index(view.host_interfaces, h.peer_index))
        h.peer = PeerRef{"", other->name};
      continue;
    }
    NetnsView* ns = netns_by_nsid(view, *h.peer_nsid);
    if (ns == nullptr) {
      NetnsView unpinned;
      unpinned.name = "nsid " + std::to_string(*h.peer_nsid);
      unpinned.nsid = h.peer_nsid;
      unpinned.error = "only its id is known (no pin to enter it by)";
      view.namespaces.push_back(std::move(unpinned));
      ns = &view.namespaces.back();
    }
    Interface* p = by_index(ns->interfaces, h.peer_index);
    if (p == nullptr) {
      // ip(8) writes such an end "vethX@ifN": the index is all that is known.
      h.peer = PeerRef{ns->name, "if" + std::to_string(h.peer_index)};
      continue;
    }
    h.peer = PeerRef{ns->name, p->name};
    p->peer = PeerRef{"", h.name};
  }
}

// A namespace the host has no id for (none was needed yet) still names its end's peer by index
// in the peer's namespace: an end whose host veth points back at it by index is its pair.
void match_remaining_by_index(NetView& view) {
  for (auto& ns : view.namespaces) {
    if (ns.nsid) continue;
    for (auto& i : ns.interfaces) {
      if (i.kind != "veth" || i.peer || i.peer_index == 0 || !i.peer_nsid) continue;
      Interface* h = by_index(view.host_interfaces, i.peer_index);
      if (h == nullptr || h->kind != "veth" || h->peer_index != i.index || !h->peer_nsid) continue;
      if (h->peer) {  // already the pair of a pinned namespace's end: not this one's
        const NetnsView* current = view.netns(h->peer->netns);
        if (current == nullptr || !current->path.empty()) continue;
      }
      h->peer = PeerRef{ns.name, i.name};
      i.peer = PeerRef{"", h->name};
    }
  }
  // An unpinned placeholder made for a peer that was then found pinned is not a namespace.
  std::erase_if(view.namespaces, [&](const NetnsView& ns) {
    if (!ns.path.empty()) return false;
    return std::none_of(view.host_interfaces.begin(), view.host_interfaces.end(),
                        [&](const Interface& h) { return h.peer && h.peer->netns == ns.name; });
  });
}

const NetnsView* netns_with_address(const NetView& view, const std::string& ip) {
  for (const auto& ns : view.namespaces)
    if (has_address(ns, ip)) return &ns;
  return nullptr;
}

// A hostPort known only from a record: where it should go, not where it goes.
HostPort recorded_only(const NetView& view, const RecordedPod& pod, const RecordedPort& port,
                       bool checked) {
  HostPort hp;
  hp.protocol = port.protocol;
  hp.host_ip = port.host_ip;
  hp.host_port = port.host_port;
  hp.pod_port = port.container_port;
  hp.pod = pod.name;
  hp.recorded = true;
  hp.checked = checked;
  for (const auto& ns : view.namespaces)
    if (ns.path == pod.netns && ns.is_pod()) hp.netns = ns.name;
  return hp;
}

// A hostPort as portmap's rule has it: where it goes, whoever asked for it.
HostPort from_rule(const DnatRule& r) {
  HostPort hp;
  hp.protocol = r.protocol;
  hp.host_ip = r.host_ip;
  hp.host_port = r.host_port;
  hp.pod_ip = r.to_ip;
  hp.pod_port = r.to_port;
  hp.chain = r.chain;
  hp.in_iptables = true;
  return hp;
}

bool same_port(const RecordedPort& p, const DnatRule& r) {
  return p.protocol == r.protocol && p.host_port == r.host_port && p.host_ip == r.host_ip;
}

// portmap's rules as the kernel has them, each checked against the record of the pod it names;
// then what records publish that no rule does.
void join_host_ports(NetView& view, const Facts& facts) {
  std::vector<std::pair<const RecordedPod*, const RecordedPort*>> matched;
  for (const auto& r : facts.dnat) {
    HostPort hp = from_rule(r);
    const NetnsView* ns = netns_with_address(view, r.to_ip);
    if (ns != nullptr) hp.netns = ns->name;
    if (const RecordedPod* p = pod_by_id(facts.pods, r.container_id)) {
      hp.pod = p->name;
      for (const auto& port : p->ports)
        if (same_port(port, r)) {
          hp.recorded = true;
          matched.emplace_back(p, &port);
        }
      if (!hp.recorded)
        view.notes.push_back(r.chain + " DNATs " + hp.describe() + " for pod \"" + p->name +
                             "\", whose record publishes no such hostPort");
      if (ns == nullptr || ns->pod != p->name)
        view.notes.push_back(hp.describe() + ": " + r.to_ip + " is not an address of pod \"" +
                             p->name + "\"'s netns " + p->netns);
    } else if (ns == nullptr) {
      view.notes.push_back(r.chain + " DNATs " + hp.describe() + ", an address no namespace " +
                           "here has (a rule left by an attachment that is gone?)");
    }
    view.host_ports.push_back(std::move(hp));
  }
  if (!facts.dnat_read) {
    // Without the rules only the records can be shown, and nothing can be said of them.
    for (const auto& p : facts.pods)
      if (p.holds_network)
        for (const auto& port : p.ports)
          view.host_ports.push_back(recorded_only(view, p, port, false));
    return;
  }
  for (const auto& p : facts.pods) {
    if (!p.holds_network) continue;
    for (const auto& port : p.ports) {
      bool found = std::find(matched.begin(), matched.end(), std::pair{&p, &port}) != matched.end();
      if (found) continue;
      HostPort hp = recorded_only(view, p, port, true);
      view.notes.push_back("pod \"" + p.name + "\" publishes hostPort " +
                           std::to_string(port.host_port) + "/" + port.protocol +
                           ", but no CNI-HOSTPORT-DNAT rule sends it anywhere (is portmap in " +
                           "its network's plugin list?)");
      view.host_ports.push_back(std::move(hp));
    }
  }
}

}  // namespace

NetView assemble(Facts facts) {
  NetView view;
  view.host_interfaces = std::move(facts.host_interfaces);
  view.host_routes = std::move(facts.host_routes);
  view.namespaces = std::move(facts.namespaces);
  view.notes = std::move(facts.notes);
  assign_owners(view, facts.pods);
  match_host_veths(view);
  match_remaining_by_index(view);
  join_host_ports(view, facts);
  // The pinned ones by name, then those only seen through a veth, by id.
  auto order = [](const NetnsView& n) {
    return std::tuple(!n.path.empty() ? 0 : 1, n.path.empty() ? n.nsid.value_or(-1) : 0, n.name);
  };
  std::stable_sort(view.namespaces.begin(), view.namespaces.end(),
                   [&](auto& a, auto& b) { return order(a) < order(b); });
  std::stable_sort(view.host_ports.begin(), view.host_ports.end(), [](auto& a, auto& b) {
    return std::tie(a.host_port, a.protocol, a.host_ip) <
           std::tie(b.host_port, b.protocol, b.host_ip);
  });
  return view;
}

}  // namespace minipod::netview
