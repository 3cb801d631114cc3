// The JSON that `minipod ps -o json` and `minipod inspect` print: a schema of minipod's own
// (apiVersion minipod/v1, docs/json.md), built from a pod's record but independent of the record's
// on-disk format, which changes whenever the runtime needs it to. Within minipod/v1 fields may be
// added, never renamed or removed; one function here builds each object, so that promise can be
// kept by reading this file alone.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "cni/client.h"
#include "runtime/state/pod_record.h"

namespace minipod::api {

constexpr const char* kApiVersion = "minipod/v1";

// "Waiting", "Running", "Exited": what `ps --containers` shows too.
const char* container_status(state::ContainerStatus status);

// One container in `ps -o json`: name, role, status, exitCode, reason, restarts, pid.
nlohmann::json container_summary(const state::ContainerRecord& container);

// One pod in `ps -o json` (kind Pod). `owner_alive`: the process that owns the pod (its monitor,
// or the foreground `minipod run`) still holds it; a pod whose owner is gone is "Dead".
nlohmann::json pod_summary(const state::PodRecord& record, bool owner_alive);

// What `inspect` shows besides the record, looked up on the host by the caller.
struct PodFacts {
  bool owner_alive = false;
  bool pause_alive = false;
  std::filesystem::path pod_dir;  // <run dir>/pods/<id>
  std::filesystem::path log_dir;  // <log dir>/<namespace>_<name>
  cni::Options cni;               // what a CNI call for the pod uses (control::cni_options_of)
  nlohmann::json spec;            // the manifest the pod was made from, as JSON; null if not kept
  std::string cni_cache_file;     // the CNI cache entry of the pod's attachment; "" if none
  nlohmann::json cni_result;      // the ADD result kept in it; null if none
};

// One container in `inspect`: the summary, and where its logs, layer and cgroups are.
nlohmann::json container_details(const state::ContainerRecord& container,
                                 const state::PodRecord& pod, const PodFacts& facts);

// `inspect`: the pod's summary, and what a user needs to look further: its manifest and spec, its
// processes, cgroups, directories, logs and its CNI attachment.
nlohmann::json pod_details(const state::PodRecord& record, const PodFacts& facts);

}  // namespace minipod::api
