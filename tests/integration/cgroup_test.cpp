// Resource limits that hold, on whatever cgroup layout the host has (this machine: hybrid):
// a memory limit ends in an OOM kill reported as OOMKilled, the pod's pids limit stops a fork
// bomb while the host stays responsive, a CPU limit throttles, device access is restricted. The
// host side of each limit is read from the cgroup directories the pod record names; they are gone
// after teardown.
#include <gtest/gtest.h>

#include <gmock/gmock.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <sstream>
#include <thread>

#include "common/fs.h"
#include "common/subprocess.h"
#include "runtime/cgroups/device_program.h"
#include "runtime/cgroups/hierarchy.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

namespace fsys = std::filesystem;
using Clock = std::chrono::steady_clock;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

class Cgroups : public PodTest {
 protected:
  // The pod's record once `pred` holds for it (or null after `timeout`).
  nlohmann::json record_when(const std::string& name,
                             const std::function<bool(const nlohmann::json&)>& pred,
                             std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto id = fs::read_file_if_exists(env().run_dir() / "names" / name);
      if (id && !id->empty()) {
        auto text = fs::read_file_if_exists(env().run_dir() / "pods" / *id / "state.json");
        try {
          if (text) {
            auto j = nlohmann::json::parse(*text);
            if (pred(j)) return j;
          }
        } catch (const std::exception&) {
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return nullptr;
  }

  // The pod cgroup directory of one controller ("memory", "cpu", "pids") from the record.
  static std::string pod_dir_of(const nlohmann::json& record, const std::string& controller) {
    for (const auto& d : record.value("cgroups", std::vector<std::string>{})) {
      // v1: /sys/fs/cgroup/<hierarchy>/minipod/<id>, the hierarchy's folder named by its
      // controllers: "memory", or "cpu,cpuacct" when co-mounted (systemd's legacy layout);
      // v2: one directory for all.
      std::istringstream names(fsys::path(d).parent_path().parent_path().filename().string());
      for (std::string name; std::getline(names, name, ',');)
        if (name == controller) return d;
      if (fs::read_file_if_exists(fsys::path(d).parent_path().parent_path() / "cgroup.controllers"))
        return d;
    }
    return "";
  }

  static std::string read_trimmed(const fsys::path& p) {
    auto s = fs::read_file_if_exists(p).value_or("<missing " + p.string() + ">");
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
};

TEST_F(Cgroups, MemoryLimitEndsInOomKilled) {
  auto pod = start_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-cg-oom
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: hog
    image: probe
    command: [probe, memhog, "100"]
    resources: {limits: {memory: 32Mi}}
  - name: witness
    image: probe
    command: [probe, sleep, "4"]
)");
  auto record = record_when("mpt-cg-oom", [](const nlohmann::json& j) {
    for (const auto& c : j.value("containers", nlohmann::json::array()))
      if (c.value("name", "") == "hog" && c.value("status", "") == "exited") return true;
    return false;
  });
  ASSERT_FALSE(record.is_null()) << pod->err_so_far();
  std::string reason;
  for (const auto& c : record["containers"])
    if (c["name"] == "hog") reason = c.value("reason", "");
  EXPECT_EQ(reason, "OOMKilled");  // in the pod's state
  std::string mem = pod_dir_of(record, "memory");
  ASSERT_FALSE(mem.empty()) << record.dump();
  bool v2 = fs::read_file_if_exists(mem + "/hog/memory.max").has_value();
  EXPECT_EQ(read_trimmed(mem + (v2 ? "/hog/memory.max" : "/hog/memory.limit_in_bytes")),
            "33554432");

  ASSERT_TRUE(pod->wait(std::chrono::seconds(30)));
  const auto& r = pod->result();
  EXPECT_THAT(r.err,
              HasSubstr("container \"hog\" was killed by signal KILL (exit code 137) (OOMKilled)"));
  EXPECT_THAT(r.out, Not(HasSubstr("memhog done")));
  EXPECT_EQ(r.exit_code, 137);
  for (const auto& d : record["cgroups"]) EXPECT_FALSE(fsys::exists(d.get<std::string>())) << d;
}

// pause, a container and an `exec`'d process each join their cgroup themselves (cgroups/join.h):
// in every hierarchy the record names, at minipod/<pod id>/<_pause or the container>.
TEST_F(Cgroups, PauseContainersAndExecJoinTheirCgroupInEveryHierarchy) {
  auto pod = start_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-cg-join
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: probe
    command: [sleep, "60"]
)");
  auto state = env().wait_running("mpt-cg-join");
  ASSERT_FALSE(state.is_null()) << pod->err_so_far();
  std::string id = state["id"];
  size_t hierarchies = state["cgroups"].size();
  ASSERT_GT(hierarchies, 0u);
  // The lines of /proc/<pid>/cgroup ("N:controllers:/path") in minipod's tree, which must all be
  // minipod/<id>/<leaf>.
  auto check = [&](const std::string& text, const std::string& leaf, const std::string& who) {
    size_t in_tree = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      std::string path = line.substr(line.find(':', line.find(':') + 1) + 1);
      if (path.rfind("/minipod/", 0) != 0) continue;
      ++in_tree;
      EXPECT_EQ(path, "/minipod/" + id + "/" + leaf) << who << ": " << line;
    }
    EXPECT_EQ(in_tree, hierarchies) << who << ":\n" << text;
  };
  auto proc_cgroup = [](const nlohmann::json& ref) {
    return fs::read_file("/proc/" + std::to_string(ref["pid"].get<int>()) + "/cgroup");
  };
  check(proc_cgroup(state["pause"]), "_pause", "pause");
  check(proc_cgroup(state["containers"][0]), "c", "container c");
  // An exec'd process is in the container's cgroup namespace, rooted at the container's cgroup:
  // "/" in every hierarchy is minipod/<id>/c, and any other cgroup would show as a path.
  auto exec = env().minipod({"exec", "mpt-cg-join", "--", "cat", "/proc/self/cgroup"});
  ASSERT_EQ(exec.exit_code, 0) << exec.err;
  std::istringstream lines(exec.out);
  size_t seen = 0;
  for (std::string line; std::getline(lines, line); ++seen)
    EXPECT_EQ(line.substr(line.rfind(':')), ":/") << "exec in c: " << line;
  EXPECT_GE(seen, hierarchies) << exec.out;
  auto ns_of = [](int pid) {
    return std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/cgroup").string();
  };
  EXPECT_NE(ns_of(state["containers"][0]["pid"].get<int>()), ns_of(::getpid()));

  pod->signal(SIGTERM);
  ASSERT_TRUE(pod->wait(std::chrono::seconds(20)));
}

// Device access: a default container's cgroup2 directory has minipod's device program attached
// (a privileged one's none, nor the pod's: it would bind the privileged containers below it), and
// on a host with a v1 devices hierarchy the allow list is there too. The trace says exactly that.
TEST_F(Cgroups, DefaultContainersGetTheDeviceProgramPrivilegedOnesNone) {
  const auto& h = cgroups::host_hierarchies();
  if (h.unified.empty()) GTEST_SKIP() << "no cgroup2 on this host";
  auto manifest = manifest_path(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-cg-dev
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: probe
    command: [sleep, "60"]
  - name: p
    image: probe
    command: [sleep, "60"]
    securityContext: {privileged: true}
)");
  Background pod(env().minipod_args({"--trace", "run", manifest}), env().environment());
  auto state = env().wait_running("mpt-cg-dev");
  ASSERT_FALSE(state.is_null()) << pod.err_so_far();
  std::string pod_dir, v1_dir;
  for (const auto& d : state["cgroups"]) {
    std::string dir = d.get<std::string>();
    if (dir.rfind(h.unified + "/", 0) == 0) pod_dir = dir;
    if (auto v1 = h.v1.find("devices"); v1 != h.v1.end() && dir.rfind(v1->second + "/", 0) == 0)
      v1_dir = dir;
  }
  ASSERT_FALSE(pod_dir.empty()) << state.dump();
  EXPECT_EQ(cgroups::attached_device_programs(pod_dir + "/c").size(), 1u);
  EXPECT_TRUE(cgroups::attached_device_programs(pod_dir + "/p").empty());
  EXPECT_TRUE(cgroups::attached_device_programs(pod_dir).empty());
  EXPECT_TRUE(cgroups::attached_device_programs(pod_dir + "/_pause").empty());
  if (!v1_dir.empty()) {
    EXPECT_THAT(read_trimmed(v1_dir + "/c/devices.list"), HasSubstr("c 1:3 rwm"));
    EXPECT_EQ(read_trimmed(v1_dir + "/p/devices.list"), "a *:* rwm");
  }

  pod.signal(SIGTERM);
  ASSERT_TRUE(pod.wait(std::chrono::seconds(20)));
  const std::string& err = pod.result().err;
  std::string bpf = "BPF device program (64 instructions) attached to " + pod_dir + "/c";
  EXPECT_THAT(err, HasSubstr(v1_dir.empty()
                                 ? "devices: " + bpf
                                 : "devices: v1 allow list (11 rules) in " + v1_dir + "/c; " + bpf))
      << err;
  EXPECT_THAT(err, HasSubstr("devices: no restriction (privileged)"));
}

TEST_F(Cgroups, ForkBombStopsAtThePodPidsLimitAndTheHostStaysResponsive) {
  auto manifest = manifest_path(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-cg-pids
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: bomb
    image: probe
    command: [sh, -c, "sleep 0.5; probe forkbomb 1000; sleep 1"]
)");

  // While the bomb runs, the host still forks promptly.
  std::atomic<bool> done{false};
  std::chrono::milliseconds worst{0};
  std::string pids_max;
  std::thread watcher([&] {
    while (!done) {
      auto t0 = Clock::now();
      pid_t p = ::fork();
      if (p == 0) ::_exit(0);
      if (p > 0) ::waitpid(p, nullptr, 0);
      worst =
          std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0));
      // Read until the limit is there: the cgroup exists (mkdir) a moment before its limit is
      // written, and it is made in the background while the sandbox is set up.
      if (pids_max != "64\n") {
        auto rec = record_when(
            "mpt-cg-pids", [](const nlohmann::json& j) { return j.contains("cgroups"); },
            std::chrono::milliseconds(50));
        if (!rec.is_null()) {
          std::string dir = pod_dir_of(rec, "pids");
          if (!dir.empty()) {
            auto v = fs::read_file_if_exists(dir + "/pids.max");
            if (v) pids_max = *v;
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  auto r = env().minipod({"run", manifest}, std::chrono::seconds(60), {"MINIPOD_PIDS_LIMIT=64"});
  done = true;
  watcher.join();

  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto out = lines_of(r.out, "bomb");
  ASSERT_EQ(out.size(), 1u) << r.out;
  int forked = 0;
  ASSERT_EQ(std::sscanf(out[0].c_str(), "forked %d of 1000", &forked), 1) << out[0];
  EXPECT_LT(forked, 64) << out[0];  // the pod's limit counts pause, sh and the probe too
  EXPECT_GT(forked, 30) << out[0];
  EXPECT_THAT(out[0], HasSubstr("then EAGAIN"));
  EXPECT_EQ(pids_max, "64\n");
  EXPECT_LT(worst.count(), 1000) << "a host fork took " << worst.count() << " ms";
}

TEST_F(Cgroups, CpuLimitIsAQuotaThatThrottles) {
  auto pod = start_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-cg-cpu
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: spin
    image: probe
    command: [probe, spin, "2"]
    resources: {limits: {cpu: 200m}, requests: {cpu: 100m}}
  - name: idle
    image: probe
    command: [probe, sleep, "30"]
)");
  auto record = record_when("mpt-cg-cpu", [](const nlohmann::json& j) {
    for (const auto& c : j.value("containers", nlohmann::json::array()))
      if (c.value("name", "") == "spin" && c.value("status", "") == "exited") return true;
    return false;
  });
  ASSERT_FALSE(record.is_null()) << pod->err_so_far();
  std::string cpu = pod_dir_of(record, "cpu");
  ASSERT_FALSE(cpu.empty()) << record.dump();
  std::string stat = read_trimmed(cpu + "/spin/cpu.stat");
  if (fs::read_file_if_exists(cpu + "/spin/cpu.max")) {
    EXPECT_EQ(read_trimmed(cpu + "/spin/cpu.max"), "20000 100000");
    EXPECT_EQ(read_trimmed(cpu + "/spin/cpu.weight"), "17");
  } else {
    EXPECT_EQ(read_trimmed(cpu + "/spin/cpu.cfs_quota_us"), "20000");
    EXPECT_EQ(read_trimmed(cpu + "/spin/cpu.cfs_period_us"), "100000");
    EXPECT_EQ(read_trimmed(cpu + "/spin/cpu.shares"), "102");
  }
  long throttled = 0;
  auto pos = stat.find("nr_throttled ");
  ASSERT_NE(pos, std::string::npos) << stat;
  throttled = std::stol(stat.substr(pos + 13));
  EXPECT_GT(throttled, 5) << stat;

  pod->signal(SIGTERM);
  ASSERT_TRUE(pod->wait(std::chrono::seconds(30)));
  auto out = lines_of(pod->result().out, "spin");
  ASSERT_EQ(out.size(), 1u) << pod->result().out;
  long cpu_ms = 0, wall_ms = 0;
  ASSERT_EQ(std::sscanf(out[0].c_str(), "cpu_ms %ld wall_ms %ld", &cpu_ms, &wall_ms), 2) << out[0];
  // 200m over 2 s is 400 ms of CPU; without the quota it would be about 2000.
  EXPECT_LT(cpu_ms, 800) << out[0];
  EXPECT_GT(cpu_ms, 150) << out[0];
}

}  // namespace
}  // namespace minipod::testing
