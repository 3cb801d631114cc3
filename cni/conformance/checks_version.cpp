// How the plugin takes its calls beyond ADD's result: VERSION echoes the version it
// is asked in and needs nothing but CNI_COMMAND, ADD honours CNI_IFNAME and lists every interface
// it creates, and DEL, CHECK and GC refuse to run without their required variables
// (version.echo, version.minimal-env, add.ifname, add.interfaces-listed, env.<verb>-missing.*).
#include <algorithm>

#include "cni/conformance/runner.h"
#include "cni/version.h"
#include "common/strings.h"

namespace cni::conformance {

using minipod::join;
using nlohmann::json;

namespace {

// A call made without `var` passes when it fails with code 4 naming the variable (SPEC.md §5
// error code 4: "The error message must contain the names of invalid variables").
std::optional<std::string> missing_var_problem(const CallRecord& c, const std::string& var) {
  ErrorObject e = error_object(c);
  if (c.ok()) return "exit 0 without " + var + ": the plugin went ahead";
  if (e.present && e.has_code && e.code != 4) return "expected code 4, got " + c.summary();
  if (e.present && (e.msg + e.details).find(var) == std::string::npos)
    return "code 4 but the message does not name " + var + ": " + c.summary();
  return std::nullopt;
}

std::vector<std::string> link_names(const std::vector<NsLink>& links) {
  std::vector<std::string> out;
  for (const auto& l : links) out.push_back(l.name);
  return out;
}

}  // namespace

void Runner::check_version_echo() {
  if (!wanted_any({"version.echo", "version.minimal-env"})) return;
  Invocation inv;
  inv.verb = "VERSION";
  inv.type = opt_.subject.type;
  inv.path = opt_.plugin_path;
  inv.cni_path = opt_.subject.cni_path();
  inv.scenario = "version";
  inv.version = "-";
  // Ask in a version the plugin claims but not the one version.answer asked in, so an answer
  // that always names the plugin's own version shows.
  std::string asked = current_version();
  for (const auto& v : report_.claimed)
    if (v != current_version()) {
      asked = v;
      break;
    }
  inv.stdin_data = json{{"cniVersion", asked}}.dump();
  if (wanted("version.echo")) {
    // SPEC.md §5 VERSION Success: "Plugins must output a JSON object with the following keys
    // upon a VERSION operation: cniVersion: The value of cniVersion specified on input".
    Invocation full = inv;
    full.netns = "dummy";
    full.ifname = "dummy";
    CallRecord c = recorder_.call(full);
    json j = first_json_object(c.out);
    std::string got = j.is_object() && j.contains("cniVersion") ? j["cniVersion"].dump() : "none";
    if (!c.ok())
      fail("version.echo", "VERSION asked in " + asked + ": " + c.summary(), ids({&c}));
    else if (got != json(asked).dump())
      fail("version.echo", "VERSION asked in " + asked + " answered cniVersion " + got, ids({&c}));
    else
      pass("version.echo", "VERSION asked in " + asked + " answered cniVersion " + got, ids({&c}));
  }
  if (wanted("version.minimal-env")) {
    // SPEC.md §2 VERSION: "Required environment parameters: - CNI_COMMAND". CNI_PATH stays, as
    // libcni always sends it; everything else a runtime may leave out.
    inv.unset = {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS"};
    CallRecord c = recorder_.call(inv);
    json j = first_json_object(c.out);
    if (c.ok() && j.is_object() && j.contains("supportedVersions"))
      pass("version.minimal-env", "VERSION with only CNI_COMMAND and CNI_PATH: " + c.summary(),
           ids({&c}));
    else
      fail("version.minimal-env",
           "VERSION with only CNI_COMMAND and CNI_PATH: " + c.summary() +
               (c.ok() ? ", no supportedVersions on stdout" : ""),
           ids({&c}));
  }
}

void Runner::scenario_ifname() {
  if (!wanted_any({"add.ifname", "add.interfaces-listed", "add.result-fields"})) return;
  if (blocked({"add.ifname", "add.interfaces-listed", "add.result-fields"})) return;
  auto net = network("CNI_IFNAME");
  if (wanted("add.ifname")) {
    // SPEC.md §2 Parameters: "CNI_IFNAME: Name of the interface to create inside the container;
    // if the plugin is unable to use this interface name it must return an error."
    Sandbox s = sandbox();
    s.att.ifname = "cf" + std::to_string(counter_ % 1000);
    AddOutcome o = add(*net, s.att);
    std::vector<size_t> calls = o.call ? ids({&*o.call}) : ids({});
    if (!o.prefix_ok) {
      skip("add.ifname", "not run: " + o.describe());
    } else if (!o.ok()) {
      pass("add.ifname", "ADD with CNI_IFNAME=" + s.att.ifname + " failed: " + o.describe(), calls);
    } else if (find_link(o.after, s.att.ifname)) {
      pass("add.ifname", "ADD created " + s.att.ifname + " in the sandbox", calls);
    } else if (std::none_of(o.after.begin(), o.after.end(),
                            [&](const auto& l) { return !find_link(o.before, l.name); })) {
      // An IPAM plugin, or loopback (lo is in every netns): it creates no interface, so there is
      // nothing CNI_IFNAME could name. Not a finding either way.
      skip("add.ifname",
           "the ADD created no interface in the sandbox (IPAM, or loopback's lo): "
           "CNI_IFNAME names nothing this plugin makes");
    } else {
      fail("add.ifname",
           "ADD with CNI_IFNAME=" + s.att.ifname + " succeeded but the sandbox holds " +
               join(link_names(o.after), ", "),
           calls);
    }
    net->del(s.att, &o);
  }
  if (wanted_any({"add.interfaces-listed", "add.result-fields"})) {
    // SPEC.md §5 ADD Success: "interfaces: An array of all interfaces created by the attachment,
    // including any host-level interfaces".
    Sandbox s = sandbox();
    AddOutcome o = add(*net, s.att);
    judge_result_fields(o);  // the same result, checks_result_fields.cpp
    std::vector<size_t> calls = o.call ? ids({&*o.call}) : ids({});
    if (!wanted("add.interfaces-listed") || !version_at_least(version_, "0.3.0")) {
      // Results before 0.3.0 have no interfaces: the catalogue does not apply it there.
    } else if (!o.ok()) {
      skip("add.interfaces-listed", "not run: ADD failed: " + o.describe());
    } else {
      std::vector<std::string> listed, unlisted;
      // Interfaces in prevResult are the earlier plugins' of a chain: whether this one keeps
      // them is chain.prev-result's rule, so they are not counted twice here.
      for (const json* r : {&o.result, &o.prev})
        if (r->is_object())
          for (const auto& i : r->value("interfaces", json::array()))
            if (i.is_object() && i.contains("name") && i["name"].is_string())
              listed.push_back(i["name"]);
      for (const auto& l : o.after)
        if (!find_link(o.before, l.name) && !contains(listed, l.name)) unlisted.push_back(l.name);
      if (unlisted.empty())
        pass("add.interfaces-listed", "interfaces " + join(listed, ", "), calls);
      else
        fail("add.interfaces-listed",
             "created in the sandbox but not in the result's interfaces: " + join(unlisted, ", "),
             calls);
    }
    net->del(s.att, &o);
  }
}

void Runner::scenario_env_other_verbs() {
  const bool check = version_at_least(version_, "0.4.0"), gc = version_at_least(version_, "1.1.0");
  if (!wanted_any({"env.del-missing.CNI_CONTAINERID", "env.del-missing.CNI_IFNAME",
                   "env.check-missing.CNI_NETNS", "env.gc-missing.CNI_PATH"}))
    return;
  if (blocked({"env.del-missing.CNI_CONTAINERID", "env.del-missing.CNI_IFNAME",
               "env.check-missing.CNI_NETNS", "env.gc-missing.CNI_PATH"}))
    return;
  Sandbox s = sandbox();
  auto net = network("environment of DEL, CHECK, GC");
  AddOutcome o = add(*net, s.att);
  if (!o.ok()) {
    for (const char* id : {"env.del-missing.CNI_CONTAINERID", "env.del-missing.CNI_IFNAME",
                           "env.check-missing.CNI_NETNS", "env.gc-missing.CNI_PATH"})
      skip(id, "not run: ADD failed: " + o.describe());
    net->del(s.att, &o);
    return;
  }
  json prev = convert_result(o.result, version_);
  std::string in = net->plugin_stdin(version_at_least(version_, "0.4.0") ? &prev : nullptr);
  auto judge = [&](const std::string& id, const std::string& verb, const std::string& var,
                   const std::string& stdin_data) {
    if (!wanted(id)) return;
    // GC is about the network, not one attachment: a runtime sends no container or ifname.
    CallRecord c = net->call(verb, verb == "GC" ? Attachment{} : s.att, stdin_data, {var});
    if (auto problem = missing_var_problem(c, var))
      fail(id, verb + ": " + *problem, ids({&c}));
    else
      pass(id, verb + " without " + var + ": " + c.summary(), ids({&c}));
  };
  // SPEC.md §2 DEL: "Required environment parameters: CNI_COMMAND, CNI_CONTAINERID, CNI_IFNAME".
  judge("env.del-missing.CNI_CONTAINERID", "DEL", "CNI_CONTAINERID", in);
  judge("env.del-missing.CNI_IFNAME", "DEL", "CNI_IFNAME", in);
  // SPEC.md §2 CHECK: "Required environment parameters: CNI_COMMAND, CNI_CONTAINERID,
  // CNI_NETNS, CNI_IFNAME".
  if (check) judge("env.check-missing.CNI_NETNS", "CHECK", "CNI_NETNS", in);
  // SPEC.md §2 GC: "Required environment parameters: CNI_COMMAND, CNI_PATH". The list keeps the
  // attachment, so a GC that goes ahead anyway frees nothing of it.
  if (gc) {
    json valid = json::array({{{"containerID", s.att.container_id}, {"ifname", s.att.ifname}}});
    judge("env.gc-missing.CNI_PATH", "GC", "CNI_PATH",
          net->plain_stdin({{"cni.dev/valid-attachments", valid}, {"cni.dev/attachments", valid}}));
  }
  net->del(s.att, &o);
}

}  // namespace cni::conformance
