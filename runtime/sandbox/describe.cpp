#include "runtime/sandbox/describe.h"

#include "common/trace.h"
#include "runtime/security/security_plan.h"

namespace minipod::sandbox {

void trace(const TraceStep& step) {
  Tracer::get().step(step.what, step.command);
}

TraceStep describe_reserve(const std::string& pod_name, const std::string& id,
                           const std::filesystem::path& pod_dir) {
  return {"reserve pod name \"" + pod_name + "\", id " + id.substr(0, 12) + ", record in " +
              pod_dir.string(),
          ""};
}

PauseTrace describe_pause(const PauseOptions& pause, pid_t pid, uint64_t net_inode) {
  bool host = pause.host_network;
  std::string nss = host ? "ipc, pid and mount" : "net, uts, ipc, pid and mount";
  PauseTrace t;
  t.clone.what = "clone pause (pid " + std::to_string(pid) + ") into new " + nss +
                 " namespaces (net:[" + (host ? std::string("host") : std::to_string(net_inode)) +
                 "])";
  t.clone.command = std::string("unshare ") + (host ? "" : "--net --uts ") +
                    "--ipc --pid --mount --fork " + shell_quote(pause.binary) + " &";
  t.confinement =
      "own mount namespace: an empty read-only tmpfs as root (pivot_root; the host's mounts "
      "detached); " +
      security::describe(pause.security) + ", non-dumpable" +
      "; executed from a read-only bind of " + pause.binary;
  if (!host)
    t.hostname =
        TraceStep{"set the hostname to \"" + pause.hostname +
                      "\" and bring up lo (in the pause child, before exec)",
                  "nsenter --target " + std::to_string(pid) + " --uts --net sh -c 'hostname " +
                      pause.hostname + " && ip link set lo up'"};
  return t;
}

void trace(const PauseTrace& pause) {
  trace(pause.clone);
  Tracer::get().detail("confinement of pause", pause.confinement);
  if (pause.hostname) trace(*pause.hostname);
}

TraceStep describe_container_cgroups(const std::string& pod_cgroup) {
  return {
      "make one cgroup per container (with its limits), in the background while the sandbox "
      "is made; pause joins its own when cloned",
      "mkdir -p " + pod_cgroup + "/<container> ..."};
}

TraceStep describe_netns_pin(const std::string& netns, pid_t pause) {
  return {"pin the network namespace at " + netns, "touch " + netns + " && mount --bind /proc/" +
                                                       std::to_string(pause) + "/ns/net " + netns};
}

TraceStep describe_shm(const std::string& shm_dir) {
  return {"mount the pod's /dev/shm, shared by its containers",
          "mount -t tmpfs -o mode=1777,size=64m shm " + shm_dir};
}

TraceStep describe_volume(const state::VolumeRecord& v) {
  if (v.type == "hostPath")
    return {"volume \"" + v.name + "\": hostPath " + v.path +
                (v.host_path_type.empty() ? "" : " (type " + v.host_path_type + ", checked)"),
            "stat " + v.path};
  if (v.tmpfs())
    return {"volume \"" + v.name + "\": emptyDir in memory",
            "mkdir -m 0777 -p " + v.path + " && mount -t tmpfs" +
                (v.size_limit > 0 ? " -o size=" + std::to_string(v.size_limit) : "") + " tmpfs " +
                v.path};
  return {"volume \"" + v.name + "\": emptyDir on disk", "mkdir -m 0777 -p " + v.path};
}

TraceStep describe_network_add(const cni::NetworkConfigList& list) {
  return {"CNI ADD: network \"" + list.name + "\" (" + list.source +
              "), plugins run in order, in the background while the containers are prepared",
          ""};
}

TraceStep describe_files_written(const std::filesystem::path& pod_dir) {
  return {"write the pod's hostname, hosts and resolv.conf (bind-mounted into every container)",
          "ls " + pod_dir.string()};
}

TraceStep describe_address_added(const std::vector<std::string>& ips, const std::string& hostname,
                                 const std::filesystem::path& hosts_file) {
  return {
      "put the pod's address in its hosts file (rewritten in place: the containers' bind "
      "mounts see it)",
      "echo '" + (ips.empty() ? std::string("-") : ips.front()) + " " + hostname + "' >> " +
          hosts_file.string()};
}

}  // namespace minipod::sandbox
