// The state of one run of the suite and what every check works with: verdicts for the current
// version, a fresh sandbox and network per scenario, ADDs attributed to the run for the host
// diff. Shared by the files that hold the checks (checks_*.cpp) and by suite.cpp, which runs them.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cni/conformance/harness.h"
#include "cni/conformance/host_state.h"
#include "cni/conformance/recorder.h"
#include "cni/conformance/sandbox.h"
#include "cni/conformance/suite.h"

namespace cni::conformance {

class DelegateShim;

inline bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// One sandbox of a scenario: a namespace of the run and the attachment that lives in it.
struct Sandbox {
  std::unique_ptr<Netns> ns;
  Attachment att;
};

class Runner {
 public:
  explicit Runner(const SuiteOptions& o) : opt_(o), recorder_(o.timeout) {}

  Report run();

 private:
  // --- bookkeeping ---
  std::string next_name() { return opt_.prefix + "-" + std::to_string(++counter_); }
  bool wanted(const std::string& id) const { return check_selected(opt_.checks, id); }
  bool wanted_any(std::initializer_list<const char*> ids) const {
    return std::any_of(ids.begin(), ids.end(), [&](const char* id) { return wanted(id); });
  }
  void verdict(const std::string& id, Verdict v, std::string evidence,
               std::vector<size_t> calls = {}) {
    if (!wanted(id) || results_.count(id)) return;
    // A call the recorder refused to make (its verb already hung in this version) is no
    // evidence against the plugin: one hang costs one timeout, not a cascade of failures.
    if (v == Verdict::kFail)
      for (size_t i : calls)
        if (auto why = recorder_.not_run(i); !why.empty()) {
          v = Verdict::kSkip;
          evidence = "not run: " + why;
          break;
        }
    results_[id] = CheckResult{id, version_, v, std::move(evidence), std::move(calls)};
  }
  void not_testable(const std::string& id, const std::string& why) {
    verdict(id, Verdict::kNotTestable, "could not be tested here: " + why);
  }
  void check_interrupted() const {
    if (opt_.interrupted && *opt_.interrupted) throw Interrupted{};
  }
  void pass(const std::string& id, std::string ev, std::vector<size_t> calls = {}) {
    verdict(id, Verdict::kPass, std::move(ev), std::move(calls));
  }
  void fail(const std::string& id, std::string ev, std::vector<size_t> calls = {}) {
    verdict(id, Verdict::kFail, std::move(ev), std::move(calls));
  }
  void skip(const std::string& id, std::string ev) { verdict(id, Verdict::kSkip, std::move(ev)); }

  Sandbox sandbox() {
    check_interrupted();
    if (opt_.before_scenario) opt_.before_scenario();
    Sandbox s;
    s.ns = std::make_unique<Netns>(next_name());
    s.att = Attachment{next_name(), s.ns->name(), s.ns->path(), opt_.subject.ifname};
    return s;
  }
  std::unique_ptr<Network> network(const std::string& scenario, int pool = 0) {
    auto n =
        std::make_unique<Network>(opt_.subject, recorder_, version_, next_name(), scenario, pool);
    if (!n->host_local_dir().empty()) host_local_dirs_.insert(n->host_local_dir());
    return n;
  }
  // Everything an ADD outcome ties to this run, for the host diff (checks_host.cpp).
  void attribute(const Attachment& a, const AddOutcome& o);
  AddOutcome add(Network& net, const Attachment& a) {
    AddOutcome o = net.add(a);
    attribute(a, o);
    if (o.call && o.call->timed_out) add_hung_ = true;
    return o;
  }
  // When the ADD a scenario needs first has failed: skips `id` ("not run: <what> failed: ...")
  // and DELetes what the ADD left. Returns whether it did.
  bool skipped_after_failed_add(const std::string& id, const std::string& what, Network& net,
                                const Attachment& a, const AddOutcome& o) {
    if (o.ok()) return false;
    skip(id, "not run: " + what + " failed: " + o.describe());
    net.del(a, &o);
    return true;
  }
  std::vector<size_t> ids(std::initializer_list<const CallRecord*> calls) {
    std::vector<size_t> out;
    for (auto* c : calls)
      if (c) out.push_back(c->index);
    return out;
  }
  bool blocked(std::initializer_list<const char*> checks) {
    if (!add_hung_) return false;
    for (const char* c : checks) skip(c, "not run: an earlier ADD hung (see timeout.all-calls)");
    return true;
  }
  std::string pool_problem() const {
    std::string why;
    if (!can_shrink_pool(opt_.subject.plugins.back(), &why)) return why;
    return {};
  }

  // --- the order of the run (suite.cpp) ---
  void run_version();
  void finish_version();
  // --- how the plugin takes its calls (checks_protocol.cpp); the first two run once ---
  void check_version_answer();
  void check_unsupported_and_malformed();
  void scenario_env();
  // --- one attachment's ADD, CHECK and DEL (checks_lifecycle.cpp) ---
  void scenario_lifecycle();
  void scenario_check_removal();
  // --- DEL in the cases a runtime meets (checks_del.cpp) ---
  void scenario_del_without_add();
  void scenario_release();
  void scenario_del_netns(bool vanished);
  void scenario_del_netns_given() { scenario_del_netns(false); }
  void scenario_del_netns_gone() { scenario_del_netns(true); }
  void scenario_no_prev_result();
  // --- many attachments in one address pool (checks_pool.cpp) ---
  void scenario_parallel();
  void scenario_exhaustion();
  // --- the verbs of spec 1.1 (checks_gc_status.cpp) ---
  void scenario_gc();
  void scenario_status();
  // --- GC's other cases: empty list, unknown valid attachment, errors (checks_gc_cases.cpp) ---
  void scenario_gc_cases();
  void gc_unknown_valid();
  void gc_empty_list();
  void gc_continues_on_error();
  CallRecord gc(Network& net, const std::vector<const Attachment*>& valid);
  // --- delegation to the IPAM plugin, through a recording shim (checks_delegation.cpp) ---
  void scenario_delegation();
  void judge_delegation(Network& net, DelegateShim& shim, const std::string& type);
  // --- VERSION's echo, CNI_IFNAME, the variables of DEL, CHECK, GC (checks_version.cpp) ---
  void check_version_echo();
  void scenario_ifname();
  void scenario_env_other_verbs();
  // --- CHECK after a later plugin's change (checks_check.cpp) ---
  void scenario_check_tolerates();
  // --- the fields spec 1.1.0 added to results (checks_result_fields.cpp) ---
  void judge_result_fields(const AddOutcome& o);
  // --- over every call of a version (checks_calls.cpp) ---
  void judge_calls();
  // --- CHECK against prevResult and what it stands for (checks_check_state.cpp) ---
  void scenario_check_state();
  // --- STATUS of a full and a free pool (checks_status_pool.cpp) ---
  void scenario_status_pool();
  // --- an IPAM plugin's result (checks_ipam_result.cpp) ---
  void scenario_ipam_result();
  // --- the plugin under test second in a chain (checks_chain_second.cpp) ---
  void scenario_chain_second();
  // --- claimed versions the suite does not know (checks_claimed_versions.cpp) ---
  void note_unknown_versions();
  // --- what the run left on the host (checks_host.cpp) ---
  void judge_host(const HostSnapshot& before);
  // In the private host namespace: a snapshot before an attachment's ADD (nullopt on the real
  // host, where others change it too), and after its DEL what is still there is its doing
  // (Attribution::left_by, judged by host.clean).
  std::optional<HostSnapshot> host_before_add() const;
  void attribute_leftovers(const Attachment& a, const std::optional<HostSnapshot>& before);

  const SuiteOptions& opt_;
  Recorder recorder_;
  Report report_;
  int counter_ = 0;
  std::string version_;
  std::map<std::string, CheckResult> results_;  // of the current version
  Attribution attr_;
  std::map<std::string, std::set<std::string>> link_owners_;
  std::set<std::string> host_local_dirs_;
  // host-local state directories whose leftovers a failed check already counts (a DEL that
  // failed without its netns never freed the address): dir -> that check.
  std::map<std::string, std::string> counted_dirs_;
  bool add_hung_ = false;
  bool add_failed_ = false;          // the lifecycle ADD failed: add.result says why, once
  std::optional<bool> released_;     // del.releases-address outcome, for the netns variants
  std::vector<CheckResult> once_;    // results of the once-only checks
  std::string environment_problem_;  // set: every check of the run is not testable here
};

// Why an ADD failure is the environment's, not the plugin's: its error says this kernel does not
// support the operation or link type (EOPNOTSUPP, "not supported", an unknown link kind). ""
// when it does not.
std::string environment_failure(const AddOutcome& o);

// Whether the plugin under test is an IPAM plugin called directly, as a runtime's interface
// plugin would delegate to it: its "ipam" names its own type (host-local's and static's
// profiles, or a --config written that way).
bool is_ipam_subject(const Subject& s);

}  // namespace cni::conformance
