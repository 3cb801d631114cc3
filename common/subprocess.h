// Runs a helper program to completion: stdin fed from a string, stdout and stderr captured
// separately, a deadline after which the program (and its process group) is killed. Used for CNI
// plugins and the few tools minipod runs (never on a path where a system call would do).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace minipod {

struct ProcessRequest {
  std::string path;               // absolute path of the program
  std::vector<std::string> argv;  // argv[0] included; empty means {path}
  std::vector<std::string> env;   // full environment, "K=V"
  std::string stdin_data;
  std::chrono::milliseconds timeout{60'000};
  size_t max_output = 16 << 20;  // per stream; the rest is dropped and flagged
  std::string cwd;               // empty: inherit
};

struct ProcessResult {
  int exit_code = -1;   // valid when !signaled && !timed_out
  int term_signal = 0;  // signal that ended it, if any
  bool timed_out = false;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::string out;
  std::string err;
  std::chrono::microseconds duration{0};

  bool ok() const { return !timed_out && term_signal == 0 && exit_code == 0; }
  // "exit code 3", "killed by signal 9 (Killed)", "timed out after 60 s".
  std::string describe(std::chrono::milliseconds timeout) const;
};

// Starts the program in its own process group (so a terminal's Ctrl-C does not kill it mid-way
// and a timeout kills all of it) with default signal dispositions and an empty signal mask.
// Retries a few times on ETXTBSY (the binary is still being written by an installer).
// Throws Error when the program cannot be started.
ProcessResult run_process(const ProcessRequest& req);

// A wait status as a shell reports it: the exit code, or 128+N when signal N killed the process
// (what `minipod exec`, `debug` and a pod's containers return, like `sh -c`, docker and kubectl).
int shell_exit_code(int wait_status);

// The current environment as "K=V" strings.
std::vector<std::string> current_environment();

}  // namespace minipod
