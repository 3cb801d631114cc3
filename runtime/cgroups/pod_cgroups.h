// A pod's cgroups: <hierarchy>/minipod/<pod-id> with the pod-wide pids limit, pause in
// <pod>/_pause (a name no container can have), and one cgroup per container below the pod with
// that container's limits. OOM kills are counted per container start, so the supervisor can
// report a container as OOMKilled.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "runtime/cgroups/cgroup.h"
#include "runtime/spec/pod_spec.h"

namespace minipod::cgroups {

class PodCgroups {
 public:
  PodCgroups() = default;
  PodCgroups(const std::string& pod_id, const Hierarchies& hierarchies);

  // Where the pod's cgroup will be, one directory per hierarchy (recorded before create()).
  const std::vector<std::string>& dirs() const { return pod_.dirs(); }
  bool enabled() const { return !pod_.empty(); }

  // The pod's cgroup with its limits, and pause's below it.
  void create(const Limits& pod_limits);
  // How pause joins its cgroup (made by create()).
  CgroupJoin pause_join() const;
  // Creates the container's cgroup (once: a restart reuses it) and returns how its process joins
  // it before it runs user code. Remembers the OOM count. Not traced: the caller says where the
  // container went when it starts.
  CgroupJoin prepare_container(const std::string& name, const Limits& limits);
  // Whether the kernel OOM-killed a process of the container since prepare_container().
  bool oom_killed(const std::string& name) const;
  // What the container's cgroup got (limits, device access), for --trace; "" before
  // prepare_container().
  std::string container_applied(const std::string& name) const;
  // The container's cgroup directories, for tests and `inspect`.
  std::vector<std::string> container_dirs(const std::string& name) const;
  // Removes one container's cgroup (after its processes are gone): an ephemeral container's.
  void remove_container(const std::string& name);
  // Removes the pod's cgroup tree (after its processes are gone).
  void remove();

 private:
  Hierarchies h_;
  std::string relative_;
  Cgroup pod_;
  struct Child {
    Cgroup cgroup;
    uint64_t oom_base = 0;
  };
  std::map<std::string, Child> children_;
};

// The pod-wide pids limit: $MINIPOD_PIDS_LIMIT (a positive number, or 0 for none), else 4096.
// Throws UsageError for a bad value.
int64_t pod_pids_limit();

// Checks, before anything is created, that every limit of the pod can be enforced on this host.
// Throws UsageError("<prefix>spec.containers[i].resources.limits.memory", ...).
void check_pod(const spec::Pod& pod, const std::string& prefix);

}  // namespace minipod::cgroups
