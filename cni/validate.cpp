#include "cni/validate.h"

#include <algorithm>

#include "cni/error.h"
#include "cni/invoke.h"
#include "cni/version.h"
#include "common/strings.h"

namespace cni {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// A list in a sentence: "none" rather than nothing.
std::string listed(const std::vector<std::string>& v) {
  return v.empty() ? "none" : minipod::join(v, ", ");
}

// Finds the binary and asks VERSION; what fails is the plugin's problem.
PluginValidation probe(Client& client, const NetworkConfigList& list, const PluginConfig& plugin) {
  PluginValidation v;
  v.type = plugin.type;
  v.origin = plugin.origin;
  if (auto caps = plugin.raw.find("capabilities"); caps != plugin.raw.end() && caps->is_object())
    for (auto c = caps->begin(); c != caps->end(); ++c)
      if (c.value().is_boolean() && c.value().get<bool>()) v.capabilities.push_back(c.key());
  try {
    v.path = find_plugin(plugin.type, client.options().plugin_dirs, "VERSION", list.name);
  } catch (const PluginError& e) {
    v.problems.push_back("not found: " + e.msg() + " (field \"type\" of " + plugin.origin + ")");
    return v;
  }
  try {
    v.supported = client.version_info(plugin.type).supported;
  } catch (const PluginError& e) {
    v.problems.push_back("does not answer VERSION: " + e.detail());
  }
  return v;
}

}  // namespace

bool NetworkValidation::ok() const {
  if (!problems.empty()) return false;
  return std::all_of(plugins.begin(), plugins.end(),
                     [](const PluginValidation& p) { return p.problems.empty(); });
}

NetworkValidation validate_network(Client& client, const NetworkConfigList& list,
                                   const nlohmann::json& capability_args,
                                   const std::string& asked_by) {
  NetworkValidation out;
  out.network = list.name;
  out.source = list.source;
  // The versions the list would accept: its cniVersion, or its cniVersions candidates.
  const bool negotiated = !list.cni_versions.empty();
  const std::vector<std::string> wanted =
      negotiated ? list.cni_versions : std::vector<std::string>{list.cni_version};
  const std::string field = negotiated ? "cniVersions" : "cniVersion";
  for (const auto& plugin : list.plugins) {
    PluginValidation v = probe(client, list, plugin);
    if (!v.path.empty() && !v.supported.empty() &&
        std::none_of(wanted.begin(), wanted.end(),
                     [&](const std::string& w) { return contains(v.supported, w); }))
      v.problems.push_back(
          "supports " + format_versions(v.supported) + ", not " +
          (negotiated ? "any of " + format_versions(wanted) : "\"" + list.cni_version + "\"") +
          " (field \"" + field + "\" of " + list.source + ")");
    out.plugins.push_back(std::move(v));
  }

  bool all_answered = std::all_of(out.plugins.begin(), out.plugins.end(),
                                  [](const auto& p) { return p.problems.empty(); });
  if (all_answered) {
    for (const auto& w : wanted)  // newest first
      if (std::all_of(out.plugins.begin(), out.plugins.end(),
                      [&](const PluginValidation& p) { return contains(p.supported, w); })) {
        out.version = w;
        break;
      }
    if (out.version.empty())
      out.problems.push_back("no version of " + format_versions(wanted) + " (field \"" + field +
                             "\" of " + list.source + ") is supported by every plugin");
  }

  std::vector<std::string> declared;
  for (const auto& p : out.plugins)
    for (const auto& c : p.capabilities)
      if (!contains(declared, c)) declared.push_back(c);
  if (capability_args.is_object())
    for (auto c = capability_args.begin(); c != capability_args.end(); ++c)
      if (!contains(declared, c.key()))
        out.problems.push_back("capability \"" + c.key() + "\" (asked for in " + asked_by +
                               ") is declared by no plugin (declared: " + listed(declared) +
                               "): no plugin would get it (expected \"capabilities\": {\"" +
                               c.key() + "\": true} on the plugin that serves it)");
  return out;
}

}  // namespace cni
