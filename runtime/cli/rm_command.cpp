// `minipod rm POD [-f]`: removes stopped pods (record, name, logs); -f stops running ones first.
#include <cstdio>

#include "runtime/cli/commands.h"
#include "runtime/control/pod_control.h"
#include "runtime/state/pod_store.h"

namespace minipod::cli {

void add_rm_command(CLI::App& app) {
  auto pods = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("rm", "Remove pods");
  cmd->add_option("pods", *pods, "Pod names or id prefixes")->required();
  cmd->add_flag("-f,--force", *force, "Stop running pods first (no grace period)");
  cmd->callback([pods, force] {
    auto paths = state::Paths::from_environment();
    state::PodStore store(paths);
    for (const auto& key : *pods) {
      auto pod = store.resolve(key);
      control::remove_pod(pod, paths, *force);
      std::printf("%s\n", pod.record.name.c_str());
    }
  });
}

}  // namespace minipod::cli
