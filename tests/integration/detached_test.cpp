// Pods that outlive the command: run -d, ps, logs, exec, stop, rm, gc; crash safety at every step
// of creation and teardown; many pods at once; many cycles.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <set>
#include <thread>

#include "common/fs.h"
#include "common/subprocess.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

class Detached : public PodTest {
 protected:
  void TearDown() override {
    if (IsSkipped()) return;
    // Whatever a failed assertion left running goes first, so the leak check sees the real state.
    env().minipod({"rm", "-f", "mpt-pod-d1"});
    PodTest::TearDown();
  }

  std::string run_detached(const std::string& yaml, const std::vector<std::string>& extra_args = {},
                           const std::vector<std::string>& extra_env = {}) {
    std::vector<std::string> cmd{"run", "-d", manifest_path(yaml)};
    cmd.insert(cmd.end(), extra_args.begin(), extra_args.end());
    auto r = env().minipod(cmd, std::chrono::seconds(60), extra_env);
    last_err_ = r.err;
    last_code_ = r.exit_code;
    std::string id = r.out;
    while (!id.empty() && id.back() == '\n') id.pop_back();
    return id;
  }

  nlohmann::json ps_json(bool all = true) {
    auto r = env().minipod(all ? std::vector<std::string>{"ps", "-a", "-o", "json"}
                               : std::vector<std::string>{"ps", "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  std::string last_err_;
  int last_code_ = 0;
};

std::string pod_yaml(const std::string& name, const std::string& extra_spec = "") {
  return R"yaml(
apiVersion: v1
kind: Pod
metadata:
  name: )yaml" +
         name + R"yaml(
spec:
  terminationGracePeriodSeconds: 1
)yaml" + extra_spec +
         R"yaml(
  containers:
  - name: ticker
    image: probe
    command: [sh, -c, 'trap "exit 0" TERM; echo "hello from $(hostname)"; echo on-stderr >&2; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done']
  - name: stubborn
    image: probe
    command: [sh, -c, 'trap "" TERM; echo stubborn-up; while true; do sleep 0.1; done']
)yaml";
}

TEST_F(Detached, RunPsLogsExecStopRm) {
  auto start = Clock::now();
  std::string id = run_detached(pod_yaml("mpt-pod-d1"));
  ASSERT_EQ(last_code_, 0) << last_err_;
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{64}"))) << id;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));

  // ps: Running, with an address of the test network, 2/2 containers.
  auto pods = ps_json(false);
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0]["apiVersion"], "minipod/v1");
  EXPECT_EQ(pods[0]["status"], "Running");
  EXPECT_EQ(pods[0]["id"], id);
  for (const auto& c : pods[0]["containers"]) {
    EXPECT_EQ(c["role"], "app") << c.dump();
    EXPECT_TRUE(c["pid"].is_number()) << c.dump();
    EXPECT_TRUE(c["exitCode"].is_null()) << c.dump();
  }
  std::string ip = pods[0]["ips"].at(0);
  EXPECT_EQ(ip.rfind(env().subnet_prefix(), 0), 0u);
  auto table = env().minipod({"ps"});
  EXPECT_THAT(table.out, HasSubstr("mpt-pod-d1"));
  EXPECT_THAT(table.out, HasSubstr("Running"));
  EXPECT_THAT(table.out, HasSubstr("2/2"));

  // logs: each container's output; stderr lines on stderr.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto logs = env().minipod({"logs", "mpt-pod-d1", "-c", "ticker"});
  EXPECT_THAT(logs.out, HasSubstr("hello from mpt-pod-d1\ntick 1\n"));
  EXPECT_THAT(logs.err, HasSubstr("on-stderr"));
  auto stubborn = env().minipod({"logs", "mpt-pod-d1", "-c", "stubborn", "--timestamps"});
  EXPECT_TRUE(
      std::regex_search(stubborn.out, std::regex(R"(\d{4}-\d\d-\d\dT[\d:.]+Z stubborn-up)")))
      << stubborn.out;
  auto tail = env().minipod({"logs", "mpt-pod-d1", "-c", "ticker", "--tail", "2"});
  EXPECT_EQ(std::count(tail.out.begin(), tail.out.end(), '\n'), 2) << tail.out;

  // logs -f follows new output.
  Background follow(env().minipod_args({"logs", "-f", "mpt-pod-d1", "-c", "ticker"}),
                    env().environment());
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  std::string early = follow.out_so_far();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_GT(follow.out_so_far().size(), early.size()) << "logs -f printed nothing new";

  // exec: inside the container: its hostname, the pod IP, its own root filesystem.
  auto ex =
      env().minipod({"exec", "mpt-pod-d1", "-c", "ticker", "--", "sh", "-c",
                     "hostname; ip -4 -o addr show eth0; echo x > /tmp/exec-was-here; probe pid"});
  EXPECT_EQ(ex.exit_code, 0) << ex.err;
  EXPECT_THAT(ex.out, HasSubstr("mpt-pod-d1\n"));
  EXPECT_THAT(ex.out, HasSubstr(ip + "/24"));
  EXPECT_FALSE(std::filesystem::exists("/tmp/exec-was-here"));
  // ... with the container's capabilities, seccomp filter and cgroup.
  auto sec =
      env().minipod({"exec", "mpt-pod-d1", "-c", "ticker", "--", "sh", "-c",
                     "grep -E '^(CapEff|Seccomp):' /proc/self/status; cat /proc/self/cgroup"});
  EXPECT_THAT(sec.out, HasSubstr("CapEff:\t00000000a80425fb"));
  EXPECT_THAT(sec.out, HasSubstr("Seccomp:\t2"));
  // Its cgroup namespace is the container's, rooted at minipod/<id>/ticker: "/" everywhere.
  EXPECT_THAT(sec.out, HasSubstr("\n0::/\n"));
  EXPECT_THAT(sec.out, Not(HasSubstr("/minipod/")));
  auto code = env().minipod({"exec", "mpt-pod-d1", "--", "sh", "-c", "exit 7"});
  EXPECT_EQ(code.exit_code, 7);
  auto missing = env().minipod({"exec", "mpt-pod-d1", "--", "no-such-cmd"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("command \"no-such-cmd\" not found"));

  // A second pod with the same name is refused.
  run_detached(pod_yaml("mpt-pod-d1"));
  EXPECT_EQ(last_code_, 2);
  EXPECT_THAT(last_err_, HasSubstr("a pod named \"mpt-pod-d1\" already exists"));

  // stop: SIGTERM, the grace period (1 s), then SIGKILL for the container that ignores SIGTERM.
  auto before = Clock::now();
  auto stop = env().minipod({"stop", "mpt-pod-d1"});
  auto took = Clock::now() - before;
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::seconds(10));
  ASSERT_TRUE(follow.wait(std::chrono::seconds(5))) << "logs -f did not end with the pod";
  auto after = ps_json();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0]["status"], "Stopped");
  for (const auto& c : after[0]["containers"]) {
    int want = c["name"] == "ticker" ? 0 : 128 + SIGKILL;
    EXPECT_EQ(c["exitCode"], want) << c.dump();
  }
  EXPECT_FALSE(std::filesystem::exists("/run/netns/mpt-pod-d1"));
  auto dead_exec = env().minipod({"exec", "mpt-pod-d1", "--", "true"});
  EXPECT_EQ(dead_exec.exit_code, 2);
  EXPECT_THAT(dead_exec.err, HasSubstr("is not running: it exited with code 0 (Completed)"));
  // Logs stay readable until rm.
  EXPECT_THAT(env().minipod({"logs", "mpt-pod-d1", "-c", "ticker"}).out, HasSubstr("hello from"));

  auto rm = env().minipod({"rm", "mpt-pod-d1"});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_TRUE(ps_json().empty());
  EXPECT_FALSE(std::filesystem::exists(env().log_dir() / "default_mpt-pod-d1"));
}

// What a script reads (docs/json.md): `ps -o json` and `inspect` of a running pod parse, say
// apiVersion minipod/v1, the pod's address (the one its containers see), and each container with
// its role and state; after `stop`, the exit codes. Never the record's own fields.
TEST_F(Detached, PsAndInspectPrintTheDocumentedJson) {
  std::string id = run_detached(pod_yaml("mpt-pod-d1", R"yaml(  initContainers:
  - name: setup
    image: probe
    command: [sh, -c, 'echo set up']
)yaml"));
  ASSERT_EQ(last_code_, 0) << last_err_;
  // `run -d` returns once the init container has started; the app containers follow when it is
  // done.
  auto apps_running = [](const nlohmann::json& pods) {
    return pods.size() == 1 && pods[0]["containers"].size() == 3 &&
           pods[0]["containers"][1]["status"] == "Running" &&
           pods[0]["containers"][2]["status"] == "Running";
  };
  for (auto deadline = Clock::now() + std::chrono::seconds(20);
       !apps_running(ps_json(false)) && Clock::now() < deadline;)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // The address as the pod's containers see it: "2: eth0    inet 10.232.7.2/24 brd ...".
  auto in_pod = env().minipod(
      {"exec", "mpt-pod-d1", "-c", "ticker", "--", "ip", "-4", "-o", "addr", "show", "eth0"});
  ASSERT_EQ(in_pod.exit_code, 0) << in_pod.err;
  auto inet = in_pod.out.find("inet ");
  ASSERT_NE(inet, std::string::npos) << in_pod.out;
  std::string ip = in_pod.out.substr(inet + 5, in_pod.out.find('/', inet) - inet - 5);
  ASSERT_EQ(ip.rfind(env().subnet_prefix(), 0), 0u) << in_pod.out;

  auto ps = env().minipod({"ps", "-o", "json"});
  ASSERT_EQ(ps.exit_code, 0) << ps.err;
  auto pods = nlohmann::json::parse(ps.out);  // throws, failing the test, if it is not JSON
  ASSERT_TRUE(pods.is_array()) << ps.out;
  ASSERT_EQ(pods.size(), 1u) << ps.out;
  const auto& pod = pods[0];
  EXPECT_EQ(pod["apiVersion"], "minipod/v1");
  EXPECT_EQ(pod["kind"], "Pod");
  EXPECT_EQ(pod["name"], "mpt-pod-d1");
  EXPECT_EQ(pod["namespace"], "default");
  EXPECT_EQ(pod["id"], id);
  EXPECT_EQ(pod["status"], "Running");
  EXPECT_EQ(pod["networkNotReleased"], false);
  EXPECT_EQ(pod["network"], env().network());
  EXPECT_EQ(pod["netns"], "/run/netns/mpt-pod-d1");
  EXPECT_EQ(pod["hostNetwork"], false);
  EXPECT_EQ(pod["ip"], ip);
  EXPECT_EQ(pod["ips"], nlohmann::json::array({ip}));
  ASSERT_EQ(pod["containers"].size(), 3u) << pod.dump(2);
  const auto& setup = pod["containers"][0];
  EXPECT_EQ(setup["name"], "setup");
  EXPECT_EQ(setup["role"], "init");
  EXPECT_EQ(setup["status"], "Exited");
  EXPECT_EQ(setup["exitCode"], 0);
  EXPECT_EQ(setup["reason"], "Completed");
  EXPECT_TRUE(setup["pid"].is_null()) << setup.dump();
  for (int i : {1, 2}) {
    const auto& c = pod["containers"][i];
    EXPECT_EQ(c["name"], i == 1 ? "ticker" : "stubborn");
    EXPECT_EQ(c["role"], "app");
    EXPECT_EQ(c["status"], "Running");
    EXPECT_TRUE(c["exitCode"].is_null()) << c.dump();
    EXPECT_EQ(c["restarts"], 0);
    ASSERT_TRUE(c["pid"].is_number()) << c.dump();
    EXPECT_TRUE(std::filesystem::exists("/proc/" + std::to_string(c["pid"].get<int>())));
  }
  auto table = env().minipod({"ps", "--containers"});
  EXPECT_THAT(table.out, HasSubstr("setup"));
  EXPECT_THAT(table.out, HasSubstr("Exited"));
  EXPECT_THAT(table.out, HasSubstr("Running"));

  // inspect: the same fields, and where to look further.
  auto inspect = env().minipod({"inspect", "mpt-pod-d1"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  auto details = nlohmann::json::parse(inspect.out);
  for (const auto& [field, value] : pod.items()) {
    if (field == "containers") continue;
    EXPECT_EQ(details[field], value) << field;
  }
  EXPECT_EQ(details["spec"]["metadata"]["name"], "mpt-pod-d1");
  EXPECT_EQ(details["gracePeriodSeconds"], 1);
  EXPECT_EQ(details["monitor"]["alive"], true);
  EXPECT_EQ(details["pause"]["alive"], true);
  EXPECT_TRUE(std::filesystem::exists(details["monitorLog"].get<std::string>()));
  EXPECT_EQ(details["logDir"], (env().log_dir() / "default_mpt-pod-d1").string());
  EXPECT_TRUE(std::filesystem::exists(details["containers"][1]["logDir"].get<std::string>()));
  EXPECT_EQ(details["cni"]["network"], env().network());
  EXPECT_EQ(details["cni"]["ifname"], "eth0");
  EXPECT_TRUE(std::filesystem::exists(details["cni"]["cacheFile"].get<std::string>()));
  EXPECT_EQ(details["cni"]["result"]["ips"][0]["address"], ip + "/24");

  auto stop = env().minipod({"stop", "mpt-pod-d1"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  auto after = ps_json();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0]["status"], "Stopped");
  for (const auto& c : after[0]["containers"]) {
    EXPECT_EQ(c["status"], "Exited") << c.dump();
    EXPECT_TRUE(c["exitCode"].is_number()) << c.dump();
    EXPECT_TRUE(c["pid"].is_null()) << c.dump();
  }
  EXPECT_EQ(env().minipod({"rm", "mpt-pod-d1"}).exit_code, 0);
}

TEST_F(Detached, ExecWithATerminal) {
  run_detached(pod_yaml("mpt-pod-d1"));
  ASSERT_EQ(last_code_, 0) << last_err_;
  int master = -1, slave = -1;
  winsize ws{};
  ws.ws_row = 33;
  ws.ws_col = 101;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, &ws), 0);
  auto args = env().minipod_args({"exec", "-it", "mpt-pod-d1", "-c", "ticker", "--", "sh"});
  auto envv = env().environment();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    ::ioctl(slave, TIOCSCTTY, 0);
    ::dup2(slave, 0);
    ::dup2(slave, 1);
    ::dup2(slave, 2);
    std::vector<char*> a, e;
    for (auto& s : args) a.push_back(s.data());
    a.push_back(nullptr);
    for (auto& s : envv) e.push_back(s.data());
    e.push_back(nullptr);
    ::execve(a[0], a.data(), e.data());
    ::_exit(127);
  }
  ::close(slave);
  std::string typed = "tty; stty size; echo term=$TERM; exit 5\n";
  ASSERT_EQ(::write(master, typed.data(), typed.size()), static_cast<ssize_t>(typed.size()));
  std::string seen;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[1024];
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 5) << seen;
  EXPECT_THAT(seen, HasSubstr("/dev/pts/0"));
  EXPECT_THAT(seen, HasSubstr("33 101"));  // the window size reached the container's terminal
  // A terminal type, as docker exec -t gives (the caller's, else xterm).
  EXPECT_TRUE(std::regex_search(seen, std::regex("term=[a-z0-9-]+"))) << seen;
}

TEST_F(Detached, UnknownPodListsCloseNames) {
  run_detached(pod_yaml("mpt-pod-d1"));
  ASSERT_EQ(last_code_, 0) << last_err_;
  auto r = env().minipod({"logs", "mpt-pod-d2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no pod named \"mpt-pod-d2\""));
  EXPECT_THAT(r.err, HasSubstr("did you mean \"mpt-pod-d1\"?"));
  auto rm = env().minipod({"rm", "mpt-pod-d1"});
  EXPECT_EQ(rm.exit_code, 2);
  EXPECT_THAT(rm.err, HasSubstr("still running"));
}

TEST_F(Detached, MonitorFdsStayFlatAcrossRestarts) {
  std::string id = run_detached(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-d1
spec:
  restartPolicy: Always
  containers:
  - name: flapper
    image: probe
    command: [sh, -c, "echo once; exit 1"]
)",
                                {"--restart-backoff", "0.01"});
  ASSERT_EQ(last_code_, 0) << last_err_;
  // The back-off doubles from 10 ms: 9 restarts take about 5 s.
  auto state = env().wait_running("mpt-pod-d1");
  ASSERT_FALSE(state.is_null());
  pid_t monitor = state["monitor"]["pid"];
  auto fds = [&] {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e :
         std::filesystem::directory_iterator("/proc/" + std::to_string(monitor) + "/fd"))
      ++n;
    return n;
  };
  auto restarts = [&] {
    auto r = env().minipod({"inspect", id});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out)["containers"][0]["restarts"].get<int>();
  };
  auto wait_restarts = [&](int n) {
    auto deadline = Clock::now() + std::chrono::seconds(20);
    while (restarts() < n && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return restarts() >= n;
  };
  ASSERT_TRUE(wait_restarts(3));
  size_t early = fds();
  ASSERT_TRUE(wait_restarts(9));
  EXPECT_EQ(fds(), early);
}

}  // namespace
}  // namespace minipod::testing
