#include "runtime/run/pod_runner.h"

#include <cstdio>

#include "common/error.h"
#include "common/trace.h"
#include "images/store/image_store.h"
#include "runtime/container/launcher.h"
#include "runtime/run/container_command.h"
#include "runtime/run/signal_watch.h"
#include "runtime/run/supervisor.h"
#include "runtime/sandbox/sandbox.h"
#include "runtime/spec/manifest.h"

namespace minipod::run {
namespace {

struct Prepared {
  spec::Pod pod;
  std::vector<ContainerPlan> plans;
};

Prepared prepare(const RunOptions& o) {
  auto parsed = spec::parse_manifest_file(o.manifest);
  for (const auto& w : parsed.warnings)
    std::fprintf(stderr, "minipod: warning: %s: %s\n", o.manifest.c_str(), w.c_str());
  Prepared p{std::move(parsed.pod), {}};
  const auto& pod = p.pod;
  std::string hostname = pod.hostname.empty() ? pod.name : pod.hostname;

  images::ImageStore store(o.image_dir);
  auto plan_for = [&](const spec::Container& c, const std::string& field,
                      ContainerPlan::Role role) {
    // Builds the busybox image the first time it is asked for (and says so).
    auto image = with_context(o.manifest + ": " + field + ".image",
                              [&] { return store.find_or_build(c.image); });
    if (!image)
      throw UsageError(o.manifest + ": " + field + ".image",
                       "no image \"" + c.image + "\"; see 'minipod image ls'");
    ContainerPlan plan;
    plan.spec = &c;
    plan.role = role;
    plan.image_rootfs = image->rootfs.string();
    plan.argv = resolve_argv(c, image->config);
    if (plan.argv.empty())
      throw UsageError(
          o.manifest + ": " + field,
          "no command: image \"" + c.image + "\" has no default command, so set command or args");
    plan.env = resolve_env(c, image->config, hostname);
    plan.working_dir = !c.working_dir.empty()               ? c.working_dir
                       : !image->config.working_dir.empty() ? image->config.working_dir
                                                            : "/";
    plan.exec_paths = container::exec_candidates(plan.argv[0], plan.env);
    if (container::find_in_image(plan.image_rootfs, plan.exec_paths).empty())
      throw UsageError(o.manifest + ": " + field + (c.command.empty() ? ".args" : ".command"),
                       "container \"" + c.name + "\": command \"" + plan.argv[0] +
                           "\" not found in image \"" + c.image + "\"");
    return plan;
  };
  for (size_t i = 0; i < pod.init_containers.size(); ++i) {
    const auto& c = pod.init_containers[i];
    p.plans.push_back(plan_for(
        c, "spec.initContainers[" + std::to_string(i) + "]",
        c.restart_policy == "Always" ? ContainerPlan::Role::kSidecar : ContainerPlan::Role::kInit));
  }
  for (size_t i = 0; i < pod.containers.size(); ++i)
    p.plans.push_back(plan_for(pod.containers[i], "spec.containers[" + std::to_string(i) + "]",
                               ContainerPlan::Role::kApp));
  return p;
}

}  // namespace

int run_pod(const RunOptions& o) {
  Tracer::get().step("read " + o.manifest);
  Prepared prepared = prepare(o);
  const spec::Pod& pod = prepared.pod;

  sandbox::SandboxOptions so;
  so.paths = state::Paths::from_environment();
  so.pause_binary = sandbox::find_pause_binary();
  so.manifest_path = o.manifest;
  so.cni.plugin_dirs = o.cni_path;
  so.cni.cache_dir = o.cni_cache_dir;
  so.cni.timeout = o.cni_timeout;
  if (!pod.host_network) {
    so.network = sandbox::choose_network(o.cni_conf_dir, o.network, pod);
    if (so.network->builtin)
      std::fprintf(
          stderr,
          "minipod: no CNI config in %s: using the built-in network \"%s\" (bridge %s, %s)\n",
          o.cni_conf_dir.c_str(), sandbox::kBuiltinNetwork, sandbox::kBuiltinBridge,
          sandbox::kBuiltinSubnet);
  }

  // From here on, Ctrl-C is an event: creation steps check for it and unwind cleanly.
  SignalWatch signals;
  std::unique_ptr<sandbox::Sandbox> sb;
  try {
    sb = sandbox::Sandbox::create(pod, so, [&signals] { signals.checkpoint(); });
  } catch (const Error& e) {
    if (signals.stop_signal() != 0) {
      std::fprintf(stderr, "minipod: %s; everything created so far was removed\n", e.what());
      return 128 + signals.stop_signal();
    }
    throw;
  }

  int code = 1;
  std::string failure;
  {
    SupervisorOptions sup;
    sup.grace =
        std::chrono::seconds(o.grace_seconds.value_or(pod.termination_grace_period_seconds));
    sup.backoff_base = o.backoff_base;
    sup.log_dir = so.paths.log_dir / (pod.namespace_ + "_" + pod.name);
    try {
      Supervisor supervisor(*sb, std::move(prepared.plans), signals, sup);
      code = supervisor.run();
    } catch (const Error& e) {
      failure = e.what();
    }
  }
  if (!sb->ips().empty()) Tracer::get().step("pod " + pod.name + " had IP " + sb->ips().front());
  auto undo_failures = sb->teardown();
  if (!failure.empty())
    throw Error("run pod \"" + pod.name + "\"", failure + "; the pod was torn down");
  if (!undo_failures.empty() && code == 0) code = 1;
  return code;
}

}  // namespace minipod::run
