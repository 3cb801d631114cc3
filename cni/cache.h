// libcni's result cache: one JSON file per attachment, <dir>/<network>-<containerid>-<ifname>,
// kind "cniCacheV1", holding what a later DEL or CHECK needs (config bytes in base64, CNI_ARGS,
// capability args, netns, the ADD result). Files written here are read by libcni and back.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/runtime_conf.h"

namespace cni {

std::filesystem::path cache_file(const std::filesystem::path& dir, const std::string& network,
                                 const std::string& container_id, const std::string& ifname);

// Written through a temporary file and rename (mode 0600, directory 0700 like libcni), so a
// crash never leaves a half-written entry.
void write_cache(const std::filesystem::path& dir, const std::string& network,
                 const std::string& config_bytes, const RuntimeConf& rt,
                 const nlohmann::json& result);

// nullopt when the file does not exist. Throws minipod::Error naming the file when it is empty
// or corrupt. A pre-cniCacheV1 file (libcni < 0.8: the bare result) gives an entry with only
// the result.
std::optional<CachedAttachment> read_cache(const std::filesystem::path& file);

// Removes the entry; a missing file is fine, other failures are ignored (DEL must not fail
// because of the cache).
void remove_cache(const std::filesystem::path& file);

// Every valid cniCacheV1 entry of the directory, sorted by file name; corrupt files are
// skipped (libcni's GetCachedAttachments).
std::vector<CachedAttachment> read_cache_dir(const std::filesystem::path& dir);

}  // namespace cni
