#include "runtime/security/sysctls.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fd.h"
#include "common/trace.h"
#include "runtime/ns/child_report.h"
#include "runtime/spec/sysctl.h"

namespace minipod::security {

void apply_sysctls(const std::vector<spec::Sysctl>& sysctls, int net_fd, int ipc_fd) {
  if (sysctls.empty()) return;
  // Everything the child touches is prepared here: it must not allocate after fork().
  std::vector<std::string> paths;
  std::vector<std::string> indexes;
  for (const auto& s : sysctls) {
    paths.push_back(spec::sysctl_proc_path(s.name));
    indexes.push_back(std::to_string(indexes.size()));
  }

  Pipe report = make_pipe();
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork", "to set the pod's sysctls");
  if (pid == 0) {
    int fd = report.write.get();
    // /proc/sys/net and the IPC sysctls show the namespaces of the process that opens them.
    if (net_fd >= 0 && ::setns(net_fd, CLONE_NEWNET) != 0)
      ns::child_fail(fd, "setns", "the pod network namespace", errno);
    if (ipc_fd >= 0 && ::setns(ipc_fd, CLONE_NEWIPC) != 0)
      ns::child_fail(fd, "setns", "the pod IPC namespace", errno);
    for (size_t i = 0; i < sysctls.size(); ++i) {
      int f = ::open(paths[i].c_str(), O_WRONLY | O_CLOEXEC);
      const std::string& value = sysctls[i].value;
      if (f < 0 || ::write(f, value.data(), value.size()) != static_cast<ssize_t>(value.size()))
        ns::child_fail(fd, indexes[i].c_str(), paths[i].c_str(), errno);
      ::close(f);
    }
    ::_exit(0);
  }
  report.write.reset();
  ns::ChildFailure f{};
  bool failed = ns::read_child_failure(report.read.get(), f);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (failed) {
    std::string step = f.step;
    if (step == "setns") throw Error("set the pod's sysctls: setns", f.detail, f.err);
    size_t i = std::stoul(step);
    throw Error("spec.securityContext.sysctls[" + step + "]",
                "set " + sysctls[i].name + " = \"" + sysctls[i].value + "\" (" + f.detail + ")",
                f.err);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error("set the pod's sysctls", "the helper process failed");
  auto& t = Tracer::get();
  for (const auto& s : sysctls)
    t.step("sysctl " + s.name + " = " + s.value + " in the pod's namespaces",
           "ip netns exec <pod> sysctl -w " + s.name + "=" + shell_quote(s.value));
}

}  // namespace minipod::security
