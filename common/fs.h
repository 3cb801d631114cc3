// Small file-system helpers whose failures are minipod Errors naming the path.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace minipod::fs {

std::string read_file(const std::filesystem::path& path);
// nullopt when the file does not exist; other failures throw.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path);

// What an atomic write must survive. The rename alone makes it all-or-nothing for readers and
// for a crash of the writing process; kPowerLoss also fsyncs the data before the rename, which
// costs 0.5-7 ms on a disk-backed filesystem and is pointless for state that describes processes
// and mounts (a reboot ends them all; runc does not fsync its state either).
enum class Durability { kProcessCrash, kPowerLoss };

// Writes through a temporary file in the same directory, then renames it over `path`: a reader
// (or a crash) sees the old content or the new one, never a mix.
void write_file_atomic(const std::filesystem::path& path, std::string_view data, mode_t mode = 0644,
                       Durability durability = Durability::kPowerLoss);

// Plain write (truncate), for files nobody reads concurrently.
void write_file(const std::filesystem::path& path, std::string_view data, mode_t mode = 0644);

void make_dirs(const std::filesystem::path& path, mode_t mode = 0755);

// Removes a tree; a missing path is fine. Never crosses into a mount point below `path` (a
// forgotten mount must fail loudly, not have its content deleted).
void remove_tree(const std::filesystem::path& path);

}  // namespace minipod::fs
