#include "cni/gc_networks.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "cni/config.h"

namespace cni {

bool netns_gone(const std::string& netns) {
  struct stat st {};
  return !netns.empty() && ::stat(netns.c_str(), &st) != 0 && errno == ENOENT;
}

namespace {

// The cache's view of one network: the attachments to keep, and those whose netns is gone.
struct CachedNetwork {
  std::vector<Attachment> alive;
  std::vector<CachedAttachment> gone;
};

}  // namespace

std::vector<NetworkGc> gc_networks(Client& client, const std::filesystem::path& conf_dir,
                                   const std::vector<Attachment>& extra_valid) {
  std::map<std::string, CachedNetwork> cached;
  for (auto& a : client.cached_all()) {
    auto& net = cached[a.network];
    if (netns_gone(a.conf.netns))
      net.gone.push_back(std::move(a));
    else
      net.alive.emplace_back(a.conf.container_id, a.conf.ifname);
  }

  std::vector<NetworkGc> out;
  std::map<std::string, std::string> seen;  // network name -> the file that holds it
  for (const auto& file : list_network_files(conf_dir)) {
    NetworkGc entry;
    entry.source = file.path.string();
    if (!file.network) {
      entry.error = file.error;
      out.push_back(std::move(entry));
      continue;
    }
    const NetworkConfigList& list = *file.network;
    entry.network = list.name;
    if (auto it = seen.find(list.name); it != seen.end()) {
      entry.note = "network \"" + list.name + "\" is " + it->second +
                   "'s, which comes first in load order: this file is never used";
      out.push_back(std::move(entry));
      continue;
    }
    seen[list.name] = entry.source;
    std::vector<Attachment> valid = cached[list.name].alive;
    for (const auto& v : extra_valid)
      if (std::find(valid.begin(), valid.end(), v) == valid.end()) valid.push_back(v);
    try {
      entry.report = client.gc(list, valid);
    } catch (const std::exception& e) {
      entry.error = e.what();
    }
    out.push_back(std::move(entry));
  }

  // Networks whose config file is gone: the DEL of their stale attachments still works with the
  // config each was added with (held in its cache entry).
  for (auto& [name, net] : cached) {
    if (seen.count(name) || net.gone.empty()) continue;
    NetworkGc entry;
    entry.network = name;
    entry.source = "the CNI cache (no config file in " + conf_dir.string() + ")";
    GcReport report;
    report.skipped =
        "its config file is gone (the DELs ran with the config each attachment was added with)";
    std::string errors;
    for (const auto& a : net.gone) {
      Attachment key{a.conf.container_id, a.conf.ifname};
      if (std::find(extra_valid.begin(), extra_valid.end(), key) != extra_valid.end()) continue;
      try {
        client.del(parse_network_config(a.config_bytes, a.file), a.conf);
        report.deleted.push_back(key);
      } catch (const std::exception& e) {
        errors += (errors.empty() ? "" : "; ") +
                  ("delete stale attachment " + key.first + "/" + key.second + ": " + e.what());
      }
    }
    entry.report = std::move(report);
    entry.error = errors;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace cni
