#include "images/store/tree.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <set>
#include <utility>

#include "common/error.h"
#include "common/fd.h"

namespace minipod::images {

uint64_t tree_size(const std::filesystem::path& root) {
  namespace sfs = std::filesystem;
  struct stat root_st {};
  if (::lstat(root.c_str(), &root_st) != 0) throw_errno("stat", root.string());
  uint64_t total = 0;
  std::set<std::pair<dev_t, ino_t>> seen_links;
  std::error_code ec;
  sfs::recursive_directory_iterator it(root, sfs::directory_options::none, ec), end;
  if (ec) throw Error("read directory", root.string(), ec.value());
  for (; it != end; it.increment(ec)) {
    if (ec) throw Error("read directory", it->path().string(), ec.value());
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) throw_errno("stat", it->path().string());
    if (S_ISDIR(st.st_mode)) {
      if (st.st_dev != root_st.st_dev) it.disable_recursion_pending();
      continue;
    }
    if (S_ISREG(st.st_mode) && st.st_nlink > 1 && !seen_links.emplace(st.st_dev, st.st_ino).second)
      continue;
    if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) total += static_cast<uint64_t>(st.st_size);
  }
  return total;
}

bool exists_in_root(const std::filesystem::path& root, const std::string& path_in_root) {
  UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) throw_errno("open", root.string());
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = path_in_root;
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  UniqueFd fd(
      static_cast<int>(::syscall(SYS_openat2, root_fd.get(), rel.c_str(), &how, sizeof how)));
  if (fd) return true;
  // Only a definite "not there" counts; ENOSYS (old kernel) or EACCES leave the question open.
  return errno != ENOENT && errno != ENOTDIR && errno != ELOOP;
}

}  // namespace minipod::images
