#include "runtime/run/ephemeral_container.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <optional>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "common/subprocess.h"
#include "common/trace.h"
#include "images/pull/image_pull.h"
#include "images/store/image_store.h"
#include "runtime/cgroups/pod_cgroups.h"
#include "runtime/container/launcher.h"
#include "runtime/container/stdio_relay.h"
#include "runtime/ns/namespaces.h"
#include "runtime/run/container_command.h"
#include "runtime/run/container_launch.h"
#include "runtime/run/signal_watch.h"
#include "runtime/sandbox/pod_cleanup.h"
#include "runtime/sandbox/sandbox.h"
#include "runtime/security/plan_security.h"
#include "runtime/security/sealed_binary.h"
#include "runtime/security/seccomp_filter.h"
#include "runtime/spec/manifest.h"
#include "runtime/spec/names.h"
#include "runtime/state/pod_store.h"

namespace minipod::run {
namespace {

namespace fsys = std::filesystem;

// Checked after the namespaces are opened: they are those of the process we meant, not of a
// process that reused its pid.
void expect_alive(const state::ProcessRef& p, const std::string& whose) {
  if (!sandbox::process_alive(p))
    throw UsageError("debug", whose + " is not running (pid " + std::to_string(p.pid) + ")");
}

// The seccomp program a sibling was started with, when it is the one this container gets too: a
// sibling without a seccompProfile of its own, not privileged, follows the pod's profile, as the
// ephemeral container does. Reusing it saves compiling Docker's profile (~8 ms).
std::optional<std::vector<sock_filter>> sibling_seccomp_program(const spec::Pod& pod,
                                                                const fsys::path& dir) {
  for (const auto* list : {&pod.init_containers, &pod.containers})
    for (const auto& c : *list) {
      if (c.security_context.seccomp_profile || c.security_context.privileged.value_or(false))
        continue;
      if (auto saved = security::read_program(dir / ("seccomp-" + c.name + ".bpf"))) return saved;
    }
  return std::nullopt;
}

// Removes the container's writable layer and cgroup when it is done, however it ends.
struct Leftovers {
  fsys::path layer;
  cgroups::PodCgroups* cgroups = nullptr;
  std::string name;
  ~Leftovers() {
    try {
      if (cgroups != nullptr) cgroups->remove_container(name);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "minipod: debug: %s\n", e.what());
    }
    if (layer.empty()) return;
    try {
      fs::remove_tree(layer);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "minipod: debug: %s\n", e.what());
    }
  }
};

}  // namespace

int run_ephemeral_container(const EphemeralRequest& req) {
  auto paths = state::Paths::from_environment();
  state::PodStore store(paths);
  auto stored = store.resolve(req.pod);
  const auto& r = stored.record;
  if (r.status != state::PodStatus::kRunning || !sandbox::process_alive(r.pause))
    throw UsageError("debug", "pod \"" + r.name + "\" is not running (it is " +
                                  state::to_string(r.status) +
                                  "): an ephemeral container joins a running pod");
  auto& trace = Tracer::get();
  auto parsed = spec::parse_manifest_file((stored.dir / "pod.yaml").string());
  const spec::Pod& pod = parsed.pod;

  std::string name = req.name.empty() ? "debugger-" + sandbox::new_pod_id().substr(0, 5) : req.name;
  if (!spec::is_dns_label(name))
    throw UsageError("debug --name", "\"" + name +
                                         "\" is not a valid container name (lower-case letters, "
                                         "digits and '-', at most 63 characters)");
  for (const auto* list : {&pod.init_containers, &pod.containers})
    for (const auto& c : *list)
      if (c.name == name)
        throw UsageError("debug --name",
                         "pod \"" + r.name + "\" already has a container \"" + name + "\"");
  fsys::path layer = fsys::path(r.layers_dir) / name;
  if (fsys::exists(layer))
    throw UsageError("debug --name", "an ephemeral container \"" + name +
                                         "\" is already running in pod \"" + r.name + "\"");

  // Its writable layer and cgroup live below the pod's, so removing the pod removes them too
  // if this command is killed before it cleans up.
  cgroups::PodCgroups pod_cgroups(r.id, cgroups::host_hierarchies());
  Leftovers leftovers;
  leftovers.name = name;
  cgroups::CgroupJoin cgroup;
  if (!r.cgroups.empty() && pod_cgroups.enabled()) {
    leftovers.cgroups = &pod_cgroups;
    // No resources, but the device allow list of every unprivileged container: it has
    // CAP_MKNOD too (an ephemeral container is never privileged: it gets the pod's defaults).
    cgroups::Limits limits;
    limits.device_allowlist = true;
    cgroup = pod_cgroups.prepare_container(name, limits);
  }

  // What it runs: the image's defaults, the command given instead of the entrypoint.
  spec::Container c;
  c.name = name;
  c.image = req.image;
  c.command = req.command;
  images::ImageStore images(req.image_dir);
  // Pulled when missing, as the kubelet does for an ephemeral container (IfNotPresent).
  auto image = with_context("debug --image", [&] {
    auto local = images.find_or_build(req.image);
    if (local) return *local;
    Tracer::get().step("pull image " + req.image + " (not in the store)",
                       "minipod image pull " + req.image);
    return images::pull_image(images, req.image, {}, security::installed_path());
  });
  const std::string& hostname = spec::effective_hostname(pod);
  ContainerLaunch launch;
  launch.name = name;
  launch.image = req.image;
  for (const auto& l : image.layers) launch.image_layers.push_back(l.string());
  launch.layer_dir = layer;
  // The pod's runAsUser, as for its security below.
  launch.process =
      resolve_process(c, image, static_cast<uid_t>(pod.security_context.run_as_user.value_or(0)),
                      hostname, "debug", "debug");

  // The pod's security defaults (Kubernetes gives ephemeral containers the pod's context).
  auto options = security::start_options(paths.data_dir, paths.run_dir);
  options.saved_default_program = sibling_seccomp_program(pod, stored.dir);
  launch.security =
      security::plan_container_security(pod, c, "ephemeral container \"" + name + "\"", options);
  launch.cgroup = std::move(cgroup);

  // The pod's namespaces, held by pause (those it shares with us, e.g. a hostNetwork pod's net,
  // are not opened: the container stays in ours); the PID namespace of --target, or the pod's if
  // it is shared.
  std::string pause_what = "pod \"" + r.name + "\" (its pause process)";
  ns::PodNamespaces pod_ns = ns::open_namespaces(r.pause.pid);
  expect_alive(r.pause, pause_what);
  UniqueFd pid_ns;
  if (!req.target.empty()) {
    const state::ContainerRecord* target = nullptr;
    for (const auto& rc : r.containers)
      if (rc.name == req.target) target = &rc;
    if (target == nullptr || target->status != state::ContainerStatus::kRunning)
      throw UsageError("debug --target",
                       "pod \"" + r.name + "\" has no running container \"" + req.target + "\"");
    pid_ns = ns::open_namespace(target->process.pid, "pid");
    expect_alive(target->process, "container \"" + req.target + "\"");
  } else if (pod.share_process_namespace) {
    pid_ns = std::move(pod_ns.pid);
  }
  PodSide side;
  side.net_fd = pod_ns.net.get();
  side.uts_fd = pod_ns.uts.get();
  side.ipc_fd = pod_ns.ipc.get();
  side.pid_fd = pid_ns.get();
  side.shm_dir = r.shm_dir;
  for (auto [file, out] :
       {std::pair{"hostname", &side.hostname_file}, std::pair{"hosts", &side.hosts_file},
        std::pair{"resolv.conf", &side.resolv_file}})
    if (fsys::exists(stored.dir / file)) *out = (stored.dir / file).string();

  leftovers.layer = layer;
  container::LaunchSpec ls = launch_spec(std::move(launch), side);
  // Pipes of ours, copied to and from our own stdin, stdout and stderr: the caller's descriptors
  // (a terminal, the file our output goes to) never enter the container, where any process could
  // reopen them through /proc/<pid>/fd. Without -i, stdin is the container's own /dev/null.
  container::StdioRelay relay(req.interactive ? container::RelayStdin::kForward
                                              : container::RelayStdin::kNone);
  ls.stdin_fd = relay.child_stdin();
  ls.stdout_fd = relay.child_stdout();
  ls.stderr_fd = relay.child_stderr();

  if (trace.enabled()) {
    StartTrace t = describe_start(ls, r.pause.pid);
    trace.step("ephemeral container in pod \"" + r.name + "\"" +
                   (req.target.empty() ? "" : ", in the PID namespace of \"" + req.target + "\"") +
                   ": " + t.step,
               t.command);
    trace.detail("security of \"" + name + "\"", t.security);
  }
  if (std::string applied = pod_cgroups.container_applied(name); !applied.empty())
    trace.detail("cgroup", applied);

  // Stop requests are ours to handle from here: the container is in a session of its own, so a
  // Ctrl-C reaches only this command, which kills the container (it is not restarted).
  SignalWatch signals;
  pid_t child = container::launch(ls);
  relay.child_started();
  bool killed = false;
  int status = relay.run(child, signals.fd(), [&](int sig) {
    if (killed) return;
    killed = true;
    trace.step(std::string("stop request (") + ::strsignal(sig) +
               "): SIGKILL to ephemeral container \"" + name + "\"");
    ::kill(child, SIGKILL);
  });
  int code = shell_exit_code(status);
  trace.step("ephemeral container \"" + name + "\" ended (exit code " + std::to_string(code) +
             "): remove its writable layer and cgroup");
  return code;
}

}  // namespace minipod::run
