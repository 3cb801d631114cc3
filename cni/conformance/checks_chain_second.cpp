// An interface plugin put second in a chain, after a first plugin of the suite's own whose
// result it must carry on: SPEC.md §2 ADD "If the plugin was supplied a prevResult as part of
// its input configuration, it MUST handle prevResult by either passing it through, or modifying
// it appropriately." So chain.prev-result is judged for every plugin, not only the chained ones
// of a --config list (those are judged in checks_lifecycle.cpp).
#include "cni/conformance/runner.h"

#include "cni/conformance/shape.h"
#include "cni/version.h"
#include "common/fs.h"

namespace cni::conformance {

using nlohmann::json;

namespace {

// The first plugin: ADD prints a fixed result (a host-side interface and a documentation
// address, RFC 5737, nothing that touches the system); every other verb succeeds silently.
std::string first_plugin_script(const std::string& version) {
  json ip{{"address", "192.0.2.1/24"}, {"interface", 0}};
  if (!version_at_least(version, "1.0.0")) ip["version"] = "4";
  json result{{"cniVersion", version},
              {"interfaces", {{{"name", "cfprev0"}, {"mac", "02:00:5e:00:53:01"}}}},
              {"ips", {ip}},
              {"dns", json::object()}};
  return "#!/bin/sh\n# minipod cni conformance: the first plugin of a chain (chain.prev-result)\n"
         "cat >/dev/null\n[ \"$CNI_COMMAND\" = ADD ] || exit 0\necho '" +
         result.dump() + "'\n";
}

}  // namespace

void Runner::scenario_chain_second() {
  if (!version_at_least(version_, "0.3.0") || !wanted("chain.prev-result")) return;
  if (opt_.subject.chained()) return;  // judged with the --config list's own chain
  if (is_ipam_subject(opt_.subject)) {
    skip("chain.prev-result", "an IPAM plugin is delegated to, not chained");
    return;
  }
  if (opt_.scratch_dir.empty()) {
    skip("chain.prev-result", "no scratch directory for the suite's first plugin");
    return;
  }
  if (blocked({"chain.prev-result"})) return;
  Subject chain = opt_.subject;
  std::string first = opt_.scratch_dir + "/cf-first-" + version_;
  // Atomic: the file is replaced, never rewritten while a call of an earlier version runs it.
  minipod::fs::write_file_atomic(first, first_plugin_script(version_), 0755);
  chain.plugins.insert(chain.plugins.begin(), json{{"type", "cf-first"}});
  chain.paths.insert(chain.paths.begin(), first);
  Network net(chain, recorder_, version_, next_name(), "second in a chain");
  if (!net.host_local_dir().empty()) host_local_dirs_.insert(net.host_local_dir());
  Sandbox s = sandbox();
  AddOutcome o = add(net, s.att);
  if (!o.ok()) {
    skip("chain.prev-result",
         "not run: ADD after the suite's first plugin failed: " + o.describe());
  } else {
    std::string ev;
    if (prev_result_kept(o.prev, o.result, &ev))
      pass("chain.prev-result", "second in a chain: " + ev, ids({&*o.call}));
    else
      fail("chain.prev-result", "second in a chain: " + ev, ids({&*o.call}));
  }
  net.del(s.att, &o);
}

}  // namespace cni::conformance
