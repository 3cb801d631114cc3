// CNI spec versions: parsing, ordering, the versions minipod speaks, and what a plugin binary says
// it supports (asked with VERSION, cached per binary).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cni {

// The spec versions minipod implements, oldest first.
const std::vector<std::string>& supported_versions();
// The newest of them ("1.1.0").
const std::string& current_version();
bool is_supported_version(std::string_view v);

// "1.0.0" -> {1,0,0}. Accepts "X", "X.Y", "X.Y.Z" like libcni; an empty string is 0.1.0 (the
// spec's "no version" default). Returns false for anything else.
bool parse_version(std::string_view v, int out[3]);
// <0, 0, >0; both must parse (throws minipod::Error otherwise).
int compare_versions(std::string_view a, std::string_view b);
inline bool version_at_least(std::string_view v, std::string_view min) {
  return compare_versions(v, min) >= 0;
}

// "[0.4.0 1.0.0]", the way Go prints a string slice (and so do plugin errors).
std::string format_versions(const std::vector<std::string>& versions);

}  // namespace cni
