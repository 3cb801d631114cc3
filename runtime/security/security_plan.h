// A process's whole security context as plain data: computed in the parent (plan_security.h),
// which may allocate and read files, and applied by the child just before exec
// (apply_security.h), which may not.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "runtime/security/capabilities.h"
#include "runtime/security/rlimits.h"

namespace minipod::security {

// A default-constructed plan changes nothing (the runtime's own privileges).
struct SecurityPlan {
  bool configured = false;
  bool privileged = false;      // all capabilities, no seccomp, no masked paths, host devices
  bool read_only_root = false;  // readOnlyRootFilesystem (applied by the rootfs plan)
  std::vector<Rlimit> rlimits;
  CapabilitySets caps;
  int last_cap = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  bool no_new_privs = false;
  std::vector<sock_filter> seccomp;  // empty: unconfined
  // For --trace: the profile, its size and where the program came from ("RuntimeDefault (Docker's
  // default profile), 350 rules, 980 BPF instructions, compiled earlier: <cache file>").
  std::string seccomp_what = "unconfined";
};

// One line for --trace: user, groups, capabilities, no_new_privs, seccomp, rlimits.
std::string describe(const SecurityPlan& plan);

}  // namespace minipod::security
