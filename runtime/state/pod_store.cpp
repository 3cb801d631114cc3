#include "runtime/state/pod_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "common/error.h"
#include "common/fs.h"
#include "common/json_parse.h"
#include "common/strings.h"

namespace minipod::state {

PodLock::PodLock(const std::filesystem::path& pod_dir, bool wait) {
  auto path = pod_dir / "lock";
  // Close-on-exec: a container or plugin must never inherit (and so keep) the owner's lock.
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) {
      gone_ = true;
      return;
    }
    throw_errno("open", path.string());
  }
  if (::flock(fd.get(), LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
    if (errno == EWOULDBLOCK) return;
    throw_errno("flock", path.string());
  }
  // Acquired, but the remover may have unlinked the file while we waited for it.
  struct stat held {};
  if (::fstat(fd.get(), &held) == 0 && held.st_nlink == 0) {
    gone_ = true;
    return;
  }
  fd_ = std::move(fd);
}

std::optional<PodLock> PodLock::wait_for(const std::filesystem::path& pod_dir,
                                         std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    PodLock lock(pod_dir, false);
    if (lock.held() || lock.gone()) return lock;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

PodLock create_pod_dir(const Paths& paths, const std::string& id) {
  auto pods = paths.run_dir / "pods";
  fs::make_dirs(pods, 0700);
  auto hidden = pods / (std::string(kCreatingPrefix) + id);
  if (::mkdir(hidden.c_str(), 0700) != 0) throw_errno("create the pod directory", hidden.string());
  auto lock_file = hidden / "lock";
  PodLock lock;
  // The lock file appears already locked: made unnamed (O_TMPFILE), locked, then linked in. A
  // lock file created by name and locked after would leave gc a moment to find it free and
  // remove the directory being made; without a lock file gc waits for the directory to age.
  lock.fd_ = UniqueFd(::open(hidden.c_str(), O_RDWR | O_TMPFILE | O_CLOEXEC, 0600));
  bool locked = lock.fd_ && ::flock(lock.fd_.get(), LOCK_EX) == 0;
  if (locked) {
    auto self = "/proc/self/fd/" + std::to_string(lock.fd_.get());
    locked = ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, lock_file.c_str(), AT_SYMLINK_FOLLOW) == 0;
  }
  if (!locked) {
    int err = errno;
    fs::remove_tree(hidden);
    throw Error("lock the pod directory", lock_file.string(), err);
  }
  auto dir = paths.pod_dir(id);
  if (::rename(hidden.c_str(), dir.c_str()) != 0) {
    int err = errno;
    fs::remove_tree(hidden);
    throw Error("create the pod directory", dir.string(), err);
  }
  return lock;  // still held: the open file is the same, whatever its directory is called now
}

void save_record(const PodLock& held, const std::filesystem::path& pod_dir,
                 const PodRecord& record) {
  if (!held.held())
    throw Error("save the pod record",
                (pod_dir / "state.json").string() + ": its writer must hold the pod's lock");
  // No fsync: the record describes processes, mounts and a netns that a reboot ends anyway, and
  // it is written up to three times on the start path (see Durability).
  fs::write_file_atomic(pod_dir / "state.json", record.to_json().dump(2) + "\n", 0600,
                        fs::Durability::kProcessCrash);
}

void remove_pod_dir(const Paths& paths, const std::string& id) {
  auto dir = paths.pod_dir(id);
  auto hidden = paths.run_dir / "pods" / (std::string(kRemovingPrefix) + id);
  if (::rename(dir.c_str(), hidden.c_str()) != 0) {
    if (errno != ENOENT) throw_errno("remove the pod directory", dir.string());
    if (!std::filesystem::exists(hidden)) return;  // gone already
  }
  // Everything but the lock, then the lock: until then, a locker sees the pod as busy, never as
  // lockable anew.
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(hidden, ec))
    if (e.path().filename() != "lock") fs::remove_tree(e.path());
  if (::unlink((hidden / "lock").c_str()) != 0 && errno != ENOENT)
    throw_errno("remove", (hidden / "lock").string());
  if (::rmdir(hidden.c_str()) != 0 && errno != ENOENT) throw_errno("rmdir", hidden.string());
}

std::vector<StoredPod> PodStore::list() const {
  std::vector<StoredPod> pods;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(paths_.run_dir / "pods", ec)) {
    if (entry.path().filename().string().front() == '.') continue;  // being created or removed
    auto text = fs::read_file_if_exists(entry.path() / "state.json");
    if (!text) continue;  // a pod still being reserved, or a directory left half-removed
    try {
      pods.push_back({PodRecord::from_json(nlohmann::json::parse(*text)), entry.path()});
    } catch (const std::exception&) {
      // An unreadable record is skipped here; `minipod gc` reports it.
    }
  }
  std::sort(pods.begin(), pods.end(),
            [](const auto& a, const auto& b) { return a.record.created < b.record.created; });
  return pods;
}

std::optional<StoredPod> PodStore::load(const std::string& id) const {
  auto dir = paths_.pod_dir(id);
  auto text = fs::read_file_if_exists(dir / "state.json");
  if (!text) return std::nullopt;
  std::string file = (dir / "state.json").string();
  try {
    return StoredPod{PodRecord::from_json(parse_json(*text, file, ExitKind::kRuntime)), dir};
  } catch (const nlohmann::json::exception& e) {
    throw Error(file, "unreadable pod record: " + json_message(e));
  }
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

StoredPod PodStore::resolve(const std::string& key) const {
  auto pods = list();
  for (auto& p : pods)
    if (p.record.name == key) return std::move(p);
  std::vector<StoredPod*> by_id;
  for (auto& p : pods)
    if (!key.empty() && p.record.id.rfind(key, 0) == 0) by_id.push_back(&p);
  if (by_id.size() == 1) return std::move(*by_id.front());
  if (by_id.size() > 1) {
    std::string names = join(by_id, ", ", [](const StoredPod* p) {
      return p->record.name + " (" + p->record.id.substr(0, 12) + ")";
    });
    throw UsageError("find pod", "\"" + key + "\" is ambiguous: it starts the ids of " + names);
  }
  std::vector<std::string> close;
  for (const auto& p : pods) {
    const auto& n = p.record.name;
    if (edit_distance(n, key) <= std::max<size_t>(2, key.size() / 3) ||
        n.find(key) != std::string::npos || key.find(n) != std::string::npos)
      close.push_back(n);
  }
  std::string msg = "no pod named \"" + key + "\" and no pod id starting with it";
  if (!close.empty()) {
    msg += "; did you mean " +
           join(close, ", ", [](const std::string& n) { return "\"" + n + "\""; }) + "?";
  } else if (pods.empty()) {
    msg += "; there are no pods (see 'minipod ps -a')";
  } else {
    msg += "; see 'minipod ps -a'";
  }
  throw UsageError("find pod", msg);
}

const char* display_phase(const PodRecord& r, bool owner_alive) {
  switch (r.status) {
    case PodStatus::kSucceeded:
      return "Succeeded";
    case PodStatus::kFailed:
      return "Failed";
    case PodStatus::kStopped:
      return "Stopped";
    case PodStatus::kCreating:
      return owner_alive ? "Creating" : "Dead";
    case PodStatus::kStopping:
      return owner_alive ? "Stopping" : "Dead";
    case PodStatus::kRunning:
      return owner_alive ? "Running" : "Dead";
  }
  return "Dead";
}

std::string display_status(const PodRecord& r, bool owner_alive) {
  // Its CNI DEL failed: the pod is gone but an address, NAT rules or a netns pin are not.
  return std::string(display_phase(r, owner_alive)) +
         (r.network_left() ? " (network not released)" : "");
}

}  // namespace minipod::state
