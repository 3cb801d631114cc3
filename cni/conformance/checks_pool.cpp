// Many attachments in one address pool: ADDs and DELs side by side, and an ADD in a pool that
// has no address left (parallel.add-del, ipam.exhaustion).
#include "cni/conformance/runner.h"

#include <thread>

#include "common/strings.h"

namespace cni::conformance {

using minipod::join;

void Runner::scenario_parallel() {
  if (!wanted("parallel.add-del")) return;
  if (blocked({"parallel.add-del"})) return;
  int n = opt_.parallel;
  if (opt_.subject.max_attachments > 0 && opt_.subject.max_attachments < n) {
    skip("parallel.add-del", "the profile allows " + std::to_string(opt_.subject.max_attachments) +
                                 " attachment(s) at a time");
    return;
  }
  auto net = network("parallel");
  std::vector<Sandbox> boxes;
  for (int i = 0; i < n; ++i) boxes.push_back(sandbox());
  std::vector<AddOutcome> adds(n);
  std::vector<CallRecord> dels(n);
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) threads.emplace_back([&, i] { adds[i] = net->add(boxes[i].att); });
    for (auto& t : threads) t.join();
  }
  for (int i = 0; i < n; ++i) {
    attribute(boxes[i].att, adds[i]);
    if (adds[i].call && adds[i].call->timed_out) add_hung_ = true;
  }
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i)
      threads.emplace_back([&, i] { dels[i] = net->del(boxes[i].att, &adds[i]); });
    for (auto& t : threads) t.join();
  }
  bool none = std::none_of(adds.begin(), adds.end(), [](const AddOutcome& a) { return a.ok(); });
  if (none && add_failed_) {
    skip("parallel.add-del", "not run: ADD fails (see add.result): " + adds[0].describe());
    return;
  }
  std::vector<std::string> problems;
  std::vector<size_t> calls;
  std::map<std::string, std::string> owner;
  for (int i = 0; i < n; ++i) {
    const std::string& id = boxes[i].att.container_id;
    if (adds[i].call) calls.push_back(adds[i].call->index);
    calls.push_back(dels[i].index);
    if (!adds[i].ok()) {
      problems.push_back("ADD " + id + ": " + adds[i].describe());
      continue;
    }
    for (const auto& a :
         adds[i].result.is_object() ? adds[i].owned_addresses() : std::vector<std::string>{}) {
      std::string ip = a.substr(0, a.find('/'));
      if (owner.count(ip)) problems.push_back(ip + " given to both " + owner[ip] + " and " + id);
      owner[ip] = id;
    }
    if (!dels[i].ok()) problems.push_back("DEL " + id + ": " + dels[i].summary());
    auto links = netns_links(boxes[i].att.netns_name);
    for (const auto& l : adds[i].sandbox_interfaces())
      if (find_link(links, l)) problems.push_back("DEL " + id + " left " + l);
  }
  if (problems.empty())
    pass("parallel.add-del",
         std::to_string(n) + " parallel ADDs and DELs" +
             (owner.empty() ? std::string()
                            : ", distinct addresses " +
                                  join(owner, " ", [](const auto& ip_id) { return ip_id.first; })),
         calls);
  else
    fail("parallel.add-del", join(problems, "; "), calls);
  for (int i = 0; i < n; ++i)
    if (!dels[i].ok()) net->del(boxes[i].att, &adds[i]);
}

void Runner::scenario_exhaustion() {
  if (!wanted("ipam.exhaustion")) return;
  if (blocked({"ipam.exhaustion"})) return;
  if (auto why = pool_problem(); !why.empty()) {
    skip("ipam.exhaustion", why);
    return;
  }
  if (opt_.subject.max_attachments == 1) {
    skip("ipam.exhaustion", "the profile allows one attachment at a time");
    return;
  }
  auto net = network("exhausted pool", 1);
  Sandbox a = sandbox(), b = sandbox();
  AddOutcome oa = add(*net, a.att);
  if (skipped_after_failed_add("ipam.exhaustion", "ADD in a one-address pool", *net, a.att, oa))
    return;
  AddOutcome ob = add(*net, b.att);
  std::vector<size_t> calls = ids({&*oa.call});
  if (ob.call) calls.push_back(ob.call->index);
  std::vector<std::string> left;
  for (const auto& l : ob.after)
    if (!find_link(ob.before, l.name)) left.push_back(l.name);
  if (ob.ok())
    fail("ipam.exhaustion",
         "a second ADD in a one-address pool succeeded: " + one_line(ob.result.dump(), 120), calls);
  else if (!left.empty())
    fail("ipam.exhaustion",
         "the failed ADD (" + ob.describe() + ") left " + join(left, ", ") + " in the sandbox",
         calls);
  else
    pass("ipam.exhaustion", ob.describe(), calls);
  net->del(b.att, &ob);
  net->del(a.att, &oa);
}

}  // namespace cni::conformance
