#include "runtime/run/pod_runner.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "common/trace.h"
#include "images/oci/image_user.h"
#include "images/pull/image_pull.h"
#include "images/store/image_store.h"
#include "runtime/container/launcher.h"
#include "runtime/container/rootfs_plan.h"
#include "runtime/run/container_command.h"
#include "runtime/run/container_plan.h"
#include "runtime/run/signal_watch.h"
#include "runtime/run/supervisor.h"
#include "runtime/run/working_set.h"
#include "runtime/sandbox/pod_cleanup.h"
#include "runtime/sandbox/sandbox.h"
#include "runtime/security/plan_security.h"
#include "runtime/security/sealed_binary.h"
#include "runtime/spec/field_path.h"
#include "runtime/spec/manifest.h"
#include "runtime/state/crash_point.h"

namespace minipod::run {
namespace {

// The image's User applies when neither the container nor the pod sets runAsUser (Kubernetes);
// its group when neither sets runAsGroup. A user given by name cannot be checked against
// runAsNonRoot: refused, as the kubelet does.
void apply_image_user(const spec::Pod& pod, spec::Container& c, const images::Image& image,
                      const std::string& field) {
  auto& sc = c.security_context;
  const auto& psc = pod.security_context;
  if (image.config.user.empty() || sc.run_as_user || psc.run_as_user) return;
  auto user = with_context(field + ".image", [&] {
    return images::resolve_image_user(image.layers, image.config.user);
  });
  bool non_root = sc.run_as_non_root.value_or(psc.run_as_non_root.value_or(false));
  if (non_root && !user.numeric_user)
    throw UsageError(field + ".securityContext.runAsNonRoot",
                     "container \"" + c.name + "\": image has non-numeric user (" +
                         image.config.user + "), cannot verify user is non-root");
  sc.run_as_user = user.uid;
  if (!sc.run_as_group && !psc.run_as_group) sc.run_as_group = user.gid;
}

// The uid a container runs as: its runAsUser, else the pod's (the image's User is in them by now).
uid_t run_as_uid(const spec::Pod& pod, const spec::Container& c) {
  return static_cast<uid_t>(
      c.security_context.run_as_user.value_or(pod.security_context.run_as_user.value_or(0)));
}

// How messages and the record name the manifest: its path, or <stdin> for `minipod run -`.
std::string manifest_name(const RunOptions& o) {
  return o.manifest == "-" ? "<stdin>" : o.manifest;
}

struct Prepared {
  spec::Pod pod;
  std::vector<ContainerPlan> plans;
  std::string manifest_text;  // read once: parsed, then kept in the pod directory
};

Prepared prepare(const RunOptions& o) {
  auto parsed = spec::parse_manifest_file(o.manifest);
  for (const auto& w : parsed.warnings)
    std::fprintf(stderr, "minipod: warning: %s: %s\n", manifest_name(o).c_str(), w.c_str());
  Prepared p{std::move(parsed.pod), {}, std::move(parsed.text)};
  // The images first: their User becomes runAsUser/runAsGroup where the manifest sets none,
  // before the security checks look at who each container runs as.
  images::ImageStore store(o.image_dir);
  std::map<std::string, images::Image> found;
  auto with_image = [&](spec::Container& c, const std::string& field) {
    std::string where = manifest_name(o) + ": " + field + ".image";
    auto it = found.find(c.image);
    if (it == found.end()) {
      // Builds the busybox image the first time it is asked for (and says so).
      auto image = with_context(where, [&] { return store.find_or_build(c.image); });
      // imagePullPolicy as the kubelet applies it. A local root filesystem (busybox, an imported
      // directory: no manifest digest) is never pulled; its name is not a registry's.
      bool local = image && image->digest.empty();
      const std::string& policy = c.image_pull_policy;
      if ((policy == "Always" && !local) || (policy == "IfNotPresent" && !image)) {
        Tracer::get().step("pull image " + c.image + " (imagePullPolicy: " + policy + ")",
                           "minipod image pull " + c.image);
        image = with_context(where, [&] {
          return images::pull_image(store, c.image, {}, security::installed_path());
        });
      }
      if (!image)
        throw UsageError(where, "ErrImageNeverPull: container \"" + c.name + "\": image \"" +
                                    c.image + "\" is not present with pull policy of Never");
      if (image->layers.size() > container::kMaxOverlayLayers)
        throw UsageError(where, "image \"" + c.image + "\" has " +
                                    std::to_string(image->layers.size()) +
                                    " layers; overlayfs stacks at most " +
                                    std::to_string(container::kMaxOverlayLayers));
      it = found.emplace(c.image, std::move(*image)).first;
    }
    apply_image_user(p.pod, c, it->second, manifest_name(o) + ": " + field);
    c.image_groups.clear();
    for (gid_t g : images::image_groups(it->second.layers, run_as_uid(p.pod, c)))
      c.image_groups.push_back(g);
  };
  for (size_t i = 0; i < p.pod.init_containers.size(); ++i)
    with_image(p.pod.init_containers[i], spec::init_container_field(i));
  for (size_t i = 0; i < p.pod.containers.size(); ++i)
    with_image(p.pod.containers[i], spec::container_field(i));

  const auto& pod = p.pod;
  const std::string& hostname = spec::effective_hostname(pod);
  // What the parser cannot know: capability names, seccomp profiles, users, cgroup controllers.
  auto paths = state::Paths::from_environment();
  auto security_options = security::start_options(paths.data_dir, paths.run_dir);
  security_options.field_prefix = manifest_name(o) + ": ";
  security::check_pod(pod, security_options);
  cgroups::check_pod(pod, manifest_name(o) + ": ");

  auto plan_for = [&](const spec::Container& c, const std::string& field,
                      ContainerPlan::Role role) {
    const images::Image* image = &found.at(c.image);
    ContainerPlan plan;
    plan.spec = &c;
    plan.role = role;
    for (const auto& l : image->layers) plan.image_layers.push_back(l.string());
    plan.image_digest = image->digest;
    std::string where = manifest_name(o) + ": " + field;
    auto process = resolve_process(c, *image, run_as_uid(pod, c), hostname, where,
                                   where + (c.command.empty() ? ".args" : ".command"));
    plan.argv = std::move(process.argv);
    plan.env = std::move(process.env);
    plan.working_dir = std::move(process.working_dir);
    plan.exec_paths = std::move(process.exec_paths);
    return plan;
  };
  for (size_t i = 0; i < pod.init_containers.size(); ++i) {
    const auto& c = pod.init_containers[i];
    p.plans.push_back(plan_for(
        c, spec::init_container_field(i),
        c.restart_policy == "Always" ? ContainerPlan::Role::kSidecar : ContainerPlan::Role::kInit));
  }
  for (size_t i = 0; i < pod.containers.size(); ++i)
    p.plans.push_back(
        plan_for(pod.containers[i], spec::container_field(i), ContainerPlan::Role::kApp));
  return p;
}

sandbox::SandboxOptions sandbox_options(const RunOptions& o, const Prepared& prepared) {
  const spec::Pod& pod = prepared.pod;
  sandbox::SandboxOptions so;
  so.paths = state::Paths::from_environment();
  so.grace_seconds = o.grace_seconds.value_or(prepared.pod.termination_grace_period_seconds);
  so.keep_logs = o.keep_logs;
  so.pause_binary = sandbox::find_pause_binary();
  so.manifest_path = manifest_name(o);
  so.manifest_text = prepared.manifest_text;
  so.cni.plugin_dirs = o.cni_path;
  so.cni.cache_dir = o.cni_cache_dir;
  so.cni.timeout = o.cni_timeout;
  if (!pod.host_network && o.network == kNoNetwork) {
    // Like podman's --network none: the pod's own network namespace with only lo in it.
    for (const auto* list : {&pod.init_containers, &pod.containers})
      for (const auto& c : *list)
        for (const auto& p : c.ports)
          if (p.host_port > 0)
            throw UsageError(manifest_name(o) + ": container \"" + c.name + "\"",
                             "hostPort " + std::to_string(p.host_port) +
                                 " cannot be published with --network none (the pod has only lo)");
  } else if (!pod.host_network) {
    so.network = sandbox::choose_network(o.cni_conf_dir, o.cni_conf_dir_given, o.network, pod);
    if (so.network->builtin)
      std::fprintf(
          stderr,
          "minipod: no CNI config in %s: using the built-in network \"%s\" (bridge %s, %s)\n",
          o.cni_conf_dir.c_str(), sandbox::kBuiltinNetwork, sandbox::kBuiltinBridge,
          sandbox::kBuiltinSubnet);
  }
  // Before anything exists; the name reservation checks again, under the names lock, so two
  // `run`s at once cannot both get a port.
  state::check_host_ports(so.paths, sandbox::published_host_ports(pod), o.manifest);
  return so;
}

SupervisorOptions supervisor_options(const RunOptions& o, const spec::Pod& pod,
                                     const state::Paths& paths) {
  SupervisorOptions sup;
  sup.grace = std::chrono::seconds(o.grace_seconds.value_or(pod.termination_grace_period_seconds));
  sup.backoff_base = o.backoff_base;
  sup.log_dir = sandbox::pod_log_dir(paths, pod.namespace_, pod.name);
  sup.log_max_bytes = o.log_max_bytes;
  return sup;
}

// Steps 1-4 (5-6 come with Sandbox::connect(), called by the supervisor), with Ctrl-C (and the
// crash-test switch) checked between them.
std::unique_ptr<sandbox::Sandbox> create_sandbox(const spec::Pod& pod,
                                                 const sandbox::SandboxOptions& so,
                                                 SignalWatch& signals) {
  return sandbox::Sandbox::create(pod, so, [&signals, step = 0]() mutable {
    state::crash_point("create", ++step);
    signals.checkpoint();
  });
}

// The monitor of a detached pod: owns the sandbox and the containers until the pod ends. Reports
// "ok <id>" or "error <exit kind> <message>" on `report` once the pod is up (or could not be).
[[noreturn]] void monitor_main(Prepared& prepared, const RunOptions& o, sandbox::SandboxOptions so,
                               int report) {
  bool reported = false;
  auto send = [&](const std::string& msg) {
    if (reported) return;
    reported = true;
    if (::write(report, msg.data(), msg.size()) < 0) {
      // The CLI is gone; the pod goes on regardless.
    }
    ::close(report);
  };
  // NUL-separated: neither a message nor a warning has one, while a plugin's may hold newlines.
  auto send_error = [&](const Error& e) {
    std::string msg = "error " + std::to_string(static_cast<int>(e.kind())) + " " + e.what();
    for (const auto& w : e.warnings()) msg += '\0' + w;
    send(msg);
  };
  int code = 0;
  try {
    // Only now: a thread must not be running across the fork that made this monitor.
    compile_security_plans(prepared.pod, prepared.plans, so.paths);
    SignalWatch signals;
    auto sb = create_sandbox(prepared.pod, so, signals);
    auto pod_dir = so.paths.pod_dir(sb->id());
    // From now on the monitor's own messages (container exits, warnings) go to the pod's directory.
    int log =
        ::open((pod_dir / "monitor.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log >= 0) {
      ::dup2(log, 2);
      ::close(log);
    }
    SupervisorOptions sup = supervisor_options(o, prepared.pod, so.paths);
    sup.echo = false;
    sup.stop_request = pod_dir / "stop";
    sup.on_started = [&] {
      send("ok " + sb->id());
      // The monitor lives as long as the pod: give back what parsing and starting it used.
      release_unused_pages();
    };
    try {
      Supervisor supervisor(*sb, std::move(prepared.plans), signals, sup);
      code = supervisor.run();
    } catch (const Error& e) {
      std::fprintf(stderr, "minipod: %s\n", e.what());
      if (!reported) {
        send_error(sb->creation_failed(e));
        ::_exit(1);
      }
      sb->record().status = state::PodStatus::kFailed;
      sb->record().reason = e.what();
      sb->update_record();
    }
    // The final status is recorded once teardown is over: a crash in between leaves "stopping",
    // which `minipod gc` knows how to finish. A record that cannot be written (a full run
    // directory) never stops the teardown, and the pod keeps the record it has.
    state::PodStatus final_status = sb->record().status;
    sb->record().status = state::PodStatus::kStopping;
    sb->update_record();
    for (const auto& line : sb->teardown(/*keep_record=*/true))
      std::fprintf(stderr, "minipod: warning: %s\n", line.c_str());
    sb->record().status = final_status;
    for (auto& c : sb->record().containers) c.process = {};
    sb->update_record();
  } catch (const Error& e) {
    send_error(e);
    ::_exit(static_cast<int>(e.kind()));
  } catch (const std::exception& e) {
    send(std::string("error 1 ") + e.what());
    ::_exit(1);
  }
  ::_exit(code);
}

}  // namespace

int run_pod(const RunOptions& o) {
  Tracer::get().step("read " + manifest_name(o));
  Prepared prepared = prepare(o);
  const spec::Pod& pod = prepared.pod;
  sandbox::SandboxOptions so = sandbox_options(o, prepared);
  compile_security_plans(prepared.pod, prepared.plans, so.paths);

  // From here on, Ctrl-C is an event: creation steps check for it and unwind cleanly.
  SignalWatch signals;
  std::unique_ptr<sandbox::Sandbox> sb;
  int code = 1;
  std::string failure;
  try {
    sb = create_sandbox(pod, so, signals);
    SupervisorOptions sup = supervisor_options(o, pod, so.paths);
    sup.stop_request = so.paths.pod_dir(sb->id()) / "stop";
    try {
      Supervisor supervisor(*sb, std::move(prepared.plans), signals, sup);
      code = supervisor.run();
    } catch (const Error& e) {
      // Before the network was up (the CNI ADD runs while the first containers are prepared, and
      // they are gone with the supervisor by now), a failure is a creation failure.
      if (!sb->connected()) throw sb->creation_failed(e);
      failure = e.what();
    }
  } catch (const Error& e) {
    if (signals.stop_signal() != 0) {
      std::fprintf(stderr, "minipod: %s\n", e.what());
      for (const auto& w : e.warnings()) std::fprintf(stderr, "minipod: warning: %s\n", w.c_str());
      return 128 + signals.stop_signal();
    }
    throw;
  }
  if (!sb->ips().empty()) Tracer::get().step("pod " + pod.name + " had IP " + sb->ips().front());
  auto undo_failures = sb->teardown();
  if (!failure.empty())
    throw Error("run pod \"" + pod.name + "\"", failure + sandbox::torn_down(undo_failures))
        .with_warnings(undo_failures);
  // The containers' exits were said as they came; what their teardown left comes after them.
  for (const auto& line : undo_failures)
    std::fprintf(stderr, "minipod: warning: pod \"%s\" (%s): %s\n", pod.name.c_str(),
                 sb->id().substr(0, 12).c_str(), line.c_str());
  if (!undo_failures.empty() && code == 0) code = 1;
  return code;
}

std::string start_pod(const RunOptions& o) {
  Prepared prepared = prepare(o);
  sandbox::SandboxOptions so = sandbox_options(o, prepared);
  so.detached = true;
  std::fflush(nullptr);
  Pipe report = make_pipe();
  // Two forks: the monitor's parent exits at once, so the monitor belongs to init (or the
  // nearest subreaper) and to no terminal session, and outlives this command.
  pid_t middle = ::fork();
  if (middle < 0) throw_errno("fork", "the pod monitor");
  if (middle == 0) {
    report.read.reset();
    ::setsid();
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    pid_t monitor = ::fork();
    if (monitor != 0) ::_exit(monitor < 0 ? 1 : 0);
    monitor_main(prepared, o, std::move(so), report.write.release());
  }
  report.write.reset();
  while (::waitpid(middle, nullptr, 0) < 0 && errno == EINTR) {
  }
  std::string msg;
  char buf[4096];
  for (ssize_t n; (n = ::read(report.read.get(), buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read", "the pod monitor's report");
    }
    msg.append(buf, static_cast<size_t>(n));
  }
  if (msg.rfind("ok ", 0) == 0) return msg.substr(3);
  if (msg.rfind("error ", 0) == 0) {
    // "error <exit kind> <message>", then each warning after a NUL (monitor_main).
    std::vector<std::string> parts;
    for (size_t at = 0, nul; at <= msg.size(); at = nul + 1) {
      nul = std::min(msg.find('\0', at), msg.size());
      parts.push_back(msg.substr(at, nul - at));
    }
    const std::string& head = parts.front();
    auto sp = head.find(' ', 6);
    auto kind = static_cast<ExitKind>(std::stoi(head.substr(6, sp - 6)));
    throw Error("start pod \"" + prepared.pod.name + "\"", head.substr(sp + 1), 0, kind)
        .with_warnings({parts.begin() + 1, parts.end()});
  }
  throw Error("start pod \"" + prepared.pod.name + "\"",
              "the pod monitor died before the pod was up; run 'minipod gc' to clean what it left");
}

}  // namespace minipod::run
