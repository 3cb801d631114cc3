// `--trace`: every step printed as it happens, with the command a person would type to do the
// same by hand. Off by default; when off, a step costs one branch.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace minipod {

class Tracer {
 public:
  static Tracer& get();

  void enable(bool on) { enabled_ = on; }
  bool enabled() const { return enabled_ && !muted_; }

  // One line: "[  12.3 ms] <what>" and, when given, "    $ <command>" under it.
  void step(std::string_view what, std::string_view command = {});
  // Free-form indented detail under the last step (multi-line text is indented line by line).
  void detail(std::string_view label, std::string_view text);

  // Milliseconds since the tracer was created (process start, in practice).
  double elapsed_ms() const;

  // Silences this thread while it lives: work done in the background would otherwise cut into
  // the main thread's lines (a plugin call and its result); the main thread announces it instead.
  class MuteThisThread {
   public:
    MuteThisThread() { muted_ = true; }
    ~MuteThisThread() { muted_ = false; }
    MuteThisThread(const MuteThisThread&) = delete;
    MuteThisThread& operator=(const MuteThisThread&) = delete;
  };

 private:
  Tracer();
  bool enabled_ = false;
  static thread_local bool muted_;
  std::chrono::steady_clock::time_point start_;
};

// Quotes one word for a POSIX shell, only when needed.
std::string shell_quote(std::string_view word);

}  // namespace minipod
