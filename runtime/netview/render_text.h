// `minipod net show`: the node's pod network as text, one block per bridge, per namespace, then
// the hostPorts and what does not add up.
#pragma once

#include <string>

#include "runtime/netview/model.h"

namespace minipod::netview {

std::string render_text(const NetView& view);

// "pod web eth0", "netns cni-1 eth0", "host veth1a2b": where a veth's other end is, for a reader.
std::string describe_peer(const NetView& view, const PeerRef& peer);

}  // namespace minipod::netview
