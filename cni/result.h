// CNI results of every spec version, parsed tolerantly and converted the way libcni does.
// One in-memory shape holds them all; to_json() writes the shape of the version asked for.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cni {

struct Interface {
  std::string name, mac, sandbox;
  std::optional<int> mtu;           // 1.1.0
  std::string socket_path, pci_id;  // 1.1.0 ("socketPath", "pciID")
};

struct IPConfig {
  std::string address;           // CIDR, "10.87.0.2/16"
  std::string gateway;           // may be empty
  std::optional<int> interface;  // index into interfaces
  std::string version;           // "version" as the source had it (0.3.x/0.4.0 only), may be empty
  // "4" or "6": the address family, derived from `address` when the source had no "version".
  std::string family() const;
};

struct Route {
  std::string dst, gw;
  nlohmann::json extra = nlohmann::json::object();  // mtu, advmss, priority, table, scope
};

struct DNS {
  std::vector<std::string> nameservers, search, options;
  std::string domain;
  bool empty() const {
    return nameservers.empty() && search.empty() && options.empty() && domain.empty();
  }
};

struct Result {
  std::string cni_version;
  std::vector<Interface> interfaces;
  std::vector<IPConfig> ips;
  std::vector<Route> routes;
  DNS dns;

  // Any version's JSON (0.1.0/0.2.0 ip4/ip6 form included). Tolerant: missing interfaces or
  // gateway, "dns": {}, extra fields. A missing cniVersion means 0.1.0 (libcni). Throws
  // minipod::Error naming the field when a known field has the wrong type.
  static Result parse(const nlohmann::json& j);
  // The JSON of this result in `version` (libcni's conversion rules; 0.1.0/0.2.0 keep the first
  // address of each family and need at least one). Throws minipod::Error for a version minipod
  // does not know.
  nlohmann::json to_json(const std::string& version) const;

  // First address of the given family ("4"/"6") without the prefix length, "" if none.
  std::string first_address(const std::string& family) const;
};

}  // namespace cni
