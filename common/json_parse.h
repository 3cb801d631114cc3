// JSON text in, nlohmann::json out, with nlohmann's exceptions turned into minipod's error.
// nlohmann throws more than parse_error while parsing: a number too large for a double ("1e999")
// is out_of_range, and a catch of parse_error alone lets it escape with no file name.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace minipod {

// Parses `text`. On any nlohmann exception throws UsageError (kind kUsage) or Error (kRuntime)
// with `source` as the step:
//   "/etc/cni/net.d/10-a.conflist: malformed JSON: parse error at line 1, column 9: ..."
//   "/etc/cni/net.d/10-a.conflist: field "plugins[0].mtu": number overflow parsing '1e999'"
// (the field is named when the failing value is a member or an element).
nlohmann::json parse_json(const std::string& text, const std::string& source,
                          ExitKind kind = ExitKind::kUsage);

// nlohmann's message without its "[json.exception.out_of_range.406] " prefix.
std::string json_message(const nlohmann::json::exception& e);

}  // namespace minipod
