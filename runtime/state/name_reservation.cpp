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

NameReservation::NameReservation(const Paths& paths, const std::string& name, const std::string& id)
    : file_(paths.names_dir() / name) {
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
    release();
    throw Error("write", file_.string(), err);
  }
}

NameReservation::~NameReservation() {
  release();
}

void NameReservation::release() {
  if (!held_) return;
  held_ = false;
  ::unlink(file_.c_str());
}

}  // namespace minipod::state
