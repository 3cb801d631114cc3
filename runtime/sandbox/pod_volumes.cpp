#include "runtime/sandbox/pod_volumes.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"

namespace minipod::sandbox {
namespace {

void type_check_failed(const std::string& path, const char* what) {
  throw Error("hostPath type check failed", path + " is not " + what);
}

// mkdir -p with 0755 for every directory made (whatever the umask), owned by root: the kubelet's
// os.MkdirAll(path, 0755) for DirectoryOrCreate, and containerd's for a missing "" hostPath.
void make_dirs_0755(const std::filesystem::path& path) {
  std::filesystem::path at;
  for (const auto& part : path) {
    at /= part;
    if (::mkdir(at.c_str(), 0755) == 0) {
      if (::chmod(at.c_str(), 0755) != 0) throw_errno("chmod", at.string());
    } else if (errno != EEXIST) {
      throw_errno("mkdir", at.string());
    }
  }
}

void mount_tmpfs(const state::VolumeRecord& v) {
  // The kubelet mounts it with only a size: the tmpfs root keeps its default mode (1777).
  std::string options = v.size_limit > 0 ? "size=" + std::to_string(v.size_limit) : "";
  if (::mount("tmpfs", v.path.c_str(), "tmpfs", 0, options.empty() ? nullptr : options.c_str()) !=
      0)
    throw_errno("mount tmpfs", v.path);
}

}  // namespace

std::vector<state::VolumeRecord> plan_volumes(const spec::Pod& pod,
                                              const std::filesystem::path& volumes_dir) {
  std::vector<state::VolumeRecord> out;
  for (const auto& v : pod.volumes) {
    // Only what minipod makes: another type is refused by the parser once a container mounts it.
    if (v.type != "emptyDir" && v.type != "hostPath") continue;
    state::VolumeRecord r;
    r.name = v.name;
    r.type = v.type;
    r.path = v.type == "emptyDir" ? (volumes_dir / v.name).string() : v.path;
    r.medium = v.medium;
    r.size_limit = v.size_limit.value_or(0);
    r.host_path_type = v.host_path_type;
    out.push_back(std::move(r));
  }
  return out;
}

void check_host_path(const std::string& path, const std::string& type) {
  struct stat st {};
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (!exists && errno != ENOENT && errno != ENOTDIR) throw_errno("stat", path);
  if (type.empty()) {
    // No check (the kubelet's); a missing path is made a directory, as containerd's CRI does.
    if (!exists) make_dirs_0755(path);
    return;
  }
  if (type == "DirectoryOrCreate" && !exists) return make_dirs_0755(path);
  if (type == "DirectoryOrCreate" || type == "Directory") {
    if (!exists || !S_ISDIR(st.st_mode)) type_check_failed(path, "a directory");
    return;
  }
  if (type == "FileOrCreate" && !exists) {
    // os.OpenFile(path, O_CREATE, 0644): the parent must exist, it is never made.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd && errno != EEXIST) throw_errno("create", path);
    if (fd && ::fchmod(fd.get(), 0644) != 0) throw_errno("chmod", path);
    return;
  }
  if (type == "FileOrCreate" || type == "File") {
    if (!exists || !S_ISREG(st.st_mode)) type_check_failed(path, "a file");
    return;
  }
  if (type == "Socket" && (!exists || !S_ISSOCK(st.st_mode)))
    type_check_failed(path, "a socket file");
  if (type == "CharDevice" && (!exists || !S_ISCHR(st.st_mode)))
    type_check_failed(path, "a character device");
  if (type == "BlockDevice" && (!exists || !S_ISBLK(st.st_mode)))
    type_check_failed(path, "a block device");
}

void set_up_volume(const state::VolumeRecord& v) {
  with_context("volume \"" + v.name + "\"", [&] {
    if (v.type == "hostPath") return check_host_path(v.path, v.host_path_type);
    // An emptyDir: world-writable, as the kubelet makes it, whatever user the containers run as.
    fs::make_dirs(v.path, 0777);
    if (v.tmpfs()) mount_tmpfs(v);
  });
}

void unmount_volumes(const std::vector<state::VolumeRecord>& volumes) {
  for (const auto& v : volumes)
    if (v.tmpfs() && ::umount2(v.path.c_str(), MNT_DETACH) != 0 && errno != EINVAL &&
        errno != ENOENT)
      throw_errno("umount", v.path);
}

void remove_volumes(const state::PodRecord& record) {
  unmount_volumes(record.volumes);
  if (!record.volumes_dir.empty()) fs::remove_tree(record.volumes_dir);
}

}  // namespace minipod::sandbox
