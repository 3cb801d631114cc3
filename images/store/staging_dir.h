// Images are assembled in a hidden directory inside the store and renamed into place at the end,
// so a failed or interrupted build never leaves a half image under its real name. Removal goes
// the same way backwards: rename out of sight first, delete after.
#pragma once

#include <filesystem>
#include <string>

namespace minipod::images {

class StagingDir {
 public:
  // Creates <store>/.staging-<pid>-<purpose>-XXXXXX (mode 0755). The pid lets a later run tell
  // the leftovers of a killed minipod from a build that is still going on.
  StagingDir(const std::filesystem::path& store, const std::string& purpose);
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  // Removes the directory and what is left in it; errors are printed, not thrown.
  ~StagingDir();

  const std::filesystem::path& path() const { return path_; }

  // Renames the staging directory to `dest` unless `dest` already exists (RENAME_NOREPLACE, so
  // two concurrent builds cannot overwrite each other). Returns false when `dest` exists.
  bool commit(const std::filesystem::path& dest);

 private:
  std::filesystem::path path_;
  bool committed_ = false;
};

// Deletes staging directories left behind by minipod processes that no longer exist; returns how
// many went.
size_t remove_stale_staging(const std::filesystem::path& store);

inline constexpr const char* kStagingPrefix = ".staging-";

}  // namespace minipod::images
