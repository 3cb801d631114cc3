// The start time minipod records with every pid (/proc/<pid>/stat field 22), read while the
// process ends: a zombie counts as gone, and so does a process reaped between the open of its
// stat file and the read (the kernel fails that read with ESRCH; `minipod stop` and `rm -f` used
// to fail with "read: /proc/N/stat: No such process" when they met it).
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "common/fd.h"
#include "runtime/state/pod_record.h"

namespace minipod {
namespace {

// A child that names itself like a trap for the parser ("x) Z (y": a ')' and a 'Z' in the
// command name), then waits to be killed.
pid_t start_child() {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_NAME, "x) Z (y", 0, 0, 0);
    char c = 1;
    (void)!::write(ready[1], &c, 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char c = 0;
  (void)!::read(ready[0], &c, 1);
  ::close(ready[0]);
  return pid;
}

UniqueFd open_stat(pid_t pid) {
  return UniqueFd(::open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC));
}

TEST(ProcessStartTime, LiveZombieAndReapedProcess) {
  pid_t pid = start_child();
  ASSERT_GT(pid, 0);
  std::string path = "/proc/" + std::to_string(pid) + "/stat";

  uint64_t start = state::process_start_time(pid);
  EXPECT_NE(start, 0u) << "a live process whose name holds ') Z (' has a start time";
  EXPECT_EQ(state::process_ref(pid).start_time, start);

  // Opened while the process lives, read after it is gone.
  UniqueFd while_zombie = open_stat(pid);
  UniqueFd after_reap = open_stat(pid);
  UniqueFd raw = open_stat(pid);
  ASSERT_TRUE(while_zombie && after_reap && raw) << std::strerror(errno);

  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
  // Exited, not reaped yet: a zombie counts as gone.
  EXPECT_EQ(state::process_start_time(pid), 0u);
  EXPECT_EQ(state::process_start_time(while_zombie.get(), path), 0u);

  ASSERT_EQ(::waitpid(pid, nullptr, 0), pid);
  // Reaped: what the kernel says to a read of the stat file opened before.
  char buf[64];
  errno = 0;
  EXPECT_EQ(::read(raw.get(), buf, sizeof buf), -1);
  EXPECT_EQ(errno, ESRCH) << "the race this test is about: the read fails with ESRCH";
  // ... which is "gone" to minipod, not an error.
  uint64_t after = 1;
  EXPECT_NO_THROW(after = state::process_start_time(after_reap.get(), path));
  EXPECT_EQ(after, 0u);
  // And by pid, the stat file no longer exists (ENOENT).
  EXPECT_EQ(state::process_start_time(pid), 0u);
}

}  // namespace
}  // namespace minipod
