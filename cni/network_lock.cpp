#include "cni/network_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>

#include "common/error.h"
#include "common/fs.h"
#include "common/run_dir.h"
#include "common/trace.h"

namespace cni {

std::filesystem::path default_lock_dir() {
  return minipod::run_dir() / "cni-locks";
}

NetworkLock::NetworkLock(const std::filesystem::path& dir, const std::string& network, Mode mode,
                         const std::string& verb)
    : file_(dir / network) {
  const std::string step = "lock network \"" + network + "\" for CNI " + verb;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    minipod::with_context(step, [&] { minipod::fs::make_dirs(dir, 0700); });
  // O_NOFOLLOW: a link planted in the run dir must not make minipod create or lock another file.
  fd_.reset(::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd_) minipod::throw_errno(step, file_.string());
  const int op = mode == Mode::kExclusive ? LOCK_EX : LOCK_SH;
  if (::flock(fd_.get(), op | LOCK_NB) == 0) return;
  if (errno != EWOULDBLOCK) minipod::throw_errno(step, file_.string());
  minipod::Tracer::get().step(
      "CNI " + verb + " of network \"" + network + "\" waits for " +
          (mode == Mode::kExclusive ? "the ADDs and DELs in progress" : "the GC in progress") +
          " (lock " + file_.string() + ")",
      "flock " + std::string(mode == Mode::kExclusive ? "-x " : "-s ") + file_.string() + " true");
  int rc;
  do rc = ::flock(fd_.get(), op);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) minipod::throw_errno(step, file_.string());
}

}  // namespace cni
