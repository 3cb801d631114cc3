#include "cni/conformance/report.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "common/xml.h"

namespace cni::conformance {

using minipod::join;
using nlohmann::json;

namespace {

using minipod::xml_escape;

std::string summary_line(const Report& r) {
  std::string s = std::to_string(r.passed) + " passed, " + std::to_string(r.failed) + " failed";
  if (r.skipped > 0) s += ", " + std::to_string(r.skipped) + " skipped";
  if (r.warnings > 0)
    s += ", " + std::to_string(r.warnings) + " warning" + (r.warnings == 1 ? "" : "s");
  if (r.notes > 0) s += ", " + std::to_string(r.notes) + " note" + (r.notes == 1 ? "" : "s");
  if (r.not_testable > 0) s += ", " + std::to_string(r.not_testable) + " not testable here";
  return s;
}

std::string label(const CheckInfo* info) {
  return info ? level_label(*info) : std::string("?");
}

}  // namespace

std::string result_word(const CheckResult& r) {
  if (r.verdict == Verdict::kPass) return "pass";
  if (r.verdict == Verdict::kSkip) return "skip";
  if (r.verdict == Verdict::kNotTestable) return "not-testable";
  const CheckInfo* info = find_check(r.id);
  if (info && info->level == Level::kInfo) return "note";
  return info && info->level == Level::kShould ? "warn" : "FAIL";
}

std::string format_text(const Report& r) {
  std::string out = "CNI conformance of " + r.plugin + " (" + r.path + ")\n";
  out += "sha256: " + r.sha256 + "\n";
  out += "config: " + r.config_source + "\n";
  out += "minipod " + r.tool_version + ", " + r.started + "\n";
  out += "claims: " + (r.claimed.empty() ? std::string("(VERSION failed)") : join(r.claimed, " ")) +
         "; tested: " + (r.tested.empty() ? std::string("none") : join(r.tested, " ")) + "\n\n";
  std::vector<std::vector<std::string>> rows{{"CHECK", "VERSION", "LEVEL", "RESULT", "EVIDENCE"}};
  for (const auto& c : r.results) {
    const CheckInfo* info = find_check(c.id);
    rows.push_back({c.id, c.version, label(info), result_word(c), c.evidence});
  }
  std::vector<size_t> width(5, 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < 4; ++i) width[i] = std::max(width[i], row[i].size());
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < 4; ++i) line += row[i] + std::string(width[i] - row[i].size() + 2, ' ');
    std::string ev = row[4];
    if (ev.size() > 300) ev = ev.substr(0, 300) + "...";
    out += line + ev + "\n";
  }
  if (!r.cleanup.empty()) {
    out += "\nhost clean-up after the plugin:\n";
    for (const auto& c : r.cleanup) out += "  " + c + "\n";
  }
  if (r.not_testable > 0) out += "\n" + r.not_testable_reason + "\n";
  out += "\n" + summary_line(r) + "\n";
  return out;
}

std::string format_json(const Report& r) {
  json results = json::array();
  for (const auto& c : r.results) {
    const CheckInfo* info = find_check(c.id);
    std::string word = result_word(c);
    if (word == "FAIL") word = "fail";
    results.push_back({{"id", c.id},
                       {"version", c.version},
                       {"level", label(info)},
                       {"section", info ? info->section : ""},
                       {"title", info ? info->title : ""},
                       {"result", word},
                       {"evidence", c.evidence},
                       {"calls", c.calls}});
  }
  json calls = json::array();
  for (const auto& c : r.calls) calls.push_back(c.to_json());
  json j{{"plugin", r.plugin},
         {"path", r.path},
         {"sha256", r.sha256},
         {"minipodVersion", r.tool_version},
         {"started", r.started},
         {"exitCode", r.exit_code()},
         {"config", r.config_source},
         {"claimedVersions", r.claimed},
         {"testedVersions", r.tested},
         {"summary",
          {{"passed", r.passed},
           {"failed", r.failed},
           {"warnings", r.warnings},
           {"skipped", r.skipped},
           {"notes", r.notes},
           {"notTestable", r.not_testable},
           {"line", summary_line(r)}}},
         {"results", results},
         {"cleanup", r.cleanup},
         {"calls", calls}};
  return j.dump(2) + "\n";
}

std::string format_junit(const Report& r) {
  double total_ms = 0;
  for (const auto& c : r.calls) total_ms += c.duration_ms;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  char head[256];
  std::snprintf(head, sizeof head,
                "<testsuites><testsuite name=\"cni-conformance.%s\" tests=\"%zu\" failures=\"%d\" "
                "skipped=\"%d\" time=\"%.3f\">\n",
                xml_escape(r.plugin).c_str(), r.results.size(), r.failed,
                r.skipped + r.not_testable, total_ms / 1000);
  out += head;
  auto property = [](const std::string& name, const std::string& value) {
    return "<property name=\"" + xml_escape(name) + "\" value=\"" + xml_escape(value) + "\"/>";
  };
  out += "  <properties>" + property("minipod.version", r.tool_version) +
         property("started", r.started) + property("plugin.path", r.path) +
         property("plugin.sha256", r.sha256) + property("config", r.config_source) +
         "</properties>\n";
  for (const auto& c : r.results) {
    double ms = 0;
    for (size_t i : c.calls)
      if (i < r.calls.size()) ms += r.calls[i].duration_ms;
    char t[32];
    std::snprintf(t, sizeof t, "%.3f", ms / 1000);
    out += "  <testcase classname=\"" + xml_escape(r.plugin + "." + c.version) + "\" name=\"" +
           xml_escape(c.id) + "\" time=\"" + t + "\">";
    const CheckInfo* info = find_check(c.id);
    out += "<properties>" + property("section", info ? info->section : "") +
           property("level", label(info)) + "</properties>";
    std::string word = result_word(c);
    if (word == "FAIL")
      out += "<failure type=\"" + xml_escape(label(info)) + "\" message=\"" +
             xml_escape(c.evidence) + "\"/>";
    else if (word == "skip" || word == "not-testable")
      out += "<skipped message=\"" + xml_escape(c.evidence) + "\"/>";
    else if (word == "note")
      out += "<system-out>NOTE (no spec rule): " + xml_escape(c.evidence) + "</system-out>";
    else if (word == "warn")
      // JUnit has no warnings; a SHOULD that is not met must not turn CI red.
      out += "<system-out>WARNING (SHOULD not met): " + xml_escape(c.evidence) + "</system-out>";
    out += "</testcase>\n";
  }
  out += "</testsuite></testsuites>\n";
  return out;
}

}  // namespace cni::conformance
