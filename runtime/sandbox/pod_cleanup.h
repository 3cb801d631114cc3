// Removing a pod's resources from its record alone. The record is written before each resource
// is created, so these functions can finish any teardown: the monitor's own, `minipod stop` after
// the monitor died, and `minipod gc` after a crash at any step. Each is idempotent: a resource
// that is already gone (or was never made) is fine.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "cni/client.h"
#include "runtime/state/paths.h"
#include "runtime/state/pod_record.h"

namespace minipod::sandbox {

// True when `p` is still the process that was recorded (same pid and start time).
bool process_alive(const state::ProcessRef& p);

// Waits until `p` has exited (or `timeout`); true when it has. Not for our own children.
bool wait_for_exit(const state::ProcessRef& p, std::chrono::milliseconds timeout);

// Signals `p` if it is still the recorded process.
bool signal_process(const state::ProcessRef& p, int sig);

// For processes that are not our children (the monitor died): SIGTERM, wait up to `grace`,
// SIGKILL, wait until they are gone.
void stop_processes(const std::vector<state::ProcessRef>& processes,
                    std::chrono::milliseconds grace);

// What the network step needs to undo itself, kept in the record before CNI ADD runs.
nlohmann::json network_intent(const cni::NetworkConfigList& list, const cni::RuntimeConf& rt);

// CNI DEL of the pod's attachment: with the cached ADD (config and result) when there is one,
// else with the recorded intent (an ADD that never finished). No-op for hostNetwork pods.
void network_down(const state::PodRecord& record, const cni::Options& options);

// network_down(), written down in the record (the caller saves it): network_held cleared once the
// DEL succeeded; when it failed, network_held set and network_error saying why (naming the
// plugins), then the failure is rethrown.
void release_network(state::PodRecord& record, const cni::Options& options);

// One line for a pod whose DEL failed: what still holds and who retries it:
//   its network is not released: CNI DEL failed: plugin "portmap" (network "n"): ...; the
//   record is kept with the attachment it still holds, and 'minipod gc' retries the DEL
std::string network_not_released(const state::PodRecord& record);

// Every process still in the pod's network namespace or cgroups (found through /proc and
// cgroup.procs, whatever its pid record says: an orphan a crash left, a process `exec` or
// `ip netns exec` started, an ephemeral container of `minipod debug`): SIGKILL, and wait until
// gone. The network namespace is searched only while the netns pin holds it, so its inode cannot
// belong to a new namespace.
void kill_pod_processes(const state::PodRecord& record);

// Everything a stopped pod no longer needs: processes, network, netns pin, /dev/shm, writable
// layers, cgroups. The record, the pod name and the logs stay (so `ps -a`, `inspect` and `logs`
// still work). Returns the failures it went past, except the CNI DEL's: that one is printed and
// written in `record` (release_network), and the netns pin stays, so that a retried DEL runs as
// the first one did.
std::vector<std::string> release_pod_resources(state::PodRecord& record,
                                               const cni::Options& options);

// The rest: the pod directory (record, pod files), the host port and name reservations and,
// with `logs`, the container logs.
void remove_pod(const state::Paths& paths, const state::PodRecord& record, bool logs);

// <log dir>/<namespace>_<name>
std::filesystem::path pod_log_dir(const state::Paths& paths, const std::string& namespace_,
                                  const std::string& name);

}  // namespace minipod::sandbox
