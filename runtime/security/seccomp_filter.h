// Compiles a seccomp profile into a BPF program with libseccomp, in the parent (libseccomp
// allocates), and loads that ready program in the child with one prctl (no allocation).
#pragma once

#include <linux/filter.h>

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

// Child side: installs the program; returns 0 or errno. Without no_new_privs the caller must
// still hold CAP_SYS_ADMIN.
int load_program(const std::vector<sock_filter>& program);

}  // namespace minipod::security
