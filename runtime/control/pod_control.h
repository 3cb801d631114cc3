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
// are released. Returns false when the pod was already stopped.
bool stop_pod(const state::StoredPod& pod, const state::Paths& paths,
              std::optional<long long> grace_seconds);

// Removes a stopped pod: record, name, logs. A running pod is refused unless `force`, which stops
// it first without a grace period.
void remove_pod(const state::StoredPod& pod, const state::Paths& paths, bool force);

}  // namespace minipod::control
