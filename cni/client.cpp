#include "cni/client.h"

#include <sys/stat.h>

#include <algorithm>
#include <exception>

#include "cni/cache.h"
#include "cni/error.h"
#include "cni/names.h"
#include "cni/version.h"
#include "common/strings.h"
#include "common/trace.h"

namespace cni {
namespace {

using nlohmann::json;

void check_names(const NetworkConfigList& list, const RuntimeConf& rt) {
  check_network_name(list.name, "network name");
  check_container_id(rt.container_id, "container id");
  check_ifname(rt.ifname, "interface name");
}

}  // namespace

std::string plugin_stdin(const PluginConfig& plugin, const std::string& network,
                         const std::string& version, const json* prev, const RuntimeConf* rt) {
  json conf = plugin.raw;
  conf.erase("capabilities");
  conf["name"] = network;
  conf["cniVersion"] = version;
  if (prev != nullptr) conf["prevResult"] = *prev;
  if (rt != nullptr && rt->capability_args.is_object()) {
    json rc = json::object();
    if (auto caps = plugin.raw.find("capabilities"); caps != plugin.raw.end() && caps->is_object())
      for (auto c = caps->begin(); c != caps->end(); ++c)
        if (c.value().is_boolean() && c.value().get<bool>() &&
            rt->capability_args.contains(c.key()))
          rc[c.key()] = rt->capability_args[c.key()];
    if (!rc.empty()) conf["runtimeConfig"] = std::move(rc);
  }
  return conf.dump();
}

namespace {

std::string describe_network(const NetworkConfigList& list) {
  std::string out = "network \"" + list.name + "\"";
  if (!list.source.empty()) out += " (" + list.source + ")";
  return out;
}

void trace_skip(const std::string& what) {
  minipod::Tracer::get().step(what);
}

std::optional<std::string> result_version(const std::optional<CachedAttachment>& c) {
  if (!c || !c->result) return std::nullopt;
  auto it = c->result->find("cniVersion");
  if (it == c->result->end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

Client::Client(Options options) : options_(std::move(options)) {
  limits_.timeout = options_.timeout;
  limits_.max_output = options_.max_output;
}

std::string Client::cni_path() const {
  return minipod::join(options_.plugin_dirs, ":");
}

std::string Client::pick_version(const NetworkConfigList& list,
                                 const std::vector<std::string>& paths, const std::string& verb) {
  if (list.cni_versions.empty()) return list.cni_version;
  std::vector<PluginVersionInfo> infos;
  for (size_t i = 0; i < paths.size(); ++i)
    infos.push_back(plugin_versions(paths[i], list.plugins[i].type, cni_path(), limits_));
  for (const auto& candidate : list.cni_versions) {
    bool all = std::all_of(infos.begin(), infos.end(), [&](const PluginVersionInfo& info) {
      return std::find(info.supported.begin(), info.supported.end(), candidate) !=
             info.supported.end();
    });
    if (all) {
      if (candidate != list.cni_version)
        trace_skip("CNI " + describe_network(list) + ": speaking " + candidate +
                   ", the newest of cniVersions " + format_versions(list.cni_versions) +
                   " that every plugin supports");
      return candidate;
    }
  }
  std::string detail = describe_network(list) + ": no version of " +
                       format_versions(list.cni_versions) + " is supported by every plugin (";
  for (size_t i = 0; i < infos.size(); ++i)
    detail += (i ? ", " : "") + ("\"" + list.plugins[i].type + "\" supports ") +
              format_versions(infos[i].supported);
  throw minipod::Error("CNI " + verb + " failed", detail + ")");
}

std::string Client::negotiate_version(const NetworkConfigList& list) {
  return prepare(list, "VERSION", std::nullopt).version;
}

Client::Prepared Client::prepare(const NetworkConfigList& list, const std::string& verb,
                                 const std::optional<std::string>& cached_version) {
  Prepared p;
  for (const auto& plugin : list.plugins)
    p.paths.push_back(find_plugin(plugin.type, options_.plugin_dirs, verb, list.name));
  // The version an attachment was added with is the one to undo or check it with; it saves the
  // VERSION calls of a negotiation too.
  if (cached_version && !list.cni_versions.empty() &&
      std::find(list.cni_versions.begin(), list.cni_versions.end(), *cached_version) !=
          list.cni_versions.end())
    p.version = *cached_version;
  else
    p.version = pick_version(list, p.paths, verb);
  return p;
}

PluginOutput Client::run(const std::string& verb, const NetworkConfigList& list, size_t index,
                         const std::string& path, const std::string& version, const RuntimeConf* rt,
                         const std::string& stdin_data) {
  PluginCall call;
  call.verb = verb;
  call.plugin = list.plugins[index].type;
  call.network = list.name;
  call.path = path;
  if (rt != nullptr) {
    call.container_id = rt->container_id;
    call.netns = rt->netns;
    call.ifname = rt->ifname;
    call.args = format_cni_args(rt->args);
  }
  call.cni_path = cni_path();
  call.stdin_data = stdin_data;
  try {
    return exec_plugin(call, limits_);
  } catch (const PluginError& e) {
    if (e.code() != kErrIncompatibleVersion) throw;
    // Only now is VERSION worth its exec: it turns "incompatible CNI versions" into what the
    // plugin supports and what the network asked for.
    std::string supported;
    try {
      supported =
          format_versions(plugin_versions(path, call.plugin, call.cni_path, limits_).supported);
    } catch (const PluginError&) {
      throw e;
    }
    std::string details = e.details();
    if (!details.empty()) details += "; ";
    details +=
        "the plugin supports " + supported + ", " + describe_network(list) + " asks for " + version;
    throw PluginError(e.verb(), e.plugin(), e.network(), e.code(), e.msg(), details,
                      e.stderr_tail());
  }
}

NetworkLock Client::lock(const NetworkConfigList& list, NetworkLock::Mode mode,
                         const std::string& verb) {
  check_network_name(list.name, "network name");  // it names the lock file
  return NetworkLock(options_.lock_dir, list.name, mode, verb);
}

namespace {

// Both name one network namespace: the same path, or two pins (bind mounts of nsfs) of the same
// namespace. A path that cannot be looked at is only equal to itself.
bool same_netns(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  struct stat sa {};
  struct stat sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

}  // namespace

void Client::refuse_attachment_in_use(const NetworkConfigList& list, const RuntimeConf& rt) const {
  const std::string what = "container \"" + rt.container_id + "\" interface \"" + rt.ifname +
                           "\" on " + describe_network(list);
  const std::string why =
      ": an ADD would fail on it, and the DEL undoing that failure would delete the existing "
      "attachment's interface (DEL that attachment first, or use another interface name)";
  // A corrupt entry of exactly this attachment is skipped by cached_all(): it still says an ADD
  // ran here and was never DELeted.
  auto own = cache_file(options_.cache_dir, list.name, rt.container_id, rt.ifname);
  struct stat st {};
  if (::lstat(own.c_str(), &st) == 0 && !cached(list.name, rt.container_id, rt.ifname))
    throw AttachmentInUse(
        what + ": the cache already holds an entry for it, unreadable (" + own.string() + ")" + why,
        own.string());
  for (const auto& a : cached_all()) {
    if (a.conf.ifname != rt.ifname) continue;
    std::string clash;
    if (a.conf.container_id == rt.container_id)
      clash = "is already attached";
    else if (same_netns(a.conf.netns, rt.netns))
      clash = "is already used in network namespace " + rt.netns + " by container \"" +
              a.conf.container_id + "\"";
    else
      continue;
    throw AttachmentInUse(what + ": interface \"" + rt.ifname + "\" " + clash + " on network \"" +
                              a.network + "\" (cache entry " + a.file + ")" + why,
                          a.file);
  }
}

Result Client::add(const NetworkConfigList& list, const RuntimeConf& rt) {
  auto held = lock(list, NetworkLock::Mode::kShared, "ADD");
  bool started = false;
  return add_impl(list, rt, started);
}

Result Client::add_or_undo(const NetworkConfigList& list, const RuntimeConf& rt) {
  auto held = lock(list, NetworkLock::Mode::kShared, "ADD");
  bool started = false;
  try {
    return add_impl(list, rt, started);
  } catch (const minipod::Error&) {
    if (started) {
      try {
        del_impl(list, rt);
      } catch (const minipod::Error& e) {
        trace_skip(std::string("CNI ADD failed, and so did the DEL undoing it: ") + e.what());
      }
    }
    throw;
  }
}

Result Client::add_impl(const NetworkConfigList& list, const RuntimeConf& rt, bool& started) {
  check_names(list, rt);
  refuse_attachment_in_use(list, rt);
  Prepared p = prepare(list, "ADD", std::nullopt);
  started = true;
  std::optional<json> prev;
  Result result;
  for (size_t i = 0; i < list.plugins.size(); ++i) {
    const std::string& type = list.plugins[i].type;
    std::string in =
        plugin_stdin(list.plugins[i], list.name, p.version, prev ? &*prev : nullptr, &rt);
    PluginOutput out = run("ADD", list, i, p.paths[i], p.version, &rt, in);
    auto bad = [&](const std::string& why) {
      throw PluginError("ADD", type, list.name, 0, why, "", stderr_tail(out.err));
    };
    json j = json::parse(out.out, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      std::string shown = out.out.substr(0, 200);
      std::replace(shown.begin(), shown.end(), '\n', ' ');
      bad(out.out.empty() ? "exited 0 but printed no result"
                          : "printed something that is not a JSON result: \"" + shown + "\"");
    }
    // libcni: a result without cniVersion is in the config's version.
    if (!j.contains("cniVersion") || !j["cniVersion"].is_string() ||
        j["cniVersion"].get<std::string>().empty())
      j["cniVersion"] = p.version;
    try {
      result = Result::parse(j);
      prev = result.to_json(result.cni_version);
    } catch (const PluginError&) {
      throw;
    } catch (const minipod::Error& e) {
      bad(std::string("printed an invalid result: ") + e.what());
    }
  }
  minipod::with_context("CNI ADD of " + describe_network(list),
                        [&] { write_cache(options_.cache_dir, list.name, list.bytes, rt, *prev); });
  return result;
}

void Client::del(const NetworkConfigList& list, const RuntimeConf& rt) {
  auto held = lock(list, NetworkLock::Mode::kShared, "DEL");
  del_impl(list, rt);
}

void Client::del_impl(const NetworkConfigList& list, const RuntimeConf& rt) {
  check_names(list, rt);
  auto file = cache_file(options_.cache_dir, list.name, rt.container_id, rt.ifname);
  std::optional<CachedAttachment> entry;
  try {
    entry = read_cache(file);
  } catch (const minipod::Error& e) {
    trace_skip(std::string("CNI DEL: ignoring the cache entry: ") + e.what());
  }
  // A plugin whose binary is missing is one failure among the others, not a reason to leave the
  // rest of the attachment in place.
  std::vector<PluginError> failures;
  std::vector<std::string> paths;
  for (const auto& plugin : list.plugins) {
    try {
      paths.push_back(find_plugin(plugin.type, options_.plugin_dirs, "DEL", list.name));
    } catch (const PluginError& e) {
      failures.push_back(e);
      paths.emplace_back();
    }
  }
  std::string version;
  if (failures.empty()) {
    version = prepare(list, "DEL", result_version(entry)).version;
  } else {
    // Negotiating needs every plugin's VERSION; without all of them, the version the attachment
    // was added with is the best guess, then the one the list declares.
    version = result_version(entry).value_or(list.cni_version);
  }
  std::optional<json> prev;
  if (version_at_least(version, "0.4.0") && entry && entry->result) {
    try {
      prev = Result::parse(*entry->result).to_json(version);
    } catch (const minipod::Error& e) {
      trace_skip(std::string("CNI DEL: cached result unusable, no prevResult: ") + e.what());
    }
  }
  // Every plugin gets its DEL even after one failed (the spec and libcni halt at the first
  // error): the plugins before it in the list hold the address and the host's links, which a
  // failure of, say, portmap must not leak. DEL is idempotent (SPEC.md: plugins MUST accept
  // multiple DELs), so a retry of the whole list later is safe.
  for (size_t i = list.plugins.size(); i-- > 0;) {
    if (paths[i].empty()) continue;
    std::string in =
        plugin_stdin(list.plugins[i], list.name, version, prev ? &*prev : nullptr, &rt);
    try {
      run("DEL", list, i, paths[i], version, &rt, in);
    } catch (const PluginError& e) {
      trace_skip("CNI DEL: plugin \"" + list.plugins[i].type +
                 "\" failed; the other plugins still get their DEL");
      failures.push_back(e);
    }
  }
  if (failures.empty()) {
    remove_cache(file);
    return;
  }
  // The cache entry stays: a retried DEL needs the same prevResult.
  if (failures.size() == 1) throw failures.front();
  throw DelError(list.name, std::move(failures), list.plugins.size());
}

void Client::check(const NetworkConfigList& list, const RuntimeConf& rt) {
  check_names(list, rt);
  // CHECK changes nothing, but what it checks must not be half collected by a GC meanwhile.
  auto held = lock(list, NetworkLock::Mode::kShared, "CHECK");
  auto file = cache_file(options_.cache_dir, list.name, rt.container_id, rt.ifname);
  auto entry = minipod::with_context("CNI CHECK failed", [&] { return read_cache(file); });
  Prepared p = prepare(list, "CHECK", result_version(entry));
  if (!version_at_least(p.version, "0.4.0"))
    throw minipod::Error("CNI CHECK failed", describe_network(list) + ": configuration version \"" +
                                                 p.version + "\" does not support CHECK (0.4.0+)");
  if (list.disable_check) {
    trace_skip("CNI CHECK skipped: " + describe_network(list) + " has disableCheck");
    return;
  }
  if (!entry)
    throw minipod::Error("CNI CHECK failed", describe_network(list) +
                                                 ": no cached ADD result for container \"" +
                                                 rt.container_id + "\" interface \"" + rt.ifname +
                                                 "\" (" + file.string() + ")");
  std::optional<json> prev;
  if (entry->result)
    prev = minipod::with_context("CNI CHECK failed",
                                 [&] { return Result::parse(*entry->result).to_json(p.version); });
  for (size_t i = 0; i < list.plugins.size(); ++i) {
    std::string in =
        plugin_stdin(list.plugins[i], list.name, p.version, prev ? &*prev : nullptr, &rt);
    run("CHECK", list, i, p.paths[i], p.version, &rt, in);
  }
}

GcReport Client::gc(const NetworkConfigList& list,
                    const std::vector<std::pair<std::string, std::string>>& valid) {
  GcReport report;
  if (list.disable_gc) {
    trace_skip("CNI GC skipped: " + describe_network(list) + " has disableGC");
    report.skipped = "the network has disableGC (no stale attachment is deleted either)";
    return report;
  }
  // SPEC.md: "The runtime must ensure that no add or delete operations are in progress before
  // executing gc, and must wait for gc to complete before issuing new add or delete commands."
  auto held = lock(list, NetworkLock::Mode::kExclusive, "GC");
  std::vector<std::string> errors;
  std::exception_ptr first;
  auto record = [&](const std::string& context) {
    try {
      throw;
    } catch (const std::exception& e) {
      if (!first) first = std::current_exception();
      errors.push_back(context.empty() ? e.what() : context + ": " + e.what());
    }
  };
  for (const auto& a : cached_all()) {
    if (a.network != list.name) continue;
    auto key = std::make_pair(a.conf.container_id, a.conf.ifname);
    if (std::find(valid.begin(), valid.end(), key) != valid.end()) continue;
    try {
      del_impl(list, a.conf);
      report.deleted.push_back(key);
    } catch (...) {
      record("delete stale attachment " + a.conf.container_id + "/" + a.conf.ifname);
    }
  }
  std::optional<Prepared> p;
  try {
    p = prepare(list, "GC", std::nullopt);
  } catch (...) {
    record("");
  }
  if (p && version_at_least(p->version, "1.1.0")) {
    json attachments = json::array();
    for (const auto& [id, ifname] : valid)
      attachments.push_back(json{{"containerID", id}, {"ifname", ifname}});
    for (size_t i = 0; i < list.plugins.size(); ++i) {
      json conf = list.plugins[i].raw;
      conf["name"] = list.name;
      conf["cniVersion"] = p->version;
      conf["cni.dev/valid-attachments"] = attachments;
      conf["cni.dev/attachments"] = attachments;  // the spelling of the first 1.1.0 drafts
      try {
        run("GC", list, i, p->paths[i], p->version, nullptr, conf.dump());
        report.collected.push_back(list.plugins[i].type);
      } catch (...) {
        record("");
      }
    }
  } else if (p) {
    report.skipped = "the network speaks " + p->version + ", older than 1.1.0";
    trace_skip("CNI GC: " + describe_network(list) + " speaks " + p->version +
               ", older than 1.1.0: only stale cached attachments are deleted");
  }
  if (errors.size() == 1) std::rethrow_exception(first);
  if (!errors.empty()) {
    throw minipod::Error("CNI GC failed", describe_network(list) + ": " +
                                              std::to_string(errors.size()) +
                                              " errors: " + minipod::join(errors, "; "));
  }
  return report;
}

void Client::status(const NetworkConfigList& list) {
  Prepared p = prepare(list, "STATUS", std::nullopt);
  if (!version_at_least(p.version, "1.1.0")) {
    trace_skip("CNI STATUS: " + describe_network(list) + " speaks " + p.version +
               ", older than 1.1.0: nothing to ask");
    return;
  }
  for (size_t i = 0; i < list.plugins.size(); ++i) {
    json conf = list.plugins[i].raw;
    conf["name"] = list.name;
    conf["cniVersion"] = p.version;
    run("STATUS", list, i, p.paths[i], p.version, nullptr, conf.dump());
  }
}

std::optional<CachedAttachment> Client::cached(const std::string& network,
                                               const std::string& container_id,
                                               const std::string& ifname) const {
  if (!network_name_problem(network).empty() || !container_id_problem(container_id).empty() ||
      !ifname_problem(ifname).empty())
    return std::nullopt;
  try {
    return read_cache(cache_file(options_.cache_dir, network, container_id, ifname));
  } catch (const minipod::Error&) {
    return std::nullopt;
  }
}

std::vector<CachedAttachment> Client::cached_all() const {
  return read_cache_dir(options_.cache_dir);
}

PluginVersionInfo Client::version_info(const std::string& type) {
  std::string path = find_plugin(type, options_.plugin_dirs, "VERSION", "");
  return plugin_versions(path, type, cni_path(), limits_);
}

}  // namespace cni
