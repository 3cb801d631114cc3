// `minipod cni ...`: cnitool's verbs and variables over the cni library, plus listings of the
// networks and cached attachments. Thin: every rule lives in the library.
#include "cni/cli/cni_command.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "cni/cli/error_json.h"
#include "cni/cli/reports.h"
#include "cni/client.h"
#include "cni/config.h"
#include "cni/conformance/command.h"
#include "cni/defaults.h"
#include "cni/gc_networks.h"
#include "cni/names.h"
#include "cni/validate.h"
#include "common/digest.h"
#include "common/error.h"
#include "common/strings.h"
#include "common/table.h"

namespace cni::cli {
namespace {

using minipod::join;
using nlohmann::json;

// Options of `minipod cni` itself, shared by every verb.
struct Global {
  std::string conf_dir = kDefaultConfDir;
  std::string cni_path = default_cni_path();
  std::string cache_dir = kDefaultCacheDir;
  double timeout_s = 60;
  CLI::Option* cni_path_option = nullptr;  // to tell `--cni-path X` from CNI_PATH
};

// Options of one verb. Each verb has its own: CLI11 applies an option's environment variable
// even for subcommands that were not called, so shared storage would let `del`'s CNI_IFNAME
// overwrite `add`'s --ifname.
struct Flags {
  std::shared_ptr<Global> global;
  std::string args, cap_args, ifname = kDefaultIfname, container_id;
  std::string output = "text";
  std::string network, netns, plugin;
  std::vector<std::string> valid;
  CLI::Option* ifname_option = nullptr;  // to tell `--ifname X` from CNI_IFNAME
};

// A variable that is set but empty. CLI11 treats it as unset and would silently use the
// option's default; cnitool (libcni) takes it as given, and fails on it: so does minipod.
bool set_but_empty(const char* name, const CLI::Option* flag) {
  const char* v = std::getenv(name);
  return v != nullptr && *v == '\0' && (flag == nullptr || flag->count() == 0);
}

Options client_options(const Flags& flags) {
  const Global& f = *flags.global;
  if (set_but_empty("CNI_PATH", f.cni_path_option))
    throw minipod::UsageError("CNI_PATH",
                              "is set but empty (expected ':'-separated plugin directories such "
                              "as /usr/lib/cni; unset it for the default " +
                                  Global().cni_path + ")");
  Options o;
  o.plugin_dirs = minipod::split_nonempty(f.cni_path, ':');
  if (o.plugin_dirs.empty())
    throw minipod::UsageError(
        "--cni-path/CNI_PATH",
        std::string("is empty (expected directories like ") + kDebianPluginDir + ")");
  o.cache_dir = f.cache_dir;
  if (!(f.timeout_s > 0))
    throw minipod::UsageError("--timeout", "must be a positive number of seconds");
  o.timeout = std::chrono::milliseconds(static_cast<long long>(f.timeout_s * 1000));
  return o;
}

NetworkConfigList load(const Flags& f) {
  auto list = load_network(f.global->conf_dir, f.network);
  if (!list)
    throw minipod::UsageError(
        "load CNI network",
        "no network configs (*.conflist, *.conf, *.json) in " + f.global->conf_dir);
  return std::move(*list);
}

// cnitool makes the netns path absolute; a bare name that `ip netns` knows is taken as that.
std::string netns_path(const std::string& arg) {
  if (arg.empty()) return arg;
  if (arg.find('/') == std::string::npos) {
    std::string named = "/run/netns/" + arg;
    struct stat st {};
    if (::stat(named.c_str(), &st) == 0) return named;
  }
  return std::filesystem::absolute(arg).lexically_normal().string();
}

RuntimeConf runtime_conf(const Flags& f) {
  RuntimeConf rt;
  rt.netns = netns_path(f.netns);
  rt.container_id = f.container_id.empty() ? container_id_for_netns(rt.netns) : f.container_id;
  check_container_id(rt.container_id, "--container-id");
  if (set_but_empty("CNI_IFNAME", f.ifname_option))
    throw minipod::UsageError("CNI_IFNAME",
                              "is set but empty (expected an interface name such as eth0; unset "
                              "it for the default eth0)");
  rt.ifname = f.ifname;
  check_ifname(rt.ifname, "--ifname/CNI_IFNAME");
  rt.args = parse_cni_args(f.args, "--args/CNI_ARGS");
  if (!f.cap_args.empty()) {
    rt.capability_args = json::parse(f.cap_args, nullptr, false);
    if (!rt.capability_args.is_object())
      throw minipod::UsageError("--capability-args/CAP_ARGS",
                                "expected a JSON object such as {\"portMappings\": [...]}");
  }
  return rt;
}

void check_output(const std::string& output) {
  if (output != "text" && output != "json")
    throw minipod::UsageError("--output", "\"" + output + "\" is not one of text, json");
}

void cmd_ls(const Flags& f) {
  check_output(f.output);
  auto files = list_network_files(f.global->conf_dir);
  if (f.output == "json") {
    json arr = json::array();
    for (const auto& e : files) {
      json o{{"file", e.path.string()}};
      if (e.network) {
        std::vector<std::string> types;
        for (const auto& p : e.network->plugins) types.push_back(p.type);
        o["name"] = e.network->name;
        o["cniVersion"] = e.network->cni_version;
        if (!e.network->cni_versions.empty()) o["cniVersions"] = e.network->cni_versions;
        o["plugins"] = types;
        o["disableCheck"] = e.network->disable_check;
        o["disableGC"] = e.network->disable_gc;
      } else {
        o["error"] = e.error;
      }
      arr.push_back(std::move(o));
    }
    std::printf("%s\n", arr.dump(2).c_str());
    return;
  }
  std::vector<std::vector<std::string>> rows{{"NAME", "VERSION", "PLUGINS", "FILE"}};
  for (const auto& e : files) {
    if (!e.network) {
      rows.push_back({"-", "-", "(invalid: " + e.error + ")", e.path.string()});
      continue;
    }
    std::vector<std::string> types;
    for (const auto& p : e.network->plugins) types.push_back(p.type);
    std::string version = e.network->cni_version;
    if (!e.network->cni_versions.empty()) version = join(e.network->cni_versions, ",");
    rows.push_back({e.network->name, version, join(types, ","), e.path.string()});
  }
  if (files.empty()) {
    std::fprintf(stderr, "minipod: no network configs in %s\n", f.global->conf_dir.c_str());
    return;
  }
  minipod::print_table(rows, 2);
}

void cmd_cache_ls(const Flags& f) {
  check_output(f.output);
  Options o;
  o.cache_dir = f.global->cache_dir;
  auto entries = Client(o).cached_all();
  if (f.output == "json") {
    json arr = json::array();
    for (const auto& a : entries) {
      json args = json::array();
      for (const auto& [k, v] : a.conf.args) args.push_back({k, v});
      arr.push_back(json{{"network", a.network},
                         {"containerId", a.conf.container_id},
                         {"ifName", a.conf.ifname},
                         {"netns", a.conf.netns},
                         {"cniArgs", args},
                         {"capabilityArgs", a.conf.capability_args},
                         {"result", a.result ? *a.result : json()},
                         {"file", a.file}});
    }
    std::printf("%s\n", arr.dump(2).c_str());
    return;
  }
  std::vector<std::vector<std::string>> rows{
      {"NETWORK", "CONTAINER", "IFNAME", "NETNS", "ADDRESSES"}};
  for (const auto& a : entries) {
    std::vector<std::string> addrs;
    if (a.result) {
      try {
        for (const auto& ip : Result::parse(*a.result).ips) addrs.push_back(ip.address);
      } catch (const minipod::Error&) {
        addrs.push_back("(unreadable result)");
      }
    }
    rows.push_back({a.network, a.conf.container_id, a.conf.ifname,
                    a.conf.netns.empty() ? "-" : a.conf.netns,
                    addrs.empty() ? "-" : join(addrs, ",")});
  }
  minipod::print_table(rows, 2);
}

// Runs a verb's body. With -o json a failure is one JSON object on stdout (error_json.h), the
// place where plugins print theirs, and stderr stays empty; the exit code is the same as in text
// mode (1, or 2 for wrong usage). The body moves `phase` on as it goes.
template <typename Body>
void run_verb(const Flags& f, const std::string& verb, int* code, Body&& body) {
  check_output(f.output);
  Phase phase = Phase::kArguments;
  try {
    body(phase);
    *code = 0;
  } catch (const std::exception& e) {
    if (f.output != "json") throw;
    std::printf("%s\n", error_object(e, phase, verb, f.network).dump(2).c_str());
    const auto* m = dynamic_cast<const minipod::Error*>(&e);
    *code = static_cast<int>(m != nullptr ? m->kind() : minipod::ExitKind::kRuntime);
  }
}

std::vector<Attachment> parse_valid(const std::vector<std::string>& flags) {
  std::vector<Attachment> valid;
  for (const auto& v : flags) {
    size_t slash = v.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == v.size())
      throw minipod::UsageError("--valid \"" + v + "\"", "expected CONTAINERID/IFNAME");
    valid.emplace_back(v.substr(0, slash), v.substr(slash + 1));
  }
  return valid;
}

void cmd_validate(const Flags& f, int* code) {
  check_output(f.output);
  json caps = json::object();
  if (!f.cap_args.empty()) {
    caps = json::parse(f.cap_args, nullptr, false);
    if (!caps.is_object())
      throw minipod::UsageError("--capability-args/CAP_ARGS",
                                "expected a JSON object such as {\"portMappings\": [...]}");
  }
  Client client(client_options(f));
  auto v = validate_network(client, load(f), caps, "--capability-args/CAP_ARGS");
  if (f.output == "json")
    std::printf("%s\n", validation_json(v).dump(2).c_str());
  else
    std::fputs(validation_text(v).c_str(), stdout);
  *code = v.ok() ? 0 : 1;
}

void cmd_gc(const Flags& f, int* code) {
  check_output(f.output);
  auto valid = parse_valid(f.valid);
  Client client(client_options(f));
  std::vector<NetworkGc> done;
  if (f.network.empty()) {
    done = gc_networks(client, f.global->conf_dir, valid);
  } else {
    auto list = load(f);
    done.push_back(single_gc(list, client.gc(list, valid)));
  }
  if (f.output == "json")
    std::printf("%s\n", gc_json(done).dump(2).c_str());
  else
    std::fputs(gc_text(done).c_str(), stdout);
  bool failed = false;
  for (const auto& n : done) failed |= !n.error.empty();
  *code = failed ? 1 : 0;
}

}  // namespace

std::string container_id_for_netns(const std::string& netns_path) {
  return "cnitool-" + minipod::sha512_hex(netns_path).substr(0, 20);
}

void add_cni_commands(CLI::App& app, int& exit_code) {
  auto global = std::make_shared<Global>();
  auto new_flags = [global] {
    auto f = std::make_shared<Flags>();
    f->global = global;
    return f;
  };
  CLI::App* cni = app.add_subcommand(
      "cni", "Run CNI plugin chains (like cnitool), list networks and cached attachments");
  cni->require_subcommand(1);
  cni->fallthrough();
  cni->add_option("--cni-conf-dir", global->conf_dir, "Network config directory")
      ->envname("NETCONFPATH")
      ->capture_default_str();
  global->cni_path_option = cni->add_option("--cni-path", global->cni_path,
                                            "Plugin directories, ':'-separated, searched in order")
                                ->envname("CNI_PATH")
                                ->capture_default_str();
  cni->add_option("--cache-dir", global->cache_dir, "Result cache directory (libcni's format)")
      ->capture_default_str();
  cni->add_option("--timeout", global->timeout_s,
                  "Seconds one plugin call may take before it is killed")
      ->capture_default_str();

  auto attach_opts = [](CLI::App* sub, const std::shared_ptr<Flags>& flags) {
    sub->fallthrough();
    sub->add_option("--args", flags->args, "CNI_ARGS for the plugins: K=V;K=V")
        ->envname("CNI_ARGS");
    sub->add_option("--capability-args", flags->cap_args,
                    "Capability args as JSON, e.g. {\"portMappings\":[...]}")
        ->envname("CAP_ARGS");
    flags->ifname_option = sub->add_option("--ifname", flags->ifname, "Interface name in the netns")
                               ->envname("CNI_IFNAME")
                               ->capture_default_str();
    sub->add_option("--container-id", flags->container_id,
                    "Container id (default: derived from the netns path, like cnitool)");
  };

  // NETWORK [NETNS] and the attachment options.
  enum Needs { kNetworkAndNetns, kNetwork, kNeither };
  auto verb = [&](const char* name, const char* help, Needs needs,
                  const std::shared_ptr<Flags>& flags) {
    CLI::App* sub = cni->add_subcommand(name, help);
    auto* net =
        sub->add_option("NETWORK", flags->network, "Network name (the \"name\" in a config file)");
    auto* ns = sub->add_option("NETNS", flags->netns,
                               "Network namespace: a path, or a name under /run/netns");
    if (needs != kNeither) net->required();
    if (needs == kNetworkAndNetns) ns->required();
    attach_opts(sub, flags);
    return sub;
  };

  int* code = &exit_code;
  // add, check and del: the arguments, then the config, then the plugins (run_verb's phases).
  using Act = void (*)(Client&, const NetworkConfigList&, const RuntimeConf&);
  auto attachment_verb = [&](const char* name, const char* cni_verb, const char* help, Act act) {
    auto flags = new_flags();
    CLI::App* sub = verb(name, help, kNetworkAndNetns, flags);
    sub->add_option("--output,-o", flags->output,
                    "text or json (json: a failure as one JSON object on stdout)")
        ->capture_default_str();
    sub->callback([flags, code, cni_verb, act] {
      run_verb(*flags, cni_verb, code, [&](Phase& phase) {
        auto rt = runtime_conf(*flags);
        Client client(client_options(*flags));
        phase = Phase::kConfig;
        auto list = load(*flags);
        phase = Phase::kRun;
        act(client, list, rt);
      });
    });
  };
  attachment_verb("add", "ADD", "Add the container in NETNS to NETWORK and print the result",
                  [](Client& c, const NetworkConfigList& list, const RuntimeConf& rt) {
                    Result r = c.add_or_undo(list, rt);
                    std::printf("%s\n", r.to_json(r.cni_version).dump(4).c_str());
                  });
  attachment_verb(
      "check", "CHECK", "Check the attachment of NETNS to NETWORK",
      [](Client& c, const NetworkConfigList& list, const RuntimeConf& rt) { c.check(list, rt); });
  attachment_verb(
      "del", "DEL", "Remove the container in NETNS from NETWORK",
      [](Client& c, const NetworkConfigList& list, const RuntimeConf& rt) { c.del(list, rt); });
  auto flags = new_flags();
  auto* gc = verb("gc",
                  "Delete stale cached attachments of NETWORK and ask its plugins to GC; "
                  "without NETWORK, every network, keeping what the cache holds",
                  kNeither, flags);
  gc->add_option("--output,-o", flags->output,
                 "text or json (what was done, a line or an object a network)")
      ->capture_default_str();
  gc->add_option("--valid", flags->valid, "An attachment to keep, CONTAINERID/IFNAME (repeatable)");
  gc->callback([flags, code] { cmd_gc(*flags, code); });
  flags = new_flags();
  verb("status", "Ask NETWORK's plugins whether they can serve ADD", kNetwork, flags)
      ->callback([flags, code] {
        auto list = load(*flags);
        Client(client_options(*flags)).status(list);
        *code = 0;
      });
  flags = new_flags();
  CLI::App* validate = cni->add_subcommand(
      "validate",
      "Check NETWORK before use: every plugin found in CNI_PATH, answering VERSION, supporting "
      "the network's version; every capability asked for declared by a plugin");
  validate->fallthrough();
  validate->add_option("NETWORK", flags->network, "Network name (the \"name\" in a config file)")
      ->required();
  validate
      ->add_option("--capability-args", flags->cap_args,
                   "Capability args the runtime will pass, as JSON: each must be declared by a "
                   "plugin")
      ->envname("CAP_ARGS");
  validate->add_option("--output,-o", flags->output, "text or json")->capture_default_str();
  validate->callback([flags, code] { cmd_validate(*flags, code); });

  flags = new_flags();
  CLI::App* version = cni->add_subcommand("version", "Show the CNI versions a plugin supports");
  version->fallthrough();
  version->add_option("PLUGIN", flags->plugin, "Plugin name, found in --cni-path")->required();
  version->add_option("--output,-o", flags->output, "text or json")->capture_default_str();
  version->callback([flags, code] {
    check_output(flags->output);
    Client client(client_options(*flags));
    std::string path = find_plugin(flags->plugin, client.options().plugin_dirs, "VERSION", "");
    auto info = client.version_info(flags->plugin);
    if (flags->output == "json")
      std::printf("%s\n", json{{"plugin", flags->plugin},
                               {"path", path},
                               {"cniVersion", info.cni_version},
                               {"supportedVersions", info.supported}}
                              .dump(2)
                              .c_str());
    else
      std::printf("%s (%s): CNI %s\n", flags->plugin.c_str(), path.c_str(),
                  join(info.supported, ", ").c_str());
    *code = 0;
  });

  flags = new_flags();
  CLI::App* ls = cni->add_subcommand("ls", "List the networks in the config directory");
  ls->fallthrough();
  ls->add_option("--output,-o", flags->output, "text or json")->capture_default_str();
  ls->callback([flags, code] {
    cmd_ls(*flags);
    *code = 0;
  });

  conformance::add_conformance_command(
      cni, [global] { return global->cni_path; }, exit_code);

  CLI::App* cache = cni->add_subcommand("cache", "The result cache");
  cache->require_subcommand(1);
  cache->fallthrough();
  flags = new_flags();
  CLI::App* cache_ls = cache->add_subcommand("ls", "List the cached attachments");
  cache_ls->fallthrough();
  cache_ls->add_option("--output,-o", flags->output, "text or json")->capture_default_str();
  cache_ls->callback([flags, code] {
    cmd_cache_ls(*flags);
    *code = 0;
  });
}

}  // namespace cni::cli
