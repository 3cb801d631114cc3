// How one container of a pod is launched: the pod's namespaces, a fresh writable layer on its
// image, the pod's files and /dev/shm, its cgroup (and a cgroup namespace rooted there), its
// security plan and process. One recipe for the pod's own containers (container_start.h) and for
// ephemeral ones (`minipod debug`), plus the --trace lines that say what it did.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "runtime/cgroups/join.h"
#include "runtime/container/launcher.h"
#include "runtime/run/container_command.h"
#include "runtime/security/security_plan.h"
#include "runtime/spec/pod_spec.h"
#include "runtime/state/pod_record.h"

namespace minipod::run {

// What a container takes from its pod.
struct PodSide {
  int net_fd = -1, uts_fd = -1, ipc_fd = -1;  // -1: the host's (hostNetwork)
  int pid_fd = -1;                            // a PID namespace to share; -1: its own
  std::string shm_dir;
  std::string hostname_file, hosts_file, resolv_file;  // "" where there is none
};

struct ContainerLaunch {
  std::string name, image;
  std::vector<std::string> image_layers;  // top first
  std::filesystem::path layer_dir;        // made afresh: upper, work, rootfs
  ContainerProcess process;
  security::SecurityPlan security;
  cgroups::CgroupJoin cgroup;                  // empty: no cgroup (and no cgroup namespace)
  std::vector<container::VolumeBind> volumes;  // its volumeMounts
};

// The container's volumeMounts, each with its volume's place on the host (the pod's record).
std::vector<container::VolumeBind> volume_binds(const spec::Container& container,
                                                const std::vector<state::VolumeRecord>& volumes);

// Makes the container's writable layer (removing one a previous start left) and returns its
// LaunchSpec, stdio left unset (the caller's pipes).
container::LaunchSpec launch_spec(ContainerLaunch launch, const PodSide& pod);

// For --trace: what starting it does, and the commands that would do it by hand.
struct StartTrace {
  std::string step, command, security;
};
StartTrace describe_start(const container::LaunchSpec& spec, pid_t pause);

}  // namespace minipod::run
