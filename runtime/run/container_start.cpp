#include "runtime/run/container_start.h"

#include <fcntl.h>

#include "common/trace.h"
#include "runtime/run/container_launch.h"
#include "runtime/security/seccomp_filter.h"

namespace minipod::run {

PreparedStart prepare_start(sandbox::Sandbox& sb, ContainerPlan& plan, const std::string& name,
                            const std::string& layer_dir, int restarts,
                            const std::filesystem::path& log_path, uint64_t log_max_bytes) {
  // Capabilities, user, seccomp, rlimits (checked before the pod was created).
  const security::SecurityPlan& security = security_plan(plan, sb.pod(), sb.paths());
  // `minipod exec` loads the container's seccomp program from here instead of compiling it again.
  if (!security.seccomp.empty() && restarts == 0)
    security::save_program(sb.paths().pod_dir(sb.id()) / ("seccomp-" + name + ".bpf"),
                           security.seccomp);

  auto& ns = sb.pause().namespaces();
  PodSide side{ns.net.get(),
               ns.uts.get(),
               ns.ipc.get(),
               sb.pod().share_process_namespace ? ns.pid.get() : -1,
               sb.shm_dir(),
               sb.files().hostname.string(),
               sb.files().hosts.string(),
               sb.files().resolv_conf.string()};
  ContainerLaunch launch{
      name,
      plan.spec->image,
      plan.image_layers,
      layer_dir,
      ContainerProcess{plan.argv, plan.env, plan.working_dir, plan.exec_paths},
      security,
      sb.cgroups().prepare_container(name, cgroups::container_limits(*plan.spec)),
      volume_binds(*plan.spec, sb.record().volumes)};
  container::LaunchSpec ls = launch_spec(std::move(launch), side);

  Pipe out = make_pipe(), err = make_pipe();
  ls.stdout_fd = out.write.get();
  ls.stderr_fd = err.write.get();

  auto cri_log = std::make_unique<CriLog>(log_path, log_max_bytes);

  // Traced once the container has started (a trace line is printed when its step is done).
  std::function<void()> announce;
  if (Tracer::get().enabled()) {
    auto dirs = sb.cgroups().container_dirs(name);
    std::string cgroup =
        dirs.empty() ? std::string("none (no cgroup file system)")
                     : dirs.front() +
                           (dirs.size() > 1
                                ? " (and " + std::to_string(dirs.size() - 1) + " more hierarchies)"
                                : "") +
                           ": " + sb.cgroups().container_applied(name);
    announce = [t = describe_start(ls, sb.pause().pid()), log = log_path.string(), name, cgroup] {
      auto& tracer = Tracer::get();
      tracer.step(t.step, t.command);
      tracer.detail("cgroup", cgroup);
      tracer.detail("log", log);
      tracer.detail("security of \"" + name + "\"", t.security);
    };
  }

  PreparedStart start{container::prepare(ls), std::move(out.read), std::move(err.read),
                      std::move(cri_log), std::move(announce)};
  for (int fd : {start.out.get(), start.err.get()})
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return start;  // our write ends close here: the child has its own
}

}  // namespace minipod::run
