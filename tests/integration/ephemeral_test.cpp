// `minipod debug`: one more container in a running pod (an ephemeral container). It reaches its
// siblings on 127.0.0.1, has its own root filesystem, joins --target's PID namespace, passes its
// exit code and stdin through, and leaves no layer, cgroup or process behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "common/fs.h"
#include "tests/integration/block_device.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

using ::testing::HasSubstr;

class Ephemeral : public PodTest {
 protected:
  void TearDown() override {
    if (IsSkipped()) return;
    env().minipod({"rm", "-f", "mpt-pod-e1"});
    PodTest::TearDown();
  }

  void start_server_pod(const std::string& extra_spec = "") {
    auto r = env().minipod({"run", "-d", manifest_path(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-e1
spec:
  terminationGracePeriodSeconds: 0
)" + extra_spec + R"(
  containers:
  - name: server
    image: probe
    command: [sh, -c, 'echo hello-from-server > /www/index.html; exec httpd -f -p 127.0.0.1:8080 -h /www']
)")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  CommandResult debug(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), "debug");
    return env().minipod(args, std::chrono::seconds(60), {}, input);
  }

  // Nothing of an ephemeral container may outlive its command: no layer directory below the
  // pod's, no cgroup directory below the pod's but pause's and the server's.
  void expect_only_pod_leftovers() {
    auto ps = env().minipod({"inspect", "mpt-pod-e1"});
    ASSERT_EQ(ps.exit_code, 0) << ps.err;
    auto rec = nlohmann::json::parse(ps.out);
    for (const auto& e : std::filesystem::directory_iterator(rec["layersDir"].get<std::string>()))
      EXPECT_EQ(e.path().filename(), "server") << e.path();
    for (const auto& dir : rec["cgroups"]) {
      for (const auto& e : std::filesystem::directory_iterator(dir.get<std::string>())) {
        if (!e.is_directory()) continue;
        EXPECT_THAT(e.path().filename().string(), ::testing::AnyOf("_pause", "server")) << e.path();
      }
    }
  }
};

TEST_F(Ephemeral, ReachesItsSiblingOnLocalhostWithItsOwnRootAndCleansUp) {
  start_server_pod();
  // The server may still be starting: the debug container retries like a real client would.
  auto r = debug({"mpt-pod-e1", "--image", "probe", "--name", "dbg", "--", "sh", "-c",
                  "for i in $(seq 1 100); do wget -q -O - http://127.0.0.1:8080/ && break; "
                  "sleep 0.05; done; hostname; echo dbg-was-here > /www/mark; ls /www"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("hello-from-server"));
  EXPECT_THAT(r.out, HasSubstr("mpt-pod-e1"));  // the pod's hostname (shared UTS namespace)
  // Its own root filesystem: the server's /www has no "mark", the debug one had no index.html.
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("index.html")));
  auto server = env().minipod({"exec", "mpt-pod-e1", "--", "ls", "/www"});
  EXPECT_THAT(server.out, ::testing::Not(HasSubstr("mark")));
  expect_only_pod_leftovers();
  // The same name is free again once it has ended.
  EXPECT_EQ(debug({"mpt-pod-e1", "--image", "probe", "--name", "dbg", "--", "true"}).exit_code, 0);
}

TEST_F(Ephemeral, ExitCodeStdinTargetAndPodSecurity) {
  start_server_pod();
  EXPECT_EQ(debug({"mpt-pod-e1", "--image", "probe", "--", "sh", "-c", "exit 7"}).exit_code, 7);
  auto in = debug({"mpt-pod-e1", "--image", "probe", "-i", "--", "sh", "-c", "read l; echo got-$l"},
                  "abc\n");
  EXPECT_THAT(in.out, HasSubstr("got-abc"));
  // --target: the server's processes are visible (its httpd is PID 1 there).
  auto target =
      debug({"mpt-pod-e1", "--image", "probe", "--target", "server", "--", "ps", "-o", "pid,args"});
  ASSERT_EQ(target.exit_code, 0) << target.err;
  EXPECT_THAT(target.out, ::testing::ContainsRegex("1 httpd -f -p 127.0.0.1:8080"));
  // Without it, a PID namespace of its own.
  auto own = debug({"mpt-pod-e1", "--image", "probe", "--", "ps", "-o", "pid,args"});
  EXPECT_THAT(own.out, ::testing::Not(HasSubstr("httpd")));
  // The runtime's default security: seccomp filter and no_new_privs unset, default capabilities.
  auto sec = debug({"mpt-pod-e1", "--image", "probe", "--", "probe", "seccomp"});
  EXPECT_THAT(sec.out, HasSubstr("Seccomp:\t2"));
  auto mask = debug({"mpt-pod-e1", "--image", "probe", "--", "probe", "read", "/proc/kcore"});
  EXPECT_THAT(mask.out, ::testing::Not(::testing::ContainsRegex("/proc/kcore:[1-9]")));
  // The device allow list of a default container: a node for the host's disk can be made (it has
  // CAP_MKNOD), not read.
  if (auto disk = openable_block_device()) {
    auto dev = debug({"mpt-pod-e1", "--image", "probe", "--", "sh", "-c",
                      "mknod /tmp/disk " + disk->mknod_args() +
                          " && echo made; head -c 16 /tmp/disk >/dev/null && echo read-the-disk;"
                          " echo x > /dev/null && echo null-ok"});
    EXPECT_THAT(dev.out, HasSubstr("made"));
    EXPECT_THAT(dev.out, ::testing::Not(HasSubstr("read-the-disk"))) << disk->name;
    EXPECT_THAT(dev.err, HasSubstr("Operation not permitted"));
    EXPECT_THAT(dev.out, HasSubstr("null-ok"));
  }
  expect_only_pod_leftovers();
}

TEST_F(Ephemeral, RefusesWhatCannotWork) {
  start_server_pod();
  auto taken = debug({"mpt-pod-e1", "--image", "probe", "--name", "server", "--", "true"});
  EXPECT_EQ(taken.exit_code, 2);
  EXPECT_THAT(taken.err, HasSubstr("already has a container \"server\""));
  // Missing, so pulled, from docker.io: which the tests' registries.conf blocks.
  auto no_image = debug({"mpt-pod-e1", "--image", "mpt-no-such-image", "--", "true"});
  EXPECT_EQ(no_image.exit_code, 1);
  EXPECT_THAT(no_image.err, HasSubstr("registry \"docker.io\" is blocked in"));
  EXPECT_THAT(no_image.err, HasSubstr("debug --image: pull image mpt-no-such-image: ErrImagePull"));
  auto no_cmd = debug({"mpt-pod-e1", "--image", "probe", "--", "no-such-cmd"});
  EXPECT_EQ(no_cmd.exit_code, 2);
  EXPECT_THAT(no_cmd.err, HasSubstr("command \"no-such-cmd\" not found in image \"probe\""));
  auto no_target = debug({"mpt-pod-e1", "--image", "probe", "--target", "nope", "--", "true"});
  EXPECT_EQ(no_target.exit_code, 2);
  EXPECT_THAT(no_target.err, HasSubstr("no running container \"nope\""));
  expect_only_pod_leftovers();

  ASSERT_EQ(env().minipod({"stop", "mpt-pod-e1"}).exit_code, 0);
  auto stopped = debug({"mpt-pod-e1", "--image", "probe", "--", "true"});
  EXPECT_EQ(stopped.exit_code, 2);
  EXPECT_THAT(stopped.err, HasSubstr("is not running"));
}

TEST_F(Ephemeral, RemovingThePodEndsARunningEphemeralContainer) {
  start_server_pod();
  auto args = env().minipod_args(
      {"debug", "mpt-pod-e1", "--image", "probe", "--", "sh", "-c", "echo up; sleep 30"});
  Background debug_cmd(args, env().environment());
  for (int i = 0; i < 200 && debug_cmd.out_so_far().find("up") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_THAT(debug_cmd.out_so_far(), HasSubstr("up")) << debug_cmd.err_so_far();
  auto rm = env().minipod({"rm", "-f", "mpt-pod-e1"});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  ASSERT_TRUE(debug_cmd.wait(std::chrono::seconds(10)));
  EXPECT_EQ(debug_cmd.result().exit_code, 137) << debug_cmd.result().err;  // killed with the pod
  // The leak check of TearDown covers the pod, its layers, cgroups and processes.
}

}  // namespace
}  // namespace minipod::testing
