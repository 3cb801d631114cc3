// Runs a pod's containers in the foreground: starts them in Kubernetes' order (init containers
// one by one, sidecars kept running, then the app containers), streams their output, writes CRI
// logs, applies restartPolicy with back-off, and stops everything on Ctrl-C or when done.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/fd.h"
#include "runtime/run/container_plan.h"
#include "runtime/run/container_start.h"
#include "runtime/run/restart_policy.h"
#include "runtime/run/signal_watch.h"
#include "runtime/sandbox/sandbox.h"

namespace minipod::run {

struct SupervisorOptions {
  std::chrono::seconds grace{30};
  std::chrono::milliseconds backoff_base{10'000};  // Kubernetes: 10 s, doubling, at most 5 min
  std::filesystem::path log_dir;                   // <log root>/<namespace>_<pod>
  uint64_t log_max_bytes = 10 << 20;               // a log file is rotated past this size
  bool echo = true;  // print containers' output on our stdout/stderr (the foreground `run`)
  // Called once the first containers are running (the monitor tells `run -d` it may return).
  std::function<void()> on_started;
  // `minipod stop --grace N` leaves N here before it sends SIGTERM.
  std::filesystem::path stop_request;
};

class Supervisor {
 public:
  Supervisor(sandbox::Sandbox& sandbox, std::vector<ContainerPlan> plans, SignalWatch& signals,
             SupervisorOptions options);
  ~Supervisor();

  // Returns the pod's exit code: 0 when every app container succeeded, else the first failing
  // one's code; 128+signal when stopped by a signal; 1 when the pod itself failed.
  int run();

 private:
  struct Slot;
  void start(Slot& slot);
  PreparedStart prepare(Slot& slot);
  void begin(Slot& slot, PreparedStart& starting);
  void start_phase();
  void on_signal(int sig);
  void reap();
  void exited(Slot& slot, int status);
  void read_output(Slot& slot, bool is_err, bool until_eof);
  void stop_all(const std::string& why);
  void kill_now();
  bool app_containers_done() const;
  int poll_timeout_ms() const;
  void run_timers();
  void save_state();

  sandbox::Sandbox& sandbox_;
  SignalWatch& signals_;
  SupervisorOptions options_;
  std::vector<std::unique_ptr<Slot>> slots_;
  size_t next_init_ = 0;
  bool apps_started_ = false;
  bool stopping_ = false;
  std::optional<int> failure_;  // the first failed container's exit code; 1 once pause died
  bool dirty_ = false;  // the record lags behind: containers were started since the last write
};

}  // namespace minipod::run
