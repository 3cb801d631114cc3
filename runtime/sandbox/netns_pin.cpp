#include "runtime/sandbox/netns_pin.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"

namespace minipod::sandbox {
namespace {

// Like iproute2: /run/netns is made a shared mount (a bind mount of itself if needed), so that
// unmounting a pin here also removes the copies that other mount namespaces made of it. Without
// this, a container started while the pin existed would keep the namespace alive.
void make_netns_dir_shared(const std::filesystem::path& dir) {
  fs::make_dirs(dir, 0755);
  if (::mount("", dir.c_str(), nullptr, MS_SHARED | MS_REC, nullptr) == 0) return;
  if (errno != EINVAL) throw_errno("mount --make-rshared", dir.string());
  if (::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    throw_errno("mount --bind", dir.string());
  if (::mount("", dir.c_str(), nullptr, MS_SHARED | MS_REC, nullptr) != 0)
    throw_errno("mount --make-rshared", dir.string());
}

}  // namespace

std::filesystem::path pin_netns(const std::filesystem::path& dir, const std::string& name,
                                int nsfd) {
  make_netns_dir_shared(dir);
  auto pin = dir / name;
  UniqueFd file(::open(pin.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
  if (!file) {
    if (errno == EEXIST)
      throw Error("pin network namespace",
                  pin.string() + " already exists (another pod or `ip netns add` uses this name)");
    throw_errno("create", pin.string());
  }
  file.reset();
  std::string source = "/proc/self/fd/" + std::to_string(nsfd);
  if (::mount(source.c_str(), pin.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    int err = errno;
    ::unlink(pin.c_str());
    throw Error("mount --bind", source + " " + pin.string(), err);
  }
  return pin;
}

void unpin_netns(const std::filesystem::path& pin, ino_t ours) {
  struct stat st {};
  if (::stat(pin.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw_errno("stat", pin.string());
  }
  if (ours == 0 || st.st_ino != ours) return;  // not our namespace behind it: not ours to remove
  if (::umount2(pin.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    throw_errno("umount", pin.string());
  if (::unlink(pin.c_str()) != 0 && errno != ENOENT) throw_errno("unlink", pin.string());
}

}  // namespace minipod::sandbox
