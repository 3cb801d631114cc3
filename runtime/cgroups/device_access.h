// Restricting a container's cgroup to the default device allow list, with whatever the host has:
// the v1 devices controller (v1 and hybrid hosts) gets the list as devices.deny/devices.allow
// lines, a cgroup2 directory (v2 hosts, and the empty cgroup2 of a hybrid host) gets the list as a
// BPF device program. On a hybrid host both apply: the kernel checks the program in addition to
// the v1 controller, so each is a defence if the other is missing or wrong.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "runtime/cgroups/device_rules.h"
#include "runtime/cgroups/limits.h"

namespace minipod::cgroups {

// What was applied: the trace says this, never more.
struct DeviceEnforcement {
  bool requested = false;  // Limits::device_allowlist (false for a privileged container)
  std::string v1_dir;      // the v1 devices directory the lines went to ("" when none)
  size_t v1_rules = 0;
  std::string bpf_dir;  // the cgroup2 directory the program is attached to ("" when none)
  size_t bpf_instructions = 0;
};

// The v1 devices controller's writes for `rules`: everything denied first, then each rule allowed
// ("devices.deny a", then "devices.allow c 1:3 rwm", ...).
std::vector<FileWrite> v1_device_files(const std::vector<DeviceRule>& rules);

// Applies default_device_rules() to `v1_dir` (the cgroup's directory in the v1 devices hierarchy,
// "" when there is none) and `cgroup2_dir` (its cgroup2 directory, "" when none). Throws Error
// naming the file or directory that refused; then some of it may be applied (the caller removes
// the cgroup).
DeviceEnforcement restrict_devices(const std::string& v1_dir, const std::string& cgroup2_dir);

// "devices: v1 allow list (11 rules) in <dir>; BPF device program (64 instructions) attached to
// <dir>", "devices: no restriction (privileged)", ...
std::string describe(const DeviceEnforcement& applied);

}  // namespace minipod::cgroups
