#include "runtime/run/container_command.h"

#include <algorithm>

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

}  // namespace minipod::run
