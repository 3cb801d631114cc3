// The security plan of a container (from its securityContext and the pod's: capabilities, user
// and groups, no_new_privs, the seccomp filter compiled here in the parent, rlimits, privileged,
// readOnlyRootFilesystem) and of pause. The same function checks a manifest before anything is
// created and builds the plan at each start; apply_security.h applies it in the child.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/security/security_plan.h"
#include "runtime/spec/pod_spec.h"

namespace minipod::security {

struct SecurityOptions {
  // Where Localhost profiles are: <MINIPOD_DATA_DIR>/seccomp (kubelet: <root-dir>/seccomp).
  std::filesystem::path seccomp_dir;
  std::string field_prefix;  // e.g. "pod.yaml: ", put before field paths in errors
  // false: everything is resolved and checked but Docker's default profile is not compiled (it is
  // known to compile; a Localhost profile still is, to check it).
  bool compile_default_profile = true;
  // Where compiled programs are kept between runs (seccomp_cache_dir()); empty: no cache.
  std::filesystem::path program_cache;
  // The container's RuntimeDefault program as its start saved it in the pod's directory: `exec`
  // and `debug` use it instead of compiling Docker's profile again (~8 ms).
  std::optional<std::vector<sock_filter>> saved_default_program;
};

// `field` is the container's path ("spec.containers[0]", spec/field_path.h). Throws UsageError
// naming the field.
SecurityPlan plan_container_security(const spec::Pod& pod, const spec::Container& container,
                                     const std::string& field, const SecurityOptions& options);

// pause's user: 65535, as in Kubernetes' pause image.
constexpr uid_t kPauseUser = 65535;

// pause's confinement: kPauseUser, no capabilities in any set, no_new_privs, Docker's seccomp
// profile as for a container without capabilities (pause only waits and reaps).
SecurityPlan plan_pause_security(const SecurityOptions& options);

// Checks every container of the pod (plan_container_security for each), before anything exists.
// Cheap: Docker's default profile is not compiled here.
void check_pod(const spec::Pod& pod, const SecurityOptions& options);

// <data dir>/seccomp.
std::filesystem::path seccomp_profile_dir(const std::filesystem::path& data_dir);
// <run dir>/seccomp-cache: compiled programs, emptied by a reboot like the rest of the run dir.
std::filesystem::path seccomp_cache_dir(const std::filesystem::path& run_dir);
// What a container start on this host uses: Localhost profiles from <data dir>/seccomp, compiled
// programs kept in <run dir>/seccomp-cache.
SecurityOptions start_options(const std::filesystem::path& data_dir,
                              const std::filesystem::path& run_dir);

}  // namespace minipod::security
