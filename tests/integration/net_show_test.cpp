// `minipod net show` on real pods: what it prints is what the kernel has (the bridge and its
// address, each pod's address, the veth pair between the bridge port and the pod's eth0, the
// routes, portmap's DNAT rule of a hostPort), and a namespace that is not minipod's is marked as
// such. Everything a test makes is removed even when it fails: the pods by `rm -f` in TearDown,
// the namespaces and links made by hand by guards.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "common/fs.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kIp = "/usr/sbin/ip";

class NetShow : public PodTest {
 protected:
  void TearDown() override {
    if (IsSkipped()) return;
    // Whatever a failed assertion left running goes first, so the leak check sees the real state.
    for (const char* pod : {"mpt-pod-ns-a", "mpt-pod-ns-b", "mpt-pod-ns-hp"})
      env().minipod({"rm", "-f", pod});
    PodTest::TearDown();
    env().write_network();  // a test may have added portmap
  }

  // A pod that runs until stopped, detached; returns its record once it is running.
  nlohmann::json start(const std::string& name, const std::string& ports = "") {
    std::string yaml = R"(
apiVersion: v1
kind: Pod
metadata:
  name: )" + name + R"(
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: probe
    command: [sh, -c, "trap 'exit 0' TERM; sleep 600 & wait"]
)" + ports;
    auto r = env().minipod({"run", "-d", manifest_path(yaml)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return env().wait_running(name);
  }

  CommandResult net_show(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"net", "show"};
    args.insert(args.end(), extra.begin(), extra.end());
    return env().minipod(args);
  }
};

// The host end of the veth whose other end is `netns`'s eth0, as the kernel says (not minipod).
std::string host_veth_of(const std::string& netns) {
  auto eth0 =
      nlohmann::json::parse(host_command({kIp, "-n", netns, "-j", "link", "show", "eth0"}).out);
  int peer = eth0.at(0).at("link_index");
  for (const auto& l : nlohmann::json::parse(host_command({kIp, "-j", "link", "show"}).out))
    if (l.at("ifindex") == peer) return l.at("ifname");
  return "";
}

// "port <veth>  <->  pod <pod> eth0", whatever the padding.
bool has_port_line(const std::string& out, const std::string& veth, const std::string& peer) {
  std::regex re("\n  port " + veth + " +<->  " + peer + "\n");
  return std::regex_search(out, re);
}

TEST_F(NetShow, TwoPodsOnOneBridge) {
  auto a = start("mpt-pod-ns-a");
  auto b = start("mpt-pod-ns-b");
  ASSERT_FALSE(a.is_null());
  ASSERT_FALSE(b.is_null());
  std::string bridge = env().bridge();
  std::string gateway = env().subnet_prefix() + "1";

  auto r = net_show();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nbridge " + bridge + "  " + gateway + "/24\n")) << r.out;
  for (const auto& [name, state] :
       {std::pair{std::string("mpt-pod-ns-a"), a}, {"mpt-pod-ns-b", b}}) {
    std::string ip = state["ips"].at(0);
    std::string id = state["id"];
    std::string veth = host_veth_of(name);
    ASSERT_TRUE(veth.starts_with("veth")) << veth;
    EXPECT_THAT(r.out, HasSubstr("\npod " + name + "  minipod pod " + id.substr(0, 12) +
                                 ", network " + env().network() + ", /run/netns/" + name + "\n"))
        << r.out;
    EXPECT_THAT(r.out,
                HasSubstr("\n  eth0  " + ip + "/24  <->  " + veth + " on bridge " + bridge + "\n"))
        << r.out;
    EXPECT_TRUE(has_port_line(r.out, veth, "pod " + name + " eth0")) << veth << "\n" << r.out;
    EXPECT_THAT(r.out, HasSubstr("\n  route default via " + gateway + " dev eth0\n"));
  }
  EXPECT_THAT(r.out, Not(HasSubstr("\nnotes\n"))) << r.out;

  // Drawn: the same facts in DOT and SVG, written where -o says.
  auto dot_file = env().dir() / "net.dot";
  auto dot = net_show({"--format", "dot", "-o", dot_file.string()});
  ASSERT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_THAT(dot.err, HasSubstr("minipod: wrote " + dot_file.string()));
  std::string dot_text = fs::read_file(dot_file);
  EXPECT_THAT(dot_text, HasSubstr("\"if::" + host_veth_of("mpt-pod-ns-a") +
                                  "\" -> \"if:mpt-pod-ns-a:eth0\" [dir=none"));
  auto svg_file = env().dir() / "net.svg";
  auto svg = net_show({"--format", "svg", "-o", svg_file.string()});
  ASSERT_EQ(svg.exit_code, 0) << svg.err;
  std::string svg_text = fs::read_file(svg_file);
  EXPECT_THAT(svg_text, HasSubstr(">pod mpt-pod-ns-b</text>"));
  EXPECT_THAT(svg_text, HasSubstr(">bridge " + bridge + "</text>"));
  EXPECT_THAT(svg_text, HasSubstr(">eth0 " + a["ips"].at(0).get<std::string>() + "/24</text>"));
  std::filesystem::remove(dot_file);
  std::filesystem::remove(svg_file);

  for (const char* pod : {"mpt-pod-ns-a", "mpt-pod-ns-b"}) {
    auto stopped = env().minipod({"stop", pod});
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    env().minipod({"rm", pod});
  }
}

TEST_F(NetShow, AHostPortIsTheDnatRuleOfPortmapCheckedAgainstTheRecord) {
  env().write_network(
      nlohmann::json::array({{{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}}}));
  // Port 18438 rather than 8080: the rule is live on the host while the test runs.
  auto state = start("mpt-pod-ns-hp", R"(    ports:
    - containerPort: 80
      hostPort: 18438
)");
  ASSERT_FALSE(state.is_null());
  std::string ip = state["ips"].at(0);

  auto r = net_show();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nhost ports (portmap's DNAT rules"));
  std::regex rule("\n  hostPort 18438 -> " + std::regex_replace(ip, std::regex("\\."), "\\.") +
                  ":80 +tcp +pod mpt-pod-ns-hp +CNI-DN-[0-9a-f]+\n");
  EXPECT_TRUE(std::regex_search(r.out, rule)) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("\nnotes\n"))) << r.out;

  auto svg = net_show({"--format", "svg"});
  ASSERT_EQ(svg.exit_code, 0) << svg.err;
  EXPECT_THAT(svg.out, HasSubstr(">host :18438/tcp</text>"));
  EXPECT_THAT(svg.out, HasSubstr(">DNAT to " + ip + ":80</text>"));

  auto stopped = env().minipod({"stop", "mpt-pod-ns-hp"});
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  env().minipod({"rm", "mpt-pod-ns-hp"});
}

// A namespace and a veth made by hand, as another runtime would: removed when the test ends,
// whatever happened.
class ForeignNetns {
 public:
  ForeignNetns(const std::string& name, const std::string& veth, const std::string& bridge)
      : name_(name), veth_(veth) {
    host_command({kIp, "netns", "add", name});
    host_command({kIp, "link", "add", veth, "type", "veth", "peer", "name", "eth1", "netns", name});
    host_command({kIp, "link", "set", veth, "master", bridge, "up"});
    host_command({kIp, "-n", name, "addr", "add", "10.232.250.9/24", "dev", "eth1"});
    host_command({kIp, "-n", name, "link", "set", "eth1", "up"});
  }
  ~ForeignNetns() {
    host_command({kIp, "link", "del", veth_});
    host_command({kIp, "netns", "del", name_});
  }
  ForeignNetns(const ForeignNetns&) = delete;
  ForeignNetns& operator=(const ForeignNetns&) = delete;

 private:
  std::string name_, veth_;
};

// A process in a namespace of its own that nobody pinned (as Docker keeps its namespaces
// elsewhere), with a veth from the bridge into it; killed and reaped when the test ends.
class UnpinnedNetns {
 public:
  UnpinnedNetns(const std::string& veth, const std::string& bridge) : veth_(veth) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execl("/usr/bin/unshare", "unshare", "--net", "sleep", "120", nullptr);
      ::_exit(127);
    }
    // unshare execs sleep once its namespace exists: wait for /proc/<pid>/exe to become sleep.
    for (int i = 0; i < 200; ++i) {
      std::error_code ec;
      auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid_) + "/exe", ec);
      if (!ec && exe.filename() == "sleep") break;
      ::usleep(10'000);
    }
    host_command({kIp, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns",
                  std::to_string(pid_)});
    host_command({kIp, "link", "set", veth, "master", bridge, "up"});
  }
  ~UnpinnedNetns() {
    host_command({kIp, "link", "del", veth_});
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  UnpinnedNetns(const UnpinnedNetns&) = delete;
  UnpinnedNetns& operator=(const UnpinnedNetns&) = delete;

 private:
  std::string veth_;
  pid_t pid_ = -1;
};

TEST_F(NetShow, NamespacesThatAreNotMinipodsAreMarked) {
  // The pod makes the suite's bridge (the bridge plugin creates it at the first ADD).
  auto a = start("mpt-pod-ns-a");
  ASSERT_FALSE(a.is_null());
  ForeignNetns foreign("mpt-pod-foreign", "mpt-pod-fv0", env().bridge());
  UnpinnedNetns unpinned("mpt-pod-uv0", env().bridge());

  auto r = net_show();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nnetns mpt-pod-foreign  another runtime's (no minipod pod), "
                               "/run/netns/mpt-pod-foreign\n  eth1  10.232.250.9/24  <->  "
                               "mpt-pod-fv0 on bridge " +
                               env().bridge() + "\n"))
      << r.out;
  EXPECT_TRUE(
      has_port_line(r.out, "mpt-pod-fv0", "netns mpt-pod-foreign \\(another runtime's\\) eth1"))
      << r.out;
  // Only the host's end of the unpinned one is known: its namespace by id, its end by index.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      r.out, m,
      std::regex("\n  port mpt-pod-uv0 +<->  netns nsid ([0-9]+) \\(another runtime's\\) if2\n")))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("\nnetns nsid " + m[1].str() +
                               "  another runtime's (no minipod pod), not pinned under "
                               "/run/netns\n  links not read: only its id is known"));
  // The pod is still minipod's.
  EXPECT_THAT(r.out, HasSubstr("\npod mpt-pod-ns-a  minipod pod "));

  auto svg = net_show({"--format", "svg"});
  ASSERT_EQ(svg.exit_code, 0) << svg.err;
  EXPECT_THAT(svg.out, HasSubstr(">netns mpt-pod-foreign</text>"));
  EXPECT_THAT(svg.out, HasSubstr("class=\"other\""));
}

}  // namespace
}  // namespace minipod::testing
