// The runtime side of the CNI protocol (libcni's CNIConfig): runs a network's plugin chain for
// ADD, DEL, CHECK, GC and STATUS, and keeps libcni's result cache.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/config.h"
#include "cni/defaults.h"
#include "cni/invoke.h"
#include "cni/network_lock.h"
#include "cni/result.h"
#include "cni/runtime_conf.h"

namespace cni {

struct Options {
  std::vector<std::string> plugin_dirs = default_plugin_dirs();
  std::string cache_dir = kDefaultCacheDir;
  std::chrono::milliseconds timeout{60'000};  // per plugin call; the plugin is killed after it
  size_t max_output = 4 << 20;                // per stream of one plugin call
  // The per-network locks that keep GC apart from ADD and DEL (cni/network_lock.h). Every
  // minipod process must use the same folder: the default follows MINIPOD_RUN_DIR.
  std::filesystem::path lock_dir = default_lock_dir();
};

// What a GC of one network did (Client::gc).
struct GcReport {
  std::vector<std::pair<std::string, std::string>> deleted;  // stale attachments DELeted
  std::vector<std::string> collected;  // plugins that were sent GC, in list order
  std::string skipped;                 // why no plugin got GC ("disableGC", an old version)
};

// libcni's buildOneConfig: the plugin object as written, plus name, cniVersion, prevResult (when
// `prev` is given) and runtimeConfig (only the capability args the plugin enables in
// "capabilities"; none when `rt` is null), without "capabilities" (SPEC.md, "Deriving request
// configuration": for ADD, DEL and CHECK "capabilities: must not be set", runtimeConfig stands
// in for it; libcni leaves it in). The stdin of one plugin of a list for ADD, DEL or CHECK.
std::string plugin_stdin(const PluginConfig& plugin, const std::string& network,
                         const std::string& version, const nlohmann::json* prev,
                         const RuntimeConf* rt);

class Client {
 public:
  explicit Client(Options options);

  // ADD, DEL and CHECK hold the network's lock shared while they run, GC holds it exclusively
  // (cni/network_lock.h): a GC waits for the ADDs and DELs in progress, and they for it.

  // Runs every plugin in order, each with the previous one's result as prevResult; on the first
  // failure throws PluginError and writes no cache. The caller must still call del() to undo
  // what the plugins before the failure did, unless the ADD was refused before any plugin ran
  // with AttachmentInUse (then a DEL would undo someone else's attachment). Names (container
  // id, ifname, network), the cache (no attachment with this container id and ifname on any
  // network, nor with this ifname in this netns: AttachmentInUse) and every plugin binary are
  // checked before the first plugin runs.
  Result add(const NetworkConfigList& list, const RuntimeConf& rt);
  // add(), and when it fails after a plugin ran, del() right away (its own failure only traced)
  // before the ADD error is rethrown: for callers with no undo stack of their own, such as
  // `minipod cni add`.
  Result add_or_undo(const NetworkConfigList& list, const RuntimeConf& rt);
  // Runs every plugin in reverse with the cached result as prevResult (>= 0.4.0); removes the
  // cache entry once all succeeded. A missing, empty or corrupt cache entry only means "no
  // prevResult". Unlike libcni (and SPEC.md's "halt execution"), a failing plugin (an error, a
  // timeout, a missing binary) does not stop the others: each still gets its DEL, so one broken
  // plugin leaks only what it holds itself. Then the entry stays, so the whole DEL can be retried
  // (DEL is idempotent), and the failure is thrown: its PluginError when one plugin failed, a
  // DelError naming each one when several did.
  void del(const NetworkConfigList& list, const RuntimeConf& rt);
  // Runs every plugin in order with the cached result as prevResult. Error for configs older
  // than 0.4.0 and when there is no cached ADD; nothing at all when the list has disableCheck.
  void check(const NetworkConfigList& list, const RuntimeConf& rt);
  // valid: the attachments to keep, as (container id, ifname). DELs every cached attachment of
  // the network that is not valid, then (>= 1.1.0) sends GC to every plugin with
  // cni.dev/valid-attachments; goes on past errors and throws them together at the end.
  // Nothing at all when the list has disableGC.
  GcReport gc(const NetworkConfigList& list,
              const std::vector<std::pair<std::string, std::string>>& valid);
  // STATUS to every plugin in order (>= 1.1.0; older lists have no STATUS and pass); the first
  // error is thrown.
  void status(const NetworkConfigList& list);

  // The cache entry of one attachment: nullopt when there is none or it cannot be read (a
  // corrupt entry holds nothing usable). config_bytes is the conflist the ADD ran with; parse
  // it with parse_network_config() to DEL exactly what was added, even if the config file has
  // changed or is gone since.
  std::optional<CachedAttachment> cached(const std::string& network,
                                         const std::string& container_id,
                                         const std::string& ifname) const;
  std::vector<CachedAttachment> cached_all() const;

  // The version the chain is run with: list.cni_version, or, when the list has "cniVersions",
  // the newest candidate that every plugin supports (VERSION asked once per binary). Throws
  // when no candidate fits, saying what each plugin supports.
  std::string negotiate_version(const NetworkConfigList& list);
  // VERSION of the plugin called `type` in the plugin dirs.
  PluginVersionInfo version_info(const std::string& type);

  const Options& options() const { return options_; }

 private:
  struct Prepared {
    std::vector<std::string> paths;  // plugin binaries, in list order
    std::string version;
  };
  Prepared prepare(const NetworkConfigList& list, const std::string& verb,
                   const std::optional<std::string>& cached_version);
  std::string pick_version(const NetworkConfigList& list, const std::vector<std::string>& paths,
                           const std::string& verb);
  PluginOutput run(const std::string& verb, const NetworkConfigList& list, size_t index,
                   const std::string& path, const std::string& version, const RuntimeConf* rt,
                   const std::string& stdin_data);
  std::string cni_path() const;
  NetworkLock lock(const NetworkConfigList& list, NetworkLock::Mode mode, const std::string& verb);
  void refuse_attachment_in_use(const NetworkConfigList& list, const RuntimeConf& rt) const;
  Result add_impl(const NetworkConfigList& list, const RuntimeConf& rt, bool& started);
  void del_impl(const NetworkConfigList& list, const RuntimeConf& rt);

  Options options_;
  ExecLimits limits_;
};

}  // namespace cni
