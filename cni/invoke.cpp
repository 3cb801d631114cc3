#include "cni/invoke.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>

#include <nlohmann/json.hpp>

#include "cni/error.h"
#include "cni/version.h"
#include "common/strings.h"
#include "common/subprocess.h"
#include "common/trace.h"

namespace cni {
namespace {

using nlohmann::json;

constexpr const char* kCniVars[] = {
    "CNI_COMMAND=", "CNI_CONTAINERID=", "CNI_NETNS=", "CNI_IFNAME=", "CNI_ARGS=", "CNI_PATH="};

}  // namespace

std::vector<std::string> plugin_environment(const PluginCall& c) {
  std::vector<std::string> env = minipod::current_environment();
  // The runtime's values win over whatever the parent had (cnitool users export CNI_ARGS etc.).
  std::erase_if(env, [](const std::string& kv) {
    return std::any_of(std::begin(kCniVars), std::end(kCniVars),
                       [&](const char* p) { return kv.starts_with(p); });
  });
  env.push_back("CNI_COMMAND=" + c.verb);
  env.push_back("CNI_CONTAINERID=" + c.container_id);
  env.push_back("CNI_NETNS=" + c.netns);
  env.push_back("CNI_IFNAME=" + c.ifname);
  env.push_back("CNI_ARGS=" + c.args);
  env.push_back("CNI_PATH=" + c.cni_path);
  return env;
}

namespace {

std::string command_line(const PluginCall& c) {
  using minipod::shell_quote;
  std::string cmd = "CNI_COMMAND=" + shell_quote(c.verb);
  cmd += " CNI_CONTAINERID=" + shell_quote(c.container_id);
  cmd += " CNI_NETNS=" + shell_quote(c.netns);
  cmd += " CNI_IFNAME=" + shell_quote(c.ifname);
  if (!c.args.empty()) cmd += " CNI_ARGS=" + shell_quote(c.args);
  cmd += " CNI_PATH=" + shell_quote(c.cni_path);
  cmd += " " + shell_quote(c.path) + " < config.json";
  return cmd;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  size_t b = s.find_first_not_of(" \n\r");
  return b == std::string::npos ? std::string() : s.substr(b);
}

std::string one_line(std::string s, size_t max) {
  s = trim(std::move(s));
  for (char& ch : s)
    if (ch == '\n' || ch == '\r') ch = ' ';
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

std::string ms(std::chrono::microseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

// Printed before the plugin runs (so a hanging plugin is visible as the last step) ...
void trace_start(const PluginCall& c) {
  auto& t = minipod::Tracer::get();
  if (!t.enabled()) return;
  std::string what = "CNI " + c.verb + " " + c.plugin;
  if (!c.network.empty()) what += " (network " + c.network + ")";
  t.step(what, command_line(c));
  t.detail("stdin", c.stdin_data);
}

// ... and what it answered, after.
void trace_call(const PluginCall&, const minipod::ProcessResult& r,
                std::chrono::milliseconds timeout) {
  auto& t = minipod::Tracer::get();
  if (!t.enabled()) return;
  t.detail("stdout", r.out.empty() ? "(empty)" : trim(r.out));
  if (!r.err.empty()) t.detail("stderr", trim(r.err));
  t.detail("result", r.describe(timeout) + " in " + ms(r.duration));
}

}  // namespace

std::string stderr_tail(const std::string& err) {
  std::string s = trim(err);
  // The last three lines: Go plugins put the cause at the end (panics put it first, but then
  // the exit code and signal already tell the story).
  size_t pos = s.size();
  for (int lines = 0; lines < 3 && pos != std::string::npos && pos > 0; ++lines)
    pos = s.rfind('\n', pos - 1);
  if (pos != std::string::npos && pos > 0) s = s.substr(pos + 1);
  if (s.size() > 400) s = "..." + s.substr(s.size() - 400);
  return one_line(s, 410);
}

std::string find_plugin(const std::string& type, const std::vector<std::string>& dirs,
                        const std::string& verb, const std::string& network) {
  if (type.empty()) throw PluginError(verb, type, network, 0, "no plugin name provided", "", "");
  if (type.find('/') != std::string::npos)
    throw PluginError(verb, type, network, 0, "invalid plugin name (must not contain '/')", "", "");
  std::string not_executable;
  for (const auto& dir : dirs) {
    if (dir.empty()) continue;
    std::string path = dir + "/" + type;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (::access(path.c_str(), X_OK) != 0) {
      if (not_executable.empty()) not_executable = path;
      continue;
    }
    return path;
  }
  if (!not_executable.empty())
    throw PluginError(verb, type, network, 0, not_executable + " is not executable", "", "");
  throw PluginError(
      verb, type, network, 0,
      "failed to find plugin \"" + type + "\" in path [" + minipod::join(dirs, " ") + "]", "", "");
}

minipod::ProcessResult run_plugin_process(const PluginCall& call, std::vector<std::string> env,
                                          const ExecLimits& limits) {
  minipod::ProcessRequest req;
  req.path = call.path;
  req.env = std::move(env);
  req.stdin_data = call.stdin_data;
  req.timeout = limits.timeout;
  req.max_output = limits.max_output;
  trace_start(call);
  minipod::ProcessResult r = minipod::run_process(req);
  trace_call(call, r, limits.timeout);
  return r;
}

PluginOutput exec_plugin(const PluginCall& call, const ExecLimits& limits) {
  minipod::ProcessResult r;
  try {
    r = run_plugin_process(call, plugin_environment(call), limits);
  } catch (const minipod::Error& e) {
    throw PluginError(call.verb, call.plugin, call.network, 0, "cannot run " + call.path,
                      e.err() ? std::strerror(e.err()) : e.detail(), "");
  }
  auto fail = [&](int code, std::string msg, std::string details, bool with_stderr) {
    throw PluginError(call.verb, call.plugin, call.network, code, std::move(msg),
                      std::move(details), with_stderr ? stderr_tail(r.err) : "");
  };
  if (r.timed_out)
    fail(0, "killed after the " + std::to_string(limits.timeout.count()) + " ms timeout", "", true);
  if (r.stdout_truncated || r.stderr_truncated)
    fail(0,
         "printed more than " + std::to_string(limits.max_output) + " bytes on std" +
             (r.stdout_truncated ? "out" : "err") + " (" + r.describe(limits.timeout) + ")",
         "", false);
  if (r.term_signal != 0) fail(0, r.describe(limits.timeout), "", true);
  if (r.exit_code == 0) return PluginOutput{std::move(r.out), std::move(r.err)};

  // A failing plugin should print {"code", "msg", "details"} on stdout; real ones leave out
  // "cniVersion". Anything else is reported as it is, with stderr, since that is all there is.
  if (trim(r.out).empty()) {
    std::string tail = stderr_tail(r.err);
    if (tail.empty()) fail(0, r.describe(limits.timeout) + " and printed nothing", "", false);
    fail(0, tail, r.describe(limits.timeout), false);
  }
  json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("msg")) {
    fail(0,
         r.describe(limits.timeout) + ", and stdout is not a CNI error object: \"" +
             one_line(r.out, 200) + "\"",
         "", true);
  }
  int code = 0;
  if (auto it = j.find("code"); it != j.end() && it->is_number_integer()) code = it->get<int>();
  auto text = [&](const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::string();
    return it->is_string() ? it->get<std::string>() : it->dump();
  };
  throw PluginError(call.verb, call.plugin, call.network, code, text("msg"), text("details"), "");
}

namespace {

struct VersionKey {
  std::string path;
  ino_t ino;
  off_t size;
  long sec, nsec;
  auto tie() const { return std::tie(path, ino, size, sec, nsec); }
  bool operator<(const VersionKey& o) const { return tie() < o.tie(); }
};

std::mutex version_mutex;
std::map<VersionKey, PluginVersionInfo>& version_cache() {
  static std::map<VersionKey, PluginVersionInfo> cache;
  return cache;
}

PluginVersionInfo ask_version(const std::string& path, const std::string& type,
                              const std::string& cni_path, const ExecLimits& limits) {
  PluginCall call;
  call.verb = "VERSION";
  call.plugin = type;
  call.path = path;
  // libcni fills the variables a VERSION does not need with "dummy" so that strict plugins
  // parse their environment without complaint.
  call.netns = "dummy";
  call.ifname = "dummy";
  call.cni_path = cni_path;
  call.stdin_data = "{\"cniVersion\":\"" + current_version() + "\"}";
  PluginOutput out;
  try {
    out = exec_plugin(call, limits);
  } catch (const PluginError& e) {
    if (e.msg() == "unknown CNI_COMMAND: VERSION") return {"0.1.0", {"0.1.0"}};
    throw;
  }
  auto bad = [&](const std::string& why) {
    throw PluginError("VERSION", type, "", kErrDecoding, "cannot decode version info: " + why, "",
                      stderr_tail(out.err));
  };
  json j = json::parse(out.out, nullptr, false);
  if (!j.is_object()) bad("stdout is not a JSON object: \"" + one_line(out.out, 200) + "\"");
  PluginVersionInfo info;
  if (auto it = j.find("cniVersion"); it != j.end() && it->is_string())
    info.cni_version = it->get<std::string>();
  if (info.cni_version.empty()) bad("missing field cniVersion");
  if (auto it = j.find("supportedVersions"); it != j.end() && it->is_array()) {
    for (const auto& v : *it)
      if (v.is_string()) info.supported.push_back(v.get<std::string>());
  }
  if (info.supported.empty()) {
    if (info.cni_version != "0.2.0") bad("missing field supportedVersions");
    info.supported = {"0.1.0", "0.2.0"};
  }
  return info;
}

}  // namespace

PluginVersionInfo plugin_versions(const std::string& path, const std::string& type,
                                  const std::string& cni_path, const ExecLimits& limits) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw PluginError("VERSION", type, "", 0, "cannot stat " + path, std::strerror(errno), "");
  VersionKey key{path, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  {
    std::lock_guard lock(version_mutex);
    auto it = version_cache().find(key);
    if (it != version_cache().end()) return it->second;
  }
  // Not under the lock: a slow plugin must not hold up calls for other binaries.
  PluginVersionInfo info = ask_version(path, type, cni_path, limits);
  std::lock_guard lock(version_mutex);
  version_cache()[key] = info;
  return info;
}

void clear_version_cache() {
  std::lock_guard lock(version_mutex);
  version_cache().clear();
}

}  // namespace cni
