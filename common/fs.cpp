#include "common/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>
#include <cerrno>
#include <system_error>
#include <vector>

#include "common/error.h"
#include "common/fd.h"

namespace minipod::fs {
namespace {

void write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write", path.string());
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

std::optional<std::string> read_file_if_exists(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    throw_errno("open", path.string());
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read", path.string());
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string read_file(const std::filesystem::path& path) {
  auto content = read_file_if_exists(path);
  if (!content) throw Error("open", path.string(), ENOENT);
  return *content;
}

void write_file(const std::filesystem::path& path, std::string_view data, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) throw_errno("open", path.string());
  write_all(fd.get(), data, path);
}

void write_file_atomic(const std::filesystem::path& path, std::string_view data, mode_t mode,
                       Durability durability) {
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!fd) throw_errno("open", tmp.string());
    try {
      write_all(fd.get(), data, tmp);
      if (durability == Durability::kPowerLoss && ::fsync(fd.get()) != 0)
        throw_errno("fsync", tmp.string());
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error("rename", tmp.string() + " -> " + path.string(), err);
  }
}

void make_dirs(const std::filesystem::path& path, mode_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw Error("mkdir", path.string(), ec.value());
  if (::chmod(path.c_str(), mode) != 0) throw_errno("chmod", path.string());
}

namespace {

void remove_below(int dirfd, const std::string& shown, dev_t dev);

void remove_entry(int dirfd, const char* name, const std::string& shown, dev_t dev) {
  struct stat st {};
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    throw_errno("stat", shown);
  }
  if (S_ISDIR(st.st_mode)) {
    if (st.st_dev != dev)
      throw Error("remove", shown + " is a mount point; unmount it first", EBUSY);
    UniqueFd sub(::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub) throw_errno("open", shown);
    remove_below(sub.get(), shown, dev);
    if (::unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) throw_errno("rmdir", shown);
  } else if (::unlinkat(dirfd, name, 0) != 0 && errno != ENOENT) {
    throw_errno("unlink", shown);
  }
}

void remove_below(int dirfd, const std::string& shown, dev_t dev) {
  int dup = ::dup(dirfd);
  if (dup < 0) throw_errno("dup", shown);
  DIR* dir = ::fdopendir(dup);
  if (dir == nullptr) {
    ::close(dup);
    throw_errno("opendir", shown);
  }
  std::vector<std::string> names;
  while (dirent* ent = ::readdir(dir)) {
    std::string_view n = ent->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(dir);
  for (const auto& n : names) remove_entry(dirfd, n.c_str(), shown + "/" + n, dev);
}

}  // namespace

void remove_tree(const std::filesystem::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw_errno("stat", path.string());
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno("unlink", path.string());
    return;
  }
  struct stat parent {};
  if (::stat(path.parent_path().c_str(), &parent) == 0 && parent.st_dev != st.st_dev)
    throw Error("remove", path.string() + " is a mount point; unmount it first", EBUSY);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno("open", path.string());
  remove_below(fd.get(), path.string(), st.st_dev);
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) throw_errno("rmdir", path.string());
}

}  // namespace minipod::fs
