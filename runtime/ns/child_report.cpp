#include "runtime/ns/child_report.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace minipod::ns {

void copy_cstr(char* dst, size_t n, const char* src) {
  size_t i = 0;
  for (; src != nullptr && src[i] != '\0' && i + 1 < n; ++i) dst[i] = src[i];
  dst[i] = '\0';
}

void child_fail(int report_fd, const char* step, const char* detail, int err) {
  ChildFailure f{};
  copy_cstr(f.step, sizeof f.step, step);
  copy_cstr(f.detail, sizeof f.detail, detail);
  f.err = err;
  // A short write is impossible for a pipe write below PIPE_BUF.
  ssize_t n = ::write(report_fd, &f, sizeof f);
  (void)n;
  ::_exit(127);
}

void child_refuse(int report_fd, const char* what, const char* path, const char* why, int err) {
  char detail[sizeof(ChildFailure::detail)];
  size_t at = 0;
  for (const char* part : {what, ": ", path, " ", why})
    for (; part != nullptr && *part != '\0' && at + 1 < sizeof detail; ++part) detail[at++] = *part;
  detail[at] = '\0';
  child_fail(report_fd, "refuse", detail, err);
}

bool read_child_failure(int report_fd, ChildFailure& out) {
  size_t got = 0;
  auto* p = reinterpret_cast<char*>(&out);
  while (got < sizeof out) {
    ssize_t n = ::read(report_fd, p + got, sizeof out - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got < sizeof out) return false;
  out.step[sizeof out.step - 1] = '\0';
  out.detail[sizeof out.detail - 1] = '\0';
  return true;
}

}  // namespace minipod::ns
