// A CNI DEL that fails (or hangs past the timeout) must not leak the pod's network for good: the
// other plugins still get their DEL, `stop` and `run` say what failed, the record keeps the
// attachment until a DEL succeeds, `rm` refuses to forget it (unless -f, which says what it
// leaves), and `gc` retries it. The failing plugin is the recording fake plugin at the end of the
// chain (bridge + host-local, portmap, fake), failing its DEL while a file of the test exists.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "common/fs.h"
#include "common/subprocess.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kPod = "mpt-pod-held";

std::string pod_yaml(const std::string& command) {
  return R"yaml(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-held
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: probe
    command: [sh, -c, ')yaml" +
         command + R"yaml(']
    ports:
    - containerPort: 8080
      hostPort: 18433
)yaml";
}

class CniDelFailure : public PodTest {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(plugins_);
    if (!std::filesystem::exists(plugins_ / "mpt-flaky"))
      std::filesystem::create_symlink(FAKE_PLUGIN, plugins_ / "mpt-flaky");
    fs::write_file(broken_, "");  // the fake plugin's DEL fails while this file exists
    chains_before_ = cni_nat_chains();
  }
  void TearDown() override {
    // Whatever an assertion left: the DEL works again, gc and rm release it, then the leak check.
    std::filesystem::remove(broken_);
    minipod({"gc"});
    minipod({"rm", "-f", kPod});
    PodTest::TearDown();
    env().write_network();
  }

  // bridge (host-local), portmap, then the fake plugin: its DEL runs first and fails.
  // `add_behaviour`: what its ADD does, whether or not the file exists (default: succeed).
  void write_chain(const nlohmann::json& del_behaviour,
                   const nlohmann::json& add_behaviour = nlohmann::json::object()) {
    nlohmann::json behave = del_behaviour;
    behave["while_exists"] = broken_.string();
    env().write_network(nlohmann::json::array(
        {{{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}},
         {{"type", "mpt-flaky"}, {"behave", {{"DEL", behave}, {"ADD", add_behaviour}}}}}));
  }
  static nlohmann::json failing_del() {
    return {{"error", {{"code", 11}, {"msg", "try again later"}}}};
  }

  // minipod with the fake plugin's directory in front of Debian's plugins.
  CommandResult minipod(const std::vector<std::string>& args,
                        std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    auto argv = env().minipod_args(args);
    auto path = std::find(argv.begin(), argv.end(), "--cni-path");
    if (path != argv.end()) *(path + 1) = plugins_.string() + ":/usr/lib/cni";
    ProcessRequest req;
    req.path = argv[0];
    req.argv = argv;
    req.env = env().environment();
    req.timeout = timeout;
    auto r = run_process(req);
    return CommandResult{r.exit_code, r.out, r.err + (r.timed_out ? "\n[test: timed out]" : "")};
  }

  nlohmann::json ps() {
    auto r = minipod({"ps", "-a", "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  std::filesystem::path cache_entry(const std::string& id) const {
    return env().cache_dir() / (env().network() + "-" + id + "-eth0");
  }
  std::filesystem::path address_file(const std::string& ip) const {
    return env().ipam_dir() / env().network() / ip;
  }
  // Per-container NAT chains of portmap that were not there before the test.
  std::vector<std::string> new_nat_chains() const {
    std::vector<std::string> out;
    for (const auto& c : cni_nat_chains())
      if (std::find(chains_before_.begin(), chains_before_.end(), c) == chains_before_.end())
        out.push_back(c);
    return out;
  }
  bool veths_on_bridge() const {
    auto brif = std::filesystem::path("/sys/class/net") / env().bridge() / "brif";
    return std::filesystem::exists(brif) && !std::filesystem::is_empty(brif);
  }

  std::filesystem::path plugins_ = env().dir() / "flaky-plugins";
  std::filesystem::path broken_ = env().dir() / "del-fails";
  std::vector<std::string> chains_before_;
};

TEST_F(CniDelFailure, StopReportsItRmRefusesGcRetriesUntilReleased) {
  write_chain(failing_del());
  auto run = minipod({"run", "-d", manifest_path(pod_yaml("while true; do sleep 0.1; done"))});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string id = run.out.substr(0, run.out.find('\n'));
  auto state = env().wait_running(kPod);
  ASSERT_FALSE(state.is_null());
  std::string ip = state["ips"].at(0);
  ASSERT_TRUE(std::filesystem::exists(address_file(ip)));
  ASSERT_FALSE(new_nat_chains().empty()) << "portmap made no chain for the hostPort";

  // stop: non-zero, naming the network and the plugin, and who retries.
  auto stop = minipod({"stop", kPod});
  EXPECT_EQ(stop.exit_code, 1) << stop.err;
  EXPECT_THAT(stop.err, HasSubstr("stop pod \"mpt-pod-held\": its containers are stopped, but its "
                                  "network is not released: CNI DEL failed: plugin \"mpt-flaky\" "
                                  "(network \"" +
                                  env().network() + "\"): [code 11] try again later"));
  EXPECT_THAT(stop.err, HasSubstr("'minipod gc' retries the DEL"));
  EXPECT_EQ(stop.out, "");

  // The plugins before the failing one were still DELeted: the address, portmap's chains and
  // the veth are gone. What stays is what a retry needs: the cache entry and the netns pin.
  EXPECT_FALSE(std::filesystem::exists(address_file(ip))) << "host-local's DEL did not run";
  EXPECT_TRUE(new_nat_chains().empty()) << "portmap's DEL did not run";
  EXPECT_FALSE(veths_on_bridge()) << "bridge's DEL did not run";
  EXPECT_TRUE(std::filesystem::exists(cache_entry(id)));
  EXPECT_TRUE(std::filesystem::exists("/run/netns/mpt-pod-held"));

  // The record stays and says so.
  auto pods = ps();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0]["status"], "Stopped");
  EXPECT_EQ(pods[0]["networkNotReleased"], true);
  EXPECT_THAT(pods[0]["networkError"].get<std::string>(), HasSubstr("plugin \"mpt-flaky\""));
  EXPECT_THAT(minipod({"ps", "-a"}).out, HasSubstr("Stopped (network not released)"));
  auto again = minipod({"stop", kPod});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("it had already stopped, but its network is not released"));

  // rm retries the DEL, and keeps the pod while it fails.
  auto rm = minipod({"rm", kPod});
  EXPECT_EQ(rm.exit_code, 1);
  EXPECT_THAT(rm.err, HasSubstr("remove pod \"mpt-pod-held\": its network is not released: CNI "
                                "DEL failed: plugin \"mpt-flaky\""));
  EXPECT_THAT(rm.err, HasSubstr("'minipod rm -f mpt-pod-held' removes the pod anyway"));
  EXPECT_EQ(ps().size(), 1u);

  // gc retries and says it still fails.
  auto gc_failing = minipod({"gc"});
  EXPECT_EQ(gc_failing.exit_code, 1);
  EXPECT_THAT(gc_failing.err, HasSubstr("pod \"mpt-pod-held\" (" + id.substr(0, 12) +
                                        "): the CNI DEL of network \"" + env().network() +
                                        "\" still fails: CNI DEL failed: plugin \"mpt-flaky\""));

  // Once the plugin works again, gc releases it: the pod stays as Stopped until rm.
  std::filesystem::remove(broken_);
  auto gc = minipod({"gc"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_THAT(gc.out, HasSubstr("released network \"" + env().network() +
                                "\" of pod \"mpt-pod-held\" (" + id.substr(0, 12) +
                                "): the CNI DEL succeeded (it had failed: CNI DEL failed: plugin "
                                "\"mpt-flaky\""));
  EXPECT_THAT(gc.out, HasSubstr("the pod is kept as Stopped until 'minipod rm'"));
  EXPECT_FALSE(std::filesystem::exists(cache_entry(id)));
  EXPECT_FALSE(std::filesystem::exists("/run/netns/mpt-pod-held"));
  pods = ps();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0]["status"], "Stopped");
  EXPECT_EQ(pods[0]["networkNotReleased"], false);
  EXPECT_EQ(pods[0]["networkError"], "");
  EXPECT_EQ(minipod({"gc"}).out, "nothing to clean\n");
  auto rm_now = minipod({"rm", kPod});
  EXPECT_EQ(rm_now.exit_code, 0) << rm_now.err;
}

// A plugin that hangs on DEL is killed at the timeout (the one the pod was started with), the
// others still run; a foreground pod's record stays until gc has released the network.
TEST_F(CniDelFailure, ForegroundRunWithAHangingDelKeepsTheRecordUntilGc) {
  write_chain({{"sleep_ms", 30000}});
  auto run = minipod({"run", manifest_path(pod_yaml("true")), "--cni-timeout", "1"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("CNI DEL failed: plugin \"mpt-flaky\" (network \"" +
                                 env().network() + "\"): killed after the 1000 ms timeout"));
  EXPECT_THAT(run.err, HasSubstr("'minipod gc' retries the DEL"));
  auto pods = ps();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0]["status"], "Succeeded");
  EXPECT_EQ(pods[0]["networkNotReleased"], true);
  auto inspect = minipod({"inspect", kPod});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(nlohmann::json::parse(inspect.out)["cni"]["timeoutMs"], 1000);
  for (const auto& f : std::filesystem::directory_iterator(env().ipam_dir() / env().network()))
    EXPECT_EQ(f.path().filename().string().rfind("10.", 0), std::string::npos)
        << "address left: " << f.path();

  // Still hanging: gc gives up at the recorded timeout, not after a minute.
  auto start = std::chrono::steady_clock::now();
  auto gc_failing = minipod({"gc"});
  EXPECT_EQ(gc_failing.exit_code, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_THAT(gc_failing.err, HasSubstr("killed after the 1000 ms timeout"));

  std::filesystem::remove(broken_);
  auto gc = minipod({"gc"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_THAT(gc.out, HasSubstr("of pod \"mpt-pod-held\""));
  EXPECT_THAT(gc.out, HasSubstr(", and removed its record"));
  EXPECT_TRUE(ps().empty());
}

TEST_F(CniDelFailure, RmForceForgetsThePodAndSaysWhatIsLeft) {
  write_chain(failing_del());
  auto run = minipod({"run", "-d", manifest_path(pod_yaml("while true; do sleep 0.1; done"))});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string id = run.out.substr(0, run.out.find('\n'));
  auto state = env().wait_running(kPod);
  ASSERT_FALSE(state.is_null());
  std::string ip = state["ips"].at(0);

  // Running: -f stops it (its DEL fails), retries the DEL once, then forgets the pod anyway.
  auto rm = minipod({"rm", "-f", kPod});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(rm.out, "mpt-pod-held\n");
  EXPECT_THAT(rm.err, HasSubstr("minipod: warning: rm -f mpt-pod-held: removed, but its network "
                                "could not be released; left on the host: the attachment of "
                                "container " +
                                id + " (interface eth0) to network \"" + env().network() +
                                "\" with address " + ip +
                                ", as far as the plugins whose DEL failed hold it (CNI DEL "
                                "failed: plugin \"mpt-flaky\""));
  EXPECT_THAT(rm.err, HasSubstr("; its CNI cache entry " + cache_entry(id).string() +
                                ", which a DEL of it needs"));
  EXPECT_TRUE(ps().empty());
  EXPECT_FALSE(std::filesystem::exists("/run/netns/mpt-pod-held"));
  EXPECT_FALSE(std::filesystem::exists(address_file(ip)));
  // Exactly that is left: the cache entry (the fake plugin holds nothing else). Gone by hand.
  EXPECT_TRUE(std::filesystem::exists(cache_entry(id)));
  std::filesystem::remove(cache_entry(id));
}

// A pod whose CNI ADD fails: the plugin's own error is the first thing the user reads, and what
// undoing the pod could not do (here its DEL fails too, so the attachment stays) comes after it,
// as a warning. Printed the other way round, the cause scrolls away behind the warnings it led to.
TEST_F(CniDelFailure, AFailedAddIsReportedBeforeWhatItsUndoCouldNotDo) {
  nlohmann::json failing_add = {{"error", {{"code", 7}, {"msg", "mpt: no address for this pod"}}}};
  write_chain(failing_del(), failing_add);
  for (bool detached : {false, true}) {
    SCOPED_TRACE(detached ? "run -d" : "run");
    std::vector<std::string> args{"run", manifest_path(pod_yaml("true"))};
    if (detached) args.insert(args.begin() + 1, "-d");
    auto r = minipod(args);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    std::vector<std::string> lines;
    std::istringstream in(r.err);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), 2u) << r.err;
    // First: the ADD's failure, naming the plugin, its network and its message; then what
    // became of the pod.
    EXPECT_THAT(lines[0], ::testing::StartsWith("minipod: "));
    EXPECT_THAT(lines[0],
                HasSubstr("CNI ADD failed: plugin \"mpt-flaky\" (network \"" + env().network() +
                          "\"): [code 7] mpt: no address for this pod"));
    EXPECT_THAT(lines[0],
                HasSubstr("; the pod was torn down, except what the warnings below name"));
    EXPECT_THAT(lines[0], ::testing::Not(HasSubstr("DEL"))) << "the undo's failure came first";
    // Then the undo that failed, what it keeps and who retries it.
    EXPECT_THAT(lines[1], ::testing::StartsWith("minipod: warning: undo CNI DEL of network \"" +
                                                env().network() +
                                                "\": CNI DEL failed: plugin \"mpt-flaky\""));
    EXPECT_THAT(lines[1], HasSubstr("[code 11] try again later; the pod's record is kept with the "
                                    "attachment it still holds, and 'minipod gc' retries the DEL"));
    // Once the plugin's DEL works again, rm releases the attachment and the pod. (rm, not gc:
    // a monitor may hold the pod's lock for a moment after its report, and gc leaves a locked
    // pod alone, where rm waits for it.)
    std::filesystem::remove(broken_);
    auto rm = minipod({"rm", kPod});
    EXPECT_EQ(rm.exit_code, 0) << rm.err;
    EXPECT_TRUE(ps().empty());
    EXPECT_FALSE(std::filesystem::exists("/run/netns/mpt-pod-held"));
    fs::write_file(broken_, "");
  }
}

}  // namespace
}  // namespace minipod::testing
