// Container logs in the CRI format that kubelet and crictl read:
// "<RFC3339Nano> <stdout|stderr> <F|P> <text>", P marking a line split because it was too long.
#pragma once

#include <filesystem>
#include <string_view>

#include "common/fd.h"

namespace minipod::run {

class CriLog {
 public:
  explicit CriLog(const std::filesystem::path& path);
  // `line` without its newline; partial: more of the same line follows.
  void write(std::string_view stream, std::string_view line, bool partial);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  UniqueFd fd_;
};

// The formatted record, exposed for tests.
std::string cri_line(std::string_view timestamp, std::string_view stream, std::string_view line,
                     bool partial);

}  // namespace minipod::run
