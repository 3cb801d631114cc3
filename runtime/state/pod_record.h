// The on-disk record of a pod (<run>/pods/<id>/state.json), written atomically at each change.
// It is written before each resource is created, so a later cleanup can always find what exists.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace minipod::state {

// A pid is only meaningful with its start time: a reused pid has another one.
struct ProcessRef {
  pid_t pid = 0;
  uint64_t start_time = 0;  // /proc/<pid>/stat field 22, clock ticks since boot
};

// 0 when the process does not exist or is a zombie, or exits while its stat is read.
uint64_t process_start_time(pid_t pid);
// The same from an already open /proc/<pid>/stat (`path` names it in errors). A process that was
// reaped since the open makes the read fail with ESRCH: that is 0 too.
uint64_t process_start_time(int stat_fd, const std::string& path);
ProcessRef process_ref(pid_t pid);

// Where a pod is in its life, as recorded (the record's "status" field keeps these lower-case
// names). A pod whose owner died shows "Dead" to users (display_status) whatever its record says.
enum class PodStatus { kCreating, kRunning, kStopping, kSucceeded, kFailed, kStopped };
enum class ContainerStatus { kWaiting, kRunning, kExited };
// Kubernetes' kinds of container: an init container runs to completion before the next one
// starts; a sidecar (an init container with restartPolicy Always) starts in that order and stays;
// the app containers start together once the init containers are done.
enum class ContainerRole { kInit, kSidecar, kApp };

const char* to_string(PodStatus status);
const char* to_string(ContainerStatus status);
const char* to_string(ContainerRole role);  // "init", "sidecar", "app"
// An unknown name (a record written by a newer minipod) reads as kFailed / kExited; a missing or
// unknown role (a record written before roles were recorded) as kApp.
PodStatus pod_status_from(std::string_view name);
ContainerStatus container_status_from(std::string_view name);
ContainerRole container_role_from(std::string_view name);

// One volumeMount of a container, as it was mounted (subPathExpr expanded).
struct MountRecord {
  std::string volume, mount_path, sub_path, propagation;
  bool read_only = false;
};

// One of the pod's volumes and where it is on the host.
struct VolumeRecord {
  std::string name;
  std::string type;            // emptyDir, hostPath
  std::string path;            // on the host: <volumes dir>/<name>, or the hostPath
  std::string medium;          // emptyDir: "" or Memory (a tmpfs on `path`)
  int64_t size_limit = 0;      // emptyDir, bytes; 0: none
  std::string host_path_type;  // hostPath
  bool tmpfs() const { return type == "emptyDir" && medium == "Memory"; }
};

struct ContainerRecord {
  std::string name;
  ContainerRole role = ContainerRole::kApp;
  ContainerStatus status = ContainerStatus::kWaiting;
  ProcessRef process;
  int exit_code = 0;
  std::string reason;
  int restarts = 0;
  std::string layer_dir;
  std::string image;         // as the manifest names it
  std::string image_digest;  // the manifest digest it runs; empty for a flat local image
  // The image layers its overlay stacks (image prune and rm keep them while the pod lives).
  std::vector<std::string> image_layers;
  std::vector<MountRecord> mounts;
};

struct PodRecord {
  std::string id, name, namespace_, uid;
  PodStatus status = PodStatus::kCreating;
  std::string reason;          // why it stopped or failed, when not obvious
  ProcessRef monitor;          // the process that owns the pod (minipod run, or its monitor)
  std::string created;         // RFC 3339
  std::string manifest;        // path the pod came from
  bool detached = false;       // `run -d`: the record stays after the pod ends, until `rm`
  int64_t grace_seconds = 30;  // terminationGracePeriodSeconds, or run's --grace
  ProcessRef pause;
  std::string netns;    // /run/netns/<name>, empty for hostNetwork
  std::string network;  // CNI network name
  // What a CNI DEL needs when the ADD never finished (no cache entry): {config, source,
  // runtimeConf}.
  nlohmann::json network_intent;
  uint64_t netns_inode = 0;  // of the pod's network namespace: finds every process in the pod
  // True from the moment a CNI ADD may run until a DEL of the whole plugin list has succeeded. A
  // pod that ended with it still set holds an attachment on the host (an address, NAT rules, the
  // netns pin), and its record is kept until `minipod gc` or `rm` retries the DEL successfully.
  bool network_held = false;
  std::string network_error;  // why the last DEL failed, naming the plugins (while held)
  std::string cni_cache_dir;
  std::vector<std::string> cni_path;  // where the plugins were found, for a later DEL
  int64_t cni_timeout_ms = 0;         // per plugin call, for a later DEL (0: the default)
  std::string ifname;                 // of the CNI attachment; see cni_ifname()
  std::vector<std::string> ips;
  std::string shm_dir;
  std::string layers_dir;
  // The emptyDir volumes, one directory each (<data dir>/volumes/<id>); they go with the record.
  std::string volumes_dir;
  std::vector<VolumeRecord> volumes;
  std::vector<std::string> cgroups;  // the pod's cgroup, one directory per hierarchy
  std::vector<ContainerRecord> containers;

  // Succeeded, failed or stopped: nothing of it runs any more.
  bool ended() const {
    return status == PodStatus::kSucceeded || status == PodStatus::kFailed ||
           status == PodStatus::kStopped;
  }
  // Ended, but its network attachment is still on the host (the DEL failed).
  bool network_left() const { return network_held && ended(); }
  // The interface of its CNI attachment: the recorded one, else cni::kDefaultIfname, the one
  // minipod always asks for (a record that does not say is read as that).
  std::string cni_ifname() const;
  // "web, sidecar": what a verb that names a container it does not have lists instead.
  std::string container_names() const;

  nlohmann::json to_json() const;
  static PodRecord from_json(const nlohmann::json& j);
};

// "2026-11-26T04:15:16.123456789Z"
std::string rfc3339_nano_now();

}  // namespace minipod::state
