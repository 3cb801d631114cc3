#include "runtime/netview/model.h"

#include <algorithm>

namespace minipod::netview {

std::string Route::describe() const {
  std::string out = dst;
  if (!gateway.empty()) out += " via " + gateway;
  if (!dev.empty()) out += " dev " + dev;
  if (!src.empty()) out += " src " + src;
  return out;
}

std::string NetnsView::title() const {
  return (is_pod() ? "pod " + pod : "netns " + name);
}

std::string NetnsView::owner_text() const {
  if (is_pod())
    return "minipod pod " + pod_id.substr(0, 12) + (network.empty() ? "" : ", network " + network) +
           (pod_status.empty() || pod_status == "Running" ? "" : ", " + pod_status);
  return "another runtime's (no minipod pod)";
}

std::string HostPort::describe() const {
  std::string out =
      "hostPort " + (host_ip.empty() ? "" : host_ip + ":") + std::to_string(host_port);
  if (!pod_ip.empty()) return out + " -> " + pod_ip + ":" + std::to_string(pod_port);
  return out + " -> pod " + pod + ":" + std::to_string(pod_port);
}

std::string HostPort::host_side() const {
  return "host " + host_ip + ":" + std::to_string(host_port) + "/" + protocol;
}

std::string HostPort::rule_state() const {
  return in_iptables ? chain : checked ? "no DNAT rule" : "rules not read";
}

std::string HostPort::arrow_label() const {
  if (in_iptables) return "DNAT to " + pod_ip + ":" + std::to_string(pod_port);
  return rule_state() + " (port " + std::to_string(pod_port) + ")";
}

std::vector<const Interface*> NetView::bridges() const {
  std::vector<const Interface*> out;
  for (const auto& i : host_interfaces)
    if (i.kind == "bridge") out.push_back(&i);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->name < b->name; });
  return out;
}

std::vector<const Interface*> NetView::ports_of(const std::string& bridge) const {
  std::vector<const Interface*> out;
  for (const auto& i : host_interfaces)
    if (i.master == bridge) out.push_back(&i);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->name < b->name; });
  return out;
}

std::vector<const Interface*> NetView::uplinks() const {
  std::vector<const Interface*> out;
  for (const auto& i : host_interfaces) {
    if (!i.up || i.kind == "bridge" || i.kind == "loopback" || !i.master.empty()) continue;
    if (i.peer && !i.peer->netns.empty()) continue;  // a pod's veth, drawn with the pod
    if (shown_addresses(i).empty()) continue;
    out.push_back(&i);
  }
  return out;
}

const Interface* NetView::host_interface(const std::string& name) const {
  for (const auto& i : host_interfaces)
    if (i.name == name) return &i;
  return nullptr;
}

const NetnsView* NetView::netns(const std::string& name) const {
  for (const auto& n : namespaces)
    if (n.name == name) return &n;
  return nullptr;
}

const Interface* NetView::interface_with(const std::string& name, const std::string& ip) const {
  const NetnsView* ns = netns(name);
  if (ns == nullptr) return nullptr;
  for (const auto& i : ns->interfaces)
    for (const auto& a : i.addresses)
      if (a.ip == ip) return &i;
  return nullptr;
}

std::vector<const Address*> shown_addresses(const Interface& i) {
  std::vector<const Address*> out;
  for (const auto& a : i.addresses)
    if (a.scope != "link") out.push_back(&a);
  return out;
}

std::vector<const Interface*> drawing_order(const NetnsView& ns) {
  std::vector<const Interface*> out;
  for (const auto& i : ns.interfaces) out.push_back(&i);
  std::stable_sort(out.begin(), out.end(), [](auto* a, auto* b) {
    bool alo = a->kind == "loopback", blo = b->kind == "loopback";
    if (alo != blo) return blo;
    return a->index < b->index;
  });
  return out;
}

}  // namespace minipod::netview
