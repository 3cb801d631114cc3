// Integration tests with Debian 12's plugins (/usr/lib/cni, containernetworking-plugins 1.1.1)
// in network namespaces the tests create. Root only. Everything the tests touch is named mpt-*
// (netns mpt-cni-*, bridges mpt-cbr*, master veth pairs mpt-cm*/mpt-cp*), addresses stay
// in 10.231.0.0/16, host-local state and the result cache live in a per-test temporary directory,
// and what the plugins leave on the host by design (top-level iptables chains, ip_forward) is
// removed or restored when the suite ends.
#include "cni/error.h"
#include "debian_fixture.h"

namespace cni {
namespace {

using nlohmann::json;
using test::DebianPlugins;
using test::sh;

class FullChain : public DebianPlugins, public ::testing::WithParamInterface<std::string> {};

TEST_P(FullChain, AddCheckDel) {
  const std::string version = GetParam();
  json portmap{{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}};
  json tuning{{"type", "tuning"}, {"mtu", 1400}};
  json bandwidth{{"type", "bandwidth"},
                 {"ingressRate", 8000000},
                 {"ingressBurst", 800000},
                 {"egressRate", 8000000},
                 {"egressBurst", 800000}};
  json firewall{{"type", "firewall"}, {"backend", "iptables"}};
  auto net =
      list(json::array({bridge(host_local()), tuning, bandwidth, firewall, portmap}), version);
  RuntimeConf r = rt();
  r.capability_args =
      json::parse(R"({"portMappings":[{"hostPort":18231,"containerPort":80,"protocol":"tcp"}]})");

  Result res = client().add(net, r);
  EXPECT_EQ(res.cni_version, version);
  std::string ip = res.first_address("4");
  EXPECT_EQ(ip.rfind(subnet_ + ".", 0), 0u) << ip;
  EXPECT_NE(in_netns("ip -o addr show eth0").find(ip + "/24"), std::string::npos);
  EXPECT_NE(in_netns("ip -o link show eth0").find("mtu 1400"), std::string::npos);
  EXPECT_EQ(reserved(), std::vector<std::string>{ip});
  EXPECT_NE(sh("iptables -w -t nat -S").out.find("--dport 18231"), std::string::npos);
  EXPECT_NE(sh("iptables -w -t filter -S CNI-FORWARD").out.find(ip), std::string::npos);
  ASSERT_TRUE(cached());

  // portmap's CHECK fails on an IPv4-only result in plugins 1.1.1 (containernetworking/plugins
  // #819); everything before it in the chain checks out.
  try {
    client().check(net, r);
    ADD_FAILURE() << "portmap CHECK passed: plugins#819 fixed? then drop this expectation";
  } catch (const PluginError& e) {
    EXPECT_EQ(e.plugin(), "portmap") << e.what();
    EXPECT_NE(e.msg().find("could not check ipv6 dnat"), std::string::npos) << e.what();
  }
  auto without_portmap =
      list(json::array({bridge(host_local()), tuning, bandwidth, firewall}), version);
  EXPECT_NO_THROW(client().check(without_portmap, r));
  auto no_check = list(json::array({bridge(host_local()), tuning, bandwidth, firewall, portmap}),
                       version, {{"disableCheck", true}});
  EXPECT_NO_THROW(client().check(no_check, r));

  client().del(net, r);
  EXPECT_FALSE(cached());
  EXPECT_TRUE(reserved().empty());
  EXPECT_EQ(sh("iptables -w -t nat -S").out.find("--dport 18231"), std::string::npos);
  EXPECT_EQ(sh("iptables -w -t filter -S CNI-FORWARD 2>/dev/null").out.find(ip), std::string::npos);
  EXPECT_EQ(in_netns("ip -o link show eth0 2>/dev/null"), "");
  EXPECT_NO_THROW(client().del(net, r));  // DEL is idempotent
}

INSTANTIATE_TEST_SUITE_P(Versions, FullChain, ::testing::Values("0.4.0", "1.0.0"),
                         [](const auto& p) {
                           return "v" + std::string(p.param == "0.4.0" ? "040" : "100");
                         });

TEST_F(DebianPlugins, CniVersionsListNegotiatesDownTo100) {
  auto net = list(json::array({bridge(host_local()),
                               {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}}}),
                  "0.4.0", {{"cniVersions", {"1.0.0", "1.1.0"}}});
  EXPECT_EQ(net.cni_version, "1.1.0");
  EXPECT_EQ(client().negotiate_version(net), "1.0.0");
  Result a = client().add(net, rt("eth0"));
  EXPECT_EQ(a.cni_version, "1.0.0");
  Result b = client().add(net, rt("eth1"));
  EXPECT_EQ(reserved().size(), 2u);
  // GC at 1.0.0: plugins get no GC verb (they would answer code 4), the stale eth1 is DELeted.
  client().gc(net, {{container_, "eth0"}});
  EXPECT_EQ(reserved(), std::vector<std::string>{a.first_address("4")});
  EXPECT_FALSE(client().cached(network_, container_, "eth1"));
  EXPECT_NO_THROW(client().status(net));
  client().del(net, rt("eth0"));
  EXPECT_TRUE(reserved().empty());
  EXPECT_TRUE(client().cached_all().empty());
}

TEST_F(DebianPlugins, Version110ListFailsWithWhatThePluginSupports) {
  auto net = list(json::array({{{"type", "firewall"}}}), "0.3.1");
  try {
    client().add(net, rt());
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_EQ(e.code(), 1);
    EXPECT_NE(std::string(e.what()).find("the plugin supports [0.4.0 1.0.0], network \"" +
                                         network_ + "\" (test.conflist) asks for 0.3.1"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(cached());
  auto v = client().version_info("bridge");
  EXPECT_EQ(v.supported.back(), "1.0.0");
}

class MasterLink : public DebianPlugins, public ::testing::WithParamInterface<std::string> {};

TEST_P(MasterLink, AddCheckDel) {
  // The kernel here has no dummy links; one end of a veth pair is as good a master.
  std::string master = "mpt-cm" + tag_, peer = "mpt-cp" + tag_;
  links_.push_back(master);
  ASSERT_EQ(sh("ip link add " + master + " type veth peer name " + peer + " && ip link set " +
               master + " up && ip link set " + peer + " up")
                .code,
            0);
  json plugin{{"type", GetParam()}, {"master", master}, {"ipam", host_local()}};
  plugin["mode"] = GetParam() == "macvlan" ? "bridge" : "l2";
  auto net = list(json::array({plugin}), "1.0.0");
  std::string probe = "mpt-cv" + tag_;
  if (sh("ip link add link " + master + " name " + probe + " type " + GetParam() +
         " && ip link del " + probe)
          .code != 0) {
    // This VM's kernel is built without CONFIG_IPVLAN: the plugin must fail cleanly.
    try {
      client().add_or_undo(net, rt());
      ADD_FAILURE() << GetParam() << " ADD worked although `ip link add type " << GetParam()
                    << "` did not";
    } catch (const PluginError& e) {
      EXPECT_EQ(e.msg(), "failed to create " + GetParam() + ": operation not supported");
    }
    EXPECT_TRUE(reserved().empty());
    EXPECT_FALSE(cached());
    // What this kernel allows was checked: the clean failure, with nothing left behind.
    RecordProperty("kernel_support", "none: only the clean failure was checked");
    return;
  }
  Result r = client().add(net, rt());
  std::string ip = r.first_address("4");
  EXPECT_NE(in_netns("ip -o -d link show eth0").find(GetParam()), std::string::npos);
  EXPECT_NE(in_netns("ip -o addr show eth0").find(ip), std::string::npos);
  EXPECT_NO_THROW(client().check(net, rt()));
  client().del(net, rt());
  EXPECT_TRUE(reserved().empty());
  EXPECT_EQ(in_netns("ip -o link show eth0 2>/dev/null"), "");
}

INSTANTIATE_TEST_SUITE_P(Kinds, MasterLink, ::testing::Values("macvlan", "ipvlan"));

TEST_F(DebianPlugins, Ptp) {
  auto net =
      list(json::array({{{"type", "ptp"}, {"ipMasq", false}, {"ipam", host_local()}}}), "1.0.0");
  Result r = client().add(net, rt());
  std::string ip = r.first_address("4");
  ASSERT_FALSE(ip.empty());
  EXPECT_NE(sh("ip route show " + ip).out.find("dev veth"),
            std::string::npos);  // host route to the pod
  EXPECT_NO_THROW(client().check(net, rt()));
  client().del(net, rt());
  EXPECT_EQ(sh("ip route show " + ip).out, "");
  EXPECT_TRUE(reserved().empty());
}

TEST_F(DebianPlugins, StaticIpam) {
  json ipam{{"type", "static"},
            {"addresses", {{{"address", subnet_ + ".10/24"}, {"gateway", subnet_ + ".1"}}}}};
  json br = bridge(ipam);
  br["isGateway"] = false;
  auto net = list(json::array({br}), "0.4.0");
  Result r = client().add(net, rt());
  EXPECT_EQ(r.first_address("4"), subnet_ + ".10");
  EXPECT_NE(in_netns("ip -o addr show eth0").find(subnet_ + ".10/24"), std::string::npos);
  EXPECT_NO_THROW(client().check(net, rt()));
  client().del(net, rt());
  EXPECT_FALSE(cached());
}

TEST_F(DebianPlugins, DelAfterTheNetnsIsGoneReleasesTheAddress) {
  auto net = list(json::array({bridge(host_local())}), "1.0.0");
  Result r = client().add(net, rt());
  EXPECT_EQ(reserved().size(), 1u);
  ASSERT_EQ(sh("ip netns del " + netns_name_).code, 0);
  EXPECT_NO_THROW(client().del(net, rt()));
  EXPECT_TRUE(reserved().empty());
  EXPECT_FALSE(cached());
}

TEST_F(DebianPlugins, FailedAddIsUndoneByAddOrUndo) {
  json ipam = host_local();
  ipam["type"] = "mpt-no-such-ipam";
  auto net = list(json::array({bridge(ipam)}), "1.0.0");
  try {
    client().add_or_undo(net, rt());
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        "CNI ADD failed: plugin \"bridge\" (network \"" + network_ +
            "\"): [code 999] failed to find plugin \"mpt-no-such-ipam\" in path [/usr/lib/cni]");
  }
  // bridge leaves eth0 behind when its IPAM fails; the undo DEL removed it.
  EXPECT_EQ(in_netns("ip -o link show eth0 2>/dev/null"), "");
  EXPECT_FALSE(cached());
}

}  // namespace
}  // namespace cni
