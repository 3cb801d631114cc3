// The pods on this host, read from their records under <run>/pods. A pod is named by its name or
// by an unambiguous prefix of its id, as with podman and crictl.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/fd.h"
#include "runtime/state/paths.h"
#include "runtime/state/pod_record.h"

namespace minipod::state {

struct StoredPod {
  PodRecord record;
  std::filesystem::path dir;
};

// The owner's lock: held by the process that owns the pod (`minipod run` or the monitor of
// `run -d`) for its whole life, and by whoever cleans up after it. The kernel drops it when the
// holder dies, so a free lock on a pod that is not stopped means its owner crashed.
//
// The lock file is made only by the pod's creator (create_pod_dir), before the directory is
// visible, and removed only by remove_pod_dir, last: a pod directory without it is being
// removed. Nobody else ever creates it, or two processes could each hold "the" lock of one pod
// (one on a file the other had just unlinked).
class PodLock {
 public:
  PodLock() = default;
  // Blocks until acquired when `wait`; otherwise check held() and gone().
  PodLock(const std::filesystem::path& pod_dir, bool wait);
  bool held() const { return fd_.valid(); }
  // The pod's directory (or its lock) no longer exists: the pod was removed, or is being removed.
  bool gone() const { return gone_; }
  // Waits up to `timeout` for the current holder to let go: a lock that is held() or gone(), or
  // nullopt when the holder is still there.
  static std::optional<PodLock> wait_for(const std::filesystem::path& pod_dir,
                                         std::chrono::milliseconds timeout);

 private:
  friend PodLock create_pod_dir(const Paths& paths, const std::string& id);
  UniqueFd fd_;
  bool gone_ = false;
};

// Writes the pod's record (<pod dir>/state.json, atomically). Only the holder of the pod's lock
// writes it (its owner, or whoever cleans up after the owner died): the lock it passes is the
// proof, so two commands never write one record at once.
void save_record(const PodLock& held, const std::filesystem::path& pod_dir,
                 const PodRecord& record);

// Creates <run>/pods/<id> with its lock already held by the caller: made as a hidden
// ".creating-<id>" directory, locked, then renamed into place. Nobody (`minipod gc` above all)
// ever sees a pod's directory whose lock is free while its creator is alive. A ".creating-*"
// directory whose lock is free is what a creator killed in between left.
PodLock create_pod_dir(const Paths& paths, const std::string& id);
constexpr const char* kCreatingPrefix = ".creating-";

// Removes <run>/pods/<id> (its record, pod files), by whoever holds its lock: renamed to a
// hidden ".removing-<id>" first, so that it leaves every listing at once and nobody locks it
// anew, then emptied, the lock file last. A missing directory is fine. `minipod gc` finishes a
// ".removing-*" directory whose remover died.
void remove_pod_dir(const Paths& paths, const std::string& id);
constexpr const char* kRemovingPrefix = ".removing-";

class PodStore {
 public:
  explicit PodStore(Paths paths) : paths_(std::move(paths)) {}

  // Every pod whose record can be read, oldest first.
  std::vector<StoredPod> list() const;
  // By name or id prefix. Throws UsageError naming the close names when there is no such pod, or
  // the candidates when a prefix is ambiguous.
  StoredPod resolve(const std::string& name_or_id) const;
  std::optional<StoredPod> load(const std::string& id) const;

  const Paths& paths() const { return paths_; }

 private:
  Paths paths_;
};

// The status a user should see: the record's, corrected by what is really running.
// "Creating", "Running", "Stopping", then "Succeeded" or "Failed" (the containers ended by
// themselves) or "Stopped" (`minipod stop`, Ctrl-C), and "Dead" for a pod whose owner is gone
// without a clean stop (`minipod gc` cleans it).
const char* display_phase(const PodRecord& record, bool owner_alive);
// The same, and for an ended pod whose CNI DEL failed " (network not released)" after it:
// `minipod gc` retries the DEL. What the `ps` table shows.
std::string display_status(const PodRecord& record, bool owner_alive);

// Levenshtein distance, for "did you mean" lists.
size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace minipod::state
