// minipod-pause, run for real: as PID 1 of a fresh PID namespace it must reap orphans and end
// cleanly on SIGTERM/SIGINT; anywhere it must survive SIGCHLD (pause() in a loop, not once).
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/fd.h"
#include "common/subprocess.h"
#include "images/store/elf.h"

namespace minipod {
namespace {

constexpr const char* kPause = MINIPOD_PAUSE_PATH;

// A started pause process that is killed and reaped however the test ends.
class PauseProcess {
 public:
  explicit PauseProcess(bool new_pid_namespace) {
    int flags = SIGCHLD | (new_pid_namespace ? CLONE_NEWPID : 0);
    // clone() without a new stack behaves like fork(), but can put the child in a new PID
    // namespace where it is PID 1.
    pid_ = static_cast<pid_t>(::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr));
    if (pid_ == 0) {
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 2);  // its "not PID 1" warning is expected noise
      ::execl(kPause, kPause, nullptr);
      ::_exit(127);
    }
  }
  PauseProcess(const PauseProcess&) = delete;
  PauseProcess& operator=(const PauseProcess&) = delete;
  ~PauseProcess() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid() const { return pid_; }

  // Signals sent before the handlers exist would kill it (or be ignored, as PID 1), so wait until
  // /proc says SIGTERM, SIGINT and SIGCHLD are caught.
  bool wait_for_handlers() const {
    uint64_t want = (1ULL << (SIGTERM - 1)) | (1ULL << (SIGINT - 1)) | (1ULL << (SIGCHLD - 1));
    for (int i = 0; i < 500; ++i) {
      std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
      for (std::string line; std::getline(status, line);) {
        if (line.rfind("SigCgt:", 0) == 0) {
          uint64_t caught = std::stoull(line.substr(7), nullptr, 16);
          if ((caught & want) == want) return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // Waits up to `timeout` for the process to end; returns its wait status or -1.
  int wait_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        reaped_ = true;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// Processes whose parent is `parent`, from /proc (they are invisible to us as children).
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(entry.path() / "status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("PPid:", 0) == 0) {
        if (std::stoi(line.substr(5)) == parent) out.push_back(std::stoi(name));
        break;
      }
    }
  }
  return out;
}

// Makes an orphan zombie for `pause` to reap: a process in pause's namespace whose parent (also
// in the namespace) exits, so the kernel hands it to the namespace's init, pause; then it exits
// too and stays a zombie until pause reaps it. Returns its pid as seen from here.
pid_t make_orphan_zombie(pid_t pause) {
  Pipe report = make_pipe();
  pid_t outside = ::fork();
  if (outside == 0) {
    // setns(CLONE_NEWPID) only moves this process's future children into the namespace.
    UniqueFd ns(
        ::open(("/proc/" + std::to_string(pause) + "/ns/pid").c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns || ::setns(ns.get(), CLONE_NEWPID) != 0) ::_exit(1);
    pid_t parent = ::fork();
    if (parent < 0) ::_exit(1);
    if (parent == 0) {
      pid_t orphan = ::fork();
      if (orphan < 0) ::_exit(1);
      if (orphan == 0) {
        // /proc is the test's, so /proc/self names this process by its pid in the test's
        // namespace.
        char self[32] = {};
        ssize_t len = ::readlink("/proc/self", self, sizeof self - 1);
        if (len <= 0 || ::write(report.write.get(), self, static_cast<size_t>(len)) != len)
          ::_exit(1);
        while (::getppid() != 1) ::usleep(1000);  // until adopted by pause
        ::_exit(0);
      }
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(parent, &status, 0);
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
  }
  report.write.reset();
  char buf[32] = {};
  ssize_t n = ::read(report.read.get(), buf, sizeof buf - 1);
  int status = 0;
  ::waitpid(outside, &status, 0);
  if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return static_cast<pid_t>(std::stoi(buf));
}

constexpr const char* kNeedsRootForPid1 = "needs root: a new PID namespace, where pause is PID 1";

TEST(Pause, ReapsOrphanedZombiesAsPid1) {
  if (::geteuid() != 0) GTEST_SKIP() << kNeedsRootForPid1;
  PauseProcess pause(/*new_pid_namespace=*/true);
  ASSERT_GT(pause.pid(), 0);
  ASSERT_TRUE(pause.wait_for_handlers());

  for (int round = 0; round < 3; ++round) {
    pid_t orphan = make_orphan_zombie(pause.pid());
    ASSERT_GT(orphan, 0) << "could not make an orphan in round " << round;
    // Adopted by pause, exited, reaped: it disappears from /proc entirely.
    bool gone = false;
    for (int i = 0; i < 400 && !gone; ++i) {
      gone = !std::filesystem::exists("/proc/" + std::to_string(orphan));
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_TRUE(gone) << "orphan " << orphan << " still exists (zombie not reaped) in round "
                      << round;
  }
  EXPECT_TRUE(children_of(pause.pid()).empty());
  EXPECT_EQ(pause.wait_exit(std::chrono::milliseconds(0)), -1) << "pause ended after SIGCHLD";
}

class PauseSignal : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(PauseSignal, ExitsZero) {
  auto [sig, as_pid1] = GetParam();
  if (as_pid1 && ::geteuid() != 0) GTEST_SKIP() << kNeedsRootForPid1;
  PauseProcess pause(as_pid1);
  ASSERT_GT(pause.pid(), 0);
  ASSERT_TRUE(pause.wait_for_handlers());
  // Several SIGCHLDs first: a pause() called once would return and end the program.
  for (int i = 0; i < 3; ++i) ASSERT_EQ(::kill(pause.pid(), SIGCHLD), 0);
  EXPECT_EQ(pause.wait_exit(std::chrono::milliseconds(100)), -1) << "pause ended after SIGCHLD";
  ASSERT_EQ(::kill(pause.pid(), sig), 0);
  int status = pause.wait_exit(std::chrono::seconds(5));
  ASSERT_NE(status, -1) << "pause did not end on " << strsignal(sig);
  EXPECT_TRUE(WIFEXITED(status)) << "ended by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

INSTANTIATE_TEST_SUITE_P(Signals, PauseSignal,
                         ::testing::Combine(::testing::Values(SIGTERM, SIGINT), ::testing::Bool()),
                         [](const auto& p) {
                           return std::string(std::get<0>(p.param) == SIGTERM ? "SIGTERM"
                                                                              : "SIGINT") +
                                  (std::get<1>(p.param) ? "_AsPid1" : "_Plain");
                         });

TEST(Pause, PrintsVersion) {
  ProcessRequest req;
  req.path = kPause;
  req.argv = {kPause, "-v"};
  auto res = run_process(req);
  ASSERT_TRUE(res.ok()) << res.describe(req.timeout);
  EXPECT_EQ(res.out, std::string("minipod-pause ") + MINIPOD_TEST_VERSION + "\n");
}

TEST(Pause, RejectsUnknownArguments) {
  ProcessRequest req;
  req.path = kPause;
  req.argv = {kPause, "--bogus"};
  auto res = run_process(req);
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_NE(res.err.find("--bogus"), std::string::npos);
}

TEST(Pause, IsSmallStaticAndStripped) {
  struct stat st {};
  ASSERT_EQ(::stat(kPause, &st), 0) << kPause;
  EXPECT_LE(st.st_size, 100 * 1024);
  EXPECT_TRUE(images::is_static_elf(kPause)) << kPause << " has a PT_INTERP header";
  ProcessRequest req;
  req.path = "/usr/bin/file";
  req.argv = {"file", kPause};
  if (::access(req.path.c_str(), X_OK) == 0) {
    auto res = run_process(req);
    EXPECT_NE(res.out.find("stripped"), std::string::npos) << res.out;
    EXPECT_EQ(res.out.find("not stripped"), std::string::npos) << res.out;
  }
}

}  // namespace
}  // namespace minipod
