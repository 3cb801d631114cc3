// A pod's lifecycle where it used to break: `stop` of a foreground pod, `stop` and `rm -f` of one
// pod at once, `run -d` reporting a failed start before its teardown was over, a full run
// directory at `stop`, and logs that nobody ever removed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <future>
#include <thread>

#include "common/fs.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

namespace fsys = std::filesystem;
using ::testing::HasSubstr;

std::string pod_yaml(const std::string& name, const std::string& image = "probe") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
         "\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: c\n    image: " +
         image + "\n    command: [probe, sleep, \"600\"]\n";
}

class Lifecycle : public PodTest {
 protected:
  void TearDown() override {
    env().minipod({"rm", "-f", "mpt-life"});
    PodTest::TearDown();
  }
  // Nothing in the run dir's pods/ (no record-less or half-removed directory either).
  static std::vector<std::string> pod_dirs() {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fsys::directory_iterator(env().run_dir() / "pods", ec))
      out.push_back(e.path().filename().string());
    return out;
  }
};

// `minipod stop` of a pod whose owner is a foreground `minipod run`: the owner removes the pod on
// its way out, and stop used to fail on the lock file that went with it (exit 1).
TEST_F(Lifecycle, StopOfAForegroundPod) {
  auto run = start_pod(pod_yaml("mpt-life"));
  ASSERT_FALSE(env().wait_running("mpt-life").is_null()) << run->err_so_far();
  auto stop = env().minipod({"stop", "mpt-life"});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out, "mpt-life\n");
  ASSERT_TRUE(run->wait(std::chrono::seconds(20)));
  EXPECT_EQ(run->result().exit_code, 128 + SIGTERM) << run->result().err;
  EXPECT_TRUE(pod_dirs().empty());
}

// `stop` and `rm -f` of the same pod at once: misleading lock or rmdir errors, and a record-less
// directory that `ps -a` does not show. Both now succeed and nothing is left.
TEST_F(Lifecycle, StopAndRmAtOnce) {
  auto manifest = manifest_path(pod_yaml("mpt-life"));
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto up = env().minipod({"run", "-d", manifest});
    ASSERT_EQ(up.exit_code, 0) << up.err;
    auto stop = std::async(std::launch::async, [] { return env().minipod({"stop", "mpt-life"}); });
    auto rm = std::async(std::launch::async, [] {
      return env().minipod({"rm", "-f", "mpt-life"});
    });
    auto s = stop.get(), r = rm.get();
    // stop may find the pod gone already (rm was first): that is the one expected complaint.
    if (s.exit_code != 0) {
      EXPECT_THAT(s.err, HasSubstr("no pod named \"mpt-life\"")) << s.err;
    }
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(s.err + r.err, ::testing::Not(HasSubstr("lock")));
    EXPECT_THAT(s.err + r.err, ::testing::Not(HasSubstr("rmdir")));
    EXPECT_EQ(nlohmann::json::parse(env().minipod({"ps", "-a", "-o", "json"}).out).size(), 0u);
    EXPECT_TRUE(pod_dirs().empty()) << ::testing::PrintToString(pod_dirs());
  }
}

// `run -d` of a pod whose first container cannot start: the CLI said "the pod was torn down"
// while the monitor was still tearing it down, so running it again at once failed with "already
// exists". Now the answer comes once the teardown is over, and its logs are gone too.
TEST_F(Lifecycle, DetachedStartFailureIsReportedOnceTornDown) {
  auto rootfs = env().dir() / "rootfs-bad-proc";
  if (!fsys::exists(rootfs)) {
    ASSERT_EQ(host_command({"/bin/cp", "-a", (env().image_dir() / "probe" / "rootfs").string(),
                            rootfs.string()})
                  .exit_code,
              0);
    fsys::remove_all(rootfs / "proc");
    fsys::create_directory_symlink("/", rootfs / "proc");
    ASSERT_EQ(env().minipod({"image", "import", "bad-proc", rootfs.string()}).exit_code, 0);
  }
  auto manifest = manifest_path(pod_yaml("mpt-life", "bad-proc"));
  for (int i = 0; i < 3; ++i) {
    auto r = env().minipod({"run", "-d", manifest});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("mount /proc: /proc is or goes through a symbolic link"));
    EXPECT_THAT(r.err, ::testing::Not(HasSubstr("already exists")));
    EXPECT_TRUE(pod_dirs().empty());
    EXPECT_FALSE(fsys::exists(env().log_dir() / "default_mpt-life"));
  }
}

// A full run directory when the pod stops: the monitor could not write the record and, as the
// exception left, its sandbox undid everything including the record; the stopped pod vanished
// from `ps -a` with its name. Now the teardown goes on, the record stays, and stop says why.
TEST_F(Lifecycle, AFullRunDirectoryAtStopKeepsTheRecord) {
  auto small = env().dir() / "small-run";
  fsys::create_directories(small);
  ASSERT_EQ(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=2m"), 0);
  struct Unmount {
    fsys::path dir;
    ~Unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
  } unmount{small};
  std::vector<std::string> here{"MINIPOD_RUN_DIR=" + small.string()};
  auto ps = [&] {
    return nlohmann::json::parse(
        env().minipod({"ps", "-a", "-o", "json"}, std::chrono::seconds(20), here).out);
  };
  auto up = env().minipod({"run", "-d", manifest_path(pod_yaml("mpt-life"))},
                          std::chrono::seconds(60), here);
  ASSERT_EQ(up.exit_code, 0) << up.err;
  // Fill it.
  host_command({"/bin/dd", "if=/dev/zero", "of=" + (small / "filler").string(), "bs=64k"});
  auto stop = env().minipod({"stop", "mpt-life"}, std::chrono::seconds(60), here);
  EXPECT_NE(stop.exit_code, 0);
  EXPECT_THAT(stop.err, HasSubstr("No space left on device")) << stop.err;
  // The pod's processes are gone, and its record is still there to say so.
  auto listed = ps();
  ASSERT_EQ(listed.size(), 1u) << stop.err;
  EXPECT_FALSE(std::filesystem::exists("/run/netns/mpt-life"));
  // With room again, it is removed as usual.
  fsys::remove(small / "filler");
  auto rm = env().minipod({"rm", "-f", "mpt-life"}, std::chrono::seconds(60), here);
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(ps().size(), 0u);
}

// `minipod stop` of several pods stopped them one after the other, silently: 15 pods whose
// containers ignore SIGTERM took 15 grace periods. They now stop side by side, and stop says what
// it waits for and when the grace period is over.
TEST_F(Lifecycle, StopOfManyPodsRunsTheirGracePeriodsSideBySide) {
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    std::string name = "mpt-life-" + std::to_string(i);
    names.push_back(name);
    auto up = env().minipod(
        {"run", "-d",
         manifest_path("apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
                       "\nspec:\n  terminationGracePeriodSeconds: 2\n  containers:\n  - name: c\n"
                       "    image: probe\n    command: [sh, -c, 'trap \"\" TERM; while :; do sleep "
                       "0.1; done']\n")});
    ASSERT_EQ(up.exit_code, 0) << up.err;
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> args{"stop"};
  args.insert(args.end(), names.begin(), names.end());
  auto stop = env().minipod(args);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out, "mpt-life-0\nmpt-life-1\nmpt-life-2\n");
  for (const auto& n : names) {
    EXPECT_THAT(stop.err, HasSubstr("stopping pod \"" + n +
                                    "\": SIGTERM to its containers, "
                                    "SIGKILL after 2 s"));
    EXPECT_THAT(stop.err, HasSubstr("pod \"" + n + "\": grace period over"));
  }
  // Three grace periods of 2 s end to end would be 6 s.
  EXPECT_LT(took, std::chrono::milliseconds(5000));
  for (const auto& n : names) EXPECT_EQ(env().minipod({"rm", n}).exit_code, 0);
}

// `exec` without -c entered the first container of the record, which is a native sidecar when
// the pod has one. As kubectl: the annotated default container, else the first app container.
TEST_F(Lifecycle, ExecWithoutDashCEntersTheDefaultContainer) {
  auto pod = [](const std::string& annotation) {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: mpt-life\n" + annotation +
           "spec:\n  terminationGracePeriodSeconds: 1\n  initContainers:\n  - name: side\n"
           "    image: probe\n    restartPolicy: Always\n    env: [{name: WHO, value: side}]\n"
           "    command: [probe, sleep, \"600\"]\n  containers:\n  - name: app\n    image: probe\n"
           "    env: [{name: WHO, value: app}]\n    command: [probe, sleep, \"600\"]\n";
  };
  for (auto [annotation, expected] :
       {std::pair{std::string(), "app"},
        std::pair{std::string("  annotations: {kubectl.kubernetes.io/default-container: side}\n"),
                  "side"}}) {
    SCOPED_TRACE(expected);
    ASSERT_EQ(env().minipod({"run", "-d", manifest_path(pod(annotation))}).exit_code, 0);
    ASSERT_FALSE(env().wait_running("mpt-life").is_null());
    auto who = env().minipod({"exec", "mpt-life", "--", "sh", "-c", "echo $WHO"});
    EXPECT_EQ(who.exit_code, 0) << who.err;
    EXPECT_EQ(who.out, std::string(expected) + "\n");
    EXPECT_EQ(env().minipod({"rm", "-f", "mpt-life"}).exit_code, 0);
  }
}

}  // namespace
}  // namespace minipod::testing
