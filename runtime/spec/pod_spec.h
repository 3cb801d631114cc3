// A Kubernetes v1 Pod, reduced to what matters on one machine. Filled by parse_manifest(), which
// validates every field; nothing here is half-checked.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace minipod::spec {

struct EnvVar {
  std::string name, value;
};

struct ContainerPort {
  std::string name;
  int container_port = 0;
  int host_port = 0;             // 0: not published
  std::string protocol = "TCP";  // TCP, UDP or SCTP
  std::string host_ip;
};

struct Capabilities {
  std::vector<std::string> add, drop;  // upper case, without the CAP_ prefix; "ALL" allowed
};

struct SeccompProfile {
  std::string type;               // "", "RuntimeDefault", "Unconfined", "Localhost"
  std::string localhost_profile;  // for Localhost
};

// Container-level securityContext (pod-level fields that containers inherit are merged in by
// the runtime, not here).
struct SecurityContext {
  std::optional<bool> privileged;
  std::optional<bool> allow_privilege_escalation;
  std::optional<bool> read_only_root_filesystem;
  std::optional<bool> run_as_non_root;
  std::optional<int64_t> run_as_user, run_as_group;
  std::optional<Capabilities> capabilities;
  std::optional<SeccompProfile> seccomp_profile;
};

struct Sysctl {
  std::string name, value;
};

struct PodSecurityContext {
  std::optional<bool> run_as_non_root;
  std::optional<int64_t> run_as_user, run_as_group, fs_group;
  std::vector<int64_t> supplemental_groups;
  std::vector<Sysctl> sysctls;
  std::optional<SeccompProfile> seccomp_profile;
};

// Resource quantities, already converted: bytes for memory, millicores for CPU.
struct ResourceList {
  std::optional<int64_t> cpu_millis;
  std::optional<int64_t> memory_bytes;
};

struct Resources {
  ResourceList limits, requests;
};

// spec.containers[i].volumeMounts[j], checked against the pod's volumes.
struct VolumeMount {
  std::string name;        // of one of spec.volumes
  std::string mount_path;  // absolute, no ".."
  // Relative, no "..": a path inside the volume. subPathExpr is expanded into it by the parser,
  // with the container's env ($(VAR)), as the kubelet does.
  std::string sub_path;
  bool read_only = false;
  std::string mount_propagation = "None";  // None, HostToContainer, Bidirectional
  std::string field;                       // "spec.containers[0].volumeMounts[1]", for messages
};

struct Container {
  std::string name;
  std::string image;  // a reference (images/oci/image_ref.h) or a local image name
  // Always, IfNotPresent or Never; the parser applies Kubernetes' default.
  std::string image_pull_policy;
  std::vector<std::string> command;  // Kubernetes: replaces the image's entrypoint
  std::vector<std::string> args;     // Kubernetes: replaces the image's cmd
  std::vector<EnvVar> env;
  std::string working_dir;
  std::vector<ContainerPort> ports;
  std::vector<VolumeMount> volume_mounts;
  SecurityContext security_context;
  Resources resources;
  // Not from the manifest: the groups of the image's /etc/group that list the user the container
  // runs as (containerd's additional gids), set by the runner once the image is known.
  std::vector<int64_t> image_groups;
  // Only for init containers: "Always" makes it a sidecar (Kubernetes native sidecars): started
  // before the app containers, kept running, stopped after they end.
  std::string restart_policy;
};

// spec.volumes[i]. minipod makes emptyDir and hostPath volumes; a volume of another type is kept
// (its type in `type`) only so that mounting it fails naming it.
struct Volume {
  std::string name;
  std::string type;  // "emptyDir", "hostPath", or the unsupported type's field ("configMap")
  // emptyDir
  std::string medium;                 // "" (the pod's directory on disk) or "Memory" (a tmpfs)
  std::optional<int64_t> size_limit;  // bytes
  // hostPath
  std::string path;
  std::string host_path_type;  // "", DirectoryOrCreate, Directory, FileOrCreate, File, Socket,
                               // CharDevice, BlockDevice
  std::string field;           // "spec.volumes[0]", for messages
};

struct HostAlias {
  std::string ip;
  std::vector<std::string> hostnames;
};

struct DNSConfig {
  std::vector<std::string> nameservers, searches;
  std::vector<std::pair<std::string, std::string>> options;  // name, value ("" when none)
};

struct Pod {
  // metadata
  std::string name;
  std::string namespace_ = "default";
  std::string uid;  // empty: the runtime makes one
  std::map<std::string, std::string> labels, annotations;

  // spec
  std::vector<Container> init_containers;
  std::vector<Container> containers;
  std::vector<Volume> volumes;
  std::string hostname;  // empty: the pod name (see effective_hostname)
  bool share_process_namespace = false;
  bool host_network = false;
  std::optional<DNSConfig> dns_config;
  std::vector<HostAlias> host_aliases;
  std::string restart_policy = "Always";  // Always, OnFailure, Never (Kubernetes' default: Always)
  int64_t termination_grace_period_seconds = 30;
  PodSecurityContext security_context;
};

// The hostname the pod's containers see: spec.hostname, else the pod's name (Kubernetes' rule).
inline const std::string& effective_hostname(const Pod& pod) {
  return pod.hostname.empty() ? pod.name : pod.hostname;
}

}  // namespace minipod::spec
