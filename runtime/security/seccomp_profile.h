// A seccomp profile in the Docker/OCI JSON format, as data: the RuntimeDefault profile (Docker's
// default, written in this same form: default_profile.h) and Localhost profiles read from a
// file, so existing profiles can be reused. Compiling a profile into a filter is
// seccomp_filter.h's job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace minipod::security {

struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0, value_two = 0;
  std::string op;  // SCMP_CMP_EQ, SCMP_CMP_MASKED_EQ, ...
};

struct SeccompRule {
  std::vector<std::string> names;
  std::string action;  // SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, ...
  std::optional<int> errno_ret;
  std::vector<SeccompArg> args;
  // Conditions (Docker's includes/excludes): the rule applies only when the container has all of
  // include_caps and none of exclude_caps, the architecture is listed (if any are), and the
  // kernel is at least min_kernel.
  std::vector<std::string> include_caps, exclude_caps;      // "CAP_SYS_ADMIN"
  std::vector<std::string> include_arches, exclude_arches;  // "amd64", "x86", ...
  std::string min_kernel;                                   // "4.8"
};

struct SeccompProfile {
  std::string default_action = "SCMP_ACT_ERRNO";
  std::optional<int> default_errno;
  std::vector<std::string> architectures;  // SCMP_ARCH_*; empty: the native one and its sub-arches
  std::vector<SeccompRule> syscalls;
};

// Parses a Docker- or OCI-format profile. Throws UsageError(what, ...) naming the JSON field.
SeccompProfile parse_profile(const std::string& json_text, const std::string& what);

}  // namespace minipod::security
