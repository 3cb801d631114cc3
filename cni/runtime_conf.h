// What identifies one attachment of a container to a network, and what the cache keeps of it.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/defaults.h"

namespace cni {

// One attachment of a container to a network (libcni's RuntimeConf).
struct RuntimeConf {
  std::string container_id;
  std::string netns;  // path; may be empty on DEL when the netns is gone
  std::string ifname = kDefaultIfname;
  std::vector<std::pair<std::string, std::string>> args;      // CNI_ARGS, in order
  nlohmann::json capability_args = nlohmann::json::object();  // e.g. {"portMappings": [...]}
};

// What the cache holds for one attachment (libcni's cniCacheV1 file).
struct CachedAttachment {
  std::string network;
  std::string config_bytes;  // the conflist the ADD ran with
  RuntimeConf conf;
  std::optional<nlohmann::json> result;
  std::string file;  // the cache file it was read from
};

}  // namespace cni
