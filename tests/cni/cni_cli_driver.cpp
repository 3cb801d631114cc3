// Test driver for `minipod cni ...`: the same wiring and error handling as runtime/cli/main.cpp,
// without the rest of minipod, so the CLI is testable on its own.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cni/cli/cni_command.h"
#include "common/error.h"
#include "common/trace.h"

int main(int argc, char** argv) {
  CLI::App app{"minipod (cni commands only)", "minipod"};
  app.require_subcommand(1);
  app.fallthrough();
  bool trace = false;
  app.add_flag("--trace", trace, "Print every step");
  app.parse_complete_callback([&] { minipod::Tracer::get().enable(trace); });
  int exit_code = 0;
  cni::cli::add_cni_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const minipod::Error& e) {
    std::fprintf(stderr, "minipod: %s\n", e.what());
    return static_cast<int>(e.kind());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "minipod: %s\n", e.what());
    return 1;
  }
  return exit_code;
}
