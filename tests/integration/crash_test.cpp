// Crash safety: the CLI or the monitor killed at each step of creation and of teardown, or every
// process of a pod killed at once; `minipod gc` then leaves nothing behind. And the runtime under
// load: many pods at once, many run/stop/rm cycles.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <future>
#include <set>
#include <thread>

#include "common/fs.h"
#include "common/subprocess.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

using ::testing::HasSubstr;

std::string pod_yaml(const std::string& name) {
  return R"yaml(
apiVersion: v1
kind: Pod
metadata:
  name: )yaml" +
         name + R"yaml(
spec:
  terminationGracePeriodSeconds: 1
  # Volumes on disk and in memory: a crash at any step leaves them to gc, which removes them.
  volumes:
  - {name: data, emptyDir: {}}
  - {name: mem, emptyDir: {medium: Memory, sizeLimit: 4Mi}}
  containers:
  - name: a
    image: probe
    command: [sh, -c, 'trap "exit 0" TERM; echo x > /data/x; while true; do sleep 0.1; done']
    volumeMounts: [{name: data, mountPath: /data}, {name: mem, mountPath: /mem}]
  - name: b
    image: probe
    command: [probe, sleep, "600"]
)yaml";
}

class CrashSafety : public PodTest {
 protected:
  CommandResult minipod_env(const std::vector<std::string>& args, const std::string& crash_at) {
    return env().minipod(args, std::chrono::seconds(60), {"MINIPOD_TEST_CRASH_AT=" + crash_at});
  }

  void gc_and_expect_clean(const std::string& when) {
    auto gc = env().minipod({"gc"});
    EXPECT_EQ(gc.exit_code, 0) << when << ": " << gc.err;
    // Detached pods that died are kept as Failed records until rm: remove them, then nothing of
    // the pod may be left.
    env().minipod({"rm", "-f", "mpt-pod-crash"});
    auto leaks = env().leaks();
    std::string all;
    for (const auto& l : leaks) all += "\n  " + l;
    EXPECT_TRUE(leaks.empty()) << when << " left:" << all << "\ngc said:\n" << gc.out;
  }
};

TEST_F(CrashSafety, MonitorKilledAtEachCreationStep) {
  auto manifest = manifest_path(pod_yaml("mpt-pod-crash"));
  int crashed = 0;
  for (int step = 1; step < 30; ++step) {
    std::string at = "create:" + std::to_string(step);
    auto r = minipod_env({"run", "-d", manifest}, at);
    if (r.exit_code == 0) break;  // past the last step: the pod came up
    ++crashed;
    EXPECT_EQ(r.exit_code, 1) << at;
    EXPECT_THAT(r.err, HasSubstr("the pod monitor died before the pod was up")) << at;
    gc_and_expect_clean("monitor killed at " + at);
  }
  EXPECT_GE(crashed, 6) << "fewer creation steps than expected";
  gc_and_expect_clean("after the last step");
}

TEST_F(CrashSafety, ForegroundRunKilledAtEachCreationStep) {
  // A pod whose container ends at once, so a run past the last step returns by itself.
  auto manifest = manifest_path(R"yaml(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-crash
spec:
  restartPolicy: Never
  volumes: [{name: mem, emptyDir: {medium: Memory}}]
  containers:
  - name: a
    image: probe
    command: ["true"]
    volumeMounts: [{name: mem, mountPath: /mem}]
)yaml");
  int crashed = 0;
  for (int step = 1; step < 30; ++step) {
    std::string at = "create:" + std::to_string(step);
    auto r = minipod_env({"run", manifest}, at);
    if (r.exit_code != 128 + SIGKILL) {
      EXPECT_EQ(r.exit_code, 0) << r.err;
      break;
    }
    ++crashed;
    gc_and_expect_clean("minipod run killed at " + at);
  }
  EXPECT_GE(crashed, 6);
}

// The monitor killed at each step of its teardown: `minipod stop` used to say success and leave
// the rest of the teardown undone (it never read the record again). It now finishes the teardown
// from the record itself: the pod is Stopped, its netns pin and cgroups gone, before any gc.
TEST_F(CrashSafety, MonitorKilledAtEachTeardownStep) {
  auto manifest = manifest_path(pod_yaml("mpt-pod-crash"));
  int crashed = 0;
  for (int step = 1; step < 30; ++step) {
    std::string at = "teardown:" + std::to_string(step);
    auto up = minipod_env({"run", "-d", manifest}, at);
    ASSERT_EQ(up.exit_code, 0) << at << ": " << up.err;
    auto cgroups = env().wait_running("mpt-pod-crash")["cgroups"];
    auto stop = env().minipod({"stop", "mpt-pod-crash"});
    EXPECT_EQ(stop.exit_code, 0) << at << ": " << stop.err;
    auto state = nlohmann::json::parse(env().minipod({"ps", "-a", "-o", "json"}).out);
    ASSERT_EQ(state.size(), 1u) << at;
    EXPECT_EQ(state[0]["status"], "Stopped") << at;
    // Released by the monitor or, where it died, by stop itself: not left for gc.
    EXPECT_FALSE(std::filesystem::exists("/run/netns/mpt-pod-crash")) << at;
    for (const auto& dir : cgroups)
      EXPECT_FALSE(std::filesystem::exists(dir.get<std::string>())) << at;
    bool monitor_died =
        state[0]["reason"].get<std::string>().find("monitor was gone") != std::string::npos;
    gc_and_expect_clean("monitor killed at " + at);
    if (!monitor_died) break;  // past the last step: the monitor's own teardown completed
    ++crashed;
  }
  EXPECT_GE(crashed, 4) << "fewer teardown steps than expected";
}

TEST_F(CrashSafety, EveryProcessOfAPodKilledAtOnce) {
  auto up = env().minipod({"run", "-d", manifest_path(pod_yaml("mpt-pod-crash"))});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  auto pod = env().wait_running("mpt-pod-crash");
  ASSERT_FALSE(pod.is_null());
  std::vector<pid_t> pids{pod["monitor"]["pid"].get<pid_t>(), pod["pause"]["pid"].get<pid_t>()};
  for (const auto& c : pod["containers"]) pids.push_back(c["pid"].get<pid_t>());
  for (pid_t p : pids) ::kill(p, SIGKILL);
  // Gone once the kernel has torn them down (init reaps them).
  for (int i = 0; i < 200; ++i) {
    bool any = false;
    for (pid_t p : pids)
      any |= ::kill(p, 0) == 0 && std::filesystem::exists("/proc/" + std::to_string(p) + "/exe");
    if (!any) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto ps = env().minipod({"ps", "-a"});
  EXPECT_THAT(ps.out, HasSubstr("Dead"));
  gc_and_expect_clean("every process killed");
}

// pause killed while the pod is being made (held at each later creation step): the pod used to
// show Running forever and a foreground `run` never returned, because the SIGCHLD had been read
// and dropped between two steps. Now creation fails naming pause, and everything is undone.
TEST_F(CrashSafety, PauseDyingDuringCreationIsNoticed) {
  auto manifest = manifest_path(pod_yaml("mpt-pod-crash"));
  for (const char* at : {"create:2", "create:4", "create:5"}) {
    for (bool detached : {false, true}) {
      SCOPED_TRACE(std::string(at) + (detached ? " run -d" : " run"));
      std::vector<std::string> args{"run"};
      if (detached) args.push_back("-d");
      args.push_back(manifest);
      auto run = std::async(std::launch::async, [&] {
        return env().minipod(args, std::chrono::seconds(30),
                             {std::string("MINIPOD_TEST_DELAY_AT=") + at + ":1500"});
      });
      // pause's pid, from the record, while creation is held.
      pid_t pause = 0;
      for (int i = 0; i < 100 && pause == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(env().run_dir() / "pods", ec)) {
          auto text = fs::read_file_if_exists(e.path() / "state.json");
          if (!text) continue;
          auto j = nlohmann::json::parse(*text);
          if (j.contains("pause")) pause = j["pause"].value("pid", 0);
        }
      }
      ASSERT_GT(pause, 0);
      ::kill(pause, SIGKILL);
      auto r = run.get();
      EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
      EXPECT_THAT(r.err, HasSubstr("exited while the pod was being created"));
      gc_and_expect_clean(std::string("pause killed at ") + at);
    }
  }
}

TEST_F(CrashSafety, TwentyPodsAtOnce) {
  constexpr int kPods = 20;
  std::vector<std::future<CommandResult>> runs;
  for (int i = 0; i < kPods; ++i) {
    auto manifest = manifest_path(pod_yaml("mpt-pod-many-" + std::to_string(i)));
    runs.push_back(std::async(std::launch::async, [this, manifest] {
      return env().minipod({"run", "-d", manifest});
    }));
  }
  for (auto& r : runs) {
    auto res = r.get();
    EXPECT_EQ(res.exit_code, 0) << res.err;
  }
  auto pods = nlohmann::json::parse(env().minipod({"ps", "-o", "json"}).out);
  EXPECT_EQ(pods.size(), static_cast<size_t>(kPods));
  std::set<std::string> ips, names;
  for (const auto& p : pods) {
    EXPECT_EQ(p["status"], "Running") << p.dump();
    EXPECT_EQ(p["containers"].size(), 2u);
    for (const auto& c : p["containers"]) EXPECT_EQ(c["status"], "Running");
    if (!p["ips"].empty()) ips.insert(p["ips"][0].get<std::string>());
    names.insert(p["name"].get<std::string>());
    EXPECT_TRUE(std::filesystem::exists("/run/netns/" + p["name"].get<std::string>()));
  }
  EXPECT_EQ(ips.size(), static_cast<size_t>(kPods)) << "addresses must be distinct";
  std::vector<std::future<CommandResult>> removals;
  for (const auto& n : names)
    removals.push_back(std::async(std::launch::async, [this, n] {
      return env().minipod({"rm", "-f", n});
    }));
  for (auto& r : removals) {
    auto res = r.get();
    EXPECT_EQ(res.exit_code, 0) << res.err;
  }
}

TEST_F(CrashSafety, ManyRunStopRmCycles) {
  int cycles = 200;
  if (const char* c = std::getenv("MPT_CYCLES")) cycles = std::atoi(c);
  auto manifest = manifest_path(pod_yaml("mpt-pod-cycle"));
  for (int i = 0; i < cycles; ++i) {
    auto up = env().minipod({"run", "-d", manifest});
    ASSERT_EQ(up.exit_code, 0) << "cycle " << i << ": " << up.err;
    auto stop = env().minipod({"stop", "--grace", "0", "mpt-pod-cycle"});
    ASSERT_EQ(stop.exit_code, 0) << "cycle " << i << ": " << stop.err;
    auto rm = env().minipod({"rm", "mpt-pod-cycle"});
    ASSERT_EQ(rm.exit_code, 0) << "cycle " << i << ": " << rm.err;
  }
}

}  // namespace
}  // namespace minipod::testing
