// CNI 1.1 runtime rules (plugin folders, the GC lock, refused duplicate ADDs, validate) with Debian
// 12's plugins (root; the fixture in debian_fixture.h says what each test may touch): plugin
// configs from the network's folder, an ADD that would undo another attachment refused, GC of every
// network, validate, and `minipod cni` itself.
#include "cni/error.h"
#include "cni/gc_networks.h"
#include "cni/validate.h"
#include "cni/version.h"
#include "debian_fixture.h"

namespace cni {
namespace {

using nlohmann::json;
using test::DebianPlugins;
using test::sh;

class DebianRuntime : public DebianPlugins {
 protected:
  std::string conf_dir_ = tmp_ / "net.d";

  void write_list(const std::string& file, json list) {
    test::write(conf_dir_ + "/" + file, list.dump());
  }
  json host_local_range(const std::string& subnet, const std::string& gateway) {
    json ipam = host_local();
    ipam["ranges"] = {{{{"subnet", subnet}, {"gateway", gateway}}}};
    return ipam;
  }
};

TEST_F(DebianRuntime, PluginsFromTheNetworksFolder) {
  write_list("10-net.conflist", {{"cniVersion", "1.0.0"}, {"name", network_}});
  test::write(conf_dir_ + "/" + network_ + "/10-bridge.conf", bridge(host_local()).dump());
  // tuning's "mac" capability: runtimeConfig reaches it although "capabilities" is stripped.
  test::write(conf_dir_ + "/" + network_ + "/20-tuning.conf",
              json{{"type", "tuning"}, {"mtu", 1400}, {"capabilities", {{"mac", true}}}}.dump());
  auto net = load_network(conf_dir_, network_);
  ASSERT_TRUE(net);
  ASSERT_EQ(net->plugins.size(), 2u);
  RuntimeConf r = rt();
  r.capability_args = {{"mac", "0a:58:0a:e7:00:42"}};
  Result res = client().add(*net, r);
  std::string ip = res.first_address("4");
  EXPECT_NE(in_netns("ip -o addr show eth0").find(ip + "/24"), std::string::npos);
  std::string link = in_netns("ip -o link show eth0");
  EXPECT_NE(link.find("mtu 1400"), std::string::npos) << link;
  EXPECT_NE(link.find("0a:58:0a:e7:00:42"), std::string::npos) << link;
  EXPECT_NO_THROW(client().check(*net, r));

  // The folder is gone: the cache holds the whole list, and the DEL runs both plugins.
  std::filesystem::remove_all(conf_dir_ + "/" + network_);
  auto cached = client().cached(network_, container_, "eth0");
  ASSERT_TRUE(cached);
  auto from_cache = parse_network_config(cached->config_bytes, cached->file);
  EXPECT_EQ(from_cache.plugins.size(), 2u);
  client().del(from_cache, cached->conf);
  EXPECT_TRUE(reserved().empty());
  EXPECT_EQ(in_netns("ip -o link show eth0 2>/dev/null"), "");
}

// The case seen: a second ADD naming an interface that another attachment made failed in
// bridge ("already exists"), and the DEL undoing it deleted the other attachment's eth0.
TEST_F(DebianRuntime, AnAddThatWouldUndoAnotherAttachmentIsRefused) {
  auto net = list(json::array({bridge(host_local())}), "1.0.0");
  std::string ip = client().add(net, rt()).first_address("4");
  EXPECT_THROW(client().add_or_undo(net, rt()), AttachmentInUse);
  RuntimeConf other = rt();
  other.container_id = container_ + "-2";  // another id, the same netns and interface name
  EXPECT_THROW(client().add_or_undo(net, other), AttachmentInUse);
  EXPECT_NE(in_netns("ip -o addr show eth0").find(ip + "/24"), std::string::npos);
  EXPECT_EQ(reserved(), std::vector<std::string>{ip});
  EXPECT_NO_THROW(client().check(net, rt()));
  client().del(net, rt());
  EXPECT_TRUE(reserved().empty());
}

TEST_F(DebianRuntime, GcOfEveryNetworkReleasesWhatAGoneNetnsHeld) {
  std::string net_b = network_ + "b";
  write_list("10-a.conflist",
             {{"cniVersion", "1.0.0"},
              {"name", network_},
              {"plugins", {bridge(host_local_range(subnet_ + ".0/25", subnet_ + ".1"))}}});
  // A bridge of its own: bridge gives one bridge one gateway address.
  json bridge_b = bridge(host_local_range(subnet_ + ".128/25", subnet_ + ".129"));
  bridge_b["bridge"] = bridge_ + "b";
  links_.push_back(bridge_ + "b");
  write_list("20-b.conflist", {{"cniVersion", "1.0.0"}, {"name", net_b}, {"plugins", {bridge_b}}});
  RuntimeConf in_b = rt();
  in_b.container_id = container_ + "-b";
  in_b.netns = add_netns("b");
  client().add(*load_network(conf_dir_, network_), rt());
  client().add(*load_network(conf_dir_, net_b), in_b);
  ASSERT_EQ(reserved().size(), 1u);
  ASSERT_EQ(reserved(net_b).size(), 1u);
  // The second pod went away without a DEL: its address stays reserved until the GC.
  ASSERT_EQ(sh("ip netns del " + netns_name_ + "b").code, 0);
  ASSERT_EQ(reserved(net_b).size(), 1u);

  auto c = client();
  auto done = gc_networks(c, conf_dir_, {});
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].error, "");
  EXPECT_TRUE(done[0].report->deleted.empty());
  EXPECT_EQ(done[1].error, "");
  EXPECT_EQ(done[1].report->deleted, (std::vector<Attachment>{{in_b.container_id, "eth0"}}));
  // Debian's plugins speak up to 1.0.0: no GC verb, only the stale attachments' DEL.
  EXPECT_EQ(done[1].report->skipped, "the network speaks 1.0.0, older than 1.1.0");
  EXPECT_TRUE(reserved(net_b).empty());
  EXPECT_EQ(reserved().size(), 1u);
  EXPECT_NE(in_netns("ip -o link show eth0").find("eth0"), std::string::npos);
  client().del(*load_network(conf_dir_, network_), rt());
  EXPECT_TRUE(reserved().empty());
}

TEST_F(DebianRuntime, ValidateAsksThePluginsThemselves) {
  json portmap{{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}};
  auto c = client();
  auto ok = validate_network(c, list(json::array({bridge(host_local()), portmap}), "1.0.0"),
                             {{"portMappings", json::array()}}, "CAP_ARGS");
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.version, "1.0.0");
  EXPECT_EQ(ok.plugins[1].path, "/usr/lib/cni/portmap");
  auto v110 = validate_network(c, list(json::array({bridge(host_local()), portmap}), "1.1.0"),
                               {{"bandwidth", json::object()}}, "CAP_ARGS");
  EXPECT_FALSE(v110.ok());
  for (const auto& p : v110.plugins) {
    ASSERT_EQ(p.problems.size(), 1u) << p.type;
    EXPECT_EQ(p.problems[0], "supports " + format_versions(p.supported) +
                                 ", not \"1.1.0\" (field \"cniVersion\" of test.conflist)");
    EXPECT_EQ(p.supported.back(), "1.0.0");
  }
  ASSERT_EQ(v110.problems.size(), 1u);
  EXPECT_EQ(v110.problems[0].rfind("capability \"bandwidth\" (asked for in CAP_ARGS) is declared "
                                   "by no plugin (declared: portMappings)",
                                   0),
            0u);
  EXPECT_TRUE(reserved().empty());  // nothing ran but VERSION
}

struct Cli {
  int code;
  std::string out, err;
};

// `minipod cni` with Debian's plugins, as a user runs it.
TEST_F(DebianRuntime, TheCniCommand) {
  write_list("10-net.conflist",
             {{"cniVersion", "1.0.0"}, {"name", network_}, {"plugins", {bridge(host_local())}}});
  json broken_ipam = host_local();
  broken_ipam["type"] = "mpt-no-such-ipam";
  write_list(
      "20-broken.conflist",
      {{"cniVersion", "1.0.0"}, {"name", network_ + "x"}, {"plugins", {bridge(broken_ipam)}}});
  auto minipod = [&](std::vector<std::string> args) {
    minipod::ProcessRequest req;
    req.path = CLI_DRIVER;
    req.argv = {"minipod", "cni", "--cache-dir", tmp_ / "results"};
    req.argv.insert(req.argv.end(), args.begin(), args.end());
    req.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "NETCONFPATH=" + conf_dir_,
               "CNI_PATH=/usr/lib/cni", "MINIPOD_RUN_DIR=" + tmp_ / "run"};
    req.timeout = std::chrono::seconds(60);
    auto r = minipod::run_process(req);
    return Cli{r.exit_code, r.out, r.err};
  };
  std::vector<std::string> id{"--container-id", container_};

  auto add = minipod({"add", network_, netns_name_, id[0], id[1]});
  ASSERT_EQ(add.code, 0) << add.err;
  std::string ip = json::parse(add.out)["ips"][0]["address"];
  EXPECT_EQ(minipod({"validate", network_}).code, 0);

  // Refused, and eth0 survives: the same attachment, and another id in the same netns.
  auto again = minipod({"add", network_, netns_name_, id[0], id[1]});
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("is already attached"), std::string::npos) << again.err;
  auto other = minipod({"add", network_, netns_name_, "--container-id", container_ + "-2"});
  EXPECT_EQ(other.code, 2);
  EXPECT_NE(in_netns("ip -o addr show eth0").find(ip), std::string::npos);

  // A failing ADD on another interface: its undo removes net1, and only net1.
  auto failed =
      minipod({"add", network_ + "x", netns_name_, id[0], id[1], "--ifname", "net1", "-o", "json"});
  EXPECT_EQ(failed.code, 1);
  EXPECT_EQ(failed.err, "");
  json e = json::parse(failed.out);
  EXPECT_EQ(e["code"], 999);
  EXPECT_EQ(e["plugin"], "bridge");
  EXPECT_EQ(e["verb"], "ADD");
  EXPECT_EQ(e["msg"], "failed to find plugin \"mpt-no-such-ipam\" in path [/usr/lib/cni]");
  EXPECT_EQ(in_netns("ip -o link show net1 2>/dev/null"), "");
  EXPECT_NE(in_netns("ip -o addr show eth0").find(ip), std::string::npos);

  // GC of every network keeps the attachment (its netns is alive).
  auto gc = minipod({"gc"});
  EXPECT_EQ(gc.code, 0) << gc.err;
  EXPECT_NE(gc.out.find("network \"" + network_ + "\""), std::string::npos) << gc.out;
  EXPECT_TRUE(cached());
  auto del = minipod({"del", network_, netns_name_, id[0], id[1]});
  EXPECT_EQ(del.code, 0) << del.err;
  EXPECT_TRUE(reserved().empty());
  EXPECT_FALSE(cached());
}

}  // namespace
}  // namespace cni
