// `minipod cni add|check|del -o json`: a failure as one JSON object, shaped like the error a
// plugin prints (SPEC.md "Error": code, msg, details) plus who failed (plugin, verb, network), so
// that a caller reads minipod's failures and the plugins' the same way.
#pragma once

#include <exception>
#include <string>

#include <nlohmann/json.hpp>

namespace cni::cli {

// What the command was doing when it failed; picks the code of errors that carry none.
enum class Phase {
  kArguments,  // flags, variables, the netns: code 4 (invalid environment variables)
  kConfig,     // finding and parsing the network config: code 7 (invalid network config)
  kRun,        // running the plugins
};

// {"code", "msg", "details", "plugin", "verb", "network", "error"}:
// - a plugin's error: its code (999 when it gave none: not found, not executable, killed at the
//   timeout, crashed, printed no error object), msg and details, and "stderr" when it said more;
// - a DEL in which several plugins failed: the first one's code and a "failures" array of these
//   objects;
// - an ADD refused because the attachment exists: code 4 (CNI_CONTAINERID/CNI_IFNAME name an
//   attachment that is already made), "existing" naming its cache file;
// - any other: by phase (above), 5 when a system call failed while running, else 999.
// plugin is null when no single plugin is to blame; "error" is the line text mode prints.
nlohmann::json error_object(const std::exception& e, Phase phase, const std::string& verb,
                            const std::string& network);

}  // namespace cni::cli
