#include "runtime/cgroups/limits.h"

#include <algorithm>
#include <cmath>

#include "common/strings.h"

namespace minipod::cgroups {

Limits container_limits(const spec::Container& c) {
  Limits l = container_limits(c.resources);
  l.device_allowlist = !c.security_context.privileged.value_or(false);
  return l;
}

uint64_t cpu_shares(int64_t millicores) {
  // Kubernetes' MilliCPUToShares.
  int64_t shares = millicores * 1024 / 1000;
  return static_cast<uint64_t>(std::clamp<int64_t>(shares, 2, 262'144));
}

int64_t cpu_quota_us(int64_t millicores) {
  // Kubernetes' MilliCPUToQuota; a quota under 1 ms is raised to 1 ms, as the kernel requires.
  int64_t quota = millicores * kCpuPeriodUs / 1000;
  return std::max<int64_t>(quota, 1000);
}

uint64_t cpu_weight(uint64_t shares) {
  // runc 1.3 / crun: a quadratic fit in log2 space so that the defaults line up (1024 shares ->
  // weight 100, the v2 default) and both ends map to the ends of the weight range.
  if (shares == 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262'144) return 10'000;
  double l = std::log2(static_cast<double>(shares));
  double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  auto w = static_cast<uint64_t>(std::ceil(std::pow(10.0, exponent)));
  return std::clamp<uint64_t>(w, 1, 10'000);
}

Limits container_limits(const spec::Resources& r) {
  Limits l;
  l.memory_bytes = r.limits.memory_bytes;
  if (r.limits.cpu_millis) l.cpu_quota_us = cpu_quota_us(*r.limits.cpu_millis);
  auto request = r.requests.cpu_millis ? r.requests.cpu_millis : r.limits.cpu_millis;
  if (request) l.cpu_shares = cpu_shares(*request);
  return l;
}

std::vector<FileWrite> limit_files(Version v, const Limits& l) {
  std::vector<FileWrite> out;
  bool v2 = v == Version::kV2;
  if (l.memory_bytes) {
    std::string bytes = std::to_string(*l.memory_bytes);
    if (v2) {
      out.push_back({"memory", "memory.max", bytes});
      // No swap: a limit that holds (kubelet's NoSwap).
      out.push_back({"memory", "memory.swap.max", "0", true});
    } else {
      out.push_back({"memory", "memory.limit_in_bytes", bytes});
      out.push_back({"memory", "memory.memsw.limit_in_bytes", bytes, true});
    }
  }
  if (l.cpu_quota_us) {
    std::string quota = std::to_string(*l.cpu_quota_us), period = std::to_string(kCpuPeriodUs);
    if (v2) {
      out.push_back({"cpu", "cpu.max", quota + " " + period});
    } else {
      // The period first: the kernel checks the quota against the current period.
      out.push_back({"cpu", "cpu.cfs_period_us", period});
      out.push_back({"cpu", "cpu.cfs_quota_us", quota});
    }
  }
  if (l.cpu_shares) {
    if (v2)
      out.push_back({"cpu", "cpu.weight", std::to_string(cpu_weight(*l.cpu_shares))});
    else
      out.push_back({"cpu", "cpu.shares", std::to_string(*l.cpu_shares)});
  }
  if (l.pids_max) out.push_back({"pids", "pids.max", std::to_string(*l.pids_max)});
  return out;
}

std::vector<std::string> needed_controllers(const Limits& l) {
  std::vector<std::string> out;
  if (l.memory_bytes) out.push_back("memory");
  if (l.cpu_quota_us || l.cpu_shares) out.push_back("cpu");
  if (l.pids_max) out.push_back("pids");
  return out;
}

std::string describe(const Limits& l) {
  std::vector<std::string> parts;
  if (l.memory_bytes) parts.push_back("memory " + std::to_string(*l.memory_bytes) + " bytes");
  if (l.cpu_quota_us)
    parts.push_back("cpu quota " + std::to_string(*l.cpu_quota_us) + "/" +
                    std::to_string(kCpuPeriodUs) + " us");
  if (l.cpu_shares)
    parts.push_back("cpu shares " + std::to_string(*l.cpu_shares) + " (weight " +
                    std::to_string(cpu_weight(*l.cpu_shares)) + ")");
  if (l.pids_max) parts.push_back("pids " + std::to_string(*l.pids_max));
  return parts.empty() ? "no limits" : join(parts, ", ");
}

}  // namespace minipod::cgroups
