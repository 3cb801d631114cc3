// The verbs of spec 1.1: GC frees what is not in its list of valid attachments and keeps what
// is; STATUS answers (gc.verb, status.verb).
#include "cni/conformance/runner.h"

#include "cni/version.h"
#include "common/strings.h"

namespace cni::conformance {

using minipod::join;
using nlohmann::json;

void Runner::scenario_gc() {
  if (!version_at_least(version_, "1.1.0") || !wanted("gc.verb")) return;
  if (blocked({"gc.verb"})) return;
  std::string why = pool_problem();
  if (opt_.subject.max_attachments == 1) {
    skip("gc.verb", "the profile allows one attachment at a time");
    return;
  }
  auto net = network("GC", why.empty() ? 2 : 0);
  Sandbox a = sandbox(), b = sandbox(), c = sandbox();
  AddOutcome oa = add(*net, a.att), ob = add(*net, b.att);
  if (!oa.ok() || !ob.ok()) {
    skip("gc.verb", "not run: ADD failed: " + (oa.ok() ? ob : oa).describe());
  } else {
    json valid = json::array({{{"containerID", a.att.container_id}, {"ifname", a.att.ifname}}});
    CallRecord g = net->call(
        "GC", Attachment{},
        net->plain_stdin({{"cni.dev/valid-attachments", valid}, {"cni.dev/attachments", valid}}));
    CallRecord k = net->check(a.att, oa);
    std::vector<size_t> calls = ids({&g, &k});
    if (!g.ok()) {
      fail("gc.verb", "GC: " + g.summary(), calls);
    } else if (!k.ok()) {
      fail("gc.verb", "GC succeeded but the valid attachment no longer checks out: " + k.summary(),
           calls);
    } else if (why.empty()) {
      AddOutcome oc = add(*net, c.att);
      if (oc.call) calls.push_back(oc.call->index);
      if (oc.ok())
        pass("gc.verb",
             "GC kept " + a.att.container_id + " and freed " + join(ob.addresses(), ", "), calls);
      else
        fail("gc.verb",
             "GC did not free " + join(ob.addresses(), ", ") + " of the invalid attachment " +
                 b.att.container_id + ": a new ADD failed: " + oc.describe(),
             calls);
      net->del(c.att, &oc);
    } else {
      pass("gc.verb",
           "GC succeeded and kept the valid attachment (freeing not judged: " + why + ")", calls);
    }
  }
  net->del(a.att, &oa);
  net->del(b.att, &ob);
}

void Runner::scenario_status() {
  if (!version_at_least(version_, "1.1.0") || !wanted("status.verb")) return;
  auto net = network("STATUS");
  CallRecord c = net->call("STATUS", Attachment{}, net->plain_stdin(json::object()));
  ErrorObject e = error_object(c);
  if (c.ok())
    pass("status.verb", c.summary(), ids({&c}));
  else if (e.present && e.has_code && (e.code == 50 || e.code == 51))
    pass("status.verb", "not available: " + c.summary(), ids({&c}));
  else
    fail("status.verb", c.summary(), ids({&c}));
}

}  // namespace cni::conformance
