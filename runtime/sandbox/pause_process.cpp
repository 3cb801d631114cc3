#include "runtime/sandbox/pause_process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "common/trace.h"
#include "runtime/ns/child_report.h"
#include "runtime/security/apply_security.h"
#include "runtime/security/sealed_binary.h"

namespace minipod::sandbox {
namespace {

// Brings up `lo` with one ioctl instead of running the CNI loopback plugin (a 15 ms exec).
bool loopback_up() {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, "lo", 3);
  bool ok = ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  if (ok) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    ok = ::ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  }
  ::close(s);
  return ok;
}

// The root pause lives in: a tmpfs on `dir` with nothing in it (pause is static and reads no
// file), read-only. The host's mount table, copied by the clone, is detached. Returns pause's
// stdio: a null device of its own, made in that tmpfs and unlinked before it turns read-only (a
// descriptor of the host's /dev/null would let a pod that can reach /proc/1/fd chmod the host's).
int enter_empty_root(const std::string& dir, int report) {
  // Private first: nothing mounted here may propagate to the host's peers (/run/netns is shared).
  if (::mount("", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    ns::child_fail(report, "mount --make-rprivate", "/", errno);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NOEXEC, "size=4k,mode=0555") != 0)
    ns::child_fail(report, "mount pause's empty root", dir.c_str(), errno);
  if (::chdir(dir.c_str()) != 0) ns::child_fail(report, "chdir", dir.c_str(), errno);
  if (::syscall(SYS_pivot_root, ".", ".") != 0)
    ns::child_fail(report, "pivot_root", dir.c_str(), errno);
  if (::umount2(".", MNT_DETACH) != 0)
    ns::child_fail(report, "detach the host's mounts", "", errno);
  if (::chdir("/") != 0) ns::child_fail(report, "chdir", "/", errno);
  if (::mknod("/null", S_IFCHR | 0666, makedev(1, 3)) != 0)
    ns::child_fail(report, "mknod", "/null", errno);
  int null = ::open("/null", O_RDWR | O_CLOEXEC);
  if (null < 0) ns::child_fail(report, "open", "/null", errno);
  ::unlink("/null");
  // Read-only per mount: the superblock cannot turn read-only while an unlinked file is open.
  if (::mount("", "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              nullptr) != 0)
    ns::child_fail(report, "make pause's root read-only", "/", errno);
  return null;
}

[[noreturn]] void pause_child(const PauseOptions& o, int exe, bool placed, int report,
                              const char* const* argv) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setsid();
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // pause itself says so again once it runs
  const char* refused = "";
  if (int err = cgroups::join_self(o.cgroup, placed, &refused); err != 0)
    ns::child_fail(report, "join the pod's cgroup", refused, err);
  if (!o.host_network) {
    if (::sethostname(o.hostname.data(), o.hostname.size()) != 0)
      ns::child_fail(report, "sethostname", o.hostname.c_str(), errno);
    if (!loopback_up()) ns::child_fail(report, "bring up lo", "", errno);
  }
  int null = enter_empty_root(o.root_dir, report);
  ::dup2(null, 0);
  ::dup2(null, 1);
  ::dup2(null, 2);
  // Nothing of ours may leak into the pod beyond stdio.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  security::ApplyFailure refused_by;
  if (int err = security::apply_security(o.security, &refused_by); err != 0)
    ns::child_fail(report, refused_by.step, refused_by.detail, err);
  char* const envp[] = {nullptr};
  ::syscall(SYS_execveat, exe, "", const_cast<char* const*>(argv), envp, AT_EMPTY_PATH);
  ns::child_fail(report, "exec pause", o.binary.c_str(), errno);
}

}  // namespace

PauseProcess::PauseProcess(PauseProcess&& o) noexcept
    : ref_(o.ref_),
      ns_(std::move(o.ns_)),
      pidfd_(std::move(o.pidfd_)),
      reaped_(std::exchange(o.reaped_, true)) {}

PauseProcess& PauseProcess::operator=(PauseProcess&& o) noexcept {
  if (this != &o) {
    kill_and_reap();
    ref_ = o.ref_;
    ns_ = std::move(o.ns_);
    pidfd_ = std::move(o.pidfd_);
    reaped_ = std::exchange(o.reaped_, true);
  }
  return *this;
}

PauseProcess::~PauseProcess() {
  kill_and_reap();
}

PauseProcess PauseProcess::start(const PauseOptions& o) {
  unsigned long flags = CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNS;
  if (!o.host_network) flags |= CLONE_NEWNET | CLONE_NEWUTS;
  // ps shows argv[0]; naming it after the binary keeps `ps` and `pgrep minipod-pause` honest.
  const char* argv[] = {"minipod-pause", nullptr};

  UniqueFd exe = security::read_only_executable(o.binary);
  fs::make_dirs(o.root_dir, 0555);
  Pipe report = make_pipe();
  UniqueFd cgroup2 = cgroups::open_clone_target(o.cgroup, "start pause");
  bool placed = false;
  pid_t pid = ns::clone_process(flags, cgroup2.get(), &placed);
  if (pid == 0) pause_child(o, exe.get(), placed, report.write.get(), argv);
  report.write.reset();

  PauseProcess p;
  p.ref_.pid = pid;
  p.reaped_ = false;
  p.pidfd_ = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  ns::ChildFailure failure{};
  if (ns::read_child_failure(report.read.get(), failure)) {
    std::string what =
        std::string(failure.step) + (failure.detail[0] ? std::string(" ") + failure.detail : "");
    throw Error("start pause", what, failure.err);
  }
  p.ref_ = state::process_ref(pid);
  // Opened while pause is alive and unreaped, so the pid cannot have been reused.
  p.ns_ = ns::open_namespaces(pid);
  return p;
}

bool PauseProcess::exited() {
  if (reaped_) return true;
  int status = 0;
  pid_t r = ::waitpid(ref_.pid, &status, WNOHANG);
  if (r == ref_.pid) reaped_ = true;
  return reaped_;
}

void PauseProcess::kill_and_reap() {
  if (reaped_) return;
  ::kill(ref_.pid, SIGKILL);
  while (::waitpid(ref_.pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

std::string find_pause_binary() {
  if (const char* env = std::getenv("MINIPOD_PAUSE"); env != nullptr && *env != '\0') return env;
  auto candidate =
      std::filesystem::path(security::installed_path()).parent_path() / "minipod-pause";
  if (!std::filesystem::exists(candidate))
    throw Error("find pause binary",
                candidate.string() +
                    " does not exist; build the minipod-pause target or set MINIPOD_PAUSE");
  return candidate.string();
}

}  // namespace minipod::sandbox
