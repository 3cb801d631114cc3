// The standard streams of a process that minipod runs in a container in the foreground (`exec`
// without -t, `debug`): pipes made by minipod, never the caller's own descriptors. Any process of
// a container can reopen what another one holds (/proc/<pid>/fd/N), so the caller's terminal or
// the file its output goes to must never be held by a process inside; minipod keeps the other
// ends of the pipes and copies between them and its own stdin, stdout and stderr.
#pragma once

#include <sys/types.h>

#include <functional>

#include "common/fd.h"

namespace minipod::container {

// What the process's stdin is.
enum class RelayStdin {
  kNone,     // no pipe: the process opens the container's /dev/null itself
  kForward,  // -i: a pipe fed from our stdin, closed when ours ends
  kEnded,    // a pipe at its end already: reads see end-of-file at once, as from /dev/null
};

class StdioRelay {
 public:
  explicit StdioRelay(RelayStdin stdin_mode);
  StdioRelay(const StdioRelay&) = delete;
  StdioRelay& operator=(const StdioRelay&) = delete;

  // The process's ends, to become its descriptors 0, 1 and 2 (close-on-exec here, so no other
  // child gets them). child_stdin() is -1 without forward_stdin.
  int child_stdin() const { return in_.read.get(); }
  int child_stdout() const { return out_.write.get(); }
  int child_stderr() const { return err_.write.get(); }

  // Once the process holds its ends: closes ours, so that end-of-file comes when the process
  // (and whatever it started) has closed them.
  void child_started();

  // Copies until `pid`, a child of ours, has exited: our stdin to its stdin, its stdout and stderr
  // to ours (dropped from the moment nobody reads ours: EPIPE never ends the relay, SIGPIPE is
  // ignored meanwhile). `signal_fd` is a signalfd that includes SIGCHLD; every other signal read
  // from it goes to `on_signal`. Then copies what is left in the pipes without waiting for their
  // end: a process left behind in the container may keep them open. Returns the wait status.
  int run(pid_t pid, int signal_fd, const std::function<void(int sig)>& on_signal);

 private:
  Pipe in_, out_, err_;
};

// In a freshly cloned child (async-signal-safe): makes `in`, `out` and `err` its descriptors 0, 1
// and 2, whatever numbers they have now. Returns 0, or the errno of the call that failed.
int install_stdio(int in, int out, int err);

}  // namespace minipod::container
