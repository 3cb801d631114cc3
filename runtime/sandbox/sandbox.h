// Steps 1-6 of pod creation (docs/design.md) and their undo: name and record, pause, netns pin,
// hostname and lo, the pod's /dev/shm, CNI ADD, pod files. Containers (step 7) are started by the
// caller with what the sandbox exposes; they push their own undo onto the sandbox's stack.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cni/client.h"
#include "common/error.h"
#include "runtime/cgroups/pod_cgroups.h"
#include "runtime/sandbox/pause_process.h"
#include "runtime/sandbox/pod_files.h"
#include "runtime/sandbox/pod_network.h"
#include "runtime/sandbox/undo_stack.h"
#include "runtime/spec/pod_spec.h"
#include "runtime/state/name_reservation.h"
#include "runtime/state/paths.h"
#include "runtime/state/pod_record.h"
#include "runtime/state/pod_store.h"

namespace minipod::sandbox {

struct SandboxOptions {
  state::Paths paths;
  std::string pause_binary;
  // nullopt: no CNI network (hostNetwork, or `--network none`: a netns with only lo)
  std::optional<NetworkChoice> network;
  cni::Options cni;
  std::string manifest_path;
  std::string manifest_text;  // kept in the pod directory for `inspect` and `exec`
  bool detached = false;
  bool keep_logs = false;      // the CRI logs stay when the record goes (`run --keep-logs`)
  int64_t grace_seconds = 30;  // between SIGTERM and SIGKILL when it stops (recorded for `stop`)
};

class Sandbox {
 public:
  // Runs steps 1-4, writes the pod files (step 6) without the pod's address yet and starts the
  // CNI ADD (step 5) on a thread, so that the caller can prepare the containers (clone, cgroups,
  // mounts) while the plugins run. `checkpoint` is called between steps and may throw (Ctrl-C);
  // on any failure everything done so far is undone, and the Error that leaves is the one of
  // creation_failed().
  static std::unique_ptr<Sandbox> create(const spec::Pod& pod, SandboxOptions options,
                                         std::function<void()> checkpoint);
  // Waits for the CNI ADD, then puts the pod's address in its hosts file (and the plugins' DNS in
  // its resolv.conf); then waits for the cgroup work done in the background. Once; later calls
  // return at once. On failure it throws without undoing anything: the caller lets go of what it
  // put in the pod first (containers it prepared are in its namespaces and cgroups), then tears
  // down.
  void connect();
  bool connected() const { return connected_; }
  // Creation failed with `cause` (before the pod was up): tears the pod down and returns the
  // error to throw in its place. Its message is the cause, then what became of the pod; what the
  // teardown could not undo (a CNI DEL that failed too, and what that keeps) are its warnings,
  // printed after it: the cause must come first, not below the warnings it led to.
  Error creation_failed(const Error& cause);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Stops pause (and with it anything left in the pod PID namespace), then undoes every step in
  // reverse: CNI DEL, netns unpin, /dev/shm, layers, then (unless `keep_record`) the pod
  // directory with its record and the name. Idempotent. Returns the failures it went past, one
  // line each, unprinted: the caller prints them after its own message. A kept record is the
  // stopped pod that `ps -a`, `logs` and `rm` see. When the CNI DEL fails, the record, the name
  // and the netns pin stay whatever `keep_record` says (saved here unless `keep_record`), so that
  // `minipod gc` can retry it (see network_held()); its failure line says so.
  std::vector<std::string> teardown(bool keep_record = false);
  // The teardown's CNI DEL failed: the record says what is still held on the host.
  bool network_held() const { return network_release_failed_; }

  const std::string& id() const { return record_.id; }
  const std::string& hostname() const { return hostname_; }
  const spec::Pod& pod() const { return pod_; }
  PauseProcess& pause() { return pause_; }
  const PodFiles& files() const { return files_; }
  // Waits until the containers' cgroups exist too (made in the background).
  cgroups::PodCgroups& cgroups();
  const std::string& shm_dir() const { return record_.shm_dir; }
  const std::vector<std::string>& ips() const { return record_.ips; }
  const std::string& netns() const { return record_.netns; }
  const state::Paths& paths() const { return options_.paths; }
  UndoStack& undo() { return undo_; }
  state::PodRecord& record() { return record_; }
  // Writes the record; throws. For creation, where nothing may exist before it is recorded.
  void save_record();
  // Writes the record once the pod exists (container starts and exits, teardown): a failure (a
  // full run directory) is said and survived, never a reason to lose the pod or its teardown.
  bool update_record() noexcept;

 private:
  Sandbox(const spec::Pod& pod, SandboxOptions options);
  void reserve();
  void create_cgroups();
  void start_pause();
  void configure_pause();
  void pin_network_namespace();
  void mount_shm();
  void make_volumes();
  void start_network();
  void write_files();
  void step_done();

  spec::Pod pod_;
  SandboxOptions options_;
  std::string hostname_;
  state::PodRecord record_;
  std::optional<state::NameReservation> name_;
  state::PodLock lock_;  // held for the life of this process: the pod has a live owner
  PauseProcess pause_;
  PodFiles files_;
  PodFileContents file_contents_;           // as last written
  std::optional<std::string> host_resolv_;  // the host's /etc/resolv.conf, read once
  const std::string& host_resolv_conf();
  std::function<void()> checkpoint_;
  bool connected_ = false;
  std::string record_error_;             // the last update_record() failure, said once
  bool network_release_failed_ = false;  // the teardown's CNI DEL failed
  bool network_add_refused_ = false;     // the ADD was refused (cni::AttachmentInUse): no DEL
  cni::Client cni_;
  std::optional<cni::Result> cni_result_;
  std::future<cni::Result> network_add_;        // the CNI ADD, running until connect()
  std::shared_future<void> container_cgroups_;  // the containers' cgroups, made in the background
  size_t record_depth_ = 0;  // undo entries that belong to the record and the name
  cgroups::PodCgroups cgroups_;
  UndoStack undo_;  // last member: unwound before the members its steps refer to are destroyed
};

// What a command adds to its error once the pod is torn down: "; the pod was torn down", and
// when `failures` (teardown()'s) is not empty, that the warnings printed below name what is left.
std::string torn_down(const std::vector<std::string>& failures);

// 64 random hex digits, like containerd's ids.
std::string new_pod_id();
// RFC 4122 version 4.
std::string new_uuid();

}  // namespace minipod::sandbox
