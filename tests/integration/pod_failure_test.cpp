// What goes wrong is reported in one line, before anything is created when it can be, and every
// failure after that undoes what was done.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "common/fs.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

using ::testing::HasSubstr;

class PodFailure : public PodTest {
 protected:
  void TearDown() override {
    if (IsSkipped()) return;
    PodTest::TearDown();
    env().write_network();
  }
  static bool nothing_created() {
    return std::filesystem::is_empty(env().run_dir() / "pods") &&
           std::filesystem::is_empty(env().cache_dir()) &&
           !std::filesystem::exists("/run/netns/mpt-pod-bad");
  }
};

const char* kPod = R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-bad
spec:
  restartPolicy: Never
  containers:
  - name: first
    image: probe
    command: [true]
  - name: second
    image: %IMAGE%
    command: [%COMMAND%]
)";

std::string pod(const std::string& image, const std::string& command) {
  std::string s = kPod;
  s.replace(s.find("%IMAGE%"), 7, image);
  s.replace(s.find("%COMMAND%"), 9, command);
  return s;
}

// A missing image is pulled (imagePullPolicy Always for an implied :latest); the test's
// registries.conf blocks docker.io, so the pull fails, saying why, before anything is created.
TEST_F(PodFailure, MissingImageIsReportedBeforeAnythingIsCreated) {
  std::filesystem::create_directories(env().run_dir() / "pods");
  auto r = run_pod(pod("bsybox", "sh"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("registry \"docker.io\" is blocked in " +
                               (env().dir() / "registries.conf").string()));
  EXPECT_THAT(r.err, HasSubstr("spec.containers[1].image: pull image bsybox: ErrImagePull: "));
  EXPECT_TRUE(nothing_created());
  // With imagePullPolicy Never, nothing is pulled: the kubelet's ErrImageNeverPull.
  std::string never = pod("bsybox", "sh");
  never.insert(never.find("    command: [sh]"), "    imagePullPolicy: Never\n");
  r = run_pod(never);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("ErrImageNeverPull: container \"second\": image \"bsybox\" is not "
                               "present with pull policy of Never"));
  EXPECT_TRUE(nothing_created());
}

TEST_F(PodFailure, CommandMissingFromTheImageNamesContainerAndCommand) {
  std::filesystem::create_directories(env().run_dir() / "pods");
  auto r = run_pod(pod("probe", "nosuchcommand"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(
      r.err,
      HasSubstr("container \"second\": command \"nosuchcommand\" not found in image \"probe\""));
  EXPECT_TRUE(nothing_created());
}

TEST_F(PodFailure, InvalidFieldNamesItsPath) {
  std::filesystem::create_directories(env().run_dir() / "pods");
  std::string bad = pod("probe", "sh");
  bad.replace(bad.find("name: second"), 12, "name: Second_1");
  auto r = run_pod(bad);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("spec.containers[1].name"));
  EXPECT_TRUE(nothing_created());
}

// --network NAME is the network NAME or an error: never the built-in network in its place, not
// even when the config dir holds nothing.
TEST_F(PodFailure, AnUnknownNetworkIsRefusedBeforeAnythingIsCreated) {
  std::filesystem::create_directories(env().run_dir() / "pods");
  auto r = run_pod(pod("probe", "true"), {"--network", "mpt-nonet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("minipod: --network mpt-nonet: no network \"mpt-nonet\" in " +
                               env().conf_dir().string() + " (found: " + env().network() + ")"));
  EXPECT_TRUE(nothing_created());
  for (const auto& f : std::filesystem::directory_iterator(env().conf_dir()))
    std::filesystem::remove(f.path());
  r = run_pod(pod("probe", "true"), {"--network", "mpt-nonet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("minipod: --network mpt-nonet: no network \"mpt-nonet\" in " +
                               env().conf_dir().string() + " (found: none)"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("built-in network")));
  EXPECT_TRUE(nothing_created());
}

TEST_F(PodFailure, PluginFailureNamesThePluginAndKeepsWhatItCannotUndo) {
  env().write_network(nlohmann::json::array(), "nope");
  auto r = run_pod(pod("probe", "true"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("\"bridge\""));
  EXPECT_THAT(r.err, HasSubstr("failed to find plugin \"nope\""));
  // The bridge's DEL needs its IPAM plugin too, so the half-done ADD cannot be DELeted: like a
  // containerd sandbox, the pod stays, saying so, until a DEL succeeds or it is removed by force.
  EXPECT_THAT(r.err, HasSubstr("minipod: warning: undo CNI DEL of network \"" + env().network() +
                               "\": CNI DEL failed: plugin \"bridge\""));
  EXPECT_THAT(r.err, HasSubstr("the pod's record is kept with the attachment it still holds, and "
                               "'minipod gc' retries the DEL"));
  EXPECT_THAT(env().minipod({"ps", "-a"}).out, HasSubstr("Failed (network not released)"));
  auto rm = env().minipod({"rm", "-f", "mpt-pod-bad"});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_THAT(rm.err, HasSubstr("removed, but its network could not be released; left on the "
                                "host: the attachment of container "));
  // The veth that the half-done ADD left went with the namespace (leak check).
  // The bridge plugin (1.1.1) leaves its bridge with the MAC of that veth, which the kernel zeroes
  // when the veth goes; its next ADD then fails ("could not set bridge's mac: invalid argument").
  // An upstream plugin bug, not minipod's: start the next test with a new bridge.
  host_command({"/usr/sbin/ip", "link", "del", env().bridge()});
}

TEST_F(PodFailure, CtrlCDuringStartupTearsDownCleanly) {
  // A plugin that takes its time: Ctrl-C arrives while it runs; minipod lets it finish, then
  // undoes.
  auto plugins = env().dir() / "slow-plugins";
  std::filesystem::create_directories(plugins);
  fs::write_file(plugins / "slow",
                 "#!/bin/sh\ncat >/dev/null\ntouch \"$MPT_MARK\"\nsleep 1\n"
                 "[ \"$CNI_COMMAND\" = ADD ] && echo '{\"cniVersion\":\"1.0.0\"}'\nexit 0\n",
                 0755);
  env().write_network(nlohmann::json::array({{{"type", "slow"}}}));
  auto mark = env().dir() / "slow-running";
  std::filesystem::remove(mark);
  setenv("MPT_MARK", mark.c_str(), 1);
  auto args = env().minipod_args({"run", manifest_path(pod("probe", "true"))});
  *(std::find(args.begin(), args.end(), "--cni-path") + 1) = plugins.string() + ":/usr/lib/cni";
  Background bg(args, env().environment());
  unsetenv("MPT_MARK");
  for (int i = 0; i < 200 && !std::filesystem::exists(mark); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(std::filesystem::exists(mark)) << bg.err_so_far();
  bg.signal(SIGINT);
  ASSERT_TRUE(bg.wait(std::chrono::seconds(30)));
  EXPECT_EQ(bg.result().exit_code, 128 + SIGINT) << bg.result().err;
  EXPECT_THAT(bg.result().err, HasSubstr("interrupted"));
}

// A pod named like a network namespace someone else pinned (`ip netns add`, another runtime)
// fails to pin its own, and the undo used to unmount and unlink the other owner's pin.
TEST_F(PodFailure, ANetnsNameTakenByAnotherOwnerIsLeftAlone) {
  const std::string name = "mpt-pod-bad";
  ASSERT_EQ(host_command({"/usr/sbin/ip", "netns", "add", name}).exit_code, 0);
  struct Cleanup {
    std::string name;
    ~Cleanup() { host_command({"/usr/sbin/ip", "netns", "del", name}); }
  } cleanup{name};
  auto before =
      host_command({"/usr/sbin/ip", "netns", "exec", name, "readlink", "/proc/self/ns/net"});
  ASSERT_EQ(before.exit_code, 0) << before.err;

  auto r = run_pod(pod("probe", "true"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("/run/netns/" + name + " already exists"));
  // The other owner's namespace is still pinned, the same one.
  auto after =
      host_command({"/usr/sbin/ip", "netns", "exec", name, "readlink", "/proc/self/ns/net"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, before.out);
  // And `minipod gc` finds nothing of the failed pod to take it away either.
  EXPECT_EQ(env().minipod({"gc"}).exit_code, 0);
  EXPECT_EQ(host_command({"/usr/sbin/ip", "netns", "exec", name, "true"}).exit_code, 0);
}

}  // namespace
}  // namespace minipod::testing
