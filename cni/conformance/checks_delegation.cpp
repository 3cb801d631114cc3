// Delegation (SPEC.md §4): the plugin's delegate (its IPAM plugin) is replaced by a recording
// shim first in CNI_PATH (delegate_shim.h), and what the plugin hands it is compared with what
// the plugin got: the same environment and the complete config, its stderr passed on, CHECK,
// DEL, GC and STATUS delegated, and a delegated ADD that fails undone with a delegated DEL
// (delegate.*).
#include "cni/conformance/delegate_shim.h"
#include "cni/conformance/runner.h"
#include "cni/error.h"
#include "cni/invoke.h"
#include "cni/version.h"
#include "common/strings.h"

namespace cni::conformance {

using minipod::join;
using nlohmann::json;

namespace {

const std::vector<const char*> kDelegateChecks{
    "delegate.env", "delegate.config", "delegate.stderr", "delegate.check",
    "delegate.del", "delegate.gc",     "delegate.status", "delegate.del-after-failed-add"};

// The last call of `verb` among `calls` (a chained plugin before this one may delegate too; the
// plugin under test runs last).
const DelegateShim::Call* last_call(const std::vector<DelegateShim::Call>& calls,
                                    const std::string& verb) {
  const DelegateShim::Call* found = nullptr;
  for (const auto& c : calls)
    if (c.command() == verb) found = &c;
  return found;
}

// The CNI_* variables the plugin was given that its delegate got otherwise or not at all.
std::vector<std::string> env_differences(const CallRecord& plugin, const DelegateShim::Call& d) {
  std::vector<std::string> out;
  for (const auto& kv : plugin.env) {
    std::string var = kv.substr(0, kv.find('=')), value = kv.substr(kv.find('=') + 1);
    auto it = d.env.find(var);
    if (it == d.env.end())
      out.push_back(var + " missing (the plugin got \"" + value + "\")");
    else if (it->second != value)
      out.push_back(var + "=\"" + it->second + "\" (the plugin got \"" + value + "\")");
  }
  return out;
}

// Where the delegate's config is not the plugin's complete config: name, cniVersion and the
// ipam block as the plugin got them (added fields are the plugin's business).
std::vector<std::string> config_differences(const CallRecord& plugin, const DelegateShim::Call& d) {
  json want = json::parse(plugin.stdin_data, nullptr, false);
  json got = json::parse(d.stdin_data, nullptr, false);
  if (!got.is_object()) return {"its stdin is not a JSON object: " + one_line(d.stdin_data, 120)};
  std::vector<std::string> out;
  for (const char* key : {"name", "cniVersion"})
    if (want.contains(key) && (!got.contains(key) || got[key] != want[key]))
      out.push_back(std::string(key) + " " +
                    (got.contains(key) ? got[key].dump() : std::string("missing")) +
                    " (the plugin got " + want[key].dump() + ")");
  if (!got.contains("ipam"))
    out.push_back("the ipam block is missing");
  else if (want.contains("ipam") && got["ipam"] != want["ipam"])
    out.push_back("ipam " + one_line(got["ipam"].dump(), 120) + " (the plugin got " +
                  one_line(want["ipam"].dump(), 120) + ")");
  return out;
}

}  // namespace

void Runner::scenario_delegation() {
  bool any = false;
  for (const char* id : kDelegateChecks) any = any || wanted(id);
  if (!any) return;
  auto skip_all = [&](const std::string& why) {
    for (const char* id : kDelegateChecks) skip(id, why);
  };
  if (add_hung_) {
    skip_all("not run: an earlier ADD hung (see timeout.all-calls)");
    return;
  }
  const json& plugin = opt_.subject.plugins.back();
  std::string type;
  if (plugin.contains("ipam") && plugin["ipam"].is_object())
    type =
        plugin["ipam"].value("type", json("")).is_string() ? plugin["ipam"].value("type", "") : "";
  if (type.empty() || type == opt_.subject.type) {
    skip_all(type.empty() ? "the plugin has no ipam type: it delegates nothing"
                          : "the plugin is the IPAM plugin itself");
    return;
  }
  std::string real;
  try {
    real = find_plugin(type, opt_.subject.plugin_dirs, "ADD", "");
  } catch (const PluginError&) {
    skip_all("ipam type \"" + type +
             "\" is no plugin in CNI_PATH: the plugin manages its addresses itself");
    return;
  }
  DelegateShim shim(type, real);
  Subject subject = opt_.subject;
  subject.plugin_dirs.insert(subject.plugin_dirs.begin(), shim.dir());
  Network net(subject, recorder_, version_, next_name(), "delegation to " + type);
  if (!net.host_local_dir().empty()) host_local_dirs_.insert(net.host_local_dir());
  judge_delegation(net, shim, type);
}

void Runner::judge_delegation(Network& net, DelegateShim& shim, const std::string& type) {
  Sandbox s = sandbox();
  AddOutcome o = add(net, s.att);
  auto calls = shim.take();
  const DelegateShim::Call* d = last_call(calls, "ADD");
  if (!o.ok() || d == nullptr) {
    std::string why = !o.ok() ? "not run: ADD failed: " + o.describe()
                              : "the plugin's ADD never called " + type + " (found in CNI_PATH)";
    for (const char* id : kDelegateChecks) skip(id, why);
    net.del(s.att, &o);
    return;
  }
  const CallRecord& add_call = *o.call;
  // What the delegated ADD got, against what the plugin got.
  auto judge_add = [&](const char* id, const std::vector<std::string>& diff, const char* same) {
    if (diff.empty())
      pass(id, "the delegated ADD of " + type + " got " + same, ids({&add_call}));
    else
      fail(id, "the delegated ADD of " + type + ": " + join(diff, "; "), ids({&add_call}));
  };
  judge_add("delegate.env", env_differences(add_call, *d), "the plugin's CNI_* variables");
  judge_add("delegate.config", config_differences(add_call, *d), "the complete config");
  if (add_call.err.find(shim.marker()) != std::string::npos)
    pass("delegate.stderr", "the plugin's stderr holds what " + type + " wrote there",
         ids({&add_call}));
  else
    fail("delegate.stderr",
         "the plugin's stderr lacks the line \"" + shim.marker() + "\" its delegate " + type +
             " wrote to stderr",
         ids({&add_call}));

  // Each verb the plugin must hand on: the call, and whether the delegate saw it.
  auto delegated = [&](const char* id, const std::string& verb, const CallRecord& c) {
    if (last_call(shim.take(), verb))
      pass(id, verb + " called " + type + " (" + c.summary() + ")", ids({&c}));
    else
      fail(id, verb + " never called the delegate " + type + " (" + c.summary() + ")", ids({&c}));
  };
  if (version_at_least(version_, "0.4.0") && wanted("delegate.check"))
    delegated("delegate.check", "CHECK", net.check(s.att, o));
  if (version_at_least(version_, "1.1.0")) {
    if (wanted("delegate.gc")) delegated("delegate.gc", "GC", gc(net, {&s.att}));
    if (wanted("delegate.status"))
      delegated("delegate.status", "STATUS",
                net.call("STATUS", Attachment{}, net.plain_stdin(json::object())));
  }
  delegated("delegate.del", "DEL", net.del(s.att, &o));

  if (!wanted("delegate.del-after-failed-add")) return;
  Sandbox t = sandbox();
  shim.fail_add(true);
  AddOutcome f = add(net, t.att);
  shim.fail_add(false);
  bool added = false, undone = false;
  for (const auto& c : shim.take()) {
    auto id = c.env.find("CNI_CONTAINERID");
    bool same = id != c.env.end() && id->second == t.att.container_id;
    if (same && c.command() == "ADD") added = true;
    if (same && added && c.command() == "DEL") undone = true;
  }
  std::vector<size_t> calls_made = f.call ? ids({&*f.call}) : ids({});
  if (!added)
    skip("delegate.del-after-failed-add", "the plugin's ADD never called " + type);
  else if (undone)
    pass("delegate.del-after-failed-add",
         "the delegated ADD failed; the plugin called DEL of " + type + " and answered " +
             f.describe(),
         calls_made);
  else
    fail("delegate.del-after-failed-add",
         "the delegated ADD of " + type + " failed and the plugin answered " + f.describe() +
             " without a delegated DEL",
         calls_made);
  net.del(t.att, &f);
}

}  // namespace cni::conformance
