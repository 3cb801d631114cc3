// Reading CRI-format container logs back: the records of one container across its restarts and
// rotated files, oldest first, with partial records joined into whole lines.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace minipod::run {

struct LogLine {
  std::string timestamp;
  std::string stream;  // stdout or stderr
  std::string text;
};

// Parses one record; false when it is not one.
bool parse_cri_record(const std::string& record, LogLine& out, bool& partial);

// The files of one container directory in order: for each restart n (0.log, 1.log, ...) its
// rotated files (n.log.4 ... n.log.1) then n.log.
std::vector<std::filesystem::path> log_files(const std::filesystem::path& container_dir);

// Follows a container's log files: read() returns whole lines appended since the last call,
// including those of files that appear later (restarts, rotation).
class LogFollower {
 public:
  explicit LogFollower(std::filesystem::path container_dir) : dir_(std::move(container_dir)) {}
  std::vector<LogLine> read();

 private:
  std::filesystem::path dir_;
  uint64_t current_ = 0;  // inode being read
  uint64_t offset_ = 0;
  std::vector<uint64_t> done_;
  std::string carry_;     // an incomplete record at the end of the file
  LogLine partial_line_;  // text of P records waiting for their F
  bool in_partial_ = false;
};

}  // namespace minipod::run
