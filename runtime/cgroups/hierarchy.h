// Where the host's cgroup hierarchies are, detected at run time from /proc/self/mountinfo: a pure
// cgroup v2 host (one unified hierarchy at /sys/fs/cgroup), a pure v1 host (one hierarchy per
// controller), or a hybrid host (v1 controllers plus an empty cgroup2 mount, such as
// /sys/fs/cgroup/unified). crun refuses hybrid hosts; minipod uses the v1 controllers there.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace minipod::cgroups {

enum class Mode {
  kNone,     // no cgroup file system mounted
  kLegacy,   // v1 only
  kHybrid,   // v1 controllers, plus a cgroup2 mount without them
  kUnified,  // v2 at /sys/fs/cgroup
};

struct Hierarchies {
  Mode mode = Mode::kNone;
  std::string unified;                    // the cgroup2 mount point, "" when none
  std::map<std::string, std::string> v1;  // v1 controller -> mount point ("memory" -> ...)
};

// Parses the text of /proc/self/mountinfo. Pure, for unit tests.
Hierarchies parse_mountinfo(std::string_view mountinfo);

// The running host's hierarchies (read once).
const Hierarchies& host_hierarchies();

// "cgroup v2", "cgroup v1", "hybrid (v1 controllers, empty cgroup2 at ...)", "none".
std::string describe(const Hierarchies& h);

}  // namespace minipod::cgroups
