#include "common/file_lock.h"

#include <fcntl.h>

#include <cerrno>

#include "common/error.h"

namespace minipod {

FileLock::FileLock(const std::filesystem::path& file, int how)
    : fd_(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
  if (!fd_) throw_errno("open lock", file.string());
  int rc;
  do rc = ::flock(fd_.get(), how);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) throw_errno("flock", file.string());
}

}  // namespace minipod
