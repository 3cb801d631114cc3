// The text of `minipod net show` for views built by hand.
#include "runtime/netview/render_text.h"

#include <gtest/gtest.h>

#include "tests/netview/sample_view.h"

namespace minipod::netview {
namespace {

TEST(RenderText, TheTwoPodsView) {
  EXPECT_EQ(render_text(testing::two_pods_view()), R"(host
  eth0  192.0.2.2/24
  route default via 192.0.2.1 dev eth0

bridge cni-podman0  10.88.0.1/16
  route 10.88.0.0/16 dev cni-podman0 src 10.88.0.1
  port vethcafe  <->  netns cni-1234 (another runtime's) eth0

bridge minipod0  10.87.0.1/16
  route 10.87.0.0/16 dev minipod0 src 10.87.0.1
  port veth0a9b3d77  <->  pod two-pods-client eth0
  port veth6c1f0e2b  <->  pod two-pods-server eth0

netns cni-1234  another runtime's (no minipod pod), /run/netns/cni-1234
  eth0  10.88.0.4/16  <->  vethcafe on bridge cni-podman0
  lo    127.0.0.1/8
  route default via 10.88.0.1 dev eth0
  route 10.88.0.0/16 dev eth0 src 10.88.0.4

pod two-pods-client  minipod pod 0a9b3d77e1f2, network minipod, /run/netns/two-pods-client
  eth0  10.87.0.6/16  <->  veth0a9b3d77 on bridge minipod0
  lo    127.0.0.1/8
  route default via 10.87.0.1 dev eth0
  route 10.87.0.0/16 dev eth0 src 10.87.0.6

pod two-pods-server  minipod pod 6c1f0e2b5d4c, network minipod, /run/netns/two-pods-server
  eth0  10.87.0.5/16  <->  veth6c1f0e2b on bridge minipod0
  lo    127.0.0.1/8
  route default via 10.87.0.1 dev eth0
  route 10.87.0.0/16 dev eth0 src 10.87.0.5

host ports (portmap's DNAT rules: iptables -t nat -S CNI-HOSTPORT-DNAT)
  hostPort 18080 -> 10.87.0.5:8080  tcp  pod two-pods-server  CNI-DN-5e8c1c3c4b1a7f2d9e0a1
)");
}

TEST(RenderText, HolesAndDisagreementsAreSaid) {
  NetView v;
  Interface bridge = testing::make_interface(3, "br0", "bridge");
  bridge.up = false;
  v.host_interfaces.push_back(bridge);
  NetnsView unread;
  unread.name = "stale";
  unread.path = "/run/netns/stale";
  unread.owner = Owner::kMinipod;
  unread.pod = "web";
  unread.pod_id = "0123456789abcdef";
  unread.pod_status = "Stopped (network not released)";
  unread.error = "ip -n stale -j -d addr show: exit code 1: Invalid argument";
  v.namespaces.push_back(unread);
  HostPort hp;
  hp.host_ip = "127.0.0.1";
  hp.host_port = 8080;
  hp.pod_port = 80;
  hp.pod = "web";
  hp.netns = "stale";
  hp.recorded = true;
  v.host_ports.push_back(hp);
  v.notes.push_back("pod \"web\" publishes hostPort 8080/tcp, but no rule sends it anywhere");
  EXPECT_EQ(render_text(v), R"(bridge br0  no address  (down)
  no ports

pod web  minipod pod 0123456789ab, Stopped (network not released), /run/netns/stale
  links not read: ip -n stale -j -d addr show: exit code 1: Invalid argument

host ports (portmap's DNAT rules: iptables -t nat -S CNI-HOSTPORT-DNAT)
  hostPort 127.0.0.1:8080 -> pod web:80  tcp  pod web  no DNAT rule

notes
  - pod "web" publishes hostPort 8080/tcp, but no rule sends it anywhere
)");
}

TEST(RenderText, NothingAtAll) {
  EXPECT_EQ(render_text(NetView{}), "no bridges, no network namespaces, no host ports\n");
}

}  // namespace
}  // namespace minipod::netview
