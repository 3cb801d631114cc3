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

}  // namespace minipod::run
