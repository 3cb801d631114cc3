// The streams of `minipod exec` (without -t) and `minipod debug`: the process in the container
// gets pipes of minipod's, never the caller's descriptors, which any process of the container
// could reopen through /proc/<pid>/fd (the caller's output file, its terminal). Output still
// arrives, stdin and its end are forwarded with -i, stop signals are forwarded, the exit code
// passes through, and a reader that goes away (`| head -1`) does not kill minipod.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "common/fd.h"
#include "common/fs.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

constexpr const char* kPod = R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-s1
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: probe
    command: [sh, -c, 'trap "exit 0" TERM; while true; do sleep 0.1; done']
)";

// The attack, run as the process minipod starts in the container: list what its descriptors are,
// then try to read back, through /proc, whatever its stdin, stdout and stderr are. A file it opened
// itself is read back the same way first, to show that the reading works. What it reads is
// printed with a "stolen-N: " prefix.
constexpr const char* kAttack = R"sh(
echo normal-output
echo normal-error >&2
for f in /proc/$$/fd/*; do echo "fd ${f##*/} -> $(readlink $f)"; done
exec 7</etc/hostname
timeout 1 cat /proc/$$/fd/7 | sed 's/^/control: /'
exec 7<&-
sleep 1
for n in 0 1 2; do (timeout 1 cat /proc/$$/fd/$n | sed "s/^/stolen-$n: /") 2>/dev/null; done
exit 3
)sh";

std::string random_tag() {
  std::random_device rd;
  std::ostringstream s;
  s << std::hex << rd() << rd();
  return s.str();
}

// The lines "fd N -> TARGET" a container printed, by N ("[name] " prefixes allowed).
std::map<int, std::string> descriptors_in(const std::string& output) {
  std::map<int, std::string> fds;
  std::regex line(R"(fd (\d+) -> (.*)$)");
  std::istringstream lines(output);
  for (std::string l; std::getline(lines, l);) {
    std::smatch m;
    if (std::regex_search(l, m, line)) fds[std::stoi(m[1])] = m[2];
  }
  return fds;
}

class Stdio : public PodTest {
 protected:
  void SetUp() override {
    auto r = env().minipod({"run", "-d", manifest_path(kPod)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void TearDown() override {
    env().minipod({"rm", "-f", "mpt-pod-s1"});
    env().minipod({"rm", "-f", "mpt-pod-s2"});
    PodTest::TearDown();
  }

  // Starts minipod with `in`, `out`, `err` as its stdin, stdout and stderr, as a shell's
  // redirections would; `setup` runs in the child first (e.g. to take a controlling terminal).
  pid_t spawn(const std::vector<std::string>& args, int in, int out, int err,
              void (*setup)(int) = nullptr, int setup_arg = -1) {
    auto argv = env().minipod_args(args);
    auto envv = env().environment();
    std::vector<char*> a, e;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    for (auto& s : envv) e.push_back(s.data());
    e.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      if (setup != nullptr) setup(setup_arg);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::signal(SIGPIPE, SIG_DFL);
      ::execve(a[0], a.data(), e.data());
      ::_exit(127);
    }
    return pid;
  }

  // Waits for `pid` up to `timeout`; the wait status, or -1 (and the process is killed).
  static int wait_for(pid_t pid, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    int status = 0;
    while (Clock::now() < deadline) {
      if (::waitpid(pid, &status, WNOHANG) == pid) return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -1;
  }

  // Runs the attack through `verb` (exec or debug) with stdout and stderr redirected to host
  // files that already hold a secret, and stdin from another one; checks that no secret reached
  // the container and that every descriptor it held was a pipe or its own /dev/null. `want_stdin`
  // is what its fd 0 must be (a regex).
  void expect_caller_files_stay_outside(const std::vector<std::string>& verb,
                                        const std::string& want_stdin) {
    std::string tag = random_tag();
    std::string secret_out = "mpt-canary-out-" + tag, secret_err = "mpt-canary-err-" + tag,
                secret_in = "mpt-canary-in-" + tag;
    auto out_path = env().write_file("stdio-out-" + tag, secret_out + "\n");
    auto err_path = env().write_file("stdio-err-" + tag, secret_err + "\n");
    auto in_path = env().write_file("stdio-in-" + tag, secret_in + "\n");
    // `>>`: the secrets stay in the files, so a process that can reopen them can read them.
    UniqueFd out(::open(out_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    UniqueFd err(::open(err_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    UniqueFd in(::open(in_path.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(out && err && in);

    auto args = verb;
    for (const char* a : {"--", "sh", "-c", kAttack}) args.push_back(a);
    int status = wait_for(spawn(args, in.get(), out.get(), err.get()), std::chrono::seconds(60));
    std::string got_out = fs::read_file(out_path), got_err = fs::read_file(err_path);
    ASSERT_TRUE(status != -1 && WIFEXITED(status)) << "status " << status << "\n" << got_err;
    EXPECT_EQ(WEXITSTATUS(status), 3) << got_err;  // the exit code passes through

    // The normal output arrived, after what the files held.
    EXPECT_EQ(got_out.rfind(secret_out + "\n", 0), 0u) << got_out;
    EXPECT_THAT(got_out, HasSubstr("\nnormal-output\n"));
    EXPECT_EQ(got_err.rfind(secret_err + "\n", 0), 0u) << got_err;
    EXPECT_THAT(got_err, HasSubstr("\nnormal-error\n"));
    // Reading back through /proc works in this container (its own file)...
    EXPECT_THAT(got_out, HasSubstr("control: mpt-pod-s1\n"));
    // ... yet none of the caller's files was reached: each secret is only where the caller put
    // it. (What was read back, if anything, is the container's own output: "stolen-N: ...".)
    std::string all = got_out + got_err;
    auto times = [&](const std::string& what) {
      size_t n = 0;
      for (size_t at = all.find(what); at != std::string::npos; at = all.find(what, at + 1)) ++n;
      return n;
    };
    EXPECT_EQ(times(secret_out), 1u) << all;
    EXPECT_EQ(times(secret_err), 1u) << all;
    EXPECT_EQ(times(secret_in), 0u) << all;

    // Every descriptor was a pipe of minipod's or the container's /dev/null.
    auto fds = descriptors_in(got_out);
    ASSERT_TRUE(fds.count(0) && fds.count(1) && fds.count(2)) << got_out;
    EXPECT_THAT(fds[0], ::testing::MatchesRegex(want_stdin));
    EXPECT_THAT(fds[1], ::testing::MatchesRegex(R"(pipe:\[[0-9]+\])"));
    EXPECT_THAT(fds[2], ::testing::MatchesRegex(R"(pipe:\[[0-9]+\])"));
    for (const auto& [fd, target] : fds) {
      EXPECT_THAT(target, ::testing::MatchesRegex(R"(pipe:\[[0-9]+\]|/dev/null)")) << "fd " << fd;
      EXPECT_THAT(target, Not(HasSubstr(env().dir().string()))) << "fd " << fd;
    }
  }

  // What a pod's container printed about its descriptors: stdout and stderr are minipod's pipes
  // (to the log), and none is a file of the caller's (all below the test's dir) or a terminal.
  // Its stdin is the container's own /dev/null: the host's node (which readlink shows as "/null"
  // from inside) would let the pod chmod it on the host.
  void expect_no_caller_descriptors(const std::string& output) {
    auto fds = descriptors_in(output);
    ASSERT_TRUE(fds.count(0) && fds.count(1) && fds.count(2)) << output;
    EXPECT_EQ(fds[0], "/dev/null");
    EXPECT_THAT(fds[1], ::testing::MatchesRegex(R"(pipe:\[[0-9]+\])"));
    EXPECT_THAT(fds[2], ::testing::MatchesRegex(R"(pipe:\[[0-9]+\])"));
    for (const auto& [fd, target] : fds) {
      EXPECT_THAT(target, Not(HasSubstr(env().dir().string()))) << "fd " << fd;
      EXPECT_THAT(target, Not(HasSubstr("/dev/pts"))) << "fd " << fd;
    }
  }

  std::vector<std::string> exec_args(std::vector<std::string> rest) {
    rest.insert(rest.begin(), {"exec", "mpt-pod-s1"});
    return rest;
  }
  std::vector<std::string> debug_args(std::vector<std::string> rest) {
    rest.insert(rest.begin(), {"debug", "mpt-pod-s1", "--image", "probe"});
    return rest;
  }
};

TEST_F(Stdio, ExecWithoutATerminalGivesTheContainerPipesNotTheCallersFiles) {
  expect_caller_files_stay_outside({"exec", "mpt-pod-s1"}, "/dev/null");
}

TEST_F(Stdio, DebugGivesTheContainerPipesNotTheCallersFiles) {
  // Without -i its stdin is the container's own /dev/null.
  expect_caller_files_stay_outside({"debug", "mpt-pod-s1", "--image", "probe"}, "/dev/null");
}

TEST_F(Stdio, StdinWithDashIAndItsEnd) {
  for (bool debug : {false, true}) {
    auto with = [&](std::vector<std::string> rest) {
      return debug ? debug_args(std::move(rest)) : exec_args(std::move(rest));
    };
    SCOPED_TRACE(debug ? "debug" : "exec");
    // `echo hi | minipod exec -i pod -- cat`: the end of our stdin ends cat.
    auto cat = env().minipod(with({"-i", "--", "cat"}), std::chrono::seconds(20), {}, "hi\n");
    EXPECT_EQ(cat.exit_code, 0) << cat.err;
    EXPECT_EQ(cat.out, "hi\n");
    // More than a pipe holds, while the process also writes: nothing is lost, nothing blocks.
    std::string big(3 << 20, 'x');
    auto wc = env().minipod(with({"-i", "--", "sh", "-c", "tee /dev/stderr | wc -c"}),
                            std::chrono::seconds(30), {}, big);
    EXPECT_EQ(wc.exit_code, 0) << wc.err.substr(0, 200);
    EXPECT_THAT(wc.out, HasSubstr(std::to_string(big.size())));
    EXPECT_EQ(wc.err.size(), big.size());
    // Without -i the process reads the container's /dev/null: our stdin stays ours.
    auto none = env().minipod(with({"--", "cat"}), std::chrono::seconds(20), {}, "secret\n");
    EXPECT_EQ(none.exit_code, 0) << none.err;
    EXPECT_EQ(none.out, "");
  }
}

TEST_F(Stdio, AReaderThatGoesAwayDoesNotKillMinipod) {
  for (bool debug : {false, true}) {
    SCOPED_TRACE(debug ? "debug" : "exec");
    std::vector<std::string> rest{"--", "sh", "-c", "seq 1 200000; echo seq-done >&2; exit 7"};
    auto args = debug ? debug_args(rest) : exec_args(rest);
    // `minipod exec ... | head -1`
    Pipe stdout_pipe = make_pipe();
    auto err_path = env().dir() / "stdio-head-err";
    UniqueFd err(::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    UniqueFd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    pid_t pid = spawn(args, in.get(), stdout_pipe.write.get(), err.get());
    stdout_pipe.write.reset();
    std::string first;
    char c = 0;
    while (::read(stdout_pipe.read.get(), &c, 1) == 1 && c != '\n') first += c;
    stdout_pipe.read.reset();
    EXPECT_EQ(first, "1");
    int status = wait_for(pid, std::chrono::seconds(60));
    std::string got_err = fs::read_file(err_path);
    ASSERT_NE(status, -1) << "minipod did not end";
    ASSERT_TRUE(WIFEXITED(status)) << "minipod was killed by signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 7) << got_err;
    EXPECT_THAT(got_err, HasSubstr("seq-done"));  // the process ran to its end
  }
}

TEST_F(Stdio, OutputIsNotLostAndALeftoverProcessDoesNotHoldMinipod) {
  // Output written just before the end, on both streams.
  auto burst = env().minipod(
      exec_args({"--", "sh", "-c", "seq 1 50000; seq 1 3000 >&2; echo last; exit 4"}));
  EXPECT_EQ(burst.exit_code, 4);
  EXPECT_EQ(std::count(burst.out.begin(), burst.out.end(), '\n'), 50001);
  EXPECT_TRUE(burst.out.size() > 5 && burst.out.substr(burst.out.size() - 5) == "last\n");
  EXPECT_EQ(std::count(burst.err.begin(), burst.err.end(), '\n'), 3000);
  // A process left in the background keeps the pipes open: minipod returns anyway.
  for (bool debug : {false, true}) {
    SCOPED_TRACE(debug ? "debug" : "exec");
    std::vector<std::string> rest{"--", "sh", "-c", "sleep 30 & echo bye; exit 5"};
    auto start = Clock::now();
    auto r = env().minipod(debug ? debug_args(rest) : exec_args(rest), std::chrono::seconds(25));
    EXPECT_EQ(r.exit_code, 5) << r.err;
    EXPECT_EQ(r.out, "bye\n");
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  }
}

TEST_F(Stdio, StopSignalsAreForwardedToTheExecProcess) {
  for (int sig : {SIGINT, SIGTERM, SIGQUIT, SIGHUP}) {
    std::string name = sigabbrev_np(sig);
    SCOPED_TRACE(name);
    std::string script = "trap 'echo got-" + name + "; exit 42' " + name +
                         "; echo ready; while true; do sleep 0.1; done";
    Background cmd(env().minipod_args(exec_args({"--", "sh", "-c", script})), env().environment());
    for (int i = 0; i < 200 && cmd.out_so_far().find("ready") == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_THAT(cmd.out_so_far(), HasSubstr("ready")) << cmd.err_so_far();
    cmd.signal(sig);
    ASSERT_TRUE(cmd.wait(std::chrono::seconds(10)));
    EXPECT_EQ(cmd.result().exit_code, 42) << cmd.result().err;
    EXPECT_THAT(cmd.result().out, HasSubstr("got-" + name));
  }
}

// From a terminal, without -t: the terminal stays outside (no /dev/tty in the container, no
// descriptor of it), and Ctrl-C typed on it still stops the process.
TEST_F(Stdio, ExecFromATerminalWithoutDashTKeepsTheTerminalOutside) {
  int master = -1, slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  UniqueFd master_fd(master), slave_fd(slave);
  std::string script =
      "trap 'echo got-INT; exit 42' INT; "
      "(echo written-to-the-callers-terminal > /dev/tty) 2>/dev/null && echo tty-reached || "
      "echo tty-unreachable; "
      "for f in /proc/$$/fd/*; do echo \"fd ${f##*/} -> $(readlink $f)\"; done; "
      "echo ready; while true; do sleep 0.1; done";
  pid_t pid = spawn(
      exec_args({"--", "sh", "-c", script}), slave, slave, slave,
      [](int tty) {
        ::setsid();
        ::ioctl(tty, TIOCSCTTY, 0);
      },
      slave);
  slave_fd.reset();
  std::string seen;
  bool interrupted = false;
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[1024];
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO: every holder of the terminal has closed it
    seen.append(buf, static_cast<size_t>(n));
    if (!interrupted && seen.find("ready") != std::string::npos) {
      interrupted = true;
      ASSERT_EQ(::write(master, "\x03", 1), 1);  // Ctrl-C
    }
  }
  int status = wait_for(pid, std::chrono::seconds(10));
  ASSERT_TRUE(status != -1 && WIFEXITED(status)) << seen;
  EXPECT_EQ(WEXITSTATUS(status), 42) << seen;
  EXPECT_THAT(seen, HasSubstr("got-INT"));
  EXPECT_THAT(seen, HasSubstr("tty-unreachable"));
  EXPECT_THAT(seen, Not(HasSubstr("written-to-the-callers-terminal")));
  EXPECT_THAT(seen, Not(::testing::ContainsRegex("fd [0-9]+ -> /dev/pts")));
  EXPECT_THAT(seen, ::testing::ContainsRegex("fd 1 -> pipe:"));
}

TEST_F(Stdio, CtrlCKillsTheEphemeralContainer) {
  Background cmd(env().minipod_args(debug_args({"--", "sh", "-c", "echo up; sleep 30"})),
                 env().environment());
  for (int i = 0; i < 200 && cmd.out_so_far().find("up") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_THAT(cmd.out_so_far(), HasSubstr("up")) << cmd.err_so_far();
  cmd.signal(SIGINT);
  ASSERT_TRUE(cmd.wait(std::chrono::seconds(10)));
  EXPECT_EQ(cmd.result().exit_code, 128 + SIGKILL) << cmd.result().err;
}

// The containers of a pod, in the foreground or detached: their stdout and stderr are minipod's
// pipes (to the log), never the files the caller's streams are.
TEST_F(Stdio, PodContainersGetPipesNotTheCallersFiles) {
  auto manifest = manifest_path(R"yaml(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-s2
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers:
  - name: lister
    image: probe
    command: [sh, -c, 'for f in /proc/$$/fd/*; do echo "fd ${f##*/} -> $(readlink $f)"; done']
)yaml");
  // Foreground, with its streams redirected to files of the caller.
  auto out_path = env().write_file("stdio-run-out", "");
  auto err_path = env().write_file("stdio-run-err", "");
  UniqueFd out(::open(out_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  UniqueFd err(::open(err_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  UniqueFd in(::open(out_path.c_str(), O_RDONLY | O_CLOEXEC));
  int status =
      wait_for(spawn({"run", manifest}, in.get(), out.get(), err.get()), std::chrono::seconds(60));
  ASSERT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << fs::read_file(err_path);
  expect_no_caller_descriptors(fs::read_file(out_path));
  // Detached (the foreground pod is gone with its run): the same, read from its log.
  auto d = env().minipod({"run", "-d", manifest});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  std::string logs;
  for (int i = 0; i < 200 && logs.find("fd 2 ") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    logs = env().minipod({"logs", "mpt-pod-s2"}).out;
  }
  expect_no_caller_descriptors(logs);
}

}  // namespace
}  // namespace minipod::testing
