// The one place where a container's security settings are applied, in the child, after its
// filesystem is ready and just before exec. The order matters and follows runc (runtime.md):
// rlimits, cgroup membership (done by the parent before it lets the child go), drop the bounding
// set, keep-caps, setgroups/setresgid/setresuid, capset, ambient set, no_new_privs, and seccomp
// last of all so that none of the calls before it need to be allowed by the profile.
#pragma once

namespace minipod::container {

// Everything the child needs, computed by the parent. Capabilities, seccomp, users, masked paths
// and rlimits are added here as they are implemented (issue "Container isolation like a real
// runtime"); today a container runs with the privileges of the runtime, as the issue 2 milestone
// documents in README.
struct SecurityPlan {};

// Child side; async-signal-safe; reports failures through report_fd and _exits.
void apply_security(const SecurityPlan& plan, int report_fd);

}  // namespace minipod::container
