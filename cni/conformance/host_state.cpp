#include "cni/conformance/host_state.h"

#include <arpa/inet.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cni/conformance/sandbox.h"

namespace cni::conformance {

using nlohmann::json;

namespace {

const char* kTools[] = {"iptables", "ip6tables"};

std::string read_trim(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::string s;
  std::getline(f, s);
  return s;
}

void read_iptables(HostSnapshot& s) {
  for (const char* tool : kTools) {
    Shell r = sh(std::string(tool) + "-save 2>/dev/null");
    std::istringstream in(r.out);
    std::string table;
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("*")) {
        table = line.substr(1);
      } else if (line.starts_with(":")) {
        s.chains.insert(std::string(tool) + " " + table + " " + line.substr(1, line.find(' ') - 1));
      } else if (line.starts_with("-A ")) {
        s.rules.insert(std::string(tool) + " " + table + " " + line);
      }
    }
  }
}

void read_routes(HostSnapshot& s) {
  for (const char* family : {"-4", "-6"}) {
    Shell r = sh(std::string("ip ") + family + " -j route show table all 2>/dev/null");
    json j = json::parse(r.out, nullptr, false);
    if (!j.is_array()) continue;
    for (const auto& rt : j) {
      std::string table = rt.value("table", "main");
      std::string dst = rt.value("dst", "");
      // The kernel's own routes (local/broadcast addresses, IPv6 link-local, multicast) come and
      // go with addresses and links; they are not something a plugin leaves behind.
      if (table == "local" || dst.starts_with("fe80:") || dst.starts_with("ff00:") ||
          rt.value("type", "") == "multicast")
        continue;
      std::string args = std::string(family) + " route del " + dst;
      if (rt.contains("gateway")) args += " via " + rt["gateway"].get<std::string>();
      if (rt.contains("dev")) args += " dev " + rt["dev"].get<std::string>();
      args += " table " + table;
      s.routes[args] = args;
    }
  }
}

void read_sysctls(HostSnapshot& s, const std::vector<std::string>& links) {
  std::vector<std::string> paths{"/proc/sys/net/ipv4/ip_forward",
                                 "/proc/sys/net/ipv6/conf/all/forwarding",
                                 "/proc/sys/net/ipv4/conf/all/route_localnet",
                                 "/proc/sys/net/ipv4/conf/default/route_localnet",
                                 "/proc/sys/net/bridge/bridge-nf-call-iptables"};
  for (const auto& l : links) paths.push_back("/proc/sys/net/ipv4/conf/" + l + "/route_localnet");
  for (const auto& p : paths)
    if (std::filesystem::exists(p)) s.sysctls[p] = read_trim(p);
}

std::string strip_prefix(const std::string& cidr) {
  return cidr.substr(0, cidr.find('/'));
}

// Whether `ip` lies in `cidr` (IPv4 and IPv6).
bool in_subnet(const std::string& ip, const std::string& cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos) return false;
  int bits = std::atoi(cidr.c_str() + slash + 1);
  unsigned char a[16], b[16];
  int af = ip.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (inet_pton(af, ip.c_str(), a) != 1 || inet_pton(af, cidr.substr(0, slash).c_str(), b) != 1)
    return false;
  for (int i = 0; i < bits; ++i) {
    int byte = i / 8, bit = 7 - i % 8;
    if (((a[byte] >> bit) & 1) != ((b[byte] >> bit) & 1)) return false;
  }
  return true;
}

// A text (rule, route) names the address as a whole token: "10.233.1.2/32", "-d 10.233.1.2 ".
bool mentions_ip(const std::string& text, const std::string& ip) {
  for (size_t pos = text.find(ip); pos != std::string::npos; pos = text.find(ip, pos + 1)) {
    bool left = pos == 0 || std::string(" =,\"").find(text[pos - 1]) != std::string::npos;
    size_t end = pos + ip.size();
    bool right = end == text.size() || std::string(" /,:\"").find(text[end]) != std::string::npos;
    if (text[end - 1] != '.' && left && right && (end == text.size() || text[end] != '.'))
      return true;
  }
  return false;
}

bool mentions_word(const std::string& text, const std::string& word) {
  if (word.empty()) return false;
  for (size_t pos = text.find(word); pos != std::string::npos; pos = text.find(word, pos + 1)) {
    auto is_name = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    };
    bool left = pos == 0 || !is_name(text[pos - 1]);
    size_t end = pos + word.size();
    bool right = end == text.size() || !is_name(text[end]);
    if (left && right) return true;
  }
  return false;
}

// Addresses (v4 dotted quads) a text mentions that are not the run's: a sign that someone else
// uses the rule or chain.
bool mentions_foreign_ip(const std::string& text, const Attribution& attr) {
  std::istringstream in(text);
  for (std::string tok; in >> tok;) {
    std::string ip = tok.substr(0, tok.find('/'));
    unsigned char buf[4];
    if (inet_pton(AF_INET, ip.c_str(), buf) != 1) continue;
    if (ip == "0.0.0.0" || ip.starts_with("127.")) continue;
    if (attr.addresses.count(ip)) continue;
    bool ours = false;
    for (const auto& s : attr.subnets) ours = ours || in_subnet(ip, s);
    if (!ours) return true;
  }
  return false;
}

enum class Owner { kAttachment, kShared, kForeign };

Owner classify_text(const std::string& text, const Attribution& attr, bool cni_named_is_shared) {
  for (const auto& ip : attr.addresses)
    if (mentions_ip(text, ip)) return Owner::kAttachment;
  for (const auto& id : attr.container_ids)
    if (text.find(id) != std::string::npos) return Owner::kAttachment;
  for (const auto& [link, n] : attr.host_links)
    if (mentions_word(text, link)) return n == 1 ? Owner::kAttachment : Owner::kShared;
  for (const auto& s : attr.subnets)
    if (text.find(s) != std::string::npos) return Owner::kShared;
  if (cni_named_is_shared && text.find("CNI") != std::string::npos &&
      !mentions_foreign_ip(text, attr))
    return Owner::kShared;
  return Owner::kForeign;
}

}  // namespace

HostSnapshot snapshot_host() {
  HostSnapshot s;
  Shell r = sh("ip -j link show 2>/dev/null");
  json j = json::parse(r.out, nullptr, false);
  std::vector<std::string> names;
  if (j.is_array())
    for (const auto& l : j) {
      std::string n = l.value("ifname", "");
      s.links[n] = l.value("master", "");
      names.push_back(n);
    }
  r = sh("ip -j addr show 2>/dev/null");
  j = json::parse(r.out, nullptr, false);
  if (j.is_array())
    for (const auto& l : j)
      if (auto ai = l.find("addr_info"); ai != l.end() && ai->is_array())
        for (const auto& a : *ai) {
          if (a.value("scope", "") == "link") continue;
          s.addresses.insert(l.value("ifname", "") + " " + a.value("local", "") + "/" +
                             std::to_string(a.value("prefixlen", 0)));
        }
  read_routes(s);
  read_iptables(s);
  read_sysctls(s, names);
  return s;
}

std::set<std::string> appeared(const HostSnapshot& before, const HostSnapshot& after) {
  std::set<std::string> out;
  for (const auto& [name, master] : after.links)
    if (!before.links.count(name)) out.insert("link " + name);
  for (const auto& a : after.addresses)
    if (!before.addresses.count(a)) out.insert("address " + a);
  for (const auto& [key, args] : after.routes)
    if (!before.routes.count(key)) out.insert("route " + key);
  for (const auto& r : after.rules)
    if (!before.rules.count(r)) out.insert("rule " + r);
  for (const auto& c : after.chains)
    if (!before.chains.count(c)) out.insert("chain " + c);
  return out;
}

HostDiff diff_and_restore(const HostSnapshot& before, const Attribution& attr) {
  HostDiff d;
  HostSnapshot now = snapshot_host();
  auto note = [&](Owner o, const std::string& what) {
    (o == Owner::kAttachment ? d.attachment
     : o == Owner::kShared   ? d.shared
                             : d.foreign)
        .push_back(what);
  };
  // A difference nothing else ties to the run, left by one attachment (Attribution::left_by),
  // is that attachment's: named with it, and undone like the others.
  auto left = [&](Owner o, const std::string& key,
                  std::string what) -> std::pair<Owner, std::string> {
    auto it = attr.left_by.find(key);
    if (o != Owner::kForeign || it == attr.left_by.end()) return {o, what};
    return {Owner::kAttachment, what + " (left by attachment " + it->second +
                                    ": appeared between its ADD and DEL, named in no result)"};
  };
  auto run = [&](const std::string& cmd) {
    Shell r = sh(cmd + " 2>&1");
    if (r.code == 0)
      d.actions.push_back(cmd);
    else
      d.failures.push_back(cmd + ": " + r.out);
    return r.code == 0;
  };

  // iptables: new rules first (they may jump to new chains), then the chains.
  std::set<std::string> chains_to_remove;
  std::vector<std::string> rules_to_remove;
  for (const auto& c : now.chains) {
    if (before.chains.count(c)) continue;
    std::string chain = c.substr(c.rfind(' ') + 1);
    // A built-in chain appears in a table nf_tables had not made yet (the private host namespace
    // starts empty): it is no one's; its new rules are judged one by one below.
    if (chain == "INPUT" || chain == "OUTPUT" || chain == "FORWARD" || chain == "PREROUTING" ||
        chain == "POSTROUTING")
      continue;
    std::string prefix = c.substr(0, c.rfind(' ')) + " -A " + chain + " ";
    // A chain belongs to whoever its rules and the jumps to it belong to.
    Owner owner = Owner::kForeign;
    bool foreign_use = false;
    for (const auto& rule : now.rules) {
      bool inside = rule.starts_with(prefix);
      bool jump = mentions_word(rule, chain) && rule.find(" -j " + chain) != std::string::npos;
      if (!inside && !jump) continue;
      Owner o = classify_text(rule, attr, false);
      if (o == Owner::kAttachment) owner = Owner::kAttachment;
      if (o == Owner::kShared && owner == Owner::kForeign) owner = Owner::kShared;
      if (inside && mentions_foreign_ip(rule, attr)) foreign_use = true;
    }
    if (owner == Owner::kForeign && chain.find("CNI") != std::string::npos && !foreign_use)
      owner = Owner::kShared;
    if (foreign_use && owner != Owner::kAttachment) owner = Owner::kForeign;
    auto [o, what] =
        left(owner, "chain " + c,
             "iptables chain " + c.substr(0, c.rfind(' ')) + " " + chain + " was created");
    owner = o;
    note(owner, what);
    if (owner != Owner::kForeign) chains_to_remove.insert(c);
  }
  for (const auto& rule : now.rules) {
    if (before.rules.count(rule)) continue;
    Owner o = classify_text(rule, attr, true);
    bool in_removed_chain = false;
    for (const auto& c : chains_to_remove) {
      std::string chain = c.substr(c.rfind(' ') + 1);
      if (rule.starts_with(c.substr(0, c.rfind(' ')) + " -A " + chain + " ") ||
          rule.find(" -j " + chain) != std::string::npos)
        in_removed_chain = true;
    }
    if (o == Owner::kForeign && in_removed_chain) o = Owner::kShared;
    // Rules inside a chain that goes anyway are reported through the chain.
    bool inside_removed = false;
    for (const auto& c : chains_to_remove)
      if (rule.starts_with(c.substr(0, c.rfind(' ')) + " -A " + c.substr(c.rfind(' ') + 1) + " "))
        inside_removed = true;
    auto [owner, what] = left(o, "rule " + rule, "iptables rule left: " + rule);
    o = owner;
    if (!inside_removed || o == Owner::kAttachment) note(o, what);
    if (o != Owner::kForeign && !inside_removed) rules_to_remove.push_back(rule);
  }
  for (const auto& rule : rules_to_remove) {
    // "iptables nat -A CHAIN args" -> "iptables -w -t nat -D CHAIN args"
    std::istringstream in(rule);
    std::string tool, table;
    in >> tool >> table;
    std::string rest = rule.substr(tool.size() + table.size() + 2);
    run(tool + " -w -t " + table + " -D" + rest.substr(2));
  }
  for (const auto& c : chains_to_remove) {
    std::istringstream in(c);
    std::string tool, table, chain;
    in >> tool >> table >> chain;
    sh(tool + " -w -t " + table + " -F " + chain);
  }
  for (const auto& c : chains_to_remove) {
    std::istringstream in(c);
    std::string tool, table, chain;
    in >> tool >> table >> chain;
    // nf_tables may still hold a reference from a rule deleted a moment ago (EBUSY): retry.
    bool ok = false;
    for (int attempt = 0; attempt < 20 && !ok; ++attempt) {
      ok = sh(tool + " -w -t " + table + " -X " + chain + " 2>/dev/null").code == 0;
      if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    (ok ? d.actions : d.failures).push_back(tool + " -t " + table + " -X " + chain);
  }

  for (const auto& [path, value] : before.sysctls) {
    auto it = now.sysctls.find(path);
    if (it == now.sysctls.end() || it->second == value) continue;
    std::string name = path.substr(std::string("/proc/sys/").size());
    std::replace(name.begin(), name.end(), '/', '.');
    note(Owner::kShared, "sysctl " + name + " changed from " + value + " to " + it->second);
    std::ofstream f(path);
    f << value;
    f.close();
    (f ? d.actions : d.failures).push_back("sysctl " + name + "=" + value);
  }

  std::vector<std::string> links_to_remove;
  for (const auto& [name, master] : now.links) {
    if (before.links.count(name)) continue;
    auto it = attr.host_links.find(name);
    Owner o = Owner::kForeign;
    if (it != attr.host_links.end())
      o = it->second == 1 ? Owner::kAttachment : Owner::kShared;
    else if (!master.empty() && (attr.suite_links.count(master) || attr.host_links.count(master)))
      o = Owner::kAttachment;  // a port of the run's bridge: one attachment's host end
    if (attr.suite_links.count(name)) continue;
    auto [owner, what] =
        left(o, "link " + name,
             "link " + name + " was created" + (master.empty() ? "" : " (master " + master + ")"));
    o = owner;
    note(o, what);
    if (o != Owner::kForeign) links_to_remove.push_back(name);
  }
  for (const auto& [name, master] : before.links)
    // A suite link the suite's own namespace deletion took with it (host-device's device) is
    // the suite's doing; only one the plugin removed is a finding.
    if (!now.links.count(name) && attr.suite_links.count(name) && !attr.suite_destroyed.count(name))
      note(Owner::kAttachment, "link " + name + " (created by the suite) is gone");

  for (const auto& a : now.addresses) {
    if (before.addresses.count(a)) continue;
    std::string dev = a.substr(0, a.find(' ')), cidr = a.substr(a.find(' ') + 1);
    std::string ip = strip_prefix(cidr);
    Owner o = Owner::kForeign;
    if (attr.addresses.count(ip))
      o = Owner::kAttachment;
    else if (attr.host_links.count(dev) || attr.suite_links.count(dev))
      o = Owner::kShared;
    else
      for (const auto& s : attr.subnets)
        if (in_subnet(ip, s)) o = Owner::kShared;
    auto [owner, what] = left(o, "address " + a, "address " + cidr + " on " + dev + " was added");
    o = owner;
    note(o, what);
    bool link_goes =
        std::find(links_to_remove.begin(), links_to_remove.end(), dev) != links_to_remove.end();
    if (o != Owner::kForeign && !link_goes) run("ip addr del " + cidr + " dev " + dev);
  }
  for (const auto& [key, args] : now.routes) {
    if (before.routes.count(key)) continue;
    Owner o = Owner::kForeign;
    for (const auto& ip : attr.addresses)
      if (mentions_ip(args, ip)) o = Owner::kAttachment;
    if (o == Owner::kForeign) {
      for (const auto& [link, n] : attr.host_links)
        if (mentions_word(args, link)) o = n == 1 ? Owner::kAttachment : Owner::kShared;
      for (const auto& s : attr.subnets)
        if (o == Owner::kForeign && args.find(" " + s + " ") != std::string::npos)
          o = Owner::kShared;
    }
    std::string shown = args.substr(3);  // "-4 route del X" -> "route del X"
    auto [owner, what] =
        left(o, "route " + key, "route " + shown.substr(shown.find("del ") + 4) + " was added");
    o = owner;
    note(o, what);
    std::string dev;
    if (size_t p = args.find(" dev "); p != std::string::npos)
      dev = args.substr(p + 5, args.find(' ', p + 5) - p - 5);
    bool link_goes =
        std::find(links_to_remove.begin(), links_to_remove.end(), dev) != links_to_remove.end();
    if (o != Owner::kForeign && !link_goes) run("ip " + args);
  }
  for (const auto& l : links_to_remove)
    // The peer of a veth pair deleted a moment ago went with it.
    if (sh("ip link show dev " + l + " >/dev/null 2>&1").code == 0) run("ip link del " + l);
  return d;
}

}  // namespace cni::conformance
