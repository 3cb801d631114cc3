// image.json, the record next to each image's rootfs/: config (entrypoint, cmd, env, workingDir),
// when it was created, its size and where it came from.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "images/store/image_store.h"

namespace minipod::images {

inline constexpr const char* kImageRecordFile = "image.json";
inline constexpr const char* kRootfsDir = "rootfs";

// {"name", "rootfs", "created", "size", "source", "config": {"entrypoint", "cmd", "env",
// "workingDir"}}; also what `minipod image ls --output json` prints per image.
nlohmann::json image_to_json(const Image& image, const std::string& source = {});

// Reads <image_dir>/image.json. The name and rootfs come from the directory, not the file, so a
// renamed or copied store stays consistent. Throws Error naming the file and the bad field.
Image read_image_record(const std::filesystem::path& image_dir, const std::string& name);

// UTC, second precision: "2024-05-01T12:00:00Z".
std::string now_rfc3339();

}  // namespace minipod::images
