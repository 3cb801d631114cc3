#include "cni/conformance/suite.h"

#include <arpa/inet.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "cni/conformance/host_state.h"
#include "cni/conformance/sandbox.h"
#include "cni/conformance/shape.h"
#include "cni/version.h"
#include "common/error.h"
#include "common/strings.h"

namespace cni::conformance {

using minipod::join;
using nlohmann::json;

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string subnet_of(const std::string& cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos) return {};
  int bits = std::atoi(cidr.c_str() + slash + 1);
  std::string ip = cidr.substr(0, slash);
  unsigned char b[16];
  int af = ip.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (inet_pton(af, ip.c_str(), b) != 1) return {};
  int total = af == AF_INET ? 32 : 128;
  for (int i = bits; i < total; ++i) b[i / 8] &= static_cast<unsigned char>(~(1 << (7 - i % 8)));
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(af, b, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(bits);
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
    results_[id] = CheckResult{id, version_, v, std::move(evidence), std::move(calls)};
  }
  void pass(const std::string& id, std::string ev, std::vector<size_t> calls = {}) {
    verdict(id, Verdict::kPass, std::move(ev), std::move(calls));
  }
  void fail(const std::string& id, std::string ev, std::vector<size_t> calls = {}) {
    verdict(id, Verdict::kFail, std::move(ev), std::move(calls));
  }
  void skip(const std::string& id, std::string ev) { verdict(id, Verdict::kSkip, std::move(ev)); }

  Sandbox sandbox() {
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
  // Everything an ADD outcome ties to this run, for the host diff.
  void attribute(const Attachment& a, const AddOutcome& o) {
    attr_.container_ids.insert(a.container_id);
    for (const json* r : {&o.result, &o.prev}) {
      if (!r->is_object()) continue;
      if (r->contains("ips") && (*r)["ips"].is_array())
        for (const auto& ip : (*r)["ips"])
          if (ip.is_object() && ip.value("address", json("")).is_string()) {
            std::string cidr = ip.value("address", "");
            if (cidr.empty()) continue;
            attr_.addresses.insert(cidr.substr(0, cidr.find('/')));
            if (auto s = subnet_of(cidr); !s.empty()) attr_.subnets.insert(s);
          }
      if (r->contains("interfaces") && (*r)["interfaces"].is_array())
        for (const auto& i : (*r)["interfaces"])
          if (i.is_object() && i.value("name", json("")).is_string() &&
              i.value("sandbox", json("")).is_string() && i.value("sandbox", "").empty()) {
            std::string name = i.value("name", "");
            if (!name.empty() && link_owners_[name].insert(a.container_id).second)
              attr_.host_links[name] = static_cast<int>(link_owners_[name].size());
          }
    }
  }
  AddOutcome add(Network& net, const Attachment& a) {
    AddOutcome o = net.add(a);
    attribute(a, o);
    if (o.call && o.call->timed_out) add_hung_ = true;
    return o;
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

  // --- once-only checks ---
  void check_version_answer();
  void check_unsupported_and_malformed();
  // --- per version ---
  void run_version();
  void scenario_env();
  void scenario_lifecycle();
  void scenario_check_removal();
  void scenario_del_without_add();
  void scenario_release();
  void scenario_del_netns(bool vanished);
  void scenario_no_prev_result();
  void scenario_parallel();
  void scenario_exhaustion();
  void scenario_gc();
  void scenario_status();
  void judge_calls();
  void judge_host(const HostSnapshot& before);
  void finish_version();

  const SuiteOptions& opt_;
  Recorder recorder_;
  Report report_;
  int counter_ = 0;
  std::string version_;
  std::map<std::string, CheckResult> results_;  // of the current version
  Attribution attr_;
  std::map<std::string, std::set<std::string>> link_owners_;
  std::set<std::string> host_local_dirs_;
  bool add_hung_ = false;
  bool add_failed_ = false;        // the lifecycle ADD failed: add.result says why, once
  std::optional<bool> released_;   // del.releases-address outcome, for the netns variants
  std::vector<CheckResult> once_;  // results of the once-only checks
};

void Runner::check_version_answer() {
  if (!wanted("version.answer") && !opt_.versions.empty()) return;
  Invocation inv;
  inv.verb = "VERSION";
  inv.type = opt_.subject.type;
  inv.path = opt_.plugin_path;
  // libcni fills what VERSION does not need with "dummy" so strict plugins parse their env.
  inv.netns = "dummy";
  inv.ifname = "dummy";
  inv.cni_path = opt_.subject.cni_path();
  inv.stdin_data = json{{"cniVersion", current_version()}}.dump();
  inv.scenario = "version";
  inv.version = "-";  // judged with the newest tested version's calls
  CallRecord c = recorder_.call(inv);
  json j = first_json_object(c.out);
  std::vector<std::string> problems;
  if (!c.ok()) problems.push_back(c.summary());
  if (!j.is_object()) {
    problems.push_back("no JSON object on stdout: \"" + one_line(c.out, 100) + "\"");
  } else {
    if (!j.contains("cniVersion") || !j["cniVersion"].is_string())
      problems.push_back("cniVersion missing or not a string");
    auto sv = j.find("supportedVersions");
    if (sv == j.end() || !sv->is_array() || sv->empty()) {
      problems.push_back("supportedVersions missing, not an array or empty");
    } else {
      for (const auto& v : *sv) {
        int parts[3];
        if (!v.is_string() || !parse_version(v.get<std::string>(), parts)) {
          problems.push_back("supportedVersions holds " + v.dump() + ", not a version");
          continue;
        }
        report_.claimed.push_back(v.get<std::string>());
      }
    }
  }
  if (problems.empty())
    pass("version.answer", "supportedVersions " + j["supportedVersions"].dump(), ids({&c}));
  else
    fail("version.answer", join(problems, "; "), ids({&c}));
}

void Runner::check_unsupported_and_malformed() {
  if (wanted("version.unsupported")) {
    Sandbox s = sandbox();
    auto net = network("unsupported version");
    json conf = json::parse(net->plugin_stdin(nullptr));
    conf["cniVersion"] = "9.9.9";
    CallRecord c = net->call("ADD", s.att, conf.dump());
    ErrorObject e = error_object(c);
    if (c.ok()) {
      fail("version.unsupported", "ADD with cniVersion 9.9.9 succeeded", ids({&c}));
      net->del(s.att, nullptr);
    } else if (e.present && e.has_code && e.code != 1) {
      fail("version.unsupported", "expected code 1, got " + c.summary(), ids({&c}));
    } else {
      pass("version.unsupported", c.summary(), ids({&c}));
    }
  }
  if (wanted("stdin.malformed")) {
    Sandbox s = sandbox();
    auto net = network("malformed stdin");
    std::vector<std::string> problems;
    std::vector<size_t> calls;
    for (const std::string& input :
         {std::string("{\"cniVersion\": \"") + version_ + "\", \"name\": ", std::string()}) {
      CallRecord c = net->call("ADD", s.att, input);
      calls.push_back(c.index);
      ErrorObject e = error_object(c);
      std::string what = input.empty() ? "empty stdin" : "truncated JSON";
      if (c.ok()) {
        problems.push_back(what + ": ADD succeeded");
        net->del(s.att, nullptr);
      } else if (e.present && e.has_code && e.code != 6) {
        problems.push_back(what + ": expected code 6, got " + c.summary());
      }
    }
    if (problems.empty())
      pass("stdin.malformed", "truncated JSON and empty stdin both fail with code 6", calls);
    else
      fail("stdin.malformed", join(problems, "; "), calls);
  }
}

void Runner::scenario_env() {
  static const char* kVars[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME",
                                "CNI_PATH"};
  bool any = wanted("env.unknown-command");
  for (const char* v : kVars) any = any || wanted(std::string("env.missing.") + v);
  if (!any) return;
  Sandbox s = sandbox();
  auto net = network("environment");
  std::string in = net->plugin_stdin(nullptr);
  bool went_ahead = false;
  auto judge = [&](const std::string& id, const CallRecord& c, const std::string& var) {
    ErrorObject e = error_object(c);
    if (c.ok()) {
      went_ahead = true;
      fail(id, "exit 0: the plugin went ahead" + (c.out.empty() ? "" : ": " + one_line(c.out, 80)),
           ids({&c}));
    } else if (e.present && e.has_code && e.code != 4) {
      fail(id, "expected code 4, got " + c.summary(), ids({&c}));
    } else if (e.present && !var.empty() && (e.msg + e.details).find(var) == std::string::npos) {
      fail(id, "code 4 but the message does not name " + var + ": " + c.summary(), ids({&c}));
    } else {
      pass(id, c.summary(), ids({&c}));
    }
  };
  if (wanted("env.unknown-command")) {
    CallRecord c = net->call("FOO", s.att, in);
    judge("env.unknown-command", c, "");
  }
  for (const char* var : kVars) {
    std::string id = std::string("env.missing.") + var;
    if (!wanted(id)) continue;
    CallRecord c = net->call(std::string(var) == "CNI_COMMAND" ? "" : "ADD", s.att, in, {var});
    judge(id, c, var);
  }
  if (went_ahead) net->del(s.att, nullptr);
}

void Runner::scenario_lifecycle() {
  if (!wanted_any({"add.result", "add.result-real", "add.duplicate", "chain.prev-result",
                   "check.after-add", "check.refused-old-version", "del.removes", "del.twice"}))
    return;
  if (blocked({"add.result", "add.result-real", "add.duplicate", "chain.prev-result",
               "check.after-add", "check.refused-old-version", "del.removes", "del.twice"}))
    return;
  Sandbox s = sandbox();
  auto net = network("lifecycle");
  AddOutcome o = add(*net, s.att);
  if (!o.prefix_ok) {
    for (const char* id :
         {"add.result", "add.result-real", "add.duplicate", "chain.prev-result", "check.after-add",
          "check.refused-old-version", "del.removes", "del.twice"})
      skip(id, "not run: " + o.describe());
    return;
  }
  if (!o.ok()) {
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
  } else {
    skip("chain.prev-result", "not chained (give a --config list with plugins before this one)");
  }

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
  if (!oa.ok()) {
    skip("del.releases-address", "not run: ADD in a one-address pool failed: " + oa.describe());
    net->del(a.att, &oa);
    return;
  }
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
  if (!oa.ok()) {
    skip(id, "not run: ADD failed: " + oa.describe());
    net->del(a.att, &oa);
    return;
  }
  if (vanished) a.ns->remove();
  CallRecord d = net->del(a.att, &oa, vanished ? DelMode::kNormal : DelMode::kEmptyNetns);
  std::string how = vanished ? "DEL with CNI_NETNS=" + a.att.netns_path + " (deleted)"
                             : std::string("DEL with an empty CNI_NETNS");
  if (!d.ok()) {
    fail(id, how + ": " + d.summary(), ids({&d}));
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
  if (!o.ok()) {
    skip("del.no-prev-result", "not run: ADD failed: " + o.describe());
    net->del(s.att, &o);
    return;
  }
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
  if (!oa.ok()) {
    skip("ipam.exhaustion", "not run: ADD in a one-address pool failed: " + oa.describe());
    net->del(a.att, &oa);
    return;
  }
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

void Runner::judge_calls() {
  std::vector<std::string> hung, no_json, noisy;
  std::vector<size_t> hung_ids, no_json_ids, noisy_ids;
  size_t total = 0, failures = 0;
  for (const auto& c : recorder_.calls()) {
    if (c.version != version_ && !(c.version == "-" && version_ == report_.tested.back())) continue;
    ++total;
    std::string where = (c.verb.empty() ? std::string("(no CNI_COMMAND)") : c.verb) + " of " +
                        c.type + " [" + c.scenario + "]";
    if (c.timed_out) {
      hung.push_back(where + " " + c.summary());
      hung_ids.push_back(c.index);
      continue;
    }
    bool exact = false;
    json j = first_json_object(c.out, &exact);
    bool empty = c.out.find_first_not_of(" \t\r\n") == std::string::npos;
    if (!c.ok() && c.signal == 0) {
      ++failures;
      ErrorObject e = error_object(c);
      if (!e.present || !e.has_code || e.msg.empty()) {
        no_json.push_back(where + ": " + c.summary());
        no_json_ids.push_back(c.index);
      }
    }
    bool wants_object = c.ok() && (c.verb == "ADD" || c.verb == "VERSION");
    bool ok_stdout = wants_object ? exact : (c.ok() ? empty : (empty || exact));
    if (!ok_stdout) {
      noisy.push_back(where + ": stdout \"" + one_line(c.out, 100) + "\"");
      noisy_ids.push_back(c.index);
    }
  }
  auto first = [](const std::vector<std::string>& v) {
    std::string s = v.front();
    if (v.size() > 1) s += " (and " + std::to_string(v.size() - 1) + " more)";
    return s;
  };
  if (hung.empty())
    pass("timeout.all-calls", std::to_string(total) + " calls, none hung");
  else
    fail("timeout.all-calls", first(hung), hung_ids);
  if (no_json.empty())
    pass("error.json", std::to_string(failures) + " failures, each with a JSON error");
  else
    fail("error.json", first(no_json), no_json_ids);
  if (noisy.empty())
    pass("stdout.json-only", std::to_string(total) + " calls, stdout clean");
  else
    fail("stdout.json-only", first(noisy), noisy_ids);
}

void Runner::judge_host(const HostSnapshot& before) {
  remove_netns_with_prefix(opt_.prefix);
  for (const auto& l : opt_.suite_links) attr_.suite_links.insert(l);
  HostDiff d = diff_and_restore(before, attr_);
  std::vector<std::string> leaked_files;
  for (const auto& dir : host_local_dirs_) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      std::string n = e.path().filename().string();
      if (n == "lock" || n.starts_with("last_reserved_ip")) continue;
      leaked_files.push_back("host-local address file " + e.path().string());
    }
    std::filesystem::remove_all(dir, ec);
  }
  std::vector<std::string> clean = d.attachment;
  clean.insert(clean.end(), leaked_files.begin(), leaked_files.end());
  for (const auto& a : d.actions) report_.cleanup.push_back(version_ + ": " + a);
  for (const auto& f : d.failures) report_.cleanup.push_back(version_ + ": FAILED " + f);
  for (const auto& l : leaked_files) report_.cleanup.push_back(version_ + ": removed " + l);
  std::string foreign =
      d.foreign.empty()
          ? ""
          : " (not attributed to this run, left alone: " + join(d.foreign, "; ") + ")";
  if (clean.empty())
    pass("host.clean", "nothing left" + foreign);
  else
    fail("host.clean", join(clean, "; ") + foreign);
  if (d.shared.empty())
    pass("host.shared", "unchanged");
  else
    fail("host.shared", join(d.shared, "; "));
}

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
    r.version = "-";
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

}  // namespace

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
