#include "cni/conformance/harness.h"

#include <arpa/inet.h>

#include <algorithm>

#include "cni/client.h"
#include "cni/result.h"
#include "cni/version.h"
#include "common/error.h"
#include "common/strings.h"

namespace cni::conformance {

using nlohmann::json;

namespace {

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Interfaces of a result as (name, sandbox), tolerating any shape.
std::vector<std::pair<std::string, std::string>> interfaces_of(const json& r) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!r.is_object() || !r.contains("interfaces") || !r["interfaces"].is_array()) return out;
  for (const auto& i : r["interfaces"])
    if (i.is_object() && i.contains("name") && i["name"].is_string())
      out.emplace_back(i["name"].get<std::string>(), i.value("sandbox", json("")).is_string()
                                                         ? i.value("sandbox", std::string())
                                                         : std::string());
  return out;
}

std::vector<std::string> ips_of(const json& r) {
  std::vector<std::string> out;
  if (!r.is_object()) return out;
  if (r.contains("ips") && r["ips"].is_array())
    for (const auto& ip : r["ips"])
      if (ip.is_object() && ip.contains("address") && ip["address"].is_string())
        out.push_back(ip["address"].get<std::string>());
  for (const char* k : {"ip4", "ip6"})
    if (r.contains(k) && r[k].is_object() && r[k].contains("ip") && r[k]["ip"].is_string())
      out.push_back(r[k]["ip"].get<std::string>());
  return out;
}

std::optional<uint32_t> parse_v4(const std::string& s) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::string format_v4(uint32_t v) {
  in_addr a{};
  a.s_addr = htonl(v);
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

// host-local's range object, shrunk to `n` addresses from its start.
bool shrink_range(json& range, int n) {
  if (!range.is_object() || !range.contains("subnet") || !range["subnet"].is_string()) return false;
  std::string subnet = range["subnet"];
  size_t slash = subnet.find('/');
  if (slash == std::string::npos) return false;
  auto base = parse_v4(subnet.substr(0, slash));
  int bits = std::atoi(subnet.c_str() + slash + 1);
  if (!base || bits > 29 || bits < 8) return false;
  uint32_t start = (*base & ~((1u << (32 - bits)) - 1)) + 2;  // .1 is the usual gateway
  if (range.contains("rangeStart") && range["rangeStart"].is_string())
    if (auto s = parse_v4(range["rangeStart"])) start = *s;
  range["rangeStart"] = format_v4(start);
  range["rangeEnd"] = format_v4(start + static_cast<uint32_t>(n) - 1);
  return true;
}

json* mutable_pool(json& plugin) {
  if (plugin.contains("ipam") && plugin["ipam"].is_object()) return &plugin["ipam"];
  if (plugin.contains("ranges") || plugin.contains("subnet")) return &plugin;
  return nullptr;
}

bool shrink_pool(json& plugin, int n) {
  json* pool = mutable_pool(plugin);
  if (pool == nullptr) return false;
  if (pool->contains("ranges") && (*pool)["ranges"].is_array()) {
    for (auto& set : (*pool)["ranges"]) {
      if (!set.is_array() || set.empty()) continue;
      json range = set[0];
      if (!shrink_range(range, n)) continue;
      (*pool)["ranges"] = json::array({json::array({range})});
      return true;
    }
    return false;
  }
  return shrink_range(*pool, n);
}

}  // namespace

std::string Subject::cni_path() const {
  return minipod::join(plugin_dirs, ":");
}

const json* address_pool(const json& plugin) {
  if (plugin.contains("ipam") && plugin["ipam"].is_object()) return &plugin["ipam"];
  if (plugin.contains("ranges") || plugin.contains("subnet")) return &plugin;
  return nullptr;
}

bool can_shrink_pool(const json& plugin, std::string* why) {
  const json* pool = address_pool(plugin);
  if (pool == nullptr) {
    if (why) *why = "the plugin under test allocates no addresses (no \"ipam\")";
    return false;
  }
  json copy = plugin;
  if (!shrink_pool(copy, 1)) {
    if (why)
      *why = "cannot shrink the address pool of ipam type \"" + pool->value("type", "") +
             "\" (only host-local's IPv4 \"ranges\"/\"subnet\")";
    return false;
  }
  return true;
}

json convert_result(const json& result, const std::string& version) {
  try {
    json j = result;
    if (!j.contains("cniVersion")) j["cniVersion"] = version;
    return Result::parse(j).to_json(version);
  } catch (const std::exception&) {
    return result;
  }
}

std::string AddOutcome::describe() const {
  if (!prefix_ok) return "the plugins before it in the list failed: " + prefix_error;
  if (!call) return "not called";
  if (call->ok() && !result.is_object())
    return "exit 0 but no JSON result on stdout: \"" + one_line(call->out, 120) + "\"";
  return call->summary();
}

std::vector<std::string> AddOutcome::owned_interfaces() const {
  std::vector<std::string> out;
  auto prev_ifs = interfaces_of(prev);
  for (const auto& [name, sandbox] : interfaces_of(result)) {
    if (sandbox.empty() || find_link(before, name)) continue;
    bool in_prev = std::any_of(prev_ifs.begin(), prev_ifs.end(),
                               [&](const auto& p) { return p.first == name; });
    if (!in_prev && !has(out, name)) out.push_back(name);
  }
  return out;
}

std::vector<std::string> AddOutcome::owned_addresses() const {
  std::vector<std::string> out;
  auto owned = owned_interfaces();
  if (!result.is_object() || !result.contains("ips") || !result["ips"].is_array()) return out;
  auto ifs = interfaces_of(result);
  auto prev_ips = ips_of(prev);
  for (const auto& ip : result["ips"]) {
    if (!ip.is_object() || !ip.contains("interface") || !ip["interface"].is_number_integer())
      continue;
    int idx = ip["interface"];
    if (idx < 0 || idx >= static_cast<int>(ifs.size()) || !has(owned, ifs[idx].first)) continue;
    std::string a = ip.value("address", json("")).is_string() ? ip.value("address", "") : "";
    if (!a.empty() && !has(prev_ips, a)) out.push_back(a);
  }
  return out;
}

std::vector<std::string> AddOutcome::addresses() const {
  std::vector<std::string> out;
  for (const json* r : {&result, &prev})
    for (const auto& a : ips_of(*r)) {
      std::string ip = a.substr(0, a.find('/'));
      if (!has(out, ip)) out.push_back(ip);
    }
  return out;
}

std::vector<std::string> AddOutcome::sandbox_interfaces() const {
  std::vector<std::string> out;
  for (const json* r : {&result, &prev})
    for (const auto& [name, sandbox] : interfaces_of(*r))
      if (!sandbox.empty() && !find_link(before, name) && !has(out, name)) out.push_back(name);
  return out;
}

Network::Network(const Subject& subject, Recorder& recorder, std::string version, std::string name,
                 std::string scenario, int pool)
    : subject_(subject),
      recorder_(recorder),
      version_(std::move(version)),
      name_(std::move(name)),
      scenario_(std::move(scenario)),
      plugins_(subject.plugins) {
  if (pool > 0 && !shrink_pool(plugins_.back(), pool))
    throw minipod::Error("conformance", "cannot shrink the address pool of " + subject.type);
}

std::string Network::host_local_dir() const {
  const json* pool = address_pool(plugins_.back());
  if (pool == nullptr || pool->value("type", "") != "host-local") return {};
  std::string dir = pool->value("dataDir", "/var/lib/cni/networks");
  return dir + "/" + name_;
}

std::string Network::plugin_stdin(const json* prev) const {
  RuntimeConf rt;
  rt.capability_args = subject_.capability_args;
  PluginConfig pc{subject_.type, plugins_.back()};
  return cni::plugin_stdin(pc, name_, version_, prev, &rt);
}

std::string Network::plain_stdin(const json& extra) const {
  json conf = plugins_.back();
  conf["name"] = name_;
  conf["cniVersion"] = version_;
  for (auto it = extra.begin(); it != extra.end(); ++it) conf[it.key()] = it.value();
  return conf.dump();
}

CallRecord Network::run(const std::string& verb, size_t index, const Attachment& a,
                        const std::string& stdin_data, const std::vector<std::string>& unset) {
  Invocation inv;
  inv.verb = verb;
  inv.type = plugins_[index].value("type", "");
  inv.path = subject_.paths[index];
  inv.container_id = a.container_id;
  inv.netns = a.netns_path;
  inv.ifname = a.ifname;
  inv.args = subject_.cni_args;
  inv.cni_path = subject_.cni_path();
  inv.stdin_data = stdin_data;
  inv.unset = unset;
  inv.scenario = scenario_;
  inv.version = version_;
  return recorder_.call(inv);
}

CallRecord Network::call(const std::string& verb, const Attachment& a,
                         const std::string& stdin_data, const std::vector<std::string>& unset) {
  return run(verb, plugins_.size() - 1, a, stdin_data, unset);
}

AddOutcome Network::add(const Attachment& a) {
  AddOutcome o;
  o.before = netns_links(a.netns_name);
  RuntimeConf rt;
  rt.capability_args = subject_.capability_args;
  std::optional<json> prev;
  for (size_t i = 0; i + 1 < plugins_.size(); ++i) {
    PluginConfig pc{plugins_[i].value("type", ""), plugins_[i]};
    CallRecord c =
        run("ADD", i, a, cni::plugin_stdin(pc, name_, version_, prev ? &*prev : nullptr, &rt));
    json r = first_json_object(c.out);
    if (!c.ok() || !r.is_object()) {
      o.prefix_ok = false;
      o.prefix_error = "plugin \"" + pc.type + "\": " + c.summary();
      o.after = netns_links(a.netns_name);
      return o;
    }
    if (!r.contains("cniVersion")) r["cniVersion"] = version_;
    prev = r;
  }
  if (prev) o.prev = *prev;
  o.call = run("ADD", plugins_.size() - 1, a, plugin_stdin(prev ? &*prev : nullptr));
  o.result = first_json_object(o.call->out);
  o.after = netns_links(a.netns_name);
  return o;
}

std::optional<json> Network::cached(const AddOutcome& added) const {
  if (!version_at_least(version_, "0.4.0")) return std::nullopt;
  if (added.result.is_object()) return convert_result(added.result, version_);
  if (added.prev.is_object()) return convert_result(added.prev, version_);
  return std::nullopt;
}

CallRecord Network::del(const Attachment& a, const AddOutcome* added, DelMode mode) {
  Attachment target = a;
  if (mode == DelMode::kEmptyNetns) target.netns_path.clear();
  std::optional<json> prev;
  if (added != nullptr && mode != DelMode::kNoPrevResult) prev = cached(*added);
  RuntimeConf rt;
  rt.capability_args = subject_.capability_args;
  std::optional<CallRecord> mine;
  for (size_t i = plugins_.size(); i-- > 0;) {
    PluginConfig pc{plugins_[i].value("type", ""), plugins_[i]};
    CallRecord c =
        run("DEL", i, target, cni::plugin_stdin(pc, name_, version_, prev ? &*prev : nullptr, &rt));
    if (!mine) mine = c;
  }
  return *mine;
}

CallRecord Network::check(const Attachment& a, const AddOutcome& added) {
  std::optional<json> prev = cached(added);
  return call("CHECK", a, plugin_stdin(prev ? &*prev : nullptr));
}

}  // namespace cni::conformance
