// Stopping and removing pods that live on after the command that started them. The pod's owner
// (its monitor, or a foreground `minipod run`) does the work when it is alive; when it is gone,
// these functions do it from the record, so a pod can always be stopped and removed.
#pragma once

#include <optional>
#include <string>

#include "cni/client.h"
#include "runtime/state/pod_store.h"

namespace minipod::control {

// The CNI settings a pod was created with, for a later DEL.
cni::Options cni_options_of(const state::PodRecord& record);

bool owner_alive(const state::StoredPod& pod);

// SIGTERM, `grace` (default: what the pod was started with), SIGKILL; then the pod's resources
// are released. Returns false when the pod was already stopped. A failed CNI DEL is no exception
// here: the pod is stopped and its record says what it still holds (see network_left()).
bool stop_pod(const state::StoredPod& pod, const state::Paths& paths,
              std::optional<long long> grace_seconds);

// The pod's record as it is now when the pod has ended with its network still held (its CNI DEL
// failed), for the caller to report; nullopt otherwise.
std::optional<state::PodRecord> network_left(const state::StoredPod& pod,
                                             const state::Paths& paths);

// Removes a stopped pod: record, name, logs. A running pod is refused unless `force`, which stops
// it first without a grace period. A pod whose network is still held gets its DEL retried first;
// while it still fails the pod is kept (an error says why) unless `force`, which removes it
// anyway and returns what it leaves on the host (one line; empty when nothing).
std::string remove_pod(const state::StoredPod& pod, const state::Paths& paths, bool force);

// Retries the CNI DEL of an ended pod whose network is held, and unpins its netns once the DEL
// succeeded; the record is updated (not saved). Throws the DEL's failure.
void retry_network_release(state::PodRecord& record);

}  // namespace minipod::control
