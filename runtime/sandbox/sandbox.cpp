#include "runtime/sandbox/sandbox.h"

#include <sys/random.h>
#include <unistd.h>

#include <cstdio>

#include "cni/error.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/trace.h"
#include "runtime/sandbox/netns_pin.h"
#include "runtime/sandbox/pod_cleanup.h"
#include "runtime/sandbox/pod_shm.h"
#include "runtime/security/sysctls.h"

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
  hostname_ = pod_.hostname.empty() ? pod_.name : pod_.hostname;
}

std::unique_ptr<Sandbox> Sandbox::create(const spec::Pod& pod, SandboxOptions options,
                                         const std::function<void()>& checkpoint) {
  std::unique_ptr<Sandbox> sb(new Sandbox(pod, std::move(options)));
  try {
    sb->reserve();
    checkpoint();
    sb->create_cgroups();
    sb->start_pause();
    sb->configure_pause();
    checkpoint();
    if (!pod.host_network) {
      sb->pin_network_namespace();
      checkpoint();
    }
    sb->mount_shm();
    checkpoint();
    if (sb->options_.network) {
      sb->add_network();
      checkpoint();
    }
    sb->write_files();
    sb->join_pause_cgroup();
    checkpoint();
  } catch (...) {
    Tracer::get().step("pod creation failed: undoing every step done so far, in reverse");
    sb->teardown();
    throw;
  }
  return sb;
}

Sandbox::~Sandbox() {
  teardown();
}

void Sandbox::save_record() {
  state::save_record(options_.paths.pod_dir(record_.id), record_);
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
  // The directory (and its lock) first, then the name: `minipod gc` treats a name whose pod
  // directory does not exist as stale, and skips a directory whose lock is held.
  auto dir = options_.paths.pod_dir(record_.id);
  fs::make_dirs(dir, 0700);
  lock_ = state::PodLock(dir, true);
  undo_.push("remove the pod directory", [dir] { fs::remove_tree(dir); });
  name_.emplace(options_.paths, pod_.name, record_.id);
  undo_.push("release the pod name", [this] { name_.reset(); });
  record_.monitor = state::process_ref(::getpid());
  record_depth_ = undo_.size();
  if (!options_.manifest_text.empty())
    fs::write_file(dir / "pod.yaml", options_.manifest_text, 0600);
  // Recorded before they exist, so a cleanup after a crash knows where to look.
  if (!pod_.host_network) record_.netns = (options_.paths.netns_dir / pod_.name).string();
  if (options_.network) {
    record_.network = options_.network->list.name;
    record_.cni_cache_dir = options_.cni.cache_dir;
    record_.cni_path = options_.cni.plugin_dirs;
    record_.ifname = "eth0";
  }
  record_.shm_dir = (dir / "shm").string();
  record_.layers_dir = options_.paths.layers_dir(record_.id).string();
  if (options_.network)
    record_.network_intent = network_intent(
        options_.network->list, pod_runtime_conf(pod_, record_.id, record_.uid, record_.netns));
  cgroups_ = cgroups::PodCgroups(record_.id, cgroups::host_hierarchies());
  if (cgroups_.enabled()) record_.cgroups = cgroups_.dirs();
  // One synchronous write for everything known before the first resource exists.
  save_record();
  Tracer::get().step("reserve pod name \"" + pod_.name + "\", id " + record_.id.substr(0, 12) +
                     ", record in " + dir.string());
}

// Step 2.
void Sandbox::start_pause() {
  PauseOptions o{options_.pause_binary, hostname_, pod_.host_network};
  pause_ = PauseProcess::start(o);
  undo_.push("stop pause", [this] { pause_.kill_and_reap(); });
  record_.pause = pause_.ref();
  if (!pod_.host_network) record_.netns_inode = ns::namespace_inode(pause_.pid(), "net");
  save_record();
  auto& t = Tracer::get();
  if (t.enabled()) {
    pid_t pid = pause_.pid();
    std::string nss = pod_.host_network ? "ipc and pid" : "net, uts, ipc and pid";
    t.step("clone pause (pid " + std::to_string(pid) + ") into new " + nss + " namespaces (net:[" +
               (pod_.host_network ? std::string("host")
                                  : std::to_string(ns::namespace_inode(pid, "net"))) +
               "])",
           std::string("unshare ") + (pod_.host_network ? "" : "--net --uts ") +
               "--ipc --pid --fork " + shell_quote(options_.pause_binary) + " &");
    if (!pod_.host_network) {
      t.step("set the hostname to \"" + hostname_ +
                 "\" and bring up lo (in the pause child, before exec)",
             "nsenter --target " + std::to_string(pid) + " --uts --net sh -c 'hostname " +
                 hostname_ + " && ip link set lo up'");
    }
  }
}

// The pod's cgroup (pids limit), recorded and with its undo registered before it exists.
// (recorded in step 1) Only the undo here: the cgroups are made in the background once pause
// exists (configure_pause).
void Sandbox::create_cgroups() {
  if (!cgroups_.enabled()) return;
  undo_.push("remove the pod's cgroups", [this] { cgroups_.remove(); });
}

// pause into the pod's cgroup; the pod's sysctls in the namespaces pause holds.
void Sandbox::configure_pause() {
  // Making cgroups and the first move into one cost ~10 ms on a v1 hierarchy (mkdir in each
  // hierarchy; an RCU grace period for cgroup_threadgroup_rwsem). Nothing before the containers
  // needs them, so they are made on a thread while the netns pin, /dev/shm and the CNI ADD go
  // ahead: the pod's cgroup, pause's, and one per container (their limits are known already).
  pid_t pid = pause_.pid();
  Tracer::get().step(
      "create the pod's cgroups, move pause into one and make one per container, in the "
      "background while the sandbox is made",
      "mkdir -p " + (record_.cgroups.empty() ? std::string("...") : record_.cgroups.front()) +
          "/_pause && echo " + std::to_string(pid) + " > .../_pause/cgroup.procs");
  pause_cgroup_ = std::async(std::launch::async, [this, pid] {
    Tracer::MuteThisThread quiet;
    cgroups::Limits limits;
    if (int64_t pids = cgroups::pod_pids_limit(); pids > 0) limits.pids_max = pids;
    cgroups_.create(limits);
    cgroups_.add_pause(pid);
    for (const auto* list : {&pod_.init_containers, &pod_.containers})
      for (const auto& c : *list) cgroups_.prepare_container(c.name, cgroups::container_limits(c));
  });
  security::apply_sysctls(pod_.security_context.sysctls, pause_.namespaces().net.get(),
                          pause_.namespaces().ipc.get());
}

// Step 3.
void Sandbox::pin_network_namespace() {
  undo_.push("unpin the network namespace", [this] { unpin_netns(record_.netns); });
  pin_netns(options_.paths.netns_dir, pod_.name, pause_.namespaces().net.get());
  Tracer::get().step("pin the network namespace at " + record_.netns,
                     "touch " + record_.netns + " && mount --bind /proc/" +
                         std::to_string(pause_.pid()) + "/ns/net " + record_.netns);
}

void Sandbox::mount_shm() {
  undo_.push("unmount the pod's /dev/shm", [this] { unmount_pod_shm(record_.shm_dir); });
  mount_pod_shm(record_.shm_dir);
  Tracer::get().step("mount the pod's /dev/shm, shared by its containers",
                     "mount -t tmpfs -o mode=1777,size=64m shm " + record_.shm_dir);
}

// Step 5: the DEL is registered before the ADD, so a half-done ADD is undone too.
void Sandbox::add_network() {
  const auto& list = options_.network->list;
  cni::RuntimeConf rt = pod_runtime_conf(pod_, record_.id, record_.uid, record_.netns);
  // What the DEL needs is in the record (network_intent) since step 1: a crash in the middle of
  // the ADD can still be undone.
  undo_.push("CNI DEL of network \"" + list.name + "\"",
             [this] { network_down(record_, options_.cni); });
  Tracer::get().step("CNI ADD: network \"" + list.name + "\" (" + list.source +
                     "), plugins run in order");
  cni_result_ = cni_.add(list, rt);
  // Recorded with the containers' pids, in the next write: the CNI cache already has the result.
  record_.ips = strip_prefix_lengths(*cni_result_);
}

// Step 6.
void Sandbox::write_files() {
  DnsSettings dns;
  if (cni_result_) {
    dns.nameservers = cni_result_->dns.nameservers;
    dns.search = cni_result_->dns.search;
    dns.options = cni_result_->dns.options;
  }
  std::string host_resolv = fs::read_file_if_exists("/etc/resolv.conf").value_or("");
  auto dir = options_.paths.pod_dir(record_.id);
  files_ = write_pod_files(dir, hostname_, render_hosts(hostname_, record_.ips, pod_.host_aliases),
                           render_resolv_conf(host_resolv, dns, pod_.dns_config));
  Tracer::get().step(
      "write the pod's hostname, hosts and resolv.conf (bind-mounted into every container)",
      "ls " + dir.string());
}

void Sandbox::join_pause_cgroup() {
  if (pause_cgroup_.valid()) pause_cgroup_.get();  // rethrows what the move threw
}

std::vector<std::string> Sandbox::teardown(bool keep_record) {
  if (pause_cgroup_.valid()) pause_cgroup_.wait();  // never undo under a running move
  if (undo_.empty()) return {};
  Tracer::get().step("tear down pod \"" + pod_.name +
                     "\": stop pause, then undo every step in reverse");
  pause_.kill_and_reap();
  // Processes that joined the pod from outside (an ephemeral container with a PID namespace of
  // its own, `ip netns exec`) do not end with pause; they must, before the netns and cgroups go.
  kill_pod_processes(record_);
  if (!keep_record) return undo_.unwind();
  auto failures = undo_.unwind_to(record_depth_);
  undo_.dismiss();
  if (name_) name_->keep();  // the stopped pod keeps its name until `minipod rm`
  return failures;
}

}  // namespace minipod::sandbox
