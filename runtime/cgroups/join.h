// How a new process joins its cgroup from the inside, so that no cgroup migration makes it wait.
//
// Moving another process (writing its pid to cgroup.procs) takes the kernel's
// cgroup_threadgroup_rwsem for writing: the first such move after a quiet spell waits for an RCU
// grace period (7.5 ms measured on these machines, up to ~20 ms when the CPUs were idle). Two
// ways around it, both taken by the new process itself before it runs anything of its own:
//   - v1 hierarchies: the single-threaded child writes "0" (itself) to each hierarchy's `tasks`
//     file. The kernel moves one thread that is `current` without that lock (0.2 ms);
//   - cgroup2 (a v2 host, or the empty cgroup2 of a hybrid one): the child is cloned straight into
//     the directory (clone3's CLONE_INTO_CGROUP, Linux 5.7): no migration at all. On an older
//     kernel it writes "0" to cgroup.procs instead, and waits.
#pragma once

#include <string>
#include <vector>

#include "common/fd.h"

namespace minipod::cgroups {

struct CgroupJoin {
  std::vector<std::string> tasks_files;  // v1: <dir>/tasks of each hierarchy
  std::string unified_dir;               // cgroup2: the directory to clone into ("" when none)
  std::string unified_procs;             // <unified_dir>/cgroup.procs, when the clone could not
  bool empty() const { return tasks_files.empty() && unified_dir.empty(); }
};

// The join of the directories `dirs` (one per hierarchy); those below `unified_mount` (the
// cgroup2 mount point, "" when none) are cgroup2.
CgroupJoin join_of(const std::vector<std::string>& dirs, const std::string& unified_mount);

// The cgroup2 directory to clone into (ns::clone_process' cgroup_dir_fd); no fd when there is
// none. Throws Error naming `whose` when it cannot be opened.
UniqueFd open_clone_target(const CgroupJoin& join, const std::string& whose);

// Child side, async-signal-safe: `placed` says whether the clone already put it into the cgroup2
// directory. Returns 0, or errno with *failed set to the file that refused.
int join_self(const CgroupJoin& join, bool placed, const char** failed);

}  // namespace minipod::cgroups
