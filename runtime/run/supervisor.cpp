#include "runtime/run/supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "common/error.h"
#include "common/fs.h"
#include "common/trace.h"
#include "runtime/run/cri_log.h"
#include "runtime/run/exit_status.h"
#include "runtime/run/output_lines.h"
#include "runtime/run/restart_policy.h"

namespace minipod::run {
namespace {

using Clock = std::chrono::steady_clock;

void print_line(bool echo, FILE* to, const std::string& name, std::string_view line) {
  if (!echo) return;
  std::fprintf(to, "[%s] %.*s\n", name.c_str(), static_cast<int>(line.size()), line.data());
  std::fflush(to);
}

}  // namespace

struct Supervisor::Slot {
  ContainerPlan plan;
  std::string name;
  std::string layer_dir;
  enum class State { kWaiting, kRunning, kExited } state = State::kWaiting;
  pid_t pid = 0;
  UniqueFd out, err;
  OutputLines out_lines, err_lines;
  std::unique_ptr<CriLog> log;
  int restarts = 0;
  int exit_code = 0;
  std::string reason;
  bool finished = false;  // exited and will not be restarted
  bool restart_pending = false;
  Clock::time_point restart_at, started_at, kill_at;
  bool term_sent = false;
};

Supervisor::Supervisor(sandbox::Sandbox& sandbox, std::vector<ContainerPlan> plans,
                       SignalWatch& signals, SupervisorOptions options)
    : sandbox_(sandbox), signals_(signals), options_(std::move(options)) {
  auto& record = sandbox_.record();
  for (auto& p : plans) {
    auto slot = std::make_unique<Slot>();
    slot->name = p.spec->name;
    slot->layer_dir = (std::filesystem::path(record.layers_dir) / slot->name).string();
    slot->plan = std::move(p);
    state::ContainerRecord cr;
    cr.name = slot->name;
    cr.role = slot->plan.role;
    cr.layer_dir = slot->layer_dir;
    cr.image = slot->plan.spec->image;
    cr.image_digest = slot->plan.image_digest;
    cr.image_layers = slot->plan.image_layers;
    for (const auto& m : slot->plan.spec->volume_mounts)
      cr.mounts.push_back({m.name, m.mount_path, m.sub_path, m.mount_propagation, m.read_only});
    record.containers.push_back(cr);
    slots_.push_back(std::move(slot));
  }
  // Layers are removed at teardown, after pause (and so every process of the pod) is gone.
  std::string layers = record.layers_dir;
  sandbox_.undo().push("remove the containers' writable layers",
                       [layers] { fs::remove_tree(layers); });
  fs::make_dirs(layers, 0700);
}

Supervisor::~Supervisor() {
  try {
    kill_now();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "minipod: warning: stopping containers: %s\n", e.what());
  }
}

void Supervisor::save_state() {
  dirty_ = false;
  auto& record = sandbox_.record();
  for (size_t i = 0; i < slots_.size(); ++i) {
    auto& s = *slots_[i];
    auto& cr = record.containers[i];
    cr.status = s.state == Slot::State::kRunning  ? state::ContainerStatus::kRunning
                : s.state == Slot::State::kExited ? state::ContainerStatus::kExited
                                                  : state::ContainerStatus::kWaiting;
    cr.process = s.state == Slot::State::kRunning ? state::process_ref(s.pid) : state::ProcessRef{};
    cr.exit_code = s.exit_code;
    cr.reason = s.reason;
    cr.restarts = s.restarts;
  }
  sandbox_.update_record();
}

void Supervisor::start(Slot& slot) {
  PreparedStart starting = prepare(slot);
  begin(slot, starting);
}

PreparedStart Supervisor::prepare(Slot& slot) {
  PreparedStart start =
      prepare_start(sandbox_, slot.plan, slot.name, slot.layer_dir, slot.restarts,
                    options_.log_dir / slot.name / (std::to_string(slot.restarts) + ".log"),
                    options_.log_max_bytes);
  slot.log = std::move(start.log);
  return start;
}

void Supervisor::begin(Slot& slot, PreparedStart& starting) {
  slot.pid = container::start(starting.process);
  if (starting.announce) starting.announce();
  slot.out = std::move(starting.out);
  slot.err = std::move(starting.err);
  slot.state = Slot::State::kRunning;
  slot.started_at = Clock::now();
  slot.term_sent = false;
  slot.restart_pending = false;
  dirty_ = true;  // written once for everything started together (each write is synchronous)
}

// Init containers one at a time (sidecars start and stay), then every app container together.
// What can start now is prepared at once (clones, mounts and pivot_root of each run in parallel),
// then started strictly in order: each has exec'd its command before the next runs anything.
void Supervisor::start_phase() {
  std::vector<Slot*> batch;
  bool blocked = false;  // an init container must finish first
  while (next_init_ < slots_.size() && !stopping_) {
    Slot& s = *slots_[next_init_];
    if (s.plan.role == ContainerPlan::Role::kApp) break;
    if (s.plan.role == ContainerPlan::Role::kInit) {
      if (s.state == Slot::State::kWaiting && !s.restart_pending) batch.push_back(&s);
      if (!s.finished || s.exit_code != 0) {  // starting, running, failed or waiting to restart
        blocked = true;
        break;
      }
    } else if (s.state == Slot::State::kWaiting) {
      batch.push_back(&s);
    }
    ++next_init_;
  }
  if (!blocked && !stopping_ && !apps_started_) {
    apps_started_ = true;
    for (auto& s : slots_)
      if (s->plan.role == ContainerPlan::Role::kApp && s->state == Slot::State::kWaiting)
        batch.push_back(s.get());
  }
  std::vector<PreparedStart> prepared;
  prepared.reserve(batch.size());
  for (Slot* s : batch) prepared.push_back(prepare(*s));
  // The first batch is prepared while the CNI plugins wire the pod's network: the children join
  // the namespaces and cgroups and mount their root filesystems meanwhile. None runs anything of
  // its own before the network is there (a failure drops them before the caller's teardown).
  sandbox_.connect();
  for (size_t i = 0; i < batch.size(); ++i) begin(*batch[i], prepared[i]);
}

void Supervisor::read_output(Slot& slot, bool is_err, bool until_eof) {
  UniqueFd& fd = is_err ? slot.err : slot.out;
  OutputLines& lines = is_err ? slot.err_lines : slot.out_lines;
  const char* stream = is_err ? "stderr" : "stdout";
  FILE* to = is_err ? stderr : stdout;
  if (!fd) return;
  auto emit = [&](std::string_view line, bool partial) {
    slot.log->write(stream, line, partial);
    print_line(options_.echo, to, slot.name, line);
  };
  char chunk[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      lines.feed(std::string_view(chunk, static_cast<size_t>(n)), emit);
      if (!until_eof) return;
      continue;
    }
    if (n < 0 && errno == EAGAIN)
      return;            // nothing more now (a process of the pod may write later)
    lines.finish(emit);  // EOF: the last line may lack its newline
    fd.reset();
    return;
  }
}

void Supervisor::exited(Slot& slot, int status) {
  read_output(slot, false, true);
  read_output(slot, true, true);
  slot.state = Slot::State::kExited;
  slot.pid = 0;
  ContainerExit end = container_exit(status);
  slot.exit_code = end.code;
  slot.reason = slot.exit_code == 0 ? "Completed" : "Error";
  if (sandbox_.cgroups().oom_killed(slot.name)) slot.reason = "OOMKilled";

  const std::string& policy = sandbox_.pod().restart_policy;
  RestartDecision next;
  if (!stopping_)
    next = decide_restart(slot.plan.role, policy, slot.exit_code, slot.restarts,
                          Clock::now() - slot.started_at, options_.backoff_base);
  std::string line =
      "minipod: container \"" + slot.name + "\" " + end.how + " (" + slot.reason + ")";
  if (next.restart) {
    slot.restart_at = Clock::now() + next.delay;
    slot.restart_pending = true;
    slot.restarts = next.restarts;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(next.delay.count()) / 1000.0);
    line += "; restarting in " + std::string(buf) + " s (restartPolicy " +
            (slot.plan.role == ContainerPlan::Role::kSidecar ? std::string("Always, sidecar")
                                                             : policy) +
            ")";
  } else {
    slot.finished = true;
    if (slot.exit_code != 0 && !failure_ && !stopping_) failure_ = slot.exit_code;
  }
  std::fprintf(stderr, "%s\n", line.c_str());
  // While stopping, one write at the end records every exit.
  if (!stopping_) save_state();

  if (slot.plan.role == ContainerPlan::Role::kInit && slot.finished && slot.exit_code != 0 &&
      !stopping_)
    stop_all("init container \"" + slot.name + "\" failed and restartPolicy is Never");
}

void Supervisor::reap() {
  for (auto& s : slots_) {
    if (s->state != Slot::State::kRunning) continue;
    int status = 0;
    pid_t r = ::waitpid(s->pid, &status, WNOHANG);
    if (r == s->pid) exited(*s, status);
  }
  if (!stopping_ && sandbox_.pause().exited()) {
    std::fprintf(
        stderr,
        "minipod: pause exited: the pod's namespaces are gone; stopping the pod (Failed)\n");
    failure_ = 1;
    sandbox_.record().reason = "pause exited: the pod's namespaces are gone";
    stop_all("pause died");
    kill_now();
  }
}

void Supervisor::stop_all(const std::string& why) {
  if (stopping_) return;
  stopping_ = true;
  sandbox_.record().status = state::PodStatus::kStopping;
  save_state();
  Tracer::get().step("stop the pod (" + why + "): SIGTERM to every container, SIGKILL after " +
                     std::to_string(options_.grace.count()) + " s");
  auto deadline = Clock::now() + options_.grace;
  for (auto& s : slots_) {
    s->restart_pending = false;
    if (s->state != Slot::State::kRunning) continue;
    ::kill(s->pid, SIGTERM);
    s->term_sent = true;
    s->kill_at = deadline;
  }
}

void Supervisor::kill_now() {
  for (auto& s : slots_) {
    if (s->state != Slot::State::kRunning) continue;
    ::kill(s->pid, SIGKILL);
    int status = 0;
    while (::waitpid(s->pid, &status, 0) < 0 && errno == EINTR) {
    }
    exited(*s, status);
  }
}

bool Supervisor::app_containers_done() const {
  if (!apps_started_) return false;
  return std::all_of(slots_.begin(), slots_.end(), [](const auto& s) {
    return s->plan.role != ContainerPlan::Role::kApp || s->finished;
  });
}

int Supervisor::poll_timeout_ms() const {
  auto next = Clock::time_point::max();
  for (const auto& s : slots_) {
    if (s->restart_pending) next = std::min(next, s->restart_at);
    if (s->state == Slot::State::kRunning && s->term_sent) next = std::min(next, s->kill_at);
  }
  if (next == Clock::time_point::max()) return -1;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(ms + 1, 0, 60'000));
}

void Supervisor::run_timers() {
  auto now = Clock::now();
  for (auto& s : slots_) {
    if (s->state == Slot::State::kRunning && s->term_sent && now >= s->kill_at) {
      Tracer::get().step("grace period over: SIGKILL to container \"" + s->name + "\"");
      ::kill(s->pid, SIGKILL);
      s->term_sent = false;
    }
    if (s->restart_pending && now >= s->restart_at && !stopping_) {
      s->state = Slot::State::kWaiting;
      s->restart_pending = false;
      if (s->plan.role == ContainerPlan::Role::kInit) s->finished = false;
      start(*s);
    }
  }
}

void Supervisor::on_signal(int sig) {
  if (sig == SIGCHLD) {
    reap();
    return;
  }
  if (stopping_) {
    std::fprintf(stderr, "minipod: %s again: killing the containers now\n", sigabbrev_np(sig));
    kill_now();
    return;
  }
  signals_.note_stop(sig);
  // `minipod stop --grace N` says how long it wants to wait.
  if (auto grace = fs::read_file_if_exists(options_.stop_request);
      grace && !options_.stop_request.empty()) {
    try {
      options_.grace = std::chrono::seconds(std::stoll(*grace));
    } catch (const std::exception&) {
    }
  }
  std::fprintf(
      stderr,
      "minipod: received SIG%s: stopping the pod (grace period %lld s; again to kill now)\n",
      sigabbrev_np(sig), static_cast<long long>(options_.grace.count()));
  stop_all(std::string("SIG") + sigabbrev_np(sig));
}

int Supervisor::run() {
  sandbox_.record().status = state::PodStatus::kRunning;
  start_phase();
  save_state();
  if (options_.on_started) options_.on_started();
  for (;;) {
    if (!stopping_ && app_containers_done()) stop_all("all app containers finished");
    bool running = std::any_of(slots_.begin(), slots_.end(),
                               [](const auto& s) { return s->state == Slot::State::kRunning; });
    bool pending =
        std::any_of(slots_.begin(), slots_.end(), [](const auto& s) { return s->restart_pending; });
    if (!running && !pending && !stopping_) stop_all("nothing left to run");
    if (!running && stopping_) break;

    // pause's exit is watched directly too: its SIGCHLD may have been read during creation.
    int pause_fd = stopping_ ? -1 : sandbox_.pause().exit_fd();
    std::vector<pollfd> fds{{signals_.fd(), POLLIN, 0}, {pause_fd, POLLIN, 0}};
    std::vector<std::pair<Slot*, bool>> owners{{nullptr, false}, {nullptr, false}};
    for (auto& s : slots_) {
      if (s->out) {
        fds.push_back({s->out.get(), POLLIN, 0});
        owners.emplace_back(s.get(), false);
      }
      if (s->err) {
        fds.push_back({s->err.get(), POLLIN, 0});
        owners.emplace_back(s.get(), true);
      }
    }
    int rc = ::poll(fds.data(), fds.size(), poll_timeout_ms());
    if (rc < 0 && errno != EINTR) throw_errno("poll");
    for (size_t i = 2; rc > 0 && i < fds.size(); ++i)
      if (fds[i].revents != 0) read_output(*owners[i].first, owners[i].second, false);
    if (rc > 0 && fds[0].revents != 0)
      for (int sig = signals_.next(); sig != 0; sig = signals_.next()) on_signal(sig);
    if (rc > 0 && fds[1].revents != 0) reap();
    run_timers();
    if (!stopping_) start_phase();
    if (dirty_) save_state();
  }
  // Output that processes left in the pipes after their container's main process ended.
  for (auto& s : slots_) {
    read_output(*s, false, false);
    read_output(*s, true, false);
  }
  PodEnd end = pod_end(failure_, signals_.stop_signal());
  auto& record = sandbox_.record();
  record.status = end.status;
  if (record.reason.empty()) record.reason = end.reason;
  save_state();
  return end.exit_code;
}

}  // namespace minipod::run
