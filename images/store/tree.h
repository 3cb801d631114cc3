// Questions about a root filesystem tree that the store asks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace minipod::images {

// Apparent size in bytes: regular files (each hard-linked inode once) plus symlink targets.
// Does not cross mount points.
uint64_t tree_size(const std::filesystem::path& root);

// Whether `path_in_root` exists when `root` is the root directory: absolute symlinks resolve
// inside `root` as they will in the container (openat2 RESOLVE_IN_ROOT). True when the kernel is
// too old to answer, so callers only ever warn on a definite "no".
bool exists_in_root(const std::filesystem::path& root, const std::string& path_in_root);

}  // namespace minipod::images
