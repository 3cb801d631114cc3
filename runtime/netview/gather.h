// Reads the node's pod network from the kernel and from minipod's records: the host's links,
// addresses and routes and those of every namespace pinned under /run/netns (iproute2's `ip -j`,
// run with `-n NAME`, so minipod itself never enters a namespace), portmap's DNAT rules
// (`iptables-save -t nat`), and the records under the run dir. What cannot be read becomes a note
// of the view, not a failure: a drawing with a hole is still worth having.
#pragma once

#include <chrono>
#include <string>

#include "runtime/netview/model.h"
#include "runtime/state/paths.h"

namespace minipod::netview {

struct GatherOptions {
  state::Paths paths;
  std::chrono::milliseconds timeout{10'000};  // per ip or iptables-save call
};

// Throws Error only when the host's own links cannot be read (no `ip`, or it fails).
NetView gather(const GatherOptions& options);

// The absolute path of `program` in $PATH or, as root's PATH has them, /usr/sbin and /sbin; empty
// when there is none.
std::string find_program(const std::string& program);

}  // namespace minipod::netview
