#include "cni/conformance/shape.h"

#include <arpa/inet.h>
#include <strings.h>

#include <algorithm>

#include "cni/version.h"
#include "common/strings.h"

namespace cni::conformance {

using minipod::join;
using nlohmann::json;

namespace {

// "4" or "6" for a valid address, "" otherwise.
std::string family(const std::string& ip) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) return "4";
  if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) return "6";
  return "";
}

std::string cidr_family(const std::string& cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos || slash + 1 == cidr.size()) return "";
  std::string bits = cidr.substr(slash + 1);
  if (!std::all_of(bits.begin(), bits.end(), ::isdigit)) return "";
  std::string f = family(cidr.substr(0, slash));
  int n = std::atoi(bits.c_str());
  if (f.empty() || n > (f == "4" ? 32 : 128)) return "";
  return f;
}

bool is_mac(const std::string& m) {
  if (m.size() != 17) return false;
  for (size_t i = 0; i < m.size(); ++i)
    if (i % 3 == 2 ? m[i] != ':' : !std::isxdigit(static_cast<unsigned char>(m[i]))) return false;
  return true;
}

void check_routes(const json& routes, const std::string& where, std::vector<std::string>& p) {
  if (!routes.is_array()) {
    p.push_back(where + " is not an array");
    return;
  }
  for (size_t i = 0; i < routes.size(); ++i) {
    const json& r = routes[i];
    std::string w = where + "[" + std::to_string(i) + "]";
    if (!r.is_object()) {
      p.push_back(w + " is not an object");
      continue;
    }
    if (!r.contains("dst") || !r["dst"].is_string() || cidr_family(r["dst"]).empty())
      p.push_back(w + ".dst " + (r.contains("dst") ? r["dst"].dump() : "missing") +
                  " is not a CIDR");
    if (r.contains("gw") && (!r["gw"].is_string() || family(r["gw"]).empty()))
      p.push_back(w + ".gw " + r["gw"].dump() + " is not an IP address");
  }
}

void check_dns(const json& dns, std::vector<std::string>& p) {
  if (!dns.is_object()) {
    p.push_back("dns is not an object");
    return;
  }
  for (const char* k : {"nameservers", "search", "options"})
    if (dns.contains(k)) {
      if (!dns[k].is_array() ||
          !std::all_of(dns[k].begin(), dns[k].end(), [](const json& s) { return s.is_string(); }))
        p.push_back(std::string("dns.") + k + " is not an array of strings");
    }
  if (dns.contains("domain") && !dns["domain"].is_string())
    p.push_back("dns.domain is not a string");
}

}  // namespace

std::vector<std::string> shape_problems(const json& r, const std::string& version,
                                        const Attachment& a, const std::vector<NsLink>& after) {
  std::vector<std::string> p;
  if (!r.is_object()) return {"the result is not a JSON object"};
  if (!r.contains("cniVersion") || !r["cniVersion"].is_string())
    p.push_back("cniVersion missing");
  else if (r["cniVersion"] != version)
    p.push_back("cniVersion is " + r["cniVersion"].dump() + ", the config asked for \"" + version +
                "\"");
  if (r.contains("dns")) check_dns(r["dns"], p);

  if (!version_at_least(version, "0.3.0")) {
    if (r.contains("ips") || r.contains("interfaces"))
      p.push_back(version + " results carry ip4/ip6, not ips/interfaces");
    if (!r.contains("ip4") && !r.contains("ip6")) p.push_back("neither ip4 nor ip6");
    for (const char* k : {"ip4", "ip6"}) {
      if (!r.contains(k)) continue;
      const json& o = r[k];
      std::string f = k[2] == '4' ? "4" : "6";
      if (!o.is_object()) {
        p.push_back(std::string(k) + " is not an object");
        continue;
      }
      if (!o.contains("ip") || !o["ip"].is_string() || cidr_family(o["ip"]) != f)
        p.push_back(std::string(k) + ".ip " + (o.contains("ip") ? o["ip"].dump() : "missing") +
                    " is not an IPv" + f + " CIDR");
      if (o.contains("gateway") && (!o["gateway"].is_string() || family(o["gateway"]) != f))
        p.push_back(std::string(k) + ".gateway " + o["gateway"].dump() + " is not an IPv" + f +
                    " address");
      if (o.contains("routes")) check_routes(o["routes"], std::string(k) + ".routes", p);
    }
    return p;
  }

  size_t n_ifs = 0;
  if (r.contains("interfaces")) {
    const json& ifs = r["interfaces"];
    if (!ifs.is_array()) {
      p.push_back("interfaces is not an array");
    } else {
      n_ifs = ifs.size();
      for (size_t i = 0; i < ifs.size(); ++i) {
        const json& o = ifs[i];
        std::string w = "interfaces[" + std::to_string(i) + "]";
        if (!o.is_object()) {
          p.push_back(w + " is not an object");
          continue;
        }
        if (!o.contains("name") || !o["name"].is_string() || o["name"].get<std::string>().empty())
          p.push_back(w + ".name missing");
        if (o.contains("mac") && (!o["mac"].is_string() || !is_mac(o["mac"])))
          p.push_back(w + ".mac " + o["mac"].dump() + " is not a MAC address");
        if (o.contains("sandbox") && !o["sandbox"].is_string())
          p.push_back(w + ".sandbox is not a string");
        std::string name = o.value("name", json("")).is_string() ? o.value("name", "") : "";
        std::string sandbox =
            o.value("sandbox", json("")).is_string() ? o.value("sandbox", "") : "";
        if (!sandbox.empty() && sandbox != a.netns_path)
          p.push_back(w + ".sandbox is \"" + sandbox + "\", CNI_NETNS was \"" + a.netns_path +
                      "\"");
        if (sandbox.empty() && name == a.ifname && find_link(after, name))
          p.push_back(w + " (" + name + ") is in the sandbox but has no sandbox path");
      }
    }
  }
  bool v1 = version_at_least(version, "1.0.0");
  if (r.contains("ips")) {
    const json& ips = r["ips"];
    if (!ips.is_array()) {
      p.push_back("ips is not an array");
    } else {
      for (size_t i = 0; i < ips.size(); ++i) {
        const json& o = ips[i];
        std::string w = "ips[" + std::to_string(i) + "]";
        if (!o.is_object()) {
          p.push_back(w + " is not an object");
          continue;
        }
        std::string f;
        if (!o.contains("address") || !o["address"].is_string() ||
            (f = cidr_family(o["address"])).empty())
          p.push_back(w + ".address " + (o.contains("address") ? o["address"].dump() : "missing") +
                      " is not a CIDR");
        if (o.contains("gateway") && (!o["gateway"].is_string() || family(o["gateway"]).empty() ||
                                      (!f.empty() && family(o["gateway"]) != f)))
          p.push_back(w + ".gateway " + o["gateway"].dump() + " is not an IPv" + f + " address");
        if (o.contains("interface")) {
          if (!o["interface"].is_number_integer() || o["interface"].get<long>() < 0 ||
              o["interface"].get<long>() >= static_cast<long>(n_ifs))
            p.push_back(w + ".interface " + o["interface"].dump() + " is not an index into the " +
                        std::to_string(n_ifs) + " interfaces");
        }
        if (!v1) {
          if (!o.contains("version"))
            p.push_back(w + ".version missing (required in " + version + ")");
          else if (!f.empty() && o["version"] != f)
            p.push_back(w + ".version is " + o["version"].dump() + " for an IPv" + f + " address");
        } else if (o.contains("version")) {
          p.push_back(w + ".version is not part of " + version + " results");
        }
      }
    }
  }
  if (r.contains("routes")) check_routes(r["routes"], "routes", p);
  return p;
}

std::vector<std::string> reality_problems(const json& r, const std::string& version,
                                          const Attachment& a, const std::vector<NsLink>& before,
                                          const std::vector<NsLink>& after) {
  std::vector<std::string> p;
  if (!r.is_object()) return p;
  if (!version_at_least(version, "0.3.0")) {
    // 0.1.0/0.2.0 name no interface: the addresses belong on CNI_IFNAME when ADD created it.
    const NsLink* l = find_link(after, a.ifname);
    if (l == nullptr || find_link(before, a.ifname)) return p;
    for (const char* k : {"ip4", "ip6"})
      if (r.contains(k) && r[k].is_object() && r[k].value("ip", json("")).is_string()) {
        std::string ip = r[k].value("ip", "");
        if (std::find(l->addresses.begin(), l->addresses.end(), ip) == l->addresses.end())
          p.push_back(std::string(k) + ".ip " + ip + " is not on " + a.ifname + " in the sandbox");
      }
    return p;
  }
  std::vector<std::string> names, sandboxes;
  if (r.contains("interfaces") && r["interfaces"].is_array())
    for (const auto& o : r["interfaces"]) {
      std::string name =
          o.is_object() && o.value("name", json("")).is_string() ? o.value("name", "") : "";
      std::string sandbox =
          o.is_object() && o.value("sandbox", json("")).is_string() ? o.value("sandbox", "") : "";
      names.push_back(name);
      sandboxes.push_back(sandbox);
      if (sandbox.empty() || sandbox != a.netns_path) continue;
      const NsLink* l = find_link(after, name);
      if (l == nullptr) {
        p.push_back("interface " + name + " is not in the sandbox");
        continue;
      }
      std::string mac = o.value("mac", json("")).is_string() ? o.value("mac", "") : "";
      if (!mac.empty() && strcasecmp(mac.c_str(), l->mac.c_str()) != 0)
        p.push_back("interface " + name + " has MAC " + l->mac + ", the result says " + mac);
    }
  if (r.contains("ips") && r["ips"].is_array())
    for (const auto& o : r["ips"]) {
      if (!o.is_object() || !o.value("address", json("")).is_string()) continue;
      if (!o.contains("interface") || !o["interface"].is_number_integer()) continue;
      long idx = o["interface"];
      if (idx < 0 || idx >= static_cast<long>(names.size())) continue;
      if (sandboxes[idx] != a.netns_path) continue;
      const NsLink* l = find_link(after, names[idx]);
      if (l == nullptr) continue;
      std::string addr = o.value("address", "");
      if (std::find(l->addresses.begin(), l->addresses.end(), addr) == l->addresses.end())
        p.push_back("address " + addr + " is not on " + names[idx] + " (it has " +
                    (l->addresses.empty() ? std::string("none") : join(l->addresses, " ")) + ")");
    }
  return p;
}

std::string describe_sandbox(const std::vector<NsLink>& links) {
  std::vector<std::string> shown;  // "eth0 10.1.0.2/24 fe80::1/64"
  for (const auto& l : links) {
    if (l.name == "lo" && l.addresses.size() <= 1) continue;
    std::string s = l.name;
    for (const auto& a : l.addresses) s += " " + a;
    shown.push_back(std::move(s));
  }
  return shown.empty() ? "the sandbox holds only lo" : "sandbox: " + join(shown, ", ");
}

bool prev_result_kept(const json& prev, const json& result, std::string* evidence) {
  auto names = [](const json& r) {
    std::vector<std::string> out;
    if (r.is_object() && r.contains("interfaces") && r["interfaces"].is_array())
      for (const auto& i : r["interfaces"])
        if (i.is_object() && i.value("name", json("")).is_string())
          out.push_back(i.value("name", ""));
    return out;
  };
  auto addrs = [](const json& r) {
    std::vector<std::string> out;
    if (r.is_object() && r.contains("ips") && r["ips"].is_array())
      for (const auto& i : r["ips"])
        if (i.is_object() && i.value("address", json("")).is_string())
          out.push_back(i.value("address", ""));
    return out;
  };
  auto pn = names(prev), pa = addrs(prev), rn = names(result), ra = addrs(result);
  std::vector<std::string> kept, dropped;
  for (const auto& n : pn)
    (std::find(rn.begin(), rn.end(), n) != rn.end() ? kept : dropped).push_back("interface " + n);
  for (const auto& a : pa)
    (std::find(ra.begin(), ra.end(), a) != ra.end() ? kept : dropped).push_back("address " + a);
  auto list = [](const std::vector<std::string>& v) { return join(v, ", "); };
  if (pn.empty() && pa.empty()) {
    *evidence = "prevResult had no interfaces or addresses to pass on";
    return true;
  }
  if (kept.empty()) {
    *evidence = "the result drops everything prevResult held (" + list(dropped) +
                "): the plugin ignores prevResult";
    return false;
  }
  *evidence = "kept " + list(kept) + (dropped.empty() ? "" : "; dropped " + list(dropped));
  return true;
}

}  // namespace cni::conformance
