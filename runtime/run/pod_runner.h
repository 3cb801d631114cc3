// `minipod run POD.yaml` from start to end: read and check everything first (nothing is created
// for a bad manifest), build the sandbox, run the containers, tear down.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace minipod::run {

struct RunOptions {
  std::string manifest;
  std::string image_dir;
  std::string cni_conf_dir = "/etc/cni/net.d";
  std::string network;  // empty: the first config, or the built-in network
  std::vector<std::string> cni_path{"/opt/cni/bin", "/usr/lib/cni"};
  std::string cni_cache_dir = "/var/lib/cni/results";
  std::chrono::milliseconds cni_timeout{60'000};
  std::optional<long long> grace_seconds;  // --grace overrides terminationGracePeriodSeconds
  std::chrono::milliseconds backoff_base{10'000};
};

// Returns the process exit code.
int run_pod(const RunOptions& options);

}  // namespace minipod::run
