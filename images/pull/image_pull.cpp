#include "images/pull/image_pull.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/digest.h"
#include "common/error.h"
#include "common/file_lock.h"
#include "common/fs.h"
#include "common/subprocess.h"
#include "images/oci/image_ref.h"
#include "images/oci/store_layout.h"
#include "images/store/staging_dir.h"

extern char** environ;

namespace minipod::images {
namespace {

// Runs the helper with this process's stdio (its progress display needs the terminal) and waits.
int run_helper(const std::filesystem::path& helper, const std::vector<std::string>& args) {
  std::string path = helper.string();
  std::vector<std::string> all{"minipod-pull"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, path.c_str(), nullptr, nullptr, argv.data(), environ);
  if (rc != 0)
    throw Error("run " + path,
                "the registry verbs need minipod-pull installed next to minipod (cmake --build "
                "--target minipod-pull)",
                rc);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw_errno("wait for " + path, "pid " + std::to_string(pid));
  return shell_exit_code(status);
}

}  // namespace

std::filesystem::path pull_helper_path(const std::filesystem::path& minipod_binary) {
  if (!minipod_binary.empty()) return minipod_binary.parent_path() / "minipod-pull";
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("find minipod-pull", "readlink /proc/self/exe", ec.value());
  return self.parent_path() / "minipod-pull";
}
Image pull_image(ImageStore& store, const std::string& reference,
                 const std::vector<std::string>& helper_args,
                 const std::filesystem::path& minipod_binary) {
  ImageRef ref = parse_image_ref(reference);
  // Tag and digest as the user gave them: a digest pulls exactly that manifest.
  std::string name = ref.key();
  const std::filesystem::path root = layered_store_root(store.dir());
  fs::make_dirs(root / "locks", 0755);
  // One pull of a reference at a time: a second one waits here, then finds the manifest and its
  // layers in the store and fetches nothing but the manifest (each blob is downloaded and
  // unpacked once however many pulls want it).
  FileLock one_pull(root / "locks" / ("pull-" + sha256_hex(name).substr(0, 32) + ".lock"));
  // The helper skips what the store holds; prune must not take it away before the load below
  // has referenced it.
  FileLock no_prune(root / "locks" / "store.lock", LOCK_SH);
  // In the store itself, where gc sweeps what a killed pull left (the helper dies with minipod).
  StagingDir staging(root, "pull");
  std::vector<std::string> args{
      "image", "pull", name, "--oci-layout", staging.path().string(), "--store", root.string()};
  args.insert(args.end(), helper_args.begin(), helper_args.end());
  if (int code = run_helper(pull_helper_path(minipod_binary), args); code != 0)
    throw Error("pull image " + reference,
                "ErrImagePull: the registry client (minipod-pull) failed with exit code " +
                    std::to_string(code) + "; its message is above");
  auto images = with_context("pull image " + reference,
                             [&] { return store.load_layout(staging.path(), name); });
  if (images.empty()) throw Error("pull image " + reference, "the fetched layout holds no image");
  return images.front();
}

}  // namespace minipod::images
