// `minipod cni gc` without a network: every network of the config dir, keeping what the cache
// holds, deleting the attachments whose netns is gone, and the networks only the cache knows.
#include "cni/gc_networks.h"

#include "client_fixture.h"

namespace cni {
namespace {

using nlohmann::json;
using test::calls;

class GcNetworks : public test::ClientTest {
 protected:
  std::string conf_dir_ = tmp_ / "net.d";
  std::string alive_ns_ = tmp_ / "ns-alive";  // a netns path that exists
  std::string gone_ns_ = tmp_ / "ns-gone";    // one that does not

  NetworkConfigList conf(const std::string& file, const std::string& name,
                         const std::string& version, const std::string& plugin) {
    json list{
        {"cniVersion", version}, {"name", name}, {"plugins", {{{"type", plugin}, {"tag", name}}}}};
    test::write(conf_dir_ + "/" + file, list.dump());
    return load_network_file(conf_dir_ + "/" + file);
  }
  void attach(const NetworkConfigList& list, const std::string& id, const std::string& netns) {
    RuntimeConf r = rt(id);
    r.netns = netns;
    client().add(list, r);
  }
  static std::vector<std::string> containers(const std::vector<json>& cs) {
    std::vector<std::string> out;
    for (const auto& c : cs) out.push_back(c["env"]["CNI_CONTAINERID"]);
    return out;
  }
};

TEST_F(GcNetworks, EveryNetworkKeepsWhatTheCacheHolds) {
  test::write(alive_ns_, "");
  auto a = conf("10-a.conflist", "mpt-cni-ga", "1.1.0", "a");
  auto b = conf("20-b.conflist", "mpt-cni-gb", "1.0.0", "b");
  test::write(conf_dir_ + "/30-broken.conflist", "{oops");
  conf("40-dup.conflist", "mpt-cni-ga", "1.1.0", "c");
  auto gone_net = conf("50-gone.conflist", "mpt-cni-gone", "1.0.0", "c");
  attach(a, "alive", alive_ns_);
  attach(a, "gone", gone_ns_);
  attach(b, "gone2", gone_ns_ + "2");
  attach(gone_net, "orphan", gone_ns_ + "3");
  std::filesystem::remove(conf_dir_ + "/50-gone.conflist");  // only the cache knows it now

  auto c = client();
  auto done = gc_networks(c, conf_dir_, {});
  ASSERT_EQ(done.size(), 5u);

  EXPECT_EQ(done[0].network, "mpt-cni-ga");
  ASSERT_TRUE(done[0].report);
  EXPECT_EQ(done[0].report->deleted, (std::vector<Attachment>{{"gone", "eth0"}}));
  EXPECT_EQ(done[0].report->collected, std::vector<std::string>{"a"});
  EXPECT_EQ(done[0].error, "");

  EXPECT_EQ(done[1].network, "mpt-cni-gb");
  EXPECT_EQ(done[1].report->deleted, (std::vector<Attachment>{{"gone2", "eth0"}}));
  EXPECT_EQ(done[1].report->skipped, "the network speaks 1.0.0, older than 1.1.0");

  EXPECT_EQ(done[2].network, "");
  EXPECT_EQ(done[2].source, conf_dir_ + "/30-broken.conflist");
  EXPECT_NE(done[2].error.find("30-broken.conflist: malformed JSON"), std::string::npos)
      << done[2].error;

  EXPECT_EQ(done[3].network, "mpt-cni-ga");
  EXPECT_EQ(done[3].note, "network \"mpt-cni-ga\" is " + conf_dir_ +
                              "/10-a.conflist's, which comes first in load order: this file is "
                              "never used");
  EXPECT_FALSE(done[3].report);

  EXPECT_EQ(done[4].network, "mpt-cni-gone");
  EXPECT_EQ(done[4].source, "the CNI cache (no config file in " + conf_dir_ + ")");
  EXPECT_EQ(done[4].report->deleted, (std::vector<Attachment>{{"orphan", "eth0"}}));

  // The plugins got GC with the attachment whose netns is alive, and DEL for the others.
  auto l = log();
  auto gcs = calls(l, "GC");
  ASSERT_EQ(gcs.size(), 1u);
  EXPECT_EQ(in(gcs[0])["cni.dev/valid-attachments"],
            json::parse(R"([{"containerID":"alive","ifname":"eth0"}])"));
  EXPECT_EQ(containers(calls(l, "DEL")), (std::vector<std::string>{"gone", "gone2", "orphan"}));
  auto left = client().cached_all();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].conf.container_id, "alive");
}

TEST_F(GcNetworks, ExtraValidAttachmentsAreKeptEverywhere) {
  auto a = conf("10-a.conflist", "mpt-cni-ga", "1.1.0", "a");
  attach(a, "gone", gone_ns_);
  auto c = client();
  auto done = gc_networks(c, conf_dir_, {{"gone", "eth0"}, {"elsewhere", "net1"}});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].report->deleted.empty());
  EXPECT_EQ(in(calls(log(), "GC")[0])["cni.dev/valid-attachments"],
            json::parse(R"([{"containerID":"gone","ifname":"eth0"},
                           {"containerID":"elsewhere","ifname":"net1"}])"));
  EXPECT_EQ(client().cached_all().size(), 1u);
}

TEST_F(GcNetworks, ANetworkThatFailsDoesNotStopTheOthers) {
  json broken{{"cniVersion", "1.1.0"},
              {"name", "mpt-cni-ga"},
              {"plugins", {{{"type", "a"}, {"behave", {{"GC", {{"error", {{"msg", "no"}}}}}}}}}}};
  test::write(conf_dir_ + "/10-a.conflist", broken.dump());
  conf("20-b.conflist", "mpt-cni-gb", "1.1.0", "b");
  auto c = client();
  auto done = gc_networks(c, conf_dir_, {});
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].error, "CNI GC failed: plugin \"a\" (network \"mpt-cni-ga\"): [code 999] no");
  EXPECT_EQ(done[1].error, "");
  EXPECT_EQ(done[1].report->collected, std::vector<std::string>{"b"});
}

TEST(NetnsGone, OnlyAMissingPath) {
  EXPECT_FALSE(netns_gone(""));  // DEL without a netns is allowed: nothing says it is gone
  EXPECT_FALSE(netns_gone("/proc/self/ns/net"));
  EXPECT_TRUE(netns_gone("/run/netns/mpt-cni-surely-not-there"));
}

}  // namespace
}  // namespace cni
