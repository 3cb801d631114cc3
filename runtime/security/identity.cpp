#include "runtime/security/identity.h"

#include <algorithm>

#include "common/error.h"

namespace minipod::security {

Identity resolve_identity(const spec::Pod& pod, const spec::Container& c, const std::string& field,
                          const std::string& prefix) {
  const auto& psc = pod.security_context;
  const auto& sc = c.security_context;
  Identity id;
  auto uid = sc.run_as_user ? sc.run_as_user : psc.run_as_user;
  auto gid = sc.run_as_group ? sc.run_as_group : psc.run_as_group;
  id.uid = static_cast<uid_t>(uid.value_or(0));
  id.gid = static_cast<gid_t>(gid.value_or(0));
  for (int64_t g : c.image_groups) id.groups.push_back(static_cast<gid_t>(g));
  for (int64_t g : psc.supplemental_groups) id.groups.push_back(static_cast<gid_t>(g));
  if (psc.fs_group) id.groups.push_back(static_cast<gid_t>(*psc.fs_group));
  std::sort(id.groups.begin(), id.groups.end());
  id.groups.erase(std::unique(id.groups.begin(), id.groups.end()), id.groups.end());

  bool non_root_set_on_container = sc.run_as_non_root.has_value();
  bool non_root = sc.run_as_non_root.value_or(psc.run_as_non_root.value_or(false));
  if (non_root && id.uid == 0) {
    std::string where =
        prefix + (non_root_set_on_container ? field + ".securityContext.runAsNonRoot"
                                            : "spec.securityContext.runAsNonRoot");
    throw UsageError(where, "container \"" + c.name + "\" would run as root (uid 0" +
                                (uid ? "" : ": no runAsUser, and the image sets no user") +
                                "); set runAsUser to a non-zero uid");
  }
  return id;
}

}  // namespace minipod::security
