#include "images/oci/layer_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <memory>

#include "common/digest.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "common/safe_path.h"

namespace minipod::images {
namespace {

constexpr const char* kWhiteoutPrefix = ".wh.";
constexpr const char* kOpaqueMarker = ".wh..wh..opq";
constexpr const char* kOverlayXattrPrefix = "trusted.overlay.";

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveCloser>;

// The blob as libarchive reads it, hashed on the way: the layer is read once, checked and
// unpacked in the same pass.
struct BlobReader {
  UniqueFd fd;
  Sha256Stream sha;
  char buf[1 << 17];
};

la_ssize_t read_blob(archive*, void* data, const void** out) {
  auto* r = static_cast<BlobReader*>(data);
  ssize_t n;
  do {
    n = ::read(r->fd.get(), r->buf, sizeof r->buf);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  r->sha.update(r->buf, static_cast<size_t>(n));
  *out = r->buf;
  return n;
}

std::string fd_dir_path(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

class Unpacker {
 public:
  Unpacker(const LayerSource& source, const std::filesystem::path& dest)
      : source_(source), root_(dest) {}

  void run() {
    ArchivePtr a(archive_read_new());
    if (!a) throw Error("unpack layer", "libarchive: out of memory");
    archive_read_support_format_tar(a.get());
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_zstd(a.get());
    BlobReader reader;
    reader.fd.reset(::open(source_.blob.c_str(), O_RDONLY | O_CLOEXEC));
    if (!reader.fd) throw_errno("open layer", source_.blob.string());
    if (archive_read_open(a.get(), &reader, nullptr, read_blob, nullptr) != ARCHIVE_OK)
      throw Error("read layer " + source_.blob.string(), archive_error_string(a.get()));
    archive_entry* entry = nullptr;
    while (true) {
      int rc = archive_read_next_header(a.get(), &entry);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN)
        throw Error("read layer " + source_.blob.string(),
                    std::string("not a tar archive (plain, gzip or zstd): ") +
                        archive_error_string(a.get()));
      const char* raw = archive_entry_pathname(entry);
      std::string name = raw ? raw : "";
      with_context("layer " + source_.blob.filename().string() + ": entry \"" + name + "\"",
                   [&] { apply(a.get(), entry, name); });
    }
    set_directory_times();
    // The rest of the blob (tar padding after the end marker) still counts for the digest.
    const void* rest = nullptr;
    while (read_blob(a.get(), &reader, &rest) > 0) {
    }
    if (!source_.digest.empty()) {
      std::string got = "sha256:" + reader.sha.hex();
      if (got != source_.digest)
        throw Error("verify layer " + source_.blob.string(),
                    "its content has digest " + got + ", the image says " + source_.digest);
    }
  }

 private:
  // The directory that will hold `rel`, made inside the layer; no symlink on the way.
  UniqueFd walk_to_parent(const std::string& rel, std::string* base, std::string* dir) const {
    size_t slash = rel.rfind('/');
    *base = slash == std::string::npos ? rel : rel.substr(slash + 1);
    *dir = slash == std::string::npos ? "/" : "/" + rel.substr(0, slash);
    UniqueFd path_fd =
        root_.ensure(*dir, safe_path::Kind::kDirectory, 0755, safe_path::kNoSymlinks);
    UniqueFd fd(::openat(path_fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw_errno("open directory", *dir);
    return fd;
  }

  // walk_to_parent for the entry being applied, the last directory kept open: a layer's entries
  // come directory by directory, so most need no walk from the root (a few system calls per
  // component, for every file). Never stale: an entry replaces something in its parent, never
  // the parent itself or above it, and an entry elsewhere walks again (and meets whatever
  // replaced a directory, e.g. a symbolic link, which the walk refuses).
  int entry_parent(const std::string& rel, std::string* base) {
    size_t slash = rel.rfind('/');
    std::string dir = slash == std::string::npos ? "/" : "/" + rel.substr(0, slash);
    if (open_dir_ && open_dir_path_ == dir) {
      *base = slash == std::string::npos ? rel : rel.substr(slash + 1);
      return open_dir_.get();
    }
    open_dir_ = walk_to_parent(rel, base, &dir);
    open_dir_path_ = std::move(dir);
    return open_dir_.get();
  }

  // Whatever is at dir/base goes, unless it is a directory and a directory comes (tar entries
  // replace earlier ones of the same name; a directory keeps what is in it).
  static void clear(int dir, const std::string& base, bool keep_dir) {
    struct stat st {};
    if (::fstatat(dir, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
    if (S_ISDIR(st.st_mode)) {
      if (keep_dir) return;
      fs::remove_tree(fd_dir_path(dir) + "/" + base);
    } else if (::unlinkat(dir, base.c_str(), 0) != 0) {
      throw_errno("unlink", base);
    }
  }

  void apply(archive* a, archive_entry* entry, const std::string& raw_name) {
    std::string rel = layer_entry_path(raw_name);
    if (rel.empty()) {  // "./": the layer's root directory itself
      UniqueFd fd(::openat(root_.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      set_metadata(fd.get(), "", entry, true);
      directory_times_.emplace_back(rel, entry_times(entry));
      return;
    }
    std::string base;
    int dir = entry_parent(rel, &base);
    if (base == kOpaqueMarker) {
      if (::fsetxattr(dir, "trusted.overlay.opaque", "y", 1, 0) != 0)
        throw_errno("mark directory opaque (trusted.overlay.opaque=y)");
      return;
    }
    if (base.rfind(kWhiteoutPrefix, 0) == 0) {
      std::string hidden = base.substr(std::strlen(kWhiteoutPrefix));
      if (hidden.empty() || hidden == "." || hidden == "..")
        throw Error("whiteout", "names no file (expected .wh.<name>)");
      clear(dir, hidden, false);
      if (::mknodat(dir, hidden.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0)
        throw_errno("create whiteout (0/0 character device)", hidden);
      return;
    }
    if (const char* link = archive_entry_hardlink(entry)) {
      hard_link(layer_entry_path(link), dir, base);
      return;
    }
    mode_t type = archive_entry_filetype(entry);
    clear(dir, base, type == AE_IFDIR);
    switch (type) {
      case AE_IFDIR: {
        if (::mkdirat(dir, base.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("mkdir", base);
        UniqueFd fd(::openat(dir, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) throw_errno("open directory", base);
        set_metadata(fd.get(), "", entry, true);
        directory_times_.emplace_back(rel, entry_times(entry));
        return;
      }
      case AE_IFREG: {
        UniqueFd fd(::openat(dir, base.c_str(),
                             O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd) throw_errno("create file", base);
        write_data(a, fd.get(), archive_entry_size(entry));
        set_metadata(fd.get(), "", entry, true);
        return;
      }
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(entry);
        if (::symlinkat(target ? target : "", dir, base.c_str()) != 0)
          throw_errno("create symbolic link", base);
        set_metadata(dir, base, entry, false);
        return;
      }
      case AE_IFCHR:
      case AE_IFBLK:
      case AE_IFIFO: {
        dev_t dev = makedev(archive_entry_rdevmajor(entry), archive_entry_rdevminor(entry));
        if (::mknodat(dir, base.c_str(), type | 0600, type == AE_IFIFO ? 0 : dev) != 0)
          throw_errno(type == AE_IFIFO ? "create fifo" : "create device node", base);
        set_metadata(dir, base, entry, false);
        return;
      }
      default:
        throw Error("unpack", "has an entry type this layer format cannot hold (a socket?)");
    }
  }

  static void write_data(archive* a, int fd, la_int64_t size) {
    const void* buf = nullptr;
    size_t len = 0;
    la_int64_t offset = 0;
    while (true) {
      int rc = archive_read_data_block(a, &buf, &len, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN) throw Error("read file data", archive_error_string(a));
      const char* p = static_cast<const char*>(buf);
      while (len > 0) {
        ssize_t n = ::pwrite(fd, p, len, offset);
        if (n < 0) {
          if (errno == EINTR) continue;
          throw_errno("write file data");
        }
        p += n;
        len -= static_cast<size_t>(n);
        offset += n;
      }
    }
    // Sparse files end in a hole libarchive does not write.
    if (::ftruncate(fd, size) != 0) throw_errno("set file size");
  }

  // Owner (numeric, as the layer says: never mapped through the host's passwd), mode after the
  // owner (chown clears setuid), xattrs, times. `fd` with an empty `base` is the object itself;
  // otherwise `base` in directory `fd`, not followed.
  static void set_metadata(int fd, const std::string& base, archive_entry* entry, bool own_fd) {
    uid_t uid = static_cast<uid_t>(archive_entry_uid(entry));
    gid_t gid = static_cast<gid_t>(archive_entry_gid(entry));
    const char* name = own_fd ? "" : base.c_str();
    int flags = own_fd ? AT_EMPTY_PATH : AT_SYMLINK_NOFOLLOW;
    if (::fchownat(fd, name, uid, gid, flags) != 0) throw_errno("chown", base);
    bool symlink = archive_entry_filetype(entry) == AE_IFLNK;
    if (!symlink) {
      mode_t mode = archive_entry_perm(entry) & 07777;
      int rc = own_fd ? ::fchmod(fd, mode) : ::fchmodat(fd, name, mode, 0);
      if (rc != 0) throw_errno("chmod", base);
    }
    std::string path = own_fd ? "" : fd_dir_path(fd) + "/" + base;
    archive_entry_xattr_reset(entry);
    const char* xname = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    while (archive_entry_xattr_next(entry, &xname, &value, &size) == ARCHIVE_OK) {
      // overlayfs' own attributes in a layer would redirect or hide files of other layers.
      if (std::strncmp(xname, kOverlayXattrPrefix, std::strlen(kOverlayXattrPrefix)) == 0) continue;
      int rc = own_fd ? ::fsetxattr(fd, xname, value, size, 0)
                      : ::lsetxattr(path.c_str(), xname, value, size, 0);
      if (rc != 0) throw_errno("set xattr " + std::string(xname), base);
    }
    Times times = entry_times(entry);
    int rc = own_fd ? ::futimens(fd, times.data())
                    : ::utimensat(fd, name, times.data(), AT_SYMLINK_NOFOLLOW);
    if (rc != 0) throw_errno("set times", base);
  }

  using Times = std::array<struct timespec, 2>;  // atime, mtime

  static Times entry_times(archive_entry* entry) {
    Times times{};
    times[0].tv_sec =
        archive_entry_atime_is_set(entry) ? archive_entry_atime(entry) : archive_entry_mtime(entry);
    times[1].tv_sec = archive_entry_mtime(entry);
    times[1].tv_nsec = archive_entry_mtime_nsec(entry);
    return times;
  }

  // A directory's times are set again once the layer is complete: what was created in it after
  // its own entry changed its mtime (tar, containerd and Docker do the same).
  void set_directory_times() {
    for (const auto& [rel, times] : directory_times_) {
      UniqueFd fd;
      try {
        fd = rel.empty() ? UniqueFd(::openat(root_.fd(), ".", O_RDONLY | O_CLOEXEC))
                         : root_.open("/" + rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
                                      safe_path::kNoSymlinks);
      } catch (const Error&) {  // a later entry made it a symbolic link or a file
      }
      if (!fd) continue;  // or removed it
      if (::futimens(fd.get(), times.data()) != 0) throw_errno("set times", "/" + rel);
    }
  }

  // A hard link to `target` (a path in this layer, or below it: then copied up first, as
  // overlayfs' copy-up does, since a link cannot span layer directories).
  void hard_link(const std::string& target, int dir, const std::string& base) {
    UniqueFd src = root_.open("/" + target, O_PATH | O_NOFOLLOW, safe_path::kNoSymlinks);
    if (!src)
      copy_up(target), src = root_.open("/" + target, O_PATH | O_NOFOLLOW, safe_path::kNoSymlinks);
    if (!src) throw Error("hard link", "its target \"" + target + "\" is in no layer");
    clear(dir, base, false);
    std::string from = fd_dir_path(src.get());
    if (::linkat(AT_FDCWD, from.c_str(), dir, base.c_str(), AT_SYMLINK_FOLLOW) != 0)
      throw_errno("hard link to " + target, base);
  }

  // The layers below, opened on first use (most layers have no hard link across layers).
  const std::vector<safe_path::RootDir>& lowers() {
    if (!lowers_opened_) {
      if (source_.before_lowers) source_.before_lowers();
      for (const auto& l : source_.lowers) lowers_.emplace_back(l);
      lowers_opened_ = true;
    }
    return lowers_;
  }

  void copy_up(const std::string& target) {
    for (const auto& lower : lowers()) {
      UniqueFd src = lower.open("/" + target, O_RDONLY | O_NOFOLLOW, safe_path::kNoSymlinks);
      if (!src) continue;
      struct stat st {};
      if (::fstat(src.get(), &st) != 0) throw_errno("stat", target);
      if (!S_ISREG(st.st_mode))
        throw Error("hard link", "its target \"" + target + "\" in a lower layer is not a file");
      std::string base;
      std::string parent;
      UniqueFd dir = walk_to_parent(target, &base, &parent);
      UniqueFd dst(::openat(dir.get(), base.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!dst) throw_errno("copy up", target);
      off_t left = st.st_size;
      while (left > 0) {
        ssize_t n = ::sendfile(dst.get(), src.get(), nullptr, static_cast<size_t>(left));
        if (n <= 0) throw_errno("copy up", target);
        left -= n;
      }
      if (::fchown(dst.get(), st.st_uid, st.st_gid) != 0 ||
          ::fchmod(dst.get(), st.st_mode & 07777) != 0)
        throw_errno("copy up owner and mode", target);
      char names[4096];
      ssize_t len = ::flistxattr(src.get(), names, sizeof names);
      for (ssize_t i = 0; len > 0 && i < len;
           i += static_cast<ssize_t>(std::strlen(names + i)) + 1) {
        char value[4096];
        ssize_t vlen = ::fgetxattr(src.get(), names + i, value, sizeof value);
        if (vlen >= 0 &&
            ::fsetxattr(dst.get(), names + i, value, static_cast<size_t>(vlen), 0) != 0)
          throw_errno("copy up xattr " + std::string(names + i), target);
      }
      struct timespec times[2] = {st.st_atim, st.st_mtim};
      ::futimens(dst.get(), times);
      return;
    }
  }

  const LayerSource& source_;
  safe_path::RootDir root_;
  std::vector<safe_path::RootDir> lowers_;
  bool lowers_opened_ = false;
  UniqueFd open_dir_;
  std::string open_dir_path_;
  std::vector<std::pair<std::string, Times>> directory_times_;
};

}  // namespace

std::string layer_entry_path(const std::string& name) {
  if (!name.empty() && name.front() == '/')
    throw Error("unpack layer", "entry \"" + name + "\" is an absolute path (refused)");
  std::string out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string part = name.substr(start, end - start);
    if (part == "..")
      throw Error("unpack layer", "entry \"" + name + "\" goes up with \"..\" (refused)");
    if (!part.empty() && part != ".") out += (out.empty() ? "" : "/") + part;
    start = end + 1;
  }
  return out;
}

void unpack_layer(const LayerSource& source, const std::filesystem::path& dest) {
  Unpacker(source, dest).run();
}

}  // namespace minipod::images
