// Verdicts over every call a version made, whatever the scenario: none hung, each failure
// wrote a JSON error, stdout held nothing but the result (timeout.all-calls, error.json,
// stdout.json-only).
#include "cni/conformance/runner.h"

namespace cni::conformance {

using nlohmann::json;

void Runner::judge_calls() {
  std::vector<std::string> hung, no_json, noisy;
  std::vector<size_t> hung_ids, no_json_ids, noisy_ids;
  size_t total = 0, failures = 0;
  for (const auto& c : recorder_.calls()) {
    if (c.version != version_ && !(c.version == "-" && version_ == report_.tested.back())) continue;
    if (!c.not_run.empty()) continue;  // never made: nothing to judge
    ++total;
    std::string where = (c.verb.empty() ? std::string("(no CNI_COMMAND)") : c.verb) + " of " +
                        c.type + " [" + c.scenario + "]";
    if (c.timed_out) {
      hung.push_back(where + " " + c.summary());
      hung_ids.push_back(c.index);
      continue;
    }
    bool exact = false;
    json j = first_json_object(c.out, &exact);
    bool empty = c.out.find_first_not_of(" \t\r\n") == std::string::npos;
    if (!c.ok() && c.signal == 0) {
      ++failures;
      ErrorObject e = error_object(c);
      if (!e.present || !e.has_code || e.msg.empty()) {
        no_json.push_back(where + ": " + c.summary());
        no_json_ids.push_back(c.index);
      }
    }
    bool wants_object = c.ok() && (c.verb == "ADD" || c.verb == "VERSION");
    bool ok_stdout = wants_object ? exact : (c.ok() ? empty : (empty || exact));
    if (!ok_stdout) {
      noisy.push_back(where + ": stdout \"" + one_line(c.out, 100) + "\"");
      noisy_ids.push_back(c.index);
    }
  }
  auto first = [](const std::vector<std::string>& v) {
    std::string s = v.front();
    if (v.size() > 1) s += " (and " + std::to_string(v.size() - 1) + " more)";
    return s;
  };
  if (hung.empty())
    pass("timeout.all-calls", std::to_string(total) + " calls, none hung");
  else
    fail("timeout.all-calls", first(hung), hung_ids);
  if (no_json.empty())
    pass("error.json", std::to_string(failures) + " failures, each with a JSON error");
  else
    fail("error.json", first(no_json), no_json_ids);
  if (noisy.empty())
    pass("stdout.json-only", std::to_string(total) + " calls, stdout clean");
  else
    fail("stdout.json-only", first(noisy), noisy_ids);
}

}  // namespace cni::conformance
