#include "runtime/control/pod_control.h"

#include <signal.h>

#include <cstdio>

#include "common/error.h"
#include "common/fs.h"
#include "common/trace.h"
#include "runtime/sandbox/pod_cleanup.h"

namespace minipod::control {
namespace {

bool is_final(const std::string& status) {
  return status == "succeeded" || status == "failed" || status == "stopped";
}

}  // namespace

cni::Options cni_options_of(const state::PodRecord& r) {
  cni::Options o;
  if (!r.cni_path.empty()) o.plugin_dirs = r.cni_path;
  if (!r.cni_cache_dir.empty()) o.cache_dir = r.cni_cache_dir;
  return o;
}

bool owner_alive(const state::StoredPod& pod) {
  return !state::PodLock(pod.dir, false).held();
}

bool stop_pod(const state::StoredPod& pod, const state::Paths& paths,
              std::optional<long long> grace_seconds) {
  const auto& r = pod.record;
  state::PodLock lock(pod.dir, false);
  if (!lock.held()) {
    // The owner is alive: it stops the containers and tears the pod down itself.
    if (grace_seconds)
      fs::write_file(pod.dir / "stop", std::to_string(*grace_seconds) + "\n", 0600);
    Tracer::get().step("ask the pod's owner (pid " + std::to_string(r.monitor.pid) + ") to stop it",
                       "kill -TERM " + std::to_string(r.monitor.pid));
    if (!sandbox::signal_process(r.monitor, SIGTERM))
      throw Error("stop pod \"" + r.name + "\"",
                  "its owner (pid " + std::to_string(r.monitor.pid) +
                      ") holds the pod's lock but cannot be signalled");
    // Grace period, then the teardown (CNI DEL can take a while with slow plugins).
    auto wait = std::chrono::seconds(grace_seconds.value_or(300) + 120);
    sandbox::wait_for_exit(r.monitor, wait);  // woken by its exit, not by polling the lock
    if (!state::PodLock::wait_for(pod.dir, std::chrono::seconds(5)))
      throw Error("stop pod \"" + r.name + "\"",
                  "its owner did not finish within " + std::to_string(wait.count()) + " s");
    return true;
  }
  if (is_final(r.status)) return false;
  // The owner is gone: do its work from the record.
  Tracer::get().step("the pod's owner is gone: stopping it from its record");
  std::vector<state::ProcessRef> procs;
  for (const auto& c : r.containers) procs.push_back(c.process);
  sandbox::stop_processes(procs, std::chrono::seconds(grace_seconds.value_or(30)));
  auto failures = sandbox::release_pod_resources(r, cni_options_of(r));
  state::PodRecord updated = r;
  updated.status = "stopped";
  updated.reason = "stopped by 'minipod stop' after its monitor was gone";
  for (auto& c : updated.containers) {
    if (c.status == "running") {
      c.status = "exited";
      c.reason = "Unknown";
    }
    c.process = {};
  }
  if (!r.detached) {
    sandbox::remove_pod(paths, r, false);
  } else {
    state::save_record(pod.dir, updated);
  }
  if (!failures.empty()) throw Error("stop pod \"" + r.name + "\"", failures.front());
  return true;
}

void remove_pod(const state::StoredPod& pod, const state::Paths& paths, bool force) {
  const auto& r = pod.record;
  bool running = owner_alive(pod) || !is_final(r.status);
  if (running) {
    if (!force)
      throw UsageError("remove pod \"" + r.name + "\"",
                       "it is still running; stop it first ('minipod stop " + r.name +
                           "') or use 'minipod rm -f'");
    stop_pod(pod, paths, 0);
  }
  auto lock = state::PodLock::wait_for(pod.dir, std::chrono::seconds(30));
  if (!lock) throw Error("remove pod \"" + r.name + "\"", "another minipod command holds its lock");
  // The record as the owner left it: a finished teardown needs nothing more; anything else (a
  // crash in the middle) is finished here, from the record.
  state::PodStore store(paths);
  auto now = store.load(r.id);
  const state::PodRecord& current = now ? now->record : r;
  if (!is_final(current.status)) {
    auto failures = sandbox::release_pod_resources(current, cni_options_of(current));
    if (!failures.empty())
      throw Error("remove pod \"" + r.name + "\"",
                  failures.front() + "; the record was kept so you can retry");
  }
  sandbox::remove_pod(paths, current, true);
}

}  // namespace minipod::control
