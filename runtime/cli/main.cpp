// minipod: the command line. Each verb lives in its own file; this one only wires them together
// and turns errors into one clear line and an exit code (0 ok, 1 runtime failure, 2 usage).
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "cni/cli/cni_command.h"
#include "common/error.h"
#include "common/strings.h"
#include "common/trace.h"
#include "images/cli/image_command.h"
#include "images/cli/registry_command.h"
#include "runtime/cli/commands.h"
#include "runtime/control/gc.h"
#include "runtime/security/sealed_binary.h"

namespace {

// The verbs of `at`, in the order they were registered: "run, ps, ..., cni, version".
std::string verb_list(CLI::App& at) {
  return minipod::join(at.get_subcommands([](CLI::App*) { return true; }), ", ",
                       [](const CLI::App* sub) { return sub->get_name(); });
}

// A verb the user typed that is not one: "frobnicate" in `minipod frobnicate`, "foo" in
// `minipod cni foo`, with the command it was given to (`parent`, "" or " cni").
struct UnknownVerb {
  std::string verb;
  std::string parent;
  CLI::App* of = nullptr;
};

// Walks the arguments the way CLI11 does, from verb to verb, skipping options and the values of
// those that take one. Finds nothing when an argument is a positional of a verb.
UnknownVerb unknown_verb(CLI::App& app, int argc, char** argv) {
  CLI::App* at = &app;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") return {};
    if (arg.size() > 1 && arg[0] == '-') {
      if (arg.find('=') != std::string::npos) continue;
      for (CLI::App* scope = at; scope != nullptr; scope = scope->get_parent()) {
        const CLI::Option* opt = scope->get_option_no_throw(arg);
        if (opt == nullptr) continue;
        if (opt->get_items_expected_max() > 0 && !(arg.size() > 2 && arg[1] != '-'))
          ++i;  // its value
        break;
      }
      continue;
    }
    auto subs = at->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) return {};
    CLI::App* next = nullptr;
    for (CLI::App* sub : subs)
      if (sub->check_name(arg)) next = sub;
    if (next == nullptr) {
      if (at->get_require_subcommand_min() == 0) return {};  // a positional, not a verb
      return {arg, path, at};
    }
    at = next;
    path += " " + at->get_name();
  }
  return {};
}

// CLI11's own errors, on one line that starts with "minipod: " like every other error, with the
// help of the verb being parsed.
int parse_failure(CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version: print and succeed
  UnknownVerb unknown = unknown_verb(app, argc, argv);
  if (unknown.of != nullptr) {
    std::string verb =
        (unknown.parent.empty() ? "" : unknown.parent.substr(1) + " ") + unknown.verb;
    std::fprintf(stderr, "minipod: unknown command \"%s\"; the%s commands are: %s\n", verb.c_str(),
                 unknown.parent.c_str(), verb_list(*unknown.of).c_str());
    return 2;
  }
  std::string path;  // "cni add": the deepest verb CLI11 had reached
  for (CLI::App* at = &app; !at->get_subcommands().empty();) {
    at = at->get_subcommands().front();
    path += " " + at->get_name();
  }
  if (path.empty() && std::string(e.what()) == "A subcommand is required") {
    std::fprintf(stderr, "minipod: a command is required; the commands are: %s\n",
                 verb_list(app).c_str());
    return 2;
  }
  std::string message = e.what();
  for (char& c : message)
    if (c == '\n') c = ' ';
  std::fprintf(stderr, "minipod: %s (see 'minipod%s --help')\n", message.c_str(), path.c_str());
  return 2;
}

}  // namespace

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
  minipod::cli::add_gc_command(app, global, exit_code);
  minipod::images::cli::add_image_commands(app, global.image_dir, [] {
    return minipod::control::image_layers_in_use(minipod::state::Paths::from_environment());
  });
  minipod::images::cli::add_registry_commands(app, global.image_dir);
  cni::cli::add_cni_commands(app, exit_code);
  minipod::cli::add_net_command(app);
  minipod::cli::add_version_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return parse_failure(app, e, argc, argv);
  } catch (const minipod::Error& e) {
    std::fprintf(stderr, "minipod: %s\n", e.what());
    for (const auto& w : e.warnings()) std::fprintf(stderr, "minipod: warning: %s\n", w.c_str());
    return static_cast<int>(e.kind());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "minipod: %s\n", e.what());
    return 1;
  }
  return exit_code;
}
