// A container's root filesystem as a list of operations, built by the parent (which may
// allocate) and carried out by the child between clone() and exec() (which must not).
//
// Every target is a path inside the container's root, resolved by the child inside that root
// (common/safe_path.h) and mounted on through its descriptor: a symlink in the image can never send
// a mount, a created file or a mask out of the root. Kernel file systems (/proc, /dev, /sys ...)
// go on plain directories only, with no symlink on the way; the pod's files follow the image's
// links, but only inside the root and only on the root's own mount. A target of the wrong kind is
// refused, naming the path.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/safe_path.h"
#include "runtime/cgroups/cgroup.h"

namespace minipod::container {

struct RootfsOp {
  enum class Kind {
    kMount,     // a fresh file system (proc, tmpfs, devpts, ...) on a directory
    kBind,      // a host path of minipod's own (pod files, the pod's /dev/shm) onto a path inside
    kMkdir,     // a directory (the host's device tree of a privileged container)
    kMknod,     // a device node (`source`: the host's node, bound instead where mknod is refused)
    kSymlink,   // `path` -> `source`
    kMask,      // /dev/null over a file, an empty read-only tmpfs over a directory; if it exists
    kReadOnly,  // a path bound onto itself read-only; if it exists
    kRemountReadOnly,  // the mount at `path` made read-only, per mount (never its superblock)
    // A pod volume (`source` on the host, `sub_path` inside it) bound at `path`, read-only when
    // MS_RDONLY is in `flags`, then given the propagation in `propagation`.
    kVolume,
  };
  Kind kind;
  std::string path;    // inside the container: "/proc", "/etc/hosts"
  std::string source;  // mount source, bind source (host), symlink target, host device node
  std::string fstype;
  std::string data;  // mount options
  unsigned long flags = 0;
  mode_t mode = 0;  // of what is created
  dev_t dev = 0;
  // kBind: whether the target is a file or a directory.
  safe_path::Kind target = safe_path::Kind::kDirectory;
  unsigned strictness = safe_path::kNoSymlinks;
  std::string what;  // for errors: "mount /proc", "bind /etc/hosts", ...
  // kVolume: a path inside the volume, resolved beneath it (never out through a link) and made
  // a directory with the volume's mode when missing, as the kubelet does; "" for the whole one.
  std::string sub_path;
  unsigned long propagation = 0;  // kVolume: MS_PRIVATE, MS_SLAVE or MS_SHARED (recursive)
};

// One volumeMount of the container, with its volume's place on the host.
struct VolumeBind {
  std::string volume;      // its name, for messages
  std::string source;      // the volume on the host (an emptyDir's directory, a hostPath)
  std::string mount_path;  // inside the container
  std::string sub_path;
  bool read_only = false;
  std::string propagation = "None";  // None, HostToContainer, Bidirectional
};

struct RootfsPlan {
  std::string rootfs;  // the overlay mount point on the host (minipod's own); becomes "/"
  // The overlay's layers, top first; upper and work dir of the container's writable layer.
  std::vector<std::string> lowers;
  std::string upper, work;
  // mount(2)'s options (lowerdir=a:b:...,upperdir,workdir): what a single-layer image and a
  // kernel without fsconfig's "lowerdir+" (before 6.8) mount with. The kernel truncates them
  // silently at a page; kMaxMountDataBytes is where minipod stops instead.
  std::string overlay;
  // The same with the layers named relative to `lowers_dir`, their common parent (the store's
  // layers directory), for mount(2) after a chdir there: 64-character names fit ~60 layers in a
  // page where absolute paths fit ~40. Empty when the layers have no common parent.
  std::string lowers_dir, overlay_relative;
  std::vector<RootfsOp> ops;
};

// overlayfs' own limit on lower layers (OVL_MAX_STACK).
inline constexpr size_t kMaxOverlayLayers = 500;
inline constexpr size_t kMaxMountDataBytes = 4095;

struct RootfsInputs {
  std::vector<std::string> lowers;                     // the image's read-only layers, top first
  std::string upper, work;                             // this container's writable layer
  std::string rootfs;                                  // mount point
  std::string shm_dir;                                 // the pod's /dev/shm
  std::string hostname_file, hosts_file, resolv_file;  // pod files; empty: not mounted
  // privileged: /sys and the cgroup file system read-write, the host's devices, no masked or
  // read-only paths.
  bool privileged = false;
  bool read_only_root = false;  // readOnlyRootFilesystem
  // The container's cgroups, seen from its cgroup namespace (empty: none mounted).
  std::vector<cgroups::CgroupfsMount> cgroupfs;
  std::vector<VolumeBind> volumes;  // its volumeMounts
};

// Docker/containerd's defaults (runtime.md), relative to the container's root.
extern const std::vector<std::string> kMaskedPaths;
extern const std::vector<std::string> kReadOnlyPaths;

// The standard container filesystem (runtime.md): overlay root, the pod files, /proc, /dev with
// the standard nodes and links, /dev/pts, the pod's /dev/shm, /dev/mqueue, /sys read-only with
// the container's cgroups below it, the volumes (outer mount paths first), then the read-only
// and masked paths, and the root made read-only when asked.
RootfsPlan plan_rootfs(const RootfsInputs& in);

// The Bidirectional volumes of a plan (kVolume ops with MS_SHARED), in plan order, as detached
// mount trees (open_tree). They are cloned while the child's mount table is still a peer of the
// host's, before the launcher makes it a slave: a clone of a shared mount joins the host mount's
// peer group, so that mounts the container makes below it reach the host (runc gets the same
// with rootfsPropagation rshared). Anything else the container mounts stays its own.
struct SharedVolumes {
  static constexpr size_t kMax = 16;
  int fds[kMax];
  size_t count = 0;
};

// How many Bidirectional volumes a plan has (at most SharedVolumes::kMax; plan checks).
size_t shared_volume_count(const RootfsPlan& plan);

// Child side, before the mount table is made a slave: resolves each Bidirectional volume (and
// its subPath, beneath it) and clones it into `out`. Reports failures and _exits.
void clone_shared_volumes(const RootfsPlan& plan, int report_fd, SharedVolumes* out);

// Child side: runs the plan, then pivot_root. Reports failures through `report_fd` and _exits; a
// target refused for its kind is reported as the step "refuse" with the path and why.
void apply_rootfs(const RootfsPlan& plan, const SharedVolumes& shared, int report_fd);

}  // namespace minipod::container
