#include "runtime/sandbox/pod_shm.h"

#include <sys/mount.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fs.h"

namespace minipod::sandbox {

void mount_pod_shm(const std::filesystem::path& dir) {
  fs::make_dirs(dir, 01777);
  if (::mount("shm", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "mode=1777,size=65536k") != 0) {
    int err = errno;
    ::rmdir(dir.c_str());
    throw Error("mount tmpfs", dir.string(), err);
  }
}

void unmount_pod_shm(const std::filesystem::path& dir) {
  if (::umount2(dir.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    throw_errno("umount", dir.string());
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) throw_errno("rmdir", dir.string());
}

}  // namespace minipod::sandbox
