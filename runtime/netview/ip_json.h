// Reading iproute2's JSON (`ip -j`): links with their addresses, routes, pinned namespaces. The
// kernel's rtnetlink answers, as ip(8) prints them; gather.cpp runs ip, this only parses.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/netview/model.h"

namespace minipod::netview {

// `ip -j -d addr show`: every link of one namespace with its addresses. `source` names the
// command in errors ("ip -n web -j -d addr show").
std::vector<Interface> parse_links(const nlohmann::json& links, const std::string& source);

// `ip -j route show`: one namespace's main routing table.
std::vector<Route> parse_routes(const nlohmann::json& routes, const std::string& source);

struct PinnedNetns {
  std::string name;
  std::optional<int> nsid;  // the host's id for it, when it has one
};
// `ip -j netns list`
std::vector<PinnedNetns> parse_netns_list(const nlohmann::json& list, const std::string& source);

// The output of `ip -j -batch -`: one JSON array per command, one after the other. Throws Error
// naming `source` when it is not that, or holds fewer than `expected` documents.
std::vector<nlohmann::json> split_json_documents(const std::string& text, size_t expected,
                                                 const std::string& source);

}  // namespace minipod::netview
