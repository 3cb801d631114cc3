// One start of a pod's container up to the point where its process exists, set up and held
// (container::prepare): its security plan, writable layer and cgroup, its output pipes and CRI
// log, and its --trace lines. The supervisor prepares a whole batch this way, then starts them in
// order; kept apart so that supervisor.cpp is about the containers' lifecycle alone.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "common/fd.h"
#include "runtime/container/launcher.h"
#include "runtime/run/container_plan.h"
#include "runtime/run/cri_log.h"
#include "runtime/sandbox/sandbox.h"

namespace minipod::run {

struct PreparedStart {
  container::PreparedContainer process;
  UniqueFd out, err;               // read ends of its stdout and stderr, non-blocking
  std::unique_ptr<CriLog> log;     // at `log_path`, for this start's output
  std::function<void()> announce;  // its --trace lines, printed once it has started
};

// `restarts`: how many times the container was started before (the first start saves its
// seccomp program in the pod directory, for `minipod exec`).
PreparedStart prepare_start(sandbox::Sandbox& sb, ContainerPlan& plan, const std::string& name,
                            const std::string& layer_dir, int restarts,
                            const std::filesystem::path& log_path, uint64_t log_max_bytes);

}  // namespace minipod::run
