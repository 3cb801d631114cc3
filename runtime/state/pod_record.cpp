#include "runtime/state/pod_record.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "cni/defaults.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "common/strings.h"

namespace minipod::state {

// Volumes and mounts as the record keeps them (a missing field reads as its default).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VolumeRecord, name, type, path, medium, size_limit,
                                                host_path_type)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MountRecord, volume, mount_path, sub_path,
                                                propagation, read_only)

uint64_t process_start_time(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    // ENOENT: no such process (procfs reports a task that went away with ESRCH at times).
    if (errno == ENOENT || errno == ESRCH) return 0;
    throw_errno("open", path);
  }
  return process_start_time(fd.get(), path);
}

uint64_t process_start_time(int stat_fd, const std::string& path) {
  std::string stat;
  char buf[1024];
  for (;;) {
    ssize_t n = ::read(stat_fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      // The process exited and was reaped after the open: the kernel has no task left to
      // describe. It is gone, as if the open had failed with ENOENT.
      if (errno == ESRCH) return 0;
      throw_errno("read", path);
    }
    if (n == 0) break;
    stat.append(buf, static_cast<size_t>(n));
  }
  if (stat.empty()) return 0;
  // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
  size_t pos = stat.rfind(')');
  if (pos == std::string::npos) return 0;
  // A zombie has finished: it only waits for its parent (maybe an init that never reaps) to
  // collect it. It counts as gone.
  if (pos + 2 < stat.size() && (stat[pos + 2] == 'Z' || stat[pos + 2] == 'X')) return 0;
  int field = 2;
  size_t i = pos + 1;
  while (i < stat.size() && field < 22) {
    if (stat[i] == ' ') ++field;
    ++i;
  }
  return std::strtoull(stat.c_str() + i, nullptr, 10);
}

ProcessRef process_ref(pid_t pid) {
  return ProcessRef{pid, process_start_time(pid)};
}

namespace {

nlohmann::json process_json(const ProcessRef& p) {
  return {{"pid", p.pid}, {"startTime", p.start_time}};
}

ProcessRef process_from(const nlohmann::json& j) {
  ProcessRef p;
  if (j.is_object()) {
    p.pid = j.value("pid", 0);
    p.start_time = j.value("startTime", uint64_t{0});
  }
  return p;
}

}  // namespace

const char* to_string(PodStatus s) {
  switch (s) {
    case PodStatus::kCreating:
      return "creating";
    case PodStatus::kRunning:
      return "running";
    case PodStatus::kStopping:
      return "stopping";
    case PodStatus::kSucceeded:
      return "succeeded";
    case PodStatus::kFailed:
      return "failed";
    case PodStatus::kStopped:
      return "stopped";
  }
  return "failed";
}

const char* to_string(ContainerStatus s) {
  switch (s) {
    case ContainerStatus::kWaiting:
      return "waiting";
    case ContainerStatus::kRunning:
      return "running";
    case ContainerStatus::kExited:
      return "exited";
  }
  return "exited";
}

const char* to_string(ContainerRole r) {
  switch (r) {
    case ContainerRole::kInit:
      return "init";
    case ContainerRole::kSidecar:
      return "sidecar";
    case ContainerRole::kApp:
      return "app";
  }
  return "app";
}

PodStatus pod_status_from(std::string_view name) {
  for (auto s : {PodStatus::kCreating, PodStatus::kRunning, PodStatus::kStopping,
                 PodStatus::kSucceeded, PodStatus::kFailed, PodStatus::kStopped})
    if (name == to_string(s)) return s;
  return PodStatus::kFailed;
}

ContainerStatus container_status_from(std::string_view name) {
  for (auto s : {ContainerStatus::kWaiting, ContainerStatus::kRunning, ContainerStatus::kExited})
    if (name == to_string(s)) return s;
  return ContainerStatus::kExited;
}

std::string PodRecord::cni_ifname() const {
  return ifname.empty() ? cni::kDefaultIfname : ifname;
}

std::string PodRecord::container_names() const {
  return join(containers, ", ", [](const ContainerRecord& c) { return c.name; });
}

ContainerRole container_role_from(std::string_view name) {
  for (auto r : {ContainerRole::kInit, ContainerRole::kSidecar})
    if (name == to_string(r)) return r;
  return ContainerRole::kApp;
}

nlohmann::json PodRecord::to_json() const {
  nlohmann::json cs = nlohmann::json::array();
  for (const auto& c : containers) {
    cs.push_back({{"name", c.name},
                  {"role", to_string(c.role)},
                  {"status", to_string(c.status)},
                  {"process", process_json(c.process)},
                  {"exitCode", c.exit_code},
                  {"reason", c.reason},
                  {"restarts", c.restarts},
                  {"layerDir", c.layer_dir},
                  {"image", c.image},
                  {"imageDigest", c.image_digest},
                  {"imageLayers", c.image_layers},
                  {"mounts", c.mounts}});
  }
  return {{"id", id},
          {"name", name},
          {"namespace", namespace_},
          {"uid", uid},
          {"status", to_string(status)},
          {"created", created},
          {"manifest", manifest},
          {"detached", detached},
          {"graceSeconds", grace_seconds},
          {"pause", process_json(pause)},
          {"netns", netns},
          {"network", network},
          {"networkIntent", network_intent},
          {"networkHeld", network_held},
          {"networkError", network_error},
          {"cniTimeoutMs", cni_timeout_ms},
          {"netnsInode", netns_inode},
          {"cniPath", cni_path},
          {"reason", reason},
          {"monitor", process_json(monitor)},
          {"cniCacheDir", cni_cache_dir},
          {"ifname", ifname},
          {"ips", ips},
          {"shmDir", shm_dir},
          {"layersDir", layers_dir},
          {"volumesDir", volumes_dir},
          {"volumes", volumes},
          {"cgroups", cgroups},
          {"containers", cs}};
}

PodRecord PodRecord::from_json(const nlohmann::json& j) {
  PodRecord r;
  r.id = j.value("id", "");
  r.name = j.value("name", "");
  r.namespace_ = j.value("namespace", "");
  r.uid = j.value("uid", "");
  r.status = pod_status_from(j.value("status", ""));
  r.created = j.value("created", "");
  r.manifest = j.value("manifest", "");
  r.detached = j.value("detached", false);
  r.grace_seconds = j.value("graceSeconds", int64_t{30});
  r.pause = process_from(j.value("pause", nlohmann::json()));
  r.netns = j.value("netns", "");
  r.network = j.value("network", "");
  r.network_intent = j.value("networkIntent", nlohmann::json());
  r.network_held = j.value("networkHeld", false);
  r.network_error = j.value("networkError", "");
  r.cni_timeout_ms = j.value("cniTimeoutMs", int64_t{0});
  r.netns_inode = j.value("netnsInode", uint64_t{0});
  r.cni_cache_dir = j.value("cniCacheDir", "");
  r.cni_path = j.value("cniPath", std::vector<std::string>{});
  r.reason = j.value("reason", "");
  r.monitor = process_from(j.value("monitor", nlohmann::json()));
  r.ifname = j.value("ifname", "");
  r.ips = j.value("ips", std::vector<std::string>{});
  r.shm_dir = j.value("shmDir", "");
  r.layers_dir = j.value("layersDir", "");
  r.volumes_dir = j.value("volumesDir", "");
  r.volumes = j.value("volumes", std::vector<VolumeRecord>{});
  r.cgroups = j.value("cgroups", std::vector<std::string>{});
  for (const auto& c : j.value("containers", nlohmann::json::array())) {
    ContainerRecord cr;
    cr.name = c.value("name", "");
    cr.role = container_role_from(c.value("role", ""));
    cr.status = container_status_from(c.value("status", ""));
    cr.process = process_from(c.value("process", nlohmann::json()));
    cr.exit_code = c.value("exitCode", 0);
    cr.reason = c.value("reason", "");
    cr.restarts = c.value("restarts", 0);
    cr.layer_dir = c.value("layerDir", "");
    cr.image = c.value("image", "");
    cr.image_digest = c.value("imageDigest", "");
    cr.image_layers = c.value("imageLayers", std::vector<std::string>{});
    cr.mounts = c.value("mounts", std::vector<MountRecord>{});
    r.containers.push_back(std::move(cr));
  }
  return r;
}

std::string rfc3339_nano_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  ::gmtime_r(&ts.tv_sec, &utc);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buf + n, sizeof buf - n, ".%09ldZ", ts.tv_nsec);
  return buf;
}

}  // namespace minipod::state
