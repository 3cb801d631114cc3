// The fields spec 1.1.0 added to a result, type-checked: interfaces[].mtu, socketPath, pciID and
// routes[].mtu, advmss, priority, table, scope (add.result-fields). Optional fields may be absent;
// present ones must have the spec's type, or a runtime's parser rejects the whole result.
#include "cni/conformance/runner.h"

#include "cni/version.h"
#include "common/strings.h"

namespace cni::conformance {

using minipod::join;
using nlohmann::json;

namespace {

// SPEC.md §5 ADD Success (1.1.0): "mtu: (uint) The MTU of the interface", "socketPath (string,
// optional)", "pciID (string, optional)"; routes: "mtu (uint)", "advmss (uint)", "priority
// (uint)", "table (uint)", "scope (uint)".
void typed(const json& obj, const std::string& where, std::initializer_list<const char*> uints,
           std::initializer_list<const char*> strings, std::vector<std::string>& p) {
  if (!obj.is_object()) return;  // add.result judges the shape itself
  for (const char* k : uints)
    if (obj.contains(k) && !obj[k].is_number_unsigned())
      p.push_back(where + "." + k + " is " + obj[k].dump() + ", not an unsigned integer");
  for (const char* k : strings)
    if (obj.contains(k) && !obj[k].is_string())
      p.push_back(where + "." + k + " is " + obj[k].dump() + ", not a string");
}

}  // namespace

void Runner::judge_result_fields(const AddOutcome& o) {
  if (!wanted("add.result-fields") || !version_at_least(version_, "1.1.0")) return;
  std::vector<size_t> calls = o.call ? ids({&*o.call}) : ids({});
  if (!o.ok()) {
    skip("add.result-fields", "not run: ADD failed: " + o.describe());
    return;
  }
  std::vector<std::string> p;
  const json& r = o.result;
  if (r.contains("interfaces") && r["interfaces"].is_array())
    for (size_t i = 0; i < r["interfaces"].size(); ++i)
      typed(r["interfaces"][i], "interfaces[" + std::to_string(i) + "]", {"mtu"},
            {"socketPath", "pciID"}, p);
  if (r.contains("routes") && r["routes"].is_array())
    for (size_t i = 0; i < r["routes"].size(); ++i)
      typed(r["routes"][i], "routes[" + std::to_string(i) + "]",
            {"mtu", "advmss", "priority", "table", "scope"}, {}, p);
  if (p.empty())
    pass("add.result-fields", "the 1.1.0 fields present have the spec's types", calls);
  else
    fail("add.result-fields", join(p, "; "), calls);
}

}  // namespace cni::conformance
