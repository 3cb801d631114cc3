// Step 2 of pod creation: the pause process that holds the pod's namespaces. It is PID 1 of the
// pod PID namespace, reaps zombies and waits for SIGTERM.
#pragma once

#include <sys/types.h>

#include <string>

#include "runtime/cgroups/join.h"
#include "runtime/ns/namespaces.h"
#include "runtime/security/security_plan.h"
#include "runtime/state/pod_record.h"

namespace minipod::sandbox {

struct PauseOptions {
  std::string binary;          // the minipod-pause program
  std::string hostname;        // set in the new UTS namespace before exec
  bool host_network = false;   // hostNetwork pods keep the host's network and UTS namespaces
  cgroups::CgroupJoin cgroup;  // joined by pause itself before exec (none: stays in ours)
  // An empty directory of minipod's: pause's root is a read-only tmpfs mounted on it in pause's
  // own mount namespace (nothing of it is seen on the host).
  std::string root_dir;
  // Applied just before exec: an unprivileged user, no capabilities, no_new_privs, seccomp.
  security::SecurityPlan security;
};

class PauseProcess {
 public:
  PauseProcess() = default;
  PauseProcess(PauseProcess&&) noexcept;
  PauseProcess& operator=(PauseProcess&&) noexcept;
  ~PauseProcess();

  // Clones pause into new namespaces: net, uts (unless host_network), ipc, pid and mount. pause is
  // a container like the others (in Kubernetes it is one), and it is PID 1 of a shared PID
  // namespace, so everything of the host it holds is within reach of the pod (/proc/1/root,
  // /proc/1/mountinfo, ptrace): its mount namespace is reduced to an empty read-only root by
  // pivot_root (its copy of the host's mount table is detached at once, so it pins none of the
  // host's mounts, such as other pods' netns pins), it runs as 65535 without capabilities, with
  // no_new_privs and the default seccomp profile, non-dumpable, from a read-only bind of its
  // binary (security/sealed_binary.h).
  static PauseProcess start(const PauseOptions& options);

  pid_t pid() const { return ref_.pid; }
  bool started() const { return ref_.pid > 0; }
  // Readable once pause has exited (a pidfd): for the poll loop that supervises the pod. -1 on a
  // kernel without pidfd_open (before 5.3).
  int exit_fd() const { return pidfd_.get(); }
  const state::ProcessRef& ref() const { return ref_; }
  ns::PodNamespaces& namespaces() { return ns_; }

  // Exited on its own? Reaps it if so.
  bool exited();
  // SIGKILL and reap. Killing PID 1 of the pod PID namespace also kills everything left in it;
  // the kernel finishes that before the reap returns.
  void kill_and_reap();

 private:
  state::ProcessRef ref_;
  ns::PodNamespaces ns_;
  UniqueFd pidfd_;
  bool reaped_ = true;
};

// The pause binary: $MINIPOD_PAUSE, else minipod-pause next to the running minipod.
std::string find_pause_binary();

}  // namespace minipod::sandbox
