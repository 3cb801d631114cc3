#include "common/safe_path.h"

#include <fcntl.h>
#include <linux/limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace minipod::safe_path {
namespace {

// As many symlinks as the kernel follows in one lookup (MAXSYMLINKS).
constexpr int kMaxLinkHops = 40;

int refuse(Refusal* r, int err, const char* why) {
  if (r != nullptr) *r = Refusal{err, why};
  return -1;
}

// The words for an errno that stopped a resolution.
const char* why_of(int err, unsigned strictness) {
  switch (err) {
    case ELOOP:
      return (strictness & kNoSymlinks) != 0 ? "is or goes through a symbolic link"
                                             : "has too many levels of symbolic links";
    case ENOTDIR:
      return "is not a directory, or goes through something that is not one";
    case EXDEV:
      return (strictness & kBeneath) != 0
                 ? "leads out of it (an absolute symbolic link, or \"..\" above it)"
                 : "goes through another mount";
    case ENOENT:
      return "does not exist";
    default:
      return "cannot be resolved";
  }
}

int create_file(int dir, const char* name, mode_t mode) {
  // O_EXCL: a symlink (dangling or not) in the way is never followed, it makes this fail.
  int fd = ::openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return -1;
  ::close(fd);
  return 0;
}

// Appends `src` at `*len` in `dst` (size PATH_MAX); false when it does not fit.
bool append(char* dst, size_t* len, const char* src, size_t n) {
  if (*len + n >= PATH_MAX) return false;
  std::memcpy(dst + *len, src, n);
  *len += n;
  dst[*len] = '\0';
  return true;
}

enum class Walk { kDone, kFailed, kRestart };

// One pass over `buf`, component by component, each prefix resolved from the root (so that a
// symlink met on the way is followed exactly as the kernel would, inside the root). A missing
// component is created in the directory its parent resolved to. A dangling symlink rewrites
// `buf` to the path it points to (plus the rest) and asks for a restart.
Walk walk(int root, char* buf, Kind kind, mode_t mode, unsigned strictness, int* out, Refusal* r) {
  int parent = open_in_root(root, "/", O_PATH | O_DIRECTORY, strictness);
  if (parent < 0) {
    refuse(r, -parent, "cannot open the root");
    return Walk::kFailed;
  }
  size_t start = 0;
  for (;;) {
    while (buf[start] == '/') ++start;
    if (buf[start] == '\0') break;  // `parent` is the whole path
    size_t end = start;
    while (buf[end] != '\0' && buf[end] != '/') ++end;
    size_t after = end;
    while (buf[after] == '/') ++after;
    bool last = buf[after] == '\0';
    bool want_dir = !last || kind == Kind::kDirectory;
    int open_flags = O_PATH | (want_dir ? O_DIRECTORY : 0);

    char saved = buf[end];
    buf[end] = '\0';
    int fd = open_in_root(root, buf, open_flags, strictness);
    if (fd == -ENOENT) {
      const char* name = buf + start;
      // Directories on the way get 0755; `mode` is for what the caller asked for.
      int made =
          want_dir ? ::mkdirat(parent, name, last ? mode : 0755) : create_file(parent, name, mode);
      if (made != 0 && errno != EEXIST) {
        int err = errno;
        ::close(parent);
        refuse(r, err, "cannot be created");
        return Walk::kFailed;
      }
      fd = open_in_root(root, buf, open_flags, strictness);
      if (fd == -ENOENT) {
        // The name exists but leads nowhere: a dangling symlink. Go where it points, inside the
        // root, as the process that lives there would.
        char target[PATH_MAX];
        ssize_t n = (strictness & kNoSymlinks) != 0
                        ? -1
                        : ::readlinkat(parent, name, target, sizeof target - 1);
        ::close(parent);
        if (n < 0) {
          refuse(r, (strictness & kNoSymlinks) != 0 ? ELOOP : ENOENT,
                 (strictness & kNoSymlinks) != 0 ? "is or goes through a symbolic link"
                                                 : "disappeared while it was being created");
          return Walk::kFailed;
        }
        target[n] = '\0';
        if ((strictness & kBeneath) != 0 && target[0] == '/') {
          refuse(r, EXDEV, why_of(EXDEV, strictness));
          return Walk::kFailed;
        }
        buf[end] = saved;
        char next[PATH_MAX];
        size_t len = 0;
        next[0] = '\0';
        // A relative target is relative to the directory holding the link: the prefix before it.
        bool fits = (target[0] == '/' || append(next, &len, buf, start)) &&
                    append(next, &len, target, static_cast<size_t>(n)) &&
                    append(next, &len, buf + end, std::strlen(buf + end));
        if (!fits) {
          refuse(r, ENAMETOOLONG, "leads to a path that is too long");
          return Walk::kFailed;
        }
        std::memcpy(buf, next, len + 1);
        return Walk::kRestart;
      }
    }
    if (fd < 0) {
      ::close(parent);
      refuse(r, -fd, why_of(-fd, strictness));
      return Walk::kFailed;
    }
    ::close(parent);
    parent = fd;
    buf[end] = saved;
    start = end;
  }

  struct stat st {};
  if (::fstat(parent, &st) != 0) {
    int err = errno;
    ::close(parent);
    refuse(r, err, "cannot be examined");
    return Walk::kFailed;
  }
  const char* wrong = nullptr;
  int err = 0;
  if (kind == Kind::kDirectory && !S_ISDIR(st.st_mode)) {
    wrong = "is not a directory";
    err = ENOTDIR;
  } else if (kind == Kind::kRegularFile && S_ISDIR(st.st_mode)) {
    wrong = "is a directory, where a regular file is expected";
    err = EISDIR;
  } else if (kind == Kind::kRegularFile && !S_ISREG(st.st_mode)) {
    wrong = "is not a regular file (a device, fifo or socket)";
    err = EINVAL;
  }
  if (wrong != nullptr) {
    ::close(parent);
    refuse(r, err, wrong);
    return Walk::kFailed;
  }
  *out = parent;
  return Walk::kDone;
}

}  // namespace

int open_in_root(int root, const char* path, int flags, unsigned strictness) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve =
      ((strictness & kBeneath) != 0 ? RESOLVE_BENEATH : RESOLVE_IN_ROOT) | RESOLVE_NO_MAGICLINKS;
  if ((strictness & kNoSymlinks) != 0) how.resolve |= RESOLVE_NO_SYMLINKS;
  if ((strictness & kNoMountCrossing) != 0) how.resolve |= RESOLVE_NO_XDEV;
  if ((strictness & kBeneath) != 0) {
    // RESOLVE_BENEATH refuses every absolute path: the root's own "/..." is written relative.
    while (*path == '/') ++path;
    if (*path == '\0') path = ".";
  }
  // EAGAIN: a rename or mount raced with a ".." on the way; the kernel asks us to try again.
  for (int attempt = 0; attempt < 16; ++attempt) {
    long fd = ::syscall(SYS_openat2, root, path, &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != EAGAIN) return -errno;
  }
  return -EAGAIN;
}

int ensure_in_root(int root, const char* path, Kind kind, mode_t mode, unsigned strictness,
                   Refusal* refusal) {
  char buf[PATH_MAX];
  size_t len = std::strlen(path);
  if (len + 2 > sizeof buf) return refuse(refusal, ENAMETOOLONG, "is too long");
  buf[0] = '/';
  std::memcpy(buf + 1, path, len + 1);
  for (int hop = 0; hop <= kMaxLinkHops; ++hop) {
    int fd = -1;
    switch (walk(root, buf, kind, mode, strictness, &fd, refusal)) {
      case Walk::kDone:
        return fd;
      case Walk::kFailed:
        return -1;
      case Walk::kRestart:
        break;
    }
  }
  return refuse(refusal, ELOOP, "has too many levels of symbolic links");
}

const char* fd_path(int fd, char (&buf)[32]) {
  static constexpr char kPrefix[] = "/proc/self/fd/";
  std::memcpy(buf, kPrefix, sizeof kPrefix);
  char digits[12];
  int n = 0;
  unsigned v = fd < 0 ? 0 : static_cast<unsigned>(fd);
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  size_t at = sizeof kPrefix - 1;
  while (n > 0) buf[at++] = digits[--n];
  buf[at] = '\0';
  return buf;
}

RootDir::RootDir(const std::filesystem::path& dir)
    : path_(dir), fd_(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {
  if (!fd_) throw_errno("open root directory", dir.string());
}

UniqueFd RootDir::open(const std::string& path, int flags, unsigned strictness) const {
  int fd = open_in_root(fd_.get(), path.c_str(), flags, strictness);
  if (fd == -ENOENT || fd == -ENOTDIR) return UniqueFd();
  if (fd < 0)
    throw Error("resolve " + path + " inside " + path_.string(), why_of(-fd, strictness), -fd);
  return UniqueFd(fd);
}

UniqueFd RootDir::ensure(const std::string& path, Kind kind, mode_t mode,
                         unsigned strictness) const {
  Refusal r;
  int fd = ensure_in_root(fd_.get(), path.c_str(), kind, mode, strictness, &r);
  if (fd < 0) throw Error(path_.string() + ": " + path, r.why, r.err);
  return UniqueFd(fd);
}

}  // namespace minipod::safe_path
