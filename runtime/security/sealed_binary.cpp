#include "runtime/security/sealed_binary.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "common/error.h"
#include "common/trace.h"

extern char** environ;

namespace minipod::security {
namespace {

// Carries the installed path across the re-exec (after it, /proc/self/exe names the detached
// mount, not the file); read and removed at once, so no child of ours inherits it.
constexpr const char* kInstalledEnv = "MINIPOD_INSTALLED_PATH";

UniqueFd detached_read_only_bind(const std::string& path) {
  UniqueFd fd(static_cast<int>(
      ::syscall(SYS_open_tree, AT_FDCWD, path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
  if (!fd) return fd;
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (::syscall(SYS_mount_setattr, fd.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
    return UniqueFd();
  return fd;
}

UniqueFd sealed_memfd_copy(const std::string& path) {
  UniqueFd src(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!src) throw_errno("open", path);
  struct stat st {};
  if (::fstat(src.get(), &st) != 0) throw_errno("stat", path);
  UniqueFd copy(::memfd_create("minipod-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!copy) throw_errno("memfd_create", "a sealed copy of " + path);
  for (off_t left = st.st_size; left > 0;) {
    ssize_t n = ::sendfile(copy.get(), src.get(), nullptr, static_cast<size_t>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw_errno("copy into a sealed memfd", path);
    left -= n;
  }
  if (::fcntl(copy.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) !=
      0)
    throw_errno("seal the memfd copy", path);
  return copy;
}

std::string& installed() {
  static std::string path;
  return path;
}

}  // namespace

UniqueFd read_only_executable(const std::string& path) {
  if (UniqueFd fd = detached_read_only_bind(path)) return fd;
  int bind_err = errno;
  if (bind_err != ENOSYS && bind_err != EPERM && bind_err != EINVAL)
    throw Error("run " + path + " from a read-only bind of it", "", bind_err);
  // No open_tree/mount_setattr (before Linux 5.12), or not allowed to mount: a copy nobody can
  // write. Costs a copy of the file, hence only the fallback.
  return with_context(
      "run " + path + " from a read-only bind (" + std::strerror(bind_err) + ") or a sealed copy",
      [&] { return sealed_memfd_copy(path); });
}

bool running_sealed() {
  UniqueFd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!self) return false;
  struct statvfs sv {};
  if (::fstatvfs(self.get(), &sv) == 0 && (sv.f_flag & ST_RDONLY) != 0) return true;
  int seals = ::fcntl(self.get(), F_GET_SEALS);
  return seals > 0 && (seals & F_SEAL_WRITE) != 0 && (seals & F_SEAL_SEAL) != 0;
}

void reexec_sealed(char** argv) {
  if (running_sealed()) {
    if (const char* env = std::getenv(kInstalledEnv); env != nullptr) {
      installed() = env;
      ::unsetenv(kInstalledEnv);
      // ps and the kernel's comm would otherwise show the descriptor we ran from.
      ::prctl(PR_SET_NAME, "minipod", 0, 0, 0);
    }
    return;
  }
  // A second pass that is still not sealed would loop forever.
  if (std::getenv(kInstalledEnv) != nullptr)
    throw Error("run minipod from a read-only copy of itself",
                "the re-executed binary is still writable");
  std::string self = installed_path();
  UniqueFd exe = read_only_executable("/proc/self/exe");
  Tracer::get().step("run minipod again from a read-only bind mount of " + self +
                     ": what enters a container can never write or re-run the host's binary");
  ::setenv(kInstalledEnv, self.c_str(), 1);
  ::syscall(SYS_execveat, exe.get(), "", argv, environ, AT_EMPTY_PATH);
  int err = errno;
  ::unsetenv(kInstalledEnv);
  throw Error("run minipod from a read-only copy of itself", self, err);
}

std::string installed_path() {
  if (installed().empty()) {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) throw Error("find the minipod binary", "readlink /proc/self/exe", ec.value());
    installed() = self.string();
  }
  return installed();
}

}  // namespace minipod::security
