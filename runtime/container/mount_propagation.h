// What a volume's mountPropagation needs of the host, checked before the container is made, as
// containerd's CRI does: HostToContainer receives the host's mount events only from a mount that
// is shared or a slave on the host, Bidirectional sends its own back only through a shared one.
#pragma once

#include <string>

namespace minipod::container {

// The host's mount holding `path` (its mount point) and its propagation, from
// /proc/self/mountinfo: "shared", "slave", "shared,slave" or "private".
struct HostMount {
  std::string mount_point;
  bool shared = false, slave = false;
};
HostMount host_mount_of(const std::string& path);

// Throws Error with containerd's words when `source`'s mount cannot give `propagation`
// (None, HostToContainer, Bidirectional):
//   path "/x" is mounted on "/" but it is not a shared mount
void check_propagation(const std::string& source, const std::string& propagation);

}  // namespace minipod::container
