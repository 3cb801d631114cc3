// `minipod cni ...`: cnitool's verbs and variables over the cni library, plus listings of the
// networks and cached attachments. Thin: every rule lives in the library.
#include "cni/cli/cni_command.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "cni/client.h"
#include "cni/config.h"
#include "cni/conformance/command.h"
#include "cni/defaults.h"
#include "cni/names.h"
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
};

Options client_options(const Flags& flags) {
  const Global& f = *flags.global;
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
  cni->add_option("--cni-path", global->cni_path,
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
    sub->add_option("--ifname", flags->ifname, "Interface name in the netns")
        ->envname("CNI_IFNAME")
        ->capture_default_str();
    sub->add_option("--container-id", flags->container_id,
                    "Container id (default: derived from the netns path, like cnitool)");
  };

  auto verb = [&](const char* name, const char* help, bool netns_required,
                  const std::shared_ptr<Flags>& flags) {
    CLI::App* sub = cni->add_subcommand(name, help);
    sub->add_option("NETWORK", flags->network, "Network name (the \"name\" in a config file)")
        ->required();
    auto* ns = sub->add_option("NETNS", flags->netns,
                               "Network namespace: a path, or a name under /run/netns");
    if (netns_required) ns->required();
    attach_opts(sub, flags);
    return sub;
  };

  int* code = &exit_code;
  auto flags = new_flags();
  verb("add", "Add the container in NETNS to NETWORK and print the result", true, flags)
      ->callback([flags, code] {
        auto list = load(*flags);
        auto rt = runtime_conf(*flags);
        Client client(client_options(*flags));
        Result r = client.add_or_undo(list, rt);
        std::printf("%s\n", r.to_json(r.cni_version).dump(4).c_str());
        *code = 0;
      });
  flags = new_flags();
  verb("check", "Check the attachment of NETNS to NETWORK", true, flags)->callback([flags, code] {
    auto list = load(*flags);
    Client(client_options(*flags)).check(list, runtime_conf(*flags));
    *code = 0;
  });
  flags = new_flags();
  verb("del", "Remove the container in NETNS from NETWORK", true, flags)->callback([flags, code] {
    auto list = load(*flags);
    Client(client_options(*flags)).del(list, runtime_conf(*flags));
    *code = 0;
  });
  flags = new_flags();
  auto* gc = verb("gc", "Delete stale cached attachments of NETWORK and ask its plugins to GC",
                  false, flags);
  gc->add_option("--valid", flags->valid, "An attachment to keep, CONTAINERID/IFNAME (repeatable)");
  gc->callback([flags, code] {
    auto list = load(*flags);
    std::vector<std::pair<std::string, std::string>> valid;
    for (const auto& v : flags->valid) {
      size_t slash = v.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == v.size())
        throw minipod::UsageError("--valid \"" + v + "\"", "expected CONTAINERID/IFNAME");
      valid.emplace_back(v.substr(0, slash), v.substr(slash + 1));
    }
    Client(client_options(*flags)).gc(list, valid);
    *code = 0;
  });
  flags = new_flags();
  verb("status", "Ask NETWORK's plugins whether they can serve ADD", false, flags)
      ->callback([flags, code] {
        auto list = load(*flags);
        Client(client_options(*flags)).status(list);
        *code = 0;
      });

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
