// Step 2 of pod creation: the pause process that holds the pod's namespaces. It is PID 1 of the
// pod PID namespace, reaps zombies and waits for SIGTERM.
#pragma once

#include <sys/types.h>

#include <string>

#include "runtime/cgroups/join.h"
#include "runtime/ns/namespaces.h"
#include "runtime/state/pod_record.h"

namespace minipod::sandbox {

struct PauseOptions {
  std::string binary;          // the minipod-pause program
  std::string hostname;        // set in the new UTS namespace before exec
  bool host_network = false;   // hostNetwork pods keep the host's network and UTS namespaces
  cgroups::CgroupJoin cgroup;  // joined by pause itself before exec (none: stays in ours)
};

class PauseProcess {
 public:
  PauseProcess() = default;
  PauseProcess(PauseProcess&&) noexcept;
  PauseProcess& operator=(PauseProcess&&) noexcept;
  ~PauseProcess();

  // Clones pause into new namespaces: net, uts (unless host_network), ipc and pid. Not into a new
  // mount namespace: pause makes no mounts, and a private copy of the host's mount table would
  // pin every mount that exists at that moment (other pods' netns pins and /dev/shm) until pause
  // dies, so a torn-down pod's network namespace would outlive it.
  static PauseProcess start(const PauseOptions& options);

  pid_t pid() const { return ref_.pid; }
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
  bool reaped_ = true;
};

// The pause binary: $MINIPOD_PAUSE, else minipod-pause next to the running minipod.
std::string find_pause_binary();

}  // namespace minipod::sandbox
