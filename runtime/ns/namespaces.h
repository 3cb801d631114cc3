// Linux namespaces of a pod, held as open file descriptors so that joining them never depends on
// a pid that may have died and been reused.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/fd.h"

namespace minipod::ns {

struct PodNamespaces {
  UniqueFd net, uts, ipc, pid;  // any may be empty (hostNetwork pods have no net/uts of their own)
};

// Opens /proc/<pid>/ns/<name> ("net", "pid", ...). Throws Error naming the path.
UniqueFd open_namespace(pid_t pid, const char* name);

// Opens /proc/<pid>/ns/<name> for each namespace that `pid` does not share with us.
PodNamespaces open_namespaces(pid_t pid);

// The inode number of /proc/<pid>/ns/<name> ("net", "uts", ...), e.g. for --trace.
unsigned long namespace_inode(pid_t pid, const char* name);

// A raw clone() that behaves like fork() but can create namespaces: returns 0 in the child.
// The child must only use async-signal-safe calls until it execs. With `cgroup_dir_fd` (an open
// cgroup2 directory) the child starts in that cgroup (clone3's CLONE_INTO_CGROUP): no migration.
// `*placed` (in parent and child) says whether it did: a kernel before 5.7 cannot, and the child
// is then cloned where its parent is.
pid_t clone_process(unsigned long flags, int cgroup_dir_fd = -1, bool* placed = nullptr);

// Makes the next clone_process() create its child in `pidns` (setns(CLONE_NEWPID) only affects
// children), and restores our own PID namespace for later children when destroyed.
class PidNamespaceForChildren {
 public:
  explicit PidNamespaceForChildren(int pidns_fd);
  ~PidNamespaceForChildren();
  PidNamespaceForChildren(const PidNamespaceForChildren&) = delete;
  PidNamespaceForChildren& operator=(const PidNamespaceForChildren&) = delete;

 private:
  UniqueFd own_;
};

}  // namespace minipod::ns
