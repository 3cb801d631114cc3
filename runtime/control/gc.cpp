#include "runtime/control/gc.h"

#include <sys/mount.h>

#include <algorithm>
#include <filesystem>

#include "common/fs.h"
#include "images/store/image_store.h"
#include "runtime/control/pod_control.h"
#include "runtime/sandbox/pod_cleanup.h"
#include "runtime/state/host_ports.h"
#include "runtime/state/name_reservation.h"
#include "runtime/state/pod_store.h"

namespace minipod::control {
namespace {

namespace fsys = std::filesystem;

std::vector<std::string> entries(const fsys::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fsys::directory_iterator(dir, ec))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string label(const state::PodRecord& r) {
  return "pod \"" + r.name + "\" (" + r.id.substr(0, 12) + ")";
}

// An ended pod whose CNI DEL failed: everything else is released already; the DEL is retried
// with what the record and the CNI cache kept, and the netns pin goes once it succeeded.
void retry_network(const state::Paths& paths, const state::PodLock& lock, const fsys::path& dir,
                   state::PodRecord& r, GcReport& report) {
  std::string before = r.network_error;
  try {
    retry_network_release(r);
  } catch (const std::exception&) {
    state::save_record(lock, dir, r);
    report.warnings.push_back(label(r) + ": the CNI DEL of network \"" + r.network +
                              "\" still fails: " + r.network_error +
                              "; its record is kept, with the attachment it holds, for the next "
                              "'minipod gc'");
    return;
  }
  std::string what = "released network \"" + r.network + "\" of " + label(r) +
                     ": the CNI DEL succeeded (it had failed: " + before + ")";
  if (r.detached) {
    state::save_record(lock, dir, r);
    state::release_host_ports(paths, r.id);  // portmap's rules went with the DEL
    what += "; the pod is kept as " + state::display_status(r, false) + " until 'minipod rm'";
  } else {
    sandbox::remove_pod(paths, r, /*logs=*/true);
    what += ", and removed its record";
  }
  report.actions.push_back(what);
}

void clean_pod(const state::Paths& paths, const std::string& id, GcReport& report) {
  auto dir = paths.pod_dir(id);
  state::PodLock lock(dir, false);
  if (!lock.held()) return;  // its owner is alive and in charge
  auto text = fs::read_file_if_exists(dir / "state.json");
  if (!text) {
    // Killed between creating the directory and writing the record: nothing else exists yet.
    state::remove_pod_dir(paths, id);
    report.actions.push_back("removed the record-less pod directory " + dir.string());
    return;
  }
  state::PodRecord r;
  try {
    r = state::PodRecord::from_json(nlohmann::json::parse(*text));
  } catch (const std::exception& e) {
    report.warnings.push_back(dir.string() + "/state.json is unreadable (" + e.what() +
                              "); left as it is");
    return;
  }
  if (r.network_left()) {
    retry_network(paths, lock, dir, r, report);
    return;
  }
  if (r.ended() && r.detached) return;  // a stopped pod, kept until `minipod rm`
  // A detached pod whose monitor died still runs and can be stopped; a foreground pod whose
  // `minipod run` died has nobody left to stop it.
  if (r.detached && r.status == state::PodStatus::kRunning && sandbox::process_alive(r.pause)) {
    report.warnings.push_back(label(r) + " runs without its monitor; 'minipod stop " + r.name +
                              "' stops it and 'minipod rm' removes it");
    return;
  }
  auto failures = sandbox::release_pod_resources(r, cni_options_of(r));
  for (const auto& f : failures) report.warnings.push_back(label(r) + ": " + f);
  if (r.network_held) {
    report.warnings.push_back(label(r) + ": " + sandbox::network_not_released(r));
    state::save_record(lock, dir, r);
  }
  if (!failures.empty() || r.network_held) return;
  std::string what =
      "released " + label(r) + " (was " + state::to_string(r.status) +
      " when its owner died: processes, " +
      (r.network.empty() ? std::string() : "network \"" + r.network + "\", netns pin, ") +
      "/dev/shm, writable layers)";
  if (!r.detached || r.status == state::PodStatus::kCreating) {
    sandbox::remove_pod(paths, r, /*logs=*/true);
    what += " and removed it";
  } else {
    r.status = state::PodStatus::kFailed;
    r.reason = "its monitor died; cleaned by 'minipod gc'";
    for (auto& c : r.containers) c.process = {};
    state::save_record(lock, dir, r);
    what += "; it is kept as Failed until 'minipod rm'";
  }
  report.actions.push_back(what);
}

// What a creator killed before its pod's directory was in place left (state::create_pod_dir),
// or a remover killed before the directory was gone (state::remove_pod_dir). A held lock means
// that process is alive; a missing lock file, that it is between two steps (or died there): such
// a directory is only taken once it is a minute old.
void clean_hidden(const fsys::path& dir, GcReport& report) {
  state::PodLock lock(dir, false);
  if (!lock.held() && !lock.gone()) return;
  if (lock.gone()) {
    std::error_code ec;
    auto age = fsys::file_time_type::clock::now() - fsys::last_write_time(dir, ec);
    if (ec || age < std::chrono::minutes(1)) return;
  }
  fs::remove_tree(dir);
  report.actions.push_back("removed " + dir.string() +
                           " (left by a minipod that died while it created or removed a pod)");
}

}  // namespace

std::vector<std::filesystem::path> image_layers_in_use(const state::Paths& paths) {
  std::vector<std::filesystem::path> out;
  for (const auto& pod : state::PodStore(paths).list())
    for (const auto& c : pod.record.containers)
      out.insert(out.end(), c.image_layers.begin(), c.image_layers.end());
  return out;
}

GcReport collect_garbage(const state::Paths& paths, const std::filesystem::path& image_dir) {
  GcReport report;
  for (const auto& id : entries(paths.run_dir / "pods")) {
    // One pod that cannot be cleaned (a full disk, a pod removed meanwhile) must not stop the
    // others from being cleaned: said, with the pod's directory, and gc goes on.
    try {
      if (id.front() == '.')
        clean_hidden(paths.run_dir / "pods" / id, report);
      else
        clean_pod(paths, id, report);
    } catch (const std::exception& e) {
      report.warnings.push_back((paths.run_dir / "pods" / id).string() + ": " + e.what());
    }
  }

  // Writable layers whose pod record is gone.
  for (const auto& id : entries(paths.data_dir / "pods")) {
    if (fsys::exists(paths.pod_dir(id))) continue;
    try {
      fs::remove_tree(paths.layers_dir(id));
      report.actions.push_back("removed writable layers without a pod: " +
                               paths.layers_dir(id).string());
    } catch (const std::exception& e) {
      report.warnings.push_back(std::string("writable layers ") + paths.layers_dir(id).string() +
                                ": " + e.what());
    }
  }
  // emptyDir volumes whose pod record is gone (a crash between removing them and the record):
  // a tmpfs one may still be mounted, and is unmounted first.
  for (const auto& id : entries(paths.data_dir / "volumes")) {
    if (fsys::exists(paths.pod_dir(id))) continue;
    auto dir = paths.volumes_dir(id);
    try {
      for (const auto& volume : entries(dir))
        if (::umount2((dir / volume).c_str(), MNT_DETACH) != 0 && errno != EINVAL)
          throw_errno("umount", (dir / volume).string());
      fs::remove_tree(dir);
      report.actions.push_back("removed emptyDir volumes without a pod: " + dir.string());
    } catch (const std::exception& e) {
      report.warnings.push_back("emptyDir volumes " + dir.string() + ": " + e.what());
    }
  }
  // Host port reservations whose pod is gone.
  for (const auto& port : state::remove_stale_host_ports(paths))
    report.actions.push_back("released the host port " + port);
  // Name reservations whose pod is gone, under the names lock: a name being reserved right now
  // belongs to a pod whose directory already exists (create_pod_dir comes first).
  UniqueFd names_lock = state::lock_names(paths);
  for (const auto& name : entries(paths.names_dir())) {
    auto file = paths.names_dir() / name;
    auto id = fs::read_file_if_exists(file).value_or("");
    if (!id.empty() && fsys::exists(paths.pod_dir(id))) continue;
    fsys::remove(file);
    report.actions.push_back("released the name \"" + name + "\" (no pod holds it)");
  }
  names_lock.reset();
  if (!image_dir.empty()) {
    try {
      auto pruned = images::ImageStore(image_dir).prune(image_layers_in_use(paths));
      if (pruned.layers + pruned.blobs > 0)
        report.actions.push_back("removed " + std::to_string(pruned.layers) + " image layers and " +
                                 std::to_string(pruned.blobs) + " blobs no image needs");
      if (pruned.unfinished > 0)
        report.actions.push_back("removed " + std::to_string(pruned.unfinished) +
                                 " unfinished image writes (pulls, loads, builds) of killed "
                                 "minipods");
    } catch (const std::exception& e) {
      report.warnings.push_back("image store " + image_dir.string() + ": " + e.what());
    }
  }
  return report;
}

}  // namespace minipod::control
