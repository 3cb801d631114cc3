// CHECK after a later plugin of the chain changed the sandbox: an added route must not make it
// fail (check.tolerates-later-changes).
#include "cni/conformance/runner.h"

#include "cni/version.h"

namespace cni::conformance {

void Runner::scenario_check_tolerates() {
  if (!version_at_least(version_, "0.4.0") || !wanted("check.tolerates-later-changes")) return;
  if (blocked({"check.tolerates-later-changes"})) return;
  Sandbox s = sandbox();
  auto net = network("CHECK after a later plugin's route");
  AddOutcome o = add(*net, s.att);
  auto owned = o.ok() ? o.owned_interfaces() : std::vector<std::string>{};
  if (!o.ok()) {
    skip("check.tolerates-later-changes", "not run: ADD failed: " + o.describe());
  } else if (owned.empty()) {
    skip("check.tolerates-later-changes", "the plugin created no interface of its own");
  } else {
    // SPEC.md §2 CHECK: "The plugin must allow for a later chained plugin to have modified
    // networking resources, e.g. routes, on ADD." The route is what such a plugin would add: a
    // documentation prefix (RFC 5737) through the plugin's interface.
    Shell r = sh("ip -n " + s.att.netns_name + " route add 198.51.100.0/24 dev " + owned[0]);
    if (r.code != 0) {
      skip("check.tolerates-later-changes", "could not add a route: " + r.err);
    } else {
      CallRecord c = net->check(s.att, o);
      if (c.ok())
        pass("check.tolerates-later-changes",
             "CHECK after a route 198.51.100.0/24 was added: " + c.summary(), ids({&c}));
      else
        fail("check.tolerates-later-changes",
             "CHECK after a route 198.51.100.0/24 via " + owned[0] + " was added: " + c.summary(),
             ids({&c}));
    }
  }
  net->del(s.att, &o);
}

}  // namespace cni::conformance
