// `minipod exec`: a new process in a running container. It joins every namespace of the
// container's main process (mount, pid, net, uts, ipc), starts in its working directory with its
// environment, and optionally gets a pseudo-terminal allocated inside the container's /dev/pts.
// Without one, its stdin, stdout and stderr are pipes that minipod relays (stdio_relay.h): none of
// the caller's descriptors ever enters the container.
#pragma once

#include <string>
#include <vector>

#include "runtime/cgroups/join.h"
#include "runtime/security/security_plan.h"
#include "runtime/state/pod_record.h"

namespace minipod::container {

struct ExecRequest {
  std::string pod, container;  // for messages
  state::ProcessRef target;    // the container's main process
  std::vector<std::string> argv;
  bool interactive = false;    // -i: our stdin goes to the process (else the container's /dev/null)
  bool tty = false;            // -t: a pty, our terminal in raw mode, window size followed
  cgroups::CgroupJoin cgroup;  // the container's, joined by the process itself (cgroups/join.h)
  security::SecurityPlan security;
};

// Runs the process to its end; returns its exit code (128+signal when killed).
int exec_in_container(const ExecRequest& request);

}  // namespace minipod::container
