// The fixture of the tests with Debian 12's plugins (/usr/lib/cni): root only; each test gets a
// netns mpt-cni-<tag>, a bridge mpt-cbr<tag>, a /24 of 10.231.0.0/16, and host-local state, the
// result cache and the network locks in a temporary directory; whatever a test leaves (cached
// attachments, netns, links, iptables chains the plugins make by design) is removed after it.
#pragma once

#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "cni/client.h"
#include "common/subprocess.h"
#include "test_util.h"

namespace cni::test {

using nlohmann::json;

struct Sh {
  int code;
  std::string out;
};

inline Sh sh(const std::string& cmd) {
  minipod::ProcessRequest req;
  req.path = "/bin/sh";
  req.argv = {"sh", "-c", cmd};
  req.env = minipod::current_environment();
  req.timeout = std::chrono::seconds(30);
  auto r = minipod::run_process(req);
  return Sh{r.exit_code, r.out + r.err};
}

inline std::set<std::string> chains(const std::string& tool, const std::string& table) {
  std::set<std::string> out;
  std::istringstream in(sh(tool + " -w -t " + table + " -S 2>/dev/null").out);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("-N ")) out.insert(line.substr(3));
  return out;
}

inline const char* kTables[][2] = {
    {"iptables", "nat"}, {"iptables", "filter"}, {"ip6tables", "nat"}, {"ip6tables", "filter"}};

class DebianPlugins : public ::testing::Test {
 protected:
  static inline std::string saved_forward_;
  static inline std::map<std::string, std::set<std::string>> chains_before_;

  static bool usable() {
    return ::geteuid() == 0 && std::filesystem::exists("/usr/lib/cni/bridge");
  }

  static void SetUpTestSuite() {
    if (!usable()) return;
    saved_forward_ = test::read("/proc/sys/net/ipv4/ip_forward");
    for (auto& t : kTables) chains_before_[std::string(t[0]) + " " + t[1]] = chains(t[0], t[1]);
  }

  // Top-level chains the plugins leave behind by design (portmap's CNI-HOSTPORT-*, firewall's
  // CNI-FORWARD/CNI-ADMIN, and any other CNI-* chain that appeared during the suite): removed
  // when nothing container-specific is left in them. The well-known ones are removed even if an
  // earlier test process left them, since ctest runs every test in its own process.
  static void TearDownTestSuite() {
    if (!usable()) return;
    for (auto& t : kTables) {
      std::string tool = t[0], table = t[1];
      const auto& before = chains_before_[tool + " " + table];
      std::set<std::string> created;
      for (const auto& c : chains(tool, table))
        if (c.starts_with("CNI-HOSTPORT-") || c == "CNI-FORWARD" || c == "CNI-ADMIN" ||
            (c.starts_with("CNI-") && !before.count(c)))
          created.insert(c);
      if (created.empty()) continue;
      std::string rules = sh(tool + " -w -t " + table + " -S").out;
      bool live = false;
      std::istringstream in(rules);
      std::vector<std::string> jumps;
      for (std::string line; std::getline(in, line);) {
        if (!line.starts_with("-A ")) continue;
        std::string chain = line.substr(3, line.find(' ', 3) - 3);
        if (created.count(chain) &&
            (line.find(" -s ") != std::string::npos || line.find(" -d ") != std::string::npos ||
             line.find("CNI-DN-") != std::string::npos))
          live = true;  // someone's attachment still uses them: leave them
        for (const auto& c : created)
          if (!created.count(chain) && line.ends_with("-j " + c)) jumps.push_back(line.substr(3));
      }
      if (live) continue;
      for (const auto& j : jumps) sh(tool + " -w -t " + table + " -D " + j);
      for (const auto& c : created) sh(tool + " -w -t " + table + " -F " + c);
      // nf_tables may still hold a reference from a rule deleted a moment ago (EBUSY): retry.
      for (int attempt = 0; attempt < 20; ++attempt) {
        bool left = false;
        for (const auto& c : created)
          if (sh(tool + " -w -t " + table + " -X " + c + " 2>/dev/null").code != 0 &&
              chains(tool, table).count(c))
            left = true;
        if (!left) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    std::ofstream("/proc/sys/net/ipv4/ip_forward") << saved_forward_;
  }

  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root: creates network namespaces and links, runs Debian's plugins";
    if (!usable()) GTEST_SKIP() << "needs Debian's CNI plugins in /usr/lib/cni";
    static int counter = 0;
    ++counter;
    tag_ = std::to_string(::getpid() % 10000) + "x" + std::to_string(counter);
    netns_name_ = "mpt-cni-" + tag_;
    ASSERT_EQ(sh("ip netns add " + netns_name_).code, 0);
    netns_ = "/run/netns/" + netns_name_;
    subnet_ = "10.231." + std::to_string(100 + counter % 150);
    network_ = "mpt-cni-" + tag_;
    bridge_ = "mpt-cbr" + tag_;
    links_.push_back(bridge_);
  }

  void TearDown() override {
    if (!usable()) return;
    // Undo whatever a failed test left: DEL every cached attachment, then the netns and links.
    for (const auto& a : client().cached_all()) {
      try {
        client().del(parse_network_config(a.config_bytes, "cache"), a.conf);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "cleanup DEL failed: " << e.what();
      }
    }
    sh("ip netns del " + netns_name_ + " 2>/dev/null");
    for (const auto& n : extra_netns_) sh("ip netns del " + n + " 2>/dev/null");
    for (const auto& l : links_) sh("ip link del " + l + " 2>/dev/null");
    EXPECT_EQ(sh("ip netns list | grep -c " + netns_name_).out, "0\n");
    EXPECT_EQ(sh("ip -o link | grep -c -e mpt-c.*" + tag_).out, "0\n");
    EXPECT_EQ(sh("iptables -w -t nat -S | grep -c " + container_).out, "0\n");
  }

  Client client() {
    Options o;
    o.plugin_dirs = {"/usr/lib/cni"};
    o.cache_dir = tmp_ / "results";
    o.lock_dir = tmp_ / "locks";
    o.timeout = std::chrono::seconds(30);
    return Client(o);
  }
  json host_local() {
    return {{"type", "host-local"},
            {"dataDir", tmp_ / "ipam"},
            {"ranges", {{{{"subnet", subnet_ + ".0/24"}, {"gateway", subnet_ + ".1"}}}}},
            {"routes", {{{"dst", "0.0.0.0/0"}}}}};
  }
  json bridge(json ipam) {
    return {{"type", "bridge"},
            {"bridge", bridge_},
            {"isGateway", true},
            {"ipMasq", false},
            {"ipam", std::move(ipam)}};
  }
  NetworkConfigList list(json plugins, const std::string& version, json top = json::object()) {
    top["name"] = network_;
    if (!version.empty()) top["cniVersion"] = version;
    top["plugins"] = std::move(plugins);
    return parse_network_config(top.dump(), "test.conflist");
  }
  RuntimeConf rt(const std::string& ifname = "eth0") {
    RuntimeConf r;
    r.container_id = container_;
    r.netns = netns_;
    r.ifname = ifname;
    r.args = {{"IgnoreUnknown", "1"}, {"K8S_POD_NAME", "mpt"}};
    return r;
  }
  // Another netns of this test (mpt-cni-<tag><suffix>), removed by TearDown; its path.
  std::string add_netns(const std::string& suffix) {
    std::string name = netns_name_ + suffix;
    extra_netns_.push_back(name);
    EXPECT_EQ(sh("ip netns add " + name).code, 0);
    return "/run/netns/" + name;
  }
  // host-local's reservations of a network (this test's by default), without its bookkeeping.
  std::vector<std::string> reserved(const std::string& network = "") {
    std::vector<std::string> out;
    auto dir = tmp_.path() / "ipam" / (network.empty() ? network_ : network);
    if (!std::filesystem::exists(dir)) return out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      std::string n = e.path().filename().string();
      if (n != "lock" && !n.starts_with("last_reserved_ip")) out.push_back(n);
    }
    return out;
  }
  std::string in_netns(const std::string& cmd) {
    return sh("ip netns exec " + netns_name_ + " " + cmd).out;
  }
  bool cached() { return client().cached(network_, container_, "eth0").has_value(); }

  TempDir tmp_;
  std::string tag_, netns_name_, netns_, subnet_, network_, bridge_,
      container_ = "mpt-ctr-" + std::to_string(::getpid());
  std::vector<std::string> links_, extra_netns_;
};

}  // namespace cni::test
