// One container of the pod, ready to launch, and its security plan: compiled in the background
// while the sandbox is made, so that no container waits for libseccomp at its first start.
#pragma once

#include <future>
#include <string>
#include <vector>

#include "runtime/run/restart_policy.h"
#include "runtime/security/security_plan.h"
#include "runtime/spec/pod_spec.h"
#include "runtime/state/paths.h"

namespace minipod::run {

// One container of the pod, ready to launch (argv resolved, image found).
struct ContainerPlan {
  const spec::Container* spec;
  using Role = ContainerRole;
  Role role;
  std::vector<std::string> image_layers;  // the overlay's lower layers, top first
  std::string image_digest;               // manifest digest; empty for a flat local image
  std::vector<std::string> argv, env, exec_paths;
  std::string working_dir;
  // Capabilities, user, seccomp program...: compiled in the background while the sandbox is
  // created (see compile_security_plans), ready by the container's first start.
  std::shared_future<security::SecurityPlan> security;
};

// Starts building every container's security plan on a background thread: libseccomp takes ~8 ms
// of CPU for Docker's profile when the program is not in the run dir's cache yet (overlapped with
// pause, the netns and the CNI ADD).
void compile_security_plans(const spec::Pod& pod, std::vector<ContainerPlan>& plans,
                            const state::Paths& paths);

// The plan's security plan: the one compile_security_plans started, else built now (once: later
// starts of the container reuse it).
const security::SecurityPlan& security_plan(ContainerPlan& plan, const spec::Pod& pod,
                                            const state::Paths& paths);

}  // namespace minipod::run
