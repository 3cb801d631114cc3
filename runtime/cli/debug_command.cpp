// `minipod debug POD [--image IMAGE] [--name NAME] [--target CONTAINER] [-i] [-- CMD...]`: an
// ephemeral container in a running pod, in the foreground (kubectl debug).
#include "runtime/cli/commands.h"
#include "runtime/run/ephemeral_container.h"

namespace minipod::cli {

void add_debug_command(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto o = std::make_shared<run::EphemeralRequest>();
  o->image = "busybox";
  auto* cmd = app.add_subcommand(
      "debug",
      "Run one more container (an ephemeral container) in a running pod, in the foreground");
  cmd->add_option("pod", o->pod, "Pod name or id prefix")->required();
  cmd->add_option("command", o->command, "Command and arguments (after --; default: the image's)");
  cmd->add_option("--image", o->image, "Image of the container")->capture_default_str();
  cmd->add_option("--name", o->name, "Container name (default: debugger-<random>)");
  cmd->add_option("--target", o->target,
                  "Join the PID namespace of this container (see and signal its processes)");
  cmd->add_flag("-i,--interactive", o->interactive, "Pass standard input to the container");
  cmd->callback([o, &global, &exit_code] {
    o->image_dir = global.image_dir;
    exit_code = run::run_ephemeral_container(*o);
  });
}

}  // namespace minipod::cli
