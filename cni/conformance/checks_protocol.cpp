// How the plugin takes its calls: VERSION's answer, an unsupported cniVersion, malformed
// stdin, and each missing CNI_* variable (version.*, stdin.malformed, env.*).
#include "cni/conformance/runner.h"

#include "cni/version.h"
#include "common/strings.h"

namespace cni::conformance {

using minipod::join;
using nlohmann::json;

void Runner::check_version_answer() {
  // version.unknown judges the versions this answer claims.
  if (!wanted_any({"version.answer", "version.unknown"}) && !opt_.versions.empty()) return;
  Invocation inv;
  inv.verb = "VERSION";
  inv.type = opt_.subject.type;
  inv.path = opt_.plugin_path;
  // libcni fills what VERSION does not need with "dummy" so strict plugins parse their env.
  inv.netns = "dummy";
  inv.ifname = "dummy";
  inv.cni_path = opt_.subject.cni_path();
  inv.stdin_data = json{{"cniVersion", current_version()}}.dump();
  inv.scenario = "version";
  inv.version = "-";  // judged with the newest tested version's calls
  CallRecord c = recorder_.call(inv);
  json j = first_json_object(c.out);
  std::vector<std::string> problems;
  if (!c.ok()) problems.push_back(c.summary());
  if (!j.is_object()) {
    problems.push_back("no JSON object on stdout: \"" + one_line(c.out, 100) + "\"");
  } else {
    if (!j.contains("cniVersion") || !j["cniVersion"].is_string())
      problems.push_back("cniVersion missing or not a string");
    auto sv = j.find("supportedVersions");
    if (sv == j.end() || !sv->is_array() || sv->empty()) {
      problems.push_back("supportedVersions missing, not an array or empty");
    } else {
      for (const auto& v : *sv) {
        int parts[3];
        if (!v.is_string() || !parse_version(v.get<std::string>(), parts)) {
          problems.push_back("supportedVersions holds " + v.dump() + ", not a version");
          continue;
        }
        report_.claimed.push_back(v.get<std::string>());
      }
    }
  }
  if (problems.empty())
    pass("version.answer", "supportedVersions " + j["supportedVersions"].dump(), ids({&c}));
  else
    fail("version.answer", join(problems, "; "), ids({&c}));
}

void Runner::check_unsupported_and_malformed() {
  if (wanted("version.unsupported")) {
    Sandbox s = sandbox();
    auto net = network("unsupported version");
    json conf = json::parse(net->plugin_stdin(nullptr));
    conf["cniVersion"] = "9.9.9";
    CallRecord c = net->call("ADD", s.att, conf.dump());
    ErrorObject e = error_object(c);
    if (c.ok()) {
      fail("version.unsupported", "ADD with cniVersion 9.9.9 succeeded", ids({&c}));
      net->del(s.att, nullptr);
    } else if (e.present && e.has_code && e.code != 1) {
      fail("version.unsupported", "expected code 1, got " + c.summary(), ids({&c}));
    } else {
      pass("version.unsupported", c.summary(), ids({&c}));
    }
  }
  if (wanted("stdin.malformed")) {
    Sandbox s = sandbox();
    auto net = network("malformed stdin");
    std::vector<std::string> problems, codes;
    std::vector<size_t> calls;
    for (const std::string& input :
         {std::string("{\"cniVersion\": \"") + version_ + "\", \"name\": ", std::string()}) {
      CallRecord c = net->call("ADD", s.att, input);
      calls.push_back(c.index);
      ErrorObject e = error_object(c);
      std::string what = input.empty() ? "empty stdin" : "truncated JSON";
      if (c.ok()) {
        problems.push_back(what + ": ADD succeeded");
        net->del(s.att, nullptr);
      } else {
        // Failing is the rule; code 6 is the well-known code, so another is only noted.
        codes.push_back(what + ": " + c.summary() +
                        (e.present && e.has_code && e.code != 6 ? " (code 6 expected)" : ""));
      }
    }
    if (problems.empty())
      pass("stdin.malformed", join(codes, "; "), calls);
    else
      fail("stdin.malformed", join(problems, "; "), calls);
  }
}

void Runner::scenario_env() {
  static const char* kVars[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME",
                                "CNI_PATH"};
  bool any = wanted("env.unknown-command");
  for (const char* v : kVars) any = any || wanted(std::string("env.missing.") + v);
  if (!any) return;
  Sandbox s = sandbox();
  auto net = network("environment");
  std::string in = net->plugin_stdin(nullptr);
  bool went_ahead = false;
  auto judge = [&](const std::string& id, const CallRecord& c, const std::string& var) {
    ErrorObject e = error_object(c);
    if (c.ok()) {
      if (!var.empty() && var != "CNI_COMMAND") went_ahead = true;
      fail(id, "exit 0: the plugin went ahead" + (c.out.empty() ? "" : ": " + one_line(c.out, 80)),
           ids({&c}));
    } else {
      // Failing is the rule; code 4 and naming the variable are what a runtime's user is helped
      // by, so their absence is noted in the evidence, not judged.
      std::string note;
      if (e.present && e.has_code && e.code != 4) note += " (code 4 expected)";
      if (e.present && !var.empty() && (e.msg + e.details).find(var) == std::string::npos)
        note += " (the message does not name " + var + ")";
      pass(id, c.summary() + note, ids({&c}));
    }
  };
  if (wanted("env.unknown-command")) {
    CallRecord c = net->call("FOO", s.att, in);
    judge("env.unknown-command", c, "");
  }
  for (const char* var : kVars) {
    std::string id = std::string("env.missing.") + var;
    if (!wanted(id)) continue;
    CallRecord c = net->call(std::string(var) == "CNI_COMMAND" ? "" : "ADD", s.att, in, {var});
    judge(id, c, var);
  }
  if (went_ahead) net->del(s.att, nullptr);
}

}  // namespace cni::conformance
