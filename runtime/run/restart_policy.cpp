#include "runtime/run/restart_policy.h"

#include <algorithm>

namespace minipod::run {

RestartDecision decide_restart(ContainerRole role, std::string_view policy, int exit_code,
                               int restarts, std::chrono::steady_clock::duration ran_for,
                               std::chrono::milliseconds base) {
  RestartDecision d;
  switch (role) {
    case ContainerRole::kSidecar:
      d.restart = true;
      break;
    case ContainerRole::kInit:
      d.restart = exit_code != 0 && policy != "Never";
      break;
    case ContainerRole::kApp:
      d.restart = policy == "Always" || (policy == "OnFailure" && exit_code != 0);
      break;
  }
  d.restarts = restarts;
  if (!d.restart) return d;
  if (ran_for > std::chrono::minutes(10)) d.restarts = 0;
  d.delay = std::min<std::chrono::milliseconds>(base * (1LL << std::min(d.restarts, 16)),
                                                std::chrono::minutes(5));
  ++d.restarts;
  return d;
}

}  // namespace minipod::run
