// Container logs in the CRI format that kubelet and crictl read:
// "<RFC3339Nano> <stdout|stderr> <F|P> <text>", P marking a line split because it was too long.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "common/fd.h"

namespace minipod::run {

// Rotated like kubelet's logs: past `max_bytes` the file becomes <path>.1 (older ones shift to
// .2 ... .4, the oldest is dropped) and a new file starts.
class CriLog {
 public:
  static constexpr int kRotatedFiles = 4;
  explicit CriLog(const std::filesystem::path& path, uint64_t max_bytes = 10 << 20);
  // `line` without its newline; partial: more of the same line follows.
  void write(std::string_view stream, std::string_view line, bool partial);
  const std::filesystem::path& path() const { return path_; }

 private:
  void rotate();

  std::filesystem::path path_;
  uint64_t max_bytes_;
  uint64_t size_ = 0;
  UniqueFd fd_;
};

// The formatted record, exposed for tests.
std::string cri_line(std::string_view timestamp, std::string_view stream, std::string_view line,
                     bool partial);

}  // namespace minipod::run
