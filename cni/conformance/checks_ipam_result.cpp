// An IPAM plugin's result is the abbreviated one: addresses, routes and DNS, but no interfaces
// and no ips[].interface, since an IPAM plugin makes no interface and the plugin that
// delegates to it fills them in (ipam.result).
#include "cni/conformance/runner.h"

#include "cni/version.h"
#include "common/strings.h"

namespace cni::conformance {

using minipod::join;
using nlohmann::json;

bool is_ipam_subject(const Subject& s) {
  if (s.plugins.empty()) return false;
  const json& p = s.plugins.back();
  return p.contains("ipam") && p["ipam"].is_object() && p["ipam"].value("type", json("")) == s.type;
}

void Runner::scenario_ipam_result() {
  if (!version_at_least(version_, "0.3.0") || !wanted("ipam.result")) return;
  if (!is_ipam_subject(opt_.subject)) {
    skip("ipam.result", "not an IPAM plugin (its config's \"ipam\" does not name its own type)");
    return;
  }
  if (blocked({"ipam.result"})) return;
  Sandbox s = sandbox();
  auto net = network("IPAM result");
  AddOutcome o = add(*net, s.att);
  if (!o.ok()) {
    skip("ipam.result", "not run: ADD failed: " + o.describe());
  } else {
    std::vector<std::string> p;
    if (o.result.contains("interfaces"))
      p.push_back("the result holds interfaces " + one_line(o.result["interfaces"].dump(), 100));
    if (o.result.contains("ips") && o.result["ips"].is_array())
      for (size_t i = 0; i < o.result["ips"].size(); ++i)
        if (o.result["ips"][i].is_object() && o.result["ips"][i].contains("interface"))
          p.push_back("ips[" + std::to_string(i) + "] names interface " +
                      o.result["ips"][i]["interface"].dump());
    if (p.empty())
      pass("ipam.result", "no interfaces, no ips[].interface: " + one_line(o.result.dump(), 120),
           ids({&*o.call}));
    else
      fail("ipam.result", join(p, "; "), ids({&*o.call}));
  }
  net->del(s.att, &o);
}

}  // namespace cni::conformance
