// The one place where a container's security settings are applied, in the child, after its
// filesystem is ready and just before exec. The order follows runc (runtime.md): rlimits, cgroup
// membership (done by the parent before it lets the child go), drop the bounding set, keep-caps,
// setgroups/setresgid/setresuid, capset, ambient set, no_new_privs, seccomp. Seccomp comes last
// when no_new_privs is set; without no_new_privs loading a filter needs CAP_SYS_ADMIN, so (as
// runc does) it is loaded before the capabilities are dropped, and the profile must allow the
// calls that follow (RuntimeDefault does).
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "runtime/security/capabilities.h"
#include "runtime/security/rlimits.h"

namespace minipod::container {

// Everything the child needs, computed by the parent (runtime/security/container_security.h) as
// plain data. A default-constructed plan changes nothing (the runtime's own privileges).
struct SecurityPlan {
  bool configured = false;
  bool privileged = false;      // all capabilities, no seccomp, no masked paths, host devices
  bool read_only_root = false;  // readOnlyRootFilesystem (applied by the rootfs plan)
  std::vector<security::Rlimit> rlimits;
  security::CapabilitySets caps;
  int last_cap = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  bool no_new_privs = false;
  std::vector<sock_filter> seccomp;  // empty: unconfined
  std::string seccomp_origin;        // for --trace: "compiled", or the cache entry it came from
};

// Child side; async-signal-safe; reports failures through report_fd and _exits.
void apply_security(const SecurityPlan& plan, int report_fd);

}  // namespace minipod::container
