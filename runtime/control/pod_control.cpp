#include "runtime/control/pod_control.h"

#include <signal.h>

#include <cstdio>

#include "common/error.h"
#include "common/fs.h"
#include "common/strings.h"
#include "common/trace.h"
#include "runtime/sandbox/netns_pin.h"
#include "runtime/sandbox/pod_cleanup.h"
#include "runtime/state/host_ports.h"

namespace minipod::control {
namespace {

// What a forced removal leaves on the host when the DEL still fails: what the failing plugins
// hold of the attachment, and the cache entry that a later DEL of it needs.
std::string left_on_host(const state::PodRecord& r) {
  std::string ifname = r.cni_ifname();
  std::string out = "the attachment of container " + r.id + " (interface " + ifname +
                    ") to network \"" + r.network + "\"";
  if (!r.ips.empty()) out += " with address " + join(r.ips, ", ");
  out += ", as far as the plugins whose DEL failed hold it (" + r.network_error + ")";
  if (auto cached = cni::Client(cni_options_of(r)).cached(r.network, r.id, ifname))
    out += "; its CNI cache entry " + cached->file +
           ", which a DEL of it needs (see 'minipod cni cache ls')";
  return out;
}

}  // namespace

cni::Options cni_options_of(const state::PodRecord& r) {
  cni::Options o;
  if (!r.cni_path.empty()) o.plugin_dirs = r.cni_path;
  if (!r.cni_cache_dir.empty()) o.cache_dir = r.cni_cache_dir;
  if (r.cni_timeout_ms > 0) o.timeout = std::chrono::milliseconds(r.cni_timeout_ms);
  return o;
}

bool owner_alive(const state::StoredPod& pod) {
  state::PodLock lock(pod.dir, false);
  return !lock.held() && !lock.gone();
}

namespace {

// The owner's work, done from the record by whoever holds the lock now: its processes stopped, its
// resources released, the record saved as stopped (or removed, for a foreground pod).
void finish_from_record(const state::PodLock& lock, const state::StoredPod& pod,
                        const state::Paths& paths, std::optional<long long> grace_seconds) {
  state::PodRecord updated = pod.record;
  std::vector<state::ProcessRef> procs;
  for (const auto& c : updated.containers) procs.push_back(c.process);
  sandbox::stop_processes(procs, std::chrono::seconds(grace_seconds.value_or(30)));
  auto failures = sandbox::release_pod_resources(updated, cni_options_of(updated));
  updated.status = state::PodStatus::kStopped;
  updated.reason = "stopped by 'minipod stop' after its monitor was gone";
  for (auto& c : updated.containers) {
    if (c.status == state::ContainerStatus::kRunning) {
      c.status = state::ContainerStatus::kExited;
      c.reason = "Unknown";
    }
    c.process = {};
  }
  // A record whose network is still held stays, whoever started the pod: it is what a retried
  // DEL starts from.
  if (!updated.detached && !updated.network_held) {
    sandbox::remove_pod(paths, updated, /*logs=*/true);
  } else {
    state::save_record(lock, pod.dir, updated);
    if (!updated.network_held) state::release_host_ports(paths, updated.id);
  }
  if (!failures.empty()) throw Error("stop pod \"" + pod.record.name + "\"", failures.front());
}

}  // namespace

bool stop_pod(const state::StoredPod& pod, const state::Paths& paths,
              std::optional<long long> grace_seconds) {
  const auto& r = pod.record;
  state::PodLock lock(pod.dir, false);
  if (lock.gone()) return false;  // removed meanwhile: by its owner, or by an `rm`
  if (!lock.held()) {
    // The owner is alive: it stops the containers and tears the pod down itself.
    if (grace_seconds)
      fs::write_file(pod.dir / "stop", std::to_string(*grace_seconds) + "\n", 0600);
    Tracer::get().step("ask the pod's owner (pid " + std::to_string(r.monitor.pid) + ") to stop it",
                       "kill -TERM " + std::to_string(r.monitor.pid));
    // Grace period, then the teardown (CNI DEL can take a while with slow plugins). An owner that
    // cannot be signalled has just gone: its lock tells. What is waited for is said, and when the
    // grace period is over (the owner then kills the containers).
    auto grace = std::chrono::seconds(grace_seconds.value_or(r.grace_seconds));
    auto wait = grace + std::chrono::seconds(120);
    if (sandbox::signal_process(r.monitor, SIGTERM)) {
      std::fprintf(
          stderr, "minipod: stopping pod \"%s\": SIGTERM to its containers, SIGKILL after %lld s\n",
          r.name.c_str(), static_cast<long long>(grace.count()));
      // Woken by its exit, not by polling the lock.
      if (!sandbox::wait_for_exit(r.monitor, grace)) {
        std::fprintf(stderr,
                     "minipod: pod \"%s\": grace period over: its containers are killed, waiting "
                     "for its teardown\n",
                     r.name.c_str());
        sandbox::wait_for_exit(r.monitor, wait - grace);
      }
    }
    auto after = state::PodLock::wait_for(pod.dir, std::chrono::seconds(5));
    if (!after)
      throw Error("stop pod \"" + r.name + "\"",
                  "its owner did not finish within " + std::to_string(wait.count()) + " s");
    if (after->gone()) return true;  // a foreground pod: its owner removed it on its way out
    lock = std::move(*after);
  }
  // Under the lock, the record as it is now: the owner may have finished the pod, or died in the
  // middle of its teardown (then its work is finished here), or another command was first.
  auto now = state::PodStore(paths).load(r.id);
  if (!now || now->record.ended()) return !pod.record.ended();
  Tracer::get().step(
      "the pod's owner is gone before its teardown ended: stopping it from its record");
  finish_from_record(lock, *now, paths, grace_seconds);
  return true;
}

std::optional<state::PodRecord> network_left(const state::StoredPod& pod,
                                             const state::Paths& paths) {
  auto now = state::PodStore(paths).load(pod.record.id);
  if (now && now->record.network_left()) return now->record;
  return std::nullopt;
}

void retry_network_release(state::PodRecord& record) {
  Tracer::get().step("retry the CNI DEL of network \"" + record.network +
                     "\" (it failed before: " + record.network_error + ")");
  sandbox::release_network(record, cni_options_of(record));
  if (!record.netns.empty()) sandbox::unpin_netns(record.netns, record.netns_inode);
}

std::string remove_pod(const state::StoredPod& pod, const state::Paths& paths, bool force) {
  const auto& r = pod.record;
  // A record that says the pod ended is final, even while its owner is still alive: that owner is
  // only finishing (saving the record, reporting, exiting) and the lock wait below lets it. Taken
  // for "running", it made an `rm` right after a failed `run -d` refuse the pod for a moment.
  bool running = !r.ended();
  if (running) {
    if (!force)
      throw UsageError("remove pod \"" + r.name + "\"",
                       "it is still running; stop it first ('minipod stop " + r.name +
                           "') or use 'minipod rm -f'");
    stop_pod(pod, paths, 0);
  }
  auto lock = state::PodLock::wait_for(pod.dir, std::chrono::seconds(30));
  if (!lock) throw Error("remove pod \"" + r.name + "\"", "another minipod command holds its lock");
  if (lock->gone()) return "";  // removed meanwhile (its owner, or another `rm`): done
  // The record as the owner left it: a finished teardown needs nothing more; anything else (a
  // crash in the middle) is finished here, from the record.
  state::PodStore store(paths);
  auto now = store.load(r.id);
  state::PodRecord current = now ? now->record : r;
  if (!current.ended()) {
    auto failures = sandbox::release_pod_resources(current, cni_options_of(current));
    if (!failures.empty()) {
      state::save_record(*lock, pod.dir, current);
      throw Error("remove pod \"" + r.name + "\"",
                  failures.front() + "; the record was kept so you can retry");
    }
  } else if (current.network_held) {
    try {
      retry_network_release(current);
    } catch (const std::exception&) {
      // Said below, from the record (network_error), with what it means for the removal.
    }
  }
  std::string left;
  if (current.network_held) {
    if (!force) {
      state::save_record(*lock, pod.dir, current);
      throw Error("remove pod \"" + r.name + "\"",
                  sandbox::network_not_released(current) + "; 'minipod rm -f " + r.name +
                      "' removes the pod anyway and says what it leaves on the host");
    }
    left = left_on_host(current);
    // The pin is named after the pod: a new pod of that name needs the path.
    if (!current.netns.empty()) sandbox::unpin_netns(current.netns, current.netns_inode);
  }
  sandbox::remove_pod(paths, current, true);
  return left;
}

}  // namespace minipod::control
