#include "runtime/netview/render_text.h"

#include <algorithm>

namespace minipod::netview {
namespace {

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string address_list(const Interface& i) {
  std::string out;
  for (const Address* a : shown_addresses(i)) out += (out.empty() ? "" : " ") + a->cidr();
  return out;
}

void host_block(const NetView& view, std::string& out) {
  auto uplinks = view.uplinks();
  std::vector<const Route*> defaults;
  for (const auto& r : view.host_routes)
    if (r.dst == "default") defaults.push_back(&r);
  if (uplinks.empty() && defaults.empty()) return;
  out += "host\n";
  size_t width = 0;
  for (const Interface* i : uplinks) width = std::max(width, i->name.size());
  for (const Interface* i : uplinks)
    out += "  " + pad(i->name, width) + "  " + address_list(*i) + "\n";
  for (const Route* r : defaults) out += "  route " + r->describe() + "\n";
  out += "\n";
}

void bridge_block(const NetView& view, const Interface& bridge, std::string& out) {
  std::string addresses = address_list(bridge);
  out += "bridge " + bridge.name + "  " + (addresses.empty() ? "no address" : addresses) +
         (bridge.up ? "" : "  (down)") + "\n";
  for (const auto& r : view.host_routes)
    if (r.dev == bridge.name) out += "  route " + r.describe() + "\n";
  auto ports = view.ports_of(bridge.name);
  size_t width = 0;
  for (const Interface* p : ports) width = std::max(width, p->name.size());
  for (const Interface* p : ports) {
    out += "  port " + pad(p->name, width);
    if (p->peer) out += "  <->  " + describe_peer(view, *p->peer);
    out += (p->up ? "" : "  (down)") + std::string("\n");
  }
  if (ports.empty()) out += "  no ports\n";
  out += "\n";
}

void netns_block(const NetView& view, const NetnsView& ns, std::string& out) {
  out += ns.title() + "  " + ns.owner_text() + ", " +
         (ns.path.empty() ? "not pinned under /run/netns" : ns.path) + "\n";
  if (!ns.error.empty()) out += "  links not read: " + ns.error + "\n";
  auto interfaces = drawing_order(ns);
  size_t name_width = 0, address_width = 0;
  for (const Interface* i : interfaces) {
    name_width = std::max(name_width, i->name.size());
    // Only the lines that go on with "<->" are aligned: lo's ::1 must not push eth0's peer away.
    if (i->peer) address_width = std::max(address_width, address_list(*i).size());
  }
  for (const Interface* i : interfaces) {
    std::string line = "  " + pad(i->name, name_width) + "  " + address_list(*i);
    if (i->peer) {
      line = "  " + pad(i->name, name_width) + "  " + pad(address_list(*i), address_width) +
             "  <->  " + i->peer->ifname;
      if (i->peer->netns.empty()) {
        const Interface* h = view.host_interface(i->peer->ifname);
        line += h != nullptr && !h->master.empty() ? " on bridge " + h->master : " in the host";
      } else {
        line += " in " + describe_peer(view, PeerRef{i->peer->netns, ""});
      }
    }
    if (!i->up) line += "  (down)";
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  for (const auto& r : ns.routes) out += "  route " + r.describe() + "\n";
  out += "\n";
}

void host_ports_block(const NetView& view, std::string& out) {
  if (view.host_ports.empty()) return;
  out += "host ports (portmap's DNAT rules: iptables -t nat -S CNI-HOSTPORT-DNAT)\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& hp : view.host_ports) {
    std::string who = !hp.pod.empty()     ? "pod " + hp.pod
                      : !hp.netns.empty() ? "netns " + hp.netns
                                          : "no namespace has " + hp.pod_ip;
    rows.push_back({hp.describe(), hp.protocol, who, hp.rule_state()});
  }
  std::vector<size_t> widths(4, 0);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  for (const auto& row : rows) {
    std::string line = " ";
    for (size_t c = 0; c < row.size(); ++c) line += " " + pad(row[c], widths[c]) + " ";
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  out += "\n";
}

}  // namespace

std::string describe_peer(const NetView& view, const PeerRef& peer) {
  if (peer.netns.empty()) return "host " + peer.ifname;
  const NetnsView* ns = view.netns(peer.netns);
  std::string where = ns != nullptr ? ns->title() : "netns " + peer.netns;
  if (ns != nullptr && !ns->is_pod()) where += " (another runtime's)";
  return peer.ifname.empty() ? where : where + " " + peer.ifname;
}

std::string render_text(const NetView& view) {
  std::string out;
  host_block(view, out);
  for (const Interface* b : view.bridges()) bridge_block(view, *b, out);
  for (const auto& ns : view.namespaces) netns_block(view, ns, out);
  host_ports_block(view, out);
  if (!view.notes.empty()) {
    out += "notes\n";
    for (const auto& n : view.notes) out += "  - " + n + "\n";
    out += "\n";
  }
  if (out.empty()) return "no bridges, no network namespaces, no host ports\n";
  out.pop_back();  // the blank line after the last block
  return out;
}

}  // namespace minipod::netview
