#include "images/oci/layers_unpack.h"

#include <sched.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

#include "common/error.h"
#include "common/trace.h"
#include "images/store/staging_dir.h"

namespace minipod::images {
namespace {

enum class State { kPending, kDone, kFailed };

class Scheduler {
 public:
  Scheduler(std::vector<LayerJob>& jobs, const std::filesystem::path& staging_root)
      : jobs_(jobs),
        staging_root_(staging_root),
        state_(jobs.size(), State::kPending),
        errors_(jobs.size()) {}

  // Takes the next job, bottom first, until none is left.
  void work() {
    // The main thread announced the layers; a worker's lines would cut into its trace.
    Tracer::MuteThisThread quiet;
    for (size_t i = take(); i < jobs_.size(); i = take()) {
      try {
        if (jobs_[i].before_start) jobs_[i].before_start();
        jobs_[i].source.before_lowers = [this, i] { wait_below(i); };
        StagingDir staging(staging_root_, "layer");
        unpack_layer(jobs_[i].source, staging.path());
        staging.commit(jobs_[i].dest);
        finish(i, State::kDone);
      } catch (...) {
        errors_[i] = std::current_exception();
        finish(i, State::kFailed);
      }
    }
  }

  // The lowest layer's error, once every worker has stopped.
  void rethrow_first_error() const {
    for (const auto& e : errors_)
      if (e) std::rethrow_exception(e);
  }

 private:
  size_t take() {
    std::lock_guard lock(mutex_);
    return next_ < jobs_.size() ? next_++ : jobs_.size();
  }

  void finish(size_t i, State s) {
    {
      std::lock_guard lock(mutex_);
      state_[i] = s;
    }
    changed_.notify_all();
  }

  // Jobs are taken bottom first, so every job below `i` is running or over: waiting cannot
  // deadlock.
  void wait_below(size_t i) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] {
      return std::none_of(state_.begin(), state_.begin() + static_cast<long>(i),
                          [](State s) { return s == State::kPending; });
    });
    for (size_t j = 0; j < i; ++j)
      if (state_[j] == State::kFailed)
        throw Error("unpack " + jobs_[i].label,
                    "a hard link reaches into " + jobs_[j].label + ", which failed");
  }

  std::vector<LayerJob>& jobs_;
  const std::filesystem::path& staging_root_;
  std::mutex mutex_;
  std::condition_variable changed_;
  size_t next_ = 0;
  std::vector<State> state_;
  std::vector<std::exception_ptr> errors_;
};

}  // namespace

void unpack_layers(std::vector<LayerJob>& jobs, const std::filesystem::path& staging_root,
                   unsigned workers) {
  Scheduler scheduler(jobs, staging_root);
  {
    std::vector<std::jthread> helpers;
    for (unsigned n = 1; n < std::min<size_t>(workers, jobs.size()); ++n) {
      try {
        helpers.emplace_back([&scheduler] { scheduler.work(); });
      } catch (const std::system_error&) {
        break;  // no thread to be had (a limit): the ones there are do all the jobs
      }
    }
    scheduler.work();
  }  // the helpers are joined here
  scheduler.rethrow_first_error();
}

unsigned unpack_workers() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int cpus = ::sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  return static_cast<unsigned>(std::clamp(cpus * 2, 2, 4));
}

}  // namespace minipod::images
