// `minipod rm POD [-f]`: removes stopped pods (record, name, logs); -f stops running ones first.
// A pod whose CNI DEL failed gets it retried first; -f removes it even when it fails again and
// says what is left on the host.
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
  cmd->add_flag("-f,--force", *force,
                "Stop running pods first (no grace period); remove a pod whose network cannot be "
                "released, saying what is left on the host");
  cmd->callback([pods, force] {
    auto paths = state::Paths::from_environment();
    state::PodStore store(paths);
    for (const auto& key : *pods) {
      auto pod = store.resolve(key);
      std::string left = control::remove_pod(pod, paths, *force);
      if (!left.empty())
        std::fprintf(stderr,
                     "minipod: warning: rm -f %s: removed, but its network could not be "
                     "released; left on the host: %s\n",
                     pod.record.name.c_str(), left.c_str());
      std::printf("%s\n", pod.record.name.c_str());
    }
  });
}

}  // namespace minipod::cli
