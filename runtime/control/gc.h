// `minipod gc`: finds what crashed runs left (pods whose owner died while creating, running or
// tearing down; writable layers and name reservations without a pod) and cleans it, releasing
// network addresses with a CNI DEL from the cached result. Reports every action.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "runtime/state/paths.h"

namespace minipod::control {

struct GcReport {
  std::vector<std::string> actions;   // what was cleaned
  std::vector<std::string> warnings;  // what could not be, and why
};

// With `image_dir`: also interrupted image loads and the image layers and blobs that no image
// reference and no pod needs.
GcReport collect_garbage(const state::Paths& paths, const std::filesystem::path& image_dir = {});

// The image layers the pods that have a record stack in their overlays.
std::vector<std::filesystem::path> image_layers_in_use(const state::Paths& paths);

}  // namespace minipod::control
