#include "runtime/security/seccomp_profile.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/json_parse.h"

namespace minipod::security {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& what, const std::string& field, const std::string& why) {
  throw UsageError(what, (field.empty() ? "" : field + ": ") + why);
}

std::vector<std::string> string_list(const json& j, const std::string& what,
                                     const std::string& field) {
  std::vector<std::string> out;
  if (j.is_null()) return out;
  if (!j.is_array()) bad(what, field, "must be a list of strings");
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string())
      bad(what, field + "[" + std::to_string(i) + "]", "must be a string, got " + j[i].dump());
    out.push_back(j[i].get<std::string>());
  }
  return out;
}

std::optional<int> errno_field(const json& obj, const char* key, const std::string& what,
                               const std::string& field) {
  if (!obj.contains(key) || obj[key].is_null()) return std::nullopt;
  const json& v = obj[key];
  if (!v.is_number_unsigned() || v.get<uint64_t>() > 4095)
    bad(what, field + "." + key, "must be an errno number 0-4095, got " + v.dump());
  return v.get<int>();
}

uint64_t u64_field(const json& obj, const char* key, const std::string& what,
                   const std::string& field) {
  if (!obj.contains(key) || obj[key].is_null()) return 0;
  const json& v = obj[key];
  if (!v.is_number_unsigned())
    bad(what, field + "." + key, "must be a non-negative integer, got " + v.dump());
  return v.get<uint64_t>();
}

bool known_action(const std::string& a) {
  for (const char* k :
       {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"})
    if (a == k) return true;
  return false;
}

std::string action_field(const json& obj, const char* key, const std::string& what,
                         const std::string& field) {
  if (!obj.contains(key) || !obj[key].is_string())
    bad(what, field + "." + key, "required: an action such as SCMP_ACT_ALLOW or SCMP_ACT_ERRNO");
  std::string a = obj[key].get<std::string>();
  if (a == "SCMP_ACT_NOTIFY")
    bad(what, field + "." + key, "SCMP_ACT_NOTIFY needs a listener, which minipod does not run");
  if (!known_action(a)) bad(what, field + "." + key, "unknown action \"" + a + "\"");
  return a;
}

// The profile once parsed (see parse_profile).
SeccompProfile parse_profile_json(const json& j, const std::string& what) {
  if (!j.is_object()) bad(what, "", "must be a JSON object with defaultAction and syscalls");
  SeccompProfile p;
  p.default_action = action_field(j, "defaultAction", what, "defaultAction");
  p.default_errno = errno_field(j, "defaultErrnoRet", what, "defaultErrnoRet");
  p.architectures = string_list(j.value("architectures", json()), what, "architectures");
  if (j.contains("archMap") && j["archMap"].is_array()) {
    const json& map = j["archMap"];
    for (size_t i = 0; i < map.size(); ++i) {
      std::string f = "archMap[" + std::to_string(i) + "]";
      if (!map[i].is_object() || !map[i].contains("architecture") ||
          !map[i]["architecture"].is_string())
        bad(what, f, "must be an object with architecture and subArchitectures");
      p.architectures.push_back(map[i]["architecture"].get<std::string>());
      for (auto& s :
           string_list(map[i].value("subArchitectures", json()), what, f + ".subArchitectures"))
        p.architectures.push_back(s);
    }
  }
  const json& calls = j.contains("syscalls") ? j["syscalls"] : json::array();
  if (!calls.is_array()) bad(what, "syscalls", "must be a list");
  for (size_t i = 0; i < calls.size(); ++i) {
    std::string f = "syscalls[" + std::to_string(i) + "]";
    const json& c = calls[i];
    if (!c.is_object()) bad(what, f, "must be an object with names and action");
    SeccompRule r;
    r.names = string_list(c.value("names", json()), what, f + ".names");
    if (c.contains("name")) {  // the old single-name form
      if (!c["name"].is_string()) bad(what, f + ".name", "must be a string");
      r.names.push_back(c["name"].get<std::string>());
    }
    if (r.names.empty()) bad(what, f + ".names", "required: at least one system call name");
    r.action = action_field(c, "action", what, f);
    r.errno_ret = errno_field(c, "errnoRet", what, f);
    if (c.contains("args") && !c["args"].is_null()) {
      if (!c["args"].is_array()) bad(what, f + ".args", "must be a list");
      for (size_t k = 0; k < c["args"].size(); ++k) {
        std::string af = f + ".args[" + std::to_string(k) + "]";
        const json& a = c["args"][k];
        if (!a.is_object()) bad(what, af, "must be an object with index, value and op");
        SeccompArg arg;
        arg.index = static_cast<unsigned>(u64_field(a, "index", what, af));
        if (arg.index > 5) bad(what, af + ".index", "must be 0-5");
        arg.value = u64_field(a, "value", what, af);
        arg.value_two = u64_field(a, "valueTwo", what, af);
        if (a.contains("op") && !a["op"].is_string())
          bad(what, af + ".op", "must be a comparison such as SCMP_CMP_EQ, got " + a["op"].dump());
        arg.op = a.value("op", "");
        static const char* const ops[] = {"SCMP_CMP_NE",       "SCMP_CMP_LT", "SCMP_CMP_LE",
                                          "SCMP_CMP_EQ",       "SCMP_CMP_GE", "SCMP_CMP_GT",
                                          "SCMP_CMP_MASKED_EQ"};
        if (std::find(std::begin(ops), std::end(ops), arg.op) == std::end(ops))
          bad(what, af + ".op", "unknown comparison \"" + arg.op + "\"");
        r.args.push_back(arg);
      }
    }
    for (auto [key, caps, arches] : {std::tuple{"includes", &r.include_caps, &r.include_arches},
                                     std::tuple{"excludes", &r.exclude_caps, &r.exclude_arches}}) {
      if (!c.contains(key) || c[key].is_null()) continue;
      if (!c[key].is_object()) bad(what, f + "." + key, "must be an object");
      *caps = string_list(c[key].value("caps", json()), what, f + "." + key + ".caps");
      *arches = string_list(c[key].value("arches", json()), what, f + "." + key + ".arches");
      if (std::string(key) == "includes" && c[key].contains("minKernel") &&
          c[key]["minKernel"].is_string())
        r.min_kernel = c[key]["minKernel"].get<std::string>();
    }
    p.syscalls.push_back(std::move(r));
  }
  return p;
}

}  // namespace

SeccompProfile parse_profile(const std::string& text, const std::string& what) {
  try {
    return parse_profile_json(parse_json(text, what), what);
  } catch (const json::exception& e) {
    // The checks read values only after checking their type; this is the net below them, so
    // that no nlohmann exception leaves without the profile's name.
    bad(what, "", json_message(e));
  }
}

}  // namespace minipod::security
