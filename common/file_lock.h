// A flock(2) held for an object's life: released by close when the object goes, or by the kernel
// when the process dies (a killed minipod never leaves a lock held).
#pragma once

#include <sys/file.h>

#include <filesystem>

#include "common/fd.h"

namespace minipod {

class FileLock {
 public:
  // Opens (creating, 0600) and locks `file`, waiting for it; `how` is LOCK_EX or LOCK_SH.
  explicit FileLock(const std::filesystem::path& file, int how = LOCK_EX);

 private:
  UniqueFd fd_;
};

}  // namespace minipod
