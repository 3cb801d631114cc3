// The channel over which a freshly cloned child tells its parent why it could not exec.
//
// nsjail's idea: the child holds the write end of a close-on-exec pipe. A successful execve()
// closes it, so the parent reads EOF; a failure writes one fixed-size record first. No guessing
// from exit codes, and no allocation in the child (it may run between clone() and exec() of a
// process whose other threads held locks).
#pragma once

#include <cstddef>
#include <string>

namespace minipod::ns {

struct ChildFailure {
  char step[64];     // what the child was doing, e.g. "mount /proc"
  char detail[200];  // the path or argument involved
  int err;           // errno
};

// Child side: async-signal-safe; never returns.
[[noreturn]] void child_fail(int report_fd, const char* step, const char* detail, int err);

// Child side: a target refused for what it is (common/safe_path.h): step "refuse", detail
// "<what>: <path> <why>" (cut to fit), errno `err` (0 when `why` says it all). Never returns.
[[noreturn]] void child_refuse(int report_fd, const char* what, const char* path, const char* why,
                               int err);

// Parent side: blocks until the child execs (returns false) or reports a failure (returns true
// and fills `out`). EOF without a record also means the exec happened.
bool read_child_failure(int report_fd, ChildFailure& out);

// Copies at most n-1 bytes and terminates; async-signal-safe.
void copy_cstr(char* dst, size_t n, const char* src);

}  // namespace minipod::ns
