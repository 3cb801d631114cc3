#include "images/store/busybox_image.h"

#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <sstream>
#include <string>

#include "common/error.h"
#include "common/fs.h"
#include "common/subprocess.h"
#include "common/trace.h"
#include "images/store/elf.h"

namespace minipod::images {
namespace {

void check_busybox(const std::filesystem::path& busybox) {
  const std::string step = "check " + busybox.string();
  struct stat st {};
  if (::stat(busybox.c_str(), &st) != 0)
    throw Error(step, "not found; install busybox-static (apt-get install busybox-static)");
  if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)
    throw Error(step, "not an executable file; install busybox-static");
  // Debian's plain "busybox" package installs a dynamically linked /bin/busybox, which cannot run
  // in a rootfs without the host's libc.
  if (!is_static_elf(busybox))
    throw Error(step,
                "dynamically linked (Debian package busybox); install busybox-static "
                "(apt-get install busybox-static), which replaces it");
}

// "usr/bin/wget" and friends, one per line.
std::vector<std::string> list_applets(const std::filesystem::path& busybox) {
  const std::string step = "list busybox applets";
  ProcessRequest req;
  req.path = busybox.string();
  req.argv = {busybox.string(), "--list-full"};
  req.timeout = std::chrono::seconds(10);
  Tracer::get().step("list busybox applets", shell_quote(req.path) + " --list-full");
  ProcessResult res = run_process(req);
  if (!res.ok())
    throw Error(step, busybox.string() + " --list-full failed (" + res.describe(req.timeout) +
                          "): " + res.err);
  std::vector<std::string> applets;
  std::istringstream lines(res.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line == "bin/busybox") continue;
    // linuxrc is the initrd entry point; meaningless in a container.
    if (line == "linuxrc") continue;
    if (line.front() == '/' || line.find("..") != std::string::npos)
      throw Error(step, "unexpected applet path \"" + line + "\" from " + busybox.string() +
                            " --list-full");
    applets.push_back(line);
  }
  if (applets.empty()) throw Error(step, busybox.string() + " --list-full listed no applets");
  return applets;
}

void make_dir(const std::filesystem::path& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) throw_errno("mkdir", path.string());
  // mkdir applies the umask; the image must not depend on the caller's.
  if (::chmod(path.c_str(), mode) != 0) throw_errno("chmod", path.string());
}

void make_symlink(const std::string& target, const std::filesystem::path& link) {
  if (::symlink(target.c_str(), link.c_str()) != 0)
    throw_errno("symlink", link.string() + " -> " + target);
}

void write_etc(const std::filesystem::path& rootfs) {
  auto etc = rootfs / "etc";
  fs::write_file(etc / "passwd",
                 "root:x:0:0:root:/root:/bin/sh\n"
                 "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  fs::write_file(etc / "group",
                 "root:x:0:\n"
                 "nobody:x:65534:\n");
  // Mount targets for the pod's files, so the runtime can bind-mount without creating them.
  for (const char* name : {"hosts", "hostname", "resolv.conf"}) fs::write_file(etc / name, "");
}

}  // namespace

ImageConfig populate_busybox_rootfs(const std::filesystem::path& rootfs,
                                    const std::filesystem::path& busybox) {
  check_busybox(busybox);
  auto applets = list_applets(busybox);

  Tracer::get().step("create busybox rootfs",
                     "mkdir -p " + shell_quote(rootfs.string()) + "/{bin,sbin,usr/bin,...}");
  struct Dir {
    const char* path;
    mode_t mode;
  };
  for (const Dir& d :
       {Dir{"bin", 0755}, Dir{"sbin", 0755}, Dir{"usr", 0755}, Dir{"usr/bin", 0755},
        Dir{"usr/sbin", 0755}, Dir{"dev", 0755}, Dir{"proc", 0555}, Dir{"sys", 0555},
        Dir{"etc", 0755}, Dir{"tmp", 01777}, Dir{"root", 0700}, Dir{"home", 0755}, Dir{"var", 0755},
        Dir{"var/tmp", 01777}, Dir{"var/log", 0755}, Dir{"run", 0755}, Dir{"www", 0755}})
    make_dir(rootfs / d.path, d.mode);

  Tracer::get().step("copy busybox", "cp " + shell_quote(busybox.string()) + " " +
                                         shell_quote((rootfs / "bin/busybox").string()));
  std::error_code ec;
  std::filesystem::copy_file(busybox, rootfs / "bin/busybox", ec);
  if (ec)
    throw Error("copy", busybox.string() + " -> " + (rootfs / "bin/busybox").string(), ec.value());
  if (::chmod((rootfs / "bin/busybox").c_str(), 0755) != 0)
    throw_errno("chmod", (rootfs / "bin/busybox").string());

  Tracer::get().step("link " + std::to_string(applets.size()) + " applets",
                     "ln -s /bin/busybox " + shell_quote(rootfs.string()) + "/<applet path>");
  std::set<std::string> made_dirs = {"bin", "sbin", "usr/bin", "usr/sbin"};
  for (const auto& applet : applets) {
    std::filesystem::path rel(applet);
    std::string parent = rel.parent_path().string();
    if (!parent.empty() && made_dirs.insert(parent).second) fs::make_dirs(rootfs / parent, 0755);
    make_symlink("/bin/busybox", rootfs / rel);
  }

  write_etc(rootfs);

  ImageConfig config;
  config.cmd = {"sh"};
  config.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  return config;
}

}  // namespace minipod::images
