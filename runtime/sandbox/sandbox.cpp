#include "runtime/sandbox/sandbox.h"

#include <sys/random.h>
#include <unistd.h>

#include <cstdio>

#include "cni/defaults.h"
#include "cni/error.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/trace.h"
#include "runtime/sandbox/describe.h"
#include "runtime/sandbox/netns_pin.h"
#include "runtime/sandbox/pod_cleanup.h"
#include "runtime/sandbox/pod_shm.h"
#include "runtime/sandbox/pod_volumes.h"
#include "runtime/security/plan_security.h"
#include "runtime/security/sysctls.h"
#include "runtime/state/crash_point.h"

namespace minipod::sandbox {
namespace {

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = ::getrandom(buf.data() + got, bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("getrandom");
    }
    got += static_cast<size_t>(n);
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : buf) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

std::vector<std::string> strip_prefix_lengths(const cni::Result& result) {
  std::vector<std::string> ips;
  for (const auto& ip : result.ips) ips.push_back(ip.address.substr(0, ip.address.find('/')));
  return ips;
}

}  // namespace

std::string new_pod_id() {
  return random_hex(32);
}

std::string new_uuid() {
  std::string h = random_hex(16);
  h[12] = '4';
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

Sandbox::Sandbox(const spec::Pod& pod, SandboxOptions options)
    : pod_(pod), options_(std::move(options)), cni_(options_.cni) {
  hostname_ = spec::effective_hostname(pod_);
}

std::unique_ptr<Sandbox> Sandbox::create(const spec::Pod& pod, SandboxOptions options,
                                         std::function<void()> checkpoint) {
  std::unique_ptr<Sandbox> sb(new Sandbox(pod, std::move(options)));
  sb->checkpoint_ = std::move(checkpoint);
  try {
    sb->reserve();
    sb->step_done();
    sb->create_cgroups();
    sb->start_pause();
    sb->configure_pause();
    sb->step_done();
    if (!pod.host_network) {
      sb->pin_network_namespace();
      sb->step_done();
    }
    sb->mount_shm();
    sb->make_volumes();
    sb->write_files();
    sb->step_done();
    if (sb->options_.network) sb->start_network();
  } catch (const Error& e) {
    throw sb->creation_failed(e);
  } catch (const std::exception& e) {
    throw sb->creation_failed(Error("create pod \"" + pod.name + "\"", e.what()));
  }
  return sb;
}

Error Sandbox::creation_failed(const Error& cause) {
  Tracer::get().step("pod creation failed: undoing every step done so far, in reverse");
  auto failures = teardown();
  // The cause's own text, errno included, with the outcome after it.
  Error error("", cause.what() + torn_down(failures), 0, cause.kind());
  error.with_warnings(cause.warnings());
  error.with_warnings(std::move(failures));
  return error;
}

std::string torn_down(const std::vector<std::string>& failures) {
  if (failures.empty()) return "; the pod was torn down";
  return "; the pod was torn down, except what the warnings below name";
}

void Sandbox::connect() {
  if (connected_) return;
  if (network_add_.valid()) {
    cni_result_ = network_add_.get();  // rethrows the ADD's failure
    // Recorded with the containers' pids, in the next write: the CNI cache already has the result.
    record_.ips = strip_prefix_lengths(*cni_result_);
    step_done();
    write_files();
  }
  cgroups();  // rethrows what making the containers' cgroups threw
  step_done();
  connected_ = true;
}

// Between steps: the caller's checkpoint (Ctrl-C, the crash-test switch), and pause still alive.
// Its SIGCHLD may have been read (and dropped) by a checkpoint, so it is asked directly: a pod
// whose pause died while it was being made would otherwise show Running forever.
void Sandbox::step_done() {
  checkpoint_();
  if (pause_.started() && pause_.exited())
    throw Error("create pod \"" + pod_.name + "\"",
                "pause (pid " + std::to_string(pause_.pid()) +
                    ") exited while the pod was being created: its namespaces are gone");
}

Sandbox::~Sandbox() {
  // Nobody is left to report what could not be undone.
  for (const auto& line : teardown()) std::fprintf(stderr, "minipod: warning: %s\n", line.c_str());
}

void Sandbox::save_record() {
  state::save_record(lock_, options_.paths.pod_dir(record_.id), record_);
}

bool Sandbox::update_record() noexcept {
  try {
    save_record();
    record_error_.clear();
    return true;
  } catch (const std::exception& e) {
    // Said once per distinct problem (a full run directory fails every write alike).
    if (record_error_ != e.what()) {
      record_error_ = e.what();
      std::fprintf(
          stderr,
          "minipod: warning: pod \"%s\": its record could not be updated (%s); the pod "
          "goes on, and its last saved record is what 'minipod gc' and 'stop' start from\n",
          pod_.name.c_str(), e.what());
    }
    return false;
  }
}

// Step 1: the name, the id and the record that later cleanup starts from.
void Sandbox::reserve() {
  record_.id = new_pod_id();
  record_.name = pod_.name;
  record_.namespace_ = pod_.namespace_;
  record_.uid = pod_.uid.empty() ? new_uuid() : pod_.uid;
  record_.created = state::rfc3339_nano_now();
  record_.manifest = options_.manifest_path;
  record_.detached = options_.detached;
  record_.grace_seconds = options_.grace_seconds;
  // The directory, locked before anyone can see it, then the name: `minipod gc` skips a
  // directory whose lock is held, and treats a name whose pod directory does not exist as stale.
  auto dir = options_.paths.pod_dir(record_.id);
  lock_ = state::create_pod_dir(options_.paths, record_.id);
  undo_.push("remove the pod directory",
             [this] { state::remove_pod_dir(options_.paths, record_.id); });
  // The emptyDirs belong to the record, as the logs do: kept across container restarts and with
  // a stopped pod, removed with it (their tmpfs mounts go with the pod's other resources).
  undo_.push("remove the pod's emptyDir volumes", [this] { remove_volumes(record_); });
  state::crash_point("reserve", 1);
  // The host ports with the name, under one hold of the names lock: two pods started at once
  // cannot both publish one.
  name_.emplace(options_.paths, pod_.name, record_.id, published_host_ports(pod_),
                options_.manifest_path);
  undo_.push("release the pod name", [this] { name_.reset(); });
  state::crash_point("reserve", 2);
  // The containers' logs belong to the record: they go when it goes (the end of a foreground
  // run, a failed creation), and stay with a stopped pod until `minipod rm`. Only a directory
  // this run makes (a new pod's name is free, so its logs directory normally is too).
  auto logs = pod_log_dir(options_.paths, pod_.namespace_, pod_.name);
  if (!options_.keep_logs && !std::filesystem::exists(logs))
    undo_.push("remove the pod's logs", [logs] { fs::remove_tree(logs); });
  record_.monitor = state::process_ref(::getpid());
  record_depth_ = undo_.size();
  if (!options_.manifest_text.empty())
    fs::write_file(dir / "pod.yaml", options_.manifest_text, 0600);
  // Recorded before they exist, so a cleanup after a crash knows where to look.
  if (!pod_.host_network) record_.netns = (options_.paths.netns_dir / pod_.name).string();
  if (options_.network) {
    record_.network = options_.network->list.name;
    record_.network_held = true;  // until a DEL succeeds: a crash during the ADD leaves a part
    record_.cni_cache_dir = options_.cni.cache_dir;
    record_.cni_path = options_.cni.plugin_dirs;
    record_.cni_timeout_ms = options_.cni.timeout.count();
    record_.ifname = cni::kDefaultIfname;
  }
  record_.shm_dir = (dir / "shm").string();
  record_.layers_dir = options_.paths.layers_dir(record_.id).string();
  if (!pod_.volumes.empty()) {
    record_.volumes_dir = options_.paths.volumes_dir(record_.id).string();
    record_.volumes = plan_volumes(pod_, record_.volumes_dir);
  }
  if (options_.network)
    record_.network_intent = network_intent(
        options_.network->list, pod_runtime_conf(pod_, record_.id, record_.uid, record_.netns));
  cgroups_ = cgroups::PodCgroups(record_.id, cgroups::host_hierarchies());
  if (cgroups_.enabled()) record_.cgroups = cgroups_.dirs();
  // One synchronous write for everything known before the first resource exists.
  save_record();
  trace(describe_reserve(pod_.name, record_.id, dir));
}

// Step 2.
void Sandbox::start_pause() {
  PauseOptions o{options_.pause_binary,
                 hostname_,
                 pod_.host_network,
                 cgroups_.pause_join(),
                 options_.paths.pause_root().string(),
                 security::plan_pause_security(
                     security::start_options(options_.paths.data_dir, options_.paths.run_dir))};
  pause_ = PauseProcess::start(o);
  undo_.push("stop pause", [this] { pause_.kill_and_reap(); });
  record_.pause = pause_.ref();
  if (!pod_.host_network) record_.netns_inode = ns::namespace_inode(pause_.pid(), "net");
  save_record();
  // Its security plan is described only when asked: the rest of a step's text is a few strings.
  if (Tracer::get().enabled()) trace(describe_pause(o, pause_.pid(), record_.netns_inode));
}

// The pod's cgroups, recorded in step 1, with their undo registered before they exist: the pod's
// (with its pids limit) and pause's now, pause joins it itself when cloned (cgroups/join.h); one
// per container on a thread, while pause, the netns pin, /dev/shm and the CNI ADD go ahead
// (~0.2 ms each on a hybrid host: a directory per hierarchy, the v1 device allow list and the
// device program's attach; the program's load, ~0.2 ms, once per process).
void Sandbox::create_cgroups() {
  if (!cgroups_.enabled()) return;
  undo_.push("remove the pod's cgroups", [this] { cgroups_.remove(); });
  cgroups::Limits limits;
  if (int64_t pids = cgroups::pod_pids_limit(); pids > 0) limits.pids_max = pids;
  cgroups_.create(limits);
  trace(describe_container_cgroups(record_.cgroups.front()));
  container_cgroups_ = std::async(std::launch::async, [this] {
                         Tracer::MuteThisThread quiet;
                         for (const auto* list : {&pod_.init_containers, &pod_.containers})
                           for (const auto& c : *list)
                             cgroups_.prepare_container(c.name, cgroups::container_limits(c));
                       }).share();
}

// The pod's sysctls, in the namespaces pause holds.
void Sandbox::configure_pause() {
  security::apply_sysctls(pod_.security_context.sysctls, pause_.namespaces().net.get(),
                          pause_.namespaces().ipc.get());
}

// Step 3.
void Sandbox::pin_network_namespace() {
  // The undo only once the pin is ours: a name taken by `ip netns add` or another pod makes
  // pin_netns fail without touching it, and nothing of ours is there to undo.
  pin_netns(options_.paths.netns_dir, pod_.name, pause_.namespaces().net.get());
  undo_.push("unpin the network namespace", [this] {
    // A DEL that failed is retried later as it ran first: in the same namespace.
    if (network_release_failed_) {
      Tracer::get().step("keep " + record_.netns + ": the CNI DEL failed and will be retried");
      return;
    }
    unpin_netns(record_.netns, record_.netns_inode);
  });
  trace(describe_netns_pin(record_.netns, pause_.pid()));
}

// Step 4.
void Sandbox::mount_shm() {
  undo_.push("unmount the pod's /dev/shm", [this] { unmount_pod_shm(record_.shm_dir); });
  mount_pod_shm(record_.shm_dir);
  trace(describe_shm(record_.shm_dir));
}

// Step 4 too: the volumes, before any container is cloned (each binds them in its own mount
// namespace, a copy of the host's taken then).
void Sandbox::make_volumes() {
  if (record_.volumes.empty()) return;
  undo_.push("unmount the pod's tmpfs volumes", [this] { unmount_volumes(record_.volumes); });
  for (const auto& v : record_.volumes) {
    set_up_volume(v);
    trace(describe_volume(v));
  }
}

// Step 5, on a thread: the plugins run while the caller prepares the containers. The DEL is
// registered before the ADD, so a half-done ADD is undone too.
void Sandbox::start_network() {
  const auto& list = options_.network->list;
  cni::RuntimeConf rt = pod_runtime_conf(pod_, record_.id, record_.uid, record_.netns);
  // What the DEL needs is in the record (network_intent) since step 1: a crash in the middle of
  // the ADD can still be undone.
  undo_.push("CNI DEL of network \"" + list.name + "\"", [this] {
    // Refused before any plugin ran: the attachment named is someone else's (docs/design.md,
    // "Undo only what this run made").
    if (network_add_refused_) {
      record_.network_held = false;
      return;
    }
    try {
      release_network(record_, options_.cni);
    } catch (const std::exception& e) {
      network_release_failed_ = true;
      // The user's next step is in the same line as the failure.
      throw Error("", std::string(e.what()) +
                          "; the pod's record is kept with the attachment it still holds, and "
                          "'minipod gc' retries the DEL");
    }
  });
  trace(describe_network_add(list));
  // Only the client and the list are used there; the result is taken over by connect().
  network_add_ = std::async(std::launch::async, [this, rt] {
    try {
      return cni_.add(options_.network->list, rt);
    } catch (const cni::AttachmentInUse&) {
      network_add_refused_ = true;  // read by the undo only after this thread is waited for
      throw;
    }
  });
}

// Step 6, twice for a pod with a CNI network: before the ADD (the containers bind-mount these
// files while it runs), then with the pod's address and the DNS the plugins returned. Rewritten in
// place, never renamed over: a bind mount holds the inode it was given.
void Sandbox::write_files() {
  DnsSettings dns;
  if (cni_result_) {
    dns.nameservers = cni_result_->dns.nameservers;
    dns.search = cni_result_->dns.search;
    dns.options = cni_result_->dns.options;
  }
  auto dir = options_.paths.pod_dir(record_.id);
  bool first = files_.hosts.empty();
  PodFileContents next{hostname_ + "\n", render_hosts(hostname_, record_.ips, pod_.host_aliases),
                       render_resolv_conf(host_resolv_conf(), dns, pod_.dns_config)};
  files_ = write_pod_files(dir, next, first ? nullptr : &file_contents_);
  file_contents_ = std::move(next);
  trace(first ? describe_files_written(dir)
              : describe_address_added(record_.ips, hostname_, files_.hosts));
}

const std::string& Sandbox::host_resolv_conf() {
  if (!host_resolv_) host_resolv_ = fs::read_file_if_exists("/etc/resolv.conf").value_or("");
  return *host_resolv_;
}

cgroups::PodCgroups& Sandbox::cgroups() {
  if (container_cgroups_.valid()) container_cgroups_.get();  // rethrows what making them threw
  return cgroups_;
}

std::vector<std::string> Sandbox::teardown(bool keep_record) {
  if (container_cgroups_.valid()) container_cgroups_.wait();  // never undo under a running mkdir
  if (network_add_.valid()) network_add_.wait();              // nor under a running ADD
  if (undo_.empty()) return {};
  Tracer::get().step("tear down pod \"" + pod_.name +
                     "\": stop pause, then undo every step in reverse");
  pause_.kill_and_reap();
  // Processes that joined the pod from outside (an ephemeral container with a PID namespace of
  // its own, `ip netns exec`) do not end with pause; they must, before the netns and cgroups go.
  kill_pod_processes(record_);
  auto failures = undo_.unwind_to(record_depth_);
  // portmap's rules went with the DEL: the ports are free for other pods, even while this one's
  // record stays. After a failed DEL they may still be published.
  if (!network_release_failed_ && name_) {
    try {
      name_->release_ports();
    } catch (const std::exception& e) {
      failures.push_back(std::string("release the pod's host ports: ") + e.what());
    }
  }
  if (!keep_record && !network_release_failed_) {
    auto rest = undo_.unwind();
    failures.insert(failures.end(), rest.begin(), rest.end());
    return failures;
  }
  if (network_release_failed_ && !keep_record) {
    // The record is all that knows how to finish the DEL: it stays, with the name, until
    // `minipod gc` or `minipod rm` has DELeted the attachment.
    if (!record_.ended()) {
      record_.status = state::PodStatus::kFailed;
      if (record_.reason.empty()) record_.reason = "torn down while it was being created";
    }
    for (auto& c : record_.containers) c.process = {};
    try {
      save_record();
    } catch (const std::exception& e) {
      failures.push_back(std::string("save the record of the held network: ") + e.what());
    }
  }
  undo_.dismiss();
  if (name_) name_->keep();  // the stopped pod keeps its name until `minipod rm`
  return failures;
}

}  // namespace minipod::sandbox
