#include "runtime/run/log_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/fd.h"

namespace minipod::run {

bool parse_cri_record(const std::string& rec, LogLine& out, bool& partial) {
  size_t a = rec.find(' ');
  if (a == std::string::npos) return false;
  size_t b = rec.find(' ', a + 1);
  if (b == std::string::npos || b + 2 > rec.size()) return false;
  out.timestamp = rec.substr(0, a);
  out.stream = rec.substr(a + 1, b - a - 1);
  char tag = rec[b + 1];
  if (tag != 'F' && tag != 'P') return false;
  partial = tag == 'P';
  out.text = b + 3 <= rec.size() ? rec.substr(b + 3) : "";
  return true;
}

std::vector<std::filesystem::path> log_files(const std::filesystem::path& dir) {
  std::vector<std::pair<std::pair<long, int>, std::filesystem::path>> found;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    size_t dot = name.find(".log");
    if (dot == std::string::npos || dot == 0) continue;
    long restart = 0;
    try {
      restart = std::stol(name.substr(0, dot));
    } catch (const std::exception&) {
      continue;
    }
    int rotated = 0;  // n.log.K: older for larger K, so it sorts before K-1
    if (name.size() > dot + 5 && name[dot + 4] == '.') rotated = std::atoi(name.c_str() + dot + 5);
    found.push_back({{restart, -rotated}, e.path()});
  }
  std::sort(found.begin(), found.end());
  std::vector<std::filesystem::path> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

std::vector<LogLine> LogFollower::read() {
  std::vector<LogLine> lines;
  auto consume = [&](const std::string& data) {
    std::string text = carry_ + data;
    size_t start = 0;
    for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
      LogLine rec;
      bool partial = false;
      if (!parse_cri_record(text.substr(start, nl - start), rec, partial)) continue;
      if (in_partial_) {
        partial_line_.text += rec.text;
      } else {
        partial_line_ = rec;
      }
      in_partial_ = partial;
      if (!partial) lines.push_back(std::move(partial_line_));
    }
    carry_ = text.substr(start);
  };
  // Files are read in order and known by inode, not name: rotation renames n.log to n.log.1
  // (same inode, read on from where we were) and starts a new n.log.
  auto files = log_files(dir_);
  for (size_t i = 0; i < files.size(); ++i) {
    struct stat st {};
    if (::stat(files[i].c_str(), &st) != 0) continue;
    if (std::find(done_.begin(), done_.end(), st.st_ino) != done_.end()) continue;
    if (st.st_ino != current_) {
      current_ = st.st_ino;
      offset_ = 0;
      carry_.clear();
    }
    UniqueFd fd(::open(files[i].c_str(), O_RDONLY | O_CLOEXEC));
    if (fd) {
      std::string data;
      char buf[65536];
      for (ssize_t n; (n = ::pread(fd.get(), buf, sizeof buf, static_cast<off_t>(offset_))) > 0;) {
        data.append(buf, static_cast<size_t>(n));
        offset_ += static_cast<uint64_t>(n);
      }
      consume(data);
    }
    if (i + 1 < files.size())
      done_.push_back(st.st_ino);  // a later file exists: this one is complete
  }
  return lines;
}

}  // namespace minipod::run
