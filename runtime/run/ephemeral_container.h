// `minipod debug`: one more container in a running pod. Kubernetes calls it an ephemeral
// container (`kubectl debug POD --image=busybox -it`): it joins the pod's network, UTS and IPC
// namespaces (so it reaches its siblings on 127.0.0.1), gets its own mount namespace and root
// filesystem from an image, the pod's security defaults and a cgroup below the pod's, and runs in
// the foreground until its command ends, its stdin, stdout and stderr relayed through pipes of
// minipod's (container/stdio_relay.h: the caller's descriptors never enter the pod). It is not
// restarted and leaves nothing behind: its writable layer and cgroup go when it ends (and with the
// pod, if the caller is killed first).
#pragma once

#include <string>
#include <vector>

namespace minipod::run {

struct EphemeralRequest {
  std::string pod;    // name or id prefix
  std::string name;   // empty: "debugger-" and five random characters, as kubectl does
  std::string image;  // a name from the image store (busybox is built on first use)
  std::string image_dir;
  // A container of the pod whose PID namespace to join (kubectl debug --target), so its processes
  // can be seen and signalled. Empty: the pod's PID namespace when it is shared, else a new one.
  std::string target;
  std::vector<std::string> command;  // empty: the image's default command
  bool interactive = false;          // -i: our stdin goes to the container (else none: EOF)
};

// Runs the container to its end and returns its exit code (128+signal when killed). A stop
// request (Ctrl-C, SIGTERM, SIGHUP) kills it. Throws UsageError for a bad request (no such pod,
// pod not running, name taken, no such image or command), Error for a failed step.
int run_ephemeral_container(const EphemeralRequest& request);

}  // namespace minipod::run
