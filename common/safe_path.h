// Paths inside a root filesystem (a container's root, an image, a layer, a volume), resolved the
// way the process that will live there would resolve them, and never further: an absolute symlink
// or a ".." stops at that root (openat2's RESOLVE_IN_ROOT), and a "magic link" such as
// /proc/self/fd/N is refused (RESOLVE_NO_MAGICLINKS). An image whose /etc is a symlink to "/" or
// to "../../.." therefore points at its own root, never at the host's /etc (CVE-2021-30465 class).
//
// Two sides, one resolver:
//   - the async-signal-safe core (`open_in_root`, `ensure_in_root`) allocates nothing and throws
//     nothing, so that a child between clone() and exec() can use it to set up mounts: it returns
//     a descriptor and a Refusal describing what was wrong;
//   - `RootDir`, for code that may allocate (image lookups, layers, volumes): the same calls
//     returning UniqueFd and throwing Error naming the path.
// Mounts are then made on the descriptor (`fd_path`: "/proc/self/fd/N"), never on a path string
// that the kernel would resolve again.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/fd.h"

namespace minipod::safe_path {

// What a resolution must not cross, on top of staying inside the root.
enum Strictness : unsigned {
  kFollowInRoot = 0,      // symlinks followed, but only inside the root
  kNoSymlinks = 1u << 0,  // any symlink on the way is refused (kernel file system mount points)
  kNoMountCrossing = 1u << 1,  // the path must stay on the root's own mount (no /proc, /dev, ...)
  // Symlinks followed only while they stay below the root: an absolute one, or a ".." that
  // climbs out, is refused (EXDEV) instead of being read inside the root (RESOLVE_BENEATH). What
  // the kubelet does for a volume's subPath (CVE-2017-1002101): a link out of it is an attack.
  kBeneath = 1u << 2,
};

enum class Kind { kDirectory, kRegularFile, kAny };

// Why a path was refused: `why` is a static text ("is a symbolic link", ...); err is the errno
// that the kernel gave (or that stands for the refusal). err == 0: no refusal.
struct Refusal {
  int err = 0;
  const char* why = "";
};

// openat2(root, path, flags | O_CLOEXEC) resolved inside `root`. Returns the fd, or -errno.
// Async-signal-safe.
int open_in_root(int root, const char* path, int flags, unsigned strictness = kFollowInRoot);

// Makes sure `path` exists inside `root` as `kind`, creating what is missing (directories with
// `mode`, a regular file with `mode` and no content) in the directory its parent resolved to, and
// returns an O_PATH descriptor of it, or -1 with *refusal filled in. A dangling symlink in the
// way is followed inside the root and its target created there, as the process inside would see
// it (runc's behaviour for /etc/resolv.conf -> ../run/...), unless kNoSymlinks. Something that
// exists but is of another kind (a directory where a file is wanted, a device, a fifo) is refused.
// Async-signal-safe; `path` must be shorter than PATH_MAX.
int ensure_in_root(int root, const char* path, Kind kind, mode_t mode, unsigned strictness,
                   Refusal* refusal);

// "/proc/self/fd/<fd>" in `buf`, for mount(2) and friends to act on a resolved descriptor.
// Async-signal-safe.
const char* fd_path(int fd, char (&buf)[32]);

// The allocating side, for the parent: a root directory held open.
class RootDir {
 public:
  // Opens `dir` (a path the caller trusts, e.g. an image directory in minipod's store).
  explicit RootDir(const std::filesystem::path& dir);

  const std::filesystem::path& path() const { return path_; }
  int fd() const { return fd_.get(); }

  // `path` resolved inside the root; nullopt-like empty fd when it does not exist (ENOENT or
  // ENOTDIR on the way); throws Error naming the path for anything else.
  UniqueFd open(const std::string& path, int flags, unsigned strictness = kFollowInRoot) const;
  // ensure_in_root; throws Error naming the path and why it was refused.
  UniqueFd ensure(const std::string& path, Kind kind, mode_t mode,
                  unsigned strictness = kFollowInRoot) const;

 private:
  std::filesystem::path path_;
  UniqueFd fd_;
};

}  // namespace minipod::safe_path
