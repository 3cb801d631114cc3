// The cgroup2 form of a device allow list: a BPF_PROG_TYPE_CGROUP_DEVICE program, as runc and crun
// build it. cgroup2 has no devices controller; instead the kernel runs the programs attached to a
// process's cgroup (and its ancestors') on every mknod and open of a device node, with
// struct bpf_cgroup_dev_ctx { access_type = access << 16 | type, major, minor }, and refuses
// (EPERM) unless every program returns 1.
//
// The program is a few instructions emitted here directly (no libbpf, no compiler): load the
// request into registers, then one block per rule that falls through to the next rule on the first
// field that does not match and returns 1 (allow) when all match; after the last rule, 0 (deny).
// Pure: loading and attaching it is device_program.h.
#pragma once

#include <linux/bpf.h>

#include <vector>

#include "runtime/cgroups/device_rules.h"

namespace minipod::cgroups {

// The program allowing exactly what `rules` allow, and denying everything else.
std::vector<bpf_insn> device_filter(const std::vector<DeviceRule>& rules);

}  // namespace minipod::cgroups
