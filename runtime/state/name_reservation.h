// A pod name is taken by creating <run>/names/<name> (O_EXCL) under the names lock; the file holds
// the pod id. Released when the pod is gone.
#pragma once

#include <string>

#include "common/fd.h"
#include "runtime/state/paths.h"

namespace minipod::state {

// The names lock (<run>/names.lock): held while names change, by reservations and by `minipod
// gc` releasing the names of pods that are gone.
UniqueFd lock_names(const Paths& paths);

class NameReservation {
 public:
  // Throws UsageError when the name is taken, naming the pod that holds it.
  NameReservation(const Paths& paths, const std::string& name, const std::string& id);
  ~NameReservation();
  NameReservation(const NameReservation&) = delete;
  NameReservation& operator=(const NameReservation&) = delete;

  void release();
  // The name stays taken after this object is gone (a stopped pod holds it until `rm`).
  void keep() { held_ = false; }

 private:
  std::filesystem::path file_;
  bool held_ = false;
};

}  // namespace minipod::state
