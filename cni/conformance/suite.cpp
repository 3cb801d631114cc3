// The order of a run: VERSION first, then for each version the plugin claims (and --versions
// allows) every scenario, the verdicts over its calls and the host check; the once-only results
// go first in the report, then the tally. The checks themselves are in checks_*.cpp.
#include "cni/conformance/suite.h"

#include <algorithm>

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
  add_hung_ = false;
  add_failed_ = false;
  released_.reset();
  HostSnapshot before = snapshot_host();
  try {
    // The once-only checks run with the newest version, so their calls are judged with its calls.
    if (version_ == report_.tested.back()) check_unsupported_and_malformed();
    scenario_env();
    scenario_lifecycle();
    scenario_check_removal();
    scenario_del_without_add();
    scenario_release();
    scenario_del_netns(false);
    scenario_del_netns(true);
    scenario_no_prev_result();
    scenario_parallel();
    scenario_exhaustion();
    scenario_gc();
    scenario_status();
    scenario_ifname();
    scenario_env_other_verbs();
    scenario_check_tolerates();
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
  for (const auto& v : report_.tested) {
    version_ = v;
    run_version();
    finish_version();
  }
  std::vector<CheckResult> once;
  for (const auto& c : catalogue()) {
    if (c.per_version || !wanted(c.id)) continue;
    auto it = std::find_if(once_.begin(), once_.end(), [&](const auto& r) { return r.id == c.id; });
    CheckResult r =
        it != once_.end()
            ? *it
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
    if (r.verdict == Verdict::kPass)
      ++report_.passed;
    else if (r.verdict == Verdict::kSkip)
      ++report_.skipped;
    else if (info && info->level == Level::kShould)
      ++report_.warnings;
    else
      ++report_.failed;
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

Report run_suite(const SuiteOptions& options) {
  Runner runner(options);
  return runner.run();
}

}  // namespace cni::conformance
