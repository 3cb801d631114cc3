#include "runtime/run/container_command.h"

#include <algorithm>

#include "common/error.h"
#include "images/oci/image_user.h"
#include "runtime/container/launcher.h"

namespace minipod::run {

std::vector<std::string> resolve_argv(const spec::Container& c, const images::ImageConfig& image) {
  std::vector<std::string> argv;
  if (!c.command.empty()) {
    argv = c.command;
    argv.insert(argv.end(), c.args.begin(), c.args.end());
  } else {
    argv = image.entrypoint;
    const auto& rest = c.args.empty() ? image.cmd : c.args;
    argv.insert(argv.end(), rest.begin(), rest.end());
  }
  return argv;
}

std::vector<std::string> resolve_env(const spec::Container& c, const images::ImageConfig& image,
                                     const std::string& hostname) {
  std::vector<std::string> env;
  auto set = [&env](const std::string& kv) {
    std::string key = kv.substr(0, kv.find('='));
    std::erase_if(env, [&](const std::string& e) { return e.substr(0, e.find('=')) == key; });
    env.push_back(kv);
  };
  set("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  set("HOSTNAME=" + hostname);
  for (const auto& e : image.env) set(e);
  for (const auto& e : c.env) set(e.name + "=" + e.value);
  return env;
}

ContainerProcess resolve_process(const spec::Container& c, const images::Image& image, uid_t uid,
                                 const std::string& hostname, const std::string& field,
                                 const std::string& command_field) {
  ContainerProcess p;
  p.argv = resolve_argv(c, image.config);
  if (p.argv.empty())
    throw UsageError(field, "container \"" + c.name + "\": image \"" + c.image +
                                "\" has no default command, and none was given");
  p.env = resolve_env(c, image.config, hostname);
  if (std::none_of(p.env.begin(), p.env.end(),
                   [](const auto& e) { return e.rfind("HOME=", 0) == 0; }))
    p.env.push_back("HOME=" + images::image_home(image.layers, uid));
  p.working_dir = !c.working_dir.empty()              ? c.working_dir
                  : !image.config.working_dir.empty() ? image.config.working_dir
                                                      : "/";
  p.exec_paths = container::exec_candidates(p.argv[0], p.env);
  std::vector<std::string> layers;
  for (const auto& l : image.layers) layers.push_back(l.string());
  if (container::find_in_layers(layers, p.exec_paths).empty())
    throw UsageError(command_field, "container \"" + c.name + "\": command \"" + p.argv[0] +
                                        "\" not found in image \"" + c.image + "\"");
  return p;
}

}  // namespace minipod::run
