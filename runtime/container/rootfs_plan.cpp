#include "runtime/container/rootfs_plan.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "runtime/ns/child_report.h"

namespace minipod::container {
namespace {

using Kind = RootfsOp::Kind;

RootfsOp mkdir_op(const std::string& path, mode_t mode = 0755) {
  return {Kind::kMkdir, path, "", "", "", 0, mode, 0, "mkdir"};
}

RootfsOp mount_op(std::string what, std::string source, std::string target, std::string fstype,
                  unsigned long flags, std::string data = "") {
  return {Kind::kMount,
          std::move(target),
          std::move(source),
          std::move(fstype),
          std::move(data),
          flags,
          0,
          0,
          std::move(what)};
}

// privileged: every device node of the host's /dev (what Docker's --privileged gives), except
// the pseudo file systems the container has its own of.
void add_host_devices(const std::string& r, std::vector<RootfsOp>& ops) {
  namespace fsys = std::filesystem;
  std::error_code ec;
  fsys::recursive_directory_iterator it("/dev", fsys::directory_options::none, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fsys::path& p = it->path();
    std::string rel = p.string().substr(4);  // "/sda", "/net/tun"
    if (rel == "/pts" || rel == "/shm" || rel == "/mqueue" || rel == "/hugepages") {
      it.disable_recursion_pending();
      continue;
    }
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      ops.push_back(mkdir_op(r + "/dev" + rel));
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      ops.push_back({Kind::kMknod, r + "/dev" + rel, p.string(), "", "", 0,
                     st.st_mode & (S_IFMT | 07777), st.st_rdev, "create host device /dev" + rel});
    }
  }
}

}  // namespace

const std::vector<std::string> kMaskedPaths{"/proc/acpi",
                                            "/proc/asound",
                                            "/proc/kcore",
                                            "/proc/keys",
                                            "/proc/latency_stats",
                                            "/proc/timer_list",
                                            "/proc/timer_stats",
                                            "/proc/sched_debug",
                                            "/proc/scsi",
                                            "/sys/firmware",
                                            "/sys/devices/virtual/powercap"};
const std::vector<std::string> kReadOnlyPaths{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                              "/proc/sysrq-trigger"};

RootfsPlan plan_rootfs(const RootfsInputs& in) {
  RootfsPlan plan;
  plan.rootfs = in.rootfs;
  auto& ops = plan.ops;
  const std::string& r = in.rootfs;
  constexpr unsigned long kSecure = MS_NOSUID | MS_NOEXEC | MS_NODEV;

  ops.push_back(mount_op("mount overlay root filesystem", "overlay", r, "overlay", 0,
                         "lowerdir=" + in.lower + ",upperdir=" + in.upper + ",workdir=" + in.work));

  ops.push_back(mkdir_op(r + "/proc"));
  ops.push_back(mount_op("mount /proc", "proc", r + "/proc", "proc", kSecure));

  ops.push_back(mkdir_op(r + "/dev"));
  ops.push_back(mount_op("mount /dev", "tmpfs", r + "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
                         "mode=755,size=65536k"));
  struct Node {
    const char* name;
    unsigned major, minor;
  };
  for (Node n : {Node{"null", 1, 3}, Node{"zero", 1, 5}, Node{"full", 1, 7}, Node{"tty", 5, 0},
                 Node{"random", 1, 8}, Node{"urandom", 1, 9}}) {
    ops.push_back({Kind::kMknod, r + "/dev/" + n.name, std::string("/dev/") + n.name, "", "", 0,
                   S_IFCHR | 0666, makedev(n.major, n.minor),
                   std::string("create /dev/") + n.name});
  }
  for (auto [link, target] :
       {std::pair{"fd", "/proc/self/fd"}, std::pair{"stdin", "/proc/self/fd/0"},
        std::pair{"stdout", "/proc/self/fd/1"}, std::pair{"stderr", "/proc/self/fd/2"},
        std::pair{"ptmx", "pts/ptmx"}}) {
    ops.push_back({Kind::kSymlink, r + "/dev/" + link, target, "", "", 0, 0, 0,
                   std::string("symlink /dev/") + link});
  }
  if (in.privileged) add_host_devices(r, ops);
  ops.push_back(mkdir_op(r + "/dev/pts"));
  ops.push_back(mount_op("mount /dev/pts", "devpts", r + "/dev/pts", "devpts",
                         MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5"));
  ops.push_back(mkdir_op(r + "/dev/shm", 01777));
  if (!in.shm_dir.empty())
    ops.push_back(mount_op("bind the pod's /dev/shm", in.shm_dir, r + "/dev/shm", "", MS_BIND));
  ops.push_back(mkdir_op(r + "/dev/mqueue"));
  ops.push_back(mount_op("mount /dev/mqueue", "mqueue", r + "/dev/mqueue", "mqueue", kSecure));

  ops.push_back(mkdir_op(r + "/sys"));
  // Read-only per mount, never per superblock: all containers of a pod share one sysfs
  // superblock (it belongs to the network namespace), so mounting it read-only would make /sys
  // read-only for a privileged sibling too, depending on which container mounted it first.
  ops.push_back(mount_op("mount /sys", "sysfs", r + "/sys", "sysfs", kSecure));
  if (!in.privileged)
    ops.push_back({Kind::kRemountReadOnly, r + "/sys", "", "", "", 0, 0, 0, "make /sys read-only"});

  ops.push_back(mkdir_op(r + "/etc"));
  for (auto [src, name] :
       {std::pair{&in.hostname_file, "hostname"}, std::pair{&in.hosts_file, "hosts"},
        std::pair{&in.resolv_file, "resolv.conf"}}) {
    if (src->empty()) continue;
    std::string target = r + "/etc/" + name;
    ops.push_back(
        {Kind::kTouch, target, "", "", "", 0, 0644, 0, std::string("create /etc/") + name});
    ops.push_back(mount_op(std::string("bind /etc/") + name, *src, target, "", MS_BIND));
  }
  if (!in.privileged) {
    for (const auto& p : kReadOnlyPaths)
      ops.push_back({Kind::kReadOnly, r + p, "", "", "", 0, 0, 0, "make " + p + " read-only"});
    for (const auto& p : kMaskedPaths)
      ops.push_back({Kind::kMask, r + p, "/dev/null", "", "", 0, 0, 0, "mask " + p});
  }
  if (in.read_only_root)
    ops.push_back(
        {Kind::kRemountReadOnly, r, "", "", "", 0, 0, 0, "make the root filesystem read-only"});
  return plan;
}

namespace {

void fail(int report, const RootfsOp& op, const char* step = nullptr) {
  ns::child_fail(report, step != nullptr ? step : op.what.c_str(), op.path.c_str(), errno);
}

void touch(const char* path, mode_t mode, int report, const RootfsOp& op) {
  int fd = ::open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0 && errno != EEXIST) fail(report, op);
  if (fd >= 0) ::close(fd);
}

// The flags a bind remount must keep (statvfs ST_* -> MS_*).
unsigned long mount_flags_of(const char* path) {
  struct statvfs sv {};
  if (::statvfs(path, &sv) != 0) return 0;
  unsigned long flags = 0;
  if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  return flags;
}

void remount_read_only(const char* path, int report, const RootfsOp& op) {
  if (::mount("", path, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | mount_flags_of(path),
              nullptr) != 0)
    fail(report, op);
}

}  // namespace

void apply_rootfs(const RootfsPlan& plan, int report) {
  for (const auto& op : plan.ops) {
    switch (op.kind) {
      case Kind::kMkdir:
        if (::mkdir(op.path.c_str(), op.mode) == 0)
          ::chmod(op.path.c_str(), op.mode);  // umask must not narrow /dev/shm's 1777
        else if (errno != EEXIST)
          fail(report, op);
        // An existing directory keeps the image's mode (like runc): a chmod on the overlay would
        // copy it up into the writable layer for nothing.
        break;
      case Kind::kTouch:
        touch(op.path.c_str(), op.mode, report, op);
        break;
      case Kind::kMount:
        if (::mount(op.source.c_str(), op.path.c_str(),
                    op.fstype.empty() ? nullptr : op.fstype.c_str(), op.flags,
                    op.data.empty() ? nullptr : op.data.c_str()) != 0)
          fail(report, op);
        if ((op.flags & MS_BIND) && (op.flags & MS_RDONLY) &&
            ::mount("", op.path.c_str(), nullptr, op.flags | MS_REMOUNT, nullptr) != 0)
          fail(report, op);
        break;
      case Kind::kMknod:
        if (::mknod(op.path.c_str(), op.mode, op.dev) == 0) {
          ::chmod(op.path.c_str(), op.mode & 07777);
        } else if (errno == EPERM) {
          // Not allowed to create device nodes (user namespace): bind the host's node instead.
          touch(op.path.c_str(), 0666, report, op);
          if (::mount(op.source.c_str(), op.path.c_str(), nullptr, MS_BIND, nullptr) != 0)
            fail(report, op);
        } else if (errno != EEXIST) {
          fail(report, op);
        }
        break;
      case Kind::kSymlink:
        if (::symlink(op.source.c_str(), op.path.c_str()) != 0 && errno != EEXIST) fail(report, op);
        break;
      case Kind::kMask: {
        struct stat st {};
        if (::stat(op.path.c_str(), &st) != 0) {
          if (errno == ENOENT || errno == ENOTDIR) break;
          fail(report, op);
        }
        int rc = S_ISDIR(st.st_mode)
                     ? ::mount("tmpfs", op.path.c_str(), "tmpfs", MS_RDONLY, nullptr)
                     : ::mount(op.source.c_str(), op.path.c_str(), nullptr, MS_BIND, nullptr);
        if (rc != 0) fail(report, op);
        break;
      }
      case Kind::kReadOnly:
        if (::mount(op.path.c_str(), op.path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
          if (errno == ENOENT || errno == ENOTDIR) break;
          fail(report, op);
        }
        remount_read_only(op.path.c_str(), report, op);
        break;
      case Kind::kRemountReadOnly:
        remount_read_only(op.path.c_str(), report, op);
        break;
    }
  }

  // pivot_root(".", ".") stacks the old root under the new one; detaching it leaves the container
  // with nothing of the host's mount table (runc's trick, no temporary directory needed).
  if (::chdir(plan.rootfs.c_str()) != 0)
    ns::child_fail(report, "chdir", plan.rootfs.c_str(), errno);
  if (::syscall(SYS_pivot_root, ".", ".") != 0)
    ns::child_fail(report, "pivot_root", plan.rootfs.c_str(), errno);
  if (::umount2(".", MNT_DETACH) != 0) ns::child_fail(report, "detach the old root", "", errno);
  if (::chdir("/") != 0) ns::child_fail(report, "chdir", "/", errno);
}

}  // namespace minipod::container
