// The DOT drawing of a view built by hand: Graphviz clusters for the host and each namespace, an
// edge per veth pair and per hostPort.
#include "runtime/netview/render_dot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/netview/sample_view.h"

namespace minipod::netview {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RenderDot, ClustersNodesAndEdgesOfTheTwoPods) {
  std::string dot = render_dot(testing::two_pods_view());
  EXPECT_TRUE(dot.starts_with("digraph \"minipod net\" {\n")) << dot;
  EXPECT_TRUE(dot.ends_with("}\n"));
  EXPECT_THAT(dot, HasSubstr("\"bridge:minipod0\" [label=\"bridge minipod0\\n10.87.0.1/16\\n"
                             "route 10.87.0.0/16\""));
  EXPECT_THAT(dot, HasSubstr("label=\"pod two-pods-server\\nminipod pod 6c1f0e2b5d4c, network "
                             "minipod\\nnetns /run/netns/two-pods-server\";"));
  EXPECT_THAT(dot, HasSubstr("\"if:two-pods-server:eth0\" [label=\"eth0\\n10.87.0.5/16\"];"));
  // The veth pair, from its host end to the pod's eth0.
  EXPECT_THAT(dot, HasSubstr("\"if::veth6c1f0e2b\" -> \"if:two-pods-server:eth0\" [dir=none, "
                             "penwidth=2, label=\"veth\"];"));
  EXPECT_THAT(dot, HasSubstr("\"bridge:minipod0\" -> \"if::veth6c1f0e2b\" [dir=none];"));
  // The hostPort: the host's port, an arrow to the interface with the DNAT address.
  EXPECT_THAT(dot, HasSubstr("\"hostport:tcp::18080\" [label=\"host :18080/tcp\""));
  EXPECT_THAT(dot, HasSubstr("\"hostport:tcp::18080\" -> \"if:two-pods-server:eth0\" "
                             "[color=\"#c62828\", fontcolor=\"#c62828\", label=\"DNAT to "
                             "10.87.0.5:8080\"];"));
  // Routes left-aligned in a note; another runtime's namespace dashed and grey.
  EXPECT_THAT(dot, HasSubstr("label=\"default via 10.87.0.1 dev eth0\\l10.87.0.0/16 dev eth0 src "
                             "10.87.0.5\\l\"];"));
  EXPECT_THAT(dot, HasSubstr("label=\"netns cni-1234\\nanother runtime's (no minipod pod)\\nnetns "
                             "/run/netns/cni-1234\";\n    style=\"rounded,filled,dashed\";"));
  // Link-local addresses are not drawn.
  EXPECT_THAT(dot, Not(HasSubstr("fe80::")));
}

TEST(RenderDot, QuotesAndBackslashesInNamesAreEscaped) {
  NetView v;
  NetnsView ns;
  ns.name = "we\"ird\\ns";
  ns.path = "/run/netns/we\"ird\\ns";
  ns.interfaces.push_back(testing::make_interface(1, "lo", "loopback", {"127.0.0.1/8"}));
  v.namespaces.push_back(ns);
  std::string dot = render_dot(v);
  EXPECT_THAT(dot, HasSubstr("\"if:we\\\"ird\\\\ns:lo\""));
  EXPECT_THAT(dot, Not(HasSubstr("we\"ird")));
}

TEST(RenderDot, APortWithoutARuleIsADashedArrowSayingSo) {
  NetView v = testing::two_pods_view();
  v.host_ports[0].in_iptables = false;
  v.host_ports[0].pod_ip.clear();
  v.host_ports[0].chain.clear();
  std::string dot = render_dot(v);
  // No address to find the interface by: the pod's first one (lo is drawn last).
  EXPECT_THAT(dot,
              HasSubstr("-> \"if:two-pods-server:eth0\" [color=\"#c62828\", fontcolor=\"#c62828\", "
                        "style=dashed, label=\"no DNAT rule (port 8080)\"];"));
}

}  // namespace
}  // namespace minipod::netview
