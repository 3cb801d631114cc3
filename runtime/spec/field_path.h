// Where a container is in the manifest, as the field path that errors name
// ("pod.yaml: spec.containers[1].image: ..."), the same one the parser's errors use.
#pragma once

#include <cstddef>
#include <string>

#include "runtime/spec/pod_spec.h"

namespace minipod::spec {

// "spec.containers[2]": the i-th app container.
std::string container_field(size_t i);
// "spec.initContainers[0]": the i-th init container (sidecars included).
std::string init_container_field(size_t i);

// The field of `container`, one of `pod`'s containers, found by its name (unique in a pod);
// `container "NAME"` for one the manifest does not list (an ephemeral container).
std::string container_field(const Pod& pod, const Container& container);

}  // namespace minipod::spec
