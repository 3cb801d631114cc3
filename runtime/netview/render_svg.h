// `minipod net show --format svg`: the node's pod network drawn the way tutorials draw it by
// hand, with a layout of its own (no Graphviz): the host on top with its bridges, each bridge's
// ports on its lower edge; below, one box per network namespace with its interfaces, addresses
// and routes; a line per veth pair from the bridge port to the pod's interface; a red arrow per
// hostPort from the host's port to the pod. Same view, same bytes: the layout is deterministic.
#pragma once

#include <string>

#include "runtime/netview/model.h"

namespace minipod::netview {

std::string render_svg(const NetView& view);

}  // namespace minipod::netview
