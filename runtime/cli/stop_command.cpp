// `minipod stop POD [--grace SECONDS]`: SIGTERM to the containers, SIGKILL after the grace period,
// then the pod's resources are released; the stopped pod stays listed until `minipod rm`.
#include <cstdio>

#include "runtime/cli/commands.h"
#include "runtime/control/pod_control.h"
#include "runtime/sandbox/pod_cleanup.h"
#include "runtime/state/pod_store.h"

namespace minipod::cli {

void add_stop_command(CLI::App& app, int& exit_code) {
  auto pods = std::make_shared<std::vector<std::string>>();
  auto grace = std::make_shared<long long>(-1);
  auto* cmd = app.add_subcommand("stop", "Stop pods");
  cmd->add_option("pods", *pods, "Pod names or id prefixes")->required();
  cmd->add_option(
         "--grace", *grace,
         "Seconds between SIGTERM and SIGKILL (default: the pod's terminationGracePeriodSeconds)")
      ->check(non_negative("a number of seconds >= 0"));
  cmd->callback([pods, grace, &exit_code] {
    auto paths = state::Paths::from_environment();
    state::PodStore store(paths);
    exit_code = 0;
    for (const auto& key : *pods) {
      auto pod = store.resolve(key);
      std::optional<long long> g;
      if (*grace >= 0) g = *grace;
      bool stopped = control::stop_pod(pod, paths, g);
      // Stopped, but not cleanly: what the failed CNI DEL left is said here, and the other pods
      // are still stopped.
      if (auto held = control::network_left(pod, paths)) {
        std::fprintf(stderr, "minipod: stop pod \"%s\": %s, but %s\n", pod.record.name.c_str(),
                     stopped ? "its containers are stopped" : "it had already stopped",
                     sandbox::network_not_released(*held).c_str());
        exit_code = 1;
        continue;
      }
      std::printf("%s%s\n", pod.record.name.c_str(), stopped ? "" : " (already stopped)");
    }
  });
}

}  // namespace minipod::cli
