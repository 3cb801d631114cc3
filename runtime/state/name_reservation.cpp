#include "runtime/state/name_reservation.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"

namespace minipod::state {

// Serialises name changes against `minipod gc` and concurrent `run`s.
UniqueFd lock_names(const Paths& paths) {
  fs::make_dirs(paths.names_dir(), 0700);
  auto lock = paths.run_dir / "names.lock";
  UniqueFd fd(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) throw_errno("open", lock.string());
  if (::flock(fd.get(), LOCK_EX) != 0) throw_errno("flock", lock.string());
  return fd;
}

NameReservation::NameReservation(const Paths& paths, const std::string& name, const std::string& id,
                                 const std::vector<HostPort>& ports, const std::string& manifest)
    : paths_(paths), id_(id), file_(paths.names_dir() / name) {
  UniqueFd lock = lock_names(paths);
  UniqueFd fd(::open(file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) {
    if (errno == EEXIST) {
      std::string holder = fs::read_file_if_exists(file_).value_or("?");
      throw UsageError("reserve pod name", "a pod named \"" + name + "\" already exists (id " +
                                               holder.substr(0, 12) +
                                               "); choose another metadata.name");
    }
    throw_errno("create", file_.string());
  }
  held_ = true;
  if (::write(fd.get(), id.data(), id.size()) != static_cast<ssize_t>(id.size())) {
    int err = errno;
    release_locked();
    throw Error("write", file_.string(), err);
  }
  if (ports.empty()) return;
  try {
    if (auto holder = find_port_holder(paths, ports, id)) throw_port_taken(manifest, *holder);
    ports_held_ = true;
    reserve_host_ports(paths, ports, id, name);
  } catch (...) {
    release_locked();
    throw;
  }
}

NameReservation::~NameReservation() {
  release();
}

void NameReservation::release() {
  if (!ports_held_) return release_locked();  // a name alone goes with one unlink
  UniqueFd lock = lock_names(paths_);
  release_locked();
}

void NameReservation::release_locked() {
  if (ports_held_) remove_host_ports(paths_, id_);
  ports_held_ = false;
  if (held_) ::unlink(file_.c_str());
  held_ = false;
}

void NameReservation::release_ports() {
  if (!ports_held_) return;
  UniqueFd lock = lock_names(paths_);
  remove_host_ports(paths_, id_);
  ports_held_ = false;
}

}  // namespace minipod::state
