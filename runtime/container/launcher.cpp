#include "runtime/container/launcher.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "common/error.h"
#include "common/fd.h"
#include "common/safe_path.h"
#include "common/strings.h"
#include "runtime/container/stdio_relay.h"
#include "runtime/ns/child_report.h"
#include "runtime/ns/namespaces.h"
#include "runtime/security/apply_security.h"

namespace minipod::container {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct ChildArgs {
  const LaunchSpec* spec;
  int report;
  int go;               // read end: the parent writes one byte when the child may exec
  bool placed = false;  // cloned into its cgroup2 directory already
  std::vector<char*> argv, envp;
};

// Closes every descriptor from 3 up except those in `keep` (negative entries are ignored).
// Async-signal-safe: sorts in place, allocates nothing.
template <size_t N>
void close_fds_except(int (&keep)[N]) {
  std::sort(keep, keep + N);
  unsigned next = 3;
  for (int fd : keep) {
    if (fd < 0 || static_cast<unsigned>(fd) < next) continue;
    if (static_cast<unsigned>(fd) > next) ::syscall(SYS_close_range, next, fd - 1U, 0U);
    next = static_cast<unsigned>(fd) + 1;
  }
  ::syscall(SYS_close_range, next, ~0U, 0U);
}

[[noreturn]] void container_child(const ChildArgs& a) {
  const LaunchSpec& s = *a.spec;
  int report = a.report;
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setsid();
  // Until it execs, this is a copy of minipod: nothing in the pod may ptrace it or open its
  // /proc/<pid>/exe or fds (exec makes the container's program dumpable again as usual).
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

  // Nothing the parent had open stays open here while this child waits for its turn: another
  // container's pipes, a CNI plugin's (whose reader waits for end-of-file), the pod lock. Our
  // stdio stays until the container's own is installed, once inside.
  int keep[] = {report, a.go, s.net_fd, s.uts_fd, s.ipc_fd, s.stdin_fd, s.stdout_fd, s.stderr_fd};
  close_fds_except(keep);

  struct Join {
    int fd;
    int type;
    const char* what;
  };
  for (Join j : {Join{s.net_fd, CLONE_NEWNET, "join the pod network namespace"},
                 Join{s.uts_fd, CLONE_NEWUTS, "join the pod UTS namespace"},
                 Join{s.ipc_fd, CLONE_NEWIPC, "join the pod IPC namespace"}}) {
    if (j.fd >= 0 && ::setns(j.fd, j.type) != 0) ns::child_fail(report, "setns", j.what, errno);
    if (j.fd >= 0) ::close(j.fd);
  }
  // Into the container's cgroup before anything of its own is charged or counted: by itself,
  // without the kernel's wait for a migration (cgroups/join.h).
  const char* refused = "";
  if (int err = cgroups::join_self(s.cgroup, a.placed, &refused); err != 0)
    ns::child_fail(report, "join the container's cgroup", refused, err);
  // Now that it is in its cgroup: a namespace in which that cgroup is the root.
  if (s.cgroup_namespace && ::unshare(CLONE_NEWCGROUP) != 0)
    ns::child_fail(report, "unshare the cgroup namespace", "", errno);

  // Bidirectional volumes first, while our copy of the host's mount table is still its peer.
  SharedVolumes shared;
  clone_shared_volumes(s.rootfs, report, &shared);
  // Our copy of the host's mount table must not send mount events back to the host.
  if (::mount("", "/", nullptr, MS_SLAVE | MS_REC, nullptr) != 0)
    ns::child_fail(report, "mount --make-rslave", "/", errno);
  apply_rootfs(s.rootfs, shared, report);

  // Its stdio: minipod's pipes, and for what has none the container's own /dev/null, opened
  // inside: a descriptor of the host's node would let the pod chmod the host's /dev/null.
  int null = -1;
  if ((s.stdin_fd < 0 || s.stdout_fd < 0 || s.stderr_fd < 0) &&
      (null = ::open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
    ns::child_fail(report, "open the container's", "/dev/null", errno);
  if (int err =
          install_stdio(s.stdin_fd >= 0 ? s.stdin_fd : null, s.stdout_fd >= 0 ? s.stdout_fd : null,
                        s.stderr_fd >= 0 ? s.stderr_fd : null);
      err != 0)
    ns::child_fail(report, "set up stdin, stdout and stderr", "", err);

  // Like runc: the working directory is created if missing, inside the root (a link in the image
  // cannot make it land elsewhere).
  int root = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  safe_path::Refusal refusal;
  int cwd =
      root < 0 ? -1
               : safe_path::ensure_in_root(root, s.working_dir.c_str(), safe_path::Kind::kDirectory,
                                           0755, safe_path::kFollowInRoot, &refusal);
  if (cwd < 0 || ::fchdir(cwd) != 0)
    ns::child_fail(report, "chdir to workingDir", s.working_dir.c_str(),
                   cwd < 0 ? refusal.err : errno);
  ::close(cwd);
  ::close(root);
  ::umask(022);

  // Wait for the parent: it releases the containers that start together one by one, in order.
  char byte = 0;
  if (::read(a.go, &byte, 1) != 1) ::_exit(127);  // the parent gave up on us

  // Before the seccomp filter, which a Localhost profile may make refuse close_range.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  security::ApplyFailure refused_by;
  if (int err = security::apply_security(s.security, &refused_by); err != 0)
    ns::child_fail(report, refused_by.step, refused_by.detail, err);

  int first_err = ENOENT;
  for (const auto& path : s.exec_paths) {
    ::execve(path.c_str(), a.argv.data(), a.envp.data());
    // Like execvp: remember the most telling error, keep looking after "not found".
    if (errno != ENOENT && errno != ENOTDIR) first_err = errno;
  }
  ns::child_fail(report, "exec", s.argv.empty() ? "" : s.argv[0].c_str(), first_err);
}

std::vector<char*> c_array(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

std::string path_of(const std::vector<std::string>& env) {
  for (const auto& e : env)
    if (e.rfind("PATH=", 0) == 0) return e.substr(5);
  return kDefaultPath;
}

}  // namespace

std::vector<std::string> exec_candidates(const std::string& command,
                                         const std::vector<std::string>& env) {
  if (command.find('/') != std::string::npos) return {command};
  std::vector<std::string> out;
  // Empty entries kept: an empty PATH entry is the working directory, as for execvp.
  for (const std::string& entry : split(path_of(env), ':')) {
    // A view and append, not std::string dir = ...; dir = ".": that assignment makes GCC 12
    // report a false -Wrestrict at -O3 (see runtime/spec/quantity.cpp).
    std::string_view dir = entry.empty() ? std::string_view(".") : std::string_view(entry);
    std::string candidate;
    candidate.reserve(dir.size() + 1 + command.size());
    candidate.append(dir).append(1, '/').append(command);
    out.push_back(std::move(candidate));
  }
  return out;
}

std::string find_in_image(const std::string& rootfs, const std::vector<std::string>& candidates) {
  safe_path::RootDir root(rootfs);
  for (const auto& c : candidates) {
    // An absolute link such as /bin/sh -> /bin/busybox means <rootfs>/bin/busybox, never the
    // host's file.
    UniqueFd fd = root.open(c, O_PATH);
    struct stat st {};
    if (fd && ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode)) return c;
  }
  return "";
}

std::string find_in_layers(const std::vector<std::string>& layers,
                           const std::vector<std::string>& candidates) {
  if (layers.size() == 1) return find_in_image(layers.front(), candidates);
  std::vector<safe_path::RootDir> roots(layers.begin(), layers.end());
  for (const auto& c : candidates) {
    for (const auto& root : roots) {
      UniqueFd fd = root.open(c, O_PATH | O_NOFOLLOW);
      struct stat st {};
      if (!fd || ::fstat(fd.get(), &st) != 0) continue;
      if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) return c;
      break;  // a whiteout or a directory hides what is below
    }
  }
  return "";
}

PreparedContainer::PreparedContainer(PreparedContainer&& other) noexcept {
  *this = std::move(other);
}

PreparedContainer& PreparedContainer::operator=(PreparedContainer&& other) noexcept {
  if (this != &other) {
    abandon();
    pid_ = std::exchange(other.pid_, -1);
    name_ = std::move(other.name_);
    image_ = std::move(other.image_);
    report_ = std::exchange(other.report_, -1);
    go_ = std::exchange(other.go_, -1);
  }
  return *this;
}

PreparedContainer::~PreparedContainer() {
  abandon();
}

void PreparedContainer::abandon() {
  if (go_ >= 0) ::close(std::exchange(go_, -1));  // the child reads EOF and exits
  if (report_ >= 0) ::close(std::exchange(report_, -1));
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
}

PreparedContainer prepare(const LaunchSpec& spec) {
  ChildArgs args;
  args.spec = &spec;
  args.argv = c_array(spec.argv);
  args.envp = c_array(spec.env);
  Pipe report = make_pipe();
  Pipe go = make_pipe();
  args.report = report.write.get();
  args.go = go.read.get();

  unsigned long flags = CLONE_NEWNS;
  PreparedContainer out;
  {
    std::optional<ns::PidNamespaceForChildren> shared_pid;
    if (spec.pid_fd >= 0)
      shared_pid.emplace(spec.pid_fd);
    else
      flags |= CLONE_NEWPID;
    UniqueFd cgroup2 = cgroups::open_clone_target(spec.cgroup, "container \"" + spec.name + "\"");
    // The child has its own copy of `args` and `spec` (no CLONE_VM): they may go after this.
    pid_t pid = ns::clone_process(flags, cgroup2.get(), &args.placed);
    if (pid == 0) container_child(args);
    out.pid_ = pid;
  }
  out.name_ = spec.name;
  out.image_ = spec.image;
  out.report_ = report.read.release();
  out.go_ = go.write.release();
  return out;
}

pid_t start(PreparedContainer& c) {
  // EPIPE: the child is gone already, having failed while it prepared; its report says why.
  bool released = ::write(c.go_, "x", 1) == 1;
  int release_err = errno;
  ::close(std::exchange(c.go_, -1));

  ns::ChildFailure f{};
  UniqueFd report(std::exchange(c.report_, -1));
  pid_t pid = std::exchange(c.pid_, -1);
  if (!ns::read_child_failure(report.get(), f)) {
    if (released) return pid;
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    throw Error("container \"" + c.name_ + "\"", "release the container process", release_err);
  }
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  std::string step = f.step;
  if (step == "refuse") {
    // A volume's mount refused is about the volume (a subPath leading out of it), not the image.
    std::string detail = f.detail;
    bool volume = detail.rfind("mount volume ", 0) == 0;
    throw Error("container \"" + c.name_ + "\"",
                (volume ? "" : "image \"" + c.image_ + "\": ") + detail, f.err);
  }
  if (step == "exec" && (f.err == ENOENT || f.err == ENOTDIR))
    throw Error("container \"" + c.name_ + "\"", "command \"" + std::string(f.detail) +
                                                     "\" not found in image \"" + c.image_ + "\"");
  throw Error("container \"" + c.name_ + "\"",
              step + (f.detail[0] ? std::string(" ") + f.detail : ""), f.err);
}

pid_t launch(const LaunchSpec& spec) {
  PreparedContainer prepared = prepare(spec);
  return start(prepared);
}

}  // namespace minipod::container
