// The --trace text of the sandbox's steps (sandbox.cpp): what each step did, and the command that
// would do the same by hand. Kept apart so that each step function reads as the step.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cni/config.h"
#include "runtime/sandbox/pause_process.h"
#include "runtime/state/pod_record.h"

namespace minipod::sandbox {

// One --trace step: what was done, and the command that does it by hand (empty: none).
struct TraceStep {
  std::string what, command;
};
// Prints it (nothing when --trace is off).
void trace(const TraceStep& step);

// Step 1: the name, the id and where the record is.
TraceStep describe_reserve(const std::string& pod_name, const std::string& id,
                           const std::filesystem::path& pod_dir);

// Step 2: pause cloned into its namespaces (`net_inode`: its network namespace's, unless
// hostNetwork), how it is confined, and the hostname and lo it sets up (none with hostNetwork).
struct PauseTrace {
  TraceStep clone;
  std::string confinement;
  std::optional<TraceStep> hostname;
};
PauseTrace describe_pause(const PauseOptions& pause, pid_t pid, uint64_t net_inode);
// Prints the clone, its confinement under it, then the hostname step.
void trace(const PauseTrace& pause);

// The containers' cgroups, made in the background below the pod's (`pod_cgroup`, the first
// hierarchy's).
TraceStep describe_container_cgroups(const std::string& pod_cgroup);

// Step 3: pause's network namespace bind-mounted at `netns`.
TraceStep describe_netns_pin(const std::string& netns, pid_t pause);

// Step 4.
TraceStep describe_shm(const std::string& shm_dir);
// One of the pod's volumes made ready (sandbox/pod_volumes.h).
TraceStep describe_volume(const state::VolumeRecord& volume);

// Step 5: the ADD of `list`, started in the background.
TraceStep describe_network_add(const cni::NetworkConfigList& list);

// Step 6: the pod's files written in `pod_dir` (the first time), then the pod's address put in
// its hosts file (after the ADD).
TraceStep describe_files_written(const std::filesystem::path& pod_dir);
TraceStep describe_address_added(const std::vector<std::string>& ips, const std::string& hostname,
                                 const std::filesystem::path& hosts_file);

}  // namespace minipod::sandbox
