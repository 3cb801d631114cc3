// The SVG drawing of a view built by hand: well-formed, deterministic, everything named drawn,
// and the boxes where the layout promises them (no two namespaces overlap, each veth line ends on
// its bridge port and its pod's interface).
#include "runtime/netview/render_svg.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "tests/netview/sample_view.h"

namespace minipod::netview {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Every element opened is closed, in order ("" when so, else what is wrong).
std::string well_formed(const std::string& xml) {
  std::vector<std::string> open;
  for (size_t at = xml.find('<'); at != std::string::npos; at = xml.find('<', at + 1)) {
    if (xml.compare(at, 2, "<?") == 0 || xml.compare(at, 4, "<!--") == 0) continue;
    size_t end = xml.find('>', at);
    if (end == std::string::npos) return "unterminated tag at " + std::to_string(at);
    std::string tag = xml.substr(at + 1, end - at - 1);
    if (tag.starts_with("/")) {
      if (open.empty() || open.back() != tag.substr(1)) return "unexpected </" + tag + ">";
      open.pop_back();
    } else if (!tag.ends_with("/")) {
      open.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
  }
  return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

double attr(const std::string& element, const std::string& name) {
  std::smatch m;
  std::regex re(" " + name + "=\"([-0-9.]+)\"");
  if (!std::regex_search(element, m, re)) return -1;
  return std::stod(m[1]);
}

std::vector<std::string> elements(const std::string& svg, const std::string& start,
                                  const std::string& containing = "") {
  std::vector<std::string> out;
  for (size_t at = svg.find(start); at != std::string::npos; at = svg.find(start, at + 1)) {
    std::string e = svg.substr(at, svg.find('>', at) - at + 1);
    if (containing.empty() || e.find(containing) != std::string::npos) out.push_back(e);
  }
  return out;
}

TEST(RenderSvg, WellFormedAndTheSameBytesEachTime) {
  NetView v = testing::two_pods_view();
  std::string svg = render_svg(v);
  EXPECT_EQ(well_formed(svg), "");
  EXPECT_EQ(svg, render_svg(v));
  EXPECT_TRUE(svg.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "));
}

TEST(RenderSvg, DrawsBridgesPortsPodsAddressesRoutesAndTheHostPort) {
  std::string svg = render_svg(testing::two_pods_view());
  for (const char* text :
       {">bridge minipod0</text>", ">10.87.0.1/16</text>", ">veth6c1f0e2b</text>",
        ">pod two-pods-server</text>", ">eth0 10.87.0.5/16</text>",
        ">default via 10.87.0.1 dev eth0</text>", ">host :18080/tcp</text>",
        ">DNAT to 10.87.0.5:8080</text>", ">netns cni-1234</text>",
        ">another runtime's (no minipod pod)</text>", ">bridge cni-podman0</text>",
        ">route default via 192.0.2.1 dev eth0</text>"})
    EXPECT_THAT(svg, HasSubstr(text));
  EXPECT_THAT(svg, Not(HasSubstr("fe80::")));
  EXPECT_EQ(elements(svg, "<rect", "class=\"pod\"").size(), 2u);
  EXPECT_EQ(elements(svg, "<rect", "class=\"other\"").size(), 1u);
  EXPECT_EQ(elements(svg, "<line", "marker-end").size(), 1u);  // one hostPort arrow
  EXPECT_EQ(elements(svg, "<line", "class=\"veth\"").size(), 3u);
}

TEST(RenderSvg, NamespaceBoxesDoNotOverlapAndFitThePicture) {
  std::string svg = render_svg(testing::two_pods_view());
  double width = attr(elements(svg, "<svg")[0], "width");
  std::vector<std::pair<double, double>> spans;
  for (const auto& e : elements(svg, "<rect", "class=\"pod\""))
    spans.push_back({attr(e, "x"), attr(e, "x") + attr(e, "width")});
  for (const auto& e : elements(svg, "<rect", "class=\"other\""))
    spans.push_back({attr(e, "x"), attr(e, "x") + attr(e, "width")});
  std::sort(spans.begin(), spans.end());
  for (size_t i = 0; i < spans.size(); ++i) {
    EXPECT_GT(spans[i].first, 0);
    EXPECT_LT(spans[i].second, width);
    if (i > 0) {
      EXPECT_LT(spans[i - 1].second, spans[i].first) << "boxes " << i - 1 << ", " << i;
    }
  }
}

TEST(RenderSvg, EachVethLineRunsFromItsBridgePortToItsPodsInterface) {
  std::string svg = render_svg(testing::two_pods_view());
  // The centre of each port's and each interface's marker, by its label.
  std::map<std::string, double> centre;
  for (const auto& e : elements(svg, "<text", "text-anchor=\"middle\"")) {
    size_t at = svg.find(e) + e.size();
    centre[svg.substr(at, svg.find('<', at) - at)] = attr(e, "x");
  }
  auto lines = elements(svg, "<line", "class=\"veth\"");
  auto has_vertical_line_at = [&](double x) {
    for (const auto& l : lines)
      if (attr(l, "x1") == x && attr(l, "x2") == x) return true;
    return false;
  };
  for (const auto& [port, iface] :
       {std::pair<std::string, std::string>{"veth6c1f0e2b", "eth0 10.87.0.5/16"},
        {"veth0a9b3d77", "eth0 10.87.0.6/16"},
        {"vethcafe", "eth0 10.88.0.4/16"}}) {
    ASSERT_TRUE(centre.count(port)) << port;
    ASSERT_TRUE(centre.count(iface)) << iface;
    EXPECT_EQ(centre[port], centre[iface]) << port << " is not above " << iface;
    EXPECT_TRUE(has_vertical_line_at(centre[port])) << port;
  }
}

TEST(RenderSvg, TextIsEscaped) {
  NetView v;
  NetnsView ns;
  ns.name = "a<b>&c";
  ns.path = "/run/netns/a<b>&c";
  v.namespaces.push_back(ns);
  std::string svg = render_svg(v);
  EXPECT_THAT(svg, HasSubstr(">netns a&lt;b&gt;&amp;c</text>"));
  EXPECT_EQ(well_formed(svg), "");
}

TEST(RenderSvg, AnEmptyHostSaysSo) {
  std::string svg = render_svg(NetView{});
  EXPECT_THAT(svg, HasSubstr("no bridges and no network namespaces on this host"));
  EXPECT_EQ(well_formed(svg), "");
}

TEST(RenderSvg, NotesAreWrittenUnderThePicture) {
  NetView v = testing::two_pods_view();
  v.notes.push_back("iptables-save -t nat: exit code 1 (it needs root)");
  std::string svg = render_svg(v);
  EXPECT_THAT(svg, HasSubstr(">note: iptables-save -t nat: exit code 1 (it needs root)</text>"));
}

}  // namespace
}  // namespace minipod::netview
