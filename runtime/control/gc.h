// `minipod gc`: finds what crashed runs left (pods whose owner died while creating, running or
// tearing down; writable layers and name reservations without a pod) and cleans it, releasing
// network addresses with a CNI DEL from the cached result. Reports every action.
#pragma once

#include <string>
#include <vector>

#include "runtime/state/paths.h"

namespace minipod::control {

struct GcReport {
  std::vector<std::string> actions;   // what was cleaned
  std::vector<std::string> warnings;  // what could not be, and why
};

GcReport collect_garbage(const state::Paths& paths);

}  // namespace minipod::control
