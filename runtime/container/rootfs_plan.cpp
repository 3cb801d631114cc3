#include "runtime/container/rootfs_plan.h"

#include <fcntl.h>
#include <linux/limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "runtime/ns/child_report.h"

namespace minipod::container {
namespace {

using Kind = RootfsOp::Kind;
using safe_path::kFollowInRoot;
using safe_path::kNoMountCrossing;
using safe_path::kNoSymlinks;

constexpr unsigned long kSecure = MS_NOSUID | MS_NOEXEC | MS_NODEV;

RootfsOp make_op(Kind kind, std::string path, std::string what) {
  RootfsOp o{};
  o.kind = kind;
  o.path = std::move(path);
  o.what = std::move(what);
  o.mode = 0755;
  return o;
}

RootfsOp mount_op(std::string path, std::string fstype, std::string source, unsigned long flags,
                  std::string data = "") {
  RootfsOp o = make_op(Kind::kMount, path, "mount " + path);
  o.fstype = std::move(fstype);
  o.source = std::move(source);
  o.flags = flags;
  o.data = std::move(data);
  return o;
}

// privileged: every device node of the host's /dev (what Docker's --privileged gives), except
// the pseudo file systems the container has its own of.
void add_host_devices(std::vector<RootfsOp>& ops) {
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
      ops.push_back(make_op(Kind::kMkdir, "/dev" + rel, "create host device directory /dev" + rel));
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      RootfsOp node = make_op(Kind::kMknod, "/dev" + rel, "create host device /dev" + rel);
      node.source = p.string();
      node.mode = st.st_mode & (S_IFMT | 07777);
      node.dev = st.st_rdev;
      ops.push_back(node);
    }
  }
}

void add_cgroupfs(const RootfsInputs& in, std::vector<RootfsOp>& ops) {
  if (in.cgroupfs.empty()) return;
  const std::string base = "/sys/fs/cgroup";
  // v1 and hybrid hosts: one mount per hierarchy, in a tmpfs of their own (as Docker lays it out).
  bool layered = !in.cgroupfs.front().subdir.empty();
  if (layered) ops.push_back(mount_op(base, "tmpfs", "tmpfs", kSecure, "mode=755,size=64k"));
  for (const auto& m : in.cgroupfs) {
    std::string path = m.subdir.empty() ? base : base + "/" + m.subdir;
    ops.push_back(mount_op(path, m.fstype, m.fstype, kSecure, m.options));
  }
  if (in.privileged) return;
  for (const auto& m : in.cgroupfs) {
    std::string path = m.subdir.empty() ? base : base + "/" + m.subdir;
    ops.push_back(make_op(Kind::kRemountReadOnly, path, "make " + path + " read-only"));
  }
  if (layered) ops.push_back(make_op(Kind::kRemountReadOnly, base, "make " + base + " read-only"));
}

// The container's volumeMounts, after the kernel file systems (as runc mounts a config's own
// mounts after /proc, /dev and /sys) and before the masks. A mount path inside another's comes
// after it, whatever the manifest's order (containerd sorts mounts by depth the same way).
void add_volumes(const RootfsInputs& in, std::vector<RootfsOp>& ops) {
  std::vector<const VolumeBind*> sorted;
  for (const auto& v : in.volumes) sorted.push_back(&v);
  auto depth = [](const std::string& p) {
    size_t n = 0;
    for (size_t i = 0; i < p.size(); ++i)
      if (p[i] == '/' && i + 1 < p.size() && p[i + 1] != '/') ++n;
    return n;
  };
  std::stable_sort(sorted.begin(), sorted.end(), [&](const VolumeBind* a, const VolumeBind* b) {
    return depth(a->mount_path) < depth(b->mount_path);
  });
  for (const VolumeBind* v : sorted) {
    RootfsOp op = make_op(Kind::kVolume, v->mount_path,
                          "mount volume \"" + v->volume + "\" at " + v->mount_path);
    op.source = v->source;
    op.sub_path = v->sub_path;
    op.flags = v->read_only ? MS_RDONLY : 0;
    // Kubernetes: None is rprivate, HostToContainer rslave, Bidirectional rshared.
    op.propagation = v->propagation == "Bidirectional"     ? MS_SHARED
                     : v->propagation == "HostToContainer" ? MS_SLAVE
                                                           : MS_PRIVATE;
    // The mount path follows the image's links, but only inside the root (a volume at /data
    // where the image has /data -> /var/data lands on /var/data, never on the host's).
    op.strictness = kFollowInRoot;
    ops.push_back(std::move(op));
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
  plan.lowers = in.lowers;
  plan.upper = in.upper;
  plan.work = in.work;
  std::string lowerdir;
  for (const auto& l : in.lowers) lowerdir += (lowerdir.empty() ? "" : ":") + l;
  plan.overlay = "lowerdir=" + lowerdir + ",upperdir=" + in.upper + ",workdir=" + in.work;
  if (in.lowers.size() > 1) {
    std::string parent = std::filesystem::path(in.lowers.front()).parent_path().string();
    std::string relative;
    for (const auto& l : in.lowers) {
      std::filesystem::path p(l);
      if (p.parent_path().string() != parent) {
        relative.clear();
        break;
      }
      relative += (relative.empty() ? "" : ":") + p.filename().string();
    }
    if (!relative.empty()) {
      plan.lowers_dir = parent;
      plan.overlay_relative =
          "lowerdir=" + relative + ",upperdir=" + in.upper + ",workdir=" + in.work;
    }
  }
  auto& ops = plan.ops;

  // The pod's files first, while the overlay is the only mount: they follow the image's links
  // (an /etc/resolv.conf -> ../run/... is common) but only inside the root and only on its own
  // mount, so they never land on the host nor in a kernel file system mounted below.
  for (auto [src, name] :
       {std::pair{&in.hostname_file, "hostname"}, std::pair{&in.hosts_file, "hosts"},
        std::pair{&in.resolv_file, "resolv.conf"}}) {
    if (src->empty()) continue;
    std::string target = std::string("/etc/") + name;
    RootfsOp bind = make_op(Kind::kBind, target, "bind " + target);
    bind.source = *src;
    bind.target = safe_path::Kind::kRegularFile;
    bind.mode = 0644;
    bind.strictness = kFollowInRoot | kNoMountCrossing;
    ops.push_back(bind);
  }

  ops.push_back(mount_op("/proc", "proc", "proc", kSecure));

  ops.push_back(
      mount_op("/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"));
  struct Node {
    const char* name;
    unsigned major, minor;
  };
  for (Node n : {Node{"null", 1, 3}, Node{"zero", 1, 5}, Node{"full", 1, 7}, Node{"tty", 5, 0},
                 Node{"random", 1, 8}, Node{"urandom", 1, 9}}) {
    std::string path = std::string("/dev/") + n.name;
    RootfsOp node = make_op(Kind::kMknod, path, "create " + path);
    node.source = path;
    node.mode = S_IFCHR | 0666;
    node.dev = makedev(n.major, n.minor);
    ops.push_back(node);
  }
  for (auto [link, target] :
       {std::pair{"fd", "/proc/self/fd"}, std::pair{"stdin", "/proc/self/fd/0"},
        std::pair{"stdout", "/proc/self/fd/1"}, std::pair{"stderr", "/proc/self/fd/2"},
        std::pair{"ptmx", "pts/ptmx"}}) {
    std::string path = std::string("/dev/") + link;
    RootfsOp symlink = make_op(Kind::kSymlink, path, "symlink " + path);
    symlink.source = target;
    ops.push_back(symlink);
  }
  if (in.privileged) add_host_devices(ops);
  ops.push_back(mount_op("/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
                         "newinstance,ptmxmode=0666,mode=0620,gid=5"));
  if (!in.shm_dir.empty()) {
    RootfsOp shm = make_op(Kind::kBind, "/dev/shm", "bind the pod's /dev/shm");
    shm.source = in.shm_dir;
    shm.mode = 01777;
    ops.push_back(shm);
  } else {
    RootfsOp shm = make_op(Kind::kMkdir, "/dev/shm", "create /dev/shm");
    shm.mode = 01777;
    ops.push_back(shm);
  }
  ops.push_back(mount_op("/dev/mqueue", "mqueue", "mqueue", kSecure));

  // Read-only per mount, never per superblock: all containers of a pod share one sysfs
  // superblock (it belongs to the network namespace), so mounting it read-only would make /sys
  // read-only for a privileged sibling too, depending on which container mounted it first.
  ops.push_back(mount_op("/sys", "sysfs", "sysfs", kSecure));
  if (!in.privileged) ops.push_back(make_op(Kind::kRemountReadOnly, "/sys", "make /sys read-only"));
  add_cgroupfs(in, ops);
  add_volumes(in, ops);

  if (!in.privileged) {
    for (const auto& p : kReadOnlyPaths)
      ops.push_back(make_op(Kind::kReadOnly, p, "make " + p + " read-only"));
    for (const auto& p : kMaskedPaths) {
      RootfsOp mask = make_op(Kind::kMask, p, "mask " + p);
      mask.source = "/dev/null";
      ops.push_back(mask);
    }
  }
  if (in.read_only_root)
    ops.push_back(make_op(Kind::kRemountReadOnly, "/", "make the root filesystem read-only"));
  return plan;
}

namespace {

// Everything below runs in the child between clone() and exec(): no allocation, no exceptions.

[[noreturn]] void fail(int report, const RootfsOp& op, int err) {
  ns::child_fail(report, op.what.c_str(), op.path.c_str(), err);
}

[[noreturn]] void refuse(int report, const RootfsOp& op, const safe_path::Refusal& r) {
  // Wrong kind (a symlink, a file where a directory goes): the words say it all. Anything else
  // (no space, no permission) keeps its errno.
  bool kind =
      r.err == ELOOP || r.err == ENOTDIR || r.err == EISDIR || r.err == EXDEV || r.err == EINVAL;
  ns::child_refuse(report, op.what.c_str(), op.path.c_str(), r.why, kind ? 0 : r.err);
}

// The target of `op`, made to exist as `kind`.
int target_of(int root, int report, const RootfsOp& op, safe_path::Kind kind) {
  safe_path::Refusal r;
  int fd = safe_path::ensure_in_root(root, op.path.c_str(), kind, op.mode, op.strictness, &r);
  if (fd < 0) refuse(report, op, r);
  return fd;
}

// The target of `op` if it exists (masks and read-only paths skip what this kernel lacks): -1
// when it does not.
int existing_target(int root, int report, const RootfsOp& op) {
  int fd = safe_path::open_in_root(root, op.path.c_str(), O_PATH, kNoSymlinks);
  if (fd == -ENOENT || fd == -ENOTDIR) return -1;
  if (fd < 0) refuse(report, op, safe_path::Refusal{-fd, "cannot be resolved"});
  return fd;
}

void mount_on(int report, const RootfsOp& op, int fd, const char* source, const char* fstype,
              unsigned long flags, const char* data) {
  char target[32];
  if (::mount(source, safe_path::fd_path(fd, target), fstype, flags, data) != 0)
    fail(report, op, errno);
}

// A bind remount must keep the flags the mount has (statvfs ST_* -> MS_*), or it fails with EPERM
// where they are locked.
void remount_read_only(int report, const RootfsOp& op, int fd) {
  struct statvfs sv {};
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
  if (::fstatvfs(fd, &sv) == 0) {
    if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  }
  mount_on(report, op, fd, "", nullptr, flags, nullptr);
}

// The directory that holds `path` ("/dev/net/tun" -> "/dev/net"), in `dir`; returns the name.
const char* split_parent(const std::string& path, char (&dir)[PATH_MAX]) {
  size_t slash = path.rfind('/');
  size_t n = slash == 0 ? 1 : slash;
  if (slash == std::string::npos || n >= sizeof dir) n = 0;
  std::memcpy(dir, path.data(), n);
  dir[n] = '\0';
  return path.c_str() + slash + 1;
}

// The directory of a node or link in the container's /dev (ours: a tmpfs made just before).
int parent_of(int root, int report, const RootfsOp& op, const char** name) {
  char dir[PATH_MAX];
  *name = split_parent(op.path, dir);
  safe_path::Refusal r;
  int fd = safe_path::ensure_in_root(root, dir, safe_path::Kind::kDirectory, 0755, kNoSymlinks, &r);
  if (fd < 0) refuse(report, op, r);
  return fd;
}

// The volume (or the subPath inside it) as an O_PATH descriptor. The subPath is resolved beneath
// the volume: a symlink in it that leads out (to "/", to "../../..") is refused, never followed
// (CVE-2017-1002101, CVE-2021-25741), and what was checked is what gets mounted, through its
// descriptor: nothing can be swapped in between.
int volume_source(int report, const RootfsOp& op) {
  int volume = ::open(op.source.c_str(), O_PATH | O_CLOEXEC);
  if (volume < 0) fail(report, op, errno);
  if (op.sub_path.empty()) return volume;
  int fd = safe_path::open_in_root(volume, op.sub_path.c_str(), O_PATH, safe_path::kBeneath);
  safe_path::Refusal r{-fd, "cannot be resolved inside the volume"};
  if (fd == -ENOENT) {
    // Missing: a directory with the volume's own mode (the kubelet's SafeMakeDir).
    struct stat st {};
    if (::fstat(volume, &st) != 0) fail(report, op, errno);
    fd = safe_path::ensure_in_root(volume, op.sub_path.c_str(), safe_path::Kind::kDirectory,
                                   st.st_mode & 07777, safe_path::kBeneath, &r);
  }
  if (fd < 0) {
    // Out of the volume, whether through an existing link or a dangling one met while creating.
    if (r.err == EXDEV)
      r.why = "leads out of the volume (an absolute symbolic link, or \"..\" above it)";
    bool kind = r.err == EXDEV || r.err == ELOOP || r.err == ENOTDIR;
    ns::child_refuse(report, op.what.c_str(), op.sub_path.c_str(), r.why, kind ? 0 : r.err);
  }
  ::close(volume);
  return fd;
}

// `tree`: the op's detached mount tree (a Bidirectional volume), or -1 to bind its source.
void mount_volume(int root, int report, const RootfsOp& op, int tree) {
  int source = tree >= 0 ? tree : volume_source(report, op);
  struct stat st {};
  if (::fstat(source, &st) != 0) fail(report, op, errno);
  // A file, socket or device volume (hostPath File, Socket, ...) goes on a file (0644, as runc
  // makes it); a directory on a directory (0755).
  bool dir = S_ISDIR(st.st_mode);
  safe_path::Refusal r;
  int target = safe_path::ensure_in_root(root, op.path.c_str(),
                                         dir ? safe_path::Kind::kDirectory : safe_path::Kind::kAny,
                                         dir ? 0755 : 0644, op.strictness, &r);
  if (target < 0) refuse(report, op, r);
  char from[32];
  char to[32];
  int made = tree >= 0 ? ::move_mount(tree, "", target, "",
                                      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
                       : ::mount(safe_path::fd_path(source, from), safe_path::fd_path(target, to),
                                 nullptr, MS_BIND | MS_REC, nullptr);
  if (made != 0) fail(report, op, errno);
  ::close(source);
  ::close(target);
  // Resolved again: the bind mount just made is now on top.
  int top = safe_path::open_in_root(root, op.path.c_str(), O_PATH, op.strictness);
  if (top < 0) fail(report, op, -top);
  if ((op.flags & MS_RDONLY) != 0) remount_read_only(report, op, top);
  mount_on(report, op, top, "", nullptr, op.propagation | MS_REC, nullptr);
  ::close(top);
}

void apply(int root, int report, const RootfsOp& op, int tree) {
  switch (op.kind) {
    case Kind::kMount: {
      int fd = target_of(root, report, op, safe_path::Kind::kDirectory);
      mount_on(report, op, fd, op.source.c_str(), op.fstype.empty() ? nullptr : op.fstype.c_str(),
               op.flags, op.data.empty() ? nullptr : op.data.c_str());
      ::close(fd);
      break;
    }
    case Kind::kBind: {
      int fd = target_of(root, report, op, op.target);
      mount_on(report, op, fd, op.source.c_str(), nullptr, MS_BIND, nullptr);
      ::close(fd);
      break;
    }
    case Kind::kMkdir:
      ::close(target_of(root, report, op, safe_path::Kind::kDirectory));
      break;
    case Kind::kMknod: {
      const char* name = nullptr;
      int dir = parent_of(root, report, op, &name);
      if (::mknodat(dir, name, op.mode, op.dev) != 0) {
        if (errno != EPERM && errno != EEXIST) fail(report, op, errno);
        if (errno == EPERM) {
          // Not allowed to create device nodes (a user namespace): bind the host's node instead.
          ::close(dir);
          RootfsOp file = op;
          file.mode = 0666;
          int fd = target_of(root, report, file, safe_path::Kind::kRegularFile);
          mount_on(report, op, fd, op.source.c_str(), nullptr, MS_BIND, nullptr);
          ::close(fd);
          break;
        }
      }
      ::close(dir);
      break;
    }
    case Kind::kSymlink: {
      const char* name = nullptr;
      int dir = parent_of(root, report, op, &name);
      if (::symlinkat(op.source.c_str(), dir, name) != 0 && errno != EEXIST)
        fail(report, op, errno);
      ::close(dir);
      break;
    }
    case Kind::kMask: {
      int fd = existing_target(root, report, op);
      if (fd < 0) break;
      struct stat st {};
      if (::fstat(fd, &st) != 0) fail(report, op, errno);
      if (S_ISDIR(st.st_mode))
        mount_on(report, op, fd, "tmpfs", "tmpfs", MS_RDONLY, nullptr);
      else
        mount_on(report, op, fd, op.source.c_str(), nullptr, MS_BIND, nullptr);
      ::close(fd);
      break;
    }
    case Kind::kReadOnly: {
      int fd = existing_target(root, report, op);
      if (fd < 0) break;
      char self[32];
      mount_on(report, op, fd, safe_path::fd_path(fd, self), nullptr, MS_BIND | MS_REC, nullptr);
      ::close(fd);
      // Resolved again: the bind mount just made is now on top.
      int top = existing_target(root, report, op);
      if (top < 0) fail(report, op, ENOENT);
      remount_read_only(report, op, top);
      ::close(top);
      break;
    }
    case Kind::kRemountReadOnly: {
      int fd = existing_target(root, report, op);
      if (fd < 0) fail(report, op, ENOENT);
      remount_read_only(report, op, fd);
      ::close(fd);
      break;
    }
    case Kind::kVolume:
      mount_volume(root, report, op, tree);
      break;
  }
}

}  // namespace

namespace {

// The new mount API, one fsconfig per layer: no option string to outgrow (mount(2)'s page fits
// 43 long layer paths), up to overlayfs' 500 layers. Returns 0, or the errno; *old_kernel when
// this kernel has no fsopen or no "lowerdir+" (before 6.8), so that mount(2) is tried instead.
int mount_overlay_layers(const RootfsPlan& plan, bool* old_kernel) {
  *old_kernel = false;
  int fs = ::fsopen("overlay", FSOPEN_CLOEXEC);
  if (fs < 0) {
    *old_kernel = errno == ENOSYS;
    return errno;
  }
  int err = 0;
  for (size_t i = 0; i < plan.lowers.size() && err == 0; ++i) {
    if (::fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", plan.lowers[i].c_str(), 0) != 0) {
      err = errno;
      *old_kernel = i == 0 && err == EINVAL;
    }
  }
  if (err == 0 && (::fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", plan.upper.c_str(), 0) != 0 ||
                   ::fsconfig(fs, FSCONFIG_SET_STRING, "workdir", plan.work.c_str(), 0) != 0 ||
                   ::fsconfig(fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0))
    err = errno;
  int mnt = err == 0 ? ::fsmount(fs, FSMOUNT_CLOEXEC, 0) : -1;
  if (err == 0 && mnt < 0) err = errno;
  if (err == 0 &&
      ::move_mount(mnt, "", AT_FDCWD, plan.rootfs.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
    err = errno;
  if (mnt >= 0) ::close(mnt);
  ::close(fs);
  return err;
}

void mount_overlay(const RootfsPlan& plan, int report) {
  const char* step = "mount overlay root filesystem";
  if (plan.lowers.size() > 1) {
    bool old_kernel = false;
    int err = mount_overlay_layers(plan, &old_kernel);
    if (err == 0) return;
    if (!old_kernel) ns::child_fail(report, step, plan.rootfs.c_str(), err);
    if (plan.overlay.size() > kMaxMountDataBytes && !plan.overlay_relative.empty() &&
        plan.overlay_relative.size() <= kMaxMountDataBytes) {
      // Relative names, resolved from the layers' directory (apply_rootfs chdirs into the new
      // root afterwards).
      if (::chdir(plan.lowers_dir.c_str()) != 0)
        ns::child_fail(report, "chdir to the image layers", plan.lowers_dir.c_str(), errno);
      if (::mount("overlay", plan.rootfs.c_str(), "overlay", 0, plan.overlay_relative.c_str()) != 0)
        ns::child_fail(report, step, plan.rootfs.c_str(), errno);
      return;
    }
    // Past a page the kernel would cut the options short and fail on a missing layer (or
    // worse, mount fewer): refuse, saying why.
    if (plan.overlay.size() > kMaxMountDataBytes)
      ns::child_refuse(report, step, plan.rootfs.c_str(),
                       "the image has more layers than mount(2) can name on this kernel (the "
                       "new mount API's lowerdir+ needs Linux 6.8)",
                       E2BIG);
  }
  if (::mount("overlay", plan.rootfs.c_str(), "overlay", 0, plan.overlay.c_str()) != 0)
    ns::child_fail(report, step, plan.rootfs.c_str(), errno);
}

}  // namespace

bool is_shared_volume(const RootfsOp& op) {
  return op.kind == Kind::kVolume && op.propagation == MS_SHARED;
}

size_t shared_volume_count(const RootfsPlan& plan) {
  return static_cast<size_t>(std::count_if(plan.ops.begin(), plan.ops.end(), is_shared_volume));
}

void clone_shared_volumes(const RootfsPlan& plan, int report, SharedVolumes* out) {
  ::umask(0);  // a subPath made here gets the volume's own mode
  out->count = 0;
  for (const auto& op : plan.ops) {
    if (!is_shared_volume(op)) continue;
    if (out->count == SharedVolumes::kMax) fail(report, op, E2BIG);
    int source = volume_source(report, op);
    int tree =
        ::open_tree(source, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    if (tree < 0) fail(report, op, errno);
    ::close(source);
    out->fds[out->count++] = tree;
  }
}

void apply_rootfs(const RootfsPlan& plan, const SharedVolumes& shared, int report) {
  // Modes are the plan's, not narrowed by the umask (/dev/shm is 1777).
  ::umask(0);
  // The overlay goes on minipod's own mount point; everything else inside it, through `root`.
  mount_overlay(plan, report);
  int root = ::open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) ns::child_fail(report, "open the root filesystem", plan.rootfs.c_str(), errno);
  size_t next_tree = 0;
  for (const auto& op : plan.ops) {
    int tree = -1;
    if (is_shared_volume(op) && next_tree < shared.count) tree = shared.fds[next_tree++];
    apply(root, report, op, tree);
    if (tree >= 0) ::close(tree);
  }

  // pivot_root(".", ".") stacks the old root under the new one; detaching it leaves the container
  // with nothing of the host's mount table (runc's trick, no temporary directory needed).
  if (::fchdir(root) != 0) ns::child_fail(report, "chdir", plan.rootfs.c_str(), errno);
  ::close(root);
  if (::syscall(SYS_pivot_root, ".", ".") != 0)
    ns::child_fail(report, "pivot_root", plan.rootfs.c_str(), errno);
  if (::umount2(".", MNT_DETACH) != 0) ns::child_fail(report, "detach the old root", "", errno);
  if (::chdir("/") != 0) ns::child_fail(report, "chdir", "/", errno);
}

}  // namespace minipod::container
