#include "cni/error.h"

#include "common/strings.h"

namespace cni {
namespace {

std::string describe(const std::string& plugin, const std::string& network, int code,
                     const std::string& msg, const std::string& details,
                     const std::string& stderr_tail) {
  std::string out = "plugin \"" + plugin + "\"";
  if (!network.empty()) out += " (network \"" + network + "\")";
  out += ": ";
  if (code != 0) out += "[code " + std::to_string(code) + "] ";
  out += msg;
  if (!details.empty()) out += "; " + details;
  if (!stderr_tail.empty()) out += "; stderr: " + stderr_tail;
  return out;
}

}  // namespace

PluginError::PluginError(std::string verb, std::string plugin, std::string network, int code,
                         std::string msg, std::string details, std::string stderr_tail)
    : minipod::Error("CNI " + verb + " failed",
                     describe(plugin, network, code, msg, details, stderr_tail)),
      verb_(std::move(verb)),
      plugin_(std::move(plugin)),
      network_(std::move(network)),
      code_(code),
      msg_(std::move(msg)),
      details_(std::move(details)),
      stderr_tail_(std::move(stderr_tail)) {}

namespace {

std::string describe_all(const std::string& network, const std::vector<PluginError>& failures,
                         size_t plugins) {
  return std::to_string(failures.size()) + " of " + std::to_string(plugins) +
         " plugins of network \"" + network + "\" failed: " +
         minipod::join(failures, "; and ", [](const PluginError& e) { return e.detail(); });
}

}  // namespace

DelError::DelError(std::string network, std::vector<PluginError> failures, size_t plugins)
    : minipod::Error("CNI DEL failed", describe_all(network, failures, plugins)),
      network_(std::move(network)),
      failures_(std::move(failures)) {}

}  // namespace cni
