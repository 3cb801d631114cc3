#include "runtime/security/apply_security.h"

#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/security/seccomp_filter.h"

namespace minipod::security {
namespace {

int fail(ApplyFailure* f, const char* step, const char* detail, int err) {
  *f = ApplyFailure{step, detail};
  return err;
}

int load_seccomp(const SecurityPlan& p, ApplyFailure* f) {
  if (p.seccomp.empty()) return 0;
  if (int err = load_program(p.seccomp); err != 0)
    return fail(f, "load the seccomp filter", "", err);
  return 0;
}

}  // namespace

int apply_security(const SecurityPlan& p, ApplyFailure* f) {
  if (!p.configured) return 0;
  const char* what = "";
  if (int err = apply_rlimits(p.rlimits, &what); err != 0) return fail(f, "setrlimit", what, err);

  if (!p.no_new_privs)  // still holding CAP_SYS_ADMIN
    if (int err = load_seccomp(p, f); err != 0) return err;

  if (int err = drop_bounding_set(p.caps.bounding, p.last_cap, &what); err != 0)
    return fail(f, what, "", err);
  // Keep the permitted set across setresuid() to a non-root user; capset() below trims it.
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return fail(f, "prctl PR_SET_KEEPCAPS", "", errno);
  // Raw system calls, not glibc's wrappers: those change the credentials of every thread of the
  // process (POSIX), by signalling the threads glibc knows of and waiting for them. A child
  // cloned from a parent with other threads running (the CNI ADD, the cgroup work) inherits that
  // list but not the threads, and would wait forever.
  if (::syscall(SYS_setgroups, p.groups.size(), p.groups.data()) != 0)
    return fail(f, "setgroups", "supplementalGroups", errno);
  if (::syscall(SYS_setresgid, p.gid, p.gid, p.gid) != 0)
    return fail(f, "setresgid", "runAsGroup", errno);
  if (::syscall(SYS_setresuid, p.uid, p.uid, p.uid) != 0)
    return fail(f, "setresuid", "runAsUser", errno);
  if (int err = set_capabilities(p.caps, p.last_cap, &what); err != 0)
    return fail(f, what, "", err);
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return fail(f, "prctl PR_SET_KEEPCAPS", "", errno);

  if (p.no_new_privs) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
      return fail(f, "prctl PR_SET_NO_NEW_PRIVS", "", errno);
    return load_seccomp(p, f);  // last: nothing after it but execve
  }
  return 0;
}

}  // namespace minipod::security
