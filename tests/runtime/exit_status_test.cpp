// How a container and then the pod ended, in the numbers and words the supervisor records.
#include "runtime/run/exit_status.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace minipod::run {
namespace {

// A real wait status rather than a hand-made one: the test then holds whatever the libc's
// macros expect.
int wait_status_of(void (*child)()) {
  pid_t pid = ::fork();
  if (pid == 0) {
    child();
    ::_exit(99);
  }
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  return status;
}

TEST(ExitStatus, ContainerExitedOrKilled) {
  ContainerExit exited = container_exit(wait_status_of([] { ::_exit(3); }));
  EXPECT_EQ(exited.code, 3);
  EXPECT_EQ(exited.how, "exited with code 3");

  ContainerExit killed = container_exit(wait_status_of([] { ::raise(SIGKILL); }));
  EXPECT_EQ(killed.code, 137);
  EXPECT_EQ(killed.how, "was killed by signal KILL (exit code 137)");
}

TEST(ExitStatus, PodEnd) {
  PodEnd ok = pod_end(std::nullopt, 0);
  EXPECT_EQ(ok.status, state::PodStatus::kSucceeded);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.reason, "");

  PodEnd failed = pod_end(2, 0);
  EXPECT_EQ(failed.status, state::PodStatus::kFailed);
  EXPECT_EQ(failed.exit_code, 2);
  EXPECT_EQ(failed.reason, "");

  PodEnd stopped = pod_end(std::nullopt, SIGTERM);
  EXPECT_EQ(stopped.status, state::PodStatus::kStopped);
  EXPECT_EQ(stopped.exit_code, 128 + SIGTERM);
  EXPECT_EQ(stopped.reason, "stopped by SIGTERM");

  // A failure keeps the pod Failed; the signal still gives the exit code, as a shell would.
  PodEnd both = pod_end(1, SIGINT);
  EXPECT_EQ(both.status, state::PodStatus::kFailed);
  EXPECT_EQ(both.exit_code, 128 + SIGINT);
  EXPECT_EQ(both.reason, "stopped by SIGINT");
}

}  // namespace
}  // namespace minipod::run
