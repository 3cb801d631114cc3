#include "runtime/cgroups/pod_cgroups.h"

#include <cstdlib>

#include "common/error.h"
#include "common/trace.h"
#include "runtime/spec/field_path.h"

namespace minipod::cgroups {

PodCgroups::PodCgroups(const std::string& pod_id, const Hierarchies& hierarchies)
    : h_(hierarchies), relative_("minipod/" + pod_id), pod_(hierarchies, relative_) {}

void PodCgroups::create(const Limits& pod_limits) {
  if (!enabled()) return;
  pod_.create(pod_limits);
  Cgroup(h_, relative_ + "/_pause").create({});
  auto& t = Tracer::get();
  if (t.enabled()) {
    std::string dirs;
    for (const auto& d : pod_.dirs()) dirs += " " + d;
    t.step("create the pod's cgroups on " + describe(h_) + ": " + cgroups::describe(pod_limits),
           "mkdir -p" + dirs);
  }
}

CgroupJoin PodCgroups::pause_join() const {
  if (!enabled()) return {};
  return Cgroup(h_, relative_ + "/_pause").join();
}

CgroupJoin PodCgroups::prepare_container(const std::string& name, const Limits& limits) {
  if (!enabled()) return {};
  auto it = children_.find(name);
  if (it == children_.end()) {
    it = children_.emplace(name, Child{Cgroup(h_, relative_ + "/" + name), 0}).first;
    // A container's limits do not change between its starts: made once, ~0.4 ms on a v1 host
    // (a directory in each hierarchy and the devices allow list), plus attaching the device
    // program where there is cgroup2 (its load is once per process).
    it->second.cgroup.create(limits);
  }
  Child& c = it->second;
  c.oom_base = c.cgroup.oom_kills();
  return c.cgroup.join();
}

void PodCgroups::remove_container(const std::string& name) {
  auto it = children_.find(name);
  if (it == children_.end()) return;
  it->second.cgroup.remove();
  children_.erase(it);
}

bool PodCgroups::oom_killed(const std::string& name) const {
  auto it = children_.find(name);
  if (it == children_.end()) return false;
  try {
    return it->second.cgroup.oom_kills() > it->second.oom_base;
  } catch (const Error&) {
    return false;
  }
}

std::string PodCgroups::container_applied(const std::string& name) const {
  auto it = children_.find(name);
  return it == children_.end() ? std::string() : it->second.cgroup.applied();
}

std::vector<std::string> PodCgroups::container_dirs(const std::string& name) const {
  auto it = children_.find(name);
  return it == children_.end() ? std::vector<std::string>{} : it->second.cgroup.dirs();
}

void PodCgroups::remove() {
  if (!enabled()) return;
  pod_.remove();
  children_.clear();
  Tracer::get().step("remove the pod's cgroups", "rmdir " + pod_.dirs().front() + "/* ...");
}

int64_t pod_pids_limit() {
  const char* env = std::getenv("MINIPOD_PIDS_LIMIT");
  if (env == nullptr || *env == '\0') return kDefaultPodPidsLimit;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(env, &end, 10);
  if (errno != 0 || *end != '\0' || v < 0)
    throw UsageError("MINIPOD_PIDS_LIMIT", "must be a number of processes (0: no limit), got \"" +
                                               std::string(env) + "\"");
  return v;
}

void check_pod(const spec::Pod& pod, const std::string& prefix) {
  const auto& h = host_hierarchies();
  int64_t pids = pod_pids_limit();
  Cgroup probe(h, "minipod");
  auto check = [&](const spec::Container& c, const std::string& field) {
    const auto& r = c.resources;
    auto need = [&](bool set, const char* controller, const std::string& what) {
      if (set && probe.dir_of(controller).empty())
        throw UsageError(prefix + field + ".resources." + what,
                         std::string("cannot be enforced: no ") + controller +
                             " controller on this host (" + describe(h) + ")");
    };
    need(r.limits.memory_bytes.has_value(), "memory", "limits.memory");
    need(r.limits.cpu_millis.has_value(), "cpu", "limits.cpu");
    need(r.requests.cpu_millis.has_value(), "cpu", "requests.cpu");
    if (r.limits.memory_bytes && *r.limits.memory_bytes < 4096)
      throw UsageError(prefix + field + ".resources.limits.memory",
                       "must be at least one page (4Ki), got " +
                           std::to_string(*r.limits.memory_bytes) + " bytes");
  };
  for (size_t i = 0; i < pod.init_containers.size(); ++i)
    check(pod.init_containers[i], spec::init_container_field(i));
  for (size_t i = 0; i < pod.containers.size(); ++i)
    check(pod.containers[i], spec::container_field(i));
  if (pids > 0 && h.mode != Mode::kNone && probe.dir_of("pids").empty())
    Tracer::get().step("no pids controller on this host: the pod's pids limit is not enforced");
}

}  // namespace minipod::cgroups
