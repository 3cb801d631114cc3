// CNI results of every spec version, parsed tolerantly and converted the way libcni does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cni {

struct Interface {
  std::string name, mac, sandbox;
  std::optional<int> mtu;
};

struct IPConfig {
  std::string address;              // CIDR, "10.87.0.2/16"
  std::string gateway;              // may be empty
  std::optional<int> interface;     // index into interfaces
  // "4" or "6": the address family, derived from `address` when the source had no "version".
  std::string family() const;
};

struct Route {
  std::string dst, gw;
  nlohmann::json extra;             // 1.1.0 fields (mtu, advmss, priority, table, scope)
};

struct DNS {
  std::vector<std::string> nameservers, search, options;
  std::string domain;
};

struct Result {
  std::string cni_version;
  std::vector<Interface> interfaces;
  std::vector<IPConfig> ips;
  std::vector<Route> routes;
  DNS dns;

  // Any version's JSON (0.1.0 ip4/ip6 form included); unknown fields ignored.
  static Result parse(const nlohmann::json& j);
  // The JSON of this result in `version` (libcni's conversion rules).
  nlohmann::json to_json(const std::string& version) const;

  // First address of the given family ("4"/"6") without the prefix length, "" if none.
  std::string first_address(const std::string& family) const;
};

}  // namespace cni
