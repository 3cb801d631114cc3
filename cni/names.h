// The spec's rules for container ids, network names, interface names and CNI_ARGS. Checked
// before any plugin runs, so bad input never leaves half an attachment behind.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cni {

// Each returns an empty string when valid, else what is wrong ("is too long (16 bytes, at most
// 15)"), so callers can say which field or flag it came from.
std::string container_id_problem(std::string_view id);
std::string network_name_problem(std::string_view name);
std::string ifname_problem(std::string_view ifname);

// Throws minipod::UsageError naming `what` (e.g. "container id", "--ifname") when invalid.
void check_container_id(std::string_view id, std::string_view what = "container id");
void check_network_name(std::string_view name, std::string_view what = "network name");
void check_ifname(std::string_view ifname, std::string_view what = "interface name");

// "K=V;K=V" like cnitool: every pair needs a non-empty key and value and exactly one '='.
// Throws UsageError naming `what` and the bad pair. An empty string gives no pairs.
std::vector<std::pair<std::string, std::string>> parse_cni_args(std::string_view text,
                                                                std::string_view what = "CNI_ARGS");
std::string format_cni_args(const std::vector<std::pair<std::string, std::string>>& args);

}  // namespace cni
