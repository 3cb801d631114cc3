// `minipod run POD.yaml` from start to end: read and check everything first (nothing is created
// for a bad manifest), build the sandbox, run the containers, tear down.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cni/defaults.h"

namespace minipod::run {

// `--network none`: no CNI network; the pod's network namespace has only lo.
inline constexpr const char* kNoNetwork = "none";

struct RunOptions {
  std::string manifest;
  std::string image_dir;
  std::string cni_conf_dir = cni::kDefaultConfDir;
  bool cni_conf_dir_given = false;  // --cni-conf-dir or NETCONFPATH: it must exist
  std::string network;  // empty: the first config, or the built-in network; kNoNetwork: only lo
  std::vector<std::string> cni_path = cni::default_plugin_dirs();
  std::string cni_cache_dir = cni::kDefaultCacheDir;
  std::chrono::milliseconds cni_timeout{60'000};
  std::optional<long long> grace_seconds;  // --grace overrides terminationGracePeriodSeconds
  std::chrono::milliseconds backoff_base{10'000};
  uint64_t log_max_bytes = 10 << 20;
  // A foreground pod's CRI logs go with it when it ends, unless asked to stay (a detached pod's
  // stay with its record until `minipod rm`).
  bool keep_logs = false;
};

// Returns the process exit code.
int run_pod(const RunOptions& options);

// `run -d`: checks everything here (errors exit 2 before anything exists), then hands the pod to
// a monitor process that creates it and owns it until it ends. Returns the pod id once the pod is
// up; throws what went wrong otherwise (the monitor has undone everything by then).
std::string start_pod(const RunOptions& options);

}  // namespace minipod::run
