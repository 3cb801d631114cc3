// minipod: the command line. Each verb lives in its own file; this one only wires them together
// and turns errors into one clear line and an exit code (0 ok, 1 runtime failure, 2 usage).
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <string>

#include "cni/cli/cni_command.h"
#include "common/error.h"
#include "common/trace.h"
#include "images/cli/image_command.h"
#include "runtime/cli/commands.h"
#include "runtime/security/sealed_binary.h"

int main(int argc, char** argv) {
  // A reader that goes away (`minipod run pod.yaml | head`, a plugin that exits without reading
  // its config, a container that died before it was released) is an EPIPE to handle where it
  // happens, never a reason to die halfway through creating or tearing down a pod. Children get
  // the default back before they exec (ns::clone_process, common/subprocess).
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"minipod: a small, fast pod runtime with real CNI networking", "minipod"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string("minipod ") + MINIPOD_VERSION);

  minipod::cli::GlobalOptions global;
  app.add_flag("--trace", global.trace,
               "Print every step and the command that would do it by hand");
  app.add_option("--image-dir", global.image_dir, "Image store")
      ->envname("MINIPOD_IMAGE_DIR")
      ->capture_default_str();
  app.parse_complete_callback([&] {
    minipod::Tracer::get().enable(global.trace);
    // The verbs that put a process of ours into a container run from a read-only bind of the
    // minipod binary, never from the host's file itself (security/sealed_binary.h).
    for (const char* verb : {"run", "exec", "debug"})
      if (app.got_subcommand(verb)) minipod::security::reexec_sealed(argv);
  });

  int exit_code = 0;
  minipod::cli::add_run_command(app, global, exit_code);
  minipod::cli::add_ps_command(app);
  minipod::cli::add_inspect_command(app);
  minipod::cli::add_logs_command(app);
  minipod::cli::add_exec_command(app, exit_code);
  minipod::cli::add_debug_command(app, global, exit_code);
  minipod::cli::add_stop_command(app, exit_code);
  minipod::cli::add_rm_command(app);
  minipod::cli::add_gc_command(app, exit_code);
  minipod::images::cli::add_image_commands(app, global.image_dir);
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
