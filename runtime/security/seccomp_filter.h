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
  size_t rules = 0;        // rules added (for --trace)
  size_t skipped = 0;      // system call names this libseccomp or architecture does not know
  std::string cache_file;  // set when the program was read from the cache
};

// `caps` are the container's capabilities, for the profile's includes/excludes conditions.
// Throws UsageError(what, ...) for a profile that libseccomp refuses.
//
// With a `cache_dir`, compiled programs are kept there (<sha256>.bpf): compiling Docker's profile
// costs libseccomp ~8 ms of CPU, on a 2-core machine taken from the pod start it overlaps. The key
// covers what libseccomp is given once the profile's conditions are resolved (rules, actions,
// arguments, architectures), libseccomp's version and API level, and the native architecture.
SeccompProgram compile_profile(const SeccompProfile& profile, CapMask caps, const std::string& what,
                               const std::filesystem::path& cache_dir = {});

// A compiled program kept in a pod's directory, so `minipod exec` and `minipod debug` need not
// compile Docker's profile again (~8 ms). read_program: nullopt when missing or not a program.
void save_program(const std::filesystem::path& path, const std::vector<sock_filter>& program);
std::optional<std::vector<sock_filter>> read_program(const std::filesystem::path& path);

// Child side: installs the program; returns 0 or errno. Without no_new_privs the caller must
// still hold CAP_SYS_ADMIN.
int load_program(const std::vector<sock_filter>& program);

}  // namespace minipod::security
