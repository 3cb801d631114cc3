// The verbs of the minipod CLI that live in runtime/ (image and cni verbs register themselves
// from images/cli and cni/cli).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace minipod::cli {

struct GlobalOptions {
  bool trace = false;
  std::string image_dir = "/var/lib/minipod/images";
};

// `minipod run POD.yaml`; sets exit_code to what the pod's containers returned.
void add_run_command(CLI::App& app, GlobalOptions& global, int& exit_code);

}  // namespace minipod::cli
