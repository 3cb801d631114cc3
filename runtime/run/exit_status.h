// How a container and then the pod ended, in the terms Kubernetes and a shell use: the numbers
// the supervisor records and returns, and the words it prints. Pure, for unit tests.
#pragma once

#include <optional>
#include <string>

#include "runtime/state/pod_record.h"

namespace minipod::run {

// A container's end, from its wait status: its exit code (128+signal when a signal killed it)
// and how it ended ("exited with code 3", "was killed by signal KILL (exit code 137)").
struct ContainerExit {
  int code = 0;
  std::string how;
};
ContainerExit container_exit(int wait_status);

// The pod's end once nothing of it runs (`failure`: the exit code of what failed first;
// `stop_signal`: 0 when no signal stopped it). Its status is Failed when something failed, else
// Stopped when a signal stopped it, else Succeeded. Its exit code is 128+signal when a signal
// stopped it (a shell's convention, even when something failed first), else the failure's, else
// 0. Its reason, for a record that has none yet: "stopped by SIGTERM".
struct PodEnd {
  state::PodStatus status;
  int exit_code;
  std::string reason;  // empty: nothing to add
};
PodEnd pod_end(std::optional<int> failure, int stop_signal);

}  // namespace minipod::run
