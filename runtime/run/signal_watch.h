// SIGINT, SIGTERM, SIGHUP and SIGCHLD, blocked and read from a signalfd: the run loop sees them as
// events between steps, never as interruptions in the middle of one (a CNI ADD half done).
#pragma once

#include <signal.h>

#include "common/fd.h"

namespace minipod::run {

class SignalWatch {
 public:
  SignalWatch();   // blocks the signals; children restore an empty mask before exec
  ~SignalWatch();  // drops pending signals, restores the previous mask
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

  int fd() const { return fd_.get(); }
  // Next pending signal, or 0.
  int next();
  // Reads pending signals; remembers the first stop request (SIGINT/SIGTERM/SIGHUP).
  // Throws Error("interrupted") if one has arrived: the checkpoint used between creation steps.
  void checkpoint();
  int stop_signal() const { return stop_signal_; }
  void note_stop(int sig) {
    if (stop_signal_ == 0) stop_signal_ = sig;
  }

 private:
  UniqueFd fd_;
  sigset_t old_{};
  int stop_signal_ = 0;
};

}  // namespace minipod::run
