#include "cni/error.h"

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

}  // namespace cni
