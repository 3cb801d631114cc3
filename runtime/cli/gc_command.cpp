// `minipod gc`: cleans what crashed runs left and says what it did.
#include <cstdio>

#include "runtime/cli/commands.h"
#include "runtime/control/gc.h"

namespace minipod::cli {

void add_gc_command(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "gc",
      "Clean up after crashed runs: pods, network addresses, mounts, layers, unfinished and "
      "unreferenced image layers");
  cmd->callback([&exit_code, &global] {
    auto report = control::collect_garbage(state::Paths::from_environment(), global.image_dir);
    for (const auto& a : report.actions) std::printf("%s\n", a.c_str());
    for (const auto& w : report.warnings) std::fprintf(stderr, "minipod: gc: %s\n", w.c_str());
    if (report.actions.empty() && report.warnings.empty()) std::printf("nothing to clean\n");
    exit_code = report.warnings.empty() ? 0 : 1;
  });
}

}  // namespace minipod::cli
