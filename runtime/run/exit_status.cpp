#include "runtime/run/exit_status.h"

#include <sys/wait.h>

#include <cstring>

#include "common/subprocess.h"

namespace minipod::run {

ContainerExit container_exit(int wait_status) {
  ContainerExit e;
  e.code = shell_exit_code(wait_status);
  if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    e.how = "was killed by signal " + std::string(sigabbrev_np(sig) ? sigabbrev_np(sig) : "?") +
            " (exit code " + std::to_string(e.code) + ")";
  } else {
    e.how = "exited with code " + std::to_string(e.code);
  }
  return e;
}

PodEnd pod_end(std::optional<int> failure, int stop_signal) {
  PodEnd end{state::PodStatus::kSucceeded, failure.value_or(0), ""};
  if (failure && *failure != 0)
    end.status = state::PodStatus::kFailed;
  else if (stop_signal != 0)
    end.status = state::PodStatus::kStopped;
  if (stop_signal != 0) {
    end.reason = std::string("stopped by SIG") + sigabbrev_np(stop_signal);
    end.exit_code = 128 + stop_signal;
  }
  return end;
}

}  // namespace minipod::run
