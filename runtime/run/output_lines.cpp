#include "runtime/run/output_lines.h"

namespace minipod::run {

void OutputLines::feed(std::string_view data, const Emit& emit) {
  buf_.append(data);
  size_t start = 0;
  for (size_t nl; (nl = buf_.find('\n', start)) != std::string::npos; start = nl + 1)
    emit(std::string_view(buf_).substr(start, nl - start), false);
  buf_.erase(0, start);
  while (buf_.size() >= kMaxLine) {
    emit(std::string_view(buf_).substr(0, kMaxLine), true);
    buf_.erase(0, kMaxLine);
  }
}

void OutputLines::finish(const Emit& emit) {
  if (buf_.empty()) return;
  emit(buf_, false);
  buf_.clear();
}

}  // namespace minipod::run
