// A blob being written into an OCI layout's blobs/sha256/: bytes go to a temporary file beside
// the final one while their digest is computed; commit() verifies size and digest and renames
// it into place. A blob that is not committed leaves nothing behind.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/digest.h"
#include "common/fd.h"
#include "common/fs.h"

namespace minipod::registry {

class BlobFile {
 public:
  // `expected_size` < 0: unknown. kProcessCrash: no fsync (a layout read once and removed).
  BlobFile(const std::filesystem::path& blobs_dir, std::string digest, int64_t expected_size,
           fs::Durability durability = fs::Durability::kPowerLoss);
  ~BlobFile();
  BlobFile(const BlobFile&) = delete;
  BlobFile& operator=(const BlobFile&) = delete;

  void write(std::string_view data);
  void restart();  // a retried download starts over
  uint64_t written() const { return written_; }
  // Throws Error naming the expected and the actual digest (or size); then nothing is kept.
  void commit();

  const std::filesystem::path& final_path() const { return final_; }

 private:
  std::string digest_;
  int64_t expected_size_;
  fs::Durability durability_;
  std::filesystem::path final_;
  std::filesystem::path temp_;
  UniqueFd fd_;
  Sha256Stream hash_;
  uint64_t written_ = 0;
  bool committed_ = false;
};

// Whether `path` holds exactly the blob `digest` (hashing it).
bool blob_matches(const std::filesystem::path& path, const std::string& digest);

}  // namespace minipod::registry
