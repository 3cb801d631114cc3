// Host binaries that enter a pod can neither be written nor handed to the pod (CVE-2019-5736).
//
// Every process that minipod puts into a container (a container's first process until it execs,
// `exec`, `debug`) is a copy of the minipod process, and pause is minipod-pause. Whatever such a
// process executes from inside the container can name "/proc/self/exe" (a `#!/proc/self/exe`
// script does), and any process of the pod that can see it can open /proc/<pid>/exe: both reach
// the binary the process was started from. If that is the host's file, the pod can re-run it
// inside, or reopen it for writing once it no longer runs, and the next pod runs the pod's code as
// root on the host.
//
// So those binaries are executed from a detached, read-only bind mount of the file (the new mount
// API: no entry in any mount table, nothing to clean up; the mount lives as long as a process runs
// from it): /proc/<pid>/exe then leads to a file on a read-only mount, and reopening it for
// writing fails with EROFS. Kernels without that API get a sealed memfd copy instead (runc's older
// way): a file of nobody's that cannot be written. Neither costs a copy of minipod on a current
// kernel.
#pragma once

#include <string>

#include "common/fd.h"

namespace minipod::security {

// An O_PATH descriptor of `path` on a read-only, nosuid, nodev detached bind mount (or of a sealed
// memfd copy), for execveat(fd, "", ..., AT_EMPTY_PATH). Throws Error naming the path.
UniqueFd read_only_executable(const std::string& path);

// Whether the running minipod already runs from such a file.
bool running_sealed();

// Makes the running minipod run from read_only_executable(/proc/self/exe): execs it again with
// the same arguments and environment, unless it already does. Call before anything that puts a
// process of ours into a container. Throws Error when it cannot.
void reexec_sealed(char** argv);

// The path of the minipod binary as installed (not the detached mount it runs from after
// reexec_sealed): minipod-pause is found next to it.
std::string installed_path();

}  // namespace minipod::security
