// Whether, and when, a container that exited starts again: Kubernetes' rules for native sidecars
// (always), init containers (on failure, unless the pod's restartPolicy is Never) and app
// containers (the pod's restartPolicy), with its crash-loop back-off. Pure, for unit tests.
#pragma once

#include <chrono>
#include <string_view>

#include "runtime/state/pod_record.h"

namespace minipod::run {

// Recorded with each container, so `ps` and `inspect` can say it.
using ContainerRole = state::ContainerRole;

struct RestartDecision {
  bool restart = false;
  std::chrono::milliseconds delay{0};
  int restarts = 0;  // the container's restart count once this decision is taken
};

// `restarts` so far, `ran_for` how long this run lasted, `base` the first back-off (Kubernetes:
// 10 s, doubled per restart, at most 5 minutes, and forgotten after 10 minutes of running fine).
RestartDecision decide_restart(ContainerRole role, std::string_view pod_policy, int exit_code,
                               int restarts, std::chrono::steady_clock::duration ran_for,
                               std::chrono::milliseconds base);

}  // namespace minipod::run
