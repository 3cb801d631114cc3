#include "cni/result.h"

#include "cni/version.h"
#include "common/error.h"

namespace cni {
namespace {

using nlohmann::json;

[[noreturn]] void bad_field(const std::string& field, const char* expected) {
  throw minipod::Error("parse CNI result", "field \"" + field + "\": expected " + expected);
}

std::string get_string(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (!it->is_string()) bad_field(where + key, "a string");
  return it->get<std::string>();
}

std::optional<int> get_int(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) bad_field(where + key, "an integer");
  return it->get<int>();
}

const json* get_array(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  if (!it->is_array()) bad_field(key, "an array");
  return &*it;
}

std::vector<std::string> get_strings(const json& obj, const char* key, const std::string& where) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) bad_field(where + key, "an array of strings");
  for (const auto& s : *it) {
    if (!s.is_string()) bad_field(where + key, "an array of strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

void require_object(const json& j, const std::string& field) {
  if (!j.is_object()) bad_field(field, "an object");
}

Route parse_route(const json& r, const std::string& where) {
  require_object(r, where);
  Route route;
  route.dst = get_string(r, "dst", where + ".");
  route.gw = get_string(r, "gw", where + ".");
  for (const char* k : {"mtu", "advmss", "priority", "table", "scope"}) {
    auto it = r.find(k);
    if (it != r.end() && !it->is_null()) route.extra[k] = *it;
  }
  return route;
}

json route_json(const Route& r, bool with_extra) {
  json j = json::object();
  j["dst"] = r.dst;
  if (!r.gw.empty()) j["gw"] = r.gw;
  if (with_extra)
    for (auto it = r.extra.begin(); it != r.extra.end(); ++it) j[it.key()] = it.value();
  return j;
}

json dns_json(const DNS& d) {
  json j = json::object();
  if (!d.nameservers.empty()) j["nameservers"] = d.nameservers;
  if (!d.domain.empty()) j["domain"] = d.domain;
  if (!d.search.empty()) j["search"] = d.search;
  if (!d.options.empty()) j["options"] = d.options;
  return j;
}

std::string strip_prefix(const std::string& cidr) {
  return cidr.substr(0, cidr.find('/'));
}

bool is_v4(const std::string& addr) {
  return addr.find(':') == std::string::npos;
}

}  // namespace

std::string IPConfig::family() const {
  if (version == "4" || version == "6") return version;
  return is_v4(address) ? "4" : "6";
}

Result Result::parse(const json& j) {
  if (!j.is_object()) throw minipod::Error("parse CNI result", "expected a JSON object");
  Result r;
  r.cni_version = get_string(j, "cniVersion", "");
  if (r.cni_version.empty()) r.cni_version = "0.1.0";

  if (auto it = j.find("dns"); it != j.end() && !it->is_null()) {
    require_object(*it, "dns");
    r.dns.nameservers = get_strings(*it, "nameservers", "dns.");
    r.dns.domain = get_string(*it, "domain", "dns.");
    r.dns.search = get_strings(*it, "search", "dns.");
    r.dns.options = get_strings(*it, "options", "dns.");
  }

  int v[3];
  bool legacy = parse_version(r.cni_version, v) && v[0] == 0 && v[1] < 3;
  if (legacy) {
    // 0.1.0/0.2.0: {"ip4": {"ip", "gateway", "routes"}, "ip6": {...}}; routes belong to a family.
    for (const char* key : {"ip4", "ip6"}) {
      auto it = j.find(key);
      if (it == j.end() || it->is_null()) continue;
      std::string where = std::string(key) + ".";
      require_object(*it, key);
      IPConfig ip;
      ip.address = get_string(*it, "ip", where);
      ip.gateway = get_string(*it, "gateway", where);
      ip.version = key[2] == '4' ? "4" : "6";
      r.ips.push_back(ip);
      if (auto routes = it->find("routes"); routes != it->end() && !routes->is_null()) {
        if (!routes->is_array()) bad_field(where + "routes", "an array");
        for (size_t i = 0; i < routes->size(); ++i)
          r.routes.push_back(
              parse_route((*routes)[i], where + "routes[" + std::to_string(i) + "]"));
      }
    }
    return r;
  }

  if (const json* ifs = get_array(j, "interfaces")) {
    for (size_t i = 0; i < ifs->size(); ++i) {
      std::string where = "interfaces[" + std::to_string(i) + "].";
      const json& o = (*ifs)[i];
      require_object(o, where.substr(0, where.size() - 1));
      Interface intf;
      intf.name = get_string(o, "name", where);
      intf.mac = get_string(o, "mac", where);
      intf.sandbox = get_string(o, "sandbox", where);
      intf.mtu = get_int(o, "mtu", where);
      intf.socket_path = get_string(o, "socketPath", where);
      intf.pci_id = get_string(o, "pciID", where);
      r.interfaces.push_back(std::move(intf));
    }
  }
  if (const json* ips = get_array(j, "ips")) {
    for (size_t i = 0; i < ips->size(); ++i) {
      std::string where = "ips[" + std::to_string(i) + "].";
      const json& o = (*ips)[i];
      require_object(o, where.substr(0, where.size() - 1));
      IPConfig ip;
      ip.address = get_string(o, "address", where);
      ip.gateway = get_string(o, "gateway", where);
      ip.interface = get_int(o, "interface", where);
      ip.version = get_string(o, "version", where);
      r.ips.push_back(std::move(ip));
    }
  }
  if (const json* routes = get_array(j, "routes"))
    for (size_t i = 0; i < routes->size(); ++i)
      r.routes.push_back(parse_route((*routes)[i], "routes[" + std::to_string(i) + "]"));
  return r;
}

json Result::to_json(const std::string& version) const {
  if (!is_supported_version(version))
    throw minipod::Error("convert CNI result",
                         "no conversion from " + cni_version + " to version \"" + version + "\"");
  json j = json::object();
  j["cniVersion"] = version;
  int v[3];
  parse_version(version, v);

  if (v[0] == 0 && v[1] < 3) {
    // libcni's 0.4.0 -> 0.2.0: the first address of each family, routes by destination family.
    // libcni picks the family from "version"; family() also covers results that left it out
    // (Debian's loopback does at 0.4.0), which libcni would drop.
    json ip4, ip6;
    for (const auto& ip : ips) {
      json& slot = ip.family() == "4" ? ip4 : ip6;
      if (!slot.is_null()) continue;
      slot = json::object();
      slot["ip"] = ip.address;
      if (!ip.gateway.empty()) slot["gateway"] = ip.gateway;
    }
    if (ip4.is_null() && ip6.is_null())
      throw minipod::Error("convert CNI result to " + version, "no IP addresses to convert");
    for (const auto& r : routes) {
      json& slot = is_v4(r.dst) ? ip4 : ip6;
      if (!slot.is_null()) slot["routes"].push_back(route_json(r, false));
    }
    if (!ip4.is_null()) j["ip4"] = ip4;
    if (!ip6.is_null()) j["ip6"] = ip6;
    j["dns"] = dns_json(dns);
    return j;
  }

  bool v1 = v[0] >= 1;
  if (!interfaces.empty()) {
    json arr = json::array();
    for (const auto& i : interfaces) {
      json o = json::object();
      o["name"] = i.name;
      if (!i.mac.empty()) o["mac"] = i.mac;
      if (v1 && i.mtu && *i.mtu != 0) o["mtu"] = *i.mtu;
      if (!i.sandbox.empty()) o["sandbox"] = i.sandbox;
      if (v1 && !i.socket_path.empty()) o["socketPath"] = i.socket_path;
      if (v1 && !i.pci_id.empty()) o["pciID"] = i.pci_id;
      arr.push_back(std::move(o));
    }
    j["interfaces"] = std::move(arr);
  }
  if (!ips.empty()) {
    json arr = json::array();
    for (const auto& ip : ips) {
      json o = json::object();
      if (!v1) o["version"] = ip.family();
      if (ip.interface) o["interface"] = *ip.interface;
      o["address"] = ip.address;
      if (!ip.gateway.empty()) o["gateway"] = ip.gateway;
      arr.push_back(std::move(o));
    }
    j["ips"] = std::move(arr);
  }
  if (!routes.empty()) {
    json arr = json::array();
    for (const auto& r : routes) arr.push_back(route_json(r, true));
    j["routes"] = std::move(arr);
  }
  // Go's 0.4.0 type always writes "dns" (a struct); 1.x drops it when empty.
  if (!v1 || !dns.empty()) j["dns"] = dns_json(dns);
  return j;
}

std::string Result::first_address(const std::string& family) const {
  for (const auto& ip : ips)
    if (ip.family() == family) return strip_prefix(ip.address);
  return {};
}

}  // namespace cni
