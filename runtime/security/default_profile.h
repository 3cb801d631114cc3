// The RuntimeDefault seccomp profile: Docker's default, written as the data a Localhost profile
// would hold (seccomp_profile.h), so that both compile the same way.
#pragma once

#include "runtime/security/seccomp_profile.h"

namespace minipod::security {

// Docker's default profile (moby profiles/seccomp/default.json): default action EPERM, a list of
// allowed system calls, more when the container has the capability that makes them safe,
// `clone` without namespace flags, `clone3` answered with ENOSYS, `socket` except AF_VSOCK.
SeccompProfile runtime_default_profile();

}  // namespace minipod::security
