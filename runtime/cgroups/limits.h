// A container's or a pod's resource limits, and how they map to cgroup files on v1 and v2.
// The conversions are Kubernetes': CPU requests become shares (1 CPU = 1024), CPU limits a CFS
// quota over a 100 ms period, and on v2 shares become a weight with the formula runc and crun use
// (2 -> 1, 1024 -> 100, 262144 -> 10000).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/spec/pod_spec.h"

namespace minipod::cgroups {

constexpr int64_t kCpuPeriodUs = 100'000;
constexpr int64_t kDefaultPodPidsLimit = 4096;

struct Limits {
  std::optional<int64_t> memory_bytes;
  std::optional<int64_t> cpu_quota_us;  // per kCpuPeriodUs
  std::optional<uint64_t> cpu_shares;   // v1 unit; v2 gets cpu_weight(shares)
  std::optional<int64_t> pids_max;
  // Only the device nodes a container needs (default_device_rules(), runc's list): without it,
  // CAP_MKNOD lets a container create a node for the host's disk and read it. Not for privileged
  // containers. Applied by Cgroup::create (device_access.h), not by limit_files: the v1 devices
  // controller's lines and, on cgroup2, a BPF program.
  bool device_allowlist = false;
  bool empty() const {
    return !memory_bytes && !cpu_quota_us && !cpu_shares && !pids_max && !device_allowlist;
  }
};

// Kubernetes: limits.memory, limits.cpu as quota, requests.cpu (or limits.cpu when no request
// is given, as the API server defaults it) as shares.
Limits container_limits(const spec::Resources& resources);
// The same, plus the device allow list unless the container is privileged.
Limits container_limits(const spec::Container& container);

uint64_t cpu_shares(int64_t millicores);   // 1000m -> 1024, at least 2, at most 262144
int64_t cpu_quota_us(int64_t millicores);  // 1000m -> 100000, at least 1000
uint64_t cpu_weight(uint64_t shares);      // 1024 -> 100, 1..10000

enum class Version { kV1, kV2 };

struct FileWrite {
  std::string controller;  // "memory", "cpu", "pids"
  std::string file;        // relative to the cgroup directory
  std::string value;
  bool optional = false;  // skipped when the file does not exist (memsw without swap accounting)
};

// The files to write, in order, for these limits (device_allowlist aside).
std::vector<FileWrite> limit_files(Version version, const Limits& limits);

// The controllers the limits need.
std::vector<std::string> needed_controllers(const Limits& limits);

// "memory 33554432 bytes, cpu quota 50000/100000 us, ..." for --trace. Device access is said by
// what Cgroup::create applied (cgroup.h), not here.
std::string describe(const Limits& limits);

}  // namespace minipod::cgroups
