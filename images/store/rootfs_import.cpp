#include "images/store/rootfs_import.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "common/strings.h"
#include "common/subprocess.h"
#include "common/trace.h"

namespace minipod::images {
namespace {

// Large images take a while; a stuck NFS source should still end some day.
constexpr std::chrono::minutes kImportTimeout{30};

std::string find_tool(const std::string& name) {
  for (const char* dir : {"/usr/bin", "/bin", "/usr/local/bin"}) {
    std::string path = std::string(dir) + "/" + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  throw Error("find " + name, "not found in /usr/bin, /bin or /usr/local/bin");
}

void run_tool(const std::vector<std::string>& argv, const std::string& what) {
  std::string command = join(argv, " ", [](const std::string& a) { return shell_quote(a); });
  Tracer::get().step(what, command);
  ProcessRequest req;
  req.path = find_tool(argv.front());
  req.argv = argv;
  req.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"};
  req.timeout = kImportTimeout;
  ProcessResult res = run_process(req);
  if (!res.ok()) {
    std::string err = res.err;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    throw Error(what, command + " failed (" + res.describe(req.timeout) + ")" +
                          (err.empty() ? "" : ": " + err));
  }
}

}  // namespace

void import_rootfs(const std::filesystem::path& source, const std::filesystem::path& rootfs) {
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT) throw UsageError(source.string(), "no such file or directory");
    throw Error("stat", source.string(), err);
  }
  std::string src = std::filesystem::absolute(source).string();
  if (S_ISDIR(st.st_mode)) {
    // "<dir>/." copies the content, not the directory itself; -a keeps owners, modes, links,
    // hard links, timestamps and xattrs; --reflink=auto makes it nearly free on btrfs/xfs.
    run_tool({"cp", "-a", "--reflink=auto", "--", src + "/.", rootfs.string()},
             "copy root filesystem");
  } else if (S_ISREG(st.st_mode)) {
    // tar detects gzip/xz/zstd/bzip2 by content. --numeric-owner: ids in the archive belong to
    // the image's /etc/passwd, not the host's, so they must not be mapped through names.
    run_tool({"tar", "-x", "-p", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-f", src,
              "-C", rootfs.string()},
             "extract root filesystem");
  } else {
    throw UsageError(source.string(), "expected a root filesystem directory or a tar archive");
  }
}

}  // namespace minipod::images
