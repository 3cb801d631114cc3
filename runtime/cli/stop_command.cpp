// `minipod stop POD [--grace SECONDS]`: SIGTERM to the containers, SIGKILL after the grace period,
// then the pod's resources are released; the stopped pod stays listed until `minipod rm`.
#include <algorithm>
#include <cstdio>
#include <future>

#include "common/error.h"

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
    std::optional<long long> g;
    if (*grace >= 0) g = *grace;
    // All at once: their grace periods run side by side (15 pods one after the other took their
    // grace periods end to end). Each says what it waits for as it goes; the results come in the
    // order the pods were named.
    std::vector<std::future<std::string>> stops;
    exit_code = 0;
    for (const auto& key : *pods) {
      stops.push_back(std::async(std::launch::async, [&paths, &store, key, g]() -> std::string {
        auto pod = store.resolve(key);
        bool stopped = control::stop_pod(pod, paths, g);
        // Stopped, but not cleanly: what the failed CNI DEL left is said here.
        if (auto held = control::network_left(pod, paths))
          throw Error(
              "stop pod \"" + pod.record.name + "\"",
              std::string(stopped ? "its containers are stopped" : "it had already stopped") +
                  ", but " + sandbox::network_not_released(*held));
        return pod.record.name + (stopped ? "" : " (already stopped)");
      }));
    }
    for (auto& stop : stops) {
      try {
        std::printf("%s\n", stop.get().c_str());
      } catch (const Error& e) {
        std::fprintf(stderr, "minipod: %s\n", e.what());
        exit_code = std::max(exit_code, static_cast<int>(e.kind()));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "minipod: %s\n", e.what());
        exit_code = std::max(exit_code, 1);
      }
    }
  });
}

}  // namespace minipod::cli
