#include "images/cli/registry_command.h"

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"

namespace minipod::images::cli {
namespace {

// The helper next to the running minipod (the build tree's bin/ or the install's bin/).
std::filesystem::path helper_path() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("find minipod-pull", "readlink /proc/self/exe", ec.value());
  return self.parent_path() / "minipod-pull";
}

// Replaces this process by the helper with `verb` and the user's arguments (the terminal, the
// password on stdin and the exit code are the helper's).
[[noreturn]] void run_helper(const std::vector<std::string>& verb,
                             const std::vector<std::string>& args) {
  const std::string path = helper_path().string();
  std::vector<std::string> all{"minipod"};
  all.insert(all.end(), verb.begin(), verb.end());
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(path.c_str(), argv.data());
  throw_errno("run " + path,
              "the registry verbs need minipod-pull installed next to minipod (cmake --build "
              "--target minipod-pull)");
}

// A verb whose arguments, --help included, are the helper's to parse.
CLI::App* forwarding(CLI::App& parent, const std::string& name, const std::string& description,
                     std::vector<std::string> verb) {
  auto* sub = parent.add_subcommand(name, description);
  sub->set_help_flag();
  // Every argument, unknown options included, stays with this verb (minipod's fallthrough would
  // hand them to the top level, which knows none of them).
  sub->fallthrough(false);
  sub->prefix_command();
  sub->callback([sub, verb] { run_helper(verb, sub->remaining()); });
  return sub;
}

}  // namespace

void add_registry_commands(CLI::App& app) {
  forwarding(app, "login", "Log in to a registry: minipod login [-u USER --password-stdin] HOST",
             {"login"});
  forwarding(app, "logout", "Forget the stored credentials of a registry: minipod logout HOST",
             {"logout"});
  CLI::App* image = app.get_subcommand("image");
  forwarding(*image, "pull",
             "Fetch an image: minipod image pull REF --oci-layout DIR [--platform os/arch] [-q]",
             {"image", "pull"});
}

}  // namespace minipod::images::cli
