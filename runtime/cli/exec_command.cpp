// `minipod exec POD [-c CONTAINER] [-i] [-t] -- CMD...`: a command inside a running container.
#include <unistd.h>

#include <cstring>

#include "common/error.h"
#include "common/fs.h"
#include "runtime/cgroups/hierarchy.h"
#include "runtime/cli/commands.h"
#include "runtime/container/exec_process.h"
#include "runtime/control/pod_control.h"
#include "runtime/sandbox/pod_cleanup.h"
#include "runtime/security/plan_security.h"
#include "runtime/security/seccomp_filter.h"
#include "runtime/spec/field_path.h"
#include "runtime/spec/manifest.h"
#include "runtime/state/pod_store.h"

namespace minipod::cli {
namespace {

struct ExecOptions {
  std::string pod, container;
  bool interactive = false, tty = false;
  std::vector<std::string> command;
};

int run_exec(const ExecOptions& o) {
  state::PodStore store(state::Paths::from_environment());
  auto pod = store.resolve(o.pod);
  const auto& r = pod.record;
  auto parsed = spec::parse_manifest_file((pod.dir / "pod.yaml").string());
  // Without -c, as kubectl does: the container the pod's
  // kubectl.kubernetes.io/default-container annotation names, else its first app container
  // (never an init container or a native sidecar, which come first in the record).
  std::string wanted = o.container;
  if (wanted.empty()) {
    auto named = parsed.pod.annotations.find("kubectl.kubernetes.io/default-container");
    if (named != parsed.pod.annotations.end())
      wanted = named->second;
    else if (!parsed.pod.containers.empty())
      wanted = parsed.pod.containers.front().name;
  }
  const state::ContainerRecord* target = nullptr;
  for (const auto& c : r.containers)
    if (c.name == wanted) target = &c;
  if (target == nullptr) {
    throw UsageError("exec", "pod \"" + r.name + "\" has no container \"" + wanted + "\" (it has " +
                                 r.container_names() + ")");
  }
  if (target->status != state::ContainerStatus::kRunning ||
      !sandbox::process_alive(target->process)) {
    std::string why = target->status == state::ContainerStatus::kExited
                          ? "it exited with code " + std::to_string(target->exit_code) + " (" +
                                target->reason + ")"
                          : std::string("it has not started yet");
    throw UsageError("exec", "container \"" + target->name + "\" of pod \"" + r.name +
                                 "\" is not running: " + why);
  }
  if (o.tty && !::isatty(0))
    throw UsageError("exec",
                     "-t needs a terminal on standard input (drop -t, or run from a terminal)");
  container::ExecRequest req;
  req.pod = r.name;
  req.container = target->name;
  req.target = target->process;
  req.argv = o.command;
  if (!req.argv.empty() && req.argv.front() == "--") req.argv.erase(req.argv.begin());
  req.interactive = o.interactive || o.tty;
  req.tty = o.tty;
  // The same security context and cgroup as the container's own process (kubectl exec does too).
  const spec::Container* c = nullptr;
  for (const auto* list : {&parsed.pod.init_containers, &parsed.pod.containers})
    for (const auto& candidate : *list)
      if (candidate.name == target->name) c = &candidate;
  if (c == nullptr)
    throw Error("exec",
                "container \"" + target->name + "\" is missing from the pod's stored manifest");
  auto paths = state::Paths::from_environment();
  // The seccomp program the container was started with, saved by its owner: compiling Docker's
  // profile again would cost ~8 ms.
  auto options = security::start_options(paths.data_dir, paths.run_dir);
  options.saved_default_program =
      security::read_program(pod.dir / ("seccomp-" + target->name + ".bpf"));
  req.security = security::plan_container_security(parsed.pod, *c,
                                                   spec::container_field(parsed.pod, *c), options);
  std::vector<std::string> dirs;
  for (const auto& dir : r.cgroups) dirs.push_back(dir + "/" + target->name);
  req.cgroup = cgroups::join_of(dirs, cgroups::host_hierarchies().unified);
  return container::exec_in_container(req);
}

}  // namespace

void add_exec_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ExecOptions>();
  auto* cmd = app.add_subcommand("exec", "Run a command in a running container of a pod");
  cmd->add_option("pod", o->pod, "Pod name or id prefix")->required();
  cmd->add_option("command", o->command, "Command and arguments (after --)")->required();
  cmd->add_option("-c,--container", o->container,
                  "Container (default: the one the pod's kubectl.kubernetes.io/default-container "
                  "annotation names, else its first app container)");
  cmd->add_flag("-i,--interactive", o->interactive, "Pass standard input to the command");
  cmd->add_flag("-t,--tty", o->tty, "Allocate a terminal in the container");
  cmd->callback([o, &exit_code] { exit_code = run_exec(*o); });
}

}  // namespace minipod::cli
