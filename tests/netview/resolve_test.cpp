// Joining what the kernel, iptables and minipod's records say into one view.
#include "runtime/netview/resolve.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/netview/sample_view.h"

namespace minipod::netview {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using testing::make_interface;

Interface veth(int index, const std::string& name, int peer_index, std::optional<int> nsid,
               const std::string& master = "br0", std::vector<std::string> cidrs = {}) {
  Interface i = make_interface(index, name, "veth", std::move(cidrs));
  i.master = master;
  i.peer_index = peer_index;
  i.peer_nsid = nsid;
  return i;
}

NetnsView pinned(const std::string& name, std::optional<int> nsid, std::vector<Interface> ifs) {
  NetnsView ns;
  ns.name = name;
  ns.path = "/run/netns/" + name;
  ns.nsid = nsid;
  ns.interfaces = std::move(ifs);
  return ns;
}

Facts sample_facts() {
  Facts f;
  f.host_interfaces = {make_interface(10, "br0", "bridge", {"10.1.0.1/16"}),
                       veth(11, "vethA", 2, 0), veth(12, "vethB", 2, 5), veth(14, "vethD", 2, 1),
                       veth(15, "vethE", 3, 7, "")};
  f.namespaces = {
      pinned("web", 0,
             {make_interface(1, "lo", "loopback", {"127.0.0.1/8"}),
              veth(2, "eth0", 11, 0, "", {"10.1.0.5/16"})}),
      pinned("stray", 1, {veth(2, "eth0", 14, 0, "", {"10.1.0.7/16"})}),
      pinned("noid", std::nullopt, {veth(3, "eth0", 15, 0, "", {"10.2.0.2/24"})}),
  };
  RecordedPod web{"web",
                  "webid",
                  "net",
                  "/run/netns/web",
                  true,
                  true,
                  "Running",
                  {"10.1.0.5", "10.1.0.99"},
                  {{"tcp", "", 8080, 80}, {"tcp", "", 9090, 90}}};
  RecordedPod gone{"gone", "goneid", "net", "/run/netns/gone", true, true, "Running", {}, {}};
  RecordedPod hijacked{"hijacked", "hid", "net", "/run/netns/stray", false, true,
                       "Running",  {},    {}};
  f.pods = {web, gone, hijacked};
  f.dnat = {{"CNI-DN-1", "net", "webid", "tcp", "", 8080, "10.1.0.5", 80},
            {"CNI-DN-2", "other", "", "tcp", "", 7070, "10.9.9.9", 70}};
  return f;
}

TEST(Resolve, AMinipodPodsNetnsIsItsAndItsVethIsMatchedByNetnsidAndIfindex) {
  NetView v = assemble(sample_facts());
  const NetnsView* web = v.netns("web");
  ASSERT_NE(web, nullptr);
  EXPECT_TRUE(web->is_pod());
  EXPECT_EQ(web->pod, "web");
  EXPECT_EQ(web->pod_id, "webid");
  EXPECT_EQ(web->title(), "pod web");
  const Interface* vethA = v.host_interface("vethA");
  ASSERT_TRUE(vethA->peer.has_value());
  EXPECT_EQ(vethA->peer->netns, "web");
  EXPECT_EQ(vethA->peer->ifname, "eth0");
  const Interface& eth0 = web->interfaces[1];
  ASSERT_TRUE(eth0.peer.has_value());
  EXPECT_EQ(eth0.peer->netns, "");
  EXPECT_EQ(eth0.peer->ifname, "vethA");
}

TEST(Resolve, APeerInANamespaceNobodyPinnedIsDrawnByItsId) {
  NetView v = assemble(sample_facts());
  const NetnsView* unpinned = v.netns("nsid 5");
  ASSERT_NE(unpinned, nullptr);
  EXPECT_FALSE(unpinned->is_pod());
  EXPECT_TRUE(unpinned->path.empty());
  EXPECT_THAT(unpinned->error, HasSubstr("only its id is known"));
  EXPECT_EQ(v.host_interface("vethB")->peer->ifname, "if2");
  // After the pinned ones.
  EXPECT_EQ(v.namespaces.back().name, "nsid 5");
}

TEST(Resolve, ANamespaceWithoutAnIdIsMatchedByTheIndexesOfBothEnds) {
  NetView v = assemble(sample_facts());
  EXPECT_EQ(v.host_interface("vethE")->peer->netns, "noid");
  EXPECT_EQ(v.netns("noid")->interfaces[0].peer->ifname, "vethE");
  EXPECT_EQ(v.netns("nsid 7"), nullptr);
}

TEST(Resolve, ANamespaceWithoutARecordOrPinnedOverAPodsIsAnotherRuntimes) {
  NetView v = assemble(sample_facts());
  const NetnsView* stray = v.netns("stray");
  ASSERT_NE(stray, nullptr);
  EXPECT_FALSE(stray->is_pod());
  EXPECT_EQ(stray->owner_text(), "another runtime's (no minipod pod)");
  EXPECT_THAT(v.notes, Contains(HasSubstr("/run/netns/stray is not the network namespace the "
                                          "record of pod \"hijacked\" names")));
  EXPECT_FALSE(v.netns("noid")->is_pod());
}

TEST(Resolve, RecordsAndKernelDisagreeingIsSaid) {
  NetView v = assemble(sample_facts());
  EXPECT_THAT(v.notes, Contains("pod \"web\": its record says 10.1.0.99, but no interface of "
                                "/run/netns/web has that address"));
  EXPECT_THAT(v.notes, Contains("pod \"gone\" (Running): its record names /run/netns/gone, which "
                                "is not there"));
}

TEST(Resolve, HostPortsFromTheRulesCheckedAgainstTheRecords) {
  NetView v = assemble(sample_facts());
  ASSERT_EQ(v.host_ports.size(), 3u);
  const HostPort& stale = v.host_ports[0];
  EXPECT_EQ(stale.host_port, 7070);
  EXPECT_TRUE(stale.netns.empty());
  EXPECT_THAT(v.notes, Contains(HasSubstr("CNI-DN-2 DNATs hostPort 7070 -> 10.9.9.9:70, an "
                                          "address no namespace here has")));

  const HostPort& web = v.host_ports[1];
  EXPECT_EQ(web.describe(), "hostPort 8080 -> 10.1.0.5:80");
  EXPECT_EQ(web.pod, "web");
  EXPECT_EQ(web.netns, "web");
  EXPECT_EQ(web.chain, "CNI-DN-1");
  EXPECT_TRUE(web.recorded);
  EXPECT_TRUE(web.in_iptables);

  const HostPort& missing = v.host_ports[2];
  EXPECT_EQ(missing.describe(), "hostPort 9090 -> pod web:90");
  EXPECT_EQ(missing.netns, "web");
  EXPECT_TRUE(missing.recorded);
  EXPECT_FALSE(missing.in_iptables);
  EXPECT_EQ(missing.rule_state(), "no DNAT rule");
  EXPECT_THAT(v.notes, Contains(HasSubstr("pod \"web\" publishes hostPort 9090/tcp, but no "
                                          "CNI-HOSTPORT-DNAT rule sends it anywhere")));
}

TEST(Resolve, ARuleForAPodThatDoesNotPublishThePortIsSaid) {
  Facts f = sample_facts();
  f.dnat[0].host_port = 8081;
  NetView v = assemble(std::move(f));
  EXPECT_THAT(v.notes, Contains("CNI-DN-1 DNATs hostPort 8081 -> 10.1.0.5:80 for pod \"web\", "
                                "whose record publishes no such hostPort"));
}

TEST(Resolve, WithoutIptablesTheRecordsPortsAreShownUnchecked) {
  Facts f = sample_facts();
  f.dnat.clear();
  f.dnat_read = false;
  NetView v = assemble(std::move(f));
  ASSERT_EQ(v.host_ports.size(), 2u);
  EXPECT_FALSE(v.host_ports[0].checked);
  EXPECT_EQ(v.host_ports[0].rule_state(), "rules not read");
  EXPECT_EQ(v.host_ports[0].netns, "web");
  for (const auto& n : v.notes) EXPECT_THAT(n, ::testing::Not(HasSubstr("no CNI-HOSTPORT-DNAT")));
}

TEST(Resolve, AnEndedPodThatReleasedItsNetworkPublishesNothing) {
  Facts f = sample_facts();
  f.pods[0].holds_network = false;
  f.dnat.clear();
  NetView v = assemble(std::move(f));
  EXPECT_TRUE(v.host_ports.empty());
}

}  // namespace
}  // namespace minipod::netview
