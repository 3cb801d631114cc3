// GC in the cases a runtime meets besides the plain one of gc.verb (spec 1.1.0): an empty list
// of valid attachments frees everything, a valid attachment the plugin never saw is no error,
// and one stale attachment the plugin cannot clean up does not keep the others from being
// collected (gc.empty-list, gc.unknown-valid, gc.continues-on-error).
#include "cni/conformance/runner.h"

#include "cni/version.h"
#include "common/strings.h"

namespace cni::conformance {

using minipod::join;
using nlohmann::json;

namespace {

json valid_list(const std::vector<const Attachment*>& valid) {
  json list = json::array();
  for (const Attachment* a : valid)
    list.push_back({{"containerID", a->container_id}, {"ifname", a->ifname}});
  return list;
}

}  // namespace

CallRecord Runner::gc(Network& net, const std::vector<const Attachment*>& valid) {
  json list = valid_list(valid);
  // Both spellings, as gc.verb sends them (the older one for plugins of the 1.1 drafts).
  return net.call(
      "GC", Attachment{},
      net.plain_stdin({{"cni.dev/valid-attachments", list}, {"cni.dev/attachments", list}}));
}

void Runner::scenario_gc_cases() {
  const std::vector<const char*> checks{"gc.empty-list", "gc.unknown-valid",
                                        "gc.continues-on-error"};
  if (!version_at_least(version_, "1.1.0") ||
      !wanted_any({"gc.empty-list", "gc.unknown-valid", "gc.continues-on-error"}))
    return;
  if (blocked({"gc.empty-list", "gc.unknown-valid", "gc.continues-on-error"})) return;
  if (opt_.subject.max_attachments == 1) {
    for (const char* id : checks) skip(id, "the profile allows one attachment at a time");
    return;
  }
  if (wanted("gc.unknown-valid")) gc_unknown_valid();
  // Whether GC freed an address is seen by a new ADD in a pool that only has the freed ones.
  std::string why = pool_problem();
  for (const char* id : {"gc.empty-list", "gc.continues-on-error"})
    if (!why.empty()) skip(id, "freeing not judged: " + why);
  if (!why.empty()) return;
  if (wanted("gc.empty-list")) gc_empty_list();
  if (wanted("gc.continues-on-error")) gc_continues_on_error();
}

void Runner::gc_unknown_valid() {
  auto net = network("GC with an unknown valid attachment");
  Sandbox a = sandbox();
  AddOutcome oa = add(*net, a.att);
  if (skipped_after_failed_add("gc.unknown-valid", "ADD", *net, a.att, oa)) return;
  // An attachment the runtime knows and the plugin never saw (its ADD went to another plugin
  // of the list, or failed before reaching this one).
  Attachment ghost{next_name(), "", "", a.att.ifname};
  CallRecord g = gc(*net, {&a.att, &ghost});
  if (g.ok())
    pass("gc.unknown-valid",
         "GC with " + ghost.container_id + " (never added) in the list: " + g.summary(), ids({&g}));
  else
    fail(
        "gc.unknown-valid",
        "GC failed with " + ghost.container_id + " (never added) in the valid list: " + g.summary(),
        ids({&g}));
  net->del(a.att, &oa);
}

void Runner::gc_empty_list() {
  auto net = network("GC with an empty list", 2);
  Sandbox a = sandbox(), b = sandbox(), c = sandbox(), d = sandbox();
  AddOutcome oa = add(*net, a.att), ob = add(*net, b.att);
  std::vector<std::pair<Attachment*, AddOutcome*>> made{{&a.att, &oa}, {&b.att, &ob}};
  AddOutcome oc, od;
  if (!oa.ok() || !ob.ok()) {
    skip("gc.empty-list", "not run: ADD failed: " + (oa.ok() ? ob : oa).describe());
  } else {
    CallRecord g = gc(*net, {});
    std::vector<size_t> calls = ids({&g});
    std::string freed = join(oa.addresses(), ", ") + ", " + join(ob.addresses(), ", ");
    if (!g.ok()) {
      fail("gc.empty-list", "GC with an empty valid list: " + g.summary(), calls);
    } else {
      oc = add(*net, c.att);
      od = oc.ok() ? add(*net, d.att) : AddOutcome{};
      made.push_back({&c.att, &oc});
      if (oc.ok()) made.push_back({&d.att, &od});
      for (const AddOutcome* o : {&oc, &od})
        if (o->call) calls.push_back(o->call->index);
      const AddOutcome& bad = oc.ok() ? od : oc;
      if (oc.ok() && od.ok())
        pass("gc.empty-list", "GC with an empty valid list freed " + freed, calls);
      else
        fail("gc.empty-list",
             "GC with an empty valid list succeeded but did not free " + freed +
                 ": a new ADD in that pool failed: " + bad.describe(),
             calls);
    }
  }
  for (auto& [att, o] : made) net->del(*att, o);
}

void Runner::gc_continues_on_error() {
  auto net = network("GC continues on errors", 3);
  Sandbox v = sandbox(), a = sandbox(), b = sandbox(), c = sandbox();
  AddOutcome ov = add(*net, v.att), oa = add(*net, a.att), ob = add(*net, b.att), oc;
  std::vector<std::pair<Attachment*, AddOutcome*>> made{
      {&v.att, &ov}, {&a.att, &oa}, {&b.att, &ob}};
  // a's own host-side interface (named by its result alone) is taken away behind the plugin's
  // back: cleaning a up meets an error, b's resources are intact.
  std::string own;
  if (oa.result.is_object() && oa.result.contains("interfaces") &&
      oa.result["interfaces"].is_array())
    for (const auto& i : oa.result["interfaces"]) {
      if (!i.is_object() || !i.value("name", json("")).is_string() ||
          !i.value("sandbox", json("")).is_string() || !i.value("sandbox", "").empty())
        continue;
      std::string name = i.value("name", "");
      auto it = link_owners_.find(name);
      if (own.empty() && it != link_owners_.end() && it->second.size() == 1) own = name;
    }
  if (!ov.ok() || !oa.ok() || !ob.ok()) {
    skip("gc.continues-on-error", "not run: ADD failed: " + (!ov.ok()   ? ov
                                                             : !oa.ok() ? oa
                                                                        : ob)
                                                                .describe());
  } else if (own.empty()) {
    skip("gc.continues-on-error",
         "the result names no host-side interface of the attachment's own to take away");
  } else {
    sh("ip link del " + own);
    CallRecord g = gc(*net, {&v.att});
    oc = add(*net, c.att);
    made.push_back({&c.att, &oc});
    std::vector<size_t> calls = ids({&g});
    if (oc.call) calls.push_back(oc.call->index);
    // GC may report the error (the spec asks it to); what counts is that it went on.
    std::string gc_said = g.ok() ? "GC succeeded" : "GC reported " + g.summary();
    if (oc.ok())
      pass("gc.continues-on-error",
           "with " + own + " of " + a.att.container_id + " gone, " + gc_said +
               " and a new ADD got a freed address",
           calls);
    else
      fail("gc.continues-on-error",
           "with " + own + " of " + a.att.container_id + " gone, " + gc_said +
               " but freed none of " + join(oa.addresses(), ", ") + ", " +
               join(ob.addresses(), ", ") + " (the intact stale attachment " + b.att.container_id +
               "): a new ADD failed: " + oc.describe(),
           calls);
  }
  for (auto& [att, o] : made) net->del(*att, o);
}

}  // namespace cni::conformance
