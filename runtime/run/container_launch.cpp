#include "runtime/run/container_launch.h"

#include <sys/mount.h>

#include <algorithm>

#include "common/error.h"
#include "common/fs.h"
#include "common/trace.h"
#include "runtime/cgroups/cgroup.h"
#include "runtime/container/mount_propagation.h"
#include "runtime/security/plan_security.h"

namespace minipod::run {

container::LaunchSpec launch_spec(ContainerLaunch launch, const PodSide& pod) {
  // A restarted container gets a fresh writable layer, as in Kubernetes.
  fs::remove_tree(launch.layer_dir);
  for (const char* d : {"upper", "work", "rootfs"}) fs::make_dirs(launch.layer_dir / d, 0755);

  container::RootfsInputs in;
  in.lowers = std::move(launch.image_layers);
  in.upper = (launch.layer_dir / "upper").string();
  in.work = (launch.layer_dir / "work").string();
  in.rootfs = (launch.layer_dir / "rootfs").string();
  in.shm_dir = pod.shm_dir;
  in.hostname_file = pod.hostname_file;
  in.hosts_file = pod.hosts_file;
  in.resolv_file = pod.resolv_file;
  in.privileged = launch.security.privileged;
  in.read_only_root = launch.security.read_only_root;
  in.volumes = std::move(launch.volumes);
  // In a cgroup namespace of its own, it sees its cgroup as the root of /sys/fs/cgroup (Docker).
  if (!launch.cgroup.empty())
    in.cgroupfs = cgroups::container_cgroupfs(cgroups::host_hierarchies());

  container::LaunchSpec ls;
  ls.name = std::move(launch.name);
  ls.image = std::move(launch.image);
  ls.net_fd = pod.net_fd;
  ls.uts_fd = pod.uts_fd;
  ls.ipc_fd = pod.ipc_fd;
  ls.pid_fd = pod.pid_fd;
  ls.rootfs = container::plan_rootfs(in);
  ls.argv = std::move(launch.process.argv);
  ls.env = std::move(launch.process.env);
  ls.working_dir = std::move(launch.process.working_dir);
  ls.exec_paths = std::move(launch.process.exec_paths);
  ls.security = std::move(launch.security);
  ls.cgroup = std::move(launch.cgroup);
  ls.cgroup_namespace = !ls.cgroup.empty();
  return ls;
}

std::vector<container::VolumeBind> volume_binds(const spec::Container& container,
                                                const std::vector<state::VolumeRecord>& volumes) {
  std::vector<container::VolumeBind> out;
  for (const auto& m : container.volume_mounts) {
    const state::VolumeRecord* volume = nullptr;
    for (const auto& v : volumes)
      if (v.name == m.name) volume = &v;
    // The parser refuses a mount of a volume the pod does not make: this is a record that does
    // not match its manifest.
    if (volume == nullptr)
      throw Error("mount volume \"" + m.name + "\" at " + m.mount_path,
                  "the pod has no such volume (" + m.field + ")");
    with_context("volume \"" + m.name + "\" (" + m.field + ")",
                 [&] { container::check_propagation(volume->path, m.mount_propagation); });
    out.push_back(
        {m.name, volume->path, m.mount_path, m.sub_path, m.read_only, m.mount_propagation});
  }
  size_t shared = static_cast<size_t>(std::count_if(
      out.begin(), out.end(), [](const auto& b) { return b.propagation == "Bidirectional"; }));
  if (shared > container::SharedVolumes::kMax)
    throw Error("container \"" + container.name + "\"",
                "at most " + std::to_string(container::SharedVolumes::kMax) +
                    " volumeMounts with mountPropagation Bidirectional, got " +
                    std::to_string(shared));
  return out;
}

StartTrace describe_start(const container::LaunchSpec& ls, pid_t pause) {
  std::string argv;
  for (const auto& a : ls.argv) argv += " " + shell_quote(a);
  bool net = ls.net_fd >= 0, shared = ls.pid_fd >= 0;
  std::string joined = (net ? "net, uts, " : "") + std::string("ipc") + (shared ? ", pid" : "");
  StartTrace t;
  t.step = "start container \"" + ls.name + "\": join pause's " + joined +
           " namespaces; new mount" + (shared ? "" : " and pid") +
           (ls.cgroup_namespace ? ", and cgroup" : "") + " namespace; overlay root " +
           ls.rootfs.rootfs;
  t.command = "nsenter --target " + std::to_string(pause) + (net ? " --net --uts" : "") + " --ipc" +
              (shared ? " --pid" : "") + " unshare --mount" + (shared ? "" : " --pid --fork") +
              (ls.cgroup_namespace ? " --cgroup" : "") + " sh -c 'mount -t overlay overlay -o " +
              ls.rootfs.overlay + " " + ls.rootfs.rootfs + " && ... && pivot_root'  &&  exec" +
              argv;
  for (const auto& op : ls.rootfs.ops) {
    if (op.kind != container::RootfsOp::Kind::kVolume) continue;
    std::string source = op.sub_path.empty() ? op.source : op.source + "/" + op.sub_path;
    t.step += "; volume " + source + " at " + op.path +
              ((op.flags & MS_RDONLY) != 0 ? " (read-only)" : "");
  }
  t.security = security::describe(ls.security);
  return t;
}

}  // namespace minipod::run
