// CHECK judged against what it is told and what it made: it must read prevResult (an address
// prevResult lists but the sandbox lacks is an error, even when the plugin's own records are
// fine), and it should fail when a route of the result, the address's reservation or a port
// mapping's DNAT rule is gone (check.consults-prev-result, check.removed-route,
// check.removed-reservation, check.removed-dnat). Each check gets
// an attachment of its own, so what one removes cannot decide the next.
#include <filesystem>
#include <sstream>

#include "cni/conformance/runner.h"
#include "cni/version.h"
#include "common/fs.h"

namespace cni::conformance {

using nlohmann::json;

namespace {

// The result's entries under `key` ("ips", "routes") that prevResult did not hold already: the
// plugin under test's own.
std::vector<json> own_entries(const json& result, const json& prev, const char* key) {
  std::vector<json> out;
  if (!result.is_object() || !result.contains(key) || !result[key].is_array()) return out;
  for (const auto& e : result[key]) {
    bool inherited = prev.is_object() && prev.contains(key) && prev[key].is_array() &&
                     std::find(prev[key].begin(), prev[key].end(), e) != prev[key].end();
    if (!inherited && e.is_object()) out.push_back(e);
  }
  return out;
}

std::string address_of(const json& ip) {
  std::string a = ip.value("address", json("")).is_string() ? ip.value("address", "") : "";
  return a.substr(0, a.find('/'));
}

}  // namespace

void Runner::scenario_check_state() {
  const std::initializer_list<const char*> checks{
      "check.consults-prev-result", "check.removed-route", "check.removed-reservation",
      "check.removed-dnat"};
  if (!version_at_least(version_, "0.4.0") || !wanted_any(checks)) return;
  if (blocked(checks)) return;
  auto net = network("CHECK against prevResult");
  // ADD, a CHECK that must succeed, then `judge` changes one thing and CHECKs again; DEL.
  auto attempt = [&](const char* id, const auto& judge) {
    if (!wanted(id)) return;
    Sandbox s = sandbox();
    AddOutcome o = add(*net, s.att);
    if (!o.ok()) {
      skip(id, "not run: ADD failed: " + o.describe());
    } else if (CallRecord base = net->check(s.att, o); !base.ok()) {
      skip(id,
           "not run: CHECK fails even right after ADD (see check.after-add): " + base.summary());
    } else {
      judge(s.att, o);
    }
    net->del(s.att, &o);
  };
  // CHECK must fail once `what` was done.
  auto expect_failure = [&](const char* id, const CallRecord& c, const std::string& what) {
    if (c.ok())
      fail(id, "CHECK succeeded after " + what, ids({&c}));
    else
      pass(id, what + ": " + c.summary(), ids({&c}));
  };

  // SPEC.md §2 CHECK: "The plugin must consult the prevResult to determine the expected
  // interfaces and addresses." prevResult gets one more address on the plugin's interface, a
  // documentation address (RFC 5737, RFC 3849) the sandbox does not have.
  attempt("check.consults-prev-result", [&](const Attachment& a, const AddOutcome& o) {
    auto owned = o.owned_interfaces();
    json prev = convert_result(o.result, version_);
    std::optional<json> tmpl;
    const json ips = prev.value("ips", json::array());
    if (!owned.empty() && prev.contains("interfaces") && prev["interfaces"].is_array())
      for (size_t i = 0; i < prev["interfaces"].size(); ++i)
        if (prev["interfaces"][i].value("name", json("")) == owned[0])
          for (const auto& ip : ips)
            if (ip.is_object() && ip.value("interface", json(-1)) == json(i)) tmpl = ip;
    if (!tmpl) {
      skip("check.consults-prev-result",
           owned.empty() ? "the plugin created no interface of its own in the sandbox"
                         : "the result puts no address on " + owned[0]);
      return;
    }
    json extra = *tmpl;
    extra.erase("gateway");
    bool v6 = address_of(extra).find(':') != std::string::npos;
    extra["address"] = v6 ? "2001:db8::77/64" : "203.0.113.77/24";
    prev["ips"].push_back(extra);
    CallRecord c = net->call("CHECK", a, net->plugin_stdin(&prev));
    std::string what = "prevResult listed " + extra["address"].get<std::string>() + " on " +
                       owned[0] + ", which the sandbox does not have";
    if (c.ok())
      fail("check.consults-prev-result",
           "CHECK succeeded though " + what + ": it does not consult prevResult", ids({&c}));
    else
      pass("check.consults-prev-result", what + ": " + c.summary(), ids({&c}));
  });

  // SPEC.md §2 CHECK: "The plugin should return an error if a resource included in the CNI
  // Result type (interface, address or route) was created by the plugin, and is missing".
  attempt("check.removed-route", [&](const Attachment& a, const AddOutcome& o) {
    auto routes = own_entries(o.result, o.prev, "routes");
    if (routes.empty()) {
      skip("check.removed-route", "the result lists no route of its own");
      return;
    }
    for (const auto& r : routes) {
      std::string dst = r.value("dst", json("")).is_string() ? r.value("dst", "") : "";
      if (dst.empty()) continue;
      if (sh("ip -n " + a.netns_name + " route del " + dst).code != 0) continue;
      expect_failure("check.removed-route", net->check(a, o),
                     "the route to " + dst + " was removed from the sandbox");
      return;
    }
    skip("check.removed-route", "none of the result's routes is in the sandbox's main table");
  });

  // SPEC.md §2 CHECK: "The plugin should return an error if other resources not tracked in the
  // Result type such as the following are missing ...: IP reservations". The reservation is
  // where host-local keeps it: <dataDir>/<network name>/<address>.
  attempt("check.removed-reservation", [&](const Attachment& a, const AddOutcome& o) {
    const json* pool = address_pool(opt_.subject.plugins.back());
    if (pool == nullptr) {
      skip("check.removed-reservation", "the plugin allocates no addresses (no \"ipam\")");
      return;
    }
    std::string dir =
        pool->value("dataDir", json("")).is_string() && !pool->value("dataDir", "").empty()
            ? pool->value("dataDir", "")
            : std::string("/var/lib/cni/networks");
    dir += "/" + net->name();
    for (const auto& ip : own_entries(o.result, o.prev, "ips")) {
      std::string file = dir + "/" + address_of(ip);
      auto content = minipod::fs::read_file_if_exists(file);
      if (!content) continue;
      std::filesystem::remove(file);
      expect_failure("check.removed-reservation", net->check(a, o),
                     "the reservation " + file + " was removed");
      // Put back, so DEL releases the address as it would have.
      if (!std::filesystem::exists(file)) minipod::fs::write_file(file, *content, 0644);
      return;
    }
    skip("check.removed-reservation",
         "no reservation of the result's addresses in host-local's layout (" + dir +
             "/<address>): the plugin keeps them elsewhere");
  });

  // The same rule for firewall rules: a plugin with the portMappings capability (portmap) made
  // a DNAT rule to the container's address, in the (private) host's nat table.
  attempt("check.removed-dnat", [&](const Attachment& a, const AddOutcome& o) {
    const json& plugin = opt_.subject.plugins.back();
    bool capable = plugin.contains("capabilities") && plugin["capabilities"].is_object() &&
                   plugin["capabilities"].value("portMappings", json(false)) == json(true);
    const json& maps = opt_.subject.capability_args.value("portMappings", json::array());
    if (!capable || !maps.is_array() || maps.empty()) {
      skip("check.removed-dnat", "the plugin has no portMappings capability with mappings");
      return;
    }
    std::istringstream save(sh("iptables-save -t nat").out);
    for (std::string line; std::getline(save, line);) {
      if (!line.starts_with("-A ") || line.find("-j DNAT") == std::string::npos) continue;
      for (const auto& ip : o.addresses()) {
        if (line.find("--to-destination " + ip + ":") == std::string::npos) continue;
        std::string rule = line.substr(3);
        if (sh("iptables -w -t nat -D " + rule).code != 0) continue;
        expect_failure("check.removed-dnat", net->check(a, o),
                       "the DNAT rule \"" + rule + "\" was removed");
        sh("iptables -w -t nat -A " + rule);  // back, for DEL to remove as it would have
        return;
      }
    }
    skip("check.removed-dnat", "no DNAT rule to the container's addresses in the nat table");
  });
}

}  // namespace cni::conformance
