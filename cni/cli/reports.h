// How `minipod cni validate` and `minipod cni gc` print what they found: text, a line per plugin
// or per network, or JSON (-o json).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/client.h"
#include "cni/gc_networks.h"
#include "cni/validate.h"

namespace cni::cli {

// A header line for the network, a line per plugin ("ok" or each problem), a line per problem of
// the whole list, and a verdict line.
std::string validation_text(const NetworkValidation& v);
nlohmann::json validation_json(const NetworkValidation& v);

// "network "a" (FILE): deleted stale attachment c1/eth0; GC sent to bridge, portmap" and the
// like, one line a network; errors on lines of their own.
std::string gc_text(const std::vector<NetworkGc>& networks);
nlohmann::json gc_json(const std::vector<NetworkGc>& networks);
// One network's GC (`minipod cni gc NETWORK`), the same way.
NetworkGc single_gc(const NetworkConfigList& list, GcReport report);

}  // namespace cni::cli
