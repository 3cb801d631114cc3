// `minipod cni conformance`: runs the catalogue's checks against one plugin, for every spec
// version it claims, in namespaces the suite creates, and puts the host back afterwards.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "cni/conformance/catalogue.h"
#include "cni/conformance/harness.h"
#include "cni/conformance/recorder.h"

namespace cni::conformance {

struct SuiteOptions {
  Subject subject;
  std::string plugin_path;            // the binary under test
  std::string config_source;          // "--config FILE" or "built-in profile bridge"
  std::vector<std::string> versions;  // --versions; empty: every claimed version
  std::string config_version;         // tested when VERSION fails and --versions is not given
  std::vector<std::string>
      checks;  // --checks; empty: all (an entry ending in '.' or '*' is a prefix)
  std::chrono::milliseconds timeout{10'000};
  std::string prefix;  // names of netns, networks, containers: <prefix>-<n>
  int parallel = 4;
  std::function<void()> before_scenario;  // profile: (re)create what the plugin needs
  std::vector<std::string> suite_links;   // links the profile created (never findings)
  // The kernel link type the plugin needs ("ipvlan", "vlan", "vrf", ...; "" none): probed in a
  // scratch namespace first, so a kernel without it makes the run "not testable here" instead
  // of failing the plugin (see probe_link_type()).
  std::string link_type;
  // The run is in the suite's private host namespace (not --on-host): nothing but the plugin
  // changes that "host", so what appears between one attachment's ADD and its DEL is its doing.
  bool private_host = false;
  // Set by a SIGTERM/SIGINT handler: the run stops at the next scenario, and everything the
  // suite made is removed on the way out.
  const volatile int* interrupted = nullptr;
  // A directory of the run, removed after it: the suite writes its own helper plugin there
  // (the first plugin of the chain in checks_chain_second.cpp).
  std::string scratch_dir;
};

// kNotTestable: the environment, not the plugin, kept the check from being judged (this kernel
// cannot create the link type the plugin needs, or the plugin said so).
enum class Verdict { kPass, kFail, kSkip, kNotTestable };

struct CheckResult {
  std::string id, version;  // version "-" for once-only checks
  Verdict verdict = Verdict::kSkip;
  std::string evidence;  // one line
  std::vector<size_t> calls;
};

struct Report {
  std::string plugin, path, config_source;
  std::string tool_version, started, sha256;  // minipod's version, UTC start time, the binary's
  std::vector<std::string> claimed, tested;
  std::vector<CheckResult> results;
  std::vector<CallRecord> calls;
  std::vector<std::string> cleanup;  // what the suite had to undo on the host
  int passed = 0, failed = 0, warnings = 0, skipped = 0, not_testable = 0, notes = 0;
  std::string not_testable_reason;  // the first one, for the summary
  // A MUST check failed.
  bool must_failed() const { return failed > 0; }
  // 0: no MUST failed; 1: a MUST failed; 3: none failed but some could not be tested here.
  int exit_code() const { return failed > 0 ? 1 : not_testable > 0 ? 3 : 0; }
};

Report run_suite(const SuiteOptions& options);

// Thrown out of run_suite() when options.interrupted is set.
struct Interrupted {};

// Whether this kernel can create a `type` link, tried in a scratch namespace <prefix>-probe;
// "" when it can, else why not (ip's error).
std::string probe_link_type(const std::string& type, const std::string& prefix);

// Whether a check ID is selected by --checks (exact IDs, or prefixes ending in '.' or '*').
bool check_selected(const std::vector<std::string>& filter, const std::string& id);

}  // namespace cni::conformance
