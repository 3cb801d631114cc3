#include "cni/cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "cni/base64.h"
#include "common/error.h"
#include "common/fs.h"

namespace cni {
namespace {

using nlohmann::json;

constexpr const char* kKind = "cniCacheV1";

[[noreturn]] void corrupt(const std::filesystem::path& file, const std::string& why) {
  throw minipod::Error("read CNI cache", file.string() + ": " + why);
}

std::string string_field(const json& j, const char* key, const std::filesystem::path& file) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) corrupt(file, std::string("field \"") + key + "\" is not a string");
  return it->get<std::string>();
}

}  // namespace

std::filesystem::path cache_file(const std::filesystem::path& dir, const std::string& network,
                                 const std::string& container_id, const std::string& ifname) {
  return dir / (network + "-" + container_id + "-" + ifname);
}

void write_cache(const std::filesystem::path& dir, const std::string& network,
                 const std::string& config_bytes, const RuntimeConf& rt, const json& result) {
  json j = json::object();
  j["kind"] = kKind;
  j["containerId"] = rt.container_id;
  j["config"] = base64_encode(config_bytes);
  j["ifName"] = rt.ifname;
  j["networkName"] = network;
  if (!rt.netns.empty()) j["netns"] = rt.netns;
  if (!rt.args.empty()) {
    json args = json::array();
    for (const auto& [k, v] : rt.args) args.push_back(json::array({k, v}));
    j["cniArgs"] = std::move(args);
  }
  if (rt.capability_args.is_object() && !rt.capability_args.empty())
    j["capabilityArgs"] = rt.capability_args;
  j["result"] = result;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) minipod::fs::make_dirs(dir, 0700);
  minipod::fs::write_file_atomic(cache_file(dir, network, rt.container_id, rt.ifname), j.dump(),
                                 0600);
}

std::optional<CachedAttachment> read_cache(const std::filesystem::path& file) {
  auto bytes = minipod::fs::read_file_if_exists(file);
  if (!bytes) return std::nullopt;
  if (bytes->empty()) corrupt(file, "empty file");
  json j = json::parse(*bytes, nullptr, false);
  if (!j.is_object()) corrupt(file, "not a JSON object");
  CachedAttachment a;
  a.file = file.string();
  std::string kind = string_field(j, "kind", file);
  if (kind.empty() && j.contains("cniVersion")) {
    a.result = j;  // a bare result, as libcni cached it before cniCacheV1
    return a;
  }
  if (kind != kKind) corrupt(file, "kind is \"" + kind + "\", expected \"" + kKind + "\"");
  a.network = string_field(j, "networkName", file);
  a.conf.container_id = string_field(j, "containerId", file);
  a.conf.ifname = string_field(j, "ifName", file);
  a.conf.netns = string_field(j, "netns", file);
  auto config = base64_decode(string_field(j, "config", file));
  if (!config) corrupt(file, "field \"config\" is not base64");
  a.config_bytes = std::move(*config);
  if (auto it = j.find("cniArgs"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) corrupt(file, "field \"cniArgs\" is not an array");
    for (const auto& kv : *it) {
      if (!kv.is_array() || kv.size() != 2 || !kv[0].is_string() || !kv[1].is_string())
        corrupt(file, "field \"cniArgs\" holds something other than [key, value] pairs");
      a.conf.args.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
    }
  }
  if (auto it = j.find("capabilityArgs"); it != j.end() && it->is_object())
    a.conf.capability_args = *it;
  if (auto it = j.find("result"); it != j.end() && it->is_object()) a.result = *it;
  return a;
}

void remove_cache(const std::filesystem::path& file) {
  ::unlink(file.c_str());  // best effort by design: see the header
}

std::vector<CachedAttachment> read_cache_dir(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec), end;
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return {};
    throw minipod::Error("read CNI cache directory", dir.string(), ec.value());
  }
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    std::string name = it->path().filename().string();
    if (name.find(".tmp.") != std::string::npos) continue;  // a write in progress
    files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  std::vector<CachedAttachment> out;
  for (const auto& f : files) {
    try {
      auto a = read_cache(f);
      if (a && !a->network.empty() && !a->conf.ifname.empty()) out.push_back(std::move(*a));
    } catch (const minipod::Error&) {
      // libcni skips what it cannot read; `minipod cni cache ls` is no place to fail.
    }
  }
  return out;
}

}  // namespace cni
