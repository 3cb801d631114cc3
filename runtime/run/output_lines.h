// A container's stdout or stderr cut into lines, for its CRI log and for the terminal. A line
// longer than kMaxLine is cut into pieces (CRI's partial "P" records), so one endless line cannot
// grow minipod's memory.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace minipod::run {

class OutputLines {
 public:
  static constexpr size_t kMaxLine = 16 * 1024;
  // A complete line (without its newline), or a piece of a long one (`partial`).
  using Emit = std::function<void(std::string_view line, bool partial)>;

  // Takes what was read; emits every complete line and every kMaxLine piece.
  void feed(std::string_view data, const Emit& emit);
  // The stream ended: a last line without its newline is emitted too.
  void finish(const Emit& emit);

 private:
  std::string buf_;
};

}  // namespace minipod::run
