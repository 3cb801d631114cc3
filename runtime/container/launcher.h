// Step 7: one container process. The child joins the pod's namespaces, gets a mount namespace and
// root filesystem of its own, and execs the user's command; the parent learns whether the exec
// happened (or which step failed) before launch() returns.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "runtime/cgroups/join.h"
#include "runtime/container/rootfs_plan.h"
#include "runtime/security/security_plan.h"

namespace minipod::container {

struct LaunchSpec {
  std::string name;   // for messages
  std::string image;  // for messages
  // The pod's namespaces to join; -1 stays in the caller's.
  int net_fd = -1, uts_fd = -1, ipc_fd = -1;
  int pid_fd = -1;  // shared pod PID namespace; -1: a new PID namespace of its own
  RootfsPlan rootfs;
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "K=V"
  std::string working_dir = "/";
  std::vector<std::string> exec_paths;  // candidates for argv[0] inside the container, in order
  // Pipes of minipod's; -1: the container's own /dev/null (never a descriptor of the host's).
  int stdin_fd = -1;
  int stdout_fd = -1, stderr_fd = -1;
  security::SecurityPlan security;
  // Its cgroup, which the child joins itself (cgroups/join.h) before anything else.
  cgroups::CgroupJoin cgroup;
  // A cgroup namespace of its own, rooted at that cgroup (the rootfs plan mounts it read-only at
  // /sys/fs/cgroup).
  bool cgroup_namespace = false;
};

// A container process that is cloned and sets up its namespaces and root filesystem, but runs
// nothing of its own until start(): the supervisor prepares the containers that start together
// at once (their mounts overlap) and then starts them one by one, in Kubernetes' order. One that
// is never started is killed and reaped when this goes.
class PreparedContainer {
 public:
  PreparedContainer() = default;
  PreparedContainer(PreparedContainer&& other) noexcept;
  PreparedContainer& operator=(PreparedContainer&& other) noexcept;
  ~PreparedContainer();

  pid_t pid() const { return pid_; }

 private:
  friend PreparedContainer prepare(const LaunchSpec& spec);
  friend pid_t start(PreparedContainer& prepared);
  void abandon();

  pid_t pid_ = -1;
  std::string name_, image_;
  int report_ = -1, go_ = -1;  // owned; read end of the exec report, write end of "go"
};

// Clones the container process, which joins its cgroups and namespaces and sets up its root
// filesystem, then waits for start(). Throws Error naming the container and the step.
PreparedContainer prepare(const LaunchSpec& spec);
// Lets it run, and returns its pid once it has exec'd its command.
// Throws Error naming the container and the step that failed (in the child, or here).
pid_t start(PreparedContainer& prepared);
// prepare() then start().
pid_t launch(const LaunchSpec& spec);

// Where execve() will look for `command` in the container: the command itself if it has a '/',
// else each PATH directory (from env, or the default PATH).
std::vector<std::string> exec_candidates(const std::string& command,
                                         const std::vector<std::string>& env);

// The same search on the host side, against the image's root filesystem (symlinks resolved
// inside it, common/safe_path.h): the path found, or "" when no candidate is a regular file there.
std::string find_in_image(const std::string& rootfs, const std::vector<std::string>& candidates);
// The same over an image's layers (top first): a regular file in some layer, or a symbolic link
// (whose target may be in another layer, which only the mounted overlay resolves).
std::string find_in_layers(const std::vector<std::string>& layers,
                           const std::vector<std::string>& candidates);

}  // namespace minipod::container
