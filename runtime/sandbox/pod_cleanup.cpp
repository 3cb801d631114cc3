#include "runtime/sandbox/pod_cleanup.h"

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <thread>

#include "cni/config.h"
#include "cni/defaults.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "common/trace.h"
#include "runtime/cgroups/cgroup.h"
#include "runtime/sandbox/netns_pin.h"
#include "runtime/sandbox/pod_shm.h"
#include "runtime/sandbox/pod_volumes.h"
#include "runtime/state/host_ports.h"
#include "runtime/state/pod_store.h"

namespace minipod::sandbox {
namespace {

using Clock = std::chrono::steady_clock;

nlohmann::json runtime_conf_json(const cni::RuntimeConf& rt) {
  nlohmann::json args = nlohmann::json::array();
  for (const auto& [k, v] : rt.args) args.push_back({k, v});
  return {{"containerId", rt.container_id},
          {"netns", rt.netns},
          {"ifname", rt.ifname},
          {"args", args},
          {"capabilityArgs", rt.capability_args}};
}

cni::RuntimeConf runtime_conf_from(const nlohmann::json& j) {
  cni::RuntimeConf rt;
  rt.container_id = j.value("containerId", "");
  rt.netns = j.value("netns", "");
  rt.ifname = j.value("ifname", cni::kDefaultIfname);
  for (const auto& a : j.value("args", nlohmann::json::array()))
    if (a.is_array() && a.size() == 2)
      rt.args.emplace_back(a[0].get<std::string>(), a[1].get<std::string>());
  rt.capability_args = j.value("capabilityArgs", nlohmann::json::object());
  return rt;
}

// Runs one step, printing and collecting its failure instead of stopping.
template <typename Fn>
void step(std::vector<std::string>& failures, const std::string& what, Fn&& fn) {
  Tracer::get().step("cleanup: " + what);
  try {
    fn();
  } catch (const std::exception& e) {
    std::string line = what + ": " + e.what();
    std::fprintf(stderr, "minipod: warning: %s\n", line.c_str());
    failures.push_back(std::move(line));
  }
}

}  // namespace

bool process_alive(const state::ProcessRef& p) {
  return p.pid > 0 && p.start_time != 0 && state::process_start_time(p.pid) == p.start_time;
}

bool wait_for_exit(const state::ProcessRef& p, std::chrono::milliseconds timeout) {
  if (!process_alive(p)) return true;
  // A pidfd becomes readable when the process exits: no polling loop, no latency.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, p.pid, 0)));
  if (pidfd && process_alive(p)) {
    pollfd fd{pidfd.get(), POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(timeout.count())) == 0) return !process_alive(p);
  }
  // It exited (or there is no pidfd): until its parent has reaped it, /proc still shows it.
  auto deadline = Clock::now() + std::chrono::milliseconds(200);
  while (process_alive(p) && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return !process_alive(p);
}

bool signal_process(const state::ProcessRef& p, int sig) {
  return process_alive(p) && ::kill(p.pid, sig) == 0;
}

void stop_processes(const std::vector<state::ProcessRef>& processes,
                    std::chrono::milliseconds grace) {
  auto any_alive = [&] {
    for (const auto& p : processes)
      if (process_alive(p)) return true;
    return false;
  };
  if (!any_alive()) return;
  for (const auto& p : processes) signal_process(p, SIGTERM);
  auto deadline = Clock::now() + grace;
  while (any_alive() && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (const auto& p : processes) signal_process(p, SIGKILL);
  // A killed process lingers until its parent (init, here) reaps it; its start time stays the same
  // while it is a zombie, so wait for it to really go.
  deadline = Clock::now() + std::chrono::seconds(5);
  while (any_alive() && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

nlohmann::json network_intent(const cni::NetworkConfigList& list, const cni::RuntimeConf& rt) {
  return {{"config", list.bytes}, {"source", list.source}, {"runtimeConf", runtime_conf_json(rt)}};
}

void network_down(const state::PodRecord& record, const cni::Options& options) {
  if (record.network.empty()) return;
  cni::Client client(options);
  if (auto cached = client.cached(record.network, record.id, record.cni_ifname())) {
    client.del(cni::parse_network_config(cached->config_bytes, cached->file), cached->conf);
    return;
  }
  const auto& j = record.network_intent;
  if (!j.is_object() || !j.contains("config")) return;  // the ADD never started
  client.del(cni::parse_network_config(j.at("config").get<std::string>(),
                                       j.value("source", "the pod record")),
             runtime_conf_from(j.at("runtimeConf")));
}

void release_network(state::PodRecord& record, const cni::Options& options) {
  try {
    network_down(record, options);
  } catch (const std::exception& e) {
    record.network_held = true;
    record.network_error = e.what();
    throw;
  }
  record.network_held = false;
  record.network_error.clear();
}

std::string network_not_released(const state::PodRecord& record) {
  return "its network is not released: " +
         (record.network_error.empty() ? "CNI DEL of network \"" + record.network + "\" failed"
                                       : record.network_error) +
         "; the record is kept with the attachment it still holds, and 'minipod gc' retries the "
         "DEL";
}

namespace {

// Every process in the pod's cgroup trees (an ephemeral container of a hostNetwork pod is only
// found here).
std::vector<pid_t> cgroup_processes(const std::vector<std::string>& pod_cgroups) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& top : pod_cgroups) {
    if (top.find("/minipod/") == std::string::npos) continue;  // never outside minipod's own
    for (std::filesystem::recursive_directory_iterator it(top, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->path().filename() != "cgroup.procs") continue;
      std::istringstream procs(fs::read_file_if_exists(it->path()).value_or(""));
      for (pid_t pid; procs >> pid;) pids.push_back(pid);
    }
  }
  return pids;
}

}  // namespace

void kill_pod_processes(const state::PodRecord& record) {
  struct stat pin {};
  bool have_netns = !record.netns.empty() && record.netns_inode != 0 &&
                    ::stat(record.netns.c_str(), &pin) == 0 && pin.st_ino == record.netns_inode;
  auto in_pod = [&] {
    std::vector<pid_t> pids = cgroup_processes(record.cgroups);
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string name = e.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      pid_t pid = std::stoi(name);
      struct stat ns {};
      if (have_netns && ::stat((e.path() / "ns" / "net").c_str(), &ns) == 0 &&
          ns.st_ino == record.netns_inode && ns.st_dev == pin.st_dev &&
          state::process_start_time(pid) != 0)
        pids.push_back(pid);
    }
    return pids;
  };
  auto deadline = Clock::now() + std::chrono::seconds(5);
  for (auto pids = in_pod(); !pids.empty() && Clock::now() < deadline; pids = in_pod()) {
    for (pid_t p : pids) ::kill(p, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::vector<std::string> release_pod_resources(state::PodRecord& record,
                                               const cni::Options& options) {
  std::vector<std::string> failures;
  step(failures, "stop the pod's processes", [&] {
    std::vector<state::ProcessRef> procs;
    for (const auto& c : record.containers) procs.push_back(c.process);
    stop_processes(procs, std::chrono::milliseconds(0));
    // pause last: killing PID 1 of the pod PID namespace takes everything left in it along.
    stop_processes({record.pause}, std::chrono::milliseconds(0));
  });
  step(failures, "kill what is left in the pod's network namespace",
       [&] { kill_pod_processes(record); });
  std::vector<std::string> network_failure;
  step(network_failure, "CNI DEL of network \"" + record.network + "\"",
       [&] { release_network(record, options); });
  if (!record.netns.empty() && !record.network_held)
    step(failures, "unpin " + record.netns, [&] { unpin_netns(record.netns, record.netns_inode); });
  if (!record.shm_dir.empty())
    step(failures, "unmount " + record.shm_dir, [&] { unmount_pod_shm(record.shm_dir); });
  if (!record.volumes.empty())
    step(failures, "unmount the pod's tmpfs volumes", [&] { unmount_volumes(record.volumes); });
  if (!record.layers_dir.empty())
    step(failures, "remove " + record.layers_dir, [&] { fs::remove_tree(record.layers_dir); });
  if (!record.cgroups.empty())
    step(failures, "remove the pod's cgroups", [&] { cgroups::remove_recorded(record.cgroups); });
  return failures;
}

std::filesystem::path pod_log_dir(const state::Paths& paths, const std::string& namespace_,
                                  const std::string& name) {
  return paths.log_dir / (namespace_ + "_" + name);
}

void remove_pod(const state::Paths& paths, const state::PodRecord& record, bool logs) {
  if (logs) fs::remove_tree(pod_log_dir(paths, record.namespace_, record.name));
  remove_volumes(record);
  state::remove_pod_dir(paths, record.id);
  state::release_host_ports(paths, record.id);
  // The name goes last: while it is held, nobody can create a pod that the steps above would hurt.
  auto name_file = paths.names_dir() / record.name;
  auto holder = fs::read_file_if_exists(name_file);
  if (holder && *holder == record.id) ::unlink(name_file.c_str());
}

}  // namespace minipod::sandbox
