// Network configuration lists, loaded and validated the way libcni does it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cni {

struct PluginConfig {
  std::string type;        // the plugin binary's name
  nlohmann::json raw;      // the plugin object exactly as written (unknown fields kept)
};

struct NetworkConfigList {
  std::string name;
  std::string cni_version;                // the version minipod will speak to the plugins
  std::vector<std::string> cni_versions;  // "cniVersions" (1.1.0), empty when absent
  bool disable_check = false;
  bool disable_gc = false;
  std::vector<PluginConfig> plugins;
  nlohmann::json raw;                     // the whole list (single .conf files upgraded to a list)
  std::string bytes;                      // the list serialised; stored base64 in the cache
  std::string source;                     // file it came from, or a label such as "built-in"
};

// Parses and validates a conflist or a single-plugin conf (upgraded to a one-element list).
// Errors (UsageError for bad input) name `source`, the field and what was expected.
NetworkConfigList parse_network_config(const std::string& bytes, const std::string& source);

// Config files of a directory in libcni's order: *.conflist, *.conf, *.json, each set sorted by
// file name. A missing directory gives an empty list.
std::vector<std::filesystem::path> config_files(const std::filesystem::path& dir);

// The network called `name`, or the first network of the directory when `name` is empty.
// std::nullopt when the directory holds no config file at all (so a runtime can fall back to a
// default); an error when a name is asked for and not found (listing the names that exist).
std::optional<NetworkConfigList> load_network(const std::filesystem::path& dir, const std::string& name);

}  // namespace cni
