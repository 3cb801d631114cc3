// The runtime side of the CNI protocol (libcni's CNIConfig): runs a network's plugin chain for
// ADD, DEL, CHECK, GC and STATUS, and keeps libcni's result cache.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/config.h"
#include "cni/result.h"

namespace cni {

// One attachment of a container to a network.
struct RuntimeConf {
  std::string container_id;
  std::string netns;             // path; may be empty on DEL when the netns is gone
  std::string ifname = "eth0";
  std::vector<std::pair<std::string, std::string>> args;  // CNI_ARGS, in order
  nlohmann::json capability_args = nlohmann::json::object();  // e.g. {"portMappings": [...]}
};

struct Options {
  std::vector<std::string> plugin_dirs{"/opt/cni/bin", "/usr/lib/cni"};
  std::string cache_dir = "/var/lib/cni/results";
  std::chrono::milliseconds timeout{60'000};  // per plugin call
};

// What the cache holds for one attachment (libcni's cniCacheV1 file).
struct CachedAttachment {
  std::string network;
  std::string config_bytes;      // the conflist the ADD ran with
  RuntimeConf conf;
  std::optional<nlohmann::json> result;
};

class Client {
 public:
  explicit Client(Options options);

  // Runs every plugin in order; on the first failure throws PluginError and writes no cache.
  // The caller must still call del() to undo what the plugins before the failure did.
  Result add(const NetworkConfigList& list, const RuntimeConf& rt);
  // Runs every plugin in reverse with the cached result as prevResult; removes the cache entry.
  void del(const NetworkConfigList& list, const RuntimeConf& rt);
  void check(const NetworkConfigList& list, const RuntimeConf& rt);
  // valid: the attachments to keep, as (container id, ifname).
  void gc(const NetworkConfigList& list, const std::vector<std::pair<std::string, std::string>>& valid);
  void status(const NetworkConfigList& list);

  std::optional<CachedAttachment> cached(const std::string& network, const std::string& container_id,
                                         const std::string& ifname) const;
  std::vector<CachedAttachment> cached_all() const;

  const Options& options() const { return options_; }

 private:
  Options options_;
};

}  // namespace cni
