#include "runtime/run/signal_watch.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cstring>

#include "common/error.h"

namespace minipod::run {

SignalWatch::SignalWatch() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set, s);
  if (::sigprocmask(SIG_BLOCK, &set, &old_) != 0) throw_errno("sigprocmask");
  fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd_) throw_errno("signalfd");
}

SignalWatch::~SignalWatch() {
  // Consume what is still pending: unblocking a pending SIGINT would kill us with its default
  // action before the caller could report anything (the pod is already torn down by then).
  while (next() != 0) {
  }
  ::sigprocmask(SIG_SETMASK, &old_, nullptr);
}

int SignalWatch::next() {
  signalfd_siginfo info{};
  ssize_t n = ::read(fd_.get(), &info, sizeof info);
  if (n != static_cast<ssize_t>(sizeof info)) return 0;
  return static_cast<int>(info.ssi_signo);
}

void SignalWatch::checkpoint() {
  // SIGCHLD is left for the run loop; here only a stop request matters.
  for (int sig = next(); sig != 0; sig = next())
    if (sig != SIGCHLD) note_stop(sig);
  if (stop_signal_ != 0)
    throw Error("interrupted",
                std::string("received ") + sigabbrev_np(stop_signal_) + " while starting the pod");
}

}  // namespace minipod::run
