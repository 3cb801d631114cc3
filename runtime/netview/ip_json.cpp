#include "runtime/netview/ip_json.h"

#include <algorithm>
#include <sstream>

#include "common/error.h"
#include "common/json_parse.h"

namespace minipod::netview {
namespace {

// Runs `fn`, turning nlohmann's exceptions (a field of another type than ip(8) documents) into an
// Error that names the command and what was expected.
template <typename Fn>
auto checked(const std::string& source, const char* expected, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const nlohmann::json::exception& e) {
    throw Error(source,
                std::string("unexpected JSON (") + json_message(e) + "); expected " + expected);
  }
}

void expect_array(const nlohmann::json& j, const std::string& source, const char* expected) {
  if (!j.is_array())
    throw Error(source,
                std::string("unexpected JSON: a ") + j.type_name() + "; expected " + expected);
}

}  // namespace

std::vector<Interface> parse_links(const nlohmann::json& links, const std::string& source) {
  constexpr const char* kExpected = "an array of links with ifindex, ifname and addr_info";
  expect_array(links, source, kExpected);
  return checked(source, kExpected, [&] {
    std::vector<Interface> out;
    for (const auto& l : links) {
      Interface i;
      i.index = l.at("ifindex").get<int>();
      i.name = l.at("ifname").get<std::string>();
      if (l.contains("linkinfo") && l["linkinfo"].contains("info_kind"))
        i.kind = l["linkinfo"]["info_kind"].get<std::string>();
      else if (l.value("link_type", "") == "loopback")
        i.kind = "loopback";
      auto flags = l.value("flags", std::vector<std::string>{});
      i.up = std::find(flags.begin(), flags.end(), "UP") != flags.end();
      i.mac = l.value("address", "");
      i.master = l.value("master", "");
      i.peer_index = l.value("link_index", 0);
      if (l.contains("link_netnsid")) i.peer_nsid = l["link_netnsid"].get<int>();
      for (const auto& a : l.value("addr_info", nlohmann::json::array())) {
        if (!a.contains("local")) continue;  // a peer-only or broadcast-only entry
        i.addresses.push_back({a.value("family", ""), a["local"].get<std::string>(),
                               a.value("prefixlen", 0), a.value("scope", "")});
      }
      out.push_back(std::move(i));
    }
    return out;
  });
}

std::vector<Route> parse_routes(const nlohmann::json& routes, const std::string& source) {
  constexpr const char* kExpected = "an array of routes with dst and dev";
  expect_array(routes, source, kExpected);
  return checked(source, kExpected, [&] {
    std::vector<Route> out;
    for (const auto& r : routes) {
      // unreachable, blackhole, prohibit: no device, nothing a packet of a pod goes through.
      if (r.value("type", "unicast") != "unicast") continue;
      out.push_back(
          {r.value("dst", ""), r.value("gateway", ""), r.value("dev", ""), r.value("prefsrc", "")});
    }
    return out;
  });
}

std::vector<PinnedNetns> parse_netns_list(const nlohmann::json& list, const std::string& source) {
  constexpr const char* kExpected = "an array of {name, id}";
  expect_array(list, source, kExpected);
  return checked(source, kExpected, [&] {
    std::vector<PinnedNetns> out;
    for (const auto& n : list) {
      PinnedNetns p{n.at("name").get<std::string>(), std::nullopt};
      if (n.contains("id")) p.nsid = n["id"].get<int>();
      out.push_back(std::move(p));
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
    return out;
  });
}

std::vector<nlohmann::json> split_json_documents(const std::string& text, size_t expected,
                                                 const std::string& source) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  while (true) {
    in >> std::ws;
    if (in.peek() == std::char_traits<char>::eof()) break;
    try {
      nlohmann::json j;
      in >> j;
      out.push_back(std::move(j));
    } catch (const nlohmann::json::exception& e) {
      throw Error(source, "unexpected output (" + json_message(e) + "); expected " +
                              std::to_string(expected) + " JSON arrays, one per command");
    }
  }
  if (out.size() < expected)
    throw Error(source, "printed " + std::to_string(out.size()) + " JSON documents; expected " +
                            std::to_string(expected) + ", one per command");
  return out;
}

}  // namespace minipod::netview
