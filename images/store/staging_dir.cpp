#include "images/store/staging_dir.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <system_error>

#include "common/error.h"
#include "common/fs.h"

namespace minipod::images {

StagingDir::StagingDir(const std::filesystem::path& store, const std::string& purpose) {
  std::string tmpl = (store / (std::string(kStagingPrefix) + std::to_string(::getpid()) + "-" +
                               purpose + "-XXXXXX"))
                         .string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw_errno("create staging directory", tmpl);
  path_ = tmpl;
  // mkdtemp makes 0700; the image directory is renamed from this one and must be readable.
  if (::chmod(path_.c_str(), 0755) != 0) {
    int err = errno;
    ::rmdir(path_.c_str());
    throw Error("chmod", path_.string(), err);
  }
}

StagingDir::~StagingDir() {
  if (committed_) return;
  try {
    fs::remove_tree(path_);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "minipod: warning: could not clean up %s: %s\n", path_.c_str(), e.what());
  }
}

bool StagingDir::commit(const std::filesystem::path& dest) {
  if (::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, dest.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) return false;
    throw_errno("rename", path_.string() + " -> " + dest.string());
  }
  committed_ = true;
  return true;
}

size_t remove_stale_staging(const std::filesystem::path& store) {
  size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(store, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(kStagingPrefix, 0) != 0) continue;
    char* end = nullptr;
    long pid = std::strtol(name.c_str() + std::char_traits<char>::length(kStagingPrefix), &end, 10);
    if (pid <= 0 || end == nullptr || *end != '-') continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still running
    try {
      fs::remove_tree(entry.path());
      ++removed;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "minipod: warning: could not remove stale %s: %s\n",
                   entry.path().c_str(), e.what());
    }
  }
  return removed;
}

}  // namespace minipod::images
