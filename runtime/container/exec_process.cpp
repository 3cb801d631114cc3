#include "runtime/container/exec_process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "common/strings.h"
#include "common/subprocess.h"
#include "common/trace.h"
#include "runtime/container/launcher.h"
#include "runtime/container/stdio_relay.h"
#include "runtime/ns/child_report.h"
#include "runtime/ns/namespaces.h"
#include "runtime/security/apply_security.h"

namespace minipod::container {
namespace {

std::vector<std::string> read_environ(pid_t pid) {
  return split_nonempty(fs::read_file("/proc/" + std::to_string(pid) + "/environ"), '\0');
}

void send_fd(int sock, int fd) {
  char byte = 'f';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))]{};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  (void)::sendmsg(sock, &msg, 0);
}

UniqueFd receive_fd(int sock) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))]{};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0) return UniqueFd();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (c == nullptr || c->cmsg_type != SCM_RIGHTS) return UniqueFd();
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return UniqueFd(fd);
}

// Our terminal in raw mode for as long as the session lasts; restored on every path out.
class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    if (::tcgetattr(fd, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(fd, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

struct Namespaces {
  UniqueFd ipc, uts, net, pid, mnt, cgroup;
};

Namespaces open_container_namespaces(const ExecRequest& r) {
  auto open_ns = [&](const char* name) { return ns::open_namespace(r.target.pid, name); };
  Namespaces ns{open_ns("ipc"), open_ns("uts"), open_ns("net"),
                open_ns("pid"), open_ns("mnt"), open_ns("cgroup")};
  // Checked after opening: the namespaces are those of the process we meant, not of a reused pid.
  if (state::process_start_time(r.target.pid) != r.target.start_time)
    throw UsageError("exec",
                     "container \"" + r.container + "\" of pod \"" + r.pod + "\" is not running");
  return ns;
}

struct ChildSetup {
  const ExecRequest* request;
  const Namespaces* ns;
  int report;
  int pty_sock;                 // -1 without -t
  int stdio[3] = {-1, -1, -1};  // without -t: the relay's pipes (stdin -1 without -i)
  bool placed = false;          // cloned into the container's cgroup2 directory already
  std::string cwd;
  std::vector<std::string> exec_paths;
  std::vector<char*> argv, envp;
};

[[noreturn]] void exec_child(const ChildSetup& s) {
  const ExecRequest& r = *s.request;
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // Until it execs, this is a copy of minipod: nothing in the container may ptrace it or open its
  // /proc/<pid>/exe or fds.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const char* refused = "";
  if (int err = cgroups::join_self(r.cgroup, s.placed, &refused); err != 0)
    ns::child_fail(s.report, "join cgroup", refused, err);
  struct Join {
    int fd;
    int type;
    const char* what;
  };
  // The mount namespace last: after it, /proc and the host paths above are the container's.
  for (Join j :
       {Join{s.ns->ipc.get(), CLONE_NEWIPC, "ipc"}, Join{s.ns->uts.get(), CLONE_NEWUTS, "uts"},
        Join{s.ns->net.get(), CLONE_NEWNET, "net"},
        Join{s.ns->cgroup.get(), CLONE_NEWCGROUP, "cgroup"},
        Join{s.ns->mnt.get(), CLONE_NEWNS, "mnt"}}) {
    if (::setns(j.fd, j.type) != 0) ns::child_fail(s.report, "setns", j.what, errno);
  }
  if (::chdir(s.cwd.c_str()) != 0 && ::chdir("/") != 0)
    ns::child_fail(s.report, "chdir", s.cwd.c_str(), errno);

  // A session of its own: the caller's terminal, if any, is not its controlling terminal, so
  // /dev/tty cannot reach it either.
  ::setsid();
  if (s.pty_sock >= 0) {
    // The pty comes from the container's own devpts, so the process sees /dev/pts/N as any
    // program in the container would.
    int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) ns::child_fail(s.report, "open", "/dev/ptmx", errno);
    int unlock = 0;
    unsigned int n = 0;
    if (::ioctl(master, TIOCSPTLCK, &unlock) != 0 || ::ioctl(master, TIOCGPTN, &n) != 0)
      ns::child_fail(s.report, "allocate a pty", "/dev/ptmx", errno);
    char slave_path[32] = "/dev/pts/";
    char digits[16];
    int len = 0;
    do {
      digits[len++] = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n != 0);
    for (int i = 0; i < len; ++i) slave_path[9 + i] = digits[len - 1 - i];
    slave_path[9 + len] = '\0';
    int slave = ::open(slave_path, O_RDWR);
    if (slave < 0) ns::child_fail(s.report, "open", slave_path, errno);
    ::ioctl(slave, TIOCSCTTY, 0);
    send_fd(s.pty_sock, master);
    ::close(master);
    ::dup2(slave, 0);
    ::dup2(slave, 1);
    ::dup2(slave, 2);
    if (slave > 2) ::close(slave);
  } else {
    // Never one of the caller's descriptors: the relay's pipes, and for stdin without -i the
    // container's /dev/null (the mount namespace is the container's by now).
    int in = s.stdio[0];
    if (in < 0 && (in = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
      ns::child_fail(s.report, "open", "/dev/null", errno);
    if (int err = install_stdio(in, s.stdio[1], s.stdio[2]); err != 0)
      ns::child_fail(s.report, "set up stdin, stdout and stderr", "", err);
  }
  security::ApplyFailure refused_by;
  if (int err = security::apply_security(r.security, &refused_by); err != 0)
    ns::child_fail(s.report, refused_by.step, refused_by.detail, err);
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  int err = ENOENT;
  for (const auto& path : s.exec_paths) {
    ::execve(path.c_str(), s.argv.data(), s.envp.data());
    if (errno != ENOENT && errno != ENOTDIR) err = errno;
  }
  ns::child_fail(s.report, "exec", r.argv.empty() ? "" : r.argv[0].c_str(), err);
}

void copy_winsize(int from, int to) {
  winsize ws{};
  if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

bool pump(int from, int to) {
  char buf[8192];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n <= 0) return false;
  for (ssize_t off = 0; off < n;) {
    ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += w;
  }
  return true;
}

}  // namespace

int exec_in_container(const ExecRequest& r) {
  if (r.argv.empty()) throw UsageError("exec", "no command given");
  Namespaces ns = open_container_namespaces(r);
  auto env = read_environ(r.target.pid);
  // With a terminal, programs need to know which one (docker exec -t sets it too): the caller's,
  // else xterm, unless the container sets its own.
  if (r.tty && std::none_of(env.begin(), env.end(),
                            [](const std::string& e) { return e.rfind("TERM=", 0) == 0; })) {
    const char* term = std::getenv("TERM");
    env.push_back(std::string("TERM=") + (term != nullptr && *term != '\0' ? term : "xterm"));
  }
  std::error_code ec;
  auto cwd = std::filesystem::read_symlink("/proc/" + std::to_string(r.target.pid) + "/cwd", ec);

  ChildSetup setup;
  setup.request = &r;
  setup.ns = &ns;
  setup.cwd = ec ? "/" : cwd.string();
  setup.exec_paths = exec_candidates(r.argv[0], env);
  for (const auto& a : r.argv) setup.argv.push_back(const_cast<char*>(a.c_str()));
  setup.argv.push_back(nullptr);
  for (const auto& e : env) setup.envp.push_back(const_cast<char*>(e.c_str()));
  setup.envp.push_back(nullptr);

  UniqueFd sock_parent, sock_child;
  if (r.tty) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) throw_errno("socketpair");
    sock_parent.reset(sv[0]);
    sock_child.reset(sv[1]);
  }
  setup.pty_sock = sock_child.get();
  // Without -t the process's stdin, stdout and stderr are pipes of ours, copied to and from our
  // own: the caller's descriptors (a terminal, the file our output goes to) never enter the
  // container, where any process could reopen them through /proc/<pid>/fd.
  std::optional<StdioRelay> relay;
  if (!r.tty) {
    relay.emplace(r.interactive ? RelayStdin::kForward : RelayStdin::kNone);
    setup.stdio[0] = relay->child_stdin();
    setup.stdio[1] = relay->child_stdout();
    setup.stdio[2] = relay->child_stderr();
  }
  Pipe report = make_pipe();
  setup.report = report.write.get();

  // Signals arrive as events. With -t, Ctrl-C is a byte on the terminal that the container's pty
  // turns into SIGINT. Without it, the process is in a session of its own, away from the caller's
  // terminal, so we forward the stop signals to it, as `docker exec` does.
  sigset_t set, old;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGQUIT, SIGCHLD, SIGWINCH}) sigaddset(&set, sig);
  if (!r.tty) sigaddset(&set, SIGHUP);
  ::sigprocmask(SIG_BLOCK, &set, &old);
  struct RestoreMask {
    sigset_t set, mask;
    ~RestoreMask() {
      // What is still pending is consumed first: unblocked, a late SIGINT would end us with its
      // default action and lose the process's exit code.
      timespec now{};
      while (::sigtimedwait(&set, nullptr, &now) > 0) {
      }
      ::sigprocmask(SIG_SETMASK, &mask, nullptr);
    }
  } restore{set, old};
  UniqueFd sigfd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));

  Tracer::get().step("exec in container \"" + r.container +
                         "\": join the mount, pid, net, uts, ipc and cgroup namespaces of pid " +
                         std::to_string(r.target.pid),
                     "nsenter --target " + std::to_string(r.target.pid) +
                         " --mount --pid --net --uts --ipc --cgroup " + shell_quote(r.argv[0]));
  pid_t pid;
  {
    UniqueFd cgroup2 =
        cgroups::open_clone_target(r.cgroup, "exec in container \"" + r.container + "\"");
    ns::PidNamespaceForChildren in_pid_ns(ns.pid.get());
    pid = ns::clone_process(0, cgroup2.get(), &setup.placed);
    if (pid == 0) exec_child(setup);
  }
  report.write.reset();
  sock_child.reset();
  if (relay) relay->child_started();

  UniqueFd master;
  if (r.tty) master = receive_fd(sock_parent.get());
  ns::ChildFailure f{};
  if (ns::read_child_failure(report.read.get(), f)) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    std::string where = "container \"" + r.container + "\" of pod \"" + r.pod + "\"";
    if (std::string(f.step) == "exec" && (f.err == ENOENT || f.err == ENOTDIR))
      throw Error("exec in " + where, "command \"" + std::string(f.detail) + "\" not found");
    throw Error("exec in " + where, std::string(f.step) + " " + f.detail, f.err);
  }

  int status = 0;
  bool exited = false;
  std::optional<RawTerminal> raw;
  if (relay) {
    status = relay->run(pid, sigfd.get(), [&](int sig) {
      Tracer::get().step(std::string("forward SIG") + sigabbrev_np(sig) + " to pid " +
                         std::to_string(pid) + " in container \"" + r.container + "\"");
      ::kill(pid, sig);
    });
    exited = true;
  } else if (master) {
    if (::isatty(0)) {
      raw.emplace(0);
      copy_winsize(0, master.get());
    }
    bool stdin_open = true;
    while (!exited) {
      pollfd fds[3] = {
          {sigfd.get(), POLLIN, 0}, {master.get(), POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
      if (::poll(fds, 3, -1) < 0 && errno != EINTR) break;
      if (fds[1].revents & POLLIN)
        pump(master.get(), 1);
      else if (fds[1].revents & (POLLHUP | POLLERR)) {
        // The slave side is closed: the process is ending.
      }
      if (fds[2].revents & (POLLIN | POLLHUP)) stdin_open = pump(0, master.get());
      if (fds[0].revents & POLLIN) {
        signalfd_siginfo si{};
        while (::read(sigfd.get(), &si, sizeof si) == sizeof si)
          if (si.ssi_signo == SIGWINCH) copy_winsize(0, master.get());
        if (::waitpid(pid, &status, WNOHANG) == pid) exited = true;
      }
    }
    // Whatever the process printed last; non-blocking, since a process it left behind may keep
    // the terminal open.
    ::fcntl(master.get(), F_SETFL, ::fcntl(master.get(), F_GETFL) | O_NONBLOCK);
    while (pump(master.get(), 1)) {
    }
  }
  if (!exited)
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  return shell_exit_code(status);
}

}  // namespace minipod::container
