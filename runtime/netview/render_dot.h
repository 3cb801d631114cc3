// `minipod net show --format dot`: the node's pod network as a Graphviz graph (`dot -Tsvg` draws
// it), clusters for the host and for each namespace. Needs no Graphviz to be produced.
#pragma once

#include <string>

#include "runtime/netview/model.h"

namespace minipod::netview {

std::string render_dot(const NetView& view);

}  // namespace minipod::netview
