#include "images/store/top_directory_hint.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#include "common/fd.h"

namespace minipod::images {

void hint_top_directory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return;
  // The ioctls take an int, whatever their names say (see ioctl_iflags(2)).
  int flags = 0;
  if (::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags) != 0 || (flags & FS_TOPDIR_FL) != 0) return;
  flags |= FS_TOPDIR_FL;
  // Failure (ENOTTY, EOPNOTSUPP: a filesystem without it) costs only the speed it would bring.
  (void)::ioctl(fd.get(), FS_IOC_SETFLAGS, &flags);
}

}  // namespace minipod::images
