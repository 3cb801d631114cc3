// GC runs exclusively of ADD and DEL on a network (SPEC.md, "GC": "The runtime must exclusively
// execute either gc or add and delete ... must wait for gc to complete before issuing new add or
// delete commands"). One lock file per network, flock()ed: ADD, DEL and CHECK take it shared (they
// may run side by side, for different containers), GC exclusively. The files live in minipod's
// run dir, so the lock holds between every minipod process: a pod's owner, `minipod stop`/`gc`/
// `rm`, `minipod cni`. The kernel drops a flock with its process, so a crash never leaves the
// network locked.
#pragma once

#include <filesystem>
#include <string>

#include "common/fd.h"

namespace cni {

// $MINIPOD_RUN_DIR/cni-locks (/run/minipod/cni-locks).
std::filesystem::path default_lock_dir();

class NetworkLock {
 public:
  enum class Mode { kShared, kExclusive };

  // Blocks until granted (a holder is bounded by its plugins' timeouts). `verb` ("ADD", "GC")
  // names the waiter in --trace and in errors. Creates `dir` (0700) and `dir/<network>` (0600)
  // when missing; never removes them: unlinking a lock file would let two processes lock two
  // different files of the same name. Throws minipod::Error naming the file.
  NetworkLock(const std::filesystem::path& dir, const std::string& network, Mode mode,
              const std::string& verb);
  NetworkLock(NetworkLock&&) noexcept = default;
  NetworkLock& operator=(NetworkLock&&) noexcept = default;

  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  minipod::UniqueFd fd_;  // the flock goes with the descriptor
};

}  // namespace cni
