#include "runtime/spec/field_path.h"

namespace minipod::spec {

std::string container_field(size_t i) {
  return "spec.containers[" + std::to_string(i) + "]";
}

std::string init_container_field(size_t i) {
  return "spec.initContainers[" + std::to_string(i) + "]";
}

std::string container_field(const Pod& pod, const Container& container) {
  for (size_t i = 0; i < pod.init_containers.size(); ++i)
    if (pod.init_containers[i].name == container.name) return init_container_field(i);
  for (size_t i = 0; i < pod.containers.size(); ++i)
    if (pod.containers[i].name == container.name) return container_field(i);
  return "container \"" + container.name + "\"";
}

}  // namespace minipod::spec
