#include "runtime/container/stdio_relay.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/error.h"

namespace minipod::container {
namespace {

constexpr size_t kChunk = 16384;

// SIGPIPE ignored while the relay copies: a reader of our stdout that went away (`| head -1`)
// must show as EPIPE, not end minipod before it has passed the process's exit code on.
class IgnoreSigpipe {
 public:
  IgnoreSigpipe() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, &old_);
  }
  ~IgnoreSigpipe() { ::sigaction(SIGPIPE, &old_, nullptr); }
  IgnoreSigpipe(const IgnoreSigpipe&) = delete;
  IgnoreSigpipe& operator=(const IgnoreSigpipe&) = delete;

 private:
  struct sigaction old_ {};
};

// One of the process's output pipes (our read end) and the descriptor of ours it goes to.
struct Output {
  UniqueFd from;
  int to;
  bool listened = true;  // false once writing to `to` failed (EPIPE): the rest is dropped

  // One read: the bytes copied, 0 at end-of-file (the pipe is then closed), -1 when nothing was
  // there (non-blocking, or interrupted).
  ssize_t copy_once() {
    char buf[kChunk];
    ssize_t n = ::read(from.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return -1;
    if (n <= 0) {
      from.reset();
      return 0;
    }
    deliver(buf, static_cast<size_t>(n));
    return n;
  }

  // Blocking on purpose when `to` is slow (a terminal, a pipe): the process waits with us rather
  // than its output piling up here.
  void deliver(const char* p, size_t n) {
    while (n > 0 && listened) {
      ssize_t w = ::write(to, p, n);
      if (w > 0) {
        p += w;
        n -= static_cast<size_t>(w);
      } else if (w < 0 && errno == EINTR) {
        continue;
      } else if (w < 0 && errno == EAGAIN) {  // our stdout was made non-blocking by someone else
        pollfd pf{to, POLLOUT, 0};
        ::poll(&pf, 1, -1);
      } else {
        listened = false;  // nobody reads it any more: the process runs on, its output is dropped
      }
    }
  }
};

// Our stdin going to the process's stdin pipe. The pipe is non-blocking: a process that does not
// read its stdin must not stop the copying of its output.
struct Input {
  UniqueFd to;
  bool reading = true;  // our stdin has not ended
  std::string pending;  // read from our stdin, not yet taken by the pipe

  bool wants_stdin() const { return to && reading && pending.empty(); }
  bool wants_pipe() const { return to && !pending.empty(); }

  void read_stdin() {
    char buf[kChunk];
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n > 0)
      pending.assign(buf, static_cast<size_t>(n));
    else if (n == 0 || (errno != EINTR && errno != EAGAIN))
      reading = false;
  }

  void write_pipe() {
    while (to && !pending.empty()) {
      ssize_t w = ::write(to.get(), pending.data(), pending.size());
      if (w > 0) {
        pending.erase(0, static_cast<size_t>(w));
      } else if (w < 0 && errno == EINTR) {
        continue;
      } else if (w < 0 && errno == EAGAIN) {
        return;  // polled for room next
      } else {
        // The process closed its stdin: nothing more to give it.
        pending.clear();
        reading = false;
      }
    }
    // Our stdin ended and everything was passed on: end-of-file for the process.
    if (!reading && pending.empty()) to.reset();
  }
};

}  // namespace

StdioRelay::StdioRelay(RelayStdin stdin_mode) : out_(make_pipe()), err_(make_pipe()) {
  if (stdin_mode == RelayStdin::kNone) return;
  in_ = make_pipe();
  if (stdin_mode == RelayStdin::kEnded)
    in_.write.reset();
  else if (::fcntl(in_.write.get(), F_SETFL, O_NONBLOCK) != 0)
    throw_errno("fcntl", "stdin pipe");
}

void StdioRelay::child_started() {
  in_.read.reset();
  out_.write.reset();
  err_.write.reset();
}

int StdioRelay::run(pid_t pid, int signal_fd, const std::function<void(int sig)>& on_signal) {
  IgnoreSigpipe ignore_sigpipe;
  Output out{std::move(out_.read), 1, true};
  Output err{std::move(err_.read), 2, true};
  Input in;
  in.to = std::move(in_.write);

  int status = 0;
  auto exited = [&] {
    for (;;) {
      pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid) return true;
      if (done == 0) return false;
      if (errno != EINTR) throw_errno("waitpid", "pid " + std::to_string(pid));
    }
  };
  while (!exited()) {
    pollfd fds[5] = {{signal_fd, POLLIN, 0},
                     {out.from.get(), POLLIN, 0},
                     {err.from.get(), POLLIN, 0},
                     {in.wants_stdin() ? 0 : -1, POLLIN, 0},
                     {in.wants_pipe() ? in.to.get() : -1, POLLOUT, 0}};
    if (::poll(fds, 5, -1) < 0) {
      if (errno == EINTR) continue;
      throw_errno("poll", "the streams of pid " + std::to_string(pid));
    }
    if (fds[1].revents != 0) out.copy_once();
    if (fds[2].revents != 0) err.copy_once();
    if (fds[3].revents & (POLLIN | POLLHUP | POLLERR)) in.read_stdin();
    if (fds[3].revents & POLLNVAL) in.reading = false;  // we were started without a stdin
    if (fds[3].revents != 0 || fds[4].revents != 0) in.write_pipe();
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo si{};
      while (::read(signal_fd, &si, sizeof si) == sizeof si)
        if (si.ssi_signo != SIGCHLD) on_signal(static_cast<int>(si.ssi_signo));
    }
  }

  // What the process wrote before it ended is in the pipes; take it without waiting for their
  // end, and no more than a pipe holds: a process it left behind may keep them open, and writing.
  for (Output* o : {&out, &err}) {
    if (!o->from) continue;
    ::fcntl(o->from.get(), F_SETFL, O_NONBLOCK);
    int size = ::fcntl(o->from.get(), F_GETPIPE_SZ);
    for (ssize_t budget = size > 0 ? size : 65536; budget > 0 && o->from;) {
      ssize_t n = o->copy_once();
      if (n < 0) break;
      budget -= n;
    }
  }
  return status;
}

int install_stdio(int in, int out, int err) {
  // Moved above 2 first: one of them may itself be 0, 1 or 2 (minipod started with a standard
  // stream closed), and a dup2 onto it would lose it. The copies are close-on-exec.
  int fds[3] = {in, out, err};
  for (int& fd : fds) {
    fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) return errno;
  }
  for (int target = 0; target < 3; ++target)
    if (::dup2(fds[target], target) < 0) return errno;
  return 0;
}

}  // namespace minipod::container
