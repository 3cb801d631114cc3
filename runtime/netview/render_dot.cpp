#include "runtime/netview/render_dot.h"

namespace minipod::netview {
namespace {

// A DOT double-quoted string: `"` and `\` escaped; "\n" in `s` becomes DOT's centred line break.
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string node_id(const std::string& netns, const std::string& ifname) {
  return quote("if:" + netns + ":" + ifname);
}

std::string hostport_id(const HostPort& hp) {
  return quote("hostport:" + hp.protocol + ":" + hp.host_ip + ":" + std::to_string(hp.host_port));
}

std::string addresses(const Interface& i) {
  std::string out;
  for (const Address* a : shown_addresses(i)) out += "\n" + a->cidr();
  return out;
}

void host_cluster(const NetView& view, std::string& out) {
  out += "  subgraph cluster_host {\n";
  std::string label = "host";
  for (const Interface* u : view.uplinks()) label += "\n" + u->name + " " + addresses(*u).substr(1);
  for (const auto& r : view.host_routes)
    if (r.dst == "default") label += "\n" + r.describe();
  out += "    label=" + quote(label) + ";\n";
  out += "    style=\"rounded,filled\"; fillcolor=\"#f4f6fa\"; color=\"#8a94a6\";\n";
  for (const Interface* b : view.bridges()) {
    std::string text = "bridge " + b->name + addresses(*b);
    for (const auto& r : view.host_routes)
      if (r.dev == b->name) text += "\nroute " + r.dst;
    out += "    " + quote("bridge:" + b->name) + " [label=" + quote(text) +
           ", fillcolor=\"#dbe8ff\", color=\"#3d6fb6\", penwidth=2];\n";
    for (const Interface* p : view.ports_of(b->name))
      out += "    " + node_id("", p->name) + " [label=" + quote(p->name) +
             ", shape=box, style=filled, fillcolor=white, color=\"#3d6fb6\", fontsize=10];\n";
  }
  for (const auto& hp : view.host_ports)
    out += "    " + hostport_id(hp) + " [label=" + quote(hp.host_side()) +
           ", shape=cds, fillcolor=\"#fff1e0\", color=\"#d9822b\"];\n";
  out += "  }\n";
}

void netns_cluster(const NetnsView& ns, size_t n, std::string& out) {
  out += "  subgraph cluster_ns" + std::to_string(n) + " {\n";
  std::string label = ns.title() + "\n" + ns.owner_text() + "\n" +
                      (ns.path.empty() ? "not pinned under /run/netns" : "netns " + ns.path);
  out += "    label=" + quote(label) + ";\n";
  if (ns.is_pod())
    out += "    style=\"rounded,filled\"; fillcolor=\"#e9f7ec\"; color=\"#3b8a4a\";\n";
  else
    out += "    style=\"rounded,filled,dashed\"; fillcolor=\"#eeeeee\"; color=\"#888888\";\n";
  for (const Interface* i : drawing_order(ns))
    out +=
        "    " + node_id(ns.name, i->name) + " [label=" + quote(i->name + addresses(*i)) + "];\n";
  if (ns.interfaces.empty())
    out += "    " + node_id(ns.name, "?") +
           " [label=" + quote(ns.error.empty() ? "no links" : "links not read") +
           ", style=dashed];\n";
  if (!ns.routes.empty()) {
    // \l: each route left-aligned on its own line, as `ip route` prints them.
    std::string routes;
    for (const auto& r : ns.routes) {
      for (char c : r.describe())
        routes += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
      routes += "\\l";
    }
    out += "    " + quote("routes:" + ns.name) +
           " [shape=note, fillcolor=white, fontsize=10, label=\"" + routes + "\"];\n";
  }
  out += "  }\n";
}

}  // namespace

std::string render_dot(const NetView& view) {
  std::string out = "digraph \"minipod net\" {\n";
  out += "  graph [rankdir=TB, fontname=\"DejaVu Sans\", fontsize=11, newrank=true];\n";
  out +=
      "  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"DejaVu Sans\", "
      "fontsize=11];\n";
  out += "  edge [fontname=\"DejaVu Sans\", fontsize=10];\n";
  host_cluster(view, out);
  for (size_t n = 0; n < view.namespaces.size(); ++n) netns_cluster(view.namespaces[n], n, out);
  for (const Interface* b : view.bridges())
    for (const Interface* p : view.ports_of(b->name))
      out += "  " + quote("bridge:" + b->name) + " -> " + node_id("", p->name) + " [dir=none];\n";
  // Each veth pair once, from its host end.
  for (const auto& h : view.host_interfaces) {
    if (!h.peer || h.peer->netns.empty()) continue;
    const NetnsView* ns = view.netns(h.peer->netns);
    bool known = ns != nullptr && !ns->interfaces.empty();
    out += "  " + node_id("", h.name) + " -> " +
           node_id(h.peer->netns, known ? h.peer->ifname : "?") +
           " [dir=none, penwidth=2, label=\"veth\"];\n";
  }
  for (const auto& hp : view.host_ports) {
    if (hp.netns.empty()) continue;
    // To the interface with the rule's address; a port without a rule goes to the pod's box.
    const Interface* target = view.interface_with(hp.netns, hp.pod_ip);
    const NetnsView* ns = view.netns(hp.netns);
    std::string target_name = target != nullptr ? target->name
                              : ns != nullptr && !drawing_order(*ns).empty()
                                  ? drawing_order(*ns).front()->name
                                  : "?";
    out += "  " + hostport_id(hp) + " -> " + node_id(hp.netns, target_name) +
           " [color=\"#c62828\", fontcolor=\"#c62828\", " +
           (hp.in_iptables ? "" : "style=dashed, ") + "label=" + quote(hp.arrow_label()) + "];\n";
  }
  out += "}\n";
  return out;
}

}  // namespace minipod::netview
