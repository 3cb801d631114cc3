// The one place where a security plan is applied: in the child, after its filesystem is ready
// and just before exec. The order follows runc (runtime.md): rlimits, cgroup membership (joined
// earlier by the child itself), drop the bounding set, keep-caps, setgroups/setresgid/setresuid,
// capset, ambient set, no_new_privs, seccomp. Seccomp comes last when no_new_privs is set;
// without no_new_privs loading a filter needs CAP_SYS_ADMIN, so (as runc does) it is loaded
// before the capabilities are dropped, and the profile must allow the calls that follow
// (RuntimeDefault does).
#pragma once

#include "runtime/security/security_plan.h"

namespace minipod::security {

// What failed, for the child's report.
struct ApplyFailure {
  const char* step = "";
  const char* detail = "";
};

// Child side, async-signal-safe: returns 0, or the errno of the call that failed (and *failure
// names it).
int apply_security(const SecurityPlan& plan, ApplyFailure* failure);

}  // namespace minipod::security
