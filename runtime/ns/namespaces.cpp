#include "runtime/ns/namespaces.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include "common/error.h"

namespace minipod::ns {
namespace {

ino_t inode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw_errno("stat", path);
  return st.st_ino;
}

UniqueFd open_if_own(pid_t pid, const char* name) {
  std::string theirs = "/proc/" + std::to_string(pid) + "/ns/" + name;
  std::string ours = std::string("/proc/self/ns/") + name;
  if (inode_of(theirs) == inode_of(ours)) return UniqueFd();
  return open_namespace(pid, name);
}

// minipod ignores SIGPIPE (a reader that went away is an error to handle, not a reason to die);
// an ignored signal stays ignored across execve, and what runs in a pod must start as any
// program does.
void restore_child_signals() {
  ::signal(SIGPIPE, SIG_DFL);
}

}  // namespace

UniqueFd open_namespace(pid_t pid, const char* name) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/" + name;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open", path);
  return fd;
}

PodNamespaces open_namespaces(pid_t pid) {
  PodNamespaces ns;
  ns.net = open_if_own(pid, "net");
  ns.uts = open_if_own(pid, "uts");
  ns.ipc = open_if_own(pid, "ipc");
  ns.pid = open_if_own(pid, "pid");
  return ns;
}

unsigned long namespace_inode(pid_t pid, const char* name) {
  return inode_of("/proc/" + std::to_string(pid) + "/ns/" + name);
}

pid_t clone_process(unsigned long flags, int cgroup_dir_fd, bool* placed) {
  if (placed != nullptr) *placed = false;
  if (cgroup_dir_fd >= 0) {
    clone_args args{};
    args.flags = flags | CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<uint64_t>(cgroup_dir_fd);
    // Without a stack the child continues on a copy of the parent's, like fork().
    long rc = ::syscall(SYS_clone3, &args, sizeof args);
    if (rc == 0) restore_child_signals();
    if (rc >= 0) {
      if (placed != nullptr) *placed = true;  // in the child too: its copy of *placed
      return static_cast<pid_t>(rc);
    }
    // No clone3, or no CLONE_INTO_CGROUP: a plain clone, and the child joins by itself.
    if (errno != ENOSYS && errno != E2BIG && errno != EINVAL) throw_errno("clone3");
  }
  // With a null stack pointer the child continues on a copy of the parent's stack, like fork().
  long rc = ::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (rc < 0) throw_errno("clone");
  if (rc == 0) restore_child_signals();
  return static_cast<pid_t>(rc);
}

PidNamespaceForChildren::PidNamespaceForChildren(int pidns_fd)
    : own_(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) {
  if (!own_) throw_errno("open", "/proc/self/ns/pid");
  if (::setns(pidns_fd, CLONE_NEWPID) != 0) throw_errno("setns", "pod PID namespace");
}

PidNamespaceForChildren::~PidNamespaceForChildren() {
  if (::setns(own_.get(), CLONE_NEWPID) != 0)
    std::perror("minipod: setns back to own PID namespace");
}

}  // namespace minipod::ns
