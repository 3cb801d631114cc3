// DEL in the cases a runtime meets besides the plain one: with no ADD before it, with the
// network namespace gone or not given, without prevResult, and whether it gives the address
// back (del.without-add, del.releases-address, del.*-netns, del.no-prev-result).
#include "cni/conformance/runner.h"

#include <filesystem>

#include "cni/version.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/strings.h"

namespace cni::conformance {

using minipod::join;

namespace {

// host-local's reservation files of the addresses `o` got that are still there, with the
// container id each names: "/var/lib/cni/networks/n/10.233.1.2 (held by c-3)".
std::vector<std::string> reservations(const Network& net, const AddOutcome& o) {
  std::vector<std::string> out;
  std::string dir = net.host_local_dir();
  if (dir.empty()) return out;
  for (const auto& ip : o.addresses()) {
    std::string file = dir + "/" + ip;
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) continue;
    std::string owner;
    try {
      owner = minipod::fs::read_file(file);
    } catch (const minipod::Error&) {
    }
    owner = one_line(owner.substr(0, owner.find('\n')), 80);
    out.push_back("reservation file " + file + " is still there" +
                  (owner.empty() ? "" : " (held by " + owner + ")"));
  }
  return out;
}

}  // namespace

void Runner::scenario_del_without_add() {
  if (!wanted("del.without-add")) return;
  Sandbox s = sandbox();
  auto net = network("DEL without ADD");
  CallRecord d = net->del(s.att, nullptr);
  if (d.ok())
    pass("del.without-add", d.summary(), ids({&d}));
  else
    fail("del.without-add", d.summary(), ids({&d}));
}

void Runner::scenario_release() {
  if (!wanted("del.releases-address")) return;
  if (blocked({"del.releases-address"})) return;
  if (auto why = pool_problem(); !why.empty()) {
    skip("del.releases-address", why);
    return;
  }
  auto net = network("release (one-address pool)", 1);
  Sandbox a = sandbox(), b = sandbox();
  AddOutcome oa = add(*net, a.att);
  if (skipped_after_failed_add("del.releases-address", "ADD in a one-address pool", *net, a.att,
                               oa))
    return;
  CallRecord d = net->del(a.att, &oa);
  AddOutcome ob = add(*net, b.att);
  std::vector<size_t> calls = ids({&*oa.call, &d});
  if (ob.call) calls.push_back(ob.call->index);
  auto first = oa.addresses(), second = ob.addresses();
  if (!d.ok()) {
    skip("del.releases-address", "not judged: the DEL failed (" + d.summary() + ")");
  } else if (!ob.ok()) {
    released_ = false;
    fail("del.releases-address",
         "after DEL of " + a.att.container_id + " (" + join(first, ", ") +
             "), a new ADD in the one-address pool failed: " + ob.describe(),
         calls);
  } else {
    released_ = true;
    pass("del.releases-address",
         "the address " + join(first, ", ") + " was given again (" + join(second, ", ") + ")",
         calls);
  }
  net->del(b.att, &ob);
}

void Runner::scenario_del_netns(bool vanished) {
  const std::string id = vanished ? "del.vanished-netns" : "del.empty-netns";
  if (!wanted(id)) return;
  if (blocked({id.c_str()})) return;
  std::string why = pool_problem();
  auto net = network(vanished ? "DEL, netns gone" : "DEL, empty CNI_NETNS", why.empty() ? 1 : 0);
  Sandbox a = sandbox(), b = sandbox();
  AddOutcome oa = add(*net, a.att);
  if (skipped_after_failed_add(id, "ADD", *net, a.att, oa)) return;
  if (vanished) a.ns->remove();
  CallRecord d = net->del(a.att, &oa, vanished ? DelMode::kNormal : DelMode::kEmptyNetns);
  std::string how = vanished ? "DEL with CNI_NETNS=" + a.att.netns_path + " (deleted)"
                             : std::string("DEL with an empty CNI_NETNS");
  if (!d.ok()) {
    fail(id, how + ": " + d.summary(), ids({&d}));
    if (!net->host_local_dir().empty()) counted_dirs_[net->host_local_dir()] = id;
  } else if (!why.empty()) {
    pass(id, how + " succeeded (release not judged: " + why + ")", ids({&d}));
  } else {
    AddOutcome ob = add(*net, b.att);
    std::vector<size_t> calls = ids({&*oa.call, &d});
    if (ob.call) calls.push_back(ob.call->index);
    if (ob.ok())
      pass(id, how + " succeeded and released " + join(oa.addresses(), ", "), calls);
    else if (released_ && !*released_)
      pass(id,
           how +
               " succeeded; the address stayed taken, as after a normal DEL (see "
               "del.releases-address)",
           calls);
    else if (auto held = reservations(*net, oa); !held.empty())
      // The evidence is the reservation itself: the new ADD may have failed for another reason.
      fail(id, how + " succeeded but did not release the address: " + join(held, "; "), calls);
    else if (!net->host_local_dir().empty())
      skip(id, how + " succeeded and no reservation of " + join(oa.addresses(), ", ") +
                   " is left, but the new ADD failed for another reason: " + ob.describe());
    else
      fail(id,
           how + " succeeded but did not release " + join(oa.addresses(), ", ") +
               ": a new ADD in the one-address pool failed: " + ob.describe(),
           calls);
    net->del(b.att, &ob);
  }
  // What a runtime would do next: DEL again with everything it has.
  if (!vanished) net->del(a.att, &oa);
}

void Runner::scenario_no_prev_result() {
  if (!version_at_least(version_, "0.4.0") || !wanted("del.no-prev-result")) return;
  if (blocked({"del.no-prev-result"})) return;
  Sandbox s = sandbox();
  auto net = network("DEL without prevResult");
  AddOutcome o = add(*net, s.att);
  if (skipped_after_failed_add("del.no-prev-result", "ADD", *net, s.att, o)) return;
  CallRecord d = net->del(s.att, &o, DelMode::kNoPrevResult);
  auto links = netns_links(s.att.netns_name);
  std::vector<std::string> left;
  for (const auto& i : o.sandbox_interfaces())
    if (find_link(links, i)) left.push_back(i);
  if (!d.ok())
    fail("del.no-prev-result", d.summary(), ids({&d}));
  else if (!left.empty())
    fail("del.no-prev-result", "DEL succeeded but left " + join(left, ", ") + " in the sandbox",
         ids({&d}));
  else
    pass("del.no-prev-result", d.summary(), ids({&d}));
  if (!d.ok() || !left.empty()) net->del(s.att, &o);
}

}  // namespace cni::conformance
