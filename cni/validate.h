// `minipod cni validate`: whether a network can run before anything is attached (libcni's
// ValidateNetworkList, saying every problem rather than the first): each plugin binary is in
// CNI_PATH, answers VERSION and supports the version the network asks for, and every capability
// the runtime will pass is declared by some plugin (an undeclared one never reaches a plugin).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/client.h"
#include "cni/config.h"

namespace cni {

struct PluginValidation {
  std::string type;
  std::string origin;                     // PluginConfig::origin
  std::string path;                       // empty when not found
  std::vector<std::string> supported;     // what it answered to VERSION
  std::vector<std::string> capabilities;  // declared true in its "capabilities"
  std::vector<std::string> problems;      // one line each; empty when it is fine
};

struct NetworkValidation {
  std::string network, source;
  std::string version;  // the version the chain would be run with; empty when none fits
  std::vector<PluginValidation> plugins;
  std::vector<std::string> problems;  // of the whole list (versions in common, capabilities)
  bool ok() const;
};

// `capability_args`: what the runtime will pass (an object, e.g. {"portMappings": [...]});
// `asked_by` says where it came from in messages ("--capability-args/CAP_ARGS").
NetworkValidation validate_network(Client& client, const NetworkConfigList& list,
                                   const nlohmann::json& capability_args,
                                   const std::string& asked_by);

}  // namespace cni
