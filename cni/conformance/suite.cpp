// The order of a run: VERSION first, then for each version the plugin claims (and --versions
// allows) every scenario, the verdicts over its calls and the host check; the once-only results
// go first in the report, then the tally. The checks themselves are in checks_*.cpp.
#include "cni/conformance/suite.h"

#include <algorithm>
#include <cctype>

#include "cni/conformance/catalogue.h"
#include "cni/conformance/runner.h"
#include "cni/version.h"

namespace cni::conformance {

void Runner::finish_version() {
  for (auto& [id, r] : results_) {
    const CheckInfo* info = find_check(id);
    if (info && !info->per_version) once_.push_back(r);
  }
  for (const auto& c : catalogue()) {
    if (!c.per_version || !wanted(c.id)) continue;
    if (!applies(c, version_)) continue;
    auto it = results_.find(c.id);
    if (it != results_.end()) {
      report_.results.push_back(it->second);
    } else if (!environment_problem_.empty()) {
      report_.results.push_back(CheckResult{c.id,
                                            version_,
                                            Verdict::kNotTestable,
                                            "could not be tested here: " + environment_problem_,
                                            {}});
    } else {
      report_.results.push_back(CheckResult{c.id, version_, Verdict::kSkip, "not run", {}});
    }
  }
  results_.clear();
}

void Runner::run_version() {
  attr_ = Attribution{};
  link_owners_.clear();
  host_local_dirs_.clear();
  counted_dirs_.clear();
  add_hung_ = false;
  add_failed_ = false;
  released_.reset();
  HostSnapshot before = snapshot_host();
  // An environment the plugin cannot work in (found by the probe or by the lifecycle ADD) ends
  // the version's scenarios: what was not judged is "not testable here", not a failure.
  const std::vector<void (Runner::*)()> scenarios{&Runner::scenario_env,
                                                  &Runner::scenario_lifecycle,
                                                  &Runner::scenario_check_removal,
                                                  &Runner::scenario_del_without_add,
                                                  &Runner::scenario_release,
                                                  &Runner::scenario_del_netns_given,
                                                  &Runner::scenario_del_netns_gone,
                                                  &Runner::scenario_no_prev_result,
                                                  &Runner::scenario_parallel,
                                                  &Runner::scenario_exhaustion,
                                                  &Runner::scenario_gc,
                                                  &Runner::scenario_status,
                                                  &Runner::scenario_ifname,
                                                  &Runner::scenario_env_other_verbs,
                                                  &Runner::scenario_check_tolerates,
                                                  &Runner::scenario_gc_cases,
                                                  &Runner::scenario_delegation,
                                                  &Runner::scenario_check_state,
                                                  &Runner::scenario_status_pool,
                                                  &Runner::scenario_ipam_result,
                                                  &Runner::scenario_chain_second};
  try {
    // The once-only checks run with the newest version, so their calls are judged with its calls.
    if (environment_problem_.empty() && version_ == report_.tested.back())
      check_unsupported_and_malformed();
    for (auto scenario : scenarios) {
      if (!environment_problem_.empty()) break;
      (this->*scenario)();
    }
  } catch (...) {
    judge_host(before);
    throw;
  }
  judge_calls();
  judge_host(before);
}

Report Runner::run() {
  report_.plugin = opt_.subject.type;
  report_.path = opt_.plugin_path;
  report_.config_source = opt_.config_source;
  version_ = opt_.versions.empty() ? current_version() : opt_.versions.back();
  check_version_answer();
  check_version_echo();
  note_unknown_versions();
  // What to test: every claimed version minipod knows, limited by --versions.
  for (const auto& v : report_.claimed)
    if (is_supported_version(v) && (opt_.versions.empty() || contains(opt_.versions, v)) &&
        !contains(report_.tested, v))
      report_.tested.push_back(v);
  if (report_.claimed.empty()) {
    for (const auto& v : opt_.versions)
      if (is_supported_version(v)) report_.tested.push_back(v);
    if (opt_.versions.empty() && is_supported_version(opt_.config_version))
      report_.tested.push_back(opt_.config_version);
  }
  std::sort(report_.tested.begin(), report_.tested.end(),
            [](const std::string& a, const std::string& b) { return compare_versions(a, b) < 0; });
  for (auto& [id, r] : results_) once_.push_back(r);  // version.answer
  results_.clear();
  if (!opt_.link_type.empty() && !report_.tested.empty()) {
    std::string why = probe_link_type(opt_.link_type, opt_.prefix);
    if (!why.empty())
      environment_problem_ = "this kernel cannot create " + opt_.link_type +
                             " links, which the plugin needs (" + why + ")";
  }
  for (const auto& v : report_.tested) {
    version_ = v;
    // Once the environment is known not to do what the plugin needs, later versions would only
    // find the same: every check of theirs is not testable here.
    if (environment_problem_.empty()) run_version();
    finish_version();
  }
  std::vector<CheckResult> once;
  for (const auto& c : catalogue()) {
    if (c.per_version || !wanted(c.id)) continue;
    auto it = std::find_if(once_.begin(), once_.end(), [&](const auto& r) { return r.id == c.id; });
    CheckResult r =
        it != once_.end() ? *it
        : !environment_problem_.empty()
            ? CheckResult{c.id,
                          "-",
                          Verdict::kNotTestable,
                          "could not be tested here: " + environment_problem_,
                          {}}
            : CheckResult{
                  c.id, "-", Verdict::kSkip, "not run: no version to test (VERSION failed)", {}};
    // A std::string, not "-": assigning the literal here trips GCC 12's -Wrestrict (a false
    // positive, GCC bug 105329).
    r.version = std::string("-");
    once.push_back(r);
  }
  report_.results.insert(report_.results.begin(), once.begin(), once.end());
  for (const auto& n : remove_netns_with_prefix(opt_.prefix))
    report_.cleanup.push_back("removed network namespace " + n);
  report_.calls = recorder_.calls();
  for (const auto& r : report_.results) {
    const CheckInfo* info = find_check(r.id);
    if (r.verdict == Verdict::kPass) {
      ++report_.passed;
    } else if (r.verdict == Verdict::kSkip) {
      ++report_.skipped;
    } else if (r.verdict == Verdict::kNotTestable) {
      if (report_.not_testable++ == 0) report_.not_testable_reason = r.evidence;
    } else if (info && info->level == Level::kInfo) {
      ++report_.notes;
    } else if (info && info->level == Level::kShould) {
      ++report_.warnings;
    } else {
      ++report_.failed;
    }
  }
  return report_;
}

bool check_selected(const std::vector<std::string>& filter, const std::string& id) {
  if (filter.empty()) return true;
  for (const auto& f : filter) {
    if (f == id) return true;
    if (!f.empty() && (f.back() == '.' || f.back() == '*') &&
        id.starts_with(f.substr(0, f.size() - (f.back() == '*' ? 1 : 0))))
      return true;
  }
  return false;
}

std::string environment_failure(const AddOutcome& o) {
  if (!o.call || o.call->timed_out || o.call->ok()) return {};
  ErrorObject e = error_object(*o.call);
  std::string text = e.msg + " " + e.details + " " + o.call->err;
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // "version 9.9.9 not supported" is about the config, the plugin's business.
  if (lower.find("version") != std::string::npos) return {};
  for (const char* sign : {"operation not supported", "not supported", "eopnotsupp",
                           "unknown device type", "unknown link kind", "no such device type"})
    if (lower.find(sign) != std::string::npos)
      return "the plugin's ADD says this environment does not support what it needs: " +
             o.call->summary();
  return {};
}

std::string probe_link_type(const std::string& type, const std::string& prefix) {
  // Masters for the link types that need one; the probe's own veth pair.
  std::string make;
  if (type == "macvlan" || type == "ipvlan" || type == "vlan") {
    make = "ip link add cfq0 type veth peer name cfq1 && ip link add cfq2 link cfq0 type " + type +
           (type == "vlan"     ? " id 233"
            : type == "ipvlan" ? " mode l2"
                               : " mode bridge");
  } else if (type == "vrf") {
    make = "ip link add cfq2 type vrf table 1233";
  } else {
    make = "ip link add cfq2 type " + type;
  }
  const std::string ns = prefix + "-probe";
  Shell r = sh("ip netns add " + ns + " && ip netns exec " + ns + " sh -c '" + make + "'");
  sh("ip netns del " + ns + " 2>/dev/null");
  if (r.code == 0) return {};
  std::string err = one_line(r.err, 120);
  return "`" + make + "` in a scratch namespace: " + (err.empty() ? "failed" : err);
}

Report run_suite(const SuiteOptions& options) {
  Runner runner(options);
  return runner.run();
}

}  // namespace cni::conformance
