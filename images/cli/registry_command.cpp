#include "images/cli/registry_command.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "images/pull/image_pull.h"

namespace minipod::images::cli {
namespace {

// Replaces this process by the helper with `verb` and the user's arguments (the terminal, the
// password on stdin and the exit code are the helper's).
[[noreturn]] void run_helper(const std::vector<std::string>& verb,
                             const std::vector<std::string>& args) {
  const std::string path = pull_helper_path().string();
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

void add_registry_commands(CLI::App& app, const std::string& store_dir) {
  forwarding(app, "login", "Log in to a registry: minipod login [-u USER --password-stdin] HOST",
             {"login"});
  forwarding(app, "logout", "Forget the stored credentials of a registry: minipod logout HOST",
             {"logout"});
  // `image pull` is minipod's own verb (it stores the image), with the helper's options: the
  // helper fetches, into the store's staging area or, with --oci-layout, into the user's directory.
  struct PullArgs {
    std::string ref, layout, platform, registries_conf;
    bool quiet = false;
  };
  auto args = std::make_shared<PullArgs>();
  CLI::App* pull = app.get_subcommand("image")->add_subcommand(
      "pull", "Pull an image from a registry into the image store");
  pull->add_option("REF", args->ref, "Image reference: [host[:port]/]path[:tag][@sha256:hex]")
      ->required();
  pull->add_option("--oci-layout", args->layout,
                   "Write the image to this directory as an OCI image layout instead of storing "
                   "it (`minipod image load DIR` stores it later)");
  pull->add_option("--platform", args->platform,
                   "os/arch[/variant] to choose from an index (default: this host's)");
  pull->add_flag("-q,--quiet", args->quiet, "No progress; print only the manifest digest");
  pull->add_option("--registries-conf", args->registries_conf,
                   "registries.conf to use (default: $MINIPOD_REGISTRIES_CONF, "
                   "/etc/minipod/registries.conf, /etc/containers/registries.conf)");
  pull->callback([args, &store_dir] {
    std::vector<std::string> helper;
    if (!args->platform.empty()) helper.insert(helper.end(), {"--platform", args->platform});
    if (!args->registries_conf.empty())
      helper.insert(helper.end(), {"--registries-conf", args->registries_conf});
    if (args->quiet) helper.push_back("-q");
    if (!args->layout.empty()) {
      helper.insert(helper.begin(), {args->ref, "--oci-layout", args->layout});
      run_helper({"image", "pull"}, helper);
    }
    ImageStore store(store_dir);
    if (args->quiet) store.set_reporter([](const std::string&) {});  // the digest alone
    Image image = pull_image(store, args->ref, helper);
    if (!args->quiet) std::printf("%s %s\n", image.name.c_str(), image.digest.c_str());
  });
}

}  // namespace minipod::images::cli
