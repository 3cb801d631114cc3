#include "runtime/netview/render_svg.h"

#include <algorithm>
#include <cstdio>

#include "common/xml.h"

namespace minipod::netview {
namespace {

// Every text is DejaVu Sans Mono at 12 px, whose advance is 0.602 em: widths are computed, not
// measured, and the same view always gives the same picture.
constexpr double kChar = 7.23;
constexpr double kLine = 16;
constexpr double kPad = 10;         // inside a box
constexpr double kMargin = 20;      // around the picture
constexpr double kGap = 28;         // between two namespace boxes
constexpr double kMarkH = 22;       // a port or interface marker, astride a box's edge
constexpr double kMinBox = 210;     // the narrowest namespace box
constexpr double kPortBoxH = 40;    // two lines: the host's port, where it goes
constexpr double kPortOffset = 14;  // a column's first hostPort box, right of its veth line
constexpr double kArrowX = 16;      // a hostPort's arrow, from the left of its box

const char* const kStyle = R"(
  text { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12px; fill: #1d2330; }
  .title { font-weight: bold; }
  .dim { fill: #5b6475; }
  .small { font-size: 11px; }
  .note { fill: #a4451f; }
  .dnat { fill: #c62828; font-size: 11px; }
  .host { fill: #f4f6fa; stroke: #8a94a6; stroke-width: 1.5; }
  .bridge { fill: #dbe8ff; stroke: #3d6fb6; stroke-width: 2; }
  .port { fill: #ffffff; stroke: #3d6fb6; stroke-width: 1.5; }
  .pod { fill: #e9f7ec; stroke: #3b8a4a; stroke-width: 2; }
  .other { fill: #eeeeee; stroke: #888888; stroke-width: 1.5; stroke-dasharray: 6 4; }
  .iface { fill: #ffffff; stroke: #3b8a4a; stroke-width: 1.5; }
  .iface-other { fill: #ffffff; stroke: #888888; stroke-width: 1.5; }
  .veth { stroke: #3d6fb6; stroke-width: 2.5; }
  .hostport { fill: #fff1e0; stroke: #d9822b; stroke-width: 1.5; }
  .arrow { stroke: #c62828; stroke-width: 2; fill: none; }
  .arrow-missing { stroke: #c62828; stroke-width: 2; fill: none; stroke-dasharray: 5 4; }
  .rule { stroke: #b9c2cf; stroke-width: 1; }
)";

// Code points, not bytes: one glyph each in a monospace font.
double text_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return static_cast<double>(n) * kChar;
}

// A hostPort's box: the host's port over where its rule sends it.
double port_box_width(const HostPort& hp, const std::string& second_line) {
  return std::max(text_width(hp.host_side()), text_width(second_line)) + 16;
}

// The second line of a hostPort whose address no namespace here has.
std::string loose_port_label(const HostPort& hp) {
  return hp.arrow_label() + ", in no namespace";
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  if (s.ends_with(".0")) s.resize(s.size() - 2);
  return s;
}

// Long words (an error message, a path) broken at spaces into lines of at most `width` glyphs.
std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> out;
  std::string line;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(' ', start);
    std::string word =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (!line.empty()) out.push_back(line);
  return out;
}

class Svg {
 public:
  void rect(double x, double y, double w, double h, const char* cls, double radius = 6) {
    body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" +
             num(h) + "\" rx=\"" + num(radius) + "\" class=\"" + cls + "\"/>\n";
  }
  void line(double x1, double y1, double x2, double y2, const char* cls, bool arrow = false) {
    body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
             num(y2) + "\" class=\"" + cls + "\"" +
             (arrow ? " marker-end=\"url(#arrowhead)\"" : "") + "/>\n";
  }
  void text(double x, double y, const std::string& s, const char* cls = "",
            const char* anchor = "start") {
    body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"";
    if (*cls) body_ += " class=\"" + std::string(cls) + "\"";
    if (std::string(anchor) != "start") body_ += " text-anchor=\"" + std::string(anchor) + "\"";
    body_ += ">" + xml_escape(s) + "</text>\n";
  }
  std::string document(double width, double height) const {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
           num(width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " +
           num(height) + "\">\n<title>minipod net show</title>\n<defs>\n<style>" + kStyle +
           "</style>\n<marker id=\"arrowhead\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
           "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
           "<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#c62828\"/></marker>\n</defs>\n"
           "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n" +
           body_ + "</svg>\n";
  }

 private:
  std::string body_;
};

// A box's line: text, or a thin rule between its parts.
struct Line {
  std::string text;
  const char* cls = "";
  bool rule = false;
};

// An interface astride the top edge of its namespace's box, where its veth line arrives.
struct Marker {
  std::string ifname;
  std::string label;
  double w = 0, cx = 0;
};

struct Column {
  const NetnsView* ns = nullptr;
  std::vector<Line> lines;
  std::vector<Marker> markers;
  std::vector<const HostPort*> ports;  // hostPorts DNATed into it
  double x = 0, w = 0;
  double cx() const { return x + w / 2; }
};

// A bridge and the namespaces drawn below it (or, with no bridge, those attached to none).
struct Group {
  const Interface* bridge = nullptr;
  std::vector<Line> lines;
  std::vector<size_t> columns;
  double x = 0, w = 0;
};

std::string joined_addresses(const Interface& i) {
  std::string out;
  for (const Address* a : shown_addresses(i)) out += (out.empty() ? "" : " ") + a->cidr();
  return out;
}

Column make_column(const NetView& view, const NetnsView& ns) {
  Column c;
  c.ns = &ns;
  c.lines.push_back({ns.title(), "title"});
  for (const auto& l : wrap(ns.owner_text(), 44)) c.lines.push_back({l, "dim small"});
  c.lines.push_back(
      {ns.path.empty() ? "not pinned under /run/netns" : "netns " + ns.path, "dim small"});
  if (!ns.error.empty())
    for (const auto& l : wrap("links not read: " + ns.error, 44)) c.lines.push_back({l, "note"});
  auto interfaces = drawing_order(ns);
  if (!interfaces.empty()) c.lines.push_back({"", "", true});
  size_t width = 0;
  for (const Interface* i : interfaces) width = std::max(width, i->name.size());
  for (const Interface* i : interfaces) {
    std::string name = i->name + std::string(width - i->name.size(), ' ');
    c.lines.push_back({name + "  " + joined_addresses(*i) + (i->up ? "" : " (down)")});
    if (i->peer && i->peer->netns.empty()) {
      std::string label = i->name;
      auto shown = shown_addresses(*i);
      if (!shown.empty()) label += " " + shown.front()->cidr();
      c.markers.push_back({i->name, label, text_width(label) + 14});
    }
  }
  if (!ns.routes.empty()) c.lines.push_back({"", "", true});
  for (const auto& r : ns.routes) c.lines.push_back({r.describe(), "small"});
  for (const auto& hp : view.host_ports)
    if (hp.netns == ns.name) c.ports.push_back(&hp);

  double content = 0;
  for (const auto& l : c.lines) content = std::max(content, text_width(l.text));
  double markers = 0;
  for (const auto& m : c.markers) markers += m.w + 10;
  // Right of the veth line: the hostPort boxes side by side.
  double right = 0;
  for (const HostPort* hp : c.ports) right += port_box_width(*hp, hp->arrow_label()) + 8;
  if (right > 0) right += kPortOffset;
  c.w = std::max({kMinBox, content + 2 * kPad, markers + 2 * kPad, 2 * right});
  return c;
}

// The host side of the veth that ends on `column`'s interface `ifname`.
const Interface* host_end(const NetView& view, const Column& column, const std::string& ifname) {
  for (const auto& i : column.ns->interfaces)
    if (i.name == ifname && i.peer && i.peer->netns.empty())
      return view.host_interface(i.peer->ifname);
  return nullptr;
}

struct Layout {
  std::vector<Column> columns;
  std::vector<Group> groups;
  std::vector<Line> header;  // the host's name, its uplinks, its default routes
  double width = 0;
};

Layout arrange(const NetView& view) {
  Layout l;
  for (const auto& ns : view.namespaces) l.columns.push_back(make_column(view, ns));
  std::vector<bool> placed(l.columns.size(), false);
  for (const Interface* b : view.bridges()) {
    Group g;
    g.bridge = b;
    g.lines.push_back({"bridge " + b->name + (b->up ? "" : " (down)"), "title"});
    auto shown = shown_addresses(*b);
    if (shown.empty()) g.lines.push_back({"no address", "dim"});
    for (const Address* a : shown) g.lines.push_back({a->cidr()});
    for (const auto& r : view.host_routes)
      if (r.dev == b->name) g.lines.push_back({"route " + r.dst, "dim small"});
    for (size_t c = 0; c < l.columns.size(); ++c) {
      if (placed[c]) continue;
      for (const auto& m : l.columns[c].markers) {
        const Interface* h = host_end(view, l.columns[c], m.ifname);
        if (h != nullptr && h->master == b->name) {
          g.columns.push_back(c);
          placed[c] = true;
          break;
        }
      }
    }
    l.groups.push_back(std::move(g));
  }
  Group loose;  // namespaces on no bridge: a veth straight to the host, or none
  for (size_t c = 0; c < l.columns.size(); ++c)
    if (!placed[c]) loose.columns.push_back(c);
  if (!loose.columns.empty()) l.groups.push_back(std::move(loose));

  double x = kMargin + kPad;
  for (auto& g : l.groups) {
    double columns = 0;
    for (size_t c : g.columns) columns += l.columns[c].w;
    if (!g.columns.empty()) columns += kGap * static_cast<double>(g.columns.size() - 1);
    double own = 0;
    for (const auto& line : g.lines) own = std::max(own, text_width(line.text) + 2 * kPad);
    // Ports whose namespace is drawn elsewhere sit on the bridge's right end.
    for (const Interface* p : view.ports_of(g.bridge ? g.bridge->name : "")) {
      bool below = false;
      for (size_t c : g.columns)
        for (const auto& m : l.columns[c].markers)
          if (const Interface* h = host_end(view, l.columns[c], m.ifname); h == p) below = true;
      if (!below) own += text_width(p->name) + 22;
    }
    g.x = x;
    g.w = std::max(columns, own);
    double cx = x + (g.w - columns) / 2;
    for (size_t c : g.columns) {
      l.columns[c].x = cx;
      cx += l.columns[c].w + kGap;
    }
    x += g.w + 2 * kGap;
  }
  for (auto& c : l.columns) {
    // The markers, side by side, centred on the column.
    double total = -10;
    for (const auto& m : c.markers) total += m.w + 10;
    double mx = c.cx() - total / 2;
    for (auto& m : c.markers) {
      m.cx = mx + m.w / 2;
      mx += m.w + 10;
    }
  }
  l.header.push_back({"host", "title"});
  for (const Interface* u : view.uplinks())
    l.header.push_back({u->name + " " + joined_addresses(*u)});
  for (const auto& r : view.host_routes)
    if (r.dst == "default") l.header.push_back({"route " + r.describe(), "dim small"});
  double header_w = 0;
  for (const auto& h : l.header) header_w = std::max(header_w, text_width(h.text));
  double right = l.groups.empty() ? kMargin + kPad : x - 2 * kGap;
  // hostPorts whose address no namespace has: after the last group, with no arrow.
  double loose_x = l.groups.empty() ? kMargin + kPad : x;
  for (const auto& hp : view.host_ports)
    if (hp.netns.empty()) {
      loose_x += port_box_width(hp, loose_port_label(hp)) + 8;
      right = std::max(right, loose_x - 8);
    }
  l.width = std::max(right + kPad + kMargin, kMargin * 2 + kPad * 2 + header_w);
  return l;
}

void draw_box_lines(Svg& svg, const std::vector<Line>& lines, double x, double top, double w) {
  double y = top;
  for (const auto& line : lines) {
    if (line.rule) {
      svg.line(x + kPad / 2, y + kLine / 2 - 4, x + w - kPad / 2, y + kLine / 2 - 4, "rule");
      y += kLine / 2;
      continue;
    }
    svg.text(x + kPad, y + 12, line.text, line.cls);
    y += kLine;
  }
}

double lines_height(const std::vector<Line>& lines) {
  double h = 0;
  for (const auto& l : lines) h += l.rule ? kLine / 2 : kLine;
  return h;
}

}  // namespace

std::string render_svg(const NetView& view) {
  Layout l = arrange(view);
  Svg svg;

  // Heights, top to bottom: host header, bridges (ports astride their lower edge), the hostPort
  // row, the host's lower edge, the gap the veth lines and DNAT arrows cross, the namespaces.
  double host_top = kMargin;
  double bridges_top = host_top + kPad + kLine * static_cast<double>(l.header.size()) + 12;
  double bridge_h = 0;
  for (const auto& g : l.groups)
    if (g.bridge) bridge_h = std::max(bridge_h, lines_height(g.lines) + 2 * kPad + kMarkH / 2);
  double bridges_bottom = bridges_top + bridge_h;
  double below_bridges = bridge_h > 0 ? bridges_bottom + kMarkH / 2 : bridges_top - 6;
  double ports_top = below_bridges + 16;
  double host_bottom = view.host_ports.empty() ? below_bridges + 14 : ports_top + kPortBoxH + 14;
  double gap = 64;
  double pods_top = host_bottom + gap;
  double pods_h = 0;
  for (const auto& c : l.columns)
    pods_h = std::max(pods_h, kMarkH / 2 + kPad + lines_height(c.lines) + kPad);
  double pods_bottom = l.columns.empty() ? host_bottom : pods_top + pods_h;

  svg.rect(kMargin, host_top, l.width - 2 * kMargin, host_bottom - host_top, "host", 10);
  draw_box_lines(svg, l.header, kMargin, host_top + kPad, l.width - 2 * kMargin);

  // The veth lines first, so the boxes and markers cover their ends.
  struct Port {
    const Interface* port;
    double cx, w;
  };
  std::vector<Port> ports;
  for (const auto& g : l.groups) {
    if (!g.bridge) continue;
    double stray_x = g.x + g.w;
    auto bridge_ports = view.ports_of(g.bridge->name);
    for (auto it = bridge_ports.rbegin(); it != bridge_ports.rend(); ++it) {
      const Interface* p = *it;
      double w = text_width(p->name) + 14;
      double cx = -1;
      for (size_t c : g.columns)
        for (const auto& m : l.columns[c].markers)
          if (host_end(view, l.columns[c], m.ifname) == p) cx = m.cx;
      if (cx < 0) {
        stray_x -= w + 8;
        cx = stray_x + w / 2;
      }
      ports.push_back({p, cx, w});
    }
  }
  for (const auto& c : l.columns)
    for (const auto& m : c.markers) {
      const Interface* h = host_end(view, c, m.ifname);
      double from_x = m.cx, from_y = host_bottom;
      for (const auto& p : ports)
        if (p.port == h) from_x = p.cx, from_y = bridges_bottom + kMarkH / 2;
      double to_y = pods_top - kMarkH / 2;
      svg.line(from_x, from_y, m.cx, to_y, "veth");
      // In the gap below the host, where the line crosses nothing else.
      double label_y = host_bottom + gap / 2 + 4;
      double at = from_x + (m.cx - from_x) * (label_y - from_y) / (to_y - from_y);
      svg.text(at - 6, label_y, "veth pair", "dim small", "end");
    }

  for (const auto& g : l.groups) {
    if (!g.bridge) continue;
    svg.rect(g.x, bridges_top, g.w, bridge_h, "bridge");
    draw_box_lines(svg, g.lines, g.x, bridges_top + kPad, g.w);
  }
  for (const auto& p : ports) {
    svg.rect(p.cx - p.w / 2, bridges_bottom - kMarkH / 2, p.w, kMarkH, "port", 3);
    svg.text(p.cx, bridges_bottom + 4, p.port->name, "small", "middle");
  }

  for (const auto& c : l.columns) {
    bool pod = c.ns->is_pod();
    svg.rect(c.x, pods_top, c.w, pods_h, pod ? "pod" : "other");
    draw_box_lines(svg, c.lines, c.x, pods_top + kMarkH / 2 + kPad, c.w);
    for (const auto& m : c.markers) {
      svg.rect(m.cx - m.w / 2, pods_top - kMarkH / 2, m.w, kMarkH, pod ? "iface" : "iface-other",
               3);
      svg.text(m.cx, pods_top + 4, m.label, "small", "middle");
    }
  }

  // hostPorts: a box in the host per port saying where its DNAT rule sends it, and a red arrow
  // straight down into the pod (dashed when minipod's record publishes it but no rule exists).
  double loose_x = 0;
  for (const auto& g : l.groups) loose_x = std::max(loose_x, g.x + g.w + 2 * kGap);
  if (l.groups.empty()) loose_x = kMargin + kPad;
  for (const auto& c : l.columns) {
    double bx = c.cx() + kPortOffset;
    for (const HostPort* hp : c.ports) {
      double w = port_box_width(*hp, hp->arrow_label());
      svg.rect(bx, ports_top, w, kPortBoxH, "hostport", 4);
      svg.text(bx + 8, ports_top + 16, hp->host_side());
      svg.text(bx + 8, ports_top + 16 + kLine, hp->arrow_label(), "dnat");
      double ax = bx + kArrowX, to_y = pods_top;
      for (const auto& m : c.markers)
        if (ax > m.cx - m.w / 2 && ax < m.cx + m.w / 2) to_y = pods_top - kMarkH / 2;
      svg.line(ax, ports_top + kPortBoxH, ax, to_y - 1, hp->in_iptables ? "arrow" : "arrow-missing",
               true);
      bx += w + 8;
    }
  }
  for (const auto& hp : view.host_ports) {
    if (!hp.netns.empty()) continue;
    std::string where = loose_port_label(hp);
    double w = port_box_width(hp, where);
    svg.rect(loose_x, ports_top, w, kPortBoxH, "hostport", 4);
    svg.text(loose_x + 8, ports_top + 16, hp.host_side());
    svg.text(loose_x + 8, ports_top + 16 + kLine, where, "note small");
    loose_x += w + 8;
  }

  double y = pods_bottom + 28;
  if (view.namespaces.empty() && view.bridges().empty()) {
    svg.text(kMargin, y, "no bridges and no network namespaces on this host", "dim");
    y += kLine;
  }
  for (const auto& n : view.notes) {
    for (const auto& line : wrap("note: " + n, 100)) {
      svg.text(kMargin, y, line, "note small");
      y += kLine;
    }
  }
  double width = l.width;
  for (const auto& n : view.notes)
    for (const auto& line : wrap("note: " + n, 100))
      width = std::max(width, 2 * kMargin + text_width(line));
  return svg.document(width, y + kMargin - 8);
}

}  // namespace minipod::netview
