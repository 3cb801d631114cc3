// Who the container's process runs as: runAsUser, runAsGroup, supplementalGroups (and fsGroup,
// which Kubernetes adds to them), container settings over pod settings. Our images have no USER,
// so an unset runAsUser means root; runAsNonRoot refuses that before anything is created.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "runtime/spec/pod_spec.h"

namespace minipod::security {

struct Identity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups; empty drops the runtime's own
};

// `field` is the container's path ("spec.containers[0]"), `prefix` goes before field paths in
// errors ("pod.yaml: "). Throws UsageError when runAsNonRoot is true and the user would be root.
Identity resolve_identity(const spec::Pod& pod, const spec::Container& container,
                          const std::string& field, const std::string& prefix = "");

}  // namespace minipod::security
