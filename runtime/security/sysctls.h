// Pod sysctls (spec.securityContext.sysctls), written in the pod's own namespaces once pause holds
// them: net.* in its network namespace, kernel.shm*/msg*/sem and fs.mqueue.* in its IPC
// namespace. The manifest parser already refused the ones that are not namespaced. Nothing to
// undo: the values go away with the namespaces.
#pragma once

#include <vector>

#include "runtime/spec/pod_spec.h"

namespace minipod::security {

// Writes each sysctl from a short-lived child that joins `net_fd` and `ipc_fd` (-1: not joined).
// Throws Error naming "spec.securityContext.sysctls[i]" when one cannot be set.
void apply_sysctls(const std::vector<spec::Sysctl>& sysctls, int net_fd, int ipc_fd);

}  // namespace minipod::security
