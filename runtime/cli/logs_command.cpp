// `minipod logs POD [-c CONTAINER] [-f] [--tail N] [--timestamps]`: a container's output from its
// CRI log files, across restarts and rotation; stdout lines on stdout, stderr lines on stderr.
#include <cstdio>
#include <deque>
#include <thread>

#include "common/error.h"
#include "runtime/cli/commands.h"
#include "runtime/control/pod_control.h"
#include "runtime/run/log_reader.h"
#include "runtime/sandbox/pod_cleanup.h"
#include "runtime/state/pod_store.h"

namespace minipod::cli {
namespace {

struct LogsOptions {
  std::string pod, container;
  bool follow = false, timestamps = false;
  long tail = -1;
};

void print(const run::LogLine& l, const std::string& prefix, bool timestamps) {
  FILE* to = l.stream == "stderr" ? stderr : stdout;
  std::fprintf(to, "%s%s%s\n", prefix.c_str(), timestamps ? (l.timestamp + " ").c_str() : "",
               l.text.c_str());
}

void run_logs(const LogsOptions& o) {
  auto paths = state::Paths::from_environment();
  state::PodStore store(paths);
  auto pod = store.resolve(o.pod);
  const auto& r = pod.record;
  std::vector<std::string> names;
  for (const auto& c : r.containers)
    if (o.container.empty() || c.name == o.container) names.push_back(c.name);
  if (names.empty()) {
    throw UsageError("logs", "pod \"" + r.name + "\" has no container \"" + o.container +
                                 "\" (it has " + r.container_names() + ")");
  }
  auto dir = sandbox::pod_log_dir(paths, r.namespace_, r.name);
  bool prefixed = names.size() > 1;
  std::vector<run::LogFollower> followers;
  for (const auto& n : names) followers.emplace_back(dir / n);

  for (size_t i = 0; i < names.size(); ++i) {
    auto lines = followers[i].read();
    size_t from = o.tail >= 0 && lines.size() > static_cast<size_t>(o.tail)
                      ? lines.size() - static_cast<size_t>(o.tail)
                      : 0;
    for (size_t k = from; k < lines.size(); ++k)
      print(lines[k], prefixed ? "[" + names[i] + "] " : "", o.timestamps);
  }
  std::fflush(nullptr);
  if (!o.follow) return;
  // Until the pod's owner is gone (the pod ended); then one last read.
  for (bool last = false;;) {
    bool alive = control::owner_alive(pod);
    for (size_t i = 0; i < names.size(); ++i)
      for (const auto& l : followers[i].read())
        print(l, prefixed ? "[" + names[i] + "] " : "", o.timestamps);
    std::fflush(nullptr);
    if (last) return;
    if (!alive)
      last = true;
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

void add_logs_command(CLI::App& app) {
  auto o = std::make_shared<LogsOptions>();
  auto* cmd = app.add_subcommand("logs", "Print a pod's container logs");
  cmd->add_option("pod", o->pod, "Pod name or id prefix")->required();
  cmd->add_option("-c,--container", o->container,
                  "Container (default: all of the pod's, prefixed)");
  cmd->add_flag("-f,--follow", o->follow, "Keep printing new output until the pod ends");
  cmd->add_option("--tail", o->tail, "Only the last N lines of each container")
      ->check(non_negative("a number of lines >= 0"));
  cmd->add_flag("--timestamps", o->timestamps, "Prefix each line with its time");
  cmd->callback([o] { run_logs(*o); });
}

}  // namespace minipod::cli
