#include "runtime/run/cri_log.h"

#include <fcntl.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fs.h"
#include "runtime/state/pod_record.h"

namespace minipod::run {

std::string cri_line(std::string_view timestamp, std::string_view stream, std::string_view line,
                     bool partial) {
  std::string out;
  out.reserve(timestamp.size() + stream.size() + line.size() + 6);
  out.append(timestamp)
      .append(" ")
      .append(stream)
      .append(partial ? " P " : " F ")
      .append(line)
      .append("\n");
  return out;
}

CriLog::CriLog(const std::filesystem::path& path, uint64_t max_bytes)
    : path_(path), max_bytes_(max_bytes) {
  fs::make_dirs(path.parent_path(), 0755);
  fd_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640));
  if (!fd_) throw_errno("open log", path.string());
}

void CriLog::rotate() {
  auto numbered = [this](int n) { return path_.string() + "." + std::to_string(n); };
  ::unlink(numbered(kRotatedFiles).c_str());
  for (int n = kRotatedFiles - 1; n >= 1; --n)
    ::rename(numbered(n).c_str(), numbered(n + 1).c_str());
  ::rename(path_.c_str(), numbered(1).c_str());
  UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640));
  if (fd) fd_ = std::move(fd);  // if reopening fails, keep writing to the rotated file
  size_ = 0;
}

void CriLog::write(std::string_view stream, std::string_view line, bool partial) {
  std::string rec = cri_line(state::rfc3339_nano_now(), stream, line, partial);
  if (size_ > 0 && size_ + rec.size() > max_bytes_) rotate();
  size_ += rec.size();
  // One write per record keeps records whole for a reader following the file.
  if (::write(fd_.get(), rec.data(), rec.size()) < 0) {
    // A full disk must not stop the pod; the output still reaches the terminal.
  }
}

}  // namespace minipod::run
