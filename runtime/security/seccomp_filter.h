// Compiles a seccomp profile into a BPF program with libseccomp, in the parent (libseccomp
// allocates), and loads that ready program in the child with one prctl (no allocation).
#pragma once

#include <linux/filter.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/security/capabilities.h"
#include "runtime/security/seccomp_profile.h"

namespace minipod::security {

struct SeccompProgram {
  std::vector<sock_filter> instructions;
  size_t rules = 0;    // rules added (for --trace)
  size_t skipped = 0;  // system call names this libseccomp or architecture does not know
};

// `caps` are the container's capabilities, for the profile's includes/excludes conditions.
// Throws UsageError(what, ...) for a profile that libseccomp refuses.
SeccompProgram compile_profile(const SeccompProfile& profile, CapMask caps,
                               const std::string& what);

// A compiled program kept in a pod's directory, so `minipod exec` and `minipod debug` need not
// compile Docker's profile again (~8 ms). read_program: nullopt when missing or not a program.
void save_program(const std::filesystem::path& path, const std::vector<sock_filter>& program);
std::optional<std::vector<sock_filter>> read_program(const std::filesystem::path& path);

// Child side: installs the program; returns 0 or errno. Without no_new_privs the caller must
// still hold CAP_SYS_ADMIN.
int load_program(const std::vector<sock_filter>& program);

}  // namespace minipod::security
