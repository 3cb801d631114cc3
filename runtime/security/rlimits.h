// Resource limits set in the container before exec. Like containerd: RLIMIT_NOFILE 1024. A limit
// is never raised above the runtime's own hard limit (without CAP_SYS_RESOURCE that fails): it is
// lowered to that hard limit instead, and --trace says so.
#pragma once

#include <sys/resource.h>

#include <string>
#include <vector>

namespace minipod::security {

struct Rlimit {
  int resource = 0;
  rlim_t soft = 0, hard = 0;
  const char* name = "";
};

// `current_hard(resource)` gives the runtime's hard limit (injectable for tests).
std::vector<Rlimit> default_rlimits(rlim_t (*current_hard)(int) = nullptr);

// Child side: returns 0 or errno, and the failing limit's name in *name.
int apply_rlimits(const std::vector<Rlimit>& limits, const char** name);

}  // namespace minipod::security
