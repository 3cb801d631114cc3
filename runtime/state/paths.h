// Where minipod keeps things on the host. Defaults follow the FHS; each can be moved with an
// environment variable (tests use this to keep their state apart).
#pragma once

#include <filesystem>
#include <string>

namespace minipod::state {

struct Paths {
  std::filesystem::path run_dir;   // MINIPOD_RUN_DIR, /run/minipod: pod records, pod files
  std::filesystem::path data_dir;  // MINIPOD_DATA_DIR, /var/lib/minipod: writable layers
  std::filesystem::path log_dir;   // MINIPOD_LOG_DIR, /var/log/minipod: container logs
  std::filesystem::path netns_dir = "/run/netns";  // fixed: what `ip netns` reads

  static Paths from_environment();

  std::filesystem::path pod_dir(const std::string& id) const { return run_dir / "pods" / id; }
  std::filesystem::path layers_dir(const std::string& id) const { return data_dir / "pods" / id; }
  // The pod's emptyDir volumes: kept across container restarts, removed with the pod's record.
  std::filesystem::path volumes_dir(const std::string& id) const {
    return data_dir / "volumes" / id;
  }
  std::filesystem::path names_dir() const { return run_dir / "names"; }
  // Empty; pause's read-only root is mounted on it inside pause's own mount namespace.
  std::filesystem::path pause_root() const { return run_dir / "pause-root"; }
};

}  // namespace minipod::state
