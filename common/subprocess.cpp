#include "common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "common/error.h"
#include "common/fd.h"

extern char** environ;

namespace minipod {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) throw_errno("fcntl(O_NONBLOCK)");
}

// posix_spawn with the child's stdio wired to the given pipe ends.
pid_t spawn(const ProcessRequest& req, int in_fd, int out_fd, int err_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  if (!req.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, req.cwd.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_USEVFORK);

  std::vector<std::string> argv_storage =
      req.argv.empty() ? std::vector<std::string>{req.path} : req.argv;
  auto argv = c_strings(argv_storage);
  auto envp = c_strings(req.env);

  pid_t pid = -1;
  int rc = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    rc = ::posix_spawn(&pid, req.path.c_str(), &actions, &attr, argv.data(), envp.data());
    if (rc != ETXTBSY) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20 << attempt));
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw Error("exec", req.path, rc);
  return pid;
}

}  // namespace

std::string ProcessResult::describe(std::chrono::milliseconds timeout) const {
  if (timed_out)
    return "timed out after " + std::to_string(timeout.count() / 1000.0).substr(0, 4) + " s";
  if (term_signal != 0)
    return "killed by signal " + std::to_string(term_signal) + " (" + strsignal(term_signal) + ")";
  return "exit code " + std::to_string(exit_code);
}

std::vector<std::string> current_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

ProcessResult run_process(const ProcessRequest& req) {
  Pipe in = make_pipe(), out = make_pipe(), err = make_pipe();
  auto start = Clock::now();
  pid_t pid = spawn(req, in.read.get(), out.write.get(), err.write.get());
  in.read.reset();
  out.write.reset();
  err.write.reset();

  // A pidfd turns "the child exited" into a readable fd, so one poll() waits for output, exit
  // and the deadline together.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) {
    int e = errno;
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw Error("pidfd_open", req.path, e);
  }

  ProcessResult result;
  set_nonblocking(in.write.get());
  set_nonblocking(out.read.get());
  set_nonblocking(err.read.get());
  size_t written = 0;
  if (req.stdin_data.empty()) in.write.reset();
  auto deadline = start + req.timeout;
  bool exited = false;

  auto drain = [&](UniqueFd& fd, std::string& sink, bool& truncated) {
    char buf[16384];
    for (;;) {
      ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n > 0) {
        size_t room = req.max_output > sink.size() ? req.max_output - sink.size() : 0;
        if (static_cast<size_t>(n) > room) truncated = true;
        sink.append(buf, std::min(room, static_cast<size_t>(n)));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      fd.reset();  // EOF or error
      return;
    }
  };

  while (out.read || err.read || !exited) {
    auto now = Clock::now();
    if (now >= deadline) {
      if (exited) break;  // only the grace period for leftover pipe writers ran out
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      break;
    }
    int wait_ms =
        static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) +
        1;
    pollfd fds[4];
    int n = 0;
    int idx_in = -1, idx_out = -1, idx_err = -1, idx_pid = -1;
    if (in.write) {
      idx_in = n;
      fds[n++] = {in.write.get(), POLLOUT, 0};
    }
    if (out.read) {
      idx_out = n;
      fds[n++] = {out.read.get(), POLLIN, 0};
    }
    if (err.read) {
      idx_err = n;
      fds[n++] = {err.read.get(), POLLIN, 0};
    }
    if (!exited) {
      idx_pid = n;
      fds[n++] = {pidfd.get(), POLLIN, 0};
    }
    int rc = ::poll(fds, static_cast<nfds_t>(n), wait_ms);
    if (rc < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      throw Error("poll", req.path, e);
    }
    if (idx_in >= 0 && fds[idx_in].revents != 0) {
      if (fds[idx_in].revents & (POLLERR | POLLHUP)) {
        in.write.reset();  // the program closed stdin without reading it all: that is its choice
      } else {
        ssize_t w = ::write(in.write.get(), req.stdin_data.data() + written,
                            req.stdin_data.size() - written);
        if (w > 0)
          written += static_cast<size_t>(w);
        else if (w < 0 && errno != EAGAIN && errno != EINTR)
          in.write.reset();
        if (written == req.stdin_data.size()) in.write.reset();
      }
    }
    if (idx_out >= 0 && fds[idx_out].revents != 0)
      drain(out.read, result.out, result.stdout_truncated);
    if (idx_err >= 0 && fds[idx_err].revents != 0)
      drain(err.read, result.err, result.stderr_truncated);
    if (idx_pid >= 0 && fds[idx_pid].revents != 0) {
      exited = true;
      // The program is gone; whatever is still buffered in the pipes is read above. A grandchild
      // that inherited the pipes could keep them open forever, so stop waiting for EOF soon.
      deadline = std::min(deadline, Clock::now() + std::chrono::milliseconds(200));
    }
  }

  // Anything the program left behind in its process group goes with it. Done before reaping, while
  // the zombie still holds the group id, so the id cannot have been reused.
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  if (result.timed_out) return result;
  if (WIFSIGNALED(status))
    result.term_signal = WTERMSIG(status);
  else
    result.exit_code = WEXITSTATUS(status);
  return result;
}

int shell_exit_code(int wait_status) {
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 1;
}

}  // namespace minipod
