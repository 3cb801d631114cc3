// One cgroup, at the same relative path in every hierarchy minipod uses: on v1 (and hybrid) hosts
// the memory, cpu, pids and devices controllers' hierarchies (plus the empty cgroup2 of a hybrid
// host, for tracking and the device program), on v2 the unified hierarchy with those controllers
// enabled on the way down.
// Layout: <hierarchy>/minipod/<pod-id> for a pod, <hierarchy>/minipod/<pod-id>/<container>.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/cgroups/device_access.h"
#include "runtime/cgroups/hierarchy.h"
#include "runtime/cgroups/join.h"
#include "runtime/cgroups/limits.h"

namespace minipod::cgroups {

// The controllers minipod limits. cpuset is left alone (on v1 a new cpuset cgroup starts empty).
inline const std::vector<std::string> kControllers{"memory", "cpu", "pids", "devices"};

class Cgroup {
 public:
  Cgroup() = default;
  // The directories the cgroup `relative` ("minipod/<id>") has or will have; creates nothing.
  Cgroup(const Hierarchies& hierarchies, std::string relative);

  // Creates the directories (and parents), writes the limits and restricts device access
  // (device_access.h: the v1 list where there is a v1 devices hierarchy, the BPF program where
  // there is a cgroup2 directory). Throws Error naming the file; on failure, directories made by
  // this call are removed again.
  void create(const Limits& limits);
  // What the last create() applied, for --trace: "pids 64; devices: v1 allow list (11 rules) in
  // ...; BPF device program (64 instructions) attached to ...".
  std::string applied() const;
  const DeviceEnforcement& devices() const { return devices_; }
  // How a new process joins this cgroup itself (join.h).
  CgroupJoin join() const;
  // Removes the cgroup and everything below it, deepest first; retries briefly while the kernel
  // still counts exiting processes (EBUSY). Missing directories are fine. Throws on failure.
  void remove() const;

  // Kernel OOM kills in this cgroup so far (v1 memory.oom_control / v2 memory.events oom_kill).
  uint64_t oom_kills() const;
  // The directory of a controller (v1) or the unified one (v2); "" when it is not available.
  std::string dir_of(const std::string& controller) const;
  // Every directory, one per hierarchy.
  const std::vector<std::string>& dirs() const { return dirs_; }
  const std::string& relative() const { return relative_; }
  bool empty() const { return dirs_.empty(); }

 private:
  Hierarchies h_;
  std::string relative_;
  std::vector<std::string> dirs_;
  Limits limits_;
  DeviceEnforcement devices_;
};

// A cgroup file system mounted at /sys/fs/cgroup[/subdir] by a container in a cgroup namespace of
// its own, so that it sees its own cgroup as the root.
struct CgroupfsMount {
  std::string subdir;   // "" for /sys/fs/cgroup itself (a v2 host); "memory", "unified", ...
  std::string fstype;   // "cgroup2" or "cgroup"
  std::string options;  // v1: the hierarchy's controllers ("cpu,cpuacct")
};

// The hierarchies minipod puts a container in (those of Cgroup's directories), as the container
// mounts them; empty on a host without cgroups.
std::vector<CgroupfsMount> container_cgroupfs(const Hierarchies& hierarchies);

// Removes pod cgroups named by a pod record (PodRecord::cgroups), e.g. when cleaning up after a
// crash: each directory and everything below it. Paths outside a ".../minipod/<id>" layout are
// refused (a damaged record must not remove other cgroups). Throws on failure.
void remove_recorded(const std::vector<std::string>& dirs);

// Parses "oom_kill N" out of memory.oom_control or memory.events text.
uint64_t parse_oom_kill(const std::string& text);

}  // namespace minipod::cgroups
