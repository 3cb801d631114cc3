// Network configuration lists, loaded and validated the way libcni does it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace cni {

struct PluginConfig {
  std::string type;    // the plugin binary's name
  nlohmann::json raw;  // the plugin object exactly as written (unknown fields kept)
  // Where it was written, for messages: "plugins[1] of /etc/cni/net.d/10-a.conflist", or the
  // plugin file it was read from ("/etc/cni/net.d/mynet/20-portmap.conf").
  std::string origin = {};
};

struct NetworkConfigList {
  std::string name;
  // The version minipod will speak to the plugins: "cniVersion", or with "cniVersions" (1.1.0)
  // the newest version of cniVersions+cniVersion that minipod supports (libcni's rule). When the
  // list has "cniVersions", the client may go lower to what every plugin supports (see
  // Client::negotiate_version). A missing cniVersion means 0.1.0, as for the plugins.
  std::string cni_version;
  // With "cniVersions": every version of cniVersions+cniVersion that minipod supports, newest
  // first (the candidates for negotiation). Empty when the list has no "cniVersions".
  std::vector<std::string> cni_versions;
  bool disable_check = false;
  bool disable_gc = false;
  // "loadOnlyInlinedPlugins" (1.1.0): true means plugin files beside the list are ignored.
  bool load_only_inlined = false;
  // The inlined plugins, then those read from plugin_dir (see load_network_file).
  std::vector<PluginConfig> plugins;
  // The folder plugin files were read from, when the list was loaded from a file and not
  // loadOnlyInlinedPlugins (it may have held none); empty otherwise.
  std::string plugin_dir;
  nlohmann::json raw;  // the whole list (single .conf files upgraded to a list)
  // The list serialised; stored base64 in the cache and in a pod's record, so that a later DEL
  // runs exactly these plugins. The file's own bytes, unless plugins were read from plugin_dir:
  // then the list with every plugin inlined and "loadOnlyInlinedPlugins": true, so that it needs
  // no directory to be read again.
  std::string bytes;
  std::string source;  // file it came from, or a label such as "built-in"
};

// Parses and validates a conflist or a single-plugin conf (upgraded to a one-element list).
// Errors are UsageErrors that name `source`, the field and what was expected, e.g.
//   /etc/cni/net.d/10-a.conflist: field "plugins[1].type": missing (expected the plugin's name)
// Bytes alone have no directory: a list without "plugins" is an error here.
NetworkConfigList parse_network_config(const std::string& bytes, const std::string& source);

// A config file as libcni 1.3 loads it (CNI 1.1.0, "loadOnlyInlinedPlugins"): a *.conflist whose
// "loadOnlyInlinedPlugins" is not true gets, after its inlined "plugins" (which it may then
// omit), the plugin objects of the *.conf files in <its folder>/<its name>/, sorted by file name.
// *.conf and *.json network files are single plugins and read nothing more. An error in a plugin
// file names that file: /etc/cni/net.d/mynet/20-pm.conf: field "type": missing (...).
NetworkConfigList load_network_file(const std::filesystem::path& file);

// Config files of a directory in libcni's order: *.conflist sorted by name, then *.conf and
// *.json sorted together by name. A missing directory gives an empty list.
std::vector<std::filesystem::path> config_files(const std::filesystem::path& dir);

// load_network() has no network of the name asked for. detail() says where it looked and what
// it found instead, the same way whether the directory is missing, empty or holds others:
//   no network "x" in DIR (found: a, b; could not read F (malformed JSON))
//   no network "x" in DIR (found: none)
//   no network "x" in DIR (no such directory)
class NetworkNotFound : public minipod::UsageError {
 public:
  NetworkNotFound(std::string name, std::string detail)
      : minipod::UsageError("load CNI network", std::move(detail)), name_(std::move(name)) {}
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// The network called `name`, or the first network of the directory when `name` is empty.
// std::nullopt only when no name is asked for and the directory holds no config file at all (so
// a runtime can fall back to a default); a name that is not there is a NetworkNotFound, whatever
// the directory holds: a runtime must never stand in another network for the one asked for. A
// broken file that does not claim `name` does not stop the search; a broken file that does claim
// it is an error naming that file.
std::optional<NetworkConfigList> load_network(const std::filesystem::path& dir,
                                              const std::string& name);

// Every config file of a directory, in load order, parsed or with the reason it could not be
// (for `minipod cni ls`), each loaded with load_network_file.
struct NetworkFile {
  std::filesystem::path path;
  std::optional<NetworkConfigList> network;
  std::string error;  // one line, when !network
};
std::vector<NetworkFile> list_network_files(const std::filesystem::path& dir);

}  // namespace cni
