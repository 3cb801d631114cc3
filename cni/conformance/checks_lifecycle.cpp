// One attachment's ADD, CHECK and DEL as a runtime makes them, and whether CHECK notices what
// was removed behind the plugin's back (add.*, chain.prev-result, check.*, del.removes,
// del.twice).
#include "cni/conformance/runner.h"

#include "cni/conformance/shape.h"
#include "cni/version.h"
#include "common/strings.h"

namespace cni::conformance {

using minipod::join;
using nlohmann::json;

void Runner::scenario_lifecycle() {
  if (!wanted_any({"add.result", "add.result-real", "add.duplicate", "chain.prev-result",
                   "check.after-add", "check.refused-old-version", "del.removes", "del.twice"}))
    return;
  if (blocked({"add.result", "add.result-real", "add.duplicate", "chain.prev-result",
               "check.after-add", "check.refused-old-version", "del.removes", "del.twice"}))
    return;
  Sandbox s = sandbox();
  auto net = network("lifecycle");
  std::optional<HostSnapshot> host = host_before_add();
  AddOutcome o = add(*net, s.att);
  if (!o.prefix_ok) {
    for (const char* id :
         {"add.result", "add.result-real", "add.duplicate", "chain.prev-result", "check.after-add",
          "check.refused-old-version", "del.removes", "del.twice"})
      skip(id, "not run: " + o.describe());
    return;
  }
  if (!o.ok()) {
    if (auto why = environment_failure(o); !why.empty()) {
      environment_problem_ = why;
      not_testable("add.result", why);
      net->del(s.att, &o);
      return;
    }
    add_failed_ = true;
    fail("add.result", "ADD failed: " + o.describe(), ids({&*o.call}));
    for (const char* id :
         {"add.result-real", "add.duplicate", "chain.prev-result", "check.after-add",
          "check.refused-old-version", "del.removes", "del.twice"})
      skip(id, "not run: ADD failed (see add.result)");
    net->del(s.att, &o);
    return;
  }
  auto problems = shape_problems(o.result, version_, s.att, o.after);
  if (problems.empty())
    pass("add.result", one_line(o.result.dump(), 200), ids({&*o.call}));
  else
    fail("add.result", join(problems, "; "), ids({&*o.call}));
  auto unreal = reality_problems(o.result, version_, s.att, o.before, o.after);
  if (unreal.empty())
    pass("add.result-real", describe_sandbox(o.after), ids({&*o.call}));
  else
    fail("add.result-real", join(unreal, "; "), ids({&*o.call}));
  if (opt_.subject.chained()) {
    std::string ev;
    if (prev_result_kept(o.prev, o.result, &ev))
      pass("chain.prev-result", ev, ids({&*o.call}));
    else
      fail("chain.prev-result", ev, ids({&*o.call}));
  }  // else: checks_chain_second.cpp puts the plugin second in a chain of the suite's own

  auto owned = o.owned_interfaces();
  if (!owned.empty()) {
    AddOutcome again = add(*net, s.att);
    if (again.ok())
      fail("add.duplicate", "the second ADD succeeded: " + one_line(again.result.dump(), 120),
           ids({&*again.call}));
    else
      pass("add.duplicate", again.describe(), again.call ? ids({&*again.call}) : ids({}));
  } else {
    skip("add.duplicate", "the plugin created no interface of its own in the sandbox");
  }

  if (version_at_least(version_, "0.4.0")) {
    CallRecord c = net->check(s.att, o);
    if (c.ok())
      pass("check.after-add", c.summary(), ids({&c}));
    else
      fail("check.after-add", c.summary(), ids({&c}));
  } else {
    json prev = convert_result(o.result, version_);
    CallRecord c = net->call("CHECK", s.att, net->plugin_stdin(&prev));
    if (c.ok())
      fail("check.refused-old-version", "CHECK with cniVersion " + version_ + " succeeded",
           ids({&c}));
    else
      pass("check.refused-old-version", c.summary(), ids({&c}));
  }

  CallRecord d = net->del(s.att, &o);
  auto links = netns_links(s.att.netns_name);
  std::vector<std::string> left;
  for (const auto& i : o.sandbox_interfaces())
    if (find_link(links, i)) left.push_back("interface " + i);
  for (const auto& a : o.owned_addresses())
    for (const auto& l : links)
      if (contains(l.addresses, a)) left.push_back("address " + a + " on " + l.name);
  if (!d.ok())
    fail("del.removes", "DEL failed: " + d.summary(), ids({&d}));
  else if (!left.empty())
    fail("del.removes", "DEL succeeded but left " + join(left, ", "), ids({&d}));
  else
    pass("del.removes",
         "removed " + (o.sandbox_interfaces().empty()
                           ? std::string("(nothing in the sandbox to remove)")
                           : join(o.sandbox_interfaces(), ", ")),
         ids({&d}));
  CallRecord d2 = net->del(s.att, &o);
  attribute_leftovers(s.att, host);
  if (d2.ok())
    pass("del.twice", d2.summary(), ids({&d2}));
  else
    fail("del.twice", "second DEL: " + d2.summary(), ids({&d, &d2}));
}

void Runner::scenario_check_removal() {
  if (!version_at_least(version_, "0.4.0") ||
      !wanted_any({"check.removed-address", "check.removed-interface"}))
    return;
  if (blocked({"check.removed-address", "check.removed-interface"})) return;
  Sandbox s = sandbox();
  auto net = network("check notices removal");
  AddOutcome o = add(*net, s.att);
  if (!o.ok()) {
    skip("check.removed-address", "not run: ADD failed: " + o.describe());
    skip("check.removed-interface", "not run: ADD failed: " + o.describe());
    net->del(s.att, &o);
    return;
  }
  auto owned = o.owned_interfaces();
  auto addrs = o.owned_addresses();
  if (owned.empty()) {
    skip("check.removed-address", "the plugin created no interface of its own in the sandbox");
    skip("check.removed-interface", "the plugin created no interface of its own in the sandbox");
  } else {
    if (addrs.empty()) {
      skip("check.removed-address", "the result puts no address on " + owned[0]);
    } else {
      std::string dev;
      for (const auto& l : o.after)
        if (contains(l.addresses, addrs[0])) dev = l.name;
      if (dev.empty()) {
        skip("check.removed-address", addrs[0] + " is not in the sandbox (see add.result-real)");
      } else {
        sh("ip -n " + s.att.netns_name + " addr del " + addrs[0] + " dev " + dev);
        CallRecord c = net->check(s.att, o);
        if (c.ok())
          fail("check.removed-address",
               "CHECK succeeded after " + addrs[0] + " was removed from " + dev, ids({&c}));
        else
          pass("check.removed-address", "removed " + addrs[0] + ": " + c.summary(), ids({&c}));
      }
    }
    sh("ip -n " + s.att.netns_name + " link del " + owned[0]);
    CallRecord c = net->check(s.att, o);
    if (c.ok())
      fail("check.removed-interface", "CHECK succeeded after " + owned[0] + " was deleted",
           ids({&c}));
    else
      pass("check.removed-interface", "deleted " + owned[0] + ": " + c.summary(), ids({&c}));
  }
  net->del(s.att, &o);
}

}  // namespace cni::conformance
