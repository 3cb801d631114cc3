// A container's root filesystem as a list of operations, built by the parent (which may
// allocate) and carried out by the child between clone() and exec() (which must not).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace minipod::container {

struct RootfsOp {
  // kMask: /dev/null over a file, a read-only tmpfs over a directory; kReadOnly: bind a path
  // onto itself read-only; kRemountReadOnly: make a mount point read-only (readOnlyRootFilesystem).
  // The first two skip paths the kernel does not have.
  enum class Kind { kMkdir, kTouch, kMount, kMknod, kSymlink, kMask, kReadOnly, kRemountReadOnly };
  Kind kind;
  std::string path;    // target (absolute, on the host side of pivot_root)
  std::string source;  // mount source / symlink target / host device for the bind fallback
  std::string fstype;
  std::string data;  // mount options
  unsigned long flags = 0;
  mode_t mode = 0;
  dev_t dev = 0;
  std::string what;  // for errors: "mount proc", "mknod /dev/null", ...
};

struct RootfsPlan {
  std::string rootfs;  // the overlay mount point; becomes "/"
  std::vector<RootfsOp> ops;
};

struct RootfsInputs {
  std::string lower;                                   // image root filesystem (read-only layer)
  std::string upper, work;                             // this container's writable layer
  std::string rootfs;                                  // mount point
  std::string shm_dir;                                 // the pod's /dev/shm
  std::string hostname_file, hosts_file, resolv_file;  // pod files; empty: not mounted
  // privileged: /sys read-write, the host's devices, no masked or read-only paths.
  bool privileged = false;
  bool read_only_root = false;  // readOnlyRootFilesystem
};

// Docker/containerd's defaults (runtime.md), relative to the container's root.
extern const std::vector<std::string> kMaskedPaths;
extern const std::vector<std::string> kReadOnlyPaths;

// The standard container filesystem (runtime.md): overlay root, /proc, /dev with the standard
// nodes and links, /dev/pts, the pod's /dev/shm, /dev/mqueue, /sys read-only, pod files, then
// the read-only and masked paths, and the root made read-only when asked.
RootfsPlan plan_rootfs(const RootfsInputs& in);

// Child side: runs the plan, then pivot_root. Reports failures through `report_fd` and _exits.
void apply_rootfs(const RootfsPlan& plan, int report_fd);

}  // namespace minipod::container
