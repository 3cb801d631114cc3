// The one error type of minipod. Every failure carries the step that failed (what minipod was
// doing, in words a user recognises), the errno if a system call failed, and context: the path,
// the field, the plugin. The CLI prints it as one line (then its warnings, if any) and maps it to
// an exit code.
#pragma once

#include <cerrno>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace minipod {

// How the CLI should end when this error reaches it (docs/design.md: 0 ok, 1 runtime, 2 usage).
enum class ExitKind { kRuntime = 1, kUsage = 2 };

class Error : public std::exception {
 public:
  Error(std::string step, std::string detail, int err = 0, ExitKind kind = ExitKind::kRuntime);

  const std::string& step() const noexcept { return step_; }
  const std::string& detail() const noexcept { return detail_; }
  int err() const noexcept { return err_; }
  ExitKind kind() const noexcept { return kind_; }

  // "step: detail: strerror(err)", with the empty parts left out.
  const char* what() const noexcept override { return message_.c_str(); }

  // Adds context as the error travels up: "outer: step: detail".
  Error& within(std::string_view outer);

  // What went wrong while undoing what the failed command had done (one line each, naming the
  // step), to be printed after the error: the cause first, its consequences below it, however
  // the cleanup came about.
  const std::vector<std::string>& warnings() const noexcept { return warnings_; }
  Error& with_warnings(std::vector<std::string> warnings);

 private:
  void compose();

  std::string step_;
  std::string detail_;
  int err_;
  ExitKind kind_;
  std::string message_;
  std::vector<std::string> warnings_;
};

// A problem with what the user asked for (bad flag, bad manifest field): exit code 2, and
// nothing has been created yet.
class UsageError : public Error {
 public:
  UsageError(std::string step, std::string detail)
      : Error(std::move(step), std::move(detail), 0, ExitKind::kUsage) {}
};

// Throws Error with the current errno. `step` names the system call or the step.
[[noreturn]] void throw_errno(std::string step, std::string detail = {});

// Runs `fn`; if it throws Error, adds `outer` as context and rethrows.
template <typename Fn>
auto with_context(std::string_view outer, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (Error& e) {
    e.within(outer);
    throw;
  }
}

}  // namespace minipod
