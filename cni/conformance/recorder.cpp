#include "cni/conformance/recorder.h"

#include <cstdio>
#include <sstream>

#include "cni/invoke.h"
#include "common/error.h"

namespace cni::conformance {

using nlohmann::json;

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string one_line(const std::string& text, size_t max) {
  std::string s = trim(text);
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

json first_json_object(const std::string& out, bool* exact) {
  if (exact) *exact = false;
  std::string t = trim(out);
  json whole = json::parse(t, nullptr, false);
  if (!whole.is_discarded()) {
    if (exact) *exact = whole.is_object();
    return whole.is_object() ? whole : json(json::value_t::discarded);
  }
  for (size_t pos = 0; pos < out.size();) {
    if (out[pos] == '{' && (pos == 0 || out[pos - 1] == '\n')) {
      // operator>> reads one value and leaves what follows: logs after the result are fine.
      std::istringstream in(out.substr(pos));
      json j;
      try {
        in >> j;
        if (j.is_object()) return j;
      } catch (const json::exception&) {
      }
    }
    size_t nl = out.find('\n', pos);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return json(json::value_t::discarded);
}

ErrorObject error_object(const CallRecord& call) {
  ErrorObject e;
  json j = first_json_object(call.out);
  if (!j.is_object() || !(j.contains("code") || j.contains("msg"))) return e;
  e.present = true;
  if (auto it = j.find("code"); it != j.end() && it->is_number_integer()) {
    e.has_code = true;
    e.code = it->get<int>();
  }
  auto text = [&](const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::string();
    return it->is_string() ? it->get<std::string>() : it->dump();
  };
  e.msg = text("msg");
  e.details = text("details");
  return e;
}

std::string CallRecord::summary() const {
  char buf[64];
  if (!not_run.empty()) return "not called: " + not_run;
  if (timed_out) {
    std::snprintf(buf, sizeof buf, "timed out after %.1f s", duration_ms / 1000);
    return buf;
  }
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  std::string s = "exit " + std::to_string(exit_code);
  if (exit_code != 0) {
    ErrorObject e = error_object(*this);
    if (e.present)
      s += ", code " + (e.has_code ? std::to_string(e.code) : std::string("?")) + ": " +
           one_line(e.msg + (e.details.empty() ? "" : "; " + e.details), 140);
    else if (!trim(out).empty())
      s += ", stdout: " + one_line(out, 100);
    else if (!trim(err).empty())
      s += ", no stdout, stderr: " + one_line(err, 100);
    else
      s += ", no output";
  }
  return s;
}

json CallRecord::to_json() const {
  json e = json::object();
  for (const auto& kv : env) {
    size_t eq = kv.find('=');
    e[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
  }
  json j{{"index", index},        {"scenario", scenario},     {"version", version},
         {"verb", verb},          {"plugin", type},           {"env", e},
         {"unset", unset},        {"stdin", stdin_data},      {"stdout", out},
         {"stderr", err},         {"exitCode", exit_code},    {"signal", signal},
         {"timedOut", timed_out}, {"durationMs", duration_ms}};
  if (truncated) j["outputTruncated"] = true;
  if (!not_run.empty()) j["notRun"] = not_run;
  return j;
}

CallRecord Recorder::call(const Invocation& inv) {
  PluginCall pc;
  pc.verb = inv.verb;
  pc.plugin = inv.type;
  pc.path = inv.path;
  pc.container_id = inv.container_id;
  pc.netns = inv.netns;
  pc.ifname = inv.ifname;
  pc.args = inv.args;
  pc.cni_path = inv.cni_path;
  pc.stdin_data = inv.stdin_data;
  std::vector<std::string> env = plugin_environment(pc);
  std::erase_if(env, [&](const std::string& kv) {
    for (const auto& u : inv.unset)
      if (kv.starts_with(u + "=")) return true;
    return false;
  });
  ExecLimits limits;
  limits.timeout = timeout_;
  limits.max_output = 1 << 20;

  CallRecord rec;
  rec.scenario = inv.scenario;
  rec.version = inv.version;
  rec.verb = inv.verb;
  rec.type = inv.type;
  rec.unset = inv.unset;
  rec.stdin_data = inv.stdin_data;
  for (const auto& kv : env)
    if (kv.starts_with("CNI_")) rec.env.push_back(kv);
  const std::string key = inv.version + " " + inv.verb;
  {
    std::lock_guard lock(mutex_);
    if (auto it = hung_.find(key); it != hung_.end()) {
      rec.not_run = inv.verb + " of " + (inv.version.empty() ? "-" : inv.version) +
                    " already hung in call #" + std::to_string(it->second) +
                    " (see timeout.all-calls)";
      rec.index = calls_.size();
      calls_.push_back(rec);
      return rec;
    }
  }
  try {
    minipod::ProcessResult r = run_plugin_process(pc, env, limits);
    rec.out = std::move(r.out);
    rec.err = std::move(r.err);
    rec.exit_code = r.timed_out || r.term_signal ? -1 : r.exit_code;
    rec.signal = r.term_signal;
    rec.timed_out = r.timed_out;
    rec.truncated = r.stdout_truncated || r.stderr_truncated;
    rec.duration_ms = static_cast<double>(r.duration.count()) / 1000.0;
  } catch (const minipod::Error& e) {
    throw minipod::Error("conformance: run plugin " + inv.type, inv.path + ": " + e.what());
  }
  std::lock_guard lock(mutex_);
  rec.index = calls_.size();
  if (rec.timed_out) hung_.emplace(key, rec.index);
  calls_.push_back(rec);
  return rec;
}

std::string Recorder::not_run(size_t index) const {
  std::lock_guard lock(mutex_);
  return index < calls_.size() ? calls_[index].not_run : std::string();
}

std::vector<CallRecord> Recorder::calls() const {
  std::lock_guard lock(mutex_);
  return {calls_.begin(), calls_.end()};
}

}  // namespace cni::conformance
