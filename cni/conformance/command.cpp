#include "cni/conformance/command.h"

#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cctype>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>

#include "cni/conformance/catalogue.h"
#include "cni/conformance/profiles.h"
#include "cni/conformance/report.h"
#include "cni/conformance/sandbox.h"
#include "cni/conformance/suite.h"
#include "cni/error.h"
#include "cni/invoke.h"
#include "cni/version.h"
#include "common/digest.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/strings.h"

namespace cni::conformance {
namespace {

using nlohmann::json;

struct Flags {
  std::string plugin, config, versions, checks, format = "text", output, prefix, cap_args;
  std::string subnet = "10.233.0.0/16";
  double timeout_s = 10;
  int parallel = 4;
  bool list = false;
  bool on_host = false;
};

// The signal that interrupted the run (0: none). Read by the suite between scenarios.
volatile sig_atomic_t g_signal = 0;
volatile int g_interrupted = 0;

void on_signal(int sig) {
  g_signal = sig;
  g_interrupted = 1;
}

// SIGTERM and SIGINT stop the run at the next scenario instead of killing it, so everything the
// suite made is removed on the way out; the previous handlers come back with the guard.
class SignalGuard {
 public:
  SignalGuard() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;  // a read or waitpid under way goes on; poll() loops on EINTR
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGTERM, &sa, &old_term_);
    ::sigaction(SIGINT, &sa, &old_int_);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;
  ~SignalGuard() {
    ::sigaction(SIGTERM, &old_term_, nullptr);
    ::sigaction(SIGINT, &old_int_, nullptr);
  }

 private:
  struct sigaction old_term_ {};
  struct sigaction old_int_ {};
};

// The /24 of --subnet the profiles use: the subnet itself when it is a /24, else one picked by
// the prefix's hash so runs with different prefixes do not share addresses. "10.233.57".
std::string pick_subnet24(const std::string& cidr, size_t hash) {
  size_t slash = cidr.find('/');
  in_addr a{};
  int bits = slash == std::string::npos ? -1 : std::atoi(cidr.c_str() + slash + 1);
  if (slash == std::string::npos || inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &a) != 1 ||
      bits < 8 || bits > 24)
    throw minipod::UsageError("--subnet", "\"" + cidr +
                                              "\": expected an IPv4 CIDR from /8 to /24, e.g. "
                                              "10.233.0.0/16");
  uint32_t base = ntohl(a.s_addr) & ~((1u << (32 - bits)) - 1);
  uint32_t count = 1u << (24 - bits);
  uint32_t index =
      count > 220 ? static_cast<uint32_t>(20 + hash % 200) : static_cast<uint32_t>(hash % count);
  uint32_t net = base + (index << 8);
  return std::to_string(net >> 24) + "." + std::to_string((net >> 16) & 255) + "." +
         std::to_string((net >> 8) & 255);
}

// The first alphanumeric characters of --prefix (at most 5), for link names.
std::string link_prefix_of(const std::string& prefix) {
  std::string out;
  for (char c : prefix)
    if (std::isalnum(static_cast<unsigned char>(c)) && out.size() < 5) out += c;
  return out.empty() ? std::string("cf") : out;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// After SIGTERM/SIGINT stopped the run. The scenarios' namespaces went with their owners and the
// host diff put back what the plugin changed; what is left is the run's own: stray namespaces,
// the profile's links, the temporary directory (its destructor, on return).
void stopped(const std::string& prefix, std::unique_ptr<ProfileGuard>& guard, int& exit_code) {
  std::vector<std::string> removed = remove_netns_with_prefix(prefix);
  guard.reset();
  std::fprintf(stderr,
               "minipod cni conformance: stopped by signal %d; removed what the suite made "
               "(%zu stray namespaces)\n",
               static_cast<int>(g_signal), removed.size());
  exit_code = 128 + static_cast<int>(g_signal);
}

// Pins the suite's namespaces (`ip netns add`: /run/netns/<name>) in a tmpfs of a mount
// namespace of its own: they vanish with the suite however it ends, SIGKILL included, and never
// show in the host's /run/netns or mount table. The plugins, its children, see the same pins.
void pin_namespaces_privately() {
  if (::unshare(CLONE_NEWNS) != 0)
    minipod::throw_errno("unshare(CLONE_NEWNS)", "the suite's private mount namespace");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    minipod::throw_errno("mount --make-rprivate /", "the suite's private mount namespace");
  std::filesystem::create_directories("/run/netns");
  if (::mount("cnicf", "/run/netns", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755") != 0)
    minipod::throw_errno("mount tmpfs", "/run/netns in the suite's private mount namespace");
}

// Moves the suite into a network namespace of its own, which the plugin under test takes for
// the host: its bridges, iptables rules and sysctls land there, and the kernel removes all of
// it when the suite exits, however it exits. The sandboxes are created from within it.
void enter_private_host() {
  if (::unshare(CLONE_NEWNET) != 0)
    minipod::throw_errno("unshare(CLONE_NEWNET)", "the suite's private host network namespace");
  Shell r = sh("ip link set lo up");
  if (r.code != 0)
    throw minipod::Error("cni conformance: set lo up in the private host namespace", r.err);
}

void list_checks(const Flags& f) {
  if (f.format == "json") {
    json arr = json::array();
    for (const auto& c : catalogue())
      arr.push_back(
          {{"id", c.id},
           {"level", level_label(c)},
           {"section", c.section},
           {"title", c.title},
           {"versions", c.min_version.empty() && c.max_version.empty()
                            ? std::string("all")
                            : (c.min_version.empty() ? std::string("up to ") + c.max_version
                                                     : c.min_version + "+")},
           {"perVersion", c.per_version}});
    std::printf("%s\n", arr.dump(2).c_str());
    return;
  }
  for (const auto& c : catalogue())
    std::printf("%-26s %-6s %s\n", c.id.c_str(), level_label(c).c_str(), c.title.c_str());
}

void run(const Flags& f, const std::string& cni_path, int& exit_code) {
  if (f.format != "text" && f.format != "json" && f.format != "junit")
    throw minipod::UsageError("--format", "\"" + f.format + "\" is not one of text, json, junit");
  if (f.list) {
    list_checks(f);
    exit_code = 0;
    return;
  }
  if (f.plugin.empty())
    throw minipod::UsageError("PLUGIN", "is required (a name in CNI_PATH or a path)");
  if (!(f.timeout_s > 0))
    throw minipod::UsageError("--timeout", "must be a positive number of seconds");
  if (f.parallel < 2 || f.parallel > 32)
    throw minipod::UsageError("--parallel", "must be between 2 and 32");

  SuiteOptions o;
  o.timeout = std::chrono::milliseconds(static_cast<long long>(f.timeout_s * 1000));
  o.parallel = f.parallel;
  for (const auto& v : minipod::split_nonempty(f.versions, ',')) {
    if (!is_supported_version(v))
      throw minipod::UsageError("--versions", "\"" + v + "\" is not a CNI version minipod knows (" +
                                                  format_versions(supported_versions()) + ")");
    o.versions.push_back(v);
  }
  for (const auto& id : minipod::split_nonempty(f.checks, ',')) {
    bool prefix = id.back() == '.' || id.back() == '*';
    bool known = find_check(id) != nullptr;
    if (prefix)
      for (const auto& c : catalogue()) known = known || check_selected({id}, c.id);
    if (!known)
      throw minipod::UsageError(
          "--checks", "no check \"" + id + "\" (see `minipod cni conformance --list-checks`)");
    o.checks.push_back(id);
  }

  // The plugin: a path, or a name found in CNI_PATH. Its directory goes first in CNI_PATH, so
  // the plugins it delegates to (IPAM) come from the same installation.
  Subject& s = o.subject;
  s.plugin_dirs = minipod::split_nonempty(cni_path, ':');
  if (f.plugin.find('/') != std::string::npos) {
    std::filesystem::path p = std::filesystem::absolute(f.plugin);
    if (!std::filesystem::is_regular_file(p) || ::access(p.c_str(), X_OK) != 0)
      throw minipod::UsageError("PLUGIN", p.string() + " is not an executable file");
    o.plugin_path = p.string();
    s.type = p.filename().string();
    s.plugin_dirs.insert(s.plugin_dirs.begin(), p.parent_path().string());
  } else {
    try {
      o.plugin_path = find_plugin(f.plugin, s.plugin_dirs, "VERSION", "");
    } catch (const PluginError& e) {
      throw minipod::UsageError("PLUGIN", e.msg());
    }
    s.type = f.plugin;
  }

  pid_t pid = ::getpid();
  o.prefix = f.prefix.empty() ? "cnicf-" + std::to_string(pid) : f.prefix;
  if (o.prefix.find('/') != std::string::npos || o.prefix.size() > 40)
    throw minipod::UsageError("--prefix", "must be a short name without '/'");
  size_t h = std::hash<std::string>{}(o.prefix);
  char tag[8];
  std::snprintf(tag, sizeof tag, "%05zx", h % 0xfffff);
  // A run killed by SIGKILL could not remove its directory: the next run does.
  for (const auto& dir : remove_stale_temp_dirs())
    std::fprintf(stderr, "minipod cni conformance: removed %s of a run that is gone\n",
                 dir.c_str());
  TempDir data;
  ProfileContext ctx{link_prefix_of(o.prefix), tag, pick_subnet24(f.subnet, h), data.path()};
  o.scratch_dir = data.path();

  std::optional<Profile> profile;
  if (f.config.empty()) {
    profile = builtin_profile(s.type, ctx);
    if (!profile) {
      throw minipod::UsageError("--config", "is required for \"" + s.type +
                                                "\" (built-in profiles exist for " +
                                                minipod::join(profile_names(), ", ") + ")");
    }
    s.plugins = profile->plugins;
    s.capability_args = profile->capability_args;
    s.ifname = profile->ifname;
    s.max_attachments = profile->max_attachments;
    o.suite_links = profile->links;
    o.link_type = profile->link_type;
    o.config_source = "built-in profile for " + s.type;
  } else {
    auto text = minipod::fs::read_file_if_exists(f.config);
    if (!text) throw minipod::UsageError("--config", f.config + ": no such file");
    json j = json::parse(*text, nullptr, false);
    if (!j.is_object()) throw minipod::UsageError("--config", f.config + ": not a JSON object");
    if (j.contains("plugins")) {
      if (!j["plugins"].is_array() || j["plugins"].empty())
        throw minipod::UsageError("--config",
                                  f.config + ": field \"plugins\": expected a non-empty array");
      for (const auto& p : j["plugins"]) s.plugins.push_back(p);
    } else {
      s.plugins.push_back(j);
    }
    for (size_t i = 0; i < s.plugins.size(); ++i)
      if (!s.plugins[i].is_object() || !s.plugins[i].value("type", json("")).is_string() ||
          s.plugins[i].value("type", "").empty())
        throw minipod::UsageError(
            "--config", f.config + ": plugin " + std::to_string(i) + ": field \"type\": missing");
    if (s.plugins.back()["type"] != s.type)
      throw minipod::UsageError(
          "--config",
          f.config + ": the plugin under test must be the last one of the list; it is \"" +
              s.plugins.back()["type"].get<std::string>() + "\", not \"" + s.type + "\"");
    if (j.value("cniVersion", json("")).is_string()) o.config_version = j.value("cniVersion", "");
    o.config_source = "--config " + f.config;
    o.link_type = link_type_of(s.type);
  }
  if (!f.cap_args.empty()) {
    s.capability_args = json::parse(f.cap_args, nullptr, false);
    if (!s.capability_args.is_object())
      throw minipod::UsageError("--capability-args", "expected a JSON object");
  }
  for (size_t i = 0; i + 1 < s.plugins.size(); ++i) {
    try {
      s.paths.push_back(find_plugin(s.plugins[i]["type"], s.plugin_dirs, "ADD", ""));
    } catch (const PluginError& e) {
      throw minipod::UsageError("--config", "plugin before the one under test: " + e.msg());
    }
  }
  s.paths.push_back(o.plugin_path);
  if (::geteuid() != 0)
    throw minipod::Error("cni conformance",
                         "needs root: it creates network namespaces and reads iptables");

  pin_namespaces_privately();
  if (!f.on_host) enter_private_host();
  o.private_host = !f.on_host;
  SignalGuard signals;
  o.interrupted = &g_interrupted;
  std::string started = utc_now();
  std::string sha;
  try {
    sha = minipod::sha256_hex(minipod::fs::read_file(o.plugin_path));
  } catch (const minipod::Error& e) {
    sha = std::string("(unreadable: ") + e.what() + ")";
  }

  std::unique_ptr<ProfileGuard> guard;
  Report r;
  try {
    if (profile) {
      guard = std::make_unique<ProfileGuard>(*profile);
      ProfileGuard* g = guard.get();
      o.before_scenario = [g] { g->again(); };
    }
    r = run_suite(o);
  } catch (const Interrupted&) {
    stopped(o.prefix, guard, exit_code);
    return;
  } catch (const minipod::Error&) {
    // A call the signal broke (EINTR) rather than the check between scenarios.
    if (!g_interrupted) throw;
    stopped(o.prefix, guard, exit_code);
    return;
  }
  guard.reset();
  r.tool_version = MINIPOD_VERSION;
  r.started = started;
  r.sha256 = sha;

  std::string out = f.format == "json"    ? format_json(r)
                    : f.format == "junit" ? format_junit(r)
                                          : format_text(r);
  if (f.output.empty()) {
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    minipod::fs::write_file(f.output, out);
    std::string line = format_text(r);
    line = line.substr(line.rfind('\n', line.size() - 2) + 1);
    std::fprintf(stdout, "%s", line.c_str());
  }
  std::fflush(stdout);
  exit_code = r.exit_code();
}

}  // namespace

void add_conformance_command(CLI::App* cni, std::function<std::string()> cni_path, int& exit_code) {
  auto f = std::make_shared<Flags>();
  CLI::App* sub = cni->add_subcommand(
      "conformance", "Check a CNI plugin against the spec, rule by rule, with evidence");
  sub->fallthrough();
  sub->add_option("PLUGIN", f->plugin, "Plugin name (found in --cni-path) or path");
  sub->add_option("--config", f->config,
                  "The plugin's network config: one plugin object, or a list whose last plugin "
                  "is the one under test (default: a built-in profile for the reference plugins)");
  sub->add_option("--versions", f->versions,
                  "Comma-separated spec versions to test (default: every version it claims)");
  sub->add_option("--checks", f->checks,
                  "Comma-separated check IDs, or prefixes ending in '.' (default: all)");
  sub->add_option("--format", f->format, "text, json or junit")->capture_default_str();
  sub->add_option("--output", f->output, "Write the report to FILE (stdout: the summary line)");
  sub->add_option("--timeout", f->timeout_s, "Seconds one plugin call may take before it is killed")
      ->capture_default_str();
  sub->add_option("--parallel", f->parallel, "Containers in the parallel ADD/DEL check")
      ->capture_default_str();
  sub->add_option("--capability-args", f->cap_args,
                  "Capability args for runtimeConfig, as JSON (e.g. {\"portMappings\":[...]})");
  sub->add_option("--prefix", f->prefix,
                  "Name prefix of the namespaces, networks and containers the suite creates "
                  "(default cnicf-<pid>)");
  sub->add_option("--subnet", f->subnet,
                  "IPv4 CIDR (/8 to /24) the built-in profiles take their /24 from")
      ->capture_default_str();
  sub->add_flag("--on-host", f->on_host,
                "Run the plugin on the real host instead of a private network namespace the "
                "suite creates and takes for the host (for plugins that need the real host)");
  sub->add_flag("--list-checks", f->list, "List the checks and exit");
  int* code = &exit_code;
  sub->callback([f, cni_path, code] { run(*f, cni_path(), *code); });
}

}  // namespace cni::conformance
