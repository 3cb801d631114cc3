// A pod name is taken by creating <run>/names/<name> (O_EXCL) under the names lock; the file holds
// the pod id. Released when the pod is gone. The host ports the pod publishes are taken under the
// same hold of the lock (host_ports.h), so two pods started at once cannot both get one.
#pragma once

#include <string>
#include <vector>

#include "common/fd.h"
#include "runtime/state/host_ports.h"
#include "runtime/state/paths.h"

namespace minipod::state {

// The names lock (<run>/names.lock), held while the fd lives: serialises name and host port
// reservations against each other, concurrent `run`s and `minipod gc` releasing the names of
// pods that are gone.
UniqueFd lock_names(const Paths& paths);

class NameReservation {
 public:
  // Throws UsageError when the name is taken, naming the pod that holds it, or when one of
  // `ports` is published by another pod (naming the field of `manifest`, the port and the pod).
  NameReservation(const Paths& paths, const std::string& name, const std::string& id,
                  const std::vector<HostPort>& ports = {}, const std::string& manifest = "");
  ~NameReservation();
  NameReservation(const NameReservation&) = delete;
  NameReservation& operator=(const NameReservation&) = delete;

  // The name and the ports.
  void release();
  // The ports only: the pod no longer publishes them (its network is released); the name stays.
  void release_ports();
  // The name (and the ports not released) stay taken after this object is gone (a stopped pod
  // holds its name until `rm`).
  void keep() { held_ = ports_held_ = false; }

 private:
  void release_locked();  // release(), with the names lock held

  Paths paths_;
  std::string id_;
  std::filesystem::path file_;
  bool held_ = false;
  bool ports_held_ = false;
};

}  // namespace minipod::state
