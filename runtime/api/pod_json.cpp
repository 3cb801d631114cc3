#include "runtime/api/pod_json.h"

#include "runtime/state/pod_store.h"

namespace minipod::api {
namespace {

// A pid that is not recorded is null, not 0: 0 is no process, and "kill 0" is not harmless.
nlohmann::json pid_or_null(pid_t pid) {
  return pid > 0 ? nlohmann::json(pid) : nlohmann::json();
}

// One object per item, in order.
template <typename T, typename Fn>
nlohmann::json each(const std::vector<T>& items, Fn fn) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& item : items) out.push_back(fn(item));
  return out;
}

// One of a container's volumeMounts.
nlohmann::json mount(const state::MountRecord& m) {
  return {{"volume", m.volume},
          {"mountPath", m.mount_path},
          {"subPath", m.sub_path},
          {"readOnly", m.read_only},
          {"mountPropagation", m.propagation}};
}

// One of the pod's volumes, and where it is on the host.
nlohmann::json volume(const state::VolumeRecord& v) {
  nlohmann::json size = v.size_limit > 0 ? nlohmann::json(v.size_limit) : nullptr;
  return {{"name", v.name},
          {"type", v.type},
          {"path", v.path},
          {"medium", v.medium},
          {"sizeLimit", std::move(size)},
          {"hostPathType", v.host_path_type}};
}

nlohmann::json process(const state::ProcessRef& p, bool alive) {
  return {{"pid", pid_or_null(p.pid)}, {"alive", alive}};
}

}  // namespace

const char* container_status(state::ContainerStatus status) {
  switch (status) {
    case state::ContainerStatus::kWaiting:
      return "Waiting";
    case state::ContainerStatus::kRunning:
      return "Running";
    case state::ContainerStatus::kExited:
      return "Exited";
  }
  return "Exited";
}

nlohmann::json container_summary(const state::ContainerRecord& c) {
  bool exited = c.status == state::ContainerStatus::kExited;
  bool running = c.status == state::ContainerStatus::kRunning;
  return {{"name", c.name},
          {"role", state::to_string(c.role)},
          {"status", container_status(c.status)},
          // Only a container that exited has a code: a 0 would read as success.
          {"exitCode", exited ? nlohmann::json(c.exit_code) : nlohmann::json()},
          {"reason", c.reason},
          {"restarts", c.restarts},
          {"pid", running ? pid_or_null(c.process.pid) : nlohmann::json()}};
}

nlohmann::json pod_summary(const state::PodRecord& r, bool owner_alive) {
  nlohmann::json containers = nlohmann::json::array();
  for (const auto& c : r.containers) containers.push_back(container_summary(c));
  return {{"apiVersion", kApiVersion},
          {"kind", "Pod"},
          {"name", r.name},
          {"namespace", r.namespace_},
          {"id", r.id},
          {"uid", r.uid},
          {"status", state::display_phase(r, owner_alive)},
          {"reason", r.reason},
          {"networkNotReleased", r.network_left()},
          {"networkError", r.network_error},
          {"created", r.created},
          {"detached", r.detached},
          {"hostNetwork", r.netns.empty()},
          {"network", r.network},
          {"netns", r.netns},
          {"ip", r.ips.empty() ? std::string() : r.ips.front()},
          {"ips", r.ips},
          {"containers", std::move(containers)}};
}

nlohmann::json container_details(const state::ContainerRecord& c, const state::PodRecord& pod,
                                 const PodFacts& facts) {
  nlohmann::json j = container_summary(c);
  nlohmann::json cgroups = nlohmann::json::array();
  for (const auto& dir : pod.cgroups) cgroups.push_back(dir + "/" + c.name);
  j["logDir"] = (facts.log_dir / c.name).string();
  j["layerDir"] = c.layer_dir;
  j["image"] = c.image;
  j["imageDigest"] = c.image_digest;
  j["cgroups"] = std::move(cgroups);
  j["mounts"] = each(c.mounts, mount);
  return j;
}

nlohmann::json pod_details(const state::PodRecord& r, const PodFacts& facts) {
  nlohmann::json j = pod_summary(r, facts.owner_alive);
  nlohmann::json containers = nlohmann::json::array();
  for (const auto& c : r.containers) containers.push_back(container_details(c, r, facts));
  j["containers"] = std::move(containers);
  j["manifest"] = r.manifest;
  j["spec"] = facts.spec;
  j["gracePeriodSeconds"] = r.grace_seconds;
  j["monitor"] = process(r.monitor, facts.owner_alive);
  j["pause"] = process(r.pause, facts.pause_alive);
  j["podDir"] = facts.pod_dir.string();
  // A detached pod's monitor writes its messages there; a foreground run's go to its terminal.
  j["monitorLog"] = r.detached ? (facts.pod_dir / "monitor.log").string() : "";
  j["logDir"] = facts.log_dir.string();
  j["shmDir"] = r.shm_dir;
  j["layersDir"] = r.layers_dir;
  j["volumes"] = each(r.volumes, volume);
  j["cgroups"] = r.cgroups;
  j["cni"] = nullptr;
  if (!r.network.empty())
    j["cni"] = {{"network", r.network},
                {"ifname", r.ifname},
                {"pluginPath", facts.cni.plugin_dirs},
                {"timeoutMs", facts.cni.timeout.count()},
                {"cacheDir", facts.cni.cache_dir},
                {"cacheFile", facts.cni_cache_file},
                {"result", facts.cni_result}};
  return j;
}

}  // namespace minipod::api
