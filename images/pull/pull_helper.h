// minipod-pull run for the store: with this process's stdio (its progress display needs the
// terminal) and a pipe on which it names each blob once that blob is in the staging layout, so
// that layers are unpacked while the next ones download.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/fd.h"

namespace minipod::images {

class PullHelper {
 public:
  // Starts `helper` with `args` and --events-fd. Throws Error when it cannot be started.
  PullHelper(const std::filesystem::path& helper, std::vector<std::string> args);
  // Kills a helper still running (the load failed) and waits for it.
  ~PullHelper();
  PullHelper(const PullHelper&) = delete;
  PullHelper& operator=(const PullHelper&) = delete;

  // The first blob named: the manifest. nullopt when the helper stopped before naming one.
  std::optional<std::string> manifest();
  // Waits until `digest` is in the layout; false when the helper stopped without it.
  bool wait_for(const std::string& digest);
  // Waits for the helper's end; its exit code (shell style: 128+N for a signal).
  int finish();
  // Ends a helper still running (SIGKILL) and waits for it.
  void stop();

 private:
  void read_events(UniqueFd pipe);

  std::filesystem::path path_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> named_;  // in order
  std::set<std::string> arrived_;
  bool closed_ = false;
  std::thread reader_;
};

}  // namespace minipod::images
