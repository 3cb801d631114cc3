#include "runtime/container/security.h"

#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/ns/child_report.h"
#include "runtime/security/seccomp_filter.h"

namespace minipod::container {
namespace {

void load_seccomp(const SecurityPlan& p, int report) {
  if (p.seccomp.empty()) return;
  if (int err = security::load_program(p.seccomp); err != 0)
    ns::child_fail(report, "load the seccomp filter", "", err);
}

}  // namespace

void apply_security(const SecurityPlan& p, int report) {
  if (!p.configured) return;
  const char* what = "";
  if (int err = security::apply_rlimits(p.rlimits, &what); err != 0)
    ns::child_fail(report, "setrlimit", what, err);

  if (!p.no_new_privs) load_seccomp(p, report);  // still holding CAP_SYS_ADMIN

  if (int err = security::drop_bounding_set(p.caps.bounding, p.last_cap, &what); err != 0)
    ns::child_fail(report, what, "", err);
  // Keep the permitted set across setresuid() to a non-root user; capset() below trims it.
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
    ns::child_fail(report, "prctl PR_SET_KEEPCAPS", "", errno);
  // Raw system calls, not glibc's wrappers: those change the credentials of every thread of the
  // process (POSIX), by signalling the threads glibc knows of and waiting for them. A child
  // cloned from a parent with other threads running (the CNI ADD, the cgroup work) inherits that
  // list but not the threads, and would wait forever.
  if (::syscall(SYS_setgroups, p.groups.size(), p.groups.data()) != 0)
    ns::child_fail(report, "setgroups", "supplementalGroups", errno);
  if (::syscall(SYS_setresgid, p.gid, p.gid, p.gid) != 0)
    ns::child_fail(report, "setresgid", "runAsGroup", errno);
  if (::syscall(SYS_setresuid, p.uid, p.uid, p.uid) != 0)
    ns::child_fail(report, "setresuid", "runAsUser", errno);
  if (int err = security::set_capabilities(p.caps, p.last_cap, &what); err != 0)
    ns::child_fail(report, what, "", err);
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
    ns::child_fail(report, "prctl PR_SET_KEEPCAPS", "", errno);

  if (p.no_new_privs) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
      ns::child_fail(report, "prctl PR_SET_NO_NEW_PRIVS", "", errno);
    load_seccomp(p, report);  // last: nothing after it but execve
  }
}

}  // namespace minipod::container
