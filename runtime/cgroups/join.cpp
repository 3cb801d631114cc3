#include "runtime/cgroups/join.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"

namespace minipod::cgroups {
namespace {

int write_self(const std::string& file, const char** failed) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  int err = 0;
  if (fd < 0 || ::write(fd, "0", 1) != 1) err = errno;
  if (fd >= 0) ::close(fd);
  if (err != 0) *failed = file.c_str();
  return err;
}

}  // namespace

CgroupJoin join_of(const std::vector<std::string>& dirs, const std::string& unified_mount) {
  CgroupJoin j;
  for (const auto& d : dirs) {
    if (!unified_mount.empty() && d.rfind(unified_mount + "/", 0) == 0) {
      j.unified_dir = d;
      j.unified_procs = d + "/cgroup.procs";
    } else {
      j.tasks_files.push_back(d + "/tasks");
    }
  }
  return j;
}

UniqueFd open_clone_target(const CgroupJoin& join, const std::string& whose) {
  if (join.unified_dir.empty()) return UniqueFd();
  UniqueFd fd(::open(join.unified_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno(whose + ": open its cgroup", join.unified_dir);
  return fd;
}

int join_self(const CgroupJoin& join, bool placed, const char** failed) {
  for (const auto& f : join.tasks_files)
    if (int err = write_self(f, failed); err != 0) return err;
  if (!placed && !join.unified_procs.empty()) return write_self(join.unified_procs, failed);
  return 0;
}

}  // namespace minipod::cgroups
