// What a container runs, in Kubernetes' terms: the image's entrypoint/cmd and env, overridden by
// the container's command/args and env.
#pragma once

#include <string>
#include <vector>

#include "images/store/image_store.h"
#include "runtime/spec/pod_spec.h"

namespace minipod::run {

// `command` replaces the image's entrypoint and `args` its cmd; with `command` alone the image's
// cmd is dropped (Kubernetes semantics).
std::vector<std::string> resolve_argv(const spec::Container& c, const images::ImageConfig& image);

// A default PATH and HOSTNAME, then the image's env, then the container's, later ones replacing
// earlier ones of the same name.
std::vector<std::string> resolve_env(const spec::Container& c, const images::ImageConfig& image,
                                     const std::string& hostname);

// The process a container runs, resolved and checked before anything is created.
struct ContainerProcess {
  std::vector<std::string> argv, env;
  std::string working_dir;
  std::vector<std::string> exec_paths;  // where execve() looks for argv[0] (launcher.h)
};

// argv, env and working directory of `c` in `image`, its command looked up in the image; HOME,
// when neither the image nor the container sets it, from the image's /etc/passwd entry of `uid`
// (the user it runs as), as runc does. Throws UsageError naming `field` (e.g. "pod.yaml:
// spec.containers[0]") when there is no command, or `command_field` (where the command was
// given) when it is not in the image.
ContainerProcess resolve_process(const spec::Container& c, const images::Image& image, uid_t uid,
                                 const std::string& hostname, const std::string& field,
                                 const std::string& command_field);

}  // namespace minipod::run
