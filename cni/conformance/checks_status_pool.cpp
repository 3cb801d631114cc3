// STATUS as a runtime reads it (spec 1.1.0): with addresses free it succeeds and prints nothing;
// with the pool exhausted it fails with code 50 or 51 and a JSON error, so the runtime stops
// sending ADDs (status.pool).
#include "cni/conformance/runner.h"

#include "cni/version.h"
#include "common/strings.h"

namespace cni::conformance {

using minipod::join;
using nlohmann::json;

namespace {

// Why a STATUS with addresses free is wrong ("" when it is right): SPEC.md §2 STATUS "If the
// plugin is ready to service ADD requests, it must exit with return code 0 and output nothing".
std::string free_problem(const CallRecord& c, const std::string& when) {
  if (!c.ok()) return "STATUS " + when + ": " + c.summary();
  if (c.out.find_first_not_of(" \t\r\n") != std::string::npos)
    return "STATUS " + when + " printed \"" + one_line(c.out, 80) + "\"";
  return {};
}

}  // namespace

void Runner::scenario_status_pool() {
  if (!version_at_least(version_, "1.1.0") || !wanted("status.pool")) return;
  if (blocked({"status.pool"})) return;
  if (auto why = pool_problem(); !why.empty()) {
    skip("status.pool", why);
    return;
  }
  auto net = network("STATUS of a full pool", 1);
  auto status = [&] { return net->call("STATUS", Attachment{}, net->plain_stdin(json::object())); };
  CallRecord before = status();
  Sandbox s = sandbox();
  AddOutcome o = add(*net, s.att);
  if (skipped_after_failed_add("status.pool", "ADD in a one-address pool", *net, s.att, o)) return;
  CallRecord full = status();
  net->del(s.att, &o);
  CallRecord after = status();
  std::vector<std::string> p;
  if (auto why = free_problem(before, "with the pool's one address free"); !why.empty())
    p.push_back(why);
  // SPEC.md §2 STATUS: "If the plugin is not able to service ADD requests, it must exit with a
  // non-zero return code and output an error on stdout"; codes 50 and 51 say it is unavailable.
  ErrorObject e = error_object(full);
  std::string held = "its one address held by " + s.att.container_id;
  if (full.ok())
    p.push_back("STATUS succeeded with the pool exhausted (" + held + ")");
  else if (!e.present)
    p.push_back("STATUS with the pool exhausted: no JSON error on stdout: " + full.summary());
  else if (!e.has_code || (e.code != 50 && e.code != 51))
    p.push_back("STATUS with the pool exhausted: expected code 50 or 51, got " + full.summary());
  if (auto why = free_problem(after, "after DEL freed the address"); !why.empty()) p.push_back(why);
  std::vector<size_t> calls = ids({&before, &*o.call, &full, &after});
  if (p.empty())
    pass("status.pool", "free: exit 0, no output; exhausted: " + full.summary(), calls);
  else
    fail("status.pool", join(p, "; "), calls);
}

}  // namespace cni::conformance
